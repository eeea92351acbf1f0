//! The auditor's questions: which entry was live at an instant, the history
//! of one key, and the difference between two live states.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{LiveState, live_state};
use crate::journal::{Entry, FileAction, FileChange, Index, JournalError};
use crate::timestamp::Timestamp;

/// A time asked about is before the environment's first entry, or the
/// environment has none.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// Nothing recorded for the environment.
    #[error("environment `{env}` has no deploys in the ledger yet")]
    NoDeploys {
        /// The environment.
        env: String,
    },
    /// Before the first deploy.
    #[error(
        "{at} is before the first deploy of `{env}`, recorded as #{seq} at {first}: nothing was live from the ledger's point of view"
    )]
    BeforeFirst {
        /// The environment.
        env: String,
        /// The instant asked about.
        at: String,
        /// The first entry.
        seq: u64,
        /// Its deploy time.
        first: Timestamp,
    },
    /// The journal could not be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// The instant a user-given time stands for: a bare day is its last instant.
pub fn instant_for_query(at: Timestamp) -> DateTime<Utc> {
    match at {
        Timestamp::At(t) => t,
        Timestamp::Day(d) => d
            .and_hms_nano_opt(23, 59, 59, 999_999_999)
            .map(|t| t.and_utc())
            .unwrap_or_else(|| at.instant()),
    }
}

/// The last deploy or rollback of `env` deployed at or before `at`.
pub fn entry_at<'a>(
    entries: &'a [Entry],
    env: &str,
    at: DateTime<Utc>,
) -> Result<&'a Entry, LiveError> {
    let mut of_env = entries
        .iter()
        .filter(|e| e.env == env && e.kind.changes_files())
        .peekable();
    let Some(first) = of_env.peek().copied() else {
        return Err(LiveError::NoDeploys {
            env: env.to_string(),
        });
    };
    of_env
        .take_while(|e| e.deployed_at.instant() <= at)
        .last()
        .ok_or_else(|| LiveError::BeforeFirst {
            env: env.to_string(),
            at: Timestamp::At(at).to_string(),
            seq: first.seq,
            first: first.deployed_at,
        })
}

/// What was live in an environment at an instant.
#[derive(Debug, Clone)]
pub struct LiveAt<'a> {
    /// The last deploy or rollback at or before the instant.
    pub entry: &'a Entry,
    /// The objects live then, as far as the ledger observed them.
    pub state: LiveState,
    /// The entry whose observation of S3 `state` reflects: `entry` itself,
    /// an earlier one when `entry` was recorded with `--no-aws`, or none
    /// when no entry up to then read S3.
    pub observed: Option<&'a Entry>,
    /// The versions each service's resources served then, as pinned, by
    /// the service's key.
    pub pins: std::collections::BTreeMap<String, super::LivePins<'a>>,
}

/// The live state of `env` at an instant, with the entry that made it.
pub fn live_at<'a>(
    entries: &'a [Entry],
    env: &str,
    at: DateTime<Utc>,
) -> Result<LiveAt<'a>, LiveError> {
    live_at_with(entries, env, at, |seq| Ok(live_state(entries, env, seq)))
}

/// [`live_at`] over an [`Index`]: `heads` are its heads in force, and the
/// files are read from the index.
pub fn live_at_indexed<'a>(
    index: &Index,
    heads: &'a [Entry],
    env: &str,
    at: DateTime<Utc>,
) -> Result<LiveAt<'a>, LiveError> {
    live_at_with(heads, env, at, |seq| {
        Ok(super::live_state_indexed(index, env, seq)?)
    })
}

/// The heads of `index` on which [`live_at_indexed`] for `env` at `at`
/// answers as on every head: the journal's deploys of `env` are scanned up
/// to the first after `at` by the files' digests, and a few heads per file
/// answer the rest ([`Index::view`]). Every head when no deploy came
/// before `at` (the error then names the first).
pub fn heads_for_live_at(
    index: &Index,
    env: &str,
    at: DateTime<Utc>,
) -> Result<Vec<Entry>, LiveError> {
    let upto = match index.first_deploy_after(env, at)? {
        Some(after) => after.seq.saturating_sub(1),
        None => u64::MAX,
    };
    let view = index.view(env, upto)?;
    if super::last_deploy(&super::in_force(&view), env).is_some() {
        return Ok(view);
    }
    Ok(index.heads()?.to_vec())
}

