//! The questions an append asks of the entries before it, each "the last
//! entry of the environment that ...": deployed, read S3, locked or
//! unlocked it, pinned a service's resources (or one of them), took a
//! snapshot. Each is answered here over any list of entries ([`Last::find`]),
//! and a journal file's digest keeps, per environment, the last entry that
//! answers each ([`Last::answered_by_entry`]), so that an append reads a few
//! heads per file whatever the journal's length. One definition serves
//! both: a question added here is one the digest keeps.

use super::{Entry, EntryKind};

/// A question: "the last entry of the environment that ...".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Last {
    /// ... changed what it serves (a deploy or a rollback).
    Deploy,
    /// ... read what S3 serves (a deploy or rollback not recorded with `--no-aws`).
    Observed,
    /// ... locked or unlocked it.
    LockOrUnlock,
    /// ... pinned anything under a service's key.
    Pins(String),
    /// ... pinned one resource: (the service's key, the resource's name).
    Pin(String, String),
    /// ... read its inventory (a snapshot, or a reconcile that read one).
    Snapshot,
}

impl Last {
    /// Whether `entry` answers this question (in its own environment).
    pub fn answered_by(&self, entry: &Entry) -> bool {
        match self {
            Last::Deploy => entry.kind.changes_files(),
            Last::Observed => entry.has_object_state(),
            Last::LockOrUnlock => matches!(entry.kind, EntryKind::Lock | EntryKind::Unlock),
            Last::Pins(key) => entry.kind.changes_files() && !entry.pins_of(key).is_empty(),
            Last::Pin(key, name) => {
                entry.kind.changes_files()
                    && (entry.pins_of(key).iter()).any(|p| pin_name(p) == name.as_str())
            }
            Last::Snapshot => entry.kind.reads_inventory() && entry.inventory.is_some(),
        }
    }

    /// Every question `entry` answers: what a digest keeps it for.
    pub fn answered_by_entry(entry: &Entry) -> Vec<Last> {
        let mut answers: Vec<Last> = [
            Last::Deploy,
            Last::Observed,
            Last::LockOrUnlock,
            Last::Snapshot,
        ]
        .into_iter()
        .filter(|question| question.answered_by(entry))
        .collect();
        if entry.kind.changes_files() {
            for (key, pins) in &entry.pins {
                answers.push(Last::Pins(key.clone()));
                let names = pins.iter().map(|p| pin_name(p).to_string());
                answers.extend(names.map(|name| Last::Pin(key.clone(), name)));
            }
        }
        answers
    }

    /// The last entry of `env` in `entries` (in journal order) that answers it.
    pub fn find<'a>(&self, entries: &'a [Entry], env: &str) -> Option<&'a Entry> {
        (entries.iter().rev()).find(|e| e.env == env && self.answered_by(e))
    }
}

/// The resource a pin names (its `name`).
pub fn pin_name(pin: &toml::Table) -> &str {
    pin.get("name").and_then(toml::Value::as_str).unwrap_or("")
}
