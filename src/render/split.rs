//! Rendering a template's deploy history in pieces. Tera renders on one
//! thread, and on a long ledger the history is nearly all of the document.
//! A template whose top-level `{% for NAME in deploys %}` loop prints each
//! deploy alone can be rendered once per run of the deploys (on two
//! threads, each run's copy freed before the next), and the loop outputs
//! joined. This module finds the loop in the source and prints markers
//! around it, and joins the renderings: the markers find the loop's output
//! in each, and what lies outside them must come out the same in all.
//! Whether the loop's iterations are independent is for `loop_check` to
//! confirm, on tera's own parse of the template and of the marked copy.

use std::ops::Range;

/// The context variable printed just before the deploys loop's output.
pub const START: &str = "__ledger_split_start";
/// The context variable printed just after it.
pub const END: &str = "__ledger_split_end";
/// What [`START`] holds: control characters around text (a rendering that
/// prints U+0001 elsewhere is not joined).
pub const START_MARK: &str = "\u{1}ledger: the deploy history starts here\u{1}";
/// What [`END`] holds.
pub const END_MARK: &str = "\u{1}ledger: the deploy history ends here\u{1}";

/// `source` with the markers printed around its top-level deploys loop;
/// `None` when it has no such loop, or more than one. Whitespace control is kept: the trim before the loop and
/// the trim after it move to empty tags in the same places.
pub fn marked(source: &str) -> Option<String> {
    let found = deploys_loop(source)?;
    let open = &source[found.open.clone()];
    let close = &source[found.close.clone()];
    let mut out = String::with_capacity(source.len() + 160);
    out.push_str(&source[..found.open.start]);
    out.push_str(if open.starts_with("{%-") {
        "{%- if true %}{% endif %}"
    } else {
        "{% if true %}{% endif %}"
    });
    out.push_str(&format!("{{{{ {START} }}}}"));
    // The loop's own tags, without the outer trims they passed on.
    out.push_str("{% ");
    out.push_str(open.trim_start_matches("{%").trim_start_matches('-'));
    out.push_str(&source[found.open.end..found.close.start]);
    out.push_str(close.trim_end_matches("%}").trim_end_matches('-'));
    out.push_str(" %}");
    out.push_str(&format!("{{{{ {END} }}}}"));
    out.push_str(if close.ends_with("-%}") {
        "{% if true %}{% endif -%}"
    } else {
        "{% if true %}{% endif %}"
    });
    out.push_str(&source[found.close.end..]);
    Some(out)
}

/// The loop outputs of the renderings joined, in order, between what
/// they all print before and after the loop; `None` when the markers are
/// not each found once in each, or the renderings differ outside the loop.
pub fn join(texts: &[String]) -> Option<String> {
    let mut cuts = texts.iter().map(|text| cut(text));
    let (before, first_loop, after) = cuts.next()??;
    let mut out = String::with_capacity(texts.iter().map(String::len).sum());
    out.push_str(before);
    out.push_str(first_loop);
    for next in cuts {
        let (next_before, next_loop, next_after) = next?;
        if next_before != before || next_after != after {
            return None;
        }
        out.push_str(next_loop);
    }
    out.push_str(after);
    Some(out)
}

/// (before the loop, the loop's output, after it). The markers hold the
/// only control characters U+0001 the rendering may print, or a text that
/// runs into a marker could move the cut.
fn cut(text: &str) -> Option<(&str, &str, &str)> {
    let marker_bytes = START_MARK
        .bytes()
        .chain(END_MARK.bytes())
        .filter(|b| *b == 1);
    if text.bytes().filter(|b| *b == 1).count() != marker_bytes.count() {
        return None;
    }
    let start = only_match(text, START_MARK)?;
    let end = only_match(text, END_MARK)?;
    let inner = start + START_MARK.len();
    (inner <= end).then(|| {
        (
            &text[..start],
            &text[inner..end],
            &text[end + END_MARK.len()..],
        )
    })
}

fn only_match(text: &str, mark: &str) -> Option<usize> {
    let at = text.find(mark)?;
    text[at + mark.len()..].find(mark).is_none().then_some(at)
}

/// The byte ranges of the deploys loop's opening and closing tags.
#[derive(Debug, PartialEq, Eq)]
struct LoopTags {
    open: Range<usize>,
    close: Range<usize>,
}

/// The one top-level `{% for NAME in deploys %}` loop, if the template
/// has exactly one and no `raw` text (which the scan cannot read as tera
/// does).
fn deploys_loop(source: &str) -> Option<LoopTags> {
    let mut found: Option<LoopTags> = None;
    // Open blocks, outermost first: whether each is the loop.
    let mut open: Vec<bool> = Vec::new();
    let mut start = None;
    for (range, words) in tags(source)? {
        match words.first().copied().unwrap_or_default() {
            "raw" => return None,
            "for" if open.is_empty() && words.len() == 4 && words[2..] == ["in", "deploys"] => {
                if found.is_some() {
                    return None;
                }
                start = Some(range);
                open.push(true);
            }
            "for" | "if" | "macro" | "filter" | "block" => open.push(false),
            "endfor" | "endif" | "endmacro" | "endfilter" | "endblock" => {
                let closes_the_loop = open.pop()?;
                if closes_the_loop {
                    found = Some(LoopTags {
                        open: start.take()?,
                        close: range,
                    });
                }
            }
            _ => {}
        }
    }
    open.is_empty().then_some(())?;
    found
}

