//! S3 as the ledger of record: one object per entry at
//! `PREFIX/entries/SEQ.toml` (the entry's block as the journal writes it),
//! written with `If-None-Match: *` so that two writers can never both write
//! entry N. The local journal is a mirror of the objects, in order.

use std::path::Path;
use std::time::{Duration, SystemTime};

use backon::{BlockingRetryable, ExponentialBuilder};

mod check;
mod checkpoints;

pub use check::StoreReport;

use crate::aws::{self, AwsError, AwsTarget, Clients, store as calls};
use crate::config::StoreConfig;
use crate::journal::{
    Appender, Entry, Journal, JournalError, JournalLock, Storage, StorageError, SyncRequest,
    Synced, push_block,
};

/// File beside the journal that remembers a store passed the probe.
pub const PROBED_FILE: &str = ".store-probed";
/// File beside the journal touched at each successful exchange with the store.
pub const SYNCED_FILE: &str = ".store-synced";
/// How a try at writing an entry to the store ended without writing it.
enum Written {
    /// Another writer wrote an entry of this seq first: re-chain and try again.
    Lost(u64),
    /// It cannot go on.
    Failed(StoreError),
}

impl<E: Into<StoreError>> From<E> for Written {
    fn from(e: E) -> Written {
        Written::Failed(e.into())
    }
}

/// Attempts of a conditional write before giving up.
const ATTEMPTS: u32 = 25;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// Local entries could not be put after the store's.
    #[error(transparent)]
    Merge(#[from] super::MergeError),
    /// The mirror could not be read or written.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The store accepted a second write of the probe object.
    #[error(
        "{url} ignores conditional writes (a second PUT with If-None-Match: * of the probe object \
         succeeded): two writers could both write entry N, so it cannot hold the ledger; use Amazon S3 \
         or a store that honours If-None-Match, or share the journal through git (`ledger sync`)"
    )]
    NoPreconditions {
        /// The store.
        url: String,
    },
    /// The store's entries do not chain onto the mirror.
    #[error("{url}: {message}; nothing was written here (run `ledger verify --store`)")]
    Inconsistent {
        /// The store.
        url: String,
        /// What does not hold.
        message: String,
    },
    /// `store push` into a store that already holds entries.
    #[error(
        "{url} already holds {count} entr{}: `ledger store push` only fills an empty store; \
         run `ledger sync` to mirror it instead",
        if *count == 1 { "y" } else { "ies" }
    )]
    NotEmpty {
        /// The store.
        url: String,
        /// Entries found.
        count: usize,
    },
    /// Other writers kept winning.
    #[error(
        "gave up after {ATTEMPTS} conditional writes to {url}: other writers kept appending; nothing \
         was recorded, run the command again"
    )]
    GaveUp {
        /// The store.
        url: String,
    },
    /// A conditional write sent, and no answer: the entry may have landed.
    #[error(
        "the write of entry #{seq} to {url} got no answer ({cause}): it may have landed or not. \
         `ledger sync` shows whether it did; running the command again is safe (a record of the \
         same version and commit, AWS unchanged, appends nothing)"
    )]
    Unknown {
        /// The store.
        url: String,
        /// The entry written.
        seq: u64,
        /// Why no answer came.
        cause: String,
    },
}

impl StoreError {
    /// Whether running again may succeed: AWS's answer was one worth a
    /// retry, or other writers kept winning the race.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Aws(e) => e.is_retryable(),
            StoreError::GaveUp { .. } | StoreError::Unknown { .. } => true,
            _ => false,
        }
    }
}

/// A connection to the store.
pub struct S3Store {
    runtime: tokio::runtime::Runtime,
    clients: Clients,
    ui: crate::ui::Ui,
    /// The ledger folder whose journal mirrors the store.
    ledger_dir: std::path::PathBuf,
    /// How long one command may spend on the store (`--timeout`).
    deadline: Duration,
    bucket: String,
    prefix: String,
    /// `s3://...` as configured, for messages.
    pub url: String,
}

