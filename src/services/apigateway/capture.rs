//! What API Gateway is asked: the deployment each declared stage serves,
//! for snapshots, deploys and drift; and the REST APIs and stages an
//! account holds (`--discover`).

use super::{ApiDecl, KEY, StageDeployment, calls};
use crate::aws::{AwsError, Clients};
use crate::config::declare::Declaration;
use crate::services::{Discovery, LivePins, PinRead, Proposal, StateRead, declared_list, erased};

/// Every declared stage's deployment, for a snapshot.
pub async fn read_state(cx: &StateRead<'_>) -> Result<Option<toml::Value>, AwsError> {
    let declared: Vec<ApiDecl> = declared_list(cx.declared);
    let mut states = Vec::new();
    for decl in &declared {
        let read = read_stage(cx.clients, decl).await;
        states.extend(cx.keep(read, &cx.in_env(KEY))?);
    }
    if states.is_empty() {
        return Ok(None);
    }
    erased(&states).map(Some).map_err(AwsError::Refused)
}

/// One declared stage's deployment.
async fn read_stage(clients: &Clients, decl: &ApiDecl) -> Result<StageDeployment, AwsError> {
    let api_id = calls::api_id(clients, decl).await?;
    calls::stage(clients, decl, &api_id).await
}

/// The deployment every declared stage serves, in declaration order (a
/// missing API or stage refused, named with where it is declared).
pub async fn serving(
    clients: &Clients,
    declared: Option<&toml::Value>,
) -> Result<Vec<StageDeployment>, AwsError> {
    let declared: Vec<ApiDecl> = declared_list(declared);
    let mut stages = Vec::with_capacity(declared.len());
    for decl in &declared {
        stages.push(read_stage(clients, decl).await?);
    }
    Ok(stages)
}

/// The deployments the declared stages serve against those deploys and
/// rollbacks pinned: one line per stage that differs.
pub async fn drift(cx: &PinRead<'_>, pinned: &LivePins<'_>) -> Result<Vec<String>, AwsError> {
    let declared: Vec<ApiDecl> = declared_list(cx.declared);
    let mut lines = Vec::new();
    for decl in &declared {
        let Some(at) = pinned.get(&decl.resource()) else {
            continue;
        };
        let Some(recorded) = super::pinned(at.pin) else {
            continue;
        };
        let words = format!("{} {}", decl.api(), decl.stage());
        match read_stage(cx.clients, decl).await {
            Ok(now) if now.deployment != recorded.deployment => lines.push(format!(
                "{words}: serves deployment {}; the ledger recorded deployment {} (#{})",
                now.deployment, recorded.deployment, at.seq
            )),
            Ok(_) => {}
            Err(AwsError::NotFound { what, .. }) => lines.push(format!(
                "{words}: gone from AWS ({what} does not exist); the ledger recorded deployment {}",
                recorded.deployment
            )),
            Err(error) => return Err(error),
        }
    }
    Ok(lines)
}

/// The REST APIs whose names start with the prefix, one declaration per
/// stage.
pub async fn discover(cx: &Discovery<'_>) -> Result<Vec<Proposal>, AwsError> {
    let path = ["environments", cx.env_key, KEY].map(String::from);
    let mut found = Vec::new();
    for (id, name) in calls::rest_apis(cx.clients).await? {
        if !name.starts_with(cx.prefix) {
            continue;
        }
        for stage in calls::stage_names(cx.clients, &id).await? {
            found.push(Proposal {
                declaration: Declaration {
                    path: path.to_vec(),
                    keys: vec![("name", name.clone()), ("stage", stage.clone())],
                    comment: None,
                },
                name: super::resource(&name, &stage),
            });
        }
    }
    Ok(found)
}
