//! `ledger record`: resolve the commit and its range from git, capture the
//! environment's objects and invalidation from AWS (unless --no-aws), and
//! append one entry.

use std::io::Write;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use super::{Outcome, Workspace, write_json};
use crate::aws::Clients;
use crate::aws::s3::Listing;
use crate::changes::ChangeRules;
use crate::cli::{OutputFormat, RecordArgs};
use crate::config::Environment;
use crate::git::GitRepo;
use crate::journal::Pins;
use crate::journal::{
    Change, Entry, EntryKind, FileChange, Index, Invalidation, JournalLock, short_sha,
};
use crate::model;
use crate::services::cloudfront::{self, InvalidationRequest};
use crate::services::s3::{self as objects, Reading};
use crate::services::{self, PinRead};
use crate::timestamp::Timestamp;
use crate::ui::CaptureBars;

pub fn run(
    workspace: &Workspace,
    args: &RecordArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    let env = config
        .environment(&args.env, &workspace.config_path())?
        .clone();
    let repo = workspace.repo()?;
    let request = Request::resolve(workspace, &config, args, &env, &repo)?;

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
    let writer = super::Writer::for_config(&config, ui)?;
    // Only the final check-and-append is serialised. When another entry of
    // the environment landed during the capture, the file changes are
    // redone against it outside the lock, and the lock taken again.
    let mut capture = capture;
    let mut against = std::borrow::Cow::Borrowed(&seen[..]);
    let mut rounds = 0;
    // The index read again under the lock, when something was written
    // since `index` was read (the first round takes `index` otherwise).
    let mut reread: Option<Index>;
    let (lock, mut journal, now) = loop {
        let lock = JournalLock::acquire(&workspace.ledger_dir)?;
        let previous = (rounds == 0).then_some(&index);
        let journal;
        (journal, reread) = writer.load_reusing(&lock, previous)?;
        // Nothing written since: the same view; else every head.
        let (index, now) = match &reread {
            None => (&index, model::in_force(&view)),
            Some(reread) => (reread, model::in_force(reread.heads()?)),
        };
        let Some((capturer, listed)) = capture.as_mut() else {
            break (lock, journal, now);
        };
        let objects_moved = moved(model::last_observed, &against, &now, &args.env);
        let pins_moved = pins_moved(&against, &now, &args.env);
        if !objects_moved && pins_moved.is_empty() {
            break (lock, journal, now);
        }
        drop(lock);
        rounds += 1;
        if rounds > 5 {
            bail!(
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
        drop(lock);
        return dry_run(
            &journal,
            entry,
            request.invalidate_paths.as_deref(),
            args,
            out,
            ui,
        );
    }
    let entry = writer.append(&lock, &mut journal, entry, ui)?;
    drop(lock);
    report(&entry, ui);
    if args.format == OutputFormat::Json {
        write_json(out, &entry)?;
    }
    Ok(Outcome::Success)
}

/// What a record was asked to do, resolved.
struct Request<'a> {
    args: &'a RecordArgs,
    config: &'a crate::config::Config,
    env: &'a Environment,
    repo: &'a GitRepo,
    rules: ChangeRules<'a>,
    commit: String,
    version: String,
    deployed_by: String,
    explicit_since: Option<String>,
    invalidate_paths: Option<Vec<String>>,
}

impl<'a> Request<'a> {
    /// The record `args` ask for, resolved against git and the
    /// configuration: the commit, the version (else the commit's tag), who
    /// deploys, the paths to invalidate.
    fn resolve(
        workspace: &Workspace,
        config: &'a crate::config::Config,
        args: &'a RecordArgs,
        env: &'a Environment,
        repo: &'a GitRepo,
    ) -> Result<Request<'a>> {
        let commit = repo.resolve(&args.commit)?;
        let version = match &args.version {
            Some(v) => v.clone(),
            None => repo.version_tag(&commit)?.ok_or_else(|| {
                anyhow!(
                    "commit {} has no tag to name its version: pass --version V (or tag the commit)",
                    short_sha(&commit)
                )
            })?,
        };
        let explicit_since = args
            .since
            .as_deref()
            .map(|rev| repo.resolve(rev))
            .transpose()?;
        Ok(Request {
            args,
            config,
            env,
            repo,
            rules: ChangeRules::new(&config.changelog)
                .with_ledger_path(workspace.ledger_path_in(repo)),
            commit,
            version,
            deployed_by: deployed_by(args.by.as_ref(), repo)?,
            explicit_since,
            invalidate_paths: invalidate_paths(args, env, workspace)?,
        })
    }
}

