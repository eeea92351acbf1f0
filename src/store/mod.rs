//! One chain, many writers: putting the entries a writer recorded locally
//! after the entries already published by others (a git remote), with new
//! `seq`, `prev_hash` and `hash`, every other field kept, and the file
//! changes of each re-diffed against the new picture of its environment.
//! Published entries are never changed: their bytes stay a prefix.

pub mod git;
#[cfg(feature = "aws")]
pub mod s3;

use std::collections::HashMap;
use std::path::Path;

use crate::config::Config;
use crate::journal::{
    Entry, FileAction, FileChange, Journal, JournalError, Local, Storage, StorageError,
};
use crate::model::{self, LiveState};

/// Where `config` says the journal of record is kept: its `[store]` (S3),
/// else the git repository at `repo_dir` (a remote `ledger sync` publishes
/// to), else the ledger folder alone.
pub fn open(
    config: &Config,
    ledger_dir: &Path,
    repo_dir: &Path,
    ui: &crate::ui::Ui,
) -> Result<Box<dyn Storage>, StorageError> {
    #[cfg(feature = "aws")]
    if let Some(store) = &config.store {
        let store = s3::S3Store::connect(store, ledger_dir, crate::aws::CallPolicy::default(), ui)
            .map_err(|e| match e {
                s3::StoreError::Journal(e) => StorageError::Journal(e),
                other => {
                    let retryable = other.is_retryable();
                    StorageError::remote(other, retryable)
                }
            })?;
        return Ok(Box::new(store));
    }
    let _ = (config, ui);
    Ok(match crate::git::GitRepo::discover(repo_dir) {
        Ok(repo) => Box::new(git::GitStorage {
            ledger_dir: ledger_dir.to_path_buf(),
            repo_dir: repo.root().to_path_buf(),
        }),
        Err(_) => Box::new(Local {
            dir: ledger_dir.to_path_buf(),
        }),
    })
}

/// Why local entries cannot be put after the published ones.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The two journals hold the same entries in another order.
    #[error(
        "the journals disagree at entry #{seq}: {published} holds `{theirs}` there and the local journal \
         `{ours}`, an entry {published} holds later; one of them was reordered (run `ledger verify`)"
    )]
    Diverged {
        /// Where they part.
        seq: u64,
        /// Where the published journal comes from.
        published: String,
        /// The published entry's summary.
        theirs: String,
        /// The local entry's summary.
        ours: String,
    },
    /// Two deploys of one environment overlapped: a local entry is older
    /// than a published entry of the same environment.
    #[error(
        "two deploys of `{env}` overlapped: the local entry {ours} read S3 before {theirs}, already published, \
         was recorded; nothing was merged. Entries of an environment stay in time order: void the local entry \
         (`ledger void '#{seq}' --reason ...`), sync, and record the environment again, which captures S3 as \
         it is now"
    )]
    Overlap {
        /// The environment.
        env: String,
        /// The local entry's summary.
        ours: String,
        /// Its local seq.
        seq: u64,
        /// The published entry's summary.
        theirs: String,
    },
    /// One side's hash chain is broken: nothing is merged onto it.
    #[error(
        "{name}: the hash chain is broken at entry #{seq}; nothing was merged (run `ledger verify`)"
    )]
    Broken {
        /// Which side.
        name: String,
        /// The first entry that does not hold.
        seq: u64,
    },
    /// An entry could not be sealed.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// The merged journal.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The new journal text: the published text, then the moved entries.
    pub text: String,
    /// Entries only the local journal held, as re-chained: (old seq, entry).
    pub moved: Vec<(u64, Entry)>,
    /// Entries only the published journal held (the others' new entries).
    pub received: usize,
}

/// Puts the entries only `local` holds after those of `published`.
/// Both must share a prefix (by hash) and then differ only by what each
/// appended; `published_name` names the published side in messages.
pub fn rebase(
    published: &Journal,
    local: &Journal,
    published_name: &str,
) -> Result<Merged, MergeError> {
    let common = published
        .entries
        .iter()
        .zip(&local.entries)
        .take_while(|(a, b)| a.hash == b.hash)
        .count();
    let ours = &local.entries[common..];
    let theirs = &published.entries[common..];
    for (journal, name) in [(published, published_name), (local, "the local journal")] {
        if let Some(seq) = journal.first_broken() {
            return Err(MergeError::Broken {
                name: name.to_string(),
                seq,
            });
        }
    }
    let published_hashes: std::collections::HashSet<&str> =
        theirs.iter().map(|e| e.hash.as_str()).collect();
    if let Some(o) = ours
        .iter()
        .find(|o| published_hashes.contains(o.hash.as_str()))
    {
        return Err(MergeError::Diverged {
            seq: o.seq,
            published: published_name.to_string(),
            theirs: model::summary_line(&theirs[0]),
            ours: model::summary_line(o),
        });
    }
    let (ours, renumbered) = unpublished(ours, theirs);
    check_overlap(&ours, theirs)?;
    let (text, moved) = rechain(published, local, &ours, theirs, renumbered)?;
    Ok(Merged {
        text,
        moved,
        received: theirs.len(),
    })
}

