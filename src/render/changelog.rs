//! The changelog's view of the ledger: one release per version first
//! deployed to the release environment (or imported from a changelog), each
//! change listed once under the release where it first went live, releases
//! undone by a rollback marked yanked, and the Unreleased section from git.

use std::collections::HashMap;

use serde::Serialize;

use crate::changes::{ChangeRules, section_rank};
use crate::config::Config;
use crate::git::{GitError, GitRepo};
use crate::journal::{Change, Entry, EntryKind};

mod versions;
use versions::{Versions, version_key};

/// Changelog data.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChangelogView {
    /// Commits not yet deployed to the release environment (needs a repository).
    pub unreleased: Option<ReleaseView>,
    /// Deploys of the release environment, newest first.
    pub releases: Vec<ReleaseView>,
    /// Repository URL for compare links.
    pub repo_url: Option<String>,
    /// Text above the first release, kept from an imported changelog.
    pub preamble: Option<String>,
    /// The Unreleased section kept from an imported changelog ("" when empty),
    /// shown when the repository cannot say.
    pub unreleased_text: Option<String>,
    /// Link reference definitions kept from an imported changelog.
    pub links: Option<String>,
}

/// One release (or the Unreleased section).
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseView {
    /// Version (or short commit), `Unreleased` for the unreleased section.
    pub version: String,
    /// Day deployed.
    pub date: Option<String>,
    /// Entry sequence number.
    pub seq: Option<u64>,
    /// Commit deployed.
    pub commit: Option<String>,
    /// The version this one follows, for compare links.
    pub previous: Option<String>,
    /// What compare links name this release by: its version when a tag of
    /// that name exists (or the repository is unknown), else its commit.
    pub git_ref: Option<String>,
    /// `git_ref` of the release this one follows.
    pub previous_ref: Option<String>,
    /// Grouped changes, in Keep a Changelog order.
    pub groups: Vec<GroupView>,
    /// Changes that have no group (imported lines).
    pub ungrouped: Vec<Change>,
    /// Changes this release shipped again that an earlier release had
    /// shipped first (after a rollback), by that release; listed there only.
    pub reships: Vec<Reship>,
    /// Number of commits the release brought.
    pub commit_count: usize,
    /// Marked `[YANKED]`: rolled back (see `yanked_by`) or marked so in an
    /// imported changelog.
    pub yanked: bool,
    /// The rollback that took this release out of service, if one did.
    pub yanked_by: Option<YankView>,
    /// The notes come from an imported changelog, shown as written.
    pub from_changelog: bool,
    /// The URL the version linked to in an imported changelog.
    pub link: Option<String>,
    /// Markdown before the first section (an imported release's summary).
    pub intro: Vec<String>,
}

/// A section of a release.
#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    /// Section name ("Added").
    pub name: String,
    /// Its changes.
    pub changes: Vec<Change>,
    /// Other Markdown in the section (imported changelogs).
    pub text: Vec<String>,
}

/// Changes a release shipped again, first listed under another release.
#[derive(Debug, Clone, Serialize)]
pub struct Reship {
    /// The release that shipped them first.
    pub version: String,
    /// How many.
    pub count: usize,
    /// Whether that release was yanked.
    pub yanked: bool,
}

/// The rollback that yanked a release.
#[derive(Debug, Clone, Serialize)]
pub struct YankView {
    /// The rollback entry.
    pub seq: u64,
    /// Its day.
    pub date: String,
    /// The version it restored.
    pub to_version: Option<String>,
    /// Who rolled back.
    pub by: Option<String>,
}

