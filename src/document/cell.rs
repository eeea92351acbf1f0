//! One Markdown table cell, written and read back: the encoders the
//! template filters and the table declarations use, and beside each its
//! decoder, which the importer uses. Each pair is tested as inverses.

/// Escapes text for a GFM table cell: `|` becomes `\|`, line breaks `<br>`.
pub fn table_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_cell(&mut out, text);
    out
}

/// The text of a [`table_cell`]: `\|` is `|`.
pub fn untable(cell: &str) -> String {
    cell.replace("\\|", "|")
}

/// [`table_cell`], appended to `out`. The characters it escapes are ASCII,
/// so the text is copied in runs between them, not a character at a time
/// (half a million cells in a long ledger's document).
fn push_cell(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['|', '\r', '\n']) {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        match after.as_bytes()[0] {
            // A `|` already escaped is left as it is.
            b'|' if before.ends_with('\\') => out.push('|'),
            b'|' => out.push_str("\\|"),
            b'\n' => out.push_str("<br>"),
            _ => {}
        }
        rest = &after[1..];
    }
    out.push_str(rest);
}

/// Inline code for a table cell: `` `text` ``, with a longer fence when the
/// text holds backticks, and `|` escaped.
pub fn code_cell(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    let mut out = String::with_capacity(text.len() + 2 * (fence.len() + pad.len()));
    out.push_str(&fence);
    out.push_str(pad);
    push_cell(&mut out, text);
    out.push_str(pad);
    out.push_str(&fence);
    out
}

/// The text of an inline code cell (`` `x` `` -> `x`), or the cell as it is.
pub fn uncode(cell: &str) -> String {
    let trimmed = cell.trim();
    let ticks = trimmed.chars().take_while(|c| *c == '`').count();
    if ticks > 0 && trimmed.len() > 2 * ticks && trimmed.ends_with(&"`".repeat(ticks)) {
        let inner = &trimmed[ticks..trimmed.len() - ticks];
        let inner = if ticks > 1 {
            inner
                .strip_prefix(' ')
                .and_then(|i| i.strip_suffix(' '))
                .unwrap_or(inner)
        } else {
            inner
        };
        untable(inner)
    } else {
        untable(trimmed)
    }
}

/// Names as code spans joined by `, `; `-` for none.
pub fn code_list(names: &[String]) -> String {
    if names.is_empty() {
        return "-".into();
    }
    names
        .iter()
        .map(|n| code_cell(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names of a [`code_list`] cell.
pub fn uncode_list(cell: &str) -> Vec<String> {
    match cell {
        "-" => Vec::new(),
        _ => cell.split(", ").map(uncode).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_escaped() {
        assert_eq!(table_cell("a|b"), r"a\|b");
        assert_eq!(table_cell(r"a\|b"), r"a\|b");
        assert_eq!(table_cell("a\nb"), "a<br>b");
        assert_eq!(code_cell("x|y"), r"`x\|y`");
        assert_eq!(code_cell("a`b"), "``a`b``");
    }

    /// The escaping as first written, a character at a time.
    fn cell_one_char_at_a_time(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'|') => {
                    out.push_str("\\|");
                    chars.next();
                }
                '|' => out.push_str("\\|"),
                '\r' => {}
                '\n' => out.push_str("<br>"),
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn cells_escape_as_one_character_at_a_time_would() {
        for text in [
            "", "|", "\\", "\\|", "\\||", "|\\|", "\\\\|", "\\\n|", "a\r\nb", "\r", "é|ü\n", "x\\",
            "`|`", "a||b",
        ] {
            assert_eq!(table_cell(text), cell_one_char_at_a_time(text), "{text:?}");
            let fence = if text.contains('`') { "``" } else { "`" };
            let pad = if text.starts_with('`') || text.ends_with('`') {
                " "
            } else {
                ""
            };
            assert_eq!(
                code_cell(text),
                cell_one_char_at_a_time(&format!("{fence}{pad}{text}{pad}{fence}")),
                "{text:?}"
            );
        }
    }

    /// Texts a cell holds on one line (a line break is written `<br>`,
    /// which reads back as itself: documents keep what they wrote).
    const ONE_LINE: [&str; 12] = [
        "",
        "widget.js",
        "a|b",
        "a || b",
        "`x`",
        "a`b",
        "``",
        "Python 3.13",
        "é|ü",
        " padded ",
        "tail|",
        "|head",
    ];

    #[test]
    fn each_decoder_inverts_its_encoder() {
        for text in ONE_LINE {
            // A text holding `\|` itself is written so and read back as `|`:
            // the one spelling a cell cannot tell apart.
            assert_eq!(untable(&table_cell(text)), text, "table cell {text:?}");
            if !text.is_empty() && text.trim() == text {
                assert_eq!(uncode(&code_cell(text)), text, "code cell {text:?}");
            }
        }
        let names: Vec<String> = ["a", "b|c", "d`e"].map(String::from).to_vec();
        assert_eq!(uncode_list(&code_list(&names)), names);
        assert_eq!(uncode_list(&code_list(&[])), Vec::<String>::new());
    }
}
