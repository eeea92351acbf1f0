//! `ledger verify --aws`: each environment's objects against the journal's
//! fold (S3), and its declared resources against its latest snapshot
//! (every service the snapshot read), and the Lambda versions they serve
//! against those deploys pinned. One `DRIFT` line per finding.

use crate::config::{Config, Environment};
use crate::journal::{Entry, Journal};
use crate::model::{self, audit};
use crate::ops::Result;
use crate::ops::session::{self, AwsSettings};
use crate::services::inventory::{self, Fields, Scope};
use crate::services::{self, Missing, PinRead, s3::Reading};
use crate::ui::Silent;

/// What `verify --aws` found: the environments compared, and one line per
/// finding, by environment.
#[derive(Debug, Clone, Default)]
pub struct Drift {
    /// How many environments had anything to compare.
    pub compared: usize,
    /// (environment, what differs).
    pub findings: Vec<(String, String)>,
}

/// Compares the environments `names` with what AWS serves.
pub fn compare(
    config: &Config,
    journal: &Journal,
    (names, aws): (&[String], &AwsSettings),
    ui: &crate::ui::Ui,
) -> Result<Drift> {
    let runtime = session::runtime()?;
    let entries = model::in_force(&journal.entries);
    let mut drift = Drift::default();
    for name in names {
        let env = config.environment(name, std::path::Path::new(crate::config::CONFIG_FILE))?;
        let clients = runtime.block_on(session::clients(env, aws, ui));
        let mut lines = Vec::new();
        let mut any = false;
        if let Some(found) = runtime.block_on(objects(&clients, &entries, name, env, ui))? {
            lines.extend(found);
            any = true;
        }
        if let Some(found) = runtime.block_on(pins(&clients, &entries, name, (config, env)))? {
            lines.extend(found);
            any = true;
        }
        if let Some(found) =
            runtime.block_on(inventory(&clients, config, &entries, name, env, ui))?
        {
            lines.extend(found);
            any = true;
        }
        drift.compared += usize::from(any);
        drift
            .findings
            .extend(lines.into_iter().map(|line| (name.clone(), line)));
    }
    Ok(drift)
}

/// The bucket's objects against the fold; None when the ledger knows none.
async fn objects(
    clients: &crate::aws::Clients,
    entries: &[Entry],
    name: &str,
    env: &Environment,
    ui: &crate::ui::Ui,
) -> Result<Option<Vec<String>>> {
    let Some(observed) = model::last_observed(entries, name) else {
        let why = if model::last_deploy(entries, name).is_some() {
            "its deploys were recorded with --no-aws, so the ledger knows none of its objects"
        } else {
            "it has no deploys recorded"
        };
        crate::note!(
            ui,
            "note: {name}: {why}; its bucket's objects were not compared"
        );
        return Ok(None);
    };
    if let Some(last) = model::last_deploy(entries, name)
        && last.seq != observed.seq
    {
        crate::note!(
            ui,
            "note: {name}: compared with the objects #{} read; #{} was recorded with --no-aws",
            observed.seq,
            last.seq
        );
    }
    let listing = services::s3::list_objects(clients, env, Reading::default(), &Silent).await?;
    Ok(Some(
        audit::env_drift(entries, name, &listing.latest, &listing.versions)
            .into_iter()
            .map(|d| d.message)
            .collect(),
    ))
}

/// The declared resources against the latest snapshot; None without one.
async fn inventory(
    clients: &crate::aws::Clients,
    config: &Config,
    entries: &[Entry],
    name: &str,
    env: &Environment,
    ui: &crate::ui::Ui,
) -> Result<Option<Vec<String>>> {
    let Some((seq, recorded)) = inventory::latest_snapshot(entries, name)
        .and_then(|e| e.inventory.as_ref().map(|i| (e.seq, i)))
    else {
        crate::note!(
            ui,
            "note: {name}: no snapshot recorded; its settings were not compared \
             (run `ledger snapshot --env {name}`)"
        );
        return Ok(None);
    };
    let scope = Scope::of(config, name);
    let now = services::read_inventory(clients, (name, env), config, scope, Missing::Skip).await?;
    // Resources no longer declared are not compared: only what ledger.toml
    // still names can drift.
    let recorded = inventory::declared_only(recorded, config, env, scope);
    Ok(Some(
        inventory::compare(&recorded, &now, Fields::Configuration)
            .into_iter()
            .map(|line| format!("{line} (since snapshot #{seq})"))
            .collect(),
    ))
}

/// The versions each pinning service's declared resources serve against
/// those deploys and rollbacks pinned; None when none was pinned.
async fn pins(
    clients: &crate::aws::Clients,
    entries: &[Entry],
    name: &str,
    (config, env): (&Config, &Environment),
) -> Result<Option<Vec<String>>> {
    let mut lines = None::<Vec<String>>;
    for service in services::REGISTRY {
        let Some(pinning) = service.pinning() else {
            continue;
        };
        let pinned = model::live_pins(entries, name, pinning.key(), u64::MAX);
        let declared = services::declarations(config, env, service.declared_at());
        let none_declared = (declared.and_then(toml::Value::as_array)).is_none_or(Vec::is_empty);
        if pinned.is_empty() || none_declared {
            continue;
        }
        let cx = PinRead {
            clients,
            env_key: name,
            declared,
        };
        let found = pinning.drift(&cx, &pinned).await?;
        lines.get_or_insert_with(Vec::new).extend(found);
    }
    Ok(lines)
}
