//! `ledger show REF`: one entry, as text or JSON.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, write_json};
use crate::cli::{ShowArgs, ShowFormat};
use crate::document::format::human_size;
use crate::journal::{Entry, FileAction, Inventory, ReleaseNotes};
use crate::ops::Workspace;
use crate::ops::query::show;
use crate::services::{self, REGISTRY};
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &ShowArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    if let Some(env) = &args.env {
        config.environment(env, &workspace.config_path())?;
    }
    let shown = show::show(workspace, &args.reference, args.env.as_deref(), ui)?;
    let entry = &shown.entry;
    match args.format {
        ShowFormat::Json => {
            let rules = crate::ops::verify::signature_rules(workspace, &config)?;
            let altered = shown.altered.then_some(entry.seq).into_iter().collect();
            let signed =
                super::signer::signed(std::slice::from_ref(entry), rules.as_ref(), &altered);
            write_json(out, &signed[0])?
        }
        ShowFormat::SignedPayload => out.write_all(crate::signing::entry_payload(&entry.hash))?,
        ShowFormat::Sshsig => {
            let Some(signature) = &entry.signature else {
                anyhow::bail!(crate::refusal!("#{} is not signed", entry.seq));
            };
            out.write_all(crate::signing::to_pem(signature)?.as_bytes())?;
        }
        ShowFormat::Text => {
            write_entry(out, entry, &shown.changes)?;
            if let Some(rules) = crate::ops::verify::signature_rules(workspace, &config)? {
                let verdict = rules.verdict_read(entry, shown.altered);
                writeln!(out, "  signature     {}", verdict.describe())?;
            }
            if let Some(void) = shown.voided_by {
                writeln!(
                    out,
                    "  voided by     #{void}: recorded in error, left out of folds and documents"
                )?;
            }
        }
    }
    if let (Some(void), ShowFormat::Json) = (shown.voided_by, args.format) {
        crate::note!(ui, "note: #{} is voided by #{void}", entry.seq);
    }
    Ok(Outcome::Success)
}

/// The readable form of one entry, with the configuration changes a
/// snapshot brought (see `model::inventory`).
pub fn write_entry(out: &mut dyn Write, e: &Entry, changes: &[String]) -> std::io::Result<()> {
    writeln!(out, "entry #{} ({})", e.seq, e.kind.as_str())?;
    for (name, value) in fields(e) {
        writeln!(out, "  {name:<13} {}", crate::ui::printable(&value))?;
    }
    write_changes(out, e)?;
    write_files(out, e)?;
    write_pins(out, e)?;
    if let Some(release) = &e.release {
        write_release(out, release)?;
    }
    if let Some(inventory) = &e.inventory {
        write_inventory(out, inventory)?;
    }
    if !changes.is_empty() {
        writeln!(out, "  changes since the previous snapshot:")?;
        for line in changes {
            writeln!(out, "    {}", crate::ui::printable(line))?;
        }
    }
    for note in &e.notes {
        writeln!(out, "  note: {note}")?;
    }
    Ok(())
}

/// The entry's one-line fields that it has, in the order shown.
fn fields(e: &Entry) -> Vec<(&'static str, String)> {
    let yes = |flag: bool| flag.then(|| "yes".to_string());
    let commits = (!e.commits.is_empty()).then(|| {
        let short: Vec<String> = e
            .commits
            .iter()
            .map(|c| c.chars().take(7).collect())
            .collect();
        short.join(" ")
    });
    let invalidation = e.invalidation.as_ref().map(|i| {
        let mut text = i.id.clone();
        if let Some(status) = &i.status {
            text.push_str(&format!(" ({status})"));
        }
        if let Some(created) = i.created_at {
            text.push_str(&format!(" created {created}"));
        }
        text
    });
    let fields = [
        ("environment", Some(e.env.clone())),
        ("version", e.version.clone()),
        ("commit", e.commit.clone()),
        ("deployed at", Some(e.deployed_at.to_string())),
        ("build time", e.build_time.as_ref().map(|t| t.to_string())),
        ("deployed by", e.deployed_by.clone()),
        ("restores", e.restores.map(|s| format!("#{s}"))),
        ("redeploy", yes(e.redeploy)),
        (
            "objects",
            (e.no_aws).then(|| "not read from S3 (recorded with --no-aws)".to_string()),
        ),
        (
            "voids",
            e.voids.map(|s| format!("#{s} (recorded in error)")),
        ),
        ("reason", e.reason.clone()),
        ("imported", yes(e.imported)),
        ("commits", commits),
        ("invalidation", invalidation),
        ("hash", Some(e.hash.clone())),
    ];
    (fields.into_iter())
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect()
}

/// The entry's change lines.
fn write_changes(out: &mut dyn Write, e: &Entry) -> std::io::Result<()> {
    if e.changes.is_empty() {
        return Ok(());
    }
    writeln!(out, "  changes:")?;
    for c in &e.changes {
        let group = (c.group.as_deref())
            .map(|g| format!("[{g}] "))
            .unwrap_or_default();
        writeln!(out, "    - {group}{}", crate::ui::printable(&c.text))?;
    }
    Ok(())
}

/// The objects the entry put (+) and deleted (-).
fn write_files(out: &mut dyn Write, e: &Entry) -> std::io::Result<()> {
    if e.files.is_empty() {
        return Ok(());
    }
    writeln!(out, "  files:")?;
    for f in &e.files {
        let sign = if f.action == FileAction::Put {
            '+'
        } else {
            '-'
        };
        let size = f.size.map(human_size).unwrap_or_default();
        let version = f.version_id.as_deref().unwrap_or("");
        let line = format!("    {sign} {:<40} {:>10}  {}", f.key, size, version);
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// What the entry pinned, each service's lines as it shows them.
fn write_pins(out: &mut dyn Write, e: &Entry) -> std::io::Result<()> {
    for (key, pins) in &e.pins {
        writeln!(out, "  {key}:")?;
        for pin in pins {
            let line = match services::by_pin_key(key) {
                Some(pinning) => pinning.show_line(pin),
                None => format!("    {pin}"),
            };
            writeln!(out, "{}", crate::ui::printable(line.trim_end()))?;
        }
    }
    Ok(())
}

/// An imported release's notes, a line per item.
fn write_release(out: &mut dyn Write, release: &ReleaseNotes) -> std::io::Result<()> {
    let mut headline = release.date.clone().unwrap_or_else(|| "undated".into());
    if release.yanked {
        headline.push_str(" [YANKED]");
    }
    writeln!(out, "  release notes ({headline}):")?;
    for group in &release.groups {
        writeln!(out, "    {}:", group.name)?;
        for item in &group.items {
            writeln!(out, "      - {}", item.lines().next().unwrap_or(""))?;
        }
    }
    Ok(())
}

/// What a snapshot read, service by service.
fn write_inventory(out: &mut dyn Write, inventory: &Inventory) -> std::io::Result<()> {
    for service in REGISTRY {
        if let Some(state) = inventory.get(service.state_key()) {
            for line in service.show(state) {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}
