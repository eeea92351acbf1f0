//! A journal opened for reading only what a query needs. Opening it reads
//! each file's summary from [`super::cache`]: where its entries run, its
//! voids, and the [`Digest`] an append checks against. Every entry's head
//! (the entry without its files), the files of an entry, the changes of one
//! key, or the net effect of a whole file on what an environment serves are
//! read when asked for. The journal files are what counts: a file whose
//! cache does not match it is parsed again, and the same checks as
//! [`super::Journal::load`] refuse a segment that does not run on from the
//! one before.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::ParsedFile;
use super::cache::{self, CachedFile, Checked::ByReader};
use super::digest::Digest;
use super::load;
use super::summary::{KeyChange, NetChanges, Summary, changes_by_key};
use super::{Entry, EntryKind, FileChange, Journal, JournalError};

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

/// One journal file of an [`Index`].
#[derive(Debug)]
struct IndexedFile {
    path: PathBuf,
    /// Index among all the journal's entries of its first entry.
    start: usize,
    /// Where its entries run, and what an append checks of them.
    digest: Digest,
    /// Whether its net changes hold for the journal's voids (they are read
    /// from [`Source`] when a fold needs them).
    net_holds: bool,
    source: Source,
    /// Its heads, once asked for on their own (not through `Index::heads`).
    heads: OnceLock<Vec<Entry>>,
    /// Its net changes, once read.
    net: OnceLock<Option<NetChanges>>,
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

    /// The heads an append to `env` checks against, in journal order: every
    /// void, and of each file the heads its digest keeps for `env`, or all
    /// its heads for the tail, for a file one of whose entries a void marks,
    /// and for a file that deployed a version `same_version` accepts (the
    /// version being recorded). On these, `model::last_deploy`,
    /// `last_observed`, `lock_of`, `last_functions_change` and
    /// `live_functions` for `env`, and the check that a version is not
    /// recorded twice, answer as on every head, whatever the journal's
    /// length.
    pub fn append_view(
        &self,
        env: &str,
        same_version: impl Fn(&str) -> bool,
    ) -> Result<Vec<Entry>, JournalError> {
        self.picked_view(env, u64::MAX, |digest| {
            (digest.envs.get(env)).is_some_and(|e| e.versions.keys().any(|v| same_version(v)))
        })
    }

    /// The heads on which every [`Last`](super::questions::Last) question
    /// about `env`, asked of the entries up to `upto`, answers as on every
    /// head, with every void of the journal (so that `model::in_force`
    /// leaves out what a later void marks): a few heads per file, whatever
    /// the journal's length. For `status`, and for `live --at` and `show`
    /// once they know the entry they answer for.
    pub fn view(&self, env: &str, upto: u64) -> Result<Vec<Entry>, JournalError> {
        self.picked_view(env, upto, |_| false)
    }

    /// [`Index::view`], with all the heads of a file `whole` accepts.
    fn picked_view(
        &self,
        env: &str,
        upto: u64,
        whole: impl Fn(&Digest) -> bool,
    ) -> Result<Vec<Entry>, JournalError> {
        let tail = self.files.len().saturating_sub(1);
        let mut view = Vec::new();
        for (at, file) in self.files.iter().enumerate() {
            let digest = &file.digest;
            if digest.count > 0 && digest.first > upto {
                view.extend(digest.voids.iter().cloned());
                continue;
            }
            let voided_here = self.voided.keys().any(|seq| digest.covers(*seq));
            let cut = digest.covers(upto) && upto < digest.last;
            if at == tail || cut || voided_here || !digest.consecutive || whole(digest) {
                let heads = self.file_heads(at)?.iter();
                view.extend(
                    heads
                        .filter(|e| e.seq <= upto || e.kind == EntryKind::Void)
                        .cloned(),
                );
                continue;
            }
            let mut picked: Vec<&Entry> = digest.voids.iter().collect();
            picked.extend(digest.envs.get(env).into_iter().flat_map(|e| &e.lasts));
            picked.sort_by_key(|e| e.seq);
            picked.dedup_by_key(|e| e.seq);
            view.extend(picked.into_iter().cloned());
        }
        Ok(view)
    }

