//! `ledger history` (`ops::query::history`): as aligned columns, or JSON.

use std::io::Write;

use anyhow::{Result, anyhow, bail};

use super::{Outcome, write_json};
use crate::cli::{HistoryArgs, OutputFormat};
use crate::journal::FileAction;
use crate::model::audit::KeyVersion;
use crate::ops::Workspace;
use crate::ops::query::history::{self, History, HistoryOf};
use crate::services::{Pinning, Served};
use crate::ui::Ui;

/// The JSON shape: the object, then its versions oldest first.
#[derive(serde::Serialize)]
struct HistoryJson<'a> {
    env: &'a str,
    key: &'a str,
    versions: &'a [crate::model::audit::KeyVersion],
}

pub fn run(
    workspace: &Workspace,
    args: &HistoryArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let of = match (&args.key, &args.pinned) {
        (Some(key), _) => HistoryOf::Key(key),
        (None, Some(pinned)) => {
            let pinning = crate::services::by_pin_key(pinned.key)
                .ok_or_else(|| anyhow!("no service pins under `{}`", pinned.key))?;
            HistoryOf::Pin(pinning, &pinned.name)
        }
        (None, None) => bail!("name a key, or a resource (`ledger history --help`)"),
    };
    match history::history(workspace, &args.env, of, ui)? {
        History::Key(key, versions) => match args.format {
            OutputFormat::Json => write_json(
                out,
                &HistoryJson {
                    env: &args.env,
                    key: &key,
                    versions: &versions,
                },
            )?,
            OutputFormat::Text => write_key_rows(out, &versions)?,
        },
        History::Pin(pinning, name, served) => match args.format {
            OutputFormat::Json => write_json(
                out,
                &ResourceHistoryJson {
                    env: &args.env,
                    noun: pinning.noun(),
                    name: &name,
                    versions: &served,
                },
            )?,
            OutputFormat::Text => write_resource_rows(out, pinning, &served)?,
        },
    }
    Ok(Outcome::Success)
}

/// A key's versions as aligned columns under a header: seq, release,
/// action, version ID, and the interval it was live.
fn write_key_rows(out: &mut dyn Write, versions: &[KeyVersion]) -> std::io::Result<()> {
    let rows: Vec<[String; 5]> = versions
        .iter()
        .map(|v| {
            let what = match v.action {
                FileAction::Put => "put",
                FileAction::Delete => "deleted",
            };
            [
                format!("#{}", v.seq),
                v.release.clone().unwrap_or_else(|| "-".into()),
                what.to_string(),
                v.version_id.clone().unwrap_or_else(|| "-".into()),
                format!(
                    "{} .. {}",
                    v.from,
                    v.until.map_or_else(|| "now".to_string(), |t| t.to_string())
                ),
            ]
        })
        .collect();
    let header = ["SEQ", "RELEASE", "ACTION", "VERSION ID", "LIVE"];
    super::columns::write_columns(out, &header, &rows)
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
    let header = ["SEQ", "RELEASE", "KIND", first, second, "SERVED"];
    super::columns::write_columns(out, &header, &rows)
}