/// Builds the changelog from the entries in force (voided ones left out).
/// `repo` feeds the Unreleased section and the compare links;
/// `ledger_path` (the ledger folder from the repository's top) keeps the
/// ledger's own commits out of it.
pub fn changelog_view(
    config: &Config,
    entries: &[Entry],
    repo: Option<&GitRepo>,
    ledger_path: Option<&str>,
) -> Result<ChangelogView, GitError> {
    let release_env = &config.changelog.release_env;
    let of_env: Vec<&Entry> = entries.iter().filter(|e| &e.env == release_env).collect();
    let versions = Versions::new(&of_env);
    let mut sources = release_sources(&of_env, &versions);
    sources.sort_by(|a, b| {
        let (a, b) = (a.entry, b.entry);
        a.deployed_at.cmp(&b.deployed_at).then(a.seq.cmp(&b.seq))
    });
    let mut releases = Vec::with_capacity(sources.len());
    let mut shipped: HashMap<String, usize> = HashMap::new();
    for index in 0..sources.len() {
        let previous = index.checked_sub(1).map(|i| &sources[i]);
        let view = release_of(
            &sources[index],
            previous,
            &versions,
            repo,
            &mut shipped,
            &releases,
        );
        releases.push(view);
    }
    releases.reverse();
    let mut unreleased = match repo {
        Some(repo) => unreleased(config, &of_env, repo, ledger_path)?,
        None => None,
    };
    if let (Some(view), Some(newest)) = (unreleased.as_mut(), releases.first()) {
        view.previous = Some(newest.version.clone());
        view.previous_ref = newest.git_ref.clone();
    }
    Ok(ChangelogView {
        unreleased,
        releases,
        repo_url: config.changelog.repo_url.clone(),
        preamble: config.changelog.preamble.clone(),
        unreleased_text: config.changelog.unreleased.clone(),
        links: config.changelog.links.clone(),
    })
}

/// What one release is made of: the entry that made it (the first deploy of
/// its version, or an imported release), and the changes of every deploy of
/// the version (redeploys add theirs).
struct Source<'a> {
    entry: &'a Entry,
    changes: Vec<Change>,
    commit_count: usize,
}

