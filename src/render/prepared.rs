//! A template ready to render: compiled, with the context's deploys kept
//! as views and the rest copied into JSON values, tera's form. On a long
//! ledger nearly all of the document is the deploy history, and its JSON
//! copy took two thirds of render's memory: a template that allows it
//! (`split` marks the loop, `loop_check` confirms) is rendered in pieces
//! of the history, on two threads, each piece's copy made and freed in
//! turn; another is rendered whole.

use serde_json::{Map, Value};
use tera::Tera;

use super::context::EntryView;
use super::{Context, RenderError, split, tera_error};

/// Tera's name for the template (as written, or with its loop marked).
pub(super) const DOCUMENT: &str = "document";

/// About how many deploys one piece of the history holds.
const PIECE_DEPLOYS: usize = 1000;

/// A compiled template with its context, to render.
pub struct Prepared<'a> {
    origin: String,
    /// The template as written.
    whole: Tera,
    /// The template with its deploys loop marked, when it renders in
    /// pieces.
    pieces: Option<Tera>,
    /// tera's copy of the context but its deploys.
    rest: Map<String, Value>,
    /// The deploys, newest first.
    deploys: Vec<EntryView<'a>>,
}

impl<'a> Prepared<'a> {
    /// Copies all of `context` but its deploys into JSON values.
    pub(super) fn new(
        origin: String,
        whole: Tera,
        pieces: Option<Tera>,
        mut context: Context<'a>,
    ) -> Result<Prepared<'a>, RenderError> {
        let deploys = std::mem::take(&mut context.deploys);
        let rest = match serde_json::to_value(&context) {
            Ok(Value::Object(rest)) => rest,
            Ok(_) => return Err(tera_error(&origin, json_error("not an object"))),
            Err(e) => return Err(tera_error(&origin, json_error(e))),
        };
        Ok(Prepared {
            origin,
            whole,
            pieces,
            rest,
            deploys,
        })
    }

    /// Renders the document, ending in exactly one newline.
    pub fn render(self) -> Result<String, RenderError> {
        let mut text = self
            .render_text()
            .map_err(|e| tera_error(&self.origin, e))?;
        // Exactly one trailing newline, whatever the template's last line does.
        let trimmed = text.trim_end_matches(['\n', ' ']).len();
        text.truncate(trimmed);
        text.push('\n');
        Ok(text)
    }

    fn render_text(&self) -> tera::Result<String> {
        let Some(pieces) = self.pieces.as_ref().filter(|_| self.deploys.len() >= 2) else {
            return self.render_whole();
        };
        let count = self.deploys.len().div_ceil(PIECE_DEPLOYS).max(2);
        // An error in a piece is reported as the whole rendering reports
        // it (the first in the document's order): it renders again, whole.
        // So is a panic inside tera: the whole rendering may stop at an
        // error before it.
        let in_pieces = || self.render_in_pieces(pieces, count);
        let joined = std::panic::catch_unwind(std::panic::AssertUnwindSafe(in_pieces))
            .ok()
            .and_then(Result::ok)
            .flatten();
        if !cfg!(debug_assertions)
            && let Some(joined) = joined
        {
            return Ok(joined);
        }
        // The whole template, once: when the pieces do not join, and in
        // debug builds (the tests) to check that they join into it.
        let whole = self.render_whole()?;
        if let Some(joined) = joined {
            assert!(
                joined == whole,
                "the deploy history rendered in pieces differs from the whole rendering"
            );
        }
        Ok(whole)
    }

    /// The template as written, with every deploy copied at once (in
    /// halves, on two threads).
    fn render_whole(&self) -> tera::Result<String> {
        let (newer, older) = self.deploys.split_at(self.deploys.len() / 2);
        let (newer, older) = crate::parallel::both(|| json_list(newer), || json_list(older));
        let mut deploys = newer?;
        deploys.extend(older?);
        let context = self.context(deploys)?;
        let text = self.whole.render(DOCUMENT, &context);
        // Freeing half a million JSON values took a tenth of a second on a
        // long ledger: beside the writing of the document instead.
        crate::parallel::drop_beside(context);
        text
    }

    /// The marked template (`pieces`) rendered for `count` runs of the
    /// deploys, half of them on each thread, and the renderings joined
    /// (`None` when they do not join).
    fn render_in_pieces(&self, pieces: &Tera, count: usize) -> tera::Result<Option<String>> {
        let size = self.deploys.len().div_ceil(count.min(self.deploys.len()));
        let runs: Vec<&[EntryView]> = self.deploys.chunks(size).collect();
        let (newer, older) = runs.split_at(runs.len().div_ceil(2));
        let (newer, older) = crate::parallel::both(
            || self.render_runs(pieces, newer),
            || self.render_runs(pieces, older),
        );
        let mut texts = newer?;
        texts.extend(older?);
        Ok(split::join(&texts))
    }

    /// The marked template rendered for each run, one after the other: each
    /// run's JSON copy is freed before the next is made, so the memory is
    /// reused rather than taken anew from the system. The rest of the
    /// context is copied once per thread, not per run (a template may
    /// show a long changelog beside the history).
    fn render_runs(&self, pieces: &Tera, runs: &[&[EntryView]]) -> tera::Result<Vec<String>> {
        let mut texts = Vec::with_capacity(runs.len());
        let mut rest = self.rest.clone();
        rest.insert(split::START.into(), split::START_MARK.into());
        rest.insert(split::END.into(), split::END_MARK.into());
        for run in runs {
            rest.insert("deploys".into(), Value::Array(json_list(run)?));
            let context = tera::Context::from_value(Value::Object(rest))?;
            texts.push(pieces.render(DOCUMENT, &context)?);
            // The context's top-level values are moved back, not copied.
            rest = match context.into_json() {
                Value::Object(map) => map,
                _ => return Err(json_error("not an object")),
            };
            rest.remove("deploys");
        }
        Ok(texts)
    }

    /// A tera context: the rest with `deploys`.
    fn context(&self, deploys: Vec<Value>) -> tera::Result<tera::Context> {
        let mut map = self.rest.clone();
        map.insert("deploys".into(), Value::Array(deploys));
        tera::Context::from_value(Value::Object(map))
    }
}

