//! Bringing existing history into the ledger as entries marked `imported`.
//! [`git_tags`] turns a repository's release tags into release entries.

pub mod changelog;
pub mod document;
pub mod git_tags;

pub use document::ImportError;

/// Normalises a Markdown document for comparison: trailing whitespace
/// dropped, table cells trimmed, separator rows reduced to `---`. Two
/// documents equal after this differ only in table padding and trailing
/// whitespace.
pub fn normalise_markdown(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.trim_end();
            if line.starts_with('|') && line.ends_with('|') && line.len() > 1 {
                let cells: Vec<String> = crate::document::markdown::split_row(line)
                    .into_iter()
                    .map(|c| {
                        if !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':') {
                            "---".to_string()
                        } else {
                            c
                        }
                    })
                    .collect();
                format!("|{}|", cells.join("|"))
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}
