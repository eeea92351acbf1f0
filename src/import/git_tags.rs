//! Release history from git tags: each tag matching a pattern becomes an
//! imported deploy of the release environment, with the changes of the
//! commits reachable from it and from no earlier release. Releases are
//! ordered by SemVer (by date for names that are not versions) and commits
//! are attributed by reachability in one walk of the history, so the cost
//! grows with the commits, not with commits times tags.

use regex::Regex;

use crate::changes::ChangeRules;
use crate::git::{CommitInfo, GitError, GitRepo, TagInfo};
use crate::journal::{Entry, EntryKind};

/// The default tag pattern: SemVer with an optional leading `v`.
pub const DEFAULT_PATTERN: &str = r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$";

fn semver_of(name: &str) -> Option<semver::Version> {
    semver::Version::parse(name.strip_prefix('v').unwrap_or(name)).ok()
}

/// Orders tags as releases: by SemVer when every name is a version, else by
/// time; ties by time, then name.
pub fn release_order(tags: &mut [TagInfo]) {
    if tags.iter().all(|t| semver_of(&t.name).is_some()) {
        tags.sort_by(|a, b| {
            semver_of(&a.name)
                .cmp(&semver_of(&b.name))
                .then(a.time.cmp(&b.time))
                .then(a.name.cmp(&b.name))
        });
    } else {
        tags.sort_by(|a, b| a.time.cmp(&b.time).then(a.name.cmp(&b.name)));
    }
}

/// The imported release entries for `env`, in chronological order (by tag
/// time, then release order), not yet sealed.
pub fn release_entries(
    repo: &GitRepo,
    rules: &ChangeRules<'_>,
    env: &str,
    pattern: &Regex,
) -> Result<Vec<Entry>, GitError> {
    let mut tags = repo.tags_matching(pattern)?;
    release_order(&mut tags);
    let tips: Vec<String> = tags.iter().map(|t| t.commit.clone()).collect();
    let mut commits: Vec<Vec<CommitInfo>> = vec![Vec::new(); tags.len()];
    repo.attribute(&tips, |index, commit| commits[index].push(commit))?;
    let mut entries: Vec<(usize, Entry)> = tags
        .into_iter()
        .zip(commits)
        .enumerate()
        .map(|(order, (tag, mut brought))| {
            brought.reverse(); // oldest first
            let entry = Entry {
                version: Some(tag.name.clone()),
                commit: Some(tag.commit.clone()),
                commits: brought.iter().map(|c| c.id.clone()).collect(),
                imported: true,
                changes: rules.changes_for(&brought),
                notes: vec![format!("imported from git tag {}", tag.name)],
                ..Entry::new(EntryKind::Deploy, env, tag.time)
            };
            (order, entry)
        })
        .collect();
    entries.sort_by(|a, b| a.1.deployed_at.cmp(&b.1.deployed_at).then(a.0.cmp(&b.0)));
    Ok(entries.into_iter().map(|(_, e)| e).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::Timestamp;

    fn tag(name: &str, time: &str) -> TagInfo {
        TagInfo {
            name: name.into(),
            commit: String::new(),
            time: Timestamp::parse_stored(time).unwrap(),
        }
    }

    #[test]
    fn versions_order_by_semver_not_by_date() {
        let mut tags = vec![
            tag("v1.10.0", "2026-01-01"),
            tag("v1.9.1", "2026-02-01"),
            tag("v1.9.0", "2025-12-01"),
            tag("v1.10.0-rc.1", "2025-12-15"),
        ];
        release_order(&mut tags);
        let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["v1.9.0", "v1.9.1", "v1.10.0-rc.1", "v1.10.0"]);
    }

    #[test]
    fn the_default_pattern_takes_semver_tags_only() {
        let pattern = Regex::new(DEFAULT_PATTERN).unwrap();
        for yes in ["v1.2.3", "1.2.3", "v1.0.0-rc.1", "2.0.0+build.5"] {
            assert!(pattern.is_match(yes), "{yes}");
        }
        for no in ["latest", "v1.2", "release-1.2.3", "v1.2.3.4"] {
            assert!(!pattern.is_match(no), "{no}");
        }
    }
}
