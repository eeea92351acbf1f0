//! `ledger context`: the template context as JSON (`ops::render`).

use std::io::Write;

use anyhow::Result;

use super::Outcome;
use crate::ops::{Workspace, render};
use crate::ui::Ui;

pub fn run(workspace: &Workspace, out: &mut dyn Write, ui: &Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    let mut context = render::context(workspace, &config, ui)?;
    context.push('\n');
    out.write_all(context.as_bytes())?;
    Ok(Outcome::Success)
}
