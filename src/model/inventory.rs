//! Configuration changes: what differs between two inventories read from
//! AWS, per resource and field, in the document's words
//! (`Analytics_Dashboard_API: memory 512 MB -> 1024 MB`). The same lines
//! name a snapshot's changes and `verify --aws`'s drift.

use crate::journal::{
    AlarmState, BucketState, DistributionState, Entry, EntryKind, FunctionState, Inventory,
    LogGroupState, SecretState, TableState,
};
use crate::tables::display;

/// A resource's fields as they are compared, in the document's words.
struct Described {
    kind: &'static str,
    name: String,
    fields: Vec<(&'static str, String)>,
}

/// Which fields a comparison covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fields {
    /// Every field: a snapshot's changes over the previous one.
    All,
    /// Configuration only, for drift against a snapshot: the fields deploys
    /// change (a function's code, versions and aliases) are left out, since
    /// deploys and rollbacks pin them and drift is judged against those.
    Configuration,
}

/// Labels of the fields that deploys (and rotations) change: runtime
/// state, not configuration.
const DEPLOYED: [&str; 4] = [
    "$LATEST code",
    "latest published version",
    "alias",
    "AWSCURRENT version",
];

/// What changed from `before` to `after`, one line per resource and field;
/// a resource only one of them read is said to have appeared or gone. Only
/// services `after` read are compared: an inventory that did not read the
/// monitoring does not say the alarms are gone.
pub fn changes(before: &Inventory, after: &Inventory) -> Vec<String> {
    compare(before, after, Fields::All)
}

/// [`changes`], over the fields asked for.
pub fn compare(before: &Inventory, after: &Inventory, fields: Fields) -> Vec<String> {
    let keep = |mut list: Vec<Described>| {
        if fields == Fields::Configuration {
            for item in &mut list {
                item.fields.retain(|(label, _)| !DEPLOYED.contains(label));
            }
        }
        list
    };
    let (old, new) = (keep(describe(before)), keep(describe(after)));
    // A snapshot refuses a declared resource AWS lacks, so between two
    // snapshots a resource comes and goes with its declaration; against
    // AWS now (drift), one that is gone was deleted there.
    let (came, went) = match fields {
        Fields::All => ("declared since the previous snapshot", "no longer declared"),
        Fields::Configuration => ("not in the snapshot (declared since)", "gone from AWS"),
    };
    let read_now = |kind: &str| new.iter().any(|d| d.kind == kind) || reads_kind(after, kind);
    let mut lines = Vec::new();
    for item in &new {
        match old
            .iter()
            .find(|o| o.kind == item.kind && o.name == item.name)
        {
            None => lines.push(format!("{}: {came} ({})", item.name, item.kind)),
            Some(previous) => lines.extend(field_changes(previous, item)),
        }
    }
    let compared = |kind: &str| read_now(kind) || fields == Fields::Configuration;
    for item in old.iter().filter(|o| compared(o.kind)) {
        if !new
            .iter()
            .any(|n| n.kind == item.kind && n.name == item.name)
        {
            lines.push(format!("{}: {went} ({})", item.name, item.kind));
        }
    }
    lines
}

/// What an inventory read covers beyond the environment's own resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The environment's resources only.
    Environment,
    /// Those and the project's monitoring (alarms, log groups): the release
    /// environment's snapshots read it.
    WithMonitoring,
}

/// `recorded` with only the resources `env` (and, in scope, `monitoring`)
/// still declares.
pub fn declared_only(
    recorded: &Inventory,
    env: &crate::config::Environment,
    monitoring: &crate::config::Monitoring,
    scope: Scope,
) -> Inventory {
    let mut kept = recorded.clone();
    kept.functions
        .retain(|f| env.functions.iter().any(|d| d.name == f.name));
    kept.tables
        .retain(|t| env.tables.iter().any(|d| d.name == t.name));
    kept.secrets
        .retain(|s| env.secrets.iter().any(|d| d.id == s.id));
    kept.bucket = kept.bucket.filter(|b| b.name == env.bucket);
    kept.distribution = kept
        .distribution
        .filter(|d| env.distribution.as_deref() == Some(d.id.as_str()));
    if scope == Scope::WithMonitoring {
        kept.alarms
            .retain(|a| monitoring.alarms.iter().any(|d| d.name == a.name));
        kept.log_groups
            .retain(|g| monitoring.log_groups.iter().any(|d| d.name == g.name));
    } else {
        kept.alarms.clear();
        kept.log_groups.clear();
    }
    kept
}

