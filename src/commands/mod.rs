//! The command layer: one file per subcommand, gluing config, journal, git,
//! model and render together. The only place that writes to stdout (data)
//! and stderr (diagnostics).

mod check;
mod context;
mod diff;
mod discover;
mod history;
mod import;
mod init;
mod live;
mod lock;
mod log;

mod record;
mod render;
mod resolve;
mod rollback;

mod shell;
pub use shell::COMPLETE_VAR;
mod show;
mod snapshot;
mod status;
mod store;
mod sync;
mod verify;
mod verify_aws;
mod void;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use sha2::{Digest, Sha256};

use crate::cli::{Cli, Command};
use crate::config::{CONFIG_FILE, Config};
use crate::git::GitRepo;
use crate::journal::{Entry, Index, Journal};

/// How a command that ran to the end came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything held: exit 0.
    Success,
    /// A check failed (verify, render --check): exit 1.
    CheckFailed,
}

/// Where a command finds its inputs, resolved from the global flags.
pub struct Workspace {
    /// The ledger folder, relative to the current folder unless given absolute.
    pub ledger_dir: PathBuf,
    /// `--repo`, if given.
    pub repo_dir: Option<PathBuf>,
}

/// The name of the ledger folder that commands look for.
pub const LEDGER_FOLDER: &str = "ledger";

impl Workspace {
    /// Resolves the global flags: `--ledger DIR` (or `LEDGER_DIR`) as given;
    /// else `ledger/` in the current folder or the nearest folder above it
    /// that holds one, up to the top of the git repository (as git finds
    /// `.git`); else `ledger/` at the repository's top (where `init` puts it),
    /// or in the current folder outside a repository.
    pub fn resolve(ledger: Option<PathBuf>, repo_dir: Option<PathBuf>) -> Workspace {
        let ledger_dir = ledger.unwrap_or_else(discover_ledger);
        Workspace {
            ledger_dir,
            repo_dir,
        }
    }

    /// `ledger.toml`'s path.
    pub fn config_path(&self) -> PathBuf {
        self.ledger_dir.join(CONFIG_FILE)
    }

    /// Loads `ledger.toml`.
    pub fn config(&self) -> Result<Config> {
        Ok(crate::services::load_config(&self.ledger_dir)?)
    }

    /// Loads the journal (without the lock: for reading only). A mirror of
    /// an S3 store last synced over a day ago says so.
    pub fn journal(&self, ui: &crate::ui::Ui) -> Result<Journal> {
        let journal = Journal::load(&self.ledger_dir)?;
        self.note_mirror_age(ui);
        Ok(journal)
    }

    /// Opens the journal for queries that read only part of it (see
    /// [`Index`]); without the lock, like [`Workspace::journal`].
    pub fn index(&self, ui: &crate::ui::Ui) -> Result<Index> {
        let index = Index::open(&self.ledger_dir)?;
        self.note_mirror_age(ui);
        Ok(index)
    }

    /// A mirror of an S3 store last synced over a day ago says so.
    fn note_mirror_age(&self, ui: &crate::ui::Ui) {
        if let Some(age) = crate::store::s3::mirror_age(&self.ledger_dir)
            && age > std::time::Duration::from_secs(86_400)
        {
            crate::note!(
                ui,
                "note: the local mirror of the store was last synced {} hour(s) ago: `ledger sync` brings it up to date",
                age.as_secs() / 3600
            );
        }
    }

    /// Opens the repository: `--repo`, else the one around the current directory.
    pub fn repo(&self) -> Result<GitRepo> {
        let start = match &self.repo_dir {
            Some(dir) => dir.clone(),
            None => std::env::current_dir()?,
        };
        Ok(GitRepo::discover(&start)?)
    }

    /// Opens the repository when there is one; `None` otherwise.
    pub fn repo_if_any(&self) -> Option<GitRepo> {
        self.repo().ok()
    }

    /// The ledger folder as a path from the repository's top level.
    pub fn ledger_path_in(&self, repo: &GitRepo) -> Option<String> {
        repo.path_from_top(&self.ledger_dir)
    }
}

/// `ledger/` in the current folder or the nearest folder above holding one,
/// up to the top of the git repository; else `ledger/` at that top (or here
/// outside a repository). Relative to the current folder, so that messages
/// name paths as the user sees them.
fn discover_ledger() -> PathBuf {
    let Ok(here) = std::env::current_dir() else {
        return PathBuf::from(LEDGER_FOLDER);
    };
    let mut relative = PathBuf::new();
    let mut top = None;
    for dir in here.ancestors() {
        let candidate = dir.join(LEDGER_FOLDER);
        if candidate.join(crate::config::CONFIG_FILE).is_file()
            || Journal::path_in(&candidate).is_file()
        {
            return relative.join(LEDGER_FOLDER);
        }
        if dir.join(".git").exists() {
            top = Some(relative.clone());
            break;
        }
        relative.push("..");
    }
    top.unwrap_or_default().join(LEDGER_FOLDER)
}

