//! The template context: everything a template may show, built once from
//! the configuration, the journal and (for the changelog's Unreleased
//! section) the repository. Documented in docs/template-context.md; printed
//! by `ledger context`. Built only from its inputs, never from the clock.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use indexmap::IndexMap;

use crate::config::{self, Config, Environment};
use crate::document::TableView;
use crate::document::cell::code_cell;
use crate::document::format::{content_family, human_size, max_age, short_duration};
use crate::document::history::PinBlock;
use crate::git::GitRepo;
use crate::journal::{Change, Entry, EntryKind, FileAction, FileChange, Invalidation, short_sha};
use crate::model;
use crate::services::inventory::{all_snapshot_changes, latest_inventory};
use crate::services::{Declared, Ordered, REGISTRY, TableCx};

use super::RenderError;
pub use super::changelog::{ChangelogView, GroupView, ReleaseView, Reship, YankView};
pub use super::needs::Needs;
use super::source::Source;

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

/// One environment.
#[derive(Debug, Clone, Serialize)]
pub struct EnvView<'a> {
    /// Key in `[environments]`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Deploy bucket.
    pub bucket: String,
    /// Key prefix ("" for the whole bucket).
    pub prefix: String,
    /// CloudFront distribution.
    pub distribution: Option<String>,
    /// Public domain.
    pub domain: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// AWS profile.
    pub profile: Option<String>,
    /// The latest deploy or rollback.
    pub last_deploy: Option<EntryView<'a>>,
    /// The latest invalidation recorded for the environment.
    pub last_invalidation: Option<InvalidationView>,
    /// Number of objects live after the latest deploy.
    pub live_count: usize,
    /// Inventory tables, ready to print (cells escaped).
    pub tables: Vec<TableView>,
}

/// `monitoring`: the declared alarms and log groups, with what the release
/// environment's latest snapshot read laid over them, and their tables.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MonitoringView {
    /// Each monitoring service's rows, under its key (`alarms`, `log_groups`).
    #[serde(flatten)]
    pub rows: IndexMap<&'static str, toml::Value>,
    /// The Monitoring section's tables, ready to print (empty ones left out).
    pub tables: Vec<TableView>,
}

/// One entry, with derived fields for display.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView<'a> {
    /// Sequence number.
    pub seq: u64,
    /// `deploy` or `rollback`.
    pub kind: &'static str,
    /// Environment key.
    pub env: &'a str,
    /// Environment display name.
    pub env_name: String,
    /// Version, if any.
    pub version: Option<&'a str>,
    /// Commit as recorded.
    pub commit: Option<&'a str>,
    /// First seven characters of the commit.
    pub short_commit: Option<String>,
    /// Commits brought, abbreviated, oldest first.
    pub commits: Vec<String>,
    /// Deploy time as recorded (RFC 3339 or a day).
    pub deployed_at: String,
    /// Deploy day, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Build time as recorded.
    pub build_time: Option<String>,
    /// Who deployed.
    pub deployed_by: Option<&'a str>,
    /// Brought in by `ledger import`.
    pub imported: bool,
    /// For a rollback: the seq and version it restored.
    pub restores: Option<u64>,
    /// Version of the restored entry.
    pub restores_version: Option<&'a str>,
    /// A deploy of a version already deployed to the environment.
    pub redeploy: bool,
    /// Recorded with `--no-aws`: no object state (files are not known).
    pub no_aws: bool,
    /// For a void (a correction): the entry it marks as recorded in error.
    pub voids: Option<u64>,
    /// The voided entry's one-line summary (`#4 production v1.2.0 ...`).
    pub voids_summary: Option<String>,
    /// For a void: why.
    pub reason: Option<&'a str>,
    /// Objects put.
    pub files: FileViews<'a>,
    /// Objects deleted.
    pub deleted: FileViews<'a>,
    /// The invalidation.
    pub invalidation: Option<InvalidationView>,
    /// Change lines.
    pub changes: &'a [Change],
    /// Notes.
    pub notes: &'a [String],
    /// Markdown kept verbatim from an imported document, after the fields.
    pub extra: &'a [String],
    /// Each pinning service's pins of the entry, under its key
    /// (`functions`: the Lambda versions it pinned), empty when none.
    #[serde(flatten)]
    pub pins: PinsView<'a>,
    /// The pins as the document's deploy block prints them: per service
    /// with pins, its heading and lines.
    pub pin_blocks: Vec<PinBlock>,
    /// For a snapshot: what changed since the previous snapshot of the
    /// environment, one line per resource and field.
    pub configuration_changes: Vec<String>,
}

