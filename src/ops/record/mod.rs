//! `ledger record`: resolve the commit and its range from git, capture the
//! environment's objects and invalidation from AWS (unless --no-aws), and
//! append one entry.

mod capture;
mod request;
mod settle;

use std::time::Duration;

use capture::capture_aws;
use request::Request;
use settle::{Settled, Settling};

use super::session::{AwsSettings, storage_with};
use super::{Result, Workspace};
use crate::config::Config;
use crate::journal::{Entry, Index, Pins};
use crate::model;
use crate::services::s3::Reading;
use crate::timestamp::{Timestamp, WrittenTime};
use crate::ui::Ui;

/// What `record` is asked, resolved.
#[derive(Debug, Clone, Default)]
pub struct RecordSettings {
    /// The environment.
    pub env: String,
    /// The version (default: the commit's tag).
    pub version: Option<String>,
    /// The commit deployed, as a revision (`HEAD`).
    pub commit: String,
    /// Where the commit range starts (default: the previous deploy's commit).
    pub since: Option<String>,
    /// Who deploys.
    pub by: String,
    /// When the artefacts were built.
    pub build_time: Option<WrittenTime>,
    /// When the deploy went out (default: now).
    pub at: Option<Timestamp>,
    /// Change lines given by hand (instead of the commits').
    pub changes: Vec<String>,
    /// An invalidation made by the pipeline, to look up.
    pub invalidation: Option<String>,
    /// Paths to create an invalidation for.
    pub invalidate: Vec<String>,
    /// Wait for the invalidation to complete, at most this long.
    pub wait: Option<Duration>,
    /// Record even when nothing changed.
    pub allow_empty: bool,
    /// Read nothing from AWS.
    pub no_aws: bool,
    /// A deploy of a version already deployed.
    pub redeploy: bool,
    /// Show the entry, append nothing (and create no invalidation).
    pub dry_run: bool,
    /// Record even while the environment is locked.
    pub force: bool,
    /// How to list and read the objects.
    pub reading: Reading,
    /// How to reach AWS.
    pub aws: AwsSettings,
}

/// What `record` did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The entry appended (on a dry run: as it would be appended).
    pub entry: Entry,
    /// Nothing was appended.
    pub dry_run: bool,
    /// On a dry run: the paths an invalidation would have been created for.
    pub would_invalidate: Option<Vec<String>>,
    /// What the entry pins that the environment served otherwise before,
    /// in words (`parameter /app/url 3 -> 4`).
    pub pin_changes: Vec<String>,
    /// The record repeated the environment's last deploy and AWS is as it
    /// recorded: `entry` is that deploy, and nothing was appended.
    pub already_recorded: bool,
}

/// Records a deploy as `args` says.
pub fn record(
    workspace: &Workspace,
    config: &Config,
    args: &RecordSettings,
    ui: &Ui,
) -> Result<Recorded> {
    let env = config
        .environment(&args.env, &workspace.config_path())?
        .clone();
    let repo = workspace.repo()?;
    let mut request = Request::resolve(workspace, config, args, &env, &repo)?;
    warn_dirty(&request, ui);

    // A lock lifted, or a deploy recorded, through the store since the
    // mirror was last brought in decides what this record may do.
    super::session::refresh_mirror_with(workspace, config, args.aws.policy, ui)?;
    // The capture takes no lock: AWS and --wait may take minutes.
    let index = workspace.index(ui)?;
    let signing = signing_for(workspace, config, &index, args.dry_run)?;
    // The heads the checks read, not every head: an append costs the same
    // on a long journal (see Index::append_view).
    let view = index.append_view(&args.env, |version| {
        crate::render::changelog::versions_match(version, &request.version)
    })?;
    let seen = model::in_force(&view);
    if args.since.is_none() && model::last_deploy(&seen, &args.env).is_none() {
        request.find_first_start(&index)?;
    }
    let mut entry = request.draft(&seen, args.at.unwrap_or_else(Timestamp::now), ui)?;
    let (capture, pins) = capture_aws(&request, &index, &seen, &mut entry, ui)?;

    pause_for_tests();
    let storage = storage_with(workspace, config, args.aws.policy, ui)?;
    let mut settling = Settling {
        env: &args.env,
        index: &index,
        view: &view,
        seen: &seen,
        capture,
        pins,
        signing: &signing,
    };
    let Settled {
        lock,
        appender,
        now,
    } = settling.settle(workspace, storage.as_ref(), &mut entry, ui)?;
    // Function versions are diffed against the journal as it is now, and
    // were read after any entry that pinned them landed.
    let pin_changes = add_changed_pins(&mut entry, &settling.pins, &now);
    if let Some(earlier) = request.unchanged_rerun(&entry, &now) {
        return Ok(Recorded::already(earlier, args.dry_run));
    }
    let deployed_at = args.at.unwrap_or_else(Timestamp::now);
    let entry = request.settle(entry, &seen, &now, deployed_at, ui)?;
    let held = (lock, appender);
    append_or_show(&request, storage.as_ref(), held, entry, pin_changes)
}

