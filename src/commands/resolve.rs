//! `ledger resolve` (`ops::resolve`): settle a git conflict in the journal,
//! or run as git's merge driver for it.

use anyhow::Result;

use super::Outcome;
use crate::cli::ResolveArgs;
use crate::ops::{Workspace, resolve};
use crate::ui::Ui;

pub fn run(workspace: &Workspace, args: &ResolveArgs, ui: &Ui) -> Result<Outcome> {
    resolve::resolve(workspace, args.merge_driver.as_deref(), ui)?;
    Ok(Outcome::Success)
}
