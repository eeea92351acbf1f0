//! `ledger snapshot`: read each environment's bucket and distribution
//! settings from AWS and append one inventory entry per environment.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, Workspace, write_json_list};
use crate::cli::{OutputFormat, SnapshotArgs};
use crate::config::Environment;
use crate::journal::{Entry, EntryKind, Inventory, JournalLock};
use crate::services::inventory::Scope;
use crate::services::{self, Missing, REGISTRY};
use crate::timestamp::Timestamp;

pub fn run(
    workspace: &Workspace,
    args: &SnapshotArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    if args.discover {
        return super::discover::run(workspace, &config, args, out, ui);
    }
    let environments: Vec<(String, Environment)> = match &args.env {
        Some(name) => vec![(
            name.clone(),
            config.environment(name, &workspace.config_path())?.clone(),
        )],
        None => config
            .environments
            .iter()
            .map(|(k, e)| (k.clone(), e.clone()))
            .collect(),
    };
    let runtime = super::runtime()?;
    // Every call is made before the journal is touched: a failure records nothing.
    let mut inventories = Vec::new();
    for (key, env) in &environments {
        let scope = Scope::of(&config, key);
        let inventory = runtime.block_on(read_inventory((key, env), &config, scope, args, ui))?;
        inventories.push((key.clone(), inventory));
    }
    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let writer = super::Writer::for_config(&config, ui)?;
    let (mut journal, index) = writer.load_counting(&lock)?;
    // The heads that hold each environment's last snapshot, read before
    // the appends replace the tail the index was read from.
    let views = (inventories.iter())
        .map(|(key, _)| index.append_view(key, |_| false))
        .collect::<Result<Vec<_>, _>>()?;
    let mut appended = Vec::new();
    for (key, inventory) in inventories {
        let entry = Entry {
            inventory: Some(inventory),
            ..Entry::new(EntryKind::Snapshot, key, Timestamp::now())
        };
        appended.push(writer.append(&lock, &mut journal, entry, ui)?);
    }
    drop(lock);
    for (entry, view) in appended.iter().zip(&views) {
        // A journal of every entry (read whole to sync with a store) also
        // holds what the sync brought in.
        let entries = match journal.holds_every_entry() {
            true => &journal.entries[..],
            false => &view[..],
        };
        report(entry, entries, ui);
    }
    if args.format == OutputFormat::Json {
        write_json_list(out, "entries", &appended)?;
    }
    Ok(Outcome::Success)
}

async fn read_inventory(
    (key, env): (&str, &Environment),
    config: &crate::config::Config,
    scope: Scope,
    args: &SnapshotArgs,
    ui: &crate::ui::Ui,
) -> Result<Inventory> {
    let clients = super::clients(env, &args.aws, ui).await;
    let read = services::read_inventory(&clients, (key, env), config, scope, Missing::Refuse);
    Ok(read.await?)
}

/// One line per snapshot recorded, then the changes it brought.
fn report(entry: &Entry, entries: &[Entry], ui: &crate::ui::Ui) {
    let inventory = entry.inventory.clone().unwrap_or_default();
    let read: Vec<String> = (REGISTRY.iter())
        .filter_map(|s| {
            inventory
                .get(s.state_key())
                .and_then(|state| s.summary(state))
        })
        .collect();
    crate::note!(
        ui,
        "recorded #{} snapshot of {}: {}",
        entry.seq,
        entry.env,
        read.join(", ")
    );
    let in_force = crate::model::in_force(entries);
    for line in services::inventory::snapshot_changes(&in_force, entry) {
        crate::note!(ui, "  changed: {line}");
    }
}
