//! Importing a hand-kept AWS_VERSIONS.md: the inventory goes to
//! `ledger.toml`, the deployment history to journal entries marked
//! `imported`, and whatever is not understood is kept verbatim at its place
//! (`[[extra]]` blocks, an entry's `extra`), so that `ledger render` prints
//! the document again.

mod deploys;
mod sections;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use crate::config::{Config, Environment, ExtraBlock, capitalise};
use crate::document::markdown::{Block, BlockKind, blocks, table_rows};
use crate::journal::Entry;
use crate::services;

/// What the default template writes under Deployment History without deploys.
const EMPTY_HISTORY: &str = "No deploys recorded yet.";

/// A problem in the imported document.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct ImportError {
    /// The document.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// What an import produced.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The configuration and inventory.
    pub config: Config,
    /// Deploy entries, oldest first, not yet sealed.
    pub entries: Vec<Entry>,
    /// What was kept verbatim, one line each (`line N: what`).
    pub kept: Vec<String>,
    /// Problems skipped with --lenient.
    pub warnings: Vec<String>,
    /// Other things worth telling (what is regenerated rather than kept).
    pub notes: Vec<String>,
    /// The `##` sections recognised (environments and the known ones): none
    /// means the file is not a version document.
    pub sections_recognised: usize,
}

struct Importer<'a> {
    path: &'a Path,
    lines: Vec<&'a str>,
    lenient: bool,
    out: Imported,
    env_names: IndexMap<String, String>,
    /// The line of each deploy's heading, in the order the entries were read.
    deploy_lines: Vec<usize>,
}

/// An H3 subsection: its title, its blocks, and its heading block.
type Subsection<'b> = (String, &'b [Block], &'b Block);

/// A table's header and its data rows, as raw cells.
type HeaderAndRows = (Vec<String>, Vec<Vec<String>>);

/// The known kinds of H2 sections.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    History,
    Cache,
    Monitoring,
    Commands,
    Related,
}

/// Imports an AWS_VERSIONS.md document.
pub fn import_document(path: &Path, text: &str, lenient: bool) -> Result<Imported, ImportError> {
    let mut importer = Importer {
        path,
        lines: text.lines().collect(),
        lenient,
        out: Imported::default(),
        env_names: IndexMap::new(),
        deploy_lines: Vec::new(),
    };
    importer.run(&blocks(text))?;
    Ok(importer.out)
}

