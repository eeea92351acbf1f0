//! CloudWatch alarms: the alarms the project declares (under `[monitoring]`
//! `alarms`), their metric, statistic, threshold and state, read by the
//! release environment's snapshots.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    BadDeclaration, Declared, Described, Service, TableCx, check_list, declared_list, erased, typed,
};
use crate::document::{Column, Table, TableView};

/// One CloudWatch alarm row of the document, as declared.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    /// Alarm name.
    pub name: String,
    /// Metric ("AWS/Lambda/Errors").
    #[serde(default)]
    pub metric: Option<String>,
    /// Threshold in words ("> 5 per 5 min").
    #[serde(default)]
    pub threshold: Option<String>,
    /// Other columns, by heading, as Markdown cells.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extra: IndexMap<String, String>,
}

crate::table_rows!(Alarm);

/// An alarm as DescribeAlarms describes it.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmState {
    /// Alarm name.
    pub name: String,
    /// Metric namespace (`AWS/Lambda`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Metric name (`Errors`).
    #[serde(default)]
    pub metric: Option<String>,
    /// Statistic (`Sum`, `Average`, or an extended one such as `p99`).
    #[serde(default)]
    pub statistic: Option<String>,
    /// Comparison operator (`GreaterThanThreshold`).
    #[serde(default)]
    pub comparison: Option<String>,
    /// Threshold, as a decimal string (`5`, `0.5`): the journal holds no
    /// floats, whose text would make the hash depend on a printer.
    #[serde(default)]
    pub threshold: Option<String>,
    /// Period, seconds.
    #[serde(default)]
    pub period: Option<u64>,
    /// Evaluation periods.
    #[serde(default)]
    pub evaluation_periods: Option<u64>,
    /// Metric unit, when the alarm names one (`Milliseconds`, `Percent`).
    #[serde(default)]
    pub unit: Option<String>,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA` when read.
    #[serde(default)]
    pub state: Option<String>,
}

/// `### CloudWatch Alarms` (under Monitoring).
static ALARMS: Table<Alarm> = Table {
    kind: "alarms",
    title: "CloudWatch Alarms",
    columns: &[
        Column::text_key("Alarm", |a| &a.name, |a, v| a.name = v),
        Column::always(Column::code(
            "Metric",
            |a| a.metric.as_deref(),
            |a| &mut a.metric,
        )),
        Column::always(Column::text(
            "Threshold",
            |a| a.threshold.as_deref(),
            |a| &mut a.threshold,
        )),
    ],
};

/// An alarm's metric as the document writes it: `AWS/Lambda/Errors`.
pub fn metric(alarm: &AlarmState) -> Option<String> {
    match (&alarm.namespace, &alarm.metric) {
        (Some(namespace), Some(metric)) => Some(format!("{namespace}/{metric}")),
        (None, Some(metric)) => Some(metric.clone()),
        _ => None,
    }
}

/// An alarm's threshold in words: `> 5 per 5 min` for a sum or a count over
/// a period, `> 200 ms`, `>= 1%` for other statistics.
pub fn threshold(alarm: &AlarmState) -> Option<String> {
    let value = alarm.threshold.as_deref()?;
    let comparison = match alarm.comparison.as_deref() {
        Some("GreaterThanThreshold") => ">",
        Some("GreaterThanOrEqualToThreshold") => ">=",
        Some("LessThanThreshold") => "<",
        Some("LessThanOrEqualToThreshold") => "<=",
        Some(other) => other,
        None => "?",
    };
    let unit = match alarm.unit.as_deref() {
        Some("Percent") => "%",
        Some("Seconds") => "s",
        Some("Milliseconds") => " ms",
        Some("Microseconds") => " µs",
        Some("Bytes") => " B",
        _ => "",
    };
    let per = match (alarm.statistic.as_deref(), alarm.period) {
        (Some("Sum" | "SampleCount"), Some(period)) => format!(" per {}", period_words(period)),
        _ => String::new(),
    };
    Some(format!("{comparison} {value}{unit}{per}"))
}

/// A period in the document's words: `5 min`, `1 hour`, `30s`.
fn period_words(seconds: u64) -> String {
    match seconds {
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3_600 == 0 => plural(s / 3_600, "hour"),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s}s"),
    }
}

fn plural(count: u64, unit: &str) -> String {
    if count == 1 {
        format!("1 {unit}")
    } else {
        format!("{count} {unit}s")
    }
}

/// The CloudWatch alarms service.
pub struct Alarms;

