//! The Lambda versions that serve an environment's traffic: for each
//! declared function, the version its alias points to (or the latest
//! published one) and that version's code SHA-256.

use crate::aws::{AwsError, Clients, lambda};
use crate::config::{Environment, FunctionDecl};
use crate::journal::FunctionVersion;

/// Reads the serving version of every function `env` declares, in
/// declaration order.
pub async fn read_function_versions(
    clients: &Clients,
    env: &Environment,
) -> Result<Vec<FunctionVersion>, AwsError> {
    let mut versions = Vec::with_capacity(env.functions.len());
    for function in &env.functions {
        versions.push(read_function_version(clients, function).await?);
    }
    Ok(versions)
}

/// The serving version of one declared function.
pub async fn read_function_version(
    clients: &Clients,
    function: &FunctionDecl,
) -> Result<FunctionVersion, AwsError> {
    let name = &function.name;
    let version = match &function.alias {
        Some(alias) => lambda::alias_version(clients, name, alias).await?,
        None => lambda::latest_version(clients, name)
            .await?
            .unwrap_or_else(|| "$LATEST".into()),
    };
    let code = lambda::version_code(clients, name, &version).await?;
    Ok(FunctionVersion {
        name: name.clone(),
        alias: function.alias.clone(),
        version,
        code_sha256: (!code.is_empty()).then_some(code),
    })
}
