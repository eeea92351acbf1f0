//! `ledger status`: per environment, what is live, whose reading of S3 its
//! objects come from, and a lock (`ops::query::status`).

use std::io::Write;

use anyhow::Result;

use super::{Outcome, write_json};
use crate::cli::{OutputFormat, StatusArgs};
use crate::ops::Workspace;
use crate::ops::query::status::{self, Status};
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &StatusArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    let names: Vec<String> = match &args.env {
        Some(env) => {
            config.environment(env, &workspace.config_path())?;
            vec![env.clone()]
        }
        None => config.environments.keys().cloned().collect(),
    };
    let status = status::status(workspace, &names, ui)?;
    match args.format {
        OutputFormat::Json => write_json(out, &status)?,
        OutputFormat::Text => write_text(out, &status)?,
    }
    Ok(Outcome::Success)
}

fn write_text(out: &mut dyn Write, status: &Status) -> std::io::Result<()> {
    for env in &status.environments {
        writeln!(out, "{}", env.env)?;
        match &env.live {
            Some(live) => writeln!(
                out,
                "  live     #{} {} {} ({}) at {} by {}",
                live.seq,
                live.kind,
                live.version.as_deref().unwrap_or("-"),
                live.commit
                    .as_deref()
                    .map(|c| c.chars().take(7).collect::<String>())
                    .unwrap_or_else(|| "-".into()),
                live.deployed_at,
                live.deployed_by.as_deref().unwrap_or("-")
            )?,
            None => writeln!(out, "  live     nothing recorded yet")?,
        }
        match (env.objects_from, &env.live) {
            (Some(seq), Some(live)) if seq != live.seq => writeln!(
                out,
                "  objects  as read by #{seq} (#{} did not read S3)",
                live.seq
            )?,
            (None, Some(_)) => writeln!(out, "  objects  unknown (no entry read S3)")?,
            _ => {}
        }
        match &env.lock {
            Some(lock) => writeln!(
                out,
                "  lock     LOCKED #{} by {} at {}: {}",
                lock.seq,
                lock.by.as_deref().unwrap_or("-"),
                lock.at,
                lock.reason.as_deref().unwrap_or("no reason given")
            )?,
            None => writeln!(out, "  lock     none")?,
        }
    }
    Ok(())
}
