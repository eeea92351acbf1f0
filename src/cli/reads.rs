//! The flags of the commands that read the ledger: log, show, verify,
//! live, history, diff, status, check, render, and the man page and
//! completions.

use std::path::PathBuf;

use clap::Args;
use clap_complete::ArgValueCompleter;

use super::{AwsArgs, DocumentFormat, LogFormat, OutputFormat, Shell};
use crate::complete;
use crate::journal::EntryKind;
use crate::timestamp::Timestamp;

/// `ledger man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (`record`, `live`, `store push`...).
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `ledger completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `ledger log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this environment.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: Option<String>,
    /// Only the newest N entries (after the other filters; 0 lists none).
    #[arg(long, short = 'n', value_name = "N")]
    pub max_count: Option<usize>,
    /// Only entries deployed at or after WHEN: a time as `--at` takes it, or
    /// an age such as `90d`, `12h`, `2w`.
    #[arg(long, value_name = "WHEN", value_parser = Since::parse)]
    pub since: Option<Timestamp>,
    /// Only entries deployed at or before WHEN (a bare date includes that
    /// whole day); the same forms as `--since`.
    #[arg(long, value_name = "WHEN", value_parser = Since::parse)]
    pub until: Option<Timestamp>,
    /// Only entries whose Deployed By contains NAME (ignoring case), as
    /// `git log --author` matches.
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// Only entries of these kinds (repeat, or separate with commas).
    #[arg(long, value_name = "KIND", value_delimiter = ',', value_parser = kind_names())]
    pub kind: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub format: LogFormat,
}

/// The names `--kind` accepts.
fn kind_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(EntryKind::ALL.map(|k| k.as_str()))
}

/// Parses `--since`/`--until`: a time, or an age counted back from now.
struct Since;

impl Since {
    fn parse(text: &str) -> Result<Timestamp, String> {
        Timestamp::parse_user_or_age(text).map_err(|e| e.to_string())
    }
}

/// `ledger show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// `#SEQ`, a version, or a commit prefix.
    #[arg(value_name = "REF", add = ArgValueCompleter::new(complete::references))]
    pub reference: String,
    /// Narrow REF to this environment.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

/// Output format of `show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    /// Human-readable text (with who signed the entry, where signing is set up).
    Text,
    /// JSON, for scripts.
    Json,
    /// The exact bytes the entry's signature signs (its hash), for `ssh-keygen -Y verify`.
    SignedPayload,
    /// The entry's signature as `ssh-keygen -Y verify -s` reads it (PEM armour).
    Sshsig,
}
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Skip the check of the journal's git history.
    #[arg(long)]
    pub no_git: bool,
    /// Also compare each environment's live state in the ledger with its bucket's latest
    /// objects, and report drift: unrecorded uploads, recorded keys that are gone, recorded
    /// versions that no longer exist.
    #[arg(long)]
    pub aws: bool,
    /// Also check the S3 store of `[store] url`: download every entry, check the chain and that
    /// the local mirror is its prefix, and report an entry object overwritten (more than one
    /// version), deleted or missing, and whether the bucket has Object Lock; and check every
    /// checkpoint the store keeps (`ledger checkpoint` puts one under PREFIX/checkpoints/).
    #[arg(long)]
    pub store: bool,
    /// With --aws, only this environment.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments), requires = "aws")]
    pub env: Option<String>,
    /// Also check that the journal extends this checkpoint (`ledger checkpoint`): its entry
    /// count and head hash, and its signature against allowed_signers. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<std::path::PathBuf>,
    /// Output format: text (findings on stdout, the summary on stderr) or one JSON object.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// AWS connection options (with --aws).
    #[command(flatten)]
    pub aws_options: AwsArgs,
}

/// `ledger live`.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// The environment.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: String,
    /// The instant: RFC 3339, `YYYY-MM-DD` (the end of that day, UTC), `YYYY-MM-DD HH:MM[:SS]`
    /// (UTC unless an offset follows), or `now`.
    #[arg(long, value_name = "TIME", default_value = "now")]
    pub at: Timestamp,
    /// Only this object.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// `ledger history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The object's S3 key (prefix included).
    #[arg(value_name = "KEY")]
    pub key: Option<String>,
    /// A pinned resource instead of a key, named by its service's flags
    /// (`--function NAME`, `--parameter NAME`, `--api NAME --stage S`):
    /// each service adds them (`cli::command`).
    #[arg(skip)]
    pub pinned: Option<Pinned>,
    /// The environment.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// A pinned resource `history` was asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// The key of the service's pins (`functions`).
    pub key: &'static str,
    /// The resource's name among them.
    pub name: String,
}

/// `ledger diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier entry: `#SEQ`, a version, or a commit prefix.
    #[arg(value_name = "FROM", add = ArgValueCompleter::new(complete::references))]
    pub from: String,
    /// The later entry.
    #[arg(value_name = "TO", add = ArgValueCompleter::new(complete::references))]
    pub to: String,
    /// Narrow both references to this environment.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// `ledger status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only this environment.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// `ledger check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The environment a pipeline is about to deploy.
    #[arg(long, value_name = "ENV", add = ArgValueCompleter::new(complete::environments))]
    pub env: String,
}

/// `ledger render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Document to render: aws-versions or changelog (or a template name under
    /// LEDGER/templates) [default: what the --check or -o file already is, else aws-versions].
    #[arg(value_name = "NAME", add = ArgValueCompleter::new(complete::templates))]
    pub name: Option<String>,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", conflicts_with = "check")]
    pub output: Option<PathBuf>,
    /// Use this template file instead of the built-in or overriding one.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// Do not write; exit 1 with a unified diff when FILE differs from the rendering.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DocumentFormat::Md)]
    pub format: DocumentFormat,
}
