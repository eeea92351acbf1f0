//! SSM Parameter Store: the parameters an environment declares (under
//! `parameters`: a name, or a path ending in `/` for every parameter under
//! it), the version each serves, read by snapshots and pinned by every
//! deploy that changed it, and restored by a rollback that writes the
//! recorded version's value as a new version ([`rollback`]).
//!
//! Only metadata is read (DescribeParameters: name, type, version, data
//! type, last change). No value is ever kept, printed or logged; a rollback
//! reads a `String` or `StringList` value from the parameter's history to
//! write it back and forgets it, and never decrypts a `SecureString`.

#[cfg(feature = "aws")]
mod calls;
#[cfg(feature = "aws")]
mod capture;
mod pinning;
#[cfg(feature = "aws")]
mod rollback;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    BadDeclaration, Declared, Described, Pinning, Service, TableCx, check_list, declared_list,
    erased, typed, typed_tables,
};
use crate::document::{Column, Table, TableView};
use crate::timestamp::Timestamp;

/// An SSM parameter row of the document, as declared: one parameter by
/// name, or with a name ending in `/`, every parameter under that path.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterDecl {
    /// The parameter's name (`/picasso/production/api-url`), or a path
    /// (`/picasso/production/`).
    pub name: String,
    /// Its type as the document says (`String`, `StringList`, `SecureString`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The version as the document says.
    #[serde(default)]
    pub version: Option<String>,
    /// Its last change as the document says.
    #[serde(default)]
    pub last_modified: Option<String>,
    /// Other columns, by heading, as Markdown cells.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extra: IndexMap<String, String>,
}

crate::table_rows!(ParameterDecl);

impl ParameterDecl {
    /// Whether it declares every parameter under a path.
    pub fn is_path(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// A parameter's version as SSM describes it (never its value): what a
/// snapshot reads, and what a deploy pins.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterVersion {
    /// The parameter's name.
    pub name: String,
    /// The version it serves (1, 2, 3...).
    pub version: u64,
    /// `String`, `StringList` or `SecureString`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `text`, `aws:ec2:image`...
    #[serde(default)]
    pub data_type: Option<String>,
    /// When that version was written.
    #[serde(default)]
    pub last_modified: Option<Timestamp>,
}

impl ParameterVersion {
    /// Whether its value is encrypted: the ledger never decrypts it.
    pub fn is_secure(&self) -> bool {
        self.kind == "SecureString"
    }
}

/// The key of SSM's declarations, state and pins.
pub const KEY: &str = "parameters";

/// `### SSM Parameters`.
static PARAMETERS: Table<ParameterDecl> = Table {
    kind: "ssm",
    title: "SSM Parameters",
    columns: &[
        Column::code_key("Parameter", |p| &p.name, |p, v| p.name = v),
        Column::text("Type", |p| p.kind.as_deref(), |p| &mut p.kind),
        Column::always(Column::text(
            "Version",
            |p| p.version.as_deref(),
            |p| &mut p.version,
        )),
        Column::always(Column::text(
            "Last Modified",
            |p| p.last_modified.as_deref(),
            |p| &mut p.last_modified,
        )),
    ],
};

/// The SSM Parameter Store service.
pub struct Ssm;

impl Service for Ssm {
    fn kind(&self) -> &'static str {
        PARAMETERS.kind
    }

    fn declared_at(&self) -> Declared {
        Declared::Environment(KEY)
    }

    fn state_key(&self) -> &'static str {
        KEY
    }

    fn check_declarations(&self, declared: &toml::Value) -> Result<(), BadDeclaration> {
        check_list::<ParameterDecl>(declared)
    }

    fn declared_names(
        &self,
        _: &crate::config::Environment,
        declared: Option<&toml::Value>,
    ) -> Vec<String> {
        let rows: Vec<ParameterDecl> = declared_list(declared);
        rows.into_iter().map(|p| p.name).collect()
    }

    fn table_title(&self) -> &'static str {
        PARAMETERS.title
    }

    fn rows(&self, cx: &TableCx<'_>) -> toml::Value {
        erased(&overlaid(cx)).unwrap_or_else(|_| toml::Value::Array(Vec::new()))
    }

    fn table(&self, cx: &TableCx<'_>) -> Option<TableView> {
        let view = PARAMETERS.layout(&overlaid(cx), cx.order);
        (!view.rows.is_empty()).then_some(view)
    }

    fn read_table(&self, header: &[String], rows: &[Vec<String>]) -> Option<toml::Value> {
        erased(&PARAMETERS.read(header, rows)?).ok()
    }

    fn describe(&self, state: &toml::Value) -> Vec<Described> {
        let states: Vec<ParameterVersion> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|p| {
                Described::new("SSM parameter", &p.name)
                    .field("type", Some(p.kind.clone()))
                    .field("data type", p.data_type.clone())
                    .deployed("version", Some(p.version.to_string()))
            })
            .collect()
    }

    fn show(&self, state: &toml::Value) -> Vec<String> {
        let states: Vec<ParameterVersion> = typed(state).unwrap_or_default();
        (states.iter())
            .map(|p| {
                format!(
                    "  parameter     {} (version {}, {}{})",
                    p.name,
                    p.version,
                    p.kind,
                    (p.last_modified.as_ref())
                        .map(|t| format!(", modified {t}"))
                        .unwrap_or_default()
                )
            })
            .collect()
    }

    fn summary(&self, state: &toml::Value) -> Option<String> {
        let states: Vec<ParameterVersion> = typed(state)?;
        super::count(states.len(), "parameter")
    }

    fn pinning(&self) -> Option<&dyn Pinning> {
        Some(&pinning::ParameterPins)
    }

    #[cfg(feature = "aws")]
    fn read_state<'a>(
        &'a self,
        cx: &'a super::StateRead<'a>,
    ) -> super::Aws<'a, Option<toml::Value>> {
        Box::pin(capture::read_state(cx))
    }

    #[cfg(feature = "aws")]
    fn discover<'a>(
        &'a self,
        cx: &'a super::Discovery<'a>,
    ) -> super::Aws<'a, Vec<super::Proposal>> {
        Box::pin(capture::discover(cx))
    }
}

