//! S3 calls: every version under a prefix (all pages, both markers), the
//! latest state of each key from `IsLatest`, object metadata for changed
//! keys with bounded concurrency, and bucket versioning and encryption.
//! Shared by the S3 service (`services::s3`) and the S3 store of record.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use aws_sdk_s3::operation::list_object_versions::ListObjectVersionsOutput;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{AwsError, CallSite, Clients, classify, timestamp};
use crate::model::Observed;

/// Default number of HeadObject calls in flight.
pub const DEFAULT_HEAD_CONCURRENCY: usize = 32;

/// What a full listing of a prefix found.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The latest state of each key (delete markers included, with `deleted` set).
    pub latest: BTreeMap<String, Observed>,
    /// Every (key, version ID) that exists, delete markers included.
    pub versions: HashSet<(String, String)>,
}

/// Lists every version and delete marker under `bucket/prefix`. Each key's
/// latest comes from `IsLatest`, never from LastModified. `page_size` caps
/// MaxKeys per page (S3's default is 1000); `progress` is told how many
/// versions were read so far.
pub async fn list_versions(
    clients: &Clients,
    bucket: &str,
    prefix: &str,
    page_size: Option<i32>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Listing, AwsError> {
    let mut listing = Listing {
        latest: BTreeMap::new(),
        versions: HashSet::new(),
    };
    let mut markers: Markers = (None, None);
    let mut seen = 0usize;
    loop {
        let mut request = clients.s3.list_object_versions().bucket(bucket);
        if !prefix.is_empty() {
            request = request.prefix(prefix);
        }
        if let Some(size) = page_size {
            request = request.max_keys(size);
        }
        if let Some(marker) = &markers.0 {
            request = request.key_marker(marker);
        }
        if let Some(marker) = &markers.1 {
            request = request.version_id_marker(marker);
        }
        let page = request.send().await.map_err(|e| {
            classify(
                e,
                clients.site("s3:ListObjectVersions", format!("{bucket}/{prefix}")),
            )
        })?;
        seen += listing.absorb(&page);
        progress(seen);
        if page.is_truncated() != Some(true) {
            return Ok(listing);
        }
        markers = next_markers(&page, &markers, &format!("{bucket}/{prefix}"))?;
    }
}

/// Where a listing goes on from: the key marker and the version ID marker.
type Markers = (Option<String>, Option<String>);

/// The markers a truncated page gives, refused when it gives none or the
/// same as before (the listing would not end).
fn next_markers(
    page: &ListObjectVersionsOutput,
    current: &Markers,
    resource: &str,
) -> Result<Markers, AwsError> {
    let next = (
        page.next_key_marker().map(String::from),
        page.next_version_id_marker().map(String::from),
    );
    let refused = |code: &str, message: &str| AwsError::Service {
        operation: "s3:ListObjectVersions",
        resource: resource.to_string(),
        code: code.into(),
        message: message.into(),
    };
    if next.0.is_none() && next.1.is_none() {
        return Err(refused(
            "TruncatedWithoutMarker",
            "the listing is truncated but gives no marker to continue from",
        ));
    }
    if next == *current {
        return Err(refused(
            "MarkerDidNotAdvance",
            "the listing returned the same markers twice",
        ));
    }
    Ok(next)
}

impl Listing {
    /// Takes in one page of versions and delete markers; returns how many
    /// it held.
    fn absorb(&mut self, page: &ListObjectVersionsOutput) -> usize {
        let mut seen = 0;
        for version in page.versions() {
            seen += 1;
            let Some(key) = version.key() else { continue };
            let observed = Observed {
                key: key.to_string(),
                version_id: version.version_id().map(String::from),
                etag: version.e_tag().map(|e| e.trim_matches('"').to_string()),
                size: version.size().and_then(|s| u64::try_from(s).ok()),
                last_modified: version.last_modified().and_then(timestamp),
                deleted: false,
            };
            self.take(observed, version.is_latest() == Some(true));
        }
        for marker in page.delete_markers() {
            seen += 1;
            let Some(key) = marker.key() else { continue };
            let observed = Observed {
                key: key.to_string(),
                version_id: marker.version_id().map(String::from),
                etag: None,
                size: None,
                last_modified: marker.last_modified().and_then(timestamp),
                deleted: true,
            };
            self.take(observed, marker.is_latest() == Some(true));
        }
        seen
    }

    /// One version (or delete marker) of a key: known to exist, and the
    /// key's latest when S3 says so.
    fn take(&mut self, observed: Observed, is_latest: bool) {
        if let Some(id) = &observed.version_id {
            self.versions.insert((observed.key.clone(), id.clone()));
        }
        if is_latest {
            self.latest.insert(observed.key.clone(), observed);
        }
    }
}

/// The result of copying an old version over the latest.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The new latest version's ID.
    pub version_id: Option<String>,
    /// Its ETag.
    pub etag: Option<String>,
}

