//! Appending to the journal under an exclusive lock. An append rewrites
//! only the open tail (or seals it into segments when full), so its cost
//! does not grow with the history; every file is replaced atomically, and a
//! seal writes its segments before the tail that makes them count, so a
//! writer killed at any instant leaves the journal as it was or as it is
//! after the append.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use super::cache::Checked;
use super::segment::{self, SEGMENT_DIR};
use super::summary::Summary;
use super::{Appender, Entry, Index, Journal, JournalError, LOCK_FILE, Layout};

/// An exclusive hold on a ledger folder's journal. Appends happen only
/// through it; the lock is released when it is dropped (or the process dies).
pub struct JournalLock {
    dir: PathBuf,
    _file: File,
    /// What signs the entries appended under it.
    signer: Option<crate::signing::Signer>,
    /// The first seq that must be signed, when signing is required.
    required_from: Option<u64>,
}

impl JournalLock {
    /// Waits for and takes the ledger's append lock.
    pub fn acquire(ledger_dir: &Path) -> Result<JournalLock, JournalError> {
        let journal = Journal::path_in(ledger_dir);
        if !journal.exists() {
            return Err(JournalError::Missing { path: journal });
        }
        let path = ledger_dir.join(LOCK_FILE);
        let io = |action, source| JournalError::Io {
            action,
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io("cannot open lock file", e))?;
        file.lock().map_err(|e| io("cannot lock", e))?;
        Ok(JournalLock {
            dir: ledger_dir.to_path_buf(),
            _file: file,
            signer: None,
            required_from: None,
        })
    }

    /// This lock, the entries appended under it (and by the journals it
    /// loads) signed by `signer`; with no signer, an append of an entry
    /// numbered `required_from` or later is refused.
    pub fn signing(
        mut self,
        signer: Option<crate::signing::Signer>,
        required_from: Option<u64>,
    ) -> JournalLock {
        self.signer = signer;
        self.required_from = required_from;
        self
    }

    /// Refuses an append up to entry `last` that signing requires to be
    /// signed when there is no signer.
    pub fn check_signing(&self, last: u64) -> Result<(), JournalError> {
        match (&self.signer, self.required_from) {
            (None, Some(from)) if last >= from => Err(JournalError::SigningRequired { from }),
            _ => Ok(()),
        }
    }

    /// The ledger folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Reads the whole journal as it is now, under the lock (for a command
    /// that rewrites it: `sync`, `resolve`, the S3 store's pull).
    pub fn load(&self) -> Result<Journal, JournalError> {
        let mut journal = Journal::load(&self.dir)?;
        journal.signer = self.signer.clone();
        Ok(journal)
    }

    /// Opens, under the lock, the journal for appending and its index for
    /// the checks: a cost bounded by the open tail, not the history.
    pub fn open(&self) -> Result<(Appender, Index), JournalError> {
        let index = Index::open(&self.dir)?;
        if let Some(appender) = Appender::open(&self.dir, &index)?
            && appender.tail_broken().is_none()
        {
            return Ok((appender, index));
        }
        // The cache disagrees with the tail, or the chain does not hold as
        // the caches tell it: set them aside and read every file, so that a
        // broken chain reported is the journal's, never a cache's.
        let _ = fs::remove_dir_all(self.dir.join(super::cache::CACHE_DIR));
        let index = Index::open(&self.dir)?;
        match Appender::open(&self.dir, &index)? {
            Some(appender) => Ok((appender, index)),
            None => Err(JournalError::Changed {
                path: Journal::path_in(&self.dir),
            }),
        }
    }

    /// [`open`](Self::open), keeping `previous` (an index opened before this
    /// lock was taken) when the tail on disk still ends as it does: then no
    /// entry was written since, the hash chain that ends the same way is
    /// the same history, and the index returned is `None`. Otherwise the
    /// index is read again and returned.
    pub fn open_reusing(
        &self,
        previous: &Index,
    ) -> Result<(Appender, Option<Index>), JournalError> {
        if let Some(appender) = Appender::open(&self.dir, previous)?
            && appender.tail_broken().is_none()
        {
            return Ok((appender, None));
        }
        let (appender, index) = self.open()?;
        Ok((appender, Some(index)))
    }

    /// Appends `entry` after what `appender` (opened under this lock)
    /// holds, refusing when the tail's chain is broken.
    pub fn append(&self, appender: &mut Appender, entry: Entry) -> Result<Entry, JournalError> {
        let mut appended = self.append_all(appender, vec![entry])?;
        appended
            .pop()
            .ok_or_else(|| JournalError::Encode("nothing was appended".into()))
    }

