//! The journal opened for appending: its open tail (the one file an append
//! rewrites, or seals into segments when full), how many entries the
//! sealed segments before it hold and the last one's hash. Its cost is
//! bounded by the tail, whatever the history's length. Only
//! [`super::JournalLock`] opens one, under the lock; the checks an append
//! makes read the [`super::Index`] opened with it.

use std::path::Path;

use super::cache;
use super::{Entry, Index, Journal, JournalError, entry_tables, hash, seal};

/// The journal as an append needs it.
#[derive(Debug, Clone)]
pub struct Appender {
    /// The open tail, parsed alone (its entries and text, and once sealed
    /// entries left it, where its part still open starts).
    pub(super) tail: Journal,
    /// How many entries the sealed segments before the tail hold.
    before: usize,
    /// The hash of the last of them.
    before_tip: Option<String>,
    /// The tail's bytes are those an earlier append wrote after checking
    /// the chain (its cache says so, and their SHA-256 matches): each tail
    /// entry's hash holds without parsing its raw table again.
    hashes_hold: bool,
}

/// The value of the last `hash = "..."` line of a journal file's text (the
/// last entry's hash, as written), if any.
fn last_hash_in(text: &str) -> Option<&str> {
    let at = text.rfind("\nhash = \"")? + "\nhash = \"".len();
    let rest = &text[at..];
    rest.find('"').map(|end| &rest[..end])
}

impl Appender {
    /// Reads the tail of the journal in `ledger_dir` and, from `index`
    /// (opened under the same lock), what comes before it. `None` when the
    /// index does not hold the tail as it is on disk.
    pub(super) fn open(ledger_dir: &Path, index: &Index) -> Result<Option<Appender>, JournalError> {
        let path = Journal::path_in(ledger_dir);
        // The key is taken before the bytes are read (see cache::Key).
        let key = cache::key(ledger_dir, &path);
        let text = super::load::read_text(&path, true)?;
        let checked = (key.as_ref())
            .and_then(|key| cache::read_checked(ledger_dir, &path, key, text.as_bytes()))
            // The chain continues from the hash the bytes hold, never from
            // one only a cache says.
            .filter(|parsed| {
                let last = parsed.entries.last().map(|e| e.hash.as_str());
                last == last_hash_in(&text)
            });
        let hashes_hold = checked.is_some();
        let tail = match checked {
            Some(parsed) => Journal::of_file(&path, text, parsed),
            None => Journal::parse_keeping_tables(&path, text)?,
        };
        let same_tail = (index.tail_heads()?.iter())
            .map(|e| (e.seq, &e.hash))
            .eq(tail.entries.iter().map(|e| (e.seq, &e.hash)));
        if !same_tail {
            return Ok(None);
        }
        let (before, before_tip) = index.sealed_part();
        Ok(Some(Appender {
            tail,
            before,
            before_tip: before_tip.map(str::to_string),
            hashes_hold,
        }))
    }

    /// The tail file.
    pub fn path(&self) -> &Path {
        &self.tail.path
    }

    /// The entries of the tail file (those an append wrote to it since it
    /// was opened included), in order.
    pub fn entries(&self) -> &[Entry] {
        &self.tail.entries
    }

    /// How many entries the journal holds.
    pub fn count(&self) -> usize {
        self.before + self.tail.entries.len()
    }

    /// The seq the next entry appended gets.
    pub fn next_seq(&self) -> u64 {
        self.count() as u64 + 1
    }

    /// The hash the next entry must chain to.
    pub fn tip_hash(&self) -> &str {
        (self.tail.entries.last().map(|e| e.hash.as_str()))
            .or(self.before_tip.as_deref())
            .unwrap_or(hash::GENESIS)
    }

    /// Encodes `entry` as the block that would be appended now: sets its
    /// `seq`, `prev_hash` and `hash` (a dry run shows it so; unsigned).
    pub fn seal(&self, entry: Entry) -> Result<(Entry, String), JournalError> {
        let sealed = seal::seal_one(entry, self.next_seq(), self.tip_hash(), None)?;
        Ok((sealed.entry, sealed.block))
    }

    /// The first entry of the open tail whose sequence, link or hash does
    /// not hold, if any: what an append checks, at a cost bounded by the
    /// tail's size (sealed segments are checked by `ledger verify`).
    pub(super) fn tail_broken(&self) -> Option<u64> {
        let before = (self.before, self.before_tip.as_deref());
        first_broken_in_tail(&self.tail, before, self.hashes_hold)
    }
}

/// The first entry of `journal`'s open tail whose sequence, link or hash
/// does not hold, `before` entries (the last with hash `before.1`) sealed
/// before `journal`'s first; `hashes_hold` when the tail's hashes were
/// checked by the append that wrote it.
pub(super) fn first_broken_in_tail(
    journal: &Journal,
    (before, before_tip): (usize, Option<&str>),
    hashes_hold: bool,
) -> Option<u64> {
    let first = journal.tail.first_index;
    let tail = &journal.entries[first..];
    if tail.is_empty() {
        return None;
    }
    let body = &journal.text[journal.tail.body_offset..];
    let parsed;
    let raw: &[toml::Table] = match journal.raw.get() {
        Some(raw) => &raw[first..],
        None if hashes_hold => &[],
        None => {
            parsed = entry_tables(body);
            &parsed
        }
    };
    let mut prev = match first {
        0 => before_tip.unwrap_or(hash::GENESIS).to_string(),
        _ => journal.entries[first - 1].hash.clone(),
    };
    for (index, entry) in tail.iter().enumerate() {
        let expected_seq = (before + first + index) as u64 + 1;
        let holds = match raw.get(index) {
            Some(r) => hash::entry_hash(r) == entry.hash,
            None => hashes_hold,
        };
        if entry.seq != expected_seq || entry.prev_hash != prev || !holds {
            return Some(entry.seq.min(expected_seq));
        }
        prev = entry.hash.clone();
    }
    None
}
