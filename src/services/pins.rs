//! Pins: the versions AWS serves of a service's resources, recorded by each
//! deploy that changed them and re-pointed by rollbacks, as S3 objects are
//! (a Lambda alias's version and code). An entry keeps each service's pins
//! under the service's key, one TOML table per resource, whose `name` names
//! the resource (`model::pins` folds them). This module declares what a
//! service that pins does ([`Pinning`]).

use crate::journal::Entry;
#[cfg(feature = "aws")]
use crate::model::LivePins;
use crate::model::pin_name;

/// Named values in the order a JSON object shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ordered(pub Vec<(&'static str, serde_json::Value)>);

impl serde::Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// One resource's pin as its history shows it: from the entry that
/// recorded it until the next one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Served {
    /// The entry that pinned it.
    pub seq: u64,
    /// `deploy` or `rollback`.
    pub kind: &'static str,
    /// That entry's version name.
    pub release: Option<String>,
    /// The pin's fields, as the service shows them.
    #[serde(flatten)]
    pub fields: Ordered,
    /// Served from (the entry's deploy time).
    pub from: crate::timestamp::Timestamp,
    /// Served until (the next change's deploy time), or still serving.
    pub until: Option<crate::timestamp::Timestamp>,
    /// The pin, for the service's columns.
    #[serde(skip)]
    pub pin: toml::Table,
}

/// Every pin of resource `name` under `key` in `env`, oldest first.
pub fn pin_history(entries: &[Entry], env: &str, pinning: &dyn Pinning, name: &str) -> Vec<Served> {
    let mut history: Vec<Served> = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| e.env == env && e.kind.changes_files())
    {
        for pin in entry
            .pins_of(pinning.key())
            .iter()
            .filter(|p| pin_name(p) == name)
        {
            if let Some(last) = history.last_mut() {
                last.until = Some(entry.deployed_at);
            }
            history.push(Served {
                seq: entry.seq,
                kind: entry.kind.as_str(),
                release: entry.version.clone(),
                fields: pinning.history_fields(pin),
                from: entry.deployed_at,
                until: None,
                pin: pin.clone(),
            });
        }
    }
    history
}

/// How a rollback of the document's latest deploy points one resource back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PinUndo {
    /// The step's fields for templates (`function`, `alias`, `version`).
    #[serde(flatten)]
    pub fields: Ordered,
    /// The aws CLI command, its words quoted for a shell, without `--profile`.
    pub command: String,
}

/// A flag of `ledger history` that names one of a service's resources.
#[derive(Debug, Clone, Copy)]
pub struct HistoryFlag {
    /// The flag (`function` for `--function`).
    pub long: &'static str,
    /// Its value's name in `--help` (`NAME`).
    pub value_name: &'static str,
    /// Its help line.
    pub help: &'static str,
}

