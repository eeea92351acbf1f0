//! CloudFront: the invalidation each deploy and rollback makes (looked up
//! by ID, or created and waited for), and the distributions the document
//! lists (declared under `distributions`; the environment's own
//! `distribution` always has a row), with their domain, origin, status and
//! cache behaviours read by snapshots.

#[cfg(feature = "aws")]
mod calls;

#[cfg(feature = "aws")]
pub use calls::{
    MAX_PATHS, MAX_WILDCARDS, check_paths, create_invalidation, get_invalidation, key_path,
    wait_for,
};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    BadDeclaration, Declared, Described, Service, TableCx, check_list, declared_list, erased, typed,
};
use crate::config::CacheBehavior;
use crate::document::cell::code_cell;
use crate::document::{Column, Table, TableView};
use crate::journal::Entry;

/// A CloudFront distribution row of the document, as declared.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionDecl {
    /// Distribution ID.
    pub id: String,
    /// Domain served.
    #[serde(default)]
    pub domain: Option<String>,
    /// Origin (short form, "bucket.s3").
    #[serde(default)]
    pub origin: Option<String>,
    /// Status ("Deployed", "InProgress").
    #[serde(default)]
    pub status: Option<String>,
    /// Last invalidation as declared (the environment's distribution's comes from the journal).
    #[serde(default)]
    pub last_invalidation: Option<String>,
    /// Other columns, by heading, as Markdown cells.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extra: IndexMap<String, String>,
}

crate::table_rows!(DistributionDecl);

/// A distribution's settings as a snapshot read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionState {
    /// Distribution ID.
    pub id: String,
    /// Its CloudFront domain (`d111111abcdef8.cloudfront.net`).
    pub domain: String,
    /// Alternate domain names (CNAMEs), in CloudFront's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Its first origin's domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// `Deployed` or `InProgress`.
    pub status: String,
    /// Cache behaviours: the default one (path `*`) first, then the others in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub behaviors: Vec<CacheBehaviorState>,
}

/// One cache behaviour.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheBehaviorState {
    /// Path pattern (`*` for the default behaviour).
    pub path: String,
    /// Cache policy name (or ID when the name could not be read).
    #[serde(default)]
    pub cache_policy: Option<String>,
    /// Minimum TTL, seconds.
    #[serde(default)]
    pub min_ttl: Option<u64>,
    /// Default TTL, seconds.
    #[serde(default)]
    pub default_ttl: Option<u64>,
    /// Maximum TTL, seconds.
    #[serde(default)]
    pub max_ttl: Option<u64>,
}

/// `### CloudFront Distributions`.
static DISTRIBUTIONS: Table<DistributionDecl> = Table {
    kind: "cloudfront",
    title: "CloudFront Distributions",
    columns: &[
        Column::code_key("Distribution ID", |d| &d.id, |d, v| d.id = v),
        Column::text("Domain", |d| d.domain.as_deref(), |d| &mut d.domain),
        Column::text("Origin", |d| d.origin.as_deref(), |d| &mut d.origin),
        Column::text("Status", |d| d.status.as_deref(), |d| &mut d.status),
        Column::always(Column::markdown(
            "Last Invalidation",
            |d| d.last_invalidation.as_deref(),
            |d| &mut d.last_invalidation,
        )),
    ],
};

/// Whether an invalidation status says it completed (CloudFront writes
/// `Completed`; emulators vary the case).
pub fn is_completed(status: &str) -> bool {
    status.eq_ignore_ascii_case("completed")
}

/// The environment's last invalidation in `entries` (in force): its entry
/// and the document's cell for it, `` `ID` (YYYY-MM-DD) ``.
pub fn last_invalidation<'a>(entries: &'a [Entry], env: &str) -> Option<(&'a Entry, String)> {
    let entry = (entries.iter().rev())
        .filter(|e| e.env == env)
        .find(|e| e.invalidation.is_some())?;
    let invalidation = entry.invalidation.as_ref()?;
    let day = invalidation
        .created_at
        .unwrap_or(entry.deployed_at)
        .date_string();
    Some((entry, format!("{} ({day})", code_cell(&invalidation.id))))
}

/// The CloudFront service.
pub struct CloudFront;

