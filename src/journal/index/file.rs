//! One journal file of an index: where its entries are read from (its
//! cache file, or memory when the cache cannot be written), checked
//! against its digest whenever they are read.

use crate::journal::ParsedFile;
use crate::journal::cache::{self, CachedFile, Checked::ByReader};
use crate::journal::digest::Digest;
use crate::journal::load;
use crate::journal::summary::{KeyChange, NetChanges, Summary, changes_by_key};
use crate::journal::{Entry, JournalError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One journal file of an [`Index`].
#[derive(Debug)]
pub(super) struct IndexedFile {
    pub(super) path: PathBuf,
    /// Index among all the journal's entries of its first entry.
    pub(super) start: usize,
    /// Where its entries run, and what an append checks of them.
    pub(super) digest: Digest,
    /// Whether its net changes hold for the journal's voids (they are read
    /// from [`Source`] when a fold needs them).
    pub(super) net_holds: bool,
    pub(super) source: Source,
    /// Its heads, once asked for on their own (not through `Index::heads`).
    pub(super) heads: OnceLock<Vec<Entry>>,
    /// Its net changes, once read.
    pub(super) net: OnceLock<Option<NetChanges>>,
    /// Its entries whose hash does not match their content as written.
    pub(super) altered: Vec<u64>,
}

/// Where an indexed file's entries are read from.
#[derive(Debug)]
pub(super) enum Source {
    Cached(CachedFile),
    /// The cache could not be written: the entries and their net changes
    /// stay in memory.
    Memory(Vec<Entry>, NetChanges),
}

/// One file of an [`Index`]: which entries it holds, and them.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    pub(super) file: &'a IndexedFile,
}

impl Part<'_> {
    /// How many entries it holds.
    pub fn count(&self) -> usize {
        self.file.digest.count
    }

    /// The hash of its last entry: with the chain, it names the file's
    /// entries and every one before them (empty when it holds none).
    pub fn last_hash(&self) -> &str {
        &self.file.digest.last_hash
    }

    /// Its entries, whole.
    pub fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        self.file.entries()
    }
}

/// The files of an index, in journal order, from their summaries.
pub(super) fn indexed_files(
    parts: Vec<(PathBuf, Summary, Source)>,
    voided: &HashMap<u64, u64>,
) -> Vec<IndexedFile> {
    let mut start = 0;
    (parts.into_iter())
        .map(|(path, summary, source)| {
            let file = IndexedFile {
                path,
                start,
                net_holds: summary.net_holds(voided),
                source,
                // Parsed just now: its heads are at hand.
                heads: (summary.heads.len() == summary.digest.count)
                    .then_some(summary.heads)
                    .map_or_else(OnceLock::new, OnceLock::from),
                digest: summary.digest,
                net: OnceLock::new(),
                altered: summary.altered,
            };
            start += file.digest.count;
            file
        })
        .collect()
}

/// The seq of the first entry a digest covers.
pub(super) fn first_seq(digest: &Digest) -> Option<u64> {
    (digest.count > 0).then_some(digest.first)
}

/// Where entry `seq` is in a file's `entries` that start at `first`: seqs
/// run on by one in a journal that `ledger verify` passes; a search finds
/// it otherwise.
pub(super) fn position_in(entries: &[Entry], first: u64, seq: u64) -> Option<usize> {
    let direct = (seq.checked_sub(first))
        .and_then(|at| usize::try_from(at).ok())
        .filter(|at| entries.get(*at).is_some_and(|e| e.seq == seq));
    direct.or_else(|| entries.iter().position(|e| e.seq == seq))
}