/// Whether `inventory` read a kind of resource at all (a monitoring read of
/// nothing still read it).
fn reads_kind(inventory: &Inventory, kind: &str) -> bool {
    match kind {
        "S3 bucket" => inventory.bucket.is_some(),
        "CloudFront distribution" => inventory.distribution.is_some(),
        _ => false,
    }
}

fn field_changes(before: &Described, after: &Described) -> Vec<String> {
    let value = |d: &Described, label: &str| {
        d.fields
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.clone())
    };
    let mut labels: Vec<&'static str> = after.fields.iter().map(|(l, _)| *l).collect();
    for (label, _) in &before.fields {
        if !labels.contains(label) {
            labels.push(label);
        }
    }
    labels
        .into_iter()
        .filter_map(|label| {
            let (old, new) = (value(before, label), value(after, label));
            (old != new).then(|| {
                format!(
                    "{}: {label} {} -> {}",
                    after.name,
                    old.as_deref().unwrap_or("none"),
                    new.as_deref().unwrap_or("none")
                )
            })
        })
        .collect()
}

/// The configuration changes a snapshot entry brings over the previous
/// snapshot of its environment in `entries` (entries in force, in order);
/// empty for other entries and for the first snapshot.
pub fn snapshot_changes(entries: &[Entry], entry: &Entry) -> Vec<String> {
    let Some(after) = entry
        .inventory
        .as_ref()
        .filter(|_| entry.kind == EntryKind::Snapshot)
    else {
        return Vec::new();
    };
    let before = entries
        .iter()
        .rev()
        .filter(|e| e.seq < entry.seq && e.env == entry.env && e.kind == EntryKind::Snapshot)
        .find_map(|e| e.inventory.as_ref());
    match before {
        Some(before) => changes(before, after),
        None => Vec::new(),
    }
}

fn describe(inventory: &Inventory) -> Vec<Described> {
    let mut all = Vec::new();
    all.extend(inventory.bucket.iter().map(bucket));
    all.extend(inventory.distribution.iter().map(distribution));
    all.extend(inventory.functions.iter().map(function));
    all.extend(inventory.tables.iter().map(table));
    all.extend(inventory.secrets.iter().map(secret));
    all.extend(inventory.alarms.iter().map(alarm));
    all.extend(inventory.log_groups.iter().map(log_group));
    all
}

fn some(label: &'static str, value: Option<String>) -> Option<(&'static str, String)> {
    value.map(|v| (label, v))
}

