//! `ledger init`: a starting configuration and an empty journal, the
//! folder's `.gitignore`, and the journal's merge driver.

use std::fs;
use std::path::PathBuf;

use super::workspace::shown;
use super::{Context as _, Result, Workspace};
use crate::config::STARTER;
use crate::journal::{self, Journal, LOCK_FILE};
use crate::refuse;

/// What `init` made.
#[derive(Debug, Clone)]
pub struct Initialised {
    /// `ledger.toml`.
    pub config: PathBuf,
    /// The journal.
    pub journal: PathBuf,
    /// Whether the folder is inside a git repository (the merge driver was
    /// installed there).
    pub in_repository: bool,
}

/// Creates the ledger folder of `workspace`; refuses one that holds a ledger.
pub fn run(workspace: &Workspace) -> Result<Initialised> {
    let dir = &workspace.ledger_dir;
    let config = workspace.config_path();
    let journal = Journal::path_in(dir);
    for existing in [&config, &journal] {
        if existing.exists() {
            refuse!(
                "{} already exists: this folder already holds a ledger; nothing was changed",
                shown(existing)
            );
        }
    }
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", shown(dir)))?;
    journal::create_empty(dir)?;
    fs::write(&config, STARTER).with_context(|| format!("cannot write {}", shown(&config)))?;
    let in_repository = complete_folder(workspace)?;
    Ok(Initialised {
        config,
        journal,
        in_repository,
    })
}

/// What a ledger folder needs beside its files, whoever made it (`init`,
/// `import`): the `.gitignore` and, inside a repository, the journal's
/// merge driver. Returns whether the folder is inside a repository. Leaves
/// what is already there.
pub(crate) fn complete_folder(workspace: &Workspace) -> Result<bool> {
    let dir = &workspace.ledger_dir;
    write_ignore(dir)?;
    let repo = workspace.repo_if_any();
    if let Some(repo) = &repo {
        crate::store::git::driver::install_driver(repo, dir)?;
    }
    Ok(repo.is_some())
}

/// `.gitignore` in the ledger folder: the lock, temporaries and caches.
fn write_ignore(dir: &std::path::Path) -> Result<()> {
    let ignore = dir.join(".gitignore");
    if ignore.exists() {
        return Ok(());
    }
    let text = format!(
        "{LOCK_FILE}\n{}.tmp.*\n{}/*.tmp.*\n.cache/\n{}\n{}\n",
        journal::JOURNAL_FILE,
        journal::segment::SEGMENT_DIR,
        crate::store::s3::PROBED_FILE,
        crate::store::s3::SYNCED_FILE
    );
    fs::write(&ignore, text).with_context(|| format!("cannot write {}", shown(&ignore)))
}