/// The deploys' views as JSON values.
fn json_list(deploys: &[EntryView]) -> tera::Result<Vec<Value>> {
    match serde_json::to_value(deploys) {
        Ok(Value::Array(list)) => Ok(list),
        Ok(_) => Err(json_error("not a list")),
        Err(e) => Err(json_error(e)),
    }
}

fn json_error(e: impl std::fmt::Display) -> tera::Error {
    tera::Error::msg(format!("building the context: {e}"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;
    use crate::journal::{Entry, EntryKind, FileAction, FileChange};
    use crate::model::tests::entry;
    use crate::render::{Template, TemplateOrigin};

    fn config() -> Config {
        Config::parse(
            Path::new("ledger.toml"),
            "[project]\ntitle = \"Shop\"\n[environments.production]\nbucket = \"b\"\n",
        )
        .unwrap()
    }

    fn prepared(entries: &[Entry]) -> Prepared<'_> {
        let context = crate::render::build(&config(), entries, None, None).unwrap();
        (Template::load(TemplateOrigin::Builtin("aws-versions")).unwrap())
            .prepare(context)
            .unwrap()
    }

    #[test]
    fn the_version_document_renders_in_pieces_as_it_does_whole() {
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
        let prepared = prepared(&entries);
        let pieces = prepared
            .pieces
            .as_ref()
            .expect("the built-in template's loop is marked");
        let whole = prepared.render_whole().unwrap();
        for text in [
            "Rollback to v1",
            "Correction",
            "`index.html`",
            "app\\|1.js",
            "`old.js`",
        ] {
            assert!(whole.contains(text), "{text} in\n{whole}");
        }
        // 4 deploys in force (#4 is void): runs of 2 and 2, 1 and 1 and 2, 1 each.
        for count in [2, 3, 4, 9] {
            let joined = prepared.render_in_pieces(pieces, count).unwrap();
            assert_eq!(joined.as_deref(), Some(whole.as_str()), "{count} pieces");
        }
    }

    /// The error of rendering `source` over deploys #1 to #4, which it
    /// renders in pieces.
    fn error_of(source: &str) -> String {
        let entries: Vec<Entry> = (1..=4)
            .map(|seq| entry(seq, "production", &format!("v{seq}"), "abcdef1", vec![]))
            .collect();
        let context = crate::render::build(&config(), &entries, None, None).unwrap();
        let template = Template {
            origin: TemplateOrigin::Builtin("test"),
            source: source.into(),
        };
        let prepared = template.prepare(context).unwrap();
        assert!(prepared.pieces.is_some());
        prepared.render().unwrap_err().to_string()
    }

    #[test]
    fn an_error_in_a_piece_is_the_error_the_whole_rendering_gives() {
        // The newer half fails after the loop; the whole rendering fails
        // first inside it, at the oldest deploy.
        let error = error_of(
            "{% for d in deploys %}{% if d.seq == 1 %}{{ d.nope }}{% endif %}{% endfor %}\
             {{ after.nope }}",
        );
        assert!(
            error.contains("d.nope") && !error.contains("after.nope"),
            "{error}"
        );
        assert!(error.contains("'document'"), "{error}");
    }

    #[test]
    fn a_panic_in_a_piece_renders_whole_and_gives_the_whole_rendering_s_error() {
        // tera 1.20 panics looping over a string whose graphemes are fewer
        // than its characters; the whole rendering stops at the newest
        // deploy's error first.
        let error = error_of(
            "{% for d in deploys %}{% if d.seq == 4 %}{{ nope.x }}{% endif %}\
             {% if d.seq == 1 %}{% set s = \"e\u{301}\" %}{% for c in s %}{{ c }}{% endfor %}\
             {% endif %}{% endfor %}",
        );
        assert!(error.contains("nope.x"), "{error}");
    }

    /// Whether `source` would render in pieces.
    fn in_pieces(source: &str) -> bool {
        let entries = [entry(1, "production", "v1", "abcdef1", vec![])];
        let context = crate::render::build(&config(), &entries, None, None).unwrap();
        let template = Template {
            origin: TemplateOrigin::Builtin("test"),
            source: source.into(),
        };
        template.prepare(context).unwrap().pieces.is_some()
    }

    #[test]
    fn what_the_scan_misses_tera_s_parse_refuses() {
        // Found by differential testing against whole renderings.
        for source in [
            // `{#}`: the comment runs on to the next `#}`, hiding tags.
            "{#}{% \"#}{{ deploys | length }}{#\" %}#}\n{% for d in deploys %}{{ d.version }}{% endfor %}",
            // A nested loop's `else` runs in the deploys loop's scope.
            "{% for d in deploys %}{% for x in [] %}{% else %}{{ loop.index }}{% endfor %}{% endfor %}",
            "{% for d in deploys %}{% for x in [] %}{% else %}{% break %}{% endfor %}{% endfor %}",
            "{% for d in deploys %}{% set deploys = 1 %}{% endfor %}",
            "{% for d in deploys %}{{ self::m(x=deploys) }}{% endfor %}",
            // A test names its variable apart from the expressions.
            "{% for d in deploys %}{% if loop.index is odd %}x{% endif %}{% endfor %}",
            "{% if deploys is containing(1) %}{% endif %}{% for d in deploys %}{% endfor %}",
        ] {
            assert!(!in_pieces(source), "{source}");
        }
        for source in [
            "{% for d in deploys %}{% for x in [] %}{% else %}none{% endfor %}{% endfor %}",
            "{# {% for d in deploys %} #}{% if not deploys %}none{% endif %}{% for d in deploys %}{% endfor %}",
            crate::render::BUILTIN[0].1,
        ] {
            assert!(in_pieces(source), "{source}");
        }
    }

    #[test]
    fn one_deploy_is_rendered_whole() {
        let entries = [entry(1, "production", "v1", "abcdef1", vec![])];
        let one = prepared(&entries);
        assert_eq!(one.deploys.len(), 1);
        assert!(one.render().unwrap().contains("Deploy v1"));
    }
}
