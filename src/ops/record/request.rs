//! What a record was asked, resolved against git and the configuration,
//! and the checks an entry passes before and after the capture: the
//! environment unlocked, the version not recorded yet, time order, and
//! something changed.

use super::RecordSettings;
use crate::changes::ChangeRules;
use crate::config::{Config, Environment};
use crate::git::GitRepo;
use crate::journal::{Change, Entry, EntryKind, short_sha};
use crate::model;
use crate::ops::{Result, Workspace};
use crate::services::{self, cloudfront};
use crate::timestamp::Timestamp;
use crate::ui::Ui;
use crate::{refusal, refuse};

/// What a record was asked to do, resolved.
pub(super) struct Request<'a> {
    pub(super) args: &'a RecordSettings,
    pub(super) config: &'a Config,
    pub(super) env: &'a Environment,
    repo: &'a GitRepo,
    rules: ChangeRules<'a>,
    commit: String,
    pub(super) version: String,
    deployed_by: String,
    explicit_since: Option<String>,
    pub(super) invalidate_paths: Option<Vec<String>>,
    /// Said in the entry's notes when the working tree had uncommitted
    /// changes to the commit recorded.
    pub(super) dirty_note: Option<String>,
    /// Where a first deploy's range starts (see [`Request::find_first_start`]).
    first_start: Option<String>,
}

impl<'a> Request<'a> {
    /// The record `args` ask for, resolved against git and the
    /// configuration: the commit, the version (else the commit's tag), who
    /// deploys, the paths to invalidate.
    pub(super) fn resolve(
        workspace: &Workspace,
        config: &'a Config,
        args: &'a RecordSettings,
        env: &'a Environment,
        repo: &'a GitRepo,
    ) -> Result<Request<'a>> {
        let commit = repo.resolve(&args.commit)?;
        let version = match &args.version {
            Some(v) => v.clone(),
            None => repo.version_tag(&commit)?.ok_or_else(|| {
                refusal!(
                    "commit {} has no tag to name its version: pass --version V (or tag the commit)",
                    short_sha(&commit)
                )
            })?,
        };
        if let Some(problem) = crate::journal::version_problem(&version) {
            refuse!("{problem}; nothing was recorded (pass --version V to name the release)");
        }
        let explicit_since = args
            .since
            .as_deref()
            .map(|rev| repo.resolve(rev))
            .transpose()?;
        let dirty_note = dirty_note(workspace, repo, &commit);
        Ok(Request {
            dirty_note,
            first_start: None,
            args,
            config,
            env,
            repo,
            rules: ChangeRules::new(&config.changelog)
                .with_ledger_path(workspace.ledger_path_in(repo)),
            commit,
            version,
            deployed_by: args.by.clone(),
            explicit_since,
            invalidate_paths: invalidate_paths(args, env, workspace)?,
        })
    }
}

/// When `commit` is HEAD and tracked files outside the ledger folder have
/// uncommitted changes, a warning now and the note the entry keeps: what
/// was deployed may not be the commit recorded.
fn dirty_note(workspace: &Workspace, repo: &GitRepo, commit: &str) -> Option<String> {
    if repo.head().as_deref() != Some(commit) {
        return None;
    }
    // A bare repository (or a status git cannot give) has no working tree to speak of.
    let changed =
        (repo.uncommitted_paths(workspace.ledger_path_in(repo).as_deref())).unwrap_or_default();
    let first = changed.first()?;
    let more = match changed.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    Some(format!(
        "the working tree had uncommitted changes ({first}{more}): what was deployed may differ from {}",
        short_sha(commit)
    ))
}

