//! `ledger verify --aws`: each environment's objects against the journal's
//! fold (S3), and its declared resources against its latest snapshot
//! (every service the snapshot read), and the Lambda versions they serve
//! against those deploys pinned. One `DRIFT` line per finding.

use std::io::Write;

use anyhow::Result;

use super::Workspace;
use crate::capture::{self, Missing, Reading, Scope};
use crate::cli::VerifyArgs;
use crate::config::{Config, Environment};
use crate::journal::{Entry, Journal};
use crate::model::inventory::Fields;
use crate::model::{self, audit};
use crate::tables::display::short_code;

/// Compares every environment asked for; returns (environments compared,
/// drift findings).
pub fn compare(
    workspace: &Workspace,
    config: &Config,
    journal: &Journal,
    args: &VerifyArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<(usize, usize)> {
    let names: Vec<String> = match &args.env {
        Some(env) => {
            config.environment(env, &workspace.config_path())?;
            vec![env.clone()]
        }
        None => config.environments.keys().cloned().collect(),
    };
    let runtime = super::runtime()?;
    let entries = model::in_force(&journal.entries);
    let (mut compared, mut drift) = (0, 0);
    for name in names {
        let env = config.environment(&name, &workspace.config_path())?;
        let clients = runtime.block_on(super::clients(env, &args.aws_options, ui));
        let mut lines = Vec::new();
        let mut any = false;
        if let Some(found) = runtime.block_on(objects(&clients, &entries, &name, env, ui))? {
            lines.extend(found);
            any = true;
        }
        if let Some(found) = runtime.block_on(functions(&clients, &entries, &name, env))? {
            lines.extend(found);
            any = true;
        }
        if let Some(found) =
            runtime.block_on(inventory(&clients, config, &entries, &name, env, ui))?
        {
            lines.extend(found);
            any = true;
        }
        compared += usize::from(any);
        for line in lines {
            drift += 1;
            writeln!(out, "DRIFT {name} {line}")?;
        }
    }
    Ok((compared, drift))
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
    let listing = capture::list_objects(clients, env, Reading::default(), &capture::Silent).await?;
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
    let Some((seq, recorded)) = model::inventory::latest_snapshot(entries, name)
        .and_then(|e| e.inventory.as_ref().map(|i| (e.seq, i)))
    else {
        crate::note!(
            ui,
            "note: {name}: no snapshot recorded; its settings were not compared \
             (run `ledger snapshot --env {name}`)"
        );
        return Ok(None);
    };
    let scope = if name == config.changelog.release_env {
        Scope::WithMonitoring
    } else {
        Scope::Environment
    };
    let now = capture::read_inventory(clients, name, env, &config.monitoring, scope, Missing::Skip)
        .await?;
    // Resources no longer declared are not compared: only what ledger.toml
    // still names can drift.
    let recorded = model::inventory::declared_only(recorded, env, &config.monitoring, scope);
    Ok(Some(
        model::inventory::compare(&recorded, &now, Fields::Configuration)
            .into_iter()
            .map(|line| format!("{line} (since snapshot #{seq})"))
            .collect(),
    ))
}

/// The versions the declared functions serve against the ones deploys and
/// rollbacks recorded; None when none was recorded.
async fn functions(
    clients: &crate::aws::Clients,
    entries: &[Entry],
    name: &str,
    env: &Environment,
) -> Result<Option<Vec<String>>> {
    let recorded = model::live_functions(entries, name, u64::MAX);
    if recorded.is_empty() || env.functions.is_empty() {
        return Ok(None);
    }
    let mut lines = Vec::new();
    for declared in &env.functions {
        let Some(pinned) = recorded.get(&declared.name) else {
            continue;
        };
        let serving = match capture::read_function_version(clients, declared).await {
            Ok(serving) => serving,
            Err(crate::aws::AwsError::NotFound { what, .. }) => {
                lines.push(format!(
                    "{}: gone from AWS ({what} does not exist); the ledger recorded version {}",
                    declared.name, pinned.version
                ));
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        if pinned.version != serving.version || pinned.code_sha256 != serving.code_sha256 {
            let by = model::last_function_change(entries, name, &serving.name)
                .map_or_else(String::new, |e| format!(" (#{})", e.seq));
            lines.push(format!(
                "{}: serves version {} (code {}); the ledger recorded version {} (code {}){by}",
                serving.name,
                serving.version,
                short_code(serving.code_sha256.as_deref()),
                pinned.version,
                short_code(pinned.code_sha256.as_deref()),
            ));
        }
    }
    Ok(Some(lines))
}
