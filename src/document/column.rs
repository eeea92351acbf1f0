//! One column of a declared table: the field it shows, and the one cell
//! format that both writes the field into a Markdown cell and reads it back.

use super::cell::{code_cell, code_list, table_cell, uncode, uncode_list, untable};

/// A column: its heading, whether it is shown when no row has a value, and
/// its field with the cell format.
pub struct Column<T> {
    /// Heading in the document.
    pub heading: &'static str,
    /// Shown even when no row has a value (the key, Last Deploy).
    pub always: bool,
    field: Field<T>,
}

/// How a field is written in a cell.
enum Field<T> {
    /// The row's name, as a code span (`` `picassocode` ``) or as text.
    Key {
        get: fn(&T) -> &str,
        set: fn(&mut T, String),
        code: bool,
    },
    /// Optional text: escaped for a table cell, `-` when unset.
    Text {
        get: fn(&T) -> Option<&str>,
        slot: fn(&mut T) -> &mut Option<String>,
    },
    /// Optional text shown as a code span, `-` when unset.
    Code {
        get: fn(&T) -> Option<&str>,
        slot: fn(&mut T) -> &mut Option<String>,
    },
    /// Optional Markdown, written as it is (a cell built by `ledger`).
    Markdown {
        get: fn(&T) -> Option<&str>,
        slot: fn(&mut T) -> &mut Option<String>,
    },
    /// A yes/no value in the two words of its column.
    Flag {
        get: fn(&T) -> Option<bool>,
        slot: fn(&mut T) -> &mut Option<bool>,
        yes: &'static str,
        no: &'static str,
    },
    /// Names as code spans joined by `, `; `-` for none.
    CodeList {
        get: fn(&T) -> Option<&[String]>,
        slot: fn(&mut T) -> &mut Option<Vec<String>>,
    },
}

impl<T> Column<T> {
    /// The key column, its value as a code span.
    pub const fn code_key(
        heading: &'static str,
        get: fn(&T) -> &str,
        set: fn(&mut T, String),
    ) -> Self {
        Self::new(
            heading,
            true,
            Field::Key {
                get,
                set,
                code: true,
            },
        )
    }

    /// The key column, its value as text.
    pub const fn text_key(
        heading: &'static str,
        get: fn(&T) -> &str,
        set: fn(&mut T, String),
    ) -> Self {
        Self::new(
            heading,
            true,
            Field::Key {
                get,
                set,
                code: false,
            },
        )
    }

    /// An optional text column.
    pub const fn text(
        heading: &'static str,
        get: fn(&T) -> Option<&str>,
        slot: fn(&mut T) -> &mut Option<String>,
    ) -> Self {
        Self::new(heading, false, Field::Text { get, slot })
    }

    /// An optional code-span column.
    pub const fn code(
        heading: &'static str,
        get: fn(&T) -> Option<&str>,
        slot: fn(&mut T) -> &mut Option<String>,
    ) -> Self {
        Self::new(heading, false, Field::Code { get, slot })
    }

    /// A column of Markdown that `ledger` builds itself (a code span and a day).
    pub const fn markdown(
        heading: &'static str,
        get: fn(&T) -> Option<&str>,
        slot: fn(&mut T) -> &mut Option<String>,
    ) -> Self {
        Self::new(heading, false, Field::Markdown { get, slot })
    }

    /// A yes/no column written `yes` or `no`.
    pub const fn flag(
        heading: &'static str,
        get: fn(&T) -> Option<bool>,
        slot: fn(&mut T) -> &mut Option<bool>,
        (yes, no): (&'static str, &'static str),
    ) -> Self {
        Self::new(heading, false, Field::Flag { get, slot, yes, no })
    }

    /// A list of names as code spans.
    pub const fn code_list(
        heading: &'static str,
        get: fn(&T) -> Option<&[String]>,
        slot: fn(&mut T) -> &mut Option<Vec<String>>,
    ) -> Self {
        Self::new(heading, false, Field::CodeList { get, slot })
    }

    /// The same column, shown even when no row has a value.
    pub const fn always(mut self) -> Self {
        self.always = true;
        self
    }

    const fn new(heading: &'static str, always: bool, field: Field<T>) -> Self {
        Column {
            heading,
            always,
            field,
        }
    }

    /// Whether this is the key column (the row's name).
    pub fn is_key(&self) -> bool {
        matches!(self.field, Field::Key { .. })
    }

    /// The cell for `item`, or None when it has no value.
    pub fn show(&self, item: &T) -> Option<String> {
        match &self.field {
            Field::Key {
                get, code: true, ..
            } => Some(code_cell(get(item))),
            Field::Key { get, .. } => Some(table_cell(get(item))),
            Field::Text { get, .. } => get(item).map(table_cell),
            Field::Code { get, .. } => get(item).map(code_cell),
            Field::Markdown { get, .. } => get(item).map(str::to_string),
            Field::Flag { get, yes, no, .. } => {
                get(item).map(|v| (if v { yes } else { no }).to_string())
            }
            Field::CodeList { get, .. } => get(item).map(code_list),
        }
    }

    /// Sets the field from `cell`; false when the cell would not print back
    /// the same (the caller then keeps it as written).
    pub fn read(&self, item: &mut T, cell: &str) -> bool {
        match &self.field {
            Field::Key { set, code, .. } => {
                let value = if *code { uncode(cell) } else { untable(cell) };
                let again = if *code {
                    code_cell(&value)
                } else {
                    table_cell(&value)
                };
                set(item, value);
                again == cell
            }
            Field::Text { slot, .. } => {
                let value = dash_or(cell, untable);
                let again = value.as_deref().map_or_else(|| "-".into(), table_cell);
                store(slot(item), value, again == cell)
            }
            Field::Code { slot, .. } => {
                let value = dash_or(cell, uncode);
                let again = value.as_deref().map_or_else(|| "-".into(), code_cell);
                store(slot(item), value, again == cell)
            }
            Field::Markdown { slot, .. } => {
                *slot(item) = dash_or(cell, str::to_string);
                true
            }
            Field::Flag { slot, yes, no, .. } => {
                let value = match cell {
                    "-" => None,
                    c if c == *yes => Some(true),
                    c if c == *no => Some(false),
                    _ => return false,
                };
                *slot(item) = value;
                true
            }
            Field::CodeList { slot, .. } => {
                let names = uncode_list(cell);
                let ok = code_list(&names) == cell;
                store(slot(item), Some(names), ok)
            }
        }
    }
}

/// Stores `value` only when its cell prints back the same.
fn store<V>(slot: &mut Option<V>, value: Option<V>, prints_back: bool) -> bool {
    if prints_back {
        *slot = value;
    }
    prints_back
}

/// None for `-`, else the cell read by `read`.
fn dash_or(cell: &str, read: impl Fn(&str) -> String) -> Option<String> {
    (cell != "-").then(|| read(cell))
}