impl S3Store {
    /// Connects with the store's region and profile (AWS conventions apply).
    pub fn connect(
        config: &StoreConfig,
        ledger_dir: &Path,
        policy: aws::CallPolicy,
        ui: &crate::ui::Ui,
    ) -> Result<S3Store, StoreError> {
        let (bucket, prefix) = config.location().unwrap_or_default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| JournalError::Io {
                action: "cannot start the AWS runtime",
                path: config.url.clone().into(),
                source: e,
            })?;
        let target = AwsTarget {
            env_profile: config.profile.clone(),
            env_region: config.region.clone(),
            ..AwsTarget::default()
        };
        let clients = runtime.block_on(aws::connect(&target, policy, *ui));
        Ok(S3Store {
            runtime,
            clients,
            deadline: policy.deadline,
            ui: *ui,
            ledger_dir: ledger_dir.to_path_buf(),
            bucket,
            prefix,
            url: config.url.clone(),
        })
    }

    fn entries_prefix(&self) -> String {
        format!("{}entries/", self.prefix)
    }

    fn key(&self, seq: u64) -> String {
        format!("{}{seq:012}.toml", self.entries_prefix())
    }

    fn seq_of(&self, key: &str) -> Option<u64> {
        key.strip_prefix(&self.entries_prefix())?
            .strip_suffix(".toml")?
            .parse()
            .ok()
    }

    /// The entry blocks after the first `count`, in order; an error when a
    /// sequence number is missing.
    pub fn fetch_after(&self, count: usize) -> Result<Vec<String>, StoreError> {
        let after = (count > 0).then(|| self.key(count as u64));
        let keys = self.runtime.block_on(calls::list_keys(
            &self.clients,
            &self.bucket,
            &self.entries_prefix(),
            after.as_deref(),
        ))?;
        for (index, key) in keys.iter().enumerate() {
            let want = (count + index + 1) as u64;
            if self.seq_of(key) != Some(want) {
                return Err(self.inconsistent(format!(
                    "entry #{want} is missing from the store (found {key} instead)"
                )));
            }
        }
        let bodies = self.runtime.block_on(self.get_all(&keys))?;
        keys.iter()
            .zip(bodies)
            .map(|(key, body)| {
                let body = body.ok_or_else(|| {
                    self.inconsistent(format!("{key} vanished while it was read"))
                })?;
                String::from_utf8(body)
                    .map_err(|_| self.inconsistent(format!("{key} is not UTF-8 text")))
            })
            .collect()
    }

    /// The objects at `keys`, in order, at most 16 requests in flight.
    async fn get_all(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, AwsError> {
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(16));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, key) in keys.iter().enumerate() {
            let (clients, bucket, key) = (self.clients.clone(), self.bucket.clone(), key.clone());
            let permits = std::sync::Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                (index, calls::get(&clients, &bucket, &key).await)
            });
        }
        let mut bodies = vec![None; keys.len()];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((index, body)) = joined {
                bodies[index] = body?;
            }
        }
        Ok(bodies)
    }

    fn inconsistent(&self, message: String) -> StoreError {
        StoreError::Inconsistent {
            url: self.url.clone(),
            message,
        }
    }

    /// The mirror with the store's newer entries appended, checked to chain
    /// onto it; `None` when there are none.
    pub fn pull(&self, mirror: &Journal) -> Result<Option<Journal>, StoreError> {
        let blocks = self.fetch_after(mirror.entries.len())?;
        if blocks.is_empty() {
            return Ok(None);
        }
        let mut text = mirror.text.clone();
        for block in &blocks {
            push_block(&mut text, block);
        }
        let pulled = Journal::parse(&mirror.path, text)
            .map_err(|e| self.inconsistent(format!("its entries do not parse: {e}")))?;
        if let Some(seq) = pulled.first_broken() {
            return Err(self.inconsistent(format!(
                "entry #{seq} does not chain onto the entries before it"
            )));
        }
        Ok(Some(pulled))
    }

    /// Brings the mirror up to date under `lock`; returns how many entries came.
    pub fn sync(&self, lock: &JournalLock, mirror: &mut Journal) -> Result<usize, StoreError> {
        let before = mirror.entries.len();
        if let Some(pulled) = self.pull(mirror)? {
            lock.replace_journal(&pulled)?;
            *mirror = pulled;
        }
        touch_synced(lock.dir());
        Ok(mirror.entries.len() - before)
    }

    /// Checks once per ledger folder that the store honours `If-None-Match`:
    /// a second conditional write of a probe object must be refused.
    pub fn probe(&self, ledger_dir: &Path) -> Result<(), StoreError> {
        let marker = ledger_dir.join(PROBED_FILE);
        if std::fs::read_to_string(&marker).is_ok_and(|m| m.trim() == self.url) {
            return Ok(());
        }
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let key = format!("{}probe/{}-{nanos}", self.prefix, std::process::id());
        let put = |body: &'static [u8]| {
            self.runtime.block_on(calls::put_if_absent(
                &self.clients,
                &self.bucket,
                &key,
                body,
            ))
        };
        let first = put(b"probe 1")?;
        let second = put(b"probe 2")?;
        let _ = self
            .runtime
            .block_on(calls::delete(&self.clients, &self.bucket, &key));
        if !first || second {
            return Err(StoreError::NoPreconditions {
                url: self.url.clone(),
            });
        }
        let _ = std::fs::write(&marker, format!("{}\n", self.url));
        Ok(())
    }

    /// Appends `entry` (built against the mirror as it is on disk) to the
    /// store, then to the mirror through `appender`, which is left open on
    /// the mirror as it is after the append. A writer that loses entry N
    /// re-reads the new entries, puts its entry after them (re-chained, its
    /// files re-diffed) and tries again; a 412 on an object holding exactly
    /// this entry's block (a retried write of its own) is success.
    pub fn append_entry(
        &self,
        lock: &JournalLock,
        appender: &mut Appender,
        entry: Entry,
    ) -> Result<Entry, StoreError> {
        self.probe(lock.dir())?;
        let entry = std::cell::RefCell::new(entry);
        let once = || self.append_once(lock, appender, &mut entry.borrow_mut());
        let policy = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(50))
            .with_max_delay(Duration::from_secs(2))
            .with_max_times(ATTEMPTS as usize - 1)
            .with_jitter();
        let started = std::time::Instant::now();
        let written = (once.retry(policy))
            .sleep(std::thread::sleep)
            // Lost races are tried again while the deadline allows.
            .when(|lost| matches!(lost, Written::Lost(_)) && started.elapsed() < self.deadline)
            .notify(|lost, _| {
                if let Written::Lost(seq) = lost {
                    crate::note!(
                        self.ui,
                        "note: entry #{seq} was written to the store by another writer first; re-chaining after it"
                    );
                }
            })
            .call();
        match written {
            Ok(appended) => Ok(appended),
            Err(Written::Lost(_)) => Err(StoreError::GaveUp {
                url: self.url.clone(),
            }),
            Err(Written::Failed(e)) => Err(e),
        }
    }

    /// One try at writing `entry` to the store after what it holds now:
    /// re-chained after entries others wrote since, then put only if no
    /// entry of its seq exists.
    fn append_once(
        &self,
        lock: &JournalLock,
        appender: &mut Appender,
        entry: &mut Entry,
    ) -> Result<Entry, Written> {
        let base = lock.load()?;
        let mut mirror = base.clone();
        self.sync(lock, &mut mirror)?;
        if mirror.entries.len() != base.entries.len() {
            match self.rechain(&base, &mirror, entry.clone())? {
                Rechained::Moved(moved) => *entry = moved,
                Rechained::Published(published) => {
                    *appender = lock.open()?.0;
                    return Ok(published);
                }
            }
        }
        let (sealed, block) = mirror.seal(entry.clone())?;
        // Never an unsigned entry into the write-once store where signing
        // is required.
        lock.check_signing(sealed.seq)?;
        let key = self.key(sealed.seq);
        let written = self
            .runtime
            .block_on(calls::put_if_absent(
                &self.clients,
                &self.bucket,
                &key,
                block.as_bytes(),
            ))
            .map_err(|e| match e.outcome_unknown() {
                // Sent, and no answer: whether it landed is not known.
                true => Written::Failed(StoreError::Unknown {
                    url: self.url.clone(),
                    seq: sealed.seq,
                    cause: e.to_string(),
                }),
                false => Written::Failed(StoreError::Aws(e)),
            })?;
        let ours = written
            || self
                .runtime
                .block_on(calls::get(&self.clients, &self.bucket, &key))?
                .is_some_and(|body| body == block.as_bytes());
        if !ours {
            return Err(Written::Lost(sealed.seq));
        }
        let (mut fresh, _) = lock.open()?;
        let appended = lock.append(&mut fresh, sealed)?;
        *appender = fresh;
        touch_synced(lock.dir());
        Ok(appended)
    }

    /// `entry`, built against `base`, put after what `mirror` now holds.
    fn rechain(
        &self,
        base: &Journal,
        mirror: &Journal,
        entry: Entry,
    ) -> Result<Rechained, StoreError> {
        let (sealed, block) = base.seal(entry)?;
        let mut text = base.text.clone();
        push_block(&mut text, &block);
        let local = Journal::parse(&base.path, text)?;
        let merged = super::rebase(mirror, &local, &self.url)?;
        match merged.moved.into_iter().next() {
            Some((_, moved)) => Ok(Rechained::Moved(moved)),
            None => {
                // The same event is in the store already (an earlier write of ours).
                let event = sealed.identity();
                let published = mirror
                    .entries
                    .iter()
                    .find(|e| e.identity() == event)
                    .cloned()
                    .ok_or_else(|| {
                        self.inconsistent("an entry vanished while re-chaining".into())
                    })?;
                Ok(Rechained::Published(published))
            }
        }
    }

    /// Uploads every entry of `journal` into an empty store.
    pub fn push(&self, journal: &Journal) -> Result<usize, StoreError> {
        let existing = self.runtime.block_on(calls::list_keys(
            &self.clients,
            &self.bucket,
            &self.entries_prefix(),
            None,
        ))?;
        if !existing.is_empty() {
            return Err(StoreError::NotEmpty {
                url: self.url.clone(),
                count: existing.len(),
            });
        }
        for (entry, block) in journal.entries.iter().zip(blocks(journal)) {
            let written = self.runtime.block_on(calls::put_if_absent(
                &self.clients,
                &self.bucket,
                &self.key(entry.seq),
                block.as_bytes(),
            ))?;
            if !written {
                return Err(StoreError::NotEmpty {
                    url: self.url.clone(),
                    count: entry.seq as usize,
                });
            }
        }
        touch_synced(mirror_dir(journal));
        Ok(journal.entries.len())
    }
}

