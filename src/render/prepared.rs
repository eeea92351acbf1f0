//! A template ready to render: compiled, with tera's own copy of the
//! context as JSON values. On a long ledger nearly all of that copy is the
//! deploys: it is made in two halves on two threads, and the document is
//! rendered in those halves too when the template allows it (`split`).

use serde_json::{Map, Value};
use tera::Tera;

use super::{Context, RenderError, split, tera_error};

/// Tera's name for the template as written.
pub(super) const WHOLE: &str = "document";
/// Tera's name for the template with its deploys loop marked.
pub(super) const HALVES: &str = "document, in halves";

/// A compiled template with tera's copy of its context, to render.
pub struct Prepared {
    origin: String,
    tera: Tera,
    /// Whether [`HALVES`] was compiled.
    halves: bool,
    /// The context but its deploys.
    rest: Map<String, Value>,
    /// The newer half of the deploys (they are newest first).
    newer: Vec<Value>,
    /// The older half.
    older: Vec<Value>,
}

impl Prepared {
    /// Makes tera's copy of `context` for the compiled templates.
    pub(super) fn new(
        origin: String,
        tera: Tera,
        halves: bool,
        context: Context,
    ) -> Result<Prepared, RenderError> {
        let (rest, newer, older) = json_parts(context).map_err(|e| tera_error(&origin, e))?;
        Ok(Prepared {
            origin,
            tera,
            halves,
            rest,
            newer,
            older,
        })
    }

    /// Renders the document, ending in exactly one newline.
    pub fn render(self) -> Result<String, RenderError> {
        let origin = self.origin.clone();
        let mut text = self.render_text().map_err(|e| tera_error(&origin, e))?;
        // Exactly one trailing newline, whatever the template's last line does.
        let trimmed = text.trim_end_matches(['\n', ' ']).len();
        text.truncate(trimmed);
        text.push('\n');
        Ok(text)
    }

    fn render_text(mut self) -> tera::Result<String> {
        if !self.halves || self.newer.is_empty() || self.older.is_empty() {
            let context = with_deploys(self.rest, self.newer, self.older, false)?;
            let text = self.tera.render(WHOLE, &context);
            // Freeing half a million JSON values took a tenth of a second
            // on a long ledger: beside the writing of the document instead.
            crate::parallel::drop_beside(context);
            return text;
        }
        let (joined, context) = self.render_in_halves()?;
        if !cfg!(debug_assertions)
            && let Some(joined) = joined
        {
            crate::parallel::drop_beside(context);
            return Ok(joined);
        }
        // The whole template, once: when the halves do not join, and in
        // debug builds (the tests) to check that they join into it.
        let context = rejoined(context)?;
        let whole = self.tera.render(WHOLE, &context)?;
        crate::parallel::drop_beside(context);
        if let Some(joined) = joined {
            assert!(
                joined == whole,
                "the deploy history rendered in halves differs from the whole rendering"
            );
        }
        Ok(whole)
    }

    /// The marked template rendered with each half of the deploys on a
    /// thread: (the two renderings joined, if they join; the two contexts,
    /// which took the deploys and the rest).
    fn render_in_halves(&mut self) -> tera::Result<(Option<String>, Halves)> {
        let tera = &self.tera;
        let render_half = |rest, deploys| -> tera::Result<(String, tera::Context)> {
            let context = with_deploys(rest, deploys, Vec::new(), true)?;
            Ok((tera.render(HALVES, &context)?, context))
        };
        let (rest, newer, older) = (
            std::mem::take(&mut self.rest),
            std::mem::take(&mut self.newer),
            std::mem::take(&mut self.older),
        );
        let rest_copy = rest.clone();
        let (newer, older) = crate::parallel::both(
            || render_half(rest_copy, newer),
            || render_half(rest, older),
        );
        let ((newer_text, newer), (older_text, older)) = (newer?, older?);
        Ok((split::join(&newer_text, &older_text), (newer, older)))
    }
}

/// The contexts of the two halves: the newer deploys', the older's.
type Halves = (tera::Context, tera::Context);

/// The parts of tera's copy of the context: all but the deploys, the
/// newer half of the deploys, the older half.
type JsonParts = (Map<String, Value>, Vec<Value>, Vec<Value>);

