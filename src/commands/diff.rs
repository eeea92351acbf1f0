//! `ledger diff FROM TO` (`ops::query::diff`): objects, pinned versions
//! and commits between two entries, as text or JSON.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, write_json};
use crate::cli::{DiffArgs, OutputFormat};
use crate::ops::Workspace;
use crate::ops::query::diff::{self, Answer, DiffQuery};
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &DiffArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    if let Some(env) = &args.env {
        config.environment(env, &workspace.config_path())?;
    }
    let query = DiffQuery {
        from: args.from.clone(),
        to: args.to.clone(),
        env: args.env.clone(),
    };
    let answer = diff::diff(workspace, &query, ui)?;
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
            f.from_version.as_deref().unwrap_or("-")
        )?;
    }
    for line in &a.pin_lines {
        writeln!(out, "  {line}")?;
    }
    let Some(commits) = &a.commits else {
        return writeln!(
            out,
            "  commits: unknown (the commits are not in this repository)"
        );
    };
    let dropped = a.commits_dropped.as_deref().unwrap_or_default();
    if commits.is_empty() && dropped.is_empty() {
        writeln!(out, "  no commits between them")?;
    }
    let new = format!("commit(s) deployed by #{} and not by #{}", a.to, a.from);
    write_commits(out, &new, commits)?;
    let gone = format!(
        "commit(s) deployed by #{} and no longer by #{}",
        a.from, a.to
    );
    write_commits(out, &gone, dropped)?;
    Ok(())
}

/// `n what:` and one line per commit, when there are any.
fn write_commits(out: &mut dyn Write, what: &str, commits: &[diff::Commit]) -> std::io::Result<()> {
    if commits.is_empty() {
        return Ok(());
    }
    writeln!(out, "  {} {what}:", commits.len())?;
    for c in commits {
        writeln!(out, "    {} {}", &c.id[..c.id.len().min(7)], c.summary)?;
    }
    Ok(())
}
