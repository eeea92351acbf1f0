//! Walking history: commits between two points, commits not reachable
//! from others, ancestry.

use std::collections::HashMap;

use chrono::DateTime;
use git2::{Oid, Sort};

use crate::timestamp::Timestamp;

use super::{CommitInfo, GitError, GitRepo, other, tree_diff};

impl GitRepo {
    pub(super) fn walk_from(&self, sha: &str) -> Result<git2::Revwalk<'_>, GitError> {
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
    pub(super) fn hiding_tips(&self, hidden: Vec<Oid>) -> Result<Vec<Oid>, GitError> {
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
    pub(super) fn changed_paths(&self, commit: &git2::Commit<'_>) -> Result<Vec<String>, GitError> {
        let context = || format!("reading the changes of {}", commit.id());
        let tree = commit.tree().map_err(other(context()))?;
        let parent_tree = match commit.parent(0) {
            Ok(parent) => Some(parent.tree().map_err(other(context()))?),
            Err(_) => None,
        };
        tree_diff::changed_paths(&self.repo, parent_tree.as_ref(), &tree).map_err(other(context()))
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
}

pub(super) fn convert(commit: &git2::Commit<'_>) -> CommitInfo {
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
