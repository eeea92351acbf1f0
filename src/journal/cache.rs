//! A cache of parsed journal files, beside the journal in
//! `ledger/.cache/segments/` (ignored by git, safe to delete): parsing TOML
//! is most of what a read of a long journal costs, so each file's
//! [`Summary`], entries and per-key changes are kept as JSON, which parses
//! many times faster, and in pieces, so that a read parses only the pieces
//! it needs.
//!
//! A cached file is used only for the journal file it was made from, as git
//! tells a changed working file: its name holds the file's size,
//! modification time (in nanoseconds) and inode, and its content the
//! cache format and `ledger` version that wrote it and the SHA-256 of the journal file's
//! bytes. When no cache file has the journal file's name, size, time and
//! inode (a fresh clone whose cache was restored by CI, a copied ledger), a
//! cache file of the same name and size whose SHA-256 matches the file's
//! bytes is taken over (renamed to the new state): a hash runs at disk speed,
//! a parse many times slower. Any other difference, or any error reading it,
//! and the file is parsed again (and the cache rewritten). `ledger verify`
//! never uses the cache: it hashes the bytes of every file.
//!
//! The cache file an append writes for the tail it just wrote says so
//! (`checked`): the next append, when the SHA-256 of the tail's bytes is the
//! one recorded, takes the entries from it instead of parsing the TOML and
//! computing each entry's hash again (their order and links are still
//! checked). Any other byte, and the tail is parsed and checked in full.
//!
//! A cache is never trusted over the journal: its first line is followed
//! by that line's SHA-256, and every piece's span carries the CRC-32 of
//! its bytes; a cache file whose head or a piece does not match is
//! removed, and what it held is read from the journal file (and cached
//! again by the next read). `ledger verify` also compares every cache
//! with its journal file ([`agrees`]) and sets aside one that disagrees.
//!
//! Layout of a cache file: one line of JSON (the `ledger` version, the
//! summary, and where each piece lies), a line with that line's SHA-256,
//! then the pieces, each a JSON value
//! at a byte range counted from the end of those lines: the entries, the
//! summary's heads (read when a command asks for them: an append reads the
//! summary's digest instead), its net changes (as large as the heads, and
//! needed only by a fold of what is live), and one `[[seq, change], ...]`
//! list per environment and key.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::Entry;
use super::ParsedFile;
use super::digest::Digest;
use super::summary::{KeyChange, NetChanges, Summary, changes_by_key};

/// Folder of the cache, inside the ledger folder.
pub const CACHE_DIR: &str = ".cache/segments";

/// Files smaller than this are not cached: they parse in a few
/// milliseconds, and a small ledger (an example, a test fixture) keeps no
/// cache beside it.
pub const CACHE_MIN_BYTES: u64 = 64 * 1024;

/// The shape of a cache file: a cache file of another shape is parsed
/// again. Bump it when what a cache file holds changes shape or meaning
/// (the digest's roles included): a cache written by an earlier build of
/// the same `ledger` version may be restored by CI.
const CACHE_FORMAT: u32 = 6;

/// A byte range of a cache file's pieces and the CRC-32 of its bytes:
/// `[offset, length, crc32]`.
type Span = (u64, u64, u32);

/// The first line of a cache file.
#[derive(Serialize, Deserialize)]
struct Head {
    /// [`CACHE_FORMAT`] when it was written.
    format: u32,
    /// The `ledger` version that wrote it (entries may change shape).
    ledger: String,
    /// SHA-256 (hex) of the journal file's bytes it was made from.
    sha256: String,
    /// Written by the append that wrote those bytes, after it checked the
    /// chain of the entries before its own (a reader's cache is not).
    #[serde(default)]
    checked: bool,
    summary: Summary,
    /// The entries, in file order.
    entries: Span,
    /// Where each entry lies (a piece: a list of spans).
    each_entry: Span,
    /// The summary's heads and net changes (left out of `summary`).
    heads: Span,
    net: Span,
    /// Per environment, per key, where its changes lie (a piece: a map of
    /// spans), read when a query asks about keys.
    keys: Span,
}

impl Head {
    /// Written by this build's shape of cache and `ledger` version.
    fn is_current(&self) -> bool {
        self.format == CACHE_FORMAT && self.ledger == env!("CARGO_PKG_VERSION")
    }
}

