//! `ledger diff FROM TO`: objects and commits between two entries.

use std::io::Write;

use anyhow::{Result, bail};
use serde::Serialize;

use super::{Outcome, Workspace, write_json};
use crate::cli::{DiffArgs, OutputFormat};
use crate::journal::{Entry, FileAction, FileChange};
use crate::model::audit::diff_states;
use crate::model::{self, live_state, resolve_ref};
use crate::tables::display::short_code;

#[derive(Serialize)]
struct Changed {
    key: String,
    from_version: Option<String>,
    to_version: Option<String>,
}

/// A key live at FROM and not at TO.
#[derive(Serialize)]
struct Deleted {
    key: String,
    action: FileAction,
    /// The version live at FROM.
    from_version: Option<String>,
    etag: Option<String>,
    size: Option<u64>,
}

/// A function whose serving version differs between FROM and TO.
#[derive(Serialize)]
struct FunctionChanged {
    name: String,
    /// The version serving at FROM (null when the ledger had none recorded).
    from_version: Option<String>,
    /// The version serving at TO (null when the ledger had none recorded).
    to_version: Option<String>,
    /// The code SHA-256 of the version at FROM.
    from_code_sha256: Option<String>,
    /// The code SHA-256 of the version at TO (differs from FROM's when the
    /// version name is the same, `$LATEST` with new code).
    to_code_sha256: Option<String>,
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
    deleted: Vec<Deleted>,
    /// Lambda functions whose serving version differs.
    functions: Vec<FunctionChanged>,
    /// Commits in TO and not in FROM, oldest first (null when git cannot tell).
    commits: Option<Vec<Commit>>,
    /// Commits in FROM and not in TO (a diff towards an older release).
    commits_dropped: Option<Vec<Commit>>,
}

pub fn run(
    workspace: &Workspace,
    args: &DiffArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    if let Some(env) = &args.env {
        config.environment(env, &workspace.config_path())?;
    }
    let journal = workspace.journal(ui)?;
    let entries = model::in_force(&journal.entries);
    let from = resolve_ref(&entries, &args.from, args.env.as_deref())?;
    let to = resolve_ref(&entries, &args.to, args.env.as_deref())?;
    if from.env != to.env {
        bail!(
            "#{} is in `{}` and #{} in `{}`: diff compares two entries of one environment; {}",
            from.seq,
            from.env,
            to.seq,
            to.env,
            same_env_hint(&entries, args, &from.env, &to.env)
        );
    }
    let diff = diff_states(
        &live_state(&entries, &from.env, from.seq),
        &live_state(&entries, &to.env, to.seq),
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
        deleted: diff
            .deleted
            .into_iter()
            .map(|was| Deleted {
                key: was.key,
                action: FileAction::Delete,
                from_version: was.version_id,
                etag: was.etag,
                size: was.size,
            })
            .collect(),
        functions: function_changes(&entries, &from.env, from.seq, to.seq),
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
            f.from_version.as_deref().unwrap_or("-")
        )?;
    }
    for f in &a.functions {
        writeln!(
            out,
            "  function {} version {} (code {}) -> {} (code {})",
            f.name,
            f.from_version.as_deref().unwrap_or("-"),
            short_code(f.from_code_sha256.as_deref()),
            f.to_version.as_deref().unwrap_or("-"),
            short_code(f.to_code_sha256.as_deref())
        )?;
    }
    match &a.commits {
        Some(commits) if commits.is_empty() => writeln!(out, "  no commits between them")?,
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

/// The functions serving another version at `to` than at `from`.
fn function_changes(entries: &[Entry], env: &str, from: u64, to: u64) -> Vec<FunctionChanged> {
    let (before, after) = (
        model::live_functions(entries, env, from),
        model::live_functions(entries, env, to),
    );
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (a, b) = (before.get(name), after.get(name));
            let same =
                a.map(|f| (&f.version, &f.code_sha256)) == b.map(|f| (&f.version, &f.code_sha256));
            (!same).then(|| FunctionChanged {
                name: name.clone(),
                from_version: a.map(|f| f.version.clone()),
                to_version: b.map(|f| f.version.clone()),
                from_code_sha256: a.and_then(|f| f.code_sha256.clone()),
                to_code_sha256: b.and_then(|f| f.code_sha256.clone()),
            })
        })
        .collect()
}

/// What can make two references name entries of one environment: `--env E`
/// when both resolve there, else `#SEQ` of two entries of one environment.
fn same_env_hint(entries: &[Entry], args: &DiffArgs, a: &str, b: &str) -> String {
    if args.env.is_none() {
        for env in [a, b] {
            let both = resolve_ref(entries, &args.from, Some(env)).is_ok()
                && resolve_ref(entries, &args.to, Some(env)).is_ok();
            if both {
                return format!("pass `--env {env}`: both references name entries there");
            }
        }
    }
    format!(
        "name two entries of one environment (`ledger log --env {a}` lists them), or compare what each \
         environment serves with `ledger live --env {a}` and `ledger live --env {b}`"
    )
}
