//! `ledger rollback`: restore the live state of an earlier entry in S3 and
//! of the pinning services' resources, then record what was done as a
//! rollback entry. Planned without the journal's lock ([`plan`]: the
//! confirmation may wait for a person), carried out after checking that
//! nothing was recorded meanwhile ([`carry_out`]).

use std::collections::BTreeMap;
use std::time::Duration;

use super::session::{self, Appending, AwsSettings, caller_reference};
use super::{Error, Result, Workspace};
use crate::aws::{Clients, s3};
use crate::config::{Config, Environment};
use crate::journal::{Entry, EntryKind, FileAction, FileChange, Invalidation, Journal, Pins};
use crate::model::{self, LiveState, Observed, audit};
use crate::refuse;
use crate::services::cloudfront;
use crate::services::s3::{self as objects, Reading};
use crate::services::{self, PinPlan, PinRead, Pinning};
use crate::timestamp::Timestamp;
use crate::ui::Ui;

/// What `rollback` is asked, resolved.
#[derive(Debug, Clone, Default)]
pub struct RollbackSettings {
    /// The environment.
    pub env: String,
    /// The entry whose live state to restore (a reference).
    pub to: String,
    /// Plan from S3 as it is even when it drifted from the ledger, and
    /// roll back a locked environment.
    pub force: bool,
    /// Lock the environment after a complete rollback, with this reason
    /// (or one saying what was rolled back).
    pub lock: Option<Option<String>>,
    /// Make no invalidation.
    pub no_invalidate: bool,
    /// Wait for the invalidation, at most this long.
    pub wait: Option<Duration>,
    /// Who rolls back.
    pub by: String,
    /// How to reach AWS.
    pub aws: AwsSettings,
}

/// One key to change.
#[derive(Debug, Clone)]
pub enum Step {
    /// Copy this recorded version back over the latest (`current`, if any).
    Restore {
        /// The recorded version.
        file: FileChange,
        /// The version S3 serves now.
        current: Option<String>,
    },
    /// Delete the key (its latest version is `current`): it did not exist at the target.
    Delete {
        /// The key.
        key: String,
        /// The version S3 serves now.
        current: Option<String>,
    },
}

impl Step {
    /// The key it changes.
    pub fn key(&self) -> &str {
        match self {
            Step::Restore { file, .. } => &file.key,
            Step::Delete { key, .. } => key,
        }
    }
}

/// What a half-done or done rollback changed.
#[derive(Debug, Default)]
pub struct Applied {
    /// The objects changed, as they are now.
    pub files: Vec<FileChange>,
    /// Pins pointed back: what each service's resources now serve.
    pub pins: Pins,
    /// The key or resource it stopped at, and why.
    pub failure: Option<(String, String)>,
    /// What was not done after the failure (the failed one included).
    pub not_done: Vec<String>,
}