impl Request<'_> {
    /// The entry from git and the flags, against the entries in force:
    /// refused when the environment is locked or the version recorded.
    fn draft(
        &self,
        entries: &[Entry],
        deployed_at: Timestamp,
        ui: &crate::ui::Ui,
    ) -> Result<Entry> {
        let args = self.args;
        let lock_note = super::lock::check_unlocked(entries, &args.env, args.force)?;
        check_version(args, &self.version, entries)?;
        let previous = model::last_deploy(entries, &args.env);
        let since = match &self.explicit_since {
            Some(sha) => Some(sha.clone()),
            None => range_start(self.repo, previous, &self.commit, ui)?,
        };
        let commits = self.repo.commits_between(since.as_deref(), &self.commit)?;
        let changes = if args.changes.is_empty() {
            self.rules.changes_for(&commits)
        } else {
            args.changes.iter().map(Change::plain).collect()
        };
        Ok(Entry {
            version: Some(self.version.clone()),
            commit: Some(self.commit.clone()),
            commits: commits.iter().map(|c| c.id.clone()).collect(),
            build_time: args.build_time.clone(),
            deployed_by: Some(self.deployed_by.clone()),
            redeploy: args.redeploy,
            no_aws: args.no_aws,
            changes,
            notes: lock_note.into_iter().collect(),
            ..Entry::new(EntryKind::Deploy, args.env.clone(), deployed_at)
        })
    }

    /// Under the lock: the checks again against the journal as it is now,
    /// the deploy time, and, when another entry of the environment landed
    /// during the capture, the commit range and the file changes again
    /// (the files from the listing already made: no second scan).
    fn settle(
        &self,
        mut entry: Entry,
        seen: &[Entry],
        now: &[Entry],
        deployed_at: Timestamp,
        ui: &crate::ui::Ui,
    ) -> Result<Entry> {
        let args = self.args;
        let env = args.env.as_str();
        if moved(model::last_deploy, seen, now, env) || moved(model::lock_of, seen, now, env) {
            let redrafted = self.draft(now, deployed_at, ui)?;
            entry.commits = redrafted.commits;
            entry.changes = redrafted.changes;
            entry.notes.retain(|n| !n.contains("--force while"));
            entry.notes.extend(redrafted.notes);
        } else {
            check_version(args, &self.version, now)?;
        }
        entry.deployed_at = deployed_at;
        check_order(args, deployed_at, model::last_deploy(now, env))?;
        if !args.no_aws {
            self.check_changed(&entry, now)?;
        }
        Ok(entry)
    }

    /// The keys of the pinning services the environment declares resources of.
    fn env_pins(&self) -> Vec<&'static str> {
        (services::REGISTRY.iter())
            .filter_map(|s| Some((s.pinning()?, s.declared_at())))
            .filter(|(_, at)| {
                let declared = services::declarations(self.config, self.env, *at);
                declared
                    .and_then(toml::Value::as_array)
                    .is_some_and(|a| !a.is_empty())
            })
            .map(|(p, _)| p.key())
            .collect()
    }

    /// Refuses a record that changes nothing: same commit, same objects.
    fn check_changed(&self, entry: &Entry, now: &[Entry]) -> Result<()> {
        let args = self.args;
        let previous = model::last_deploy(now, &args.env);
        let unchanged = entry.files.is_empty()
            && entry.pins.is_empty()
            && previous.is_some_and(|p| p.commit.as_deref() == Some(self.commit.as_str()));
        if unchanged && !args.allow_empty && !args.redeploy {
            bail!(
                "nothing changed in s3://{}/{}{} since #{} and the commit is the same ({}): \
                 nothing was recorded; pass --allow-empty to record the deploy anyway",
                self.env.bucket,
                self.env.prefix(),
                if self.env_pins().is_empty() {
                    String::new()
                } else {
                    format!(" nor in the declared {}", self.env_pins().join(", "))
                },
                previous.map_or(0, |p| p.seq),
                short_sha(&self.commit)
            );
        }
        Ok(())
    }
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

