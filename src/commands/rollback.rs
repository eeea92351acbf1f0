//! `ledger rollback` (`ops::rollback`): the plan on stdout (with
//! `--dry-run`, the aws CLI commands too), a confirmation on a terminal
//! unless `--yes`, then what was done, key by key.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use super::{Outcome, aws_settings};
use crate::cli::RollbackArgs;
use crate::config::Environment;
use crate::document::format::shell_word;
use crate::journal::{Entry, FileAction};
use crate::ops::Workspace;
use crate::ops::rollback::{
    self, Applied, Plan, RollbackSettings, RolledBack, Step, invalidation_paths,
};
use crate::services;
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &RollbackArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    let env = config
        .environment(&args.env, &workspace.config_path())?
        .clone();
    let settings = RollbackSettings {
        env: args.env.clone(),
        to: args.to.clone(),
        force: args.force,
        lock: args.lock.then(|| args.reason.clone()),
        no_invalidate: args.no_invalidate,
        wait: args.wait.then(|| Duration::from_secs(args.wait_timeout)),
        by: workspace.actor(args.by.as_ref())?,
        aws: aws_settings(&args.aws),
    };
    let Some(plan) = rollback::plan(workspace, &config, &settings, (args.dry_run, ui))? else {
        return Ok(Outcome::Success);
    };
    write_plan(out, &env, args, &plan)?;
    if args.dry_run {
        writeln!(out, "the same with the aws CLI:")?;
        write_commands(out, &env, args, &plan.steps)?;
        write_pin_commands(out, &env, &plan)?;
        crate::note!(ui, "dry run: nothing was changed");
        return Ok(Outcome::Success);
    }
    out.flush()?;
    if !args.yes {
        confirm(&plan.changes_in_words(), &args.env, ui)?;
    }
    let done = rollback::carry_out(workspace, &config, &settings, &plan, ui)?;
    if let Some(entry) = &done.recorded {
        write_done(out, entry)?;
    }
    if let Some(locked) = &done.locked {
        crate::note!(
            ui,
            "locked {env} as #{}: the next record refuses it until `ledger unlock --env {env}`",
            locked.seq,
            env = args.env
        );
    }
    finish(args, &env, &plan, done, ui)
}

/// The outcome: success, or what stopped and what was restored.
fn finish(
    args: &RollbackArgs,
    env: &Environment,
    plan: &Plan,
    done: RolledBack,
    ui: &Ui,
) -> Result<Outcome> {
    let RolledBack {
        recorded,
        applied,
        invalidation_error,
        ..
    } = done;
    let target = &plan.target;
    if let (Some(error), Some(entry)) = (invalidation_error, &recorded) {
        return Err(anyhow::Error::from(error).context(format!(
            "the objects were restored and recorded as #{}, but CloudFront was not invalidated: \
             run `aws cloudfront create-invalidation --distribution-id {} --paths \"/*\"`",
            entry.seq,
            env.distribution.as_deref().unwrap_or("-")
        )));
    }
    match (&applied.failure, recorded) {
        (None, Some(entry)) => {
            let invalidation = (entry.invalidation.as_ref())
                .map(|i| format!(", invalidation {}", i.id))
                .unwrap_or_default();
            crate::note!(
                ui,
                "rolled back {} to #{} ({}): {} key(s) changed, {} version(s) pointed back; recorded as #{}{invalidation}",
                args.env,
                target.seq,
                target.version.as_deref().unwrap_or("-"),
                entry.files.len(),
                entry.pins.values().map(Vec::len).sum::<usize>(),
                entry.seq,
            );
            Ok(Outcome::Success)
        }
        (Some((key, error)), recorded) => {
            let next = crate::ops::reconcile::after_partial_rollback(&args.env, target.seq);
            let stop = (key.as_str(), error.as_str(), next.as_str());
            Err(stopped(stop, &applied, recorded.as_ref()))
        }
        (None, None) => Ok(Outcome::Success),
    }
}

/// What a rollback that stopped at `key` with `error` restored, what it
/// did not, and (`next`) how to finish it.
fn stopped(
    (key, error, next): (&str, &str, &str),
    applied: &Applied,
    recorded: Option<&Entry>,
) -> anyhow::Error {
    let done: Vec<&str> = (applied.files.iter())
        .map(|f| f.key.as_str())
        .chain(applied.pins.values().flatten().map(crate::model::pin_name))
        .collect();
    let listed = match done.is_empty() {
        true => "none".to_string(),
        false => done.join(", "),
    };
    let what = match recorded {
        Some(e) => format!(
            "what was changed is recorded as #{} (a partial rollback); {next}",
            e.seq
        ),
        None => format!("nothing was changed, nothing was recorded; {next}"),
    };
    anyhow!(
        "rollback stopped at {key}: {error}\n  restored ({}): {listed}\n  not restored ({}): {}\n{what}",
        done.len(),
        applied.not_done.len(),
        applied.not_done.join(", "),
    )
}