impl Request<'_> {
    /// Where the range of the environment's first deploy starts: the
    /// nearest earlier tag whose version is in the ledger (a release
    /// imported from tags or a changelog, a deploy elsewhere), so that its
    /// commits are not counted twice; else the start of history, so that
    /// commits before the first recorded release land in it, not in none.
    pub(super) fn find_first_start(&mut self, index: &crate::journal::Index) -> Result<()> {
        let recorded: Vec<&str> = (index.heads()?.iter())
            .filter_map(|e| e.version.as_deref())
            .collect();
        if recorded.is_empty() {
            return Ok(()); // nothing recorded: the start of history
        }
        let in_ledger =
            |tag: &str| (recorded.iter()).any(|v| crate::render::changelog::versions_match(v, tag));
        self.first_start = self.repo.previous_tagged_where(&self.commit, in_ledger)?;
        Ok(())
    }

    /// The entry from git and the flags, against the entries in force:
    /// refused when the environment is locked or the version recorded.
    pub(super) fn draft(
        &self,
        entries: &[Entry],
        deployed_at: Timestamp,
        ui: &Ui,
    ) -> Result<Entry> {
        let args = self.args;
        let lock_note = crate::ops::lock::check_unlocked(entries, &args.env, args.force)?;
        let rerun = self.rerun_of(entries).is_some();
        check_version(args, &self.version, entries, rerun)?;
        let previous = model::last_deploy(entries, &args.env);
        let since = match &self.explicit_since {
            Some(sha) => Some(sha.clone()),
            None => range_start(
                self.repo,
                previous,
                self.first_start.clone(),
                &self.commit,
                ui,
            )?,
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
            notes: lock_note
                .into_iter()
                .chain(self.dirty_note.clone())
                .collect(),
            ..Entry::new(EntryKind::Deploy, args.env.clone(), deployed_at)
        })
    }

    /// The environment's last deploy when this record repeats it (the same
    /// version and commit, no --redeploy): a CI job run again. Whether AWS
    /// changed since decides (see [`Request::unchanged_rerun`]).
    pub(super) fn rerun_of<'e>(&self, entries: &'e [Entry]) -> Option<&'e Entry> {
        let last = model::last_deploy(entries, &self.args.env)?;
        let same = last.kind == EntryKind::Deploy
            && last.commit.as_deref() == Some(self.commit.as_str())
            && crate::render::changelog::same_version(&last.version, &Some(self.version.clone()));
        (same && !self.args.redeploy).then_some(last)
    }

    /// Under the lock: the entry the record repeats, when AWS serves what
    /// it recorded (no object and no pin changed since): nothing is to be
    /// appended, and the record succeeds.
    pub(super) fn unchanged_rerun<'e>(&self, entry: &Entry, now: &'e [Entry]) -> Option<&'e Entry> {
        let unchanged = entry.files.is_empty() && entry.pins.is_empty();
        let id = |e: &Entry| e.invalidation.as_ref().map(|i| i.id.clone());
        self.rerun_of(now)
            .filter(|last| unchanged && (entry.invalidation.is_none() || id(entry) == id(last)))
    }

    /// Under the lock: the checks again against the journal as it is now,
    /// the deploy time, and, when another entry of the environment landed
    /// during the capture, the commit range and the file changes again
    /// (the files from the listing already made: no second scan).
    pub(super) fn settle(
        &self,
        mut entry: Entry,
        seen: &[Entry],
        now: &[Entry],
        deployed_at: Timestamp,
        ui: &Ui,
    ) -> Result<Entry> {
        let args = self.args;
        let env = args.env.as_str();
        if super::moved(model::last_deploy, seen, now, env)
            || super::moved(model::lock_of, seen, now, env)
        {
            let redrafted = self.draft(now, deployed_at, ui)?;
            entry.commits = redrafted.commits;
            entry.changes = redrafted.changes;
            let dirty = self.dirty_note.as_ref();
            entry
                .notes
                .retain(|n| !n.contains("--force while") && Some(n) != dirty);
            entry.notes.extend(redrafted.notes);
        }
        // A re-run that reaches here changed AWS (an unchanged one appended
        // nothing): the same name for another state is refused.
        check_version(args, &self.version, now, false)?;
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
            refuse!(
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

/// The paths of `--invalidate`, checked against CloudFront's limits, and
/// refused where they cannot apply.
fn invalidate_paths(
    args: &RecordSettings,
    env: &Environment,
    workspace: &Workspace,
) -> Result<Option<Vec<String>>> {
    let paths = if args.invalidate.is_empty() {
        None
    } else {
        if args.no_aws {
            refuse!("--invalidate creates an invalidation in AWS: it cannot be used with --no-aws");
        }
        Some(cloudfront::check_paths(&args.invalidate)?)
    };
    if (args.invalidation.is_some() || paths.is_some())
        && !args.no_aws
        && env.distribution.is_none()
    {
        refuse!(
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
fn check_order(
    args: &RecordSettings,
    deployed_at: Timestamp,
    previous: Option<&Entry>,
) -> Result<()> {
    let skew = chrono::Duration::minutes(5);
    if args.at.is_some() && deployed_at.instant() > Timestamp::now().instant() + skew {
        refuse!(
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
        refuse!(
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
fn check_version(
    args: &RecordSettings,
    version: &str,
    entries: &[Entry],
    rerun: bool,
) -> Result<()> {
    if rerun {
        return Ok(());
    }
    let wanted = Some(version.to_string());
    let earlier = entries.iter().find(|e| {
        e.env == args.env
            && e.kind == EntryKind::Deploy
            && crate::render::changelog::same_version(&e.version, &wanted)
    });
    match (earlier, args.redeploy) {
        (Some(first), false) => refuse!(
            "{version} is already recorded for `{}` as #{} ({}); nothing was recorded: \
             pass --redeploy to record deploying it again (it makes no second release), \
             or name the new build with another --version",
            args.env,
            first.seq,
            first.deployed_at
        ),
        (None, true) => refuse!(
            "--redeploy: {version} was never recorded for `{}`, so this is no redeploy; \
             nothing was recorded: drop --redeploy",
            args.env
        ),
        _ => Ok(()),
    }
}

/// Where the commit range starts when --since is not given: the previous
/// deploy's commit; else (the environment's first deploy) `first_start`
/// (see [`Request::find_first_start`]).
fn range_start(
    repo: &GitRepo,
    previous: Option<&Entry>,
    first_start: Option<String>,
    commit: &str,
    ui: &Ui,
) -> Result<Option<String>> {
    let Some(previous) = previous else {
        return Ok(first_start);
    };
    let Some(prev_commit) = previous.commit.as_deref() else {
        // An imported deploy that named no commit: the nearest earlier tag.
        return Ok(repo.previous_tagged(commit)?);
    };
    if let Some(sha) = repo.try_resolve(prev_commit) {
        return Ok(Some(sha));
    }
    crate::warning!(
        ui,
        "the previous deploy's commit {prev_commit} is not in this repository; \
         taking commits since the nearest earlier tag (pass --since to choose)"
    );
    Ok(repo.previous_tagged(commit)?)
}
