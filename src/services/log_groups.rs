//! CloudWatch Logs: the log groups the project declares (under
//! `[monitoring]` `log_groups`) and their retention, read by the release
//! environment's snapshots.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    BadDeclaration, Declared, Described, Service, TableCx, check_list, declared_list, erased, typed,
};
use crate::document::{Column, Table, TableView};

/// One CloudWatch log group row of the document, as declared.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroup {
    /// Log group name.
    pub name: String,
    /// Retention in words ("30 days").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<String>,
    /// Other columns, by heading, as Markdown cells.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extra: IndexMap<String, String>,
}

crate::table_rows!(LogGroup);

/// A log group as DescribeLogGroups describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroupState {
    /// Log group name.
    pub name: String,
    /// Retention, days; absent when events never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u64>,
}

/// `### Log Groups` (under Monitoring).
static LOG_GROUPS: Table<LogGroup> = Table {
    kind: "log_groups",
    title: "Log Groups",
    columns: &[
        Column::code_key("Log Group", |g| &g.name, |g, v| g.name = v),
        Column::always(Column::text(
            "Retention",
            |g| g.retention.as_deref(),
            |g| &mut g.retention,
        )),
    ],
};

/// A log group's retention: `30 days`, `1 day`, or `Never expire`.
pub fn retention(days: Option<u64>) -> String {
    match days {
        Some(1) => "1 day".into(),
        Some(days) => format!("{days} days"),
        None => "Never expire".into(),
    }
}

/// The CloudWatch Logs service.
pub struct LogGroups;

impl Service for LogGroups {
    fn kind(&self) -> &'static str {
        LOG_GROUPS.kind
    }

    fn declared_at(&self) -> Declared {
        Declared::Monitoring("log_groups")
    }

    fn state_key(&self) -> &'static str {
        "log_groups"
    }

    fn check_declarations(&self, declared: &toml::Value) -> Result<(), BadDeclaration> {
        check_list::<LogGroup>(declared)
    }

    fn declared_names(
        &self,
        _: &crate::config::Environment,
        declared: Option<&toml::Value>,
    ) -> Vec<String> {
        let rows: Vec<LogGroup> = declared_list(declared);
        rows.into_iter().map(|g| g.name).collect()
    }

    fn table_title(&self) -> &'static str {
        LOG_GROUPS.title
    }

    fn rows(&self, cx: &TableCx<'_>) -> toml::Value {
        erased(&overlaid(cx)).unwrap_or_else(|_| toml::Value::Array(Vec::new()))
    }

    fn table(&self, cx: &TableCx<'_>) -> Option<TableView> {
        let view = LOG_GROUPS.layout(&overlaid(cx), cx.order);
        (!view.rows.is_empty()).then_some(view)
    }

    fn read_table(&self, header: &[String], rows: &[Vec<String>]) -> Option<toml::Value> {
        erased(&LOG_GROUPS.read(header, rows)?).ok()
    }

    fn describe(&self, state: &toml::Value) -> Vec<Described> {
        let states: Vec<LogGroupState> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|g| {
                Described::new("log group", &g.name)
                    .field("retention", Some(retention(g.retention_days)))
            })
            .collect()
    }

    fn show(&self, state: &toml::Value) -> Vec<String> {
        let states: Vec<LogGroupState> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|g| {
                format!(
                    "  log group     {} (retention {})",
                    g.name,
                    retention(g.retention_days)
                )
            })
            .collect()
    }

    fn summary(&self, state: &toml::Value) -> Option<String> {
        let states: Vec<LogGroupState> = typed(state)?;
        super::count(states.len(), "log group")
    }

    #[cfg(feature = "aws")]
    fn read_state<'a>(
        &'a self,
        cx: &'a super::StateRead<'a>,
    ) -> super::Aws<'a, Option<toml::Value>> {
        Box::pin(async move {
            let names: Vec<String> = (declared_list::<LogGroup>(cx.declared).into_iter())
                .map(|g| g.name)
                .collect();
            let states = calls::log_groups(cx.clients, &names).await?;
            let found: Vec<&str> = states.iter().map(|g| g.name.as_str()).collect();
            if cx.missing == super::Missing::Refuse {
                super::refuse_absent(
                    &names,
                    &found,
                    "log group",
                    "logs:DescribeLogGroups",
                    "[[monitoring.log_groups]]",
                )?;
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
            let prefix = cx.prefix;
            let mut names = calls::log_group_names(cx.clients, prefix).await?;
            // The log groups of the functions found by the same prefix.
            if !prefix.starts_with('/') && !prefix.is_empty() {
                let of_functions = format!("/aws/lambda/{prefix}");
                names.extend(calls::log_group_names(cx.clients, &of_functions).await?);
                names.sort();
                names.dedup();
            }
            Ok(super::monitoring_proposals("log_groups", names))
        })
    }
}

