//! The journal: an append-only list of `[[entry]]` blocks chained by
//! SHA-256, stored as sealed segments under `journal/` and an open tail,
//! `journal.toml` (see [`segment`]). This module owns reading it, with
//! errors located in the file that holds them; `lock.rs` owns appending.

mod appender;
pub mod cache;
mod digest;
mod entry;
mod entry_serde;
pub mod hash;
mod index;
mod load;
mod lock;
pub mod questions;
mod seal;
pub mod segment;
mod storage;
mod summary;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use entry::{
    Change, Entry, EntryKind, FileAction, FileChange, Invalidation, Inventory, Pins, ReleaseGroup,
    ReleaseNotes, short_sha, version_problem,
};

pub use appender::Appender;
pub use index::{Index, Part};
pub use load::{StoredFile, counted_files, for_each_file, logical_text};
pub use lock::JournalLock;
pub use storage::{Local, Storage, StorageError, SyncRequest, Synced};

use crate::location::Located;

/// File name of the journal inside the ledger folder.
pub const JOURNAL_FILE: &str = "journal.toml";
/// Lock file taken while appending.
pub const LOCK_FILE: &str = ".journal.lock";
/// The journal format this build reads and writes.
pub const FORMAT: i64 = 1;

/// The text of a new, empty journal.
pub const EMPTY_JOURNAL: &str = "\
# ledger journal: append-only, one [[entry]] block per event, each chained to
# the one before by `prev_hash`. Written by `ledger` only: never edit it; a
# changed, removed or reordered entry makes `ledger verify` fail.
# Format: docs/journal-format.md
format = 1
";

/// Errors reading or appending to the journal.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// No journal file.
    #[error("{path} not found: run `ledger init` to create a ledger, or pass --ledger DIR")]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// An I/O error on a named file.
    #[error("{action} {path}")]
    Io {
        /// What was being done ("cannot read").
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The journal is not valid TOML or does not follow the format.
    #[error("{0}")]
    Invalid(Located),
    /// The hash chain is broken; appending would extend a tampered history.
    #[error(
        "{path}: the hash chain is broken at entry #{seq}; nothing was recorded. \
         Run `ledger verify` to see what changed"
    )]
    BrokenChain {
        /// The journal.
        path: PathBuf,
        /// First entry whose chain does not hold.
        seq: u64,
    },
    /// A journal file changed while a command read it (another command
    /// appended in between).
    #[error(
        "{path} changed while it was read (another command appended to the journal): \
         nothing was changed; run the command again"
    )]
    Changed {
        /// The file.
        path: PathBuf,
    },
    /// The entry could not be written in canonical form (a bug).
    #[error("internal error: the new entry does not round-trip through TOML: {0}")]
    Encode(String),
    /// An entry could not be signed.
    #[error(transparent)]
    Signing(#[from] crate::signing::SigningError),
    /// A signed entry would be re-chained (its hash changed) with no key
    /// to sign it again.
    #[error(
        "entry #{seq} was signed, and putting it after the other side's entries changes its hash: \
         no signing key is configured to sign it again (set `[signing] key` in ledger.toml, \
         LEDGER_SIGNING_KEY or --signing-key); nothing was changed"
    )]
    SignatureWouldBeLost {
        /// The entry, as numbered before.
        seq: u64,
    },
    /// Signing is required and no key was given.
    #[error(
        "ledger.toml requires every entry from #{from} on to be signed, and no signing key is \
         configured: set `[signing] key`, LEDGER_SIGNING_KEY or --signing-key; nothing was appended"
    )]
    SigningRequired {
        /// The first seq that must be signed.
        from: u64,
    },
}

/// The whole journal, parsed: every entry of every file (or of one file,
/// for the open tail an [`Appender`] holds), with its text. What reads and
/// queries need is the [`History`]'s; what an append needs, the
/// [`Appender`]'s.
#[derive(Debug, Clone)]
pub struct Journal {
    /// Where it was read from.
    pub path: PathBuf,
    /// The file's exact text.
    pub text: String,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
    /// Each entry's raw TOML table, parsed on first use (what hashes are
    /// computed over); see [`Journal::raw`].
    raw: std::sync::OnceLock<Vec<toml::Table>>,
    /// 1-based line of each entry's `[[entry]]` header in `text`, where it
    /// could be found.
    pub lines: Vec<Option<usize>>,
    /// Lines in `text`, kept so that appends need not count them again.
    line_count: usize,
    /// The files the entries were read from: segments, then the tail.
    files: Vec<PathBuf>,
    /// Each entry's file (an index into `files`) and line there.
    places: Vec<Option<(usize, usize)>>,
    /// Where the open tail starts.
    tail: Tail,
    /// What signs the entries this journal seals (set by the lock it was
    /// loaded under).
    pub signer: Option<crate::signing::Signer>,
}

