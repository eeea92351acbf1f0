//! Integrity checks of the journal: the hash chain recomputed entry by
//! entry, and (in [`history`]) the git history of the journal, where every
//! committed version must be a byte prefix of the next.

mod chain;
mod history;

pub use history::check_history;

use chain::ChainCheck;
use std::path::Path;

use crate::journal::{Journal, JournalError};

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The entry it hit, when one can be named.
    pub seq: Option<u64>,
    /// What is wrong, naming the entry and where it is.
    pub message: String,
}

/// The outcome of [`check_chain`] and [`check_history`].
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Entries whose hashes were recomputed.
    pub entries_checked: usize,
    /// Committed versions of the journal compared with their parents.
    pub versions_checked: usize,
    /// Whether the git history could be checked at all.
    pub history_checked: bool,
    /// Why the history was not checked, when it was not.
    pub history_skipped: Option<String>,
    /// Problems, in journal order.
    pub findings: Vec<Finding>,
}

fn at(journal: &Journal, index: usize) -> String {
    journal.place(index)
}

/// Recomputes the hash chain of a journal in memory: sequence numbers,
/// each entry's hash over its content, and each `prev_hash` link.
pub fn check_chain(journal: &Journal) -> Vec<Finding> {
    let mut check = ChainCheck::default();
    for (index, (entry, raw)) in journal.entries.iter().zip(journal.raw()).enumerate() {
        let computed = crate::journal::hash::entry_hash(raw);
        check.add(entry, &computed, || at(journal, index));
    }
    check.finish()
}

/// Recomputes the hash chain of the journal stored in `ledger_dir`, a few
/// files at a time, so that memory holds a batch of segments, not the
/// journal. Returns the findings and how many entries were checked.
pub fn check_stored(ledger_dir: &Path) -> Result<(Vec<Finding>, usize), JournalError> {
    let mut check = ChainCheck::default();
    crate::journal::for_each_file(ledger_dir, |file| {
        for (index, (entry, computed)) in file.entries.iter().zip(&file.hashes).enumerate() {
            check.add(entry, computed, || file.place(index));
        }
    })?;
    let checked = check.seqs.len();
    Ok((check.finish(), checked))
}
