//! `ledger.toml` and the journal keep a service's data as TOML values under
//! its key; only the service reads them. These turn such a value into the
//! service's own type and back.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// `value` as the service's type; None when it does not read as one (data
/// written by another version of `ledger`, or not by `ledger` at all).
pub fn typed<T: DeserializeOwned>(value: &toml::Value) -> Option<T> {
    value.clone().try_into().ok()
}

/// The TOML value of the service's data, to keep under its key.
pub fn erased<T: Serialize>(value: &T) -> Result<toml::Value, String> {
    toml::Value::try_from(value).map_err(|e| e.to_string())
}

/// A list of the service's type from a list of tables (pins).
pub fn typed_tables<T: DeserializeOwned>(tables: &[toml::Table]) -> Vec<T> {
    tables
        .iter()
        .filter_map(|t| typed(&toml::Value::Table(t.clone())))
        .collect()
}

/// The tables of a list of the service's type (pins).
pub fn erased_tables<T: Serialize>(items: &[T]) -> Result<Vec<toml::Table>, String> {
    items
        .iter()
        .map(|item| match erased(item)? {
            toml::Value::Table(table) => Ok(table),
            other => Err(format!("expected a table, got {}", other.type_str())),
        })
        .collect()
}

/// A declaration that does not read: which item of the list (when it is
/// one) and what is wrong, in serde's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadDeclaration {
    /// The item of the list, from 0.
    pub index: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// Checks that `value` is a list of `T`s, item by item.
pub fn check_list<T: DeserializeOwned>(value: &toml::Value) -> Result<(), BadDeclaration> {
    let toml::Value::Array(items) = value else {
        return Err(BadDeclaration {
            index: None,
            message: format!(
                "must be a list of tables ([[...]]), not a {}",
                value.type_str()
            ),
        });
    };
    for (index, item) in items.iter().enumerate() {
        if let Err(e) = item.clone().try_into::<T>() {
            return Err(BadDeclaration {
                index: Some(index),
                message: e.message().trim().to_string(),
            });
        }
    }
    Ok(())
}

/// The declarations under a service's key, as its rows (none when absent).
pub fn declared_list<T: DeserializeOwned>(declared: Option<&toml::Value>) -> Vec<T> {
    declared.and_then(typed).unwrap_or_default()
}
