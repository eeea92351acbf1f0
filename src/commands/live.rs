//! `ledger live`: what was live in an environment at an instant.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::{Outcome, Workspace, write_json};
use crate::cli::{LiveArgs, OutputFormat};
use crate::document::format::human_size;
use crate::model::{
    self,
    audit::{instant_for_query, live_at_indexed},
};
use crate::services::Ordered;
use crate::timestamp::Timestamp;
use indexmap::IndexMap;

#[derive(Serialize)]
struct Answer {
    env: String,
    at: String,
    deploy: Deploy,
    /// The entry whose reading of S3 `files` comes from: the deploy itself,
    /// an earlier entry when the deploy was recorded with `--no-aws`, or
    /// null when no entry up to then read S3 (`files` is then empty and unknown).
    objects_from: Option<u64>,
    files: Vec<File>,
    /// What each pinning service's resources served then, as recorded,
    /// under its key (`functions`: the Lambda versions), by name.
    #[serde(flatten)]
    pins: IndexMap<&'static str, Vec<Ordered>>,
    /// The same in words, for the text form.
    #[serde(skip)]
    pin_lines: Vec<String>,
}

#[derive(Serialize)]
struct Deploy {
    seq: u64,
    kind: String,
    version: Option<String>,
    commit: Option<String>,
    deployed_at: String,
    deployed_by: Option<String>,
    invalidation: Option<InvalidationAt>,
}

#[derive(Serialize)]
struct InvalidationAt {
    id: String,
    status: Option<String>,
    created_at: Option<String>,
    completed_seen_at: Option<String>,
    /// Whether it had completed by the instant: true, false, or null when unknown.
    completed: Option<bool>,
}

#[derive(Serialize)]
struct File {
    key: String,
    version_id: Option<String>,
    etag: Option<String>,
    size: Option<u64>,
}

pub fn run(
    workspace: &Workspace,
    args: &LiveArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    config.environment(&args.env, &workspace.config_path())?;
    let index = workspace.index(ui)?;
    let heads = model::in_force(index.heads()?);
    let at = instant_for_query(args.at);
    let live = live_at_indexed(&index, &heads, &args.env, at)?;
    let (entry, state) = (live.entry, &live.state);
    let invalidation = entry.invalidation.as_ref().map(|i| InvalidationAt {
        id: i.id.clone(),
        status: i.status.clone(),
        created_at: i.created_at.map(|t| t.to_string()),
        completed_seen_at: i.completed_seen_at.map(|t| t.to_string()),
        completed: match i.completed_seen_at {
            Some(seen) if seen.instant() <= at => Some(true),
            Some(_) => Some(false),
            None if i
                .status
                .as_deref()
                .is_some_and(|s| !crate::services::cloudfront::is_completed(s)) =>
            {
                Some(false)
            }
            None => None,
        },
    });
    let answer = Answer {
        env: args.env.clone(),
        at: Timestamp::At(at).to_string(),
        deploy: Deploy {
            seq: entry.seq,
            kind: entry.kind.as_str().into(),
            version: entry.version.clone(),
            commit: entry.commit.clone(),
            deployed_at: entry.deployed_at.to_string(),
            deployed_by: entry.deployed_by.clone(),
            invalidation,
        },
        objects_from: live.observed.map(|o| o.seq),
        files: state
            .values()
            .filter(|f| args.key.as_ref().is_none_or(|k| &f.key == k))
            .map(|f| File {
                key: f.key.clone(),
                version_id: f.version_id.clone(),
                etag: f.etag.clone(),
                size: f.size,
            })
            .collect(),
        pins: crate::services::pinning()
            .map(|p| {
                let live = live.pins.get(p.key());
                let pins = live.into_iter().flat_map(|l| l.values());
                (p.key(), pins.map(|at| p.live_json(at.pin)).collect())
            })
            .collect(),
        pin_lines: crate::services::pinning()
            .flat_map(|p| {
                let live = live.pins.get(p.key());
                let pins = live.into_iter().flat_map(|l| l.values());
                pins.map(move |at| format!("  {:<13}{}", p.noun(), p.line(at.pin)))
                    .collect::<Vec<_>>()
            })
            .collect(),
    };
    match live.observed {
        None => crate::note!(
            ui,
            "note: no entry of {} up to #{} read S3 (recorded with --no-aws): the objects live then are not known; \
             `ledger record --env {}` without --no-aws captures them",
            args.env,
            entry.seq,
            args.env
        ),
        Some(observed) if observed.seq != entry.seq => crate::note!(
            ui,
            "note: #{} was recorded with --no-aws: the objects are those #{} read from S3, \
             the last entry of {} that did",
            entry.seq,
            observed.seq,
            args.env
        ),
        Some(_) => {}
    }
    if let Some(key) = &args.key
        && answer.files.is_empty()
        && live.observed.is_some()
    {
        crate::note!(
            ui,
            "note: {key} was not live in {} at {}",
            args.env,
            answer.at
        );
    }
    match args.format {
        OutputFormat::Json => write_json(out, &answer)?,
        OutputFormat::Text => write_text(out, &answer)?,
    }
    Ok(Outcome::Success)
}

fn write_text(out: &mut dyn Write, a: &Answer) -> std::io::Result<()> {
    let d = &a.deploy;
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
