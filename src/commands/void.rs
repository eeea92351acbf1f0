//! `ledger void REF --reason TEXT`: mark an entry as recorded in error by
//! appending a correction; nothing is edited or removed.

use std::io::Write;

use anyhow::{Result, bail};

use super::{Outcome, Workspace};
use crate::cli::VoidArgs;
use crate::journal::{Entry, EntryKind, JournalLock};
use crate::model;
use crate::timestamp::Timestamp;

pub fn run(
    workspace: &Workspace,
    args: &VoidArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    if let Some(env) = &args.env {
        config.environment(env, &workspace.config_path())?;
    }
    let reason = args.reason.trim();
    if reason.is_empty() {
        bail!("--reason is empty: say why the entry is wrong (it stays in the journal)");
    }
    let by = super::actor(workspace, args.by.as_ref())?;
    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let writer = super::Writer::for_config(&config, ui)?;
    let (mut journal, _) = writer.load(&lock)?;
    let target = model::resolve_ref(&journal.entries, &args.reference, args.env.as_deref())?;
    check_unique(&journal.entries, &args.reference, target)?;
    check_voidable(target, &journal.entries)?;
    let entry = Entry {
        version: target.version.clone(),
        voids: Some(target.seq),
        reason: Some(reason.to_string()),
        deployed_by: Some(by),
        ..Entry::new(EntryKind::Void, target.env.clone(), Timestamp::now())
    };
    let summary = model::summary_line(target);
    let entry = writer.append(&lock, &mut journal, entry, ui)?;
    drop(lock);
    crate::note!(
        ui,
        "recorded #{}: {summary} is void (recorded in error); documents, folds and queries leave it out",
        entry.seq
    );
    writeln!(out, "#{}", entry.seq)?;
    Ok(Outcome::Success)
}

/// Deploys, snapshots and releases can be voided, once; voids and rollbacks cannot.
fn check_voidable(target: &Entry, entries: &[Entry]) -> Result<()> {
    if let Some(void) = model::voided_by(entries).get(&target.seq) {
        bail!(
            "#{} is already voided by #{void}; nothing was recorded",
            target.seq
        );
    }
    match target.kind {
        EntryKind::Void => bail!(
            "#{} is itself a correction; a void cannot be voided; nothing was recorded",
            target.seq
        ),
        EntryKind::Rollback => bail!(
            "#{} is a rollback: it records what ledger changed in S3, which voiding would hide; \
             roll forward instead (`ledger rollback --env {} --to REF`); nothing was recorded",
            target.seq,
            target.env
        ),
        _ => Ok(()),
    }
}

/// A version can name several entries of an environment (a redeploy, a
/// rollback to it): a correction names exactly one, so those ask for `#SEQ`.
fn check_unique(entries: &[Entry], reference: &str, target: &Entry) -> Result<()> {
    if reference.starts_with('#') {
        return Ok(());
    }
    let voided = model::voided_by(entries);
    let same: Vec<String> = entries
        .iter()
        .filter(|e| e.env == target.env && e.kind.changes_files() && !voided.contains_key(&e.seq))
        .filter(|e| e.version.as_deref() == Some(reference))
        .map(|e| format!("  {}", model::summary_line(e)))
        .collect();
    if same.len() > 1 {
        bail!(
            "`{reference}` names {} entries of `{}`; nothing was recorded: void one by `#SEQ`:\n{}",
            same.len(),
            target.env,
            same.join("\n")
        );
    }
    Ok(())
}
