//! The fold of entries into the objects live in an environment, and the
//! diff between that picture and what S3 reports.

use std::collections::BTreeMap;

use crate::journal::{Entry, FileAction, FileChange, Index, JournalError};
use crate::timestamp::Timestamp;

/// The objects live in an environment: key -> the put that made it live.
pub type LiveState = BTreeMap<String, FileChange>;

/// Folds the file changes of `env`'s entries with `seq <= upto` into the
/// set of live objects.
pub fn live_state(entries: &[Entry], env: &str, upto: u64) -> LiveState {
    // Folded by reference: only the puts still live at the end are copied
    // (a long journal puts the same keys thousands of times).
    let mut live: BTreeMap<&str, &FileChange> = BTreeMap::new();
    for entry in entries
        .iter()
        .filter(|e| e.env == env && e.seq <= upto && e.kind.changes_files())
    {
        for file in &entry.files {
            match file.action {
                FileAction::Put => {
                    live.insert(&file.key, file);
                }
                FileAction::Delete => {
                    live.remove(file.key.as_str());
                }
            }
        }
    }
    (live.into_iter())
        .map(|(key, file)| (key.to_string(), file.clone()))
        .collect()
}

/// [`live_state`] over an [`Index`], from the entries in force: the same
/// fold, over each journal file's net changes where they hold.
pub fn live_state_indexed(index: &Index, env: &str, upto: u64) -> Result<LiveState, JournalError> {
    let mut live = LiveState::new();
    index.fold_files(env, upto, |file| match file.action {
        FileAction::Put => {
            live.insert(file.key.clone(), file.clone());
        }
        FileAction::Delete => {
            live.remove(&file.key);
        }
    })?;
    Ok(live)
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
                        version_id: now.version_id.clone(),
                        etag: now.etag.clone(),
                        size: now.size,
                        last_modified: now.last_modified,
                        ..FileChange::put(key.clone())
                    });
                }
            }
            gone => {
                if before.is_some() {
                    changes.push(FileChange {
                        version_id: gone.and_then(|g| g.version_id.clone()),
                        last_modified: gone.and_then(|g| g.last_modified),
                        ..FileChange::deleted(key.clone())
                    });
                }
            }
        }
    }
    changes
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::tests::entry;

    pub(crate) fn file(key: &str, action: FileAction, version: &str) -> FileChange {
        FileChange {
            action,
            version_id: Some(version.into()),
            ..FileChange::put(key)
        }
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
