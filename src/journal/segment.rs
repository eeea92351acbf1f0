//! The journal's files: sealed segments under `journal/`, never changed once
//! written, and the open tail `journal.toml` that appends rewrite. This
//! module owns the layout rule (which entries go in which file), the text
//! of each file, and reading and writing the set of files on disk.
//!
//! The *logical text* of a journal is the text a single-file journal of the
//! same entries would have: [`super::EMPTY_JOURNAL`]'s header, then each
//! file's body (everything after its `format` line), in order. Segments are
//! a split of that text, so the hash chain, `sync`, `resolve` and the S3
//! store see one journal whichever way it is stored.

use std::fs::{self, File};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Folder (inside the ledger folder) that holds the sealed segments.
pub const SEGMENT_DIR: &str = "journal";
/// A segment holds at most this many entries.
pub const SEGMENT_MAX_ENTRIES: usize = 1000;
/// A segment's body holds at most this many bytes, unless its one entry is
/// larger on its own.
pub const SEGMENT_MAX_BYTES: usize = 4 * 1024 * 1024;

/// The header of a sealed segment holding entries `first..=last`.
pub fn segment_header(first: u64, last: u64) -> String {
    format!(
        "# ledger journal segment: entries #{first} to #{last}. Sealed: it never changes again;\n\
         # new entries go to ../journal.toml. Written by `ledger` only: never edit it.\n\
         # Format: docs/journal-format.md\n\
         format = 1\n"
    )
}

/// The file name of the segment whose first entry is `first`.
pub fn segment_name(first: u64) -> String {
    format!("{first:010}.toml")
}

/// The first entry's seq named by a segment file name, if it is one.
pub fn segment_first(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".toml")?;
    (stem.len() == 10 && stem.bytes().all(|b| b.is_ascii_digit()))
        .then(|| stem.parse().ok())
        .flatten()
}

/// Byte offset where a journal file's body starts: just after its `format`
/// line (0 when it has none, which the parser then reports).
pub fn body_start(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        offset += line.len();
        let key = line.trim_start();
        if key.starts_with("format") && key["format".len()..].trim_start().starts_with('=') {
            return offset;
        }
    }
    0
}

/// Splits a body holding `count` entries into one chunk per entry: the
/// chunk of entry *i* runs from the blank line before its `[[entry]]`
/// header to the blank line before the next one, so the chunks joined are
/// the body. Header-like lines inside multi-line strings are told apart by
/// parsing. `None` when the body does not split into `count` chunks.
pub fn chunks(body: &str, count: usize) -> Option<Vec<Range<usize>>> {
    let mut candidates = Vec::new();
    let mut offset = 0;
    let mut previous_blank = None;
    for line in body.split_inclusive('\n') {
        if line.trim() == "[[entry]]" {
            candidates.push(previous_blank.unwrap_or(offset));
        }
        previous_blank = line.trim().is_empty().then_some(offset);
        offset += line.len();
    }
    let cuts = if candidates.len() == count {
        candidates
    } else {
        true_cuts(body, &candidates, count)?
    };
    let mut ranges = Vec::with_capacity(count);
    for (i, start) in cuts.iter().enumerate() {
        let start = if i == 0 { 0 } else { *start };
        let end = cuts.get(i + 1).copied().unwrap_or(body.len());
        ranges.push(start..end);
    }
    (ranges.len() == count).then_some(ranges)
}

/// The candidate cuts that end a complete TOML text: those not inside a
/// multi-line string (the slow path, for bodies with look-alike lines).
fn true_cuts(body: &str, candidates: &[usize], count: usize) -> Option<Vec<usize>> {
    let mut cuts: Vec<usize> = Vec::with_capacity(count);
    for &cut in candidates {
        // The text since the last true cut is whole TOML unless this
        // candidate sits inside one of its multi-line strings.
        let since = cuts.last().map_or(0, |last| *last);
        if cuts.is_empty() || toml::from_str::<toml::Table>(&body[since..cut]).is_ok() {
            cuts.push(cut);
        }
    }
    (cuts.len() == count).then_some(cuts)
}

