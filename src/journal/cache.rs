//! A cache of parsed sealed segments, beside the journal in
//! `ledger/.cache/segments/` (ignored by git, safe to delete): parsing TOML
//! is most of what a read of a long journal costs, and a sealed segment
//! never changes, so its entries are kept as JSON, which parses many times
//! faster.
//!
//! A cached file is used only for the segment file it was made from, as git
//! tells a changed working file: its name holds the segment's size,
//! modification time (in nanoseconds) and inode, and its content the
//! `ledger` version that wrote it. Any difference, or any error reading it,
//! and the segment is parsed again (and the cache rewritten). `ledger
//! verify` never uses the cache: it hashes the bytes of every file.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Entry;
use super::load::ParsedFile;

/// Folder of the cache, inside the ledger folder.
pub const CACHE_DIR: &str = ".cache/segments";

#[derive(Serialize, Deserialize)]
struct Cached {
    /// The `ledger` version that wrote it (entries may change shape).
    ledger: String,
    entries: Vec<Entry>,
    lines: Vec<Option<usize>>,
}

/// The cache file for `segment` as it is now on disk, if it can be named.
fn cache_path(ledger_dir: &Path, segment: &Path) -> Option<PathBuf> {
    let meta = fs::metadata(segment).ok()?;
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
    let name = segment.file_name()?.to_str()?;
    let stem = name.strip_suffix(".toml")?;
    Some(
        ledger_dir
            .join(CACHE_DIR)
            .join(format!("{stem}.{}.{modified}.{inode}.json", meta.len())),
    )
}

/// The parsed entries of `segment` from the cache, when it holds them for
/// the file as it is now.
pub(super) fn read(ledger_dir: &Path, segment: &Path) -> Option<ParsedFile> {
    let bytes = fs::read(cache_path(ledger_dir, segment)?).ok()?;
    let cached: Cached = serde_json::from_slice(&bytes).ok()?;
    (cached.ledger == env!("CARGO_PKG_VERSION") && cached.lines.len() == cached.entries.len())
        .then_some(ParsedFile {
            entries: cached.entries,
            lines: cached.lines,
        })
}

/// Keeps the parsed entries of `segment` for the next read, replacing what
/// the cache held for an older state of it. Best effort: a cache that
/// cannot be written (a read-only checkout) only costs speed.
pub(super) fn write(ledger_dir: &Path, segment: &Path, parsed: &ParsedFile) {
    let Some(path) = cache_path(ledger_dir, segment) else {
        return;
    };
    let cached = Cached {
        ledger: env!("CARGO_PKG_VERSION").to_string(),
        entries: parsed.entries.clone(),
        lines: parsed.lines.clone(),
    };
    let Ok(json) = serde_json::to_vec(&cached) else {
        return;
    };
    let Some(dir) = path.parent() else { return };
    if fs::create_dir_all(dir).is_err() {
        return;
    }
    remove_stale(dir, segment);
    let _ = super::segment::write_atomic(&path, &json, None);
}

/// Removes the cache files of older states of `segment`.
fn remove_stale(dir: &Path, segment: &Path) {
    let Some(stem) = segment
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".toml"))
    else {
        return;
    };
    super::segment::remove_starting_with(dir, &format!("{stem}."));
}
