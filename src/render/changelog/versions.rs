//! Lookups over the release environment's entries by version, built once
//! per changelog: asking each release's questions (is it noted in an
//! imported changelog, which deploy first shipped it, what serves it
//! last, which rollback undid it) over every entry made a long ledger's
//! changelog quadratic.

use std::collections::{HashMap, HashSet};

use crate::journal::{Entry, EntryKind};

/// A version as compared: without a leading `v` (`v3.2.0` is `3.2.0`).
pub fn version_key(version: &str) -> &str {
    version.trim_start_matches(['v', 'V'])
}

/// The entries of the release environment, looked up by version.
pub struct Versions<'a> {
    by_seq: HashMap<u64, &'a Entry>,
    /// Version -> seq of its first deploy.
    first_deploy: HashMap<&'a str, u64>,
    /// Version -> seq of the last entry serving it: a deploy of it, or a
    /// rollback to an entry of it.
    last_serving: HashMap<&'a str, u64>,
    /// Versions an imported changelog release notes.
    noted: HashSet<&'a str>,
    /// The rollbacks, oldest first.
    rollbacks: Vec<&'a Entry>,
}

impl<'a> Versions<'a> {
    /// Indexes `of_env` (one environment's entries, in journal order).
    pub fn new(of_env: &[&'a Entry]) -> Versions<'a> {
        let by_seq: HashMap<u64, &Entry> = of_env.iter().map(|e| (e.seq, *e)).collect();
        let key = |e: &'a Entry| e.version.as_deref().map(version_key);
        let mut versions = Versions {
            first_deploy: HashMap::new(),
            last_serving: HashMap::new(),
            noted: HashSet::new(),
            rollbacks: Vec::new(),
            by_seq,
        };
        for entry in of_env {
            let served = match entry.kind {
                EntryKind::Deploy => key(entry),
                EntryKind::Rollback => versions.restored(entry).and_then(key),
                _ => None,
            };
            if let Some(version) = served {
                versions.last_serving.insert(version, entry.seq);
            }
            match (entry.kind, key(entry)) {
                (EntryKind::Deploy, Some(version)) => {
                    versions.first_deploy.entry(version).or_insert(entry.seq);
                }
                (EntryKind::Release, Some(version)) => {
                    versions.noted.insert(version);
                }
                (EntryKind::Rollback, _) => versions.rollbacks.push(entry),
                _ => {}
            }
        }
        versions
    }

    /// The entry `seq` of the environment.
    pub fn entry(&self, seq: u64) -> Option<&'a Entry> {
        self.by_seq.get(&seq).copied()
    }

    /// The entry a rollback restored.
    pub fn restored(&self, rollback: &Entry) -> Option<&'a Entry> {
        rollback.restores.and_then(|seq| self.entry(seq))
    }

    /// Whether an imported changelog release notes `version`.
    pub fn noted(&self, version: Option<&str>) -> bool {
        version.is_some_and(|v| self.noted.contains(version_key(v)))
    }

    /// The seq of the first deploy of `version`.
    pub fn first_deploy(&self, version: Option<&str>) -> Option<u64> {
        self.first_deploy.get(version_key(version?)).copied()
    }

    /// The seq of the last entry serving `version` (a deploy of it, a
    /// rollback to it).
    pub fn last_serving(&self, version: Option<&str>) -> Option<u64> {
        self.last_serving.get(version_key(version?)).copied()
    }

    /// The rollbacks after entry `seq`, oldest first.
    pub fn rollbacks_after(&self, seq: u64) -> impl Iterator<Item = &'a Entry> + '_ {
        let start = self.rollbacks.partition_point(|r| r.seq <= seq);
        self.rollbacks[start..].iter().copied()
    }
}
