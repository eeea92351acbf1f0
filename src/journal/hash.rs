//! The hash chain: the canonical form of an entry and its SHA-256.
//!
//! An entry's hash is the lowercase hex SHA-256 of its canonical JSON: the
//! entry's TOML table with the `hash` and `signature` keys removed (the
//! signature signs the hash), converted to JSON with
//! object keys sorted, no insignificant whitespace, integers as integers and
//! TOML datetimes (never written by `ledger`) as their RFC 3339 text. The
//! table includes `prev_hash`, which chains each entry to the one before.

use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The keys the hash does not cover: itself, and the signature of it.
const UNHASHED: [&str; 2] = ["hash", "signature"];

/// The canonical JSON of an entry table, without its `hash` and
/// `signature` keys.
pub fn canonical_json(entry: &toml::Table) -> String {
    let mut object = serde_json::Map::new();
    for (key, value) in entry {
        if !UNHASHED.contains(&key.as_str()) {
            object.insert(key.clone(), to_json(value));
        }
    }
    // serde_json's Map is ordered by key (no `preserve_order`), so this is canonical.
    serde_json::Value::Object(object).to_string()
}

/// The hash of an entry table, as stored in its `hash` key.
pub fn entry_hash(entry: &toml::Table) -> String {
    sha256_hex(canonical_json(entry).as_bytes())
}

/// SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or_else(|| J::String(f.to_string()), J::Number)
        }
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.iter().map(to_json).collect()),
        toml::Value::Table(table) => {
            J::Object(table.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_does_not_matter_but_values_do() {
        let a: toml::Table = toml::from_str("b = 1\na = \"x\"\nhash = \"zzz\"").unwrap();
        let b: toml::Table = toml::from_str("a = \"x\"\nb = 1").unwrap();
        let c: toml::Table = toml::from_str("a = \"x\"\nb = 2").unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":"x","b":1}"#);
        assert_eq!(entry_hash(&a), entry_hash(&b));
        assert_ne!(entry_hash(&a), entry_hash(&c));
    }

    #[test]
    fn nested_tables_are_sorted_too() {
        let a: toml::Table = toml::from_str("[[files]]\nz = 1\nk = \"a\"").unwrap();
        assert_eq!(canonical_json(&a), r#"{"files":[{"k":"a","z":1}]}"#);
    }
}
