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
        let same_code = recorded.code_sha256 == current.code_sha256;
        if recorded.version == current.version && same_code {
            continue;
        }
        match &current.alias {
            // A published version's code never changes: moving the alias
            // restores it. An alias on `$LATEST` cannot be moved to older code.
            Some(alias) if recorded.version != current.version && recorded.version != "$LATEST" => {
                plan.steps.push(AliasStep {
                    name: current.name.clone(),
                    alias: alias.clone(),
                    current: current.version.clone(),
                    wanted: FunctionVersion {
                        alias: Some(alias.clone()),
                        ..recorded.clone()
                    },
                })
            }
            alias => plan
                .skipped
                .push(cannot_restore(current, recorded, alias.is_some(), target)),
        }
    }
    check_versions_exist(&plan.steps, target, runtime, clients)?;
    Ok(plan)
}

/// Why a function that serves other code than the target's cannot be
/// restored by moving an alias.
fn cannot_restore(
    current: &FunctionVersion,
    recorded: &FunctionVersion,
    has_alias: bool,
    target: &Entry,
) -> String {
    let what = |f: &FunctionVersion| {
        format!(
            "version {} (code {})",
            f.version,
            crate::tables::display::short_code(f.code_sha256.as_deref())
        )
    };
    let why = if has_alias {
        "its alias would have to point at $LATEST, whose code has changed since; publish \
         versions behind the alias to make it restorable"
    } else {
        "it declares no alias, and Lambda serves no older version without one; declare `alias` \
         in ledger.toml and publish versions behind it"
    };
    format!(
        "{} serves {} and #{} recorded {}: {why}. It is left as it is",
        current.name,
        what(current),
        target.seq,
        what(recorded)
    )
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

/// What moving the aliases did.
#[derive(Debug, Default)]
pub struct Moved {
    /// The versions now served, one per alias moved.
    pub moved: Vec<FunctionVersion>,
    /// The function whose alias could not be moved, and why.
    pub failure: Option<(String, String)>,
    /// The functions not reached after a failure (the failed one included).
    pub not_done: Vec<String>,
}

/// Moves the aliases in order, stopping at the first failure.
pub async fn apply(clients: &Clients, steps: &[AliasStep]) -> Moved {
    let mut done = Moved::default();
    for (index, step) in steps.iter().enumerate() {
        let result =
            lambda::update_alias(clients, &step.name, &step.alias, &step.wanted.version).await;
        match result {
            Ok(()) => done.moved.push(step.wanted.clone()),
            Err(error) => {
                done.failure = Some((step.name.clone(), error.to_string()));
                done.not_done = steps[index..].iter().map(|s| s.name.clone()).collect();
                break;
            }
        }
    }
    done
}
