//! The fold of entries into the Lambda versions serving an environment, and
//! the diff between that picture and what Lambda reports.

use std::collections::BTreeMap;

use crate::journal::{Entry, FunctionVersion};
use crate::timestamp::Timestamp;

/// The versions serving an environment: function name -> the entry's record.
pub type LiveFunctions = BTreeMap<String, FunctionVersion>;

/// Folds the function versions of `env`'s deploys and rollbacks with
/// `seq <= upto`.
pub fn live_functions(entries: &[Entry], env: &str, upto: u64) -> LiveFunctions {
    let mut live = LiveFunctions::new();
    for entry in entries
        .iter()
        .filter(|e| e.env == env && e.seq <= upto && e.kind.changes_files())
    {
        for function in &entry.functions {
            live.insert(function.name.clone(), function.clone());
        }
    }
    live
}

/// The functions whose serving version (or its code) differs from the
/// picture: what a deploy records.
pub fn diff_functions(
    previous: &LiveFunctions,
    current: &[FunctionVersion],
) -> Vec<FunctionVersion> {
    current
        .iter()
        .filter(|now| match previous.get(&now.name) {
            Some(before) => {
                before.version != now.version
                    || before.code_sha256 != now.code_sha256
                    || before.alias != now.alias
            }
            None => true,
        })
        .cloned()
        .collect()
}

/// The last entry of `env` (in force, in `entries`) that pinned any
/// function version.
pub fn last_functions_change<'a>(entries: &'a [Entry], env: &str) -> Option<&'a Entry> {
    entries
        .iter()
        .rev()
        .find(|e| e.env == env && e.kind.changes_files() && !e.functions.is_empty())
}

/// The last entry of `env` (in force, in `entries`) that changed function
/// `name`'s serving version.
pub fn last_function_change<'a>(entries: &'a [Entry], env: &str, name: &str) -> Option<&'a Entry> {
    entries.iter().rev().find(|e| {
        e.env == env && e.kind.changes_files() && e.functions.iter().any(|f| f.name == name)
    })
}

/// One version a function served, in the ledger's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FunctionServed {
    /// The entry that pinned it.
    pub seq: u64,
    /// `deploy` or `rollback`.
    pub kind: &'static str,
    /// That entry's version name.
    pub release: Option<String>,
    /// The alias that served it, if any.
    pub alias: Option<String>,
    /// The function version.
    pub version: String,
    /// Its code SHA-256.
    pub code_sha256: Option<String>,
    /// Served from (the entry's deploy time).
    pub from: Timestamp,
    /// Served until (the next change's deploy time), or still serving.
    pub until: Option<Timestamp>,
}

/// Every version function `name` served in `env`, oldest first.
pub fn function_history(entries: &[Entry], env: &str, name: &str) -> Vec<FunctionServed> {
    let mut history: Vec<FunctionServed> = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| e.env == env && e.kind.changes_files())
    {
        for function in entry.functions.iter().filter(|f| f.name == name) {
            if let Some(last) = history.last_mut() {
                last.until = Some(entry.deployed_at);
            }
            history.push(FunctionServed {
                seq: entry.seq,
                kind: entry.kind.as_str(),
                release: entry.version.clone(),
                alias: function.alias.clone(),
                version: function.version.clone(),
                code_sha256: function.code_sha256.clone(),
                from: entry.deployed_at,
                until: None,
            });
        }
    }
    history
}
