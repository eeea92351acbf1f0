//! `ledger history KEY`: every version of one object, with its live interval.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::{Result, bail};

use super::{Outcome, Workspace, write_json};
use crate::cli::{HistoryArgs, OutputFormat};
use crate::journal::Entry;
use crate::journal::FileAction;
use crate::journal::Index;
use crate::model::{
    self,
    audit::{KeyVersion, key_history_indexed},
};
use crate::services::{Pinning, Served, pin_history};

/// The JSON shape: the object, then its versions oldest first.
#[derive(serde::Serialize)]
struct HistoryJson<'a> {
    env: &'a str,
    key: &'a str,
    versions: &'a [model::audit::KeyVersion],
}

pub fn run(
    workspace: &Workspace,
    args: &HistoryArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let index = workspace.index(ui)?;
    let entries = model::in_force(index.heads()?);
    let Some(key) = &args.key else {
        let name = args.function.as_deref().unwrap_or_default();
        let pinning = crate::services::pinning()
            .find(|p| p.noun() == "function")
            .ok_or_else(|| anyhow::anyhow!("no service pins functions"))?;
        return resource_history(&entries, &args.env, (pinning, name), args.format, out);
    };
    let (key, history) = recorded_key(&index, &args.env, key, ui)?;
    let unobserved: Vec<String> = entries
        .iter()
        .filter(|e| e.env == args.env && e.kind.changes_files() && e.no_aws)
        .map(|e| format!("#{}", e.seq))
        .collect();
    if !unobserved.is_empty() {
        crate::note!(
            ui,
            "note: {} of {} recorded with --no-aws: what {} served after them is not known to the ledger",
            unobserved.join(", "),
            args.env,
            key
        );
    }
    match args.format {
        OutputFormat::Json => write_json(
            out,
            &HistoryJson {
                env: &args.env,
                key: &key,
                versions: &history,
            },
        )?,
        OutputFormat::Text => {
            for v in &history {
                let what = match v.action {
                    FileAction::Put => "put",
                    FileAction::Delete => "deleted",
                };
                writeln!(
                    out,
                    "#{:<4} {:<12} {:<8} {:<34} {} .. {}",
                    v.seq,
                    v.release.as_deref().unwrap_or("-"),
                    what,
                    v.version_id.as_deref().unwrap_or("-"),
                    v.from,
                    v.until.map_or_else(|| "now".to_string(), |t| t.to_string())
                )?;
            }
        }
    }
    Ok(Outcome::Success)
}

/// The key as recorded, with its history in force: `KEY` itself, or
/// without a leading `/` (a URL path, as CloudFront and browsers write it).
/// Refuses a key no entry in force recorded, naming recorded keys that end
/// the same way.
fn recorded_key(
    index: &Index,
    env: &str,
    key: &str,
    ui: &crate::ui::Ui,
) -> Result<(String, Vec<KeyVersion>)> {
    let keys: BTreeSet<String> = index.keys(env)?;
    // Keys only voided entries changed are listed, but have no history.
    let history = |k: &str| -> Result<Option<Vec<KeyVersion>>> {
        if !keys.contains(k) {
            return Ok(None);
        }
        let history = key_history_indexed(index, env, k)?;
        Ok((!history.is_empty()).then_some(history))
    };
    if let Some(found) = history(key)? {
        return Ok((key.to_string(), found));
    }
    let trimmed = key.trim_start_matches('/');
    if trimmed != key
        && let Some(found) = history(trimmed)?
    {
        crate::note!(ui, "note: {key} is the URL path of key {trimmed}");
        return Ok((trimmed.to_string(), found));
    }
    let name = trimmed.rsplit('/').next().unwrap_or(trimmed);
    let mut similar: Vec<&str> = Vec::new();
    for candidate in keys
        .iter()
        .filter(|k| !name.is_empty() && k.ends_with(name))
    {
        if history(candidate)?.is_some() {
            similar.push(candidate);
        }
    }
    let hint = if similar.is_empty() {
        format!("`ledger live --env {env}` lists the keys live now")
    } else {
        format!("recorded keys ending so: {}", similar.join(", "))
    };
    bail!("no entry of `{env}` recorded the key `{key}`: keys are S3 keys, prefix included; {hint}")
}

/// The JSON shape of `history --NOUN NAME`: the resource under the
/// service's noun (`function`), then the versions it served, oldest first.
struct ResourceHistoryJson<'a> {
    env: &'a str,
    noun: &'static str,
    name: &'a str,
    versions: &'a [Served],
}

impl serde::Serialize for ResourceHistoryJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("env", self.env)?;
        map.serialize_entry(self.noun, self.name)?;
        map.serialize_entry("versions", self.versions)?;
        map.end()
    }
}

/// `history --function NAME` (and the other pinning services' flags).
fn resource_history(
    entries: &[Entry],
    env: &str,
    (pinning, name): (&dyn Pinning, &str),
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let history = pin_history(entries, env, pinning, name);
    if history.is_empty() {
        bail!(
            "no entry of `{env}` recorded Lambda function `{name}`: declare it under \
             [[environments.{env}.functions]] and record a deploy"
        );
    }
    match format {
        OutputFormat::Json => write_json(
            out,
            &ResourceHistoryJson {
                env,
                noun: pinning.noun(),
                name,
                versions: &history,
            },
        )?,
        OutputFormat::Text => write_resource_rows(out, pinning, &history)?,
    }
    Ok(Outcome::Success)
}

/// A pinning service's history as aligned columns under a header.
fn write_resource_rows(
    out: &mut dyn Write,
    pinning: &dyn Pinning,
    history: &[Served],
) -> std::io::Result<()> {
    let rows: Vec<[String; 6]> = history
        .iter()
        .map(|v| {
            let [first, second] = pinning.history_cells(&v.pin);
            [
                format!("#{}", v.seq),
                v.release.clone().unwrap_or_else(|| "-".into()),
                v.kind.to_string(),
                first,
                second,
                format!(
                    "{} .. {}",
                    v.from,
                    v.until.map_or_else(|| "now".to_string(), |t| t.to_string())
                ),
            ]
        })
        .collect();
    let [first, second] = pinning.history_columns();
    let header = ["SEQ", "RELEASE", "KIND", first, second, "SERVED"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        writeln!(out, "{}", crate::ui::printable(line.join("  ").trim_end()))?;
    }
    Ok(())
}
