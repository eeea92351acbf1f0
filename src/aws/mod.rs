//! AWS access: the configuration every client shares, following the AWS
//! conventions (profiles, regions, `AWS_ENDPOINT_URL`, the default
//! credential chain, bounded retries, timeouts), S3's and CloudFront's
//! clients (the S3 store and invalidations need them), classifying
//! failures, and logging calls with `--verbose`. Each other service builds
//! its own client in its room (`services`) through [`Clients::client`],
//! and makes its own calls there; S3's, shared by its room and the S3
//! store, and the store's own, are here. No journal, no printing.

mod call_log;
mod waiting;

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
pub mod error;
pub mod s3;
pub mod store;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::config::Region;

pub use call_log::CallLog;
pub use error::{AwsError, CallSite, Session, classify};

use crate::config::Environment;

/// Where and as whom to talk to AWS, resolved from flags, environment
/// variables and `ledger.toml`.
#[derive(Debug, Clone, Default)]
pub struct AwsTarget {
    /// `--profile`, winning over everything.
    pub profile_flag: Option<String>,
    /// `--region`, winning over everything.
    pub region_flag: Option<String>,
    /// The environment's `profile` in ledger.toml (used when neither the
    /// flag nor `AWS_PROFILE` is set).
    pub env_profile: Option<String>,
    /// The environment's `region` in ledger.toml.
    pub env_region: Option<String>,
}

impl AwsTarget {
    /// A target for an environment, with command-line overrides.
    pub fn for_environment(
        env: &Environment,
        profile_flag: Option<String>,
        region_flag: Option<String>,
    ) -> Self {
        AwsTarget {
            profile_flag,
            region_flag,
            env_profile: env.profile.clone(),
            env_region: env.region.clone(),
        }
    }

    /// The profile to select explicitly, if any: `--profile`, else the
    /// environment's when `AWS_PROFILE` is not set.
    fn chosen_profile(&self) -> Option<String> {
        self.profile_flag.clone().or_else(|| {
            if std::env::var_os("AWS_PROFILE").is_some_and(|v| !v.is_empty()) {
                None
            } else {
                self.env_profile.clone()
            }
        })
    }

