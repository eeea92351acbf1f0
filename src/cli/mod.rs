//! Command-line arguments: clap definitions only. Parsing here, resolving
//! and doing in `commands`.

pub mod man;
mod reads;
mod writes;

pub use reads::*;
pub use writes::*;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// What the exit codes mean, for pipelines: under `ledger --help`, in
/// docs/cli.md and in the man page.
pub const EXIT_STATUS: &str = "Exit status: 0 success; 1 a check that failed (verify, render --check, \
check); 2 usage, input or configuration (fix the command or the files, then run again); 3 an AWS, \
network or remote failure that may succeed on retry (a timeout, throttling, a refused connection, a \
5xx, a push or store write that lost a race to other writers).";

/// Keep an append-only ledger of deploys to AWS, keyed by git commit and
/// pinned to S3 object versions and CloudFront invalidations; render it into
/// AWS_VERSIONS.md and CHANGELOG.md; answer "what was live when?".
#[derive(Debug, Parser)]
#[command(
    name = "ledger",
    version,
    about,
    long_about = None,
    max_term_width = 100,
    after_help = EXIT_STATUS
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The ledger folder (holds ledger.toml and journal.toml) [default: `ledger/` in the
    /// current folder or the nearest one above it, up to the git repository's top level].
    #[arg(long, global = true, value_name = "DIR", env = "LEDGER_DIR")]
    pub ledger: Option<PathBuf>,
    /// The git repository [default: the one around the current directory].
    #[arg(long, global = true, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The SSH key that signs every entry appended: a private key file, or a public key file
    /// whose private key ssh-agent holds [default: `[signing] key` in ledger.toml].
    #[arg(long, global = true, value_name = "PATH", env = "LEDGER_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,
    /// Print errors only (and what a failed check found); no notes, warnings or progress.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print every AWS call made (service, operation, outcome, milliseconds) on stderr.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
    /// Colour on stderr: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// A value that must print on one line (a version, a name, a reason, a
/// change line): not empty, no control characters (newlines, carriage
/// returns, terminal escapes), which would split a Markdown heading or a
/// table row, or rewrite the terminal of whoever reads `ledger log`.
pub fn one_line(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(format!(
            "must be one line of text: it holds the control character {}",
            c.escape_default()
        ));
    }
    Ok(value.to_string())
}

/// A release's version: see [`crate::journal::version_problem`].
pub fn version_name(value: &str) -> Result<String, String> {
    match crate::journal::version_problem(value) {
        Some(problem) => Err(problem),
        None => Ok(value.to_string()),
    }
}

/// When to colour diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    Auto,
    /// Always (an explicit choice: overrides NO_COLOR).
    Always,
    /// Never.
    Never,
}

/// The shells `ledger completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// GNU Bash.
    Bash,
    /// Z shell.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
}

/// Output format of `ledger log`: as the other listings, plus a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Aligned columns under a header.
    Text,
    /// One JSON document: `{"schema": 1, "entries": [...]}`.
    Json,
    /// One entry per line (JSON Lines), newest first, each with its `schema`.
    Jsonl,
}

/// Output format for commands that print records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Text,
    /// JSON, for scripts.
    Json,
}