/// A cache file whose summary has been read; its pieces are read on demand.
#[derive(Debug)]
pub struct CachedFile {
    path: PathBuf,
    /// Where the pieces start.
    pieces_at: u64,
    entries: Span,
    each_entry: Span,
    heads: Span,
    net: Span,
    keys: Span,
    /// The keys' spans, once read.
    key_spans: OnceLock<Option<KeySpans>>,
    sha256: String,
    checked: bool,
}

/// Per environment, per key: where its changes lie.
type KeySpans = BTreeMap<String, BTreeMap<String, Span>>;

impl CachedFile {
    /// The file's entries, in file order.
    pub fn entries(&self) -> Option<Vec<Entry>> {
        serde_json::from_slice(&self.piece(self.entries)?).ok()
    }

    /// The entries at these positions in the file (in the order asked),
    /// each read on its own.
    pub fn entries_at(&self, positions: &[usize]) -> Option<Vec<Entry>> {
        let spans: Vec<Span> = serde_json::from_slice(&self.piece(self.each_entry)?).ok()?;
        let mut file = File::open(&self.path).ok()?;
        let mut entries = Vec::with_capacity(positions.len());
        for at in positions {
            let read = read_span(&mut file, self.pieces_at, *spans.get(*at)?);
            entries.push(serde_json::from_slice(&self.set_aside_unless(read)?).ok()?);
        }
        Some(entries)
    }

    /// The file's heads ([`Summary::heads`]).
    pub fn heads(&self) -> Option<Vec<Entry>> {
        serde_json::from_slice(&self.piece(self.heads)?).ok()
    }

    /// The file's net changes ([`Summary::net`]).
    pub fn net(&self) -> Option<NetChanges> {
        serde_json::from_slice(&self.piece(self.net)?).ok()
    }

    /// The changes of `key` in `env`, oldest first, voided entries
    /// included (none when no entry of the file changed it).
    pub fn key_changes(&self, env: &str, key: &str) -> Option<Vec<KeyChange>> {
        match self.key_spans()?.get(env).and_then(|keys| keys.get(key)) {
            Some(span) => serde_json::from_slice(&self.piece(*span)?).ok(),
            None => Some(Vec::new()),
        }
    }

