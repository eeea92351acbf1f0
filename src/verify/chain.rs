//! The hash-chain check, fed one entry at a time so that a journal stored
//! in segments is checked one file at a time: sequence numbers (missing,
//! repeated, reordered), each entry's hash over its content, and each
//! `prev_hash` link.

use std::collections::BTreeMap;

use super::Finding;
use crate::journal::{Entry, hash};

/// What the check has seen so far.
#[derive(Debug, Default)]
pub(super) struct ChainCheck {
    /// Every entry's seq, in journal order.
    pub seqs: Vec<u64>,
    /// Where each entry is written, for the reordering messages.
    places: Vec<String>,
    /// Per-entry findings in journal order; `true` marks a link finding,
    /// which holds only when no entry is missing, repeated or reordered.
    per_entry: Vec<(Finding, bool)>,
    prev: Option<String>,
    prev_seq: Option<u64>,
}

impl ChainCheck {
    /// Checks one entry (`computed` is the hash of its table as written);
    /// `place` names where it is written.
    pub fn add(&mut self, entry: &Entry, computed: &str, place: impl FnOnce() -> String) {
        let place = place();
        let prev = self.prev.as_deref().unwrap_or(hash::GENESIS);
        if computed != entry.hash {
            let message = format!(
                "entry #{} ({place}) was changed after it was recorded: its content no longer matches its hash",
                entry.seq,
            );
            self.per_entry
                .push((Finding::new(entry.seq, message), false));
        } else if entry.prev_hash != prev {
            let message = match self.prev_seq {
                Some(p) if p + 1 == entry.seq => format!(
                    "entry #{p} was rewritten: entry #{} ({place}) chains to a different version of it",
                    entry.seq,
                ),
                Some(_) => format!(
                    "entry #{} ({place}) does not chain to the entry before it",
                    entry.seq,
                ),
                None => format!(
                    "entry #{} ({place}) is first but does not chain to the start of the journal: earlier entries were removed",
                    entry.seq,
                ),
            };
            let seq = self
                .prev_seq
                .filter(|p| p + 1 == entry.seq)
                .unwrap_or(entry.seq);
            self.per_entry.push((Finding::new(seq, message), true));
        }
        self.prev = Some(entry.hash.clone());
        self.prev_seq = Some(entry.seq);
        self.seqs.push(entry.seq);
        self.places.push(place);
    }

    /// All findings: missing, repeated and reordered entries first, then
    /// per entry in journal order.
    pub fn finish(self) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
        for seq in &self.seqs {
            *counts.entry(*seq).or_default() += 1;
        }
        let highest = self.seqs.iter().copied().max().unwrap_or(0);
        let missing: Vec<u64> = (1..=highest).filter(|s| !counts.contains_key(s)).collect();
        for run in missing.chunk_by(|a, b| a + 1 == *b) {
            let (first, last) = (run[0], run[run.len() - 1]);
            let message = if first == last {
                format!("entry #{first} is missing: it was removed from the journal")
            } else {
                format!(
                    "entries #{first} to #{last} are missing: they were removed from the journal \
                     (a deleted segment file?)"
                )
            };
            findings.push(Finding::new(first, message));
        }
        for (seq, count) in counts.iter().filter(|(_, c)| **c > 1) {
            findings.push(Finding::new(
                *seq,
                format!("entry #{seq} appears {count} times"),
            ));
        }
        let mut order_broken = false;
        for (index, pair) in self.seqs.windows(2).enumerate() {
            if pair[1] < pair[0] {
                order_broken = true;
                let message = format!(
                    "entry #{} ({}) comes after entry #{}: entries were reordered",
                    pair[1],
                    self.places[index + 1],
                    pair[0]
                );
                findings.push(Finding::new(pair[1], message));
            }
        }
        let links_hold = !order_broken && counts.len() == self.seqs.len();
        findings.extend(
            self.per_entry
                .into_iter()
                .filter(|(_, link)| !link || links_hold)
                .map(|(finding, _)| finding),
        );
        findings
    }
}

impl Finding {
    /// A finding about entry `seq`.
    fn new(seq: u64, message: String) -> Finding {
        Finding {
            seq: Some(seq),
            message,
        }
    }
}
