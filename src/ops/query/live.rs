//! `ledger live`: what was live in an environment at an instant.

use serde::Serialize;

use chrono::{DateTime, Utc};

use crate::journal::Invalidation;
use crate::model::{
    self,
    audit::{LiveAt, LiveError, heads_for_live_at, instant_for_query, live_at_indexed},
};
use crate::ops::{Result, Workspace};
use crate::services::Ordered;
use crate::timestamp::Timestamp;
use indexmap::IndexMap;

/// What was live: the deploy or rollback in force and what it served.
/// `deploy` is null (and everything else empty) when nothing was live then:
/// the instant is before the environment's first deploy, or it has none.
#[derive(Debug, Serialize)]
pub struct Answer {
    pub env: String,
    pub at: String,
    pub deploy: Option<Deploy>,
    /// Why nothing was live, when `deploy` is null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nothing_live: Option<String>,
    /// The entry whose reading of S3 `files` comes from: the deploy itself,
    /// an earlier entry when the deploy was recorded with `--no-aws`, or
    /// null when no entry up to then read S3 (`files` is then empty and unknown).
    pub objects_from: Option<u64>,
    pub files: Vec<File>,
    /// What each pinning service's resources served then, as recorded,
    /// under its key (`functions`: the Lambda versions), by name.
    #[serde(flatten)]
    pub pins: IndexMap<&'static str, Vec<Ordered>>,
    /// The same in words, for the text form.
    #[serde(skip)]
    pub pin_lines: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Deploy {
    pub seq: u64,
    pub kind: String,
    pub version: Option<String>,
    pub commit: Option<String>,
    pub deployed_at: String,
    pub deployed_by: Option<String>,
    pub invalidation: Option<InvalidationAt>,
}

#[derive(Debug, Serialize)]
pub struct InvalidationAt {
    pub id: String,
    pub status: Option<String>,
    pub created_at: Option<String>,
    pub completed_seen_at: Option<String>,
    /// Whether it had completed by the instant: true, false, or null when unknown.
    pub completed: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct File {
    pub key: String,
    pub version_id: Option<String>,
    pub etag: Option<String>,
    pub size: Option<u64>,
}

/// What `live` is asked.
#[derive(Debug, Clone)]
pub struct LiveQuery {
    /// The environment.
    pub env: String,
    /// The instant.
    pub at: Timestamp,
    /// Only this key's version.
    pub key: Option<String>,
}

/// What was live in `args.env` at `args.at`.
pub fn live(workspace: &Workspace, args: &LiveQuery, ui: &crate::ui::Ui) -> Result<Answer> {
    let index = workspace.index(ui)?;
    let at = instant_for_query(args.at);
    let heads = heads_for_live_at(&index, &args.env, at)?;
    let heads = model::in_force(&heads);
    let live = match live_at_indexed(&index, &heads, &args.env, at) {
        Ok(live) => live,
        Err(LiveError::BeforeFirst {
            env, seq, first, ..
        }) => {
            let why = format!("the first deploy of {env} is #{seq}, at {first}");
            return Ok(Answer::nothing(args, at, why));
        }
        Err(LiveError::NoDeploys { env }) => {
            let why = format!("{env} has no deploys in the ledger yet");
            return Ok(Answer::nothing(args, at, why));
        }
        Err(other) => return Err(other.into()),
    };
    let entry = live.entry;
    let answer = Answer {
        env: args.env.clone(),
        at: Timestamp::At(at).to_string(),
        nothing_live: None,
        deploy: Some(Deploy {
            seq: entry.seq,
            kind: entry.kind.as_str().into(),
            version: entry.version.clone(),
            commit: entry.commit.clone(),
            deployed_at: entry.deployed_at.to_string(),
            deployed_by: entry.deployed_by.clone(),
            invalidation: entry.invalidation.as_ref().map(|i| invalidation_at(i, at)),
        }),
        objects_from: live.observed.map(|o| o.seq),
        files: (live.state.values())
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
                let pins = live.pins.get(p.key()).into_iter().flat_map(|l| l.values());
                (p.key(), pins.map(|at| p.live_json(at.pin)).collect())
            })
            .collect(),
        pin_lines: crate::services::pinning()
            .flat_map(|p| {
                let pins = live.pins.get(p.key()).into_iter().flat_map(|l| l.values());
                pins.map(move |at| format!("  {:<13}{}", p.noun(), p.line(at.pin)))
                    .collect::<Vec<_>>()
            })
            .collect(),
    };
    note_unobserved(args, &live, &answer, ui);
    Ok(answer)
}

impl Answer {
    /// The answer when nothing was live at `at`, and why.
    fn nothing(args: &LiveQuery, at: DateTime<Utc>, why: String) -> Answer {
        Answer {
            env: args.env.clone(),
            at: Timestamp::At(at).to_string(),
            deploy: None,
            nothing_live: Some(why),
            objects_from: None,
            files: Vec::new(),
            pins: crate::services::pinning()
                .map(|p| (p.key(), Vec::new()))
                .collect(),
            pin_lines: Vec::new(),
        }
    }
}

/// An invalidation as of `at`: whether it had completed by then.
fn invalidation_at(i: &Invalidation, at: DateTime<Utc>) -> InvalidationAt {
    let in_progress =
        (i.status.as_deref()).is_some_and(|s| !crate::services::cloudfront::is_completed(s));
    InvalidationAt {
        id: i.id.clone(),
        status: i.status.clone(),
        created_at: i.created_at.map(|t| t.to_string()),
        completed_seen_at: i.completed_seen_at.map(|t| t.to_string()),
        completed: match i.completed_seen_at {
            Some(seen) => Some(seen.instant() <= at),
            None if in_progress => Some(false),
            None => None,
        },
    }
}

/// Says where the objects come from when the deploy itself did not read
/// S3, and when the key asked for was not live.
fn note_unobserved(args: &LiveQuery, live: &LiveAt<'_>, answer: &Answer, ui: &crate::ui::Ui) {
    let entry = live.entry;
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
}
