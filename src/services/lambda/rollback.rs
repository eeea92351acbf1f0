//! The Lambda half of `ledger rollback`: re-point each function's alias to
//! the version recorded at the target, after checking that version still
//! exists with the recorded code. A function without an alias cannot be
//! restored exactly: the plan says so and skips it.

use super::capture::serving_versions;
use super::{FunctionVersion, calls, pins, update_alias_command};
use crate::aws::AwsError;
use crate::document::format::short_code;
use crate::services::{LivePins, PinPlan, PinRead, PinStep, typed_tables};

/// A pin as Lambda's type.
fn function(pin: &toml::Table) -> Option<FunctionVersion> {
    typed_tables(std::slice::from_ref(pin)).pop()
}

/// Compares what Lambda serves now with what the target recorded
/// (`wanted`, the pins in force at entry `target`).
pub async fn plan(
    cx: &PinRead<'_>,
    wanted: &LivePins<'_>,
    target: u64,
) -> Result<PinPlan, AwsError> {
    let mut plan = PinPlan::default();
    if wanted.is_empty() {
        return Ok(plan);
    }
    for current in serving_versions(cx.clients, cx.declared).await? {
        let Some(recorded) = wanted.get(&current.name).and_then(|at| function(at.pin)) else {
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
                let wanted = FunctionVersion {
                    alias: Some(alias.clone()),
                    ..recorded.clone()
                };
                check_version(cx, &wanted, target).await?;
                plan.steps.push(PinStep {
                    name: current.name.clone(),
                    plan_line: format!(
                        "re-point {}:{alias}  {} -> {}",
                        current.name, current.version, wanted.version
                    ),
                    command: update_alias_command(&current.name, alias, &wanted.version),
                    wanted: pins(&[wanted]).pop().unwrap_or_default(),
                });
            }
            alias => {
                plan.skipped
                    .push(cannot_restore(&current, &recorded, alias.is_some(), target))
            }
        }
    }
    Ok(plan)
}

/// Why a function that serves other code than the target's cannot be
/// restored by moving an alias.
fn cannot_restore(
    current: &FunctionVersion,
    recorded: &FunctionVersion,
    has_alias: bool,
    target: u64,
) -> String {
    let what = |f: &FunctionVersion| {
        format!(
            "version {} (code {})",
            f.version,
            short_code(f.code_sha256.as_deref())
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
        "{} serves {} and #{target} recorded {}: {why}. It is left as it is",
        current.name,
        what(current),
        what(recorded)
    )
}

/// Refuses when a version to restore was deleted or holds other code.
async fn check_version(
    cx: &PinRead<'_>,
    wanted: &FunctionVersion,
    target: u64,
) -> Result<(), AwsError> {
    let code = calls::version_code(cx.clients, &wanted.name, &wanted.version)
        .await
        .map_err(|e| {
            e.context(format!(
                "version {} of {} recorded at #{target} cannot be restored; nothing was changed",
                wanted.version, wanted.name
            ))
        })?;
    match &wanted.code_sha256 {
        Some(recorded) if *recorded != code => Err(AwsError::Refused(format!(
            "version {} of {} now holds code {code}, but #{target} recorded {recorded}; nothing was changed",
            wanted.version, wanted.name
        ))),
        _ => Ok(()),
    }
}

/// Moves one alias; gives the pin now served.
pub async fn apply(cx: &PinRead<'_>, step: &PinStep) -> Result<toml::Table, AwsError> {
    let wanted = function(&step.wanted).ok_or_else(|| {
        AwsError::Refused(format!("the plan for {} is not a function's", step.name))
    })?;
    let alias = wanted.alias.as_deref().unwrap_or_default();
    calls::update_alias(cx.clients, &wanted.name, alias, &wanted.version).await?;
    Ok(step.wanted.clone())
}
