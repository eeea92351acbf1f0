//! `ledger store push`: fill an empty S3 store with the local journal, which
//! becomes its mirror.

use super::workspace::shown;
use super::{Result, Workspace};
use crate::config::Config;
use crate::journal::JournalLock;
use crate::refuse;
use crate::ui::Ui;

/// What a push uploaded.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// Entries uploaded.
    pub count: usize,
    /// The store.
    pub url: String,
}

/// Uploads every entry of the local journal into the empty store
/// `ledger.toml` declares.
pub fn push(workspace: &Workspace, config: &Config, ui: &Ui) -> Result<Pushed> {
    let Some(store_config) = &config.store else {
        refuse!(
            "{} declares no [store]: add `[store] url = \"s3://BUCKET/PREFIX\"` first",
            shown(&workspace.config_path())
        );
    };
    let store = super::session::s3_store(workspace, store_config, ui)?;
    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let journal = lock.load()?;
    store.probe(&workspace.ledger_dir)?;
    let count = store.push(&journal)?;
    Ok(Pushed {
        count,
        url: store.url.clone(),
    })
}
