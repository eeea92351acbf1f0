//! A declared table of the document (S3 Buckets, Lambda Functions,
//! CloudWatch Alarms...): its heading, and per column the heading, the field
//! it shows and how a value is written into a Markdown cell and read back
//! from one. `render` lays tables out through [`Table::layout`]; the
//! document importer reads them through [`Table::read`], so a table
//! imported and rendered again prints the same cells by construction. Each
//! service declares its own (`services`).

use indexmap::IndexMap;
use serde::Serialize;

use super::Column;

/// A row of a declared table: its columns `ledger` does not know are kept
/// by heading, as written.
pub trait Row: Default {
    /// The row's other columns.
    fn extra(&self) -> &IndexMap<String, String>;
    /// The row's other columns, to fill.
    fn extra_mut(&mut self) -> &mut IndexMap<String, String>;
}

/// Implements [`Row`] for structs whose other columns are in a field `extra`.
#[macro_export]
macro_rules! table_rows {
    ($($ty:ty),* $(,)?) => {$(impl $crate::document::Row for $ty {
        fn extra(&self) -> &indexmap::IndexMap<String, String> {
            &self.extra
        }
        fn extra_mut(&mut self) -> &mut indexmap::IndexMap<String, String> {
            &mut self.extra
        }
    })*};
}

/// One declared table: its kind (the key of `columns` in `ledger.toml`), its
/// heading in the document, and its columns, the key column first.
pub struct Table<T: 'static> {
    /// `s3`, `cloudfront`, `lambda`, `dynamodb`, `secrets`, `alarms`, `log_groups`.
    pub kind: &'static str,
    /// Heading in the document ("S3 Buckets").
    pub title: &'static str,
    /// Columns, the key column first.
    pub columns: &'static [Column<T>],
}

/// A printable table: its cells are Markdown, already escaped.
#[derive(Debug, Clone, Serialize)]
pub struct TableView {
    /// `s3`, `cloudfront`, `lambda`, `dynamodb`, `secrets`, `alarms` or `log_groups`.
    pub kind: String,
    /// Heading ("S3 Buckets").
    pub title: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
    /// The separator row under the headings: each cell's dashes as wide as
    /// its heading and the spaces around it, or the row an imported
    /// document wrote ([`TableView::keep_separator`]).
    pub separator: String,
}

impl TableView {
    /// The separator row `render` writes under `columns`: `|---|` cells as
    /// wide as each heading with a space either side.
    pub fn default_separator(columns: &[String]) -> String {
        let mut row = String::from("|");
        for column in columns {
            row.push_str(&"-".repeat(column.chars().count() + 2));
            row.push('|');
        }
        row
    }

    /// Takes the separator row a document wrote (kept at import), when it
    /// has one cell per column.
    pub fn keep_separator(&mut self, written: Option<&String>) {
        let Some(written) = written else {
            return;
        };
        let cells = written.trim().trim_matches('|').split('|').count();
        if cells == self.columns.len() {
            self.separator = written.clone();
        }
    }
}

impl<T: Row> Table<T> {
    /// The heading of the key column, which a table of this kind must have.
    pub fn key_heading(&self) -> &'static str {
        self.columns.first().map_or("", |c| c.heading)
    }

    /// Lays out `items`. With `order` (kept from an imported document),
    /// exactly those columns in that order; else the columns shown always
    /// or having a value, then the other columns rows carry. A declared
    /// column with a value wins over a row's other column of the same
    /// heading (kept from an imported cell that did not fit the column, it
    /// stands in only while the column has no value: what a snapshot reads
    /// is never hidden by it); for the key column, the cell as written wins.
    pub fn layout(&self, items: &[T], order: Option<&Vec<String>>) -> TableView {
        let headings: Vec<String> = match order {
            Some(order) => order.clone(),
            None => self.default_headings(items),
        };
        let cell = |item: &T, heading: &str| -> String {
            let column = self.columns.iter().find(|c| c.heading == heading);
            let kept = item.extra().get(heading).cloned();
            // A key cell that did not fit is the row's name as written.
            if column.is_some_and(Column::is_key) && kept.is_some() {
                return kept.unwrap_or_default();
            }
            column
                .and_then(|c| c.show(item))
                .or(kept)
                .unwrap_or_else(|| "-".into())
        };
        TableView {
            kind: self.kind.into(),
            title: self.title.into(),
            rows: items
                .iter()
                .map(|item| headings.iter().map(|h| cell(item, h)).collect())
                .collect(),
            separator: TableView::default_separator(&headings),
            columns: headings,
        }
    }

    fn default_headings(&self, items: &[T]) -> Vec<String> {
        let mut headings: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.always || items.iter().any(|item| c.show(item).is_some()))
            .map(|c| c.heading.to_string())
            .collect();
        for item in items {
            for heading in item.extra().keys() {
                if !headings.contains(heading) {
                    headings.push(heading.clone());
                }
            }
        }
        headings
    }

    /// Reads a table's rows (every row as wide as `header`). A cell of an
    /// unknown column, or one that would not print back the same, is kept
    /// as written under its heading. None when the header lacks the key
    /// column: it is not a table of this kind.
    pub fn read(&self, header: &[String], rows: &[Vec<String>]) -> Option<Vec<T>> {
        if !header.iter().any(|h| h == self.key_heading()) {
            return None;
        }
        let items = rows
            .iter()
            .map(|row| {
                let mut item = T::default();
                for (heading, cell) in header.iter().zip(row) {
                    let known = self
                        .columns
                        .iter()
                        .find(|c| c.heading == heading)
                        .is_some_and(|c| c.read(&mut item, cell));
                    if !known {
                        item.extra_mut().insert(heading.clone(), cell.clone());
                    }
                }
                item
            })
            .collect();
        Some(items)
    }
}