impl IndexedFile {
    /// Its entries whole; an error when the file was replaced since the
    /// index was opened and its cache is gone.
    pub(super) fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        let entries = match &self.source {
            Source::Memory(entries, _) => return Ok(entries.clone()),
            Source::Cached(cached) => match cached.entries() {
                Some(entries) => entries,
                None => self.reparse_cached(cached)?,
            },
        };
        self.check_read(entries)
    }

    /// Its entries at these positions (sorted, each once), checked against
    /// its `heads`: read one by one when they are a few, else with the
    /// whole file.
    pub(super) fn entries_at(
        &self,
        positions: &[usize],
        heads: &[Entry],
    ) -> Result<Vec<Entry>, JournalError> {
        let few = positions.len() * 4 < self.digest.count;
        if let (true, Source::Cached(cached)) = (few, &self.source)
            && let Some(read) = cached.entries_at(positions)
        {
            let same = |(entry, at): (&Entry, &usize)| {
                (heads.get(*at)).is_some_and(|h| h.seq == entry.seq && h.hash == entry.hash)
            };
            if read.len() == positions.len() && read.iter().zip(positions).all(same) {
                return Ok(read);
            }
        }
        let mut all = self.entries()?;
        let mut picked = Vec::with_capacity(positions.len());
        for &at in positions.iter().rev() {
            if at < all.len() {
                picked.push(all.swap_remove(at));
            }
        }
        picked.reverse();
        Ok(picked)
    }

    /// Its heads, read from the cache (or the file parsed again).
    pub(super) fn read_heads(&self) -> Result<Vec<Entry>, JournalError> {
        let heads = match &self.source {
            Source::Memory(entries, _) => return Ok(entries.iter().map(Entry::head).collect()),
            Source::Cached(cached) => match cached.heads() {
                Some(heads) => heads,
                None => (self.reparse_cached(cached)?.iter())
                    .map(Entry::head)
                    .collect(),
            },
        };
        self.check_read(heads)
    }

    /// Its entries parsed again from the journal file, when its cache could
    /// not give them (a damaged cache is set aside as it is read), and the
    /// cache written again for the next read.
    fn reparse_cached(&self, cached: &CachedFile) -> Result<Vec<Entry>, JournalError> {
        if let Some(dir) = cached.ledger_dir() {
            match read_file(dir, &self.path, false)?.1 {
                Source::Memory(entries, _) => return Ok(entries),
                Source::Cached(fresh) => {
                    if let Some(entries) = fresh.entries() {
                        return Ok(entries);
                    }
                }
            }
        }
        Ok(reparse(&self.path, false)?.entries)
    }

    /// Entries (or heads) read after the index was opened, refused when
    /// they are not those its digest describes: the file was replaced since
    /// and its cache is gone.
    pub(super) fn check_read(&self, mut entries: Vec<Entry>) -> Result<Vec<Entry>, JournalError> {
        let digest = &self.digest;
        // Entries appended since the index was opened are not part of what
        // it read: the reader keeps its snapshot (an append never changes
        // the entries before it).
        let snapshot_holds = digest.count == 0
            || (entries.get(digest.count - 1)).is_some_and(|e| e.hash == digest.last_hash);
        if entries.len() > digest.count && snapshot_holds {
            entries.truncate(digest.count);
        }
        let expected = (digest.count > 0).then(|| (digest.first, digest.last_hash.clone()));
        if entries.len() != digest.count || ends(&entries) != expected {
            return Err(JournalError::Changed {
                path: self.path.clone(),
            });
        }
        Ok(entries)
    }

    /// Its net changes, when they hold for the journal's voids and can be
    /// read (else a fold goes through its entries).
    pub(super) fn net(&self) -> Option<&NetChanges> {
        if !self.net_holds {
            return None;
        }
        match &self.source {
            Source::Memory(_, net) => Some(net),
            Source::Cached(cached) => self.net.get_or_init(|| cached.net()).as_ref(),
        }
    }

    pub(super) fn key_changes(&self, env: &str, key: &str) -> Result<Vec<KeyChange>, JournalError> {
        if let Source::Cached(cached) = &self.source
            && let Some(changes) = cached.key_changes(env, key)
        {
            return Ok(changes);
        }
        let mut by_key = changes_by_key(&self.entries()?);
        Ok(by_key
            .get_mut(env)
            .and_then(|keys| keys.remove(key))
            .unwrap_or_default())
    }

    pub(super) fn keys(&self, env: &str) -> Result<Vec<String>, JournalError> {
        if let Source::Cached(cached) = &self.source {
            return Ok(cached.keys(env));
        }
        let by_key = changes_by_key(&self.entries()?);
        Ok(by_key
            .get(env)
            .map(|keys| keys.keys().cloned().collect())
            .unwrap_or_default())
    }
}

/// The seq of the first of `entries` and the hash of the last.
pub(super) fn ends(entries: &[Entry]) -> Option<(u64, String)> {
    Some((entries.first()?.seq, entries.last()?.hash.clone()))
}

/// A journal file's summary and where its entries are, from the cache when
/// it holds the file as it is now, else parsed (and cached).
pub(super) fn read_file(
    ledger_dir: &Path,
    path: &Path,
    is_tail: bool,
) -> Result<(Summary, Source), JournalError> {
    let key = cache::key(ledger_dir, path);
    let opened = (key.as_ref()).and_then(|key| cache::open(ledger_dir, path, key));
    if let Some((summary, cached)) = opened {
        return Ok((summary, Source::Cached(cached)));
    }
    let text = load::read_text(path, is_tail)?;
    let (parsed, altered) = load::parse_file_checked(path, &text)?;
    let mut summary = Summary::of(&parsed.entries, parsed.lines.clone());
    summary.altered = altered;
    let file = (path, text.as_bytes());
    let written = key
        .and_then(|key| cache::write(&key, ledger_dir, file, &summary, &parsed.entries, ByReader));
    let source = match written {
        Some(cached) => Source::Cached(cached),
        None => Source::Memory(parsed.entries, std::mem::take(&mut summary.net)),
    };
    Ok((summary, source))
}

/// A sealed segment's summary as [`read_file`] read it, checked to run on
/// from the `before` entries read so far (a cache that says otherwise is
/// set aside and the file parsed; a file that does is refused).
pub(super) fn checked_segment(
    segment: &Path,
    (summary, source): (Summary, Source),
    before: usize,
) -> Result<(Summary, Source), JournalError> {
    if load::check_segment(segment, &summary.digest, &summary.lines, before).is_ok() {
        return Ok((summary, source));
    }
    let text = load::read_text(segment, false)?;
    let (parsed, altered) = load::parse_file_checked(segment, &text)?;
    let mut summary = Summary::of(&parsed.entries, parsed.lines.clone());
    summary.altered = altered;
    load::check_segment(segment, &summary.digest, &parsed.lines, before)?;
    let net = std::mem::take(&mut summary.net);
    Ok((summary, Source::Memory(parsed.entries, net)))
}

/// Parses a journal file from its bytes.
pub(super) fn reparse(path: &Path, is_tail: bool) -> Result<ParsedFile, JournalError> {
    let text = load::read_text(path, is_tail)?;
    load::parse_file(path, &text)
}
