//! `ledger diff FROM TO`: objects and commits between two entries.

use serde::Serialize;

use crate::journal::{Entry, FileAction, FileChange};
use crate::model::audit::diff_states;
use crate::model::{self, resolve_ref};
use crate::ops::{Result, Workspace};
use crate::refuse;
use crate::services::{Ordered, pinning};
use indexmap::IndexMap;

#[derive(Debug, Serialize)]
pub struct Changed {
    pub key: String,
    pub from_version: Option<String>,
    pub to_version: Option<String>,
}

/// A key live at FROM and not at TO.
#[derive(Debug, Serialize)]
pub struct Deleted {
    pub key: String,
    pub action: FileAction,
    /// The version live at FROM.
    pub from_version: Option<String>,
    pub etag: Option<String>,
    pub size: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Commit {
    pub id: String,
    pub summary: String,
}

#[derive(Debug, Serialize)]
pub struct Answer {
    pub env: String,
    pub from: u64,
    pub to: u64,
    pub added: Vec<FileChange>,
    pub changed: Vec<Changed>,
    pub deleted: Vec<Deleted>,
    /// Per pinning service, under its key, the resources whose served
    /// version differs (`functions`: name, from/to version and code).
    #[serde(flatten)]
    pub pins: IndexMap<&'static str, Vec<Ordered>>,
    /// The same in words, for the text form.
    #[serde(skip)]
    pub pin_lines: Vec<String>,
    /// Commits in TO and not in FROM, oldest first (null when git cannot tell).
    pub commits: Option<Vec<Commit>>,
    /// Commits in FROM and not in TO (a diff towards an older release).
    pub commits_dropped: Option<Vec<Commit>>,
}

/// The two entries `diff` compares.
#[derive(Debug, Clone)]
pub struct DiffQuery {
    /// FROM.
    pub from: String,
    /// TO.
    pub to: String,
    /// The environment that narrows both.
    pub env: Option<String>,
}

/// What differs between the two entries `args` names.
pub fn diff(workspace: &Workspace, args: &DiffQuery, ui: &crate::ui::Ui) -> Result<Answer> {
    let index = workspace.index(ui)?;
    let entries = model::in_force(index.heads()?);
    let from = resolve_ref(&entries, &args.from, args.env.as_deref())?;
    let to = resolve_ref(&entries, &args.to, args.env.as_deref())?;
    if from.env != to.env {
        refuse!(
            "#{} is in `{}` and #{} in `{}`: diff compares two entries of one environment; {}",
            from.seq,
            from.env,
            to.seq,
            to.env,
            same_env_hint(&entries, args, &from.env, &to.env)
        );
    }
    let diff = diff_states(
        &model::live_state_indexed(&index, &from.env, from.seq)?,
        &model::live_state_indexed(&index, &to.env, to.seq)?,
    );
    let (commits, commits_dropped) = commits_between(workspace, from, to)?;
    let (pins, pin_lines) = pin_changes(&entries, &from.env, from.seq, to.seq);
    Ok(Answer {
        env: from.env.clone(),
        from: from.seq,
        to: to.seq,
        added: diff.added,
        changed: (diff.changed.into_iter())
            .map(|(a, b)| Changed {
                key: b.key,
                from_version: a.version_id,
                to_version: b.version_id,
            })
            .collect(),
        deleted: (diff.deleted.into_iter())
            .map(|was| Deleted {
                key: was.key,
                action: FileAction::Delete,
                from_version: was.version_id,
                etag: was.etag,
                size: was.size,
            })
            .collect(),
        pins,
        pin_lines,
        commits,
        commits_dropped,
    })
}

/// A list of commits, when the repository could give it.
type Commits = Option<Vec<Commit>>;

/// The commits from `from`'s commit to `to`'s, and back (those a rollback
/// drops), when both are in the repository.
fn commits_between(workspace: &Workspace, from: &Entry, to: &Entry) -> Result<(Commits, Commits)> {
    let (Some(repo), Some(a), Some(b)) = (workspace.repo_if_any(), &from.commit, &to.commit) else {
        return Ok((None, None));
    };
    let (Some(a), Some(b)) = (repo.try_resolve(a), repo.try_resolve(b)) else {
        return Ok((None, None));
    };
    let list = |since: &str, until: &str| -> Result<Vec<Commit>> {
        Ok((repo.commits_between(Some(since), until)?.into_iter())
            .map(|c| Commit {
                id: c.id,
                summary: c.summary,
            })
            .collect())
    };
    Ok((Some(list(&a, &b)?), Some(list(&b, &a)?)))
}

/// Per pinning service, the resources serving another version at `to`
/// than at `from`: as JSON under its key, and in words.
fn pin_changes(
    entries: &[Entry],
    env: &str,
    from: u64,
    to: u64,
) -> (IndexMap<&'static str, Vec<Ordered>>, Vec<String>) {
    let mut json = IndexMap::new();
    let mut lines = Vec::new();
    for pinning in pinning() {
        let before = model::live_pins(entries, env, pinning.key(), from);
        let after = model::live_pins(entries, env, pinning.key(), to);
        let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
        names.sort();
        names.dedup();
        let mut changed = Vec::new();
        for name in names {
            let (a, b) = (
                before.get(name).map(|p| p.pin),
                after.get(name).map(|p| p.pin),
            );
            let same = match (a, b) {
                (Some(a), Some(b)) => pinning.serves_same(a, b),
                (None, None) => true,
                _ => false,
            };
            if !same {
                changed.push(pinning.change_json(name, a, b));
                lines.push(pinning.change_line(name, a, b));
            }
        }
        json.insert(pinning.key(), changed);
    }
    (json, lines)
}

/// What can make two references name entries of one environment: `--env E`
/// when both resolve there, else `#SEQ` of two entries of one environment.
fn same_env_hint(entries: &[Entry], args: &DiffQuery, a: &str, b: &str) -> String {
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
