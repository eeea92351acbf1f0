//! What Lambda is asked: each declared function's settings (snapshots), the
//! version each serves (deploys, drift), and the functions an account holds
//! (`--discover`).

use super::{FunctionDecl, FunctionState, FunctionVersion, calls};
use crate::aws::{AwsError, Clients};
use crate::config::declare::Declaration;
use crate::document::format::short_code;
use crate::services::{
    Discovery, LivePins, PinRead, Proposal, StateRead, declared_list, erased, typed_tables,
};

/// The aliases proposed as the one that serves traffic, in order of preference.
const SERVING_ALIASES: [&str; 4] = ["live", "prod", "production", "current"];

/// Every declared function's settings, its versions and aliases.
pub async fn read_state(cx: &StateRead<'_>) -> Result<Option<toml::Value>, AwsError> {
    let declared: Vec<FunctionDecl> = declared_list(cx.declared);
    let mut states = Vec::new();
    for function in &declared {
        let read = calls::function(cx.clients, &function.name).await;
        if let Some(state) = cx.keep(read, &cx.in_env("functions"))? {
            if cx.missing == crate::services::Missing::Refuse {
                check_alias(&state, function.alias.as_deref(), cx.env_key)?;
            }
            states.push(state);
        }
    }
    if states.is_empty() {
        return Ok(None);
    }
    erased(&states).map(Some).map_err(AwsError::Refused)
}

/// Refuses a declared alias the function does not have: every record and
/// rollback would fail on it later.
fn check_alias(state: &FunctionState, alias: Option<&str>, key: &str) -> Result<(), AwsError> {
    let Some(alias) = alias else {
        return Ok(());
    };
    if state.aliases.iter().any(|a| a.name == alias) {
        return Ok(());
    }
    let known: Vec<&str> = state.aliases.iter().map(|a| a.name.as_str()).collect();
    Err(AwsError::NotFound {
        what: format!("alias `{alias}` of Lambda function `{}`", state.name),
        operation: "lambda:ListAliases",
        hint: format!(
            "check `alias` of the function under `[[environments.{key}.functions]]` in \
             ledger.toml; its aliases are: {}",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ),
    })
}

/// The serving version of every declared function, in declaration order.
pub async fn serving_versions(
    clients: &Clients,
    declared: Option<&toml::Value>,
) -> Result<Vec<FunctionVersion>, AwsError> {
    let declared: Vec<FunctionDecl> = declared_list(declared);
    let mut versions = Vec::with_capacity(declared.len());
    for function in &declared {
        versions.push(serving_version(clients, function).await?);
    }
    Ok(versions)
}

/// The serving version of one declared function.
pub async fn serving_version(
    clients: &Clients,
    function: &FunctionDecl,
) -> Result<FunctionVersion, AwsError> {
    let name = &function.name;
    let version = match &function.alias {
        Some(alias) => calls::alias_version(clients, name, alias).await?,
        None => calls::latest_version(clients, name)
            .await?
            .unwrap_or_else(|| "$LATEST".into()),
    };
    let code = calls::version_code(clients, name, &version).await?;
    Ok(FunctionVersion {
        name: name.clone(),
        alias: function.alias.clone(),
        version,
        code_sha256: (!code.is_empty()).then_some(code),
    })
}

/// The versions the declared functions serve against the ones deploys and
/// rollbacks pinned: one line per function that differs.
pub async fn drift(cx: &PinRead<'_>, pinned: &LivePins<'_>) -> Result<Vec<String>, AwsError> {
    let declared: Vec<FunctionDecl> = declared_list(cx.declared);
    let mut lines = Vec::new();
    for function in &declared {
        let Some(at) = pinned.get(&function.name) else {
            continue;
        };
        let Some(recorded) = typed_tables::<FunctionVersion>(std::slice::from_ref(at.pin)).pop()
        else {
            continue;
        };
        let serving = match serving_version(cx.clients, function).await {
            Ok(serving) => serving,
            Err(AwsError::NotFound { what, .. }) => {
                lines.push(format!(
                    "{}: gone from AWS ({what} does not exist); the ledger recorded version {}",
                    function.name, recorded.version
                ));
                continue;
            }
            Err(error) => return Err(error),
        };
        if recorded.version != serving.version || recorded.code_sha256 != serving.code_sha256 {
            lines.push(format!(
                "{}: serves version {} (code {}); the ledger recorded version {} (code {}) (#{})",
                serving.name,
                serving.version,
                short_code(serving.code_sha256.as_deref()),
                recorded.version,
                short_code(recorded.code_sha256.as_deref()),
                at.seq
            ));
        }
    }
    Ok(lines)
}

/// The functions that start with the prefix, each proposed with the alias
/// that serves traffic when one is plain to see.
pub async fn discover(cx: &Discovery<'_>) -> Result<Vec<Proposal>, AwsError> {
    let mut found = Vec::new();
    for name in calls::function_names(cx.clients, cx.prefix).await? {
        let aliases = calls::alias_names(cx.clients, &name).await?;
        let path = ["environments", cx.env_key, "functions"].map(String::from);
        found.push(Proposal {
            declaration: declaration(path.to_vec(), &name, &aliases),
            name,
        });
    }
    Ok(found)
}

/// A function's declaration, with the alias that serves traffic when one
/// is plain to see: a conventional name, or the only alias.
fn declaration(path: Vec<String>, name: &str, aliases: &[String]) -> Declaration {
    let mut keys = vec![("name", name.to_string())];
    let serving = SERVING_ALIASES
        .iter()
        .find(|a| aliases.iter().any(|f| f == *a))
        .map(|a| a.to_string())
        .or_else(|| match aliases {
            [only] => Some(only.clone()),
            _ => None,
        });
    let comment = match &serving {
        Some(_) => None,
        None if aliases.is_empty() => Some(
            "no alias: rollback cannot re-point it (publish versions behind an alias)".to_string(),
        ),
        None => Some(format!(
            "aliases: {}; set alias = the one that serves traffic",
            aliases.join(", ")
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
