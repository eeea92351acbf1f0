//! `ledger log`: entries, newest first.

use std::collections::HashMap;

use crate::journal::Entry;
use crate::model;
use crate::ops::{Result, Workspace};
use crate::services::inventory::all_snapshot_changes;
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
    let heads: Vec<&Entry> = (index.heads()?.iter().rev())
        .filter(|e| query.env.as_ref().is_none_or(|env| &e.env == env))
        .take(query.max_count.unwrap_or(usize::MAX))
        .collect();
    if query.whole {
        let seqs: Vec<u64> = heads.iter().map(|e| e.seq).collect();
        return Ok(Logged {
            entries: index.entries(&seqs)?,
            ..Logged::default()
        });
    }
    let changes = match heads.is_empty() {
        true => HashMap::new(),
        false => all_snapshot_changes(&model::in_force(index.heads()?)),
    };
    Ok(Logged {
        entries: heads.into_iter().cloned().collect(),
        voided: index.voided().clone(),
        changes,
    })
}
