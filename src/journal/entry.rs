//! The entries of the journal: deploys, rollbacks and inventory snapshots,
//! with the files, invalidation and changes each one carries. Field order
//! here is the on-disk key order; see docs/journal-format.md.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::timestamp::{Timestamp, WrittenTime};

/// What a snapshot read from AWS, by service: each service's state under
/// its key (`bucket`, `functions`...), as only that service reads it.
pub type Inventory = toml::Table;

/// The versions a deploy (or rollback) pinned, by service: under each
/// service's key (`functions`...), one table per resource, whose `name`
/// names it. Written as top-level arrays of tables of the entry.
pub type Pins = IndexMap<String, Vec<toml::Table>>;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A deploy of a commit to an environment.
    Deploy,
    /// A rollback: restores the live state of an earlier entry (`restores`).
    Rollback,
    /// An inventory snapshot read from AWS; changes no files.
    Snapshot,
    /// A release as an imported changelog describes it: its notes, with or
    /// without a deploy of the same version in the ledger; changes no files.
    Release,
    /// A correction: marks the entry `voids` as recorded in error (a wrong
    /// version, the wrong environment). The voided entry stays in the
    /// journal; folds, queries and documents leave it out.
    Void,
    /// An environment locked (`ledger lock`): records and rollbacks refuse
    /// it until an `unlock`, unless forced. `reason` says why.
    Lock,
    /// The lock of the environment lifted.
    Unlock,
    /// What AWS serves now, read and recorded where it differs from the
    /// ledger (`ledger reconcile`): after an interrupted rollback, or a
    /// change made outside the ledger. Its files and pins are the
    /// differences; its version and commit stay those of the release
    /// the environment serves. `reason` says why.
    Reconcile,
}

impl EntryKind {
    /// The lowercase name used on disk and in the CLI.
    pub fn as_str(&self) -> &'static str {
        match self {
            EntryKind::Deploy => "deploy",
            EntryKind::Rollback => "rollback",
            EntryKind::Snapshot => "snapshot",
            EntryKind::Release => "release",
            EntryKind::Void => "void",
            EntryKind::Lock => "lock",
            EntryKind::Unlock => "unlock",
            EntryKind::Reconcile => "reconcile",
        }
    }

    /// Every kind, in the order the CLI lists them.
    pub const ALL: [EntryKind; 8] = [
        EntryKind::Deploy,
        EntryKind::Rollback,
        EntryKind::Snapshot,
        EntryKind::Release,
        EntryKind::Void,
        EntryKind::Lock,
        EntryKind::Unlock,
        EntryKind::Reconcile,
    ];

    /// The kind named `name` (as [`EntryKind::as_str`] writes it).
    pub fn parse(name: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether entries of this kind change what the ledger says an
    /// environment serves (its objects and pinned versions).
    pub fn changes_files(&self) -> bool {
        matches!(
            self,
            EntryKind::Deploy | EntryKind::Rollback | EntryKind::Reconcile
        )
    }

    /// Whether entries of this kind put a release in place (a deploy or
    /// a rollback): what a version names, what a rollback may restore.
    pub fn names_release(&self) -> bool {
        matches!(self, EntryKind::Deploy | EntryKind::Rollback)
    }

    /// Whether entries of this kind may carry an inventory read from AWS
    /// (a snapshot; a reconcile of an environment that has snapshots).
    pub fn reads_inventory(&self) -> bool {
        matches!(self, EntryKind::Snapshot | EntryKind::Reconcile)
    }
}

/// Why `version` cannot name a release, if it cannot: a version is letters,
/// digits and `.`, `-`, `_`, `+` (SemVer's characters and the common
/// variants), so that it prints the same in Markdown, HTML and a terminal.
pub fn version_problem(version: &str) -> Option<String> {
    if version.is_empty() {
        return Some("a version must not be empty".into());
    }
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '+');
    let bad = version.chars().find(|c| !allowed(*c))?;
    Some(format!(
        "version `{}` holds `{}`: a version is letters, digits and `.`, `-`, `_`, `+`",
        version.escape_default(),
        bad.escape_default()
    ))
}

