//! `ledger init` (`ops::init`).

use anyhow::Result;

use super::Outcome;
use crate::ops::workspace::shown;
use crate::ops::{Workspace, init};
use crate::ui::Ui;

pub fn run(workspace: &Workspace, ui: &Ui) -> Result<Outcome> {
    let made = init::run(workspace)?;
    crate::note!(
        ui,
        "created {} and {}: declare your environments, then `ledger record --env ENV`",
        shown(&made.config),
        shown(&made.journal)
    );
    if !made.in_repository {
        crate::warning!(
            ui,
            "{} is not inside a git repository: `ledger record` keys every deploy by its \
             commit and needs one (run `git init`, or pass --repo DIR), and `ledger verify` checks \
             the journal's history through git",
            shown(&workspace.ledger_dir)
        );
    }
    Ok(Outcome::Success)
}
