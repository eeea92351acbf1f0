//! `ledger record`: resolve the commit and its range from git, capture the
//! environment's objects and invalidation from AWS (unless --no-aws), and
//! append one entry.

use std::io::Write;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use super::progress::Progress;
use super::{Outcome, Workspace, write_json};
use crate::aws::{Clients, cloudfront, s3};
use crate::changes::ChangeRules;
use crate::cli::{OutputFormat, RecordArgs};
use crate::config::Environment;
use crate::git::GitRepo;
use crate::journal::{
    Change, Entry, EntryKind, FileAction, FileChange, Invalidation, JournalLock, short_sha,
};
use crate::model;
use crate::timestamp::Timestamp;

pub fn run(workspace: &Workspace, args: &RecordArgs, out: &mut dyn Write) -> Result<Outcome> {
    let config = workspace.config()?;
    let env = config
        .environment(&args.env, &workspace.config_path())?
        .clone();
    let repo = workspace.repo()?;
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
    let deployed_by = deployed_by(args.by.as_ref(), &repo)?;
    let explicit_since = args
        .since
        .as_deref()
        .map(|rev| repo.resolve(rev))
        .transpose()?;
    let invalidate_paths = invalidate_paths(args, &env, workspace)?;

    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let mut journal = lock.load()?;
    let entries = model::in_force(&journal.entries);
    // "now" is taken under the lock, so that concurrent records land in time order.
    let deployed_at = args.at.unwrap_or_else(Timestamp::now);
    let previous = model::last_deploy(&entries, &args.env);
    check_order(args, deployed_at, previous)?;
    check_version(args, &version, &entries)?;
    let since = match explicit_since {
        Some(sha) => Some(sha),
        None => range_start(&repo, previous, &commit)?,
    };
    let commits = repo.commits_between(since.as_deref(), &commit)?;
    let changes = if args.changes.is_empty() {
        ChangeRules::new(&config.changelog)
            .with_ledger_path(workspace.ledger_path_in(&repo))
            .changes_for(&commits)
    } else {
        args.changes.iter().map(Change::plain).collect()
    };

    let mut entry = Entry {
        version: Some(version),
        commit: Some(commit.clone()),
        commits: commits.iter().map(|c| c.id.clone()).collect(),
        build_time: args.build_time,
        deployed_by: Some(deployed_by),
        redeploy: args.redeploy,
        no_aws: args.no_aws,
        changes,
        ..Entry::new(EntryKind::Deploy, args.env.clone(), deployed_at)
    };
    if args.no_aws {
        entry.invalidation = args.invalidation.as_ref().map(|id| Invalidation {
            id: id.clone(),
            distribution: env.distribution.clone(),
            status: None,
            created_at: None,
            completed_seen_at: None,
            paths: Vec::new(),
        });
    } else {
        let picture = model::last_observed(&entries, &args.env)
            .map_or_else(model::LiveState::new, |p| {
                model::live_state(&entries, &args.env, p.seq)
            });
        let capture = Capture {
            args,
            env: &env,
            picture: &picture,
            invalidate_paths: invalidate_paths.as_deref(),
        };
        super::runtime()?.block_on(capture.run(&mut entry))?;
        let unchanged = entry.files.is_empty()
            && previous.is_some_and(|p| p.commit.as_deref() == Some(commit.as_str()));
        if unchanged && !args.allow_empty && !args.redeploy {
            bail!(
                "nothing changed in s3://{}/{} since #{} and the commit is the same ({}): \
                 nothing was recorded; pass --allow-empty to record the deploy anyway",
                env.bucket,
                env.prefix(),
                previous.map_or(0, |p| p.seq),
                short_sha(&commit)
            );
        }
    }
    if args.dry_run {
        drop(lock);
        return dry_run(&journal, entry, invalidate_paths.as_deref(), args, out);
    }
    let entry = lock.append(&mut journal, entry)?;
    drop(lock);
    report(&entry);
    if args.format == OutputFormat::Json {
        write_json(out, &entry)?;
    }
    Ok(Outcome::Success)
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

/// Entries of an environment are recorded in time order.
fn check_order(args: &RecordArgs, deployed_at: Timestamp, previous: Option<&Entry>) -> Result<()> {
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
    mut entry: Entry,
    invalidate_paths: Option<&[String]>,
    args: &RecordArgs,
    out: &mut dyn Write,
) -> Result<Outcome> {
    entry.seq = journal.entries.len() as u64 + 1;
    match args.format {
        OutputFormat::Json => write_json(out, &entry)?,
        OutputFormat::Text => super::show::write_entry(out, &entry)?,
    }
    if let Some(paths) = invalidate_paths {
        eprintln!(
            "dry run: would create an invalidation of {} on the distribution",
            paths.join(" ")
        );
    }
    eprintln!("dry run: nothing was recorded");
    Ok(Outcome::Success)
}

/// The one-line summary of a new entry, on stderr.
fn report(entry: &Entry) {
    for note in &entry.notes {
        eprintln!("warning: {note}");
    }
    eprintln!(
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
                "{} file(s) put, {} deleted{}",
                entry.puts().count(),
                entry.deletes().count(),
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

/// The AWS half of a record.
struct Capture<'a> {
    args: &'a RecordArgs,
    env: &'a Environment,
    picture: &'a model::LiveState,
    invalidate_paths: Option<&'a [String]>,
}

impl Capture<'_> {
    async fn run(&self, entry: &mut Entry) -> Result<()> {
        let clients = super::clients(self.env, &self.args.aws).await;
        let bucket = &self.env.bucket;
        let prefix = self.env.prefix();

        let versioning = s3::versioning(&clients, bucket).await?;
        if versioning != "Enabled" {
            entry.notes.push(format!(
                "bucket {bucket} has versioning {versioning}: objects are recorded by ETag; \
                 `live --at` cannot pin versions there, and rollback cannot restore them"
            ));
        }
        let listing = Progress::counter("listing object versions");
        let observed = s3::list_versions(&clients, bucket, prefix, self.args.page_size, &|n| {
            listing.set(n)
        })
        .await?;
        listing.finish();
        let mut files = model::diff_observed(self.picture, &observed.latest);
        self.fetch_metadata(&clients, bucket, &mut files).await?;
        entry.files = files;

        if let Some(distribution) = &self.env.distribution {
            let invalidation = match (&self.args.invalidation, self.invalidate_paths) {
                (Some(id), _) => {
                    Some(cloudfront::get_invalidation(&clients, distribution, id).await?)
                }
                (None, Some(paths)) if !self.args.dry_run => {
                    let reference = super::caller_reference(entry, paths);
                    Some(
                        cloudfront::create_invalidation(
                            &clients,
                            distribution,
                            paths,
                            &reference,
                            6,
                        )
                        .await?,
                    )
                }
                (None, _) => None,
            };
            entry.invalidation = match invalidation {
                Some(invalidation) if self.args.wait && !self.args.dry_run => {
                    Some(self.wait(&clients, distribution, invalidation).await?)
                }
                other => other,
            };
        }
        Ok(())
    }

    async fn fetch_metadata(
        &self,
        clients: &Clients,
        bucket: &str,
        files: &mut [FileChange],
    ) -> Result<()> {
        let wanted: Vec<(String, Option<String>)> = files
            .iter()
            .filter(|f| f.action == FileAction::Put)
            .map(|f| (f.key.clone(), f.version_id.clone()))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let bar = Progress::bar("reading object metadata", wanted.len());
        let metadata = s3::head_objects(clients, bucket, wanted, self.args.concurrency, &|n| {
            bar.set(n)
        })
        .await?;
        bar.finish();
        for file in files.iter_mut() {
            if let Some(meta) = metadata.get(&file.key) {
                file.content_type = meta.content_type.clone();
                file.cache_control = meta.cache_control.clone();
            }
        }
        Ok(())
    }

    async fn wait(
        &self,
        clients: &Clients,
        distribution: &str,
        invalidation: Invalidation,
    ) -> Result<Invalidation> {
        if invalidation
            .status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("completed"))
        {
            return Ok(invalidation);
        }
        let timeout = Duration::from_secs(self.args.wait_timeout);
        let spinner = Progress::counter("waiting for the invalidation");
        let (seen, completed) =
            cloudfront::wait_for(clients, distribution, &invalidation.id, timeout).await?;
        spinner.finish();
        if !completed {
            eprintln!(
                "warning: invalidation {} still {} after {}s; recording it as such",
                seen.id,
                seen.status.as_deref().unwrap_or("pending"),
                self.args.wait_timeout
            );
        }
        Ok(seen)
    }
}

/// Where the commit range starts when --since is not given: the previous
/// deploy's commit, else (first deploy) the nearest earlier tag.
fn range_start(repo: &GitRepo, previous: Option<&Entry>, commit: &str) -> Result<Option<String>> {
    if let Some(prev_commit) = previous.and_then(|p| p.commit.as_deref()) {
        if let Some(sha) = repo.try_resolve(prev_commit) {
            return Ok(Some(sha));
        }
        eprintln!(
            "warning: the previous deploy's commit {prev_commit} is not in this repository; \
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
