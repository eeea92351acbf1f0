//! One room per kind of AWS resource the ledger knows. A service owns all
//! of its kind: its declaration in `ledger.toml` (a list under its key),
//! its state in a snapshot (under its key of an entry's `inventory`), its
//! pins in a deploy where AWS versions it (under its key of the entry), its
//! table in the document (one declaration that render and import share),
//! how `show`, `live`, `diff` and `history` display it, its drift check,
//! its rollback where it has one, and its `--discover` proposal.
//!
//! The services implement [`Service`] (and [`Pinning`] where a deploy pins
//! them). The rest of the program iterates over [`REGISTRY`] and names no
//! service: `ledger.toml` and the journal hold a service's data under its
//! key, as TOML values only the service reads. Adding a service is one file
//! here, a line in [`REGISTRY`] and a block in the template.

pub mod alarms;
pub mod apigateway;
pub mod cloudfront;
pub mod dynamodb;
pub mod inventory;
pub mod lambda;
pub mod log_groups;
mod pins;
pub mod s3;
pub mod secrets;
pub mod ssm;
mod typed;

#[cfg(feature = "aws")]
mod reading;

pub use crate::model::{LivePins, PinAt, changed_pins, last_pins_change, live_pins, pin_name};
pub use inventory::{Described, Field};
pub use pins::{HistoryFlag, Ordered, PinUndo, Pinning, Served, pin_history};
#[cfg(feature = "aws")]
pub use pins::{PinPlan, PinRead, PinStep};
#[cfg(feature = "aws")]
pub use reading::{
    Discovered, Discovery, Missing, Proposal, StateRead, discover, read_inventory, read_pins,
};
pub use typed::{
    BadDeclaration, check_list, declared_list, erased, erased_tables, typed, typed_tables,
};

use crate::config::Environment;
use crate::document::TableView;
use crate::journal::Entry;

/// Every service, in the order the document prints their tables.
pub static REGISTRY: [&dyn Service; 9] = [
    &s3::S3,
    &cloudfront::CloudFront,
    &lambda::Lambda,
    &apigateway::ApiGateway,
    &dynamodb::DynamoDb,
    &secrets::Secrets,
    &ssm::Ssm,
    &alarms::Alarms,
    &log_groups::LogGroups,
];

/// Where a service's resources are declared in `ledger.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// A list under each environment: `[[environments.E.KEY]]`.
    Environment(&'static str),
    /// A list under `[monitoring]`, read by the release environment's
    /// snapshots: `[[monitoring.KEY]]`.
    Monitoring(&'static str),
}

impl Declared {
    /// The key of the list.
    pub fn key(&self) -> &'static str {
        match self {
            Declared::Environment(key) | Declared::Monitoring(key) => key,
        }
    }
}

/// What a table is laid out from: the declared rows, what the journal and
/// the latest snapshot know of them.
pub struct TableCx<'a> {
    /// The environment's key; for a monitoring table, the release environment's.
    pub env_key: &'a str,
    /// The environment (its deploy bucket, distribution, domain).
    pub env: &'a Environment,
    /// The service's declarations (the value under its key).
    pub declared: Option<&'a toml::Value>,
    /// The column order kept from an imported document.
    pub order: Option<&'a Vec<String>>,
    /// The service's state in the environment's latest snapshot.
    pub snapshot: Option<&'a toml::Value>,
    /// The entries in force, in journal order (derived columns: Last Deploy...).
    pub entries: &'a [Entry],
}

