//! Where an operation finds its inputs: the ledger folder and the git
//! repository, resolved once from the global flags (or found as git finds
//! `.git`), with the loaders every operation shares.

use std::path::{Path, PathBuf};

use crate::config::{CONFIG_FILE, Config};
use crate::git::GitRepo;
use crate::journal::{Index, Journal};
use crate::ui::Ui;

use super::Result;

/// The name of the ledger folder that commands look for.
pub const LEDGER_FOLDER: &str = "ledger";

/// The ledger folder and the repository of one run.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The ledger folder, relative to the current folder unless given absolute.
    pub ledger_dir: PathBuf,
    /// `--repo`, if given.
    pub repo_dir: Option<PathBuf>,
    /// `--signing-key` (or `LEDGER_SIGNING_KEY`), if given.
    pub signing_key: Option<PathBuf>,
}

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
            signing_key: None,
        }
    }

    /// The folder the relative paths of `[signing]` start from: the one
    /// holding the ledger folder (the repository's top).
    pub fn top(&self) -> PathBuf {
        match self.ledger_dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
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
    pub fn journal(&self, ui: &Ui) -> Result<Journal> {
        let journal = Journal::load(&self.ledger_dir)?;
        self.note_mirror_age(ui);
        Ok(journal)
    }

    /// Opens the journal for queries that read only part of it (see
    /// [`Index`]); without the lock, like [`Workspace::journal`].
    pub fn index(&self, ui: &Ui) -> Result<Index> {
        let index = Index::open(&self.ledger_dir)?;
        self.note_mirror_age(ui);
        warn_altered(&index, ui);
        Ok(index)
    }

    /// A mirror of an S3 store last synced over a day ago says so.
    fn note_mirror_age(&self, ui: &Ui) {
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

    /// Who acts (records, rolls back, corrects, locks): `--by`, else as for
    /// a deploy inside a repository ([`deployed_by`]), else `LEDGER_DEPLOYED_BY`.
    pub fn actor(&self, by: Option<&String>) -> Result<String> {
        match self.repo_if_any() {
            Some(repo) => deployed_by(by, &repo),
            None => by
                .cloned()
                .or_else(|| std::env::var("LEDGER_DEPLOYED_BY").ok())
                .ok_or_else(|| {
                    crate::refusal!(
                        "cannot tell who acts: pass --by NAME or set LEDGER_DEPLOYED_BY"
                    )
                }),
        }
    }

    /// The ledger folder as a path from the repository's top level.
    pub fn ledger_path_in(&self, repo: &GitRepo) -> Option<String> {
        repo.path_from_top(&self.ledger_dir)
    }
}

/// Names each entry whose hash does not match its content: what a read
/// shows of it may not be what was recorded.
fn warn_altered(index: &Index, ui: &Ui) {
    for (seq, file) in index.altered() {
        crate::warning!(
            ui,
            "entry #{seq} in {} was changed after it was written (its hash does not match its \
             content): what is shown of it may not be what was recorded; run `ledger verify`",
            shown(file)
        );
    }
}

/// Who deployed: `--by`, else the CI and ledger variables, else git's user.name.
pub fn deployed_by(by: Option<&String>, repo: &GitRepo) -> Result<String> {
    if let Some(by) = by {
        return Ok(by.clone());
    }
    for var in ["LEDGER_DEPLOYED_BY", "GITHUB_ACTOR", "GITLAB_USER_LOGIN"] {
        if let Ok(value) = std::env::var(var)
            && !value.trim().is_empty()
        {
            return Ok(value);
        }
    }
    repo.user_name().ok_or_else(|| {
        crate::refusal!(
            "cannot tell who deployed: pass --by NAME or set LEDGER_DEPLOYED_BY (or git's user.name)"
        )
    })
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
        if candidate.join(CONFIG_FILE).is_file() || Journal::path_in(&candidate).is_file() {
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

/// A path for messages: as given, without `./`.
pub fn shown(path: &Path) -> String {
    path.strip_prefix("./")
        .unwrap_or(path)
        .display()
        .to_string()
}
