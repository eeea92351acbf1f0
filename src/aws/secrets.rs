//! Secrets Manager calls: DescribeSecret only. No call here, or anywhere in
//! `ledger`, reads a secret's value (GetSecretValue, BatchGetSecretValue).

use super::{AwsError, Clients, classify, timestamp};
use crate::journal::SecretState;

/// Reads a secret's rotation settings, dates and the version holding
/// `AWSCURRENT`.
pub async fn secret(clients: &Clients, id: &str) -> Result<SecretState, AwsError> {
    let described = clients
        .secrets
        .describe_secret()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| {
            classify(
                e,
                clients.site("secretsmanager:DescribeSecret", format!("secret `{id}`")),
            )
        })?;
    let rules = described.rotation_rules();
    let current_version = described.version_ids_to_stages().and_then(|stages| {
        let mut holders: Vec<&String> = stages
            .iter()
            .filter(|(_, labels)| labels.iter().any(|l| l == "AWSCURRENT"))
            .map(|(version, _)| version)
            .collect();
        holders.sort();
        holders.first().map(|v| v.to_string())
    });
    Ok(SecretState {
        id: id.to_string(),
        rotation: described.rotation_enabled().unwrap_or(false),
        rotation_days: rules
            .and_then(|r| r.automatically_after_days())
            .and_then(|d| u64::try_from(d).ok()),
        rotation_schedule: rules
            .and_then(|r| r.schedule_expression())
            .map(str::to_string),
        last_rotated: described.last_rotated_date().and_then(timestamp),
        last_changed: described.last_changed_date().and_then(timestamp),
        current_version,
    })
}

/// Names of the secrets in the region that start with `prefix`, sorted
/// (ListSecrets returns metadata only, never a value).
pub async fn secret_names(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
    let mut pages = clients.secrets.list_secrets().into_paginator().send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            classify(
                e,
                clients.site(
                    "secretsmanager:ListSecrets",
                    format!("secrets starting with `{prefix}`"),
                ),
            )
        })?;
        names.extend(
            page.secret_list()
                .iter()
                .filter_map(|s| s.name())
                .filter(|n| n.starts_with(prefix))
                .map(str::to_string),
        );
    }
    names.sort();
    Ok(names)
}
