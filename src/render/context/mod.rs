//! The template context: everything a template may show, built once from
//! the configuration, the journal and (for the changelog's Unreleased
//! section) the repository. Documented in docs/template-context.md; printed
//! by `ledger context`. Built only from its inputs, never from the clock.

mod cache;
mod entry;
mod environment;
mod rollback;

use cache::cache_view;
pub use cache::{CacheView, HeaderView};
pub use entry::{EntryView, FileView, FileViews, InvalidationView, PinsView};
use entry::{by_seq, entry_view, invalidation_view};
pub use environment::{EnvView, MonitoringView};
use environment::{env_view, monitoring_view};
use rollback::rollback_view;
pub use rollback::{PinRollback, RollbackStep, RollbackView};

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{self, Config};
use crate::git::GitRepo;
use crate::journal::{Entry, EntryKind};
use crate::model;
use crate::services::inventory::all_snapshot_changes;

pub use super::changelog::{ChangelogView, GroupView, ReleaseView, Reship, YankView};
pub use super::needs::Needs;
use super::source::Source;
use crate::render::RenderError;

/// The whole context. Its entries' fields borrow from the journal's
/// entries (`'a`): building it copies no object list, and tera's copy of
/// it is the only one.
#[derive(Debug, Clone, Serialize)]
pub struct Context<'a> {
    /// Project identity.
    pub project: ProjectView,
    /// Day of the newest entry (`YYYY-MM-DD`), or none for an empty journal.
    pub last_updated: Option<String>,
    /// The environment whose deploys are releases.
    pub release_env: String,
    /// Environments in configuration order.
    pub environments: Vec<EnvView<'a>>,
    /// Deploy, rollback and void entries in force, newest first.
    pub deploys: Vec<EntryView<'a>>,
    /// The deployment history as the version document prints it: each
    /// deploy's, rollback's and correction's block, newest first, joined
    /// (empty without any).
    pub history: String,
    /// Snapshots that changed an environment's configuration, newest first
    /// (each with its `configuration_changes`).
    pub snapshots: Vec<EntryView<'a>>,
    /// Changelog data.
    pub changelog: ChangelogView,
    /// Cache settings.
    pub cache: CacheView,
    /// Monitoring: alarms and log groups.
    pub monitoring: MonitoringView,
    /// Quick-command blocks, as declared.
    pub commands: Vec<config::CommandBlock>,
    /// Rollback plan for the release environment's latest deploy.
    pub rollback: Option<RollbackView<'a>>,
    /// Related documents, as declared.
    pub related: Vec<config::RelatedLink>,
    /// Markdown kept verbatim from an imported document, by anchor.
    pub extras: BTreeMap<String, Vec<String>>,
}

/// `project`.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    /// Project name.
    pub title: String,
    /// Top heading of the document.
    pub document_title: String,
    /// Paragraph under the heading.
    pub description: String,
    /// Whether to render the Quick Commands section (`[project]
    /// quick_commands`, default true).
    pub quick_commands: bool,
}

/// Builds the context from the entries in force (voided ones left out; the
/// voids themselves are in the history). `repo` feeds the changelog's
/// Unreleased section and compare links; `ledger_path`, the ledger folder
/// from the repository's top, keeps the ledger's own commits out of it.
/// Every section is filled: what `ledger context` prints.
pub fn build<'a>(
    config: &Config,
    source: &'a dyn Source,
    repo: Option<&GitRepo>,
    ledger_path: Option<&str>,
) -> Result<Context<'a>, RenderError> {
    build_for(config, source, repo, ledger_path, Needs::ALL)
}

/// [`build`], with only the sections `needs` names filled; the others are
/// left empty (a template that never names them cannot tell).
pub fn build_for<'a>(
    config: &Config,
    source: &'a dyn Source,
    repo: Option<&GitRepo>,
    ledger_path: Option<&str>,
    needs: Needs,
) -> Result<Context<'a>, RenderError> {
    let all = source.entries();
    let entries = &model::in_force(all);
    let configuration = all_snapshot_changes(entries);
    // The entries in force may be copies (when some are void): a view
    // borrows the journal's own entry of the same seq.
    let view = |e: &Entry| {
        let original = by_seq(all, e.seq)?;
        let mut view = entry_view(config, all, original);
        view.configuration_changes = configuration.get(&e.seq).cloned().unwrap_or_default();
        Some(view)
    };
    // The history on one thread, what the fold of the journal gives on
    // another; the changelog reads git, which stays here.
    let (listed, state) = crate::parallel::both(
        || listed_views(config, source, entries, needs, &view),
        || state_views(config, source, entries, needs, &view),
    );
    let (history, deploys) = listed?;
    let state = state?;
    let changelog = if needs.changelog {
        super::changelog::changelog_view(config, entries, repo, ledger_path)?
    } else {
        ChangelogView::default()
    };
    Ok(Context {
        project: project_view(config),
        last_updated: last_updated(config, entries),
        environments: state.environments,
        deploys,
        history,
        snapshots: if needs.snapshots {
            configuration_snapshots(entries, &view)
        } else {
            Vec::new()
        },
        changelog,
        cache: state.cache,
        monitoring: if needs.monitoring {
            monitoring_view(config, entries)
        } else {
            MonitoringView::default()
        },
        commands: config.commands.clone(),
        rollback: state.rollback,
        related: config.related.clone(),
        extras: extras_by_anchor(config),
        release_env: config.changelog.release_env.clone(),
    })
}

