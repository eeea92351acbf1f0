//! `ledger rollback`: restore the live state of an earlier entry in S3,
//! then record what was done as a rollback entry.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use super::{Outcome, Workspace};
use crate::aws::{Clients, s3};
use crate::cli::RollbackArgs;
use crate::config::Environment;
use crate::document::format::shell_word;
use crate::journal::Pins;
use crate::journal::{Entry, EntryKind, FileAction, FileChange, Invalidation, JournalLock};
use crate::model::{self, LiveState, Observed, audit};
use crate::services::cloudfront;
use crate::services::s3::{self as objects, Reading};
use crate::services::{self, PinPlan, PinRead, Pinning};
use crate::timestamp::Timestamp;

/// One key to change.
#[derive(Debug, Clone)]
enum Step {
    /// Copy this recorded version back over the latest (`current`, if any).
    Restore {
        file: FileChange,
        current: Option<String>,
    },
    /// Delete the key (its latest version is `current`): it did not exist at the target.
    Delete {
        key: String,
        current: Option<String>,
    },
}

impl Step {
    fn key(&self) -> &str {
        match self {
            Step::Restore { file, .. } => &file.key,
            Step::Delete { key, .. } => key,
        }
    }
}

/// What a half-done or done rollback changed.
struct Applied {
    files: Vec<FileChange>,
    /// Pins pointed back: what each service's resources now serve.
    pins: Pins,
    failure: Option<(String, String)>,
    not_done: Vec<String>,
}