    /// Where the credentials come from, in messages: the SDK's chain takes
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` before any profile.
    pub fn credentials_label(&self) -> String {
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        match (set("AWS_ACCESS_KEY_ID"), set("AWS_SECRET_ACCESS_KEY")) {
            (Some(id), Some(_)) => format!(
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (key {})",
                key_id_hint(&id)
            ),
            _ => self.profile_label(),
        }
    }

    /// How the profile is named in messages.
    pub fn profile_label(&self) -> String {
        match self.chosen_profile() {
            Some(p) => format!("profile `{p}`"),
            None => match std::env::var("AWS_PROFILE") {
                Ok(p) if !p.is_empty() => format!("profile `{p}` (AWS_PROFILE)"),
                _ => "the default credential chain".to_string(),
            },
        }
    }
}

/// An access key ID as messages show it: its first four and last four
/// characters (enough to tell keys apart, not to use one).
fn key_id_hint(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return id.to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// Clients for one environment.
#[derive(Clone)]
pub struct Clients {
    /// S3.
    pub s3: aws_sdk_s3::Client,
    /// CloudFront.
    pub cloudfront: aws_sdk_cloudfront::Client,
    /// What every client shares: region, credentials, retries, timeouts.
    shared: SdkConfig,
    /// The interceptor that logs each call under --verbose.
    log: CallLog,
    /// The other services' clients, each built on first use by its room
    /// (shared by the clones of these clients).
    built: Arc<Mutex<HashMap<TypeId, Box<dyn Any + Send + Sync>>>>,
    /// Who calls and with what deadline, for messages.
    pub session: std::sync::Arc<Session>,
}

impl Clients {
    /// A service's client, built once from the shared configuration (its
    /// region, credentials, retries and timeouts) with the call log, by
    /// `build` (the service's room knows its SDK; this room does not).
    pub fn client<C: Clone + Send + Sync + 'static>(
        &self,
        build: fn(&SdkConfig, CallLog) -> C,
    ) -> C {
        let mut built = self
            .built
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let held = built
            .entry(TypeId::of::<C>())
            .or_insert_with(|| Box::new(build(&self.shared, self.log.clone())));
        match held.downcast_ref::<C>() {
            Some(client) => client.clone(),
            None => build(&self.shared, self.log.clone()),
        }
    }

    /// A call of `operation` on `resource` by these clients, for [`classify`].
    pub fn site(&self, operation: &'static str, resource: impl Into<String>) -> CallSite {
        CallSite::new(&self.session, operation, resource)
    }
}

/// How AWS is called, resolved from the command line: retries and deadline.
#[derive(Debug, Clone, Copy)]
pub struct CallPolicy {
    /// Attempts per call, throttling included (`--max-attempts`).
    pub max_attempts: u32,
    /// The deadline of one operation, retries included (`--timeout`).
    pub deadline: Duration,
}

impl Default for CallPolicy {
    fn default() -> Self {
        CallPolicy {
            max_attempts: 5,
            deadline: Duration::from_secs(error::DEFAULT_TIMEOUT_SECS),
        }
    }
}

/// The custom endpoint in force for a service, if any.
fn endpoint_override(service_variable: &str) -> Option<String> {
    [service_variable, "AWS_ENDPOINT_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
}

/// Builds the clients. Retries use the SDK's standard policy, bounded to
/// `max_attempts` (throttling included); connection and per-call timeouts
/// keep an unreachable endpoint from hanging a deploy.
pub async fn connect(target: &AwsTarget, policy: CallPolicy, ui: crate::ui::Ui) -> Clients {
    let deadline = policy.deadline.max(Duration::from_secs(1));
    let shared = shared_config(target, policy.max_attempts, deadline).await;
    let log = call_log::CallLog::new(ui);
    let mut s3 = aws_sdk_s3::config::Builder::from(&shared).interceptor(log.clone());
    if shared.endpoint_url().is_some() || endpoint_override("AWS_ENDPOINT_URL_S3").is_some() {
        // Emulators and S3-compatible stores want path-style addressing.
        s3 = s3.force_path_style(true);
    }
    // CloudFront is global: its API lives in us-east-1 whatever the bucket's region.
    let cloudfront = aws_sdk_cloudfront::config::Builder::from(&shared)
        .region(Region::new("us-east-1"))
        .interceptor(log.clone());
    Clients {
        s3: aws_sdk_s3::Client::from_conf(s3.build()),
        cloudfront: aws_sdk_cloudfront::Client::from_conf(cloudfront.build()),
        shared,
        log,
        built: Arc::new(Mutex::new(HashMap::new())),
        session: std::sync::Arc::new(Session {
            profile_label: target.profile_label(),
            credentials_label: target.credentials_label(),
            deadline,
            ui,
        }),
    }
}

/// The configuration every client shares: the region and profile chosen,
/// the SDK's standard retries bounded to `max_attempts` (throttling
/// included), and connection and per-call timeouts that keep an unreachable
/// endpoint from hanging a deploy.
async fn shared_config(target: &AwsTarget, max_attempts: u32, deadline: Duration) -> SdkConfig {
    // Without --region or the environment's region, the loader's default
    // chain (environment, profile, instance metadata) runs with our HTTPS
    // client, and us-east-1 is the last resort below.
    let explicit = target.region_flag.clone().or(target.env_region.clone());
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .retry_config(RetryConfig::standard().with_max_attempts(max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(deadline.min(Duration::from_secs(60)))
                .operation_timeout(deadline)
                .build(),
        );
    if let Some(region) = explicit {
        loader = loader.region(Region::new(region));
    }
    if let Some(profile) = target.chosen_profile() {
        loader = loader.profile_name(profile);
    }
    let shared = loader.load().await;
    if shared.region().is_some() {
        return shared;
    }
    shared
        .into_builder()
        .region(Region::new("us-east-1"))
        .build()
}

/// The HTTPS client of every AWS call: hyper with rustls on ring (the SDK's
/// default uses aws-lc-sys, a native build of minutes; see Cargo.toml).
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Converts an SDK timestamp.
pub(crate) fn timestamp(
    value: &aws_sdk_s3::primitives::DateTime,
) -> Option<crate::timestamp::Timestamp> {
    chrono::DateTime::from_timestamp(value.secs(), value.subsec_nanos())
        .map(crate::timestamp::Timestamp::At)
}
