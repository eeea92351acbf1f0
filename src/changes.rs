//! Turning commits into change lines: Conventional Commits parsed and
//! grouped into Keep a Changelog sections, other commits kept as written,
//! merges and noise skipped, all by the rules of `[changelog]`.

use regex::Regex;

use crate::config::ChangelogRules;
use crate::git::CommitInfo;
use crate::journal::Change;

/// The Keep a Changelog sections, in the order documents show them.
pub const SECTION_ORDER: [&str; 6] = [
    "Added",
    "Changed",
    "Deprecated",
    "Removed",
    "Fixed",
    "Security",
];

/// Compiled changelog rules.
pub struct ChangeRules<'a> {
    rules: &'a ChangelogRules,
    skip: Vec<Regex>,
    refs: Regex,
    /// The ledger folder from the repository's top, when known.
    ledger_path: Option<String>,
}

impl<'a> ChangeRules<'a> {
    /// Compiles the rules. Patterns were validated when the config loaded;
    /// one that still fails to compile is ignored.
    pub fn new(rules: &'a ChangelogRules) -> Self {
        ChangeRules {
            rules,
            skip: rules
                .skip
                .iter()
                .filter_map(|p| Regex::new(p).ok())
                .collect(),
            refs: Regex::new(r"#(\d+)\b").expect("static regex"),
            ledger_path: None,
        }
    }

    /// Also skips commits that touch only the ledger folder (at `path`, from
    /// the repository's top) and the rendered `documents`.
    pub fn with_ledger_path(mut self, path: Option<String>) -> Self {
        self.ledger_path = path.map(|p| p.trim_end_matches('/').to_string());
        self
    }

    /// Whether every path a commit changed belongs to the ledger: its folder
    /// or a document it renders. A commit that changed nothing is not one.
    fn touches_only_the_ledger(&self, commit: &CommitInfo) -> bool {
        let Some(paths) = commit.paths.as_deref().filter(|p| !p.is_empty()) else {
            return false;
        };
        paths.iter().all(|path| {
            self.rules.documents.iter().any(|d| d == path)
                || self.ledger_path.as_deref().is_some_and(|dir| {
                    dir.is_empty()
                        || path
                            .strip_prefix(dir)
                            .is_some_and(|rest| rest.starts_with('/'))
                })
        })
    }

    /// The change a commit contributes, or `None` when the rules skip it.
    pub fn change_for(&self, commit: &CommitInfo) -> Option<Change> {
        if self.rules.skip_merges && commit.parent_count > 1 {
            return None;
        }
        let summary = commit.summary.trim();
        if summary.is_empty()
            || self.skip.iter().any(|re| re.is_match(summary))
            || self.touches_only_the_ledger(commit)
        {
            return None;
        }
        let refs: Vec<String> = self
            .refs
            .captures_iter(&commit.message)
            .map(|c| format!("#{}", &c[1]))
            .fold(Vec::new(), |mut acc, r| {
                if !acc.contains(&r) {
                    acc.push(r);
                }
                acc
            });
        let mut change = Change::plain(summary);
        change.commit = Some(commit.id.clone());
        change.refs = refs;
        match git_conventional::Commit::parse(commit.message.trim()) {
            Ok(parsed) => {
                let kind = parsed.type_().as_str().to_ascii_lowercase();
                if self
                    .rules
                    .skip_types
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(&kind))
                    && !parsed.breaking()
                {
                    return None;
                }
                change.text = parsed.description().trim().to_string();
                change.scope = parsed.scope().map(|s| s.as_str().to_string());
                change.breaking = parsed.breaking();
                change.group = Some(
                    self.rules
                        .groups
                        .get(&kind)
                        .cloned()
                        .unwrap_or_else(|| self.rules.default_group.clone()),
                );
            }
            Err(_) => change.group = Some(self.rules.default_group.clone()),
        }
        Some(change)
    }

    /// The changes of a range of commits, oldest first.
    pub fn changes_for(&self, commits: &[CommitInfo]) -> Vec<Change> {
        commits.iter().filter_map(|c| self.change_for(c)).collect()
    }
}