/// How the append is signed: a key that cannot sign, or signing required
/// without a key, stops the record here, before AWS is touched (a dry run
/// appends nothing, and is not stopped for want of a key).
fn signing_for(
    workspace: &Workspace,
    config: &Config,
    index: &Index,
    dry_run: bool,
) -> Result<super::session::Signing> {
    let signing = super::session::Signing::resolve(workspace, config)?;
    if !dry_run {
        signing.check(index.count() as u64 + 1)?;
    }
    Ok(signing)
}

/// Appends the settled `entry` under the lock `held`; on a dry run, seals
/// it as it would be appended now (seq, prev_hash and hash shown) instead.
fn append_or_show(
    request: &Request<'_>,
    storage: &dyn crate::journal::Storage,
    (lock, mut appender): (crate::journal::JournalLock, crate::journal::Appender),
    entry: Entry,
    pin_changes: Vec<String>,
) -> Result<Recorded> {
    if request.args.dry_run {
        let (entry, _) = appender.seal(entry)?;
        return Ok(Recorded {
            entry,
            dry_run: true,
            would_invalidate: request.invalidate_paths.clone(),
            pin_changes,
            already_recorded: false,
        });
    }
    let entry = storage.append(&lock, &mut appender, entry)?;
    drop(lock);
    Ok(Recorded {
        entry,
        dry_run: false,
        would_invalidate: None,
        pin_changes,
        already_recorded: false,
    })
}

impl Recorded {
    /// The record repeated `earlier`, and AWS is as it recorded.
    fn already(earlier: &Entry, dry_run: bool) -> Recorded {
        Recorded {
            entry: earlier.clone(),
            dry_run,
            would_invalidate: None,
            pin_changes: Vec::new(),
            already_recorded: true,
        }
    }
}

/// Says, before the capture, that the working tree has uncommitted changes.
fn warn_dirty(request: &Request<'_>, ui: &Ui) {
    if let Some(dirty) = &request.dirty_note {
        crate::warning!(
            ui,
            "{dirty}; the entry notes it (commit before deploying to record exactly what was built)"
        );
    }
}

/// The pins captured that differ from what `now` says the entry's
/// environment serves, added to `entry`; each change in words
/// (`parameter /app/url 3 -> 4`).
fn add_changed_pins(entry: &mut Entry, captured: &Pins, now: &[Entry]) -> Vec<String> {
    let mut lines = Vec::new();
    for (key, pins) in captured {
        let live = model::live_pins(now, &entry.env, key, u64::MAX);
        let changed = model::changed_pins(&live, pins);
        if let Some(pinning) = crate::services::by_pin_key(key) {
            for pin in &changed {
                let name = model::pin_name(pin);
                let before = live.get(name).map(|at| at.pin);
                lines.push(pinning.change_line(name, before, Some(pin)));
            }
        }
        if !changed.is_empty() {
            entry.pins.insert(key.to_string(), changed);
        }
    }
    lines
}

/// Testing aid, in debug builds only (the tests' builds): with
/// `LEDGER_TEST_PAUSE_BEFORE_APPEND=FILE`, a record that has captured
/// creates `FILE.captured` and waits (up to two minutes) while FILE exists,
/// so that a test can land another entry in between.
#[cfg(debug_assertions)]
fn pause_for_tests() {
    let Some(gate) = std::env::var_os("LEDGER_TEST_PAUSE_BEFORE_APPEND") else {
        return;
    };
    let gate = std::path::PathBuf::from(gate);
    let mut captured = gate.clone().into_os_string();
    captured.push(".captured");
    let _ = std::fs::write(&captured, b"");
    let started = std::time::Instant::now();
    while gate.exists() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A release build has no testing aid.
#[cfg(not(debug_assertions))]
fn pause_for_tests() {}

/// The objects of `env` as the ledger last observed them (`heads`: the
/// index's heads in force).
fn observed_picture(index: &Index, heads: &[Entry], env: &str) -> Result<model::LiveState> {
    Ok(match model::last_observed(heads, env) {
        Some(last) => model::live_state_indexed(index, env, last.seq)?,
        None => model::LiveState::new(),
    })
}

/// Whether the entry `f` finds for `env` differs between two readings.
fn moved(
    f: for<'e> fn(&'e [Entry], &'e str) -> Option<&'e Entry>,
    before: &[Entry],
    after: &[Entry],
    env: &str,
) -> bool {
    f(before, env).map(|e| e.seq) != f(after, env).map(|e| e.seq)
}
