//! `ledger reconcile`: read what AWS serves now for every resource of an
//! environment (its objects, the versions its pinning services serve, and
//! its settings when it has snapshots), and append one reconcile entry
//! recording where that differs from the ledger. The way forward after an
//! interrupted rollback, or a change made outside the ledger: afterwards
//! `verify --aws` agrees with AWS and `rollback` plans from the truth.

use super::session::{self, Appending, AwsSettings};
use super::{Result, Workspace};
use crate::config::{Config, Environment};
use crate::journal::{Entry, EntryKind, FileAction, FileChange, Inventory, Pins};
use crate::model;
use crate::refuse;
use crate::services::inventory::{self, Fields, Scope};
use crate::services::s3::{self as objects, Reading};
use crate::services::{self, Missing};
use crate::timestamp::Timestamp;
use crate::ui::{CaptureBars, Ui};

/// What `reconcile` is asked, resolved.
#[derive(Debug, Clone, Default)]
pub struct ReconcileSettings {
    /// The environment.
    pub env: String,
    /// Why (kept in the entry).
    pub reason: Option<String>,
    /// Who reconciles.
    pub by: String,
    /// Show the differences; append nothing.
    pub dry_run: bool,
    /// How to list and read the objects.
    pub reading: Reading,
    /// How to reach AWS.
    pub aws: AwsSettings,
}

/// What `reconcile` found and did.
#[derive(Debug, Clone)]
pub struct Reconciled {
    /// The reconcile entry: appended, or on a dry run as it would be
    /// (without seq or hash). `None` when AWS serves what the ledger says.
    pub entry: Option<Entry>,
    /// Each difference from the ledger, in words.
    pub differences: Vec<String>,
    /// The environment's settings were compared (it has a snapshot).
    pub settings_compared: bool,
}

/// What AWS serves of an environment, against the ledger.
struct Found {
    files: Vec<FileChange>,
    unversioned: Option<String>,
    pins: Pins,
    inventory: Option<Inventory>,
    differences: Vec<String>,
    settings_compared: bool,
}

/// Reads `settings.env` from AWS and records where it differs from the
/// ledger (unless a dry run, or nothing differs).
pub fn reconcile(
    workspace: &Workspace,
    config: &Config,
    settings: &ReconcileSettings,
    ui: &Ui,
) -> Result<Reconciled> {
    let env = config.environment(&settings.env, &workspace.config_path())?;
    session::refresh_mirror_with(workspace, config, settings.aws.policy, ui)?;
    let journal = workspace.journal(ui)?;
    let mut signing = session::Signing::default();
    if !settings.dry_run {
        signing = session::Signing::resolve(workspace, config)?;
        signing.check(journal.entries.len() as u64 + 1)?;
    }
    let entries = model::in_force(&journal.entries);
    let tip = tip_of(&entries, &settings.env);
    let found = read_aws(config, (&settings.env, env), &entries, settings, ui)?;
    let settings_compared = found.settings_compared;
    if found.differences.is_empty() {
        return Ok(Reconciled {
            entry: None,
            differences: Vec::new(),
            settings_compared,
        });
    }
    let differences = found.differences.clone();
    let entry = reconcile_entry(&entries, settings, found);
    if settings.dry_run {
        return Ok(Reconciled {
            entry: Some(entry),
            differences,
            settings_compared,
        });
    }
    let mut appending = Appending::open_signed(workspace, config, &signing, ui)?;
    if tip_of(&model::in_force(appending.heads()?), &settings.env) != tip {
        refuse!(
            "another entry of `{}` was recorded while AWS was being read; nothing was recorded: \
             run `ledger reconcile --env {}` again",
            settings.env,
            settings.env
        );
    }
    let entry = appending.append(entry)?;
    Ok(Reconciled {
        entry: Some(entry),
        differences,
        settings_compared,
    })
}

/// The last entry of `env` that says what it serves or how it is set.
fn tip_of(entries: &[Entry], env: &str) -> Option<u64> {
    (entries.iter().rev())
        .find(|e| e.env == env && (e.kind.changes_files() || e.kind.reads_inventory()))
        .map(|e| e.seq)
}

/// The entry recording `found`: the release the environment serves (its
/// last deploy or rollback) with the differences as its files and pins.
fn reconcile_entry(entries: &[Entry], settings: &ReconcileSettings, found: Found) -> Entry {
    let release = model::last_deploy(entries, &settings.env);
    let mut notes: Vec<String> = found.unversioned.into_iter().collect();
    notes.extend(found.differences);
    Entry {
        version: release.and_then(|e| e.version.clone()),
        commit: release.and_then(|e| e.commit.clone()),
        deployed_by: Some(settings.by.clone()),
        reason: settings.reason.clone(),
        files: found.files,
        pins: found.pins,
        inventory: found.inventory,
        notes,
        ..Entry::new(EntryKind::Reconcile, settings.env.clone(), Timestamp::now())
    }
}

