//! Reading a block back, for the importer: what [`super::write`] writes,
//! and sizes and times as people write them.

use super::FILES_HEADER;
use crate::document::cell::{code_cell, table_cell, uncode, untable};
use crate::document::format::{human_size, parse_size};
use crate::document::markdown::{Block, BlockKind, table_rows};
use crate::journal::{Change, Entry, FileChange, Invalidation};
use crate::timestamp::{Timestamp, WrittenTime};

/// A deploy heading read back: `DATE - ENV Deploy VERSION` (or `Redeploy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// The day of the deploy.
    pub date: Timestamp,
    /// The environment's display name, as written.
    pub env_name: String,
    /// `Redeploy` rather than `Deploy`.
    pub redeploy: bool,
    /// The version, when one is written.
    pub version: Option<String>,
}

/// Reads a deploy's heading (the `###` text); the error says what is wrong.
pub fn read_heading(title: &str) -> Result<Heading, String> {
    let malformed = || format!("\"{title}\" is not `DATE - ENV Deploy VERSION`");
    let (date, rest) = title.split_once(" - ").ok_or_else(malformed)?;
    let date = Timestamp::parse_stored(date.trim())
        .map_err(|_| format!("`{date}` is not a date (YYYY-MM-DD)"))?;
    let (env_name, version, redeploy) = if let Some((env, v)) = rest.split_once(" Redeploy") {
        (env, v, true)
    } else {
        let (env, v) = rest.split_once(" Deploy").ok_or_else(malformed)?;
        (env, v, false)
    };
    let version = version.trim();
    Ok(Heading {
        date,
        env_name: env_name.trim().to_string(),
        redeploy,
        version: (!version.is_empty()).then(|| version.to_string()),
    })
}

/// How the pinning services' blocks read back: which service a block's
/// title names, and one line's pin.
pub trait PinReader {
    /// The key of the service whose block has this title (`Lambda Versions`).
    fn key_of(&self, title: &str) -> Option<&'static str>;
    /// One bulleted line of that service's block, as a pin.
    fn read_line(&self, key: &str, line: &str) -> Option<toml::Table>;
}

