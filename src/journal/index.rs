//! A journal opened for reading only what a query needs: every entry's head
//! (the entry without its files) is in memory, and the files of an entry,
//! the changes of one key, or the net effect of a whole file on what an
//! environment serves are read from [`super::cache`] when asked for. The
//! journal files are what counts: a file whose cache does not match it is
//! parsed again, and the same checks as [`super::Journal::load`] refuse a
//! segment that does not run on from the one before.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::cache::{self, CachedFile, Checked::ByReader};
use super::load::{self, ParsedFile};
use super::summary::{NetChanges, Summary, changes_by_key};
use super::{Entry, FileChange, Journal, JournalError};

/// A journal opened for reading.
#[derive(Debug)]
pub struct Index {
    /// Every entry's head, in journal order.
    heads: Vec<Entry>,
    /// The files the entries are in: sealed segments, then the tail.
    files: Vec<IndexedFile>,
    /// Voided entry -> the void that marks it.
    voided: HashMap<u64, u64>,
}

/// One journal file of an [`Index`].
#[derive(Debug)]
struct IndexedFile {
    path: PathBuf,
    /// Index in `heads` of its first entry, and how many it holds.
    start: usize,
    len: usize,
    /// The seq of its first entry and the hash of its last, to tell the
    /// file read again (its cache gone) from another state of it.
    ends: Option<(u64, String)>,
    /// Whether its net changes hold for the journal's voids (they are read
    /// from [`Source`] when a fold needs them).
    net_holds: bool,
    source: Source,
}

/// Where an indexed file's entries are read from.
#[derive(Debug)]
enum Source {
    Cached(CachedFile),
    /// The cache could not be written: the entries and their net changes
    /// stay in memory.
    Memory(Vec<Entry>, NetChanges),
}

impl Index {
    /// Opens the journal of a ledger folder.
    pub fn open(ledger_dir: &Path) -> Result<Index, JournalError> {
        let tail_path = Journal::path_in(ledger_dir);
        let (tail, tail_source) = read_file(ledger_dir, &tail_path, true)?;
        let listed = load::list_segments(ledger_dir)?;
        let any_listed = !listed.is_empty();
        let segments = load::counted(listed, &tail.heads);
        // The segments' caches are read (JSON) on two threads, then checked
        // in order.
        let read = |paths: Vec<PathBuf>| -> Vec<_> {
            (paths.into_iter())
                .map(|path| (read_file(ledger_dir, &path, false), path))
                .collect()
        };
        let read = crate::parallel::pieces(segments, 2, &read);
        let mut parts = Vec::new();
        let mut sealed_entries = 0;
        for (read, segment) in read.into_iter().flatten() {
            let (summary, source) = checked_segment(&segment, read?, sealed_entries)?;
            sealed_entries += summary.heads.len();
            parts.push((segment, summary, source));
        }
        let tail_lines = (&tail.heads[..], &tail.lines[..]);
        load::check_sealed_reach_tail(&tail_path, tail_lines, sealed_entries, any_listed)?;
        parts.push((tail_path, tail, tail_source));
        let mut heads = Vec::with_capacity(sealed_entries + parts.len());
        let mut files = Vec::with_capacity(parts.len());
        for (path, mut summary, source) in parts {
            let start = heads.len();
            heads.append(&mut summary.heads);
            files.push((path, start, summary, source));
        }
        let voided = crate::model::voided_by(&heads);
        let files = files
            .into_iter()
            .map(|(path, start, summary, source)| IndexedFile {
                ends: ends(&heads[start..start + summary.lines.len()]),
                path,
                start,
                len: summary.lines.len(),
                net_holds: summary.net_holds(&voided, &heads[start..start + summary.lines.len()]),
                source,
            })
            .collect();
        Ok(Index {
            heads,
            files,
            voided,
        })
    }

    /// Every entry, in journal order, with `files` left empty: for queries
    /// over the entries' other fields. [`Index::entry`] has the files.
    pub fn heads(&self) -> &[Entry] {
        &self.heads
    }

    /// The head of entry `seq`.
    pub fn head(&self, seq: u64) -> Option<&Entry> {
        self.position(seq).map(|at| &self.heads[at])
    }

    /// Voided entries: seq of the voided entry -> seq of the void.
    pub fn voided(&self) -> &HashMap<u64, u64> {
        &self.voided
    }

    /// The whole entries with these seqs, in the order asked (a seq the
    /// journal does not hold is left out).
    pub fn entries(&self, seqs: &[u64]) -> Result<Vec<Entry>, JournalError> {
        let mut loaded: HashMap<usize, Vec<Entry>> = HashMap::new();
        let mut found = Vec::with_capacity(seqs.len());
        for &seq in seqs {
            let Some(at) = self.position(seq) else {
                continue;
            };
            let file = self.files.partition_point(|f| f.start + f.len <= at);
            let Some(indexed) = self.files.get(file) else {
                continue;
            };
            let entries = match loaded.entry(file) {
                std::collections::hash_map::Entry::Occupied(held) => held.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => slot.insert(indexed.entries()?),
            };
            if let Some(entry) = entries.get(at - indexed.start) {
                found.push(entry.clone());
            }
        }
        Ok(found)
    }

