//! An entry on disk (TOML) and in the read cache and outputs (JSON): its
//! keys in the order docs/journal-format.md gives, unset ones left out.
//! Every key [`Entry`] names is read as its type and refused when
//! malformed; any other key must hold an array of tables, which are a
//! service's pins (`functions`...) and are written after `files`. Written
//! by hand because serde's `flatten` would give up the refusal of unknown
//! keys and the cache's speed.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::entry::{Entry, Pins, is_false};

/// The keys an entry names, in the order they are written.
const FIELDS: [&str; 25] = [
    "seq",
    "kind",
    "env",
    "version",
    "commit",
    "commits",
    "deployed_at",
    "build_time",
    "deployed_by",
    "imported",
    "restores",
    "redeploy",
    "no_aws",
    "voids",
    "reason",
    "notes",
    "prev_hash",
    "hash",
    "signature",
    "invalidation",
    "release",
    "inventory",
    "changes",
    "files",
    "extra",
];

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("seq", &self.seq)?;
        map.serialize_entry("kind", &self.kind)?;
        map.serialize_entry("env", &self.env)?;
        optional(&mut map, "version", &self.version)?;
        optional(&mut map, "commit", &self.commit)?;
        list(&mut map, "commits", &self.commits)?;
        map.serialize_entry("deployed_at", &self.deployed_at)?;
        optional(&mut map, "build_time", &self.build_time)?;
        optional(&mut map, "deployed_by", &self.deployed_by)?;
        flag(&mut map, "imported", self.imported)?;
        optional(&mut map, "restores", &self.restores)?;
        flag(&mut map, "redeploy", self.redeploy)?;
        flag(&mut map, "no_aws", self.no_aws)?;
        optional(&mut map, "voids", &self.voids)?;
        optional(&mut map, "reason", &self.reason)?;
        list(&mut map, "notes", &self.notes)?;
        map.serialize_entry("prev_hash", &self.prev_hash)?;
        map.serialize_entry("hash", &self.hash)?;
        optional(&mut map, "signature", &self.signature)?;
        optional(&mut map, "invalidation", &self.invalidation)?;
        optional(&mut map, "release", &self.release)?;
        optional(&mut map, "inventory", &self.inventory)?;
        list(&mut map, "changes", &self.changes)?;
        list(&mut map, "files", &self.files)?;
        for (key, pins) in &self.pins {
            list(&mut map, key, pins)?;
        }
        list(&mut map, "extra", &self.extra)?;
        map.end()
    }
}

fn optional<M: SerializeMap, T: Serialize>(
    map: &mut M,
    key: &str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => map.serialize_entry(key, value),
        None => Ok(()),
    }
}

fn list<M: SerializeMap, T: Serialize>(
    map: &mut M,
    key: &str,
    items: &[T],
) -> Result<(), M::Error> {
    if items.is_empty() {
        return Ok(());
    }
    map.serialize_entry(key, items)
}

fn flag<M: SerializeMap>(map: &mut M, key: &str, value: bool) -> Result<(), M::Error> {
    if is_false(&value) {
        return Ok(());
    }
    map.serialize_entry(key, &value)
}

/// A key of an entry: one [`FIELDS`] names (by position), or another.
enum Key {
    Named(usize),
    Other(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an entry key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match FIELDS.iter().position(|f| *f == key) {
                    Some(at) => Key::Named(at),
                    None => Key::Other(key.to_string()),
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Entry, D::Error> {
        deserializer.deserialize_map(EntryVisitor)
    }
}

struct EntryVisitor;

/// Reads the value of a key once; a second sight of it is an error.
fn once<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    key: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(key));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// The entry's values as read, before the required ones are checked.
#[derive(Default)]
struct Read {
    seq: Option<u64>,
    kind: Option<super::EntryKind>,
    env: Option<String>,
    version: Option<String>,
    commit: Option<String>,
    commits: Option<Vec<String>>,
    deployed_at: Option<crate::timestamp::Timestamp>,
    build_time: Option<crate::timestamp::WrittenTime>,
    deployed_by: Option<String>,
    imported: Option<bool>,
    restores: Option<u64>,
    redeploy: Option<bool>,
    no_aws: Option<bool>,
    voids: Option<u64>,
    reason: Option<String>,
    notes: Option<Vec<String>>,
    prev_hash: Option<String>,
    hash: Option<String>,
    signature: Option<String>,
    invalidation: Option<super::Invalidation>,
    release: Option<super::ReleaseNotes>,
    inventory: Option<super::Inventory>,
    changes: Option<Vec<super::Change>>,
    files: Option<Vec<super::FileChange>>,
    extra: Option<Vec<String>>,
    pins: Pins,
}

impl Read {
    /// Reads the value of the key `FIELDS[at]`.
    fn named<'de, A: MapAccess<'de>>(&mut self, map: &mut A, at: usize) -> Result<(), A::Error> {
        let key = FIELDS[at];
        match at {
            0 => once(map, &mut self.seq, key),
            1 => once(map, &mut self.kind, key),
            2 => once(map, &mut self.env, key),
            3 => once(map, &mut self.version, key),
            4 => once(map, &mut self.commit, key),
            5 => once(map, &mut self.commits, key),
            6 => once(map, &mut self.deployed_at, key),
            7 => once(map, &mut self.build_time, key),
            8 => once(map, &mut self.deployed_by, key),
            9 => once(map, &mut self.imported, key),
            10 => once(map, &mut self.restores, key),
            11 => once(map, &mut self.redeploy, key),
            12 => once(map, &mut self.no_aws, key),
            13 => once(map, &mut self.voids, key),
            14 => once(map, &mut self.reason, key),
            15 => once(map, &mut self.notes, key),
            16 => once(map, &mut self.prev_hash, key),
            17 => once(map, &mut self.hash, key),
            18 => once(map, &mut self.signature, key),
            19 => once(map, &mut self.invalidation, key),
            20 => once(map, &mut self.release, key),
            21 => once(map, &mut self.inventory, key),
            22 => once(map, &mut self.changes, key),
            23 => once(map, &mut self.files, key),
            _ => once(map, &mut self.extra, key),
        }
    }

