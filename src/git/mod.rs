//! Repository access through git2: resolving revisions, tags, walking commit
//! ranges and reading a file's history. git2 types stay inside this module;
//! callers see plain SHAs and [`CommitInfo`].

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::DateTime;
use git2::{ObjectType, Oid, Repository, Sort};

use crate::timestamp::Timestamp;

mod tree_diff;

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
            rev: rev.to_string(),
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

    /// Map from commit SHA to the tag names pointing at it (tags peeled).
    pub fn tags_by_commit(&self) -> Result<HashMap<String, Vec<String>>, GitError> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        let names = self.repo.tag_names(None).map_err(other("listing tags"))?;
        for name in names.iter().flatten() {
            let Ok(object) = self.repo.revparse_single(&format!("refs/tags/{name}")) else {
                continue;
            };
            if let Ok(commit) = object.peel_to_commit() {
                map.entry(commit.id().to_string())
                    .or_default()
                    .push(name.to_string());
            }
        }
        Ok(map)
    }

    /// The tag that names the commit's version: the highest SemVer tag
    /// pointing at it, else the alphabetically last one.
    pub fn version_tag(&self, sha: &str) -> Result<Option<String>, GitError> {
        let tags = self.tags_by_commit()?;
        Ok(tags.get(sha).and_then(|names| pick_version_tag(names)))
    }

    /// The nearest tagged commit strictly before `sha` in its history.
    pub fn previous_tagged(&self, sha: &str) -> Result<Option<String>, GitError> {
        let tags = self.tags_by_commit()?;
        let mut walk = self.walk_from(sha)?;
        walk.next(); // the commit itself comes first in topological order
        for oid in walk {
            let oid = oid.map_err(other("walking history"))?;
            if tags.contains_key(&oid.to_string()) {
                return Ok(Some(oid.to_string()));
            }
        }
        Ok(None)
    }

    fn walk_from(&self, sha: &str) -> Result<git2::Revwalk<'_>, GitError> {
        let oid = Oid::from_str(sha).map_err(other(format!("parsing {sha}")))?;
        let mut walk = self.repo.revwalk().map_err(other("starting a walk"))?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
            .map_err(other("sorting a walk"))?;
        walk.push(oid)
            .map_err(other(format!("walking from {sha}")))?;
        Ok(walk)
    }

    /// Commits reachable from `until` and not from `since`, oldest first,
    /// with the paths each one changed.
    pub fn commits_between(
        &self,
        since: Option<&str>,
        until: &str,
    ) -> Result<Vec<CommitInfo>, GitError> {
        self.commits_excluding(since.as_slice(), until)
    }

    /// Commits reachable from `until` and from none of `hidden`, oldest
    /// first, with the paths each one changed.
    pub fn commits_excluding(
        &self,
        hidden: &[&str],
        until: &str,
    ) -> Result<Vec<CommitInfo>, GitError> {
        let mut walk = self.walk_from(until)?;
        let hidden = hidden
            .iter()
            .map(|sha| Oid::from_str(sha).map_err(other(format!("parsing {sha}"))))
            .collect::<Result<Vec<Oid>, GitError>>()?;
        for oid in self.hiding_tips(hidden)? {
            walk.hide(oid).map_err(other(format!("hiding {oid}")))?;
        }
        let mut commits = Vec::new();
        for oid in walk {
            let oid = oid.map_err(other("walking history"))?;
            let commit = self
                .repo
                .find_commit(oid)
                .map_err(other(format!("reading commit {oid}")))?;
            let mut info = convert(&commit);
            info.paths = Some(self.changed_paths(&commit)?);
            commits.push(info);
        }
        commits.reverse();
        Ok(commits)
    }

    /// The commits among `hidden` that hide the same history: with many of
    /// them (one per deploy, for the changelog's Unreleased section), those
    /// no later one reaches. A walk hiding thousands of commits is slow in
    /// libgit2; one pass over their ancestors, each commit read once, is not.
    fn hiding_tips(&self, hidden: Vec<Oid>) -> Result<Vec<Oid>, GitError> {
        const FEW: usize = 64;
        if hidden.len() <= FEW {
            return Ok(hidden);
        }
        let mut reached: std::collections::HashSet<Oid> = std::collections::HashSet::new();
        let mut tips = Vec::new();
        // Newest first: a later deploy usually reaches every earlier one.
        for &tip in hidden.iter().rev() {
            if reached.contains(&tip) {
                continue;
            }
            tips.push(tip);
            let mut stack = vec![tip];
            while let Some(oid) = stack.pop() {
                if !reached.insert(oid) {
                    continue;
                }
                let commit =
                    (self.repo.find_commit(oid)).map_err(other(format!("reading commit {oid}")))?;
                stack.extend(commit.parent_ids().filter(|p| !reached.contains(p)));
            }
        }
        Ok(tips)
    }

    /// The paths a commit changed against its first parent.
    fn changed_paths(&self, commit: &git2::Commit<'_>) -> Result<Vec<String>, GitError> {
        let context = || format!("reading the changes of {}", commit.id());
        let tree = commit.tree().map_err(other(context()))?;
        let parent_tree = match commit.parent(0) {
            Ok(parent) => Some(parent.tree().map_err(other(context()))?),
            Err(_) => None,
        };
        tree_diff::changed_paths(&self.repo, parent_tree.as_ref(), &tree).map_err(other(context()))
    }

    /// Whether a tag of this name exists.
    pub fn has_tag(&self, name: &str) -> bool {
        self.tag_names
            .get_or_init(|| {
                // One pass over the references: `tag_names` looks each name
                // up again (a loose file tried, packed-refs checked).
                let Ok(mut tags) = self.repo.references_glob("refs/tags/*") else {
                    return HashSet::new();
                };
                (tags.names().flatten())
                    .filter_map(|name| name.strip_prefix("refs/tags/"))
                    .map(String::from)
                    .collect()
            })
            .contains(name)
    }

    /// Every tag whose name matches `pattern`, peeled to its commit.
    pub fn tags_matching(&self, pattern: &regex::Regex) -> Result<Vec<TagInfo>, GitError> {
        let mut tags = Vec::new();
        // One listing of the references, each read once (not a listing of
        // names, then a lookup by name).
        let references =
            (self.repo.references_glob("refs/tags/*")).map_err(other("listing tags"))?;
        for reference in references.flatten() {
            let Some(name) = reference.name().and_then(|n| n.strip_prefix("refs/tags/")) else {
                continue;
            };
            if !pattern.is_match(name) {
                continue;
            }
            if let Some(tag) = self.tag_info(name, &reference) {
                tags.push(tag);
            }
        }
        tags.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(tags)
    }

    /// A tag reference peeled to its commit, dated by its tagger (an
    /// annotated tag) or its commit. `None` for a tag of a tree or blob,
    /// which names no release.
    fn tag_info(&self, name: &str, reference: &git2::Reference) -> Option<TagInfo> {
        let object = reference.peel(ObjectType::Any).ok()?;
        let tag_time = (reference.target())
            .and_then(|oid| self.repo.find_tag(oid).ok())
            .and_then(|t| t.tagger().map(|s| s.when().seconds()));
        let commit = object.peel_to_commit().ok()?;
        let seconds = tag_time.unwrap_or_else(|| commit.time().seconds());
        Some(TagInfo {
            name: name.to_string(),
            commit: commit.id().to_string(),
            time: DateTime::from_timestamp(seconds, 0)
                .map(Timestamp::At)
                .unwrap_or_else(Timestamp::now),
        })
    }

    /// Assigns every commit reachable from the `tips` to the first tip (in
    /// the given order) that reaches it, in one walk of the history: the walk
    /// visits children before parents, and each commit passes the lowest
    /// index that reaches it on to its parents. `visit` gets each commit with
    /// its tip's index, children before parents.
    pub fn attribute(
        &self,
        tips: &[String],
        mut visit: impl FnMut(usize, CommitInfo),
    ) -> Result<(), GitError> {
        let mut labels: HashMap<Oid, usize> = HashMap::new();
        let mut walk = self.repo.revwalk().map_err(other("starting a walk"))?;
        walk.set_sorting(Sort::TOPOLOGICAL)
            .map_err(other("sorting a walk"))?;
        for (index, tip) in tips.iter().enumerate() {
            let oid = Oid::from_str(tip).map_err(other(format!("parsing {tip}")))?;
            let label = labels.entry(oid).or_insert(index);
            *label = (*label).min(index);
            walk.push(oid)
                .map_err(other(format!("walking from {tip}")))?;
        }
        for oid in walk {
            let oid = oid.map_err(other("walking history"))?;
            let Some(&label) = labels.get(&oid) else {
                continue;
            };
            let commit = self
                .repo
                .find_commit(oid)
                .map_err(other(format!("reading commit {oid}")))?;
            for parent in commit.parent_ids() {
                let slot = labels.entry(parent).or_insert(label);
                *slot = (*slot).min(label);
            }
            visit(label, convert(&commit));
        }
        Ok(())
    }

    /// Whether `ancestor` is reachable from `descendant` (or equal to it).
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool, GitError> {
        if ancestor == descendant {
            return Ok(true);
        }
        let a = Oid::from_str(ancestor).map_err(other(format!("parsing {ancestor}")))?;
        let d = Oid::from_str(descendant).map_err(other(format!("parsing {descendant}")))?;
        self.repo
            .graph_descendant_of(d, a)
            .map_err(other("comparing commits"))
    }

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
    fn commit_at(&self, sha: &str) -> Result<git2::Commit<'_>, GitError> {
        let oid = Oid::from_str(sha).map_err(other(format!("parsing {sha}")))?;
        self.repo
            .find_commit(oid)
            .map_err(other(format!("reading commit {oid}")))
    }

    fn tree_at(&self, commit: &git2::Commit<'_>, rel_path: &Path) -> Option<git2::Tree<'_>> {
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

    /// git's `user.name`, if configured.
    pub fn user_name(&self) -> Option<String> {
        self.repo
            .config()
            .ok()
            .and_then(|c| c.get_string("user.name").ok())
            .filter(|s| !s.trim().is_empty())
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
    fn tree_files(&self, tree: Oid) -> Result<Vec<(String, Vec<u8>)>, GitError> {
        (self.tree_blobs(&tree.to_string())?.into_iter())
            .map(|(name, blob)| Ok((name, self.blob(&blob)?)))
            .collect()
    }

    fn blob_at(&self, commit: &git2::Commit<'_>, rel_path: &Path) -> Option<Oid> {
        let tree = commit.tree().ok()?;
        let entry = tree.get_path(rel_path).ok()?;
        (entry.kind() == Some(ObjectType::Blob)).then(|| entry.id())
    }

    fn blob_bytes(&self, oid: Oid) -> Result<Vec<u8>, GitError> {
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

fn convert(commit: &git2::Commit<'_>) -> CommitInfo {
    let time = DateTime::from_timestamp(commit.time().seconds(), 0)
        .map(Timestamp::At)
        .unwrap_or_else(Timestamp::now);
    CommitInfo {
        id: commit.id().to_string(),
        summary: commit.summary().unwrap_or("").to_string(),
        message: commit.message().unwrap_or("").to_string(),
        author: commit.author().name().unwrap_or("").to_string(),
        time,
        parent_count: commit.parent_count(),
        paths: None,
    }
}

/// Picks the version tag among several on one commit: the highest SemVer
/// (an optional leading `v` allowed), else the alphabetically last.
pub fn pick_version_tag(names: &[String]) -> Option<String> {
    let semver_of =
        |name: &str| semver::Version::parse(name.strip_prefix('v').unwrap_or(name)).ok();
    names
        .iter()
        .filter_map(|n| semver_of(n).map(|v| (v, n)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, n)| n.clone())
        .or_else(|| names.iter().max().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

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