/// An entry's pins, every pinning service's key present (empty when it
/// pinned nothing there).
#[derive(Debug, Clone, Copy)]
pub struct PinsView<'a> {
    entry: &'a Entry,
}

impl Serialize for PinsView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for pinning in crate::services::pinning() {
            map.serialize_entry(pinning.key(), self.entry.pins_of(pinning.key()))?;
        }
        map.end()
    }
}

/// One object of an entry.
#[derive(Debug, Clone, Serialize)]
pub struct FileView<'a> {
    /// S3 key.
    pub key: &'a str,
    /// Size in bytes.
    pub size: Option<u64>,
    /// Size for people (`21.2 KB`): as imported, else from `size`.
    pub size_human: Option<Cow<'a, str>>,
    /// Content-Type.
    pub content_type: Option<&'a str>,
    /// Cache-Control.
    pub cache_control: Option<&'a str>,
    /// ETag.
    pub etag: Option<&'a str>,
    /// S3 version ID.
    pub version_id: Option<&'a str>,
}

impl<'a> FileView<'a> {
    /// The view of one object change.
    pub fn of(f: &'a FileChange) -> FileView<'a> {
        FileView {
            key: &f.key,
            size: f.size,
            size_human: (f.size_text.as_deref().map(Cow::Borrowed))
                .or_else(|| f.size.map(|size| Cow::Owned(human_size(size)))),
            content_type: f.content_type.as_deref(),
            cache_control: f.cache_control.as_deref(),
            etag: f.etag.as_deref(),
            version_id: f.version_id.as_deref(),
        }
    }
}

/// The objects an entry put, or those it deleted: a list of [`FileView`]s,
/// each made as it is serialized (a long ledger's views would otherwise
/// hold a copy of half a million).
#[derive(Debug, Clone, Copy)]
pub struct FileViews<'a> {
    files: &'a [FileChange],
    action: FileAction,
}

impl Serialize for FileViews<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let files = self.files.iter().filter(|f| f.action == self.action);
        serializer.collect_seq(files.map(FileView::of))
    }
}

/// An invalidation, for display.
#[derive(Debug, Clone, Serialize)]
pub struct InvalidationView {
    /// ID.
    pub id: String,
    /// Status when last seen.
    pub status: Option<String>,
    /// Creation time as recorded.
    pub created_at: Option<String>,
    /// Day of creation, else of the entry.
    pub date: String,
    /// Paths.
    pub paths: Vec<String>,
}

/// Cache settings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CacheView {
    /// CloudFront behaviours, as declared.
    pub behaviors: Vec<config::CacheBehavior>,
    /// S3 Cache-Control by file type.
    pub headers: Vec<HeaderView>,
    /// `journal` when the headers come from recorded object metadata, else `config`.
    pub headers_source: String,
}

/// One S3 Cache-Control row.
#[derive(Debug, Clone, Serialize)]
pub struct HeaderView {
    /// File type ("JavaScript").
    pub file_type: String,
    /// Header values, most common first.
    pub values: Vec<String>,
    /// Ready to print: `` `max-age=86400` (24h) ``.
    pub display: String,
}

/// The rollback plan shown in the document.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackView<'a> {
    /// Environment key.
    pub env: String,
    /// Bucket.
    pub bucket: String,
    /// AWS profile.
    pub profile: Option<String>,
    /// Distribution to invalidate.
    pub distribution: Option<String>,
    /// The deploy being undone.
    pub from: Option<EntryView<'a>>,
    /// What the commands undo, for a label: `v1.1.0`, or `the rollback to
    /// v1.0.0 (#5)` when the latest entry is a rollback.
    pub undoes: Option<String>,
    /// Whether the steps carry real version IDs from the journal.
    pub pinned: bool,
    /// One step per key.
    pub steps: Vec<RollbackStep>,
    /// Per pinning service whose resources the latest deploy moved: the
    /// comment and the aws CLI commands that point them back.
    pub pins: Vec<PinRollback>,
    /// Each such service's steps under its own key (`aliases`:
    /// `function`, `alias`, `version`).
    #[serde(flatten)]
    pub pin_steps: IndexMap<&'static str, Vec<Ordered>>,
}

