//! What a deploy pins of SSM: each declared parameter's version (its
//! type, data type and last change, never its value), under `parameters`
//! in the entry; how it is written in the document, `show`, `live`,
//! `diff` and `history`.

use serde_json::json;

use super::{KEY, ParameterVersion, pinned, pins, restore_command};
use crate::services::{HistoryFlag, Ordered, PinUndo, Pinning};

/// SSM's pins.
pub struct ParameterPins;

impl Pinning for ParameterPins {
    fn key(&self) -> &'static str {
        KEY
    }

    fn noun(&self) -> &'static str {
        "parameter"
    }

    fn title(&self) -> &'static str {
        "SSM Parameters"
    }

    fn block_line(&self, pin: &toml::Table) -> String {
        pinned(pin).map_or_else(String::new, |p| block_line(&p))
    }

    fn read_block_line(&self, line: &str) -> Option<toml::Table> {
        let rest = line.strip_prefix('`')?;
        let (name, rest) = rest.rsplit_once("`: version ")?;
        let (version, kind) = rest.split_once(" (")?;
        let read = ParameterVersion {
            name: name.to_string(),
            version: version.parse().ok()?,
            kind: kind.strip_suffix(')')?.to_string(),
            data_type: None,
            last_modified: None,
        };
        // Only what prints back the same is understood.
        (block_line(&read) == line)
            .then(|| pins(&[read]).pop())
            .flatten()
    }

    fn line(&self, pin: &toml::Table) -> String {
        let Some(p) = pinned(pin) else {
            return String::new();
        };
        format!(
            "{} version {} ({}{})",
            p.name,
            p.version,
            p.kind,
            (p.last_modified.as_ref())
                .map(|t| format!(", written {t}"))
                .unwrap_or_default()
        )
    }

    fn show_line(&self, pin: &toml::Table) -> String {
        let Some(p) = pinned(pin) else {
            return String::new();
        };
        format!("    {:<40} {:>10}  {}", p.name, p.version, p.kind)
    }

    fn live_json(&self, pin: &toml::Table) -> Ordered {
        let p = pinned(pin);
        Ordered(vec![
            ("name", json!(p.as_ref().map(|p| &p.name))),
            ("version", json!(p.as_ref().map(|p| p.version))),
            ("type", json!(p.as_ref().map(|p| &p.kind))),
            (
                "data_type",
                json!(p.as_ref().and_then(|p| p.data_type.as_ref())),
            ),
            (
                "last_modified",
                json!(
                    p.as_ref()
                        .and_then(|p| p.last_modified.map(|t| t.to_string()))
                ),
            ),
        ])
    }

    fn serves_same(&self, a: &toml::Table, b: &toml::Table) -> bool {
        let served = |pin| pinned(pin).map(|p| p.version);
        served(a) == served(b)
    }

    fn change_line(
        &self,
        name: &str,
        from: Option<&toml::Table>,
        to: Option<&toml::Table>,
    ) -> String {
        let version = |pin: Option<&toml::Table>| {
            pin.and_then(pinned)
                .map_or("-".to_string(), |p| p.version.to_string())
        };
        format!("parameter {name} {} -> {}", version(from), version(to))
    }

    fn change_json(
        &self,
        name: &str,
        from: Option<&toml::Table>,
        to: Option<&toml::Table>,
    ) -> Ordered {
        let version = |pin: Option<&toml::Table>| json!(pin.and_then(pinned).map(|p| p.version));
        Ordered(vec![
            ("name", json!(name)),
            ("from_version", version(from)),
            ("to_version", version(to)),
        ])
    }

    fn history_fields(&self, pin: &toml::Table) -> Ordered {
        let p = pinned(pin);
        Ordered(vec![
            ("version", json!(p.as_ref().map(|p| p.version))),
            ("type", json!(p.as_ref().map(|p| &p.kind))),
            (
                "last_modified",
                json!(
                    p.as_ref()
                        .and_then(|p| p.last_modified.map(|t| t.to_string()))
                ),
            ),
        ])
    }

    fn history_flags(&self) -> &'static [HistoryFlag] {
        &[HistoryFlag {
            long: "parameter",
            value_name: "NAME",
            help: "An SSM parameter instead of a key: every version it served, with its interval",
        }]
    }

    fn history_columns(&self) -> [&'static str; 2] {
        ["VERSION", "TYPE"]
    }

    fn history_cells(&self, pin: &toml::Table) -> [String; 2] {
        let p = pinned(pin);
        [
            p.as_ref().map_or("-".into(), |p| p.version.to_string()),
            p.map_or("-".into(), |p| p.kind),
        ]
    }

    fn undo_comment(&self) -> &'static str {
        "Write SSM parameters' earlier versions back (each value read by the command, never shown)"
    }

    fn undo_key(&self) -> &'static str {
        "parameters"
    }

    fn undo(&self, before: &toml::Table, now: &toml::Table) -> Option<PinUndo> {
        let (before, now) = (pinned(before)?, pinned(now)?);
        if before.version == now.version {
            return None;
        }
        let fields = Ordered(vec![
            ("parameter", json!(now.name)),
            ("version", json!(before.version)),
            ("type", json!(before.kind)),
        ]);
        Some(PinUndo {
            fields,
            command: restore_command(&now.name, before.version, &before.kind),
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

/// `` `/app/prod/api-url`: version 4 (String) ``, the document's line.
fn block_line(p: &ParameterVersion) -> String {
    format!("`{}`: version {} ({})", p.name, p.version, p.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_line_reads_back_as_its_pin() {
        let pin = ParameterVersion {
            name: "/app/prod/api-url".into(),
            version: 4,
            kind: "StringList".into(),
            data_type: None,
            last_modified: None,
        };
        let line = block_line(&pin);
        assert_eq!(line, "`/app/prod/api-url`: version 4 (StringList)");
        let read = ParameterPins.read_block_line(&line).unwrap();
        assert_eq!(pinned(&read), Some(pin));
        assert!(
            ParameterPins
                .read_block_line("`x`: version four (String)")
                .is_none()
        );
    }
}
