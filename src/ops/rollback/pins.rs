//! The pinning services' side of a rollback: each service's plan to point
//! its resources back, and carrying it out.

use super::{Applied, Plan};

use crate::aws::Clients;
use crate::config::{Config, Environment};
use crate::journal::Entry;
use crate::model::{self};
use crate::ops::Result;
use crate::services::{self, PinPlan, PinRead, Pinning};

/// Per pinning service the environment declares resources of: what to
/// point back to the pins in force at `target`.
pub(super) fn plan_pins(
    entries: &[Entry],
    (config, env): (&Config, &Environment),
    env_key: &str,
    target: &Entry,
    (runtime, clients): (&tokio::runtime::Runtime, &Clients),
) -> Result<Vec<(&'static dyn Pinning, PinPlan)>> {
    let mut plans = Vec::new();
    for service in services::REGISTRY {
        let Some(pinning) = service.pinning() else {
            continue;
        };
        let declared = services::declarations(config, env, service.declared_at());
        if (declared.and_then(toml::Value::as_array)).is_none_or(Vec::is_empty) {
            continue;
        }
        let wanted = model::live_pins(entries, env_key, pinning.key(), target.seq);
        let cx = PinRead {
            clients,
            env_key,
            declared,
        };
        let plan = runtime.block_on(pinning.plan(&cx, &wanted, target.seq))?;
        plans.push((pinning, plan));
    }
    Ok(plans)
}

/// Points the planned resources back, service by service, stopping at the
/// first failure.
pub(super) fn apply_pins(
    (runtime, clients): (&tokio::runtime::Runtime, &Clients),
    plan: &Plan,
    (config, env, env_key): (&Config, &Environment, &str),
    applied: &mut Applied,
) {
    let all: Vec<(&dyn Pinning, &services::PinStep)> = (plan.pins.iter())
        .flat_map(|(p, plan)| plan.steps.iter().map(move |s| (*p, s)))
        .collect();
    for (index, (pinning, step)) in all.iter().enumerate() {
        let declared = (services::REGISTRY.iter())
            .find(|s| s.pinning().is_some_and(|p| p.key() == pinning.key()))
            .and_then(|s| services::declarations(config, env, s.declared_at()));
        let cx = PinRead {
            clients,
            env_key,
            declared,
        };
        match runtime.block_on(pinning.apply(&cx, step)) {
            Ok(pin) => (applied.pins)
                .entry(pinning.key().to_string())
                .or_default()
                .push(pin),
            Err(error) => {
                applied.failure = Some((step.name.clone(), error.to_string()));
                applied.not_done = all[index..].iter().map(|(_, s)| s.name.clone()).collect();
                break;
            }
        }
    }
}
