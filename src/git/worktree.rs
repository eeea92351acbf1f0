//! The working tree and its settings: HEAD, the branch, conflicts in the
//! index, configuration, paths relative to the top, attributes.

use std::path::{Path, PathBuf};

use super::{GitError, GitRepo, other};

impl GitRepo {
    /// The commit HEAD points at, if any.
    pub fn head(&self) -> Option<String> {
        self.repo
            .head()
            .ok()
            .and_then(|h| h.target())
            .map(|o| o.to_string())
    }

    /// The branch HEAD is on (`main`), if it is on one.
    pub fn current_branch(&self) -> Option<String> {
        let head = self.repo.head().ok()?;
        if !head.is_branch() {
            return None;
        }
        head.shorthand().map(String::from)
    }

    /// The repository's git directory (`.git`).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The content of `path` at each stage of a conflicted index: the
    /// common ancestor (1), ours (2) and theirs (3); `None` when the path
    /// is not in conflict.
    pub fn conflict_stages(&self, path: &str) -> Result<Option<[Option<Vec<u8>>; 3]>, GitError> {
        let index = self.repo.index().map_err(other("reading the index"))?;
        let mut stages: [Option<Vec<u8>>; 3] = [None, None, None];
        let mut found = false;
        for stage in 1..=3 {
            if let Some(entry) = index.get_path(Path::new(path), stage) {
                found = true;
                stages[(stage - 1) as usize] = Some(self.blob_bytes(entry.id)?);
            }
        }
        Ok(found.then_some(stages))
    }

    /// Stages `path` with `content` (resolving a conflict on it), and
    /// writes the file.
    pub fn stage_file(&self, path: &str, content: &[u8]) -> Result<(), GitError> {
        let context = || format!("staging {path}");
        std::fs::write(self.root.join(path), content).map_err(|e| GitError::Other {
            context: context(),
            source: git2::Error::from_str(&e.to_string()),
        })?;
        let mut index = self.repo.index().map_err(other(context()))?;
        index.add_path(Path::new(path)).map_err(other(context()))?;
        index.write().map_err(other(context()))
    }

    /// Sets a key in this repository's own config (`.git/config`).
    pub fn set_config(&self, key: &str, value: &str) -> Result<(), GitError> {
        let context = || format!("setting {key} in the repository's config");
        let config = self.repo.config().map_err(other(context()))?;
        let mut local = config
            .open_level(git2::ConfigLevel::Local)
            .map_err(other(context()))?;
        local.set_str(key, value).map_err(other(context()))
    }

    /// The tracked files with changes not committed (staged or not), as
    /// `git describe --dirty` counts them: untracked and ignored files are
    /// not changes; files under `except` (a folder from the top, the
    /// ledger's own) are left out.
    pub fn uncommitted_paths(&self, except: Option<&str>) -> Result<Vec<String>, GitError> {
        let mut options = git2::StatusOptions::new();
        options
            .include_untracked(false)
            .include_ignored(false)
            .exclude_submodules(true);
        let statuses = (self.repo.statuses(Some(&mut options)))
            .map_err(other("reading the working tree's status"))?;
        let prefix = except.map(|dir| format!("{}/", dir.trim_end_matches('/')));
        Ok(statuses
            .iter()
            .filter(|s| !s.status().is_empty() && s.status() != git2::Status::CURRENT)
            .filter_map(|s| s.path().map(String::from))
            .filter(|path| {
                prefix
                    .as_ref()
                    .is_none_or(|p| !path.starts_with(p.as_str()))
            })
            .collect())
    }

    /// The path of `file` from the top of the working tree, `/`-separated,
    /// if it is inside it.
    pub fn path_from_top(&self, file: &Path) -> Option<String> {
        self.relative_path(file)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
    }

    /// The path of `file` relative to the working tree, if it is inside it.
    pub fn relative_path(&self, file: &Path) -> Option<PathBuf> {
        let file = file.canonicalize().ok()?;
        let root = self.root.canonicalize().ok()?;
        file.strip_prefix(root).ok().map(Path::to_path_buf)
    }
}
