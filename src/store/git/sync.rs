//! `ledger sync` through a git remote: fetch the branch that holds the
//! journal, put the entries recorded here after those others published
//! (re-chained, every other field kept), commit over the remote's tip,
//! push, and bring the working journal and the branch along. A push that
//! loses the race fetches and merges again.

use std::path::Path;
use std::time::Duration;

use backon::{BlockingRetryable, ExponentialBuilder};

use super::driver::configure_driver;
use super::remote::{GitRemote, Push, git, git_ok};
use crate::git::{GitError, GitRepo};
use crate::journal::{
    self, EMPTY_JOURNAL, Journal, JournalError, JournalLock, SyncRequest, Synced,
};
use crate::store::{self, MergeError, Merged};
use crate::ui::Ui;

/// What stops a sync.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// It cannot be done as asked; the message says what to do.
    #[error("{0}")]
    Refused(String),
    /// Other writers kept pushing first; running again may succeed.
    #[error("{0}")]
    GaveUp(String),
    /// The repository.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The remote.
    #[error(transparent)]
    Remote(#[from] super::remote::RemoteError),
    /// The local journal.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Entries that cannot be put after the remote's.
    #[error(transparent)]
    Merge(#[from] MergeError),
    /// An error, with what was being done.
    #[error("{context}")]
    Context {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: Box<SyncError>,
    },
}

type Result<T> = std::result::Result<T, SyncError>;

/// Syncs the journal of the ledger folder `ledger_dir` through the remote
/// branch `request` names, in `repo`. A push that lost the race to another
/// writer fetches, merges and pushes again, after a randomised wait, up to
/// `request.attempts` times.
pub fn sync(ledger_dir: &Path, repo: &GitRepo, request: &SyncRequest, ui: &Ui) -> Result<Synced> {
    let journal_path = Journal::path_in(ledger_dir);
    let path = repo.path_from_top(&journal_path).ok_or_else(|| {
        SyncError::Refused(format!(
            "{} is not inside the git repository at {}: sync shares the journal through that repository",
            shown(&journal_path),
            repo.root().display()
        ))
    })?;
    let branch = match &request.branch {
        Some(branch) => branch.clone(),
        None => repo.current_branch().ok_or_else(|| {
            SyncError::Refused(
                "HEAD is on no branch: pass --branch NAME (the branch that holds the journal)"
                    .into(),
            )
        })?,
    };
    configure_driver(repo)?;
    let remote = GitRemote::new(repo, request.remote.clone(), branch);
    let place = (ledger_dir, repo, &remote, path.as_str());
    let attempts = std::cell::Cell::new(0);
    let once = || {
        attempts.set(attempts.get() + 1);
        sync_once(place, &journal_path, request, ui)
    };
    let policy = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(3))
        .with_max_times(request.attempts.saturating_sub(1) as usize)
        .with_jitter();
    let lost = |why: &str| {
        SyncError::GaveUp(format!(
            "gave up after {} attempt(s): {} kept moving ({why}); nothing was lost, \
             the entries are still here: run `ledger sync` again",
            attempts.get(),
            remote.name()
        ))
    };
    let result = (once.retry(policy))
        .sleep(std::thread::sleep)
        .when(|e| matches!(e, Round::Lost(_)))
        .notify(|_, _| {
            crate::note!(
                ui,
                "note: another writer pushed to {} first (attempt {}); merging again",
                remote.name(),
                attempts.get()
            );
        })
        .call();
    match result {
        Ok(synced) => Ok(synced),
        Err(Round::Lost(why)) => Err(lost(&why)),
        Err(Round::Failed(e)) => Err(e),
    }
}

impl SyncError {
    /// Whether running the sync again may succeed: a push that kept losing
    /// the race, or the remote that could not be reached.
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::GaveUp(_) => true,
            SyncError::Remote(e) => e.is_retryable(),
            SyncError::Context { source, .. } => source.is_retryable(),
            _ => false,
        }
    }
}

/// Where a sync runs: the ledger folder, the repository, the remote, and
/// the journal's path from the repository's top.
type Place<'a> = (&'a Path, &'a GitRepo, &'a GitRemote<'a>, &'a str);

/// How one round of a sync ended without syncing.
enum Round {
    /// Another writer pushed first: fetch and merge again.
    Lost(String),
    /// It cannot go on.
    Failed(SyncError),
}

