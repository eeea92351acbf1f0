//! Repository access through git2: resolving revisions, tags, walking commit
//! ranges and reading a file's history. git2 types stay inside this module;
//! callers see plain SHAs and [`CommitInfo`].

use std::cell::OnceCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

use crate::timestamp::Timestamp;

mod config;
mod files;
mod tags;
mod tree_diff;
mod walk;
mod worktree;

pub use files::blob_id_of_file;
pub use tags::pick_version_tag;

/// Errors from the repository.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No repository at or above the path.
    #[error(
        "no git repository at or above {path}: run ledger inside your repository or pass --repo DIR"
    )]
    NotARepository {
        /// Where the search started.
        path: PathBuf,
    },
    /// A revision that does not name a commit.
    #[error("unknown commit `{rev}` in {repo}: {hint}")]
    UnknownRevision {
        /// What was asked for.
        rev: String,
        /// The repository.
        repo: PathBuf,
        /// What to do.
        hint: String,
    },
    /// A working file the check compares with git could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Any other git failure, with what was being done.
    #[error("git: {context}")]
    Other {
        /// What was being done.
        context: String,
        /// The libgit2 error.
        source: git2::Error,
    },
}

fn other(context: impl Into<String>) -> impl FnOnce(git2::Error) -> GitError {
    let context = context.into();
    move |source| GitError::Other { context, source }
}

/// One commit, converted out of git2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full SHA.
    pub id: String,
    /// First line of the message.
    pub summary: String,
    /// The whole message.
    pub message: String,
    /// Author name.
    pub author: String,
    /// Commit time.
    pub time: Timestamp,
    /// Number of parents (2+ is a merge).
    pub parent_count: usize,
    /// The paths it changed against its first parent (everything, for a
    /// root commit), from the top of the working tree; `None` when not read.
    pub paths: Option<Vec<String>>,
}

/// Where a commit stores a file and a folder beside it (the journal's tail
/// and its segments): the file's blob and the folder's tree, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAt {
    /// The file's blob.
    pub file: String,
    /// The folder's tree, when the commit has the folder.
    pub folder: Option<String>,
}

/// A commit that changed a stored file or its folder, with where it and
/// each of its parents store them.
#[derive(Debug, Clone)]
pub struct StoredVersion {
    /// The commit.
    pub commit: String,
    /// Where it stores them.
    pub at: StoredAt,
    /// Each parent, with where it stores them (None where it lacks the file).
    pub parents: Vec<(String, Option<StoredAt>)>,
}

/// A tag, peeled to its commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    /// Tag name.
    pub name: String,
    /// The commit it names.
    pub commit: String,
    /// The tagger's time for an annotated tag, else the commit's time.
    pub time: Timestamp,
}

/// An open repository.
pub struct GitRepo {
    repo: Repository,
    root: PathBuf,
    /// Every tag's name, listed on first use: [`has_tag`](Self::has_tag)
    /// is asked once per release, and one listing serves them all where a
    /// lookup each would try a loose reference file per release.
    tag_names: OnceCell<HashSet<String>>,
}

impl GitRepo {
    /// Opens the repository at or above `start`.
    pub fn discover(start: &Path) -> Result<GitRepo, GitError> {
        let repo = Repository::discover(start).map_err(|_| GitError::NotARepository {
            path: start.to_path_buf(),
        })?;
        let root = repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf();
        Ok(GitRepo {
            repo,
            root,
            tag_names: OnceCell::new(),
        })
    }

    /// The working tree's root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves a revision (SHA, prefix, tag, branch, `HEAD~2`) to a full commit SHA.
    pub fn resolve(&self, rev: &str) -> Result<String, GitError> {
        let unknown = |hint: &str| GitError::UnknownRevision {
            rev: crate::ui::printable(rev).into_owned(),
            repo: self.root.clone(),
            hint: hint.to_string(),
        };
        let object = self.full_sha_object(rev).map_or_else(
            || self.repo.revparse_single(rev),
            |found| found.ok_or_else(|| git2::Error::from_str("no such object")),
        );
        let object = object.map_err(|e| {
            if e.code() == git2::ErrorCode::Ambiguous {
                unknown("the prefix is ambiguous; give more characters of the SHA")
            } else if rev == "HEAD" {
                unknown("the repository has no commits yet; commit first")
            } else {
                unknown(
                    "check the SHA, tag or branch name (fetch it first if it lives on a remote)",
                )
            }
        })?;
        let commit = object
            .peel_to_commit()
            .map_err(|_| unknown("it names something that is not a commit"))?;
        Ok(commit.id().to_string())
    }

