//! `ledger rollback`: restore the live state of an earlier entry in S3,
//! then record what was done as a rollback entry.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use super::{Outcome, Workspace};
use crate::aws::{Clients, cloudfront, s3};
use crate::cli::RollbackArgs;
use crate::config::Environment;
use crate::journal::{Entry, EntryKind, FileAction, FileChange, Invalidation, JournalLock};
use crate::model::{self, LiveState, Observed, audit};
use crate::render::format::shell_word;
use crate::timestamp::Timestamp;

/// One key to change.
#[derive(Debug, Clone)]
enum Step {
    /// Copy this recorded version back over the latest.
    Restore(FileChange),
    /// Delete the key: it did not exist at the target.
    Delete(String),
}

impl Step {
    fn key(&self) -> &str {
        match self {
            Step::Restore(f) => &f.key,
            Step::Delete(k) => k,
        }
    }
}

/// What a half-done or done rollback changed.
struct Applied {
    files: Vec<FileChange>,
    failure: Option<(String, String)>,
    not_done: Vec<String>,
}

pub fn run(workspace: &Workspace, args: &RollbackArgs, out: &mut dyn Write) -> Result<Outcome> {
    let config = workspace.config()?;
    let env = config
        .environment(&args.env, &workspace.config_path())?
        .clone();
    let by = match workspace.repo_if_any() {
        Some(repo) => super::record::deployed_by(args.by.as_ref(), &repo)?,
        None => args
            .by
            .clone()
            .or_else(|| std::env::var("LEDGER_DEPLOYED_BY").ok())
            .ok_or_else(|| {
                anyhow!("cannot tell who rolls back: pass --by NAME or set LEDGER_DEPLOYED_BY")
            })?,
    };
    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let mut journal = lock.load()?;
    let target = model::resolve_ref(&journal.entries, &args.to, Some(&args.env))?.clone();
    if !target.kind.changes_files() {
        bail!(
            "#{} is a {}, not a deploy: roll back to a deploy or rollback entry",
            target.seq,
            target.kind.as_str()
        );
    }
    let wanted = model::live_state(&journal.entries, &args.env, target.seq);
    let unpinned: Vec<&str> = wanted
        .values()
        .filter(|f| f.version_id.as_deref().is_none_or(|v| v == "null"))
        .map(|f| f.key.as_str())
        .collect();
    if !unpinned.is_empty() {
        bail!(
            "#{} does not pin S3 versions for {} key(s) (first: {}): imported history or an unversioned \
             bucket cannot be restored from S3; nothing was changed",
            target.seq,
            unpinned.len(),
            unpinned[0]
        );
    }
    let runtime = super::runtime()?;
    let clients = runtime.block_on(super::clients(&env, &args.aws));
    let listing = runtime.block_on(s3::list_versions(
        &clients,
        &env.bucket,
        env.prefix(),
        None,
        &|_| {},
    ))?;
    let drift = audit::env_drift(
        &journal.entries,
        &args.env,
        &listing.latest,
        &listing.versions,
    );
    if !drift.is_empty() && !args.force {
        let lines: Vec<String> = drift.iter().map(|d| format!("  {}", d.message)).collect();
        bail!(
            "S3 has drifted from the ledger in `{}`; nothing was changed:\n{}\n\
             record the current state first (`ledger record`), or pass --force to plan from S3 as it is",
            args.env,
            lines.join("\n")
        );
    }
    let steps = plan(&wanted, &listing.latest);
    if steps.is_empty() {
        eprintln!(
            "nothing to do: s3://{}/{} already serves the live state of #{}",
            env.bucket,
            env.prefix(),
            target.seq
        );
        return Ok(Outcome::Success);
    }
    let needed: Vec<(String, String)> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Restore(f) => f.version_id.clone().map(|v| (f.key.clone(), v)),
            Step::Delete(_) => None,
        })
        .collect();
    let missing = runtime.block_on(s3::missing_versions(&clients, &env.bucket, needed, 16))?;
    if !missing.is_empty() {
        let lines: Vec<String> = missing
            .iter()
            .map(|(k, v)| format!("  {k} version {v}"))
            .collect();
        bail!(
            "{} version(s) needed to restore #{} no longer exist in S3 (a lifecycle rule or a permanent delete \
             removed them); nothing was changed:\n{}",
            missing.len(),
            target.seq,
            lines.join("\n")
        );
    }
    let from = model::last_deploy(&journal.entries, &args.env).cloned();
    write_plan(
        out,
        &env,
        &args.env,
        &target,
        from.as_ref(),
        &steps,
        !args.no_invalidate,
    )?;
    if args.dry_run {
        eprintln!("dry run: nothing was changed");
        return Ok(Outcome::Success);
    }
    if !args.yes {
        confirm(steps.len(), &args.env)?;
    }

    let applied = runtime.block_on(apply(&clients, &env.bucket, &steps));
    let mut entry = Entry {
        version: target.version.clone(),
        commit: target.commit.clone(),
        deployed_by: Some(by),
        files: applied.files.clone(),
        ..Entry::new(EntryKind::Rollback, args.env.clone(), Timestamp::now())
    };
    entry.files.sort_by(|a, b| a.key.cmp(&b.key));
    if let Some((key, error)) = &applied.failure {
        entry.notes.push(format!(
            "partial rollback towards #{}: stopped at {key}: {error}; {} key(s) not restored: {}",
            target.seq,
            applied.not_done.len(),
            applied.not_done.join(", ")
        ));
    } else {
        entry.restores = Some(target.seq);
    }
    // The objects changed: whatever happens to the invalidation, they are recorded.
    let mut invalidation_error = None;
    if let (None, Some(distribution), false) =
        (&applied.failure, &env.distribution, args.no_invalidate)
    {
        match runtime.block_on(invalidate(&clients, distribution, &entry, args)) {
            Ok(invalidation) => entry.invalidation = Some(invalidation),
            Err(e) => {
                entry.notes.push(format!(
                    "the invalidation of the changed paths failed: {e:#}"
                ));
                invalidation_error = Some(e);
            }
        }
    }
    let recorded = if entry.files.is_empty() {
        None
    } else {
        Some(lock.append(&mut journal, entry)?)
    };
    drop(lock);
    if let (Some(error), Some(entry)) = (invalidation_error, &recorded) {
        return Err(error.context(format!(
            "the objects were restored and recorded as #{}, but CloudFront was not invalidated: \
             run `aws cloudfront create-invalidation --distribution-id {} --paths \"/*\"`",
            entry.seq,
            env.distribution.as_deref().unwrap_or("-")
        )));
    }
    match (&applied.failure, recorded) {
        (None, Some(entry)) => {
            eprintln!(
                "rolled back {} to #{} ({}): {} key(s) changed; recorded as #{}{}",
                args.env,
                target.seq,
                target.version.as_deref().unwrap_or("-"),
                entry.files.len(),
                entry.seq,
                entry
                    .invalidation
                    .as_ref()
                    .map(|i| format!(", invalidation {}", i.id))
                    .unwrap_or_default()
            );
            Ok(Outcome::Success)
        }
        (Some((key, error)), recorded) => {
            let done: Vec<&str> = applied.files.iter().map(|f| f.key.as_str()).collect();
            Err(anyhow!(
                "rollback stopped at {key}: {error}\n  restored ({}): {}\n  not restored ({}): {}\n{}",
                done.len(),
                if done.is_empty() {
                    "none".to_string()
                } else {
                    done.join(", ")
                },
                applied.not_done.len(),
                applied.not_done.join(", "),
                match recorded {
                    Some(e) => format!(
                        "what was changed is recorded as #{} (a partial rollback); run `ledger verify --aws`",
                        e.seq
                    ),
                    None => "nothing was changed, nothing was recorded".to_string(),
                }
            ))
        }
        (None, None) => Ok(Outcome::Success),
    }
}

