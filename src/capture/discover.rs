//! `snapshot --discover`: what exists in the account and region, by name,
//! for a new user to declare instead of typing names by hand.

use crate::aws::{AwsError, Clients, cloudwatch, dynamodb, lambda, secrets};

/// A discovered function and its aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFunction {
    /// Function name.
    pub name: String,
    /// Its aliases; one of them is proposed as the alias that serves traffic.
    pub aliases: Vec<String>,
}

/// Resource names found, each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// Lambda functions.
    pub functions: Vec<FoundFunction>,
    /// DynamoDB tables.
    pub tables: Vec<String>,
    /// Secrets (names only; nothing else about them is read).
    pub secrets: Vec<String>,
    /// CloudWatch alarms.
    pub alarms: Vec<String>,
    /// Log groups.
    pub log_groups: Vec<String>,
}

/// Lists what starts with `prefix`: functions, tables, secrets and alarms by
/// name, and log groups by name or as the log group of a function found
/// (`/aws/lambda/NAME`).
pub async fn discover(clients: &Clients, prefix: &str) -> Result<Discovered, AwsError> {
    let mut functions = Vec::new();
    for name in lambda::function_names(clients, prefix).await? {
        let aliases = lambda::alias_names(clients, &name).await?;
        functions.push(FoundFunction { name, aliases });
    }
    let mut log_groups = cloudwatch::log_group_names(clients, prefix).await?;
    if !prefix.starts_with('/') && !prefix.is_empty() {
        let of_functions = format!("/aws/lambda/{prefix}");
        log_groups.extend(cloudwatch::log_group_names(clients, &of_functions).await?);
        log_groups.sort();
        log_groups.dedup();
    }
    Ok(Discovered {
        functions,
        tables: dynamodb::table_names(clients, prefix).await?,
        secrets: secrets::secret_names(clients, prefix).await?,
        alarms: cloudwatch::alarm_names(clients, prefix).await?,
        log_groups,
    })
}
