//! Reading a journal's files: each parsed on its own (so that an error names
//! the file and line that hold it), then joined into one journal whose text
//! is the logical text of [`super::segment`].

use std::fs;
use std::path::{Path, PathBuf};

use super::cache::{self, Checked::ByReader};
use super::digest::Digest;
use super::segment::{self, SEGMENT_DIR};
use super::summary::Summary;
use super::{Document, EMPTY_JOURNAL, Entry, FORMAT, Journal, JournalError, ParsedFile, Tail};
use crate::location::Located;

/// Reads `DIR/journal.toml` and, before it, the sealed segments in
/// `DIR/journal/` whose entries come before the tail's. The tail is read
/// first: a segment written by a seal that was cut off before the tail was
/// replaced starts at or after the tail's first entry, and is ignored.
pub(super) fn read(ledger_dir: &Path) -> Result<Journal, JournalError> {
    let path = Journal::path_in(ledger_dir);
    let tail_text = read_text(&path, true)?;
    let tail = parse_file(&path, &tail_text)?;
    let listed = list_segments(ledger_dir)?;
    let any_listed = !listed.is_empty();
    let sealed = counted(listed, &tail.entries);
    let mut builder = Builder::default();
    for segment in &sealed {
        let key = cache::key(ledger_dir, segment);
        let text = read_text(segment, false)?;
        let parsed = read_segment(ledger_dir, segment, key, &text, builder.entries.len())?;
        builder.add(segment, &text, parsed);
    }
    check_sealed_reach_tail(
        &path,
        (tail.entries.first().map(|e| e.seq), &tail.lines),
        builder.entries.len(),
        any_listed,
    )?;
    if sealed.is_empty() {
        return Journal::parse(&path, tail_text);
    }
    Ok(builder.finish(&path, &tail_text, tail))
}

/// A sealed segment's entries, from the cache when it holds them; they must
/// run on from the `before` entries read so far (a cache that says
/// otherwise is set aside, a file that does is refused).
fn read_segment(
    ledger_dir: &Path,
    segment: &Path,
    key: Option<cache::Key>,
    text: &str,
    before: usize,
) -> Result<ParsedFile, JournalError> {
    if let Some((parsed, _)) = (key.as_ref())
        .and_then(|key| cache::read(ledger_dir, segment, key))
        .filter(|(p, digest)| check_segment(segment, digest, &p.lines, before).is_ok())
    {
        return Ok(parsed);
    }
    let parsed = parse_file(segment, text)?;
    let summary = Summary::of(&parsed.entries, parsed.lines.clone());
    check_segment(segment, &summary.digest, &parsed.lines, before)?;
    if let Some(key) = key {
        let file = (segment, text.as_bytes());
        cache::write(&key, ledger_dir, file, &summary, &parsed.entries, ByReader);
    }
    Ok(parsed)
}

/// Refuses a sealed segment whose entries (or heads) do not start where its
/// name says and run on without a gap from the `before` entries read
/// before it.
pub(super) fn check_segment(
    segment: &Path,
    digest: &Digest,
    lines: &[Option<usize>],
    before: usize,
) -> Result<(), JournalError> {
    let follows = digest.count > 0 && digest.consecutive && digest.first == before as u64 + 1;
    let named = segment
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(segment::segment_first);
    let first = digest.first;
    if follows && named == Some(first) {
        return Ok(());
    }
    let line = lines.first().copied().flatten().unwrap_or(1);
    Err(JournalError::Invalid(Located::at_line(
        segment,
        line,
        format!(
            "this sealed segment should start at entry #{} (its name says #{}) and run on \
             without a gap, but starts at #{first}: segment files were renamed, moved or \
             edited. Restore {SEGMENT_DIR}/ from git, then run `ledger verify`",
            before + 1,
            named.unwrap_or(0)
        ),
    )))
}