/// The steps that turn S3's latest state into `wanted`: restore each key
/// whose latest version differs, delete each live key not wanted.
fn plan(wanted: &LiveState, latest: &BTreeMap<String, Observed>) -> Vec<Step> {
    let mut steps = Vec::new();
    for (key, file) in wanted {
        let current = latest.get(key).filter(|o| !o.deleted);
        if current.and_then(|o| o.version_id.as_ref()) != file.version_id.as_ref() {
            steps.push(Step::Restore(file.clone()));
        }
    }
    for (key, observed) in latest {
        if !observed.deleted && !wanted.contains_key(key) {
            steps.push(Step::Delete(key.clone()));
        }
    }
    steps.sort_by(|a, b| a.key().cmp(b.key()));
    steps
}

fn write_plan(
    out: &mut dyn Write,
    env: &Environment,
    env_key: &str,
    target: &Entry,
    from: Option<&Entry>,
    steps: &[Step],
    invalidate: bool,
) -> std::io::Result<()> {
    writeln!(
        out,
        "rollback {env_key} to #{} ({}, {}){}",
        target.seq,
        target.version.as_deref().unwrap_or("-"),
        target.short_commit(),
        from.map(|f| format!(" from #{} ({})", f.seq, f.version.as_deref().unwrap_or("-")))
            .unwrap_or_default()
    )?;
    for step in steps {
        match step {
            Step::Restore(f) => writeln!(
                out,
                "  restore  {} -> version {}",
                f.key,
                f.version_id.as_deref().unwrap_or("-")
            )?,
            Step::Delete(k) => writeln!(out, "  delete   {k} (not live at #{})", target.seq)?,
        }
    }
    let profile = env
        .profile
        .as_deref()
        .map(|p| format!(" --profile {}", shell_word(p)))
        .unwrap_or_default();
    let bucket = shell_word(&env.bucket);
    writeln!(out, "equivalent aws CLI commands:")?;
    for step in steps {
        match step {
            Step::Restore(f) => writeln!(
                out,
                "aws s3api copy-object --bucket {bucket} --key {} --copy-source \"{}/{}?versionId={}\" --metadata-directive COPY{profile}",
                shell_word(&f.key),
                env.bucket,
                s3::encode_key(&f.key),
                f.version_id.as_deref().unwrap_or("VERSION_ID")
            )?,
            Step::Delete(k) => writeln!(
                out,
                "aws s3api delete-object --bucket {bucket} --key {}{profile}",
                shell_word(k)
            )?,
        }
    }
    if let (true, Some(distribution)) = (invalidate, &env.distribution) {
        writeln!(
            out,
            "aws cloudfront create-invalidation --distribution-id {distribution} --paths {}{profile}",
            invalidation_paths(steps.iter().map(Step::key))
                .iter()
                .map(|p| shell_word(p))
                .collect::<Vec<_>>()
                .join(" ")
        )?;
    }
    Ok(())
}

