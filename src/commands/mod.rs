//! The command layer: one file per subcommand, each parsing nothing itself
//! (clap did, in `cli`), resolving the settings of one operation from the
//! flags, `ledger.toml` and the environment, calling it (`ops`) and
//! printing its report. The only place that writes to stdout (data); notes
//! and warnings go to stderr through the `Ui`.

mod check;
mod context;
mod diff;
mod history;
mod import;
mod init;
mod live;
mod lock;
mod log;
mod record;
mod render;
mod resolve;
mod rollback;
mod shell;
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

/// Runs a parsed command line, writing data to `out` and speaking on
/// stderr through `ui`.
pub fn run(cli: Cli, out: &mut dyn Write, ui: &Ui) -> Result<Outcome> {
    let workspace = Workspace::resolve(cli.global.ledger, cli.global.repo);
    match cli.command {
        Command::Init => init::run(&workspace, ui),
        Command::Record(args) => record::run(&workspace, &args, out, ui),
        Command::Snapshot(args) => snapshot::run(&workspace, &args, out, ui),
        Command::Log(args) => log::run(&workspace, &args, out, ui),
        Command::Show(args) => show::run(&workspace, &args, out, ui),
        Command::Verify(args) => verify::run(&workspace, &args, out, ui),
        Command::Live(args) => live::run(&workspace, &args, out, ui),
        Command::History(args) => history::run(&workspace, &args, out, ui),
        Command::Diff(args) => diff::run(&workspace, &args, out, ui),
        Command::Rollback(args) => rollback::run(&workspace, &args, out, ui),
        Command::Void(args) => void::run(&workspace, &args, out, ui),
        Command::Lock(args) => lock::lock(&workspace, &args, ui),
        Command::Unlock(args) => lock::unlock(&workspace, &args, ui),
        Command::Status(args) => status::run(&workspace, &args, out, ui),
        Command::Check(args) => check::run(&workspace, &args, ui),
        Command::Sync(args) => sync::run(&workspace, &args, ui),
        Command::Store(args) => store::run(&workspace, &args, ui),
        Command::Resolve(args) => resolve::run(&workspace, &args, ui),
        Command::Import(args) => import::run(&workspace, &args, ui),
        Command::Render(args) => render::run(&workspace, &args, out, ui),
        Command::Context => context::run(&workspace, out, ui),
        Command::Completions(args) => shell::completions(&args, out),
        Command::Man(args) => shell::man(&args, out),
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