/// What was live at `at`, the objects from `state` (given the seq of the
/// entry live then); the rest from `heads`, which need not hold files.
fn live_at_with<'a>(
    heads: &'a [Entry],
    env: &str,
    at: DateTime<Utc>,
    state: impl FnOnce(u64) -> Result<LiveState, LiveError>,
) -> Result<LiveAt<'a>, LiveError> {
    let entry = entry_at(heads, env, at)?;
    Ok(LiveAt {
        entry,
        state: state(entry.seq)?,
        observed: observed_upto(heads, env, entry.seq),
        pins: super::all_live_pins(heads, env, entry.seq),
    })
}

/// The last entry of `env` up to `seq` that read S3's objects.
pub fn observed_upto<'a>(entries: &'a [Entry], env: &str, seq: u64) -> Option<&'a Entry> {
    entries
        .iter()
        .rev()
        .filter(|e| e.seq <= seq)
        .find(|e| e.env == env && e.has_object_state())
}

/// One version of a key in the ledger's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyVersion {
    /// The entry that brought it.
    pub seq: u64,
    /// That entry's version name.
    pub release: Option<String>,
    /// `put` or `delete`.
    pub action: FileAction,
    /// The object version (or delete marker) ID.
    pub version_id: Option<String>,
    /// ETag.
    pub etag: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Live from (the entry's deploy time).
    pub from: Timestamp,
    /// Live until (the next change's deploy time), or still live.
    pub until: Option<Timestamp>,
}

/// Every change of `key` in `env`, oldest first, with its live interval.
pub fn key_history(entries: &[Entry], env: &str, key: &str) -> Vec<KeyVersion> {
    let changes = entries
        .iter()
        .filter(|e| e.env == env && e.kind.changes_files())
        .flat_map(|e| {
            (e.files.iter().filter(|f| f.key == key))
                .map(move |f| (e.seq, e.version.as_deref(), e.deployed_at, f))
        });
    history_of(changes)
}

/// [`key_history`] over an [`Index`], from the entries in force.
pub fn key_history_indexed(
    index: &Index,
    env: &str,
    key: &str,
) -> Result<Vec<KeyVersion>, JournalError> {
    let changes = index.key_changes(env, key)?;
    Ok(history_of(
        changes
            .iter()
            .map(|c| (c.seq, c.release.as_deref(), c.at, &c.change)),
    ))
}

/// A change of a key: the seq, version and time of the entry that made
/// it, and the change.
type Change<'a> = (u64, Option<&'a str>, Timestamp, &'a FileChange);

/// A key's versions from its changes, oldest first.
fn history_of<'a>(changes: impl Iterator<Item = Change<'a>>) -> Vec<KeyVersion> {
    let mut history: Vec<KeyVersion> = Vec::new();
    for (seq, release, at, file) in changes {
        if let Some(last) = history.last_mut() {
            last.until = Some(at);
        }
        history.push(KeyVersion {
            seq,
            release: release.map(String::from),
            action: file.action,
            version_id: file.version_id.clone(),
            etag: file.etag.clone(),
            size: file.size,
            from: at,
            until: None,
        });
    }
    history
}

/// The difference between two live states.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StateDiff {
    /// Keys live in the second state only.
    pub added: Vec<FileChange>,
    /// Keys live in both with another version: (before, after).
    pub changed: Vec<(FileChange, FileChange)>,
    /// Keys live in the first state only.
    pub deleted: Vec<FileChange>,
}

/// What changed from `before` to `after`.
pub fn diff_states(before: &LiveState, after: &LiveState) -> StateDiff {
    let mut diff = StateDiff::default();
    for (key, now) in after {
        match before.get(key) {
            None => diff.added.push(now.clone()),
            Some(was) if was.version_id != now.version_id || was.etag != now.etag => {
                diff.changed.push((was.clone(), now.clone()))
            }
            Some(_) => {}
        }
    }
    for (key, was) in before {
        if !after.contains_key(key) {
            diff.deleted.push(was.clone());
        }
    }
    diff
}

/// One way S3 differs from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Drift {
    /// The key.
    pub key: String,
    /// What is wrong, in a sentence.
    pub message: String,
}

