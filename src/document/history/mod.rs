//! The deployment history's blocks: how one deploy, rollback or correction
//! reads in the version document. [`write`] prints an entry's block for the
//! renderer (the built-in template includes the joined blocks) and
//! [`read_heading`] and [`read_part`] read a block back for the importer,
//! side by side, so that the two cannot drift apart.
//!
//! A block, as the template wrote it before it moved here:
//!
//! ```text
//!
//! ### 2025-01-15 - Production Deploy v1.2.0
//!
//! **Commit**: `abc1234`
//! **Deployed By**: alice
//! **Build Time**: 2025-01-15T10:00:00Z
//!
//! **Files Deployed**:
//! | File | Size | Content-Type |
//! |------|------|--------------|
//! | `index.html` | 1.2 KB | text/html |
//!
//! **CloudFront Invalidation**: `I2J3K4` (Completed)
//!
//! **Changes**:
//! - Fixed the login page
//!
//! ---
//! ```

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::{Heading, Part, PinReader, read_heading, read_part};
pub use write::write;

/// The heading of the files table a block writes, cell by cell.
const FILES_HEADER: [&str; 3] = ["File", "Size", "Content-Type"];

/// What a block shows beyond the entry itself: what the configuration and
/// the entries before it say.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockFacts<'a> {
    /// The environment's display name (`Production`).
    pub env_name: &'a str,
    /// For a rollback: the version of the entry it restored.
    pub restores_version: Option<&'a str>,
    /// For a correction: the summary line of the entry it voids.
    pub voids_summary: Option<&'a str>,
    /// The pinning services' blocks, in the registry's order.
    pub pins: &'a [PinBlock],
}

/// One service's pins as a deploy block prints them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PinBlock {
    /// Its heading (`Lambda Versions`).
    pub title: &'static str,
    /// Its lines, Markdown without the bullet.
    pub lines: Vec<String>,
}
