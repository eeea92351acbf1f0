//! Importing a CHANGELOG.md: Keep a Changelog and its common variants
//! (no brackets, no dates, `## [x](compare) (date)`, `### Features`, emoji
//! section titles, `- - -` separators). Each release becomes a `release`
//! entry holding its notes as written; the text above the first release and
//! the link references below the last are kept in `[changelog]`.

use std::path::Path;

use chrono::NaiveDate;

use super::document::ImportError;
use crate::document::markdown::{Block, BlockKind, blocks};
use crate::journal::{Entry, EntryKind, ReleaseGroup, ReleaseNotes};
use crate::timestamp::Timestamp;

/// What a changelog import produced.
#[derive(Debug, Clone, Default)]
pub struct ImportedChangelog {
    /// Text above the first release, as written.
    pub preamble: Option<String>,
    /// The Unreleased section's content ("" when empty), if it had one.
    pub unreleased: Option<String>,
    /// Link reference definitions at the bottom, as written.
    pub links: Option<String>,
    /// Release entries for `env`, oldest first, not yet sealed.
    pub entries: Vec<Entry>,
}

/// A release heading: version, link, date, yanked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// The version as written, without brackets.
    pub version: String,
    /// The URL the version linked to, if any.
    pub link: Option<String>,
    /// The first `YYYY-MM-DD` on the line.
    pub date: Option<NaiveDate>,
    /// Marked `[YANKED]`.
    pub yanked: bool,
}