    /// The object a full 40-hex SHA names (`Some(None)` when the repository
    /// lacks it), read directly: `revparse` would, for a SHA it lacks (a
    /// shallow clone, a journal of another repository), try it as every
    /// kind of reference name in turn, a dozen file lookups for each of
    /// thousands of entries. `None` when `rev` is not a full SHA. (A
    /// reference named like a SHA loses to the object, as git warns.)
    fn full_sha_object(&self, rev: &str) -> Option<Option<git2::Object<'_>>> {
        if rev.len() != 40 || !rev.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let oid = Oid::from_str(rev).ok()?;
        Some(self.repo.find_object(oid, None).ok())
    }

    /// Like [`resolve`](Self::resolve), but `None` when it does not resolve.
    pub fn try_resolve(&self, rev: &str) -> Option<String> {
        self.resolve(rev).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::Sort;

    #[test]
    fn semver_tags_win_over_others() {
        let names = ["latest", "v1.10.0", "v1.9.0"].map(String::from);
        assert_eq!(pick_version_tag(&names).as_deref(), Some("v1.10.0"));
        let names = ["beta", "alpha"].map(String::from);
        assert_eq!(pick_version_tag(&names).as_deref(), Some("beta"));
        assert_eq!(pick_version_tag(&[]), None);
    }

    /// A commit in `repo` with these parents and an empty tree, at time
    /// `n`, its message `cN`.
    fn commit(repo: &Repository, parents: &[Oid], n: usize) -> Oid {
        let sig =
            git2::Signature::new("t", "t@example.com", &git2::Time::new(n as i64, 0)).unwrap();
        let tree = repo
            .find_tree(repo.treebuilder(None).unwrap().write().unwrap())
            .unwrap();
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        repo.commit(None, &sig, &sig, &format!("c{n}"), &tree, &parents)
            .unwrap()
    }

    #[test]
    fn a_full_sha_resolves_to_its_commit_or_says_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let first = commit(&repo, &[], 0);
        repo.tag_lightweight("v1", &repo.find_object(first, None).unwrap(), false)
            .unwrap();
        let git = GitRepo::discover(dir.path()).unwrap();
        let sha = first.to_string();
        assert_eq!(git.resolve(&sha).unwrap(), sha);
        assert_eq!(git.resolve(&sha.to_uppercase()).unwrap(), sha);
        assert_eq!(git.resolve(&sha[..10]).unwrap(), sha, "a prefix");
        assert_eq!(git.resolve("v1").unwrap(), sha, "a tag");
        let hint = |rev: &str| match git.resolve(rev) {
            Err(GitError::UnknownRevision { hint, .. }) => hint,
            other => panic!("{rev}: {other:?}"),
        };
        // A SHA the repository lacks (a shallow clone, another repository).
        assert!(hint(&"ab".repeat(20)).contains("fetch it first"));
        // The SHA of an object that is not a commit (the empty tree).
        let tree = repo.find_commit(first).unwrap().tree_id().to_string();
        assert!(hint(&tree).contains("not a commit"));
    }

    #[test]
    fn many_hidden_commits_hide_what_libgit2_would_hide() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let mut main = vec![commit(&repo, &[], 0)];
        let mut side = Vec::new();
        for n in 1..100 {
            if n == 50 {
                side.push(commit(&repo, &[main[49]], 1000));
                side.push(commit(&repo, &[side[0]], 1001));
                side.push(commit(&repo, &[side[1]], 1002));
            }
            let parents = if n == 90 {
                vec![main[89], side[2]]
            } else {
                vec![main[n - 1]]
            };
            main.push(commit(&repo, &parents, n));
        }
        let head = main[99].to_string();
        repo.reference("refs/heads/main", main[99], true, "test")
            .unwrap();
        let mut hidden: Vec<String> = main[..70].iter().map(Oid::to_string).collect();
        hidden.push(side[1].to_string());
        let git = GitRepo::discover(dir.path()).unwrap();
        let hidden_refs: Vec<&str> = hidden.iter().map(String::as_str).collect();
        let found: Vec<String> = git
            .commits_excluding(&hidden_refs, &head)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        // What libgit2 says, hiding every one of them.
        let mut walk = repo.revwalk().unwrap();
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME).unwrap();
        walk.push(main[99]).unwrap();
        hidden
            .iter()
            .for_each(|h| walk.hide(Oid::from_str(h).unwrap()).unwrap());
        let mut expected: Vec<String> = walk.map(|o| o.unwrap().to_string()).collect();
        expected.reverse();
        assert_eq!(found, expected);
        assert_eq!(
            found.len(),
            31,
            "main 70..99 and the side commit after the hidden one"
        );
    }
}
