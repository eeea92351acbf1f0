//! `ledger resolve`: settle a git conflict in the journal (after `git pull`
//! or during `git rebase`) the way `sync` merges: the side already on the
//! remote is kept byte for byte, the other side's own entries follow it.

use anyhow::{Result, anyhow, bail};

use super::{Outcome, Workspace, shown};
use crate::journal::{EMPTY_JOURNAL, Journal};
use crate::store;

pub fn run(workspace: &Workspace) -> Result<Outcome> {
    let repo = workspace.repo()?;
    let journal_path = Journal::path_in(&workspace.ledger_dir);
    let path = repo
        .path_from_top(&journal_path)
        .ok_or_else(|| anyhow!("{} is not inside the git repository", shown(&journal_path)))?;
    let Some([_, ours, theirs]) = repo.conflict_stages(&path)? else {
        bail!(
            "{} is not in conflict: nothing to resolve (`git status` shows what is)",
            shown(&journal_path)
        );
    };
    // In a rebase, "ours" is the branch being rebased onto (the remote's);
    // in a merge (`git pull`), "theirs" is what was pulled.
    let git_dir = repo.git_dir();
    let rebasing = git_dir.join("rebase-merge").exists() || git_dir.join("rebase-apply").exists();
    let (published, local, published_name) = if rebasing {
        (ours, theirs, "the branch being rebased onto")
    } else {
        (theirs, ours, "the branch being merged in")
    };
    let parse = |bytes: Option<Vec<u8>>, side: &str| -> Result<Journal> {
        let text = match bytes {
            Some(bytes) => String::from_utf8(bytes)
                .map_err(|_| anyhow!("{side}'s {path} is not UTF-8 text"))?,
            None => EMPTY_JOURNAL.to_string(),
        };
        let name = format!("{path} ({side})");
        Ok(Journal::parse(std::path::Path::new(&name), text)?)
    };
    let published = parse(published, published_name)?;
    let local = parse(local, "this side")?;
    let merged = store::rebase(&published, &local, published_name)?;
    repo.stage_file(&path, merged.text.as_bytes())?;
    eprintln!(
        "resolved {}: kept the {} entries of {published_name} and put {} entr{} of this side after them; \
         now {}",
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
    Ok(Outcome::Success)
}