    /// The keys whose changes in `env` the file holds.
    pub fn keys(&self, env: &str) -> Vec<String> {
        (self.key_spans().and_then(|spans| spans.get(env)))
            .map(|keys| keys.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The keys' spans, read on first use.
    fn key_spans(&self) -> Option<&KeySpans> {
        let read = || serde_json::from_slice(&self.piece(self.keys)?).ok();
        self.key_spans.get_or_init(read).as_ref()
    }

    /// The ledger folder whose cache it is in.
    pub fn ledger_dir(&self) -> Option<&Path> {
        let dir = self.path.parent()?;
        let mut ledger = dir;
        for _ in Path::new(CACHE_DIR).components() {
            ledger = ledger.parent()?;
        }
        (ledger.join(CACHE_DIR) == dir).then_some(ledger)
    }

    fn piece(&self, span: Span) -> Option<Vec<u8>> {
        let read = read_span(&mut File::open(&self.path).ok()?, self.pieces_at, span);
        self.set_aside_unless(read)
    }

    /// `read`, or when a piece did not match its checksum, nothing, and
    /// the damaged cache file removed (the journal file is read instead,
    /// and cached again by the next read).
    fn set_aside_unless<T>(&self, read: Result<T, Damage>) -> Option<T> {
        match read {
            Ok(value) => Some(value),
            Err(Damage::Checksum) => {
                let _ = fs::remove_file(&self.path);
                None
            }
            Err(Damage::Unreadable) => None,
        }
    }
}

/// Why a piece could not be read.
enum Damage {
    /// Its bytes do not match its checksum.
    Checksum,
    /// The file could not be read there (gone, shorter).
    Unreadable,
}

/// The bytes of a piece at `span` of a cache file whose pieces start at
/// `pieces_at`, checked against the span's checksum.
fn read_span(file: &mut File, pieces_at: u64, (offset, len, crc): Span) -> Result<Vec<u8>, Damage> {
    // A file cut short is as damaged as one whose bytes changed.
    let short = |_| Damage::Checksum;
    file.seek(SeekFrom::Start(pieces_at + offset))
        .map_err(short)?;
    let len = usize::try_from(len).map_err(|_| Damage::Unreadable)?;
    let mut bytes = vec![0; len];
    file.read_exact(&mut bytes).map_err(short)?;
    match crc32fast::hash(&bytes) == crc {
        true => Ok(bytes),
        false => Err(Damage::Checksum),
    }
}

/// Which cache file holds a journal file in one state on disk (its size,
/// modification time and inode). Take it before reading the journal file:
/// [`write`] keeps what was parsed only while the file is still in that
/// state, so that a reader racing an append never files the old tail's
/// entries under the new tail's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    path: PathBuf,
    len: u64,
}

/// The key of journal file `file` as it is now on disk, if it can be named.
pub(super) fn key(ledger_dir: &Path, file: &Path) -> Option<Key> {
    let len = fs::metadata(file).ok()?.len();
    cache_path(ledger_dir, file).map(|path| Key { path, len })
}

/// The cache file for journal file `file` as it is now on disk, if it can
/// be named.
fn cache_path(ledger_dir: &Path, file: &Path) -> Option<PathBuf> {
    let meta = fs::metadata(file).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0u64;
    let stem = file_stem(file)?;
    Some(
        ledger_dir
            .join(CACHE_DIR)
            .join(format!("{stem}.{}.{modified}.{inode}.json", meta.len())),
    )
}

/// The summary of a journal file from the cache, with the cache file for
/// its pieces, when the cache holds them for `file` in the state `key`, or
/// holds them for the same bytes in another state (see the module comment).
pub(super) fn open(ledger_dir: &Path, file: &Path, key: &Key) -> Option<(Summary, CachedFile)> {
    open_at(key).or_else(|| {
        adopt(ledger_dir, file, key)?;
        open_at(key)
    })
}

/// The cache file named by `key`, when it is whole and of this version.
fn open_at(key: &Key) -> Option<(Summary, CachedFile)> {
    let path = key.path.clone();
    let (head, pieces_at) = read_head(&path)?;
    let summary = &head.summary;
    let whole = head.is_current() && summary.lines.len() == summary.digest.count;
    whole.then(|| {
        let cached = CachedFile {
            path,
            pieces_at,
            entries: head.entries,
            each_entry: head.each_entry,
            heads: head.heads,
            net: head.net,
            keys: head.keys,
            key_spans: OnceLock::new(),
            sha256: head.sha256,
            checked: head.checked,
        };
        (head.summary, cached)
    })
}

/// The parsed entries of a journal file from the cache, with its digest,
/// when it holds them for `file` in the state `key` (or for its bytes, as
/// [`open`] says).
pub(super) fn read(ledger_dir: &Path, file: &Path, key: &Key) -> Option<(ParsedFile, Digest)> {
    let (summary, cached) = open(ledger_dir, file, key)?;
    let entries = cached.entries()?;
    let parsed = ParsedFile {
        entries,
        lines: summary.lines,
    };
    (parsed.entries.len() == summary.digest.count).then_some((parsed, summary.digest))
}

/// The parsed entries of a journal file whose bytes are `bytes`, from a
/// cache that the append which wrote exactly these bytes left (see
/// [`Checked`]): its entries are what parsing them gives, and the hash of
/// each was checked or made by that append. `None` otherwise, and the file
/// is parsed and checked as usual.
pub(super) fn read_checked(
    ledger_dir: &Path,
    file: &Path,
    key: &Key,
    bytes: &[u8],
) -> Option<ParsedFile> {
    let (summary, cached) = open(ledger_dir, file, key)?;
    if !cached.checked || cached.sha256 != super::hash::sha256_hex(bytes) {
        return None;
    }
    let entries = cached.entries()?;
    (entries.len() == summary.lines.len()).then_some(ParsedFile {
        entries,
        lines: summary.lines,
    })
}

/// Whether the cache of journal file `file`, as it is now on disk, holds
/// what parsing it gives (`entries`): its summary, entries, heads and net
/// changes. A cache that disagrees is removed (the next read rebuilds it);
/// `None` when there is no cache of it. `ledger verify` asks this of every
/// file, so that a cache never says what the journal does not.
pub fn agrees(ledger_dir: &Path, file: &super::StoredFile) -> Option<bool> {
    let (entries, path) = (&file.entries[..], file.path.as_path());
    let key = key(ledger_dir, path)?;
    // An append since the file was read (its size differs): the cache is
    // of another state than the entries read; nothing to say of it.
    if key.len != file.text.len() as u64 {
        return None;
    }
    let existed = key.path.exists();
    let Some((summary, cached)) = open_at(&key) else {
        // A head that did not match its checksum was removed: it disagreed.
        return (existed && !key.path.exists()).then_some(false);
    };
    let expected = Summary::of(entries, summary.lines.clone());
    let heads: Vec<Entry> = entries.iter().map(Entry::head).collect();
    let holds = summary.digest == expected.digest
        && summary.voided_inside == expected.voided_inside
        && cached.entries().as_deref() == Some(entries)
        && cached.heads() == Some(heads)
        && cached.net() == Some(expected.net);
    if !holds {
        let _ = fs::remove_file(&key.path);
    }
    Some(holds)
}

/// Who writes a cache file: a reader that parsed the journal file, or the
/// append that wrote it, after checking the chain it extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Checked {
    ByReader,
    ByAppend,
}

