//! `ledger log`: entries, newest first.

use std::collections::HashMap;

use crate::journal::{Entry, EntryKind, Index};
use crate::model;
use crate::ops::{Result, Workspace};
use crate::services::inventory::snapshot_changes;
use crate::timestamp::Timestamp;
use crate::ui::Ui;

/// What `log` lists.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// Only this environment's entries.
    pub env: Option<String>,
    /// At most this many.
    pub max_count: Option<usize>,
    /// Only entries deployed at or after this instant.
    pub since: Option<Timestamp>,
    /// Only entries deployed at or before this instant (a bare day: that whole day).
    pub until: Option<Timestamp>,
    /// Only entries whose Deployed By contains this text, ignoring case.
    pub by: Option<String>,
    /// Only entries of these kinds (all when empty).
    pub kinds: Vec<EntryKind>,
    /// Whole entries (their files too), for JSON; heads otherwise.
    pub whole: bool,
}

impl LogQuery {
    /// Whether `entry` passes every filter of the query.
    pub fn selects(&self, entry: &Entry) -> bool {
        let by = self.by.as_ref().map(|by| by.to_lowercase());
        self.env.as_ref().is_none_or(|env| &entry.env == env)
            && self.since.is_none_or(|since| entry.deployed_at >= since)
            && self
                .until
                .is_none_or(|until| entry.deployed_at.not_after(&until))
            && (self.kinds.is_empty() || self.kinds.contains(&entry.kind))
            && by.is_none_or(|by| {
                let name = entry.deployed_by.as_deref().unwrap_or_default();
                name.to_lowercase().contains(&by)
            })
    }
}

/// The entries listed, newest first, and what the notes column needs.
#[derive(Debug, Clone, Default)]
pub struct Logged {
    /// The entries (heads unless asked whole).
    pub entries: Vec<Entry>,
    /// Voided seq -> the void's seq.
    pub voided: HashMap<u64, u64>,
    /// Snapshot seq -> its configuration changes (for heads only).
    pub changes: HashMap<u64, Vec<String>>,
    /// Entries whose content no longer matches their hash (changed after
    /// they were written): their signature cannot vouch for them.
    pub altered: std::collections::HashSet<u64>,
}

/// Lists the entries `query` asks for.
pub fn log(workspace: &Workspace, query: &LogQuery, ui: &Ui) -> Result<Logged> {
    let index = workspace.index(ui)?;
    let altered = index.altered_seqs();
    let heads = index.newest_heads(query.max_count.unwrap_or(usize::MAX), |e| query.selects(e))?;
    if query.whole {
        let seqs: Vec<u64> = heads.iter().map(|e| e.seq).collect();
        return Ok(Logged {
            entries: index.entries(&seqs)?,
            altered,
            ..Logged::default()
        });
    }
    let mut changes = HashMap::new();
    let voided = index.voided();
    let snapshots = heads.iter().filter(|e| e.kind == EntryKind::Snapshot);
    for snapshot in snapshots.filter(|e| !voided.contains_key(&e.seq)) {
        let lines = changes_of(&index, snapshot)?;
        if !lines.is_empty() {
            changes.insert(snapshot.seq, lines);
        }
    }
    Ok(Logged {
        entries: heads,
        voided: index.voided().clone(),
        changes,
        altered,
    })
}

/// What a snapshot changed over the previous one of its environment in
/// force (none for an entry of another kind).
pub(crate) fn changes_of(index: &Index, entry: &Entry) -> Result<Vec<String>> {
    if entry.kind != EntryKind::Snapshot {
        return Ok(Vec::new());
    }
    let before = index.view(&entry.env, entry.seq.saturating_sub(1))?;
    Ok(snapshot_changes(&model::in_force(&before), entry))
}
