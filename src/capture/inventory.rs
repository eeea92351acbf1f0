//! An environment's inventory: the deploy bucket and distribution, and every
//! declared function, table, secret, alarm and log group.

use crate::aws::{AwsError, Clients, cloudfront, cloudwatch, dynamodb, lambda, s3, secrets};
use crate::config::{Environment, Monitoring};
use crate::journal::{BucketState, Inventory};

/// What an inventory read covers beyond the environment's own resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The environment's resources only.
    Environment,
    /// Those and the project's monitoring (alarms, log groups): the release
    /// environment's snapshots read it.
    WithMonitoring,
}

/// Reads everything `env` declares (and, in scope, the monitoring). The
/// first failing call fails the whole read: nothing partial is returned.
pub async fn read_inventory(
    clients: &Clients,
    env: &Environment,
    monitoring: &Monitoring,
    scope: Scope,
) -> Result<Inventory, AwsError> {
    let bucket = BucketState {
        name: env.bucket.clone(),
        versioning: s3::versioning(clients, &env.bucket).await?,
        encryption: s3::encryption(clients, &env.bucket).await?,
    };
    let distribution = match &env.distribution {
        Some(id) => Some(cloudfront::distribution(clients, id).await?),
        None => None,
    };
    let mut inventory = Inventory {
        bucket: Some(bucket),
        distribution,
        ..Inventory::default()
    };
    for function in &env.functions {
        inventory
            .functions
            .push(lambda::function(clients, &function.name).await?);
    }
    for table in &env.tables {
        inventory
            .tables
            .push(dynamodb::table(clients, &table.name).await?);
    }
    for secret in &env.secrets {
        inventory
            .secrets
            .push(secrets::secret(clients, &secret.id).await?);
    }
    if scope == Scope::WithMonitoring {
        let alarms: Vec<String> = monitoring.alarms.iter().map(|a| a.name.clone()).collect();
        if !alarms.is_empty() {
            inventory.alarms = cloudwatch::alarms(clients, &alarms).await?;
        }
        let groups: Vec<String> = monitoring
            .log_groups
            .iter()
            .map(|g| g.name.clone())
            .collect();
        inventory.log_groups = cloudwatch::log_groups(clients, &groups).await?;
    }
    Ok(inventory)
}
