//! `ledger record` (`ops::record`): the one-line summary of the new entry
//! on stderr; with `--format json` the entry on stdout; with `--dry-run`
//! the entry as it would be appended.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;

use super::{Outcome, aws_settings, write_json};
use crate::cli::{OutputFormat, RecordArgs};
use crate::journal::Entry;
use crate::ops::Workspace;
use crate::ops::record::{self, RecordSettings};
use crate::services::s3::Reading;
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &RecordArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    let settings = settings(workspace, args)?;
    let recorded = record::record(workspace, &config, &settings, ui)?;
    let entry = &recorded.entry;
    if recorded.already_recorded {
        report_already(entry, args.no_aws, ui);
        if args.format == OutputFormat::Json {
            write_json(out, entry)?;
        }
        return Ok(Outcome::Success);
    }
    if recorded.dry_run {
        match args.format {
            OutputFormat::Json => write_json(out, entry)?,
            OutputFormat::Text => super::show::write_entry(out, entry, &[])?,
        }
        if let Some(paths) = &recorded.would_invalidate {
            crate::note!(
                ui,
                "dry run: would create an invalidation of {} on the distribution",
                paths.join(" ")
            );
        }
        crate::note!(ui, "dry run: nothing was recorded");
        return Ok(Outcome::Success);
    }
    report(entry, ui);
    for change in &recorded.pin_changes {
        crate::note!(ui, "  {change}");
    }
    if args.format == OutputFormat::Json {
        write_json(out, entry)?;
    }
    Ok(Outcome::Success)
}

/// What `args` ask of `record`, resolved.
fn settings(workspace: &Workspace, args: &RecordArgs) -> Result<RecordSettings> {
    Ok(RecordSettings {
        env: args.env.clone(),
        version: args.version.clone(),
        commit: args.commit.clone(),
        since: args.since.clone(),
        by: workspace.actor(args.by.as_ref())?,
        build_time: args.build_time.clone(),
        at: args.at,
        changes: args.changes.clone(),
        invalidation: args.invalidation.clone(),
        invalidate: args.invalidate.clone(),
        wait: args.wait.then(|| Duration::from_secs(args.wait_timeout)),
        allow_empty: args.allow_empty,
        no_aws: args.no_aws,
        redeploy: args.redeploy,
        dry_run: args.dry_run,
        force: args.force,
        reading: Reading {
            page_size: args.page_size,
            concurrency: args.concurrency,
        },
        aws: aws_settings(&args.aws),
    })
}

/// The entry a re-run repeats, on stderr.
fn report_already(entry: &Entry, no_aws: bool, ui: &Ui) {
    let why = if no_aws {
        "(--no-aws: AWS was not read)"
    } else {
        "and AWS serves what it recorded"
    };
    crate::note!(
        ui,
        "already recorded as #{} ({} {} at {}, {}), {why}: nothing was appended",
        entry.seq,
        entry.env,
        entry.version.as_deref().unwrap_or("-"),
        entry.short_commit(),
        entry.deployed_at
    );
}

/// The one-line summary of a new entry, on stderr.
fn report(entry: &Entry, ui: &Ui) {
    for note in &entry.notes {
        crate::warning!(ui, "{note}");
    }
    crate::note!(
        ui,
        "recorded #{} {} {}{} at {} ({} commit(s), {} change(s), {})",
        entry.seq,
        entry.env,
        entry.version.as_deref().unwrap_or("-"),
        if entry.redeploy { " (redeploy)" } else { "" },
        entry.short_commit(),
        entry.commits.len(),
        entry.changes.len(),
        if entry.no_aws {
            "objects not read: --no-aws".to_string()
        } else {
            format!(
                "{} file(s) put, {} deleted{}{}",
                entry.puts().count(),
                entry.deletes().count(),
                pin_counts(entry),
                entry
                    .invalidation
                    .as_ref()
                    .map(|i| format!(
                        ", invalidation {}{}",
                        i.id,
                        i.status
                            .as_deref()
                            .map(|s| format!(" {s}"))
                            .unwrap_or_default()
                    ))
                    .unwrap_or_default()
            )
        }
    );
}

/// `, 2 function version(s)` per pinning service the entry pinned.
fn pin_counts(entry: &Entry) -> String {
    crate::services::pinning()
        .filter(|p| !entry.pins_of(p.key()).is_empty())
        .map(|p| format!(", {} {} version(s)", entry.pins_of(p.key()).len(), p.noun()))
        .collect()
}