/// Reads the environment's objects, pins and (with a snapshot) settings,
/// and compares each with the ledger.
fn read_aws(
    config: &Config,
    (key, env): (&str, &Environment),
    entries: &[Entry],
    settings: &ReconcileSettings,
    ui: &Ui,
) -> Result<Found> {
    let runtime = session::runtime()?;
    let clients = runtime.block_on(session::clients(env, &settings.aws, ui));
    let picture = match model::last_observed(entries, key) {
        Some(last) => model::live_state(entries, key, last.seq),
        None => model::LiveState::new(),
    };
    let progress = CaptureBars::new(*ui);
    let capture = objects::capture_objects(&clients, env, &picture, settings.reading, &progress);
    let objects = runtime.block_on(capture)?;
    let mut differences: Vec<String> = (objects.files.iter())
        .map(|file| file_difference(&picture, file))
        .collect();
    let served = runtime.block_on(services::read_pins(&clients, (key, env), config))?;
    let pins = changed_pins(entries, key, &served, &mut differences);
    let scope = Scope::of(config, key);
    let inventory = match inventory::latest_inventory(entries, key) {
        Some(recorded) => {
            let read = services::read_inventory(&clients, (key, env), config, scope, Missing::Skip);
            let now = runtime.block_on(read)?;
            let recorded = inventory::declared_only(recorded, config, env, scope);
            let lines = inventory::compare(&recorded, &now, Fields::Configuration);
            differences.extend(lines.iter().map(|line| format!("setting: {line}")));
            Some(now).filter(|_| !lines.is_empty())
        }
        None => None,
    };
    Ok(Found {
        settings_compared: inventory::latest_inventory(entries, key).is_some(),
        files: objects.files,
        unversioned: objects.unversioned,
        pins,
        inventory,
        differences,
    })
}

/// The pins `served` that differ from those the ledger has in force, each
/// difference added to `differences` in words.
fn changed_pins(
    entries: &[Entry],
    env: &str,
    served: &Pins,
    differences: &mut Vec<String>,
) -> Pins {
    let mut changed = Pins::new();
    for (key, pins) in served {
        let live = model::live_pins(entries, env, key, u64::MAX);
        let moved = model::changed_pins(&live, pins);
        if let Some(pinning) = services::by_pin_key(key) {
            for pin in &moved {
                let name = model::pin_name(pin);
                let before = live.get(name).map(|at| at.pin);
                let line = pinning.change_line(name, before, Some(pin));
                differences.push(format!("{line} (the ledger had it otherwise)"));
            }
        }
        if !moved.is_empty() {
            changed.insert(key.clone(), moved);
        }
    }
    changed
}

/// One object's difference in words: what the ledger has live, what S3
/// serves.
fn file_difference(picture: &model::LiveState, file: &FileChange) -> String {
    let had = match picture.get(&file.key) {
        Some(live) => format!("the ledger has {} live", version_words(live)),
        None => "the ledger has no such key live".to_string(),
    };
    let serves = match file.action {
        FileAction::Put => format!("S3 serves {}", version_words(file)),
        FileAction::Delete => "S3 has deleted it".to_string(),
    };
    format!("{}: {had}; {serves}", file.key)
}

/// `version ID` or, unversioned, `ETag E`.
fn version_words(file: &FileChange) -> String {
    match (file.version_id.as_deref(), file.etag.as_deref()) {
        (Some(id), _) if id != "null" => format!("version {id}"),
        (_, Some(etag)) => format!("ETag {etag}"),
        _ => "an unknown version".to_string(),
    }
}

/// What a partial rollback's entry advises: reconcile first when S3 may
/// have applied a step the rollback did not see answered, then roll back
/// again to finish.
pub fn after_partial_rollback(env: &str, target_seq: u64) -> String {
    format!(
        "to finish: `ledger reconcile --env {env}` (records what S3 serves now, in case a step \
         the rollback did not see answered was applied), then `ledger rollback --env {env} --to \
         #{target_seq}` (restores only what still differs)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_names_the_key_what_the_ledger_has_and_what_s3_serves() {
        let mut live = FileChange::put("z.js");
        live.version_id = Some("v1".into());
        let picture = model::LiveState::from([("z.js".to_string(), live)]);
        let deleted = FileChange::deleted("z.js");
        assert_eq!(
            file_difference(&picture, &deleted),
            "z.js: the ledger has version v1 live; S3 has deleted it"
        );
        let mut new = FileChange::put("a.js");
        new.version_id = Some("null".into());
        new.etag = Some("e1".into());
        assert_eq!(
            file_difference(&picture, &new),
            "a.js: the ledger has no such key live; S3 serves ETag e1"
        );
    }
}
