//! SSM calls: parameters' metadata (DescribeParameters, never a value), a
//! `String` version's value from the parameter's history for a rollback
//! (GetParameterHistory without decryption), and writing it back
//! (PutParameter).

use aws_sdk_ssm::types::{ParameterMetadata, ParameterStringFilter, ParameterType};

use super::ParameterVersion;
use crate::aws::{AwsError, CallSite, Clients, classify, timestamp};

/// This service's client, built once per run from the shared configuration.
fn client(clients: &Clients) -> aws_sdk_ssm::Client {
    clients.client(|shared, log| {
        aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::config::Builder::from(shared)
                .interceptor(log)
                .build(),
        )
    })
}

fn site(clients: &Clients, operation: &'static str, name: &str) -> CallSite {
    clients.site(operation, format!("SSM parameter `{name}`"))
}

/// The parameters a filter selects (`Name`/`Equals`, `Path`/`Recursive`,
/// `Name`/`BeginsWith`), sorted by name.
async fn described(
    clients: &Clients,
    (key, option, value): (&str, &str, &str),
) -> Result<Vec<ParameterVersion>, AwsError> {
    let filter = ParameterStringFilter::builder()
        .key(key)
        .option(option)
        .values(value)
        .build()
        .map_err(|e| AwsError::Refused(format!("invalid SSM filter: {e}")))?;
    let mut pages = client(clients)
        .describe_parameters()
        .parameter_filters(filter)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(e, site(clients, "ssm:DescribeParameters", value)))?;
        found.extend(page.parameters().iter().filter_map(version_of));
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// What DescribeParameters says of one parameter.
fn version_of(meta: &ParameterMetadata) -> Option<ParameterVersion> {
    Some(ParameterVersion {
        name: meta.name()?.to_string(),
        version: u64::try_from(meta.version()).ok()?,
        kind: meta.r#type().map_or("String", |t| t.as_str()).to_string(),
        data_type: meta.data_type().map(str::to_string),
        last_modified: meta.last_modified_date().and_then(timestamp),
    })
}

/// One parameter's version; NotFound when SSM has no parameter of that name.
pub async fn parameter(clients: &Clients, name: &str) -> Result<ParameterVersion, AwsError> {
    let found = described(clients, ("Name", "Equals", name)).await?;
    found
        .into_iter()
        .find(|p| p.name == name)
        .ok_or_else(|| AwsError::NotFound {
            what: format!("SSM parameter `{name}`"),
            operation: "ssm:DescribeParameters",
            hint: "check the name (with its leading `/`), the account and the region".into(),
        })
}

/// Every parameter under `path` (which ends in `/`), at any depth.
pub async fn under_path(clients: &Clients, path: &str) -> Result<Vec<ParameterVersion>, AwsError> {
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    described(clients, ("Path", "Recursive", path)).await
}

/// The names of the parameters that start with `prefix`.
pub async fn names(clients: &Clients, prefix: &str) -> Result<Vec<String>, AwsError> {
    let found = match prefix {
        "" => described(clients, ("Path", "Recursive", "/")).await?,
        prefix => described(clients, ("Name", "BeginsWith", prefix)).await?,
    };
    Ok(found.into_iter().map(|p| p.name).collect())
}

/// The value of `version` of a `String` or `StringList` parameter, read
/// from its history without decryption, to write back. Never printed.
pub async fn version_value(
    clients: &Clients,
    name: &str,
    version: u64,
) -> Result<Option<String>, AwsError> {
    let mut pages = client(clients)
        .get_parameter_history()
        .name(name)
        .with_decryption(false)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify(e, site(clients, "ssm:GetParameterHistory", name)))?;
        let held = (page.parameters().iter())
            .find(|h| u64::try_from(h.version()).ok() == Some(version))
            .and_then(|h| h.value().map(str::to_string));
        if held.is_some() {
            return Ok(held);
        }
    }
    Ok(None)
}

/// Writes `value` as the parameter's newest version; gives that version.
pub async fn put(
    clients: &Clients,
    name: &str,
    value: String,
    kind: &str,
    data_type: Option<&str>,
) -> Result<u64, AwsError> {
    let mut request = client(clients)
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(ParameterType::from(kind))
        .overwrite(true);
    if let Some(data_type) = data_type {
        request = request.data_type(data_type);
    }
    let written = request
        .send()
        .await
        .map_err(|e| classify(e, site(clients, "ssm:PutParameter", name)))?;
    u64::try_from(written.version())
        .map_err(|_| AwsError::Refused(format!("SSM gave no version for the write of `{name}`")))
}