    /// Appends several entries at once: the tail is checked once and written
    /// once (for imports of thousands of entries). Returns them as sealed.
    pub fn append_all(
        &self,
        appender: &mut Appender,
        entries: Vec<Entry>,
    ) -> Result<Vec<Entry>, JournalError> {
        if let Some(seq) = appender.tail_broken() {
            return Err(JournalError::BrokenChain {
                path: appender.path().to_path_buf(),
                seq,
            });
        }
        let (seq, tip) = (appender.next_seq(), appender.tip_hash());
        self.check_signing(seq + (entries.len() as u64).saturating_sub(1))?;
        let sealed = super::seal::seal_all(entries, seq, tip, self.signer.as_ref())?;
        let journal = &mut appender.tail;
        let first = journal.entries.len();
        // Pushed in place (a copy would cost the whole tail held): undone
        // when the write fails, so the appender stays as it was.
        let mark = journal.mark();
        for done in sealed {
            journal.push_sealed(done.entry, &done.block, done.table);
        }
        let written = journal
            .layout_from(journal.tail.first_index, journal.tail.body_offset)
            .and_then(|layout| self.write(journal, &layout, false).map(|()| layout));
        let layout = match written {
            Ok(layout) => layout,
            Err(error) => {
                journal.reset_to(mark);
                return Err(error);
            }
        };
        self.cache_written(journal, &layout);
        journal.adopt(layout);
        Ok(journal.entries[first..].to_vec())
    }

    /// Rewrites the whole journal as `journal` holds it. Only `sync`,
    /// `resolve` and the S3 store's pull use it, to put entries not yet
    /// published in their published form; they check that no published byte
    /// changes, so the sealed segments they keep are written as they were.
    pub fn replace_journal(&self, journal: &Journal) -> Result<(), JournalError> {
        let layout = journal.layout_from(0, super::segment::body_start(&journal.text))?;
        self.write(journal, &layout, true)
    }

    /// Writes `layout`: new or changed segments first (ignored by readers
    /// until the tail that follows them is in place), then the tail, then
    /// the removal of segments the layout does not hold. When a segment
    /// readers already count must change (`whole`), or the tail on disk
    /// holds no entry, the whole journal is first written as the tail, so
    /// that no instant mixes old and new.
    fn write(&self, journal: &Journal, layout: &Layout, whole: bool) -> Result<(), JournalError> {
        let tail_path = Journal::path_in(&self.dir);
        let segment_dir = self.dir.join(SEGMENT_DIR);
        let io = |action, path: &Path, source| JournalError::Io {
            action,
            path: path.to_path_buf(),
            source,
        };
        segment::remove_temporaries(&segment_dir);
        let existing =
            segment::list(&segment_dir).map_err(|e| io("cannot list", &segment_dir, e))?;
        // Segments beside a tail that holds no entry are never counted (and
        // refused), so a first seal puts the whole journal in the tail first.
        let tail_holds_none = fs::read_to_string(&tail_path)
            .map_or(true, |t| super::load::first_entry_seq(&t).is_none());
        let first_seal = tail_holds_none && !layout.segments.is_empty();
        let differs = |first: u64, text: &str| {
            let path = segment_dir.join(segment::segment_name(first));
            fs::read(&path).map_or(true, |bytes| bytes != text.as_bytes())
        };
        let counted_changes = whole
            && existing.iter().any(|(first, _)| {
                // (whole: the layout covers every segment)
                let kept = layout.segments.iter().find(|(f, _)| f == first);
                kept.is_none_or(|(f, text)| differs(*f, text))
            });
        if counted_changes || first_seal {
            segment::write_atomic(&tail_path, journal.text.as_bytes(), None)
                .map_err(|e| io("cannot write", &tail_path, e))?;
        }
        // Segments before the part the layout covers are not touched; those
        // after it that it does not hold are leftovers of a cut-off seal.
        for (first, _) in existing.iter().filter(|(f, _)| *f >= layout.from_seq) {
            if !layout.segments.iter().any(|(f, _)| f == first) {
                let path = segment_dir.join(segment::segment_name(*first));
                fs::remove_file(&path).map_err(|e| io("cannot remove", &path, e))?;
            }
        }
        if !layout.segments.is_empty() {
            fs::create_dir_all(&segment_dir).map_err(|e| io("cannot create", &segment_dir, e))?;
        }
        for (first, text) in &layout.segments {
            if differs(*first, text) {
                let path = segment_dir.join(segment::segment_name(*first));
                segment::write_atomic(&path, text.as_bytes(), Some(&tail_path))
                    .map_err(|e| io("cannot write", &path, e))?;
            }
        }
        segment::write_atomic(&tail_path, layout.tail.as_bytes(), None)
            .map_err(|e| io("cannot replace", &tail_path, e))
    }
}

