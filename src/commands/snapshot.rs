//! `ledger snapshot`: read each environment's bucket and distribution
//! settings from AWS and append one inventory entry per environment.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, Workspace, write_json_list};
use crate::aws::{cloudfront, s3};
use crate::cli::{OutputFormat, SnapshotArgs};
use crate::config::Environment;
use crate::journal::{BucketState, Entry, EntryKind, Inventory, JournalLock};
use crate::timestamp::Timestamp;

pub fn run(workspace: &Workspace, args: &SnapshotArgs, out: &mut dyn Write) -> Result<Outcome> {
    let config = workspace.config()?;
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
        let inventory = runtime.block_on(read_inventory(env, args))?;
        inventories.push((key.clone(), inventory));
    }
    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let mut journal = lock.load()?;
    let writer = super::Writer::for_config(&config)?;
    writer.refresh(&lock, &mut journal)?;
    let mut appended = Vec::new();
    for (key, inventory) in inventories {
        let entry = Entry {
            inventory: Some(inventory),
            ..Entry::new(EntryKind::Snapshot, key, Timestamp::now())
        };
        appended.push(writer.append(&lock, &mut journal, entry)?);
    }
    drop(lock);
    for entry in &appended {
        let inventory = entry.inventory.clone().unwrap_or_default();
        crate::note!(
            "recorded #{} snapshot of {}: bucket {}{}",
            entry.seq,
            entry.env,
            inventory
                .bucket
                .map(|b| format!(
                    "{} (versioning {}, encryption {})",
                    b.name,
                    b.versioning,
                    b.encryption.unwrap_or_else(|| "none".into())
                ))
                .unwrap_or_default(),
            inventory
                .distribution
                .map(|d| format!(
                    ", distribution {} ({}, {} behaviour{})",
                    d.id,
                    d.status,
                    d.behaviors.len(),
                    if d.behaviors.len() == 1 { "" } else { "s" }
                ))
                .unwrap_or_default()
        );
    }
    if args.format == OutputFormat::Json {
        write_json_list(out, "entries", &appended)?;
    }
    Ok(Outcome::Success)
}

async fn read_inventory(env: &Environment, args: &SnapshotArgs) -> Result<Inventory> {
    let clients = super::clients(env, &args.aws).await;
    let bucket = BucketState {
        name: env.bucket.clone(),
        versioning: s3::versioning(&clients, &env.bucket).await?,
        encryption: s3::encryption(&clients, &env.bucket).await?,
    };
    let distribution = match &env.distribution {
        Some(id) => Some(cloudfront::distribution(&clients, id).await?),
        None => None,
    };
    Ok(Inventory {
        bucket: Some(bucket),
        distribution,
    })
}
