//! Secrets Manager: the secrets an environment declares (under `secrets`),
//! their rotation and the version holding `AWSCURRENT`, read by snapshots
//! with DescribeSecret only. No call here, or anywhere in `ledger`, reads a
//! secret's value (GetSecretValue, BatchGetSecretValue).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    BadDeclaration, Declared, Described, Service, TableCx, check_list, declared_list, erased, typed,
};
use crate::document::{Column, Table, TableView};
use crate::timestamp::Timestamp;

/// A Secrets Manager row of the document, as declared.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretDecl {
    /// Secret ID.
    pub id: String,
    /// What it is for.
    #[serde(default)]
    pub purpose: Option<String>,
    /// Rotation policy ("Manual (90 days)").
    #[serde(default)]
    pub rotation: Option<String>,
    /// Other columns, by heading, as Markdown cells.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extra: IndexMap<String, String>,
}

crate::table_rows!(SecretDecl);

/// A secret as DescribeSecret describes it. Its value is never read.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretState {
    /// The secret ID as declared.
    pub id: String,
    /// Automatic rotation enabled.
    #[serde(default)]
    pub rotation: bool,
    /// Rotation interval, days (`AutomaticallyAfterDays`).
    #[serde(default)]
    pub rotation_days: Option<u64>,
    /// Rotation schedule expression (`rate(30 days)`, `cron(...)`).
    #[serde(default)]
    pub rotation_schedule: Option<String>,
    /// Last rotation.
    #[serde(default)]
    pub last_rotated: Option<Timestamp>,
    /// Last change (of the value or the settings).
    #[serde(default)]
    pub last_changed: Option<Timestamp>,
    /// The version ID that holds `AWSCURRENT`.
    #[serde(default)]
    pub current_version: Option<String>,
}

/// `### Secrets Manager`.
static SECRETS: Table<SecretDecl> = Table {
    kind: "secrets",
    title: "Secrets Manager",
    columns: &[
        Column::code_key("Secret ID", |s| &s.id, |s, v| s.id = v),
        Column::text("Purpose", |s| s.purpose.as_deref(), |s| &mut s.purpose),
        Column::text("Rotation", |s| s.rotation.as_deref(), |s| &mut s.rotation),
    ],
};

/// A secret's rotation in words: `Automatic (every 30 days)`,
/// `Automatic (cron(0 4 ? * SUN *))`, or `Manual`.
pub fn rotation(secret: &SecretState) -> String {
    if !secret.rotation {
        return "Manual".into();
    }
    match (&secret.rotation_schedule, secret.rotation_days) {
        (Some(schedule), _) if !schedule.starts_with("rate(") => {
            format!("Automatic ({schedule})")
        }
        (_, Some(1)) => "Automatic (every day)".into(),
        (_, Some(days)) => format!("Automatic (every {days} days)"),
        (Some(schedule), None) => format!("Automatic ({schedule})"),
        (None, None) => "Automatic".into(),
    }
}

/// The Secrets Manager service.
pub struct Secrets;

