//! An environment's view (its inventory tables, its last deploy) and the
//! Monitoring section: the services' tables laid over what is declared.

use serde::Serialize;

use indexmap::IndexMap;

use crate::config::{Config, Environment};
use crate::document::TableView;
use crate::journal::Entry;
use crate::model;
use crate::services::inventory::latest_inventory;
use crate::services::{Declared, REGISTRY, TableCx};

use super::{EntryView, InvalidationView, invalidation_view};

/// One environment.
#[derive(Debug, Clone, Serialize)]
pub struct EnvView<'a> {
    /// Key in `[environments]`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Deploy bucket.
    pub bucket: String,
    /// Key prefix ("" for the whole bucket).
    pub prefix: String,
    /// CloudFront distribution.
    pub distribution: Option<String>,
    /// Public domain.
    pub domain: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// AWS profile.
    pub profile: Option<String>,
    /// The latest deploy or rollback.
    pub last_deploy: Option<EntryView<'a>>,
    /// The latest invalidation recorded for the environment.
    pub last_invalidation: Option<InvalidationView>,
    /// Number of objects live after the latest deploy.
    pub live_count: usize,
    /// Inventory tables, ready to print (cells escaped).
    pub tables: Vec<TableView>,
}

/// `monitoring`: the declared alarms and log groups, with what the release
/// environment's latest snapshot read laid over them, and their tables.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MonitoringView {
    /// Each monitoring service's rows, under its key (`alarms`, `log_groups`).
    #[serde(flatten)]
    pub rows: IndexMap<&'static str, toml::Value>,
    /// The Monitoring section's tables, ready to print (empty ones left out).
    pub tables: Vec<TableView>,
}

pub(super) fn env_view<'a>(
    key: &str,
    env: &Environment,
    entries: &[Entry],
    view: &dyn Fn(&Entry) -> Option<EntryView<'a>>,
    live_count: usize,
) -> EnvView<'a> {
    let last = model::last_deploy(entries, key);
    let last_invalidation = entries
        .iter()
        .rev()
        .filter(|e| e.env == key)
        .find_map(|e| e.invalidation.as_ref().map(|i| invalidation_view(i, e)));
    let snapshot = latest_inventory(entries, key);
    let tables = (REGISTRY.iter())
        .filter(|s| matches!(s.declared_at(), Declared::Environment(_)))
        .filter_map(|service| {
            let cx = TableCx {
                env_key: key,
                env,
                declared: env.declared.get(service.declared_at().key()),
                order: env.columns.get(service.kind()),
                snapshot: snapshot.and_then(|i| i.get(service.state_key())),
                entries,
            };
            let mut table = service.table(&cx)?;
            table.keep_separator(env.separators.get(service.kind()));
            Some(table)
        })
        .collect();

    EnvView {
        key: key.to_string(),
        name: env.display_name(key),
        bucket: env.bucket.clone(),
        prefix: env.prefix().to_string(),
        distribution: env.distribution.clone(),
        domain: env.domain.clone(),
        region: env.region.clone(),
        profile: env.profile.clone(),
        last_deploy: last.and_then(view),
        last_invalidation,
        live_count,
        tables,
    }
}

/// Monitoring: the monitoring services' rows and tables, with what the
/// release environment's latest snapshot read of them laid over what is
/// declared.
pub(super) fn monitoring_view(config: &Config, entries: &[Entry]) -> MonitoringView {
    let release_env = config.changelog.release_env.as_str();
    let fallback = Environment::default();
    let env = config.environments.get(release_env).unwrap_or(&fallback);
    let snapshot = latest_inventory(entries, release_env);
    let mut view = MonitoringView::default();
    for service in REGISTRY
        .iter()
        .filter(|s| matches!(s.declared_at(), Declared::Monitoring(_)))
    {
        let key = service.declared_at().key();
        let cx = TableCx {
            env_key: release_env,
            env,
            declared: config.monitoring.declared.get(key),
            order: config.monitoring.columns.get(service.kind()),
            snapshot: snapshot.and_then(|i| i.get(service.state_key())),
            entries,
        };
        view.rows.insert(key, service.rows(&cx));
        if let Some(mut table) = service.table(&cx) {
            table.keep_separator(config.monitoring.separators.get(service.kind()));
            view.tables.push(table);
        }
    }
    view
}
