//! `ledger sync` (`ops::sync`).

use anyhow::Result;

use super::Outcome;
use crate::cli::SyncArgs;
use crate::journal::SyncRequest;
use crate::ops::{Workspace, sync};
use crate::ui::Ui;

pub fn run(workspace: &Workspace, args: &SyncArgs, ui: &Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    let request = SyncRequest {
        remote: args.remote.clone(),
        branch: args.branch.clone(),
        attempts: args.attempts,
        documents: config.changelog.documents.clone(),
        signer: crate::ops::session::Signing::resolve(workspace, &config)?.signer,
    };
    let synced = sync::sync(workspace, &config, &request, ui)?;
    let entries = |n: usize| if n == 1 { "entry" } else { "entries" };
    crate::note!(
        ui,
        "synced with {}: {} {} published, {} received, {} in all{}",
        synced.with,
        synced.published,
        entries(synced.published),
        synced.received,
        synced.total,
        (synced.at.as_deref())
            .map(|c| format!(" (at {})", &c[..c.len().min(7)]))
            .unwrap_or_default()
    );
    Ok(Outcome::Success)
}
