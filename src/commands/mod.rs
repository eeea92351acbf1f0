//! The command layer: one file per subcommand, each parsing nothing itself
//! (clap did, in `cli`), resolving the settings of one operation from the
//! flags, `ledger.toml` and the environment, calling it (`ops`) and
//! printing its report. The only place that writes to stdout (data); notes
//! and warnings go to stderr through the `Ui`.

mod check;
mod checkpoint;
mod columns;
mod context;
mod diff;
mod history;
mod import;
mod init;
mod live;
mod lock;
mod log;
mod reconcile;
mod record;
mod render;
mod resolve;
mod rollback;
mod shell;
mod signer;
pub use shell::COMPLETE_VAR;
mod show;
mod snapshot;
mod status;
mod store;
mod sync;
mod verify;
mod void;

use std::io::Write;

use anyhow::Result;

use crate::cli::{AwsArgs, Cli, Command};
use crate::ops::session::AwsSettings;
use crate::ops::{JSON_SCHEMA, Workspace};
use crate::ui::Ui;

/// How a command that ran to the end came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything held: exit 0.
    Success,
    /// A check failed (verify, render --check): exit 1.
    CheckFailed,
}

/// The exit code of a command that failed: 3 when running it again may
/// succeed (AWS, the network or a remote failed in a way worth a retry:
/// a timeout, throttling, a refused connection, a 5xx, a race lost to
/// other writers), 2 otherwise (usage, input, configuration, a refusal).
pub fn exit_code(error: &anyhow::Error) -> u8 {
    let retryable = error.chain().any(|cause| {
        let ops = cause.downcast_ref::<crate::ops::Error>();
        let aws = cause.downcast_ref::<crate::aws::AwsError>();
        let storage = cause.downcast_ref::<crate::journal::StorageError>();
        ops.is_some_and(crate::ops::Error::is_retryable)
            || aws.is_some_and(crate::aws::AwsError::is_retryable)
            || storage.is_some_and(crate::journal::StorageError::is_retryable)
    });
    if retryable { 3 } else { 2 }
}

/// Runs a parsed command line, writing data to `out` and speaking on
/// stderr through `ui`. A command that only reads, and found the journal
/// changed under it by another command's append (a segment sealed while it
/// read), runs again on the journal as it is now: a read never fails
/// because someone recorded.
pub fn run(cli: Cli, out: &mut dyn Write, ui: &Ui) -> Result<Outcome> {
    let mut workspace = Workspace::resolve(cli.global.ledger, cli.global.repo);
    workspace.signing_key = cli.global.signing_key;
    let mut attempts = 0;
    loop {
        attempts += 1;
        match dispatch(&workspace, &cli.command, out, ui) {
            Err(error) if attempts < 5 && cli.command.only_reads() && journal_changed(&error) => {
                crate::verbose!(
                    ui,
                    "the journal changed while it was read: reading it again"
                );
            }
            outcome => return outcome,
        }
    }
}

/// Whether `error` is the journal changing under a reader.
fn journal_changed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<crate::journal::JournalError>(),
            Some(crate::journal::JournalError::Changed { .. })
        )
    })
}

/// Runs `command` once.
fn dispatch(
    workspace: &Workspace,
    command: &Command,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    match command {
        Command::Init => init::run(workspace, ui),
        Command::Record(args) => record::run(workspace, args, out, ui),
        Command::Snapshot(args) => snapshot::run(workspace, args, out, ui),
        Command::Log(args) => log::run(workspace, args, out, ui),
        Command::Show(args) => show::run(workspace, args, out, ui),
        Command::Verify(args) => verify::run(workspace, args, out, ui),
        Command::Live(args) => live::run(workspace, args, out, ui),
        Command::History(args) => history::run(workspace, args, out, ui),
        Command::Diff(args) => diff::run(workspace, args, out, ui),
        Command::Rollback(args) => rollback::run(workspace, args, out, ui),
        Command::Reconcile(args) => reconcile::run(workspace, args, out, ui),
        Command::Checkpoint(args) => checkpoint::run(workspace, args, out, ui),
        Command::Void(args) => void::run(workspace, args, out, ui),
        Command::Lock(args) => lock::lock(workspace, args, ui),
        Command::Unlock(args) => lock::unlock(workspace, args, ui),
        Command::Status(args) => status::run(workspace, args, out, ui),
        Command::Check(args) => check::run(workspace, args, ui),
        Command::Sync(args) => sync::run(workspace, args, ui),
        Command::Store(args) => store::run(workspace, args, ui),
        Command::Resolve(args) => resolve::run(workspace, args, ui),
        Command::Import(args) => import::run(workspace, args, ui),
        Command::Render(args) => render::run(workspace, args, out, ui),
        Command::Context => context::run(workspace, out, ui),
        Command::Completions(args) => shell::completions(args, out),
        Command::Man(args) => shell::man(args, out),
    }
}