    /// The first entry in force that changed what `env` serves (a deploy or
    /// rollback) with an instant after `at`, in journal order: where a scan
    /// of the environment's deploys up to `at` stops. Files whose deploys
    /// all came before `at` are passed by their digest.
    pub fn first_deploy_after(
        &self,
        env: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<&Entry>, JournalError> {
        let tail = self.files.len().saturating_sub(1);
        for (position, file) in self.files.iter().enumerate() {
            let digest = &file.digest;
            let voided_here = self.voided.keys().any(|seq| digest.covers(*seq));
            let latest = digest.envs.get(env).and_then(|e| e.latest_deploy);
            let special = position == tail || voided_here || !digest.consecutive;
            if !special && latest.is_none_or(|latest| latest <= at) {
                continue;
            }
            let after = (self.file_heads(position)?.iter()).find(|e| {
                e.env == env
                    && e.kind.changes_files()
                    && !self.voided.contains_key(&e.seq)
                    && e.deployed_at.instant() > at
            });
            if after.is_some() {
                return Ok(after);
            }
        }
        Ok(None)
    }

    /// The newest `count` heads `keep` accepts, newest first: the files'
    /// heads read from the tail back, only as far as needed.
    pub fn newest_heads(
        &self,
        count: usize,
        keep: impl Fn(&Entry) -> bool,
    ) -> Result<Vec<Entry>, JournalError> {
        let mut found = Vec::new();
        for at in (0..self.files.len()).rev() {
            if found.len() >= count {
                break;
            }
            let heads = self.file_heads(at)?.iter().rev().filter(|e| keep(e));
            found.extend(heads.take(count - found.len()).cloned());
        }
        Ok(found)
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

/// One file of an [`Index`]: which entries it holds, and them.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    file: &'a IndexedFile,
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
fn indexed_files(
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
            };
            start += file.digest.count;
            file
        })
        .collect()
}

/// The seq of the first entry a digest covers.
fn first_seq(digest: &Digest) -> Option<u64> {
    (digest.count > 0).then_some(digest.first)
}

/// Where entry `seq` is in a file's `entries` that start at `first`: seqs
/// run on by one in a journal that `ledger verify` passes; a search finds
/// it otherwise.
fn position_in(entries: &[Entry], first: u64, seq: u64) -> Option<usize> {
    let direct = (seq.checked_sub(first))
        .and_then(|at| usize::try_from(at).ok())
        .filter(|at| entries.get(*at).is_some_and(|e| e.seq == seq));
    direct.or_else(|| entries.iter().position(|e| e.seq == seq))
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
        self.check_read(entries)
    }

    /// Its entries at these positions (sorted, each once), checked against
    /// its `heads`: read one by one when they are a few, else with the
    /// whole file.
    fn entries_at(&self, positions: &[usize], heads: &[Entry]) -> Result<Vec<Entry>, JournalError> {
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
    fn read_heads(&self) -> Result<Vec<Entry>, JournalError> {
        let heads = match &self.source {
            Source::Memory(entries, _) => return Ok(entries.iter().map(Entry::head).collect()),
            Source::Cached(cached) => match cached.heads() {
                Some(heads) => heads,
                None => reparse(&self.path, false)?
                    .entries
                    .iter()
                    .map(Entry::head)
                    .collect(),
            },
        };
        self.check_read(heads)
    }

    /// Entries (or heads) read after the index was opened, refused when
    /// they are not those its digest describes: the file was replaced since
    /// and its cache is gone.
    fn check_read(&self, entries: Vec<Entry>) -> Result<Vec<Entry>, JournalError> {
        let digest = &self.digest;
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
    fn net(&self) -> Option<&NetChanges> {
        if !self.net_holds {
            return None;
        }
        match &self.source {
            Source::Memory(_, net) => Some(net),
            Source::Cached(cached) => self.net.get_or_init(|| cached.net()).as_ref(),
        }
    }

    fn key_changes(&self, env: &str, key: &str) -> Result<Vec<KeyChange>, JournalError> {
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
    if load::check_segment(segment, &summary.digest, &summary.lines, before).is_ok() {
        return Ok((summary, source));
    }
    let parsed = reparse(segment, false)?;
    let mut summary = Summary::of(&parsed.entries, parsed.lines.clone());
    load::check_segment(segment, &summary.digest, &parsed.lines, before)?;
    let net = std::mem::take(&mut summary.net);
    Ok((summary, Source::Memory(parsed.entries, net)))
}

/// Parses a journal file from its bytes.
fn reparse(path: &Path, is_tail: bool) -> Result<ParsedFile, JournalError> {
    let text = load::read_text(path, is_tail)?;
    load::parse_file(path, &text)
}
