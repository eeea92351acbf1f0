//! Declarations to add to `ledger.toml` for resources found in AWS
//! (`snapshot --discover`): printed as TOML, or appended to the file, every
//! line already there kept in place.

use toml_edit::value;

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

impl Declaration {
    /// A declaration of one resource by name in the list at `path`: `key`
    /// (`name`, `id`) is `name`.
    pub fn named(path: Vec<String>, key: &'static str, name: &str) -> Declaration {
        Declaration {
            path,
            keys: vec![(key, name.to_string())],
            comment: None,
        }
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
    use crate::config::Config;

    #[test]
    fn appended_declarations_join_their_arrays_and_leave_comments_in_place() {
        let text = "[project]\ntitle = \"T\"\n\n[environments.production]\nbucket = \"bkt\"\n\
                    # profile = \"admin\"\n\n[[environments.production.functions]]\nname = \"a\"\n\n\
                    [changelog]\nrelease_env = \"production\"\n# default_group = \"Changed\"\n";
        let path = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let declarations = vec![
            Declaration {
                comment: Some(
                    "aliases: blue, green; set alias = the one that serves traffic".into(),
                ),
                ..Declaration::named(
                    path(&["environments", "production", "functions"]),
                    "name",
                    "b\"q",
                )
            },
            Declaration::named(path(&["monitoring", "alarms"]), "name", "Errors"),
        ];
        let edited = add_to(text, &declarations);
        assert!(edited.starts_with(text), "{edited}");
        let config = Config::parse(std::path::Path::new("ledger.toml"), &edited).unwrap();
        let functions = &config.environments["production"].declared["functions"];
        let names: Vec<&str> = (functions.as_array().unwrap().iter())
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "b\"q"]);
        assert_eq!(
            config.monitoring.declared["alarms"][0]["name"].as_str(),
            Some("Errors")
        );
        assert!(
            edited.contains("# aliases: blue, green; set alias = the one that serves traffic\n")
        );
    }
}
