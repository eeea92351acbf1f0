//! Dynamic shell completion: candidates read from the ledger where the user
//! stands (environment names, entry references, template names). A ledger
//! that cannot be read completes nothing rather than failing the shell.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::PathBuf;

use clap_complete::CompletionCandidate;

use crate::config::Config;
use crate::journal::Journal;
use crate::ops::Workspace;

/// The ledger folder as the command being completed would find it:
/// `--ledger DIR` on the line being completed, else `LEDGER_DIR`, else found.
fn ledger_dir() -> PathBuf {
    let explicit = flag_on_the_line("--ledger")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("LEDGER_DIR").map(PathBuf::from));
    Workspace::resolve(explicit, None).ledger_dir
}

/// The value of `flag` (`--flag VALUE` or `--flag=VALUE`) among the words
/// the shell passed (`ledger -- ledger WORDS...` while completing); the
/// last one given.
fn flag_on_the_line(flag: &str) -> Option<String> {
    let words: Vec<String> = std::env::args_os()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    let joined = format!("{flag}=");
    let mut found = None;
    for (i, word) in words.iter().enumerate() {
        if let Some(value) = word.strip_prefix(&joined) {
            found = Some(value.to_string());
        } else if word == flag {
            found = words.get(i + 1).cloned();
        }
    }
    found
}

/// Candidates among `values` that start with what is typed so far.
fn matching(
    current: &OsStr,
    values: impl IntoIterator<Item = (String, Option<String>)>,
) -> Vec<CompletionCandidate> {
    let lossy = current.to_string_lossy();
    let typed = lossy.trim_start_matches('\\');
    values
        .into_iter()
        .filter(|(value, _)| value.starts_with(typed))
        .map(|(value, help)| {
            CompletionCandidate::new(shell_word(&value)).help(help.map(|h| h.into()))
        })
        .collect()
}

/// A candidate as the shell must receive it: `#2` would start a comment in
/// bash, zsh and fish, so it is written `\#2`.
fn shell_word(value: &str) -> String {
    match value.strip_prefix('#') {
        Some(rest) => format!("\\#{rest}"),
        None => value.to_string(),
    }
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

/// Entry references: `#SEQ` of every entry (newest first) and every
/// version; only the entries of `--env ENV` when the line names one.
pub fn references(current: &OsStr) -> Vec<CompletionCandidate> {
    let Ok(journal) = Journal::load(&ledger_dir()) else {
        return Vec::new();
    };
    let env = flag_on_the_line("--env");
    let in_env = |e: &&crate::journal::Entry| env.as_ref().is_none_or(|env| &e.env == env);
    let mut values = Vec::new();
    let mut versions = BTreeSet::new();
    for entry in journal.entries.iter().rev().filter(in_env) {
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
