//! CloudFront calls: look up, create and wait for invalidations; read a
//! distribution's domain, origin, status and cache behaviours.

use std::time::Duration;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use backon::{ExponentialBuilder, Retryable};

use aws_sdk_cloudfront::types::{DistributionConfig, InvalidationBatch, Paths};

use super::{CacheBehaviorState, DistributionState, is_completed};
use crate::aws::{AwsError, Clients, classify, timestamp};
use crate::journal::Invalidation;
use crate::timestamp::Timestamp;

/// CloudFront's limit on paths in one invalidation.
pub const MAX_PATHS: usize = 3000;
/// CloudFront's limit on wildcard paths in progress at once.
pub const MAX_WILDCARDS: usize = 15;

/// What CloudFront wants percent-encoded in an invalidation path: control
/// characters, the space and RFC 1738's unsafe characters (non-ASCII bytes
/// always are); nothing else, or the old copies are not invalidated.
const UNSAFE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'~');

/// The invalidation path of an S3 key, encoded as CloudFront requires (a
/// `%` in the key is itself encoded: the key is raw, not a URL).
pub fn key_path(key: &str) -> String {
    const RAW: &AsciiSet = &UNSAFE.add(b'%');
    format!("/{}", utf8_percent_encode(key, RAW))
}

/// Normalises paths (a leading `/`, unsafe characters percent-encoded; a
/// `%` is left as written, taken as already encoding) and refuses batches CloudFront would
/// refuse, before any call is made.
pub fn check_paths(paths: &[String]) -> Result<Vec<String>, AwsError> {
    if paths.is_empty() {
        return Err(AwsError::Refused(
            "--invalidate needs at least one path".into(),
        ));
    }
    let normalised: Vec<String> = paths
        .iter()
        .map(|p| {
            let encoded = utf8_percent_encode(p, UNSAFE).to_string();
            if encoded.starts_with('/') {
                encoded
            } else {
                format!("/{encoded}")
            }
        })
        .collect();
    if normalised.len() > MAX_PATHS {
        return Err(AwsError::Refused(format!(
            "{} paths to invalidate: CloudFront takes at most {MAX_PATHS} in one invalidation; \
             invalidate a wildcard such as \"/assets/*\" instead",
            normalised.len()
        )));
    }
    let wildcards = normalised.iter().filter(|p| p.contains('*')).count();
    if wildcards > MAX_WILDCARDS {
        return Err(AwsError::Refused(format!(
            "{wildcards} wildcard paths to invalidate: CloudFront allows at most {MAX_WILDCARDS} in progress; \
             merge them into fewer wildcards"
        )));
    }
    Ok(normalised)
}

fn convert(
    distribution: &str,
    invalidation: &aws_sdk_cloudfront::types::Invalidation,
) -> Invalidation {
    let paths = invalidation
        .invalidation_batch()
        .and_then(|b| b.paths())
        .map(|p| p.items().to_vec())
        .unwrap_or_default();
    let status = invalidation.status().to_string();
    Invalidation {
        id: invalidation.id().to_string(),
        distribution: Some(distribution.to_string()),
        completed_seen_at: is_completed(&status).then(Timestamp::now),
        status: Some(status),
        created_at: timestamp(invalidation.create_time()),
        paths,
    }
}

/// Looks up an invalidation by ID.
pub async fn get_invalidation(
    clients: &Clients,
    distribution: &str,
    id: &str,
) -> Result<Invalidation, AwsError> {
    let output = clients
        .cloudfront
        .get_invalidation()
        .distribution_id(distribution)
        .id(id)
        .send()
        .await
        .map_err(|e| {
            match classify(
                e,
                clients.site("cloudfront:GetInvalidation", format!("invalidation {id} of distribution {distribution}")),
            ) {
                AwsError::NotFound { what, operation, .. } => AwsError::NotFound {
                    what,
                    operation,
                    hint: "check the invalidation ID and the environment's `distribution` in ledger.toml".into(),
                },
                other => other,
            }
        })?;
    output
        .invalidation()
        .map(|i| convert(distribution, i))
        .ok_or_else(|| AwsError::Refused(format!("CloudFront returned no invalidation for {id}")))
}

