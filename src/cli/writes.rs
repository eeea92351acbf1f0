//! The flags of the commands that append to the journal or change what
//! AWS serves: record, snapshot, rollback, reconcile, void, lock, unlock, import, and
//! the team's sync, store and resolve.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use clap_complete::ArgValueCompleter;

use super::{AwsArgs, OutputFormat, one_line};
use crate::complete;

use crate::timestamp::Timestamp;

/// `ledger record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Environment deployed to (declared in ledger.toml).
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: String,
    /// Version name: letters, digits and `.-_+` [default: the tag on the commit].
    #[arg(long, value_parser = super::version_name, value_name = "V")]
    pub version: Option<String>,
    /// The commit deployed (stored as its full SHA).
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub commit: String,
    /// Start of the commit range [default: the previous deploy of the environment; for a
    /// first deploy, the nearest earlier tag].
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Who deployed [default: $LEDGER_DEPLOYED_BY, $GITHUB_ACTOR, $GITLAB_USER_LOGIN, then
    /// git's user.name as `git config user.name` reads it, $GIT_CONFIG_GLOBAL included].
    #[arg(long, value_parser = one_line, value_name = "NAME")]
    pub by: Option<String>,
    /// When the artefacts were built (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub build_time: Option<crate::timestamp::WrittenTime>,
    /// When the deploy happened (RFC 3339, `YYYY-MM-DD HH:MM[:SS]`, or `now`; stored in UTC).
    #[arg(long, value_name = "TIME")]
    pub at: Option<Timestamp>,
    /// A change line (repeatable); replaces the lines derived from commits.
    #[arg(long = "change", value_parser = one_line, value_name = "TEXT")]
    pub changes: Vec<String>,
    /// ID of the CloudFront invalidation made for this deploy.
    #[arg(long, value_name = "ID")]
    pub invalidation: Option<String>,
    /// Create a CloudFront invalidation of these paths on the environment's distribution
    /// (repeatable; at most 3000 paths and 15 wildcards). A retried record reuses it.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub invalidate: Vec<String>,
    /// Wait until the invalidation completes (polling with backoff) and record when it did.
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds and record the status then.
    #[arg(long, value_name = "SECS", default_value_t = 900)]
    pub wait_timeout: u64,
    /// Record even when nothing changed in S3 and the commit is the one deployed last.
    #[arg(long)]
    pub allow_empty: bool,
    /// Record only what git and the flags give; do not read S3 or CloudFront. The entry is
    /// marked as carrying no object state: `live`, `history`, `verify --aws` and `rollback`
    /// use the environment's last entry that read S3, and say so.
    #[arg(long)]
    pub no_aws: bool,
    /// Record a deploy of a version already recorded for the environment (a redeploy). Without
    /// it such a record is refused; a redeploy is shown as such and never makes a second
    /// release in the changelog.
    #[arg(long)]
    pub redeploy: bool,
    /// Show the entry that would be appended (files, changes, invalidation) and append
    /// nothing; no invalidation is created.
    #[arg(long)]
    pub dry_run: bool,
    /// Record even though the environment is locked (`ledger lock`); the entry notes it.
    #[arg(long)]
    pub force: bool,
    /// HeadObject calls in flight at once when reading metadata of changed objects.
    #[arg(long, value_name = "N", default_value_t = crate::services::s3::DEFAULT_HEAD_CONCURRENCY)]
    pub concurrency: usize,
    /// AWS connection options.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Versions per ListObjectVersions page (testing aid; S3's maximum is 1000).
    #[arg(long, value_name = "N", hide = true, env = "LEDGER_S3_PAGE_SIZE")]
    pub page_size: Option<i32>,
    /// Also print the new entry on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// `ledger snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Only this environment [default: all].
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: Option<String>,
    /// Record nothing: list the functions, tables, secrets, alarms and log
    /// groups of the account and region that ledger.toml does not declare
    /// yet, and print their declarations (needs --env).
    #[arg(long, requires = "env")]
    pub discover: bool,
    /// With --discover: only names that start with PREFIX (log groups also
    /// as /aws/lambda/PREFIX...).
    #[arg(long, value_name = "PREFIX", requires = "discover", default_value = "")]
    pub prefix: String,
    /// With --discover: append the declarations to ledger.toml (every line
    /// already there kept in place) instead of printing them.
    #[arg(long, requires = "discover")]
    pub write: bool,
    /// AWS connection options.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Also print the new entries on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// `ledger rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The environment to roll back.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: String,
    /// The entry whose live state to restore: `#SEQ`, a version, or a commit prefix.
    #[arg(long, value_name = "REF", add = ArgValueCompleter::new(complete::references))]
    pub to: String,
    /// Print the plan and the equivalent aws CLI commands; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Proceed even when S3 has drifted from the ledger (the plan then starts from S3's state)
    /// or the environment is locked (the entry notes it).
    #[arg(long)]
    pub force: bool,
    /// Lock the environment once it is rolled back, so that the next pipeline run does not
    /// undo the rollback (`ledger unlock` lifts it).
    #[arg(long)]
    pub lock: bool,
    /// With --lock: why [default: "rolled back to VERSION"].
    #[arg(long, value_parser = one_line, value_name = "TEXT", requires = "lock")]
    pub reason: Option<String>,
    /// Do not invalidate the changed paths on the environment's distribution.
    #[arg(long)]
    pub no_invalidate: bool,
    /// Wait for the invalidation to complete.
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 900)]
    pub wait_timeout: u64,
    /// Who rolls back [default: as for record].
    #[arg(long, value_parser = one_line, value_name = "NAME")]
    pub by: Option<String>,
    /// AWS connection options.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `ledger reconcile`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The environment to read and reconcile.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: String,
    /// Why (kept in the entry and shown in the document's history).
    #[arg(long, value_parser = one_line, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Who reconciles [default: as for record].
    #[arg(long, value_parser = one_line, value_name = "NAME")]
    pub by: Option<String>,
    /// Print the differences; append nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// AWS connection options.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Versions per ListObjectVersions page (testing aid; S3's maximum is 1000).
    #[arg(long, value_name = "N", hide = true, env = "LEDGER_S3_PAGE_SIZE")]
    pub page_size: Option<i32>,
    /// Also print the differences and the entry as JSON on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// `ledger checkpoint`.
