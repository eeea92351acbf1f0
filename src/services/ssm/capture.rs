//! What SSM is asked: the version each declared parameter serves (a path
//! declares every parameter under it), for snapshots, deploys and drift;
//! and the parameters an account holds (`--discover`).

use super::{KEY, ParameterDecl, ParameterVersion, calls};
use crate::aws::{AwsError, Clients};
use crate::services::{Discovery, LivePins, PinRead, Proposal, StateRead, declared_list, erased};

/// The parameters one declaration names: the parameter itself (NotFound
/// when SSM has none of that name), or every one under a path (none is no
/// error: a path may be empty until a deploy writes under it).
async fn declared_versions(
    clients: &Clients,
    decl: &ParameterDecl,
) -> Result<Vec<ParameterVersion>, AwsError> {
    match decl.is_path() {
        true => calls::under_path(clients, &decl.name).await,
        false => Ok(vec![calls::parameter(clients, &decl.name).await?]),
    }
}

/// Every declared parameter's version, for a snapshot.
pub async fn read_state(cx: &StateRead<'_>) -> Result<Option<toml::Value>, AwsError> {
    let declared: Vec<ParameterDecl> = declared_list(cx.declared);
    let mut states: Vec<ParameterVersion> = Vec::new();
    for decl in &declared {
        let read = declared_versions(cx.clients, decl).await;
        for found in cx.keep(read, &cx.in_env(KEY))?.unwrap_or_default() {
            if !states.iter().any(|s| s.name == found.name) {
                states.push(found);
            }
        }
    }
    if states.is_empty() {
        return Ok(None);
    }
    erased(&states).map(Some).map_err(AwsError::Refused)
}

/// The version every declared parameter serves, in declaration order (a
/// missing one refused, named with where it is declared).
pub async fn serving_versions(
    clients: &Clients,
    declared: Option<&toml::Value>,
) -> Result<Vec<ParameterVersion>, AwsError> {
    let declared: Vec<ParameterDecl> = declared_list(declared);
    let mut versions: Vec<ParameterVersion> = Vec::new();
    for decl in &declared {
        for found in declared_versions(clients, decl).await? {
            if !versions.iter().any(|v| v.name == found.name) {
                versions.push(found);
            }
        }
    }
    Ok(versions)
}

/// The versions the declared parameters serve against those deploys and
/// rollbacks pinned: one line per parameter that differs.
pub async fn drift(cx: &PinRead<'_>, pinned: &LivePins<'_>) -> Result<Vec<String>, AwsError> {
    let serving = serving_versions(cx.clients, cx.declared).await?;
    let declared: Vec<ParameterDecl> = declared_list(cx.declared);
    let mut lines = Vec::new();
    for (name, at) in pinned {
        if !declared.iter().any(|d| super::covers(d, name)) {
            continue;
        }
        let Some(recorded) = super::pinned(at.pin) else {
            continue;
        };
        match serving.iter().find(|s| &s.name == name) {
            None => lines.push(format!(
                "{name}: gone from SSM; the ledger recorded version {} (#{})",
                recorded.version, at.seq
            )),
            Some(now) if now.version != recorded.version => lines.push(format!(
                "{name}: serves version {}; the ledger recorded version {} (#{})",
                now.version, recorded.version, at.seq
            )),
            Some(_) => {}
        }
    }
    Ok(lines)
}

/// The parameters whose names start with the prefix, one declaration each.
pub async fn discover(cx: &Discovery<'_>) -> Result<Vec<Proposal>, AwsError> {
    let path = ["environments", cx.env_key, KEY].map(String::from);
    let names = calls::names(cx.clients, cx.prefix).await?;
    Ok((names.into_iter())
        .map(|name| Proposal {
            declaration: crate::config::declare::Declaration::named(path.to_vec(), "name", &name),
            name,
        })
        .collect())
}