enum Rechained {
    /// The entry, sealed after the store's entries.
    Moved(Entry),
    /// The entry is in the store already.
    Published(Entry),
}

/// Each entry's block as the journal holds it (from its `[[entry]]` line to
/// the line before the next), re-encoded where lines are unknown.
pub fn blocks(journal: &Journal) -> Vec<String> {
    let lines: Vec<&str> = journal.text.lines().collect();
    let starts: Vec<Option<usize>> = journal.lines.clone();
    let mut blocks = Vec::with_capacity(journal.entries.len());
    for (index, entry) in journal.entries.iter().enumerate() {
        let start = starts.get(index).copied().flatten();
        let end = starts
            .get(index + 1)
            .copied()
            .flatten()
            .map_or(lines.len(), |l| l - 1);
        match start {
            Some(start) if start <= end => {
                let mut block: Vec<&str> = lines[start - 1..end].to_vec();
                while block.last().is_some_and(|l| l.trim().is_empty()) {
                    block.pop();
                }
                blocks.push(format!("{}\n", block.join("\n")));
            }
            _ => blocks.push(
                crate::journal::encode_block(entry)
                    .unwrap_or_else(|_| format!("# entry #{} could not be encoded\n", entry.seq)),
            ),
        }
    }
    blocks
}

/// The ledger folder holding a mirror.
fn mirror_dir(mirror: &Journal) -> &Path {
    mirror.path.parent().unwrap_or(Path::new("."))
}