#[derive(Debug, Args)]
pub struct CheckpointArgs {
    /// Write the checkpoint to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `ledger void`.
#[derive(Debug, Args)]
pub struct VoidArgs {
    /// The entry recorded in error: `#SEQ`, a version, or a commit prefix.
    #[arg(value_name = "REF", add = ArgValueCompleter::new(complete::references))]
    pub reference: String,
    /// Narrow REF to this environment.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: Option<String>,
    /// Why the entry is wrong (kept in the journal and shown in the document).
    #[arg(long, value_parser = one_line, value_name = "TEXT")]
    pub reason: String,
    /// Who corrects [default: as for record].
    #[arg(long, value_parser = one_line, value_name = "NAME")]
    pub by: Option<String>,
}

/// `ledger lock`.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// The environment to lock.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: String,
    /// Why (kept in the journal, shown by status, check and refusals).
    #[arg(long, value_parser = one_line, value_name = "TEXT")]
    pub reason: String,
    /// Who locks [default: as for record].
    #[arg(long, value_parser = one_line, value_name = "NAME")]
    pub by: Option<String>,
}

/// `ledger unlock`.
#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// The environment to unlock.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: String,
    /// Why it may deploy again (optional; kept in the journal).
    #[arg(long, value_parser = one_line, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Who unlocks [default: as for record].
    #[arg(long, value_parser = one_line, value_name = "NAME")]
    pub by: Option<String>,
}

/// `ledger sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The git remote.
    #[arg(long, value_name = "NAME", default_value = "origin")]
    pub remote: String,
    /// The branch that holds the shared journal [default: the current branch].
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Attempts when other writers push first (at least 1).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub attempts: u32,
}

/// `ledger store`.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// What to do with the store.
    #[command(subcommand)]
    pub action: StoreAction,
}

/// `ledger store` actions.
#[derive(Debug, Subcommand)]
pub enum StoreAction {
    /// Upload the local journal into the empty store of `[store] url`, once (refused when the
    /// store holds entries); afterwards every append goes to the store first.
    Push,
}

/// `ledger resolve`.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Run as git's merge driver: BASE OURS THEIRS (`%O %A %B`); the result goes to OURS.
    #[arg(long, num_args = 3, value_names = ["BASE", "OURS", "THEIRS"], hide = true)]
    pub merge_driver: Option<Vec<PathBuf>>,
}

/// `ledger import`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).multiple(true).args(["document", "changelog", "git_tags"])))]
pub struct ImportArgs {
    /// An AWS_VERSIONS.md document to import.
    #[arg(value_name = "DOC")]
    pub document: Option<PathBuf>,
    /// A CHANGELOG.md to import (Keep a Changelog and its common variants): each release
    /// becomes a `release` entry of the release environment with its notes as written.
    #[arg(long, value_name = "FILE")]
    pub changelog: Option<PathBuf>,
    /// Import release history from git tags.
    #[arg(long, conflicts_with_all = ["document", "changelog"])]
    pub git_tags: bool,
    /// With DOC: keep sections that cannot be parsed (a bad date or size, a missing cell)
    /// verbatim with a warning instead of failing.
    #[arg(long)]
    pub lenient: bool,
    /// Environment the releases were deployed to [default: `[changelog] release_env`].
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: Option<String>,
    /// Regular expression a tag name must match [default: SemVer with an optional `v`].
    #[arg(long, value_name = "REGEX")]
    pub tag_pattern: Option<String>,
    /// Add to a ledger that already has entries.
    #[arg(long)]
    pub append: bool,
    /// The largest file to read: bytes, or with a K, M or G suffix (binary) [default: 16M].
    #[arg(long, value_name = "SIZE", value_parser = byte_size, default_value = "16M", hide_default_value = true)]
    pub max_size: u64,
}

/// A size in bytes: digits, optionally followed by K, M or G (powers of 1024).
fn byte_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((at, 'K' | 'k')) => (&text[..at], 10),
        Some((at, 'M' | 'm')) => (&text[..at], 20),
        Some((at, 'G' | 'g')) => (&text[..at], 30),
        _ => (text, 0),
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size: write bytes, or 512K, 64M, 1G"))?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}
