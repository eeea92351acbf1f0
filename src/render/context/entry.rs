//! An entry as templates see it: its fields borrowed from the journal's
//! entry, its objects serialized as they are read.

use std::borrow::Cow;

use serde::Serialize;

use crate::config::Config;
use crate::document::format::human_size;
use crate::document::history::PinBlock;
use crate::journal::{Change, Entry, FileAction, FileChange, Invalidation, short_sha};
use crate::model;

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

/// The entry `seq` of `entries` (in seq order, as a journal is).
pub(super) fn by_seq(entries: &[Entry], seq: u64) -> Option<&Entry> {
    match entries.binary_search_by_key(&seq, |e| e.seq) {
        Ok(at) => entries.get(at),
        Err(_) => entries.iter().find(|e| e.seq == seq),
    }
}

pub(super) fn entry_view<'a>(
    config: &Config,
    entries: &'a [Entry],
    entry: &'a Entry,
) -> EntryView<'a> {
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

pub(super) fn invalidation_view(invalidation: &Invalidation, entry: &Entry) -> InvalidationView {
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
