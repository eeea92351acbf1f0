//! `ledger store push` (`ops::store`).

use anyhow::Result;

use super::Outcome;
use crate::cli::{StoreAction, StoreArgs};
use crate::journal::Journal;
use crate::ops::{Workspace, store, workspace::shown};
use crate::ui::Ui;

pub fn run(workspace: &Workspace, args: &StoreArgs, ui: &Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    match args.action {
        StoreAction::Push => {
            let pushed = store::push(workspace, &config, ui)?;
            crate::note!(
                ui,
                "uploaded {} entr{} to {}: it is now the ledger of record, and {} its mirror",
                pushed.count,
                if pushed.count == 1 { "y" } else { "ies" },
                pushed.url,
                shown(&Journal::path_in(&workspace.ledger_dir))
            );
        }
    }
    Ok(Outcome::Success)
}