    /// Reads the value of a key no field names: a service's pins.
    fn other<'de, A: MapAccess<'de>>(&mut self, map: &mut A, key: String) -> Result<(), A::Error> {
        let value: toml::Value = map.next_value()?;
        let pins = match value {
            toml::Value::Array(items) if !items.is_empty() => (items.into_iter())
                .map(|item| match item {
                    toml::Value::Table(table) => Some(table),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>(),
            _ => None,
        };
        let Some(pins) = pins else {
            return Err(de::Error::unknown_field(&key, &FIELDS));
        };
        if self.pins.insert(key.clone(), pins).is_some() {
            return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
        }
        Ok(())
    }

    fn finish<E: de::Error>(self) -> Result<Entry, E> {
        let required = |name: &'static str| E::missing_field(name);
        Ok(Entry {
            seq: self.seq.ok_or_else(|| required("seq"))?,
            kind: self.kind.ok_or_else(|| required("kind"))?,
            env: self.env.ok_or_else(|| required("env"))?,
            version: self.version,
            commit: self.commit,
            commits: self.commits.unwrap_or_default(),
            deployed_at: self.deployed_at.ok_or_else(|| required("deployed_at"))?,
            build_time: self.build_time,
            deployed_by: self.deployed_by,
            imported: self.imported.unwrap_or_default(),
            restores: self.restores,
            redeploy: self.redeploy.unwrap_or_default(),
            no_aws: self.no_aws.unwrap_or_default(),
            voids: self.voids,
            reason: self.reason,
            notes: self.notes.unwrap_or_default(),
            prev_hash: self.prev_hash.ok_or_else(|| required("prev_hash"))?,
            hash: self.hash.ok_or_else(|| required("hash"))?,
            signature: self.signature,
            invalidation: self.invalidation,
            release: self.release,
            inventory: self.inventory,
            changes: self.changes.unwrap_or_default(),
            files: self.files.unwrap_or_default(),
            pins: self.pins,
            extra: self.extra.unwrap_or_default(),
        })
    }
}

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a journal entry")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
        let mut read = Read::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Named(at) => read.named(&mut map, at)?,
                Key::Other(key) => read.other(&mut map, key)?,
            }
        }
        read.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::EntryKind;
    use crate::timestamp::Timestamp;

    fn entry() -> Entry {
        let mut pin = toml::Table::new();
        pin.insert("name".into(), "api".into());
        pin.insert("version".into(), "3".into());
        let mut entry = Entry {
            seq: 4,
            version: Some("v1".into()),
            prev_hash: "p".into(),
            hash: "h".into(),
            extra: vec!["kept".into()],
            ..Entry::new(
                EntryKind::Deploy,
                "production",
                Timestamp::parse_stored("2026-01-05").unwrap(),
            )
        };
        entry.pins.insert("functions".into(), vec![pin]);
        entry
    }

    #[test]
    fn an_entry_reads_back_from_toml_and_json_with_its_pins_before_extra() {
        let entry = entry();
        let json = serde_json::to_string(&entry).unwrap();
        assert!(
            json.find("\"functions\"") < json.find("\"extra\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Entry>(&json).unwrap(), entry);
        let text = toml::to_string(&entry).unwrap();
        assert_eq!(toml::from_str::<Entry>(&text).unwrap(), entry);
    }

    #[test]
    fn a_key_that_holds_no_pins_is_refused_and_required_keys_are_checked() {
        let mut table: toml::Table = toml::from_str(&toml::to_string(&entry()).unwrap()).unwrap();
        table.insert("injected".into(), "x".into());
        let error = toml::Value::Table(table.clone())
            .try_into::<Entry>()
            .unwrap_err();
        assert!(
            error.to_string().contains("unknown field `injected`"),
            "{error}"
        );
        table.remove("injected");
        table.remove("hash");
        let error = toml::Value::Table(table).try_into::<Entry>().unwrap_err();
        assert!(
            error.to_string().contains("missing field `hash`"),
            "{error}"
        );
    }
}
