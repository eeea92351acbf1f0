//! S3: the environment's objects (listed with every version, diffed against
//! the ledger's picture into a deploy's file changes, restored by a
//! rollback) and the buckets the document lists (declared under `buckets`,
//! their versioning and encryption read by snapshots). The deploy bucket is
//! the environment's own `bucket`; it always has a row.

#[cfg(feature = "aws")]
mod objects;

#[cfg(feature = "aws")]
pub use crate::aws::s3::{
    DEFAULT_HEAD_CONCURRENCY, Listing, Restored, delete_latest, missing_versions, restore_version,
};
#[cfg(feature = "aws")]
pub use objects::{Objects, Reading, capture_objects, list_objects, rediff};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    BadDeclaration, Declared, Described, Service, TableCx, check_list, declared_list, erased, typed,
};
use crate::document::{Column, Table, TableView};

/// An S3 bucket row of the document, as declared.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketDecl {
    /// Bucket name.
    pub name: String,
    /// What it holds.
    #[serde(default)]
    pub purpose: Option<String>,
    /// Versioning status ("Enabled", "Suspended", "Disabled").
    #[serde(default)]
    pub versioning: Option<String>,
    /// Default encryption ("AES256", "aws:kms").
    #[serde(default)]
    pub encryption: Option<String>,
    /// Last deploy as declared (the deploy bucket's comes from the journal).
    #[serde(default)]
    pub last_deploy: Option<String>,
    /// Other columns, by heading, as Markdown cells.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extra: IndexMap<String, String>,
}

crate::table_rows!(BucketDecl);

/// A bucket's settings as a snapshot read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketState {
    /// Bucket name.
    pub name: String,
    /// `Enabled`, `Suspended` or `Disabled`.
    pub versioning: String,
    /// Default encryption algorithm, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<String>,
}

impl BucketState {
    /// The encryption as the document writes it (`None` when there is none).
    fn encryption_words(&self) -> String {
        self.encryption.clone().unwrap_or_else(|| "None".into())
    }
}

/// `### S3 Buckets`.
static BUCKETS: Table<BucketDecl> = Table {
    kind: "s3",
    title: "S3 Buckets",
    columns: &[
        Column::code_key("Bucket", |b| &b.name, |b, v| b.name = v),
        Column::text("Purpose", |b| b.purpose.as_deref(), |b| &mut b.purpose),
        Column::text(
            "Versioning",
            |b| b.versioning.as_deref(),
            |b| &mut b.versioning,
        ),
        Column::text(
            "Encryption",
            |b| b.encryption.as_deref(),
            |b| &mut b.encryption,
        ),
        Column::always(Column::text(
            "Last Deploy",
            |b| b.last_deploy.as_deref(),
            |b| &mut b.last_deploy,
        )),
    ],
};

/// The S3 service.
pub struct S3;

impl Service for S3 {
    fn kind(&self) -> &'static str {
        BUCKETS.kind
    }

    fn declared_at(&self) -> Declared {
        Declared::Environment("buckets")
    }

    fn state_key(&self) -> &'static str {
        "bucket"
    }

    fn check_declarations(&self, declared: &toml::Value) -> Result<(), BadDeclaration> {
        check_list::<BucketDecl>(declared)
    }

    fn declared_names(
        &self,
        env: &crate::config::Environment,
        _: Option<&toml::Value>,
    ) -> Vec<String> {
        vec![env.bucket.clone()]
    }

    fn table_title(&self) -> &'static str {
        BUCKETS.title
    }

    fn rows(&self, cx: &TableCx<'_>) -> toml::Value {
        erased(&overlaid(cx)).unwrap_or_else(|_| toml::Value::Array(Vec::new()))
    }

    fn table(&self, cx: &TableCx<'_>) -> Option<TableView> {
        let view = BUCKETS.layout(&overlaid(cx), cx.order);
        (!view.rows.is_empty()).then_some(view)
    }

    fn read_table(&self, header: &[String], rows: &[Vec<String>]) -> Option<toml::Value> {
        erased(&BUCKETS.read(header, rows)?).ok()
    }

    fn adopt(&self, env: &mut crate::config::Environment) -> Result<(), String> {
        let mut rows: Vec<BucketDecl> = declared_list(env.declared.get("buckets"));
        // The deploy bucket is the one with a Last Deploy, else the first.
        let deploy_bucket = (rows.iter())
            .find(|b| b.last_deploy.is_some())
            .or_else(|| rows.first())
            .map(|b| b.name.clone())
            .ok_or("has no S3 Buckets table: its deploy bucket is unknown")?;
        // Its Last Deploy is derived from the journal on render.
        for row in rows.iter_mut().filter(|b| b.name == deploy_bucket) {
            row.last_deploy = None;
        }
        env.bucket = deploy_bucket;
        env.declared.insert("buckets".into(), erased(&rows)?);
        Ok(())
    }

    fn describe(&self, state: &toml::Value) -> Vec<Described> {
        let Some(bucket) = typed::<BucketState>(state) else {
            return Vec::new();
        };
        vec![
            Described::new("S3 bucket", &bucket.name)
                .field("versioning", Some(bucket.versioning.clone()))
                .field("encryption", Some(bucket.encryption_words())),
        ]
    }

    fn show(&self, state: &toml::Value) -> Vec<String> {
        typed::<BucketState>(state)
            .map(|b| format!("  bucket        {}", words(&b)))
            .into_iter()
            .collect()
    }

    fn summary(&self, state: &toml::Value) -> Option<String> {
        typed::<BucketState>(state).map(|b| format!("bucket {}", words(&b)))
    }

    #[cfg(feature = "aws")]
    fn read_state<'a>(
        &'a self,
        cx: &'a super::StateRead<'a>,
    ) -> super::Aws<'a, Option<toml::Value>> {
        Box::pin(async move {
            let bucket = &cx.env.bucket;
            let state = BucketState {
                name: bucket.clone(),
                versioning: crate::aws::s3::versioning(cx.clients, bucket).await?,
                encryption: crate::aws::s3::encryption(cx.clients, bucket).await?,
            };
            Ok(Some(erased(&state).map_err(crate::aws::AwsError::Refused)?))
        })
    }
}

/// The declared rows with what the journal and the latest snapshot know
/// laid over them: what the table prints.
fn overlaid(cx: &TableCx<'_>) -> Vec<BucketDecl> {
    let mut rows: Vec<BucketDecl> = declared_list(cx.declared);
    let deploy_bucket = &cx.env.bucket;
    // The deploy bucket always appears, and its Last Deploy is the journal's.
    if !rows.iter().any(|b| &b.name == deploy_bucket) {
        let row = BucketDecl {
            name: deploy_bucket.clone(),
            ..BucketDecl::default()
        };
        rows.insert(0, row);
    }
    if let Some(last) = crate::model::last_deploy(cx.entries, cx.env_key) {
        for row in rows.iter_mut().filter(|b| &b.name == deploy_bucket) {
            row.last_deploy = Some(last.deployed_at.date_string());
        }
    }
    if let Some(state) = cx.snapshot.and_then(typed::<BucketState>) {
        for row in rows.iter_mut().filter(|b| b.name == state.name) {
            row.versioning = Some(state.versioning.clone());
            row.encryption = Some(state.encryption_words());
        }
    }
    rows
}

/// `X (versioning V, encryption E)`, as `show` and a snapshot's report say.
fn words(bucket: &BucketState) -> String {
    format!(
        "{} (versioning {}, encryption {})",
        bucket.name,
        bucket.versioning,
        bucket.encryption.as_deref().unwrap_or("none")
    )
}
