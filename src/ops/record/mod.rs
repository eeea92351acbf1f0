//! `ledger record`: resolve the commit and its range from git, capture the
//! environment's objects and invalidation from AWS (unless --no-aws), and
//! append one entry.

mod capture;
mod request;

use std::time::Duration;

use capture::{Capture, capture_aws};
use request::Request;

use super::session::{AwsSettings, storage};
use super::{Result, Workspace};
use crate::aws::s3::Listing;
use crate::config::Config;
use crate::journal::{Entry, FileChange, Index, JournalLock};
use crate::model;
use crate::refuse;
use crate::services;
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
    let request = Request::resolve(workspace, config, args, &env, &repo)?;

    // The capture takes no lock: AWS and --wait may take minutes.
    let index = workspace.index(ui)?;
    // The heads the checks read, not every head: an append costs the same
    // on a long journal (see Index::append_view).
    let view = index.append_view(&args.env, |version| {
        crate::render::changelog::versions_match(version, &request.version)
    })?;
    let seen = model::in_force(&view);
    let mut entry = request.draft(&seen, args.at.unwrap_or_else(Timestamp::now), ui)?;
    let (capture, mut pins) = capture_aws(&request, &index, &seen, &mut entry, ui)?;

    pause_for_tests();
    let storage = storage(workspace, config, ui)?;
    // Only the final check-and-append is serialised. When another entry of
    // the environment landed during the capture, the file changes are
    // redone against it outside the lock, and the lock taken again.
    let mut capture = capture;
    let mut against = std::borrow::Cow::Borrowed(&seen[..]);
    let mut rounds = 0;
    // The index read again under the lock, when something was written
    // since `index` was read (the first round takes `index` otherwise).
    let mut reread: Option<Index>;
    let (lock, mut appender, now) = loop {
        let lock = JournalLock::acquire(&workspace.ledger_dir)?;
        let previous = (rounds == 0).then_some(&index);
        let appender;
        storage.refresh(&lock)?;
        (appender, reread) = match previous {
            Some(previous) => lock.open_reusing(previous)?,
            None => {
                let (appender, index) = lock.open()?;
                (appender, Some(index))
            }
        };
        // Nothing written since: the same view; else every head.
        let (index, now) = match &reread {
            None => (&index, model::in_force(&view)),
            Some(reread) => (reread, model::in_force(reread.heads()?)),
        };
        let Some((capturer, listed)) = capture.as_mut() else {
            break (lock, appender, now);
        };
        let objects_moved = moved(model::last_observed, &against, &now, &args.env);
        let pins_moved = pins_moved(&against, &now, &args.env);
        if !objects_moved && pins_moved.is_empty() {
            break (lock, appender, now);
        }
        drop(lock);
        rounds += 1;
        if rounds > 5 {
            refuse!(
                "{} kept changing while this record settled (5 rounds); nothing was recorded: run it again",
                args.env
            );
        }
        if objects_moved {
            let seen = Seen {
                index,
                before: &against,
                now: &now,
            };
            entry.files = refresh_files(capturer, listed, &seen, &args.env, &entry.files, ui)?;
        }
        if !pins_moved.is_empty() {
            // Another entry pinned versions after this capture read them:
            // read them again, so an older reading never overwrites it.
            crate::note!(
                ui,
                "note: another entry of {} pinned {} during the capture; reading them again",
                args.env,
                pins_moved.join(", ")
            );
            pins = capturer.pins()?;
        }
        against = std::borrow::Cow::Owned(now.into_owned());
    };
    // Function versions are diffed against the journal as it is now, and
    // were read after any entry that pinned them landed.
    for (key, captured) in &pins {
        let live = model::live_pins(&now, &args.env, key, u64::MAX);
        let changed = model::changed_pins(&live, captured);
        if !changed.is_empty() {
            entry.pins.insert(key.clone(), changed);
        }
    }
    let deployed_at = args.at.unwrap_or_else(Timestamp::now);
    let entry = request.settle(entry, &seen, &now, deployed_at, ui)?;
    if args.dry_run {
        // Sealed as it would be appended now: seq, prev_hash and hash shown.
        let (entry, _) = appender.seal(entry)?;
        return Ok(Recorded {
            entry,
            dry_run: true,
            would_invalidate: request.invalidate_paths.clone(),
        });
    }
    let entry = storage.append(&lock, &mut appender, entry)?;
    drop(lock);
    Ok(Recorded {
        entry,
        dry_run: false,
        would_invalidate: None,
    })
}

/// The pinning services whose last change in `env` differs between two
/// readings, by key.
fn pins_moved(before: &[Entry], after: &[Entry], env: &str) -> Vec<&'static str> {
    services::pinning()
        .map(|p| p.key())
        .filter(|key| {
            let last = |entries| model::last_pins_change(entries, env, key).map(|e| e.seq);
            last(before) != last(after)
        })
        .collect()
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

/// The file changes redone against the entries `now` holds (another entry
/// of `env` landed since `before`), from the listing already made; the
/// environment is listed again when that entry read S3 after this capture
/// did (it changed a key the re-diff would claim). No lock is held.
fn refresh_files(
    capture: &Capture<'_>,
    listed: &mut Listing,
    seen: &Seen<'_>,
    env: &str,
    files: &[FileChange],
    ui: &crate::ui::Ui,
) -> Result<Vec<FileChange>> {
    let picture = observed_picture(seen.index, seen.now, env)?;
    let landed = landed_keys(seen, env)?;
    let rediffed = capture.rediff(&picture, listed, files)?;
    if rediffed.iter().any(|f| landed.contains(f.key.as_str())) {
        crate::note!(
            ui,
            "note: another entry of {env} recorded S3 after this capture read it; listing again"
        );
        *listed = capture.list()?;
        return capture.rediff(&picture, listed, files);
    }
    crate::note!(
        ui,
        "note: another entry of {env} was recorded during the capture; file changes re-diffed against it"
    );
    Ok(rediffed)
}

/// Two readings of the journal: the heads in force when the capture
/// started, and now (with the index they were read from).
struct Seen<'a> {
    index: &'a Index,
    before: &'a [Entry],
    now: &'a [Entry],
}

/// The keys that entries of `env` appended since `seen.before` changed.
fn landed_keys(seen: &Seen<'_>, env: &str) -> Result<std::collections::HashSet<String>> {
    let last_seen = model::last_observed(seen.before, env).map_or(0, |e| e.seq);
    let landed: Vec<u64> = (seen.now.iter())
        .filter(|e| e.env == env && e.seq > last_seen && e.has_object_state())
        .map(|e| e.seq)
        .collect();
    Ok((seen.index.entries(&landed)?.into_iter())
        .flat_map(|e| e.files.into_iter().map(|f| f.key))
        .collect())
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