/// Output format of `render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentFormat {
    /// Markdown, as the template writes it.
    Md,
    /// A standalone HTML page.
    Html,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create ledger/ledger.toml (a commented starting configuration) and an empty journal.
    ///
    /// The folder goes to the top of the git repository (as other commands look for it
    /// there), or the current folder outside one. Refuses to touch a folder that already holds
    /// a ledger.
    Init,
    /// Append a deploy entry for a commit to the journal.
    ///
    /// Resolves the commit (default HEAD), walks the commits since the previous deploy of the
    /// same environment and turns them into change lines, then appends one entry under a lock.
    /// The new entry's sequence number and commit go to stderr; with --format json the entry
    /// itself goes to stdout.
    Record(RecordArgs),
    /// Append an inventory entry per environment, read from AWS.
    ///
    /// Reads the bucket's versioning and default encryption; the distribution's domain,
    /// origin, status and cache behaviours; each declared Lambda function's runtime, memory,
    /// timeout, code, versions and aliases; each DynamoDB table's billing, PITR, TTL and
    /// indexes; each secret's rotation and AWSCURRENT version (never its value); and, for the
    /// release environment, the declared CloudWatch alarms and log groups. The aws-versions
    /// document takes its tables from the latest snapshot where there is one, and from
    /// ledger.toml otherwise; changes since the previous snapshot are named. With --discover,
    /// records nothing and prints declarations for what the account holds.
    Snapshot(SnapshotArgs),
    /// List entries, newest first.
    Log(LogArgs),
    /// Print one entry.
    ///
    /// REF is `#SEQ`, a version (v2.1.1), or a unique prefix of the deployed commit (at least
    /// 4 hex digits). An ambiguous REF lists the candidates.
    Show(ShowArgs),
    /// Check the journal: recompute the hash chain and check its git history.
    ///
    /// Every entry's hash is recomputed over its content and every link to the entry before;
    /// through git, every committed version of the journal must be a prefix of the next.
    /// Exits 0 when all holds, 1 naming each entry that was edited, removed or reordered.
    Verify(VerifyArgs),
    /// What was live in an environment at an instant, down to the object version.
    ///
    /// Answers with the entry of ENV deployed at or before the instant (and whether its
    /// invalidation had completed by then) and every object live then: key, version ID, ETag,
    /// size. See docs/live-at.md.
    Live(LiveArgs),
    /// Every version of one object in an environment, with the entry that brought it and the
    /// interval it was live.
    History(HistoryArgs),
    /// Objects added, changed and deleted between two entries of one environment, and the
    /// commits between them.
    Diff(DiffArgs),
    /// Restore the live state of an earlier entry in S3, and record it as a rollback entry.
    ///
    /// For each key whose current version differs, copies the recorded version back (metadata
    /// kept); deletes keys that did not exist then; invalidates the changed paths. Refuses when
    /// S3 has drifted from the ledger (unless --force) and checks that every version it needs
    /// still exists before changing anything. Asks for confirmation unless --yes; refuses when
    /// stdin is not a terminal. A failure half-way reports which keys were restored and records
    /// only what happened.
    Rollback(RollbackArgs),
    /// Record what AWS serves now where it differs from the ledger.
    ///
    /// Reads the environment's objects, the versions its declared functions, parameters and
    /// APIs serve, and (when it has a snapshot) its settings, and appends one reconcile entry
    /// naming each difference from the ledger: a key deleted or changed outside the ledger, an
    /// alias moved. Run it after an interrupted rollback (a step AWS applied after the
    /// rollback gave up on it) or a change made by hand; afterwards `verify --aws` agrees with
    /// AWS, and `rollback` plans from what S3 serves. The entry keeps the version and commit of
    /// the release the environment serves. Appends nothing when AWS serves what the ledger
    /// says. Allowed while the environment is locked: it records, it changes nothing in AWS.
    Reconcile(ReconcileArgs),
    /// Write a signed checkpoint of the journal: its entry count and head hash.
    ///
    /// The checkpoint is a signed note (C2SP's form: an origin line naming the ledger, the
    /// entry count, the head hash in base64, then a signature line), signed with the signing
    /// key in the namespace `ledger-checkpoint`. Keep it outside the repository (a ticket,
    /// another account's bucket): `ledger verify --checkpoint FILE` then proves the journal
    /// still extends it, so a history rewritten and re-chained after it is caught. With a
    /// `[store]`, it is also put in the store under PREFIX/checkpoints/ (write-once), where
    /// `ledger verify --store` checks it.
    Checkpoint(CheckpointArgs),
    /// Mark an entry as recorded in error (a wrong version, the wrong environment).
    ///
    /// Appends a void entry naming REF, who and why; nothing is edited or removed. Folds,
    /// `live`, `history`, `diff`, `rollback` and both documents leave the voided entry out, and
    /// the document's history shows the correction; `verify` still checks every byte. A rollback
    /// cannot be voided (it records what was done in S3: roll forward instead). Prints the
    /// void entry's `#SEQ` on stdout, for scripts.
    Void(VoidArgs),
    /// Lock an environment: records and rollbacks refuse it until `ledger unlock`.
    ///
    /// Appends a lock entry (who, when, why), so that locks are audited like deploys and travel
    /// with `ledger sync`. `record` and `rollback` on a locked environment refuse unless --force
    /// (which the entry notes); `ledger check` exits 1 while it is locked.
    Lock(LockArgs),
    /// Lift the lock of an environment (appends an unlock entry).
    Unlock(UnlockArgs),
    /// Per environment: the live deploy, where its objects come from, and a lock.
    Status(StatusArgs),
    /// Exit 1 while an environment is locked, 0 when a deploy may go ahead (for pipelines).
    Check(CheckArgs),
    /// Share the journal through the git remote: put local entries after the remote's, push.
    ///
    /// With a `[store]` in ledger.toml, downloads the store's new entries instead, checks that
    /// they chain onto the local mirror, and writes them.
    ///
    /// Fetches the branch from the remote, puts the entries recorded here since the last sync
    /// after the ones already there (new seq, prev_hash and hash; every other field kept; file
    /// changes re-diffed against the new picture of their environment), commits the journal
    /// alone over the remote's tip and pushes it; a push that loses a race starts again from the
    /// fetch (bounded, with jitter). Entries already on the remote never change. Refuses, naming
    /// both, when a local entry of an environment is older than a remote one of the same
    /// environment. Afterwards the local branch is moved to the pushed commit when it holds
    /// nothing else unpushed; other working-tree changes are left as they are.
    Sync(SyncArgs),
    /// The S3 store of record (`[store]` in ledger.toml): fill an empty one.
    Store(StoreArgs),
    /// Resolve a git conflict in the journal (after `git pull` or `git rebase`).
    ///
    /// Keeps the entries of the side already on the remote as they are and puts the other
    /// side's own entries after them, re-chained, as `sync` does; writes the journal and stages
    /// it. Then `git commit` (a merge) or `git rebase --continue`. It also installs itself as
    /// the git merge driver of the journal (`merge=ledger` in ledger/.gitattributes and
    /// `merge.ledger.driver` in the repository's config), so that the journal commits a
    /// rebase replays after this one merge the same way, without a conflict.
    Resolve(ResolveArgs),
    /// Import history: an existing AWS_VERSIONS.md and/or CHANGELOG.md, or releases from git tags.
    ///
    /// With DOC, the document's inventory goes to ledger.toml and its deployment history to
    /// journal entries marked imported; what is not understood is kept verbatim and rendered back
    /// in its place (listed on stderr), so that `ledger render` prints the document again (a check
    /// after the import says where it would not). With --changelog, every release of the file,
    /// with its date, sections and change lines as written; `ledger render changelog` then
    /// prints it in Keep a Changelog form. With --git-tags, each tag matching --tag-pattern becomes an imported deploy of the release
    /// environment (or --env), dated by the tag (annotated) or its commit, with the changes of
    /// the commits reachable from it and from no earlier release, parsed by the same rules as
    /// `record`. Releases are ordered by SemVer and commits attributed by reachability in one
    /// walk of the history. Refuses a ledger that already has entries unless --append.
    Import(ImportArgs),
    /// Render a document from the ledger through a template.
    ///
    /// NAME is `aws-versions` (AWS_VERSIONS.md) or `changelog` (CHANGELOG.md), or any name
    /// with a template at LEDGER/templates/NAME.md.tera, which also overrides a built-in one.
    /// Output is deterministic: the same ledger gives the same bytes whatever the clock or TZ.
    Render(RenderArgs),
    /// Print the template context as JSON, for template authors.
    Context,
    /// Print a shell completion script (completes environments, entry references and
    /// template names from the ledger where you stand).
    ///
    /// The script asks `ledger` itself for candidates at each TAB (`COMPLETE=SHELL ledger`),
    /// so it stays right as the ledger grows; `ledger` must be on PATH. Install lines for each
    /// shell are in the README.
    Completions(CompletionsArgs),
    /// Print a man page (roff) on stdout: `ledger man | man -l -`.
    ///
    /// Without COMMAND, ledger(1) with the global options and the list of commands; with one,
    /// that command's page, ledger-COMMAND(1).
    Man(ManArgs),
}