/// The tags of a template (`{% ... %}`): each one's range in the source
/// and its words (quoted strings left out), comments and expressions
/// skipped as tera reads them; `None` when one is not closed.
fn tags(source: &str) -> Option<Vec<(Range<usize>, Vec<&str>)>> {
    let mut tags = Vec::new();
    let mut at = 0;
    while let Some(offset) = source[at..].find('{') {
        let open = at + offset;
        let rest = &source[open..];
        if let Some(comment) = rest.strip_prefix("{#") {
            // The first `#}` after the opening `{#`.
            at = open + 2 + comment.find("#}")? + 2;
        } else if rest.starts_with("{{") {
            at = open + closing(rest, "}}")? + 2;
        } else if rest.starts_with("{%") {
            let end = open + closing(rest, "%}")?;
            let inside = source[open + 2..end].trim_matches('-');
            tags.push((open..end + 2, words(inside)));
            at = end + 2;
        } else {
            at = open + 1;
        }
    }
    Some(tags)
}

/// The offset of `close` in `text` (which starts with an opening
/// delimiter), outside quoted strings.
fn closing(text: &str, close: &str) -> Option<usize> {
    let mut quote = None;
    for (at, c) in text.char_indices().skip(2) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '"' | '\'' | '`') => quote = Some(c),
            None if text[at..].starts_with(close) => return Some(at),
            None => {}
        }
    }
    None
}

