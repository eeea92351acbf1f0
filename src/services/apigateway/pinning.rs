//! What a deploy pins of API Gateway: each declared stage's deployment,
//! under `apis` in the entry, named `API:STAGE`; how it is written in the
//! document, `show`, `live`, `diff` and `history`.

use serde_json::json;

use super::{KEY, StageDeployment, pinned, pins, resource, update_stage_command};
use crate::services::{HistoryFlag, Ordered, PinUndo, Pinning};

/// API Gateway's pins.
pub struct StagePins;

impl Pinning for StagePins {
    fn key(&self) -> &'static str {
        KEY
    }

    fn noun(&self) -> &'static str {
        "stage"
    }

    fn title(&self) -> &'static str {
        "API Gateway Stages"
    }

    fn block_line(&self, pin: &toml::Table) -> String {
        pinned(pin).map_or_else(String::new, |s| block_line(&s))
    }

    fn read_block_line(&self, line: &str) -> Option<toml::Table> {
        let rest = line.strip_prefix('`')?;
        let (api, rest) = rest.split_once("` (`")?;
        let (api_id, rest) = rest.split_once("`) stage `")?;
        let (stage_name, rest) = rest.split_once("`: deployment `")?;
        let deployment = rest.strip_suffix('`')?;
        let read = StageDeployment {
            name: resource(api, stage_name),
            api: api.to_string(),
            api_id: api_id.to_string(),
            stage: stage_name.to_string(),
            deployment: deployment.to_string(),
            created: None,
            description: None,
        };
        // Only what prints back the same is understood.
        (block_line(&read) == line)
            .then(|| pins(&[read]).pop())
            .flatten()
    }

    fn line(&self, pin: &toml::Table) -> String {
        let Some(s) = pinned(pin) else {
            return String::new();
        };
        let created = s.created.map(|t| format!(", created {t}"));
        let description = s.description.as_ref().map(|d| format!(", \"{d}\""));
        format!(
            "{} {} deployment {}{}{}",
            s.api,
            s.stage,
            s.deployment,
            created.unwrap_or_default(),
            description.unwrap_or_default()
        )
    }

    fn show_line(&self, pin: &toml::Table) -> String {
        let Some(s) = pinned(pin) else {
            return String::new();
        };
        format!(
            "    {:<40} {:>10}",
            format!("{} {}", s.api, s.stage),
            s.deployment
        )
    }

    fn live_json(&self, pin: &toml::Table) -> Ordered {
        let s = pinned(pin);
        Ordered(vec![
            ("api", json!(s.as_ref().map(|s| &s.api))),
            ("api_id", json!(s.as_ref().map(|s| &s.api_id))),
            ("stage", json!(s.as_ref().map(|s| &s.stage))),
            ("deployment", json!(s.as_ref().map(|s| &s.deployment))),
            (
                "created",
                json!(s.as_ref().and_then(|s| s.created.map(|t| t.to_string()))),
            ),
            (
                "description",
                json!(s.as_ref().and_then(|s| s.description.as_ref())),
            ),
        ])
    }

    fn serves_same(&self, a: &toml::Table, b: &toml::Table) -> bool {
        let served = |pin| pinned(pin).map(|s| s.deployment);
        served(a) == served(b)
    }

    fn change_line(
        &self,
        name: &str,
        from: Option<&toml::Table>,
        to: Option<&toml::Table>,
    ) -> String {
        let deployment = |pin: Option<&toml::Table>| {
            pin.and_then(pinned)
                .map_or("-".to_string(), |s| s.deployment)
        };
        let words = name.replacen(':', " ", 1);
        format!(
            "{words}: deployment {} -> {}",
            deployment(from),
            deployment(to)
        )
    }

    fn change_json(
        &self,
        name: &str,
        from: Option<&toml::Table>,
        to: Option<&toml::Table>,
    ) -> Ordered {
        let deployment =
            |pin: Option<&toml::Table>| json!(pin.and_then(pinned).map(|s| s.deployment));
        let (api, stage_name) = name.rsplit_once(':').unwrap_or((name, ""));
        Ordered(vec![
            ("api", json!(api)),
            ("stage", json!(stage_name)),
            ("from_deployment", deployment(from)),
            ("to_deployment", deployment(to)),
        ])
    }

    fn history_fields(&self, pin: &toml::Table) -> Ordered {
        let s = pinned(pin);
        Ordered(vec![
            ("deployment", json!(s.as_ref().map(|s| &s.deployment))),
            (
                "created",
                json!(s.as_ref().and_then(|s| s.created.map(|t| t.to_string()))),
            ),
            (
                "description",
                json!(s.as_ref().and_then(|s| s.description.as_ref())),
            ),
        ])
    }

    fn history_flags(&self) -> &'static [HistoryFlag] {
        &[
            HistoryFlag {
                long: "api",
                value_name: "NAME",
                help: "A REST API's stage instead of a key (with --stage): every deployment it \
                       served, with its interval",
            },
            HistoryFlag {
                long: "stage",
                value_name: "STAGE",
                help: "The stage of --api",
            },
        ]
    }

    fn history_columns(&self) -> [&'static str; 2] {
        ["DEPLOYMENT", "CREATED"]
    }

    fn history_cells(&self, pin: &toml::Table) -> [String; 2] {
        let s = pinned(pin);
        [
            s.as_ref().map_or("-".into(), |s| s.deployment.clone()),
            (s.and_then(|s| s.created)).map_or("-".into(), |t| t.to_string()),
        ]
    }

    fn undo_comment(&self) -> &'static str {
        "Point API Gateway stages back"
    }

    fn undo_key(&self) -> &'static str {
        "stages"
    }

    fn undo(&self, before: &toml::Table, now: &toml::Table) -> Option<PinUndo> {
        let (before, now) = (pinned(before)?, pinned(now)?);
        if before.deployment == now.deployment {
            return None;
        }
        let fields = Ordered(vec![
            ("api", json!(now.api)),
            ("api_id", json!(now.api_id)),
            ("stage", json!(now.stage)),
            ("deployment", json!(before.deployment)),
        ]);
        Some(PinUndo {
            fields,
            command: update_stage_command(&now.api_id, &now.stage, &before.deployment),
        })
    }

    #[cfg(feature = "aws")]
    fn capture<'a>(
        &'a self,
        cx: &'a crate::services::PinRead<'a>,
    ) -> crate::services::Aws<'a, Vec<toml::Table>> {
        Box::pin(async move {
            let stages = super::capture::serving(cx.clients, cx.declared).await?;
            Ok(pins(&stages))
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

/// `` `picasso-api` (`a1b2c3`) stage `prod`: deployment `d4e5f6` ``, the
/// document's line.
fn block_line(s: &StageDeployment) -> String {
    format!(
        "`{}` (`{}`) stage `{}`: deployment `{}`",
        s.api, s.api_id, s.stage, s.deployment
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_line_reads_back_as_its_pin() {
        let pin = StageDeployment {
            name: "picasso-api:prod".into(),
            api: "picasso-api".into(),
            api_id: "a1b2c3d4e5".into(),
            stage: "prod".into(),
            deployment: "xyz123".into(),
            created: None,
            description: None,
        };
        let line = block_line(&pin);
        assert_eq!(
            line,
            "`picasso-api` (`a1b2c3d4e5`) stage `prod`: deployment `xyz123`"
        );
        assert_eq!(
            StagePins.read_block_line(&line).and_then(|t| pinned(&t)),
            Some(pin)
        );
        assert!(StagePins.read_block_line("`api` stage `prod`").is_none());
        let table = toml::Table::new();
        let change = StagePins.change_line("picasso-api:prod", None, Some(&table));
        assert_eq!(change, "picasso-api prod: deployment - -> -");
    }
}
