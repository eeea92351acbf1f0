//! DynamoDB: the tables an environment declares (under `tables`), their
//! billing, indexes, class and stream, point-in-time recovery and time to
//! live, read by snapshots.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    BadDeclaration, Declared, Described, Service, TableCx, check_list, declared_list, erased, typed,
};
use crate::document::{Column, Table, TableView};

/// A DynamoDB table row of the document, as declared.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDecl {
    /// Table name.
    pub name: String,
    /// Billing mode ("PAY_PER_REQUEST").
    #[serde(default)]
    pub billing: Option<String>,
    /// Point-in-time recovery.
    #[serde(default)]
    pub pitr: Option<bool>,
    /// Time to live enabled.
    #[serde(default)]
    pub ttl: Option<bool>,
    /// Global secondary indexes.
    #[serde(default)]
    pub gsis: Option<Vec<String>>,
    /// Other columns, by heading, as Markdown cells.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extra: IndexMap<String, String>,
}

crate::table_rows!(TableDecl);

/// A table as a snapshot read it (DescribeTable, DescribeContinuousBackups,
/// DescribeTimeToLive).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableState {
    /// Table name.
    pub name: String,
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    #[serde(default)]
    pub billing: Option<String>,
    /// Point-in-time recovery enabled.
    #[serde(default)]
    pub pitr: bool,
    /// Time to live status (`ENABLED`, `DISABLED`, `ENABLING`, `DISABLING`).
    #[serde(default)]
    pub ttl: Option<String>,
    /// The TTL attribute.
    #[serde(default)]
    pub ttl_attribute: Option<String>,
    /// Global secondary index names, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gsis: Vec<String>,
    /// `STANDARD` or `STANDARD_INFREQUENT_ACCESS`.
    #[serde(default)]
    pub table_class: Option<String>,
    /// The stream's view type when a stream is enabled.
    #[serde(default)]
    pub stream: Option<String>,
}

impl TableState {
    /// Whether its time to live counts as enabled (`ENABLED`, `ENABLING`).
    fn ttl_enabled(&self) -> bool {
        matches!(self.ttl.as_deref(), Some("ENABLED" | "ENABLING"))
    }

    /// Its indexes as the document writes them (`-` for none).
    fn gsi_words(&self) -> String {
        if self.gsis.is_empty() {
            "-".to_string()
        } else {
            self.gsis.join(", ")
        }
    }
}

/// `### DynamoDB Tables`.
static DYNAMODB_TABLES: Table<TableDecl> = Table {
    kind: "dynamodb",
    title: "DynamoDB Tables",
    columns: &[
        Column::code_key("Table", |t| &t.name, |t, v| t.name = v),
        Column::text("Billing", |t| t.billing.as_deref(), |t| &mut t.billing),
        Column::flag("PITR", |t| t.pitr, |t| &mut t.pitr, ("Yes", "No")),
        Column::flag("TTL", |t| t.ttl, |t| &mut t.ttl, ("Enabled", "Disabled")),
        Column::code_list("GSIs", |t| t.gsis.as_deref(), |t| &mut t.gsis),
    ],
};

/// `Yes` / `No`, as the PITR column writes it.
fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

/// `Enabled` / `Disabled`, as the TTL column writes it.
fn enabled(value: bool) -> &'static str {
    if value { "Enabled" } else { "Disabled" }
}

/// The DynamoDB service.
pub struct DynamoDb;