fn confirm(count: usize, env: &str) -> Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!(
            "rollback changes {count} object(s) in `{env}`: confirm with --yes (stdin is not a terminal); nothing was changed"
        );
    }
    eprint!("change {count} object(s) in `{env}`? [y/N] ");
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        bail!("rollback cancelled; nothing was changed");
    }
    Ok(())
}

/// Applies the steps in order, stopping at the first failure.
async fn apply(clients: &Clients, bucket: &str, steps: &[Step]) -> Applied {
    let mut applied = Applied {
        files: Vec::new(),
        failure: None,
        not_done: Vec::new(),
    };
    for (index, step) in steps.iter().enumerate() {
        let result = match step {
            Step::Restore(file) => {
                let version = file.version_id.as_deref().unwrap_or("null");
                s3::restore_version(clients, bucket, &file.key, version)
                    .await
                    .map(|restored| FileChange {
                        version_id: restored.version_id,
                        etag: restored.etag.or_else(|| file.etag.clone()),
                        last_modified: None,
                        ..file.clone()
                    })
            }
            Step::Delete(key) => {
                s3::delete_latest(clients, bucket, key)
                    .await
                    .map(|marker| FileChange {
                        key: key.clone(),
                        action: FileAction::Delete,
                        version_id: marker,
                        etag: None,
                        size: None,
                        size_text: None,
                        content_type: None,
                        cache_control: None,
                        last_modified: None,
                    })
            }
        };
        match result {
            Ok(file) => applied.files.push(file),
            Err(error) => {
                applied.failure = Some((step.key().to_string(), error.to_string()));
                applied.not_done = steps[index..].iter().map(|s| s.key().to_string()).collect();
                break;
            }
        }
    }
    applied
}

/// `/key` paths, or `/*` when there are more than CloudFront takes at once.
fn invalidation_paths<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<String> {
    let paths: Vec<String> = keys.map(|k| format!("/{k}")).collect();
    if paths.len() > cloudfront::MAX_PATHS
        || paths.iter().filter(|p| p.contains('*')).count() > cloudfront::MAX_WILDCARDS
    {
        vec!["/*".to_string()]
    } else {
        paths
    }
}

async fn invalidate(
    clients: &Clients,
    distribution: &str,
    entry: &Entry,
    args: &RollbackArgs,
) -> Result<Invalidation> {
    let paths = invalidation_paths(entry.files.iter().map(|f| f.key.as_str()));
    let reference = super::caller_reference(entry, &paths);
    let invalidation =
        cloudfront::create_invalidation(clients, distribution, &paths, &reference, 6).await?;
    if !args.wait {
        return Ok(invalidation);
    }
    let (seen, _) = cloudfront::wait_for(
        clients,
        distribution,
        &invalidation.id,
        Duration::from_secs(args.wait_timeout),
    )
    .await?;
    Ok(seen)
}
