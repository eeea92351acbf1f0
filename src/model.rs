//! Queries over the entries: finding an entry by reference, the previous
//! deploy of an environment, and the fold of entries into the set of
//! objects live in an environment.

use std::collections::BTreeMap;

use crate::journal::{Entry, EntryKind, FileAction, FileChange};
use crate::timestamp::Timestamp;

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
    #[error("`{reference}` is ambiguous; it matches:\n{candidates}\nuse `#SEQ`{hint}")]
    Ambiguous {
        /// The reference.
        reference: String,
        /// One line per candidate.
        candidates: String,
        /// ", a longer prefix, or --env" when they help.
        hint: String,
    },
}

/// Finds the entry named by `reference`: `#SEQ`, an exact version, or a
/// commit prefix (at least 4 hex digits; an abbreviated recorded commit also
/// matches a longer query). `env` narrows the search.
pub fn resolve_ref<'a>(
    entries: &'a [Entry],
    reference: &str,
    env: Option<&str>,
) -> Result<&'a Entry, RefError> {
    let in_env = |e: &&Entry| env.is_none_or(|env| e.env == env);
    let scope = env
        .map(|e| format!(" in environment `{e}`"))
        .unwrap_or_default();
    let not_found = || RefError::NotFound {
        reference: reference.to_string(),
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
    let by_version: Vec<&Entry> = entries
        .iter()
        .filter(in_env)
        .filter(|e| e.kind.changes_files() && e.version.as_deref() == Some(reference))
        .collect();
    let candidates = if !by_version.is_empty() {
        by_version
    } else if reference.len() >= 4 && reference.chars().all(|c| c.is_ascii_hexdigit()) {
        let query = reference.to_ascii_lowercase();
        entries
            .iter()
            .filter(in_env)
            .filter(|e| e.kind.changes_files())
            .filter(|e| {
                e.commit.as_deref().is_some_and(|c| {
                    let c = c.to_ascii_lowercase();
                    c.starts_with(&query) || (c.len() >= 7 && query.starts_with(&c))
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    match candidates.as_slice() {
        [] => Err(not_found()),
        [one] => Ok(one),
        many => Err(RefError::Ambiguous {
            reference: reference.to_string(),
            candidates: many
                .iter()
                .map(|e| format!("  {}", summary_line(e)))
                .collect::<Vec<_>>()
                .join("\n"),
            hint: if env.is_none() && many.iter().any(|e| e.env != many[0].env) {
                ", a longer prefix, or --env".into()
            } else {
                " or a longer prefix".into()
            },
        }),
    }
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
    entries
        .iter()
        .rev()
        .find(|e| e.env == env && e.kind.changes_files())
}

/// The objects live in an environment: key -> the put that made it live.
pub type LiveState = BTreeMap<String, FileChange>;

/// Folds the file changes of `env`'s entries with `seq <= upto` into the
/// set of live objects.
pub fn live_state(entries: &[Entry], env: &str, upto: u64) -> LiveState {
    let mut live = LiveState::new();
    for entry in entries
        .iter()
        .filter(|e| e.env == env && e.seq <= upto && e.kind.changes_files())
    {
        for file in &entry.files {
            match file.action {
                FileAction::Put => {
                    live.insert(file.key.clone(), file.clone());
                }
                FileAction::Delete => {
                    live.remove(&file.key);
                }
            }
        }
    }
    live
}

/// The latest state of one key as S3 reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// The key.
    pub key: String,
    /// Version ID of the latest version or delete marker ("null" when unversioned).
    pub version_id: Option<String>,
    /// ETag, without quotes (none for a delete marker).
    pub etag: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// LastModified.
    pub last_modified: Option<Timestamp>,
    /// The latest is a delete marker: the key is gone.
    pub deleted: bool,
}

/// What changed between the ledger's picture of an environment and what S3
/// reports now: puts for new or changed latest versions, deletes for keys
/// that are gone or behind a delete marker. In key order.
pub fn diff_observed(
    previous: &LiveState,
    current: &BTreeMap<String, Observed>,
) -> Vec<FileChange> {
    let mut changes = Vec::new();
    let keys: std::collections::BTreeSet<&String> = previous.keys().chain(current.keys()).collect();
    for key in keys {
        let before = previous.get(key);
        match current.get(key) {
            Some(now) if !now.deleted => {
                let same = before.is_some_and(|b| {
                    b.version_id == now.version_id
                        && (now.version_id.as_deref() != Some("null")
                            || (b.etag == now.etag
                                && b.size == now.size
                                && b.last_modified == now.last_modified))
                });
                if !same {
                    changes.push(FileChange {
                        key: key.clone(),
                        action: FileAction::Put,
                        version_id: now.version_id.clone(),
                        etag: now.etag.clone(),
                        size: now.size,
                        content_type: None,
                        cache_control: None,
                        last_modified: now.last_modified,
                    });
                }
            }
            gone => {
                if before.is_some() {
                    changes.push(FileChange {
                        key: key.clone(),
                        action: FileAction::Delete,
                        version_id: gone.and_then(|g| g.version_id.clone()),
                        etag: None,
                        size: None,
                        content_type: None,
                        cache_control: None,
                        last_modified: gone.and_then(|g| g.last_modified),
                    });
                }
            }
        }
    }
    changes
}

/// Deploy and rollback entries, newest first.
pub fn deploys_newest_first(entries: &[Entry]) -> Vec<&Entry> {
    entries
        .iter()
        .rev()
        .filter(|e| matches!(e.kind, EntryKind::Deploy | EntryKind::Rollback))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, env: &str, version: &str, commit: &str, files: Vec<FileChange>) -> Entry {
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

    fn file(key: &str, action: FileAction, version: &str) -> FileChange {
        FileChange {
            key: key.into(),
            action,
            version_id: Some(version.into()),
            etag: None,
            size: None,
            content_type: None,
            cache_control: None,
            last_modified: None,
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

    fn observed(key: &str, version: &str, deleted: bool) -> (String, Observed) {
        let observed = Observed {
            key: key.into(),
            version_id: Some(version.into()),
            etag: Some(format!("etag-{version}")),
            size: Some(1),
            last_modified: None,
            deleted,
        };
        (key.to_string(), observed)
    }

    #[test]
    fn diff_finds_puts_and_deletes() {
        let entries = vec![entry(
            1,
            "p",
            "v1",
            "a",
            vec![
                file("same", FileAction::Put, "1"),
                file("changed", FileAction::Put, "1"),
                file("gone", FileAction::Put, "1"),
                file("marked", FileAction::Put, "1"),
            ],
        )];
        let previous = live_state(&entries, "p", 1);
        let current: BTreeMap<String, Observed> = [
            observed("same", "1", false),
            observed("changed", "2", false),
            observed("marked", "dm", true),
            observed("new", "1", false),
        ]
        .into_iter()
        .collect();
        let diff = diff_observed(&previous, &current);
        let summary: Vec<(&str, FileAction, Option<&str>)> = diff
            .iter()
            .map(|f| (f.key.as_str(), f.action, f.version_id.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("changed", FileAction::Put, Some("2")),
                ("gone", FileAction::Delete, None),
                ("marked", FileAction::Delete, Some("dm")),
                ("new", FileAction::Put, Some("1")),
            ]
        );
    }

    #[test]
    fn fold_applies_puts_and_deletes_in_order() {
        let entries = vec![
            entry(
                1,
                "p",
                "v1",
                "a",
                vec![
                    file("a", FileAction::Put, "1"),
                    file("b", FileAction::Put, "1"),
                ],
            ),
            entry(2, "s", "v1", "a", vec![file("z", FileAction::Put, "1")]),
            entry(
                3,
                "p",
                "v2",
                "b",
                vec![
                    file("a", FileAction::Put, "2"),
                    file("b", FileAction::Delete, "x"),
                ],
            ),
        ];
        let live = live_state(&entries, "p", 3);
        assert_eq!(live.keys().collect::<Vec<_>>(), ["a"]);
        assert_eq!(live["a"].version_id.as_deref(), Some("2"));
        let live = live_state(&entries, "p", 2);
        assert_eq!(live.len(), 2);
        assert_eq!(live["a"].version_id.as_deref(), Some("1"));
    }
}
