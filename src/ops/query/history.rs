//! `ledger history KEY` and `ledger history --function NAME`: every
//! version of one object (or one pinned resource), with the entry that
//! brought it and the interval it was live.

use std::collections::BTreeSet;

use crate::journal::Index;
use crate::model::{
    self,
    audit::{KeyVersion, key_history_indexed},
};
use crate::ops::{Result, Workspace};
use crate::refuse;
use crate::services::{Pinning, Served, pin_history};
use crate::ui::Ui;

/// Whose history.
#[derive(Clone, Copy)]
pub enum HistoryOf<'a> {
    /// An object's, by key.
    Key(&'a str),
    /// A pinned resource's: its service and name.
    Pin(&'static dyn Pinning, &'a str),
}

/// A history, oldest first.
pub enum History {
    /// An object's: the key as recorded, and its versions.
    Key(String, Vec<KeyVersion>),
    /// A pinned resource's: its service, name and pins.
    Pin(&'static dyn Pinning, String, Vec<Served>),
}

/// The history of `of` in `env`.
pub fn history(workspace: &Workspace, env: &str, of: HistoryOf<'_>, ui: &Ui) -> Result<History> {
    let index = workspace.index(ui)?;
    let key = match of {
        HistoryOf::Pin(pinning, name) => {
            let entries = model::in_force(index.heads()?);
            let served = pin_history(&entries, env, pinning, name);
            if served.is_empty() {
                refuse!(
                    "no entry of `{env}` recorded {} `{name}`: declare it in ledger.toml and record a deploy",
                    pinning.noun()
                );
            }
            return Ok(History::Pin(pinning, name.to_string(), served));
        }
        HistoryOf::Key(key) => key,
    };
    let (key, history) = recorded_key(&index, env, key, ui)?;
    let unobserved: Vec<String> = (index.no_aws(env).iter())
        .map(|seq| format!("#{seq}"))
        .collect();
    if !unobserved.is_empty() {
        crate::note!(
            ui,
            "note: {} of {env} recorded with --no-aws: what {key} served after them is not known to the ledger",
            unobserved.join(", "),
        );
    }
    Ok(History::Key(key, history))
}

/// The key as recorded, with its history in force: `KEY` itself, or
/// without a leading `/` (a URL path, as CloudFront and browsers write it).
/// Refuses a key no entry in force recorded, naming recorded keys that end
/// the same way.
fn recorded_key(
    index: &Index,
    env: &str,
    key: &str,
    ui: &crate::ui::Ui,
) -> Result<(String, Vec<KeyVersion>)> {
    let keys: BTreeSet<String> = index.keys(env)?;
    // Keys only voided entries changed are listed, but have no history.
    let history = |k: &str| -> Result<Option<Vec<KeyVersion>>> {
        if !keys.contains(k) {
            return Ok(None);
        }
        let history = key_history_indexed(index, env, k)?;
        Ok((!history.is_empty()).then_some(history))
    };
    if let Some(found) = history(key)? {
        return Ok((key.to_string(), found));
    }
    let trimmed = key.trim_start_matches('/');
    if trimmed != key
        && let Some(found) = history(trimmed)?
    {
        crate::note!(ui, "note: {key} is the URL path of key {trimmed}");
        return Ok((trimmed.to_string(), found));
    }
    let name = trimmed.rsplit('/').next().unwrap_or(trimmed);
    let mut similar: Vec<&str> = Vec::new();
    for candidate in keys
        .iter()
        .filter(|k| !name.is_empty() && k.ends_with(name))
    {
        if history(candidate)?.is_some() {
            similar.push(candidate);
        }
    }
    let hint = if similar.is_empty() {
        format!("`ledger live --env {env}` lists the keys live now")
    } else {
        format!("recorded keys ending so: {}", similar.join(", "))
    };
    refuse!(
        "no entry of `{env}` recorded the key `{key}`: keys are S3 keys, prefix included; {hint}"
    )
}
