//! Configuration changes: what differs between two inventories read from
//! AWS, per resource and field, in the document's words
//! (`Analytics_Dashboard_API: memory 512 MB -> 1024 MB`). Each service
//! describes its own resources ([`super::Service::describe`]); this compares
//! the descriptions. The same lines name a snapshot's changes and
//! `verify --aws`'s drift.

use std::collections::HashMap;

use super::{REGISTRY, Service};
use crate::config::{Config, Environment};
use crate::journal::{Entry, Inventory};

/// One field of a resource, in the document's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its label (`memory`).
    pub label: &'static str,
    /// Its value (`512 MB`).
    pub value: String,
    /// A field deploys (or rotations) change, not configuration: left out
    /// of drift against a snapshot, since deploys pin it and drift is
    /// judged against those.
    pub deployed: bool,
}

/// A resource's fields as they are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// What it is, in words (`Lambda function`).
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Its fields, in order.
    pub fields: Vec<Field>,
}

impl Described {
    /// A resource with no field yet.
    pub fn new(kind: &'static str, name: impl Into<String>) -> Described {
        Described {
            kind,
            name: name.into(),
            fields: Vec::new(),
        }
    }

    /// Adds a configuration field, when it has a value.
    pub fn field(self, label: &'static str, value: Option<String>) -> Described {
        self.push(label, value, false)
    }

    /// Adds a field deploys change, when it has a value.
    pub fn deployed(self, label: &'static str, value: Option<String>) -> Described {
        self.push(label, value, true)
    }

    fn push(mut self, label: &'static str, value: Option<String>, deployed: bool) -> Described {
        if let Some(value) = value {
            // A label given twice (one per alias) is one field.
            match self.fields.iter_mut().find(|f| f.label == label) {
                Some(field) => {
                    field.value.push_str(", ");
                    field.value.push_str(&value);
                }
                None => self.fields.push(Field {
                    label,
                    value,
                    deployed,
                }),
            }
        }
        self
    }

    fn value(&self, label: &str) -> Option<&str> {
        (self.fields.iter())
            .find(|f| f.label == label)
            .map(|f| f.value.as_str())
    }
}

/// Which fields a comparison covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fields {
    /// Every field: a snapshot's changes over the previous one.
    All,
    /// Configuration only, for drift against a snapshot.
    Configuration,
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

impl Scope {
    /// The scope of `env`'s snapshots: with the monitoring for the release
    /// environment.
    pub fn of(config: &Config, env: &str) -> Scope {
        if env == config.changelog.release_env {
            Scope::WithMonitoring
        } else {
            Scope::Environment
        }
    }

    /// Whether `service` is read in this scope.
    pub fn reads(&self, service: &dyn Service) -> bool {
        matches!(service.declared_at(), super::Declared::Environment(_))
            || *self == Scope::WithMonitoring
    }
}

/// What changed from `before` to `after`, one line per resource and field;
/// a resource only one of them read is said to have appeared or gone. Only
/// services `after` read are compared: an inventory that did not read the
/// monitoring does not say the alarms are gone.
pub fn changes(before: &Inventory, after: &Inventory) -> Vec<String> {
    compare(before, after, Fields::All)
}

/// [`changes`], over the fields asked for.
pub fn compare(before: &Inventory, after: &Inventory, fields: Fields) -> Vec<String> {
    // A snapshot refuses a declared resource AWS lacks, so between two
    // snapshots a resource comes and goes with its declaration; against
    // AWS now (drift), one that is gone was deleted there.
    let (came, went) = match fields {
        Fields::All => ("declared since the previous snapshot", "no longer declared"),
        Fields::Configuration => ("not in the snapshot (declared since)", "gone from AWS"),
    };
    let mut lines = Vec::new();
    for service in REGISTRY {
        let old = described(service, before, fields);
        let new = described(service, after, fields);
        for item in &new {
            match old.iter().find(|o| o.name == item.name) {
                None => lines.push(format!("{}: {came} ({})", item.name, item.kind)),
                Some(previous) => lines.extend(field_changes(previous, item)),
            }
        }
        let read_now = after.contains_key(service.state_key());
        if read_now || fields == Fields::Configuration {
            for item in old.iter().filter(|o| !new.iter().any(|n| n.name == o.name)) {
                lines.push(format!("{}: {went} ({})", item.name, item.kind));
            }
        }
    }
    lines
}

