//! `ledger show REF`: one entry, whole.

use crate::journal::{Entry, Index};
use crate::model;
use crate::ops::{Result, Workspace};
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
    /// Its content no longer matches its hash (changed after it was written).
    pub altered: bool,
}

/// The entry `reference` names (in `env` when given).
pub fn show(workspace: &Workspace, reference: &str, env: Option<&str>, ui: &Ui) -> Result<Shown> {
    let index = workspace.index(ui)?;
    let seq = resolve(&index, reference, env)?;
    let voided_by = index.voided().get(&seq).copied();
    let entry = index
        .entry(seq)?
        .ok_or_else(|| crate::refusal!("the index lost entry #{seq} it listed"))?;
    let changes = super::log::changes_of(&index, &entry)?;
    let altered = index.altered_seqs().contains(&seq);
    Ok(Shown {
        entry,
        voided_by,
        changes,
        altered,
    })
}

/// The seq `reference` names: `#SEQ` from its own file's heads, anything
/// else (a version, a commit prefix) from every head.
fn resolve(index: &Index, reference: &str, env: Option<&str>) -> Result<u64> {
    let direct = (reference.strip_prefix('#'))
        .and_then(|number| number.parse::<u64>().ok())
        .map(|seq| index.head(seq))
        .transpose()?
        .flatten()
        .filter(|head| env.is_none_or(|env| head.env == env));
    match direct {
        Some(head) => Ok(head.seq),
        None => Ok(model::resolve_ref(index.heads()?, reference, env)?.seq),
    }
}
