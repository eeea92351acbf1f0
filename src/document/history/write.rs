//! Writing a block: what the built-in template's deploy loop printed.

use std::fmt::Write as _;

use super::BlockFacts;
use crate::document::cell::{code_cell, table_cell};
use crate::document::format::human_size;
use crate::journal::{Change, Entry, EntryKind, FileAction, short_sha};

/// Commits listed one by one up to this many; past it, the last one and a count.
const LISTED_COMMITS: usize = 3;

/// Appends the block of `entry` (a deploy, rollback or void) to `out`.
pub fn write(entry: &Entry, facts: &BlockFacts<'_>, out: &mut String) {
    write_heading(entry, facts, out);
    if entry.kind == EntryKind::Void {
        write_void(entry, facts, out);
        return;
    }
    if entry.kind == EntryKind::Reconcile {
        write_reconcile_meta(entry, out);
    } else {
        write_meta(entry, out);
    }
    write_files(entry, out);
    write_deleted(entry, out);
    if entry.no_aws {
        out.push_str("\n**Objects**: not read from S3 (recorded with `--no-aws`)\n");
    }
    if let Some(invalidation) = &entry.invalidation {
        let _ = write!(out, "\n**CloudFront Invalidation**: `{}`", invalidation.id);
        if let Some(status) = present(invalidation.status.as_deref()) {
            let _ = write!(out, " ({status})");
        }
        out.push('\n');
    }
    write_changes(&entry.changes, out);
    for block in facts.pins {
        let _ = writeln!(out, "\n**{}**:", block.title);
        for line in &block.lines {
            let _ = writeln!(out, "- {line}");
        }
    }
    for extra in &entry.extra {
        let _ = writeln!(out, "\n{extra}");
    }
    out.push_str("\n---\n");
}

/// `\n### DATE - ENV TITLE\n`.
fn write_heading(entry: &Entry, facts: &BlockFacts<'_>, out: &mut String) {
    let version = present(entry.version.as_deref());
    let _ = write!(
        out,
        "\n### {} - {} ",
        entry.deployed_at.date_string(),
        facts.env_name
    );
    match entry.kind {
        EntryKind::Rollback => {
            out.push_str("Rollback");
            if let Some(to) = present(facts.restores_version).or(version) {
                let _ = write!(out, " to {to}");
            }
        }
        EntryKind::Void => out.push_str("Correction"),
        EntryKind::Reconcile => {
            out.push_str("Reconcile with AWS");
            if let Some(version) = version {
                let _ = write!(out, " ({version})");
            }
        }
        _ => {
            out.push_str(if entry.redeploy { "Redeploy" } else { "Deploy" });
            if let Some(version) = version {
                let _ = write!(out, " {version}");
            }
        }
    }
    out.push('\n');
}

/// A correction's body: what it voids, why, and who.
fn write_void(entry: &Entry, facts: &BlockFacts<'_>, out: &mut String) {
    let voids = match facts.voids_summary {
        Some(summary) => table_cell(summary),
        None => format!("#{}", entry.voids.unwrap_or_default()),
    };
    let _ = writeln!(out, "\n**Voids**: {voids}, recorded in error");
    if let Some(reason) = present(entry.reason.as_deref()) {
        let _ = writeln!(out, "**Reason**: {reason}");
    }
    if let Some(by) = present(entry.deployed_by.as_deref()) {
        let _ = writeln!(out, "**Corrected By**: {by}");
    }
    out.push_str("\n---\n");
}

/// A reconcile's `**Reason**:` and `**Reconciled By**:` lines.
fn write_reconcile_meta(entry: &Entry, out: &mut String) {
    out.push('\n');
    let reason = present(entry.reason.as_deref()).unwrap_or("none given");
    let _ = writeln!(out, "**Reason**: {reason}");
    if let Some(by) = present(entry.deployed_by.as_deref()) {
        let _ = writeln!(out, "**Reconciled By**: {by}");
    }
}

/// The `**Commit**:`, `**Deployed By**:` and `**Build Time**:` lines.
fn write_meta(entry: &Entry, out: &mut String) {
    let commit = present(entry.commit.as_deref());
    let deployed_by = present(entry.deployed_by.as_deref());
    let has_meta = !entry.commits.is_empty() || commit.is_some() || deployed_by.is_some();
    if !has_meta && entry.build_time.is_none() {
        return;
    }
    out.push('\n');
    let listed = entry.imported || entry.commits.len() <= LISTED_COMMITS;
    if !entry.commits.is_empty() && listed {
        out.push_str("**Commit**: ");
        for (at, sha) in entry.commits.iter().enumerate() {
            if at > 0 {
                out.push_str(" + ");
            }
            let _ = write!(out, "`{}`", short_sha(sha));
        }
        out.push('\n');
    } else if let Some(commit) = commit {
        let _ = write!(out, "**Commit**: `{}`", short_sha(commit));
        if entry.commits.len() > LISTED_COMMITS {
            let _ = write!(out, " ({} commits)", entry.commits.len());
        }
        out.push('\n');
    }
    if let Some(by) = deployed_by {
        let _ = writeln!(out, "**Deployed By**: {by}");
    }
    if let Some(time) = &entry.build_time {
        let _ = writeln!(out, "**Build Time**: {time}");
    }
}

/// The `**Files Deployed**:` table.
fn write_files(entry: &Entry, out: &mut String) {
    let mut puts = entry.puts().peekable();
    if puts.peek().is_none() {
        return;
    }
    out.push_str("\n**Files Deployed**:\n| File | Size | Content-Type |\n");
    out.push_str("|------|------|--------------|\n");
    for file in puts {
        let size = match (&file.size_text, file.size) {
            (Some(text), _) => table_cell(text),
            (None, Some(bytes)) => table_cell(&human_size(bytes)),
            (None, None) => "-".to_string(),
        };
        let content_type = file.content_type.as_deref().map_or("-".into(), table_cell);
        let _ = writeln!(
            out,
            "| {} | {size} | {content_type} |",
            code_cell(&file.key)
        );
    }
}

/// The `**Files Deleted**:` list.
fn write_deleted(entry: &Entry, out: &mut String) {
    let mut deleted = (entry.files.iter())
        .filter(|f| f.action == FileAction::Delete)
        .peekable();
    if deleted.peek().is_none() {
        return;
    }
    out.push_str("\n**Files Deleted**:\n");
    for file in deleted {
        let _ = writeln!(out, "- `{}`", file.key);
    }
}

/// The `**Changes**:` list.
fn write_changes(changes: &[Change], out: &mut String) {
    if changes.is_empty() {
        return;
    }
    out.push_str("\n**Changes**:\n");
    for change in changes {
        out.push_str("- ");
        if change.breaking {
            out.push_str("**BREAKING** ");
        }
        out.push_str(&change.text);
        out.push('\n');
    }
}

/// A text the template's truth test would print: tera takes an empty
/// string for false.
fn present(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.is_empty())
}
