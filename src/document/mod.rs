//! The document codec: every table and block of the version document is
//! declared once, and the template (through the context) and the importer
//! both take that declaration, so that a document imported and rendered
//! again prints the same bytes by construction. The cells' encoding and
//! decoding sit side by side ([`cell`]); a table is a [`Table`] of
//! [`Column`]s over its rows.

pub mod cell;
mod column;
pub mod format;
pub mod history;
pub mod markdown;
mod table;

pub use column::Column;
pub use table::{Row, Table, TableView};