/// What reading one part of a block's body gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Read into the entry: this many Markdown blocks.
    Read(usize),
    /// Not a part the codec writes: the importer keeps it verbatim.
    Unread,
    /// Looks like a part the codec writes but is wrong at this line: the
    /// importer reports it (and keeps the block verbatim).
    Problem {
        /// 1-based line in the document.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Reads the body part that starts at `block` (with the block after it,
/// for a heading paragraph followed by its table or list) into `entry`.
pub fn read_part(
    entry: &mut Entry,
    block: &Block,
    next: Option<&Block>,
    pins: &dyn PinReader,
) -> Part {
    let text = block.text.trim();
    let list = |next: Option<&Block>| match next.map(|n| &n.kind) {
        Some(BlockKind::List(items)) => Some(items.clone()),
        _ => None,
    };
    match &block.kind {
        // Each block ends with a thematic break; the writer writes it.
        BlockKind::Break => Part::Read(1),
        BlockKind::Paragraph if text == "**Files Deployed**:" => match next {
            Some(table) if table.kind == BlockKind::Table => {
                read_files(entry, &table.text, block.start)
            }
            _ => Part::Unread,
        },
        BlockKind::Paragraph if text == "**Files Deleted**:" => match list(next) {
            Some(items) => {
                let deleted = items.iter().map(|item| FileChange::deleted(uncode(item)));
                entry.files.extend(deleted);
                Part::Read(2)
            }
            None => Part::Unread,
        },
        BlockKind::Paragraph if text == "**Changes**:" => match list(next) {
            Some(items) => {
                entry.changes = items.iter().map(Change::plain).collect();
                Part::Read(2)
            }
            None => Part::Unread,
        },
        BlockKind::Paragraph if text.starts_with("**CloudFront Invalidation**:") => {
            entry.invalidation = Some(read_invalidation(text));
            Part::Read(1)
        }
        BlockKind::Paragraph => match list(next) {
            Some(items) if pin_title(text).is_some() => read_pins(entry, text, &items, pins),
            _ => read_meta(entry, text, block.start),
        },
        _ => Part::Unread,
    }
}

/// `**CloudFront Invalidation**: `ID` (STATUS)`.
fn read_invalidation(text: &str) -> Invalidation {
    let value = text["**CloudFront Invalidation**:".len()..].trim();
    let (id, status) = match value.split_once(" (") {
        Some((id, status)) => (id, status.strip_suffix(')').map(String::from)),
        None => (value, None),
    };
    Invalidation {
        id: uncode(id),
        status,
        ..Invalidation::new(None)
    }
}

/// `**Title**:` of a paragraph.
fn pin_title(text: &str) -> Option<&str> {
    text.strip_prefix("**")?.strip_suffix("**:")
}

/// A pinning service's block: its title and one pin per line.
fn read_pins(entry: &mut Entry, text: &str, items: &[String], pins: &dyn PinReader) -> Part {
    let key = pin_title(text)
        .and_then(|title| pins.key_of(title))
        .filter(|key| !entry.pins.contains_key(*key));
    let Some(key) = key else {
        return Part::Unread;
    };
    let read: Option<Vec<toml::Table>> = items.iter().map(|i| pins.read_line(key, i)).collect();
    match read {
        Some(read) => {
            entry.pins.insert(key.to_string(), read);
            Part::Read(2)
        }
        None => Part::Unread,
    }
}

/// A paragraph of `**Field**: value` lines, each one the writer writes.
fn read_meta(entry: &mut Entry, text: &str, line: usize) -> Part {
    let mut fields = Vec::new();
    for (offset, raw) in text.lines().enumerate() {
        let field = (raw.trim().strip_prefix("**")).and_then(|r| r.split_once("**:"));
        match field {
            Some((name @ ("Commit" | "Deployed By" | "Build Time"), value)) => {
                fields.push((name, value.trim(), line + offset));
            }
            _ => return Part::Unread,
        }
    }
    let mut build_time = None;
    for (_, value, line) in fields.iter().filter(|(name, ..)| *name == "Build Time") {
        match WrittenTime::parse_stored(value) {
            Ok(time) => build_time = Some(time),
            Err(_) => {
                return Part::Problem {
                    line: *line,
                    message: format!("Build Time `{value}` is not an RFC 3339 time"),
                };
            }
        }
    }
    for (name, value, _) in fields {
        match name {
            "Commit" => {
                entry.commits = value.split(" + ").map(uncode).collect();
                entry.commit = entry.commits.last().cloned();
            }
            "Deployed By" => entry.deployed_by = Some(value.to_string()),
            _ => entry.build_time = build_time.take(),
        }
    }
    Part::Read(1)
}

/// The `**Files Deployed**:` table whose heading paragraph is at `line`.
fn read_files(entry: &mut Entry, table: &str, line: usize) -> Part {
    let rows = table_rows(table);
    let Some((header, data)) = rows.split_first() else {
        return Part::Unread;
    };
    // Another layout is kept verbatim with the entry.
    if *header != FILES_HEADER {
        return Part::Unread;
    }
    let mut parsed = Vec::with_capacity(data.len());
    for (offset, row) in data.iter().enumerate() {
        // The heading paragraph, the table's header and separator rows.
        let row_line = line + 3 + offset;
        match read_file_row(row, row_line) {
            Ok(Some(file)) => parsed.push(file),
            Ok(None) => return Part::Unread,
            Err(problem) => return problem,
        }
    }
    entry.files.extend(parsed);
    Part::Read(2)
}

/// One row of the files table: None when it would not print back the same.
fn read_file_row(row: &[String], line: usize) -> Result<Option<FileChange>, Part> {
    let problem = |message: String| Part::Problem { line, message };
    let [key_cell, size_cell, type_cell] = row else {
        return Err(problem(format!(
            "this row has {} cells, the header has {}",
            row.len(),
            FILES_HEADER.len()
        )));
    };
    let key = uncode(key_cell);
    if code_cell(&key) != *key_cell {
        return Ok(None);
    }
    let (size, size_text) = match size_cell.as_str() {
        "-" => (None, None),
        written => match parse_size(written) {
            Some(bytes) => (
                Some(bytes),
                (table_cell(&human_size(bytes)) != written).then(|| untable(written)),
            ),
            None => {
                return Err(problem(format!(
                    "size `{written}` is not a size (like 640 B, 21.2 KB, 1.2 MB)"
                )));
            }
        },
    };
    Ok(Some(FileChange {
        size,
        size_text,
        content_type: (type_cell != "-").then(|| untable(type_cell)),
        ..FileChange::put(key)
    }))
}