/// Everything decided before S3 is touched.
struct Plan {
    target: Entry,
    from: Option<Entry>,
    steps: Vec<Step>,
    /// Per pinning service, the resources to point back and those that
    /// cannot be.
    pins: Vec<(&'static dyn Pinning, PinPlan)>,
    /// The last entry of the environment when the plan was made: a record
    /// that lands while the user confirms makes the plan stale.
    tip: Option<u64>,
}

pub fn run(
    workspace: &Workspace,
    args: &RollbackArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    let env = config
        .environment(&args.env, &workspace.config_path())?
        .clone();
    let by = super::actor(workspace, args.by.as_ref())?;
    let runtime = super::runtime()?;
    let clients = runtime.block_on(super::clients(&env, &args.aws, ui));
    // Planned without the journal lock: the prompt may wait for a person.
    let journal = workspace.journal(ui)?;
    if !args.dry_run {
        super::lock::check_unlocked(&journal.entries, &args.env, args.force)?;
    }
    let Some(plan) = make_plan(
        &journal.entries,
        (&config, &env),
        args,
        (&runtime, &clients),
        ui,
    )?
    else {
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
        confirm(plan.steps.len() + pin_steps(&plan), &args.env, ui)?;
    }
    // Checked again just before S3 changes; the journal lock is taken only
    // for the final append, not over the copies or the invalidation's wait.
    let journal = workspace.journal(ui)?;
    let lock_note = super::lock::check_unlocked(&journal.entries, &args.env, args.force)?;
    if tip_of(&journal, &args.env) != plan.tip {
        bail!(
            "another entry of `{}` was recorded while the rollback was being confirmed; nothing was \
             changed: run the rollback again to plan from the new state",
            args.env
        );
    }
    let mut applied = runtime.block_on(apply(&clients, &env.bucket, &plan.steps));
    if applied.failure.is_none() {
        let env_of = (&config, &env, args.env.as_str());
        apply_pins((&runtime, &clients), &plan, env_of, &mut applied);
    }
    let mut entry = rollback_entry(&plan, &applied, args, by.clone());
    entry.notes.extend(lock_note);
    let invalidation_error =
        invalidate_restored(&runtime, &clients, &env, args, &applied, &mut entry);
    let writer = super::Writer::for_config(&config, ui)?;
    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let mut journal = lock.load()?;
    writer.refresh(&lock, &mut journal)?;
    if let Some(landed) = tip_of(&journal, &args.env).filter(|t| Some(*t) != plan.tip) {
        entry.notes.push(format!(
            "#{landed} of {} was recorded while this rollback changed S3",
            args.env
        ));
    }
    let recorded = if entry.files.is_empty() && entry.pins.is_empty() {
        None
    } else {
        Some(writer.append(&lock, &mut journal, entry, ui)?)
    };
    if let (true, None, Some(rolled)) = (args.lock, &applied.failure, &recorded) {
        let reason = args.reason.clone().unwrap_or_else(|| {
            format!(
                "rolled back to {} (#{})",
                plan.target.version.as_deref().unwrap_or("-"),
                rolled.seq
            )
        });
        lock_after(&writer, &lock, &mut journal, &args.env, (&reason, by), ui)?;
    }
    drop(lock);
    if let Some(entry) = &recorded {
        write_done(out, entry)?;
    }
    finish(args, &env, &plan, applied, recorded, invalidation_error, ui)
}

/// The last deploy or rollback of `env` in force.
fn tip_of(journal: &crate::journal::Journal, env: &str) -> Option<u64> {
    model::last_deploy(&model::in_force(&journal.entries), env).map(|e| e.seq)
}

/// `--lock`: locks the environment after a complete rollback (unless a
/// lock is in force already).
fn lock_after(
    writer: &super::Writer,
    lock: &JournalLock,
    journal: &mut crate::journal::Journal,
    env: &str,
    (reason, by): (&str, String),
    ui: &crate::ui::Ui,
) -> Result<()> {
    if model::lock_of(&journal.entries, env).is_some() {
        return Ok(());
    }
    let locked = writer.append(lock, journal, super::lock::lock_entry(env, reason, by), ui)?;
    crate::note!(
        ui,
        "locked {env} as #{}: the next record refuses it until `ledger unlock --env {env}`",
        locked.seq
    );
    Ok(())
}

/// The steps from S3's state to the target's, after checking that the
/// target pins versions, that S3 has not drifted (unless --force) and that
/// every needed version still exists. `None` when there is nothing to do.
fn make_plan(
    all: &[Entry],
    (config, env): (&crate::config::Config, &Environment),
    args: &RollbackArgs,
    (runtime, clients): (&tokio::runtime::Runtime, &Clients),
    ui: &crate::ui::Ui,
) -> Result<Option<Plan>> {
    let entries = model::in_force(all);
    let target = model::resolve_ref(&entries, &args.to, Some(&args.env))?.clone();
    if !target.kind.changes_files() {
        bail!(
            "#{} is a {}, not a deploy: roll back to a deploy or rollback entry",
            target.seq,
            target.kind.as_str()
        );
    }
    match audit::observed_upto(&entries, &args.env, target.seq) {
        None => bail!(
            "no entry of `{}` up to #{} read S3 (they were recorded with --no-aws): the objects to \
             restore are not known; nothing was changed",
            args.env,
            target.seq
        ),
        Some(observed) if observed.seq != target.seq => crate::note!(
            ui,
            "note: #{} was recorded with --no-aws: restoring the objects #{} read from S3",
            target.seq,
            observed.seq
        ),
        Some(_) => {}
    }
    let wanted = model::live_state(&entries, &args.env, target.seq);
    check_pinned(&target, &wanted)?;
    let listing = runtime.block_on(objects::list_objects(
        clients,
        env,
        Reading::default(),
        &crate::ui::Silent,
    ))?;
    let drift = audit::env_drift(&entries, &args.env, &listing.latest, &listing.versions);
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
    let pins = plan_pins(
        &entries,
        (config, env),
        &args.env,
        &target,
        (runtime, clients),
    )?;
    if steps.is_empty() && pins.iter().all(|(_, p)| p.steps.is_empty()) {
        for (_, plan) in &pins {
            for skipped in &plan.skipped {
                crate::warning!(ui, "{skipped}");
            }
        }
        let pinned: Vec<&str> = pins.iter().map(|(p, _)| p.key()).collect();
        crate::note!(
            ui,
            "nothing to do: s3://{}/{} already serves the live state of #{}{}",
            env.bucket,
            env.prefix(),
            target.seq,
            if pinned.is_empty() {
                String::new()
            } else {
                format!(
                    ", and so do the declared {} that can be pointed back",
                    pinned.join(", ")
                )
            }
        );
        return Ok(None);
    }
    check_versions_exist(&steps, &target, &env.bucket, runtime, clients)?;
    let from = model::last_deploy(&entries, &args.env).cloned();
    Ok(Some(Plan {
        tip: from.as_ref().map(|e| e.seq),
        target,
        from,
        steps,
        pins,
    }))
}

/// Per pinning service the environment declares resources of: what to
/// point back to the pins in force at `target`.
fn plan_pins(
    entries: &[Entry],
    (config, env): (&crate::config::Config, &Environment),
    env_key: &str,
    target: &Entry,
    (runtime, clients): (&tokio::runtime::Runtime, &Clients),
) -> Result<Vec<(&'static dyn Pinning, PinPlan)>> {
    let mut plans = Vec::new();
    for service in services::REGISTRY {
        let Some(pinning) = service.pinning() else {
            continue;
        };
        let declared = services::declarations(config, env, service.declared_at());
        if (declared.and_then(toml::Value::as_array)).is_none_or(Vec::is_empty) {
            continue;
        }
        let wanted = model::live_pins(entries, env_key, pinning.key(), target.seq);
        let cx = PinRead {
            clients,
            env_key,
            declared,
        };
        let plan = runtime.block_on(pinning.plan(&cx, &wanted, target.seq))?;
        plans.push((pinning, plan));
    }
    Ok(plans)
}

/// How many resources the plan points back.
fn pin_steps(plan: &Plan) -> usize {
    plan.pins.iter().map(|(_, p)| p.steps.len()).sum()
}

/// Points the planned resources back, service by service, stopping at the
/// first failure.
fn apply_pins(
    (runtime, clients): (&tokio::runtime::Runtime, &Clients),
    plan: &Plan,
    (config, env, env_key): (&crate::config::Config, &Environment, &str),
    applied: &mut Applied,
) {
    let all: Vec<(&dyn Pinning, &services::PinStep)> = (plan.pins.iter())
        .flat_map(|(p, plan)| plan.steps.iter().map(move |s| (*p, s)))
        .collect();
    for (index, (pinning, step)) in all.iter().enumerate() {
        let declared = (services::REGISTRY.iter())
            .find(|s| s.pinning().is_some_and(|p| p.key() == pinning.key()))
            .and_then(|s| services::declarations(config, env, s.declared_at()));
        let cx = PinRead {
            clients,
            env_key,
            declared,
        };
        match runtime.block_on(pinning.apply(&cx, step)) {
            Ok(pin) => (applied.pins)
                .entry(pinning.key().to_string())
                .or_default()
                .push(pin),
            Err(error) => {
                applied.failure = Some((step.name.clone(), error.to_string()));
                applied.not_done = all[index..].iter().map(|(_, s)| s.name.clone()).collect();
                break;
            }
        }
    }
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

/// Refuses a target whose objects are not pinned to versions.
fn check_pinned(target: &Entry, wanted: &LiveState) -> Result<()> {
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
    Ok(())
}

/// Refuses when a version the plan copies back no longer exists.
fn check_versions_exist(
    steps: &[Step],
    target: &Entry,
    bucket: &str,
    runtime: &tokio::runtime::Runtime,
    clients: &Clients,
) -> Result<()> {
    let needed: Vec<(String, String)> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Restore { file, .. } => file.version_id.clone().map(|v| (file.key.clone(), v)),
            Step::Delete { .. } => None,
        })
        .collect();
    let missing = runtime.block_on(s3::missing_versions(clients, bucket, needed, 16))?;
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
    Ok(())
}