/// Refuses a tail whose first entry does not follow the sealed segments
/// read before it: a segment file was removed (or never committed).
pub(super) fn check_sealed_reach_tail(
    path: &Path,
    tail: (Option<u64>, &[Option<usize>]),
    sealed_entries: usize,
    any_listed: bool,
) -> Result<(), JournalError> {
    let restore = format!(
        "Restore them from git (`git checkout -- {SEGMENT_DIR} journal.toml` in the ledger \
         folder), then run `ledger verify`"
    );
    let Some(first) = tail.0 else {
        if !any_listed {
            return Ok(());
        }
        let message = format!(
            "the open tail holds no entry, but {SEGMENT_DIR}/ holds sealed segments: the tail's \
             entries were removed. {restore}"
        );
        return Err(JournalError::Invalid(Located::at_line(path, 1, message)));
    };
    if first == sealed_entries as u64 + 1 {
        return Ok(());
    }
    let line = tail.1.first().copied().flatten().unwrap_or(1);
    let held = match sealed_entries {
        0 => format!("{SEGMENT_DIR}/ holds no sealed segment"),
        1 => format!("the sealed segments in {SEGMENT_DIR}/ hold 1 entry"),
        n => format!("the sealed segments in {SEGMENT_DIR}/ hold {n} entries"),
    };
    let message = if first > sealed_entries as u64 + 1 {
        format!(
            "the journal's first open entry is #{} but {held}: entries #{} to #{} are missing \
             (a segment file was deleted or never committed, or entries were removed). {restore}",
            first,
            sealed_entries + 1,
            first - 1
        )
    } else {
        format!(
            "the journal's first open entry is #{} but {held}: the segments and the tail overlap. \
             {restore}",
            first
        )
    };
    Err(JournalError::Invalid(Located::at_line(path, line, message)))
}

/// One stored file of a journal, with each entry's table as written.
pub struct StoredFile {
    /// The file.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// Its entries.
    pub entries: Vec<Entry>,
    /// Each entry's hash recomputed from its table (what `hash` must say).
    pub hashes: Vec<String>,
    /// 1-based line of each entry's `[[entry]]` header in the file.
    pub lines: Vec<Option<usize>>,
}

