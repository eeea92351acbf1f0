//! A journal file's digest: the little of its entries that an append's
//! checks read, kept in the file's cache so that an append reads a few heads
//! per file instead of all of them (see `Index::append_view`). Per
//! environment: the head of the last entry of each kind the checks look for,
//! and the deploys of each version; the file's voids; where its seqs run.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::questions::Last;
use super::{Entry, EntryKind};

/// What an append needs of one journal file's entries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    /// How many entries the file holds.
    pub count: usize,
    /// The seq of its first entry and of its last (0 when it holds none).
    pub first: u64,
    pub last: u64,
    /// The hash of its last entry.
    pub last_hash: String,
    /// Whether its seqs run on by one from `first`.
    pub consecutive: bool,
    /// The heads of its void entries.
    pub voids: Vec<Entry>,
    /// Per environment.
    pub envs: BTreeMap<String, EnvDigest>,
}

/// What one environment's entries in a file hold for an append.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvDigest {
    /// The heads of the file's last entries that answer each question an
    /// append asks (see [`Last`]), in file order, each once.
    pub lasts: Vec<Entry>,
    /// Each version deployed, as written: the seqs of its deploys.
    pub versions: BTreeMap<String, Vec<u64>>,
    /// The latest instant of its entries that changed what the
    /// environment serves (a deploy or rollback): a question about an
    /// instant after it need not read the file's heads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_deploy: Option<chrono::DateTime<chrono::Utc>>,
    /// The seqs of its deploys and rollbacks recorded with `--no-aws`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no_aws: Vec<u64>,
}

impl Digest {
    /// The digest of a file's entries, in file order.
    pub fn of(entries: &[Entry]) -> Digest {
        let first = entries.first().map_or(0, |e| e.seq);
        let mut digest = Digest {
            count: entries.len(),
            first,
            last: entries.last().map_or(0, |e| e.seq),
            last_hash: entries.last().map(|e| e.hash.clone()).unwrap_or_default(),
            consecutive: (entries.iter().zip(first..)).all(|(e, seq)| e.seq == seq),
            voids: (entries.iter())
                .filter(|e| e.kind == EntryKind::Void)
                .map(Entry::head)
                .collect(),
            envs: BTreeMap::new(),
        };
        let mut found: BTreeMap<&str, BTreeSet<Last>> = BTreeMap::new();
        let mut lasts: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for entry in entries.iter().rev() {
            let seen = found.entry(&entry.env).or_default();
            let mut new_role = false;
            for question in Last::answered_by_entry(entry) {
                new_role |= seen.insert(question);
            }
            if new_role {
                lasts.entry(&entry.env).or_default().push(entry);
            }
        }
        for entry in entries.iter().filter(|e| e.kind.changes_files()) {
            let env = digest.envs.entry(entry.env.clone()).or_default();
            let at = entry.deployed_at.instant();
            env.latest_deploy = env.latest_deploy.max(Some(at));
            if entry.no_aws {
                env.no_aws.push(entry.seq);
            }
        }
        for entry in entries.iter().filter(|e| e.kind == EntryKind::Deploy) {
            if let Some(version) = &entry.version {
                let env = digest.envs.entry(entry.env.clone()).or_default();
                env.versions
                    .entry(version.clone())
                    .or_default()
                    .push(entry.seq);
            }
        }
        for (env, mut heads) in lasts {
            heads.reverse();
            digest.envs.entry(env.to_string()).or_default().lasts =
                heads.into_iter().map(Entry::head).collect();
        }
        digest
    }

