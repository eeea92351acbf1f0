//! `ledger lock` and `ledger unlock` (`ops::lock`).

use anyhow::Result;

use super::Outcome;
use crate::cli::{LockArgs, UnlockArgs};
use crate::ops::Workspace;
use crate::ops::lock::{self, LockSettings};
use crate::ui::Ui;

pub fn lock(workspace: &Workspace, args: &LockArgs, ui: &Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let settings = LockSettings {
        env: args.env.clone(),
        reason: Some(args.reason.clone()),
        by: workspace.actor(args.by.as_ref())?,
    };
    let entry = lock::lock(workspace, &config, &settings, ui)?;
    crate::note!(
        ui,
        "locked {} as #{}: record and rollback refuse it until `ledger unlock --env {}`",
        args.env,
        entry.seq,
        args.env
    );
    Ok(Outcome::Success)
}

pub fn unlock(workspace: &Workspace, args: &UnlockArgs, ui: &Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let settings = LockSettings {
        env: args.env.clone(),
        reason: args.reason.clone(),
        by: workspace.actor(args.by.as_ref())?,
    };
    let (entry, held) = lock::unlock(workspace, &config, &settings, ui)?;
    crate::note!(
        ui,
        "unlocked {} as #{} (lifts the lock #{held})",
        args.env,
        entry.seq
    );
    Ok(Outcome::Success)
}
