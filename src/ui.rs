//! Diagnostics on stderr: how much to say (`--quiet`, `--verbose`) and
//! whether in colour (`--color`, `NO_COLOR`, a terminal or not). Data goes to
//! stdout through the command layer; everything here goes to stderr.
//!
//! The settings are process-wide (set once by the binary from the global
//! flags), so that the library's few messages (a retry, a verbose AWS call)
//! obey them without threading a handle through every function.

use std::fmt::Arguments;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

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

static VERBOSITY: AtomicU8 = AtomicU8::new(1);

/// Sets how much to say and when to colour, for the whole process.
pub fn configure(verbosity: Verbosity, color: ColorWhen) {
    VERBOSITY.store(verbosity as u8, Ordering::Relaxed);
    let choice = match color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// The verbosity in force.
pub fn verbosity() -> Verbosity {
    match VERBOSITY.load(Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

/// Whether `--quiet` is in force (progress displays stay hidden too).
pub fn is_quiet() -> bool {
    verbosity() == Verbosity::Quiet
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

const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();
const FAILURE: Style = AnsiColor::Red.on_default();
const DIM: Style = Style::new().dimmed();

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

/// Writes one diagnostic line to stderr when the verbosity allows it.
pub fn emit(kind: Kind, message: Arguments<'_>) {
    let shown = match kind {
        Kind::Info | Kind::Warning => verbosity() >= Verbosity::Normal,
        Kind::Verbose => verbosity() == Verbosity::Verbose,
        Kind::Failure => true,
    };
    if !shown {
        return;
    }
    let mut err = anstream::stderr().lock();
    // A closed stderr has nowhere to report to: the write is best effort.
    let _ = match kind {
        Kind::Info => writeln!(err, "{message}"),
        Kind::Warning => writeln!(err, "{WARNING}warning:{WARNING:#} {message}"),
        Kind::Verbose => writeln!(err, "{DIM}{message}{DIM:#}"),
        Kind::Failure => writeln!(err, "{FAILURE}{message}{FAILURE:#}"),
    };
}

/// Writes a question without a newline (always shown: it waits for an answer).
pub fn prompt(message: Arguments<'_>) {
    let mut err = anstream::stderr().lock();
    let _ = write!(err, "{message}");
    let _ = err.flush();
}

/// Prints an error and its whole cause chain, one cause per line.
pub fn error(error: &anyhow::Error) {
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "{ERROR}error:{ERROR:#} {error}");
    for cause in error.chain().skip(1) {
        let _ = writeln!(err, "  caused by: {cause}");
    }
}

/// A note or a report of what was done (hidden by `--quiet`).
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => { $crate::ui::emit($crate::ui::Kind::Info, format_args!($($arg)*)) };
}

/// A warning, prefixed `warning:` (hidden by `--quiet`).
#[macro_export]
macro_rules! warning {
    ($($arg:tt)*) => { $crate::ui::emit($crate::ui::Kind::Warning, format_args!($($arg)*)) };
}

/// A line shown only with `--verbose`.
#[macro_export]
macro_rules! verbose {
    ($($arg:tt)*) => { $crate::ui::emit($crate::ui::Kind::Verbose, format_args!($($arg)*)) };
}

/// What a failed check found (shown even with `--quiet`).
#[macro_export]
macro_rules! failure {
    ($($arg:tt)*) => { $crate::ui::emit($crate::ui::Kind::Failure, format_args!($($arg)*)) };
}