/// `service`'s resources in `inventory`, with the fields asked for.
fn described(service: &dyn Service, inventory: &Inventory, fields: Fields) -> Vec<Described> {
    let mut list = inventory
        .get(service.state_key())
        .map(|state| service.describe(state))
        .unwrap_or_default();
    if fields == Fields::Configuration {
        for item in &mut list {
            item.fields.retain(|f| !f.deployed);
        }
    }
    list
}

fn field_changes(before: &Described, after: &Described) -> Vec<String> {
    let mut labels: Vec<&'static str> = after.fields.iter().map(|f| f.label).collect();
    for field in &before.fields {
        if !labels.contains(&field.label) {
            labels.push(field.label);
        }
    }
    labels
        .into_iter()
        .filter_map(|label| {
            let (old, new) = (before.value(label), after.value(label));
            (old != new).then(|| {
                format!(
                    "{}: {label} {} -> {}",
                    after.name,
                    old.unwrap_or("none"),
                    new.unwrap_or("none")
                )
            })
        })
        .collect()
}

/// `recorded` with only the resources `env` (and, in scope, the
/// monitoring) still declares: only what `ledger.toml` still names can drift.
pub fn declared_only(
    recorded: &Inventory,
    config: &Config,
    env: &Environment,
    scope: Scope,
) -> Inventory {
    let mut kept = Inventory::new();
    for service in REGISTRY.iter().filter(|s| scope.reads(**s)) {
        let Some(state) = recorded.get(service.state_key()) else {
            continue;
        };
        let declared = super::declarations(config, env, service.declared_at());
        let names = service.declared_names(env, declared);
        if let Some(state) = keep_named(state, &names, *service) {
            kept.insert(service.state_key().to_string(), state);
        }
    }
    kept
}

/// The resources of one service's state whose names are in `names`
/// (a service describes one resource per item of a list, in order).
fn keep_named(state: &toml::Value, names: &[String], service: &dyn Service) -> Option<toml::Value> {
    let described = service.describe(state);
    let named = |d: Option<&Described>| d.is_some_and(|d| names.contains(&d.name));
    match state {
        toml::Value::Array(items) if items.len() == described.len() => {
            let kept: Vec<toml::Value> = (items.iter().zip(&described))
                .filter(|(_, d)| named(Some(d)))
                .map(|(item, _)| item.clone())
                .collect();
            (!kept.is_empty()).then_some(toml::Value::Array(kept))
        }
        one => named(described.first()).then(|| one.clone()),
    }
}

/// The configuration changes a snapshot entry brings over the previous
/// snapshot of its environment in `entries` (entries in force, in order);
/// empty for other entries and for the first snapshot.
pub fn snapshot_changes(entries: &[Entry], entry: &Entry) -> Vec<String> {
    let Some(after) = entry
        .inventory
        .as_ref()
        .filter(|_| entry.kind.reads_inventory())
    else {
        return Vec::new();
    };
    let before = entries
        .iter()
        .rev()
        .filter(|e| e.seq < entry.seq && e.env == entry.env && e.kind.reads_inventory())
        .find_map(|e| e.inventory.as_ref());
    match before {
        Some(before) => changes(before, after),
        None => Vec::new(),
    }
}

/// The latest snapshot of `env` in `entries` that read an inventory.
pub fn latest_snapshot<'a>(entries: &'a [Entry], env: &str) -> Option<&'a Entry> {
    crate::journal::questions::Last::Snapshot.find(entries, env)
}

/// The inventory of the latest snapshot of `env`, if any.
pub fn latest_inventory<'a>(entries: &'a [Entry], env: &str) -> Option<&'a Inventory> {
    latest_snapshot(entries, env).and_then(|e| e.inventory.as_ref())
}

/// [`snapshot_changes`] of every snapshot in `entries` at once, by seq
/// (snapshots without changes left out), in one pass.
pub fn all_snapshot_changes(entries: &[Entry]) -> HashMap<u64, Vec<String>> {
    let mut previous: HashMap<&str, &Inventory> = HashMap::new();
    let mut all = HashMap::new();
    for entry in entries.iter().filter(|e| e.kind.reads_inventory()) {
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
