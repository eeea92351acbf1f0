//! The journal on disk: `journal.toml`, an append-only list of `[[entry]]`
//! blocks chained by SHA-256. This module owns reading it (with located
//! errors), and appending to it under a lock with an atomic replace, so that
//! a record killed at any instant leaves either the old file or the new one.

mod entry;
pub mod hash;
mod inventory;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use entry::{
    Change, Entry, EntryKind, FileAction, FileChange, FunctionVersion, Invalidation, ReleaseGroup,
    ReleaseNotes, short_sha,
};
pub use inventory::{
    AlarmState, AliasState, BucketState, CacheBehaviorState, DistributionState, FunctionState,
    Inventory, LogGroupState, SecretState, TableState,
};

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
    /// The entry could not be written in canonical form (a bug).
    #[error("internal error: the new entry does not round-trip through TOML: {0}")]
    Encode(String),
}

/// The parsed journal.
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
    /// 1-based line of each entry's `[[entry]]` header, where it could be found.
    pub lines: Vec<Option<usize>>,
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

    /// Reads `DIR/journal.toml`.
    pub fn load(ledger_dir: &Path) -> Result<Journal, JournalError> {
        let path = Self::path_in(ledger_dir);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(JournalError::Missing { path });
            }
            Err(source) => {
                return Err(JournalError::Io {
                    action: "cannot read",
                    path,
                    source,
                });
            }
        };
        let text = crate::location::decode_utf8(&path, bytes).map_err(JournalError::Invalid)?;
        Self::parse(&path, text)
    }

    /// Parses journal text that was read from `path`.
    pub fn parse(path: &Path, text: String) -> Result<Journal, JournalError> {
        let invalid =
            |e: &toml::de::Error| JournalError::Invalid(Located::from_toml(path, &text, e));
        let doc: Document = toml::from_str(&text).map_err(|e| invalid(&e))?;
        if doc.format != FORMAT {
            let offset = crate::location::value_offset(&text, &["format"]).unwrap_or(0);
            let message = if doc.format > FORMAT {
                format!(
                    "journal format {} is newer than this ledger reads (format {FORMAT}): upgrade ledger",
                    doc.format
                )
            } else {
                format!(
                    "format = {} is not a journal format (this ledger writes format {FORMAT}): \
                     the header was edited; restore it from git",
                    doc.format
                )
            };
            return Err(JournalError::Invalid(Located::at_offset(
                path, &text, offset, message,
            )));
        }
        let headers: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, line)| line.trim() == "[[entry]]")
            .map(|(i, _)| i + 1)
            .collect();
        let lines = if headers.len() == doc.entry.len() {
            headers.into_iter().map(Some).collect()
        } else {
            vec![None; doc.entry.len()]
        };
        Ok(Journal {
            path: path.to_path_buf(),
            text,
            entries: doc.entry,
            raw: std::sync::OnceLock::new(),
            lines,
        })
    }

    /// Each entry's TOML table exactly as written, with every key it holds:
    /// what hashes are computed over. Parsed from the text on first use, so
    /// that commands that only read entries parse the file once.
    pub fn raw(&self) -> &[toml::Table] {
        self.raw.get_or_init(|| {
            let document: toml::Table = toml::from_str(&self.text).unwrap_or_default();
            match document.get("entry") {
                Some(toml::Value::Array(items)) => {
                    items.iter().filter_map(|v| v.as_table().cloned()).collect()
                }
                _ => Vec::new(),
            }
        })
    }

    /// Records a newly appended entry's table, if the tables were parsed already.
    fn push_raw(&mut self, table: toml::Table) {
        if let Some(raw) = self.raw.get_mut() {
            raw.push(table);
        }
    }

    /// The hash the next entry must chain to.
    pub fn tip_hash(&self) -> &str {
        self.entries
            .last()
            .map_or(hash::GENESIS, |e| e.hash.as_str())
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

    /// Encodes `entry` as the block that would be appended after this
    /// journal: sets its `seq`, `prev_hash` and `hash`.
    pub fn seal(&self, entry: Entry) -> Result<(Entry, String), JournalError> {
        self.seal_raw(entry).map(|(entry, block, _)| (entry, block))
    }

    /// Like [`seal`](Self::seal), also returning the block's parsed table.
    fn seal_raw(&self, mut entry: Entry) -> Result<(Entry, String, toml::Table), JournalError> {
        entry.seq = self.entries.len() as u64 + 1;
        entry.prev_hash = self.tip_hash().to_string();
        entry.hash = String::new();
        let unsealed =
            toml::Table::try_from(&entry).map_err(|e| JournalError::Encode(e.to_string()))?;
        entry.hash = hash::entry_hash(&unsealed);
        let block = encode(&entry)?;
        // The hash must hold for the text as written, not only for the value.
        let check = decode_block(&block)?;
        if hash::entry_hash(&check) != entry.hash {
            return Err(JournalError::Encode(format!(
                "hash of entry #{} changed after encoding",
                entry.seq
            )));
        }
        Ok((entry, block, check))
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
    let table: toml::Table =
        toml::from_str(block).map_err(|e| JournalError::Encode(e.to_string()))?;
    match table.get("entry") {
        Some(toml::Value::Array(items)) => match items.first() {
            Some(toml::Value::Table(t)) => Ok(t.clone()),
            _ => Err(JournalError::Encode("no entry table".into())),
        },
        _ => Err(JournalError::Encode("no entry array".into())),
    }
}

/// An exclusive hold on a ledger folder's journal. Appends happen only
/// through it; the lock is released when it is dropped (or the process dies).
pub struct JournalLock {
    dir: PathBuf,
    _file: File,
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
        })
    }

    /// Reads the journal as it is now, under the lock.
    pub fn load(&self) -> Result<Journal, JournalError> {
        Journal::load(&self.dir)
    }

    /// Appends `entry` to `journal` (which must have been loaded under this
    /// lock), refusing when the existing chain is broken. The file is
    /// replaced atomically: old bytes, then the new block.
    pub fn append(&self, journal: &mut Journal, entry: Entry) -> Result<Entry, JournalError> {
        if let Some(seq) = journal.first_broken() {
            return Err(JournalError::BrokenChain {
                path: journal.path.clone(),
                seq,
            });
        }
        let (entry, block, raw) = journal.seal_raw(entry)?;
        let mut text = journal.text.clone();
        push_block(&mut text, &block);
        self.replace(&journal.path, &text)?;
        journal.text = text;
        journal.push_raw(raw);
        let line = journal.text.lines().count() - block.lines().count() + 1;
        journal.lines.push(Some(line));
        journal.entries.push(entry.clone());
        Ok(entry)
    }

    /// Appends several entries at once: the chain is checked once and the
    /// file replaced once (for imports of thousands of entries).
    pub fn append_all(
        &self,
        journal: &mut Journal,
        entries: Vec<Entry>,
    ) -> Result<Vec<Entry>, JournalError> {
        if let Some(seq) = journal.first_broken() {
            return Err(JournalError::BrokenChain {
                path: journal.path.clone(),
                seq,
            });
        }
        let mut staged = journal.clone();
        let mut text = journal.text.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        let mut sealed = Vec::with_capacity(entries.len());
        let mut line_count = text.lines().count();
        for entry in entries {
            let (entry, block, raw) = staged.seal_raw(entry)?;
            let line = line_count + 2; // after the blank separator line
            line_count += 1 + block.lines().count();
            text.push('\n');
            text.push_str(&block);
            staged.push_raw(raw);
            staged.lines.push(Some(line));
            staged.entries.push(entry.clone());
            sealed.push(entry);
        }
        self.replace(&journal.path, &text)?;
        staged.text = text;
        *journal = staged;
        Ok(sealed)
    }

    /// Replaces the whole journal with `text`, atomically. Only `sync` and
    /// `resolve` use it, to put entries not yet published in their
    /// published form; they check that no published byte changes.
    pub fn replace_journal(&self, text: &str) -> Result<(), JournalError> {
        self.replace(&Journal::path_in(&self.dir), text)
    }

    /// Writes `text` to a temporary beside the journal's real file (through
    /// a symlink, the file it points to), with that file's mode and owner,
    /// then renames it over the file: readers see the old bytes or the new.
    fn replace(&self, path: &Path, text: &str) -> Result<(), JournalError> {
        let io = |action, path: &Path, source| JournalError::Io {
            action,
            path: path.to_path_buf(),
            source,
        };
        let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let dir = target
            .parent()
            .map_or_else(|| self.dir.clone(), Path::to_path_buf);
        remove_stale_temporaries(&dir);
        let tmp = dir.join(format!("{JOURNAL_FILE}.tmp.{}", std::process::id()));
        let mut file = File::create(&tmp).map_err(|e| io("cannot create", &tmp, e))?;
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| keep_mode_and_owner(&target, &tmp))
            .and_then(|()| file.sync_all());
        drop(file);
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(io("cannot write", &tmp, e));
        }
        if let Err(e) = fs::rename(&tmp, &target) {
            let _ = fs::remove_file(&tmp);
            return Err(io("cannot replace", path, e));
        }
        // Make the rename itself durable.
        if let Ok(dir) = File::open(&dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// Gives `new` the permissions (and, where allowed, the owner) of
/// `existing`, so that replacing the journal changes only its bytes.
fn keep_mode_and_owner(existing: &Path, new: &Path) -> std::io::Result<()> {
    let Ok(meta) = fs::metadata(existing) else {
        return Ok(());
    };
    fs::set_permissions(new, meta.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Only root (or the owner, for the group) may do this; otherwise the
        // writer owns the new file, as with any editor's save.
        let _ = std::os::unix::fs::chown(new, Some(meta.uid()), Some(meta.gid()));
    }
    Ok(())
}

/// Temporaries left in `dir` by a record killed before its rename.
fn remove_stale_temporaries(dir: &Path) {
    let prefix = format!("{JOURNAL_FILE}.tmp.");
    if let Ok(listing) = fs::read_dir(dir) {
        for item in listing.flatten() {
            if item.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(item.path());
            }
        }
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
