//! What reads need of one journal file without holding its entries' files:
//! each entry's head (the entry with `files` left out), and per environment
//! the net effect of the file's entries on what it serves. Built from the
//! parsed file; kept by [`super::cache`] beside the journal.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::digest::Digest;
use super::{Entry, EntryKind, FileChange};
use crate::timestamp::Timestamp;

/// Per environment, per key: the last change the file's entries in force
/// made to it (a put or a delete). Applying these to the state before the
/// file gives the state after it, as folding each entry in turn would.
pub type NetChanges = BTreeMap<String, BTreeMap<String, FileChange>>;

/// One journal file's summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    /// Each entry with its `files` left out, in file order. The cache keeps
    /// them apart, as a piece read when a command asks for the heads.
    #[serde(skip)]
    pub heads: Vec<Entry>,
    /// What an append's checks read of the entries.
    pub digest: Digest,
    /// 1-based line of each entry's `[[entry]]` header in the file.
    pub lines: Vec<Option<usize>>,
    /// The entries of this file that voids in this same file mark as
    /// recorded in error: what `net` assumed. A void written later that
    /// marks one of this file's entries makes `net` stale.
    pub voided_inside: BTreeSet<u64>,
    /// The net effect of this file's deploys and rollbacks in force. The
    /// cache keeps it apart from the rest, as a piece read when a fold
    /// needs it: it is as large as the heads, and most reads never fold.
    #[serde(skip)]
    pub net: NetChanges,
    /// The entries whose hash does not match their content as written
    /// (changed after they were written), found when the file was parsed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub altered: Vec<u64>,
}

impl Summary {
    /// Summarises a file's entries.
    pub fn of(entries: &[Entry], lines: Vec<Option<usize>>) -> Summary {
        let seqs: BTreeSet<u64> = entries.iter().map(|e| e.seq).collect();
        let voided_inside: BTreeSet<u64> = entries
            .iter()
            .filter(|e| e.kind == EntryKind::Void)
            .filter_map(|e| e.voids)
            .filter(|target| seqs.contains(target))
            .collect();
        let mut net = NetChanges::new();
        for entry in entries
            .iter()
            .filter(|e| e.kind.changes_files() && !voided_inside.contains(&e.seq))
        {
            let env = net.entry(entry.env.clone()).or_default();
            for file in &entry.files {
                env.insert(file.key.clone(), file.clone());
            }
        }
        Summary {
            heads: entries.iter().map(Entry::head).collect(),
            digest: Digest::of(entries),
            lines,
            voided_inside,
            net,
            altered: Vec::new(),
        }
    }

    /// This summary without what the cache keeps as pieces of their own
    /// (the heads and the net changes).
    pub fn without_pieces(&self) -> Summary {
        Summary {
            heads: Vec::new(),
            digest: self.digest.clone(),
            lines: self.lines.clone(),
            voided_inside: self.voided_inside.clone(),
            net: NetChanges::new(),
            altered: self.altered.clone(),
        }
    }

    /// Whether `net` holds for the voids now in the journal: of this
    /// file's entries, exactly those it assumed voided are.
    pub fn net_holds(&self, voided: &HashMap<u64, u64>) -> bool {
        let now = (voided.keys())
            .filter(|seq| self.digest.covers(**seq))
            .count();
        now == self.voided_inside.len() && self.voided_inside.iter().all(|s| voided.contains_key(s))
    }
}

/// Each key's changes in a file's entries that change files, by environment
/// then key: `(seq, change)`, oldest first. Voided entries are included:
/// readers leave them out against the journal's voids.
pub fn changes_by_key(entries: &[Entry]) -> BTreeMap<String, BTreeMap<String, Vec<KeyChange>>> {
    let mut by_key: BTreeMap<String, BTreeMap<String, Vec<KeyChange>>> = BTreeMap::new();
    for entry in entries.iter().filter(|e| e.kind.changes_files()) {
        let env = by_key.entry(entry.env.clone()).or_default();
        for file in &entry.files {
            env.entry(file.key.clone()).or_default().push(KeyChange {
                seq: entry.seq,
                release: entry.version.clone(),
                at: entry.deployed_at,
                change: file.clone(),
            });
        }
    }
    by_key
}

/// One change of a key, with what a key's history shows of the entry that
/// made it (so that the history reads no entry's head).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyChange {
    /// The entry's seq.
    pub seq: u64,
    /// The entry's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// When the entry was deployed.
    pub at: Timestamp,
    /// The change.
    pub change: FileChange,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::FileAction;
    use crate::timestamp::Timestamp;

    fn deploy(seq: u64, env: &str, files: &[(&str, FileAction)]) -> Entry {
        Entry {
            seq,
            files: files
                .iter()
                .map(|(key, action)| FileChange {
                    action: *action,
                    version_id: Some(format!("v{seq}")),
                    ..FileChange::deleted(*key)
                })
                .collect(),
            ..Entry::new(
                EntryKind::Deploy,
                env,
                Timestamp::parse_stored("2026-01-05").unwrap(),
            )
        }
    }

    fn void(seq: u64, target: u64) -> Entry {
        Entry {
            seq,
            voids: Some(target),
            ..Entry::new(
                EntryKind::Void,
                "p",
                Timestamp::parse_stored("2026-01-05").unwrap(),
            )
        }
    }

    #[test]
    fn net_changes_keep_each_keys_last_change_in_force() {
        let entries = vec![
            deploy(1, "p", &[("a", FileAction::Put), ("b", FileAction::Put)]),
            deploy(2, "s", &[("a", FileAction::Put)]),
            deploy(3, "p", &[("b", FileAction::Delete), ("c", FileAction::Put)]),
            deploy(4, "p", &[("c", FileAction::Put)]),
            void(5, 4),
        ];
        let summary = Summary::of(&entries, vec![None; 5]);
        let p = &summary.net["p"];
        assert_eq!(p["a"].version_id.as_deref(), Some("v1"));
        assert_eq!(p["b"].action, FileAction::Delete);
        assert_eq!(p["c"].version_id.as_deref(), Some("v3"), "#4 is voided");
        assert_eq!(summary.net["s"].len(), 1);
        assert!(summary.heads.iter().all(|h| h.files.is_empty()));
        assert_eq!(summary.heads[0].seq, 1);
        let voided = |pairs: &[(u64, u64)]| pairs.iter().copied().collect::<HashMap<_, _>>();
        assert!(summary.net_holds(&voided(&[(4, 5)])));
        assert!(
            !summary.net_holds(&voided(&[(4, 5), (3, 9)])),
            "a later void of #3"
        );
        assert!(!summary.net_holds(&voided(&[])));
        assert!(
            summary.net_holds(&voided(&[(4, 5), (7, 9)])),
            "outside the file"
        );
    }
}
