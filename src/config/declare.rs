//! Declarations to add to `ledger.toml` for resources found in AWS
//! (`snapshot --discover`): printed as TOML, or added to the file with its
//! comments and layout kept (toml_edit).

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::Config;
use crate::capture::{Discovered, FoundFunction};

/// The aliases proposed as the one that serves traffic, in order of preference.
const SERVING_ALIASES: [&str; 4] = ["live", "prod", "production", "current"];

/// One declaration: the array it goes to (`functions` of an environment,
/// `alarms` of monitoring...) and its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// `environments.E.functions`, `monitoring.alarms`...
    pub path: Vec<String>,
    /// Keys and values, in order.
    pub keys: Vec<(&'static str, String)>,
    /// A comment for the person reading it (the aliases to choose from).
    pub comment: Option<String>,
}

/// What `config` lacks of `found`, as declarations for environment `env`
/// (alarms and log groups go to `[monitoring]`).
pub fn missing_declarations(config: &Config, env: &str, found: &Discovered) -> Vec<Declaration> {
    let environment = config.environments.get(env);
    let declared = |list: &[&str], name: &str| list.contains(&name);
    let in_env = |kind: &str| -> Vec<String> {
        vec!["environments".into(), env.to_string(), kind.to_string()]
    };
    let mut out = Vec::new();
    let functions: Vec<&str> = environment.map_or_else(Vec::new, |e| {
        e.functions.iter().map(|f| f.name.as_str()).collect()
    });
    for function in &found.functions {
        if !declared(&functions, &function.name) {
            out.push(function_declaration(in_env("functions"), function));
        }
    }
    let tables: Vec<&str> = environment.map_or_else(Vec::new, |e| {
        e.tables.iter().map(|t| t.name.as_str()).collect()
    });
    for name in found.tables.iter().filter(|n| !declared(&tables, n)) {
        out.push(named(in_env("tables"), "name", name));
    }
    let secrets: Vec<&str> = environment.map_or_else(Vec::new, |e| {
        e.secrets.iter().map(|s| s.id.as_str()).collect()
    });
    for id in found.secrets.iter().filter(|n| !declared(&secrets, n)) {
        out.push(named(in_env("secrets"), "id", id));
    }
    let monitoring = |kind: &str| vec!["monitoring".to_string(), kind.to_string()];
    let alarms: Vec<&str> = config
        .monitoring
        .alarms
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    for name in found.alarms.iter().filter(|n| !declared(&alarms, n)) {
        out.push(named(monitoring("alarms"), "name", name));
    }
    let groups: Vec<&str> = config
        .monitoring
        .log_groups
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    for name in found.log_groups.iter().filter(|n| !declared(&groups, n)) {
        out.push(named(monitoring("log_groups"), "name", name));
    }
    out
}

fn named(path: Vec<String>, key: &'static str, name: &str) -> Declaration {
    Declaration {
        path,
        keys: vec![(key, name.to_string())],
        comment: None,
    }
}

/// A function's declaration, with the alias that serves traffic when one
/// is plain to see: a conventional name, or the only alias.
fn function_declaration(path: Vec<String>, function: &FoundFunction) -> Declaration {
    let mut keys = vec![("name", function.name.clone())];
    let serving = SERVING_ALIASES
        .iter()
        .find(|a| function.aliases.iter().any(|f| f == *a))
        .map(|a| a.to_string())
        .or_else(|| match function.aliases.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        });
    let comment = match &serving {
        Some(_) => None,
        None if function.aliases.is_empty() => Some(
            "no alias: rollback cannot re-point it (publish versions behind an alias)".to_string(),
        ),
        None => Some(format!(
            "aliases: {}; set alias = the one that serves traffic",
            function.aliases.join(", ")
        )),
    };
    if let Some(alias) = serving {
        keys.push(("alias", alias));
    }
    Declaration {
        path,
        keys,
        comment,
    }
}

/// The declarations as TOML to paste into `ledger.toml`.
pub fn to_toml(declarations: &[Declaration]) -> String {
    let mut text = String::new();
    for declaration in declarations {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!("[[{}]]\n", dotted(&declaration.path)));
        for (key, val) in &declaration.keys {
            text.push_str(&format!(
                "{key} = {}\n",
                value(val.as_str()).to_string().trim()
            ));
        }
        if let Some(comment) = &declaration.comment {
            text.push_str(&format!("# {comment}\n"));
        }
    }
    text
}

/// A dotted TOML path, each key quoted when it must be.
fn dotted(path: &[String]) -> String {
    path.iter()
        .map(|key| {
            let bare = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if bare {
                key.clone()
            } else {
                value(key.as_str()).to_string().trim().to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `text` (a `ledger.toml`) with the declarations added, its comments and
/// layout kept. Fails when a path crosses a key that is not a table.
pub fn add_to(text: &str, declarations: &[Declaration]) -> Result<String, String> {
    let mut document: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    for declaration in declarations {
        let (array_key, parents) = declaration
            .path
            .split_last()
            .ok_or_else(|| "empty declaration path".to_string())?;
        let mut table: &mut Table = document.as_table_mut();
        for key in parents {
            let item = table.entry(key).or_insert_with(|| {
                let mut implicit = Table::new();
                implicit.set_implicit(true);
                Item::Table(implicit)
            });
            table = item
                .as_table_mut()
                .ok_or_else(|| format!("`{key}` in ledger.toml is not a table"))?;
        }
        let array = table
            .entry(array_key)
            .or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()))
            .as_array_of_tables_mut()
            .ok_or_else(|| format!("`{array_key}` in ledger.toml is not an array of tables"))?;
        let mut row = Table::new();
        for (key, val) in &declaration.keys {
            row.insert(key, value(val.as_str()));
        }
        array.push(row);
    }
    Ok(document.to_string())
}
