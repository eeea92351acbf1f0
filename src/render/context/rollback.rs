//! The document's rollback plan: the S3 steps and each pinning service's
//! commands that undo the release environment's latest deploy.

use serde::Serialize;

use indexmap::IndexMap;

use crate::config::Config;
use crate::journal::{Entry, EntryKind, FileAction, FileChange};
use crate::model;
use crate::services::Ordered;

use super::EntryView;
use crate::render::RenderError;
use crate::render::source::Source;

/// The rollback plan shown in the document.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackView<'a> {
    /// Environment key.
    pub env: String,
    /// Bucket.
    pub bucket: String,
    /// AWS profile.
    pub profile: Option<String>,
    /// Distribution to invalidate.
    pub distribution: Option<String>,
    /// The deploy being undone.
    pub from: Option<EntryView<'a>>,
    /// What the commands undo, for a label: `v1.1.0`, or `the rollback to
    /// v1.0.0 (#5)` when the latest entry is a rollback.
    pub undoes: Option<String>,
    /// Whether the steps carry real version IDs from the journal.
    pub pinned: bool,
    /// One step per key.
    pub steps: Vec<RollbackStep>,
    /// Per pinning service whose resources the latest deploy moved: the
    /// comment and the aws CLI commands that point them back.
    pub pins: Vec<PinRollback>,
    /// Each such service's steps under its own key (`aliases`:
    /// `function`, `alias`, `version`).
    #[serde(flatten)]
    pub pin_steps: IndexMap<&'static str, Vec<Ordered>>,
}

/// One pinning service's part of the document's rollback commands.
#[derive(Debug, Clone, Serialize)]
pub struct PinRollback {
    /// The comment above the commands (`Point Lambda aliases back`).
    pub comment: &'static str,
    /// The commands, quoted, without `--profile`.
    pub commands: Vec<String>,
}

/// One key of a rollback plan.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackStep {
    /// `restore` (copy a previous version back) or `delete` (the key did not exist before).
    pub action: String,
    /// S3 key.
    pub key: String,
    /// Version to restore, or `VERSION_ID` when not recorded.
    pub version_id: String,
}

pub(super) fn rollback_view<'a>(
    config: &Config,
    source: &dyn Source,
    entries: &[Entry],
    view: &dyn Fn(&Entry) -> Option<EntryView<'a>>,
) -> Result<Option<RollbackView<'a>>, RenderError> {
    let key = &config.changelog.release_env;
    let Some(env) = config.environments.get(key) else {
        return Ok(None);
    };
    let latest = model::last_deploy(entries, key);
    let (steps, pinned) = match latest {
        Some(latest) => {
            let before = source.live_state(key, latest.seq - 1)?;
            rollback_steps(latest, &before)
        }
        None => (vec![placeholder("KEY")], false),
    };
    let pins = latest.map_or_else(Vec::new, |l| pin_undos(entries, key, l));
    Ok(Some(RollbackView {
        env: key.clone(),
        bucket: env.bucket.clone(),
        profile: env.profile.clone(),
        distribution: env.distribution.clone(),
        from: latest.and_then(view),
        undoes: latest.map(undo_label),
        pinned,
        steps,
        pins: pins.iter().map(|(rollback, _)| rollback.clone()).collect(),
        pin_steps: pins.into_iter().map(|(_, steps)| steps).collect(),
    }))
}

/// The steps that undo `latest` in S3 given what was served `before` it,
/// and whether they carry version IDs the journal recorded (a placeholder
/// step otherwise): a key served before is restored to the version it
/// had, a key put new is deleted.
pub(super) fn rollback_steps(
    latest: &Entry,
    before: &model::LiveState,
) -> (Vec<RollbackStep>, bool) {
    let recorded = |f: &FileChange| f.version_id.is_some();
    let pinned = latest.files.iter().any(recorded) || before.values().any(recorded);
    if !pinned {
        let key = latest.puts().next().map_or("KEY", |f| f.key.as_str());
        return (vec![placeholder(key)], false);
    }
    let steps = (latest.files.iter())
        .filter_map(|file| match (before.get(&file.key), file.action) {
            (Some(previous), _) => Some(RollbackStep {
                action: "restore".into(),
                key: file.key.clone(),
                version_id: (previous.version_id.clone()).unwrap_or_else(|| "VERSION_ID".into()),
            }),
            (None, FileAction::Put) => Some(RollbackStep {
                action: "delete".into(),
                key: file.key.clone(),
                version_id: String::new(),
            }),
            (None, FileAction::Delete) => None,
        })
        .collect();
    (steps, true)
}

/// Per pinning service, how to point back what `latest` moved: its part of
/// the commands, and its steps under its own key for templates.
pub(super) type PinUndos = Vec<(PinRollback, (&'static str, Vec<Ordered>))>;

/// The resources `latest` moved, pointed back to what was served before it.
pub(super) fn pin_undos(entries: &[Entry], env: &str, latest: &Entry) -> PinUndos {
    let mut undos = Vec::new();
    for pinning in crate::services::pinning() {
        let before = model::live_pins(entries, env, pinning.key(), latest.seq - 1);
        let steps: Vec<_> = (latest.pins_of(pinning.key()).iter())
            .filter_map(|now| {
                let previous = before.get(model::pin_name(now))?;
                pinning.undo(previous.pin, now)
            })
            .collect();
        if steps.is_empty() {
            continue;
        }
        let rollback = PinRollback {
            comment: pinning.undo_comment(),
            commands: steps.iter().map(|s| s.command.clone()).collect(),
        };
        let fields = steps.into_iter().map(|s| s.fields).collect();
        undos.push((rollback, (pinning.undo_key(), fields)));
    }
    undos
}

/// What undoing `latest` undoes, in words.
pub(super) fn undo_label(latest: &Entry) -> String {
    let name = latest
        .version
        .clone()
        .unwrap_or_else(|| format!("#{}", latest.seq));
    match latest.kind {
        EntryKind::Rollback => format!("the rollback to {name}, #{}", latest.seq),
        _ => name,
    }
}

pub(super) fn placeholder(key: &str) -> RollbackStep {
    RollbackStep {
        action: "restore".into(),
        key: key.to_string(),
        version_id: "VERSION_ID".into(),
    }
}
