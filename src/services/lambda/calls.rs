//! Lambda calls: a function's configuration, its published versions and
//! aliases; one version's configuration; re-pointing an alias.

use super::{AliasState, FunctionState};
use crate::aws::{AwsError, CallSite, Clients, classify};

/// This service's client, built once per run from the shared configuration.
fn client(clients: &Clients) -> aws_sdk_lambda::Client {
    clients.client(|shared, log| {
        aws_sdk_lambda::Client::from_conf(
            aws_sdk_lambda::config::Builder::from(shared)
                .interceptor(log)
                .build(),
        )
    })
}

fn site(clients: &Clients, operation: &'static str, name: &str) -> CallSite {
    clients.site(operation, format!("Lambda function `{name}`"))
}

/// Reads a function's settings, its latest published version and its aliases.
pub async fn function(clients: &Clients, name: &str) -> Result<FunctionState, AwsError> {
    let config = client(clients)
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .map_err(|e| classify(e, site(clients, "lambda:GetFunctionConfiguration", name)))?;
    Ok(FunctionState {
        name: name.to_string(),
        runtime: config.runtime().map(|r| r.as_str().to_string()),
        memory_mb: config.memory_size().and_then(|m| u64::try_from(m).ok()),
        timeout_s: config.timeout().and_then(|t| u64::try_from(t).ok()),
        handler: config.handler().map(str::to_string),
        architecture: config
            .architectures()
            .first()
            .map(|a| a.as_str().to_string()),
        code_sha256: config.code_sha256().map(str::to_string),
        last_modified: config.last_modified().map(str::to_string),
        latest_version: latest_version(clients, name).await?,
        aliases: aliases(clients, name).await?,
    })
}

/// The version `alias` of function `name` points to.
pub async fn alias_version(clients: &Clients, name: &str, alias: &str) -> Result<String, AwsError> {
    let found = client(clients)
        .get_alias()
        .function_name(name)
        .name(alias)
        .send()
        .await
        .map_err(|e| {
            let mut site = site(clients, "lambda:GetAlias", name);
            site.resource = format!("alias `{alias}` of Lambda function `{name}`");
            classify(e, site)
        })?;
    Ok(found.function_version().unwrap_or("$LATEST").to_string())
}

/// The highest published version number, if any was published.
pub async fn latest_version(clients: &Clients, name: &str) -> Result<Option<String>, AwsError> {
    let mut pages = client(clients)
        .list_versions_by_function()
        .function_name(name)
        .into_paginator()
        .send();
    let mut highest: Option<u64> = None;
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| classify(e, site(clients, "lambda:ListVersionsByFunction", name)))?;
        for version in page.versions() {
            if let Some(number) = version.version().and_then(|v| v.parse::<u64>().ok()) {
                highest = highest.max(Some(number));
            }
        }
    }
    Ok(highest.map(|n| n.to_string()))
}

/// Aliases by name, with the version each points to.
async fn aliases(clients: &Clients, name: &str) -> Result<Vec<AliasState>, AwsError> {
    let mut pages = client(clients)
        .list_aliases()
        .function_name(name)
        .into_paginator()
        .send();
    let mut aliases = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(e, site(clients, "lambda:ListAliases", name)))?;
        for alias in page.aliases() {
            if let (Some(alias), Some(version)) = (alias.name(), alias.function_version()) {
                aliases.push(AliasState {
                    name: alias.to_string(),
                    version: version.to_string(),
                });
            }
        }
    }
    aliases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(aliases)
}

/// The code SHA-256 of one published version; a NotFound error when that
/// version no longer exists.
pub async fn version_code(
    clients: &Clients,
    name: &str,
    version: &str,
) -> Result<String, AwsError> {
    let config = client(clients)
        .get_function_configuration()
        .function_name(name)
        .qualifier(version)
        .send()
        .await
        .map_err(|e| {
            let mut site = site(clients, "lambda:GetFunctionConfiguration", name);
            site.resource = format!("version {version} of Lambda function `{name}`");
            classify(e, site)
        })?;
    Ok(config.code_sha256().unwrap_or_default().to_string())
}

/// Points `alias` of function `name` at `version`.
pub async fn update_alias(
    clients: &Clients,
    name: &str,
    alias: &str,
    version: &str,
) -> Result<(), AwsError> {
    client(clients)
        .update_alias()
        .function_name(name)
        .name(alias)
        .function_version(version)
        .send()
        .await
        .map_err(|e| classify(e, site(clients, "lambda:UpdateAlias", name)))?;
    Ok(())
}

/// Names of the functions in the region that start with `prefix`, sorted.
pub async fn function_names(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
    let mut pages = client(clients).list_functions().into_paginator().send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(e, site(clients, "lambda:ListFunctions", prefix)))?;
        names.extend(
            page.functions()
                .iter()
                .filter_map(|f| f.function_name())
                .filter(|n| n.starts_with(prefix))
                .map(str::to_string),
        );
    }
    names.sort();
    Ok(names)
}

/// The aliases of a function, by name (for a discovered declaration).
pub async fn alias_names(clients: &Clients, name: &str) -> Result<Vec<String>, AwsError> {
    Ok(aliases(clients, name)
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect())
}