impl<E: Into<SyncError>> From<E> for Round {
    fn from(e: E) -> Round {
        Round::Failed(e.into())
    }
}

/// One round: fetch, merge, commit and push (or nothing to push), then
/// bring the working journal and the branch along.
fn sync_once(
    place: Place<'_>,
    journal_path: &Path,
    request: &SyncRequest,
    ui: &Ui,
) -> std::result::Result<Synced, Round> {
    let (ledger_dir, repo, remote, path) = place;
    let documents = request.documents.as_slice();
    let mut local = Journal::load(ledger_dir)?;
    local.signer = request.signer.clone();
    let tip = remote.fetch()?;
    let published = published_journal(repo, tip.as_deref(), path, journal_path)?;
    let merged = store::rebase(&published, &local, &remote.name())?;
    if merged.moved.is_empty() {
        // Nothing to push: the branch can only drop its own commits when
        // they hold nothing but journal entries the remote has.
        let plan = match branch_plan(repo, remote, tip.as_deref(), path, documents)? {
            Branch::Carried(files) if !files.is_empty() => {
                Branch::Diverged(files.into_iter().map(|(p, _)| p).collect())
            }
            plan => plan,
        };
        let after = After {
            commit: tip.as_deref(),
            plan,
            read: &local,
            text: &published.text,
            merged: &merged,
        };
        return Ok(settle(place, after, ui)?);
    }
    let Some(parent) = tip.clone().or_else(|| repo.head()) else {
        return Err(Round::Failed(SyncError::Refused(
            "the repository has no commit yet: commit once, then sync".into(),
        )));
    };
    let plan = branch_plan(repo, remote, tip.as_deref(), path, documents)?;
    let mut files = journal_files(repo, tip.as_deref(), path, &merged.text)?;
    if let Branch::Carried(carried) = &plan {
        files.extend(carried.iter().cloned());
    }
    let message = commit_message(&merged);
    let commit = repo.commit_files(&parent, &files, &message, "ledger")?;
    match remote.push(&commit)? {
        Push::Pushed => {
            let after = After {
                commit: Some(&commit),
                plan,
                read: &local,
                text: &merged.text,
                merged: &merged,
            };
            Ok(settle(place, after, ui)?)
        }
        Push::Lost(why) => Err(Round::Lost(why)),
    }
}

/// A path for messages: as given, without `./`.
fn shown(path: &Path) -> String {
    path.strip_prefix("./")
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The remote's journal at `tip` (an empty one when the branch or the file
/// does not exist there yet).
fn published_journal(
    repo: &GitRepo,
    tip: Option<&str>,
    path: &str,
    journal_path: &Path,
) -> Result<Journal> {
    let (bytes, segments) = match tip {
        Some(tip) => (
            repo.file_at(tip, path)?,
            repo.files_in(tip, &segment_dir(path))?,
        ),
        None => (None, Vec::new()),
    };
    let text = match bytes {
        Some(bytes) => String::from_utf8(bytes).map_err(|_| {
            SyncError::Refused(format!("{path} at the remote's tip is not UTF-8 text"))
        })?,
        None => EMPTY_JOURNAL.to_string(),
    };
    let name = format!("{} (remote)", journal_path.display());
    Ok(Journal::assemble(
        std::path::Path::new(&name),
        text,
        segments,
    )?)
}

/// The folder of sealed segments beside the journal at `path` (from the
/// repository's top).
pub fn segment_dir(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{}", journal::segment::SEGMENT_DIR),
        None => journal::segment::SEGMENT_DIR.to_string(),
    }
}

/// The files a commit over `tip` writes to store the journal `text`: its
/// tail and segments, and the removal of segments `tip` holds that it does
/// not (paths from the repository's top).
fn journal_files(
    repo: &GitRepo,
    tip: Option<&str>,
    path: &str,
    text: &str,
) -> Result<Vec<(String, Option<Vec<u8>>)>> {
    let journal = Journal::parse(std::path::Path::new(path), text.to_string())?;
    let dir = path.rsplit_once('/').map(|(dir, _)| dir);
    let in_ledger = |rel: &str| dir.map_or_else(|| rel.to_string(), |d| format!("{d}/{rel}"));
    let mut files: Vec<(String, Option<Vec<u8>>)> = journal
        .stored_files()?
        .into_iter()
        .map(|(rel, text)| (in_ledger(&rel), Some(text.into_bytes())))
        .collect();
    let segments = segment_dir(path);
    if let Some(tip) = tip {
        let names = repo.files_in(tip, &segments)?.into_iter().map(|(n, _)| n);
        for name in names.filter(|n| journal::segment::segment_first(n).is_some()) {
            let stale = format!("{segments}/{name}");
            if !files.iter().any(|(p, _)| *p == stale) {
                files.push((stale, None));
            }
        }
    }
    Ok(files)
}