impl Importer<'_> {
    fn error(&self, line: usize, message: impl Into<String>) -> ImportError {
        ImportError {
            path: self.path.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    /// An error, or with --lenient a warning (the caller keeps the text verbatim).
    fn problem(&mut self, line: usize, message: String) -> Result<(), ImportError> {
        if self.lenient {
            self.out
                .warnings
                .push(format!("line {line}: {message}; kept verbatim"));
            Ok(())
        } else {
            Err(self.error(
                line,
                format!("{message} (pass --lenient to keep it verbatim)"),
            ))
        }
    }

    /// The exact source of lines `start..=end`.
    fn source(&self, start: usize, end: usize) -> String {
        let end = end.min(self.lines.len());
        if start == 0 || start > end {
            return String::new();
        }
        self.lines[start - 1..end].join("\n").trim_end().to_string()
    }

    fn keep(&mut self, at: &str, blocks: &[Block], why: &str) {
        let (Some(first), Some(last)) = (blocks.first(), blocks.last()) else {
            return;
        };
        self.out
            .kept
            .push(format!("lines {}-{}: {why}", first.start, last.end));
        self.out.config.extra.push(ExtraBlock {
            at: at.to_string(),
            markdown: self.source(first.start, last.end),
        });
    }

    fn run(&mut self, blocks: &[Block]) -> Result<(), ImportError> {
        let h2: Vec<usize> = (blocks.iter().enumerate())
            .filter(|(_, b)| matches!(b.kind, BlockKind::Heading(2, _)))
            .map(|(i, _)| i)
            .collect();
        let preamble_end = h2.first().copied().unwrap_or(blocks.len());
        self.preamble(&blocks[..preamble_end]);
        let title = |i: usize| match &blocks[i].kind {
            BlockKind::Heading(_, title) => Some(title.as_str()),
            _ => None,
        };
        if !h2.iter().any(|&i| title(i) == Some("Quick Commands")) {
            // Render only the sections the document had.
            self.out.config.project.quick_commands = Some(false);
        }
        // Environments first: history sections name them.
        for name in h2
            .iter()
            .filter_map(|&i| title(i)?.strip_suffix(" Environment"))
        {
            self.env_names.insert(name.to_string(), env_key(name));
        }
        let mut anchor = "after.preamble".to_string();
        for (n, &start) in h2.iter().enumerate() {
            let end = h2.get(n + 1).copied().unwrap_or(blocks.len());
            if let Some(title) = title(start) {
                anchor = self.section(title, &blocks[start..end], &anchor)?;
            }
        }
        let release_env = &self.out.config.changelog.release_env;
        if !self.out.config.environments.contains_key(release_env)
            && let Some(first) = self.out.config.environments.keys().next()
        {
            self.out.config.changelog.release_env = first.clone();
        }
        self.out.entries.reverse(); // documents list deploys newest first
        self.deploy_lines.reverse();
        self.check_newest_first()
    }

    /// One `##` section (its heading first in `blocks`); returns the anchor
    /// of what follows it.
    fn section(
        &mut self,
        title: &str,
        blocks: &[Block],
        anchor: &str,
    ) -> Result<String, ImportError> {
        let body = &blocks[1..];
        let section = match title {
            "Deployment History" => Some(Section::History),
            "Cache Settings" => Some(Section::Cache),
            "Monitoring" => Some(Section::Monitoring),
            "Quick Commands" => Some(Section::Commands),
            "Related Documentation" => Some(Section::Related),
            _ => None,
        };
        if section.is_some() || title.ends_with(" Environment") {
            self.out.sections_recognised += 1;
        }
        if let Some(name) = title.strip_suffix(" Environment") {
            let key = env_key(name);
            self.environment(name, &key, body)?;
            return Ok(format!("after.env.{key}"));
        }
        if let Some(section) = section {
            return self.known_section(section, body);
        }
        self.keep(anchor, blocks, &format!("section \"{title}\""));
        Ok(anchor.to_string())
    }

    /// Refuses deploys not listed newest first, at the older one's line.
    fn check_newest_first(&self) -> Result<(), ImportError> {
        for (i, pair) in self.out.entries.windows(2).enumerate() {
            if pair[1].deployed_at < pair[0].deployed_at {
                // The older deploy, listed below the newer one, is the one out of place.
                return Err(self.error(
                    self.deploy_lines.get(i).copied().unwrap_or(0),
                    format!(
                        "deploys are not listed newest first: {} ({}) comes after {} ({})",
                        pair[0].version.as_deref().unwrap_or("-"),
                        pair[0].deployed_at,
                        pair[1].version.as_deref().unwrap_or("-"),
                        pair[1].deployed_at
                    ),
                ));
            }
        }
        Ok(())
    }

    fn preamble(&mut self, blocks: &[Block]) {
        let mut after_break = false;
        let mut description_seen = false;
        // No description paragraph: none is rendered.
        self.out.config.project.description = Some(String::new());
        for (index, block) in blocks.iter().enumerate() {
            match &block.kind {
                BlockKind::Heading(1, title)
                    if self.out.config.project.document_title.is_none() =>
                {
                    if title != "AWS Services Version Control" {
                        self.out.config.project.document_title = Some(title.clone());
                    }
                }
                BlockKind::Break if !after_break => after_break = true,
                BlockKind::Paragraph
                    if block.text.starts_with("**Last Updated**:") && !after_break =>
                {
                    let value = block.text["**Last Updated**:".len()..].trim().to_string();
                    self.out.config.project.last_updated = Some(value);
                }
                BlockKind::Paragraph if !description_seen && !after_break => {
                    description_seen = true;
                    let text = block.text.trim();
                    match crate::config::Project::title_in_default_description(text) {
                        Some(title) => {
                            self.out.config.project.title = title.to_string();
                            self.out.config.project.description = None;
                        }
                        None => self.out.config.project.description = Some(text.to_string()),
                    }
                }
                _ => {
                    let at = if after_break {
                        "after.preamble"
                    } else {
                        "preamble.end"
                    };
                    self.keep(at, &blocks[index..=index], "preamble text");
                }
            }
        }
    }

    /// Splits a section body into (blocks before the first H3, [(title, blocks)]),
    /// dropping the trailing thematic break.
    fn subsections(body: &[Block]) -> (&[Block], Vec<Subsection<'_>>) {
        let body = match body.last() {
            Some(last) if last.kind == BlockKind::Break => &body[..body.len() - 1],
            _ => body,
        };
        let h3: Vec<usize> = body
            .iter()
            .enumerate()
            .filter(|(_, b)| matches!(b.kind, BlockKind::Heading(3, _)))
            .map(|(i, _)| i)
            .collect();
        let intro = &body[..h3.first().copied().unwrap_or(body.len())];
        let subs = h3
            .iter()
            .enumerate()
            .map(|(n, &start)| {
                let end = h3.get(n + 1).copied().unwrap_or(body.len());
                let title = match &body[start].kind {
                    BlockKind::Heading(_, t) => t.clone(),
                    _ => String::new(),
                };
                (title, &body[start + 1..end], &body[start])
            })
            .collect();
        (intro, subs)
    }

    fn whole(heading: &Block, body: &[Block]) -> Vec<Block> {
        let mut all = vec![heading.clone()];
        all.extend_from_slice(body);
        all
    }

    fn environment(&mut self, name: &str, key: &str, body: &[Block]) -> Result<(), ImportError> {
        let (intro, subs) = Self::subsections(body);
        self.keep(
            &format!("env.{key}.start"),
            intro,
            &format!("text in {name} Environment"),
        );
        let mut env = Environment {
            name: (capitalise(key) != name).then(|| name.to_string()),
            ..Environment::default()
        };
        for (title, sub, heading) in subs {
            let Some(rows) = Self::single_table(sub) else {
                self.keep(
                    &format!("env.{key}.end"),
                    &Self::whole(heading, sub),
                    &format!("\"{title}\" in {name}"),
                );
                continue;
            };
            let parsed = match self.regular_rows(rows, sub[0].start)? {
                Some((header, data)) => services::read_table(
                    false,
                    (&title, &header, &data),
                    &mut env.declared,
                    &mut env.columns,
                ),
                None => false,
            };
            if parsed {
                keep_separator(&mut env.separators, &title, &sub[0].text);
            }
            if !parsed {
                self.keep(
                    &format!("env.{key}.end"),
                    &Self::whole(heading, sub),
                    &format!("\"{title}\" in {name}"),
                );
            }
        }
        for service in services::REGISTRY {
            if let Err(why) = service.adopt(&mut env) {
                let line = body.first().map_or(0, |b| b.start);
                return Err(self.error(line, format!("{name} Environment {why}")));
            }
        }
        self.out.config.environments.insert(key.to_string(), env);
        Ok(())
    }

    fn known_section(&mut self, section: Section, body: &[Block]) -> Result<String, ImportError> {
        let name = match section {
            Section::History => "history",
            Section::Cache => "cache",
            Section::Monitoring => "monitoring",
            Section::Commands => "commands",
            Section::Related => "related",
        };
        if section == Section::Related {
            self.related(body);
            return Ok("related.end".into());
        }
        let (intro, subs) = Self::subsections(body);
        // The default template's own words for an empty history come back
        // by themselves; kept, they would print twice.
        let intro: Vec<Block> = intro
            .iter()
            .filter(|b| !(section == Section::History && b.text.trim() == EMPTY_HISTORY))
            .cloned()
            .collect();
        self.keep(
            &format!("{name}.start"),
            &intro,
            &format!("text in section {name}"),
        );
        for (title, sub, heading) in subs {
            let understood = match section {
                Section::History => self.deploy(&title, heading, sub)?,
                Section::Cache => self.cache(&title, sub)?,
                Section::Monitoring => self.monitoring(&title, sub)?,
                Section::Commands => self.command(&title, sub),
                Section::Related => true,
            };
            if !understood {
                self.keep(
                    &format!("{name}.end"),
                    &Self::whole(heading, sub),
                    &format!("\"{title}\""),
                );
            }
        }
        Ok(match section {
            Section::History => "history.end".into(),
            _ => format!("after.{name}"),
        })
    }

    fn single_table(sub: &[Block]) -> Option<Vec<Vec<String>>> {
        match sub {
            [only] if only.kind == BlockKind::Table => Some(table_rows(&only.text)),
            _ => None,
        }
    }

    /// A subsection that is one table: (header, rows). A row whose width is
    /// not the header's is a problem (kept verbatim with --lenient).
    fn regular_table(&mut self, sub: &[Block]) -> Result<Option<HeaderAndRows>, ImportError> {
        match Self::single_table(sub) {
            Some(rows) => self.regular_rows(rows, sub[0].start),
            None => Ok(None),
        }
    }

    /// A table's rows, from the table starting at `line`, as (header, rows).
    fn regular_rows(
        &mut self,
        mut rows: Vec<Vec<String>>,
        line: usize,
    ) -> Result<Option<HeaderAndRows>, ImportError> {
        if rows.is_empty() {
            return Ok(None);
        }
        let header = rows.remove(0);
        if let Some((offset, row)) = rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != header.len())
        {
            self.problem(
                line + 2 + offset,
                format!(
                    "this row has {} cells, the header has {}",
                    row.len(),
                    header.len()
                ),
            )?;
            return Ok(None);
        }
        Ok(Some((header, rows)))
    }
}

/// Keeps, under its kind, the separator row of an imported table when it
/// is not the one `render` writes for its headings.
pub(super) fn keep_separator(separators: &mut IndexMap<String, String>, title: &str, table: &str) {
    let mut lines = table.lines().map(str::trim);
    let (Some(header), Some(separator)) = (lines.next(), lines.next()) else {
        return;
    };
    let headings = crate::document::markdown::split_row(header);
    let written = crate::document::TableView::default_separator(&headings);
    if let Some(service) = services::by_table_title(title)
        && separator != written
    {
        separators.insert(service.kind().to_string(), separator.to_string());
    }
}

/// `Production` -> `production`, `Staging EU` -> `staging-eu`.
pub fn env_key(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sections::parse_link;

    #[test]
    fn links_and_keys() {
        let link = parse_link("[CHANGELOG.md](./CHANGELOG.md) - Version history").unwrap();
        assert_eq!(
            (link.title.as_str(), link.path.as_str()),
            ("CHANGELOG.md", "./CHANGELOG.md")
        );
        assert_eq!(link.description.as_deref(), Some("Version history"));
        assert!(parse_link("plain text").is_none());
        assert_eq!(env_key("Staging EU"), "staging-eu");
    }
}