/// Runs a parsed command line, writing data to `out` and speaking on
/// stderr through `ui`.
pub fn run(cli: Cli, out: &mut dyn Write, ui: &crate::ui::Ui) -> Result<Outcome> {
    let workspace = Workspace::resolve(cli.global.ledger, cli.global.repo);
    if matches!(
        cli.command,
        Command::Render(_) | Command::Import(_) | Command::Context
    ) {
        // They read history to show it, not to check it.
        crate::git::skip_object_rehash();
    }
    match cli.command {
        Command::Init => init::run(&workspace, ui),
        Command::Record(args) => record::run(&workspace, &args, out, ui),
        Command::Snapshot(args) => snapshot::run(&workspace, &args, out, ui),
        Command::Log(args) => log::run(&workspace, &args, out, ui),
        Command::Show(args) => show::run(&workspace, &args, out, ui),
        Command::Verify(args) => verify::run(&workspace, &args, out, ui),
        Command::Live(args) => live::run(&workspace, &args, out, ui),
        Command::History(args) => history::run(&workspace, &args, out, ui),
        Command::Diff(args) => diff::run(&workspace, &args, out, ui),
        Command::Rollback(args) => rollback::run(&workspace, &args, out, ui),
        Command::Void(args) => void::run(&workspace, &args, out, ui),
        Command::Lock(args) => lock::lock(&workspace, &args, ui),
        Command::Unlock(args) => lock::unlock(&workspace, &args, ui),
        Command::Status(args) => status::run(&workspace, &args, out, ui),
        Command::Check(args) => check::run(&workspace, &args, ui),
        Command::Sync(args) => sync::run(&workspace, &args, ui),
        Command::Store(args) => store::run(&workspace, &args, ui),
        Command::Resolve(args) => resolve::run(&workspace, &args, ui),
        Command::Import(args) => import::run(&workspace, &args, ui),
        Command::Render(args) => render::run(&workspace, &args, out, ui),
        Command::Context => context::run(&workspace, out, ui),
        Command::Completions(args) => shell::completions(&args, out),
        Command::Man(args) => shell::man(&args, out),
    }
}

/// The `Ui` the global flags ask for: `--quiet`, `--verbose`, `--color`.
pub fn ui_for(global: &crate::cli::GlobalArgs) -> crate::ui::Ui {
    use crate::ui::{ColorWhen, Ui, Verbosity};
    let verbosity = if global.quiet {
        Verbosity::Quiet
    } else if global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let color = match global.color {
        crate::cli::ColorWhen::Auto => ColorWhen::Auto,
        crate::cli::ColorWhen::Always => ColorWhen::Always,
        crate::cli::ColorWhen::Never => ColorWhen::Never,
    };
    Ui::new(verbosity, color)
}

/// Where appends go: the local journal, or the S3 store of record (then
/// the local journal is its mirror).
pub(crate) struct Writer {
    store: Option<crate::store::s3::S3Store>,
}

impl Writer {
    /// The writer `ledger.toml` asks for.
    pub(crate) fn for_config(config: &Config, ui: &crate::ui::Ui) -> Result<Writer> {
        let store = config
            .store
            .as_ref()
            .map(|store| crate::store::s3::S3Store::connect(store, ui))
            .transpose()?;
        Ok(Writer { store })
    }

    /// Reads, under `lock`, the journal to append to and the index to
    /// query: with a store, the whole journal, brought up to date with the
    /// store first; without one, only what an append needs.
    pub(crate) fn load(&self, lock: &crate::journal::JournalLock) -> Result<(Journal, Index)> {
        match &self.store {
            Some(store) => {
                let mut journal = lock.load()?;
                store.sync(lock, &mut journal)?;
                Ok((journal, lock.index()?))
            }
            None => Ok(lock.load_for_append()?),
        }
    }

    /// [`load`](Self::load) for an append whose checks read
    /// [`Index::append_view`]: without a store, the journal holds the tail
    /// alone ([`Journal::load_for_append_counting`]).
    pub(crate) fn load_counting(
        &self,
        lock: &crate::journal::JournalLock,
    ) -> Result<(Journal, Index)> {
        match &self.store {
            Some(_) => self.load(lock),
            None => Ok(lock.load_for_append_counting()?),
        }
    }