impl JournalLock {
    /// Keeps the files an append just wrote in the read cache (see
    /// [`super::cache`]), from the entries in memory, so that the next read
    /// need not parse them. Best effort, like the cache itself.
    fn cache_written(&self, journal: &Journal, layout: &Layout) {
        let segment_dir = self.dir.join(SEGMENT_DIR);
        let written = layout
            .segments
            .iter()
            .map(|(first, text)| (segment_dir.join(segment::segment_name(*first)), text))
            .chain([(Journal::path_in(&self.dir), &layout.tail)]);
        let bounds: Vec<usize> = (layout.segments.iter())
            .map(|(first, _)| journal.entries.partition_point(|e| e.seq < *first))
            .chain([layout.tail_first_index, journal.entries.len()])
            .collect();
        let files: Vec<(PathBuf, &str, &[Entry])> = (written.enumerate())
            .filter_map(|(i, (path, text))| {
                let entries = journal.entries.get(bounds[i]..bounds[i + 1])?;
                Some((path, text.as_str(), entries))
            })
            .collect();
        let cache_all = |files: &[(PathBuf, &str, &[Entry])]| {
            for (path, text, entries) in files {
                self.cache_file(path, text, entries);
            }
        };
        // An import writes many segments: their caches on two threads.
        crate::parallel::halves(&files, cache_all);
    }

    /// Caches one file just written. Under the lock, nothing replaces it.
    fn cache_file(&self, path: &Path, text: &str, entries: &[Entry]) {
        let lines = super::load::entry_lines(text, entries.len());
        let summary = Summary::of(entries, lines);
        if let Some(key) = super::cache::key(&self.dir, path) {
            let file = (path, text.as_bytes());
            super::cache::write(&key, &self.dir, file, &summary, entries, Checked::ByAppend);
        }
    }
}

impl Journal {
    /// Takes on the tail and files of a layout just written.
    fn adopt(&mut self, layout: Layout) {
        let sealed = layout.segments.len();
        if sealed > 0 {
            let dir = self
                .path
                .parent()
                .unwrap_or(Path::new("."))
                .join(SEGMENT_DIR);
            let tail = self.files.pop().unwrap_or_else(|| self.path.clone());
            for (first, _) in &layout.segments {
                self.files.push(dir.join(segment::segment_name(*first)));
            }
            self.files.push(tail);
        }
        if sealed > 0 {
            // The sealed entries moved to new files: their places are stale.
            for place in &mut self.places[self.tail.first_index..] {
                *place = None;
            }
        }
        self.tail.header = layout.tail_header;
        self.tail.first_index = layout.tail_first_index;
        self.tail.body_offset = layout.tail_offset;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::EntryKind;
    use crate::timestamp::Timestamp;

    fn deploy(version: &str) -> Entry {
        Entry {
            version: Some(version.to_string()),
            ..Entry::new(
                EntryKind::Deploy,
                "production",
                Timestamp::parse_stored("2026-01-05").unwrap(),
            )
        }
    }

    #[test]
    fn an_append_whose_write_fails_leaves_the_appender_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        super::super::create_empty(dir.path()).unwrap();
        let lock = JournalLock::acquire(dir.path()).unwrap();
        let (mut appender, _) = lock.open().unwrap();
        lock.append(&mut appender, deploy("v1")).unwrap();
        let _ = appender.tail.raw();
        let before = appender.clone();
        // The tail can no longer be replaced: a folder stands in its place.
        let tail = Journal::path_in(dir.path());
        fs::remove_file(&tail).unwrap();
        fs::create_dir(&tail).unwrap();
        assert!(lock.append(&mut appender, deploy("v2")).is_err());
        assert_eq!(appender.tail.text, before.tail.text);
        assert_eq!(appender.entries(), before.entries());
        assert_eq!(appender.tail.lines, before.tail.lines);
        assert_eq!(appender.tail.raw(), before.tail.raw());
        assert_eq!(appender.tip_hash(), before.tip_hash());
        // And the next append, once the tail can be written, chains on.
        fs::remove_dir(&tail).unwrap();
        fs::write(&tail, &appender.tail.text).unwrap();
        let appended = lock.append(&mut appender, deploy("v2")).unwrap();
        assert_eq!(appended.seq, 2);
        assert_eq!(fs::read_to_string(&tail).unwrap(), appender.tail.text);
    }
}
