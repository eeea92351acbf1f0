//! `ledger diff FROM TO`: objects and commits between two entries.

use std::io::Write;

use anyhow::{Result, bail};
use serde::Serialize;

use super::{Outcome, Workspace, write_json};
use crate::cli::{DiffArgs, OutputFormat};
use crate::journal::FileChange;
use crate::model::audit::diff_states;
use crate::model::{live_state, resolve_ref};

#[derive(Serialize)]
struct Changed {
    key: String,
    from_version: Option<String>,
    to_version: Option<String>,
}

#[derive(Serialize)]
struct Commit {
    id: String,
    summary: String,
}

#[derive(Serialize)]
struct Answer {
    env: String,
    from: u64,
    to: u64,
    added: Vec<FileChange>,
    changed: Vec<Changed>,
    deleted: Vec<FileChange>,
    /// Commits in TO and not in FROM, oldest first (null when git cannot tell).
    commits: Option<Vec<Commit>>,
    /// Commits in FROM and not in TO (a diff towards an older release).
    commits_dropped: Option<Vec<Commit>>,
}

pub fn run(workspace: &Workspace, args: &DiffArgs, out: &mut dyn Write) -> Result<Outcome> {
    let config = workspace.config()?;
    if let Some(env) = &args.env {
        config.environment(env, &workspace.config_path())?;
    }
    let journal = workspace.journal()?;
    let from = resolve_ref(&journal.entries, &args.from, args.env.as_deref())?;
    let to = resolve_ref(&journal.entries, &args.to, args.env.as_deref())?;
    if from.env != to.env {
        bail!(
            "#{} is in `{}` and #{} in `{}`: diff compares two entries of one environment (pass --env)",
            from.seq,
            from.env,
            to.seq,
            to.env
        );
    }
    let diff = diff_states(
        &live_state(&journal.entries, &from.env, from.seq),
        &live_state(&journal.entries, &to.env, to.seq),
    );
    let (commits, commits_dropped) = match (workspace.repo_if_any(), &from.commit, &to.commit) {
        (Some(repo), Some(a), Some(b)) => match (repo.try_resolve(a), repo.try_resolve(b)) {
            (Some(a), Some(b)) => {
                let list = |since: &str, until: &str| -> Result<Vec<Commit>> {
                    Ok(repo
                        .commits_between(Some(since), until)?
                        .into_iter()
                        .map(|c| Commit {
                            id: c.id,
                            summary: c.summary,
                        })
                        .collect())
                };
                (Some(list(&a, &b)?), Some(list(&b, &a)?))
            }
            _ => (None, None),
        },
        _ => (None, None),
    };
    let answer = Answer {
        env: from.env.clone(),
        from: from.seq,
        to: to.seq,
        added: diff.added,
        changed: diff
            .changed
            .into_iter()
            .map(|(a, b)| Changed {
                key: b.key,
                from_version: a.version_id,
                to_version: b.version_id,
            })
            .collect(),
        deleted: diff.deleted,
        commits,
        commits_dropped,
    };
    match args.format {
        OutputFormat::Json => write_json(out, &answer)?,
        OutputFormat::Text => write_text(out, &answer)?,
    }
    Ok(Outcome::Success)
}

fn write_text(out: &mut dyn Write, a: &Answer) -> std::io::Result<()> {
    writeln!(out, "{}: #{} -> #{}", a.env, a.from, a.to)?;
    for f in &a.added {
        writeln!(
            out,
            "  added    {} {}",
            f.key,
            f.version_id.as_deref().unwrap_or("-")
        )?;
    }
    for c in &a.changed {
        writeln!(
            out,
            "  changed  {} {} -> {}",
            c.key,
            c.from_version.as_deref().unwrap_or("-"),
            c.to_version.as_deref().unwrap_or("-")
        )?;
    }
    for f in &a.deleted {
        writeln!(
            out,
            "  deleted  {} (was {})",
            f.key,
            f.version_id.as_deref().unwrap_or("-")
        )?;
    }
    match &a.commits {
        Some(commits) => {
            writeln!(out, "  {} commit(s):", commits.len())?;
            for c in commits {
                writeln!(out, "    {} {}", &c.id[..c.id.len().min(7)], c.summary)?;
            }
            if let Some(dropped) = a.commits_dropped.as_ref().filter(|d| !d.is_empty()) {
                writeln!(out, "  {} commit(s) no longer deployed:", dropped.len())?;
                for c in dropped {
                    writeln!(out, "    {} {}", &c.id[..c.id.len().min(7)], c.summary)?;
                }
            }
        }
        None => writeln!(
            out,
            "  commits: unknown (the commits are not in this repository)"
        )?,
    }
    Ok(())
}
