//! `ledger check --env E`: exit 1 while the environment is locked, for a
//! pipeline to call before it deploys.

use anyhow::Result;

use super::Outcome;
use crate::cli::CheckArgs;
use crate::model;
use crate::ops::{Workspace, lock};
use crate::ui::Ui;

pub fn run(workspace: &Workspace, args: &CheckArgs, ui: &Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    match lock::check(workspace, &args.env, ui)? {
        Some(lock) => {
            crate::failure!(
                ui,
                "{} is locked ({}): do not deploy; `ledger unlock --env {}` lifts it",
                args.env,
                model::lock_line(&lock),
                args.env
            );
            Ok(Outcome::CheckFailed)
        }
        None => {
            crate::note!(ui, "{} is not locked", args.env);
            Ok(Outcome::Success)
        }
    }
}