/// The local entries not published yet. An entry published by an earlier
/// sync of this writer (re-chained there) is the same event as its local
/// copy: it is not moved again, and references to it follow it (the map
/// from local to published seq).
fn unpublished(ours: &[Entry], theirs: &[Entry]) -> (Vec<Entry>, HashMap<u64, u64>) {
    let published: HashMap<String, u64> = theirs.iter().map(|e| (e.identity(), e.seq)).collect();
    let mut renumbered = HashMap::new();
    let mut kept = Vec::new();
    for entry in ours {
        match published.get(&entry.identity()) {
            Some(&seq) => {
                renumbered.insert(entry.seq, seq);
            }
            None => kept.push(entry.clone()),
        }
    }
    (kept, renumbered)
}

/// Seals `ours` after `published`: references renumbered, file changes
/// re-diffed against the new picture. Refuses an entry whose re-diff would
/// change a key that a published entry of its environment recorded: its
/// capture and that entry overlapped, and which saw S3 last is unknown.
fn rechain(
    published: &Journal,
    local: &Journal,
    ours: &[Entry],
    theirs: &[Entry],
    mut renumbered: HashMap<u64, u64>,
) -> Result<(String, Vec<(u64, Entry)>), MergeError> {
    let mut staged = published.clone();
    // Our entries, re-chained, are signed again by our signer.
    staged.signer = local.signer.clone();
    let mut text = published.text.clone();
    let mut moved = Vec::with_capacity(ours.len());
    let local_in_force = model::in_force(&local.entries);
    let voided_here = model::voided_by(&local.entries);
    for entry in ours {
        let mut next = entry.clone();
        next.restores = next.restores.map(|s| *renumbered.get(&s).unwrap_or(&s));
        next.voids = next.voids.map(|s| *renumbered.get(&s).unwrap_or(&s));
        // A voided entry is out of every fold: its files stay as recorded.
        if entry.has_object_state() && !voided_here.contains_key(&entry.seq) {
            let observed = model::live_state(&local_in_force, &entry.env, entry.seq);
            let in_force = model::in_force(&staged.entries);
            let picture = model::live_state(&in_force, &entry.env, u64::MAX);
            next.files = rediff(&picture, &observed, &entry.files);
            check_stale(entry, &next.files, theirs)?;
        }
        let (sealed, block) = staged.seal(next)?;
        crate::journal::push_block(&mut text, &block);
        renumbered.insert(entry.seq, sealed.seq);
        staged.entries.push(sealed.clone());
        moved.push((entry.seq, sealed));
    }
    Ok((text, moved))
}

/// Refuses re-diffed `files` that touch a key a published entry of the
/// same environment recorded (see [`rechain`]).
fn check_stale(entry: &Entry, files: &[FileChange], theirs: &[Entry]) -> Result<(), MergeError> {
    let landed = theirs
        .iter()
        .filter(|t| t.env == entry.env && t.has_object_state())
        .find(|t| files.iter().any(|f| t.files.iter().any(|g| g.key == f.key)));
    match landed {
        Some(theirs) => Err(MergeError::Overlap {
            env: entry.env.clone(),
            ours: model::summary_line(entry),
            seq: entry.seq,
            theirs: model::summary_line(theirs),
        }),
        None => Ok(()),
    }
}

/// Refuses a local entry of an environment older than a published entry
/// of the same environment that the local writer did not see.
fn check_overlap(ours: &[Entry], theirs: &[Entry]) -> Result<(), MergeError> {
    // An entry voided here is out of every fold: its place in time is moot.
    let voided = model::voided_by(ours);
    let ours = ours
        .iter()
        .filter(|e| e.kind.changes_files() && !voided.contains_key(&e.seq));
    for entry in ours {
        let newer = theirs.iter().find(|t| {
            t.env == entry.env && t.kind.changes_files() && t.deployed_at > entry.deployed_at
        });
        if let Some(newer) = newer {
            return Err(MergeError::Overlap {
                env: entry.env.clone(),
                ours: model::summary_line(entry),
                seq: entry.seq,
                theirs: model::summary_line(newer),
            });
        }
    }
    Ok(())
}