    /// Every entry whole, in journal order: for commands that walk the
    /// whole history (`render`); cheaper than [`Journal::load`], which also
    /// joins every file's text.
    pub fn all_entries(&self) -> Result<Vec<Entry>, JournalError> {
        let read = |files: &[IndexedFile]| -> Result<Vec<Entry>, JournalError> {
            let mut all = Vec::with_capacity(files.iter().map(|f| f.len).sum());
            for file in files {
                all.extend(file.entries()?);
            }
            Ok(all)
        };
        // The files' caches are read (JSON) on two threads.
        let (all, rest) = crate::parallel::halves(&self.files, read);
        let mut all = all?;
        all.extend(rest?);
        Ok(all)
    }

    /// The whole entry `seq`.
    pub fn entry(&self, seq: u64) -> Result<Option<Entry>, JournalError> {
        Ok(self.entries(&[seq])?.pop())
    }

    /// Visits, in order, file changes whose application one after another
    /// gives the objects `env` served after entry `upto`, from the entries
    /// in force: a file's net changes where they hold, else each entry's.
    pub fn fold_files(
        &self,
        env: &str,
        upto: u64,
        mut visit: impl FnMut(&FileChange),
    ) -> Result<(), JournalError> {
        for file in &self.files {
            let Some(first) = self.heads.get(file.start) else {
                continue;
            };
            if first.seq > upto {
                break;
            }
            let whole = self.heads[file.start + file.len - 1].seq <= upto;
            if let Some(net) = whole.then(|| file.net()).flatten() {
                net.get(env)
                    .into_iter()
                    .flatten()
                    .for_each(|(_, c)| visit(c));
                continue;
            }
            for entry in file.entries()?.iter().filter(|e| {
                e.env == env
                    && e.seq <= upto
                    && e.kind.changes_files()
                    && !self.voided.contains_key(&e.seq)
            }) {
                entry.files.iter().for_each(&mut visit);
            }
        }
        Ok(())
    }

    /// Every change of `key` in `env` by entries in force, oldest first,
    /// with the seq of the entry that made it.
    pub fn key_changes(
        &self,
        env: &str,
        key: &str,
    ) -> Result<Vec<(u64, FileChange)>, JournalError> {
        let mut all = Vec::new();
        for file in &self.files {
            all.extend(
                file.key_changes(env, key)?
                    .into_iter()
                    .filter(|(seq, _)| !self.voided.contains_key(seq)),
            );
        }
        Ok(all)
    }

    /// Every key a deploy or rollback of `env` changed (voided ones included).
    pub fn keys(&self, env: &str) -> Result<BTreeSet<String>, JournalError> {
        let mut keys = BTreeSet::new();
        for file in &self.files {
            keys.extend(file.keys(env)?);
        }
        Ok(keys)
    }

    /// Index in `heads` of entry `seq`: seqs run from 1 without a gap in
    /// a journal that `ledger verify` passes; a search finds it otherwise.
    fn position(&self, seq: u64) -> Option<usize> {
        let first = self.heads.first()?.seq;
        let direct = seq
            .checked_sub(first)
            .and_then(|at| usize::try_from(at).ok())
            .filter(|at| self.heads.get(*at).is_some_and(|e| e.seq == seq));
        direct.or_else(|| self.heads.iter().position(|e| e.seq == seq))
    }
}

impl IndexedFile {
    /// Its entries whole; an error when the file was replaced since the
    /// index was opened and its cache is gone.
    fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        let entries = match &self.source {
            Source::Memory(entries, _) => return Ok(entries.clone()),
            Source::Cached(cached) => match cached.entries() {
                Some(entries) => entries,
                None => reparse(&self.path, false)?.entries,
            },
        };
        if entries.len() != self.len || ends(&entries) != self.ends {
            return Err(JournalError::Changed {
                path: self.path.clone(),
            });
        }
        Ok(entries)
    }

    /// Its net changes, when they hold for the journal's voids and can be
    /// read (else a fold goes through its entries).
    fn net(&self) -> Option<std::borrow::Cow<'_, NetChanges>> {
        if !self.net_holds {
            return None;
        }
        match &self.source {
            Source::Memory(_, net) => Some(std::borrow::Cow::Borrowed(net)),
            Source::Cached(cached) => cached.net().map(std::borrow::Cow::Owned),
        }
    }

    fn key_changes(&self, env: &str, key: &str) -> Result<Vec<(u64, FileChange)>, JournalError> {
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

    fn keys(&self, env: &str) -> Result<Vec<String>, JournalError> {
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
fn ends(entries: &[Entry]) -> Option<(u64, String)> {
    Some((entries.first()?.seq, entries.last()?.hash.clone()))
}

/// A journal file's summary and where its entries are, from the cache when
/// it holds the file as it is now, else parsed (and cached).
fn read_file(
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
    let parsed = load::parse_file(path, &text)?;
    let mut summary = Summary::of(&parsed.entries, parsed.lines.clone());
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
fn checked_segment(
    segment: &Path,
    (summary, source): (Summary, Source),
    before: usize,
) -> Result<(Summary, Source), JournalError> {
    if load::check_segment(segment, &summary.heads, &summary.lines, before).is_ok() {
        return Ok((summary, source));
    }
    let parsed = reparse(segment, false)?;
    load::check_segment(segment, &parsed.entries, &parsed.lines, before)?;
    let mut summary = Summary::of(&parsed.entries, parsed.lines.clone());
    let net = std::mem::take(&mut summary.net);
    Ok((summary, Source::Memory(parsed.entries, net)))
}

/// Parses a journal file from its bytes.
fn reparse(path: &Path, is_tail: bool) -> Result<ParsedFile, JournalError> {
    let text = load::read_text(path, is_tail)?;
    load::parse_file(path, &text)
}
