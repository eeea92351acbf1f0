//! What the operations that call AWS or append share: the async runtime,
//! the clients of an environment, where appends go, and the CloudFront
//! caller reference that makes a retried invalidation the same one.

use sha2::{Digest, Sha256};

use super::{Result, Workspace};
use crate::aws::{AwsTarget, CallPolicy, Clients};
use crate::config::{Config, Environment};
use crate::journal::{Entry, Storage};
use crate::ui::Ui;

/// How to reach AWS, from the command line: `--profile`, `--region`,
/// `--max-attempts`, `--timeout`.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    /// `--profile`, winning over `AWS_PROFILE` and the environment's.
    pub profile: Option<String>,
    /// `--region`, winning over the environment's.
    pub region: Option<String>,
    /// Attempts and deadline of each call.
    pub policy: CallPolicy,
}

/// The async runtime for AWS calls.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// The clients of an environment, with the command line's AWS settings.
pub async fn clients(env: &Environment, aws: &AwsSettings, ui: &Ui) -> Clients {
    let target = AwsTarget::for_environment(env, aws.profile.clone(), aws.region.clone());
    crate::aws::connect(&target, aws.policy, *ui).await
}

/// Where appends go, as `ledger.toml` says (see `store::open`).
pub fn storage(workspace: &Workspace, config: &Config, ui: &Ui) -> Result<Box<dyn Storage>> {
    storage_with(workspace, config, CallPolicy::default(), ui)
}

/// [`storage`], an S3 store's calls bounded by `policy` (`--timeout`,
/// `--max-attempts`): each call, and the whole of an append that keeps
/// losing the race to other writers.
pub fn storage_with(
    workspace: &Workspace,
    config: &Config,
    policy: CallPolicy,
    ui: &Ui,
) -> Result<Box<dyn Storage>> {
    if let Some(store) = &config.store {
        let store = crate::store::s3::S3Store::connect(store, &workspace.ledger_dir, policy, ui)?;
        return Ok(Box::new(store));
    }
    let repo_dir = match &workspace.repo_dir {
        Some(dir) => dir.clone(),
        None => std::env::current_dir()?,
    };
    let storage = crate::store::open(config, &workspace.ledger_dir, &repo_dir, ui);
    storage.map_err(super::Error::from)
}

/// The S3 store `store` names, its calls bounded as by default.
pub fn s3_store(
    workspace: &Workspace,
    store: &crate::config::StoreConfig,
    ui: &Ui,
) -> Result<crate::store::s3::S3Store> {
    let policy = CallPolicy::default();
    Ok(crate::store::s3::S3Store::connect(
        store,
        &workspace.ledger_dir,
        policy,
        ui,
    )?)
}

/// With an S3 store, brings the local mirror up to date before a command
/// decides from it (a lock lifted elsewhere, a deploy recorded elsewhere);
/// nothing to do otherwise (a git remote is brought in by `sync`).
pub fn refresh_mirror(workspace: &Workspace, config: &Config, ui: &Ui) -> Result<()> {
    refresh_mirror_with(workspace, config, CallPolicy::default(), ui)
}

/// [`refresh_mirror`], the store's calls bounded by `policy`.
pub fn refresh_mirror_with(
    workspace: &Workspace,
    config: &Config,
    policy: CallPolicy,
    ui: &Ui,
) -> Result<()> {
    if config.store.is_none() {
        return Ok(());
    }
    let storage = storage_with(workspace, config, policy, ui)?;
    let lock = crate::journal::JournalLock::acquire(&workspace.ledger_dir)?;
    storage.refresh(&lock)?;
    Ok(())
}

/// How appends are signed: the key `--signing-key` (or
/// `LEDGER_SIGNING_KEY`), else `[signing] key`, names, and from which
/// entry `[signing] required` wants every entry signed.
#[derive(Debug, Clone, Default)]
pub struct Signing {
    /// The signer, when a key is named.
    pub signer: Option<crate::signing::Signer>,
    /// The first seq that must be signed.
    pub required_from: Option<u64>,
}

impl Signing {
    /// Resolves the key (opening it: a key that cannot sign fails here,
    /// before AWS is touched).
    pub fn resolve(workspace: &Workspace, config: &Config) -> Result<Signing> {
        let configured = (config.signing.as_ref()).and_then(|s| s.key.as_deref());
        let path = match (&workspace.signing_key, configured) {
            (Some(path), _) => Some(path.clone()),
            (None, Some(path)) => Some(crate::config::signing::resolve(&workspace.top(), path)),
            (None, None) => None,
        };
        let signer = path.map(|p| crate::signing::Signer::open(&p)).transpose()?;
        let required_from = config.signing.as_ref().and_then(|s| s.required_from());
        Ok(Signing {
            signer,
            required_from,
        })
    }