    /// [`load`](Self::load), keeping `previous` (an index read before the
    /// lock) when nothing was written since: then the index returned is
    /// `None`, and `previous` is the one to query. Never with a store,
    /// whose sync may bring entries in.
    pub(crate) fn load_reusing(
        &self,
        lock: &crate::journal::JournalLock,
        previous: Option<&Index>,
    ) -> Result<(Journal, Option<Index>)> {
        match (&self.store, previous) {
            (None, Some(previous)) => Ok(lock.load_for_append_reusing(previous)?),
            _ => self
                .load(lock)
                .map(|(journal, index)| (journal, Some(index))),
        }
    }

    /// Brings the mirror up to date with the store (a no-op without one).
    pub(crate) fn refresh(
        &self,
        lock: &crate::journal::JournalLock,
        journal: &mut Journal,
    ) -> Result<()> {
        if let Some(store) = &self.store {
            store.sync(lock, journal)?;
        }
        Ok(())
    }

    /// Appends one entry: to the store first when there is one.
    pub(crate) fn append(
        &self,
        lock: &crate::journal::JournalLock,
        journal: &mut Journal,
        entry: Entry,
        ui: &crate::ui::Ui,
    ) -> Result<Entry> {
        match &self.store {
            Some(store) => Ok(store.append(lock, journal, entry, ui)?),
            None => Ok(lock.append(journal, entry)?),
        }
    }
}

/// Who acts (records, rolls back, corrects, locks): `--by`, else as for
/// `record` inside a repository, else `LEDGER_DEPLOYED_BY`.
fn actor(workspace: &Workspace, by: Option<&String>) -> Result<String> {
    match workspace.repo_if_any() {
        Some(repo) => record::deployed_by(by, &repo),
        None => by
            .cloned()
            .or_else(|| std::env::var("LEDGER_DEPLOYED_BY").ok())
            .ok_or_else(|| {
                anyhow::anyhow!("cannot tell who acts: pass --by NAME or set LEDGER_DEPLOYED_BY")
            }),
    }
}

/// The async runtime for AWS calls.
fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Clients for an environment, with the command line's AWS options.
async fn clients(
    env: &crate::config::Environment,
    options: &crate::cli::AwsArgs,
    ui: &crate::ui::Ui,
) -> crate::aws::Clients {
    let target = crate::aws::AwsTarget::for_environment(
        env,
        options.profile.clone(),
        options.region.clone(),
    );
    let policy = crate::aws::CallPolicy {
        max_attempts: options.max_attempts,
        deadline: std::time::Duration::from_secs(options.timeout),
    };
    crate::aws::connect(&target, policy, *ui).await
}

/// A caller reference derived from what the entry records, so that a
/// retried record asks CloudFront for the same invalidation, not a second one.
fn caller_reference(entry: &Entry, paths: &[String]) -> String {
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

/// The version of every `--format json` shape (docs/json.md). It changes
/// only when a field changes meaning or goes away; fields may be added
/// within a version.
pub const JSON_SCHEMA: u32 = 1;

/// A JSON document: `schema` first, then the value's own fields.
#[derive(serde::Serialize)]
struct Versioned<'a, T: serde::Serialize> {
    schema: u32,
    #[serde(flatten)]
    body: &'a T,
}

impl<'a, T: serde::Serialize> Versioned<'a, T> {
    /// `body` under the current [`JSON_SCHEMA`].
    fn new(body: &'a T) -> Self {
        Versioned {
            schema: JSON_SCHEMA,
            body,
        }
    }
}

/// Writes `value` (a struct) as pretty JSON, with `schema` as its first field.
fn write_json(out: &mut dyn Write, value: &impl serde::Serialize) -> Result<()> {
    write_plain_json(out, &Versioned::new(value))
}

/// Writes a list as `{"schema": 1, "<name>": [...]}`, each item's fields
/// in their own order.
fn write_json_list<T: serde::Serialize>(
    out: &mut dyn Write,
    name: &'static str,
    items: &[T],
) -> Result<()> {
    struct List<'a, T> {
        name: &'static str,
        items: &'a [T],
    }
    impl<T: serde::Serialize> serde::Serialize for List<'_, T> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(2))?;
            map.serialize_entry("schema", &JSON_SCHEMA)?;
            map.serialize_entry(self.name, self.items)?;
            map.end()
        }
    }
    write_plain_json(out, &List { name, items })
}

/// Writes `value` as pretty JSON followed by a newline.
fn write_plain_json(out: &mut dyn Write, value: &impl serde::Serialize) -> Result<()> {
    // Serialised first, so that a failed write surfaces as the io::Error it
    // is (a closed pipe must end the output quietly).
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// A path for messages: as given, without `./`.
fn shown(path: &Path) -> String {
    path.strip_prefix("./")
        .unwrap_or(path)
        .display()
        .to_string()
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
                key: "widget.js".into(),
                action: FileAction::Put,
                version_id: Some(version.into()),
                etag: Some("e".into()),
                size: None,
                size_text: None,
                content_type: None,
                cache_control: None,
                last_modified: None,
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
