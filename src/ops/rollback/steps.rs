//! The S3 side of a rollback: the steps that bring the objects back to
//! what an entry served, the checks that the versions still exist, and
//! the CloudFront invalidation of what changed.

use super::{Applied, RollbackSettings, Step};
use std::collections::BTreeMap;

use crate::aws::{Clients, s3};
use crate::config::Environment;
use crate::journal::{Entry, FileChange, Invalidation, Pins};
use crate::model::{LiveState, Observed};
use crate::ops::session::caller_reference;
use crate::ops::{Error, Result};
use crate::refuse;
use crate::services::cloudfront;

/// Refuses a target whose objects are not pinned to versions.
pub(super) fn check_pinned(target: &Entry, wanted: &LiveState) -> Result<()> {
    let unpinned: Vec<&str> = wanted
        .values()
        .filter(|f| f.version_id.as_deref().is_none_or(|v| v == "null"))
        .map(|f| f.key.as_str())
        .collect();
    if !unpinned.is_empty() {
        refuse!(
            "#{} does not pin S3 versions for {} key(s) (first: {}): imported history or an unversioned \
             bucket cannot be restored from S3; nothing was changed",
            target.seq,
            unpinned.len(),
            unpinned[0]
        );
    }
    Ok(())
}

/// Refuses when a version the plan copies back no longer exists.
pub(super) fn check_versions_exist(
    steps: &[Step],
    target: &Entry,
    bucket: &str,
    runtime: &tokio::runtime::Runtime,
    clients: &Clients,
) -> Result<()> {
    let needed: Vec<(String, String)> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Restore { file, .. } => file.version_id.clone().map(|v| (file.key.clone(), v)),
            Step::Delete { .. } => None,
        })
        .collect();
    let missing = runtime.block_on(s3::missing_versions(clients, bucket, needed, 16))?;
    if !missing.is_empty() {
        let lines: Vec<String> = missing
            .iter()
            .map(|(k, v)| format!("  {k} version {v}"))
            .collect();
        refuse!(
            "{} version(s) needed to restore #{} no longer exist in S3 (a lifecycle rule or a permanent delete \
             removed them); nothing was changed:\n{}",
            missing.len(),
            target.seq,
            lines.join("\n")
        );
    }
    Ok(())
}

/// Invalidates the restored paths after a complete rollback. The objects
/// changed whatever happens here: a failure becomes a note on the entry and
/// is returned, to be reported once the entry is recorded.
pub(super) fn invalidate_restored(
    runtime: &tokio::runtime::Runtime,
    clients: &Clients,
    env: &Environment,
    args: &RollbackSettings,
    applied: &Applied,
    entry: &mut Entry,
) -> Option<Error> {
    let (None, Some(distribution), false) =
        (&applied.failure, &env.distribution, args.no_invalidate)
    else {
        return None;
    };
    if entry.files.is_empty() {
        return None;
    }
    match runtime.block_on(invalidate(clients, distribution, entry, args)) {
        Ok(invalidation) => {
            entry.invalidation = Some(invalidation);
            None
        }
        Err(e) => {
            entry.notes.push(format!(
                "the invalidation of the changed paths failed: {}",
                crate::ops::verify::error_chain(&e)
            ));
            Some(e)
        }
    }
}

/// The steps that turn S3's latest state into `wanted`: restore each key
/// whose latest object differs (another version, unless it holds the same
/// content: the same ETag and size, as a copy made by an earlier rollback
/// to the same release does), delete each live key not wanted.
pub(super) fn object_steps(wanted: &LiveState, latest: &BTreeMap<String, Observed>) -> Vec<Step> {
    let mut steps = Vec::new();
    for (key, file) in wanted {
        let current = latest.get(key).filter(|o| !o.deleted);
        let current_version = current.and_then(|o| o.version_id.clone());
        let same_content = current.is_some_and(|o| {
            o.etag.is_some()
                && o.etag == file.etag
                && (o.size.is_none() || file.size.is_none() || o.size == file.size)
        });
        if current_version.as_ref() != file.version_id.as_ref() && !same_content {
            steps.push(Step::Restore {
                file: file.clone(),
                current: current_version,
            });
        }
    }
    for (key, observed) in latest {
        if !observed.deleted && !wanted.contains_key(key) {
            steps.push(Step::Delete {
                key: key.clone(),
                current: observed.version_id.clone(),
            });
        }
    }
    steps.sort_by(|a, b| a.key().cmp(b.key()));
    steps
}

/// Applies the steps in order, stopping at the first failure.
pub(super) async fn apply(clients: &Clients, bucket: &str, steps: &[Step]) -> Applied {
    let mut applied = Applied {
        files: Vec::new(),
        pins: Pins::new(),
        failure: None,
        not_done: Vec::new(),
    };
    for (index, step) in steps.iter().enumerate() {
        let result = match step {
            Step::Restore { file, .. } => {
                let version = file.version_id.as_deref().unwrap_or("null");
                s3::restore_version(clients, bucket, &file.key, version)
                    .await
                    .map(|restored| FileChange {
                        version_id: restored.version_id,
                        etag: restored.etag.or_else(|| file.etag.clone()),
                        last_modified: None,
                        ..file.clone()
                    })
            }
            Step::Delete { key, .. } => {
                s3::delete_latest(clients, bucket, key)
                    .await
                    .map(|marker| FileChange {
                        version_id: marker,
                        ..FileChange::deleted(key.clone())
                    })
            }
        };
        match result {
            Ok(file) => applied.files.push(file),
            Err(error) => {
                applied.failure = Some((step.key().to_string(), error.to_string()));
                applied.not_done = steps[index..].iter().map(|s| s.key().to_string()).collect();
                break;
            }
        }
    }
    applied
}

/// `/key` paths (encoded as CloudFront requires), or `/*` when there are
/// more than CloudFront takes at once.
pub fn invalidation_paths<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<String> {
    let paths: Vec<String> = keys.map(cloudfront::key_path).collect();
    if paths.len() > cloudfront::MAX_PATHS
        || paths.iter().filter(|p| p.contains('*')).count() > cloudfront::MAX_WILDCARDS
    {
        vec!["/*".to_string()]
    } else {
        paths
    }
}

async fn invalidate(
    clients: &Clients,
    distribution: &str,
    entry: &Entry,
    args: &RollbackSettings,
) -> Result<Invalidation> {
    let paths = invalidation_paths(entry.files.iter().map(|f| f.key.as_str()));
    let reference = caller_reference(entry, &paths);
    let invalidation =
        cloudfront::create_invalidation(clients, distribution, &paths, &reference, 6).await?;
    let Some(wait) = args.wait else {
        return Ok(invalidation);
    };
    let (seen, _) = cloudfront::wait_for(clients, distribution, &invalidation.id, wait).await?;
    Ok(seen)
}