/// A kind of AWS resource, as the ledger declares, records, shows and
/// restores it.
pub trait Service: Sync {
    /// Its name in tables' `kind` and in `columns` of `ledger.toml` (`lambda`).
    fn kind(&self) -> &'static str;
    /// Where its resources are declared.
    fn declared_at(&self) -> Declared;
    /// Its key in a snapshot's `inventory`.
    fn state_key(&self) -> &'static str;
    /// Checks that its declarations read.
    fn check_declarations(&self, declared: &toml::Value) -> Result<(), BadDeclaration>;
    /// The names of the resources it declares in `env` (the deploy bucket
    /// and distribution count as declared).
    fn declared_names(&self, env: &Environment, declared: Option<&toml::Value>) -> Vec<String>;
    /// The heading of its table in the document.
    fn table_title(&self) -> &'static str;
    /// Its rows as the document prints them: the declared ones with what the
    /// journal and the latest snapshot know laid over them (a list of its
    /// declarations).
    fn rows(&self, cx: &TableCx<'_>) -> toml::Value;
    /// Its table, laid out from [`rows`](Self::rows); None when it has no rows.
    fn table(&self, cx: &TableCx<'_>) -> Option<TableView>;
    /// Reads its table back into declarations (the value under its key);
    /// None when the header lacks its key column.
    fn read_table(&self, header: &[String], rows: &[Vec<String>]) -> Option<toml::Value>;
    /// After an import, takes from its declarations what the environment's
    /// own keys say (the deploy bucket, the distribution), leaving out of
    /// them what the journal derives; the error in words.
    fn adopt(&self, _env: &mut Environment) -> Result<(), String> {
        Ok(())
    }
    /// Its state's resources field by field, in the document's words: what
    /// a snapshot's changes and drift compare.
    fn describe(&self, state: &toml::Value) -> Vec<Described>;
    /// `show`'s lines for its state in a snapshot.
    fn show(&self, state: &toml::Value) -> Vec<String>;
    /// What a snapshot read of it, for the report (`3 functions`).
    fn summary(&self, state: &toml::Value) -> Option<String>;
    /// Its pins, where a deploy pins the versions AWS serves.
    fn pinning(&self) -> Option<&dyn Pinning> {
        None
    }
    /// The cache behaviours its state says are served (the document's
    /// Cache Settings section), none by default.
    fn cache_behaviors(&self, _state: &toml::Value) -> Vec<crate::config::CacheBehavior> {
        Vec::new()
    }
    /// Reads its state for a snapshot (or for drift); None when it has
    /// nothing to read in this environment.
    #[cfg(feature = "aws")]
    fn read_state<'a>(&'a self, cx: &'a StateRead<'a>) -> Aws<'a, Option<toml::Value>>;
    /// What exists in the account by name, as declarations to propose
    /// (none by default: a service AWS cannot list, or one declared by the
    /// environment's own keys).
    #[cfg(feature = "aws")]
    fn discover<'a>(&'a self, _cx: &'a Discovery<'a>) -> Aws<'a, Vec<Proposal>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

/// An AWS read or write of a service, to await.
#[cfg(feature = "aws")]
pub type Aws<'a, T> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<T, crate::aws::AwsError>> + Send + 'a>,
>;

/// The service whose table is titled `title`.
pub fn by_table_title(title: &str) -> Option<&'static dyn Service> {
    REGISTRY.iter().copied().find(|s| s.table_title() == title)
}

/// The service whose pins are under `key` in an entry.
pub fn by_pin_key(key: &str) -> Option<&'static dyn Pinning> {
    pinning().find(|p| p.key() == key)
}

/// Every service that pins versions.
pub fn pinning() -> impl Iterator<Item = &'static dyn Pinning> {
    REGISTRY.iter().filter_map(|s| s.pinning())
}

/// The pinning services' blocks of a deploy, as the document's history
/// codec writes and reads them.
pub struct PinBlocks;

impl PinBlocks {
    /// The blocks of `entry`'s pins, in the registry's order.
    pub fn of(entry: &crate::journal::Entry) -> Vec<crate::document::history::PinBlock> {
        (pinning())
            .filter(|p| !entry.pins_of(p.key()).is_empty())
            .map(|p| crate::document::history::PinBlock {
                title: p.title(),
                lines: (entry.pins_of(p.key()).iter())
                    .map(|pin| p.block_line(pin))
                    .collect(),
            })
            .collect()
    }
}

