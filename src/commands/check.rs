//! `ledger check --env E`: exit 1 while the environment is locked, for a
//! pipeline to call before it deploys.

use anyhow::Result;

use super::{Outcome, Workspace};
use crate::cli::CheckArgs;
use crate::model;

pub fn run(workspace: &Workspace, args: &CheckArgs, ui: &crate::ui::Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let journal = workspace.journal(ui)?;
    match model::lock_of(&journal.entries, &args.env) {
        Some(lock) => {
            crate::failure!(
                ui,
                "{} is locked ({}): do not deploy; `ledger unlock --env {}` lifts it",
                args.env,
                model::lock_line(lock),
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
