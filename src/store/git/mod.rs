//! The git remote as the ledger's shared store: entries are appended to the
//! local journal, and `ledger sync` publishes them on the remote branch
//! after the entries others published ([`sync`]), through a commit over the
//! remote's tip. The network half goes through the `git` command
//! ([`remote`]); the journal's merges, through `ledger resolve`
//! ([`driver`]).

pub mod driver;
pub mod remote;
pub mod sync;

use std::path::PathBuf;

use crate::git::GitRepo;
use crate::journal::{Appender, Entry, JournalLock, Storage, StorageError, SyncRequest, Synced};
use crate::ui::Ui;

/// A journal shared through a git remote: the local journal is the one
/// appends write; the remote branch is where `sync` publishes it.
#[derive(Debug, Clone)]
pub struct GitStorage {
    /// The ledger folder.
    pub ledger_dir: PathBuf,
    /// The repository's working tree.
    pub repo_dir: PathBuf,
}

impl Storage for GitStorage {
    fn name(&self) -> String {
        format!(
            "the journal in {} (shared by git)",
            self.ledger_dir.display()
        )
    }

    fn refresh(&self, _: &JournalLock) -> Result<usize, StorageError> {
        Ok(0)
    }

    fn append(
        &self,
        lock: &JournalLock,
        appender: &mut Appender,
        entry: Entry,
    ) -> Result<Entry, StorageError> {
        Ok(lock.append(appender, entry)?)
    }

    fn sync(&self, request: &SyncRequest, ui: &Ui) -> Result<Synced, StorageError> {
        let repo = GitRepo::discover(&self.repo_dir).map_err(|e| StorageError::remote(e, false))?;
        sync::sync(&self.ledger_dir, &repo, request, ui).map_err(|e| match e {
            sync::SyncError::Journal(e) => StorageError::Journal(e),
            sync::SyncError::Refused(message) => StorageError::Refused(message),
            other => {
                let retryable = other.is_retryable();
                StorageError::remote(other, retryable)
            }
        })
    }
}