    /// Whether entry `seq` is in this file's range of seqs.
    pub fn covers(&self, seq: u64) -> bool {
        self.count > 0 && (self.first..=self.last).contains(&seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model;
    use crate::services;
    use crate::timestamp::Timestamp;

    fn entry(seq: u64, kind: EntryKind, env: &str) -> Entry {
        Entry {
            seq,
            hash: format!("h{seq}"),
            version: (kind == EntryKind::Deploy).then(|| format!("v{}", seq % 4)),
            ..Entry::new(kind, env, Timestamp::parse_stored("2026-01-05").unwrap())
        }
    }

    fn pinning(mut entry: Entry, names: &[&str]) -> Entry {
        let pins = (names.iter())
            .map(|name| {
                let mut pin = toml::Table::new();
                pin.insert("name".into(), name.to_string().into());
                pin.insert("version".into(), entry.seq.to_string().into());
                pin
            })
            .collect();
        entry.pins.insert("functions".into(), pins);
        entry
    }

    /// A file of many kinds of entries in two environments.
    fn file() -> Vec<Entry> {
        let mut entries = Vec::new();
        for seq in 1..=40 {
            let env = if seq % 3 == 0 {
                "staging"
            } else {
                "production"
            };
            let kind = match seq % 7 {
                0 => EntryKind::Lock,
                5 => EntryKind::Unlock,
                6 => EntryKind::Rollback,
                _ if seq % 10 == 9 => EntryKind::Snapshot,
                _ => EntryKind::Deploy,
            };
            let mut e = entry(seq, kind, env);
            if kind == EntryKind::Snapshot {
                e.inventory = Some(Default::default());
            }
            e.no_aws = seq % 5 == 0;
            if seq % 4 == 1 {
                e = pinning(
                    e,
                    if seq % 8 == 1 {
                        &["api"]
                    } else {
                        &["api", "worker"]
                    },
                );
            }
            entries.push(e);
        }
        entries
    }

    #[test]
    fn the_lasts_answer_every_check_as_all_the_heads_do() {
        let entries = file();
        let digest = Digest::of(&entries);
        assert_eq!((digest.count, digest.first, digest.last), (40, 1, 40));
        assert!(digest.consecutive);
        assert_eq!(digest.last_hash, "h40");
        for env in ["production", "staging"] {
            let lasts = &digest.envs[env].lasts;
            assert!(lasts.len() < 10, "{env}: {} heads", lasts.len());
            assert!(lasts.windows(2).all(|w| w[0].seq < w[1].seq));
            let seq = |e: Option<&Entry>| e.map(|e| e.seq);
            assert_eq!(
                seq(model::last_deploy(lasts, env)),
                seq(model::last_deploy(&entries, env))
            );
            assert_eq!(
                seq(model::last_observed(lasts, env)),
                seq(model::last_observed(&entries, env))
            );
            assert_eq!(
                seq(model::lock_of(lasts, env)),
                seq(model::lock_of(&entries, env))
            );
            assert_eq!(
                seq(services::last_pins_change(lasts, env, "functions")),
                seq(services::last_pins_change(&entries, env, "functions"))
            );
            let live = |entries| {
                let pins = services::live_pins(entries, env, "functions", u64::MAX);
                (pins.into_iter())
                    .map(|(name, at)| (name, at.seq, at.pin.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(live(lasts), live(&entries));
            let snapshot = |entries: &[Entry]| {
                let new = Entry {
                    inventory: Some(Default::default()),
                    ..entry(99, EntryKind::Snapshot, env)
                };
                (entries.iter().rev())
                    .find(|e| e.env == env && e.kind == EntryKind::Snapshot && e.seq < new.seq)
                    .map(|e| e.seq)
            };
            assert!(snapshot(&entries).is_some());
            assert_eq!(snapshot(lasts), snapshot(&entries));
            assert_eq!(lasts, &lasts.iter().map(Entry::head).collect::<Vec<_>>());
        }
        let deploys_of_v1: Vec<u64> = (entries.iter())
            .filter(|e| e.env == "production" && e.kind == EntryKind::Deploy)
            .filter(|e| e.version.as_deref() == Some("v1"))
            .map(|e| e.seq)
            .collect();
        assert!(!deploys_of_v1.is_empty());
        assert_eq!(digest.envs["production"].versions["v1"], deploys_of_v1);
    }

    #[test]
    fn voids_and_gaps_are_kept() {
        let mut entries = file();
        entries.push(Entry {
            voids: Some(3),
            ..entry(41, EntryKind::Void, "staging")
        });
        entries.push(entry(43, EntryKind::Deploy, "staging"));
        let digest = Digest::of(&entries);
        assert!(!digest.consecutive);
        assert_eq!(digest.voids.len(), 1);
        assert_eq!(digest.voids[0].voids, Some(3));
        assert!(digest.covers(42) && !digest.covers(44));
        assert!(Digest::of(&[]).count == 0 && !Digest::of(&[]).covers(0));
    }
}
