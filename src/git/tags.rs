//! Tags: which tags name a commit, the version tag of a release, the tags
//! matching a pattern.

use std::collections::{HashMap, HashSet};

use chrono::DateTime;
use git2::ObjectType;

use crate::timestamp::Timestamp;

use super::{GitError, GitRepo, TagInfo, other};

impl GitRepo {
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

    /// The nearest commit strictly before `sha` in its history whose
    /// version tag `wanted` accepts.
    pub fn previous_tagged_where(
        &self,
        sha: &str,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Option<String>, GitError> {
        let tags = self.tags_by_commit()?;
        let mut walk = self.walk_from(sha)?;
        walk.next(); // the commit itself comes first in topological order
        for oid in walk {
            let oid = oid.map_err(other("walking history"))?.to_string();
            let version = tags.get(&oid).and_then(|names| pick_version_tag(names));
            if version.is_some_and(|v| wanted(&v)) {
                return Ok(Some(oid));
            }
        }
        Ok(None)
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
    pub(super) fn tag_info(&self, name: &str, reference: &git2::Reference) -> Option<TagInfo> {
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