impl Service for Alarms {
    fn kind(&self) -> &'static str {
        ALARMS.kind
    }

    fn declared_at(&self) -> Declared {
        Declared::Monitoring("alarms")
    }

    fn state_key(&self) -> &'static str {
        "alarms"
    }

    fn check_declarations(&self, declared: &toml::Value) -> Result<(), BadDeclaration> {
        check_list::<Alarm>(declared)
    }

    fn declared_names(
        &self,
        _: &crate::config::Environment,
        declared: Option<&toml::Value>,
    ) -> Vec<String> {
        let rows: Vec<Alarm> = declared_list(declared);
        rows.into_iter().map(|a| a.name).collect()
    }

    fn table_title(&self) -> &'static str {
        ALARMS.title
    }

    fn rows(&self, cx: &TableCx<'_>) -> toml::Value {
        erased(&overlaid(cx)).unwrap_or_else(|_| toml::Value::Array(Vec::new()))
    }

    fn table(&self, cx: &TableCx<'_>) -> Option<TableView> {
        let view = ALARMS.layout(&overlaid(cx), cx.order);
        (!view.rows.is_empty()).then_some(view)
    }

    fn read_table(&self, header: &[String], rows: &[Vec<String>]) -> Option<toml::Value> {
        erased(&ALARMS.read(header, rows)?).ok()
    }

    fn describe(&self, state: &toml::Value) -> Vec<Described> {
        let states: Vec<AlarmState> = typed(state).unwrap_or_default();
        // The alarm's state (OK, ALARM) is how the system runs, not how it
        // is configured: recorded, never reported as a change.
        (states.iter())
            .map(|a| {
                Described::new("CloudWatch alarm", &a.name)
                    .field("metric", metric(a))
                    .field("statistic", a.statistic.clone())
                    .field("threshold", threshold(a))
                    .field(
                        "evaluation periods",
                        a.evaluation_periods.map(|p| p.to_string()),
                    )
            })
            .collect()
    }

    fn show(&self, state: &toml::Value) -> Vec<String> {
        let states: Vec<AlarmState> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|a| {
                format!(
                    "  alarm         {} ({} {}, {})",
                    a.name,
                    metric(a).unwrap_or_else(|| "-".into()),
                    threshold(a).unwrap_or_else(|| "-".into()),
                    a.state.as_deref().unwrap_or("-")
                )
            })
            .collect()
    }

    fn summary(&self, state: &toml::Value) -> Option<String> {
        let states: Vec<AlarmState> = typed(state)?;
        super::count(states.len(), "alarm")
    }

    #[cfg(feature = "aws")]
    fn read_state<'a>(
        &'a self,
        cx: &'a super::StateRead<'a>,
    ) -> super::Aws<'a, Option<toml::Value>> {
        Box::pin(async move {
            let names: Vec<String> = (declared_list::<Alarm>(cx.declared).into_iter())
                .map(|a| a.name)
                .collect();
            if names.is_empty() {
                return Ok(None);
            }
            let states = calls::alarms(cx.clients, &names).await?;
            let found: Vec<&str> = states.iter().map(|a| a.name.as_str()).collect();
            if cx.missing == super::Missing::Refuse {
                super::refuse_absent(
                    &names,
                    &found,
                    "CloudWatch alarm",
                    "cloudwatch:DescribeAlarms",
                    "[[monitoring.alarms]]",
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
            let names = calls::alarm_names(cx.clients, cx.prefix).await?;
            Ok(super::monitoring_proposals("alarms", names))
        })
    }
}

/// The declared rows with what the journal and the latest snapshot know
/// laid over them: what the table prints.
fn overlaid(cx: &TableCx<'_>) -> Vec<Alarm> {
    let mut rows: Vec<Alarm> = declared_list(cx.declared);
    let states: Vec<AlarmState> = cx.snapshot.and_then(typed).unwrap_or_default();
    for row in &mut rows {
        let Some(state) = states.iter().find(|a| a.name == row.name) else {
            continue;
        };
        row.metric = metric(state).or(row.metric.take());
        row.threshold = threshold(state).or(row.threshold.take());
    }
    rows
}

/// CloudWatch's alarm calls.
#[cfg(feature = "aws")]
mod calls {
    use std::collections::BTreeMap;

    /// This service's client, built once per run from the shared configuration.
    fn client(clients: &Clients) -> aws_sdk_cloudwatch::Client {
        clients.client(|shared, log| {
            aws_sdk_cloudwatch::Client::from_conf(
                aws_sdk_cloudwatch::config::Builder::from(shared)
                    .interceptor(log)
                    .build(),
            )
        })
    }

    use super::AlarmState;
    use crate::aws::{AwsError, Clients, classify};

    /// DescribeAlarms takes at most this many names per call.
    const NAMES_PER_CALL: usize = 100;

    /// Reads the named alarms, in the order named; names CloudWatch does not
    /// know are left out (the caller decides whether that is an error).
    pub async fn alarms(clients: &Clients, names: &[String]) -> Result<Vec<AlarmState>, AwsError> {
        let mut found: BTreeMap<String, AlarmState> = BTreeMap::new();
        for chunk in names.chunks(NAMES_PER_CALL) {
            let mut pages = client(clients)
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

    /// Names of the alarms that start with `prefix`, sorted.
    pub async fn alarm_names(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
        let mut request = client(clients).describe_alarms();
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_read_like_the_document() {
        let alarm = |statistic: &str, value: &str, unit: Option<&str>| AlarmState {
            name: "a".into(),
            statistic: Some(statistic.into()),
            comparison: Some("GreaterThanThreshold".into()),
            threshold: Some(value.to_string()),
            period: Some(300),
            unit: unit.map(str::to_string),
            ..AlarmState::default()
        };
        assert_eq!(
            threshold(&alarm("Sum", "5", None)).as_deref(),
            Some("> 5 per 5 min")
        );
        assert_eq!(
            threshold(&alarm("Average", "200", Some("Milliseconds"))).as_deref(),
            Some("> 200 ms")
        );
        assert_eq!(
            threshold(&alarm("Average", "1.5", Some("Percent"))).as_deref(),
            Some("> 1.5%")
        );
        assert_eq!(period_words(3600), "1 hour");
        assert_eq!(period_words(86_400 * 2), "2 days");
    }
}