/// Groups chunk lengths into segments, greedily from the first: a group
/// closes at [`SEGMENT_MAX_ENTRIES`] chunks or before the chunk that would
/// take it past [`SEGMENT_MAX_BYTES`]. Every group but the last is sealed;
/// the last is the tail. The same chunks always give the same groups, so
/// two writers with the same entries write the same segments.
pub fn groups(lengths: &[usize]) -> Vec<Range<usize>> {
    let mut groups = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    let max_entries = max_entries();
    for (i, len) in lengths.iter().enumerate() {
        let count = i - start;
        if count > 0 && (count == max_entries || bytes + len > SEGMENT_MAX_BYTES) {
            groups.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += len;
    }
    groups.push(start..lengths.len());
    groups
}

/// The entry limit in force: [`SEGMENT_MAX_ENTRIES`], or, for the kill
/// tests only, `LEDGER_TEST_SEGMENT_MAX_ENTRIES`, so that a short run seals
/// often. Two writers must use the same limit to write the same segments,
/// so the variable is read by debug builds (the tests') only: an installed
/// (release) `ledger` ignores it.
fn max_entries() -> usize {
    if !cfg!(debug_assertions) {
        return SEGMENT_MAX_ENTRIES;
    }
    std::env::var("LEDGER_TEST_SEGMENT_MAX_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(SEGMENT_MAX_ENTRIES)
}

/// The sealed segment files in `dir` (a ledger folder's `journal/`), by
/// first seq. A missing folder holds none.
pub fn list(dir: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut segments = Vec::new();
    for item in listing {
        let item = item?;
        if let Some(first) = item.file_name().to_str().and_then(segment_first) {
            segments.push((first, item.path()));
        }
    }
    segments.sort();
    Ok(segments)
}

/// Writes `text` to `path` so that readers see the old bytes or the new:
/// a temporary beside the real file (through a symlink, its target) with
/// the mode and owner of `like` (or of the file it replaces), then a rename.
pub fn write_atomic(path: &Path, text: &[u8], like: Option<&Path>) -> std::io::Result<()> {
    let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = target.parent().unwrap_or(Path::new(".")).to_path_buf();
    let name = target
        .file_name()
        .map_or_else(|| "journal".into(), |n| n.to_string_lossy().into_owned());
    remove_stale_temporaries(&dir, &name);
    let tmp = dir.join(format!("{name}.tmp.{}", std::process::id()));
    let mut file = File::create(&tmp)?;
    let mode_from = if target.exists() {
        Some(target.as_path())
    } else {
        like
    };
    let written = file
        .write_all(text)
        .and_then(|()| mode_from.map_or(Ok(()), |from| keep_mode_and_owner(from, &tmp)))
        .and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, &target)) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&dir);
    Ok(())
}

/// Makes renames and removals in `dir` durable.
pub fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// Gives `new` the permissions (and, where allowed, the owner) of
/// `existing`, so that replacing a journal file changes only its bytes.
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

/// Temporaries of `name` left in `dir` by a writer killed before its rename.
fn remove_stale_temporaries(dir: &Path, name: &str) {
    remove_starting_with(dir, &format!("{name}.tmp."));
}

/// Removes the files in `dir` whose names start with `prefix` (best effort).
pub fn remove_starting_with(dir: &Path, prefix: &str) {
    if let Ok(listing) = fs::read_dir(dir) {
        for item in listing.flatten() {
            if item.file_name().to_string_lossy().starts_with(prefix) {
                let _ = fs::remove_file(item.path());
            }
        }
    }
}

/// Every segment temporary left in the segment folder `dir` by a seal that
/// was killed (call under the journal lock, when no seal runs).
pub fn remove_temporaries(dir: &Path) {
    if let Ok(listing) = fs::read_dir(dir) {
        for item in listing.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if name
                .split_once(".tmp.")
                .is_some_and(|(n, _)| segment_first(n).is_some())
            {
                let _ = fs::remove_file(item.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_close_at_the_entry_count_or_before_the_byte_limit() {
        let small = vec![10; SEGMENT_MAX_ENTRIES * 2 + 5];
        let g = groups(&small);
        assert_eq!(
            g,
            vec![
                0..SEGMENT_MAX_ENTRIES,
                SEGMENT_MAX_ENTRIES..2 * SEGMENT_MAX_ENTRIES,
                2 * SEGMENT_MAX_ENTRIES..small.len()
            ]
        );
        let big = SEGMENT_MAX_BYTES / 2 + 1;
        assert_eq!(groups(&[big, big, 5]), vec![0..1, 1..3]);
        // One entry larger than the limit still gets a file of its own.
        assert_eq!(groups(&[SEGMENT_MAX_BYTES * 2, 1]), vec![0..1, 1..2]);
        assert_eq!(groups(&[]), vec![0..0]);
    }

    #[test]
    fn chunks_split_a_body_losslessly_even_with_header_lines_in_strings() {
        let body =
            "\n[[entry]]\nseq = 1\nnotes = \"\"\"\n\n[[entry]]\n\"\"\"\n\n[[entry]]\nseq = 2\n";
        let ranges = chunks(body, 2).unwrap();
        assert_eq!(ranges.len(), 2);
        assert_eq!(ranges[0].start, 0);
        assert_eq!(ranges[1].end, body.len());
        assert_eq!(&body[ranges[1].clone()], "\n[[entry]]\nseq = 2\n");
        assert!(chunks(body, 1).is_none());
    }

    #[test]
    fn names_sort_by_first_seq_and_other_files_are_not_segments() {
        assert_eq!(segment_name(1001), "0000001001.toml");
        assert_eq!(segment_first("0000001001.toml"), Some(1001));
        assert_eq!(segment_first("notes.toml"), None);
        assert_eq!(segment_first("0000001001.toml.tmp.5"), None);
        assert_eq!(body_start("# format: x\nformat = 1\n\n[[entry]]\n"), 23);
    }
}