/// The first line of cache file `path`, checked against the SHA-256 on
/// the second, and where its pieces start. A head that does not match is
/// removed with its file.
fn read_head(path: &Path) -> Option<(Head, u64)> {
    let mut reader = BufReader::new(File::open(path).ok()?);
    let mut line = Vec::new();
    let mut sum = Vec::new();
    let head_len = reader.read_until(b'\n', &mut line).ok()?;
    let pieces_at = (head_len + reader.read_until(b'\n', &mut sum).ok()?) as u64;
    let head = line.strip_suffix(b"\n")?;
    if sum.strip_suffix(b"\n") != Some(super::hash::sha256_hex(head).as_bytes()) {
        let _ = fs::remove_file(path);
        return None;
    }
    Some((serde_json::from_slice(head).ok()?, pieces_at))
}

/// Takes over, for `file` in the state `key`, a cache file made for the
/// same bytes in another state: one of the same journal file name and size
/// whose recorded SHA-256 is that of the file's bytes now. The file is
/// hashed only when such a candidate exists.
fn adopt(ledger_dir: &Path, file: &Path, key: &Key) -> Option<()> {
    let dir = key.path.parent()?;
    let prefix = format!("{}.{}.", file_stem(file)?, key.len);
    let mut candidates: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|item| item.file_name().to_string_lossy().starts_with(&prefix))
        .map(|item| item.path())
        .filter(|path| *path != key.path)
        .collect();
    if candidates.is_empty() {
        return None;
    }
    candidates.sort();
    let bytes = fs::read(file).ok()?;
    // The bytes hashed must be the state `key` names.
    if self::key(ledger_dir, file).as_ref() != Some(key) {
        return None;
    }
    let sha256 = super::hash::sha256_hex(&bytes);
    let found = candidates.into_iter().find(|path| {
        read_head(path).is_some_and(|(head, _)| head.sha256 == sha256 && head.is_current())
    })?;
    fs::rename(found, &key.path).ok()
}

/// Keeps the parsed entries of `file`, read in the state `read` as `bytes`,
/// for the next read, replacing what the cache held for older states of
/// it, and returns the cache file. Nothing is kept when the file is no
/// longer in that state (it was replaced while it was read). Best effort: a
/// cache that cannot be written (a read-only checkout) only costs speed.
pub(super) fn write(
    read: &Key,
    ledger_dir: &Path,
    (file, bytes): (&Path, &[u8]),
    summary: &Summary,
    entries: &[Entry],
    by: Checked,
) -> Option<CachedFile> {
    if read.len < CACHE_MIN_BYTES {
        // A tail that shrank when it was sealed leaves its old cache behind.
        remove_stale(&ledger_dir.join(CACHE_DIR), file);
        return None;
    }
    if key(ledger_dir, file).as_ref() != Some(read) {
        return None;
    }
    let path = read.path.clone();
    let (pieces, head, keys) = pieces(summary, entries)?;
    let head = Head {
        sha256: super::hash::sha256_hex(bytes),
        checked: by == Checked::ByAppend,
        ..head
    };
    let mut bytes = serde_json::to_vec(&head).ok()?;
    let sum = super::hash::sha256_hex(&bytes);
    bytes.push(b'\n');
    bytes.extend_from_slice(sum.as_bytes());
    bytes.push(b'\n');
    let pieces_at = bytes.len() as u64;
    bytes.extend_from_slice(&pieces);
    let dir = path.parent()?;
    fs::create_dir_all(dir).ok()?;
    remove_stale(dir, file);
    super::segment::write_atomic(&path, &bytes, None).ok()?;
    Some(CachedFile {
        path,
        pieces_at,
        entries: head.entries,
        each_entry: head.each_entry,
        heads: head.heads,
        net: head.net,
        keys: head.keys,
        key_spans: OnceLock::from(Some(keys)),
        sha256: head.sha256,
        checked: head.checked,
    })
}

