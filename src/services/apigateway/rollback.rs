//! The API Gateway half of `ledger rollback`: each stage that serves
//! another deployment than the target recorded is pointed back at it
//! (`update-stage`), after checking that deployment still exists.

use super::capture::serving;
use super::{StageDeployment, calls, pinned, pins, update_stage_command};
use crate::aws::AwsError;
use crate::services::{LivePins, PinPlan, PinRead, PinStep};

/// Compares what each stage serves now with what the target recorded
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
    for current in serving(cx.clients, cx.declared).await? {
        let Some(recorded) = wanted.get(&current.name).and_then(|at| pinned(at.pin)) else {
            continue;
        };
        if recorded.deployment == current.deployment {
            continue;
        }
        let (created, description) =
            calls::deployment_facts(cx.clients, &current.api_id, &recorded.deployment)
                .await
                .map_err(|e| {
                    e.context(format!(
                "deployment {} of {} recorded at #{target} cannot be restored; nothing was changed",
                recorded.deployment, current.name
            ))
                })?;
        let wanted = StageDeployment {
            created,
            description,
            deployment: recorded.deployment.clone(),
            ..current.clone()
        };
        plan.steps.push(PinStep {
            name: current.name.clone(),
            plan_line: format!(
                "re-point {} {}  {} -> {}",
                current.api, current.stage, current.deployment, wanted.deployment
            ),
            command: update_stage_command(&current.api_id, &current.stage, &wanted.deployment),
            wanted: pins(&[wanted]).pop().unwrap_or_default(),
        });
    }
    Ok(plan)
}

/// Re-points one stage; gives the pin now served.
pub async fn apply(cx: &PinRead<'_>, step: &PinStep) -> Result<toml::Table, AwsError> {
    let wanted = pinned(&step.wanted)
        .ok_or_else(|| AwsError::Refused(format!("the plan for {} is not a stage's", step.name)))?;
    calls::update_stage(
        cx.clients,
        &wanted.api_id,
        &wanted.stage,
        &wanted.deployment,
    )
    .await?;
    Ok(step.wanted.clone())
}
