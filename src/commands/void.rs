//! `ledger void REF --reason TEXT` (`ops::void`): prints the void's `#SEQ`
//! on stdout, for scripts.

use std::io::Write;

use anyhow::Result;

use super::Outcome;
use crate::cli::VoidArgs;
use crate::ops::Workspace;
use crate::ops::void::{self, VoidSettings};
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &VoidArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    if let Some(env) = &args.env {
        config.environment(env, &workspace.config_path())?;
    }
    let settings = VoidSettings {
        reference: args.reference.clone(),
        env: args.env.clone(),
        reason: args.reason.clone(),
        by: workspace.actor(args.by.as_ref())?,
    };
    let voided = void::run(workspace, &config, &settings, ui)?;
    crate::note!(
        ui,
        "recorded #{}: {} is void (recorded in error); documents, folds and queries leave it out",
        voided.entry.seq,
        voided.summary
    );
    writeln!(out, "#{}", voided.entry.seq)?;
    Ok(Outcome::Success)
}