/// The pieces of a cache file of `entries`, the head that says where each
/// lies (its SHA-256 and `checked` left for the caller), and the keys'
/// spans.
fn pieces(summary: &Summary, entries: &[Entry]) -> Option<(Vec<u8>, Head, KeySpans)> {
    let (mut pieces, each) = entries_piece(entries)?;
    let entries_span = (0, pieces.len() as u64, crc32fast::hash(&pieces));
    let each_entry = push_piece(&mut pieces, &each)?;
    let heads = push_piece(&mut pieces, &summary.heads)?;
    let net = push_piece(&mut pieces, &summary.net)?;
    let mut keys: KeySpans = BTreeMap::new();
    for (env, by_key) in changes_by_key(entries) {
        let spans = keys.entry(env).or_default();
        for (key, changes) in by_key {
            spans.insert(key, push_piece(&mut pieces, &changes)?);
        }
    }
    let keys_span = push_piece(&mut pieces, &keys)?;
    let head = Head {
        format: CACHE_FORMAT,
        ledger: env!("CARGO_PKG_VERSION").to_string(),
        sha256: String::new(),
        checked: false,
        summary: summary.without_pieces(),
        entries: entries_span,
        each_entry,
        heads,
        net,
        keys: keys_span,
    };
    Some((pieces, head, keys))
}

/// The entries as one JSON list, and where each lies in it.
fn entries_piece(entries: &[Entry]) -> Option<(Vec<u8>, Vec<Span>)> {
    let mut list = vec![b'['];
    let mut each = Vec::with_capacity(entries.len());
    for (at, entry) in entries.iter().enumerate() {
        if at > 0 {
            list.push(b',');
        }
        each.push(push_piece(&mut list, entry)?);
    }
    list.push(b']');
    Some((list, each))
}

/// Appends `value` as JSON to `pieces`, and returns where it lies.
fn push_piece(pieces: &mut Vec<u8>, value: &impl Serialize) -> Option<Span> {
    let start = pieces.len();
    serde_json::to_writer(&mut *pieces, value).ok()?;
    let crc = crc32fast::hash(&pieces[start..]);
    Some((start as u64, (pieces.len() - start) as u64, crc))
}

/// Removes the cache files of older states of `file`.
fn remove_stale(dir: &Path, file: &Path) {
    if let Some(stem) = file_stem(file) {
        super::segment::remove_starting_with(dir, &format!("{stem}."));
    }
}

/// The name of journal file `file` without `.toml`, which starts the names
/// of its cache files.
fn file_stem(file: &Path) -> Option<&str> {
    file.file_name()?.to_str()?.strip_suffix(".toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Caches an empty summary for `file` read in the state `key`, as a
    /// reader does.
    fn cache_empty(key: &Key, dir: &Path, file: &Path) -> Option<CachedFile> {
        let bytes = fs::read(file).unwrap();
        let summary = Summary::of(&[], Vec::new());
        write(key, dir, (file, &bytes), &summary, &[], Checked::ByReader)
    }

    #[test]
    fn a_file_replaced_while_it_was_read_is_not_cached() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("journal.toml");
        let big = "x".repeat(CACHE_MIN_BYTES as usize);
        fs::write(&file, &big).unwrap();
        let read = key(dir.path(), &file).unwrap();
        // Replaced (another size, another inode) after the key was taken.
        let replacement = dir.path().join("journal.toml.new");
        fs::write(&replacement, format!("{big}y")).unwrap();
        fs::rename(&replacement, &file).unwrap();
        assert!(cache_empty(&read, dir.path(), &file).is_none());
        assert!(
            !dir.path().join(CACHE_DIR).exists()
                || fs::read_dir(dir.path().join(CACHE_DIR))
                    .unwrap()
                    .next()
                    .is_none()
        );
        let now = key(dir.path(), &file).unwrap();
        assert!(cache_empty(&now, dir.path(), &file).is_some());
        assert!(open_at(&now).is_some(), "kept for the state it was read in");
    }

    #[test]
    fn a_cache_file_of_another_format_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("journal.toml");
        fs::write(&file, "x".repeat(CACHE_MIN_BYTES as usize)).unwrap();
        let now = key(dir.path(), &file).unwrap();
        cache_empty(&now, dir.path(), &file).unwrap();
        assert!(open_at(&now).is_some());
        // An earlier build's cache of the same `ledger` version.
        let text = fs::read_to_string(&now.path).unwrap();
        let older = text.replacen(&format!("\"format\":{CACHE_FORMAT}"), "\"format\":1", 1);
        assert_ne!(older, text);
        fs::write(&now.path, older).unwrap();
        assert!(open_at(&now).is_none());
    }
}