/// Makes `version` of `key` the latest again by copying it onto itself;
/// the object's metadata is copied with it.
pub async fn restore_version(
    clients: &Clients,
    bucket: &str,
    key: &str,
    version: &str,
) -> Result<Restored, AwsError> {
    let source = format!(
        "{bucket}/{}?versionId={version}",
        crate::s3_key::percent_encode(key)
    );
    let output = clients
        .s3
        .copy_object()
        .bucket(bucket)
        .key(key)
        .copy_source(source)
        .metadata_directive(aws_sdk_s3::types::MetadataDirective::Copy)
        .send()
        .await
        .map_err(|e| {
            classify(
                e,
                clients.site(
                    "s3:CopyObject",
                    format!("{bucket}/{key}?versionId={version}"),
                ),
            )
        })?;
    Ok(Restored {
        version_id: output.version_id().map(String::from),
        etag: output
            .copy_object_result()
            .and_then(|r| r.e_tag())
            .map(|e| e.trim_matches('"').to_string()),
    })
}

/// Deletes the latest of `key` (a delete marker in a versioned bucket);
/// returns the marker's version ID.
pub async fn delete_latest(
    clients: &Clients,
    bucket: &str,
    key: &str,
) -> Result<Option<String>, AwsError> {
    let output = clients
        .s3
        .delete_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| {
            classify(
                e,
                clients.site("s3:DeleteObject", format!("{bucket}/{key}")),
            )
        })?;
    Ok(output.version_id().map(String::from))
}

/// Whether a version of a key still exists (HeadObject with its version ID).
pub async fn version_exists(
    clients: &Clients,
    bucket: &str,
    key: &str,
    version: &str,
) -> Result<bool, AwsError> {
    match clients
        .s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .version_id(version)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) => match classify(
            e,
            clients.site(
                "s3:HeadObject",
                format!("{bucket}/{key}?versionId={version}"),
            ),
        ) {
            AwsError::NotFound { .. } => Ok(false),
            AwsError::Service { code, .. } if code == "HTTP 400" || code == "HTTP 405" => Ok(false),
            other => Err(other),
        },
    }
}

/// The (key, version) pairs that no longer exist, checked with HeadObject,
/// at most `concurrency` at once.
pub async fn missing_versions(
    clients: &Clients,
    bucket: &str,
    wanted: Vec<(String, String)>,
    concurrency: usize,
) -> Result<Vec<(String, String)>, AwsError> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (key, version) in wanted {
        let clients = clients.clone();
        let bucket = bucket.to_string();
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let exists = version_exists(&clients, &bucket, &key, &version).await;
            exists.map(|exists| (!exists).then_some((key, version)))
        });
    }
    let mut missing = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => missing.extend(result?),
            Err(e) => return Err(AwsError::Refused(format!("a HeadObject task failed: {e}"))),
        }
    }
    missing.sort();
    Ok(missing)
}

/// Metadata of one object version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Content-Type.
    pub content_type: Option<String>,
    /// Cache-Control.
    pub cache_control: Option<String>,
}

