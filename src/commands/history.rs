//! `ledger history KEY`: every version of one object, with its live interval.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, Workspace, write_json};
use crate::cli::{HistoryArgs, OutputFormat};
use crate::journal::FileAction;
use crate::model::audit::key_history;

pub fn run(workspace: &Workspace, args: &HistoryArgs, out: &mut dyn Write) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let journal = workspace.journal()?;
    let history = key_history(&journal.entries, &args.env, &args.key);
    if history.is_empty() {
        eprintln!("note: no entry of {} recorded {}", args.env, args.key);
    }
    match args.format {
        OutputFormat::Json => write_json(out, &history)?,
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