impl Command {
    /// Whether the command only reads the journal (a run that found it
    /// changed under it can run again; `render -o` rewrites its own file).
    pub fn only_reads(&self) -> bool {
        matches!(
            self,
            Command::Log(_)
                | Command::Show(_)
                | Command::Verify(_)
                | Command::Live(_)
                | Command::History(_)
                | Command::Diff(_)
                | Command::Status(_)
                | Command::Check(_)
                | Command::Render(_)
                | Command::Context
        )
    }
}

/// How to reach AWS; shared by every command that calls it.
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// AWS profile [default: $AWS_PROFILE, then the environment's `profile`].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region of the bucket [default: the environment's `region`, then $AWS_REGION].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Attempts per AWS call (the SDK's standard retry with backoff, throttling included).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_attempts: u32,
    /// Deadline of each AWS call, retries included, in seconds; a call that misses it fails
    /// naming the call (each attempt also gives up after 60 s).
    #[arg(long, value_name = "SECS", default_value_t = crate::aws::error::DEFAULT_TIMEOUT_SECS)]
    pub timeout: u64,
}

/// The command line, with the flags of `ledger history` that each pinning
/// service adds (`--function NAME`, `--parameter NAME`, `--api NAME
/// --stage S`): they come from the registry, so a new service names none
/// here. Parsing, completion, `--help` and the man pages all use it.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command().mut_subcommand("history", with_pin_flags)
}

