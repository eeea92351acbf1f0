//! `ledger log`: entries, newest first, in aligned columns under a header.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Result;

use super::{Outcome, Versioned, write_json_list};
use crate::cli::{LogArgs, LogFormat};
use crate::journal::{Entry, EntryKind};
use crate::ops::Workspace;
use crate::ops::query::log::{self, LogQuery};
use crate::ui::Ui;

const HEADER: [&str; 8] = [
    "SEQ",
    "ENV",
    "KIND",
    "VERSION",
    "COMMIT",
    "DEPLOYED AT",
    "BY",
    "NOTE",
];

pub fn run(workspace: &Workspace, args: &LogArgs, out: &mut dyn Write, ui: &Ui) -> Result<Outcome> {
    let config = workspace.config()?;
    if let Some(env) = &args.env {
        config.environment(env, &workspace.config_path())?;
    }
    let query = LogQuery {
        env: args.env.clone(),
        max_count: args.max_count,
        since: args.since,
        until: args.until,
        by: args.by.clone(),
        kinds: args
            .kind
            .iter()
            .filter_map(|k| EntryKind::parse(k))
            .collect(),
        whole: args.format != LogFormat::Text,
    };
    let logged = log::log(workspace, &query, ui)?;
    let rules = crate::ops::verify::signature_rules(workspace, &config)?;
    let signed = || super::signer::signed(&logged.entries, rules.as_ref(), &logged.altered);
    match args.format {
        LogFormat::Json => write_json_list(out, "entries", &signed())?,
        LogFormat::Jsonl => write_lines(out, &signed())?,
        LogFormat::Text if logged.entries.is_empty() => {
            if args.max_count != Some(0) {
                crate::note!(ui, "{}", nothing_listed(&query));
            }
        }
        LogFormat::Text => {
            let marks = Marks {
                voided: logged.voided,
                changes: logged.changes,
                rules,
                altered: logged.altered,
            };
            let rows: Vec<[String; 8]> = logged.entries.iter().map(|e| row(e, &marks)).collect();
            super::columns::write_columns(out, &HEADER, &rows)?;
        }
    }
    Ok(Outcome::Success)
}

/// Why nothing was listed: an empty ledger, or filters nothing passed.
fn nothing_listed(query: &LogQuery) -> &'static str {
    let filtered = query.env.is_some()
        || query.since.is_some()
        || query.until.is_some()
        || query.by.is_some()
        || !query.kinds.is_empty();
    if filtered {
        "no entries match these filters"
    } else {
        "no entries recorded yet"
    }
}

/// JSON Lines: one entry per line, each with the shape's `schema` first.
fn write_lines(out: &mut dyn Write, entries: &[super::signer::SignedEntry<'_>]) -> Result<()> {
    for entry in entries {
        let line = serde_json::to_string(&Versioned::new(entry))?;
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// What the notes column needs beyond the entry itself.
struct Marks {
    /// Voided seq -> the void's seq.
    voided: HashMap<u64, u64>,
    /// Snapshot seq -> its configuration changes.
    changes: HashMap<u64, Vec<String>>,
    /// Who may sign, where signing is set up.
    rules: Option<crate::verify::Rules>,
    /// Entries whose content no longer matches their hash.
    altered: std::collections::HashSet<u64>,
}

/// One entry's cells, in [`HEADER`] order.
fn row(e: &Entry, marks: &Marks) -> [String; 8] {
    [
        format!("#{}", e.seq),
        e.env.clone(),
        e.kind.as_str().to_string(),
        e.version.clone().unwrap_or_else(|| "-".into()),
        e.short_commit(),
        e.deployed_at.to_string(),
        e.deployed_by.clone().unwrap_or_else(|| "-".into()),
        note(e, marks),
    ]
}

/// What sets an entry apart: a redeploy, no object state, a restore, a
/// void, a snapshot's configuration changes.
fn note(e: &Entry, marks: &Marks) -> String {
    let mut notes = Vec::new();
    if let Some(void) = marks.voided.get(&e.seq) {
        notes.push(format!("voided by #{void}"));
    }
    if e.redeploy {
        notes.push("redeploy".to_string());
    }
    if e.no_aws {
        notes.push("no AWS state (--no-aws)".to_string());
    }
    if let Some(seq) = e.restores {
        notes.push(format!("restores #{seq}"));
    }
    if e.kind == EntryKind::Void
        && let Some(seq) = e.voids
    {
        notes.push(format!("voids #{seq}"));
    }
    match e.kind {
        EntryKind::Lock => notes.push(format!(
            "locked: {}",
            e.reason.as_deref().unwrap_or("no reason given")
        )),
        EntryKind::Unlock => notes.push("unlocked".to_string()),
        EntryKind::Reconcile => notes.push(format!(
            "reconciled with AWS: {}",
            e.reason.as_deref().unwrap_or("no reason given")
        )),
        _ => {}
    }
    if let Some(changes) = marks.changes.get(&e.seq) {
        notes.push(changes_note(e.seq, changes));
    }
    if e.imported {
        notes.push("imported".to_string());
    }
    if let Some(rules) = &marks.rules {
        notes.push(super::signer::note(
            rules,
            e,
            marks.altered.contains(&e.seq),
        ));
    }
    notes.join(", ")
}

/// A snapshot's changes in a log row: the first two, and how many more
/// (`ledger show` lists them all).
fn changes_note(seq: u64, changes: &[String]) -> String {
    const SHOWN: usize = 2;
    let mut note = changes
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if changes.len() > SHOWN {
        note.push_str(&format!(
            "; {} more (ledger show #{seq})",
            changes.len() - SHOWN
        ));
    }
    note
}