/// `, 2 function version(s)` per pinning service the entry pinned.
fn pin_counts(entry: &Entry) -> String {
    services::pinning()
        .filter(|p| !entry.pins_of(p.key()).is_empty())
        .map(|p| format!(", {} {} version(s)", entry.pins_of(p.key()).len(), p.noun()))
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

/// Testing aid: with `LEDGER_TEST_PAUSE_BEFORE_APPEND=FILE`, a record that
/// has captured creates `FILE.captured` and waits (up to two minutes) while
/// FILE exists, so that a test can land another entry in between.
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

/// The objects of `env` as the ledger last observed them (`heads`: the
/// index's heads in force).
fn observed_picture(index: &Index, heads: &[Entry], env: &str) -> Result<model::LiveState> {
    Ok(match model::last_observed(heads, env) {
        Some(last) => model::live_state_indexed(index, env, last.seq)?,
        None => model::LiveState::new(),
    })
}

/// The paths of `--invalidate`, checked against CloudFront's limits, and
/// refused where they cannot apply.
fn invalidate_paths(
    args: &RecordArgs,
    env: &Environment,
    workspace: &Workspace,
) -> Result<Option<Vec<String>>> {
    let paths = if args.invalidate.is_empty() {
        None
    } else {
        if args.no_aws {
            bail!("--invalidate creates an invalidation in AWS: it cannot be used with --no-aws");
        }
        Some(cloudfront::check_paths(&args.invalidate)?)
    };
    if (args.invalidation.is_some() || paths.is_some())
        && !args.no_aws
        && env.distribution.is_none()
    {
        bail!(
            "environment `{}` has no `distribution` in {}: add it to look up or create invalidations",
            args.env,
            workspace.config_path().display()
        );
    }
    Ok(paths)
}

/// Entries of an environment are recorded in time order, and none in the
/// future (beyond five minutes of clock skew): a future `--at` would block
/// every later record of the environment.
fn check_order(args: &RecordArgs, deployed_at: Timestamp, previous: Option<&Entry>) -> Result<()> {
    let skew = chrono::Duration::minutes(5);
    if args.at.is_some() && deployed_at.instant() > Timestamp::now().instant() + skew {
        bail!(
            "--at {deployed_at} is in the future: record a deploy when it has happened (the clock here \
             says {}); nothing was recorded",
            Timestamp::now()
        );
    }
    if let Some(previous) = previous
        && deployed_at < previous.deployed_at
    {
        let when = match args.at {
            Some(at) => format!("--at {at}"),
            None => format!("now ({deployed_at})"),
        };
        bail!(
            "{when} is before the last recorded deploy of `{}` (#{} at {}): \
             entries of an environment must be recorded in time order; nothing was recorded",
            args.env,
            previous.seq,
            previous.deployed_at
        );
    }
    Ok(())
}

/// A version is deployed to an environment once; `--redeploy` records it again.
fn check_version(args: &RecordArgs, version: &str, entries: &[Entry]) -> Result<()> {
    let wanted = Some(version.to_string());
    let earlier = entries.iter().find(|e| {
        e.env == args.env
            && e.kind == EntryKind::Deploy
            && crate::render::changelog::same_version(&e.version, &wanted)
    });
    match (earlier, args.redeploy) {
        (Some(first), false) => bail!(
            "{version} is already recorded for `{}` as #{} ({}); nothing was recorded: \
             pass --redeploy to record deploying it again (it makes no second release), \
             or name the new build with another --version",
            args.env,
            first.seq,
            first.deployed_at
        ),
        (None, true) => bail!(
            "--redeploy: {version} was never recorded for `{}`, so this is no redeploy; \
             nothing was recorded: drop --redeploy",
            args.env
        ),
        _ => Ok(()),
    }
}

/// `--dry-run`: the entry as it would be appended, and nothing appended.
fn dry_run(
    journal: &crate::journal::Journal,
    entry: Entry,
    invalidate_paths: Option<&[String]>,
    args: &RecordArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    // Sealed as it would be appended now: seq, prev_hash and hash shown.
    let (entry, _) = journal.seal(entry)?;
    match args.format {
        OutputFormat::Json => write_json(out, &entry)?,
        OutputFormat::Text => super::show::write_entry(out, &entry, &[])?,
    }
    if let Some(paths) = invalidate_paths {
        crate::note!(
            ui,
            "dry run: would create an invalidation of {} on the distribution",
            paths.join(" ")
        );
    }
    crate::note!(ui, "dry run: nothing was recorded");
    Ok(Outcome::Success)
}

/// The one-line summary of a new entry, on stderr.
fn report(entry: &Entry, ui: &crate::ui::Ui) {
    for note in &entry.notes {
        crate::warning!(ui, "{note}");
    }
    crate::note!(
        ui,
        "recorded #{} {} {}{} at {} ({} commit(s), {} change(s), {})",
        entry.seq,
        entry.env,
        entry.version.as_deref().unwrap_or("-"),
        if entry.redeploy { " (redeploy)" } else { "" },
        entry.short_commit(),
        entry.commits.len(),
        entry.changes.len(),
        if entry.no_aws {
            "objects not read: --no-aws".to_string()
        } else {
            format!(
                "{} file(s) put, {} deleted{}{}",
                entry.puts().count(),
                entry.deletes().count(),
                pin_counts(entry),
                entry
                    .invalidation
                    .as_ref()
                    .map(|i| format!(
                        ", invalidation {}{}",
                        i.id,
                        i.status
                            .as_deref()
                            .map(|s| format!(" {s}"))
                            .unwrap_or_default()
                    ))
                    .unwrap_or_default()
            )
        }
    );
}

/// A capture and the listing it made.
type Captured<'a> = (Capture<'a>, Listing);