    /// Refuses, before anything is done, an append of entry `next_seq`
    /// that would have to be signed with no key to sign it.
    pub fn check(&self, next_seq: u64) -> Result<()> {
        match (&self.signer, self.required_from) {
            (None, Some(from)) if next_seq >= from => {
                Err(crate::journal::JournalError::SigningRequired { from }.into())
            }
            _ => Ok(()),
        }
    }

    /// Takes the journal's lock in `ledger_dir`, appends under it signed so.
    pub fn lock(&self, ledger_dir: &std::path::Path) -> Result<crate::journal::JournalLock> {
        let lock = crate::journal::JournalLock::acquire(ledger_dir)?;
        Ok(lock.signing(self.signer.clone(), self.required_from))
    }
}

/// Takes the journal's lock, the entries appended under it signed as
/// `--signing-key` or `[signing]` say (and refused unsigned where signing
/// is required).
pub fn lock(workspace: &Workspace, config: &Config) -> Result<crate::journal::JournalLock> {
    Signing::resolve(workspace, config)?.lock(&workspace.ledger_dir)
}

/// A caller reference derived from what the entry records, so that a
/// retried record asks CloudFront for the same invalidation, not a second one.
pub fn caller_reference(entry: &Entry, paths: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(entry.env.as_bytes());
    hasher.update([0]);
    hasher.update(entry.commit.as_deref().unwrap_or("").as_bytes());
    for path in paths {
        hasher.update([0]);
        hasher.update(path.as_bytes());
    }
    for file in &entry.files {
        hasher.update([1]);
        hasher.update(file.key.as_bytes());
        hasher.update(file.version_id.as_deref().unwrap_or("").as_bytes());
        hasher.update(file.etag.as_deref().unwrap_or("").as_bytes());
    }
    let digest = hex::encode(hasher.finalize());
    format!(
        "ledger-{}-{}-{}",
        entry.kind.as_str(),
        entry.short_commit(),
        &digest[..24]
    )
}

/// The journal held for appending: the lock taken, the local journal
/// brought up to date with where it is kept, the open tail and the index
/// the checks read, both as they were when the lock was taken.
pub struct Appending {
    /// The lock (released when this is dropped).
    pub lock: crate::journal::JournalLock,
    /// The open tail.
    pub appender: crate::journal::Appender,
    /// The journal as it was when the lock was taken, for the checks.
    pub history: crate::journal::Index,
    storage: Box<dyn Storage>,
}

impl Appending {
    /// Takes the lock of the ledger in `workspace` and opens its journal,
    /// the appends signed as `--signing-key` or `[signing]` say.
    pub fn open(workspace: &Workspace, config: &Config, ui: &Ui) -> Result<Appending> {
        let signing = Signing::resolve(workspace, config)?;
        Appending::open_signed(workspace, config, &signing, ui)
    }

    /// [`Appending::open`], the appends signed as `signing` (resolved
    /// already, when the operation checked it before doing anything).
    pub fn open_signed(
        workspace: &Workspace,
        config: &Config,
        signing: &Signing,
        ui: &Ui,
    ) -> Result<Appending> {
        let storage = storage(workspace, config, ui)?;
        let lock = signing.lock(&workspace.ledger_dir)?;
        storage.refresh(&lock)?;
        let (appender, history) = lock.open()?;
        lock.check_signing(appender.next_seq())?;
        Ok(Appending {
            lock,
            appender,
            history,
            storage,
        })
    }

    /// Every entry's head, as the journal was when the lock was taken.
    pub fn heads(&self) -> Result<&[Entry]> {
        Ok(self.history.heads()?)
    }

    /// Appends `entry` where the journal is kept, and here.
    pub fn append(&mut self, entry: Entry) -> Result<Entry> {
        let appended = self.storage.append(&self.lock, &mut self.appender, entry)?;
        Ok(appended)
    }
}

#[cfg(test)]
mod tests {
    use super::caller_reference;
    use crate::journal::{Entry, EntryKind, FileAction, FileChange};
    use crate::timestamp::Timestamp;

    fn entry(version: &str) -> Entry {
        Entry {
            commit: Some("a".repeat(40)),
            files: vec![FileChange {
                action: FileAction::Put,
                version_id: Some(version.into()),
                etag: Some("e".into()),
                ..FileChange::deleted("widget.js")
            }],
            ..Entry::new(EntryKind::Deploy, "production", Timestamp::now())
        }
    }

    #[test]
    fn caller_reference_is_stable_for_a_retry_and_changes_with_the_deploy() {
        let paths = ["/*".to_string()];
        // A retry re-reads the same state at another instant: same reference.
        assert_eq!(
            caller_reference(&entry("v1"), &paths),
            caller_reference(&entry("v1"), &paths)
        );
        assert_ne!(
            caller_reference(&entry("v1"), &paths),
            caller_reference(&entry("v2"), &paths)
        );
        assert_ne!(
            caller_reference(&entry("v1"), &paths),
            caller_reference(&entry("v1"), &["/a".to_string()])
        );
        assert!(caller_reference(&entry("v1"), &paths).len() <= 128);
    }
}
