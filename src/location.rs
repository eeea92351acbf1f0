//! Positions in files the user edits: turning a TOML parser's byte span into
//! `file:line:column` so that every input error says where it is.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem at a place in a text file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Located {
    /// The file that holds the problem.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters), when known.
    pub column: Option<usize>,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl Located {
    /// Builds a location from a byte offset into `text`.
    pub fn at_offset(path: &Path, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_column(text, offset);
        Located {
            path: path.to_path_buf(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }

    /// Builds a location from a 1-based line number.
    pub fn at_line(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Located {
            path: path.to_path_buf(),
            line: Some(line),
            column: None,
            message: message.into(),
        }
    }

    /// Converts a TOML parse or type error into a located one.
    pub fn from_toml(path: &Path, text: &str, error: &toml::de::Error) -> Self {
        let mut message = error.message().trim().to_string();
        // A text that breaks off mid-value (`key =` and nothing after) gets
        // no message, or one about the missing value's form, at its end.
        let rest = text.trim_end();
        let cut_off =
            rest.ends_with('=') && (error.span()).is_some_and(|span| span.start >= rest.len());
        if message.is_empty() || cut_off {
            message = "the text ends in the middle of a value (was a write cut off?)".into();
        }
        match error.span() {
            Some(span) => Located::at_offset(path, text, span.start, message),
            None => Located {
                path: path.to_path_buf(),
                line: None,
                column: None,
                message,
            },
        }
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// The bytes of `path` as text, or where they stop being UTF-8: the line,
/// column and byte offset of the first invalid byte.
pub fn decode_utf8(path: &Path, bytes: Vec<u8>) -> Result<String, Located> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        Located::at_offset(
            path,
            &prefix,
            valid,
            format!(
                "not UTF-8 text: invalid byte 0x{:02x} at byte offset {valid}",
                e.as_bytes()[valid]
            ),
        )
    })
}

/// Byte offset of the value at `keys` (table names, then the key) in a
/// TOML text, as the parser saw it.
pub fn value_offset(text: &str, keys: &[&str]) -> Option<usize> {
    let document = toml_edit::ImDocument::parse(text).ok()?;
    let mut item = document.as_item();
    for key in keys {
        item = item.get(key)?;
    }
    item.span().map(|span| span.start)
}

/// Byte offset of item `index` of the array (of tables) at `keys`, or of
/// the key `field` inside it when it has one, in a TOML text.
pub fn item_offset(text: &str, keys: &[&str], index: usize, field: Option<&str>) -> Option<usize> {
    let document = toml_edit::ImDocument::parse(text).ok()?;
    let mut item = document.as_item();
    for key in keys {
        item = item.get(key)?;
    }
    let element = match item {
        toml_edit::Item::ArrayOfTables(tables) => {
            let table = tables.get(index)?;
            if let Some((key, _)) = field.and_then(|f| table.get_key_value(f)) {
                return key.span().map(|span| span.start);
            }
            return table.span().map(|span| span.start);
        }
        toml_edit::Item::Value(toml_edit::Value::Array(array)) => array.get(index)?,
        _ => return item.span().map(|span| span.start),
    };
    if let (Some(field), toml_edit::Value::InlineTable(table)) = (field, element)
        && let Some((key, _)) = table.get_key_value(field)
    {
        return key.span().map(|span| span.start);
    }
    element.span().map(|span| span.start)
}

/// 1-based (line, column) of a byte offset; offsets past the end clamp to it.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message `from_toml` gives for `text` parsed as a table with a
    /// required `format` key.
    fn toml_message(text: &str) -> String {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Doc {
            format: i64,
        }
        let error = toml::from_str::<Doc>(text).unwrap_err();
        Located::from_toml(Path::new("f.toml"), text, &error).to_string()
    }

    #[test]
    fn a_text_cut_off_after_a_key_is_named_so_and_others_keep_the_parsers_words() {
        let cut = toml_message("format = 1\n\n[[entry]]\nseq = ");
        assert!(
            cut.starts_with("f.toml:4:7: the text ends in the middle"),
            "{cut}"
        );
        let empty = toml_message("");
        assert!(empty.contains("missing field `format`"), "{empty}");
        let blank = toml_message("\n\n");
        assert!(blank.contains("missing field `format`"), "{blank}");
        let open_string = toml_message("format = \"1");
        assert!(!open_string.contains("the text ends"), "{open_string}");
    }

    #[test]
    fn offsets_map_to_lines_and_columns() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 4));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let err = decode_utf8(Path::new("j.toml"), b"a = 1\nb = \"\xff\"\n".to_vec()).unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(6)));
        assert!(
            err.message.contains("0xff at byte offset 11"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_text_cut_mid_value_says_so() {
        let text = "format = 1\n\n[[entry]]\nseq = ";
        let err = toml::from_str::<toml::Table>(text).unwrap_err();
        let located = Located::from_toml(Path::new("j.toml"), text, &err);
        assert!(!located.message.is_empty());
        assert_eq!(located.line, Some(4));
    }

    #[test]
    fn toml_errors_carry_the_line() {
        let text = "[project]\ntitle = \"x\"\nbroken = \n";
        let err = toml::from_str::<toml::Table>(text).unwrap_err();
        let located = Located::from_toml(Path::new("ledger.toml"), text, &err);
        assert_eq!(located.line, Some(3));
        assert!(located.to_string().starts_with("ledger.toml:3:"));
    }
}
