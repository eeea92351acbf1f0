//! The journal's merge driver: the attribute in the ledger folder that
//! routes the journal's merges to `ledger resolve --merge-driver`, and the
//! driver in the repository's config.

use std::path::Path;

use crate::git::{GitError, GitRepo};

/// The line of the ledger folder's `.gitattributes` that routes merges.
pub const ATTRIBUTE: &str = "journal.toml merge=ledger";

/// Routes the journal's merges to `ledger resolve --merge-driver`: the
/// attribute in the ledger folder (committed with it), the driver in this
/// repository's config.
pub fn install_driver(repo: &GitRepo, ledger_dir: &Path) -> Result<(), GitError> {
    let attributes = ledger_dir.join(".gitattributes");
    let current = std::fs::read_to_string(&attributes).unwrap_or_default();
    if !current.lines().any(|l| l.trim() == ATTRIBUTE) {
        let mut text = current;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(ATTRIBUTE);
        text.push('\n');
        std::fs::write(&attributes, text).map_err(|source| GitError::Io {
            path: attributes.clone(),
            source,
        })?;
    }
    configure_driver(repo)
}

/// Defines the `ledger` merge driver in this repository's config.
pub fn configure_driver(repo: &GitRepo) -> Result<(), GitError> {
    repo.set_config(
        "merge.ledger.name",
        "ledger journal: published entries first, then this side's, re-chained",
    )?;
    repo.set_config(
        "merge.ledger.driver",
        "ledger resolve --merge-driver %O %A %B",
    )?;
    Ok(())
}
