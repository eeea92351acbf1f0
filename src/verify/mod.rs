//! Integrity checks of the journal: the hash chain recomputed entry by
//! entry, and (in [`history`]) the git history of the journal, where every
//! committed version must be a byte prefix of the next.

mod chain;
mod history;
pub mod signatures;

pub use history::check_history;
pub use signatures::{Rules, Signatures};

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
    /// Journal files whose read cache disagreed with them: set aside.
    pub caches_set_aside: Vec<std::path::PathBuf>,
    /// What the entries' signatures said, when they were checked.
    pub signatures: Option<Signatures>,
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
/// journal, and checks each entry's signature against `rules` when given.
/// Returns the findings and how many entries were checked.
pub fn check_stored(ledger_dir: &Path, rules: Option<&Rules>) -> Result<Stored, JournalError> {
    let mut check = ChainCheck::default();
    let mut signed = rules.map(|_| Signatures::default());
    let mut signature_findings = Vec::new();
    let mut headers = Vec::new();
    let mut caches = Vec::new();
    let tail_path = Journal::path_in(ledger_dir);
    let mut tail_empty = false;
    crate::journal::for_each_file(ledger_dir, |file| {
        for (index, (entry, computed)) in file.entries.iter().zip(&file.hashes).enumerate() {
            check.add(entry, computed, || file.place(index));
            if let (Some(signed), Some(rules)) = (&mut signed, rules) {
                let place = || file.place(index);
                signed.add(entry, place, rules, &mut signature_findings);
            }
        }
        let is_tail = file.path == tail_path;
        tail_empty |= is_tail && file.entries.is_empty();
        headers.extend(header_finding(file, is_tail));
        let agrees = crate::journal::cache::agrees(ledger_dir, file);
        if agrees == Some(false) {
            caches.push(file.path.clone());
        }
    })?;
    let checked = check.seqs.len();
    let mut findings = check.finish();
    findings.extend(headers);
    findings.extend(emptied_tail(ledger_dir, &tail_path, tail_empty));
    findings.extend(signature_findings);
    Ok(Stored {
        findings,
        checked,
        caches,
        signatures: signed,
    })
}

/// What [`check_stored`] found.
#[derive(Debug)]
pub struct Stored {
    /// The findings.
    pub findings: Vec<Finding>,
    /// How many entries were checked.
    pub checked: usize,
    /// The journal files whose cache disagreed with them (removed: the
    /// next read rebuilds it).
    pub caches: Vec<std::path::PathBuf>,
    /// What the signatures said, when they were checked.
    pub signatures: Option<Signatures>,
}

/// A file whose text before its first entry is not the header `ledger`
/// writes (a comment added, a key injected before `format`): readers refuse
/// a key, and nothing may be hidden in what the hashes do not cover.
fn header_finding(file: &crate::journal::StoredFile, is_tail: bool) -> Option<Finding> {
    let expected = match (is_tail, file.entries.first(), file.entries.last()) {
        (true, ..) => crate::journal::EMPTY_JOURNAL.to_string(),
        (false, Some(first), Some(last)) => {
            crate::journal::segment::segment_header(first.seq, last.seq)
        }
        (false, ..) => return None,
    };
    let header = match file.text.find("\n[[entry]]") {
        Some(at) => &file.text[..at],
        None => file.text.as_str(),
    };
    // A checkout with `core.autocrlf` writes CRLF line ends: the same header.
    let header = header.replace("\r\n", "\n");
    if header.trim_end() == expected.trim_end() {
        return None;
    }
    let line = (header.lines().zip(expected.lines()))
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| header.lines().count().min(expected.lines().count()))
        + 1;
    Some(Finding {
        seq: None,
        message: format!(
            "{}:{line}: the file's header is not the one ledger writes (it was edited): restore \
             it from git",
            file.path.display()
        ),
    })
}

/// An open tail without entries beside sealed segments: its entries were
/// removed (readers refuse such a journal).
fn emptied_tail(ledger_dir: &Path, tail_path: &Path, tail_empty: bool) -> Option<Finding> {
    let dir = ledger_dir.join(crate::journal::segment::SEGMENT_DIR);
    let segments = crate::journal::segment::list(&dir).unwrap_or_default();
    (tail_empty && !segments.is_empty()).then(|| Finding {
        seq: None,
        message: format!(
            "{}: the open tail holds no entry, but {} holds {} sealed segment(s): the tail's \
             entries were removed; restore them from git",
            tail_path.display(),
            dir.display(),
            segments.len()
        ),
    })
}