/// A service whose deploys pin the versions AWS serves.
pub trait Pinning: Sync {
    /// Its key in an entry, and its name in `live` and `diff` JSON (`functions`).
    fn key(&self) -> &'static str;
    /// A resource in words (`function`): `history`'s key, messages.
    fn noun(&self) -> &'static str;
    /// The heading of its lines in a deploy's block of the document.
    fn title(&self) -> &'static str;
    /// A pin as a line of the document's deploy block (Markdown, no bullet).
    fn block_line(&self, pin: &toml::Table) -> String;
    /// A pin read back from a line of the document's deploy block.
    fn read_block_line(&self, line: &str) -> Option<toml::Table>;
    /// A pin as `live` prints it, after the service's noun.
    fn line(&self, pin: &toml::Table) -> String;
    /// A pin as `show` prints it, under the service's key (indented).
    fn show_line(&self, pin: &toml::Table) -> String;
    /// A pin in `live`'s JSON.
    fn live_json(&self, pin: &toml::Table) -> Ordered;
    /// Whether two pins of one resource serve the same thing (`diff`).
    fn serves_same(&self, a: &toml::Table, b: &toml::Table) -> bool;
    /// A resource's change between two entries, as `diff` prints it.
    fn change_line(
        &self,
        name: &str,
        from: Option<&toml::Table>,
        to: Option<&toml::Table>,
    ) -> String;
    /// The same in `diff`'s JSON.
    fn change_json(
        &self,
        name: &str,
        from: Option<&toml::Table>,
        to: Option<&toml::Table>,
    ) -> Ordered;
    /// The flags of `ledger history` that name one of its resources, the
    /// first one given alone or with the others (`--api NAME --stage S`).
    fn history_flags(&self) -> &'static [HistoryFlag];
    /// A resource's name among the pins from the values of
    /// [`history_flags`](Self::history_flags), in their order.
    fn history_name(&self, values: &[String]) -> String {
        values.join(":")
    }
    /// A pin's fields in `history`'s JSON.
    fn history_fields(&self, pin: &toml::Table) -> Ordered;
    /// `history`'s columns for a pin: headings and cells.
    fn history_columns(&self) -> [&'static str; 2];
    /// The cells of [`history_columns`](Self::history_columns).
    fn history_cells(&self, pin: &toml::Table) -> [String; 2];
    /// The comment above its commands in the document's rollback block.
    fn undo_comment(&self) -> &'static str;
    /// The key of its steps in the template's `rollback` (`aliases`).
    fn undo_key(&self) -> &'static str;
    /// How to point a resource back from `now` to `before`, when it can be.
    fn undo(&self, before: &toml::Table, now: &toml::Table) -> Option<PinUndo>;
    /// Reads the versions AWS serves of the declared resources.
    #[cfg(feature = "aws")]
    fn capture<'a>(&'a self, cx: &'a PinRead<'a>) -> super::Aws<'a, Vec<toml::Table>>;
    /// What AWS serves against what the ledger pinned: one line per
    /// resource that differs.
    #[cfg(feature = "aws")]
    fn drift<'a>(
        &'a self,
        cx: &'a PinRead<'a>,
        pinned: &'a LivePins<'a>,
    ) -> super::Aws<'a, Vec<String>>;
    /// The steps that bring AWS back to `wanted` (the pins in force at the
    /// rollback's target, entry `target`).
    #[cfg(feature = "aws")]
    fn plan<'a>(
        &'a self,
        cx: &'a PinRead<'a>,
        wanted: &'a LivePins<'a>,
        target: u64,
    ) -> super::Aws<'a, PinPlan>;
    /// Carries out one step; gives the pin now served.
    #[cfg(feature = "aws")]
    fn apply<'a>(&'a self, cx: &'a PinRead<'a>, step: &'a PinStep) -> super::Aws<'a, toml::Table>;
}

/// What a pinning service reads from.
#[cfg(feature = "aws")]
pub struct PinRead<'a> {
    /// The clients of the environment.
    pub clients: &'a crate::aws::Clients,
    /// The environment's key.
    pub env_key: &'a str,
    /// Its declarations (the value under the service's key).
    pub declared: Option<&'a toml::Value>,
}

/// One resource a rollback points back.
#[cfg(feature = "aws")]
#[derive(Debug, Clone)]
pub struct PinStep {
    /// The resource.
    pub name: String,
    /// The plan's line (`re-point f:live  3 -> 2`).
    pub plan_line: String,
    /// The aws CLI command that does the same, quoted, without `--profile`.
    pub command: String,
    /// The pin it will serve.
    pub wanted: toml::Table,
}

/// A pinning service's part of a rollback.
#[cfg(feature = "aws")]
#[derive(Debug, Clone, Default)]
pub struct PinPlan {
    /// The resources to point back.
    pub steps: Vec<PinStep>,
    /// Resources serving another version than the target's that cannot be
    /// pointed back, in words.
    pub skipped: Vec<String>,
}
