//! `ledger init`: a starting configuration and an empty journal.

use std::fs;

use anyhow::{Context as _, Result, bail};

use super::{Outcome, Workspace, shown};
use crate::config::STARTER;
use crate::journal::{self, Journal, LOCK_FILE};

pub fn run(workspace: &Workspace, ui: &crate::ui::Ui) -> Result<Outcome> {
    let dir = &workspace.ledger_dir;
    let config = workspace.config_path();
    let journal = Journal::path_in(dir);
    for existing in [&config, &journal] {
        if existing.exists() {
            bail!(
                "{} already exists: this folder already holds a ledger; nothing was changed",
                shown(existing)
            );
        }
    }
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", shown(dir)))?;
    journal::create_empty(dir)?;
    fs::write(&config, STARTER).with_context(|| format!("cannot write {}", shown(&config)))?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        fs::write(
            &ignore,
            format!(
                "{LOCK_FILE}\n{}.tmp.*\n{}/*.tmp.*\n.cache/\n{}\n{}\n",
                journal::JOURNAL_FILE,
                journal::segment::SEGMENT_DIR,
                crate::store::s3::PROBED_FILE,
                crate::store::s3::SYNCED_FILE
            ),
        )
        .with_context(|| format!("cannot write {}", shown(&ignore)))?;
    }
    crate::note!(
        ui,
        "created {} and {}: declare your environments, then `ledger record --env ENV`",
        shown(&config),
        shown(&journal)
    );
    if let Some(repo) = workspace.repo_if_any() {
        super::resolve::install_driver(&repo, dir)?;
    } else {
        crate::warning!(
            ui,
            "{} is not inside a git repository: `ledger record` keys every deploy by its \
             commit and needs one (run `git init`, or pass --repo DIR), and `ledger verify` checks \
             the journal's history through git",
            shown(dir)
        );
    }
    Ok(Outcome::Success)
}
