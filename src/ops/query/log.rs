//! `ledger log`: entries, newest first.

use std::collections::HashMap;

use crate::journal::{Entry, EntryKind, Index};
use crate::model;
use crate::ops::{Result, Workspace};
use crate::services::inventory::snapshot_changes;
use crate::ui::Ui;

/// What `log` lists.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// Only this environment's entries.
    pub env: Option<String>,
    /// At most this many.
    pub max_count: Option<usize>,
    /// Whole entries (their files too), for JSON; heads otherwise.
    pub whole: bool,
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
}

/// Lists the entries `query` asks for.
pub fn log(workspace: &Workspace, query: &LogQuery, ui: &Ui) -> Result<Logged> {
    let index = workspace.index(ui)?;
    let in_env = |e: &Entry| query.env.as_ref().is_none_or(|env| &e.env == env);
    let heads = index.newest_heads(query.max_count.unwrap_or(usize::MAX), in_env)?;
    if query.whole {
        let seqs: Vec<u64> = heads.iter().map(|e| e.seq).collect();
        return Ok(Logged {
            entries: index.entries(&seqs)?,
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