fn bucket(state: &BucketState) -> Described {
    Described {
        kind: "S3 bucket",
        name: state.name.clone(),
        fields: [
            some("versioning", Some(state.versioning.clone())),
            some(
                "encryption",
                Some(state.encryption.clone().unwrap_or_else(|| "None".into())),
            ),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
}

fn distribution(state: &DistributionState) -> Described {
    let behaviors = state
        .behaviors
        .iter()
        .map(|b| format!("{} {}", b.path, b.cache_policy.as_deref().unwrap_or("-")))
        .collect::<Vec<_>>()
        .join(", ");
    Described {
        kind: "CloudFront distribution",
        name: state.id.clone(),
        fields: [
            some("aliases", Some(state.aliases.join(", "))),
            some("origin", state.origin.clone()),
            some("behaviours", Some(behaviors)),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
}

fn function(state: &FunctionState) -> Described {
    let mut fields: Vec<(&'static str, String)> = [
        some(
            "runtime",
            state.runtime.as_deref().map(display::runtime_name),
        ),
        some("memory", state.memory_mb.map(display::memory)),
        some("timeout", state.timeout_s.map(display::timeout)),
        some("handler", state.handler.clone()),
        some("architecture", state.architecture.clone()),
        some(
            "$LATEST code",
            state
                .code_sha256
                .as_deref()
                .map(|c| display::short_code(Some(c))),
        ),
        some("latest published version", state.latest_version.clone()),
    ]
    .into_iter()
    .flatten()
    .collect();
    for alias in &state.aliases {
        // Labels are static: name the alias in the value instead.
        fields.push(("alias", format!("{} -> {}", alias.name, alias.version)));
    }
    Described {
        kind: "Lambda function",
        name: state.name.clone(),
        fields: merge_repeated(fields),
    }
}

/// Joins repeated labels (one per alias) into one field.
fn merge_repeated(fields: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
    let mut merged: Vec<(&'static str, String)> = Vec::new();
    for (label, value) in fields {
        match merged.iter_mut().find(|(l, _)| *l == label) {
            Some((_, existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            None => merged.push((label, value)),
        }
    }
    merged
}

fn table(state: &TableState) -> Described {
    let gsis = if state.gsis.is_empty() {
        "-".to_string()
    } else {
        state.gsis.join(", ")
    };
    let ttl = state.ttl.as_deref().is_some_and(display::ttl_enabled);
    Described {
        kind: "DynamoDB table",
        name: state.name.clone(),
        fields: [
            some("billing", state.billing.clone()),
            some("PITR", Some(display::yes_no(state.pitr).into())),
            some("TTL", Some(display::enabled(ttl).into())),
            some("TTL attribute", state.ttl_attribute.clone()),
            some("GSIs", Some(gsis)),
            some("class", state.table_class.clone()),
            some("stream", state.stream.clone()),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
}

fn secret(state: &SecretState) -> Described {
    Described {
        kind: "secret",
        name: state.id.clone(),
        fields: [
            some("rotation", Some(display::rotation(state))),
            some("AWSCURRENT version", state.current_version.clone()),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
}

fn alarm(state: &AlarmState) -> Described {
    // The alarm's state (OK, ALARM) is how the system runs, not how it is
    // configured: recorded, never reported as a change.
    Described {
        kind: "CloudWatch alarm",
        name: state.name.clone(),
        fields: [
            some("metric", display::metric(state)),
            some("statistic", state.statistic.clone()),
            some("threshold", display::threshold(state)),
            some(
                "evaluation periods",
                state.evaluation_periods.map(|p| p.to_string()),
            ),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
}

fn log_group(state: &LogGroupState) -> Described {
    Described {
        kind: "log group",
        name: state.name.clone(),
        fields: vec![("retention", display::retention(state.retention_days))],
    }
}

/// The latest snapshot of `env` in `entries` that read an inventory.
pub fn latest_snapshot<'a>(entries: &'a [Entry], env: &str) -> Option<&'a Entry> {
    entries
        .iter()
        .rev()
        .find(|e| e.env == env && e.kind == EntryKind::Snapshot && e.inventory.is_some())
}

/// [`snapshot_changes`] of every snapshot in `entries` at once, by seq
/// (snapshots without changes left out), in one pass.
pub fn all_snapshot_changes(entries: &[Entry]) -> std::collections::HashMap<u64, Vec<String>> {
    let mut previous: std::collections::HashMap<&str, &Inventory> = Default::default();
    let mut all = std::collections::HashMap::new();
    for entry in entries.iter().filter(|e| e.kind == EntryKind::Snapshot) {
        let Some(after) = &entry.inventory else {
            continue;
        };
        if let Some(before) = previous.insert(entry.env.as_str(), after) {
            let lines = changes(before, after);
            if !lines.is_empty() {
                all.insert(entry.seq, lines);
            }
        }
    }
    all
}