fn commit_message(merged: &Merged) -> String {
    let seqs: Vec<String> = merged
        .moved
        .iter()
        .map(|(_, e)| {
            format!(
                "#{} {} {}",
                e.seq,
                e.env,
                e.version.as_deref().unwrap_or(e.kind.as_str())
            )
        })
        .collect();
    format!(
        "ledger: sync {} entr{}\n\n{}\n",
        merged.moved.len(),
        if merged.moved.len() == 1 { "y" } else { "ies" },
        seqs.join("\n")
    )
}

/// What the local branch holds beyond the remote's tip, and what sync does
/// with it.
enum Branch {
    /// Nothing of its own (or another branch is checked out): the branch
    /// fast-forwards to the pushed commit when it is the synced branch.
    Behind,
    /// Its own commits touch only the journal, the rest of the ledger folder
    /// and the rendered documents, which the remote left alone: they are
    /// carried into the sync commit, and the branch then moves to it.
    Carried(Vec<(String, Option<Vec<u8>>)>),
    /// Its own commits touch more (these paths): the branch and the working
    /// journal stay as they are.
    Diverged(Vec<String>),
}

/// Decides what becomes of the local branch's own commits.
fn branch_plan(
    repo: &GitRepo,
    remote: &GitRemote<'_>,
    tip: Option<&str>,
    path: &str,
    documents: &[String],
) -> Result<Branch> {
    let (Some(head), Some(tip)) = (repo.head(), tip) else {
        return Ok(Branch::Behind);
    };
    if repo.current_branch().as_deref() != Some(remote.branch.as_str())
        || repo.is_ancestor(&head, tip)?
    {
        return Ok(Branch::Behind);
    }
    let root = repo.root();
    let base = git_ok(root, &["merge-base", &head, tip])?;
    let changed = |to: &str| -> Result<Vec<String>> {
        Ok(git_ok(root, &["diff", "--name-only", &base, to])?
            .lines()
            .map(String::from)
            .collect())
    };
    let (ours, theirs) = (changed(&head)?, changed(tip)?);
    let ledger_dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let in_ledger = |p: &str| !ledger_dir.is_empty() && p.starts_with(&format!("{ledger_dir}/"));
    let mut carried = Vec::new();
    let mut other = Vec::new();
    let segments = format!("{}/", segment_dir(path));
    let journal_file = |f: &String| {
        f.as_str() == path
            || f.strip_prefix(&segments)
                .is_some_and(|name| journal::segment::segment_first(name).is_some())
    };
    for file in ours.iter().filter(|f| !journal_file(f)) {
        let document = documents.iter().any(|d| d == file);
        match (document || in_ledger(file), theirs.contains(file)) {
            (true, false) => carried.push((file.clone(), repo.file_at(&head, file)?)),
            // A document both sides rendered: the remote's stays (render again).
            (true, true) if document => {}
            _ => other.push(file.clone()),
        }
    }
    Ok(if other.is_empty() {
        Branch::Carried(carried)
    } else {
        Branch::Diverged(other)
    })
}

/// What a sync leaves to settle here.
struct After<'a> {
    /// The remote's tip now (the pushed commit, or the fetched tip).
    commit: Option<&'a str>,
    plan: Branch,
    /// The local journal as the sync read it.
    read: &'a Journal,
    /// The remote's journal now.
    text: &'a str,
    merged: &'a Merged,
}