/// The AWS half of a record, before the lock (unless --no-aws): the
/// functions' versions, then the objects and the invalidation, into
/// `entry`. Gives the capture and its listing (for settling against
/// entries that land meanwhile) and the functions read.
fn capture_aws<'a>(
    request: &'a Request<'a>,
    index: &Index,
    seen: &[Entry],
    entry: &mut Entry,
    ui: &crate::ui::Ui,
) -> Result<(Option<Captured<'a>>, Pins)> {
    let (args, env) = (request.args, request.env);
    if args.no_aws {
        entry.invalidation = args.invalidation.as_ref().map(|id| Invalidation {
            id: id.clone(),
            ..Invalidation::new(env.distribution.clone())
        });
        return Ok((None, Pins::new()));
    }
    let runtime = super::runtime()?;
    let clients = runtime.block_on(super::clients(env, &args.aws, ui));
    let capture = Capture {
        args,
        config: request.config,
        env,
        invalidate_paths: request.invalidate_paths.as_deref(),
        clients,
        runtime,
        progress: CaptureBars::new(*ui),
    };
    let picture = observed_picture(index, seen, &args.env)?;
    // Pins first: a failing read then fails before an invalidation is
    // created.
    let pins = capture.pins()?;
    let listing = capture.run(&picture, entry, ui)?;
    Ok((Some((capture, listing)), pins))
}

/// The AWS half of a record: the clients and the settings of the capture
/// steps in `crate::capture`.
struct Capture<'a> {
    args: &'a RecordArgs,
    config: &'a crate::config::Config,
    env: &'a Environment,
    invalidate_paths: Option<&'a [String]>,
    clients: Clients,
    runtime: tokio::runtime::Runtime,
    progress: CaptureBars,
}

