//! `ledger snapshot`: read what each environment declares from AWS (its
//! bucket and distribution settings, and every service's resources: the
//! release environment's with the monitoring) and append one inventory
//! entry per environment.

use super::session::{self, Appending, AwsSettings};
use super::{Result, Workspace};
use crate::config::{Config, Environment};
use crate::journal::{Entry, EntryKind, Inventory};
use crate::model;
use crate::services::inventory::{Scope, snapshot_changes};
use crate::services::{self, Missing, REGISTRY};
use crate::timestamp::Timestamp;
use crate::ui::Ui;

/// What `snapshot` is asked.
#[derive(Debug, Clone, Default)]
pub struct SnapshotSettings {
    /// The environments to read, in order.
    pub envs: Vec<String>,
    /// How to reach AWS.
    pub aws: AwsSettings,
}

/// One snapshot recorded.
#[derive(Debug, Clone)]
pub struct Snapshotted {
    /// The entry.
    pub entry: Entry,
    /// What it read, service by service (`bucket b (...)`, `3 functions`).
    pub read: Vec<String>,
    /// What changed since the environment's previous snapshot.
    pub changes: Vec<String>,
}

/// Reads and records a snapshot of each environment `settings` names.
pub fn snapshot(
    workspace: &Workspace,
    config: &Config,
    settings: &SnapshotSettings,
    ui: &Ui,
) -> Result<Vec<Snapshotted>> {
    let runtime = session::runtime()?;
    // Every call is made before the journal is touched: a failure records nothing.
    let mut inventories = Vec::new();
    for key in &settings.envs {
        let env = config.environment(key, &workspace.config_path())?;
        let read = read_inventory((key, env), config, &settings.aws, ui);
        inventories.push((key.clone(), runtime.block_on(read)?));
    }
    let mut appending = Appending::open(workspace, config, ui)?;
    // The heads that hold each environment's last snapshot, read before
    // the appends replace the tail the index was read from.
    let views = (inventories.iter())
        .map(|(key, _)| appending.history.append_view(key, |_| false))
        .collect::<Result<Vec<_>, _>>()?;
    let mut recorded = Vec::new();
    for ((key, inventory), view) in inventories.into_iter().zip(views) {
        let entry = Entry {
            inventory: Some(inventory),
            ..Entry::new(EntryKind::Snapshot, key, Timestamp::now())
        };
        let entry = appending.append(entry)?;
        let inventory = entry.inventory.clone().unwrap_or_default();
        let read = (REGISTRY.iter())
            .filter_map(|s| {
                inventory
                    .get(s.state_key())
                    .and_then(|state| s.summary(state))
            })
            .collect();
        let changes = snapshot_changes(&model::in_force(&view), &entry);
        recorded.push(Snapshotted {
            entry,
            read,
            changes,
        });
    }
    Ok(recorded)
}

async fn read_inventory(
    (key, env): (&str, &Environment),
    config: &Config,
    aws: &AwsSettings,
    ui: &Ui,
) -> Result<Inventory> {
    let clients = session::clients(env, aws, ui).await;
    let scope = Scope::of(config, key);
    let read = services::read_inventory(&clients, (key, env), config, scope, Missing::Refuse);
    Ok(read.await?)
}
