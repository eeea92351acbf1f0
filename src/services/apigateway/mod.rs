//! API Gateway: the REST API stages an environment declares (under `apis`:
//! an API by name or `id`, and a `stage`), the deployment each stage
//! serves (its `deploymentId`, with the deployment's creation time and
//! description), read by snapshots and pinned by every deploy that changed
//! it, and re-pointed by a rollback (`update-stage`, [`rollback`]).
//!
//! REST APIs (API Gateway v1) only: HTTP APIs (v2) deploy through the v2
//! API, which the local AWS emulator the tests run against does not serve,
//! so the ledger does not claim them.

#[cfg(feature = "aws")]
mod calls;
#[cfg(feature = "aws")]
mod capture;
mod pinning;
#[cfg(feature = "aws")]
mod rollback;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    BadDeclaration, Declared, Described, Pinning, Service, TableCx, check_list, declared_list,
    erased, typed, typed_tables,
};
use crate::document::{Column, Table, TableView};
use crate::timestamp::Timestamp;

/// An API Gateway stage row of the document, as declared.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiDecl {
    /// The REST API's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The REST API's ID (`a1b2c3d4e5`), when declared by it.
    #[serde(default)]
    pub id: Option<String>,
    /// The stage (`prod`); required (checked with the declarations, kept
    /// optional for the document's cell).
    #[serde(default)]
    pub stage: Option<String>,
    /// The deployment as the document says.
    #[serde(default)]
    pub deployment: Option<String>,
    /// When it was deployed, as the document says.
    #[serde(default)]
    pub deployed: Option<String>,
    /// Other columns, by heading, as Markdown cells.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extra: IndexMap<String, String>,
}

crate::table_rows!(ApiDecl);

impl ApiDecl {
    /// The API as declared: its name, else its ID.
    pub fn api(&self) -> &str {
        self.name.as_deref().or(self.id.as_deref()).unwrap_or("")
    }

    /// The stage.
    pub fn stage(&self) -> &str {
        self.stage.as_deref().unwrap_or("")
    }

    /// The resource's name in pins and `history`: `API:STAGE`.
    pub fn resource(&self) -> String {
        resource(self.api(), self.stage())
    }
}

/// `API:STAGE`, a stage's name among the pins (stage names hold no `:`).
pub fn resource(api: &str, stage: &str) -> String {
    format!("{api}:{stage}")
}

/// The deployment a stage serves: what a snapshot reads and a deploy pins.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageDeployment {
    /// `API:STAGE`: the resource's name among the pins.
    pub name: String,
    /// The API as declared (its name, or its ID).
    pub api: String,
    /// The REST API's ID.
    pub api_id: String,
    /// The stage.
    pub stage: String,
    /// The deployment it serves (`deploymentId`).
    pub deployment: String,
    /// When that deployment was created.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// The deployment's description.
    #[serde(default)]
    pub description: Option<String>,
}

/// The key of API Gateway's declarations, state and pins.
pub const KEY: &str = "apis";

/// `### API Gateway Stages`.
static STAGES: Table<ApiDecl> = Table {
    kind: "apigateway",
    title: "API Gateway Stages",
    columns: &[
        Column::code_key("API", ApiDecl::api, |a, v| a.name = Some(v)),
        Column::code("Stage", |a| a.stage.as_deref(), |a| &mut a.stage),
        Column::always(Column::code(
            "Deployment",
            |a| a.deployment.as_deref(),
            |a| &mut a.deployment,
        )),
        Column::always(Column::text(
            "Deployed",
            |a| a.deployed.as_deref(),
            |a| &mut a.deployed,
        )),
    ],
};

/// The API Gateway service.
pub struct ApiGateway;

