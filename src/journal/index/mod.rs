//! A journal opened for reading only what a query needs. Opening it reads
//! each file's summary from [`super::cache`]: where its entries run, its
//! voids, and the [`Digest`] an append checks against. Every entry's head
//! (the entry without its files), the files of an entry, the changes of one
//! key, or the net effect of a whole file on what an environment serves are
//! read when asked for. The journal files are what counts: a file whose
//! cache does not match it is parsed again, and the same checks as
//! [`super::Journal::load`] refuse a segment that does not run on from the
//! one before.

mod file;

pub use file::Part;
use file::{IndexedFile, checked_segment, first_seq, indexed_files, position_in, read_file};
mod views;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::load;
use super::summary::KeyChange;
use super::{Entry, FileChange, Journal, JournalError};

/// A journal opened for reading.
#[derive(Debug)]
pub struct Index {
    /// The files the entries are in: sealed segments, then the tail.
    files: Vec<IndexedFile>,
    /// Voided entry -> the void that marks it.
    voided: HashMap<u64, u64>,
    /// Every entry's head, in journal order, once asked for.
    heads: OnceLock<Vec<Entry>>,
}

impl Index {
    /// Opens the journal of a ledger folder.
    pub fn open(ledger_dir: &Path) -> Result<Index, JournalError> {
        let tail_path = Journal::path_in(ledger_dir);
        let (tail, tail_source) = read_file(ledger_dir, &tail_path, true)?;
        let listed = load::list_segments(ledger_dir)?;
        let any_listed = !listed.is_empty();
        let segments = load::counted_before(listed, first_seq(&tail.digest));
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
            sealed_entries += summary.digest.count;
            parts.push((segment, summary, source));
        }
        let tail_first = (first_seq(&tail.digest), &tail.lines[..]);
        load::check_sealed_reach_tail(&tail_path, tail_first, sealed_entries, any_listed)?;
        parts.push((tail_path, tail, tail_source));
        let voided: HashMap<u64, u64> = (parts.iter())
            .flat_map(|(_, summary, _)| &summary.digest.voids)
            .filter_map(|void| void.voids.map(|target| (target, void.seq)))
            .collect();
        let files = indexed_files(parts, &voided);
        // The tail is the file another append replaces (and its cache file
        // with it): its heads and net changes are read now, as the entries
        // of a file that changed since could no longer be.
        if let Some(tail) = files.last() {
            if tail.heads.get().is_none() {
                let heads = tail.read_heads()?;
                let _ = tail.heads.set(heads);
            }
            let _ = tail.net();
        }
        Ok(Index {
            files,
            voided,
            heads: OnceLock::new(),
        })
    }

    /// The seqs of the entries [`Index::altered`] names.
    pub fn altered_seqs(&self) -> std::collections::HashSet<u64> {
        self.altered().into_iter().map(|(seq, _)| seq).collect()
    }

    /// The entries whose hash does not match their content as written
    /// (changed after they were written), with the file each is in: found
    /// when a file was parsed, kept in its cache.
    pub fn altered(&self) -> Vec<(u64, &Path)> {
        (self.files.iter())
            .flat_map(|f| f.altered.iter().map(move |seq| (*seq, f.path.as_path())))
            .collect()
    }

    /// Every entry, in journal order, with `files` left empty: for queries
    /// over the entries' other fields. [`Index::entry`] has the files. Read
    /// on first use (an append reads [`Index::append_view`] instead).
    pub fn heads(&self) -> Result<&[Entry], JournalError> {
        if let Some(heads) = self.heads.get() {
            return Ok(heads);
        }
        let read = |files: &[IndexedFile]| -> Result<Vec<Entry>, JournalError> {
            let mut heads = Vec::new();
            for file in files {
                match file.heads.get() {
                    Some(held) => heads.extend(held.iter().cloned()),
                    None => heads.extend(file.read_heads()?),
                }
            }
            Ok(heads)
        };
        // The files' heads are read (JSON) on two threads.
        let (heads, rest) = crate::parallel::halves(&self.files, read);
        let mut heads = heads?;
        heads.extend(rest?);
        Ok(self.heads.get_or_init(|| heads))
    }

    /// The head of entry `seq`.
    pub fn head(&self, seq: u64) -> Result<Option<&Entry>, JournalError> {
        let Some(at) = self.file_of(seq) else {
            return Ok(None);
        };
        let heads = self.file_heads(at)?;
        Ok(position_in(heads, self.files[at].digest.first, seq).map(|i| &heads[i]))
    }

    /// Voided entries: seq of the voided entry -> seq of the void.
    pub fn voided(&self) -> &HashMap<u64, u64> {
        &self.voided
    }

    /// How many entries the journal holds, and the hash of the last one
    /// before the open tail (none when no segment is sealed).
    pub(super) fn sealed_part(&self) -> (usize, Option<&str>) {
        let sealed = &self.files[..self.files.len().saturating_sub(1)];
        let count = sealed.iter().map(|f| f.digest.count).sum();
        let tip = (sealed.iter().rev())
            .find(|f| f.digest.count > 0)
            .map(|f| f.digest.last_hash.as_str());
        (count, tip)
    }

    /// The heads of the open tail.
    pub(super) fn tail_heads(&self) -> Result<&[Entry], JournalError> {
        match self.files.len() {
            0 => Ok(&[]),
            n => self.file_heads(n - 1),
        }
    }

    /// The whole entries with these seqs, in the order asked (a seq the
    /// journal does not hold is left out). A few entries of a file are read
    /// on their own, many with the whole file.
    pub fn entries(&self, seqs: &[u64]) -> Result<Vec<Entry>, JournalError> {
        let mut wanted: Vec<(usize, usize)> = Vec::with_capacity(seqs.len());
        for &seq in seqs {
            let Some(at) = self.file_of(seq) else {
                continue;
            };
            let heads = self.file_heads(at)?;
            if let Some(position) = position_in(heads, self.files[at].digest.first, seq) {
                wanted.push((at, position));
            }
        }
        let mut by_file: HashMap<usize, Vec<usize>> = HashMap::new();
        for (at, position) in &wanted {
            by_file.entry(*at).or_default().push(*position);
        }
        let mut read: HashMap<(usize, usize), Entry> = HashMap::new();
        for (at, mut positions) in by_file {
            positions.sort_unstable();
            positions.dedup();
            let entries = self.files[at].entries_at(&positions, self.file_heads(at)?)?;
            read.extend(positions.into_iter().map(|p| (at, p)).zip(entries));
        }
        Ok(wanted
            .iter()
            .filter_map(|key| read.get(key).cloned())
            .collect())
    }

    /// How many entries the journal holds.
    pub fn count(&self) -> usize {
        self.parts().map(|p| p.count()).sum()
    }

    /// The journal's files in order (sealed segments, then the tail), for
    /// a reader that keeps what it derives from each file: the document's
    /// history blocks.
    pub fn parts(&self) -> impl ExactSizeIterator<Item = Part<'_>> {
        self.files.iter().map(|file| Part { file })
    }

    /// Every entry whole, in journal order: for commands that walk the
    /// whole history (`render`); cheaper than [`Journal::load`], which also
    /// joins every file's text.
    pub fn all_entries(&self) -> Result<Vec<Entry>, JournalError> {
        let read = |files: &[IndexedFile]| -> Result<Vec<Entry>, JournalError> {
            let mut all = Vec::with_capacity(files.iter().map(|f| f.digest.count).sum());
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
        for (at, file) in self.files.iter().enumerate() {
            if file.digest.count == 0 {
                continue;
            }
            if file.digest.first > upto {
                break;
            }
            let whole = file.digest.last <= upto;
            if let Some(net) = whole.then(|| file.net()).flatten() {
                net.get(env)
                    .into_iter()
                    .flatten()
                    .for_each(|(_, c)| visit(c));
                continue;
            }
            // Only the entries that changed `env`'s objects are read.
            let heads = self.file_heads(at)?;
            let positions: Vec<usize> = (heads.iter().enumerate())
                .filter(|(_, e)| {
                    e.env == env
                        && e.seq <= upto
                        && e.kind.changes_files()
                        && !self.voided.contains_key(&e.seq)
                })
                .map(|(position, _)| position)
                .collect();
            for entry in file.entries_at(&positions, heads)? {
                entry.files.iter().for_each(&mut visit);
            }
        }
        Ok(())
    }

    /// Every change of `key` in `env` by entries in force, oldest first,
    /// with what a history shows of the entry that made it.
    pub fn key_changes(&self, env: &str, key: &str) -> Result<Vec<KeyChange>, JournalError> {
        let mut all = Vec::new();
        for file in &self.files {
            all.extend(
                file.key_changes(env, key)?
                    .into_iter()
                    .filter(|change| !self.voided.contains_key(&change.seq)),
            );
        }
        Ok(all)
    }

    /// The deploys and rollbacks of `env` in force recorded with
    /// `--no-aws`, in journal order (from the files' digests).
    pub fn no_aws(&self, env: &str) -> Vec<u64> {
        (self.files.iter())
            .filter_map(|file| file.digest.envs.get(env))
            .flat_map(|e| &e.no_aws)
            .filter(|seq| !self.voided.contains_key(seq))
            .copied()
            .collect()
    }

    /// Every key a deploy or rollback of `env` changed (voided ones included).
    pub fn keys(&self, env: &str) -> Result<BTreeSet<String>, JournalError> {
        let mut keys = BTreeSet::new();
        for file in &self.files {
            keys.extend(file.keys(env)?);
        }
        Ok(keys)
    }

    /// The file that holds entry `seq`, by the seqs the files run over.
    fn file_of(&self, seq: u64) -> Option<usize> {
        let at = self.files.partition_point(|f| f.digest.last < seq);
        if self.files.get(at).is_some_and(|f| f.digest.covers(seq)) {
            return Some(at);
        }
        // A tail whose seqs do not run on (an append refuses to extend it,
        // reads still show it): its heads are at hand.
        let tail = self.files.len().checked_sub(1)?;
        let heads = self.files[tail].heads.get()?;
        heads.iter().any(|e| e.seq == seq).then_some(tail)
    }

    /// The heads of file `at`: from all the heads when they were read, else
    /// read for it alone (and kept).
    fn file_heads(&self, at: usize) -> Result<&[Entry], JournalError> {
        let file = &self.files[at];
        if let Some(all) = self.heads.get() {
            return Ok(&all[file.start..file.start + file.digest.count]);
        }
        if let Some(held) = file.heads.get() {
            return Ok(held);
        }
        let heads = file.read_heads()?;
        Ok(file.heads.get_or_init(|| heads))
    }
}
