//! `ledger show REF`: one entry, whole.

use crate::journal::Entry;
use crate::model;
use crate::ops::{Result, Workspace};
use crate::services::inventory::snapshot_changes;
use crate::ui::Ui;

/// One entry and what is said of it beside its own fields.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The entry, whole.
    pub entry: Entry,
    /// The void that marks it, if any.
    pub voided_by: Option<u64>,
    /// For a snapshot: what changed since the previous one.
    pub changes: Vec<String>,
}

/// The entry `reference` names (in `env` when given).
pub fn show(workspace: &Workspace, reference: &str, env: Option<&str>, ui: &Ui) -> Result<Shown> {
    let index = workspace.index(ui)?;
    let head = model::resolve_ref(index.heads()?, reference, env)?;
    let voided_by = index.voided().get(&head.seq).copied();
    let entry = index
        .entry(head.seq)?
        .ok_or_else(|| crate::refusal!("the index lost entry #{} it listed", head.seq))?;
    let in_force = model::in_force(index.heads()?);
    let changes = snapshot_changes(&in_force, &entry);
    Ok(Shown {
        entry,
        voided_by,
        changes,
    })
}