impl Service for ApiGateway {
    fn kind(&self) -> &'static str {
        STAGES.kind
    }

    fn declared_at(&self) -> Declared {
        Declared::Environment(KEY)
    }

    fn state_key(&self) -> &'static str {
        KEY
    }

    fn check_declarations(&self, declared: &toml::Value) -> Result<(), BadDeclaration> {
        check_list::<ApiDecl>(declared)?;
        let apis: Vec<ApiDecl> = declared_list(Some(declared));
        for (index, api) in apis.iter().enumerate() {
            let missing = match (&api.name, &api.id, &api.stage) {
                (None, None, _) => "missing field `name` (or `id`): the REST API of the stage",
                (_, _, None) => "missing field `stage`: the stage whose deployment is recorded",
                _ => continue,
            };
            return Err(BadDeclaration {
                index: Some(index),
                message: missing.into(),
            });
        }
        Ok(())
    }

    fn declared_names(
        &self,
        _: &crate::config::Environment,
        declared: Option<&toml::Value>,
    ) -> Vec<String> {
        let rows: Vec<ApiDecl> = declared_list(declared);
        rows.iter().map(ApiDecl::resource).collect()
    }

    fn table_title(&self) -> &'static str {
        STAGES.title
    }

    fn rows(&self, cx: &TableCx<'_>) -> toml::Value {
        erased(&overlaid(cx)).unwrap_or_else(|_| toml::Value::Array(Vec::new()))
    }

    fn table(&self, cx: &TableCx<'_>) -> Option<TableView> {
        let view = STAGES.layout(&overlaid(cx), cx.order);
        (!view.rows.is_empty()).then_some(view)
    }

    fn read_table(&self, header: &[String], rows: &[Vec<String>]) -> Option<toml::Value> {
        erased(&STAGES.read(header, rows)?).ok()
    }

    fn describe(&self, state: &toml::Value) -> Vec<Described> {
        let states: Vec<StageDeployment> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|s| {
                Described::new("API Gateway stage", &s.name)
                    .deployed("deployment", Some(s.deployment.clone()))
            })
            .collect()
    }

    fn show(&self, state: &toml::Value) -> Vec<String> {
        let states: Vec<StageDeployment> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|s| {
                format!(
                    "  stage         {} {} (deployment {})",
                    s.api, s.stage, s.deployment
                )
            })
            .collect()
    }

    fn summary(&self, state: &toml::Value) -> Option<String> {
        let states: Vec<StageDeployment> = typed(state)?;
        super::count(states.len(), "API stage")
    }

    fn pinning(&self) -> Option<&dyn Pinning> {
        Some(&pinning::StagePins)
    }

    #[cfg(feature = "aws")]
    fn read_state<'a>(
        &'a self,
        cx: &'a super::StateRead<'a>,
    ) -> super::Aws<'a, Option<toml::Value>> {
        Box::pin(capture::read_state(cx))
    }

    #[cfg(feature = "aws")]
    fn discover<'a>(
        &'a self,
        cx: &'a super::Discovery<'a>,
    ) -> super::Aws<'a, Vec<super::Proposal>> {
        Box::pin(capture::discover(cx))
    }
}

/// The declared rows with the deployment each stage serves laid over
/// them: the latest of what deploys pinned and the latest snapshot read.
fn overlaid(cx: &TableCx<'_>) -> Vec<ApiDecl> {
    let mut rows: Vec<ApiDecl> = declared_list(cx.declared);
    let states: Vec<StageDeployment> = cx.snapshot.and_then(typed).unwrap_or_default();
    let live = super::live_pins(cx.entries, cx.env_key, KEY, u64::MAX);
    for row in &mut rows {
        let resource = row.resource();
        let pinned = live.get(&resource).and_then(|at| pinned(at.pin));
        let read = states.iter().find(|s| s.name == resource).cloned();
        let Some(served) = newer(pinned, read) else {
            continue;
        };
        row.deployment = Some(served.deployment);
        // An imported document's pins know no time: the row's day stays.
        if let Some(created) = &served.created {
            row.deployed = Some(created.date_string());
        }
    }
    rows
}

/// Of a pinned and a read deployment, the newer (by creation time).
fn newer(a: Option<StageDeployment>, b: Option<StageDeployment>) -> Option<StageDeployment> {
    match (a, b) {
        (Some(a), Some(b)) if b.created > a.created => Some(b),
        (Some(a), _) => Some(a),
        (None, b) => b,
    }
}

/// A pin as API Gateway's type (None when it does not read as one).
pub fn pinned(pin: &toml::Table) -> Option<StageDeployment> {
    typed_tables(std::slice::from_ref(pin)).pop()
}

/// The pins of `stages`, to keep in an entry.
fn pins(stages: &[StageDeployment]) -> Vec<toml::Table> {
    super::erased_tables(stages).unwrap_or_default()
}

/// `aws apigateway update-stage ...` re-pointing a stage, quoted for a shell.
fn update_stage_command(api_id: &str, stage: &str, deployment: &str) -> String {
    use crate::document::format::shell_word;
    format!(
        "aws apigateway update-stage --rest-api-id {} --stage-name {} --patch-operations {}",
        shell_word(api_id),
        shell_word(stage),
        shell_word(&format!("op=replace,path=/deploymentId,value={deployment}"))
    )
}
