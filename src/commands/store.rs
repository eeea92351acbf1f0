//! `ledger store push`: fill an empty S3 store with the local journal.

use anyhow::{Result, anyhow};

use super::{Outcome, Workspace, shown};
use crate::cli::{StoreAction, StoreArgs};
use crate::journal::JournalLock;
use crate::store::s3::S3Store;

pub fn run(workspace: &Workspace, args: &StoreArgs, ui: &crate::ui::Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    let store_config = config.store.as_ref().ok_or_else(|| {
        anyhow!(
            "{} declares no [store]: add `[store] url = \"s3://BUCKET/PREFIX\"` first",
            shown(&workspace.config_path())
        )
    })?;
    match args.action {
        StoreAction::Push => {
            let store = S3Store::connect(store_config, ui)?;
            let lock = JournalLock::acquire(&workspace.ledger_dir)?;
            let journal = lock.load()?;
            store.probe(&workspace.ledger_dir)?;
            let count = store.push(&journal)?;
            drop(lock);
            crate::note!(
                ui,
                "uploaded {count} entr{} to {}: it is now the ledger of record, and {} its mirror",
                if count == 1 { "y" } else { "ies" },
                store.url,
                shown(&journal.path)
            );
        }
    }
    Ok(Outcome::Success)
}