/// A tag's words: identifiers, paths and operators split on whitespace,
/// with quoted strings left out.
fn words(inside: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut quote = None;
    let mut word_start = None;
    for (at, c) in inside.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '"' | '\'' | '`') => {
                if let Some(start) = word_start.take() {
                    words.push(&inside[start..at]);
                }
                quote = Some(c);
            }
            None if c.is_whitespace() => {
                if let Some(start) = word_start.take() {
                    words.push(&inside[start..at]);
                }
            }
            None => {
                word_start.get_or_insert(at);
            }
        }
    }
    if let Some(start) = word_start {
        words.push(&inside[start..]);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Renders `source` whole, and in halves through [`marked`] and
    /// [`join`]: (whole, joined).
    fn both_ways(source: &str, deploys: &[&str]) -> (String, Option<String>) {
        let mut tera = tera::Tera::default();
        tera.add_raw_template("whole", source).unwrap();
        let marked = marked(source).expect("a loop that renders in halves");
        tera.add_raw_template("halves", &marked).unwrap();
        let context = |deploys: &[&str]| {
            tera::Context::from_value(json!({
                "deploys": deploys.iter().map(|v| json!({"version": v})).collect::<Vec<_>>(),
                "title": "T",
                START: START_MARK,
                END: END_MARK,
            }))
            .unwrap()
        };
        let whole = tera.render("whole", &context(deploys)).unwrap();
        let (newer, older) = deploys.split_at(deploys.len() / 2);
        let newer = tera.render("halves", &context(newer)).unwrap();
        let older = tera.render("halves", &context(older)).unwrap();
        (whole, join(&[newer, older]))
    }

    /// Whether loop_check, on tera's parse, confirms `source` and its
    /// marked copy.
    fn tera_confirms(source: &str) -> bool {
        let mut tera = tera::Tera::default();
        tera.add_raw_template("whole", source).unwrap();
        tera.add_raw_template("marked", &marked(source).unwrap())
            .unwrap();
        let ast = |name| &tera.get_template(name).unwrap().ast;
        crate::render::loop_check::confirms(ast("whole"), ast("marked"))
    }

    /// Whether `source` renders in pieces: the scan marks a loop, tera
    /// parses both, and loop_check confirms them.
    fn qualifies(source: &str) -> bool {
        let mut tera = tera::Tera::default();
        let parsed = marked(source).is_some_and(|marked| {
            tera.add_raw_template("whole", source).is_ok()
                && tera.add_raw_template("marked", &marked).is_ok()
        });
        parsed && tera_confirms(source)
    }

    #[test]
    fn halves_join_into_the_whole_rendering_whatever_the_trims() {
        let deploys = ["v3", "v2", "v1"];
        for open in ["{% ", "{%- "] {
            for open_end in [" %}", " -%}"] {
                for close in ["{% ", "{%- "] {
                    for close_end in [" %}", " -%}"] {
                        let source = format!(
                            "# {{{{ title }}}}\n\n{open}for d in deploys{open_end}\n  ## {{{{ d.version }}}}\
                             {{% for c in [1, 2] %}}{{% if not loop.last %}}+{{% endif %}}{{% endfor %}}\n\n\
                             {close}endfor{close_end}\n\n## After\n"
                        );
                        let (whole, joined) = both_ways(&source, &deploys);
                        assert!(tera_confirms(&source), "{source}");
                        assert_eq!(joined.as_deref(), Some(whole.as_str()), "{source}");
                        assert!(whole.contains("v1") && whole.contains("v3"));
                    }
                }
            }
        }
    }

    #[test]
    fn the_built_in_version_document_renders_in_halves() {
        assert!(deploys_loop(crate::render::BUILTIN[0].1).is_some());
        assert!(
            marked(crate::render::BUILTIN[1].1).is_none(),
            "the changelog has no deploys loop"
        );
    }

    #[test]
    fn a_loop_whose_iterations_depend_on_each_other_is_rendered_whole() {
        for source in [
            "{% for d in deploys %}{{ loop.index }}{% endfor %}",
            "{% for d in deploys %}{% if loop.first %}x{% endif %}{% endfor %}",
            "{% for d in deploys %}{% if d.x %}{% break %}{% endif %}{% endfor %}",
            "{% for d in deploys %}{% set_global n = d %}{% endfor %}",
            "{% for d in deploys %}{% for i in range(end=loop.index) %}{% endfor %}{% endfor %}",
            "{% for d in deploys %}a{% else %}none{% endfor %}",
            "{% if true %}{% for d in deploys %}{% endfor %}{% endif %}",
            "{% for d in deploys | reverse %}{% endfor %}",
            "{% for d in deploys %}{% endfor %}{% for d in deploys %}{% endfor %}",
            "{% raw %}{% endraw %}{% for d in deploys %}{% endfor %}",
            "{% extends \"base\" %}{% for d in deploys %}{% endfor %}",
            "{% for d in deploys %}{% include \"document\" %}{% endfor %}",
            "{% import \"document\" as m %}{% for d in deploys %}{% endfor %}",
            "{% if __ledger_split_start is defined %}{% endif %}{% for d in deploys %}{% endfor %}",
            "{% for d in deploys %}{% set __ledger_split_end = 1 %}{% endfor %}",
            "{% for d in deploys %}",
            "{% for d in other %}{% endfor %}",
        ] {
            assert!(!qualifies(source), "{source}");
        }
    }

    #[test]
    fn what_is_local_to_one_deploy_does_not_stop_the_halves() {
        for source in [
            "{% for d in deploys %}{% for c in d.commits %}{% if not loop.last %}+{% endif %}{% endfor %}{% endfor %}",
            "{% for d in deploys %}{% if d.x %}a{% else %}b{% endif %}{% endfor %}",
            "{% for d in deploys %}{% set m = d.x %}{% if m %}{% continue %}{% endif %}{% endfor %}",
            "{# {% for d in deploys %} #}{% for d in deploys %}{{ \"%}\" }}{% endfor %}",
        ] {
            assert!(qualifies(source), "{source}");
        }
    }

    #[test]
    fn a_template_that_reads_the_list_elsewhere_is_rendered_whole() {
        for source in [
            "{{ deploys | length }}{% for d in deploys %}{% endfor %}",
            "{% for d in deploys %}{% endfor %}{{ deploys[0].version }}",
            "{% for d in deploys %}{{ deploys | length }}{% endfor %}",
            "{% if deploys | length > 1 %}{% endif %}{% for d in deploys %}{% endfor %}",
            "{% set n = deploys %}{% for d in deploys %}{% endfor %}",
            "{% for d in deploys %}{% endfor %}{{ __tera_context }}",
            "{% for d in deploys %}{% for e in deploys %}{% endfor %}{% endfor %}",
        ] {
            assert!(!qualifies(source), "{source}");
        }
        let source = "{% if not deploys %}none{% elif deploys %}some{% endif %}\
                      {% for d in deploys %}{{ d.version }}{% endfor %}";
        let (whole, joined) = both_ways(source, &["v2", "v1"]);
        assert_eq!(whole, "somev2v1");
        assert_eq!(
            joined.as_deref(),
            Some("somev2v1"),
            "either half is as empty as the whole"
        );
    }

    #[test]
    fn halves_that_differ_outside_the_loop_do_not_join() {
        let text = |outside: &str, inside: &str| format!("{outside}{START_MARK}{inside}{END_MARK}");
        assert_eq!(join(&[text("1", "a"), text("2", "b")]), None);
        assert_eq!(
            join(&[text("1", "a"), text("1", "b"), text("2", "c")]),
            None
        );
        let three = [text("1", "a"), text("1", "b"), text("1", "c")];
        assert_eq!(join(&three).as_deref(), Some("1abc"));
        // Text that runs into a marker would move the cut.
        let partial = START_MARK.trim_end_matches('\u{1}');
        assert_eq!(join(&[text(partial, "a"), text(partial, "b")]), None);
        let twice = format!("{START_MARK}a{END_MARK}{START_MARK}");
        assert_eq!(join(&[twice.clone(), twice]), None);
        assert_eq!(join(&[]), None);
    }
}