/// The `Ui` the global flags ask for: `--quiet`, `--verbose`, `--color`.
pub fn ui_for(global: &crate::cli::GlobalArgs) -> Ui {
    use crate::ui::{ColorWhen, Verbosity};
    let verbosity = if global.quiet {
        Verbosity::Quiet
    } else if global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let color = match global.color {
        crate::cli::ColorWhen::Auto => ColorWhen::Auto,
        crate::cli::ColorWhen::Always => ColorWhen::Always,
        crate::cli::ColorWhen::Never => ColorWhen::Never,
    };
    Ui::new(verbosity, color)
}

/// The AWS settings of `--profile`, `--region`, `--max-attempts`, `--timeout`.
fn aws_settings(args: &AwsArgs) -> AwsSettings {
    AwsSettings {
        profile: args.profile.clone(),
        region: args.region.clone(),
        policy: crate::aws::CallPolicy {
            max_attempts: args.max_attempts,
            deadline: std::time::Duration::from_secs(args.timeout),
        },
    }
}

/// A JSON document: `schema` first, then the value's own fields.
#[derive(serde::Serialize)]
struct Versioned<'a, T: serde::Serialize> {
    schema: u32,
    #[serde(flatten)]
    body: &'a T,
}

impl<'a, T: serde::Serialize> Versioned<'a, T> {
    /// `body` under the current [`JSON_SCHEMA`].
    fn new(body: &'a T) -> Self {
        Versioned {
            schema: JSON_SCHEMA,
            body,
        }
    }
}

/// Writes `value` (a struct) as pretty JSON, with `schema` as its first field.
fn write_json(out: &mut dyn Write, value: &impl serde::Serialize) -> Result<()> {
    write_plain_json(out, &Versioned::new(value))
}

/// Writes a list as `{"schema": 1, "<name>": [...]}`, each item's fields
/// in their own order.
fn write_json_list<T: serde::Serialize>(
    out: &mut dyn Write,
    name: &'static str,
    items: &[T],
) -> Result<()> {
    struct List<'a, T> {
        name: &'static str,
        items: &'a [T],
    }
    impl<T: serde::Serialize> serde::Serialize for List<'_, T> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(2))?;
            map.serialize_entry("schema", &JSON_SCHEMA)?;
            map.serialize_entry(self.name, self.items)?;
            map.end()
        }
    }
    write_plain_json(out, &List { name, items })
}

/// Writes `value` as pretty JSON followed by a newline.
fn write_plain_json(out: &mut dyn Write, value: &impl serde::Serialize) -> Result<()> {
    // Serialised first, so that a failed write surfaces as the io::Error it
    // is (a closed pipe must end the output quietly).
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    out.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::exit_code;
    use crate::aws::AwsError;
    use crate::ops::Error;
    use crate::store::git::remote::RemoteError;

    fn throttled() -> AwsError {
        AwsError::Throttled {
            operation: "s3:ListObjectVersions",
            resource: "b".into(),
            code: "SlowDown".into(),
        }
    }

    fn service(code: &str) -> AwsError {
        AwsError::Service {
            operation: "s3:GetObject",
            resource: "b/k".into(),
            code: code.into(),
            message: String::new(),
        }
    }

    fn git(message: &str) -> RemoteError {
        RemoteError::Command {
            command: "push origin x:refs/heads/main".into(),
            message: message.into(),
        }
    }

    #[test]
    fn failures_worth_a_retry_exit_3_and_the_others_2() {
        let code = |e: Error| exit_code(&anyhow::Error::from(e));
        assert_eq!(code(Error::Aws(throttled())), 3);
        assert_eq!(code(Error::Aws(service("ServiceUnavailable"))), 3);
        assert_eq!(code(Error::Aws(service("HTTP 503"))), 3);
        assert_eq!(code(Error::Aws(service("InvalidArgument"))), 2);
        assert_eq!(
            code(Error::Aws(AwsError::NoSuchBucket {
                bucket: "b".into(),
                operation: "s3:ListObjectVersions",
            })),
            2
        );
        let wrapped = Error::Context {
            context: "cannot record".into(),
            source: Box::new(Error::Aws(throttled())),
        };
        assert_eq!(code(wrapped), 3, "through the context it was given");
        let unreachable =
            "fatal: unable to access 'https://git.example/x/': Could not resolve host";
        assert_eq!(code(Error::Remote(git(unreachable))), 3);
        assert_eq!(code(Error::Remote(git("remote: main is protected"))), 2);
        assert_eq!(code(Error::refused("locked")), 2);
        let context = anyhow::Error::from(Error::Aws(throttled())).context("while recording");
        assert_eq!(exit_code(&context), 3, "behind anyhow's context too");
        assert_eq!(exit_code(&anyhow::anyhow!("bad flag")), 2);
    }
}
