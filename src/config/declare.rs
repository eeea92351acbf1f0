//! Declarations to add to `ledger.toml` for resources found in AWS
//! (`snapshot --discover`): printed as TOML, or appended to the file, every
//! line already there kept in place.

use toml_edit::value;

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
    // `[monitoring]` is read by the release environment's snapshots, with
    // its account and region: only what that environment finds belongs there.
    if env != config.changelog.release_env {
        return out;
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

/// `text` (a `ledger.toml`) with the declarations appended at its end, so
/// that every line already there (commented-out settings included) stays
/// where it was. TOML lets an array of tables gain elements after other
/// tables; the caller checks that the result loads.
pub fn add_to(text: &str, declarations: &[Declaration]) -> String {
    let mut edited = text.to_string();
    if !edited.is_empty() && !edited.ends_with('\n') {
        edited.push('\n');
    }
    edited.push_str("\n# Declared by `ledger snapshot --discover`.\n");
    edited.push_str(&to_toml(declarations));
    edited
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_declarations_join_their_arrays_and_leave_comments_in_place() {
        let text = "[project]\ntitle = \"T\"\n\n[environments.production]\nbucket = \"b\"\n\
                    # profile = \"admin\"\n\n[[environments.production.functions]]\nname = \"a\"\n\n\
                    [changelog]\nrelease_env = \"production\"\n# default_group = \"Changed\"\n";
        let declarations = vec![
            function_declaration(
                vec![
                    "environments".into(),
                    "production".into(),
                    "functions".into(),
                ],
                &FoundFunction {
                    name: "b\"q".into(),
                    aliases: vec!["blue".into(), "green".into()],
                },
            ),
            named(vec!["monitoring".into(), "alarms".into()], "name", "Errors"),
        ];
        let edited = add_to(text, &declarations);
        assert!(edited.starts_with(text), "{edited}");
        let config = Config::parse(std::path::Path::new("ledger.toml"), &edited).unwrap();
        let names: Vec<&str> = config.environments["production"]
            .functions
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b\"q"]);
        assert_eq!(config.monitoring.alarms[0].name, "Errors");
        assert!(
            edited.contains("# aliases: blue, green; set alias = the one that serves traffic\n")
        );
    }

    #[test]
    fn monitoring_is_proposed_for_the_release_environment_only() {
        let text =
            "[environments.production]\nbucket = \"p\"\n\n[environments.staging]\nbucket = \"s\"\n";
        let config = Config::parse(std::path::Path::new("ledger.toml"), text).unwrap();
        let found = Discovered {
            tables: vec!["t".into()],
            alarms: vec!["Errors".into()],
            log_groups: vec!["/aws/lambda/f".into()],
            ..Discovered::default()
        };
        let paths = |env: &str| -> Vec<String> {
            missing_declarations(&config, env, &found)
                .iter()
                .map(|d| d.path.join("."))
                .collect()
        };
        assert_eq!(paths("staging"), ["environments.staging.tables"]);
        assert_eq!(
            paths("production"),
            [
                "environments.production.tables",
                "monitoring.alarms",
                "monitoring.log_groups"
            ]
        );
    }
}
