//! Diagnostics on stderr: how much to say (`--quiet`, `--verbose`) and
//! whether in colour (`--color`, `NO_COLOR`, a terminal or not). Data goes to
//! stdout through the command layer; everything here goes to stderr.
//!
//! The settings travel as a [`Ui`] value, made once by the command layer
//! from the global flags and handed to whatever may speak: an operation, the
//! AWS clients (for `--verbose`'s call log), a progress display. Nothing
//! here is process-wide.

mod progress;

pub use progress::{CaptureBars, Progress, Silent};

use std::fmt::Arguments;
use std::io::Write;

use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};

/// How much a command says on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors (and failed checks) only.
    Quiet,
    /// Notes, warnings and what was done.
    Normal,
    /// Also every AWS call, with its timing.
    Verbose,
}

/// When to colour stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set (or with `CLICOLOR_FORCE`).
    Auto,
    /// Always, even into a pipe (and despite `NO_COLOR`: the flag is explicit).
    Always,
    /// Never.
    Never,
}

/// What a line on stderr is; decides whether it is shown and its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// What was done, a note: hidden by `--quiet`.
    Info,
    /// Something the user should look at: hidden by `--quiet`, prefixed.
    Warning,
    /// Only with `--verbose`.
    Verbose,
    /// A failed check: shown even with `--quiet` (its exit code is 1).
    Failure,
}

/// How a command speaks on stderr: its verbosity and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ui {
    verbosity: Verbosity,
    color: ColorChoice,
}

impl Default for Ui {
    /// Normal verbosity, colour on a terminal.
    fn default() -> Self {
        Ui::new(Verbosity::Normal, ColorWhen::Auto)
    }
}

const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();
const FAILURE: Style = AnsiColor::Red.on_default();
const DIM: Style = Style::new().dimmed();

impl Ui {
    /// A `Ui` that says as much as `verbosity` allows, coloured as `color` says.
    pub fn new(verbosity: Verbosity, color: ColorWhen) -> Ui {
        let color = match color {
            ColorWhen::Auto => ColorChoice::Auto,
            ColorWhen::Always => ColorChoice::Always,
            ColorWhen::Never => ColorChoice::Never,
        };
        Ui { verbosity, color }
    }

    /// The verbosity in force.
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Whether `--quiet` is in force (progress displays stay hidden too).
    pub fn is_quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// Whether `--verbose` is in force.
    pub fn is_verbose(&self) -> bool {
        self.verbosity == Verbosity::Verbose
    }

    /// stderr, coloured or not as this `Ui` says.
    fn stderr(&self) -> anstream::AutoStream<std::io::Stderr> {
        anstream::AutoStream::new(std::io::stderr(), self.color)
    }

    /// Writes one diagnostic line to stderr when the verbosity allows it.
    pub fn emit(&self, kind: Kind, message: Arguments<'_>) {
        let shown = match kind {
            Kind::Info | Kind::Warning => self.verbosity >= Verbosity::Normal,
            Kind::Verbose => self.verbosity == Verbosity::Verbose,
            Kind::Failure => true,
        };
        if !shown {
            return;
        }
        let mut err = self.stderr();
        // A closed stderr has nowhere to report to: the write is best effort.
        let _ = match kind {
            Kind::Info => writeln!(err, "{message}"),
            Kind::Warning => writeln!(err, "{WARNING}warning:{WARNING:#} {message}"),
            Kind::Verbose => writeln!(err, "{DIM}{message}{DIM:#}"),
            Kind::Failure => writeln!(err, "{FAILURE}{message}{FAILURE:#}"),
        };
    }

    /// Writes a question without a newline (always shown: it waits for an answer).
    pub fn prompt(&self, message: Arguments<'_>) {
        let mut err = self.stderr();
        let _ = write!(err, "{message}");
        let _ = err.flush();
    }

    /// Prints an error and its whole cause chain, one cause per line.
    pub fn error(&self, error: &anyhow::Error) {
        let mut err = self.stderr();
        let _ = writeln!(err, "{ERROR}error:{ERROR:#} {error}");
        for cause in error.chain().skip(1) {
            let _ = writeln!(err, "  caused by: {cause}");
        }
    }
}

/// `text` as a terminal may show it: control characters (a newline, an
/// escape sequence) written as escapes, so that a value recorded by an older
/// ledger or an import cannot split a line or rewrite the reader's terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// A note or a report of what was done (hidden by `--quiet`): `note!(ui, ...)`.
#[macro_export]
macro_rules! note {
    ($ui:expr, $($arg:tt)*) => { $ui.emit($crate::ui::Kind::Info, format_args!($($arg)*)) };
}

/// A warning, prefixed `warning:` (hidden by `--quiet`): `warning!(ui, ...)`.
#[macro_export]
macro_rules! warning {
    ($ui:expr, $($arg:tt)*) => { $ui.emit($crate::ui::Kind::Warning, format_args!($($arg)*)) };
}

/// A line shown only with `--verbose`: `verbose!(ui, ...)`.
#[macro_export]
macro_rules! verbose {
    ($ui:expr, $($arg:tt)*) => { $ui.emit($crate::ui::Kind::Verbose, format_args!($($arg)*)) };
}

/// What a failed check found (shown even with `--quiet`): `failure!(ui, ...)`.
#[macro_export]
macro_rules! failure {
    ($ui:expr, $($arg:tt)*) => { $ui.emit($crate::ui::Kind::Failure, format_args!($($arg)*)) };
}
