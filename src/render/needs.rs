//! Which costly sections of the template context a template can reach.
//! Building and copying the whole context for every template cost a third
//! of a large render: the changelog never shows the deploy files, and the
//! version document never shows the changelog.

/// The context's costly top-level sections, each `true` when it must be
/// built. The cheap ones (`project`, `commands`, ...) are always built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// `environments`.
    pub environments: bool,
    /// `deploys`.
    pub deploys: bool,
    /// `history`.
    pub history: bool,
    /// `snapshots`.
    pub snapshots: bool,
    /// `changelog`.
    pub changelog: bool,
    /// `cache`.
    pub cache: bool,
    /// `monitoring`.
    pub monitoring: bool,
    /// `rollback`.
    pub rollback: bool,
}

impl Needs {
    /// Every section.
    pub const ALL: Needs = Needs {
        environments: true,
        deploys: true,
        history: true,
        snapshots: true,
        changelog: true,
        cache: true,
        monitoring: true,
        rollback: true,
    };

    /// The sections a template's source names. Tera reaches a top-level
    /// variable only by its name (a whole template has no includes here,
    /// since each is loaded alone), so a section whose name never appears
    /// as a word inside a tag (`{{ }}`, `{% %}`) cannot be shown;
    /// `__tera_context`, which prints them all, needs every one. The text
    /// between tags and comments are left out (`No deploys recorded yet.`
    /// needs nothing); a name in a string literal builds a section for
    /// nothing.
    pub fn of_template(source: &str) -> Needs {
        let code = tag_code(source);
        let source = code.as_str();
        if names(source, "__tera_context") {
            return Needs::ALL;
        }
        Needs {
            environments: names(source, "environments"),
            deploys: names(source, "deploys"),
            history: names(source, "history"),
            snapshots: names(source, "snapshots"),
            changelog: names(source, "changelog"),
            cache: names(source, "cache"),
            monitoring: names(source, "monitoring"),
            rollback: names(source, "rollback"),
        }
    }
}

/// The insides of a template's `{{ }}` and `{% %}` tags, each followed by
/// a space (a closing delimiter inside a string literal does not close its
/// tag). An unclosed tag runs to the end.
fn tag_code(source: &str) -> String {
    let mut code = String::new();
    let mut rest = source;
    while let Some(at) = rest.find(['{']) {
        let after = &rest[at + 1..];
        let close = match after.as_bytes().first() {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            Some(b'#') => {
                rest = after.find("#}").map_or("", |end| &after[end + 2..]);
                continue;
            }
            _ => {
                rest = after;
                continue;
            }
        };
        let inside = &after[1..];
        let end = tag_end(inside, close);
        code.push_str(&inside[..end]);
        code.push(' ');
        rest = inside.get(end + close.len()..).unwrap_or("");
    }
    code
}

/// Where `close` ends a tag's inside, outside its string literals.
fn tag_end(inside: &str, close: &str) -> usize {
    let mut quote: Option<char> = None;
    for (at, c) in inside.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '"' | '\'' | '`') => quote = Some(c),
            None if inside[at..].starts_with(close) => return at,
            None => {}
        }
    }
    inside.len()
}

/// Whether `word` appears in `source` as a whole identifier.
fn names(source: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    source.match_indices(word).any(|(at, _)| {
        let before = source[..at].chars().next_back();
        let after = source[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_needed_only_when_named_as_a_whole_word() {
        let needs = Needs::of_template(
            "{% for d in deploys %}{{ d.version }}{% endfor %}{{ my_changelog }}{{ rollbacks }}",
        );
        assert!(needs.deploys);
        assert!(!needs.changelog, "my_changelog is another name");
        assert!(!needs.rollback, "rollbacks is another name");
        assert!(!needs.environments);
        let needs = Needs::of_template(
            "No deploys {# deploys #} here. {{ \"}}\" ~ changelog.releases | length }} {{x.cache}}",
        );
        assert!(!needs.deploys, "text and comments name nothing");
        assert!(needs.changelog);
        assert!(needs.cache, "a name after a dot is taken, to be safe");
    }

    #[test]
    fn the_whole_context_printed_needs_everything() {
        assert_eq!(Needs::of_template("{{ __tera_context }}"), Needs::ALL);
        assert_eq!(
            Needs::of_template(crate::render::BUILTIN[0].1),
            Needs {
                deploys: false,
                changelog: false,
                snapshots: false,
                ..Needs::ALL
            },
            "the version document"
        );
        assert_eq!(
            Needs::of_template(crate::render::BUILTIN[1].1),
            Needs {
                environments: false,
                deploys: false,
                history: false,
                snapshots: false,
                changelog: true,
                cache: false,
                monitoring: false,
                rollback: false,
            },
            "the changelog"
        );
    }
}
