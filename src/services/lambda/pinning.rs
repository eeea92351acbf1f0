//! What a deploy pins of Lambda: for each declared function, the version
//! that serves traffic and its code, under `functions` in the entry; how it
//! is written in the document, `show`, `live`, `diff` and `history`.

use serde_json::json;

use super::{FunctionVersion, pins, update_alias_command};
use crate::document::format::short_code;
use crate::services::{HistoryFlag, Ordered, PinUndo, Pinning, typed_tables};

/// The key of Lambda's pins in an entry.
pub const KEY: &str = "functions";

/// Lambda's pins.
pub struct FunctionPins;

/// A pin as Lambda's type (None when it does not read as one).
fn function(pin: &toml::Table) -> Option<FunctionVersion> {
    typed_tables(std::slice::from_ref(pin)).pop()
}

impl Pinning for FunctionPins {
    fn key(&self) -> &'static str {
        KEY
    }

    fn noun(&self) -> &'static str {
        "function"
    }

    fn title(&self) -> &'static str {
        "Lambda Versions"
    }

    fn block_line(&self, pin: &toml::Table) -> String {
        function(pin).map_or_else(String::new, |f| block_line(&f))
    }

    fn read_block_line(&self, line: &str) -> Option<toml::Table> {
        let (name, rest) = line.strip_prefix('`')?.split_once('`')?;
        let (alias, rest) = match rest.strip_prefix(" (alias `") {
            Some(rest) => {
                let (alias, rest) = rest.split_once("`)")?;
                (Some(alias.to_string()), rest)
            }
            None => (None, rest),
        };
        let rest = rest.strip_prefix(": version ")?;
        let (version, code) = match rest.split_once(" (code `") {
            Some((version, code)) => (version, Some(code.strip_suffix("`)")?.to_string())),
            None => (rest, None),
        };
        let read = FunctionVersion {
            name: name.to_string(),
            alias,
            version: version.to_string(),
            code_sha256: code,
        };
        // Only what prints back the same is understood.
        let again = block_line(&read) == line && !read.version.is_empty();
        again.then(|| pins(&[read]).pop()).flatten()
    }

    fn line(&self, pin: &toml::Table) -> String {
        let Some(f) = function(pin) else {
            return String::new();
        };
        format!(
            "{}{} version {}{}",
            f.name,
            f.alias
                .as_deref()
                .map(|a| format!(":{a}"))
                .unwrap_or_default(),
            f.version,
            (f.code_sha256.as_deref())
                .map(|c| format!(" (code {c})"))
                .unwrap_or_default()
        )
    }

    fn show_line(&self, pin: &toml::Table) -> String {
        let Some(f) = function(pin) else {
            return String::new();
        };
        let name = match &f.alias {
            Some(alias) => format!("{}:{alias}", f.name),
            None => f.name.clone(),
        };
        format!(
            "    {name:<40} {:>10}  {}",
            f.version,
            f.code_sha256.as_deref().unwrap_or("")
        )
    }

    fn live_json(&self, pin: &toml::Table) -> Ordered {
        let f = function(pin);
        Ordered(vec![
            ("name", json!(f.as_ref().map(|f| &f.name))),
            ("alias", json!(f.as_ref().and_then(|f| f.alias.as_ref()))),
            ("version", json!(f.as_ref().map(|f| &f.version))),
            (
                "code_sha256",
                json!(f.as_ref().and_then(|f| f.code_sha256.as_ref())),
            ),
        ])
    }

    fn serves_same(&self, a: &toml::Table, b: &toml::Table) -> bool {
        let served = |pin| function(pin).map(|f| (f.version, f.code_sha256));
        served(a) == served(b)
    }

    fn change_line(
        &self,
        name: &str,
        from: Option<&toml::Table>,
        to: Option<&toml::Table>,
    ) -> String {
        let (from, to) = (from.and_then(function), to.and_then(function));
        let version =
            |f: &Option<FunctionVersion>| f.as_ref().map_or("-".to_string(), |f| f.version.clone());
        let code = |f: &Option<FunctionVersion>| {
            short_code(f.as_ref().and_then(|f| f.code_sha256.as_deref()))
        };
        format!(
            "function {name} version {} (code {}) -> {} (code {})",
            version(&from),
            code(&from),
            version(&to),
            code(&to)
        )
    }

    fn change_json(
        &self,
        name: &str,
        from: Option<&toml::Table>,
        to: Option<&toml::Table>,
    ) -> Ordered {
        let (from, to) = (from.and_then(function), to.and_then(function));
        let code =
            |f: &Option<FunctionVersion>| json!(f.as_ref().and_then(|f| f.code_sha256.as_ref()));
        Ordered(vec![
            ("name", json!(name)),
            ("from_version", json!(from.as_ref().map(|f| &f.version))),
            ("to_version", json!(to.as_ref().map(|f| &f.version))),
            ("from_code_sha256", code(&from)),
            ("to_code_sha256", code(&to)),
        ])
    }

    fn history_fields(&self, pin: &toml::Table) -> Ordered {
        let f = function(pin);
        Ordered(vec![
            ("alias", json!(f.as_ref().and_then(|f| f.alias.as_ref()))),
            ("version", json!(f.as_ref().map(|f| &f.version))),
            (
                "code_sha256",
                json!(f.as_ref().and_then(|f| f.code_sha256.as_ref())),
            ),
        ])
    }

    fn history_flags(&self) -> &'static [HistoryFlag] {
        &[HistoryFlag {
            long: "function",
            value_name: "NAME",
            help: "A Lambda function instead of a key: every version it served, with its interval",
        }]
    }

    fn history_columns(&self) -> [&'static str; 2] {
        ["VERSION", "CODE"]
    }

    fn history_cells(&self, pin: &toml::Table) -> [String; 2] {
        let f = function(pin);
        [
            f.as_ref().map_or("-".into(), |f| f.version.clone()),
            short_code(f.as_ref().and_then(|f| f.code_sha256.as_deref())),
        ]
    }

    fn undo_comment(&self) -> &'static str {
        "Point Lambda aliases back"
    }

    fn undo_key(&self) -> &'static str {
        "aliases"
    }

    fn undo(&self, before: &toml::Table, now: &toml::Table) -> Option<PinUndo> {
        let (before, now) = (function(before)?, function(now)?);
        let alias = now.alias.clone()?;
        if before.version == now.version || before.version == "$LATEST" {
            return None;
        }
        let fields = Ordered(vec![
            ("function", json!(now.name)),
            ("alias", json!(alias)),
            ("version", json!(before.version)),
        ]);
        Some(PinUndo {
            fields,
            command: update_alias_command(&now.name, &alias, &before.version),
        })
    }

    #[cfg(feature = "aws")]
    fn capture<'a>(
        &'a self,
        cx: &'a crate::services::PinRead<'a>,
    ) -> crate::services::Aws<'a, Vec<toml::Table>> {
        Box::pin(async move {
            let versions = super::capture::serving_versions(cx.clients, cx.declared).await?;
            Ok(pins(&versions))
        })
    }

    #[cfg(feature = "aws")]
    fn drift<'a>(
        &'a self,
        cx: &'a crate::services::PinRead<'a>,
        pinned: &'a crate::services::LivePins<'a>,
    ) -> crate::services::Aws<'a, Vec<String>> {
        Box::pin(super::capture::drift(cx, pinned))
    }

    #[cfg(feature = "aws")]
    fn plan<'a>(
        &'a self,
        cx: &'a crate::services::PinRead<'a>,
        wanted: &'a crate::services::LivePins<'a>,
        target: u64,
    ) -> crate::services::Aws<'a, crate::services::PinPlan> {
        Box::pin(super::rollback::plan(cx, wanted, target))
    }

    #[cfg(feature = "aws")]
    fn apply<'a>(
        &'a self,
        cx: &'a crate::services::PinRead<'a>,
        step: &'a crate::services::PinStep,
    ) -> crate::services::Aws<'a, toml::Table> {
        Box::pin(super::rollback::apply(cx, step))
    }
}

/// `` `name` (alias `live`): version 3 (code `SHA`) ``, the document's line.
fn block_line(f: &FunctionVersion) -> String {
    format!(
        "`{}`{}: version {}{}",
        f.name,
        (f.alias.as_deref())
            .map(|a| format!(" (alias `{a}`)"))
            .unwrap_or_default(),
        f.version,
        (f.code_sha256.as_deref())
            .map(|c| format!(" (code `{c}`)"))
            .unwrap_or_default()
    )
}
