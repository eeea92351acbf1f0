//! AWS failures, classified into what a user can act on: credentials,
//! permissions, missing resources, reachability, throttling. Every message
//! names the API call and the resource, and says what to do.

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// What went wrong talking to AWS.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// No credentials could be found.
    #[error(
        "no AWS credentials found for {profile}: run `aws sso login` or `aws configure` for it, \
         pass --profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )]
    NoCredentials {
        /// The profile tried, for the message.
        profile: String,
    },
    /// Credentials were found but rejected (expired session, bad key).
    #[error(
        "AWS rejected the credentials of {profile} on {operation} ({code}): the session may have expired; \
         refresh it (`aws sso login`) or use another profile (--profile)"
    )]
    BadCredentials {
        /// The profile tried.
        profile: String,
        /// The API call.
        operation: &'static str,
        /// AWS's error code.
        code: String,
    },
    /// The caller may not do this.
    #[error(
        "access denied: {operation} on {resource} with {profile}: grant that permission to the identity, \
         or use another profile (--profile)"
    )]
    AccessDenied {
        /// The API call.
        operation: &'static str,
        /// What it was called on.
        resource: String,
        /// The profile used.
        profile: String,
    },
    /// The bucket does not exist.
    #[error(
        "bucket `{bucket}` does not exist ({operation}): check `bucket` of the environment in ledger.toml, \
         and the account and region you are using"
    )]
    NoSuchBucket {
        /// The bucket.
        bucket: String,
        /// The API call.
        operation: &'static str,
    },
    /// A named resource (distribution, invalidation, object version) does not exist.
    #[error("{what} does not exist ({operation}): {hint}")]
    NotFound {
        /// The resource.
        what: String,
        /// The API call.
        operation: &'static str,
        /// What to do.
        hint: String,
    },
    /// The endpoint could not be reached (or timed out).
    #[error(
        "cannot reach AWS for {operation} ({detail}): check the network, AWS_ENDPOINT_URL and the region"
    )]
    Unreachable {
        /// The API call.
        operation: &'static str,
        /// The underlying error.
        detail: String,
    },
    /// Still throttled after the bounded retries.
    #[error(
        "AWS kept throttling {operation} on {resource} after retries ({code}): wait a minute and run it again"
    )]
    Throttled {
        /// The API call.
        operation: &'static str,
        /// What it was called on.
        resource: String,
        /// AWS's error code.
        code: String,
    },
    /// A request refused before any call was made.
    #[error("{0}")]
    Refused(String),
    /// Any other service error.
    #[error("{operation} on {resource} failed: {code}: {message}")]
    Service {
        /// The API call.
        operation: &'static str,
        /// What it was called on.
        resource: String,
        /// AWS's error code.
        code: String,
        /// AWS's message.
        message: String,
    },
}

/// What a failing call was: for messages.
pub struct CallSite<'a> {
    /// The API call ("s3:ListObjectVersions").
    pub operation: &'static str,
    /// What it was called on ("bucket/prefix").
    pub resource: String,
    /// The profile in use, for messages.
    pub profile: &'a str,
}

const CREDENTIAL_CODES: [&str; 8] = [
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "TokenRefreshRequired",
    "InvalidToken",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
];

const THROTTLE_CODES: [&str; 6] = [
    "Throttling",
    "ThrottlingException",
    "SlowDown",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "TooManyInvalidationsInProgress",
];

/// Classifies an SDK error for a call.
pub fn classify<E>(error: SdkError<E>, site: CallSite<'_>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let CallSite {
        operation,
        resource,
        profile,
    } = site;
    let profile = profile.to_string();
    match &error {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("").to_string();
            let message = service.err().message().unwrap_or("").to_string();
            let status = service.raw().status().as_u16();
            if CREDENTIAL_CODES.contains(&code.as_str()) {
                AwsError::BadCredentials {
                    profile,
                    operation,
                    code,
                }
            } else if code == "AccessDenied"
                || code == "AccessDeniedException"
                || (code.is_empty() && status == 403)
            {
                AwsError::AccessDenied {
                    operation,
                    resource,
                    profile,
                }
            } else if code == "NoSuchBucket" {
                AwsError::NoSuchBucket {
                    bucket: resource.split('/').next().unwrap_or(&resource).to_string(),
                    operation,
                }
            } else if THROTTLE_CODES.contains(&code.as_str()) || status == 429 {
                AwsError::Throttled {
                    operation,
                    resource,
                    code,
                }
            } else if code.starts_with("NoSuch") || code == "NotFound" || status == 404 {
                AwsError::NotFound {
                    what: resource,
                    operation,
                    hint: "check the ID, the account and the region".into(),
                }
            } else {
                AwsError::Service {
                    operation,
                    resource,
                    code: if code.is_empty() {
                        format!("HTTP {status}")
                    } else {
                        code
                    },
                    message: if message.is_empty() {
                        DisplayErrorContext(&error).to_string()
                    } else {
                        message
                    },
                }
            }
        }
        other => {
            let detail = DisplayErrorContext(other).to_string();
            let lowered = detail.to_ascii_lowercase();
            if lowered.contains("credential") {
                AwsError::NoCredentials { profile }
            } else {
                AwsError::Unreachable { operation, detail }
            }
        }
    }
}
