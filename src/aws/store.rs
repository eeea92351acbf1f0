//! S3 calls of the shared entry store: conditional writes, reads, listings
//! and the bucket's Object Lock setting. Nothing else.

use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::primitives::ByteStream;

use super::{AwsError, Clients, classify};

/// Writes `body` at `key` only if no object is there (`If-None-Match: *`).
/// `Ok(false)` when one is: S3 answered 412 Precondition Failed.
pub async fn put_if_absent(
    clients: &Clients,
    bucket: &str,
    key: &str,
    body: &[u8],
) -> Result<bool, AwsError> {
    let result = clients
        .s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .if_none_match("*")
        .content_type("application/toml")
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(SdkError::ServiceError(e)) if matches!(e.raw().status().as_u16(), 412 | 409) => {
            Ok(false)
        }
        Err(e) => Err(classify(
            e,
            clients.site("s3:PutObject", format!("{bucket}/{key}")),
        )),
    }
}

/// The object at `key`, or `None` when there is none.
pub async fn get(clients: &Clients, bucket: &str, key: &str) -> Result<Option<Vec<u8>>, AwsError> {
    match clients.s3.get_object().bucket(bucket).key(key).send().await {
        Ok(output) => {
            let bytes = output.body.collect().await.map_err(|e| AwsError::Service {
                operation: "s3:GetObject",
                resource: format!("{bucket}/{key}"),
                code: "body".into(),
                message: e.to_string(),
            })?;
            Ok(Some(bytes.into_bytes().to_vec()))
        }
        Err(e) => match classify(e, clients.site("s3:GetObject", format!("{bucket}/{key}"))) {
            AwsError::NotFound { .. } => Ok(None),
            other => Err(other),
        },
    }
}

/// Every key under `prefix` after `start_after`, in key order (all pages).
pub async fn list_keys(
    clients: &Clients,
    bucket: &str,
    prefix: &str,
    start_after: Option<&str>,
) -> Result<Vec<String>, AwsError> {
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = clients.s3.list_objects_v2().bucket(bucket).prefix(prefix);
        if let Some(after) = start_after {
            request = request.start_after(after);
        }
        if let Some(token) = &token {
            request = request.continuation_token(token);
        }
        let page = request.send().await.map_err(|e| {
            classify(
                e,
                clients.site("s3:ListObjectsV2", format!("{bucket}/{prefix}")),
            )
        })?;
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(String::from)),
        );
        match page.next_continuation_token() {
            Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(keys)
}

/// Deletes the object at `key` (a probe).
pub async fn delete(clients: &Clients, bucket: &str, key: &str) -> Result<(), AwsError> {
    clients
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
    Ok(())
}

/// The bucket's Object Lock default retention, in words (`COMPLIANCE, 30
/// days`), `Some("enabled, no default retention")`, or `None` when the bucket
/// has no Object Lock.
pub async fn object_lock(clients: &Clients, bucket: &str) -> Result<Option<String>, AwsError> {
    match clients
        .s3
        .get_object_lock_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(output) => {
            let Some(config) = output.object_lock_configuration() else {
                return Ok(None);
            };
            let retention = config.rule().and_then(|r| r.default_retention());
            Ok(Some(match retention {
                Some(r) => {
                    let mode = r.mode().map(|m| m.as_str().to_string()).unwrap_or_default();
                    let span = match (r.days(), r.years()) {
                        (Some(d), _) => format!("{d} day(s)"),
                        (_, Some(y)) => format!("{y} year(s)"),
                        _ => "no period".into(),
                    };
                    format!("{mode}, {span}")
                }
                None => "enabled, no default retention".into(),
            }))
        }
        Err(e) => match classify(
            e,
            clients.site("s3:GetObjectLockConfiguration", bucket.to_string()),
        ) {
            AwsError::NotFound { .. } => Ok(None),
            AwsError::Service { code, .. } if code.contains("ObjectLockConfigurationNotFound") => {
                Ok(None)
            }
            other => Err(other),
        },
    }
}