/// Position of a section name in the Keep a Changelog order (unknown names last).
pub fn section_rank(name: &str) -> usize {
    SECTION_ORDER
        .iter()
        .position(|s| s.eq_ignore_ascii_case(name))
        .unwrap_or(SECTION_ORDER.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::Timestamp;

    fn commit(message: &str, parents: usize) -> CommitInfo {
        CommitInfo {
            id: "a".repeat(40),
            summary: message.lines().next().unwrap_or("").to_string(),
            message: message.to_string(),
            author: "t".into(),
            time: Timestamp::now(),
            parent_count: parents,
            paths: None,
        }
    }

    #[test]
    fn conventional_commits_are_grouped() {
        let config = ChangelogRules::default();
        let rules = ChangeRules::new(&config);
        let c = rules
            .change_for(&commit("feat(widget): dark mode (#12)", 1))
            .unwrap();
        assert_eq!(c.group.as_deref(), Some("Added"));
        assert_eq!(c.scope.as_deref(), Some("widget"));
        assert_eq!(c.text, "dark mode (#12)");
        assert_eq!(c.refs, ["#12"]);
        let c = rules.change_for(&commit("fix!: drop IE11", 1)).unwrap();
        assert_eq!(c.group.as_deref(), Some("Fixed"));
        assert!(c.breaking);
        let c = rules
            .change_for(&commit("refactor: x\n\nBREAKING CHANGE: api moved", 1))
            .unwrap();
        assert!(c.breaking);
        assert_eq!(c.group.as_deref(), Some("Changed"));
    }

    #[test]
    fn plain_commits_go_to_the_default_group() {
        let config = ChangelogRules::default();
        let rules = ChangeRules::new(&config);
        let c = rules.change_for(&commit("Self-hosted fonts", 1)).unwrap();
        assert_eq!(c.group.as_deref(), Some("Changed"));
        assert_eq!(c.text, "Self-hosted fonts");
    }

    #[test]
    fn noise_is_skipped() {
        let config = ChangelogRules::default();
        let rules = ChangeRules::new(&config);
        assert!(rules.change_for(&commit("Merge branch 'x'", 2)).is_none());
        assert!(
            rules
                .change_for(&commit("chore(release): v1.2.0", 1))
                .is_none()
        );
        assert!(rules.change_for(&commit("ci: cache cargo", 1)).is_none());
        assert!(rules.change_for(&commit("chore: bump deps", 1)).is_none());
        // A breaking chore still matters.
        assert!(
            rules
                .change_for(&commit("chore!: drop node 16", 1))
                .is_some()
        );
    }

    #[test]
    fn commits_touching_only_the_ledger_are_skipped() {
        let config = ChangelogRules::default();
        let rules = ChangeRules::new(&config).with_ledger_path(Some("ops/ledger".into()));
        let touching = |paths: &[&str]| CommitInfo {
            paths: Some(paths.iter().map(|p| p.to_string()).collect()),
            ..commit("ledger: record v1.2.0", 1)
        };
        let own = ["ops/ledger/journal.toml", "AWS_VERSIONS.md", "CHANGELOG.md"];
        assert!(rules.change_for(&touching(&own)).is_none());
        assert!(
            rules
                .change_for(&touching(&["ops/ledger/journal.toml", "src/app.js"]))
                .is_some()
        );
        // A folder that merely starts with the ledger's name is not the ledger.
        assert!(rules.change_for(&touching(&["ops/ledger2/x"])).is_some());
        assert!(
            rules
                .change_for(&touching(&["docs/CHANGELOG.md"]))
                .is_some()
        );
        // An empty commit touches nothing and is judged by its message.
        assert!(rules.change_for(&touching(&[])).is_some());
        assert!(rules.change_for(&commit("ledger: record", 1)).is_some());
    }

    #[test]
    fn sections_rank_in_keep_a_changelog_order() {
        assert!(section_rank("Added") < section_rank("Fixed"));
        assert_eq!(section_rank("Other"), SECTION_ORDER.len());
    }
}
