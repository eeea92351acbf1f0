//! What a snapshot reads from AWS: the settings of an environment's bucket,
//! distribution, Lambda functions, DynamoDB tables, secrets (never a
//! value), alarms and log groups, as they are written in the journal.

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// What a snapshot read from AWS about an environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// The deploy bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<BucketState>,
    /// The distribution in front of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<DistributionState>,
    /// The environment's declared Lambda functions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<FunctionState>,
    /// The environment's declared DynamoDB tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableState>,
    /// The environment's declared secrets (never their values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretState>,
    /// The declared CloudWatch alarms (snapshots of the release environment).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<AlarmState>,
    /// The declared log groups (snapshots of the release environment).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_groups: Vec<LogGroupState>,
}

/// A bucket's settings as read from S3.
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

/// A distribution's settings as read from CloudFront.
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheBehaviorState {
    /// Path pattern (`*` for the default behaviour).
    pub path: String,
    /// Cache policy name (or ID when the name could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_policy: Option<String>,
    /// Minimum TTL, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ttl: Option<u64>,
    /// Default TTL, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_ttl: Option<u64>,
    /// Maximum TTL, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ttl: Option<u64>,
}

/// A Lambda function as GetFunctionConfiguration, ListVersionsByFunction
/// and ListAliases describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionState {
    /// Function name.
    pub name: String,
    /// Runtime identifier (`python3.13`, `nodejs20.x`); absent for container images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Memory, MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u64>,
    /// Timeout, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<u64>,
    /// Handler (`app.handler`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// Instruction set (`x86_64`, `arm64`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// SHA-256 of the `$LATEST` code package, base64 as Lambda gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_sha256: Option<String>,
    /// When the function was last changed, as Lambda wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The highest published version (absent when none was published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_version: Option<String>,
    /// Aliases, by name, with the version each points to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<AliasState>,
}

/// A Lambda alias and the version it points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliasState {
    /// Alias name (`live`).
    pub name: String,
    /// The version it points to (`3`).
    pub version: String,
}

/// A DynamoDB table as DescribeTable, DescribeContinuousBackups and
/// DescribeTimeToLive describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableState {
    /// Table name.
    pub name: String,
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<String>,
    /// Point-in-time recovery enabled.
    #[serde(default)]
    pub pitr: bool,
    /// Time to live status (`ENABLED`, `DISABLED`, `ENABLING`, `DISABLING`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// The TTL attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_attribute: Option<String>,
    /// Global secondary index names, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gsis: Vec<String>,
    /// `STANDARD` or `STANDARD_INFREQUENT_ACCESS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_class: Option<String>,
    /// The stream's view type when a stream is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
}

/// A secret as DescribeSecret describes it. Its value is never read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretState {
    /// The secret ID as declared.
    pub id: String,
    /// Automatic rotation enabled.
    #[serde(default)]
    pub rotation: bool,
    /// Rotation interval, days (`AutomaticallyAfterDays`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_days: Option<u64>,
    /// Rotation schedule expression (`rate(30 days)`, `cron(...)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_schedule: Option<String>,
    /// Last rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<Timestamp>,
    /// Last change (of the value or the settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed: Option<Timestamp>,
    /// The version ID that holds `AWSCURRENT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
}

/// A CloudWatch alarm as DescribeAlarms describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmState {
    /// Alarm name.
    pub name: String,
    /// Metric namespace (`AWS/Lambda`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Metric name (`Errors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// Statistic (`Sum`, `Average`, or an extended one such as `p99`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// Comparison operator (`GreaterThanThreshold`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<String>,
    /// Threshold, as a decimal string (`5`, `0.5`): the journal holds no
    /// floats, whose text would make the hash depend on a printer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<String>,
    /// Period, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u64>,
    /// Evaluation periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_periods: Option<u64>,
    /// Metric unit, when the alarm names one (`Milliseconds`, `Percent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA` when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// A log group as DescribeLogGroups describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroupState {
    /// Log group name.
    pub name: String,
    /// Retention, days; absent when events never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u64>,
}