fn release_sources<'a>(of_env: &[&'a Entry], versions: &Versions<'a>) -> Vec<Source<'a>> {
    let mut sources: Vec<Source<'a>> = Vec::new();
    // Version -> index in `sources` of its first deploy.
    let mut deployed: HashMap<&str, usize> = HashMap::new();
    for entry in of_env {
        let version = entry.version.as_deref();
        match entry.kind {
            EntryKind::Release => sources.push(Source {
                entry,
                changes: Vec::new(),
                commit_count: 0,
            }),
            EntryKind::Deploy if !versions.noted(version) => {
                let earlier = version.and_then(|v| deployed.get(version_key(v)).copied());
                match earlier {
                    // A version is released once: a redeploy adds what it brought.
                    Some(index) => {
                        let source = &mut sources[index];
                        source.changes.extend(entry.changes.iter().cloned());
                        source.commit_count += entry.commits.len();
                    }
                    None => {
                        if let Some(v) = version {
                            deployed.insert(version_key(v), sources.len());
                        }
                        sources.push(Source {
                            entry,
                            changes: entry.changes.clone(),
                            commit_count: entry.commits.len(),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    sources
}

fn release_of(
    source: &Source<'_>,
    previous: Option<&Source<'_>>,
    versions: &Versions<'_>,
    repo: Option<&GitRepo>,
    shipped: &mut HashMap<String, usize>,
    earlier: &[ReleaseView],
) -> ReleaseView {
    let entry = source.entry;
    let version = entry
        .version
        .clone()
        .unwrap_or_else(|| entry.short_commit());
    let mut view = match &entry.release {
        Some(notes) => ReleaseView {
            date: notes.date.clone(),
            groups: notes
                .groups
                .iter()
                .map(|g| GroupView {
                    name: g.name.clone(),
                    changes: g.items.iter().map(Change::plain).collect(),
                    text: g.text.clone(),
                })
                .collect(),
            yanked: notes.yanked,
            from_changelog: true,
            link: notes.link.clone(),
            intro: notes.intro.clone(),
            ..ReleaseView::new(version, None, &[])
        },
        None => {
            let (fresh, reships) = split_shipped(&source.changes, shipped, earlier);
            let mut view = ReleaseView::new(version, Some(entry.deployed_at.date_string()), &fresh);
            view.reships = reships;
            view
        }
    };
    view.seq = Some(entry.seq);
    view.commit = entry.commit.clone();
    view.commit_count = source.commit_count;
    view.previous = previous.and_then(|p| p.entry.version.clone());
    view.git_ref = git_ref(entry, repo);
    view.previous_ref = previous.and_then(|p| git_ref(p.entry, repo));
    if entry.kind == EntryKind::Deploy {
        view.yanked_by = yanked_by(entry, versions);
        view.yanked |= view.yanked_by.is_some();
    }
    view
}

/// Splits a release's changes into those listed for the first time and,
/// per earlier release, how many it had listed already. Records the new
/// ones in `shipped` (change key -> index of the release in `earlier`).
fn split_shipped(
    changes: &[Change],
    shipped: &mut HashMap<String, usize>,
    earlier: &[ReleaseView],
) -> (Vec<Change>, Vec<Reship>) {
    let mut fresh = Vec::new();
    let mut reships: Vec<Reship> = Vec::new();
    for change in changes {
        let key = change_key(change);
        match shipped.get(&key) {
            Some(&index) => {
                let first = &earlier[index];
                match reships.iter_mut().find(|r| r.version == first.version) {
                    Some(reship) => reship.count += 1,
                    None => reships.push(Reship {
                        version: first.version.clone(),
                        count: 1,
                        yanked: first.yanked,
                    }),
                }
            }
            None => {
                shipped.insert(key, earlier.len());
                fresh.push(change.clone());
            }
        }
    }
    (fresh, reships)
}

/// What makes two change lines the same change: the commit it came from,
/// else its section and text.
fn change_key(change: &Change) -> String {
    match &change.commit {
        Some(commit) => format!("commit:{commit}"),
        None => format!(
            "text:{}\u{0}{}",
            change.group.as_deref().unwrap_or(""),
            change.text
        ),
    }
}

/// The rollback that took a release out of service: the first rollback
/// after the release was last put in service (deployed, redeployed or
/// restored) that restored an older release, if any. Rolling forward to a
/// newer release yanks nothing.
fn yanked_by(release: &Entry, versions: &Versions<'_>) -> Option<YankView> {
    let version = release.version.as_deref();
    let in_service = versions
        .last_serving(version)
        .filter(|seq| *seq >= release.seq)?;
    // The first deploy of a version: what "older release" means.
    let released = versions.first_deploy(version).unwrap_or(release.seq);
    let rollback = versions.rollbacks_after(in_service).find(|rollback| {
        versions
            .restored(rollback)
            .map(|target| {
                versions
                    .first_deploy(target.version.as_deref())
                    .unwrap_or(target.seq)
            })
            .is_some_and(|restored| restored < released)
    })?;
    Some(YankView {
        seq: rollback.seq,
        date: rollback.deployed_at.date_string(),
        to_version: versions.restored(rollback).and_then(|t| t.version.clone()),
        by: rollback.deployed_by.clone(),
    })
}

/// What compare links call an entry: its version when that is a tag (or
/// the repository cannot say), else its commit.
fn git_ref(entry: &Entry, repo: Option<&GitRepo>) -> Option<String> {
    let version = entry.version.clone();
    match (repo, &version, &entry.commit) {
        (Some(repo), Some(v), Some(commit)) if !repo.has_tag(v) => Some(commit.clone()),
        (Some(repo), None, Some(commit)) => repo.try_resolve(commit).or(Some(commit.clone())),
        _ => version,
    }
}

/// Versions equal but for a leading `v` (`v3.2.0` is `3.2.0`).
pub fn same_version(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => versions_match(a, b),
        _ => false,
    }
}

/// [`same_version`] of two written versions.
pub fn versions_match(a: &str, b: &str) -> bool {
    version_key(a) == version_key(b)
}

/// Commits in HEAD that no deploy of the release environment brought (so a
/// rolled-back release's changes do not come back here), without the
/// ledger's own commits.
fn unreleased(
    config: &Config,
    of_env: &[&Entry],
    repo: &GitRepo,
    ledger_path: Option<&str>,
) -> Result<Option<ReleaseView>, GitError> {
    let Some(head) = repo.try_resolve("HEAD") else {
        return Ok(None);
    };
    let deployed: Vec<&Entry> = of_env
        .iter()
        .copied()
        .filter(|e| e.kind.names_release())
        .collect();
    let last = deployed.last();
    if let Some(commit) = last.and_then(|e| e.commit.as_deref()) {
        match repo.try_resolve(commit) {
            Some(sha) if repo.is_ancestor(&sha, &head)? => {}
            // The released commit is not in this history: nothing can be said.
            _ => return Ok(None),
        }
    }
    let hidden: Vec<String> = deployed
        .iter()
        .filter_map(|e| e.commit.as_deref())
        .filter_map(|c| repo.try_resolve(c))
        .collect();
    let hidden: Vec<&str> = hidden.iter().map(String::as_str).collect();
    let commits = repo.commits_excluding(&hidden, &head)?;
    let rules = ChangeRules::new(&config.changelog).with_ledger_path(ledger_path.map(String::from));
    let changes = rules.changes_for(&commits);
    let mut view = ReleaseView::new("Unreleased".into(), None, &changes);
    view.commit = Some(head);
    view.commit_count = commits.len();
    Ok(Some(view))
}

impl ReleaseView {
    /// A release of `changes`, grouped by section in Keep a Changelog order.
    fn new(version: String, date: Option<String>, changes: &[Change]) -> ReleaseView {
        let mut groups: Vec<GroupView> = Vec::new();
        let mut ungrouped = Vec::new();
        for change in changes {
            match &change.group {
                Some(name) => match groups.iter_mut().find(|g| &g.name == name) {
                    Some(group) => group.changes.push(change.clone()),
                    None => groups.push(GroupView {
                        name: name.clone(),
                        changes: vec![change.clone()],
                        text: Vec::new(),
                    }),
                },
                None => ungrouped.push(change.clone()),
            }
        }
        // Stable: groups outside Keep a Changelog's list keep their first-seen order.
        groups.sort_by_key(|g| section_rank(&g.name));
        ReleaseView {
            version,
            date,
            seq: None,
            commit: None,
            previous: None,
            git_ref: None,
            previous_ref: None,
            groups,
            ungrouped,
            reships: Vec::new(),
            commit_count: 0,
            yanked: false,
            yanked_by: None,
            from_changelog: false,
            link: None,
            intro: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::Timestamp;

    fn entry(seq: u64, kind: EntryKind, version: &str, restores: Option<u64>) -> Entry {
        Entry {
            seq,
            version: Some(version.into()),
            restores,
            ..Entry::new(kind, "p", Timestamp::parse_stored("2026-01-05").unwrap())
        }
    }

    #[test]
    fn a_rollback_yanks_newer_releases_and_rolling_forward_yanks_none() {
        let v1 = entry(1, EntryKind::Deploy, "v1", None);
        let v2 = entry(2, EntryKind::Deploy, "v2", None);
        let back = entry(3, EntryKind::Rollback, "v1", Some(1));
        let forward = entry(4, EntryKind::Rollback, "v2", Some(2));
        let back_only = Versions::new(&[&v1, &v2, &back]);
        assert!(yanked_by(&v1, &back_only).is_none());
        assert_eq!(yanked_by(&v2, &back_only).map(|y| y.seq), Some(3));
        let both = Versions::new(&[&v1, &v2, &back, &forward]);
        assert!(
            yanked_by(&v1, &both).is_none(),
            "rolling forward yanks nothing"
        );
        assert!(yanked_by(&v2, &both).is_none(), "v2 is in service again");
    }
}
