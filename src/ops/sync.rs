//! `ledger sync`: publish the entries recorded here where the journal of
//! record is kept, after the ones others published, and bring theirs here
//! (`journal::Storage::sync`: a git remote, or the S3 store's pull).

use super::session::storage;
use super::{Result, Workspace};
use crate::config::Config;
use crate::journal::{SyncRequest, Synced};
use crate::ui::Ui;

/// Syncs the ledger of `workspace` as `request` asks.
pub fn sync(
    workspace: &Workspace,
    config: &Config,
    request: &SyncRequest,
    ui: &Ui,
) -> Result<Synced> {
    let storage = storage(workspace, config, ui)?;
    Ok(storage.sync(request, ui)?)
}
