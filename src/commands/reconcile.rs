//! `ledger reconcile` (`ops::reconcile`): each difference from the ledger
//! on stdout, one per line (with `--format json`, the differences and the
//! entry), and what was recorded on stderr.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, aws_settings, write_json};
use crate::cli::{OutputFormat, ReconcileArgs};
use crate::journal::Entry;
use crate::ops::Workspace;
use crate::ops::reconcile::{self, ReconcileSettings, Reconciled};
use crate::services::s3::Reading;
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &ReconcileArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    let settings = ReconcileSettings {
        env: args.env.clone(),
        reason: args.reason.clone(),
        by: workspace.actor(args.by.as_ref())?,
        dry_run: args.dry_run,
        reading: Reading {
            page_size: args.page_size,
            ..Reading::default()
        },
        aws: aws_settings(&args.aws),
    };
    let done = reconcile::reconcile(workspace, &config, &settings, ui)?;
    match args.format {
        OutputFormat::Json => write_json(out, &JsonReport::of(&done, args.dry_run))?,
        OutputFormat::Text => {
            for line in &done.differences {
                writeln!(out, "{line}")?;
            }
        }
    }
    report(&done, args, ui);
    Ok(Outcome::Success)
}

/// What was recorded, on stderr.
fn report(done: &Reconciled, args: &ReconcileArgs, ui: &Ui) {
    let env = &args.env;
    if !done.settings_compared {
        crate::note!(
            ui,
            "note: {env} has no snapshot: its settings were not compared (`ledger snapshot --env \
             {env}` records them)"
        );
    }
    match &done.entry {
        None => crate::note!(
            ui,
            "{env}: AWS serves what the ledger says; nothing was recorded"
        ),
        Some(_) if args.dry_run => crate::note!(
            ui,
            "dry run: {} difference(s) in {env}; nothing was recorded",
            done.differences.len()
        ),
        Some(entry) => crate::note!(
            ui,
            "recorded #{} reconcile of {env}: {} difference(s)",
            entry.seq,
            done.differences.len()
        ),
    }
}

/// `--format json`: `{"schema": 1, "dry_run": b, "differences": [...], "entry": {...} | null}`.
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    dry_run: bool,
    differences: &'a [String],
    entry: Option<&'a Entry>,
}

impl<'a> JsonReport<'a> {
    fn of(done: &'a Reconciled, dry_run: bool) -> Self {
        JsonReport {
            dry_run,
            differences: &done.differences,
            entry: done.entry.as_ref(),
        }
    }
}