impl StoredFile {
    /// Parses a file once into its tables, hashes each, then turns them
    /// into its entries (the text is parsed again only to locate an error).
    fn read(path: &Path, text: String) -> Result<StoredFile, JournalError> {
        let document: Option<toml::Table> = toml::from_str(&text).ok();
        let format_holds = document
            .as_ref()
            .is_some_and(|d| d.get("format").and_then(toml::Value::as_integer) == Some(FORMAT));
        let raw = document.map(|mut d| match d.remove("entry") {
            Some(toml::Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    toml::Value::Table(t) => Some(t),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        });
        let hashes: Option<Vec<String>> =
            (raw.as_ref()).map(|tables| tables.iter().map(super::hash::entry_hash).collect());
        let entries = raw.filter(|_| format_holds).and_then(|tables| {
            (tables.into_iter())
                .map(|t| toml::Value::Table(t).try_into().ok())
                .collect::<Option<Vec<Entry>>>()
        });
        let (Some(hashes), Some(entries)) = (hashes, entries) else {
            // Something is wrong: the full parse says what and where.
            parse_file(path, &text)?;
            return Err(JournalError::Encode(format!(
                "{} parses as a journal but its entries do not read back",
                path.display()
            )));
        };
        let lines = entry_lines(&text, entries.len());
        Ok(StoredFile {
            path: path.to_path_buf(),
            text,
            entries,
            hashes,
            lines,
        })
    }

    /// Where entry `index` of this file is written: `file:line`.
    pub fn place(&self, index: usize) -> String {
        match self.lines.get(index).copied().flatten() {
            Some(line) => format!("{}:{line}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }
}

/// Visits the files of the journal in `ledger_dir` in order (the sealed
/// segments that count, then the tail), holding a few at a time (and the
/// tail): for checks whose memory must not grow with the journal. Files
/// are parsed (and their entries hashed) on as many threads as the machine
/// has cores, up to 4, one batch at a time; the visits stay in order.
pub fn for_each_file(
    ledger_dir: &Path,
    mut visit: impl FnMut(&StoredFile),
) -> Result<(), JournalError> {
    let path = Journal::path_in(ledger_dir);
    let tail = StoredFile::read(&path, read_text(&path, true)?)?;
    let listed = list_segments(ledger_dir)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let read = |segments: Vec<PathBuf>| -> Vec<Result<StoredFile, JournalError>> {
        (segments.iter())
            .map(|segment| StoredFile::read(segment, read_text(segment, false)?))
            .collect()
    };
    for batch in counted(listed, &tail.entries).chunks(threads) {
        // One file per thread (a thread that cannot start leaves its file
        // to this one).
        for file in crate::parallel::pieces(batch.to_vec(), threads, &read)
            .into_iter()
            .flatten()
        {
            visit(&file?);
        }
    }
    visit(&tail);
    Ok(())
}

/// The sealed segment files of a ledger folder, by first seq.
pub(super) fn list_segments(ledger_dir: &Path) -> Result<Vec<(u64, PathBuf)>, JournalError> {
    let segment_dir = ledger_dir.join(SEGMENT_DIR);
    segment::list(&segment_dir).map_err(|source| JournalError::Io {
        action: "cannot list",
        path: segment_dir,
        source,
    })
}

/// The segments that count before a tail holding `tail`: those that start
/// before its first entry. None count behind an empty tail: the layout
/// never leaves one after a seal, so segments beside it are the leftovers
/// of a first seal that was cut off.
pub(super) fn counted<T>(listed: Vec<(u64, T)>, tail: &[Entry]) -> Vec<T> {
    counted_before(listed, tail.first().map(|e| e.seq))
}

/// [`counted`], for a tail whose first entry is `tail_first` (none when it
/// holds no entry).
pub(super) fn counted_before<T>(listed: Vec<(u64, T)>, tail_first: Option<u64>) -> Vec<T> {
    let Some(before) = tail_first else {
        return Vec::new();
    };
    listed
        .into_iter()
        .filter(|(first, _)| *first < before)
        .map(|(_, item)| item)
        .collect()
}

/// Like [`read`], from texts already in memory (a tail and the files of its
/// segment folder, by name, as git holds them).
pub(super) fn assemble(
    path: &Path,
    tail_text: String,
    files: Vec<(String, Vec<u8>)>,
) -> Result<Journal, JournalError> {
    let tail = parse_file(path, &tail_text)?;
    let mut listed: Vec<(u64, (String, Vec<u8>))> = files
        .into_iter()
        .filter_map(|(name, bytes)| segment::segment_first(&name).map(|f| (f, (name, bytes))))
        .collect();
    listed.sort_by_key(|(first, _)| *first);
    let sealed = counted(listed, &tail.entries);
    if sealed.is_empty() {
        return Journal::parse(path, tail_text);
    }
    let dir = path.parent().unwrap_or(Path::new("")).join(SEGMENT_DIR);
    let mut builder = Builder::default();
    for (name, bytes) in sealed {
        let segment = dir.join(name);
        let text = crate::location::decode_utf8(&segment, bytes).map_err(JournalError::Invalid)?;
        let parsed = parse_file(&segment, &text)?;
        builder.add(&segment, &text, parsed);
    }
    Ok(builder.finish(path, &tail_text, tail))
}

/// Joins files into one journal.
struct Builder {
    text: String,
    line_count: usize,
    entries: Vec<Entry>,
    lines: Vec<Option<usize>>,
    files: Vec<PathBuf>,
    places: Vec<Option<(usize, usize)>>,
    tail_offset: usize,
    tail_index: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            text: EMPTY_JOURNAL.to_string(),
            line_count: EMPTY_JOURNAL.lines().count(),
            entries: Vec::new(),
            lines: Vec::new(),
            files: Vec::new(),
            places: Vec::new(),
            tail_offset: 0,
            tail_index: 0,
        }
    }
}

impl Builder {
    /// Adds one file's body and entries after those added before.
    fn add(&mut self, path: &Path, text: &str, parsed: ParsedFile) {
        let body_start = segment::body_start(text);
        let header_lines = text[..body_start].matches('\n').count();
        let file = self.files.len();
        self.files.push(path.to_path_buf());
        self.tail_offset = self.text.len();
        self.tail_index = self.entries.len();
        for line in &parsed.lines {
            self.places.push(line.map(|l| (file, l)));
            self.lines
                .push(line.map(|l| l - header_lines + self.line_count));
        }
        let body = &text[body_start..];
        if !self.text.ends_with('\n') && !body.is_empty() {
            // Never happens with files ledger wrote; keeps lines honest.
            self.text.push('\n');
            self.line_count += 1;
        }
        self.text.push_str(body);
        self.line_count += body.lines().count();
        self.entries.extend(parsed.entries);
    }

    /// Adds the tail and returns the journal.
    fn finish(mut self, path: &Path, tail_text: &str, tail: ParsedFile) -> Journal {
        let tail_header = tail_text[..segment::body_start(tail_text)].to_string();
        self.add(path, tail_text, tail);
        // Lines are known for every entry or for none (`blocks` of the S3
        // store cuts the text at them).
        if self.lines.iter().any(Option::is_none) {
            self.lines.iter_mut().for_each(|l| *l = None);
        }
        Journal {
            path: path.to_path_buf(),
            text: self.text,
            entries: self.entries,
            raw: std::sync::OnceLock::new(),
            lines: self.lines,
            line_count: self.line_count,
            files: self.files,
            places: self.places,
            signer: None,
            tail: Tail {
                header: tail_header,
                body_offset: self.tail_offset,
                first_index: self.tail_index,
            },
        }
    }
}

/// The text of a journal file; a missing tail is [`JournalError::Missing`].
pub(super) fn read_text(path: &Path, is_tail: bool) -> Result<String, JournalError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if is_tail && e.kind() == std::io::ErrorKind::NotFound => {
            return Err(JournalError::Missing {
                path: path.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(JournalError::Io {
                action: "cannot read",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    crate::location::decode_utf8(path, bytes).map_err(JournalError::Invalid)
}

/// The entries of a journal file's text with each one's raw TOML table,
/// from one parse. `None` when the text is not a well-formed journal of
/// this format: [`parse_file`] then says where and why.
pub(super) fn parse_with_tables(text: &str) -> Option<(Vec<Entry>, Vec<toml::Table>)> {
    let mut document: toml::Table = toml::from_str(text).ok()?;
    let known = |key: &String| key == "format" || key == "entry";
    if !document.keys().all(known) || document.get("format")?.as_integer()? != FORMAT {
        return None;
    }
    let tables: Vec<toml::Table> = match document.remove("entry") {
        None => Vec::new(),
        Some(toml::Value::Array(items)) => (items.into_iter())
            .map(|item| match item {
                toml::Value::Table(table) => Some(table),
                _ => None,
            })
            .collect::<Option<_>>()?,
        Some(_) => return None,
    };
    let entries = (tables.iter())
        .map(|table| toml::Value::Table(table.clone()).try_into().ok())
        .collect::<Option<Vec<Entry>>>()?;
    Some((entries, tables))
}

/// Parses one journal file, with errors located in it.
/// [`parse_file`], and the seqs of the entries whose hash does not match
/// their content as written (changed after they were written): what a read
/// shows of them may not be what was recorded.
pub(super) fn parse_file_checked(
    path: &Path,
    text: &str,
) -> Result<(ParsedFile, Vec<u64>), JournalError> {
    let Ok(stored) = StoredFile::read(path, text.to_string()) else {
        return Ok((parse_file(path, text)?, Vec::new()));
    };
    let altered = (stored.entries.iter().zip(&stored.hashes))
        .filter(|(entry, computed)| entry.hash != **computed)
        .map(|(entry, _)| entry.seq)
        .collect();
    let parsed = ParsedFile {
        entries: stored.entries,
        lines: stored.lines,
    };
    Ok((parsed, altered))
}

pub(super) fn parse_file(path: &Path, text: &str) -> Result<ParsedFile, JournalError> {
    let invalid = |e: &toml::de::Error| JournalError::Invalid(Located::from_toml(path, text, e));
    let doc: Document = toml::from_str(text).map_err(|e| invalid(&e))?;
    if doc.format != FORMAT {
        let offset = crate::location::value_offset(text, &["format"]).unwrap_or(0);
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
            path, text, offset, message,
        )));
    }
    let lines = entry_lines(text, doc.entry.len());
    Ok(ParsedFile {
        entries: doc.entry,
        lines,
    })
}

/// 1-based line of each of `count` entries' `[[entry]]` headers, when the
/// header lines can be told apart (none otherwise).
pub(super) fn entry_lines(text: &str, count: usize) -> Vec<Option<usize>> {
    let headers: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim() == "[[entry]]")
        .map(|(i, _)| i + 1)
        .collect();
    if headers.len() == count {
        headers.into_iter().map(Some).collect()
    } else {
        vec![None; count]
    }
}

/// The logical text of a journal from its tail's text and the files of its
/// segment folder, without parsing entries: for comparing versions of the
/// journal (the git-history check), where parsing every version would cost
/// more than the check.
pub fn logical_text(tail: &str, files: Vec<(String, Vec<u8>)>) -> String {
    let mut text = EMPTY_JOURNAL.to_string();
    for (_, bytes) in counted_files(tail, files) {
        let segment = String::from_utf8_lossy(&bytes);
        text.push_str(&segment[segment::body_start(&segment)..]);
    }
    text.push_str(&tail[segment::body_start(tail)..]);
    text
}

/// Of the files of a segment folder (name, anything), the sealed segments
/// that count before the tail whose text is `tail`, in order (see
/// [`counted`]).
pub fn counted_files<T>(tail: &str, files: Vec<(String, T)>) -> Vec<(String, T)> {
    let mut listed: Vec<(u64, (String, T))> = files
        .into_iter()
        .filter_map(|(name, item)| segment::segment_first(&name).map(|f| (f, (name, item))))
        .collect();
    listed.sort_by_key(|(first, _)| *first);
    match first_entry_seq(tail) {
        Some(first_seq) => listed
            .into_iter()
            .filter(|(first, _)| *first < first_seq)
            .map(|(_, item)| item)
            .collect(),
        None => Vec::new(),
    }
}

/// The `seq` of the first entry of a journal file, read from its text.
pub(super) fn first_entry_seq(text: &str) -> Option<u64> {
    let mut lines = text.lines().skip_while(|l| l.trim() != "[[entry]]").skip(1);
    lines
        .find_map(|l| l.trim().strip_prefix("seq = "))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_parse_with_tables_reads_what_the_full_parse_and_the_hash_check_read() {
        let path = Path::new("journal.toml");
        for text in [
            include_str!("../../ledger/journal.toml"),
            include_str!("../../tests/fixtures/audit/journal.toml"),
        ] {
            let (entries, tables) = parse_with_tables(text).expect("well formed");
            assert_eq!(entries, parse_file(path, text).unwrap().entries);
            let journal = Journal::parse(path, text.to_string()).unwrap();
            assert_eq!(tables, journal.raw());
            assert!(entries.len() >= 2);
        }
    }

    #[test]
    fn what_one_parse_cannot_take_is_left_to_the_full_parse_and_its_error() {
        let good = include_str!("../../ledger/journal.toml");
        let with_key = good.replacen("format = 1", "format = 1\nother = 2", 1);
        let newer = good.replacen("format = 1", "format = 2", 1);
        let bad_field = good.replacen("seq = 1\n", "seq = \"one\"\n", 1);
        for text in [with_key, newer, bad_field, "format = 1\nentry = 3\n".into()] {
            assert_ne!(text, good);
            assert!(parse_with_tables(&text).is_none(), "{text:.60}");
            let error = Journal::parse_keeping_tables(Path::new("journal.toml"), text);
            assert!(matches!(error, Err(JournalError::Invalid(_))), "{error:?}");
        }
    }
}