/// Creates an invalidation. `caller_reference` makes it idempotent: a retry
/// with the same reference and paths returns the same invalidation.
/// `TooManyInvalidationsInProgress` is retried with backoff, up to `attempts`.
pub async fn create_invalidation(
    clients: &Clients,
    distribution: &str,
    paths: &[String],
    caller_reference: &str,
    attempts: u32,
) -> Result<Invalidation, AwsError> {
    let batch = InvalidationBatch::builder()
        .caller_reference(caller_reference)
        .paths(
            Paths::builder()
                .quantity(paths.len() as i32)
                .set_items(Some(paths.to_vec()))
                .build()
                .map_err(|e| AwsError::Refused(format!("invalid invalidation paths: {e}")))?,
        )
        .build()
        .map_err(|e| AwsError::Refused(format!("invalid invalidation batch: {e}")))?;
    let create = || async {
        let output = (clients.cloudfront.create_invalidation())
            .distribution_id(distribution)
            .invalidation_batch(batch.clone())
            .send()
            .await
            .map_err(|e| {
                let site = clients.site(
                    "cloudfront:CreateInvalidation",
                    format!("distribution {distribution}"),
                );
                classify(e, site)
            })?;
        (output.invalidation())
            .map(|i| convert(distribution, i))
            .ok_or_else(|| AwsError::Refused("CloudFront returned no invalidation".into()))
    };
    let policy = ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(2))
        .with_max_delay(Duration::from_secs(60))
        .with_max_times(attempts.saturating_sub(1) as usize);
    (create.retry(policy))
        .sleep(tokio::time::sleep)
        .when(|error| matches!(error, AwsError::Throttled { code, .. } if code == "TooManyInvalidationsInProgress"))
        .await
}

/// Polls an invalidation until it completes or `timeout` passes, backing off
/// from one second to thirty. Returns it as last seen; `completed_seen_at`
/// is when it was first seen completed.
pub async fn wait_for(
    clients: &Clients,
    distribution: &str,
    id: &str,
    timeout: Duration,
) -> Result<(Invalidation, bool), AwsError> {
    let poll = || async {
        let invalidation = get_invalidation(clients, distribution, id).await?;
        match invalidation.status.as_deref().is_some_and(is_completed) {
            true => Ok(invalidation),
            false => Err(Polled::InProgress(invalidation)),
        }
    };
    // Polls while the waits so far and the next stay within `timeout`.
    let policy = ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(30))
        .with_total_delay(Some(timeout))
        .without_max_times();
    let polled = (poll.retry(policy))
        .sleep(tokio::time::sleep)
        .when(|polled| matches!(polled, Polled::InProgress(_)))
        .await;
    match polled {
        Ok(invalidation) => Ok((invalidation, true)),
        Err(Polled::InProgress(invalidation)) => Ok((invalidation, false)),
        Err(Polled::Failed(e)) => Err(e),
    }
}

/// A look at an invalidation that did not find it completed.
enum Polled {
    /// Not completed yet: as seen.
    InProgress(Invalidation),
    /// It could not be read.
    Failed(AwsError),
}

impl From<AwsError> for Polled {
    fn from(e: AwsError) -> Polled {
        Polled::Failed(e)
    }
}

/// Reads a distribution's domain, first origin, status and cache behaviours.
/// The legacy per-behaviour TTLs are read where set (distributions made
/// before cache policies); a cache policy's TTLs fill in the rest.
#[allow(deprecated)]
pub async fn distribution(clients: &Clients, id: &str) -> Result<DistributionState, AwsError> {
    let output = clients
        .cloudfront
        .get_distribution()
        .id(id)
        .send()
        .await
        .map_err(|e| {
            classify(
                e,
                clients.site("cloudfront:GetDistribution", format!("distribution {id}")),
            )
        })?;
    let Some(distribution) = output.distribution() else {
        return Err(AwsError::Refused(format!(
            "CloudFront returned no distribution for {id}"
        )));
    };
    let config = distribution.distribution_config();
    let aliases = config
        .and_then(|c| c.aliases())
        .map(|a| a.items().to_vec())
        .unwrap_or_default();
    let origin = config
        .and_then(|c| c.origins())
        .and_then(|o| o.items().first())
        .map(|o| o.domain_name().to_string());
    let mut behaviors = config.map(behaviors_of).unwrap_or_default();
    for behavior in &mut behaviors {
        with_cache_policy(clients, behavior).await;
    }
    Ok(DistributionState {
        id: id.to_string(),
        domain: distribution.domain_name().to_string(),
        aliases,
        origin,
        status: distribution.status().to_string(),
        behaviors,
    })
}

