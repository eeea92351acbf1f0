//! The SSM half of `ledger rollback`: each parameter that serves another
//! version than the target recorded gets that version's value written back
//! as its newest version (the value read from the parameter's history and
//! never shown). A `SecureString` is not restored by the ledger, which
//! never decrypts: the plan says so and names the command a person with the
//! right to decrypt would run.

use super::capture::serving_versions;
use super::{ParameterVersion, calls, pinned, pins, restore_command};
use crate::aws::AwsError;
use crate::services::{LivePins, PinPlan, PinRead, PinStep};

/// Compares what SSM serves now with what the target recorded (`wanted`,
/// the pins in force at entry `target`).
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
        let Some(recorded) = wanted.get(&current.name).and_then(|at| pinned(at.pin)) else {
            continue;
        };
        if recorded.version == current.version {
            continue;
        }
        if recorded.is_secure() || current.is_secure() {
            plan.skipped.push(format!(
                "{} serves version {} and #{target} recorded version {}: a SecureString, which the \
                 ledger never decrypts. To restore it, someone allowed to decrypt runs: {}",
                current.name,
                current.version,
                recorded.version,
                restore_command(&current.name, recorded.version, &recorded.kind)
            ));
            continue;
        }
        let recorded_value = check_version(cx, &recorded, target).await?;
        let current_value =
            calls::version_value(cx.clients, &current.name, current.version).await?;
        if current_value.as_deref() == Some(recorded_value.as_str()) {
            // Written back already (a rollback before this one): nothing to do.
            continue;
        }
        plan.steps.push(PinStep {
            name: current.name.clone(),
            plan_line: format!(
                "write {} version {} back as a new version  (now {})",
                current.name, recorded.version, current.version
            ),
            command: restore_command(&current.name, recorded.version, &recorded.kind),
            wanted: pins(&[recorded]).pop().unwrap_or_default(),
        });
    }
    Ok(plan)
}

/// The value of the version to restore (compared, never shown); refused
/// when it is no longer in the parameter's history (SSM keeps the last 100
/// versions).
async fn check_version(
    cx: &PinRead<'_>,
    wanted: &ParameterVersion,
    target: u64,
) -> Result<String, AwsError> {
    match calls::version_value(cx.clients, &wanted.name, wanted.version).await? {
        Some(value) => Ok(value),
        None => Err(AwsError::Refused(format!(
            "version {} of SSM parameter `{}` recorded at #{target} is no longer in its history \
             (SSM keeps the last 100 versions); nothing was changed",
            wanted.version, wanted.name
        ))),
    }
}

/// Writes the recorded version's value back; gives the pin now served (the
/// new version, holding that value).
pub async fn apply(cx: &PinRead<'_>, step: &PinStep) -> Result<toml::Table, AwsError> {
    let wanted = pinned(&step.wanted).ok_or_else(|| {
        AwsError::Refused(format!("the plan for {} is not a parameter's", step.name))
    })?;
    let value = calls::version_value(cx.clients, &wanted.name, wanted.version)
        .await?
        .ok_or_else(|| {
            AwsError::Refused(format!(
                "version {} of SSM parameter `{}` left its history during the rollback",
                wanted.version, wanted.name
            ))
        })?;
    let data_type = wanted.data_type.as_deref();
    let version = calls::put(cx.clients, &wanted.name, value, &wanted.kind, data_type).await?;
    let now = calls::parameter(cx.clients, &wanted.name).await?;
    let served = ParameterVersion {
        version,
        last_modified: now.last_modified,
        ..wanted
    };
    Ok(pins(&[served]).pop().unwrap_or_default())
}
