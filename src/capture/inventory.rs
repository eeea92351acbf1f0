//! An environment's inventory: the deploy bucket and distribution, and every
//! declared function, table, secret, alarm and log group.

use crate::aws::error::declared_in;
use crate::aws::{AwsError, Clients, cloudfront, cloudwatch, dynamodb, lambda, s3, secrets};
use crate::config::{Environment, Monitoring};
use crate::journal::{BucketState, FunctionState, Inventory};
pub use crate::model::inventory::Scope;

/// What to do with a declared resource AWS does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Fail the read, naming it (`snapshot`: nothing is recorded).
    Refuse,
    /// Leave it out (`verify --aws`: it is drift, "gone from AWS").
    Skip,
}

/// Reads everything `env` declares (and, in scope, the monitoring). Any
/// other failing call fails the whole read: nothing partial is returned.
pub async fn read_inventory(
    clients: &Clients,
    key: &str,
    env: &Environment,
    monitoring: &Monitoring,
    scope: Scope,
    missing: Missing,
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
    let in_env = |kind: &str| format!("[[environments.{key}.{kind}]]");
    for function in &env.functions {
        let read = lambda::function(clients, &function.name).await;
        if let Some(state) = keep(read, missing, &in_env("functions"))? {
            if missing == Missing::Refuse {
                check_alias(&state, function.alias.as_deref(), key)?;
            }
            inventory.functions.push(state);
        }
    }
    for table in &env.tables {
        let read = dynamodb::table(clients, &table.name).await;
        inventory
            .tables
            .extend(keep(read, missing, &in_env("tables"))?);
    }
    for secret in &env.secrets {
        let read = secrets::secret(clients, &secret.id).await;
        inventory
            .secrets
            .extend(keep(read, missing, &in_env("secrets"))?);
    }
    if scope == Scope::WithMonitoring {
        read_monitoring(clients, monitoring, missing, &mut inventory).await?;
    }
    Ok(inventory)
}

/// A resource read, or None when AWS does not know it and `missing` says
/// to leave it out.
fn keep<T>(
    read: Result<T, AwsError>,
    missing: Missing,
    declaration: &str,
) -> Result<Option<T>, AwsError> {
    match read {
        Ok(state) => Ok(Some(state)),
        Err(AwsError::NotFound { .. }) if missing == Missing::Skip => Ok(None),
        Err(error) => Err(declared_in(error, declaration)),
    }
}

/// Refuses a declared alias the function does not have: every record and
/// rollback would fail on it later.
fn check_alias(state: &FunctionState, alias: Option<&str>, key: &str) -> Result<(), AwsError> {
    let Some(alias) = alias else {
        return Ok(());
    };
    if state.aliases.iter().any(|a| a.name == alias) {
        return Ok(());
    }
    let known: Vec<&str> = state.aliases.iter().map(|a| a.name.as_str()).collect();
    Err(AwsError::NotFound {
        what: format!("alias `{alias}` of Lambda function `{}`", state.name),
        operation: "lambda:ListAliases",
        hint: format!(
            "check `alias` of the function under `[[environments.{key}.functions]]` in \
             ledger.toml; its aliases are: {}",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
    })
}

/// The declared alarms and log groups; with `Missing::Refuse`, every name
/// CloudWatch does not know is named in one error.
async fn read_monitoring(
    clients: &Clients,
    monitoring: &Monitoring,
    missing: Missing,
    inventory: &mut Inventory,
) -> Result<(), AwsError> {
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
    if missing == Missing::Skip {
        return Ok(());
    }
    let absent_alarms: Vec<&String> = alarms
        .iter()
        .filter(|n| !inventory.alarms.iter().any(|a| &a.name == *n))
        .collect();
    let absent_groups: Vec<&String> = groups
        .iter()
        .filter(|n| !inventory.log_groups.iter().any(|g| &g.name == *n))
        .collect();
    for (absent, what, operation, declaration) in [
        (
            absent_alarms,
            "CloudWatch alarm",
            "cloudwatch:DescribeAlarms",
            "[[monitoring.alarms]]",
        ),
        (
            absent_groups,
            "log group",
            "logs:DescribeLogGroups",
            "[[monitoring.log_groups]]",
        ),
    ] {
        if !absent.is_empty() {
            let names: Vec<String> = absent.iter().map(|n| format!("`{n}`")).collect();
            return Err(declared_in(
                AwsError::NotFound {
                    what: format!("{what} {}", names.join(", ")),
                    operation,
                    hint: String::new(),
                },
                declaration,
            ));
        }
    }
    Ok(())
}
