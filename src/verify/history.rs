//! The git-history check: each committed version of the journal must be a
//! byte prefix of every version committed after it (a merge: extend one
//! parent and keep every entry of the others), and the working journal must
//! extend the version at HEAD.
//!
//! Versions are compared file by file: sealed segments that two versions
//! store as the same blob hold the same bytes, so only the files after
//! them (usually the tails) are read. The check's cost then follows what
//! each commit changed, not the journal's length times its commits.

use std::path::Path;

use super::{Finding, Report};
use crate::git::{GitError, GitRepo, StoredAt, StoredVersion};
use crate::journal::{Journal, segment};
use crate::location::line_column;

/// One stored version of the journal: its tail's text and the sealed
/// segments that count before it, each with its blob id and where to read
/// it.
struct Stored {
    tail: Vec<u8>,
    segments: Vec<(String, String, Source)>,
}

/// The working copy's segments: blob id -> path.
type WorkingIds = std::collections::HashMap<String, std::path::PathBuf>;

/// Where a segment's bytes are.
#[derive(Clone)]
enum Source {
    Blob,
    File(std::path::PathBuf),
}

impl Stored {
    /// A committed version. A segment stored as the same blob as a
    /// working file (`working`: blob id -> path) is read from that file,
    /// whose bytes were hashed to that id: the same bytes, without
    /// inflating and hashing the blob again.
    fn committed(repo: &GitRepo, at: &StoredAt, working: &WorkingIds) -> Result<Stored, GitError> {
        let tail = repo.blob(&at.file)?;
        let files = match &at.folder {
            Some(tree) => repo.tree_blobs(tree)?,
            None => Vec::new(),
        };
        // Borrowed when UTF-8: a legacy single-file version is 100 MB.
        let text = String::from_utf8_lossy(&tail);
        let segments = crate::journal::counted_files(&text, files)
            .into_iter()
            .map(|(name, id)| {
                let source = working
                    .get(&id)
                    .map_or(Source::Blob, |p| Source::File(p.clone()));
                (name, id, source)
            })
            .collect();
        Ok(Stored { tail, segments })
    }

    /// Its segments stored as files of the working copy: blob id -> path.
    fn working_ids(&self) -> WorkingIds {
        (self.segments.iter())
            .filter_map(|(_, id, source)| match source {
                Source::File(path) => Some((id.clone(), path.clone())),
                Source::Blob => None,
            })
            .collect()
    }

    /// The working copy in the ledger folder of `tail_path`.
    fn working(tail_path: &Path) -> Result<Stored, GitError> {
        let tail = read(tail_path)?;
        let dir = tail_path
            .parent()
            .unwrap_or(Path::new("."))
            .join(segment::SEGMENT_DIR);
        let names: Vec<(String, ())> = std::fs::read_dir(&dir)
            .map(|listing| {
                listing
                    .flatten()
                    .filter_map(|e| e.file_name().to_str().map(|n| (n.to_string(), ())))
                    .collect()
            })
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&tail);
        let counted = crate::journal::counted_files(&text, names);
        // The files' blob ids (a hash of every byte) on two threads.
        let hash = |files: Vec<(String, ())>| -> Result<Vec<_>, GitError> {
            let ids = files.into_iter().map(|(name, ())| {
                let path = dir.join(&name);
                let id = crate::git::blob_id_of_file(&path)?;
                Ok((name, id, Source::File(path)))
            });
            ids.collect()
        };
        let mut segments = Vec::new();
        for piece in crate::parallel::pieces(counted, 2, &hash) {
            segments.extend(piece?);
        }
        Ok(Stored { tail, segments })
    }

    /// The bytes of segment `index`.
    fn segment(&self, repo: &GitRepo, index: usize) -> Result<Vec<u8>, GitError> {
        let (_, id, source) = &self.segments[index];
        match source {
            Source::Blob => repo.blob(id),
            Source::File(path) => read(path),
        }
    }

    /// The whole logical text (for messages and merges): the header, then
    /// every segment's body and the tail's; with where each stretch of it
    /// is in its own file (`tail`: the working tail's path).
    fn logical(&self, repo: &GitRepo, tail: &Path) -> Result<Logical, GitError> {
        let mut logical = Logical::new(tail);
        let folder = tail.with_file_name(segment::SEGMENT_DIR);
        for (index, (name, _, _)) in self.segments.iter().enumerate() {
            logical.push(folder.join(name), &self.segment(repo, index)?);
        }
        logical.push(tail.to_path_buf(), &self.tail);
        Ok(logical)
    }

    /// Whether `later`'s logical text starts with this one's, reading only
    /// the files after the segments both store as the same blobs, one file
    /// of each side at a time (a legacy single-file version is held whole).
    fn extended_by(&self, later: &Stored, repo: &GitRepo) -> Result<bool, GitError> {
        let shared = (self.segments.iter().zip(&later.segments))
            .take_while(|(a, b)| a.0 == b.0 && a.1 == b.1)
            .count();
        let mut mine = Bodies::new(self, repo, shared);
        let mut theirs = Bodies::new(later, repo, shared);
        loop {
            let Some(a) = mine.remaining()? else {
                return Ok(true);
            };
            let Some(b) = theirs.remaining()? else {
                return Ok(false);
            };
            let n = a.len().min(b.len());
            if a[..n] != b[..n] {
                return Ok(false);
            }
            mine.consume(n);
            theirs.consume(n);
        }
    }
}

