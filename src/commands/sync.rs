//! `ledger sync`: publish the entries recorded here through the git remote,
//! after the ones others published, and bring theirs here.

use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};

use super::{Outcome, Workspace, shown};
use crate::cli::SyncArgs;
use crate::git::GitRepo;
use crate::journal::{EMPTY_JOURNAL, Journal, JournalLock};
use crate::store::git::{GitRemote, Push, git, git_ok};
use crate::store::{self, Merged};

pub fn run(workspace: &Workspace, args: &SyncArgs) -> Result<Outcome> {
    workspace.config()?;
    let repo = workspace.repo()?;
    let journal_path = Journal::path_in(&workspace.ledger_dir);
    let path = repo.path_from_top(&journal_path).ok_or_else(|| {
        anyhow!(
            "{} is not inside the git repository at {}: sync shares the journal through that repository",
            shown(&journal_path),
            repo.root().display()
        )
    })?;
    let branch = match &args.branch {
        Some(branch) => branch.clone(),
        None => repo.current_branch().ok_or_else(|| {
            anyhow!("HEAD is on no branch: pass --branch NAME (the branch that holds the journal)")
        })?,
    };
    let remote = GitRemote::new(&repo, args.remote.clone(), branch);
    for attempt in 1..=args.attempts.max(1) {
        let local = workspace.journal()?;
        let tip = remote.fetch()?;
        let published = published_journal(&repo, tip.as_deref(), &path, &journal_path)?;
        let merged = store::rebase(&published, &local, &remote.name())?;
        if merged.moved.is_empty() {
            return settle(
                workspace,
                &repo,
                &remote,
                tip.as_deref(),
                &path,
                &local,
                &published.text,
                &merged,
            );
        }
        let parent = match tip.as_deref().or(repo.head().as_deref()) {
            Some(parent) => parent.to_string(),
            None => bail!("the repository has no commit yet: commit once, then sync"),
        };
        let message = commit_message(&merged);
        let commit =
            repo.commit_file(&parent, &path, merged.text.as_bytes(), &message, "ledger")?;
        match remote.push(&commit)? {
            Push::Pushed => {
                return settle(
                    workspace,
                    &repo,
                    &remote,
                    Some(&commit),
                    &path,
                    &local,
                    &merged.text,
                    &merged,
                );
            }
            Push::Lost(why) => {
                eprintln!(
                    "note: another writer pushed to {} first (attempt {attempt}); merging again",
                    remote.name()
                );
                if attempt == args.attempts {
                    bail!(
                        "gave up after {attempt} attempt(s): {} kept moving ({why}); nothing was lost, \
                         the entries are still here: run `ledger sync` again",
                        remote.name()
                    );
                }
                std::thread::sleep(backoff(attempt));
            }
        }
    }
    Ok(Outcome::Success)
}

/// The remote's journal at `tip` (an empty one when the branch or the file
/// does not exist there yet).
fn published_journal(
    repo: &GitRepo,
    tip: Option<&str>,
    path: &str,
    journal_path: &std::path::Path,
) -> Result<Journal> {
    let bytes = match tip {
        Some(tip) => repo.file_at(tip, path)?,
        None => None,
    };
    let text = match bytes {
        Some(bytes) => String::from_utf8(bytes)
            .map_err(|_| anyhow!("{path} at the remote's tip is not UTF-8 text"))?,
        None => EMPTY_JOURNAL.to_string(),
    };
    let name = format!("{} (remote)", journal_path.display());
    Ok(Journal::parse(std::path::Path::new(&name), text)?)
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

/// Randomised exponential backoff: 100 ms doubling, capped at 3 s, with
/// jitter so that racing writers spread out.
fn backoff(attempt: u32) -> Duration {
    let base = 100u64.saturating_mul(1 << attempt.min(5)).min(3000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let jitter = (nanos ^ (std::process::id() as u64 * 2_654_435_761)) % base.max(1);
    Duration::from_millis(base / 2 + jitter)
}

/// After the remote holds `text` at `commit`: the local journal becomes
/// `text` plus whatever was recorded here meanwhile, and the branch follows
/// the remote where that changes nothing else.
#[allow(clippy::too_many_arguments)]
fn settle(
    workspace: &Workspace,
    repo: &GitRepo,
    remote: &GitRemote<'_>,
    commit: Option<&str>,
    path: &str,
    read: &Journal,
    text: &str,
    merged: &Merged,
) -> Result<Outcome> {
    let lock = JournalLock::acquire(&workspace.ledger_dir)?;
    let now = lock.load()?;
    let synced = Journal::parse(&now.path, text.to_string())?;
    // Entries recorded here while the sync ran are kept, after the synced ones.
    let final_text = if now.text == read.text {
        text.to_string()
    } else {
        store::rebase(&synced, &now, &remote.name())?.text
    };
    if let Some(commit) = commit {
        let documents = workspace.config()?.changelog.documents;
        follow(repo, remote, commit, path, &documents)?;
    }
    // Moving the branch rewrote the working copy: compare with the file now.
    if std::fs::read_to_string(&now.path).ok().as_deref() != Some(final_text.as_str()) {
        lock.replace_journal(&final_text)?;
    }
    drop(lock);
    eprintln!(
        "synced with {}: {} entr{} published, {} received{}",
        remote.name(),
        merged.moved.len(),
        if merged.moved.len() == 1 { "y" } else { "ies" },
        merged.received,
        commit
            .map(|c| format!(" (at {})", &c[..c.len().min(7)]))
            .unwrap_or_default()
    );
    Ok(Outcome::Success)
}

/// Moves the local branch to the pushed commit when that loses nothing:
/// HEAD is behind it, or HEAD's own commits touch only the ledger folder.
fn follow(
    repo: &GitRepo,
    remote: &GitRemote<'_>,
    commit: &str,
    path: &str,
    documents: &[String],
) -> Result<()> {
    let root = repo.root().to_path_buf();
    if repo.current_branch().as_deref() != Some(remote.branch.as_str()) {
        return Ok(());
    }
    let Some(head) = repo.head() else {
        return Ok(());
    };
    if head == commit {
        return Ok(());
    }
    let ledger_dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let own = git_ok(
        &root,
        &[
            "log",
            "--format=",
            "--name-only",
            &format!("{commit}..{head}"),
        ],
    )?;
    let only_ledger = own.lines().filter(|l| !l.is_empty()).all(|file| {
        documents.iter().any(|d| d == file)
            || (!ledger_dir.is_empty() && file.starts_with(&format!("{ledger_dir}/")))
    });
    let behind = repo.is_ancestor(&head, commit)?;
    if !behind && !only_ledger {
        eprintln!(
            "note: your branch has commits that are not on {} and touch more than the ledger: it was \
             left as it is; `git pull --rebase`, and if the journal conflicts, `ledger resolve`",
            remote.name()
        );
        return Ok(());
    }
    // The journal's working copy is the synced one (rewritten after this);
    // put HEAD's back so that git moves the branch without a complaint.
    git_ok(&root, &["checkout", "HEAD", "--", path])
        .context("restoring the committed journal before moving the branch")?;
    let moved = if behind {
        git(&root, &["merge", "--ff-only", "--quiet", commit])?
    } else {
        git(&root, &["reset", "--keep", "--quiet", commit])?
    };
    if !moved.status.success() {
        eprintln!(
            "note: the branch could not follow {} ({}); the journal here is the synced one: \
             `git pull --rebase` when your changes allow",
            remote.name(),
            String::from_utf8_lossy(&moved.stderr).trim()
        );
    }
    Ok(())
}
