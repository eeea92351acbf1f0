//! Dynamic shell completion: candidates read from the ledger where the user
//! stands (environment names, entry references, template names). A ledger
//! that cannot be read completes nothing rather than failing the shell.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::PathBuf;

use clap_complete::CompletionCandidate;

use crate::commands::Workspace;
use crate::config::Config;
use crate::journal::Journal;

/// The ledger folder as the command being completed would find it.
fn ledger_dir() -> PathBuf {
    let explicit = std::env::var_os("LEDGER_DIR").map(PathBuf::from);
    Workspace::resolve(explicit, None).ledger_dir
}

/// Candidates among `values` that start with what is typed so far.
fn matching(
    current: &OsStr,
    values: impl IntoIterator<Item = (String, Option<String>)>,
) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    values
        .into_iter()
        .filter(|(value, _)| value.starts_with(typed.as_ref()))
        .map(|(value, help)| CompletionCandidate::new(value).help(help.map(|h| h.into())))
        .collect()
}

/// The environments declared in `ledger.toml`.
pub fn environments(current: &OsStr) -> Vec<CompletionCandidate> {
    let Ok(config) = Config::load(&ledger_dir()) else {
        return Vec::new();
    };
    matching(
        current,
        config.environments.keys().map(|name| (name.clone(), None)),
    )
}

/// Entry references: `#SEQ` of every entry (newest first) and every version.
pub fn references(current: &OsStr) -> Vec<CompletionCandidate> {
    let Ok(journal) = Journal::load(&ledger_dir()) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    let mut versions = BTreeSet::new();
    for entry in journal.entries.iter().rev() {
        let label = format!("{} {}", entry.kind.as_str(), entry.env);
        if let Some(version) = &entry.version
            && versions.insert(version.clone())
        {
            values.push((version.clone(), Some(label.clone())));
        }
        values.push((format!("#{}", entry.seq), Some(label)));
    }
    matching(current, values)
}

/// Template names `render` accepts.
pub fn templates(current: &OsStr) -> Vec<CompletionCandidate> {
    matching(
        current,
        crate::render::template_names(&ledger_dir())
            .into_iter()
            .map(|name| (name, None)),
    )
}