/// One pinning service's part of the document's rollback commands.
#[derive(Debug, Clone, Serialize)]
pub struct PinRollback {
    /// The comment above the commands (`Point Lambda aliases back`).
    pub comment: &'static str,
    /// The commands, quoted, without `--profile`.
    pub commands: Vec<String>,
}

/// One key of a rollback plan.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackStep {
    /// `restore` (copy a previous version back) or `delete` (the key did not exist before).
    pub action: String,
    /// S3 key.
    pub key: String,
    /// Version to restore, or `VERSION_ID` when not recorded.
    pub version_id: String,
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

/// The entry `seq` of `entries` (in seq order, as a journal is).
fn by_seq(entries: &[Entry], seq: u64) -> Option<&Entry> {
    match entries.binary_search_by_key(&seq, |e| e.seq) {
        Ok(at) => entries.get(at),
        Err(_) => entries.iter().find(|e| e.seq == seq),
    }
}

fn entry_view<'a>(config: &Config, entries: &'a [Entry], entry: &'a Entry) -> EntryView<'a> {
    let files = |action| FileViews {
        files: &entry.files,
        action,
    };
    EntryView {
        seq: entry.seq,
        kind: entry.kind.as_str(),
        env: &entry.env,
        env_name: config
            .environments
            .get(&entry.env)
            .map(|e| e.display_name(&entry.env))
            .unwrap_or_else(|| entry.env.clone()),
        version: entry.version.as_deref(),
        commit: entry.commit.as_deref(),
        short_commit: entry.commit.as_deref().map(short_sha),
        commits: entry.commits.iter().map(|c| short_sha(c)).collect(),
        deployed_at: entry.deployed_at.to_string(),
        date: entry.deployed_at.date_string(),
        build_time: entry.build_time.as_ref().map(|t| t.to_string()),
        deployed_by: entry.deployed_by.as_deref(),
        imported: entry.imported,
        restores: entry.restores,
        restores_version: entry
            .restores
            .and_then(|seq| by_seq(entries, seq))
            .and_then(|e| e.version.as_deref()),
        redeploy: entry.redeploy,
        no_aws: entry.no_aws,
        voids: entry.voids,
        voids_summary: entry
            .voids
            .and_then(|seq| by_seq(entries, seq))
            .map(model::summary_line),
        reason: entry.reason.as_deref(),
        files: files(FileAction::Put),
        deleted: files(FileAction::Delete),
        invalidation: entry
            .invalidation
            .as_ref()
            .map(|i| invalidation_view(i, entry)),
        changes: &entry.changes,
        notes: &entry.notes,
        extra: &entry.extra,
        pins: PinsView { entry },
        pin_blocks: crate::services::PinBlocks::of(entry),
        configuration_changes: Vec::new(),
    }
}

fn invalidation_view(invalidation: &Invalidation, entry: &Entry) -> InvalidationView {
    InvalidationView {
        id: invalidation.id.clone(),
        status: invalidation.status.clone(),
        created_at: invalidation.created_at.map(|t| t.to_string()),
        date: invalidation
            .created_at
            .unwrap_or(entry.deployed_at)
            .date_string(),
        paths: invalidation.paths.clone(),
    }
}