/// The rollback entry for what was applied.
fn rollback_entry(plan: &Plan, applied: &Applied, args: &RollbackArgs, by: String) -> Entry {
    let target = &plan.target;
    let mut entry = Entry {
        version: target.version.clone(),
        commit: target.commit.clone(),
        deployed_by: Some(by),
        files: applied.files.clone(),
        pins: applied.pins.clone(),
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
    entry
}

/// Invalidates the restored paths after a complete rollback. The objects
/// changed whatever happens here: a failure becomes a note on the entry and
/// is returned, to be reported once the entry is recorded.
fn invalidate_restored(
    runtime: &tokio::runtime::Runtime,
    clients: &Clients,
    env: &Environment,
    args: &RollbackArgs,
    applied: &Applied,
    entry: &mut Entry,
) -> Option<anyhow::Error> {
    let (None, Some(distribution), false) =
        (&applied.failure, &env.distribution, args.no_invalidate)
    else {
        return None;
    };
    if entry.files.is_empty() {
        return None;
    }
    match runtime.block_on(invalidate(clients, distribution, entry, args)) {
        Ok(invalidation) => {
            entry.invalidation = Some(invalidation);
            None
        }
        Err(e) => {
            entry.notes.push(format!(
                "the invalidation of the changed paths failed: {e:#}"
            ));
            Some(e)
        }
    }
}

/// The outcome: success, or what stopped and what was restored.
fn finish(
    args: &RollbackArgs,
    env: &Environment,
    plan: &Plan,
    applied: Applied,
    recorded: Option<Entry>,
    invalidation_error: Option<anyhow::Error>,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let target = &plan.target;
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
            crate::note!(
                ui,
                "rolled back {} to #{} ({}): {} key(s) changed, {} version(s) pointed back; recorded as #{}{}",
                args.env,
                target.seq,
                target.version.as_deref().unwrap_or("-"),
                entry.files.len(),
                entry.pins.values().map(Vec::len).sum::<usize>(),
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
            let done: Vec<&str> = applied
                .files
                .iter()
                .map(|f| f.key.as_str())
                .chain(applied.pins.values().flatten().map(crate::model::pin_name))
                .collect();
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
        let current_version = current.and_then(|o| o.version_id.clone());
        if current_version.as_ref() != file.version_id.as_ref() {
            steps.push(Step::Restore {
                file: file.clone(),
                current: current_version,
            });
        }
    }
    for (key, observed) in latest {
        if !observed.deleted && !wanted.contains_key(key) {
            steps.push(Step::Delete {
                key: key.clone(),
                current: observed.version_id.clone(),
            });
        }
    }
    steps.sort_by(|a, b| a.key().cmp(b.key()));
    steps
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

fn confirm(count: usize, env: &str, ui: &crate::ui::Ui) -> Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!(
            "rollback changes {count} object(s) in `{env}`: confirm with --yes (stdin is not a terminal); nothing was changed"
        );
    }
    ui.prompt(format_args!(
        "change {count} object(s) in `{env}` as planned above? [y/N] "
    ));
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
        pins: Pins::new(),
        failure: None,
        not_done: Vec::new(),
    };
    for (index, step) in steps.iter().enumerate() {
        let result = match step {
            Step::Restore { file, .. } => {
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
            Step::Delete { key, .. } => {
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
