//! Where the journal of record is kept: the ledger folder alone, a git
//! remote it is shared through, or an S3 store (one object per entry). One
//! trait; the local implementation is here, the remote ones in `store`.
//! Appends go through it, so that a command never asks which it is.

use std::path::PathBuf;

use super::{Appender, Entry, JournalError, JournalLock};
use crate::ui::Ui;

/// What went wrong keeping the journal where it is kept.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The local journal.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// What was asked cannot be done where the journal is kept (the
    /// message says why and what to do); nothing was changed.
    #[error("{0}")]
    Refused(String),
    /// The remote's own error, whole.
    #[error(transparent)]
    Remote(Box<dyn std::error::Error + Send + Sync>),
    /// The remote's own error, one that running again may get past (the
    /// network, a busy remote, other writers winning a race).
    #[error(transparent)]
    RemoteRetryable(Box<dyn std::error::Error + Send + Sync>),
}

impl StorageError {
    /// The remote's error, said to be worth a retry or not.
    pub fn remote(error: impl std::error::Error + Send + Sync + 'static, retryable: bool) -> Self {
        match retryable {
            true => StorageError::RemoteRetryable(Box::new(error)),
            false => StorageError::Remote(Box::new(error)),
        }
    }

    /// Whether running again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StorageError::RemoteRetryable(_))
    }
}

/// What `ledger sync` was asked.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    /// The git remote (`origin`).
    pub remote: String,
    /// The branch that holds the journal (default: the current one).
    pub branch: Option<String>,
    /// Pushes to try before giving up when others keep pushing.
    pub attempts: u32,
    /// The documents `ledger render` writes (a sync may carry them).
    pub documents: Vec<String>,
    /// What signs again the local entries a sync puts after the remote's.
    pub signer: Option<crate::signing::Signer>,
}

/// What a sync did.
#[derive(Debug, Clone, Default)]
pub struct Synced {
    /// Where the journal of record is.
    pub with: String,
    /// Entries recorded here and published there.
    pub published: usize,
    /// Entries recorded elsewhere and brought here.
    pub received: usize,
    /// Entries the local journal holds now.
    pub total: usize,
    /// The remote's commit now, when there is one.
    pub at: Option<String>,
}

/// Where the journal of record is kept.
pub trait Storage {
    /// It, for messages (`the journal in ledger`, `origin/main`, `s3://b/p`).
    fn name(&self) -> String;
    /// Brings the local journal up to date with the journal of record,
    /// under `lock`; how many entries came.
    fn refresh(&self, lock: &JournalLock) -> Result<usize, StorageError>;
    /// Appends `entry` to the journal of record and to the local journal
    /// through `appender` (opened under `lock`, after a refresh).
    fn append(
        &self,
        lock: &JournalLock,
        appender: &mut Appender,
        entry: Entry,
    ) -> Result<Entry, StorageError>;
    /// Publishes the entries recorded here after those others published,
    /// and brings theirs here.
    fn sync(&self, request: &SyncRequest, ui: &Ui) -> Result<Synced, StorageError>;
}

/// A journal kept in the ledger folder alone.
#[derive(Debug, Clone)]
pub struct Local {
    /// The ledger folder.
    pub dir: PathBuf,
}

impl Storage for Local {
    fn name(&self) -> String {
        format!("the journal in {}", self.dir.display())
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

    fn sync(&self, _: &SyncRequest, _: &Ui) -> Result<Synced, StorageError> {
        Err(StorageError::Refused(format!(
            "{} is not inside a git repository and no [store] is configured: there is \
             nowhere to sync with (commit the ledger to a repository with a remote, or \
             configure [store] url = \"s3://...\" in ledger.toml)",
            self.dir.display()
        )))
    }
}
