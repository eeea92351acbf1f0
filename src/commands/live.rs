//! `ledger live`: what was live in an environment at an instant
//! (`ops::query::live`).

use std::io::Write;

use anyhow::Result;

use super::{Outcome, write_json};
use crate::cli::{LiveArgs, OutputFormat};
use crate::document::format::human_size;
use crate::ops::Workspace;
use crate::ops::query::live::{self, Answer, LiveQuery};
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &LiveArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let query = LiveQuery {
        env: args.env.clone(),
        at: args.at,
        key: args.key.clone(),
    };
    let answer = live::live(workspace, &query, ui)?;
    match args.format {
        OutputFormat::Json => write_json(out, &answer)?,
        OutputFormat::Text => write_text(out, &answer)?,
    }
    Ok(Outcome::Success)
}

fn write_text(out: &mut dyn Write, a: &Answer) -> std::io::Result<()> {
    let Some(d) = &a.deploy else {
        let why = a.nothing_live.as_deref().unwrap_or("nothing recorded");
        return writeln!(out, "{} at {}: nothing was live ({why})", a.env, a.at);
    };
    writeln!(out, "{} at {}: entry #{} ({})", a.env, a.at, d.seq, d.kind)?;
    writeln!(
        out,
        "  version      {}",
        d.version.as_deref().unwrap_or("-")
    )?;
    writeln!(out, "  commit       {}", d.commit.as_deref().unwrap_or("-"))?;
    writeln!(out, "  deployed at  {}", d.deployed_at)?;
    writeln!(
        out,
        "  deployed by  {}",
        d.deployed_by.as_deref().unwrap_or("-")
    )?;
    if let Some(i) = &d.invalidation {
        let state = match i.completed {
            Some(true) => "completed by then".to_string(),
            Some(false) => {
                "not completed by then: CloudFront may still have served older copies".to_string()
            }
            None => "completion time unknown".to_string(),
        };
        writeln!(out, "  invalidation {} ({state})", i.id)?;
    }
    for line in &a.pin_lines {
        writeln!(out, "{line}")?;
    }
    match a.objects_from {
        None => {
            writeln!(out, "  objects      unknown (no entry up to then read S3)")?;
            return Ok(());
        }
        Some(seq) if seq != d.seq => {
            writeln!(
                out,
                "  objects      as read by #{seq} (#{} was recorded with --no-aws)",
                d.seq
            )?;
        }
        Some(_) => {}
    }
    writeln!(out, "  {} object(s) live:", a.files.len())?;
    for f in &a.files {
        let line = format!(
            "    {:<48} {:<34} {:>10}  {}",
            f.key,
            f.version_id.as_deref().unwrap_or("-"),
            f.size.map(human_size).unwrap_or_default(),
            f.etag.as_deref().unwrap_or("")
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