/// One journal entry. Built by `record`, `rollback`, `snapshot` and `import`;
/// never changed once written. Read and written by `entry_serde`: every
/// key this struct names is typed and refused when malformed; a key it does
/// not name must hold an array of tables, a service's pins.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Position in the journal, from 1, without gaps.
    pub seq: u64,
    /// What the entry records.
    pub kind: EntryKind,
    /// The environment (a key of `[environments]`).
    pub env: String,
    /// Release name ("v2.1.1").
    pub version: Option<String>,
    /// The commit deployed: a full SHA, or the abbreviation an imported document gave.
    pub commit: Option<String>,
    /// The commits this deploy brought, oldest first.
    pub commits: Vec<String>,
    /// When the deploy went out (UTC), or the day for imported history.
    pub deployed_at: Timestamp,
    /// When the artefacts were built.
    pub build_time: Option<WrittenTime>,
    /// Who deployed.
    pub deployed_by: Option<String>,
    /// Set on entries brought in by `ledger import` rather than observed.
    pub imported: bool,
    /// For a rollback: the sequence number of the entry whose state it restored.
    pub restores: Option<u64>,
    /// A deploy of a version already deployed to the environment
    /// (`record --redeploy`); it never makes a second release.
    pub redeploy: bool,
    /// Recorded with `--no-aws`: the entry carries no object state, so the
    /// environment's objects are those of its last entry that read S3.
    pub no_aws: bool,
    /// For a void: the sequence number of the entry recorded in error.
    pub voids: Option<u64>,
    /// For a void: why the entry was recorded in error.
    pub reason: Option<String>,
    /// Free notes (warnings raised while recording, for example).
    pub notes: Vec<String>,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 of this entry's canonical form; see docs/journal-format.md.
    pub hash: String,
    /// Who appended it: an SSH signature (OpenSSH's SSHSIG, base64) of
    /// `hash` in the namespace `ledger-entry` (see `crate::signing`); left
    /// out of the hash, which it signs.
    pub signature: Option<String>,
    /// The CloudFront invalidation made for this deploy.
    pub invalidation: Option<Invalidation>,
    /// For a release: its notes as the imported changelog wrote them.
    pub release: Option<ReleaseNotes>,
    /// For a snapshot: the inventory read from AWS.
    pub inventory: Option<Inventory>,
    /// Human change lines.
    pub changes: Vec<Change>,
    /// Objects this entry put or deleted, in key order.
    pub files: Vec<FileChange>,
    /// The versions of services' resources this entry pinned (a deploy: as
    /// captured; a rollback: as re-pointed), by service.
    pub pins: Pins,
    /// Markdown blocks kept verbatim from an imported document's section for
    /// this entry, rendered after its fields.
    pub extra: Vec<String>,
}

/// Whether a flag is unset (it is then not written).
pub(super) fn is_false(value: &bool) -> bool {
    !*value
}

impl Entry {
    /// A blank entry of `kind` for `env` at `deployed_at`; `seq`, `prev_hash`
    /// and `hash` are set when it is appended.
    pub fn new(kind: EntryKind, env: impl Into<String>, deployed_at: Timestamp) -> Entry {
        Entry {
            seq: 0,
            kind,
            env: env.into(),
            version: None,
            commit: None,
            commits: Vec::new(),
            deployed_at,
            build_time: None,
            deployed_by: None,
            imported: false,
            restores: None,
            redeploy: false,
            no_aws: false,
            voids: None,
            reason: None,
            notes: Vec::new(),
            prev_hash: String::new(),
            hash: String::new(),
            signature: None,
            invalidation: None,
            release: None,
            inventory: None,
            changes: Vec::new(),
            files: Vec::new(),
            pins: Pins::new(),
            extra: Vec::new(),
        }
    }

    /// The pins under `key` (none when the entry pinned nothing there).
    pub fn pins_of(&self, key: &str) -> &[toml::Table] {
        self.pins.get(key).map_or(&[], Vec::as_slice)
    }

    /// The first seven characters of the commit, or "-".
    pub fn short_commit(&self) -> String {
        self.commit
            .as_deref()
            .map(short_sha)
            .unwrap_or_else(|| "-".into())
    }

    /// The files this entry put (not deleted).
    pub fn puts(&self) -> impl Iterator<Item = &FileChange> {
        self.files.iter().filter(|f| f.action == FileAction::Put)
    }

    /// Whether the entry says what the environment serves: a deploy or
    /// rollback that read S3 (not one recorded with `--no-aws`).
    pub fn has_object_state(&self) -> bool {
        self.kind.changes_files() && !self.no_aws
    }

    /// What makes this entry the same event whatever its place in the
    /// chain: everything but `seq`, `prev_hash`, `hash`, the re-diffed
    /// `files` and the seqs it names (which move with a re-chaining).
    pub fn identity(&self) -> String {
        let mut event = self.clone();
        event.seq = 0;
        event.prev_hash.clear();
        event.hash.clear();
        event.signature = None;
        event.files.clear();
        event.restores = None;
        event.voids = None;
        serde_json::to_string(&event).unwrap_or_default()
    }

    /// This entry without its files: what the index keeps of every entry
    /// (every field is named, so that a new field is a decision here, not a
    /// silent omission).
    pub fn head(&self) -> Entry {
        Entry {
            seq: self.seq,
            kind: self.kind,
            env: self.env.clone(),
            version: self.version.clone(),
            commit: self.commit.clone(),
            commits: self.commits.clone(),
            deployed_at: self.deployed_at,
            build_time: self.build_time.clone(),
            deployed_by: self.deployed_by.clone(),
            imported: self.imported,
            restores: self.restores,
            redeploy: self.redeploy,
            no_aws: self.no_aws,
            voids: self.voids,
            reason: self.reason.clone(),
            notes: self.notes.clone(),
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
            signature: self.signature.clone(),
            invalidation: self.invalidation.clone(),
            release: self.release.clone(),
            inventory: self.inventory.clone(),
            changes: self.changes.clone(),
            files: Vec::new(),
            pins: self.pins.clone(),
            extra: self.extra.clone(),
        }
    }

