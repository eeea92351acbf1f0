//! Markdown structure for importers: comrak parses the document (GFM
//! tables on), and this module hands back its top-level blocks with their
//! exact source text, table rows split into raw cells, and list items.

use comrak::nodes::NodeValue;
use comrak::{Arena, Options, parse_document};

/// What a top-level block is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockKind {
    /// A heading of this level, with its text.
    Heading(u8, String),
    /// A paragraph.
    Paragraph,
    /// A GFM table.
    Table,
    /// A bullet or ordered list, with each item's source (markers removed).
    List(Vec<String>),
    /// A fenced or indented code block, with its info string and content.
    Code(String, String),
    /// A thematic break (`---`).
    Break,
    /// Anything else (HTML, block quotes...), kept as text.
    Other,
}

/// One top-level block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// What it is.
    pub kind: BlockKind,
    /// First line, 1-based.
    pub start: usize,
    /// Last line, 1-based.
    pub end: usize,
    /// Its exact source lines.
    pub text: String,
}

fn options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options
}

/// The document's top-level blocks, in order.
pub fn blocks(source: &str) -> Vec<Block> {
    let lines: Vec<&str> = source.lines().collect();
    let slice = |start: usize, end: usize| -> String {
        let end = end.min(lines.len());
        if start == 0 || start > end {
            return String::new();
        }
        lines[start - 1..end].join("\n")
    };
    let arena = Arena::new();
    let root = parse_document(&arena, source, &options());
    let mut blocks = Vec::new();
    for node in root.children() {
        let data = node.data();
        let (start, end) = (data.sourcepos.start.line, data.sourcepos.end.line);
        let text = slice(start, end);
        let kind = match &data.value {
            NodeValue::Heading(heading) => {
                let title = text
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_start_matches('#')
                    .trim_end_matches('#')
                    .trim()
                    .to_string();
                BlockKind::Heading(heading.level, title)
            }
            NodeValue::Paragraph => BlockKind::Paragraph,
            NodeValue::Table(_) => BlockKind::Table,
            NodeValue::ThematicBreak => BlockKind::Break,
            NodeValue::CodeBlock(code) => BlockKind::Code(code.info.clone(), code.literal.clone()),
            NodeValue::List(_) => {
                let items = node
                    .children()
                    .map(|item| {
                        let pos = item.data().sourcepos;
                        strip_marker(&slice(pos.start.line, pos.end.line))
                    })
                    .collect();
                BlockKind::List(items)
            }
            _ => BlockKind::Other,
        };
        blocks.push(Block {
            kind,
            start,
            end,
            text,
        });
    }
    blocks
}

/// An item's text without its list marker (`- `, `* `, `+ `, `1. `).
fn strip_marker(item: &str) -> String {
    let trimmed = item.trim_start();
    let rest = if let Some(rest) = trimmed
        .strip_prefix("- ")
        .or_else(|| trimmed.strip_prefix("* "))
        .or_else(|| trimmed.strip_prefix("+ "))
    {
        rest
    } else {
        let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
        match trimmed[digits..]
            .strip_prefix(". ")
            .or_else(|| trimmed[digits..].strip_prefix(") "))
        {
            Some(rest) if digits > 0 => rest,
            _ => trimmed,
        }
    };
    rest.trim_end().to_string()
}

/// A table's rows as raw cell text (Markdown, `\|` kept escaped), the
/// header first, the delimiter row left out.
pub fn table_rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .enumerate()
        .filter(|(index, _)| *index != 1)
        .map(|(_, line)| split_row(line))
        .collect()
}

/// Splits a GFM table row on unescaped pipes; the outer pipes are optional.
pub fn split_row(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push_str("\\|");
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cell).trim().to_string()),
            c => cell.push(c),
        }
    }
    if !cell.trim().is_empty() {
        cells.push(cell.trim().to_string());
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::cell::uncode;

    #[test]
    fn rows_split_on_unescaped_pipes() {
        assert_eq!(split_row("| `a` | b \\| c | d |"), ["`a`", "b \\| c", "d"]);
        assert_eq!(split_row("a | b"), ["a", "b"]);
        assert_eq!(uncode("`x\\|y`"), "x|y");
        assert_eq!(uncode("``a`b``"), "a`b");
        assert_eq!(uncode("plain"), "plain");
    }

    #[test]
    fn blocks_keep_their_source() {
        let doc = "# T\n\nSome *text*\nmore.\n\n**Files**:\n| A | B |\n|---|---|\n| 1 | 2 |\n\n- one\n  two\n- three\n\n---\n";
        let blocks = blocks(doc);
        let kinds: Vec<&BlockKind> = blocks.iter().map(|b| &b.kind).collect();
        assert_eq!(kinds[0], &BlockKind::Heading(1, "T".into()));
        assert_eq!(blocks[1].text, "Some *text*\nmore.");
        assert!(matches!(kinds.last(), Some(BlockKind::Break)));
        let list = blocks.iter().find_map(|b| match &b.kind {
            BlockKind::List(items) => Some(items.clone()),
            _ => None,
        });
        assert_eq!(list.unwrap(), ["one\n  two", "three"]);
        assert!(
            blocks.iter().any(|b| b.kind == BlockKind::Table),
            "{blocks:?}"
        );
    }
}