/// A TTL as the API gives it, when it is one.
fn ttl(value: Option<i64>) -> Option<u64> {
    value.and_then(|v| u64::try_from(v).ok())
}

/// The default behaviour (as `*`) and the others, with their legacy TTLs.
#[allow(deprecated)]
fn behaviors_of(config: &DistributionConfig) -> Vec<CacheBehaviorState> {
    let policy = |id: Option<&str>| id.filter(|p| !p.is_empty()).map(String::from);
    let mut behaviors = Vec::new();
    if let Some(default) = config.default_cache_behavior() {
        behaviors.push(CacheBehaviorState {
            path: "*".into(),
            cache_policy: policy(default.cache_policy_id()),
            min_ttl: ttl(default.min_ttl()),
            default_ttl: ttl(default.default_ttl()),
            max_ttl: ttl(default.max_ttl()),
        });
    }
    for behavior in config.cache_behaviors().map_or(&[][..], |b| b.items()) {
        behaviors.push(CacheBehaviorState {
            path: behavior.path_pattern().to_string(),
            cache_policy: policy(behavior.cache_policy_id()),
            min_ttl: ttl(behavior.min_ttl()),
            default_ttl: ttl(behavior.default_ttl()),
            max_ttl: ttl(behavior.max_ttl()),
        });
    }
    behaviors
}

/// A behaviour's cache policy by name, its TTLs filling those the
/// behaviour does not set (a policy that cannot be read leaves it as is).
async fn with_cache_policy(clients: &Clients, behavior: &mut CacheBehaviorState) {
    let Some(policy_id) = behavior.cache_policy.clone() else {
        return;
    };
    let read = clients
        .cloudfront
        .get_cache_policy()
        .id(&policy_id)
        .send()
        .await;
    let Some(config) = (read.ok())
        .as_ref()
        .and_then(|p| p.cache_policy())
        .and_then(|p| p.cache_policy_config())
        .cloned()
    else {
        return;
    };
    behavior.cache_policy = Some(config.name().to_string());
    behavior.default_ttl = behavior.default_ttl.or(ttl(config.default_ttl()));
    behavior.min_ttl = behavior.min_ttl.or(u64::try_from(config.min_ttl()).ok());
    behavior.max_ttl = behavior.max_ttl.or(ttl(config.max_ttl()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded_as_cloudfront_requires() {
        assert_eq!(key_path("docs/user guide.pdf"), "/docs/user%20guide.pdf");
        assert_eq!(key_path("a/ü~[1]%.js"), "/a/%C3%BC%7E%5B1%5D%25.js");
        assert_eq!(
            key_path("assets/app-1.2+x_(y)!.js"),
            "/assets/app-1.2+x_(y)!.js"
        );
        assert_eq!(
            check_paths(&["docs/user guide.pdf".into(), "/a%20b/*".into()]).unwrap(),
            ["/docs/user%20guide.pdf", "/a%20b/*"]
        );
    }

    #[test]
    fn paths_are_normalised_and_limits_enforced() {
        assert_eq!(
            check_paths(&["index.html".into(), "/*".into()]).unwrap(),
            ["/index.html", "/*"]
        );
        let many: Vec<String> = (0..3001).map(|i| format!("/f{i}")).collect();
        assert!(
            check_paths(&many)
                .unwrap_err()
                .to_string()
                .contains("3001 paths")
        );
        let wild: Vec<String> = (0..16).map(|i| format!("/d{i}/*")).collect();
        assert!(
            check_paths(&wild)
                .unwrap_err()
                .to_string()
                .contains("16 wildcard")
        );
        assert!(check_paths(&[]).is_err());
    }
}