impl crate::document::history::PinReader for PinBlocks {
    fn key_of(&self, title: &str) -> Option<&'static str> {
        pinning().find(|p| p.title() == title).map(|p| p.key())
    }

    fn read_line(&self, key: &str, line: &str) -> Option<toml::Table> {
        pinning()
            .find(|p| p.key() == key)
            .and_then(|p| p.read_block_line(line))
    }
}

/// `1 function`, `3 functions`; None for none.
pub(crate) fn count(n: usize, what: &str) -> Option<String> {
    match n {
        0 => None,
        1 => Some(format!("1 {what}")),
        n => Some(format!("{n} {what}s")),
    }
}

/// The value under a service's key in `env`'s declarations, or in
/// `[monitoring]`'s.
pub fn declarations<'a>(
    config: &'a crate::config::Config,
    env: &'a Environment,
    at: Declared,
) -> Option<&'a toml::Value> {
    match at {
        Declared::Environment(key) => env.declared.get(key),
        Declared::Monitoring(key) => config.monitoring.declared.get(key),
    }
}

/// Refuses a read that did not find every declared name, naming the absent
/// ones and where they are declared.
#[cfg(feature = "aws")]
pub(crate) fn refuse_absent(
    declared: &[String],
    found: &[&str],
    what: &str,
    operation: &'static str,
    list: &str,
) -> Result<(), crate::aws::AwsError> {
    let absent: Vec<String> = (declared.iter())
        .filter(|name| !found.contains(&name.as_str()))
        .map(|name| format!("`{name}`"))
        .collect();
    if absent.is_empty() {
        return Ok(());
    }
    let error = crate::aws::AwsError::NotFound {
        what: format!("{what} {}", absent.join(", ")),
        operation,
        hint: String::new(),
    };
    Err(crate::aws::error::declared_in(error, list))
}

/// Proposals of `[[monitoring.KEY]]` declarations by name.
#[cfg(feature = "aws")]
pub(crate) fn monitoring_proposals(key: &str, names: Vec<String>) -> Vec<Proposal> {
    let path = vec!["monitoring".to_string(), key.to_string()];
    (names.into_iter())
        .map(|name| Proposal {
            declaration: crate::config::declare::Declaration::named(path.clone(), "name", &name),
            name,
        })
        .collect()
}

/// Reads a table of an imported document titled `title` into the
/// declarations of the service whose table it is (after any rows already
/// there), and its column order into `columns`; false when no service
/// declared where `monitoring` says has such a table, or the header lacks
/// its key column.
pub fn read_table(
    monitoring: bool,
    (title, header, rows): (&str, &[String], &[Vec<String>]),
    declared: &mut toml::Table,
    columns: &mut indexmap::IndexMap<String, Vec<String>>,
) -> bool {
    let Some(service) = REGISTRY.iter().find(|s| {
        s.table_title() == title && matches!(s.declared_at(), Declared::Monitoring(_)) == monitoring
    }) else {
        return false;
    };
    let Some(toml::Value::Array(items)) = service.read_table(header, rows) else {
        return false;
    };
    let key = service.declared_at().key();
    match declared.get_mut(key) {
        Some(toml::Value::Array(existing)) => existing.extend(items),
        _ => {
            declared.insert(key.to_string(), toml::Value::Array(items));
        }
    }
    columns.insert(service.kind().to_string(), header.to_vec());
    true
}

/// Refuses, located in `text`, a key of an environment or of
/// `[monitoring]` that no service declares under, and declarations their
/// service cannot read: the services' half of reading `ledger.toml`.
pub fn check_config(
    config: &crate::config::Config,
    path: &std::path::Path,
    text: &str,
) -> Result<(), crate::config::ConfigError> {
    for (env_key, env) in &config.environments {
        for (key, value) in &env.declared {
            let at = ["environments", env_key.as_str(), key.as_str()];
            check_declared(false, (path, text, &at), value)?;
        }
    }
    for (key, value) in &config.monitoring.declared {
        check_declared(true, (path, text, &["monitoring", key.as_str()]), value)?;
    }
    Ok(())
}

