//! A deploy's objects: the environment's bucket listed (every version, both
//! markers), diffed against the ledger's picture into file changes, with
//! the metadata of what changed.

use crate::aws::s3::{self, Listing};
use crate::aws::{AwsError, Clients};
use crate::config::Environment;
use crate::journal::{FileAction, FileChange};
use crate::model::{self, LiveState};
use crate::ui::{Progress, Silent};

/// How to read the objects.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// MaxKeys per listing page (S3's default when none).
    pub page_size: Option<i32>,
    /// HeadObject calls in flight.
    pub concurrency: usize,
}

impl Default for Reading {
    /// S3's page size and the default concurrency.
    fn default() -> Self {
        Reading {
            page_size: None,
            concurrency: s3::DEFAULT_HEAD_CONCURRENCY,
        }
    }
}

/// What a deploy's capture of its objects found.
#[derive(Debug, Clone)]
pub struct Objects {
    /// Puts and deletes against the picture, in key order, with metadata.
    pub files: Vec<FileChange>,
    /// The listing they came from (kept to re-diff without listing again).
    pub listing: Listing,
    /// Set when the bucket is not versioned: a note for the entry.
    pub unversioned: Option<String>,
}

/// Lists `env`'s objects.
pub async fn list_objects(
    clients: &Clients,
    env: &Environment,
    reading: Reading,
    progress: &dyn Progress,
) -> Result<Listing, AwsError> {
    let listing = s3::list_versions(
        clients,
        &env.bucket,
        env.prefix(),
        reading.page_size,
        &|n| progress.listed(n),
    )
    .await;
    progress.done();
    listing
}

/// Reads the bucket's versioning, lists it, and diffs it with `picture`.
pub async fn capture_objects(
    clients: &Clients,
    env: &Environment,
    picture: &LiveState,
    reading: Reading,
    progress: &dyn Progress,
) -> Result<Objects, AwsError> {
    let bucket = &env.bucket;
    let versioning = s3::versioning(clients, bucket).await?;
    let unversioned = (versioning != "Enabled").then(|| {
        format!(
            "bucket {bucket} has versioning {versioning}: objects are recorded by ETag; \
             `live --at` cannot pin versions there, and rollback cannot restore them"
        )
    });
    let listing = list_objects(clients, env, reading, progress).await?;
    let mut files = model::diff_observed(picture, &listing.latest);
    read_metadata(clients, bucket, &mut files, reading, progress).await?;
    Ok(Objects {
        files,
        listing,
        unversioned,
    })
}

/// The file changes from a new `picture` to what `listing` found; metadata
/// copied from `before` where the same version was read already, read for
/// the others.
pub async fn rediff(
    clients: &Clients,
    env: &Environment,
    picture: &LiveState,
    listing: &Listing,
    before: &[FileChange],
    reading: Reading,
) -> Result<Vec<FileChange>, AwsError> {
    let mut files = model::diff_observed(picture, &listing.latest);
    let mut unread = Vec::new();
    for file in files.iter_mut().filter(|f| f.action == FileAction::Put) {
        match before
            .iter()
            .find(|b| b.key == file.key && b.version_id == file.version_id)
        {
            Some(read) => {
                file.content_type = read.content_type.clone();
                file.cache_control = read.cache_control.clone();
            }
            None => unread.push(file.clone()),
        }
    }
    if !unread.is_empty() {
        read_metadata(clients, &env.bucket, &mut unread, reading, &Silent).await?;
        for file in files.iter_mut() {
            if let Some(read) = unread.iter().find(|u| u.key == file.key) {
                *file = read.clone();
            }
        }
    }
    Ok(files)
}

/// Content-Type and Cache-Control of the puts among `files`.
async fn read_metadata(
    clients: &Clients,
    bucket: &str,
    files: &mut [FileChange],
    reading: Reading,
    progress: &dyn Progress,
) -> Result<(), AwsError> {
    let wanted: Vec<(String, Option<String>)> = files
        .iter()
        .filter(|f| f.action == FileAction::Put)
        .map(|f| (f.key.clone(), f.version_id.clone()))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let total = wanted.len();
    let metadata = s3::head_objects(clients, bucket, wanted, reading.concurrency, &|n| {
        progress.read(n, total)
    })
    .await;
    progress.done();
    let metadata = metadata?;
    for file in files.iter_mut() {
        if let Some(meta) = metadata.get(&file.key) {
            file.content_type = meta.content_type.clone();
            file.cache_control = meta.cache_control.clone();
        }
    }
    Ok(())
}