/// HeadObject for each (key, version) with at most `concurrency` calls in
/// flight. `progress` is told how many finished.
pub async fn head_objects(
    clients: &Clients,
    bucket: &str,
    objects: Vec<(String, Option<String>)>,
    concurrency: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<BTreeMap<String, ObjectMeta>, AwsError> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (key, version) in objects {
        let client = clients.s3.clone();
        let bucket = bucket.to_string();
        let permits = Arc::clone(&permits);
        let session = Arc::clone(&clients.session);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let mut request = client.head_object().bucket(&bucket).key(&key);
            if let Some(version) = version.as_deref().filter(|v| *v != "null") {
                request = request.version_id(version);
            }
            let result = request.send().await.map_err(|e| {
                classify(
                    e,
                    CallSite::new(&session, "s3:HeadObject", format!("{bucket}/{key}")),
                )
            });
            result.map(|head| {
                (
                    key,
                    ObjectMeta {
                        content_type: head.content_type().map(String::from),
                        cache_control: head.cache_control().map(String::from),
                    },
                )
            })
        });
    }
    let mut metadata = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (key, meta) = match joined {
            Ok(result) => result?,
            Err(e) => {
                return Err(AwsError::Refused(format!("a HeadObject task failed: {e}")));
            }
        };
        metadata.insert(key, meta);
        progress(metadata.len());
    }
    Ok(metadata)
}

/// A bucket's versioning status: `Enabled`, `Suspended` or `Disabled` (never enabled).
///
/// Some S3-compatible servers (moto among them) answer with another XML root
/// element than `VersioningConfiguration`, which the SDK refuses to parse;
/// a successful (HTTP 200) answer is then read for its `<Status>` element.
pub async fn versioning(clients: &Clients, bucket: &str) -> Result<String, AwsError> {
    match clients
        .s3
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "Disabled".to_string())),
        Err(aws_sdk_s3::error::SdkError::ServiceError(service))
            if service.raw().status().as_u16() == 200 =>
        {
            let body = service
                .raw()
                .body()
                .bytes()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            Ok(versioning_from_xml(&body))
        }
        Err(e) => Err(classify(
            e,
            clients.site("s3:GetBucketVersioning", bucket.to_string()),
        )),
    }
}

fn versioning_from_xml(body: &str) -> String {
    let status = body
        .split_once("<Status>")
        .and_then(|(_, rest)| rest.split_once("</Status>"))
        .map(|(status, _)| status.trim().to_string());
    match status {
        Some(status) if !status.is_empty() => status,
        _ => "Disabled".to_string(),
    }
}

/// A bucket's default encryption (`AES256`, `aws:kms`), or `None`.
pub async fn encryption(clients: &Clients, bucket: &str) -> Result<Option<String>, AwsError> {
    match clients
        .s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default())
            .map(|d| d.sse_algorithm().as_str().to_string())),
        Err(e) => {
            let error = classify(
                e,
                clients.site("s3:GetBucketEncryption", bucket.to_string()),
            );
            match error {
                // No configuration at all is an answer, not a failure.
                AwsError::NotFound { .. } => Ok(None),
                AwsError::Service { ref code, .. }
                    if code.contains("ServerSideEncryptionConfigurationNotFound") =>
                {
                    Ok(None)
                }
                other => Err(other),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::versioning_from_xml;

    #[test]
    fn versioning_is_read_from_any_root_element() {
        let enabled = r#"<GetBucketVersioningResponse xmlns="x"><Status>Enabled</Status></GetBucketVersioningResponse>"#;
        assert_eq!(versioning_from_xml(enabled), "Enabled");
        assert_eq!(
            versioning_from_xml(
                "<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>"
            ),
            "Suspended"
        );
        assert_eq!(
            versioning_from_xml(r#"<GetBucketVersioningResponse xmlns="x"/>"#),
            "Disabled"
        );
    }
}