/// Compares the ledger's live state with S3's latest objects and the set
/// of versions that still exist.
pub fn drift(
    ledger: &LiveState,
    s3: &BTreeMap<String, super::Observed>,
    existing: &std::collections::HashSet<(String, String)>,
    recorded_in: &dyn Fn(&str) -> Option<u64>,
) -> Vec<Drift> {
    let mut findings = Vec::new();
    let seq = |key: &str| {
        recorded_in(key)
            .map(|s| format!(" (recorded in #{s})"))
            .unwrap_or_default()
    };
    for (key, now) in s3.iter().filter(|(_, o)| !o.deleted) {
        match ledger.get(key) {
            None => findings.push(Drift {
                key: key.clone(),
                message: format!(
                    "{key}: S3 serves version {} that no entry recorded (an upload behind the ledger's back)",
                    now.version_id.as_deref().unwrap_or("?")
                ),
            }),
            Some(recorded) => {
                let same = recorded.version_id == now.version_id
                    && (now.version_id.as_deref() != Some("null") || recorded.etag == now.etag);
                if !same {
                    findings.push(Drift {
                        key: key.clone(),
                        message: differs(key, recorded, now, &seq(key)),
                    });
                }
            }
        }
    }
    findings.extend(gone(ledger, s3, existing, &seq));
    findings.sort_by(|a, b| a.key.cmp(&b.key));
    findings
}

/// How S3's object differs from the recorded one: by version, or on an
/// unversioned bucket (both versions `null`), by ETag, the content's.
fn differs(
    key: &str,
    recorded: &crate::journal::FileChange,
    now: &super::Observed,
    seq: &str,
) -> String {
    let null = |v: &Option<String>| v.as_deref() == Some("null");
    if null(&recorded.version_id) && null(&now.version_id) {
        return format!(
            "{key}: S3 serves other content (ETag {}) than the ledger recorded (ETag {}){seq}; the bucket \
             is not versioned, so the recorded content cannot be read back",
            now.etag.as_deref().unwrap_or("?"),
            recorded.etag.as_deref().unwrap_or("?"),
        );
    }
    format!(
        "{key}: S3 serves version {} but the ledger has {}{seq}",
        now.version_id.as_deref().unwrap_or("?"),
        recorded.version_id.as_deref().unwrap_or("?"),
    )
}

/// The keys the ledger has live that S3 no longer serves, and the
/// recorded versions S3 no longer holds.
fn gone(
    ledger: &LiveState,
    s3: &BTreeMap<String, super::Observed>,
    existing: &std::collections::HashSet<(String, String)>,
    seq: &dyn Fn(&str) -> String,
) -> Vec<Drift> {
    let mut findings = Vec::new();
    for (key, recorded) in ledger {
        let live = s3.get(key).is_some_and(|o| !o.deleted);
        if !live {
            findings.push(Drift {
                key: key.clone(),
                message: format!("{key}: recorded as live{} but gone from S3", seq(key)),
            });
        }
        if let Some(version) = recorded.version_id.as_deref()
            && version != "null"
            && !existing.contains(&(key.clone(), version.to_string()))
        {
            findings.push(Drift {
                key: key.clone(),
                message: format!(
                    "{key}: recorded version {version}{} no longer exists in S3 \
                     (removed by a lifecycle rule or a permanent delete)",
                    seq(key)
                ),
            });
        }
    }
    findings
}