/// The declared rows with what the journal and the latest snapshot know
/// laid over them: what the table prints.
fn overlaid(cx: &TableCx<'_>) -> Vec<LogGroup> {
    let mut rows: Vec<LogGroup> = declared_list(cx.declared);
    let states: Vec<LogGroupState> = cx.snapshot.and_then(typed).unwrap_or_default();
    for row in &mut rows {
        if let Some(state) = states.iter().find(|g| g.name == row.name) {
            row.retention = Some(retention(state.retention_days));
        }
    }
    rows
}

/// CloudWatch Logs' calls.
#[cfg(feature = "aws")]
mod calls {
    use super::LogGroupState;
    use crate::aws::{AwsError, Clients, classify};

    /// This service's client, built once per run from the shared configuration.
    fn client(clients: &Clients) -> aws_sdk_cloudwatchlogs::Client {
        clients.client(|shared, log| {
            aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(shared)
                    .interceptor(log)
                    .build(),
            )
        })
    }

    /// Reads the named log groups' retention, in the order named; names
    /// CloudWatch Logs does not know are left out.
    pub async fn log_groups(
        clients: &Clients,
        names: &[String],
    ) -> Result<Vec<LogGroupState>, AwsError> {
        let mut states = Vec::with_capacity(names.len());
        for name in names {
            let mut pages = client(clients)
                .describe_log_groups()
                .log_group_name_prefix(name)
                .into_paginator()
                .send();
            let mut found = None;
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| {
                    classify(
                        e,
                        clients.site("logs:DescribeLogGroups", format!("log group `{name}`")),
                    )
                })?;
                if let Some(group) = page
                    .log_groups()
                    .iter()
                    .find(|g| g.log_group_name() == Some(name.as_str()))
                {
                    found = Some(LogGroupState {
                        name: name.clone(),
                        retention_days: group
                            .retention_in_days()
                            .and_then(|d| u64::try_from(d).ok()),
                    });
                    break;
                }
            }
            states.extend(found);
        }
        Ok(states)
    }

    /// Names of the log groups that start with `prefix`, sorted.
    pub async fn log_group_names(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
        let mut request = client(clients).describe_log_groups();
        if !prefix.is_empty() {
            request = request.log_group_name_prefix(prefix);
        }
        let mut pages = request.into_paginator().send();
        let mut names = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                classify(
                    e,
                    clients.site(
                        "logs:DescribeLogGroups",
                        format!("log groups starting with `{prefix}`"),
                    ),
                )
            })?;
            names.extend(
                page.log_groups()
                    .iter()
                    .filter_map(|g| g.log_group_name())
                    .map(str::to_string),
            );
        }
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::retention;

    #[test]
    fn retention_reads_like_the_document() {
        assert_eq!(retention(None), "Never expire");
        assert_eq!(retention(Some(30)), "30 days");
        assert_eq!(retention(Some(1)), "1 day");
    }
}
