//! `ledger import --git-tags`: release entries from the repository's tags.

use anyhow::{Context as _, Result, bail};
use regex::Regex;

use super::{Outcome, Workspace};
use crate::changes::ChangeRules;
use crate::cli::ImportArgs;
use crate::import::git_tags::{DEFAULT_PATTERN, release_entries};
use crate::journal::JournalLock;

pub fn run(workspace: &Workspace, args: &ImportArgs) -> Result<Outcome> {
    let config = workspace.config()?;
    let env = args
        .env
        .clone()
        .unwrap_or_else(|| config.changelog.release_env.clone());
    config.environment(&env, &workspace.config_path())?;
    let pattern_text = args.tag_pattern.as_deref().unwrap_or(DEFAULT_PATTERN);
    let pattern = Regex::new(pattern_text).with_context(|| {
        format!("--tag-pattern `{pattern_text}` is not a valid regular expression")
    })?;
    let repo = workspace.repo()?;
    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let mut journal = lock.load()?;
    if !journal.entries.is_empty() && !args.append {
        bail!(
            "{} already has {} entries: pass --append to add the imported releases after them; nothing was imported",
            journal.path.display(),
            journal.entries.len()
        );
    }
    let rules = ChangeRules::new(&config.changelog);
    let entries = release_entries(&repo, &rules, &env, &pattern)?;
    if entries.is_empty() {
        bail!(
            "no tag matches `{pattern_text}` in {}: nothing was imported",
            repo.root().display()
        );
    }
    if let Some(last) = journal
        .entries
        .iter()
        .rev()
        .find(|e| e.env == env && e.kind.changes_files())
        && entries[0].deployed_at < last.deployed_at
    {
        bail!(
            "the oldest tag ({}, {}) is older than the last entry of `{env}` (#{} at {}): \
             entries of an environment must stay in time order; nothing was imported",
            entries[0].version.as_deref().unwrap_or("-"),
            entries[0].deployed_at,
            last.seq,
            last.deployed_at
        );
    }
    let appended = lock.append_all(&mut journal, entries)?;
    let commits: usize = appended.iter().map(|e| e.commits.len()).sum();
    eprintln!(
        "imported {} release(s) of `{env}` from git tags (#{}..#{}), {commits} commit(s) attributed",
        appended.len(),
        appended.first().map_or(0, |e| e.seq),
        appended.last().map_or(0, |e| e.seq),
    );
    Ok(Outcome::Success)
}