/// One journal file, parsed.
pub(crate) struct ParsedFile {
    /// Its entries.
    pub(crate) entries: Vec<Entry>,
    /// 1-based line of each entry's `[[entry]]` header in the file.
    pub(crate) lines: Vec<Option<usize>>,
}

/// The lengths of a [`Journal`]'s parts at one point, to put it back there.
struct Mark {
    text: usize,
    line_count: usize,
    lines: usize,
    places: usize,
    entries: usize,
    raw: Option<usize>,
}

/// The open tail of a journal: what an append rewrites.
#[derive(Debug, Clone)]
struct Tail {
    /// The tail file's text before its body (comments and `format`).
    header: String,
    /// Byte offset in the logical text where the tail's body starts.
    body_offset: usize,
    /// Index of the tail's first entry.
    first_index: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    format: i64,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Serialize)]
struct OneEntry<'a> {
    entry: [&'a Entry; 1],
}

impl Journal {
    /// The journal path inside a ledger folder.
    pub fn path_in(ledger_dir: &Path) -> PathBuf {
        ledger_dir.join(JOURNAL_FILE)
    }

    /// Reads the journal of a ledger folder: its sealed segments (if any),
    /// then `journal.toml`.
    pub fn load(ledger_dir: &Path) -> Result<Journal, JournalError> {
        load::read(ledger_dir)
    }

    /// Parses journal text that was read from `path`, as one file.
    pub fn parse(path: &Path, text: String) -> Result<Journal, JournalError> {
        let file = load::parse_file(path, &text)?;
        Ok(Journal::of_file(path, text, file))
    }

    /// [`Journal::parse`], keeping each entry's raw table from the same
    /// parse: for the tail an append checks, whose hashes are computed over
    /// them (otherwise its text would be parsed twice).
    fn parse_keeping_tables(path: &Path, text: String) -> Result<Journal, JournalError> {
        let Some((entries, tables)) = load::parse_with_tables(&text) else {
            // Not a well-formed journal: the full parse says where and why.
            return Journal::parse(path, text);
        };
        let lines = load::entry_lines(&text, entries.len());
        let journal = Journal::of_file(path, text, ParsedFile { entries, lines });
        let _ = journal.raw.set(tables);
        Ok(journal)
    }

    /// The journal of one parsed file.
    fn of_file(path: &Path, text: String, file: ParsedFile) -> Journal {
        let line_count = text.lines().count();
        let body_offset = segment::body_start(&text);
        Journal {
            path: path.to_path_buf(),
            tail: Tail {
                header: text[..body_offset].to_string(),
                body_offset,
                first_index: 0,
            },
            text,
            places: file.lines.iter().map(|l| l.map(|l| (0, l))).collect(),
            lines: file.lines,
            entries: file.entries,
            raw: std::sync::OnceLock::new(),
            line_count,
            signer: None,
            files: vec![path.to_path_buf()],
        }
    }

    /// Where entry `index` is written: `file:line`, or the file alone.
    pub fn place(&self, index: usize) -> String {
        match self.places.get(index).copied().flatten() {
            Some((file, line)) => format!("{}:{line}", self.files[file].display()),
            None => self
                .files
                .last()
                .unwrap_or(&self.path)
                .display()
                .to_string(),
        }
    }

    /// The sealed segment files this journal was read from, in order.
    pub fn segment_files(&self) -> &[PathBuf] {
        &self.files[..self.files.len().saturating_sub(1)]
    }

    /// Each entry's TOML table exactly as written, with every key it holds:
    /// what hashes are computed over. Parsed from the text on first use, so
    /// that commands that only read entries parse the file once.
    pub fn raw(&self) -> &[toml::Table] {
        self.raw.get_or_init(|| entry_tables(&self.text))
    }

    /// Records a newly appended entry's table, if the tables were parsed already.
    fn push_raw(&mut self, table: toml::Table) {
        if let Some(raw) = self.raw.get_mut() {
            raw.push(table);
        }
    }

    /// The hash the next entry must chain to.
    pub fn tip_hash(&self) -> &str {
        (self.entries.last().map(|e| e.hash.as_str())).unwrap_or(hash::GENESIS)
    }

    /// The seq the next entry appended gets.
    pub fn next_seq(&self) -> u64 {
        self.entries.len() as u64 + 1
    }

