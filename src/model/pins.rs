//! Pins: each service's versions an entry recorded, under the service's
//! key, one TOML table per resource whose `name` names it. The folds here
//! know no service: which pins exist is the services' business.

use std::collections::BTreeMap;

use crate::journal::Entry;

/// A pin in force and the entry that recorded it.
#[derive(Debug, Clone, Copy)]
pub struct PinAt<'a> {
    /// The entry's seq.
    pub seq: u64,
    /// The pin.
    pub pin: &'a toml::Table,
}

/// The pins of one service in force in an environment, by resource name.
pub type LivePins<'a> = BTreeMap<String, PinAt<'a>>;

pub use crate::journal::questions::pin_name;

/// Folds the pins under `key` of `env`'s deploys and rollbacks in
/// `entries` (in force, in order) with `seq <= upto`.
pub fn live_pins<'a>(entries: &'a [Entry], env: &str, key: &str, upto: u64) -> LivePins<'a> {
    let mut live = LivePins::new();
    for entry in entries
        .iter()
        .filter(|e| e.env == env && e.seq <= upto && e.kind.changes_files())
    {
        for pin in entry.pins_of(key) {
            live.insert(
                pin_name(pin).to_string(),
                PinAt {
                    seq: entry.seq,
                    pin,
                },
            );
        }
    }
    live
}

/// The pins of `current` that differ from those in force (`previous`):
/// what a deploy records.
pub fn changed_pins(previous: &LivePins<'_>, current: &[toml::Table]) -> Vec<toml::Table> {
    current
        .iter()
        .filter(|now| {
            previous
                .get(pin_name(now))
                .is_none_or(|before| before.pin != *now)
        })
        .cloned()
        .collect()
}

/// The last entry of `env` (in force, in `entries`) that pinned anything
/// under `key`.
pub fn last_pins_change<'a>(entries: &'a [Entry], env: &str, key: &str) -> Option<&'a Entry> {
    crate::journal::questions::Last::Pins(key.to_string()).find(entries, env)
}

/// Every service's pins in force in `env` after entry `upto`, by key then
/// resource name.
pub fn all_live_pins<'a>(
    entries: &'a [Entry],
    env: &str,
    upto: u64,
) -> BTreeMap<String, LivePins<'a>> {
    let mut live: BTreeMap<String, LivePins<'a>> = BTreeMap::new();
    for entry in entries
        .iter()
        .filter(|e| e.env == env && e.seq <= upto && e.kind.changes_files())
    {
        for (key, pins) in &entry.pins {
            let of_key = live.entry(key.clone()).or_default();
            for pin in pins {
                of_key.insert(
                    pin_name(pin).to_string(),
                    PinAt {
                        seq: entry.seq,
                        pin,
                    },
                );
            }
        }
    }
    live
}