/// Records when the mirror in `ledger_dir` was last brought up to date.
fn touch_synced(ledger_dir: &Path) {
    let _ = std::fs::write(ledger_dir.join(SYNCED_FILE), "");
}

impl Storage for S3Store {
    fn name(&self) -> String {
        self.url.clone()
    }

    fn refresh(&self, lock: &JournalLock) -> Result<usize, StorageError> {
        let mut mirror = lock.load()?;
        self.sync(lock, &mut mirror).map_err(remote)
    }

    fn append(
        &self,
        lock: &JournalLock,
        appender: &mut Appender,
        entry: Entry,
    ) -> Result<Entry, StorageError> {
        self.append_entry(lock, appender, entry).map_err(remote)
    }

    fn sync(&self, _: &SyncRequest, ui: &crate::ui::Ui) -> Result<Synced, StorageError> {
        let lock = JournalLock::acquire(&self.ledger_dir)?;
        let mut mirror = lock.load()?;
        let before = mirror.entries.len() as u64;
        let received = self.sync(&lock, &mut mirror).map_err(remote)?;
        if received > 0
            && let Err(e) = self.warn_rewritten(before, ui)
        {
            // The entries came and chain; only the check of their versions
            // could not be made (it needs s3:ListBucketVersions).
            crate::warning!(
                ui,
                "store {}: the entries received could not be checked for overwrites ({e}); \
                 `ledger verify --store` checks the whole store",
                self.url
            );
        }
        Ok(Synced {
            with: self.url.clone(),
            published: 0,
            received,
            total: mirror.entries.len(),
            at: None,
        })
    }
}

/// A store error as the journal's storage reports it.
fn remote(error: StoreError) -> StorageError {
    match error {
        StoreError::Journal(error) => StorageError::Journal(error),
        other => {
            let retryable = other.is_retryable();
            StorageError::remote(other, retryable)
        }
    }
}

/// How long ago the mirror in `ledger_dir` was last synced with a store,
/// if it ever was.
pub fn mirror_age(ledger_dir: &Path) -> Option<Duration> {
    let modified = std::fs::metadata(ledger_dir.join(SYNCED_FILE))
        .and_then(|m| m.modified())
        .ok()?;
    SystemTime::now().duration_since(modified).ok()
}
