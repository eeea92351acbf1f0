//! `ledger context`: the template context as JSON.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, Workspace, write_plain_json};
use crate::render;

pub fn run(workspace: &Workspace, out: &mut dyn Write, ui: &crate::ui::Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    let entries = workspace.index(ui)?.all_entries()?;
    let repo = workspace.repo_if_any();
    let ledger_path = repo.as_ref().and_then(|r| workspace.ledger_path_in(r));
    let context = render::build(&config, &entries, repo.as_ref(), ledger_path.as_deref())?;
    write_plain_json(out, &context)?;
    Ok(Outcome::Success)
}
