//! `ledger rollback`: restore the live state of an earlier entry in S3 and
//! of the pinning services' resources, then record what was done as a
//! rollback entry. Planned without the journal's lock ([`plan`]: the
//! confirmation may wait for a person), carried out after checking that
//! nothing was recorded meanwhile ([`carry_out`]).

mod pins;
mod steps;

use pins::{apply_pins, plan_pins};
pub use steps::invalidation_paths;
use steps::{apply, check_pinned, check_versions_exist, invalidate_restored, object_steps};

use std::time::Duration;

use super::session::{self, Appending, AwsSettings};
use super::{Error, Result, Workspace};
use crate::aws::Clients;
use crate::config::{Config, Environment};
use crate::journal::{Entry, EntryKind, FileChange, Journal, Pins};
use crate::model::{self, audit};
use crate::refuse;
use crate::services::s3::{self as objects, Reading};
use crate::services::{PinPlan, Pinning};
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
    /// How the rollback entry is signed (checked when the plan was made:
    /// a rollback that could not be recorded must not change S3).
    signing: session::Signing,
}

impl Plan {
    /// How many objects and resources it changes.
    pub fn changes(&self) -> usize {
        self.steps.len() + self.pins.iter().map(|(_, p)| p.steps.len()).sum::<usize>()
    }

    /// What it changes in words: "9 object(s) and 2 function(s)".
    pub fn changes_in_words(&self) -> String {
        let mut parts = Vec::new();
        if !self.steps.is_empty() || self.pins.iter().all(|(_, p)| p.steps.is_empty()) {
            parts.push(format!("{} object(s)", self.steps.len()));
        }
        for (pinning, plan) in self.pins.iter().filter(|(_, p)| !p.steps.is_empty()) {
            parts.push(format!("{} {}(s)", plan.steps.len(), pinning.noun()));
        }
        match parts.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
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
    session::refresh_mirror(workspace, config, ui)?;
    let journal = workspace.journal(ui)?;
    let mut signing = session::Signing::default();
    if !dry_run {
        super::lock::check_unlocked(&journal.entries, &args.env, args.force)?;
        signing = session::Signing::resolve(workspace, config)?;
        signing.check(journal.entries.len() as u64 + 1)?;
    }
    let plan = make_plan(
        &journal.entries,
        (config, env),
        args,
        (&runtime, &clients),
        ui,
    )?;
    Ok(plan.map(|plan| Plan { signing, ..plan }))
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
    // A rollback that could not be recorded must not change S3.
    plan.signing.check(journal.entries.len() as u64 + 1)?;
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
    let mut appending = Appending::open_signed(workspace, config, &plan.signing, ui)?;
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
    let target = rollback_target(&entries, args, ui)?;
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
             record what S3 serves first (`ledger reconcile --env {}`), or pass --force to plan \
             from S3 as it is",
            args.env,
            lines.join("\n"),
            args.env
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
        note_nothing_to_do(env, &target, &pins, ui);
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
        signing: session::Signing::default(),
    }))
}

/// The entry `args.to` names, refused unless it is a deploy or rollback
/// whose objects some entry up to it read from S3.
fn rollback_target(entries: &[Entry], args: &RollbackSettings, ui: &Ui) -> Result<Entry> {
    let target = model::resolve_ref(entries, &args.to, Some(&args.env))?.clone();
    if !target.kind.names_release() {
        refuse!(
            "#{} is a {}, not a deploy: roll back to a deploy or rollback entry",
            target.seq,
            target.kind.as_str()
        );
    }
    match audit::observed_upto(entries, &args.env, target.seq) {
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
    Ok(target)
}

/// Says that S3 (and the pinned services) already serve the target, and
/// what could not be pointed back.
fn note_nothing_to_do(
    env: &Environment,
    target: &Entry,
    pins: &[(&'static dyn Pinning, PinPlan)],
    ui: &Ui,
) {
    for (_, plan) in pins {
        for skipped in &plan.skipped {
            crate::warning!(ui, "{skipped}");
        }
    }
    let pinned: Vec<&str> = pins.iter().map(|(p, _)| p.key()).collect();
    let also = match pinned.is_empty() {
        true => String::new(),
        false => format!(
            ", and so do the declared {} that can be pointed back",
            pinned.join(", ")
        ),
    };
    crate::note!(
        ui,
        "nothing to do: s3://{}/{} already serves the live state of #{}{also}",
        env.bucket,
        env.prefix(),
        target.seq,
    );
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
        let next = super::reconcile::after_partial_rollback(&args.env, target.seq);
        entry.notes.push(next);
    } else {
        entry.restores = Some(target.seq);
    }
    entry
}