fn env_view<'a>(
    key: &str,
    env: &Environment,
    entries: &[Entry],
    view: &dyn Fn(&Entry) -> Option<EntryView<'a>>,
    live_count: usize,
) -> EnvView<'a> {
    let last = model::last_deploy(entries, key);
    let last_invalidation = entries
        .iter()
        .rev()
        .filter(|e| e.env == key)
        .find_map(|e| e.invalidation.as_ref().map(|i| invalidation_view(i, e)));
    let snapshot = latest_inventory(entries, key);
    let tables = (REGISTRY.iter())
        .filter(|s| matches!(s.declared_at(), Declared::Environment(_)))
        .filter_map(|service| {
            let cx = TableCx {
                env_key: key,
                env,
                declared: env.declared.get(service.declared_at().key()),
                order: env.columns.get(service.kind()),
                snapshot: snapshot.and_then(|i| i.get(service.state_key())),
                entries,
            };
            service.table(&cx)
        })
        .collect();

    EnvView {
        key: key.to_string(),
        name: env.display_name(key),
        bucket: env.bucket.clone(),
        prefix: env.prefix().to_string(),
        distribution: env.distribution.clone(),
        domain: env.domain.clone(),
        region: env.region.clone(),
        profile: env.profile.clone(),
        last_deploy: last.and_then(view),
        last_invalidation,
        live_count,
        tables,
    }
}

/// (family rank, family, (value, count) most common first).
type HeaderRow = (usize, String, Vec<(String, usize)>);

/// CloudFront behaviours: what the services read of them in the release
/// environment's latest snapshot, else as declared.
fn behaviors(config: &Config, entries: &[Entry]) -> Vec<config::CacheBehavior> {
    let observed: Vec<config::CacheBehavior> =
        latest_inventory(entries, &config.changelog.release_env)
            .map(|inventory| {
                (REGISTRY.iter())
                    .filter_map(|s| {
                        inventory
                            .get(s.state_key())
                            .map(|state| s.cache_behaviors(state))
                    })
                    .flatten()
                    .collect()
            })
            .unwrap_or_default();
    if observed.is_empty() {
        return config.cache.behaviors.clone();
    }
    observed
}

/// Monitoring: the monitoring services' rows and tables, with what the
/// release environment's latest snapshot read of them laid over what is
/// declared.
fn monitoring_view(config: &Config, entries: &[Entry]) -> MonitoringView {
    let release_env = config.changelog.release_env.as_str();
    let fallback = Environment::default();
    let env = config.environments.get(release_env).unwrap_or(&fallback);
    let snapshot = latest_inventory(entries, release_env);
    let mut view = MonitoringView::default();
    for service in REGISTRY
        .iter()
        .filter(|s| matches!(s.declared_at(), Declared::Monitoring(_)))
    {
        let key = service.declared_at().key();
        let cx = TableCx {
            env_key: release_env,
            env,
            declared: config.monitoring.declared.get(key),
            order: config.monitoring.columns.get(service.kind()),
            snapshot: snapshot.and_then(|i| i.get(service.state_key())),
            entries,
        };
        view.rows.insert(key, service.rows(&cx));
        view.tables.extend(service.table(&cx));
    }
    view
}

/// Cache settings, from `live`: what the release environment serves.
fn cache_view(config: &Config, entries: &[Entry], live: &model::LiveState) -> CacheView {
    // family -> (rank, value -> count)
    let mut families: BTreeMap<String, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for file in live.values() {
        let (Some(content_type), Some(cache_control)) = (&file.content_type, &file.cache_control)
        else {
            continue;
        };
        let (rank, family) = content_family(content_type);
        let slot = families.entry(family).or_insert((rank, BTreeMap::new()));
        *slot.1.entry(cache_control.clone()).or_default() += 1;
    }
    let display = |value: &str| match max_age(value) {
        Some(seconds) => format!("{} ({})", code_cell(value), short_duration(seconds)),
        None => code_cell(value),
    };
    if families.is_empty() {
        return CacheView {
            behaviors: behaviors(config, entries),
            headers: config
                .cache
                .headers
                .iter()
                .map(|h| HeaderView {
                    file_type: h.file_type.clone(),
                    values: vec![h.cache_control.clone()],
                    display: display(&h.cache_control),
                })
                .collect(),
            headers_source: "config".into(),
        };
    }
    let mut rows: Vec<HeaderRow> = families
        .into_iter()
        .map(|(family, (rank, counts))| {
            let mut values: Vec<(String, usize)> = counts.into_iter().collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            (rank, family, values)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    CacheView {
        behaviors: behaviors(config, entries),
        headers: rows
            .into_iter()
            .map(|(_, family, values)| HeaderView {
                display: values
                    .iter()
                    .map(|(v, _)| display(v))
                    .collect::<Vec<_>>()
                    .join(", "),
                file_type: family,
                values: values.into_iter().map(|(v, _)| v).collect(),
            })
            .collect(),
        headers_source: "journal".into(),
    }
}

fn rollback_view<'a>(
    config: &Config,
    source: &dyn Source,
    entries: &[Entry],
    view: &dyn Fn(&Entry) -> Option<EntryView<'a>>,
) -> Result<Option<RollbackView<'a>>, RenderError> {
    let key = &config.changelog.release_env;
    let Some(env) = config.environments.get(key) else {
        return Ok(None);
    };
    let latest = model::last_deploy(entries, key);
    let (steps, pinned) = match latest {
        Some(latest) => {
            let before = source.live_state(key, latest.seq - 1)?;
            rollback_steps(latest, &before)
        }
        None => (vec![placeholder("KEY")], false),
    };
    let pins = latest.map_or_else(Vec::new, |l| pin_undos(entries, key, l));
    Ok(Some(RollbackView {
        env: key.clone(),
        bucket: env.bucket.clone(),
        profile: env.profile.clone(),
        distribution: env.distribution.clone(),
        from: latest.and_then(view),
        undoes: latest.map(undo_label),
        pinned,
        steps,
        pins: pins.iter().map(|(rollback, _)| rollback.clone()).collect(),
        pin_steps: pins.into_iter().map(|(_, steps)| steps).collect(),
    }))
}