/// The plan: each key with its current and restored version, the
/// deletions, and the invalidation.
fn write_plan(
    out: &mut dyn Write,
    env: &Environment,
    args: &RollbackArgs,
    plan: &Plan,
) -> std::io::Result<()> {
    let target = &plan.target;
    writeln!(
        out,
        "rollback {} to #{} ({}, {}){}",
        args.env,
        target.seq,
        target.version.as_deref().unwrap_or("-"),
        target.short_commit(),
        plan.from
            .as_ref()
            .map(|f| format!(" from #{} ({})", f.seq, f.version.as_deref().unwrap_or("-")))
            .unwrap_or_default()
    )?;
    let width = plan.steps.iter().map(|s| s.key().len()).max().unwrap_or(0);
    for step in &plan.steps {
        match step {
            Step::Restore { file, current } => writeln!(
                out,
                "  restore  {:<width$}  {} -> {}",
                file.key,
                current.as_deref().unwrap_or("(none)"),
                file.version_id.as_deref().unwrap_or("-")
            )?,
            Step::Delete { key, current } => writeln!(
                out,
                "  delete   {key:<width$}  {} (not live at #{})",
                current.as_deref().unwrap_or("-"),
                target.seq
            )?,
        }
    }
    for (_, pins) in &plan.pins {
        for step in &pins.steps {
            writeln!(out, "  {}", step.plan_line)?;
        }
        for skipped in &pins.skipped {
            writeln!(out, "  skip     {skipped}")?;
        }
    }
    match (&env.distribution, args.no_invalidate) {
        (Some(_), false) if plan.steps.is_empty() => {
            writeln!(out, "  no invalidation (no object changes)")?
        }
        (Some(distribution), false) => writeln!(
            out,
            "  invalidate {} on {distribution}",
            invalidation_paths(plan.steps.iter().map(Step::key)).join(" ")
        )?,
        (Some(_), true) => writeln!(out, "  no invalidation (--no-invalidate)")?,
        (None, _) => writeln!(out, "  no invalidation (no distribution declared)")?,
    }
    Ok(())
}

/// `--dry-run`: the aws CLI commands that would make the same changes.
fn write_commands(
    out: &mut dyn Write,
    env: &Environment,
    args: &RollbackArgs,
    steps: &[Step],
) -> std::io::Result<()> {
    let profile = env
        .profile
        .as_deref()
        .map(|p| format!(" --profile {}", shell_word(p)))
        .unwrap_or_default();
    let bucket = shell_word(&env.bucket);
    for step in steps {
        match step {
            Step::Restore { file, .. } => writeln!(
                out,
                "aws s3api copy-object --bucket {bucket} --key {} --copy-source \"{}/{}?versionId={}\" --metadata-directive COPY{profile}",
                shell_word(&file.key),
                env.bucket,
                crate::s3_key::percent_encode(&file.key),
                file.version_id.as_deref().unwrap_or("VERSION_ID")
            )?,
            Step::Delete { key, .. } => writeln!(
                out,
                "aws s3api delete-object --bucket {bucket} --key {}{profile}",
                shell_word(key)
            )?,
        }
    }
    if let (false, Some(distribution), false) =
        (args.no_invalidate, &env.distribution, steps.is_empty())
    {
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

/// `--dry-run`: the aws CLI commands that point the pinned resources back.
fn write_pin_commands(out: &mut dyn Write, env: &Environment, plan: &Plan) -> std::io::Result<()> {
    let profile = env
        .profile
        .as_deref()
        .map(|p| format!(" --profile {}", shell_word(p)))
        .unwrap_or_default();
    for (_, plan) in &plan.pins {
        for step in &plan.steps {
            writeln!(out, "{}{profile}", step.command)?;
        }
    }
    Ok(())
}

/// What a real run did, key by key.
fn write_done(out: &mut dyn Write, entry: &Entry) -> std::io::Result<()> {
    writeln!(out, "done (entry #{}):", entry.seq)?;
    for file in &entry.files {
        match file.action {
            FileAction::Put => writeln!(
                out,
                "  restored {} as new version {}",
                file.key,
                file.version_id.as_deref().unwrap_or("-")
            )?,
            FileAction::Delete => writeln!(
                out,
                "  deleted  {}{}",
                file.key,
                file.version_id
                    .as_deref()
                    .map(|v| format!(" (delete marker {v})"))
                    .unwrap_or_default()
            )?,
        }
    }
    for (key, pins) in &entry.pins {
        for pin in pins {
            let line = match services::by_pin_key(key) {
                Some(pinning) => pinning.line(pin),
                None => crate::model::pin_name(pin).to_string(),
            };
            writeln!(out, "  pointed back {line}")?;
        }
    }
    if let Some(invalidation) = &entry.invalidation {
        writeln!(
            out,
            "  invalidation {} ({})",
            invalidation.id,
            invalidation.status.as_deref().unwrap_or("created")
        )?;
    }
    Ok(())
}

fn confirm(changes: &str, env: &str, ui: &Ui) -> Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!(
            "rollback changes {changes} in `{env}`: confirm with --yes (stdin is not a terminal); nothing was changed"
        );
    }
    ui.prompt(format_args!(
        "change {changes} in `{env}` as planned above? [y/N] "
    ));
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        bail!("rollback cancelled; nothing was changed");
    }
    Ok(())
}