/// Parses a command line (the process's own: `std::env::args_os()`).
pub fn parse_from<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::FromArgMatches;
    let matches = command().try_get_matches_from(args)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let (Command::History(args), Some(("history", history))) =
        (&mut cli.command, matches.subcommand())
    {
        args.pinned = pinned_in(history);
    }
    Ok(cli)
}

/// `history` with each pinning service's flags: one of KEY and the
/// services' first flags is required, and a service's flags come together.
fn with_pin_flags(mut history: clap::Command) -> clap::Command {
    use clap::{Arg, ArgGroup};
    let mut named = vec!["key"];
    for pinning in crate::services::pinning() {
        let flags = pinning.history_flags();
        for (at, flag) in flags.iter().enumerate() {
            let mut arg = Arg::new(flag.long)
                .long(flag.long)
                .value_name(flag.value_name)
                .help(flag.help)
                .display_order(0);
            let others = flags.iter().filter(|f| f.long != flag.long);
            for other in others {
                arg = arg.requires(other.long);
            }
            if at == 0 {
                named.push(flag.long);
            }
            history = history.arg(arg);
        }
    }
    history.group(
        ArgGroup::new("resource")
            .args(named)
            .required(true)
            .multiple(false),
    )
}

/// The pinned resource the parsed `history` flags name, if any.
fn pinned_in(history: &clap::ArgMatches) -> Option<Pinned> {
    crate::services::pinning().find_map(|pinning| {
        let values: Option<Vec<String>> = (pinning.history_flags().iter())
            .map(|flag| history.get_one::<String>(flag.long).cloned())
            .collect();
        values.map(|values| Pinned {
            key: pinning.key(),
            name: pinning.history_name(&values),
        })
    })
}