/// `ledger.toml` in `ledger_dir`, read and checked ([`check_config`]).
pub fn load_config(
    ledger_dir: &std::path::Path,
) -> Result<crate::config::Config, crate::config::ConfigError> {
    crate::config::Config::load_checked(ledger_dir, check_config)
}

/// One declared key: a service's, and readable by it.
fn check_declared(
    monitoring: bool,
    (path, text, at): (&std::path::Path, &str, &[&str]),
    value: &toml::Value,
) -> Result<(), crate::config::ConfigError> {
    use crate::location::{Located, item_offset, value_offset};
    let key = at.last().copied().unwrap_or_default();
    let in_scope =
        |s: &&&dyn Service| matches!(s.declared_at(), Declared::Monitoring(_)) == monitoring;
    let located = |offset: Option<usize>, message: String| {
        crate::config::ConfigError::Invalid(Located::at_offset(
            path,
            text,
            offset.unwrap_or(0),
            message,
        ))
    };
    let Some(service) = REGISTRY
        .iter()
        .filter(in_scope)
        .find(|s| s.declared_at().key() == key)
    else {
        let mut known: Vec<&str> = if monitoring {
            vec!["columns", "separators"]
        } else {
            Environment::FIELDS.to_vec()
        };
        known.extend(
            REGISTRY
                .iter()
                .filter(in_scope)
                .map(|s| s.declared_at().key()),
        );
        let known: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        let message = format!(
            "unknown field `{key}`, expected one of {}",
            known.join(", ")
        );
        return Err(located(value_offset(text, at), message));
    };
    let Err(bad) = service.check_declarations(value) else {
        return Ok(());
    };
    let field = bad
        .message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    let offset = match bad.index {
        Some(index) => item_offset(text, at, index, field),
        None => value_offset(text, at),
    };
    Err(located(offset, bad.message))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    fn load(text: &str) -> Result<Config, String> {
        Config::parse_checked(Path::new("l.toml"), text, super::check_config)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn unknown_keys_are_reported_with_their_line() {
        let text = "[project]\ntitle = \"x\"\n\n[environments.production]\nbucket = \"bkt\"\nbukket = \"c\"\n";
        let message = load(text).unwrap_err();
        assert!(message.starts_with("l.toml:6:"), "{message}");
        assert!(message.contains("unknown field `bukket`"), "{message}");
        assert!(message.contains("`functions`"), "{message}");
        let monitoring = "[monitoring]\nalarm = [{ name = \"x\" }]\n";
        let message = load(monitoring).unwrap_err();
        assert!(message.starts_with("l.toml:2:"), "{message}");
        assert!(message.contains("`alarms`"), "{message}");
    }

    #[test]
    fn a_declaration_its_service_cannot_read_is_located_at_its_field() {
        let text = "[environments.production]\nbucket = \"bkt\"\n\n\
                    [[environments.production.functions]]\nname = \"a\"\n\n\
                    [[environments.production.functions]]\nname = \"b\"\nalais = \"live\"\n";
        let message = load(text).unwrap_err();
        assert!(message.starts_with("l.toml:9:"), "{message}");
        assert!(message.contains("unknown field `alais`"), "{message}");
        let missing = "[environments.production]\nbucket = \"bkt\"\n\n[[environments.production.tables]]\nbilling = \"x\"\n";
        let message = load(missing).unwrap_err();
        assert!(message.starts_with("l.toml:4:"), "{message}");
        assert!(message.contains("missing field `name`"), "{message}");
        let good = "[environments.production]\nbucket = \"bkt\"\n\n[[environments.production.functions]]\nname = \"a\"\nalias = \"live\"\n";
        assert!(load(good).is_ok());
    }
}
