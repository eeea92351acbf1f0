//! API Gateway calls: a REST API's ID by name, a stage's deployment, a
//! deployment's creation time and description, the stages of an API, and
//! re-pointing a stage (`update-stage`).

use aws_sdk_apigateway::types::{Op, PatchOperation};

use super::{ApiDecl, StageDeployment, resource};
use crate::aws::{AwsError, CallSite, Clients, classify, timestamp};

/// This service's client, built once per run from the shared configuration.
fn client(clients: &Clients) -> aws_sdk_apigateway::Client {
    clients.client(|shared, log| {
        aws_sdk_apigateway::Client::from_conf(
            aws_sdk_apigateway::config::Builder::from(shared)
                .interceptor(log)
                .build(),
        )
    })
}

fn site(clients: &Clients, operation: &'static str, what: String) -> CallSite {
    clients.site(operation, what)
}

/// Every REST API of the account and region: (ID, name).
pub async fn rest_apis(clients: &Clients) -> Result<Vec<(String, String)>, AwsError> {
    let mut pages = client(clients).get_rest_apis().into_paginator().send();
    let mut apis = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            classify(
                e,
                site(clients, "apigateway:GetRestApis", "REST APIs".into()),
            )
        })?;
        for api in page.items() {
            if let (Some(id), Some(name)) = (api.id(), api.name()) {
                apis.push((id.to_string(), name.to_string()));
            }
        }
    }
    Ok(apis)
}

/// The ID of the declared API: as declared, or found by its name (refused
/// when no API, or more than one, has it).
pub async fn api_id(clients: &Clients, decl: &ApiDecl) -> Result<String, AwsError> {
    if let Some(id) = &decl.id {
        return Ok(id.clone());
    }
    let name = decl.api();
    let ids: Vec<String> = (rest_apis(clients).await?.into_iter())
        .filter(|(_, n)| n == name)
        .map(|(id, _)| id)
        .collect();
    match ids.as_slice() {
        [id] => Ok(id.clone()),
        [] => Err(AwsError::NotFound {
            what: format!("REST API `{name}`"),
            operation: "apigateway:GetRestApis",
            hint: "check the name, the account and the region (HTTP APIs are not read)".into(),
        }),
        many => Err(AwsError::Refused(format!(
            "{} REST APIs are named `{name}` ({}): declare the one meant by `id`",
            many.len(),
            many.join(", ")
        ))),
    }
}

/// The deployment `stage` of API `api_id` serves, with when it was created
/// and its description.
pub async fn stage(
    clients: &Clients,
    decl: &ApiDecl,
    api_id: &str,
) -> Result<StageDeployment, AwsError> {
    let stage_name = decl.stage();
    let what = || format!("stage `{stage_name}` of REST API `{}`", decl.api());
    let read = client(clients)
        .get_stage()
        .rest_api_id(api_id)
        .stage_name(stage_name)
        .send()
        .await
        .map_err(|e| classify(e, site(clients, "apigateway:GetStage", what())))?;
    let deployment = read.deployment_id().unwrap_or_default().to_string();
    let (created, description) = deployment_facts(clients, api_id, &deployment).await?;
    Ok(StageDeployment {
        name: resource(decl.api(), stage_name),
        api: decl.api().to_string(),
        api_id: api_id.to_string(),
        stage: stage_name.to_string(),
        deployment,
        created,
        description,
    })
}

/// A deployment's creation time and description; NotFound when the API
/// holds no such deployment (it was deleted).
pub async fn deployment_facts(
    clients: &Clients,
    api_id: &str,
    deployment: &str,
) -> Result<(Option<crate::timestamp::Timestamp>, Option<String>), AwsError> {
    let what = format!("deployment `{deployment}` of REST API `{api_id}`");
    let read = client(clients)
        .get_deployment()
        .rest_api_id(api_id)
        .deployment_id(deployment)
        .send()
        .await
        .map_err(|e| classify(e, site(clients, "apigateway:GetDeployment", what)))?;
    Ok((
        read.created_date().and_then(timestamp),
        read.description().map(str::to_string),
    ))
}

/// The stages of API `api_id`.
pub async fn stage_names(clients: &Clients, api_id: &str) -> Result<Vec<String>, AwsError> {
    let what = format!("stages of REST API `{api_id}`");
    let read = client(clients)
        .get_stages()
        .rest_api_id(api_id)
        .send()
        .await
        .map_err(|e| classify(e, site(clients, "apigateway:GetStages", what)))?;
    let mut names: Vec<String> = (read.item().iter())
        .filter_map(|s| s.stage_name().map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// Points `stage` of API `api_id` at `deployment`.
pub async fn update_stage(
    clients: &Clients,
    api_id: &str,
    stage: &str,
    deployment: &str,
) -> Result<(), AwsError> {
    let what = format!("stage `{stage}` of REST API `{api_id}`");
    let patch = PatchOperation::builder()
        .op(Op::Replace)
        .path("/deploymentId")
        .value(deployment)
        .build();
    client(clients)
        .update_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .patch_operations(patch)
        .send()
        .await
        .map_err(|e| classify(e, site(clients, "apigateway:UpdateStage", what)))?;
    Ok(())
}