    /// The first entry (by position) whose sequence, link or hash does not
    /// hold, if any.
    pub fn first_broken(&self) -> Option<u64> {
        let mut prev = hash::GENESIS.to_string();
        for (index, (entry, raw)) in self.entries.iter().zip(self.raw()).enumerate() {
            let expected_seq = index as u64 + 1;
            if entry.seq != expected_seq
                || entry.prev_hash != prev
                || hash::entry_hash(raw) != entry.hash
            {
                return Some(entry.seq.min(expected_seq));
            }
            prev = entry.hash.clone();
        }
        None
    }

    /// The files that store this journal, by the layout rule: paths
    /// relative to the ledger folder (`journal/NNNNNNNNNN.toml` for sealed
    /// segments, then `journal.toml`) and their text.
    pub fn stored_files(&self) -> Result<Vec<(String, String)>, JournalError> {
        let layout = self.layout_from(0, segment::body_start(&self.text))?;
        let mut files: Vec<(String, String)> = layout
            .segments
            .into_iter()
            .map(|(first, text)| {
                let name = segment::segment_name(first);
                (format!("{}/{name}", segment::SEGMENT_DIR), text)
            })
            .collect();
        files.push((JOURNAL_FILE.to_string(), layout.tail));
        Ok(files)
    }

    /// Joins a tail's text with the sealed segments (name, bytes) stored
    /// beside it, as [`load`](Self::load) does from disk: for journals read
    /// from git. `name` names the tail in messages.
    pub fn assemble(
        name: &Path,
        tail: String,
        segments: Vec<(String, Vec<u8>)>,
    ) -> Result<Journal, JournalError> {
        load::assemble(name, tail, segments)
    }

    /// The text of the tail file for a journal whose logical text extends
    /// this one's (`extended` starts with `self.text`): this tail's header
    /// and everything after the sealed segments.
    pub fn tail_for(&self, extended: &str) -> String {
        format!("{}{}", self.tail.header, &extended[self.tail.body_offset..])
    }

    /// The seq of the tail's first entry, when the tail holds one.
    pub fn tail_first_seq(&self) -> Option<u64> {
        self.entries.get(self.tail.first_index).map(|e| e.seq)
    }

    /// Whether the entries run #1, #2, ... without a gap: false when a tail
    /// was joined with segments that do not lead up to it.
    pub fn is_contiguous(&self) -> bool {
        self.entries
            .iter()
            .enumerate()
            .all(|(index, entry)| entry.seq == index as u64 + 1)
    }

    /// How long each part of this journal in memory is now: see
    /// [`Journal::reset_to`].
    fn mark(&self) -> Mark {
        Mark {
            text: self.text.len(),
            line_count: self.line_count,
            lines: self.lines.len(),
            places: self.places.len(),
            entries: self.entries.len(),
            raw: self.raw.get().map(Vec::len),
        }
    }

    /// Drops what [`Journal::push_sealed`] added since `mark` was taken:
    /// an append whose write failed leaves the journal as it was.
    fn reset_to(&mut self, mark: Mark) {
        self.text.truncate(mark.text);
        self.line_count = mark.line_count;
        self.lines.truncate(mark.lines);
        self.places.truncate(mark.places);
        self.entries.truncate(mark.entries);
        match (self.raw.get_mut(), mark.raw) {
            (Some(raw), Some(len)) => raw.truncate(len),
            // Parsed since the mark: parsed again on next use.
            _ => drop(self.raw.take()),
        }
    }

    /// Adds a sealed entry (from [`seal::seal_all`]) to this journal in
    /// memory, as an append writes it.
    fn push_sealed(&mut self, entry: Entry, block: &str, raw: toml::Table) {
        let before = self.text.len();
        push_block(&mut self.text, block);
        let added = &self.text[before..];
        self.line_count += added.matches('\n').count();
        self.lines
            .push(Some(self.line_count + 1 - block.lines().count()));
        self.places.push(None);
        self.push_raw(raw);
        self.entries.push(entry);
    }