/// The deployment history's text, and the deploys' views.
type Listed<'a> = (String, Vec<EntryView<'a>>);

fn listed_views<'a>(
    config: &Config,
    source: &dyn Source,
    entries: &[Entry],
    needs: Needs,
    view: &dyn Fn(&Entry) -> Option<EntryView<'a>>,
) -> Result<Listed<'a>, RenderError> {
    let history = if needs.history {
        source.history(config)?
    } else {
        String::new()
    };
    let deploys = if needs.deploys {
        (model::deploys_newest_first(entries).into_iter())
            .filter_map(view)
            .collect()
    } else {
        Vec::new()
    };
    Ok((history, deploys))
}

/// Snapshots that changed an environment's configuration, newest first.
fn configuration_snapshots<'a>(
    entries: &[Entry],
    view: &dyn Fn(&Entry) -> Option<EntryView<'a>>,
) -> Vec<EntryView<'a>> {
    entries
        .iter()
        .rev()
        .filter(|e| e.kind == EntryKind::Snapshot)
        .filter_map(view)
        .filter(|v| !v.configuration_changes.is_empty())
        .collect()
}

/// Markdown kept from an imported document, by anchor.
fn extras_by_anchor(config: &Config) -> BTreeMap<String, Vec<String>> {
    config.extra.iter().fold(BTreeMap::new(), |mut map, block| {
        map.entry(block.at.clone())
            .or_insert_with(Vec::new)
            .push(block.markdown.clone());
        map
    })
}

/// The sections that fold the journal into what is live now.
struct StateViews<'a> {
    environments: Vec<EnvView<'a>>,
    cache: CacheView,
    rollback: Option<RollbackView<'a>>,
}

fn state_views<'a>(
    config: &Config,
    source: &dyn Source,
    entries: &[Entry],
    needs: Needs,
    view: &(dyn Fn(&Entry) -> Option<EntryView<'a>> + Sync),
) -> Result<StateViews<'a>, RenderError> {
    // What the release environment serves, folded once for both.
    let release_env = config.changelog.release_env.as_str();
    let release_live = match (needs.environments || needs.cache)
        .then(|| model::last_deploy(entries, release_env))
        .flatten()
    {
        Some(last) => source.live_state(release_env, last.seq)?,
        None => model::LiveState::default(),
    };
    let mut environments = Vec::new();
    if needs.environments {
        for (key, env) in &config.environments {
            let live_count = match model::last_deploy(entries, key) {
                _ if key == release_env => release_live.len(),
                Some(last) => source.live_state(key, last.seq)?.len(),
                None => 0,
            };
            environments.push(env_view(key, env, entries, view, live_count));
        }
    }
    Ok(StateViews {
        environments,
        cache: if needs.cache {
            cache_view(config, entries, &release_live)
        } else {
            CacheView::default()
        },
        rollback: if needs.rollback {
            rollback_view(config, source, entries, view)?
        } else {
            None
        },
    })
}

fn project_view(config: &Config) -> ProjectView {
    ProjectView {
        title: config.project.title.clone(),
        document_title: config
            .project
            .document_title
            .clone()
            .unwrap_or_else(|| "AWS Services Version Control".into()),
        description: config
            .project
            .description
            .clone()
            .unwrap_or_else(|| crate::config::Project::default_description(&config.project.title)),
        quick_commands: config.project.quick_commands.unwrap_or(true),
    }
}

/// The day of the newest entry that changed something, or the imported
/// document's own date when that is later.
fn last_updated(config: &Config, entries: &[Entry]) -> Option<String> {
    entries
        .iter()
        .filter(|e| {
            !matches!(
                e.kind,
                EntryKind::Release | EntryKind::Lock | EntryKind::Unlock
            )
        })
        .map(|e| e.deployed_at.date_string())
        .chain(config.project.last_updated.clone())
        .max()
}
