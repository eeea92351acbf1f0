//! `ledger lock`, `ledger unlock` and `ledger check`: an environment closed
//! to records and rollbacks, and opened again, each as an entry (who, when,
//! why); and the check a pipeline runs before it deploys.

use super::session::Appending;
use super::{Result, Workspace};
use crate::config::Config;
use crate::journal::{Entry, EntryKind};
use crate::model;
use crate::refuse;
use crate::timestamp::Timestamp;
use crate::ui::Ui;

/// A lock or an unlock asked.
#[derive(Debug, Clone)]
pub struct LockSettings {
    /// The environment.
    pub env: String,
    /// Why (required to lock).
    pub reason: Option<String>,
    /// Who acts.
    pub by: String,
}

/// Appends a lock entry for `settings.env`; refuses a locked environment.
pub fn lock(
    workspace: &Workspace,
    config: &Config,
    settings: &LockSettings,
    ui: &Ui,
) -> Result<Entry> {
    let env = &settings.env;
    let reason = settings.reason.as_deref().unwrap_or_default().trim();
    if reason.is_empty() {
        refuse!("--reason is empty: say why `{env}` is locked");
    }
    let mut appending = Appending::open(workspace, config, ui)?;
    if let Some(held) = model::lock_of(appending.heads()?, env) {
        refuse!(
            "`{env}` is already locked ({}); nothing was recorded",
            model::lock_line(held)
        );
    }
    appending.append(lock_entry(env, reason, settings.by.clone()))
}

/// Appends an unlock entry for `settings.env`; refuses an unlocked
/// environment. Returns it and the seq of the lock it lifts.
pub fn unlock(
    workspace: &Workspace,
    config: &Config,
    settings: &LockSettings,
    ui: &Ui,
) -> Result<(Entry, u64)> {
    let env = &settings.env;
    let mut appending = Appending::open(workspace, config, ui)?;
    let Some(held) = model::lock_of(appending.heads()?, env) else {
        refuse!("`{env}` is not locked; nothing was recorded");
    };
    let held = held.seq;
    let entry = Entry {
        reason: settings.reason.clone().filter(|r| !r.trim().is_empty()),
        deployed_by: Some(settings.by.clone()),
        ..Entry::new(EntryKind::Unlock, env.clone(), Timestamp::now())
    };
    Ok((appending.append(entry)?, held))
}

/// The lock in force on `env`, if any (`ledger check`).
pub fn check(workspace: &Workspace, env: &str, ui: &Ui) -> Result<Option<Entry>> {
    super::session::refresh_mirror(workspace, &workspace.config()?, ui)?;
    let index = workspace.index(ui)?;
    Ok(model::lock_of(index.heads()?, env).cloned())
}

/// A lock entry for `env`.
pub fn lock_entry(env: &str, reason: &str, by: String) -> Entry {
    Entry {
        reason: Some(reason.to_string()),
        deployed_by: Some(by),
        ..Entry::new(EntryKind::Lock, env, Timestamp::now())
    }
}

/// Refuses a record or rollback of a locked environment unless `force`;
/// with it, returns the note the new entry carries.
pub fn check_unlocked(entries: &[Entry], env: &str, force: bool) -> Result<Option<String>> {
    let Some(held) = model::lock_of(entries, env) else {
        return Ok(None);
    };
    if !force {
        refuse!(
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
