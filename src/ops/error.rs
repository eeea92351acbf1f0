//! What an operation can fail with: a refusal in its own words (the
//! request cannot be carried out as asked, and nothing was changed), or an
//! error of a room below it, each keeping its own message and cause chain.

use crate::aws::AwsError;
use crate::config::ConfigError;
use crate::git::GitError;
use crate::journal::JournalError;
use crate::model::RefError;
use crate::model::audit::LiveError;
use crate::render::RenderError;
use crate::store::s3::StoreError;
use crate::store::{MergeError, git::remote::RemoteError};

/// Why an operation did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request cannot be carried out as asked (a locked environment, a
    /// version recorded already, a stale plan...): the message says why
    /// and what to do.
    #[error("{0}")]
    Refused(String),
    /// `ledger.toml`.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The journal.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The repository.
    #[error(transparent)]
    Git(#[from] GitError),
    /// AWS.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The S3 store of record.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The git remote.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// Entries that cannot be merged.
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// A reference to an entry.
    #[error(transparent)]
    Ref(#[from] RefError),
    /// A question about an instant.
    #[error(transparent)]
    Live(#[from] LiveError),
    /// A template.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A document being imported.
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    /// Where the journal of record is kept.
    #[error(transparent)]
    Storage(#[from] crate::journal::StorageError),
    /// Reading or writing a file the operation names.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A signing key or an allowed-signers file.
    #[error(transparent)]
    Signing(#[from] crate::signing::SigningError),
    /// An allowed-signers file.
    #[error(transparent)]
    Allowed(#[from] crate::signing::allowed::AllowedError),
    /// An error with what was being done when it happened.
    #[error("{context}")]
    Context {
        /// What was being done.
        context: String,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
}

/// The result of an operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether running the operation again unchanged may succeed: AWS,
    /// the network or a remote failed in a way worth a retry (exit 3).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Aws(e) => e.is_retryable(),
            Error::Store(e) => e.is_retryable(),
            Error::Remote(e) => e.is_retryable(),
            Error::Storage(e) => e.is_retryable(),
            Error::Context { source, .. } => source.is_retryable(),
            _ => false,
        }
    }

    /// A refusal with `message`.
    pub fn refused(message: impl Into<String>) -> Error {
        Error::Refused(message.into())
    }
}

/// Adds what was being done to an error, as anyhow's `context` does.
pub trait Context<T> {
    /// The error, under `context`.
    fn context(self, context: impl Into<String>) -> Result<T>;
    /// The error, under the context `f` gives.
    fn with_context<S: Into<String>>(self, f: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::Context {
            context: context.into(),
            source: Box::new(e.into()),
        })
    }

    fn with_context<S: Into<String>>(self, f: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| Error::Context {
            context: f().into(),
            source: Box::new(e.into()),
        })
    }
}

/// Returns early with [`Error::Refused`], its message formatted as
/// `format!` does: `refuse!("{env} is locked")`.
#[macro_export]
macro_rules! refuse {
    ($($arg:tt)*) => { return Err($crate::ops::Error::Refused(format!($($arg)*))) };
}

/// An [`Error::Refused`], its message formatted as `format!` does.
#[macro_export]
macro_rules! refusal {
    ($($arg:tt)*) => { $crate::ops::Error::Refused(format!($($arg)*)) };
}