/// The file changes that take `picture` to `observed`: puts copied from the
/// observed state (with the metadata recorded for them), deletes for keys
/// no longer live (with the delete marker the original entry recorded).
pub fn rediff(
    picture: &LiveState,
    observed: &LiveState,
    original: &[FileChange],
) -> Vec<FileChange> {
    let mut files = Vec::new();
    for (key, now) in observed {
        let same = picture
            .get(key)
            .is_some_and(|before| before.version_id == now.version_id && before.etag == now.etag);
        if !same {
            files.push(FileChange {
                action: FileAction::Put,
                ..now.clone()
            });
        }
    }
    for key in picture.keys().filter(|k| !observed.contains_key(*k)) {
        let recorded = original
            .iter()
            .find(|f| &f.key == key && f.action == FileAction::Delete);
        files.push(
            recorded
                .cloned()
                .unwrap_or_else(|| FileChange::deleted(key)),
        );
    }
    files.sort_by(|a, b| a.key.cmp(&b.key));
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{EMPTY_JOURNAL, EntryKind};
    use crate::timestamp::Timestamp;

    fn put(key: &str, version: &str) -> FileChange {
        FileChange {
            action: FileAction::Put,
            version_id: Some(version.into()),
            etag: Some(format!("etag-{version}")),
            ..FileChange::deleted(key)
        }
    }

    fn deploy(env: &str, version: &str, at: &str, files: Vec<FileChange>) -> Entry {
        Entry {
            version: Some(version.into()),
            files,
            ..Entry::new(EntryKind::Deploy, env, Timestamp::parse_stored(at).unwrap())
        }
    }

    /// A journal of `entries`, sealed in order.
    fn journal(entries: Vec<Entry>) -> Journal {
        let path = std::path::Path::new("journal.toml");
        let mut journal = Journal::parse(path, EMPTY_JOURNAL.to_string()).unwrap();
        let mut text = journal.text.clone();
        for entry in entries {
            let (sealed, block) = journal.seal(entry).unwrap();
            crate::journal::push_block(&mut text, &block);
            journal.entries.push(sealed);
        }
        Journal::parse(path, text).unwrap()
    }

    #[test]
    fn local_entries_follow_the_published_ones_rediffed_and_renumbered() {
        let first = deploy("p", "v1", "2026-01-01T10:00:00Z", vec![put("a", "1")]);
        let theirs = deploy("s", "s1", "2026-01-01T11:00:00Z", vec![put("z", "1")]);
        let theirs_p = deploy("p", "v2", "2026-01-01T11:30:00Z", vec![put("b", "1")]);
        // Recorded here after S3 had theirs_p's upload: it saw b too.
        let ours = deploy(
            "p",
            "v3",
            "2026-01-01T12:00:00Z",
            vec![put("a", "2"), put("b", "1")],
        );
        let published = journal(vec![first.clone(), theirs, theirs_p]);
        let local = journal(vec![first, ours.clone()]);
        let void = Entry {
            voids: Some(3),
            reason: Some("x".into()),
            ..Entry::new(
                EntryKind::Void,
                "p",
                Timestamp::parse_stored("2026-01-01T13:00:00Z").unwrap(),
            )
        };
        let mistake = deploy("s", "s9", "2026-01-01T12:30:00Z", vec![]);
        let local = journal(
            local
                .entries
                .iter()
                .cloned()
                .chain([mistake, void])
                .map(|mut e| {
                    e.seq = 0;
                    e
                })
                .collect(),
        );
        let merged = rebase(&published, &local, "remote").unwrap();
        assert!(
            merged.text.starts_with(&published.text),
            "published bytes kept"
        );
        assert_eq!(merged.received, 2);
        let result = Journal::parse(std::path::Path::new("j"), merged.text).unwrap();
        assert_eq!(result.first_broken(), None, "the chain holds");
        let moved = &result.entries[3];
        assert_eq!((moved.seq, moved.version.as_deref()), (4, Some("v3")));
        let files: Vec<(&str, &str)> = moved
            .files
            .iter()
            .map(|f| (f.key.as_str(), f.version_id.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(files, [("a", "2")], "b was already in the new picture");
        assert_eq!(
            result.entries[5].voids,
            Some(5),
            "the void follows its entry"
        );
        // Syncing the result again moves nothing.
        let again = rebase(&result, &local, "remote").unwrap();
        assert!(again.moved.is_empty());
    }

    #[test]
    fn a_capture_older_than_a_published_entry_of_its_keys_is_refused() {
        // Appended later, but its listing predates the published entry's
        // upload of b: the re-diff would claim b deleted.
        let first = deploy("p", "v1", "2026-01-01T10:00:00Z", vec![put("a", "1")]);
        let theirs = deploy("p", "v2", "2026-01-01T11:00:00Z", vec![put("b", "1")]);
        let ours = deploy("p", "v3", "2026-01-01T12:00:00Z", vec![put("a", "2")]);
        let published = journal(vec![first.clone(), theirs]);
        let local = journal(vec![first, ours]);
        let error = rebase(&published, &local, "remote")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("overlapped") && error.contains("p v2"),
            "{error}"
        );
    }

    #[test]
    fn an_older_local_entry_of_an_environment_is_refused() {
        let first = deploy("p", "v1", "2026-01-01T10:00:00Z", vec![]);
        let theirs = deploy("p", "v2", "2026-01-01T12:00:00Z", vec![]);
        let ours = deploy("p", "v3", "2026-01-01T11:00:00Z", vec![]);
        let published = journal(vec![first.clone(), theirs]);
        let local = journal(vec![first, ours]);
        let error = rebase(&published, &local, "remote")
            .unwrap_err()
            .to_string();
        assert!(error.contains("p v3") && error.contains("p v2"), "{error}");
    }
}
