//! The git remote as the ledger's shared store: fetch the ledger's branch,
//! read its journal, commit a merged journal over its tip, push. The
//! network half goes through the `git` command, so that the user's
//! credentials, protocols and hooks apply (libgit2 is built without
//! network support); the object half through git2, touching no working file.

use std::path::Path;
use std::process::Command;

use crate::git::{GitError, GitRepo};

/// Errors talking to the remote.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// A git command failed.
    #[error("`git {command}` failed: {message}")]
    Command {
        /// The command line after `git`.
        command: String,
        /// What git said.
        message: String,
    },
    /// The repository itself.
    #[error(transparent)]
    Repo(#[from] GitError),
}

/// What git says when the remote could not be reached or hung up: a
/// failure that running again may get past (a remote that refused the
/// push, or access, will refuse it again).
const UNREACHABLE: [&str; 10] = [
    "could not resolve host",
    "connection refused",
    "connection timed out",
    "operation timed out",
    "unable to access",
    "could not read from remote repository",
    "the remote end hung up unexpectedly",
    "early eof",
    "temporary failure in name resolution",
    "the requested url returned error: 5",
];

impl RemoteError {
    /// Whether running again may succeed: git could not reach the remote,
    /// or lost the connection.
    pub fn is_retryable(&self) -> bool {
        match self {
            RemoteError::Command { message, .. } => {
                let message = message.to_ascii_lowercase();
                UNREACHABLE.iter().any(|words| message.contains(words))
            }
            RemoteError::Repo(_) => false,
        }
    }
}

/// How a push came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Push {
    /// The branch now points at the commit.
    Pushed,
    /// Another writer pushed first: fetch and merge again.
    Lost(String),
}

/// The remote branch that holds the shared journal.
pub struct GitRemote<'a> {
    repo: &'a GitRepo,
    /// Remote name (`origin`).
    pub remote: String,
    /// Branch name (`main`).
    pub branch: String,
}

impl<'a> GitRemote<'a> {
    /// The branch `branch` of `remote` in `repo`.
    pub fn new(repo: &'a GitRepo, remote: String, branch: String) -> Self {
        GitRemote {
            repo,
            remote,
            branch,
        }
    }

    /// `remote/branch`, for messages.
    pub fn name(&self) -> String {
        format!("{}/{}", self.remote, self.branch)
    }

    /// Fetches the branch; returns its tip, or `None` when the remote has
    /// no such branch yet.
    pub fn fetch(&self) -> Result<Option<String>, RemoteError> {
        let refspec = format!(
            "+refs/heads/{}:refs/remotes/{}/{}",
            self.branch, self.remote, self.branch
        );
        let output = git(
            self.repo.root(),
            &["fetch", "--quiet", &self.remote, &refspec],
        )?;
        if !output.status.success() {
            let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
            if message.contains("couldn't find remote ref") {
                return Ok(None);
            }
            return Err(RemoteError::Command {
                command: format!("fetch {} {}", self.remote, self.branch),
                message,
            });
        }
        Ok(self
            .repo
            .try_resolve(&format!("refs/remotes/{}/{}", self.remote, self.branch)))
    }

    /// Pushes `commit` to the branch, as a fast-forward only.
    pub fn push(&self, commit: &str) -> Result<Push, RemoteError> {
        let refspec = format!("{commit}:refs/heads/{}", self.branch);
        let output = git(
            self.repo.root(),
            &["push", "--quiet", &self.remote, &refspec],
        )?;
        if output.status.success() {
            // Keep the remote-tracking branch in step, as a fetch would.
            let tracking = format!("refs/remotes/{}/{}", self.remote, self.branch);
            let _ = git(self.repo.root(), &["update-ref", &tracking, commit]);
            return Ok(Push::Pushed);
        }
        let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
        // `[rejected] ... (fetch first)`, and a ref another push moved under
        // this one, are lost races; another `[remote rejected]` (a hook, a
        // protected branch) is a refusal that retrying cannot change.
        let raced = ["cannot lock ref", "failed to update ref"]
            .iter()
            .any(|m| message.contains(m));
        let behind = !message.contains("[remote rejected]")
            && ["non-fast-forward", "fetch first", "stale info"]
                .iter()
                .any(|m| message.contains(m));
        let lost = raced || behind;
        if lost {
            Ok(Push::Lost(message))
        } else {
            Err(RemoteError::Command {
                command: format!("push {} {refspec}", self.remote),
                message: format!(
                    "{message}\n(the remote refused the push: if {} is protected, share the journal on a branch \
                     the pipelines may push to, with `ledger sync --branch NAME`)",
                    self.branch
                ),
            })
        }
    }
}

/// Runs `git ARGS` in `dir`.
pub fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, RemoteError> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| RemoteError::Command {
            command: args.join(" "),
            message: format!(
                "cannot run git ({e}): install git, which `ledger sync` uses to reach the remote"
            ),
        })
}

/// Runs `git ARGS` in `dir` and fails with git's message unless it succeeds.
pub fn git_ok(dir: &Path, args: &[&str]) -> Result<String, RemoteError> {
    let output = git(dir, args)?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    } else {
        Err(RemoteError::Command {
            command: args.join(" "),
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}
