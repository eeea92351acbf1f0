//! `ledger lock` and `ledger unlock`: an environment closed to records and
//! rollbacks, and opened again, each as an entry (who, when, why).

use anyhow::{Result, bail};

use super::{Outcome, Workspace};
use crate::cli::{LockArgs, UnlockArgs};
use crate::journal::{Entry, EntryKind, JournalLock};
use crate::model;
use crate::timestamp::Timestamp;

pub fn lock(workspace: &Workspace, args: &LockArgs, ui: &crate::ui::Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let reason = args.reason.trim();
    if reason.is_empty() {
        bail!("--reason is empty: say why `{}` is locked", args.env);
    }
    let by = super::actor(workspace, args.by.as_ref())?;
    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let writer = super::Writer::for_config(&config, ui)?;
    let (mut journal, _) = writer.load(&lock)?;
    if let Some(held) = model::lock_of(&journal.entries, &args.env) {
        bail!(
            "`{}` is already locked ({}); nothing was recorded",
            args.env,
            model::lock_line(held)
        );
    }
    let entry = writer.append(&lock, &mut journal, lock_entry(&args.env, reason, by), ui)?;
    crate::note!(
        ui,
        "locked {} as #{}: record and rollback refuse it until `ledger unlock --env {}`",
        args.env,
        entry.seq,
        args.env
    );
    Ok(Outcome::Success)
}

pub fn unlock(workspace: &Workspace, args: &UnlockArgs, ui: &crate::ui::Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let by = super::actor(workspace, args.by.as_ref())?;
    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let writer = super::Writer::for_config(&config, ui)?;
    let (mut journal, _) = writer.load(&lock)?;
    let Some(held) = model::lock_of(&journal.entries, &args.env) else {
        bail!("`{}` is not locked; nothing was recorded", args.env);
    };
    let held = held.seq;
    let entry = Entry {
        reason: args.reason.clone().filter(|r| !r.trim().is_empty()),
        deployed_by: Some(by),
        ..Entry::new(EntryKind::Unlock, args.env.clone(), Timestamp::now())
    };
    let entry = writer.append(&lock, &mut journal, entry, ui)?;
    crate::note!(
        ui,
        "unlocked {} as #{} (lifts the lock #{held})",
        args.env,
        entry.seq
    );
    Ok(Outcome::Success)
}

/// A lock entry for `env`.
pub(super) fn lock_entry(env: &str, reason: &str, by: String) -> Entry {
    Entry {
        reason: Some(reason.to_string()),
        deployed_by: Some(by),
        ..Entry::new(EntryKind::Lock, env, Timestamp::now())
    }
}

/// Refuses a record or rollback of a locked environment unless `force`;
/// with it, returns the note the new entry carries.
pub(super) fn check_unlocked(entries: &[Entry], env: &str, force: bool) -> Result<Option<String>> {
    let Some(held) = model::lock_of(entries, env) else {
        return Ok(None);
    };
    if !force {
        bail!(
            "`{env}` is locked ({}); nothing was changed: `ledger unlock --env {env}` first, or pass --force \
             (the entry will say so)",
            model::lock_line(held)
        );
    }
    Ok(Some(format!(
        "recorded with --force while `{env}` was locked ({})",
        model::lock_line(held)
    )))
}
