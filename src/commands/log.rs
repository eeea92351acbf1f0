//! `ledger log`: entries, newest first.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, Workspace, write_json};
use crate::cli::{LogArgs, OutputFormat};

pub fn run(workspace: &Workspace, args: &LogArgs, out: &mut dyn Write) -> Result<Outcome> {
    let config = workspace.config()?;
    if let Some(env) = &args.env {
        config.environment(env, &workspace.config_path())?;
    }
    let journal = workspace.journal()?;
    let entries: Vec<_> = journal
        .entries
        .iter()
        .rev()
        .filter(|e| args.env.as_ref().is_none_or(|env| &e.env == env))
        .collect();
    match args.format {
        OutputFormat::Json => write_json(out, &entries)?,
        OutputFormat::Text => {
            for e in entries {
                writeln!(
                    out,
                    "#{:<4} {:<12} {:<9} {:<14} {:<8} {:<24} {}",
                    e.seq,
                    e.env,
                    e.kind.as_str(),
                    e.version.as_deref().unwrap_or("-"),
                    e.short_commit(),
                    e.deployed_at.to_string(),
                    e.deployed_by.as_deref().unwrap_or("-")
                )?;
            }
        }
    }
    Ok(Outcome::Success)
}