impl Service for DynamoDb {
    fn kind(&self) -> &'static str {
        DYNAMODB_TABLES.kind
    }

    fn declared_at(&self) -> Declared {
        Declared::Environment("tables")
    }

    fn state_key(&self) -> &'static str {
        "tables"
    }

    fn check_declarations(&self, declared: &toml::Value) -> Result<(), BadDeclaration> {
        check_list::<TableDecl>(declared)
    }

    fn declared_names(
        &self,
        _: &crate::config::Environment,
        declared: Option<&toml::Value>,
    ) -> Vec<String> {
        let rows: Vec<TableDecl> = declared_list(declared);
        rows.into_iter().map(|t| t.name).collect()
    }

    fn table_title(&self) -> &'static str {
        DYNAMODB_TABLES.title
    }

    fn rows(&self, cx: &TableCx<'_>) -> toml::Value {
        erased(&overlaid(cx)).unwrap_or_else(|_| toml::Value::Array(Vec::new()))
    }

    fn table(&self, cx: &TableCx<'_>) -> Option<TableView> {
        let view = DYNAMODB_TABLES.layout(&overlaid(cx), cx.order);
        (!view.rows.is_empty()).then_some(view)
    }

    fn read_table(&self, header: &[String], rows: &[Vec<String>]) -> Option<toml::Value> {
        erased(&DYNAMODB_TABLES.read(header, rows)?).ok()
    }

    fn describe(&self, state: &toml::Value) -> Vec<Described> {
        let states: Vec<TableState> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|t| {
                Described::new("DynamoDB table", &t.name)
                    .field("billing", t.billing.clone())
                    .field("PITR", Some(yes_no(t.pitr).into()))
                    .field("TTL", Some(enabled(t.ttl_enabled()).into()))
                    .field("TTL attribute", t.ttl_attribute.clone())
                    .field("GSIs", Some(t.gsi_words()))
                    .field("class", t.table_class.clone())
                    .field("stream", t.stream.clone())
            })
            .collect()
    }

    fn show(&self, state: &toml::Value) -> Vec<String> {
        let states: Vec<TableState> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|t| {
                format!(
                    "  table         {} ({}, PITR {}, TTL {}, GSIs {})",
                    t.name,
                    t.billing.as_deref().unwrap_or("-"),
                    yes_no(t.pitr),
                    enabled(t.ttl_enabled()),
                    t.gsi_words()
                )
            })
            .collect()
    }

    fn summary(&self, state: &toml::Value) -> Option<String> {
        let states: Vec<TableState> = typed(state)?;
        super::count(states.len(), "table")
    }

    #[cfg(feature = "aws")]
    fn read_state<'a>(
        &'a self,
        cx: &'a super::StateRead<'a>,
    ) -> super::Aws<'a, Option<toml::Value>> {
        Box::pin(async move {
            let declared: Vec<TableDecl> = declared_list(cx.declared);
            let mut states = Vec::new();
            for table in &declared {
                let read = calls::table(cx.clients, &table.name).await;
                states.extend(cx.keep(read, &cx.in_env("tables"))?);
            }
            if states.is_empty() {
                return Ok(None);
            }
            erased(&states).map(Some).map_err(AwsError::Refused)
        })
    }

    #[cfg(feature = "aws")]
    fn discover<'a>(
        &'a self,
        cx: &'a super::Discovery<'a>,
    ) -> super::Aws<'a, Vec<super::Proposal>> {
        Box::pin(async move {
            let path = ["environments", cx.env_key, "tables"].map(String::from);
            let names = calls::table_names(cx.clients, cx.prefix).await?;
            Ok(names
                .into_iter()
                .map(|name| super::Proposal {
                    declaration: Declaration::named(path.to_vec(), "name", &name),
                    name,
                })
                .collect())
        })
    }
}

/// The declared rows with what the journal and the latest snapshot know
/// laid over them: what the table prints.
fn overlaid(cx: &TableCx<'_>) -> Vec<TableDecl> {
    let mut rows: Vec<TableDecl> = declared_list(cx.declared);
    let states: Vec<TableState> = cx.snapshot.and_then(typed).unwrap_or_default();
    for row in &mut rows {
        let Some(state) = states.iter().find(|t| t.name == row.name) else {
            continue;
        };
        row.billing = state.billing.clone().or(row.billing.take());
        row.pitr = Some(state.pitr);
        row.ttl = Some(state.ttl_enabled());
        row.gsis = Some(state.gsis.clone());
    }
    rows
}

#[cfg(feature = "aws")]
use crate::aws::AwsError;
#[cfg(feature = "aws")]
use crate::config::declare::Declaration;

/// DynamoDB's calls.
#[cfg(feature = "aws")]
mod calls {
    use super::TableState;
    use crate::aws::{AwsError, CallSite, Clients, classify};
    use aws_sdk_dynamodb::types::TableDescription;

    /// This service's client, built once per run from the shared configuration.
    fn client(clients: &Clients) -> aws_sdk_dynamodb::Client {
        clients.client(|shared, log| {
            aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(shared)
                    .interceptor(log)
                    .build(),
            )
        })
    }

    fn site(clients: &Clients, operation: &'static str, name: &str) -> CallSite {
        clients.site(operation, format!("DynamoDB table `{name}`"))
    }

    /// Reads a table's settings (DescribeTable, DescribeContinuousBackups,
    /// DescribeTimeToLive).
    pub async fn table(clients: &Clients, name: &str) -> Result<TableState, AwsError> {
        let described = client(clients)
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
            describe_into(table, &mut state);
        }
        let backups = client(clients)
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
        let ttl = client(clients)
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

    /// What DescribeTable says of a table: billing, GSIs, class, stream.
    fn describe_into(table: &TableDescription, state: &mut TableState) {
        // AWS leaves the summary out for tables that were always provisioned.
        state.billing = Some(
            (table.billing_mode_summary())
                .and_then(|b| b.billing_mode())
                .map_or_else(|| "PROVISIONED".to_string(), |b| b.as_str().to_string()),
        );
        let mut gsis: Vec<String> = (table.global_secondary_indexes().iter())
            .filter_map(|i| i.index_name().map(str::to_string))
            .collect();
        gsis.sort();
        state.gsis = gsis;
        state.table_class = (table.table_class_summary())
            .and_then(|c| c.table_class())
            .map(|c| c.as_str().to_string());
        state.stream = (table.stream_specification())
            .filter(|s| s.stream_enabled())
            .map(|s| {
                s.stream_view_type()
                    .map_or("enabled", |v| v.as_str())
                    .to_string()
            });
    }

    /// Names of the tables in the region that start with `prefix`, sorted.
    pub async fn table_names(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
        let mut pages = client(clients).list_tables().into_paginator().send();
        let mut names = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| classify(e, site(clients, "dynamodb:ListTables", prefix)))?;
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
}
