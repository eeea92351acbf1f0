//! `ledger resolve`: settle a git conflict in the journal (after `git pull`
//! or during `git rebase`) the way `sync` merges: the side already on the
//! remote is kept byte for byte, the other side's own entries follow it.
//! The same code runs as git's merge driver for the journal.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::workspace::shown;
use super::{Context as _, Result, Workspace};
use crate::git::GitRepo;
use crate::journal::{EMPTY_JOURNAL, Journal};
use crate::store::git::driver::install_driver;
use crate::store::git::remote::git_ok;
use crate::store::git::sync::segment_dir;
use crate::{refusal, refuse, store};

/// Settles the journal's conflict in the repository's index; with
/// `merge_driver` (BASE OURS THEIRS), merges as git's merge driver instead.
pub fn resolve(
    workspace: &Workspace,
    merge_driver: Option<&[PathBuf]>,
    ui: &crate::ui::Ui,
) -> Result<()> {
    let repo = workspace.repo()?;
    let journal_path = Journal::path_in(&workspace.ledger_dir);
    let path = repo.path_from_top(&journal_path);
    // This side's entries, put after the other side's, are signed again.
    let signer = match workspace.config() {
        Ok(config) => super::session::Signing::resolve(workspace, &config)?.signer,
        Err(_) => None,
    };
    if let Some(files) = merge_driver {
        return run_driver(&repo, (path.as_deref(), signer), files);
    }
    let path =
        path.ok_or_else(|| refusal!("{} is not inside the git repository", shown(&journal_path)))?;
    install_driver(&repo, &workspace.ledger_dir)?;
    refuse_conflicting_segments(&repo, &workspace.ledger_dir)?;
    let Some([_, ours, theirs]) = repo.conflict_stages(&path)? else {
        refuse!(
            "{} is not in conflict: nothing to resolve (`git status` shows what is); the merge driver \
             is installed, so later merges of the journal settle themselves",
            shown(&journal_path)
        );
    };
    let rebasing = is_rebasing(&repo);
    let upstream = upstream_hashes(&repo, &path);
    let (published, local, name) = sides(rebasing, upstream.as_ref(), ours, theirs);
    let segments = segments_on_disk(&workspace.ledger_dir)?;
    let published = parse(published, name, &path, &segments)?;
    refuse_stale_segments(&published, &segments)?;
    let mut local = parse(local, "this side", &path, &segments)?;
    local.signer = signer;
    let merged = store::rebase(&published, &local, name)?;
    repo.stage_file(&path, published.tail_for(&merged.text).as_bytes())?;
    crate::note!(
        ui,
        "resolved {}: kept the {} entries of {name} and put {} entr{} of this side after them; now {}",
        shown(&journal_path),
        published.entries.len(),
        merged.moved.len(),
        if merged.moved.len() == 1 { "y" } else { "ies" },
        if rebasing {
            "`git rebase --continue`"
        } else {
            "`git commit`"
        }
    );
    Ok(())
}

/// git's merge driver: merges BASE OURS THEIRS into OURS; a non-zero exit
/// leaves the conflict to a person.
fn run_driver(
    repo: &GitRepo,
    (path, signer): (Option<&str>, Option<crate::signing::Signer>),
    files: &[PathBuf],
) -> Result<()> {
    let [_, ours_path, theirs_path] = files else {
        refuse!("--merge-driver takes BASE OURS THEIRS");
    };
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()));
    let (ours, theirs) = (read(ours_path)?, read(theirs_path)?);
    let upstream = path.and_then(|p| upstream_hashes(repo, p));
    let (published, local, name) = sides(
        is_rebasing(repo),
        upstream.as_ref(),
        Some(ours),
        Some(theirs),
    );
    let segments = match path {
        Some(path) => segments_on_disk(&repo.root().join(path).with_file_name(""))?,
        None => Vec::new(),
    };
    let published = parse(published, name, "journal.toml", &segments)?;
    refuse_stale_segments(&published, &segments)?;
    let mut local = parse(local, "this side", "journal.toml", &segments)?;
    local.signer = signer;
    let merged = store::rebase(&published, &local, name)?;
    std::fs::write(ours_path, published.tail_for(&merged.text))
        .with_context(|| format!("cannot write {}", ours_path.display()))?;
    Ok(())
}

