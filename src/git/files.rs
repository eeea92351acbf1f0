//! Files as git stores them: a file or folder at a commit, the journal's
//! stored versions, blobs and their ids.

use std::collections::HashMap;
use std::path::Path;

use git2::{ObjectType, Oid, Sort};

use super::{GitError, GitRepo, StoredAt, StoredVersion, other};

impl GitRepo {
    /// The bytes of `path` (from the top of the tree) in a commit, or
    /// `None` when the commit does not hold it.
    pub fn file_at(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let commit = self.commit_at(commit)?;
        match self.blob_at(&commit, Path::new(path)) {
            Some(blob) => Ok(Some(self.blob_bytes(blob)?)),
            None => Ok(None),
        }
    }

    /// The files directly inside folder `dir` at `commit` (path from the
    /// top), by name; none when the folder is not there.
    pub fn files_in(&self, commit: &str, dir: &str) -> Result<Vec<(String, Vec<u8>)>, GitError> {
        let commit = self.commit_at(commit)?;
        match self.tree_at(&commit, Path::new(dir)) {
            Some(tree) => self.tree_files(tree.id()),
            None => Ok(Vec::new()),
        }
    }

    /// The commit a full SHA names.
    pub(super) fn commit_at(&self, sha: &str) -> Result<git2::Commit<'_>, GitError> {
        let oid = Oid::from_str(sha).map_err(other(format!("parsing {sha}")))?;
        self.repo
            .find_commit(oid)
            .map_err(other(format!("reading commit {oid}")))
    }

    pub(super) fn tree_at(
        &self,
        commit: &git2::Commit<'_>,
        rel_path: &Path,
    ) -> Option<git2::Tree<'_>> {
        let tree = commit.tree().ok()?;
        let entry = tree.get_path(rel_path).ok()?;
        self.repo.find_tree(entry.id()).ok()
    }

    /// A new commit over `parent` whose tree is the parent's with each of
    /// `files` set to its content (removed for `None`), touching no ref,
    /// index or working file. Returns its SHA. The author and committer are git's identity, else
    /// `fallback_name`.
    pub fn commit_files(
        &self,
        parent: &str,
        files: &[(String, Option<Vec<u8>>)],
        message: &str,
        fallback_name: &str,
    ) -> Result<String, GitError> {
        let context = || format!("committing over {parent}");
        let parent_oid = Oid::from_str(parent).map_err(other(context()))?;
        let parent = self
            .repo
            .find_commit(parent_oid)
            .map_err(other(context()))?;
        let mut update = git2::build::TreeUpdateBuilder::new();
        for (path, content) in files {
            match content {
                Some(content) => {
                    let blob = self.repo.blob(content).map_err(other(context()))?;
                    update.upsert(path.as_str(), blob, git2::FileMode::Blob);
                }
                None => {
                    update.remove(path.as_str());
                }
            }
        }
        let baseline = parent.tree().map_err(other(context()))?;
        let tree_oid = update
            .create_updated(&self.repo, &baseline)
            .map_err(other(context()))?;
        let tree = self.repo.find_tree(tree_oid).map_err(other(context()))?;
        let signature = self
            .repo
            .signature()
            .or_else(|_| git2::Signature::now(fallback_name, "ledger@localhost"))
            .map_err(other(context()))?;
        let oid = self
            .repo
            .commit(None, &signature, &signature, message, &tree, &[&parent])
            .map_err(other(context()))?;
        Ok(oid.to_string())
    }

    /// The commits along HEAD's history (oldest first) that change the file
    /// `rel_path` or the folder `rel_dir` (the journal's tail and
    /// segments), with where each and its parents store them. Reads trees,
    /// no file content: see [`GitRepo::blob`] and [`GitRepo::tree_blobs`].
    pub fn stored_versions(
        &self,
        rel_path: &Path,
        rel_dir: &Path,
    ) -> Result<Vec<StoredVersion>, GitError> {
        let Ok(head) = self.repo.head() else {
            return Ok(Vec::new());
        };
        let Some(head) = head.target() else {
            return Ok(Vec::new());
        };
        let mut walk = self.walk_from(&head.to_string())?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .map_err(other("sorting a walk"))?;
        let mut stored: HashMap<Oid, Option<StoredAt>> = HashMap::new();
        let mut versions = Vec::new();
        for oid in walk {
            let oid = oid.map_err(other("walking history"))?;
            let commit = self
                .repo
                .find_commit(oid)
                .map_err(other(format!("reading commit {oid}")))?;
            let at = self.blob_at(&commit, rel_path).map(|file| StoredAt {
                file: file.to_string(),
                folder: self.tree_at(&commit, rel_dir).map(|t| t.id().to_string()),
            });
            stored.insert(oid, at.clone());
            let Some(at) = at else { continue };
            let parents: Vec<(String, Option<StoredAt>)> = commit
                .parent_ids()
                .map(|p| (p.to_string(), stored.get(&p).cloned().flatten()))
                .collect();
            if !parents.is_empty() && parents.iter().all(|(_, p)| p.as_ref() == Some(&at)) {
                continue; // unchanged here
            }
            versions.push(StoredVersion {
                commit: oid.to_string(),
                at,
                parents,
            });
        }
        Ok(versions)
    }

    /// The blobs of a tree (its files, not its subfolders): name and blob id.
    pub fn tree_blobs(&self, tree: &str) -> Result<Vec<(String, String)>, GitError> {
        let oid = Oid::from_str(tree).map_err(other(format!("parsing {tree}")))?;
        let tree = self
            .repo
            .find_tree(oid)
            .map_err(other(format!("reading tree {tree}")))?;
        Ok(tree
            .iter()
            .filter(|item| item.kind() == Some(ObjectType::Blob))
            .filter_map(|item| Some((item.name()?.to_string(), item.id().to_string())))
            .collect())
    }

    /// The bytes of a blob.
    pub fn blob(&self, id: &str) -> Result<Vec<u8>, GitError> {
        let oid = Oid::from_str(id).map_err(other(format!("parsing {id}")))?;
        self.blob_bytes(oid)
    }

    /// The files of a tree (not its subfolders), by name, with their bytes.
    pub(super) fn tree_files(&self, tree: Oid) -> Result<Vec<(String, Vec<u8>)>, GitError> {
        (self.tree_blobs(&tree.to_string())?.into_iter())
            .map(|(name, blob)| Ok((name, self.blob(&blob)?)))
            .collect()
    }

    pub(super) fn blob_at(&self, commit: &git2::Commit<'_>, rel_path: &Path) -> Option<Oid> {
        let tree = commit.tree().ok()?;
        let entry = tree.get_path(rel_path).ok()?;
        (entry.kind() == Some(ObjectType::Blob)).then(|| entry.id())
    }

    pub(super) fn blob_bytes(&self, oid: Oid) -> Result<Vec<u8>, GitError> {
        Ok(self
            .repo
            .find_blob(oid)
            .map_err(other(format!("reading blob {oid}")))?
            .content()
            .to_vec())
    }
}

/// The blob id git gives the bytes of the file at `path` (no filters).
pub fn blob_id_of_file(path: &Path) -> Result<String, GitError> {
    Oid::hash_file(ObjectType::Blob, path)
        .map(|oid| oid.to_string())
        .map_err(other(format!("hashing {}", path.display())))
}