/// Everything decided before S3 is touched.
pub struct Plan {
    /// The entry restored.
    pub target: Entry,
    /// The entry undone (the environment's last deploy or rollback).
    pub from: Option<Entry>,
    /// The objects to change.
    pub steps: Vec<Step>,
    /// Per pinning service, the resources to point back and those that
    /// cannot be.
    pub pins: Vec<(&'static dyn Pinning, PinPlan)>,
    /// The last entry of the environment when the plan was made: a record
    /// that lands while the user confirms makes the plan stale.
    tip: Option<u64>,
}

impl Plan {
    /// How many objects and resources it changes.
    pub fn changes(&self) -> usize {
        self.steps.len() + self.pins.iter().map(|(_, p)| p.steps.len()).sum::<usize>()
    }
}

/// What a rollback did.
pub struct RolledBack {
    /// The rollback entry (none when nothing was changed).
    pub recorded: Option<Entry>,
    /// The lock entry `--lock` appended.
    pub locked: Option<Entry>,
    /// What was changed.
    pub applied: Applied,
    /// The invalidation of the restored paths, when it failed (the
    /// objects were restored and recorded all the same).
    pub invalidation_error: Option<Error>,
}

/// The plan of `args`' rollback; `None` when there is nothing to do. A
/// dry run does not refuse a locked environment.
pub fn plan(
    workspace: &Workspace,
    config: &Config,
    args: &RollbackSettings,
    (dry_run, ui): (bool, &Ui),
) -> Result<Option<Plan>> {
    let env = config.environment(&args.env, &workspace.config_path())?;
    let runtime = session::runtime()?;
    let clients = runtime.block_on(session::clients(env, &args.aws, ui));
    let journal = workspace.journal(ui)?;
    if !dry_run {
        super::lock::check_unlocked(&journal.entries, &args.env, args.force)?;
    }
    make_plan(
        &journal.entries,
        (config, env),
        args,
        (&runtime, &clients),
        ui,
    )
}

/// Carries `plan` out: checks again that the environment is unlocked and
/// that nothing was recorded since the plan, changes S3 and the pinned
/// resources, invalidates, and records what was done (a partial rollback
/// too). A failure half-way is in the report's `applied.failure`.
pub fn carry_out(
    workspace: &Workspace,
    config: &Config,
    args: &RollbackSettings,
    plan: &Plan,
    ui: &Ui,
) -> Result<RolledBack> {
    let env = config.environment(&args.env, &workspace.config_path())?;
    let runtime = session::runtime()?;
    let clients = runtime.block_on(session::clients(env, &args.aws, ui));
    // Checked again just before S3 changes; the journal lock is taken only
    // for the final append, not over the copies or the invalidation's wait.
    let journal = workspace.journal(ui)?;
    let lock_note = super::lock::check_unlocked(&journal.entries, &args.env, args.force)?;
    if tip_of(&journal, &args.env) != plan.tip {
        refuse!(
            "another entry of `{}` was recorded while the rollback was being confirmed; nothing was \
             changed: run the rollback again to plan from the new state",
            args.env
        );
    }
    let mut applied = runtime.block_on(apply(&clients, &env.bucket, &plan.steps));
    if applied.failure.is_none() {
        let env_of = (config, env, args.env.as_str());
        apply_pins((&runtime, &clients), plan, env_of, &mut applied);
    }
    let mut entry = rollback_entry(plan, &applied, args);
    entry.notes.extend(lock_note);
    let invalidation_error =
        invalidate_restored(&runtime, &clients, env, args, &applied, &mut entry);
    let (recorded, locked) = record(workspace, config, args, plan, entry, &applied, ui)?;
    Ok(RolledBack {
        recorded,
        locked,
        applied,
        invalidation_error,
    })
}

/// Appends the rollback entry (unless nothing was changed) and, with
/// `--lock` after a complete rollback, a lock (unless one is in force).
fn record(
    workspace: &Workspace,
    config: &Config,
    args: &RollbackSettings,
    plan: &Plan,
    mut entry: Entry,
    applied: &Applied,
    ui: &Ui,
) -> Result<(Option<Entry>, Option<Entry>)> {
    let mut appending = Appending::open(workspace, config, ui)?;
    let landed = model::last_deploy(&model::in_force(appending.heads()?), &args.env).map(|e| e.seq);
    if let Some(landed) = landed.filter(|t| Some(*t) != plan.tip) {
        entry.notes.push(format!(
            "#{landed} of {} was recorded while this rollback changed S3",
            args.env
        ));
    }
    if entry.files.is_empty() && entry.pins.is_empty() {
        return Ok((None, None));
    }
    let rolled = appending.append(entry)?;
    let (Some(reason), None) = (&args.lock, &applied.failure) else {
        return Ok((Some(rolled), None));
    };
    if model::lock_of(appending.heads()?, &args.env).is_some() {
        return Ok((Some(rolled), None));
    }
    let reason = reason.clone().unwrap_or_else(|| {
        format!(
            "rolled back to {} (#{})",
            plan.target.version.as_deref().unwrap_or("-"),
            rolled.seq
        )
    });
    let lock = super::lock::lock_entry(&args.env, &reason, args.by.clone());
    let locked = appending.append(lock)?;
    Ok((Some(rolled), Some(locked)))
}

/// The last deploy or rollback of `env` in force.
fn tip_of(journal: &Journal, env: &str) -> Option<u64> {
    model::last_deploy(&model::in_force(&journal.entries), env).map(|e| e.seq)
}

/// The steps from S3's state to the target's, after checking that the
/// target pins versions, that S3 has not drifted (unless --force) and that
/// every needed version still exists. `None` when there is nothing to do.
fn make_plan(
    all: &[Entry],
    (config, env): (&Config, &Environment),
    args: &RollbackSettings,
    (runtime, clients): (&tokio::runtime::Runtime, &Clients),
    ui: &Ui,
) -> Result<Option<Plan>> {
    let entries = model::in_force(all);
    let target = model::resolve_ref(&entries, &args.to, Some(&args.env))?.clone();
    if !target.kind.changes_files() {
        refuse!(
            "#{} is a {}, not a deploy: roll back to a deploy or rollback entry",
            target.seq,
            target.kind.as_str()
        );
    }
    match audit::observed_upto(&entries, &args.env, target.seq) {
        None => refuse!(
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
        refuse!(
            "S3 has drifted from the ledger in `{}`; nothing was changed:\n{}\n\
             record the current state first (`ledger record`), or pass --force to plan from S3 as it is",
            args.env,
            lines.join("\n")
        );
    }
    let steps = object_steps(&wanted, &listing.latest);
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
    (config, env): (&Config, &Environment),
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

/// Points the planned resources back, service by service, stopping at the
/// first failure.
fn apply_pins(
    (runtime, clients): (&tokio::runtime::Runtime, &Clients),
    plan: &Plan,
    (config, env, env_key): (&Config, &Environment, &str),
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

/// Refuses a target whose objects are not pinned to versions.
fn check_pinned(target: &Entry, wanted: &LiveState) -> Result<()> {
    let unpinned: Vec<&str> = wanted
        .values()
        .filter(|f| f.version_id.as_deref().is_none_or(|v| v == "null"))
        .map(|f| f.key.as_str())
        .collect();
    if !unpinned.is_empty() {
        refuse!(
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
        refuse!(
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
fn rollback_entry(plan: &Plan, applied: &Applied, args: &RollbackSettings) -> Entry {
    let target = &plan.target;
    let mut entry = Entry {
        version: target.version.clone(),
        commit: target.commit.clone(),
        deployed_by: Some(args.by.clone()),
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
    args: &RollbackSettings,
    applied: &Applied,
    entry: &mut Entry,
) -> Option<Error> {
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
                "the invalidation of the changed paths failed: {}",
                super::verify::error_chain(&e)
            ));
            Some(e)
        }
    }
}

/// The steps that turn S3's latest state into `wanted`: restore each key
/// whose latest version differs, delete each live key not wanted.
fn object_steps(wanted: &LiveState, latest: &BTreeMap<String, Observed>) -> Vec<Step> {
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
pub fn invalidation_paths<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<String> {
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
    args: &RollbackSettings,
) -> Result<Invalidation> {
    let paths = invalidation_paths(entry.files.iter().map(|f| f.key.as_str()));
    let reference = caller_reference(entry, &paths);
    let invalidation =
        cloudfront::create_invalidation(clients, distribution, &paths, &reference, 6).await?;
    let Some(wait) = args.wait else {
        return Ok(invalidation);
    };
    let (seen, _) = cloudfront::wait_for(clients, distribution, &invalidation.id, wait).await?;
    Ok(seen)
}