/// tera's copy of the context, as JSON values: (all but the deploys, the
/// newer half of the deploys, the older half), each half on a thread.
fn json_parts(mut context: Context) -> Result<JsonParts, tera::Error> {
    let deploys = std::mem::take(&mut context.deploys);
    let (newer, older) = deploys.split_at(deploys.len() / 2);
    let (newer, (older, rest)) = crate::parallel::both(
        || serde_json::to_value(newer),
        || (serde_json::to_value(older), serde_json::to_value(&context)),
    );
    let json = |e: serde_json::Error| tera::Error::msg(format!("building the context: {e}"));
    match (
        newer.map_err(json)?,
        older.map_err(json)?,
        rest.map_err(json)?,
    ) {
        (Value::Array(newer), Value::Array(older), Value::Object(rest)) => Ok((rest, newer, older)),
        _ => Err(tera::Error::msg("the context is not an object of lists")),
    }
}

/// A tera context: `rest` with `newer` and `older` as its deploys, and the
/// split markers when `marked`.
fn with_deploys(
    mut rest: Map<String, Value>,
    mut newer: Vec<Value>,
    older: Vec<Value>,
    marked: bool,
) -> tera::Result<tera::Context> {
    newer.extend(older);
    rest.insert("deploys".into(), Value::Array(newer));
    if marked {
        rest.insert(split::START.into(), split::START_MARK.into());
        rest.insert(split::END.into(), split::END_MARK.into());
    }
    tera::Context::from_value(Value::Object(rest))
}

/// The whole context again, from the contexts of the two halves.
fn rejoined((newer, older): Halves) -> tera::Result<tera::Context> {
    let deploys = |context: tera::Context| match context.into_json() {
        Value::Object(mut map) => {
            let deploys = match map.remove("deploys") {
                Some(Value::Array(deploys)) => deploys,
                _ => Vec::new(),
            };
            map.remove(split::START);
            map.remove(split::END);
            (map, deploys)
        }
        _ => (Map::new(), Vec::new()),
    };
    let (rest, newer) = deploys(newer);
    let (_, older) = deploys(older);
    with_deploys(rest, newer, older, false)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;
    use crate::journal::{Entry, EntryKind, FileAction, FileChange};
    use crate::model::tests::entry;
    use crate::render::{Template, TemplateOrigin};

    fn prepared(entries: &[Entry]) -> Prepared {
        let config = Config::parse(
            Path::new("ledger.toml"),
            "[project]\ntitle = \"Shop\"\n[environments.production]\nbucket = \"b\"\n",
        )
        .unwrap();
        let context = crate::render::build(&config, entries, None, None).unwrap();
        (Template::load(TemplateOrigin::Builtin("aws-versions")).unwrap())
            .prepare(context)
            .unwrap()
    }

    #[test]
    fn the_version_document_renders_in_halves_as_it_does_whole() {
        let put = |key: &str| FileChange {
            size: Some(2048),
            action: FileAction::Put,
            ..FileChange::deleted(key)
        };
        let mut entries: Vec<Entry> = (1..=5)
            .map(|seq| entry(seq, "production", &format!("v{seq}"), "abcdef1", vec![]))
            .collect();
        entries[0].files = vec![put("index.html"), put("app|1.js")];
        entries[1].files = vec![FileChange::deleted("old.js")];
        entries[2].kind = EntryKind::Rollback;
        entries[2].restores = Some(1);
        entries[4].voids = Some(4);
        entries[4].kind = EntryKind::Void;
        let mut halves = prepared(&entries);
        assert!(halves.halves, "the built-in template's loop is marked");
        let (joined, contexts) = halves.render_in_halves().unwrap();
        let joined = joined.expect("the halves join");
        let whole = halves
            .tera
            .render(WHOLE, &rejoined(contexts).unwrap())
            .unwrap();
        assert_eq!(joined, whole);
        for text in [
            "Rollback to v1",
            "Correction",
            "`index.html`",
            "app\\|1.js",
            "`old.js`",
        ] {
            assert!(whole.contains(text), "{text} in\n{whole}");
        }
    }

    #[test]
    fn one_deploy_is_rendered_whole() {
        let entries = [entry(1, "production", "v1", "abcdef1", vec![])];
        let one = prepared(&entries);
        assert!(one.older.is_empty() || one.newer.is_empty());
        assert!(one.render().unwrap().contains("Deploy v1"));
    }
}
