//! The Lambda half of `ledger rollback`: re-point each function's alias to
//! the version recorded at the target, after checking that version still
//! exists with the recorded code. A function without an alias cannot be
//! restored exactly: the plan says so and skips it.

use std::io::Write;

use anyhow::{Result, bail};

use crate::aws::{Clients, lambda};
use crate::capture::read_function_versions;
use crate::config::Environment;
use crate::journal::{Entry, FunctionVersion};
use crate::model;
use crate::render::format::shell_word;

/// One alias to move.
#[derive(Debug, Clone)]
pub struct AliasStep {
    /// The function.
    pub name: String,
    /// Its alias.
    pub alias: String,
    /// The version the alias points to now.
    pub current: String,
    /// The version recorded at the target, with its code.
    pub wanted: FunctionVersion,
}

/// The alias moves of a rollback, and the functions it cannot restore.
#[derive(Debug, Clone, Default)]
pub struct AliasPlan {
    /// Aliases to re-point.
    pub steps: Vec<AliasStep>,
    /// Functions serving another version than the target's that have no
    /// alias to move, in words.
    pub skipped: Vec<String>,
}

/// Compares what Lambda serves now with what the target recorded.
pub fn plan(
    entries: &[Entry],
    env: &Environment,
    env_key: &str,
    target: &Entry,
    runtime: &tokio::runtime::Runtime,
    clients: &Clients,
) -> Result<AliasPlan> {
    let wanted = model::live_functions(entries, env_key, target.seq);
    if wanted.is_empty() || env.functions.is_empty() {
        return Ok(AliasPlan::default());
    }
    let now = runtime.block_on(read_function_versions(clients, env))?;
    let mut plan = AliasPlan::default();
    for current in &now {
        let Some(recorded) = wanted.get(&current.name) else {
            continue;
        };
        if recorded.version == current.version {
            continue;
        }
        match &current.alias {
            Some(alias) => plan.steps.push(AliasStep {
                name: current.name.clone(),
                alias: alias.clone(),
                current: current.version.clone(),
                wanted: FunctionVersion {
                    alias: Some(alias.clone()),
                    ..recorded.clone()
                },
            }),
            None => plan.skipped.push(format!(
                "{} serves version {} and #{} recorded {}, but it declares no alias: Lambda cannot \
                 serve an older version without one, so it is skipped (declare `alias` in ledger.toml)",
                current.name, current.version, target.seq, recorded.version
            )),
        }
    }
    check_versions_exist(&plan.steps, target, runtime, clients)?;
    Ok(plan)
}

/// Refuses when a version to restore was deleted or holds other code.
fn check_versions_exist(
    steps: &[AliasStep],
    target: &Entry,
    runtime: &tokio::runtime::Runtime,
    clients: &Clients,
) -> Result<()> {
    for step in steps {
        let wanted = &step.wanted;
        let code = runtime
            .block_on(lambda::version_code(clients, &step.name, &wanted.version))
            .map_err(|e| {
                anyhow::Error::new(e).context(format!(
                    "version {} of {} recorded at #{} cannot be restored; nothing was changed",
                    wanted.version, step.name, target.seq
                ))
            })?;
        if let Some(recorded) = &wanted.code_sha256
            && *recorded != code
        {
            bail!(
                "version {} of {} now holds code {code}, but #{} recorded {recorded}; nothing was changed",
                wanted.version,
                step.name,
                target.seq
            );
        }
    }
    Ok(())
}

/// The plan's lines for the aliases.
pub fn write_plan(out: &mut dyn Write, plan: &AliasPlan) -> std::io::Result<()> {
    for step in &plan.steps {
        writeln!(
            out,
            "  re-point {}:{}  {} -> {}",
            step.name, step.alias, step.current, step.wanted.version
        )?;
    }
    for skipped in &plan.skipped {
        writeln!(out, "  skip     {skipped}")?;
    }
    Ok(())
}

/// `--dry-run`: the aws CLI commands that move the aliases.
pub fn write_commands(
    out: &mut dyn Write,
    env: &Environment,
    plan: &AliasPlan,
) -> std::io::Result<()> {
    let profile = env
        .profile
        .as_deref()
        .map(|p| format!(" --profile {}", shell_word(p)))
        .unwrap_or_default();
    for step in &plan.steps {
        writeln!(
            out,
            "aws lambda update-alias --function-name {} --name {} --function-version {}{profile}",
            shell_word(&step.name),
            shell_word(&step.alias),
            shell_word(&step.wanted.version)
        )?;
    }
    Ok(())
}

/// Moves the aliases in order, stopping at the first failure: what was
/// moved, and the failure (function, error) if any.
pub async fn apply(
    clients: &Clients,
    steps: &[AliasStep],
) -> (Vec<FunctionVersion>, Option<(String, String)>) {
    let mut moved = Vec::new();
    for step in steps {
        let result =
            lambda::update_alias(clients, &step.name, &step.alias, &step.wanted.version).await;
        match result {
            Ok(()) => moved.push(step.wanted.clone()),
            Err(error) => return (moved, Some((step.name.clone(), error.to_string()))),
        }
    }
    (moved, None)
}