/// Which side is published: the one whose entries the upstream holds, when
/// only one's are; else in a rebase "ours" (the branch being rebased onto),
/// in a merge (`git pull`) "theirs" (what was pulled).
fn sides(
    rebasing: bool,
    upstream: Option<&HashSet<String>>,
    ours: Option<Vec<u8>>,
    theirs: Option<Vec<u8>>,
) -> (Option<Vec<u8>>, Option<Vec<u8>>, &'static str) {
    if let Some(upstream) = upstream {
        let held = |side: &Option<Vec<u8>>| {
            let text = side
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            Journal::parse(Path::new("side"), text.into_owned())
                .is_ok_and(|j| j.entries.iter().all(|e| upstream.contains(&e.hash)))
        };
        match (held(&ours), held(&theirs)) {
            (true, false) => return (ours, theirs, "the side the upstream holds"),
            (false, true) => return (theirs, ours, "the side the upstream holds"),
            _ => {}
        }
    }
    if rebasing {
        (ours, theirs, "the branch being rebased onto")
    } else {
        (theirs, ours, "the branch being merged in")
    }
}

/// The entry hashes of the journal at the branch's upstream, if it has one.
fn upstream_hashes(repo: &GitRepo, path: &str) -> Option<HashSet<String>> {
    let upstream = git_ok(repo.root(), &["rev-parse", "--verify", "-q", "@{upstream}"]).ok()?;
    let bytes = repo.file_at(&upstream, path).ok()??;
    let segments = repo.files_in(&upstream, &segment_dir(path)).ok()?;
    let journal =
        Journal::assemble(Path::new(path), String::from_utf8(bytes).ok()?, segments).ok()?;
    Some(journal.entries.iter().map(|e| e.hash.clone()).collect())
}

fn is_rebasing(repo: &GitRepo) -> bool {
    let git_dir = repo.git_dir();
    git_dir.join("rebase-merge").exists() || git_dir.join("rebase-apply").exists()
}

/// One side's journal: its tail as git gives it, after the sealed segments
/// in the working tree that lead up to it.
fn parse(
    bytes: Option<Vec<u8>>,
    side: &str,
    path: &str,
    segments: &[(String, Vec<u8>)],
) -> Result<Journal> {
    let text = match bytes {
        Some(bytes) => {
            String::from_utf8(bytes).map_err(|_| refusal!("{side}'s {path} is not UTF-8 text"))?
        }
        None => EMPTY_JOURNAL.to_string(),
    };
    let name = format!("{path} ({side})");
    let journal = Journal::assemble(Path::new(&name), text, segments.to_vec())?;
    let link_broken = !journal.segment_files().is_empty()
        && journal.tail_first_seq().is_some()
        && journal.tail_broken() == journal.tail_first_seq();
    if !journal.is_contiguous() || link_broken {
        refuse!(
            "{name} continues sealed journal segments that this working tree does not hold: the two \
             sides sealed different segments. Abort (`git merge --abort` or `git rebase --abort`), then \
             run `ledger sync`, which merges the whole journal"
        );
    }
    Ok(journal)
}

/// Refuses a merge that would keep a sealed segment the published side
/// holds in its open tail: this side sealed entries of its own, and the
/// merged journal would publish that segment, then rewrite it.
fn refuse_stale_segments(published: &Journal, segments: &[(String, Vec<u8>)]) -> Result<()> {
    let Some(first) = published.tail_first_seq() else {
        return Ok(());
    };
    let stale = segments
        .iter()
        .filter_map(|(name, _)| crate::journal::segment::segment_first(name))
        .find(|start| *start >= first);
    if let Some(start) = stale {
        refuse!(
            "this side sealed entries from #{start} on into a segment that the other side still holds \
             open: the two sides sealed different segments. Abort (`git merge --abort` or `git rebase \
             --abort`), then run `ledger sync`, which merges the whole journal"
        );
    }
    Ok(())
}

/// Refuses to settle the tail while git reports a sealed segment itself in
/// conflict: both sides sealed the same entries' place with different ones.
fn refuse_conflicting_segments(repo: &GitRepo, ledger_dir: &Path) -> Result<()> {
    let dir = ledger_dir.join(crate::journal::segment::SEGMENT_DIR);
    for (_, path) in crate::journal::segment::list(&dir).unwrap_or_default() {
        let Some(rel) = repo.path_from_top(&path) else {
            continue;
        };
        if repo.conflict_stages(&rel)?.is_some() {
            refuse!(
                "{} is in conflict: the two sides sealed different journal segments. Abort \
                 (`git merge --abort` or `git rebase --abort`), then run `ledger sync`, which merges \
                 the whole journal",
                shown(&path)
            );
        }
    }
    Ok(())
}

/// The sealed segment files of a ledger folder, by name.
fn segments_on_disk(ledger_dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let dir = ledger_dir.join(crate::journal::segment::SEGMENT_DIR);
    let mut files = Vec::new();
    for (_, path) in crate::journal::segment::list(&dir)
        .with_context(|| format!("cannot list {}", shown(&dir)))?
    {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", shown(&path)))?;
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        files.push((name, bytes));
    }
    Ok(files)
}
