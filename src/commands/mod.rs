//! The command layer: one file per subcommand, gluing config, journal, git,
//! model and render together. The only place that writes to stdout (data)
//! and stderr (diagnostics).

mod context;
mod init;
mod log;
mod progress;
mod record;
mod render;
mod show;
mod snapshot;
mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::config::{CONFIG_FILE, Config};
use crate::git::GitRepo;
use crate::journal::Journal;

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
    /// The ledger folder.
    pub ledger_dir: PathBuf,
    /// `--repo`, if given.
    pub repo_dir: Option<PathBuf>,
}

impl Workspace {
    /// `ledger.toml`'s path.
    pub fn config_path(&self) -> PathBuf {
        self.ledger_dir.join(CONFIG_FILE)
    }

    /// Loads `ledger.toml`.
    pub fn config(&self) -> Result<Config> {
        Ok(Config::load(&self.ledger_dir)?)
    }

    /// Loads the journal (without the lock: for reading only).
    pub fn journal(&self) -> Result<Journal> {
        Ok(Journal::load(&self.ledger_dir)?)
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
}

/// Runs a parsed command line, writing data to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<Outcome> {
    let workspace = Workspace {
        ledger_dir: cli.global.ledger,
        repo_dir: cli.global.repo,
    };
    match cli.command {
        Command::Init => init::run(&workspace),
        Command::Record(args) => record::run(&workspace, &args, out),
        Command::Snapshot(args) => snapshot::run(&workspace, &args, out),
        Command::Log(args) => log::run(&workspace, &args, out),
        Command::Show(args) => show::run(&workspace, &args, out),
        Command::Verify(args) => verify::run(&workspace, &args, out),
        Command::Render(args) => render::run(&workspace, &args, out),
        Command::Context => context::run(&workspace, out),
    }
}

/// Writes `value` as pretty JSON followed by a newline.
fn write_json(out: &mut dyn Write, value: &impl serde::Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A path for messages: as given, without `./`.
fn shown(path: &Path) -> String {
    path.strip_prefix("./")
        .unwrap_or(path)
        .display()
        .to_string()
}
