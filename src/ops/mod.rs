//! The operations: record, rollback, reconcile, snapshot, discover, sync, resolve,
//! import, verify, void, lock, render, and the reads (`log`, `show`,
//! `live`, `history`, `diff`, `status`). Each takes resolved settings
//! (plain structs the command layer builds once from the flags,
//! `ledger.toml` and the environment) and returns a report; the command
//! layer prints it. An operation speaks only through the [`Ui`] it is
//! given, for diagnostics on stderr (a note, a warning, progress).
//!
//! [`Ui`]: crate::ui::Ui

mod error;
pub mod workspace;

pub mod checkpoint;
pub mod discover;
pub mod import;
pub mod init;
pub mod lock;
pub mod query;
pub mod reconcile;
pub mod record;
pub mod render;
pub mod resolve;
pub mod rollback;
pub mod session;
pub mod snapshot;
pub mod store;
pub mod sync;
pub mod verify;
pub mod void;

pub use error::{Context, Error, Result};
pub use workspace::Workspace;

/// The version of every `--format json` shape (docs/json.md). It changes
/// only when a field changes meaning or goes away; fields may be added
/// within a version.
pub const JSON_SCHEMA: u32 = 1;