/// Drift of one environment: the ledger's latest live state of `env` against
/// what a listing of its bucket found.
pub fn env_drift(
    entries: &[Entry],
    env: &str,
    s3: &BTreeMap<String, super::Observed>,
    existing: &std::collections::HashSet<(String, String)>,
) -> Vec<Drift> {
    let upto = super::last_observed(entries, env).map_or(0, |e| e.seq);
    let ledger = live_state(entries, env, upto);
    let recorded_in = |key: &str| {
        entries
            .iter()
            .rev()
            .filter(|e| e.env == env && e.seq <= upto && e.kind.changes_files())
            .find(|e| e.files.iter().any(|f| f.key == key))
            .map(|e| e.seq)
    };
    drift(&ledger, s3, existing, &recorded_in)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{EntryKind, FileAction};
    use crate::model::fold::tests::file;

    fn deploy(seq: u64, at: &str, files: Vec<FileChange>) -> Entry {
        Entry {
            seq,
            version: Some(format!("v{seq}")),
            files,
            ..Entry::new(EntryKind::Deploy, "p", Timestamp::parse_stored(at).unwrap())
        }
    }

    #[test]
    fn entry_at_picks_the_last_at_or_before() {
        let entries = vec![
            deploy(
                1,
                "2026-01-01T10:00:00Z",
                vec![file("a", FileAction::Put, "1")],
            ),
            deploy(
                2,
                "2026-01-02T10:00:00Z",
                vec![file("a", FileAction::Put, "2")],
            ),
        ];
        let at = |t: &str| instant_for_query(Timestamp::parse_user(t).unwrap());
        assert_eq!(
            entry_at(&entries, "p", at("2026-01-01T10:00:00Z"))
                .unwrap()
                .seq,
            1
        );
        assert_eq!(
            entry_at(&entries, "p", at("2026-01-02T09:59:59Z"))
                .unwrap()
                .seq,
            1
        );
        assert_eq!(
            entry_at(&entries, "p", at("2026-01-02")).unwrap().seq,
            2,
            "a day means its end"
        );
        let err = entry_at(&entries, "p", at("2026-01-01T09:00:00Z"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("#1 at 2026-01-01T10:00:00Z"), "{err}");
        assert!(entry_at(&entries, "q", at("now")).is_err());
    }

    #[test]
    fn key_history_has_intervals() {
        let entries = vec![
            deploy(
                1,
                "2026-01-01T10:00:00Z",
                vec![file("a", FileAction::Put, "1")],
            ),
            deploy(
                2,
                "2026-01-02T10:00:00Z",
                vec![file("b", FileAction::Put, "1")],
            ),
            deploy(
                3,
                "2026-01-03T10:00:00Z",
                vec![file("a", FileAction::Delete, "dm")],
            ),
        ];
        let history = key_history(&entries, "p", "a");
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].until, Some(entries[2].deployed_at));
        assert_eq!(history[1].action, FileAction::Delete);
        assert_eq!(history[1].until, None);
    }

    #[test]
    fn states_diff_into_added_changed_deleted() {
        let entries = vec![
            deploy(
                1,
                "2026-01-01T10:00:00Z",
                vec![
                    file("a", FileAction::Put, "1"),
                    file("b", FileAction::Put, "1"),
                ],
            ),
            deploy(
                2,
                "2026-01-02T10:00:00Z",
                vec![
                    file("a", FileAction::Put, "2"),
                    file("b", FileAction::Delete, "x"),
                    file("c", FileAction::Put, "1"),
                ],
            ),
        ];
        let diff = diff_states(&live_state(&entries, "p", 1), &live_state(&entries, "p", 2));
        assert_eq!(
            diff.added
                .iter()
                .map(|f| f.key.as_str())
                .collect::<Vec<_>>(),
            ["c"]
        );
        assert_eq!(diff.changed.len(), 1);
        assert_eq!(
            diff.deleted
                .iter()
                .map(|f| f.key.as_str())
                .collect::<Vec<_>>(),
            ["b"]
        );
    }

    #[test]
    fn on_an_unversioned_bucket_drift_is_told_by_etag() {
        let mut recorded = file("a.js", FileAction::Put, "null");
        recorded.etag = Some("old".into());
        let ledger: LiveState = [("a.js".to_string(), recorded)].into();
        let now = crate::model::Observed {
            key: "a.js".into(),
            version_id: Some("null".into()),
            etag: Some("new".into()),
            size: Some(1),
            last_modified: None,
            deleted: false,
        };
        let s3 = [("a.js".to_string(), now.clone())].into();
        let found = drift(&ledger, &s3, &Default::default(), &|_| Some(3));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "a.js: S3 serves other content (ETag new) than the ledger recorded (ETag old) (recorded in #3); \
             the bucket is not versioned, so the recorded content cannot be read back"
        );
        let same = [(
            "a.js".to_string(),
            crate::model::Observed {
                etag: Some("old".into()),
                ..now
            },
        )]
        .into();
        assert!(drift(&ledger, &same, &Default::default(), &|_| None).is_empty());
    }
}
