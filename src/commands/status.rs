//! `ledger status`: per environment, what is live, whose reading of S3 its
//! objects come from, and a lock.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::{Outcome, Workspace, write_json};
use crate::cli::{OutputFormat, StatusArgs};
use crate::journal::Entry;
use crate::model;

#[derive(Serialize)]
struct Status {
    environments: Vec<EnvStatus>,
}

#[derive(Serialize)]
struct EnvStatus {
    env: String,
    /// The last deploy or rollback in force.
    live: Option<Live>,
    /// The entry whose reading of S3 the objects come from.
    objects_from: Option<u64>,
    /// The lock in force.
    lock: Option<Lock>,
}

#[derive(Serialize)]
struct Live {
    seq: u64,
    kind: String,
    version: Option<String>,
    commit: Option<String>,
    deployed_at: String,
    deployed_by: Option<String>,
}

#[derive(Serialize)]
struct Lock {
    seq: u64,
    by: Option<String>,
    at: String,
    reason: Option<String>,
}

pub fn run(
    workspace: &Workspace,
    args: &StatusArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    let names: Vec<String> = match &args.env {
        Some(env) => {
            config.environment(env, &workspace.config_path())?;
            vec![env.clone()]
        }
        None => config.environments.keys().cloned().collect(),
    };
    let index = workspace.index(ui)?;
    let entries = model::in_force(index.heads()?);
    let status = Status {
        environments: names.iter().map(|env| env_status(&entries, env)).collect(),
    };
    match args.format {
        OutputFormat::Json => write_json(out, &status)?,
        OutputFormat::Text => write_text(out, &status)?,
    }
    Ok(Outcome::Success)
}

fn env_status(entries: &[Entry], env: &str) -> EnvStatus {
    EnvStatus {
        env: env.to_string(),
        live: model::last_deploy(entries, env).map(|e| Live {
            seq: e.seq,
            kind: e.kind.as_str().into(),
            version: e.version.clone(),
            commit: e.commit.clone(),
            deployed_at: e.deployed_at.to_string(),
            deployed_by: e.deployed_by.clone(),
        }),
        objects_from: model::last_observed(entries, env).map(|e| e.seq),
        lock: model::lock_of(entries, env).map(|l| Lock {
            seq: l.seq,
            by: l.deployed_by.clone(),
            at: l.deployed_at.to_string(),
            reason: l.reason.clone(),
        }),
    }
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
