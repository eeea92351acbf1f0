//! Integrity checks of the journal: the hash chain recomputed entry by
//! entry, and the git history of the journal file, where every committed
//! version must be a byte prefix of the next.

mod chain;

use chain::ChainCheck;
use std::path::Path;

use crate::git::{GitError, GitRepo};
use crate::journal::{Journal, JournalError};
use crate::location::line_column;

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The entry it hit, when one can be named.
    pub seq: Option<u64>,
    /// What is wrong, naming the entry and where it is.
    pub message: String,
}

/// The outcome of [`check_chain`] and [`check_history`].
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Entries whose hashes were recomputed.
    pub entries_checked: usize,
    /// Committed versions of the journal compared with their parents.
    pub versions_checked: usize,
    /// Whether the git history could be checked at all.
    pub history_checked: bool,
    /// Why the history was not checked, when it was not.
    pub history_skipped: Option<String>,
    /// Problems, in journal order.
    pub findings: Vec<Finding>,
}

fn at(journal: &Journal, index: usize) -> String {
    journal.place(index)
}

/// Recomputes the hash chain of a journal in memory: sequence numbers,
/// each entry's hash over its content, and each `prev_hash` link.
pub fn check_chain(journal: &Journal) -> Vec<Finding> {
    let mut check = ChainCheck::default();
    for (index, (entry, raw)) in journal.entries.iter().zip(journal.raw()).enumerate() {
        let computed = crate::journal::hash::entry_hash(raw);
        check.add(entry, &computed, || at(journal, index));
    }
    check.finish()
}

/// Recomputes the hash chain of the journal stored in `ledger_dir`, one
/// file at a time, so that memory holds one segment, not the journal.
/// Returns the findings and how many entries were checked; `text`, when
/// given, receives the journal's logical text (for the git-history check).
pub fn check_stored(
    ledger_dir: &Path,
    mut text: Option<&mut String>,
) -> Result<(Vec<Finding>, usize), JournalError> {
    let mut check = ChainCheck::default();
    crate::journal::for_each_file(ledger_dir, |file| {
        for (index, (entry, computed)) in file.entries.iter().zip(&file.hashes).enumerate() {
            check.add(entry, computed, || file.place(index));
        }
        if let Some(text) = text.as_deref_mut() {
            file.push_body(text);
        }
    })?;
    let checked = check.seqs.len();
    Ok((check.finish(), checked))
}

/// Checks, through git, that each committed version of the journal is a
/// prefix of every version committed after it, and that the working file
/// extends the version at HEAD. `path` is the journal's tail and `text`
/// its logical text (see [`check_stored`]).
pub fn check_history(
    repo: &GitRepo,
    path: &Path,
    text: &str,
    report: &mut Report,
) -> Result<(), GitError> {
    let Some(rel) = repo.relative_path(path) else {
        report.history_skipped = Some(format!(
            "{} is outside the git repository at {}",
            path.display(),
            repo.root().display()
        ));
        return Ok(());
    };
    let segments = rel.with_file_name(crate::journal::segment::SEGMENT_DIR);
    let join = |tail: Vec<u8>, files: Vec<(String, Vec<u8>)>| {
        crate::journal::logical_text(&String::from_utf8_lossy(&tail), files).into_bytes()
    };
    let versions = repo.joined_versions(&rel, &segments, &join)?;
    report.history_checked = true;
    for version in &versions {
        let parents: Vec<(&String, &Vec<u8>)> = version
            .parents
            .iter()
            .filter_map(|(p, before)| before.as_ref().map(|b| (p, b)))
            .collect();
        report.versions_checked += parents.len();
        if let [_, _, ..] = parents.as_slice() {
            check_merge(path, version, &parents, report);
            continue;
        }
        for (parent, before) in parents {
            if !version.content.starts_with(before) {
                report.findings.push(explain(
                    path,
                    before,
                    &version.content,
                    &format!("commit {} (over {})", short(&version.commit), short(parent)),
                ));
            }
        }
    }
    if let Some(last) = versions.last() {
        report.versions_checked += 1;
        let working = logical(text);
        if !working.as_bytes().starts_with(&last.content) {
            report.findings.push(explain(
                path,
                &last.content,
                working.as_bytes(),
                &format!("the working copy (over commit {})", short(&last.commit)),
            ));
        }
    }
    Ok(())
}

/// A journal's text with the header every version shares: what the
/// history check compares, so that sealing segments (whose files have
/// headers of their own) changes nothing it sees.
fn logical(text: &str) -> String {
    let body = &text[crate::journal::segment::body_start(text)..];
    format!("{}{body}", crate::journal::EMPTY_JOURNAL)
}

/// A merge commit's journal must extend one parent's (the side already
/// published, kept byte for byte) and hold every entry of the others, by
/// event: their own entries are re-chained after the published ones, as
/// `ledger resolve` and `ledger sync` do.
fn check_merge(
    path: &Path,
    version: &crate::git::FileVersion,
    parents: &[(&String, &Vec<u8>)],
    report: &mut Report,
) {
    let what = format!("merge commit {}", short(&version.commit));
    let Some(kept) = parents
        .iter()
        .position(|(_, before)| version.content.starts_with(before))
    else {
        let (parent, before) = parents[0];
        report.findings.push(explain(
            path,
            before,
            &version.content,
            &format!("{what} (over {})", short(parent)),
        ));
        return;
    };
    let parse =
        |bytes: &[u8]| Journal::parse(path, String::from_utf8_lossy(bytes).into_owned()).ok();
    let Some(merged) = parse(&version.content) else {
        return;
    };
    let events: std::collections::HashSet<String> =
        merged.entries.iter().map(crate::store::identity).collect();
    for (index, (parent, before)) in parents.iter().enumerate() {
        if index == kept {
            continue;
        }
        let Some(side) = parse(before) else { continue };
        if let Some(lost) = side
            .entries
            .iter()
            .find(|e| !events.contains(&crate::store::identity(e)))
        {
            report.findings.push(Finding {
                seq: Some(lost.seq),
                message: format!(
                    "{what} dropped entry #{} of its parent {} ({}): a merge keeps every entry of both sides",
                    lost.seq,
                    short(parent),
                    crate::model::summary_line(lost)
                ),
            });
        }
    }
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

/// Names the first entry that `after` changed or dropped from `before`.
fn explain(path: &Path, before: &[u8], after: &[u8], what: &str) -> Finding {
    let parse =
        |bytes: &[u8]| Journal::parse(path, String::from_utf8_lossy(bytes).into_owned()).ok();
    if let (Some(old), Some(new)) = (parse(before), parse(after)) {
        for (index, old_entry) in old.entries.iter().enumerate() {
            let same = new.raw().get(index) == old.raw().get(index);
            if !same {
                let verb = if index >= new.entries.len() {
                    "removed"
                } else {
                    "changed"
                };
                return Finding {
                    seq: Some(old_entry.seq),
                    message: format!(
                        "{what} {verb} entry #{} ({}:{}): committed journal versions must only grow",
                        old_entry.seq,
                        path.display(),
                        old.lines.get(index).copied().flatten().unwrap_or(0)
                    ),
                };
            }
        }
    }
    let offset = before.iter().zip(after).take_while(|(a, b)| a == b).count();
    let (line, _) = line_column(&String::from_utf8_lossy(before), offset);
    Finding {
        seq: None,
        message: format!(
            "{what} rewrote {} from line {line}: committed journal versions must only grow",
            path.display()
        ),
    }
}
