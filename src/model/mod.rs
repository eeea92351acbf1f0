//! Queries over the entries: finding an entry by reference, the previous
//! deploy of an environment, the fold of entries into the objects live in
//! an environment ([`fold`]), and the auditor's questions ([`audit`]).

pub mod audit;
mod fold;
mod pins;

pub use fold::{LiveState, Observed, diff_observed, live_state, live_state_indexed};
pub use pins::{
    LivePins, PinAt, all_live_pins, changed_pins, last_pins_change, live_pins, pin_name,
};

use std::borrow::Cow;
use std::collections::HashMap;

use crate::journal::questions::Last;
use crate::journal::{Entry, EntryKind};

/// A reference to an entry could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum RefError {
    /// Nothing matches.
    #[error(
        "no entry matches `{reference}`{scope}: use `#SEQ`, a version, or a commit prefix (see `ledger log`)"
    )]
    NotFound {
        /// The reference.
        reference: String,
        /// " in environment X" when narrowed.
        scope: String,
    },
    /// Several entries match.
    #[error(
        "`{reference}` is ambiguous; it names {count} entries:\n{candidates}\nname one by `#SEQ`{hint}"
    )]
    Ambiguous {
        /// The reference.
        reference: String,
        /// How many entries it names.
        count: usize,
        /// One line per candidate.
        candidates: String,
        /// ", a longer prefix, or --env" when they help.
        hint: String,
    },
    /// A hex string too short to be taken for a commit prefix.
    #[error(
        "no entry has the version `{reference}`{scope}, and a commit prefix needs 4 or more hex digits \
         (see `ledger log`)"
    )]
    ShortPrefix {
        /// The reference.
        reference: String,
        /// " in environment X" when narrowed.
        scope: String,
    },
}

/// Finds the entry named by `reference`: `#SEQ` (any entry), a version (a
/// deploy or rollback of that version), or a commit prefix (at least 4 hex
/// digits; an abbreviated recorded commit also matches a longer query).
/// Voided entries are found by `#SEQ` only. `env` narrows the search. A
/// reference that names several entries (two environments, a redeploy, a
/// rollback to the release) is ambiguous: the error lists them all.
pub fn resolve_ref<'a>(
    entries: &'a [Entry],
    reference: &str,
    env: Option<&str>,
) -> Result<&'a Entry, RefError> {
    let voided = voided_by(entries);
    let in_env = |e: &&Entry| env.is_none_or(|env| e.env == env);
    let scope = env
        .map(|e| format!(" in environment `{e}`"))
        .unwrap_or_default();
    let not_found = || RefError::NotFound {
        reference: crate::ui::printable(reference).into_owned(),
        scope: scope.clone(),
    };
    if let Some(number) = reference.strip_prefix('#') {
        let seq: u64 = number.parse().map_err(|_| not_found())?;
        return entries
            .iter()
            .filter(in_env)
            .find(|e| e.seq == seq)
            .ok_or_else(not_found);
    }
    let live = |e: &&Entry| e.kind.names_release() && !voided.contains_key(&e.seq);
    let in_force: Vec<&Entry> = entries.iter().filter(in_env).filter(live).collect();
    match candidates(&in_force, reference).as_slice() {
        [] if is_short_hex(reference) => Err(RefError::ShortPrefix {
            reference: crate::ui::printable(reference).into_owned(),
            scope,
        }),
        [] => Err(not_found()),
        [one] => Ok(one),
        many => Err(ambiguous(reference, many, env.is_none())),
    }
}

/// The error for a reference that names every entry of `many`.
fn ambiguous(reference: &str, many: &[&Entry], env_helps: bool) -> RefError {
    let envs_differ = many.iter().any(|e| e.env != many[0].env);
    let commits_differ = many.iter().any(|e| e.commit != many[0].commit);
    let mut hint = Vec::new();
    if commits_differ && is_hex(reference) {
        hint.push("a longer prefix");
    }
    if env_helps && envs_differ {
        hint.push("--env");
    }
    RefError::Ambiguous {
        reference: crate::ui::printable(reference).into_owned(),
        count: many.len(),
        candidates: many
            .iter()
            .map(|e| format!("  {}", summary_line(e)))
            .collect::<Vec<_>>()
            .join("\n"),
        hint: match hint.as_slice() {
            [] => String::new(),
            [one] => format!(" or {one}"),
            more => format!(", {}", more.join(" or ")),
        },
    }
}

fn is_hex(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_hexdigit())
}

fn is_short_hex(text: &str) -> bool {
    is_hex(text) && text.len() < 4
}

/// The entries `reference` may name among `entries`: those of that version,
/// else those whose commit it abbreviates (or that abbreviate it).
fn candidates<'a>(entries: &[&'a Entry], reference: &str) -> Vec<&'a Entry> {
    let by_version: Vec<&Entry> = (entries.iter().copied())
        .filter(|e| e.version.as_deref() == Some(reference))
        .collect();
    if !by_version.is_empty() || reference.len() < 4 || !is_hex(reference) {
        return by_version;
    }
    let query = reference.to_ascii_lowercase();
    let abbreviates = |commit: &str| {
        let commit = commit.to_ascii_lowercase();
        commit.starts_with(&query) || (commit.len() >= 7 && query.starts_with(&commit))
    };
    (entries.iter().copied())
        .filter(|e| e.commit.as_deref().is_some_and(abbreviates))
        .collect()
}

