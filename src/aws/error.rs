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
    #[error("the credentials from {source_label} were rejected on {operation} ({code}): {advice}")]
    BadCredentials {
        /// Where the credentials came from.
        source_label: String,
        /// The API call.
        operation: &'static str,
        /// AWS's error code.
        code: String,
        /// What the code means and what to do.
        advice: String,
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
    /// The call did not finish within its deadline (retries included).
    #[error(
        "{operation} on {resource} did not finish within {seconds} s (retries included): AWS or the \
         network is too slow or stalled; run it again, or allow longer with --timeout SECS"
    )]
    TimedOut {
        /// The API call.
        operation: &'static str,
        /// What it was called on.
        resource: String,
        /// The deadline.
        seconds: u64,
    },
    /// A request refused before any call was made.
    #[error("{0}")]
    Refused(String),
    /// A failure, with what it stopped.
    #[error("{context}")]
    Context {
        /// What could not be done.
        context: String,
        /// Why.
        #[source]
        source: Box<AwsError>,
    },
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

/// Who calls AWS and how long a call may take: what every call's error
/// message names. One per set of clients, shared by their calls.
#[derive(Debug)]
pub struct Session {
    /// The profile in use, for messages.
    pub profile_label: String,
    /// Where the credentials come from (the variables, or the profile), for messages.
    pub credentials_label: String,
    /// The deadline of one operation, retries included (`--timeout`).
    pub deadline: std::time::Duration,
    /// How the run speaks (`--verbose` shows each call and each failure's detail).
    pub ui: crate::ui::Ui,
}

/// What a failing call was: for messages.
pub struct CallSite {
    /// The API call ("s3:ListObjectVersions").
    pub operation: &'static str,
    /// What it was called on ("bucket/prefix").
    pub resource: String,
    session: std::sync::Arc<Session>,
}

impl CallSite {
    /// A call of `operation` on `resource` by `session`.
    pub fn new(
        session: &std::sync::Arc<Session>,
        operation: &'static str,
        resource: impl Into<String>,
    ) -> CallSite {
        CallSite {
            operation,
            resource: resource.into(),
            session: std::sync::Arc::clone(session),
        }
    }
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

/// An error and its causes as sentences, joined by `: `, each said once
/// (the SDK's wrappers repeat their source's text, and its debug form is
/// for `--verbose` only).
pub fn in_words(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(error) = current {
        let text = error.to_string();
        let text = text.trim();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(text)) {
            parts.push(text.to_string());
        }
        current = error.source();
    }
    parts.join(": ")
}

/// The default of `--timeout`, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 120;

/// Error codes of a service's own failure, worth a retry.
const SERVER_CODES: [&str; 7] = [
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
];

impl AwsError {
    /// Whether the same call may succeed if run again unchanged: a
    /// throttled, timed-out or unreachable call, or the service's own
    /// failure (5xx). Bad credentials, a denied call or a missing resource
    /// will fail again until someone acts.
    pub fn is_retryable(&self) -> bool {
        match self {
            AwsError::Throttled { .. }
            | AwsError::TimedOut { .. }
            | AwsError::Unreachable { .. } => true,
            AwsError::Service { code, .. } => {
                SERVER_CODES.contains(&code.as_str()) || code.starts_with("HTTP 5")
            }
            AwsError::Context { source, .. } => source.is_retryable(),
            _ => false,
        }
    }

    /// Whether a call that failed so may have been carried out all the
    /// same: it was sent and no answer came in time. (Throttling, a 5xx
    /// and a refused connection are answers, or nothing was sent.)
    pub fn outcome_unknown(&self) -> bool {
        match self {
            AwsError::TimedOut { .. } => true,
            AwsError::Context { source, .. } => source.outcome_unknown(),
            _ => false,
        }
    }

    /// This error as the cause of `context`.
    pub fn context(self, context: impl Into<String>) -> AwsError {
        AwsError::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }
}

/// A missing declared resource's error, pointing at its declaration in
/// ledger.toml (`declaration`: `[[environments.production.tables]]`).
pub fn declared_in(error: AwsError, declaration: &str) -> AwsError {
    match error {
        AwsError::NotFound {
            what, operation, ..
        } => AwsError::NotFound {
            what,
            operation,
            hint: format!(
                "check its name under `{declaration}` in ledger.toml, and the account and region \
                 (`ledger snapshot --discover` lists what exists)"
            ),
        },
        other => other,
    }
}

/// Classifies an SDK error for a call.
pub fn classify<E>(error: SdkError<E>, site: CallSite) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &error {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let replied = Replied {
                code: service.err().code().unwrap_or("").to_string(),
                message: service.err().message().unwrap_or("").to_string(),
                status,
            };
            classify_reply(replied, site, || in_words(&error))
        }
        SdkError::TimeoutError(_) => AwsError::TimedOut {
            operation: site.operation,
            resource: site.resource,
            seconds: site.session.deadline.as_secs(),
        },
        other => {
            crate::verbose!(
                site.session.ui,
                "aws: {} failed: {}",
                site.operation,
                DisplayErrorContext(other)
            );
            let detail = in_words(other);
            if detail.to_ascii_lowercase().contains("credential") {
                AwsError::NoCredentials {
                    profile: site.session.profile_label.clone(),
                }
            } else {
                AwsError::Unreachable {
                    operation: site.operation,
                    detail,
                }
            }
        }
    }
}

/// What a rejection of the credentials means, by AWS's code, and what to do.
fn credentials_advice(code: &str) -> &'static str {
    match code {
        "SignatureDoesNotMatch" => {
            "the secret access key does not match the access key ID: check the secret \
             (AWS_SECRET_ACCESS_KEY, or aws_secret_access_key of the profile)"
        }
        "InvalidAccessKeyId" | "InvalidClientTokenId" | "UnrecognizedClientException" => {
            "AWS knows no such access key ID (deleted, mistyped, or of another account or \
             partition): check it, or use another profile (--profile)"
        }
        _ => {
            "the session has expired: refresh it (`aws sso login`, or new temporary keys) or use \
             another profile (--profile)"
        }
    }
}

/// What a service replied: its error code and message, and the HTTP status.
struct Replied {
    code: String,
    message: String,
    status: u16,
}

/// A service's error reply in the words a user can act on; `in_words` is
/// the whole error, for a reply without a message.
fn classify_reply(reply: Replied, site: CallSite, in_words: impl FnOnce() -> String) -> AwsError {
    let Replied {
        code,
        message,
        status,
    } = reply;
    let CallSite {
        operation,
        resource,
        session,
    } = site;
    let profile = session.profile_label.clone();
    let denied = code == "AccessDenied" || code == "AccessDeniedException";
    let missing =
        code.starts_with("NoSuch") || code == "NotFound" || code == "ResourceNotFoundException";
    if CREDENTIAL_CODES.contains(&code.as_str()) {
        AwsError::BadCredentials {
            source_label: session.credentials_label.clone(),
            operation,
            advice: credentials_advice(&code).to_string(),
            code,
        }
    } else if denied || (code.is_empty() && status == 403) {
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
    } else if missing || status == 404 {
        AwsError::NotFound {
            what: resource,
            operation,
            hint: "check the ID, the account and the region".into(),
        }
    } else {
        let message = Some(message).filter(|m| !m.is_empty());
        AwsError::Service {
            operation,
            resource,
            code: Some(code)
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| format!("HTTP {status}")),
            message: message.unwrap_or_else(in_words),
        }
    }
}