/// After the remote holds `text` at `commit`: the branch follows where that
/// loses nothing, and the local journal becomes `text` plus whatever was
/// recorded here meanwhile (left alone when the branch cannot follow).
fn settle(
    (ledger_dir, repo, remote, path): Place<'_>,
    after: After<'_>,
    ui: &Ui,
) -> Result<Synced> {
    let lock = JournalLock::acquire(ledger_dir)?;
    let mut now = lock.load()?;
    // Entries recorded here meanwhile, put after the synced ones, are
    // signed again as the sync's own were.
    now.signer = after.read.signer.clone();
    let synced = Journal::parse(&now.path, after.text.to_string())?;
    // Entries recorded here while the sync ran are kept, after the synced ones.
    let final_journal = if now.text == after.read.text {
        synced
    } else {
        let text = store::rebase(&synced, &now, &remote.name())?.text;
        Journal::parse(&now.path, text)?
    };
    let followed = match (&after.plan, after.commit) {
        (Branch::Diverged(paths), _) => {
            crate::note!(
                ui,
                "note: your branch has commits that are not on {} and change more than the ledger ({}): \
                 it was left as it is, and so was the journal here. The entries are published: \
                 `git checkout -- {path} && git pull` brings the branch up to date (a merge, which keeps \
                 the commits your entries name; the journal merges through `ledger resolve`)",
                remote.name(),
                paths.join(", ")
            );
            false
        }
        (plan, Some(commit)) => follow(repo, remote, commit, path, plan, ui)?,
        (_, None) => true,
    };
    // Moving the branch rewrote the working copy: compare with the files now.
    let current = lock.load().ok().map(|j| j.text);
    if followed && current.as_deref() != Some(final_journal.text.as_str()) {
        lock.replace_journal(&final_journal)?;
    }
    drop(lock);
    let merged = after.merged;
    if let Branch::Carried(files) = &after.plan {
        note_stale_documents(files, merged, ui);
    }
    Ok(Synced {
        with: remote.name(),
        published: merged.moved.len(),
        received: merged.received,
        total: final_journal.entries.len(),
        at: after.commit.map(str::to_string),
    })
}

/// Documents carried into the sync commit were rendered before the
/// entries others published: they say so.
fn note_stale_documents(files: &[(String, Option<Vec<u8>>)], merged: &Merged, ui: &Ui) {
    if merged.received == 0 || files.is_empty() {
        return;
    }
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    crate::note!(
        ui,
        "note: {} carried into the sync commit were rendered before the {} entr{} others published: \
         render them again, commit, and sync",
        names.join(", "),
        merged.received,
        if merged.received == 1 { "y" } else { "ies" }
    );
}

/// Moves the synced branch to `commit`: a fast-forward when it is behind,
/// a reset when its own commits were carried into `commit`. Returns whether
/// the working journal may be written (false when git refused the move).
fn follow(
    repo: &GitRepo,
    remote: &GitRemote<'_>,
    commit: &str,
    path: &str,
    plan: &Branch,
    ui: &Ui,
) -> Result<bool> {
    let root = repo.root().to_path_buf();
    let on_branch = repo.current_branch().as_deref() == Some(remote.branch.as_str());
    let Some(head) = repo.head().filter(|h| on_branch && h != commit) else {
        return Ok(true);
    };
    let behind = repo.is_ancestor(&head, commit)?;
    if !behind && !matches!(plan, Branch::Carried(_)) {
        return Ok(true);
    }
    // The journal's working copy is the synced one (rewritten after this);
    // put HEAD's back so that git moves the branch without a complaint.
    let segments = segment_dir(path);
    let mut restore = vec!["checkout", "HEAD", "--", path];
    if !repo.files_in(&head, &segments)?.is_empty() {
        restore.push(&segments);
    }
    git_ok(&root, &restore).map_err(|e| SyncError::Context {
        context: "restoring the committed journal before moving the branch".into(),
        source: Box::new(e.into()),
    })?;
    // Segments sealed here and not committed would stop git from moving.
    for (_, path) in journal::segment::list(&root.join(&segments)).unwrap_or_default() {
        let rel = format!(
            "{segments}/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        if repo.file_at(&head, &rel)?.is_none() {
            let _ = std::fs::remove_file(&path);
        }
    }
    let moved = if behind {
        git(&root, &["merge", "--ff-only", "--quiet", commit])?
    } else {
        git(&root, &["reset", "--keep", "--quiet", commit])?
    };
    if !moved.status.success() {
        crate::note!(
            ui,
            "note: the branch could not follow {} ({}); the journal here is the synced one: \
             `git pull --rebase` when your changes allow",
            remote.name(),
            String::from_utf8_lossy(&moved.stderr).trim()
        );
    }
    Ok(true)
}