/// Voided entries: seq of the voided entry -> seq of the void that marks it.
pub fn voided_by(entries: &[Entry]) -> HashMap<u64, u64> {
    entries
        .iter()
        .filter(|e| e.kind == EntryKind::Void)
        .filter_map(|e| e.voids.map(|target| (target, e.seq)))
        .collect()
}

/// The entries in force: every entry but those a later void marks as
/// recorded in error. Folds, queries and documents work on these. Borrowed
/// when nothing is voided (a long history is not copied for nothing).
pub fn in_force(entries: &[Entry]) -> Cow<'_, [Entry]> {
    let voided = voided_by(entries);
    if voided.is_empty() {
        return Cow::Borrowed(entries);
    }
    entries
        .iter()
        .filter(|e| !voided.contains_key(&e.seq))
        .cloned()
        .collect()
}

/// The lock in force on `env`: its last lock entry, when no unlock followed.
pub fn lock_of<'a>(entries: &'a [Entry], env: &str) -> Option<&'a Entry> {
    let voided = voided_by(entries);
    entries
        .iter()
        .rev()
        .filter(|e| e.env == env && !voided.contains_key(&e.seq))
        .find(|e| Last::LockOrUnlock.answered_by(e))
        .filter(|e| e.kind == EntryKind::Lock)
}

/// How a lock is described in messages: `#7 by ana at 2026-...: why`.
pub fn lock_line(lock: &Entry) -> String {
    format!(
        "#{} by {} at {}: {}",
        lock.seq,
        lock.deployed_by.as_deref().unwrap_or("-"),
        lock.deployed_at,
        lock.reason.as_deref().unwrap_or("no reason given")
    )
}

/// The last entry of `env` that read what S3 serves (a deploy or rollback
/// not recorded with `--no-aws`).
pub fn last_observed<'a>(entries: &'a [Entry], env: &str) -> Option<&'a Entry> {
    Last::Observed.find(entries, env)
}

/// One line describing an entry: `#3 production v2.1.1 34a82e5 2026-01-05 (by)`.
pub fn summary_line(entry: &Entry) -> String {
    format!(
        "#{} {} {} {} {} {}",
        entry.seq,
        entry.env,
        entry.version.as_deref().unwrap_or(entry.kind.as_str()),
        entry.short_commit(),
        entry.deployed_at,
        entry.deployed_by.as_deref().unwrap_or("-"),
    )
}

/// The last entry that changed files in `env` (a deploy or rollback).
pub fn last_deploy<'a>(entries: &'a [Entry], env: &str) -> Option<&'a Entry> {
    Last::Deploy.find(entries, env)
}

/// The entry `seq` of `entries` (in seq order, as a journal is).
pub fn by_seq(entries: &[Entry], seq: u64) -> Option<&Entry> {
    match entries.binary_search_by_key(&seq, |e| e.seq) {
        Ok(at) => entries.get(at),
        Err(_) => entries.iter().find(|e| e.seq == seq),
    }
}

/// Deploy, rollback and void entries (the document's history), newest first.
pub fn deploys_newest_first(entries: &[Entry]) -> Vec<&Entry> {
    entries
        .iter()
        .rev()
        .filter(|e| {
            matches!(
                e.kind,
                EntryKind::Deploy | EntryKind::Rollback | EntryKind::Void
            )
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::timestamp::Timestamp;

    pub(crate) fn entry(
        seq: u64,
        env: &str,
        version: &str,
        commit: &str,
        files: Vec<crate::journal::FileChange>,
    ) -> Entry {
        Entry {
            seq,
            version: Some(version.into()),
            commit: Some(commit.into()),
            files,
            ..Entry::new(
                EntryKind::Deploy,
                env,
                Timestamp::parse_stored("2026-01-05").unwrap(),
            )
        }
    }

    #[test]
    fn refs_resolve_by_seq_version_and_prefix() {
        let entries = vec![
            entry(1, "staging", "v1", "abcdef1234", vec![]),
            entry(2, "production", "v1", "abcdef1234", vec![]),
            entry(3, "production", "v2", "abd0000000", vec![]),
        ];
        assert_eq!(resolve_ref(&entries, "#3", None).unwrap().seq, 3);
        assert_eq!(resolve_ref(&entries, "v2", None).unwrap().seq, 3);
        assert_eq!(
            resolve_ref(&entries, "v1", Some("production")).unwrap().seq,
            2
        );
        assert_eq!(resolve_ref(&entries, "abd0", None).unwrap().seq, 3);
        let err = resolve_ref(&entries, "abcd", None).unwrap_err().to_string();
        assert!(
            err.contains("#1") && err.contains("#2") && err.contains("--env"),
            "{err}"
        );
        assert!(resolve_ref(&entries, "ab", None).is_err());
        assert!(resolve_ref(&entries, "#9", None).is_err());
    }
}
