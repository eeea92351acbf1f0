//! CloudWatch calls: alarms by name (DescribeAlarms) and log groups' retention
//! (DescribeLogGroups).

use std::collections::BTreeMap;

use super::{AwsError, Clients, classify};
use crate::journal::{AlarmState, LogGroupState};

/// DescribeAlarms takes at most this many names per call.
const NAMES_PER_CALL: usize = 100;

/// Reads the named alarms, in the order named; names CloudWatch does not
/// know are left out (the caller decides whether that is an error).
pub async fn alarms(clients: &Clients, names: &[String]) -> Result<Vec<AlarmState>, AwsError> {
    let mut found: BTreeMap<String, AlarmState> = BTreeMap::new();
    for chunk in names.chunks(NAMES_PER_CALL) {
        let mut pages = clients
            .cloudwatch
            .describe_alarms()
            .set_alarm_names(Some(chunk.to_vec()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                classify(
                    e,
                    clients.site(
                        "cloudwatch:DescribeAlarms",
                        format!("alarms {}", chunk.join(", ")),
                    ),
                )
            })?;
            for alarm in page.metric_alarms() {
                let state = alarm_state(alarm);
                found.insert(state.name.clone(), state);
            }
            for alarm in page.composite_alarms() {
                let name = alarm.alarm_name().unwrap_or_default().to_string();
                found.insert(
                    name.clone(),
                    AlarmState {
                        name,
                        state: alarm.state_value().map(|s| s.as_str().to_string()),
                        ..AlarmState::default()
                    },
                );
            }
        }
    }
    Ok(names.iter().filter_map(|name| found.remove(name)).collect())
}

/// A threshold as a decimal string: `5`, `0.5`, never `5.0` or an exponent.
fn decimal(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn alarm_state(alarm: &aws_sdk_cloudwatch::types::MetricAlarm) -> AlarmState {
    AlarmState {
        name: alarm.alarm_name().unwrap_or_default().to_string(),
        namespace: alarm.namespace().map(str::to_string),
        metric: alarm.metric_name().map(str::to_string),
        statistic: alarm
            .statistic()
            .map(|s| s.as_str().to_string())
            .or_else(|| alarm.extended_statistic().map(str::to_string)),
        comparison: alarm.comparison_operator().map(|c| c.as_str().to_string()),
        threshold: alarm.threshold().map(decimal),
        period: alarm.period().and_then(|p| u64::try_from(p).ok()),
        evaluation_periods: alarm
            .evaluation_periods()
            .and_then(|p| u64::try_from(p).ok()),
        unit: alarm.unit().map(|u| u.as_str().to_string()),
        state: alarm.state_value().map(|s| s.as_str().to_string()),
    }
}

/// Reads the named log groups' retention, in the order named; names
/// CloudWatch Logs does not know are left out.
pub async fn log_groups(
    clients: &Clients,
    names: &[String],
) -> Result<Vec<LogGroupState>, AwsError> {
    let mut states = Vec::with_capacity(names.len());
    for name in names {
        let mut pages = clients
            .logs
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

/// Names of the alarms that start with `prefix`, sorted.
pub async fn alarm_names(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
    let mut request = clients.cloudwatch.describe_alarms();
    if !prefix.is_empty() {
        request = request.alarm_name_prefix(prefix);
    }
    let mut pages = request.into_paginator().send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            classify(
                e,
                clients.site(
                    "cloudwatch:DescribeAlarms",
                    format!("alarms starting with `{prefix}`"),
                ),
            )
        })?;
        names.extend(
            page.metric_alarms()
                .iter()
                .filter_map(|a| a.alarm_name())
                .map(str::to_string),
        );
        names.extend(
            page.composite_alarms()
                .iter()
                .filter_map(|a| a.alarm_name())
                .map(str::to_string),
        );
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// Names of the log groups that start with `prefix`, sorted.
pub async fn log_group_names(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
    let mut request = clients.logs.describe_log_groups();
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