impl Service for CloudFront {
    fn kind(&self) -> &'static str {
        DISTRIBUTIONS.kind
    }

    fn declared_at(&self) -> Declared {
        Declared::Environment("distributions")
    }

    fn state_key(&self) -> &'static str {
        "distribution"
    }

    fn check_declarations(&self, declared: &toml::Value) -> Result<(), BadDeclaration> {
        check_list::<DistributionDecl>(declared)
    }

    fn declared_names(
        &self,
        env: &crate::config::Environment,
        _: Option<&toml::Value>,
    ) -> Vec<String> {
        env.distribution.iter().cloned().collect()
    }

    fn table_title(&self) -> &'static str {
        DISTRIBUTIONS.title
    }

    fn rows(&self, cx: &TableCx<'_>) -> toml::Value {
        erased(&overlaid(cx)).unwrap_or_else(|_| toml::Value::Array(Vec::new()))
    }

    fn table(&self, cx: &TableCx<'_>) -> Option<TableView> {
        let view = DISTRIBUTIONS.layout(&overlaid(cx), cx.order);
        (!view.rows.is_empty()).then_some(view)
    }

    fn read_table(&self, header: &[String], rows: &[Vec<String>]) -> Option<toml::Value> {
        erased(&DISTRIBUTIONS.read(header, rows)?).ok()
    }

    fn adopt(&self, env: &mut crate::config::Environment) -> Result<(), String> {
        let mut rows: Vec<DistributionDecl> = declared_list(env.declared.get("distributions"));
        // The first distribution is the environment's; its Last
        // Invalidation is derived from the journal on render.
        if let Some(first) = rows.first_mut() {
            first.last_invalidation = None;
            env.distribution = Some(first.id.clone());
            env.domain = first.domain.clone();
            env.declared.insert("distributions".into(), erased(&rows)?);
        }
        Ok(())
    }

    fn describe(&self, state: &toml::Value) -> Vec<Described> {
        let Some(state) = typed::<DistributionState>(state) else {
            return Vec::new();
        };
        let behaviors = (state.behaviors.iter())
            .map(|b| format!("{} {}", b.path, b.cache_policy.as_deref().unwrap_or("-")))
            .collect::<Vec<_>>()
            .join(", ");
        vec![
            Described::new("CloudFront distribution", &state.id)
                .field("aliases", Some(state.aliases.join(", ")))
                .field("origin", state.origin.clone())
                .field("behaviours", Some(behaviors)),
        ]
    }

    fn show(&self, state: &toml::Value) -> Vec<String> {
        typed::<DistributionState>(state)
            .map(|d| {
                format!(
                    "  distribution  {} {} ({}), {} behaviour(s)",
                    d.id,
                    d.domain,
                    d.status,
                    d.behaviors.len()
                )
            })
            .into_iter()
            .collect()
    }

    fn summary(&self, state: &toml::Value) -> Option<String> {
        let d = typed::<DistributionState>(state)?;
        let behaviours = match d.behaviors.len() {
            1 => "1 behaviour".to_string(),
            n => format!("{n} behaviours"),
        };
        Some(format!(
            "distribution {} ({}, {behaviours})",
            d.id, d.status
        ))
    }

    fn cache_behaviors(&self, state: &toml::Value) -> Vec<CacheBehavior> {
        let Some(state) = typed::<DistributionState>(state) else {
            return Vec::new();
        };
        (state.behaviors.into_iter())
            .map(|b| CacheBehavior {
                path: b.path,
                policy: b.cache_policy,
                ttl: b.default_ttl.map(crate::document::format::long_duration),
            })
            .collect()
    }

    #[cfg(feature = "aws")]
    fn read_state<'a>(
        &'a self,
        cx: &'a super::StateRead<'a>,
    ) -> super::Aws<'a, Option<toml::Value>> {
        Box::pin(async move {
            let Some(id) = &cx.env.distribution else {
                return Ok(None);
            };
            let state = calls::distribution(cx.clients, id).await?;
            Ok(Some(erased(&state).map_err(crate::aws::AwsError::Refused)?))
        })
    }
}

/// The declared rows with what the journal and the latest snapshot know
/// laid over them: what the table prints.
fn overlaid(cx: &TableCx<'_>) -> Vec<DistributionDecl> {
    let mut rows: Vec<DistributionDecl> = declared_list(cx.declared);
    // The environment's distribution always appears, and its Last
    // Invalidation is the journal's.
    if let Some(id) = &cx.env.distribution {
        if !rows.iter().any(|d| &d.id == id) {
            let row = DistributionDecl {
                id: id.clone(),
                domain: cx.env.domain.clone(),
                ..DistributionDecl::default()
            };
            rows.insert(0, row);
        }
        if let Some((_, cell)) = last_invalidation(cx.entries, cx.env_key) {
            for row in rows.iter_mut().filter(|d| &d.id == id) {
                row.last_invalidation = Some(cell.clone());
            }
        }
    }
    if let Some(state) = cx.snapshot.and_then(typed::<DistributionState>) {
        for row in rows.iter_mut().filter(|d| d.id == state.id) {
            // The public name: an alias, else the declared domain, else CloudFront's own.
            row.domain = (state.aliases.first().cloned())
                .or(row.domain.take())
                .or_else(|| Some(state.domain.clone()));
            row.origin = state.origin.clone().or(row.origin.take());
            row.status = Some(state.status.clone());
        }
    }
    rows
}

/// The invalidation a deploy records.
#[cfg(feature = "aws")]
#[derive(Debug, Clone)]
pub enum InvalidationRequest {
    /// One the pipeline made: looked up by ID.
    Existing(String),
    /// One to create for these paths, with this caller reference (stable
    /// for a retry of the same deploy).
    Create {
        /// Paths, each starting with `/`.
        paths: Vec<String>,
        /// CloudFront's idempotency token.
        reference: String,
    },
}

/// Looks up or creates the invalidation and, with `wait`, waits for it to
/// complete. Returns it, and whether it was seen completed.
#[cfg(feature = "aws")]
pub async fn invalidation(
    clients: &crate::aws::Clients,
    distribution: &str,
    request: &InvalidationRequest,
    wait: Option<std::time::Duration>,
    progress: &dyn crate::ui::Progress,
) -> Result<(crate::journal::Invalidation, bool), crate::aws::AwsError> {
    let found = match request {
        InvalidationRequest::Existing(id) => get_invalidation(clients, distribution, id).await?,
        InvalidationRequest::Create { paths, reference } => {
            create_invalidation(clients, distribution, paths, reference, 6).await?
        }
    };
    let completed = found.status.as_deref().is_some_and(is_completed);
    let Some(timeout) = wait.filter(|_| !completed) else {
        return Ok((found, completed));
    };
    progress.waiting();
    let seen = wait_for(clients, distribution, &found.id, timeout).await;
    progress.done();
    seen
}
