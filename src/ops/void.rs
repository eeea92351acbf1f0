//! `ledger void REF --reason TEXT`: mark an entry as recorded in error by
//! appending a correction; nothing is edited or removed.

use super::session::Appending;
use super::{Result, Workspace};
use crate::config::Config;
use crate::journal::{Entry, EntryKind};
use crate::model;
use crate::refuse;
use crate::timestamp::Timestamp;
use crate::ui::Ui;

/// A correction asked.
#[derive(Debug, Clone)]
pub struct VoidSettings {
    /// The entry recorded in error (`#SEQ`, a version, a commit prefix).
    pub reference: String,
    /// The environment that narrows the reference.
    pub env: Option<String>,
    /// Why it is wrong.
    pub reason: String,
    /// Who corrects it.
    pub by: String,
}

/// What a void recorded.
#[derive(Debug, Clone)]
pub struct Voided {
    /// The void entry.
    pub entry: Entry,
    /// The voided entry's one-line summary.
    pub summary: String,
}

/// Appends a void of the entry `args.reference` names.
pub fn run(workspace: &Workspace, config: &Config, args: &VoidSettings, ui: &Ui) -> Result<Voided> {
    let reason = args.reason.trim();
    if reason.is_empty() {
        refuse!("--reason is empty: say why the entry is wrong (it stays in the journal)");
    }
    let by = args.by.clone();
    let mut appending = Appending::open(workspace, config, ui)?;
    let heads = appending.heads()?;
    let target = model::resolve_ref(heads, &args.reference, args.env.as_deref())?;
    check_voidable(target, heads)?;
    let entry = Entry {
        version: target.version.clone(),
        voids: Some(target.seq),
        reason: Some(reason.to_string()),
        deployed_by: Some(by),
        ..Entry::new(EntryKind::Void, target.env.clone(), Timestamp::now())
    };
    let summary = model::summary_line(target);
    let entry = appending.append(entry)?;
    Ok(Voided { entry, summary })
}

/// Deploys, snapshots and releases can be voided, once; voids and rollbacks cannot.
fn check_voidable(target: &Entry, entries: &[Entry]) -> Result<()> {
    if let Some(void) = model::voided_by(entries).get(&target.seq) {
        refuse!(
            "#{} is already voided by #{void}; nothing was recorded",
            target.seq
        );
    }
    match target.kind {
        EntryKind::Void => refuse!(
            "#{} is itself a correction; a void cannot be voided; nothing was recorded",
            target.seq
        ),
        EntryKind::Rollback => refuse!(
            "#{} is a rollback: it records what ledger changed in S3, which voiding would hide; \
             roll forward instead (`ledger rollback --env {} --to REF`); nothing was recorded",
            target.seq,
            target.env
        ),
        _ => Ok(()),
    }
}