/// The steps that undo `latest` in S3 given what was served `before` it,
/// and whether they carry version IDs the journal recorded (a placeholder
/// step otherwise): a key served before is restored to the version it
/// had, a key put new is deleted.
fn rollback_steps(latest: &Entry, before: &model::LiveState) -> (Vec<RollbackStep>, bool) {
    let recorded = |f: &FileChange| f.version_id.is_some();
    let pinned = latest.files.iter().any(recorded) || before.values().any(recorded);
    if !pinned {
        let key = latest.puts().next().map_or("KEY", |f| f.key.as_str());
        return (vec![placeholder(key)], false);
    }
    let steps = (latest.files.iter())
        .filter_map(|file| match (before.get(&file.key), file.action) {
            (Some(previous), _) => Some(RollbackStep {
                action: "restore".into(),
                key: file.key.clone(),
                version_id: (previous.version_id.clone()).unwrap_or_else(|| "VERSION_ID".into()),
            }),
            (None, FileAction::Put) => Some(RollbackStep {
                action: "delete".into(),
                key: file.key.clone(),
                version_id: String::new(),
            }),
            (None, FileAction::Delete) => None,
        })
        .collect();
    (steps, true)
}

/// Per pinning service, how to point back what `latest` moved: its part of
/// the commands, and its steps under its own key for templates.
type PinUndos = Vec<(PinRollback, (&'static str, Vec<Ordered>))>;

/// The resources `latest` moved, pointed back to what was served before it.
fn pin_undos(entries: &[Entry], env: &str, latest: &Entry) -> PinUndos {
    let mut undos = Vec::new();
    for pinning in crate::services::pinning() {
        let before = model::live_pins(entries, env, pinning.key(), latest.seq - 1);
        let steps: Vec<_> = (latest.pins_of(pinning.key()).iter())
            .filter_map(|now| {
                let previous = before.get(model::pin_name(now))?;
                pinning.undo(previous.pin, now)
            })
            .collect();
        if steps.is_empty() {
            continue;
        }
        let rollback = PinRollback {
            comment: pinning.undo_comment(),
            commands: steps.iter().map(|s| s.command.clone()).collect(),
        };
        let fields = steps.into_iter().map(|s| s.fields).collect();
        undos.push((rollback, (pinning.undo_key(), fields)));
    }
    undos
}

/// What undoing `latest` undoes, in words.
fn undo_label(latest: &Entry) -> String {
    let name = latest
        .version
        .clone()
        .unwrap_or_else(|| format!("#{}", latest.seq));
    match latest.kind {
        EntryKind::Rollback => format!("the rollback to {name}, #{}", latest.seq),
        _ => name,
    }
}

fn placeholder(key: &str) -> RollbackStep {
    RollbackStep {
        action: "restore".into(),
        key: key.to_string(),
        version_id: "VERSION_ID".into(),
    }
}