/// Parses `[1.2.0] - 2024-01-01`, `1.2.0 - 2024-01-01 [YANKED]`,
/// `[1.2.0](https://…) (2024-01-01)`, `v1.2.0`.
pub fn parse_heading(text: &str) -> Option<Heading> {
    let text = text.trim();
    let (version, link, rest) = if let Some(rest) = text.strip_prefix('[') {
        let (version, rest) = rest.split_once(']')?;
        match rest.strip_prefix('(') {
            Some(after) => {
                let (url, rest) = after.split_once(')')?;
                (version.to_string(), Some(url.to_string()), rest)
            }
            None => (version.to_string(), None, rest),
        }
    } else {
        let end = text.find(char::is_whitespace).unwrap_or(text.len());
        (text[..end].to_string(), None, &text[end..])
    };
    let versionish = version.chars().next().is_some_and(|c| c.is_ascii_digit())
        || (version.len() > 1
            && (version.starts_with('v') || version.starts_with('V'))
            && version[1..].starts_with(|c: char| c.is_ascii_digit()));
    if !versionish {
        return None;
    }
    let date = rest
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .find_map(|(i, _)| {
            rest.get(i..i + 10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        });
    Some(Heading {
        version,
        link,
        date,
        yanked: rest.to_ascii_uppercase().contains("[YANKED]"),
    })
}

/// Parses a changelog into release entries of `env`.
pub fn import_changelog(
    path: &Path,
    text: &str,
    env: &str,
) -> Result<ImportedChangelog, ImportError> {
    let lines: Vec<&str> = text.lines().collect();
    let source = |start: usize, end: usize| source_lines(&lines, start, end);
    let links_start = links_start(&lines);
    let links = (links_start < lines.len()).then(|| source(links_start + 1, lines.len()));
    let all = blocks(text);
    let body: Vec<&Block> = all.iter().filter(|b| b.start <= links_start).collect();
    let h2 = release_headings(&body);
    let mut out = ImportedChangelog {
        links,
        ..ImportedChangelog::default()
    };
    let first_release_line = h2.first().map_or(links_start + 1, |&i| body[i].start);
    if first_release_line > 1 {
        out.preamble = Some(source(1, first_release_line - 1)).filter(|p| !p.is_empty());
    }
    let mut releases: Vec<(Heading, ReleaseNotes, usize)> = Vec::new();
    // Version -> the line it was first listed at: one lookup per release.
    let mut listed: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (n, &start) in h2.iter().enumerate() {
        let end = h2.get(n + 1).copied().unwrap_or(body.len());
        let BlockKind::Heading(_, title) = &body[start].kind else {
            continue;
        };
        let section: Vec<&Block> = body[start + 1..end].to_vec();
        let Some(heading) = parse_heading(title) else {
            let (first, last) = (
                section.first().map(|b| b.start),
                section.last().map(|b| b.end),
            );
            out.unreleased = Some(match (first, last) {
                (Some(first), Some(last)) => source(first, last),
                _ => String::new(),
            });
            continue;
        };
        if let Some(line) = listed.get(&heading.version).copied() {
            return Err(ImportError {
                path: path.to_path_buf(),
                line: body[start].start,
                message: format!(
                    "version {} is listed twice (first at line {line})",
                    heading.version
                ),
            });
        }
        let notes = release_notes(&section, &heading, &source);
        listed.insert(heading.version.clone(), body[start].start);
        releases.push((heading, notes, body[start].start));
    }
    releases.reverse(); // oldest first
    out.entries = release_entries(releases, env);
    Ok(out)
}

/// Lines `start` to `end` (1-based, inclusive) as written, without
/// trailing blank space; empty when there are none.
fn source_lines(lines: &[&str], start: usize, end: usize) -> String {
    let end = end.min(lines.len());
    if start == 0 || start > end {
        return String::new();
    }
    lines[start - 1..end].join("\n").trim_end().to_string()
}

/// Where the link reference definitions at the very end start (0-based
/// line; the number of lines when there are none).
fn links_start(lines: &[&str]) -> usize {
    let mut start = lines.len();
    while start > 0 {
        let line = lines[start - 1].trim();
        if line.is_empty() || (line.starts_with('[') && line.contains("]: ")) {
            start -= 1;
        } else {
            break;
        }
    }
    while start < lines.len() && lines[start].trim().is_empty() {
        start += 1;
    }
    start
}

/// The positions in `body` of the release headings: a level-2 heading
/// that is a version or Unreleased. Another ("New Contributors") belongs
/// to the release above it.
fn release_headings(body: &[&Block]) -> Vec<usize> {
    let is_release = |b: &Block| match &b.kind {
        BlockKind::Heading(2, title) => {
            parse_heading(title).is_some()
                || title
                    .trim_matches(|c| c == '[' || c == ']')
                    .eq_ignore_ascii_case("unreleased")
        }
        _ => false,
    };
    (body.iter().enumerate())
        .filter(|(_, b)| is_release(b))
        .map(|(i, _)| i)
        .collect()
}

/// The release entries of `env`, oldest first. An undated release is
/// placed at its older neighbour's day (or the newer one's), and says so.
fn release_entries(releases: Vec<(Heading, ReleaseNotes, usize)>, env: &str) -> Vec<Entry> {
    let dates: Vec<Option<NaiveDate>> = releases.iter().map(|(h, _, _)| h.date).collect();
    let mut entries = Vec::with_capacity(releases.len());
    for (index, (heading, notes, _)) in releases.into_iter().enumerate() {
        let estimate = dates[..index]
            .iter()
            .rev()
            .flatten()
            .next()
            .or_else(|| dates[index..].iter().flatten().next())
            .copied()
            .unwrap_or_default();
        let day = heading.date.unwrap_or(estimate);
        entries.push(Entry {
            version: Some(heading.version.clone()),
            imported: true,
            release: Some(notes),
            notes: if heading.date.is_none() {
                vec!["the changelog gives no date for this release".into()]
            } else {
                Vec::new()
            },
            ..Entry::new(EntryKind::Release, env, Timestamp::Day(day))
        });
    }
    entries
}

fn release_notes(
    section: &[&Block],
    heading: &Heading,
    source: &dyn Fn(usize, usize) -> String,
) -> ReleaseNotes {
    let mut notes = ReleaseNotes {
        date: heading.date.map(|d| d.to_string()),
        yanked: heading.yanked,
        link: heading.link.clone(),
        ..ReleaseNotes::default()
    };
    for block in section {
        match &block.kind {
            BlockKind::Heading(_, name) => notes.groups.push(ReleaseGroup {
                name: name.clone(),
                ..ReleaseGroup::default()
            }),
            BlockKind::Break => {} // `- - -` separators between releases
            BlockKind::List(items) => match notes.groups.last_mut() {
                Some(group) => group.items.extend(items.iter().cloned()),
                None => notes.intro.push(source(block.start, block.end)),
            },
            _ => match notes.groups.last_mut() {
                Some(group) => group.text.push(source(block.start, block.end)),
                None => notes.intro.push(source(block.start, block.end)),
            },
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_of_the_common_variants() {
        let h = parse_heading("[1.1.0] - 2019-02-15").unwrap();
        assert_eq!(
            (h.version.as_str(), h.date.map(|d| d.to_string())),
            ("1.1.0", Some("2019-02-15".into()))
        );
        let h = parse_heading("1.2.0 - 2024-01-01 [YANKED]").unwrap();
        assert!(h.yanked && h.version == "1.2.0");
        let h = parse_heading("[17.11.1](https://x/compare/a...b) (2026-07-31)").unwrap();
        assert_eq!(h.link.as_deref(), Some("https://x/compare/a...b"));
        assert_eq!(h.date.unwrap().to_string(), "2026-07-31");
        let h = parse_heading("v0.3.0").unwrap();
        assert_eq!((h.version.as_str(), h.date), ("v0.3.0", None));
    }
}