/// The bodies of a stored version's files from segment `from` on, then
/// its tail's, read one file at a time: the logical text after the first
/// `from` segments, as a stream.
struct Bodies<'a> {
    stored: &'a Stored,
    repo: &'a GitRepo,
    /// The next file to read (`segments.len()` is the tail).
    next: usize,
    /// The file being compared, and how much of it is consumed.
    current: std::borrow::Cow<'a, [u8]>,
    at: usize,
}

impl<'a> Bodies<'a> {
    fn new(stored: &'a Stored, repo: &'a GitRepo, from: usize) -> Bodies<'a> {
        Bodies {
            stored,
            repo,
            next: from,
            current: std::borrow::Cow::Borrowed(&[]),
            at: 0,
        }
    }

    /// The unconsumed bytes of the current file, reading the next file
    /// with a non-empty body when it is used up; `None` at the end.
    fn remaining(&mut self) -> Result<Option<&[u8]>, GitError> {
        while self.at == self.current.len() {
            let count = self.stored.segments.len();
            if self.next > count {
                return Ok(None);
            }
            let bytes = if self.next == count {
                std::borrow::Cow::Borrowed(self.stored.tail.as_slice())
            } else {
                std::borrow::Cow::Owned(self.stored.segment(self.repo, self.next)?)
            };
            self.next += 1;
            self.at = bytes.len() - body(&bytes).len();
            self.current = bytes;
        }
        Ok(Some(&self.current[self.at..]))
    }

    fn consume(&mut self, n: usize) {
        self.at += n;
    }
}

/// A version's logical text, and which file each stretch of it is in.
struct Logical {
    text: Vec<u8>,
    /// (the file, the logical line its body starts at, the file's own
    /// line there), in order.
    pieces: Vec<(std::path::PathBuf, usize, usize)>,
}

impl Logical {
    /// The header alone, which is the tail's (`tail`).
    fn new(tail: &Path) -> Logical {
        Logical {
            text: crate::journal::EMPTY_JOURNAL.as_bytes().to_vec(),
            pieces: vec![(tail.to_path_buf(), 1, 1)],
        }
    }

    /// Adds the body of the file at `path`, whose bytes are `bytes`.
    fn push(&mut self, path: std::path::PathBuf, bytes: &[u8]) {
        let body = body(bytes);
        let header = &bytes[..bytes.len() - body.len()];
        let line = |b: &[u8]| b.iter().filter(|c| **c == b'\n').count() + 1;
        self.pieces.push((path, line(&self.text), line(header)));
        self.text.extend_from_slice(body);
    }

    /// The file and its own line that logical line `line` is in.
    fn locate(&self, line: usize) -> (&Path, usize) {
        let (path, start, own) = (self.pieces.iter().rev())
            .find(|(_, start, _)| *start <= line)
            .unwrap_or(&self.pieces[0]);
        (path, own + (line - start))
    }
}

