//! `ledger record`: resolve the commit and its range from git, capture the
//! environment's objects from AWS (unless --no-aws), and append one entry.

use std::io::Write;

use anyhow::{Result, anyhow, bail};

use super::{Outcome, Workspace, write_json};
use crate::changes::ChangeRules;
use crate::cli::{OutputFormat, RecordArgs};
use crate::git::GitRepo;
use crate::journal::{Change, Entry, EntryKind, Invalidation, JournalLock, short_sha};
use crate::model;
use crate::timestamp::Timestamp;

pub fn run(workspace: &Workspace, args: &RecordArgs, out: &mut dyn Write) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let repo = workspace.repo()?;
    let commit = repo.resolve(&args.commit)?;
    let version = match &args.version {
        Some(v) => v.clone(),
        None => repo.version_tag(&commit)?.ok_or_else(|| {
            anyhow!(
                "commit {} has no tag to name its version: pass --version V (or tag the commit)",
                short_sha(&commit)
            )
        })?,
    };
    let deployed_by = deployed_by(args, &repo)?;
    let explicit_since = args
        .since
        .as_deref()
        .map(|rev| repo.resolve(rev))
        .transpose()?;
    if !args.no_aws {
        bail!(
            "capturing S3 and CloudFront is not available in this build: pass --no-aws to record from git and flags only"
        );
    }

    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let mut journal = lock.load()?;
    // "now" is taken under the lock, so that concurrent records land in time order.
    let deployed_at = args.at.unwrap_or_else(Timestamp::now);
    let previous = model::last_deploy(&journal.entries, &args.env);
    if let Some(previous) = previous
        && deployed_at < previous.deployed_at
    {
        bail!(
            "--at {deployed_at} is before the last recorded deploy of `{}` (#{} at {}): \
             entries of an environment must be recorded in time order; nothing was recorded",
            args.env,
            previous.seq,
            previous.deployed_at
        );
    }
    let since = match explicit_since {
        Some(sha) => Some(sha),
        None => range_start(&repo, previous, &commit)?,
    };
    let commits = repo.commits_between(since.as_deref(), &commit)?;
    let changes = if args.changes.is_empty() {
        ChangeRules::new(&config.changelog).changes_for(&commits)
    } else {
        args.changes.iter().map(Change::plain).collect()
    };
    let entry = Entry {
        seq: 0,
        kind: EntryKind::Deploy,
        env: args.env.clone(),
        version: Some(version),
        commit: Some(commit),
        commits: commits.iter().map(|c| c.id.clone()).collect(),
        deployed_at,
        build_time: args.build_time,
        deployed_by: Some(deployed_by),
        imported: false,
        restores: None,
        notes: Vec::new(),
        prev_hash: String::new(),
        hash: String::new(),
        invalidation: args.invalidation.as_ref().map(|id| Invalidation {
            id: id.clone(),
            distribution: None,
            status: None,
            created_at: None,
            completed_seen_at: None,
            paths: Vec::new(),
        }),
        changes,
        files: Vec::new(),
    };
    let entry = lock.append(&mut journal, entry)?;
    drop(lock);
    eprintln!(
        "recorded #{} {} {} at {} ({} commit(s), {} change(s))",
        entry.seq,
        entry.env,
        entry.version.as_deref().unwrap_or("-"),
        entry.short_commit(),
        entry.commits.len(),
        entry.changes.len()
    );
    if args.format == OutputFormat::Json {
        write_json(out, &entry)?;
    }
    Ok(Outcome::Success)
}

/// Where the commit range starts when --since is not given: the previous
/// deploy's commit, else (first deploy) the nearest earlier tag.
fn range_start(repo: &GitRepo, previous: Option<&Entry>, commit: &str) -> Result<Option<String>> {
    if let Some(prev_commit) = previous.and_then(|p| p.commit.as_deref()) {
        if let Some(sha) = repo.try_resolve(prev_commit) {
            return Ok(Some(sha));
        }
        eprintln!(
            "warning: the previous deploy's commit {prev_commit} is not in this repository; \
             taking commits since the nearest earlier tag (pass --since to choose)"
        );
    }
    Ok(repo.previous_tagged(commit)?)
}

fn deployed_by(args: &RecordArgs, repo: &GitRepo) -> Result<String> {
    if let Some(by) = &args.by {
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
        anyhow!("cannot tell who deployed: pass --by NAME or set LEDGER_DEPLOYED_BY (or git's user.name)")
    })
}
