//! DynamoDB calls: a table's billing, indexes, class and stream, its
//! point-in-time recovery, and its time to live.

use super::{AwsError, CallSite, Clients, classify};
use crate::journal::TableState;

fn site(clients: &Clients, operation: &'static str, name: &str) -> CallSite {
    clients.site(operation, format!("DynamoDB table `{name}`"))
}

/// Reads a table's settings (DescribeTable, DescribeContinuousBackups,
/// DescribeTimeToLive).
pub async fn table(clients: &Clients, name: &str) -> Result<TableState, AwsError> {
    let described = clients
        .dynamodb
        .describe_table()
        .table_name(name)
        .send()
        .await
        .map_err(|e| classify(e, site(clients, "dynamodb:DescribeTable", name)))?;
    let mut state = TableState {
        name: name.to_string(),
        ..TableState::default()
    };
    if let Some(table) = described.table() {
        // AWS leaves the summary out for tables that were always provisioned.
        state.billing = Some(
            table
                .billing_mode_summary()
                .and_then(|b| b.billing_mode())
                .map_or_else(|| "PROVISIONED".to_string(), |b| b.as_str().to_string()),
        );
        let mut gsis: Vec<String> = table
            .global_secondary_indexes()
            .iter()
            .filter_map(|i| i.index_name().map(str::to_string))
            .collect();
        gsis.sort();
        state.gsis = gsis;
        state.table_class = table
            .table_class_summary()
            .and_then(|c| c.table_class())
            .map(|c| c.as_str().to_string());
        state.stream = table
            .stream_specification()
            .filter(|s| s.stream_enabled())
            .map(|s| {
                s.stream_view_type()
                    .map_or("enabled", |v| v.as_str())
                    .to_string()
            });
    }
    let backups = clients
        .dynamodb
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .map_err(|e| classify(e, site(clients, "dynamodb:DescribeContinuousBackups", name)))?;
    state.pitr = backups
        .continuous_backups_description()
        .and_then(|c| c.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        .is_some_and(|s| s.as_str() == "ENABLED");
    let ttl = clients
        .dynamodb
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .map_err(|e| classify(e, site(clients, "dynamodb:DescribeTimeToLive", name)))?;
    if let Some(ttl) = ttl.time_to_live_description() {
        state.ttl = ttl.time_to_live_status().map(|s| s.as_str().to_string());
        state.ttl_attribute = ttl.attribute_name().map(str::to_string);
    }
    Ok(state)
}

/// Names of the tables in the region that start with `prefix`, sorted.
pub async fn table_names(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
    let mut pages = clients.dynamodb.list_tables().into_paginator().send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(e, site(clients, "dynamodb:ListTables", prefix)))?;
        names.extend(
            page.table_names()
                .iter()
                .filter(|n| n.starts_with(prefix))
                .cloned(),
        );
    }
    names.sort();
    Ok(names)
}