    /// The keys this entry deleted.
    pub fn deletes(&self) -> impl Iterator<Item = &FileChange> {
        self.files.iter().filter(|f| f.action == FileAction::Delete)
    }
}

/// The first seven characters of a SHA.
pub fn short_sha(sha: &str) -> String {
    sha.chars().take(7).collect()
}

/// A human change line, with what is known of its origin.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The line itself.
    pub text: String,
    /// Keep a Changelog section ("Added", "Fixed", ...), if known.
    #[serde(default)]
    pub group: Option<String>,
    /// Conventional Commit scope.
    #[serde(default)]
    pub scope: Option<String>,
    /// A breaking change.
    #[serde(default, skip_serializing_if = "is_false")]
    pub breaking: bool,
    /// The commit it came from.
    #[serde(default)]
    pub commit: Option<String>,
    /// Issue and pull-request references ("#123").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
}

impl Change {
    /// A plain line with no origin.
    pub fn plain(text: impl Into<String>) -> Self {
        Change {
            text: text.into(),
            group: None,
            scope: None,
            breaking: false,
            commit: None,
            refs: Vec::new(),
        }
    }
}

/// Whether a file was put or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileAction {
    /// A new latest version of the key.
    Put,
    /// The key's latest is now a delete marker, or the key is gone.
    Delete,
}

/// One object changed by an entry.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileChange {
    /// The full S3 key (prefix included).
    pub key: String,
    /// Put or delete.
    pub action: FileAction,
    /// S3 version ID of the new latest version (or of the delete marker);
    /// "null" in an unversioned bucket.
    #[serde(default)]
    pub version_id: Option<String>,
    /// ETag as S3 reports it, without quotes.
    #[serde(default)]
    pub etag: Option<String>,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// The size as an imported document wrote it, when `size` does not print
    /// back the same (`1.25 MB`).
    #[serde(default)]
    pub size_text: Option<String>,
    /// Content-Type.
    #[serde(default)]
    pub content_type: Option<String>,
    /// Cache-Control.
    #[serde(default)]
    pub cache_control: Option<String>,
    /// S3 LastModified of the version.
    #[serde(default)]
    pub last_modified: Option<Timestamp>,
}

impl FileChange {
    /// A put of `key` with nothing else known (set the rest).
    pub fn put(key: impl Into<String>) -> FileChange {
        FileChange {
            action: FileAction::Put,
            ..FileChange::deleted(key)
        }
    }

    /// A deletion of `key` with nothing else known (no delete marker).
    pub fn deleted(key: impl Into<String>) -> FileChange {
        FileChange {
            key: key.into(),
            action: FileAction::Delete,
            version_id: None,
            etag: None,
            size: None,
            size_text: None,
            content_type: None,
            cache_control: None,
            last_modified: None,
        }
    }
}

/// A CloudFront invalidation as recorded with a deploy.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invalidation {
    /// Invalidation ID.
    pub id: String,
    /// Distribution it belongs to.
    #[serde(default)]
    pub distribution: Option<String>,
    /// Status when last seen ("InProgress", "Completed").
    #[serde(default)]
    pub status: Option<String>,
    /// When CloudFront created it.
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// When it was first seen completed (CloudFront reports no completion time).
    #[serde(default)]
    pub completed_seen_at: Option<Timestamp>,
    /// Paths invalidated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

impl Invalidation {
    /// An invalidation of `distribution` with nothing known but its ID (set `id`).
    pub fn new(distribution: Option<String>) -> Invalidation {
        Invalidation {
            id: String::new(),
            distribution,
            status: None,
            created_at: None,
            completed_seen_at: None,
            paths: Vec::new(),
        }
    }
}

/// A release's notes, as an imported changelog wrote them.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseNotes {
    /// The release day as written (`YYYY-MM-DD`); none when the changelog gave
    /// none (the entry's `deployed_at` is then only an ordering estimate).
    #[serde(default)]
    pub date: Option<String>,
    /// Marked `[YANKED]`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub yanked: bool,
    /// The link the version heading carried (`[1.2.0](URL)`).
    #[serde(default)]
    pub link: Option<String>,
    /// Markdown before the first section (a summary), as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intro: Vec<String>,
    /// Sections in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ReleaseGroup>,
}

/// One section of a release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseGroup {
    /// Heading as written ("Added", "🐛 Bug Fixes").
    pub name: String,
    /// List items as written (continuation and nested lines included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// Other Markdown in the section, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<String>,
}