/// A working file's bytes.
fn read(path: &Path) -> Result<Vec<u8>, GitError> {
    std::fs::read(path).map_err(|source| GitError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A journal file's body: everything after its `format` line.
fn body(bytes: &[u8]) -> &[u8] {
    let text = String::from_utf8_lossy(bytes);
    let start = segment::body_start(&text);
    // body_start counts bytes of the lossy text, the same as the bytes'
    // while they are UTF-8; a file that is not is compared whole.
    if matches!(text, std::borrow::Cow::Borrowed(_)) {
        &bytes[start..]
    } else {
        bytes
    }
}

/// Checks, through git, that each committed version of the journal is a
/// prefix of every version committed after it, and that the working
/// journal extends the version at HEAD. `path` is the journal's tail.
pub fn check_history(repo: &GitRepo, path: &Path, report: &mut Report) -> Result<(), GitError> {
    let Some(rel) = repo.relative_path(path) else {
        report.history_skipped = Some(format!(
            "{} is outside the git repository at {}",
            path.display(),
            repo.root().display()
        ));
        return Ok(());
    };
    let folder = rel.with_file_name(segment::SEGMENT_DIR);
    let versions = repo.stored_versions(&rel, &folder)?;
    report.history_checked = true;
    // The version read last, kept for the next one's comparison: each
    // version is read once (a legacy single-file version is 100 MB), and a
    // root only when a later version is compared with it.
    let working = Stored::working(path)?;
    let mut walk = Walk {
        repo,
        path,
        known: working.working_ids(),
        held: None,
    };
    for version in &versions {
        walk.version(version, report)?;
    }
    if let Some(last) = versions.last() {
        report.versions_checked += 1;
        let committed = walk.read(&last.commit, &last.at)?;
        if !committed.extended_by(&working, repo)? {
            let what = format!("the working copy (over commit {})", short(&last.commit));
            let finding = explain(
                path,
                &committed.logical(repo, path)?,
                &working.logical(repo, path)?.text,
                &what,
            );
            report.findings.push(finding);
        }
    }
    Ok(())
}

/// The committed versions, compared one after another.
struct Walk<'a> {
    repo: &'a GitRepo,
    path: &'a Path,
    /// The working copy's segments: their blob ids.
    known: WorkingIds,
    /// The version read last, kept for the next one's comparison: each
    /// version is read once (a legacy single-file version is 100 MB), and
    /// a root only when a later version is compared with it.
    held: Option<(String, Stored)>,
}

impl Walk<'_> {
    /// The version stored at `at` by `commit`: the one held, or read now.
    fn read(&mut self, commit: &str, at: &StoredAt) -> Result<Stored, GitError> {
        match self.held.take() {
            Some((held, kept)) if held == commit => Ok(kept),
            _ => Stored::committed(self.repo, at, &self.known),
        }
    }

    /// Checks one committed version against its parents' versions.
    fn version(&mut self, version: &StoredVersion, report: &mut Report) -> Result<(), GitError> {
        let (repo, path) = (self.repo, self.path);
        let parents: Vec<(&str, &StoredAt)> = (version.parents.iter())
            .filter_map(|(p, at)| at.as_ref().map(|at| (p.as_str(), at)))
            .collect();
        report.versions_checked += parents.len();
        if parents.is_empty() {
            return Ok(());
        }
        let stored = Stored::committed(repo, &version.at, &self.known)?;
        if let [_, _, ..] = parents.as_slice() {
            let content = stored.logical(repo, path)?.text;
            let mut sides = Vec::new();
            for (parent, at) in &parents {
                let side = Stored::committed(repo, at, &self.known)?;
                sides.push((*parent, side.logical(repo, path)?));
            }
            check_merge(path, (&version.commit, &content), &sides, report);
        } else {
            for (parent, at) in parents {
                let before = self.read(parent, at)?;
                if !before.extended_by(&stored, repo)? {
                    let what =
                        format!("commit {} (over {})", short(&version.commit), short(parent));
                    let (old, new) = (before.logical(repo, path)?, stored.logical(repo, path)?);
                    let finding = explain(path, &old, &new.text, &what);
                    report.findings.push(finding);
                }
            }
        }
        self.held = Some((version.commit.clone(), stored));
        Ok(())
    }
}

/// A merge commit's journal must extend one parent's (the side already
/// published, kept byte for byte) and hold every entry of the others, by
/// event: their own entries are re-chained after the published ones, as
/// `ledger resolve` and `ledger sync` do.
fn check_merge(
    path: &Path,
    (commit, content): (&str, &[u8]),
    parents: &[(&str, Logical)],
    report: &mut Report,
) {
    let what = format!("merge commit {}", short(commit));
    let Some(kept) = parents
        .iter()
        .position(|(_, before)| content.starts_with(&before.text))
    else {
        let (parent, before) = &parents[0];
        report.findings.push(explain(
            path,
            before,
            content,
            &format!("{what} (over {})", short(parent)),
        ));
        return;
    };
    let parse =
        |bytes: &[u8]| Journal::parse(path, String::from_utf8_lossy(bytes).into_owned()).ok();
    let Some(merged) = parse(content) else {
        return;
    };
    let events: std::collections::HashSet<String> = merged
        .entries
        .iter()
        .map(crate::journal::Entry::identity)
        .collect();
    for (index, (parent, before)) in parents.iter().enumerate() {
        if index == kept {
            continue;
        }
        let Some(side) = parse(&before.text) else {
            continue;
        };
        if let Some(lost) = side
            .entries
            .iter()
            .find(|e| !events.contains(&e.identity()))
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

/// Names the first entry that `after` changed or dropped from `before`,
/// at its file and line in `before`.
fn explain(path: &Path, before: &Logical, after: &[u8], what: &str) -> Finding {
    let parse =
        |bytes: &[u8]| Journal::parse(path, String::from_utf8_lossy(bytes).into_owned()).ok();
    if let (Some(old), Some(new)) = (parse(&before.text), parse(after)) {
        for (index, old_entry) in old.entries.iter().enumerate() {
            let same = new.raw().get(index) == old.raw().get(index);
            if !same {
                let verb = if index >= new.entries.len() {
                    "removed"
                } else {
                    "changed"
                };
                let line = old.lines.get(index).copied().flatten().unwrap_or(1);
                let (file, line) = before.locate(line);
                return Finding {
                    seq: Some(old_entry.seq),
                    message: format!(
                        "{what} {verb} entry #{} ({}:{line}): committed journal versions must only grow",
                        old_entry.seq,
                        file.display(),
                    ),
                };
            }
        }
    }
    let offset = (before.text.iter().zip(after))
        .take_while(|(a, b)| a == b)
        .count();
    let (line, _) = line_column(&String::from_utf8_lossy(&before.text), offset);
    let (file, line) = before.locate(line);
    Finding {
        seq: None,
        message: format!(
            "{what} rewrote {} from line {line}: committed journal versions must only grow",
            file.display()
        ),
    }
}