impl Service for Secrets {
    fn kind(&self) -> &'static str {
        SECRETS.kind
    }

    fn declared_at(&self) -> Declared {
        Declared::Environment("secrets")
    }

    fn state_key(&self) -> &'static str {
        "secrets"
    }

    fn check_declarations(&self, declared: &toml::Value) -> Result<(), BadDeclaration> {
        check_list::<SecretDecl>(declared)
    }

    fn declared_names(
        &self,
        _: &crate::config::Environment,
        declared: Option<&toml::Value>,
    ) -> Vec<String> {
        let rows: Vec<SecretDecl> = declared_list(declared);
        rows.into_iter().map(|s| s.id).collect()
    }

    fn table_title(&self) -> &'static str {
        SECRETS.title
    }

    fn rows(&self, cx: &TableCx<'_>) -> toml::Value {
        erased(&overlaid(cx)).unwrap_or_else(|_| toml::Value::Array(Vec::new()))
    }

    fn table(&self, cx: &TableCx<'_>) -> Option<TableView> {
        let view = SECRETS.layout(&overlaid(cx), cx.order);
        (!view.rows.is_empty()).then_some(view)
    }

    fn read_table(&self, header: &[String], rows: &[Vec<String>]) -> Option<toml::Value> {
        erased(&SECRETS.read(header, rows)?).ok()
    }

    fn describe(&self, state: &toml::Value) -> Vec<Described> {
        let states: Vec<SecretState> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|s| {
                Described::new("secret", &s.id)
                    .field("rotation", Some(rotation(s)))
                    .deployed("AWSCURRENT version", s.current_version.clone())
            })
            .collect()
    }

    fn show(&self, state: &toml::Value) -> Vec<String> {
        let states: Vec<SecretState> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|s| format!("  secret        {} (rotation {})", s.id, rotation(s)))
            .collect()
    }

    fn summary(&self, state: &toml::Value) -> Option<String> {
        let states: Vec<SecretState> = typed(state)?;
        super::count(states.len(), "secret")
    }

    #[cfg(feature = "aws")]
    fn read_state<'a>(
        &'a self,
        cx: &'a super::StateRead<'a>,
    ) -> super::Aws<'a, Option<toml::Value>> {
        Box::pin(async move {
            let declared: Vec<SecretDecl> = declared_list(cx.declared);
            let mut states = Vec::new();
            for secret in &declared {
                let read = calls::secret(cx.clients, &secret.id).await;
                states.extend(cx.keep(read, &cx.in_env("secrets"))?);
            }
            if states.is_empty() {
                return Ok(None);
            }
            erased(&states)
                .map(Some)
                .map_err(crate::aws::AwsError::Refused)
        })
    }

    #[cfg(feature = "aws")]
    fn discover<'a>(
        &'a self,
        cx: &'a super::Discovery<'a>,
    ) -> super::Aws<'a, Vec<super::Proposal>> {
        Box::pin(async move {
            let path = ["environments", cx.env_key, "secrets"].map(String::from);
            let names = calls::secret_names(cx.clients, cx.prefix).await?;
            Ok(names
                .into_iter()
                .map(|name| super::Proposal {
                    declaration: crate::config::declare::Declaration::named(
                        path.to_vec(),
                        "id",
                        &name,
                    ),
                    name,
                })
                .collect())
        })
    }
}

/// The declared rows with what the journal and the latest snapshot know
/// laid over them: what the table prints.
fn overlaid(cx: &TableCx<'_>) -> Vec<SecretDecl> {
    let mut rows: Vec<SecretDecl> = declared_list(cx.declared);
    let states: Vec<SecretState> = cx.snapshot.and_then(typed).unwrap_or_default();
    for row in &mut rows {
        let Some(state) = states.iter().find(|s| s.id == row.id) else {
            continue;
        };
        // Declared words that agree with AWS ("Manual (90 days)" for a
        // secret without automatic rotation) say more; keep them.
        let declared_manual = (row.rotation.as_deref()).is_some_and(|r| r.starts_with("Manual"));
        if state.rotation || !declared_manual {
            row.rotation = Some(rotation(state));
        }
    }
    rows
}

/// Secrets Manager's calls.
#[cfg(feature = "aws")]
mod calls {
    use super::SecretState;
    use crate::aws::{AwsError, Clients, classify, timestamp};

    /// This service's client, built once per run from the shared configuration.
    fn client(clients: &Clients) -> aws_sdk_secretsmanager::Client {
        clients.client(|shared, log| {
            aws_sdk_secretsmanager::Client::from_conf(
                aws_sdk_secretsmanager::config::Builder::from(shared)
                    .interceptor(log)
                    .build(),
            )
        })
    }

    /// Reads a secret's rotation settings, dates and the version holding
    /// `AWSCURRENT`.
    pub async fn secret(clients: &Clients, id: &str) -> Result<SecretState, AwsError> {
        let described = client(clients)
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
        let mut pages = client(clients).list_secrets().into_paginator().send();
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
}