/// The rows the table prints: every parameter the journal pinned or the
/// latest snapshot read under a declaration (a path stands for the
/// parameters under it), with its type, version and last change; a
/// declaration nothing was read for yet, as declared.
fn overlaid(cx: &TableCx<'_>) -> Vec<ParameterDecl> {
    let declared: Vec<ParameterDecl> = declared_list(cx.declared);
    let mut known: IndexMap<String, ParameterVersion> = IndexMap::new();
    let states: Vec<ParameterVersion> = cx.snapshot.and_then(typed).unwrap_or_default();
    for state in states {
        known.insert(state.name.clone(), state);
    }
    // What deploys pinned is newer than a snapshot when they came after it.
    let live = super::live_pins(cx.entries, cx.env_key, KEY, u64::MAX);
    for at in live.values() {
        if let Some(pinned) = pinned(at.pin)
            && (known.get(&pinned.name)).is_none_or(|k| k.version <= pinned.version)
        {
            known.insert(pinned.name.clone(), pinned);
        }
    }
    let mut rows = Vec::new();
    for decl in declared {
        let under: Vec<&ParameterVersion> = (known.values())
            .filter(|p| covers(&decl, &p.name))
            .collect();
        if under.is_empty() {
            rows.push(decl);
            continue;
        }
        for found in under {
            if rows.iter().any(|r: &ParameterDecl| r.name == found.name) {
                continue;
            }
            // What the declaration says of this very parameter (an imported
            // document's row) stands where the journal knows nothing better.
            let own = (!decl.is_path()).then_some(&decl);
            rows.push(ParameterDecl {
                name: found.name.clone(),
                kind: Some(found.kind.clone()),
                version: Some(found.version.to_string()),
                last_modified: (found.last_modified.as_ref())
                    .map(Timestamp::date_string)
                    .or_else(|| own.and_then(|d| d.last_modified.clone())),
                extra: own.map(|d| d.extra.clone()).unwrap_or_default(),
            });
        }
    }
    rows
}

/// Whether a declaration names parameter `name`: the name itself, or a
/// path it lies under.
pub fn covers(decl: &ParameterDecl, name: &str) -> bool {
    match decl.is_path() {
        true => name.starts_with(&decl.name),
        false => decl.name == name,
    }
}

/// A pin as SSM's type (None when it does not read as one).
pub fn pinned(pin: &toml::Table) -> Option<ParameterVersion> {
    typed_tables(std::slice::from_ref(pin)).pop()
}

/// The pins of `versions`, to keep in an entry.
fn pins(versions: &[ParameterVersion]) -> Vec<toml::Table> {
    super::erased_tables(versions).unwrap_or_default()
}

/// The aws CLI command that writes version `version` of a parameter back
/// as its newest version, its value read by the command itself (never
/// printed by the ledger); a `SecureString`'s read decrypts it, which the
/// person running it needs the right to do.
fn restore_command(name: &str, version: u64, kind: &str) -> String {
    use crate::document::format::shell_word;
    let decrypt = if kind == "SecureString" {
        " --with-decryption"
    } else {
        ""
    };
    format!(
        "aws ssm put-parameter --name {} --type {} --overwrite --value \"$(aws ssm get-parameter --name {}{decrypt} --query Parameter.Value --output text)\"",
        shell_word(name),
        shell_word(kind),
        shell_word(&format!("{name}:{version}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(name: &str) -> ParameterDecl {
        ParameterDecl {
            name: name.into(),
            ..ParameterDecl::default()
        }
    }

    #[test]
    fn a_path_covers_the_parameters_under_it_and_a_name_itself() {
        assert!(covers(&decl("/app/prod/"), "/app/prod/api-url"));
        assert!(covers(&decl("/app/prod/"), "/app/prod/db/host"));
        assert!(!covers(&decl("/app/prod/"), "/app/production/x"));
        assert!(covers(&decl("/app/prod/api-url"), "/app/prod/api-url"));
        assert!(!covers(&decl("/app/prod/api"), "/app/prod/api-url"));
    }

    #[test]
    fn the_restore_command_reads_the_value_itself_and_prints_none() {
        let command = restore_command("/app/prod/api-url", 3, "String");
        assert_eq!(
            command,
            "aws ssm put-parameter --name /app/prod/api-url --type String --overwrite --value \
             \"$(aws ssm get-parameter --name /app/prod/api-url:3 --query Parameter.Value --output text)\""
        );
        let secure = restore_command("/app/prod/db password", 2, "SecureString");
        assert!(secure.contains("--with-decryption"), "{secure}");
        assert!(secure.contains("'/app/prod/db password:2'"), "{secure}");
    }
}