    /// The files that hold this journal, by the layout rule of [`segment`]:
    /// the sealed segments from entry `from_index` on (paths relative to
    /// the ledger folder), then the tail. Earlier segments are unchanged.
    fn layout_from(&self, from_index: usize, from_offset: usize) -> Result<Layout, JournalError> {
        let body = &self.text[from_offset..];
        let count = self.entries.len() - from_index;
        let chunks = segment::chunks(body, count).ok_or_else(|| {
            JournalError::Encode(format!(
                "{}: the entries after #{} do not split into {count} blocks",
                self.path.display(),
                from_index
            ))
        })?;
        let lengths: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        let groups = segment::groups(&lengths);
        let mut layout = Layout {
            from_seq: self.entries.get(from_index).map_or(u64::MAX, |e| e.seq),
            ..Layout::default()
        };
        let (last, sealed) = groups.split_last().unwrap_or((&(0..0), &[]));
        for group in sealed {
            let first = &self.entries[from_index + group.start];
            let last_seq = self.entries[from_index + group.end - 1].seq;
            let mut text = segment::segment_header(first.seq, last_seq);
            text.push_str(&body[chunks[group.start].start..chunks[group.end - 1].end]);
            layout.segments.push((first.seq, text));
        }
        let tail_body = match (chunks.get(last.start), last.is_empty()) {
            (Some(chunk), false) => &body[chunk.start..],
            _ if sealed.is_empty() => body,
            _ => "",
        };
        layout.tail_first_index = from_index + last.start;
        layout.tail_header = if sealed.is_empty() && from_index == self.tail.first_index {
            self.tail.header.clone()
        } else {
            EMPTY_JOURNAL.to_string()
        };
        layout.tail = format!("{}{tail_body}", layout.tail_header);
        layout.tail_offset = from_offset + (body.len() - tail_body.len());
        Ok(layout)
    }

    /// Encodes `entry` as the block that would be appended after this
    /// journal: sets its `seq`, `prev_hash` and `hash`.
    pub fn seal(&self, entry: Entry) -> Result<(Entry, String), JournalError> {
        let (seq, tip) = (self.next_seq(), self.tip_hash());
        let sealed = seal::seal_one(entry, seq, tip, self.signer.as_ref())?;
        Ok((sealed.entry, sealed.block))
    }

    /// The first entry of the open tail whose sequence, link or hash does
    /// not hold, if any (the sealed segments are `ledger verify`'s).
    pub fn tail_broken(&self) -> Option<u64> {
        appender::first_broken_in_tail(self, (0, None), false)
    }
}

/// The files of a journal, or of its part after the last unchanged segment.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    /// Sealed segments: first seq and text.
    pub segments: Vec<(u64, String)>,
    /// The tail file's text.
    pub tail: String,
    /// The tail's header.
    tail_header: String,
    /// Index of the tail's first entry.
    tail_first_index: usize,
    /// Byte offset of the tail's body in the logical text.
    tail_offset: usize,
    /// Seq of the first entry the layout covers: segments from it on are
    /// the layout's to write or remove.
    from_seq: u64,
}

/// The `[[entry]]` tables of a TOML body.
fn entry_tables(body: &str) -> Vec<toml::Table> {
    let document: toml::Table = toml::from_str(body).unwrap_or_default();
    match document.get("entry") {
        Some(toml::Value::Array(items)) => {
            items.iter().filter_map(|v| v.as_table().cloned()).collect()
        }
        _ => Vec::new(),
    }
}

/// Adds a sealed entry's block to journal text as every append writes it:
/// a line end if the text lacks one, a blank line, then the block.
pub fn push_block(text: &mut String, block: &str) {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    text.push_str(block);
}

/// The `[[entry]]` block of a sealed entry, as an append writes it.
pub fn encode_block(entry: &Entry) -> Result<String, JournalError> {
    encode(entry)
}

fn encode(entry: &Entry) -> Result<String, JournalError> {
    toml::to_string(&OneEntry { entry: [entry] }).map_err(|e| JournalError::Encode(e.to_string()))
}

fn decode_block(block: &str) -> Result<toml::Table, JournalError> {
    let mut table: toml::Table =
        toml::from_str(block).map_err(|e| JournalError::Encode(e.to_string()))?;
    match table.remove("entry") {
        Some(toml::Value::Array(items)) => match items.into_iter().next() {
            Some(toml::Value::Table(t)) => Ok(t),
            _ => Err(JournalError::Encode("no entry table".into())),
        },
        _ => Err(JournalError::Encode("no entry array".into())),
    }
}

/// Creates an empty journal at `DIR/journal.toml`; fails if one exists.
pub fn create_empty(ledger_dir: &Path) -> Result<PathBuf, JournalError> {
    let path = Journal::path_in(ledger_dir);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|source| JournalError::Io {
            action: "cannot create",
            path: path.clone(),
            source,
        })?;
    file.write_all(EMPTY_JOURNAL.as_bytes())
        .map_err(|source| JournalError::Io {
            action: "cannot write",
            path: path.clone(),
            source,
        })?;
    Ok(path)
}