impl Capture<'_> {
    fn reading(&self) -> Reading {
        Reading {
            page_size: self.args.page_size,
            concurrency: self.args.concurrency,
        }
    }

    /// Lists the environment, diffs it with `picture` into the entry's
    /// files (with metadata), and looks up or creates the invalidation.
    fn run(
        &self,
        picture: &model::LiveState,
        entry: &mut Entry,
        ui: &crate::ui::Ui,
    ) -> Result<Listing> {
        let found = self.runtime.block_on(objects::capture_objects(
            &self.clients,
            self.env,
            picture,
            self.reading(),
            &self.progress,
        ))?;
        entry.notes.extend(found.unversioned);
        entry.files = found.files;
        entry.invalidation = self.invalidation(entry, ui)?;
        Ok(found.listing)
    }

    /// The invalidation the deploy records: `--invalidation ID` looked up,
    /// or one created for `--invalidate` (not on a dry run), waited for with
    /// `--wait`.
    fn invalidation(&self, entry: &Entry, ui: &crate::ui::Ui) -> Result<Option<Invalidation>> {
        let Some(distribution) = &self.env.distribution else {
            return Ok(None);
        };
        let request = match (&self.args.invalidation, self.invalidate_paths) {
            (Some(id), _) => InvalidationRequest::Existing(id.clone()),
            (None, Some(paths)) if !self.args.dry_run => InvalidationRequest::Create {
                reference: super::caller_reference(entry, paths),
                paths: paths.to_vec(),
            },
            (None, _) => return Ok(None),
        };
        let wait = (self.args.wait && !self.args.dry_run)
            .then(|| Duration::from_secs(self.args.wait_timeout));
        let (invalidation, completed) = self.runtime.block_on(cloudfront::invalidation(
            &self.clients,
            distribution,
            &request,
            wait,
            &self.progress,
        ))?;
        if wait.is_some() && !completed {
            crate::warning!(
                ui,
                "invalidation {} still {} after {}s; recording it as such",
                invalidation.id,
                invalidation.status.as_deref().unwrap_or("pending"),
                self.args.wait_timeout
            );
        }
        Ok(Some(invalidation))
    }

    /// The versions every pinning service's declared resources serve, by
    /// the service's key.
    fn pins(&self) -> Result<Pins> {
        let mut pins = Pins::new();
        for service in services::REGISTRY {
            let Some(pinning) = service.pinning() else {
                continue;
            };
            let declared = services::declarations(self.config, self.env, service.declared_at());
            let cx = PinRead {
                clients: &self.clients,
                env_key: &self.args.env,
                declared,
            };
            let read = self.runtime.block_on(pinning.capture(&cx))?;
            if !read.is_empty() {
                pins.insert(pinning.key().to_string(), read);
            }
        }
        Ok(pins)
    }

    /// Lists the environment again.
    fn list(&self) -> Result<Listing> {
        Ok(self.runtime.block_on(objects::list_objects(
            &self.clients,
            self.env,
            self.reading(),
            &crate::ui::Silent,
        ))?)
    }

    /// The file changes from a new `picture` to what the listing found.
    fn rediff(
        &self,
        picture: &model::LiveState,
        listing: &Listing,
        before: &[FileChange],
    ) -> Result<Vec<FileChange>> {
        Ok(self.runtime.block_on(objects::rediff(
            &self.clients,
            self.env,
            picture,
            listing,
            before,
            self.reading(),
        ))?)
    }
}

/// Where the commit range starts when --since is not given: the previous
/// deploy's commit, else (first deploy) the nearest earlier tag.
fn range_start(
    repo: &GitRepo,
    previous: Option<&Entry>,
    commit: &str,
    ui: &crate::ui::Ui,
) -> Result<Option<String>> {
    if let Some(prev_commit) = previous.and_then(|p| p.commit.as_deref()) {
        if let Some(sha) = repo.try_resolve(prev_commit) {
            return Ok(Some(sha));
        }
        crate::warning!(
            ui,
            "the previous deploy's commit {prev_commit} is not in this repository; \
             taking commits since the nearest earlier tag (pass --since to choose)"
        );
    }
    Ok(repo.previous_tagged(commit)?)
}

/// Who acted: `--by`, else the CI and ledger variables, else git's user.name.
pub(super) fn deployed_by(by: Option<&String>, repo: &GitRepo) -> Result<String> {
    if let Some(by) = by {
        return Ok(by.clone());
    }
    for var in ["LEDGER_DEPLOYED_BY", "GITHUB_ACTOR", "GITLAB_USER_LOGIN"] {
        if let Ok(value) = std::env::var(var)
            && !value.trim().is_empty()
        {
            return Ok(value);
        }
    }
    repo.user_name().ok_or_else(|| {
        anyhow!("cannot tell who deployed: pass --by NAME or set LEDGER_DEPLOYED_BY (or git's user.name)")
    })
}
