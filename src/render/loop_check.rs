//! The check, on tera's own parse of a template, that its deploy history
//! may render in pieces (`split`): `split`'s scan of the source finds the
//! loop and marks it, and this module confirms from the syntax trees that
//! the scan read the template as tera does. The conditions are those of
//! docs/template-context.md: one top-level `{% for NAME in deploys %}`
//! whose body does not read that loop's `loop`, `break` out of it or give
//! it an `else`; `deploys` read elsewhere only as `if deploys` or `if not
//! deploys`; no `set_global`, `include`, `import`, `extends`, `block` or
//! `super()`; no `__tera_context` and no marker names. Then the marked
//! tree must be the whole tree with only the markers added around the loop.

use tera::ast::{Expr, ExprVal, Forloop, Node};

/// Whether `whole` (the template as written) meets the conditions and
/// `marked` (split's copy) is it with the markers around its loop.
pub fn confirms(whole: &[Node], marked: &[Node]) -> bool {
    let mut found = 0;
    let level = Level {
        top: true,
        loop_level: false,
    };
    if !nodes_pass(whole, level, &mut found) || found != 1 {
        return false;
    }
    same_but_markers(whole, marked)
}

/// Where a node is: at the template's top level, and whether the deploys
/// loop's `loop` and `break` apply there.
#[derive(Clone, Copy)]
struct Level {
    top: bool,
    loop_level: bool,
}

fn nodes_pass(nodes: &[Node], level: Level, found: &mut usize) -> bool {
    nodes.iter().all(|node| node_passes(node, level, found))
}

fn node_passes(node: &Node, level: Level, found: &mut usize) -> bool {
    let inner = Level {
        top: false,
        ..level
    };
    match node {
        Node::Text(_) | Node::Comment(..) | Node::Raw(..) | Node::Continue(_) => true,
        Node::Super
        | Node::Extends(..)
        | Node::Include(..)
        | Node::ImportMacro(..)
        | Node::Block(..) => false,
        Node::Break(_) => !level.loop_level,
        Node::VariableBlock(_, expr) => expr_passes(expr, level),
        Node::Set(_, set) => !set.global && !shadows(&set.key) && expr_passes(&set.value, level),
        Node::MacroDefinition(_, definition, _) => {
            // A macro's body runs in its own scope, never the loop's.
            let own = Level {
                top: false,
                loop_level: false,
            };
            (definition.args.values().flatten()).all(|e| expr_passes(e, own))
                && nodes_pass(&definition.body, own, found)
        }
        Node::FilterSection(_, section, _) => {
            section.filter.args.values().all(|e| expr_passes(e, level))
                && nodes_pass(&section.body, inner, found)
        }
        Node::If(branches, _) => {
            (branches.conditions.iter()).all(|(_, condition, body)| {
                (is_deploys(condition) || expr_passes(condition, level))
                    && nodes_pass(body, inner, found)
            }) && (branches.otherwise.iter()).all(|(_, body)| nodes_pass(body, inner, found))
        }
        Node::Forloop(_, forloop, _) => forloop_passes(forloop, level, found),
    }
}

fn forloop_passes(forloop: &Forloop, level: Level, found: &mut usize) -> bool {
    if level.top && forloop.key.is_none() && is_bare_deploys(&forloop.container) {
        *found += 1;
        let body = Level {
            top: false,
            loop_level: true,
        };
        return forloop.empty_body.is_none() && nodes_pass(&forloop.body, body, found);
    }
    let own = Level {
        top: false,
        loop_level: false,
    };
    // A loop's `else` body runs in the enclosing loop's scope.
    let enclosing = Level {
        top: false,
        ..level
    };
    expr_passes(&forloop.container, level)
        && nodes_pass(&forloop.body, own, found)
        && (forloop.empty_body.iter()).all(|body| nodes_pass(body, enclosing, found))
}

/// Whether setting `name` would change what a name the check reads means.
fn shadows(name: &str) -> bool {
    name == "deploys" || name == "loop" || name.starts_with("__ledger_split")
}

/// `deploys` alone (a loop's list).
fn is_bare_deploys(expr: &Expr) -> bool {
    !expr.negated && is_deploys(expr)
}

/// `deploys` or `not deploys`, no filter: its emptiness, which every
/// piece shares with the whole.
fn is_deploys(expr: &Expr) -> bool {
    expr.filters.is_empty() && matches!(&expr.val, ExprVal::Ident(name) if name == "deploys")
}

/// Whether an expression names nothing a piece sees differently.
fn expr_passes(expr: &Expr, level: Level) -> bool {
    // Every name an expression reads, at any depth, is an `Ident("...")`
    // of its debug form, or a test's `ident: "..."` (`loop.index is odd`).
    let text = format!("{expr:?}");
    let forbidden = |name: &str| {
        reads(name, "deploys")
            || reads(name, "__tera_context")
            || name.starts_with("__ledger_split")
            || level.loop_level && reads(name, "loop")
    };
    idents(&text).all(|name| !forbidden(name))
        && !text.contains("__tera_context")
        && !text.contains("__ledger_split")
}

/// Whether the path `name` starts at the variable `variable`.
fn reads(name: &str, variable: &str) -> bool {
    name.strip_prefix(variable)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// The names in an expression's debug form: each `Ident("...")` and each
/// test's `ident: "..."`.
fn idents(text: &str) -> impl Iterator<Item = &str> {
    let opening = |open: &'static str| text.match_indices(open).map(move |(at, _)| at + open.len());
    opening("Ident(\"").chain(opening("ident: \"")).map(|from| {
        let rest = &text[from..];
        let mut escaped = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                let end = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                end
            })
            .map_or(rest.len(), |(at, _)| at);
        &rest[..end]
    })
}

/// Whether `marked` is `whole` with, at the top level, the loop's node
/// between `{% if true %}{% endif %}{{ START }}` and
/// `{{ END }}{% if true %}{% endif %}`, the loop's own outer trims moved
/// onto those tags (tera applies trims while parsing).
fn same_but_markers(whole: &[Node], marked: &[Node]) -> bool {
    let Some(at) = whole
        .iter()
        .position(|n| matches!(n, Node::Forloop(_, f, _) if is_bare_deploys(&f.container)))
    else {
        return false;
    };
    let (before, rest) = whole.split_at(at);
    let (Some(Node::Forloop(_, forloop, _)), after) = (rest.first(), &rest[1..]) else {
        return false;
    };
    let n = before.len();
    marked.len() == whole.len() + 4
        && marked[..n] == *before
        && marked[n + 5..] == *after
        && matches!(&marked[n + 2], Node::Forloop(_, f, _) if f == forloop)
        && is_marker(&marked[n + 1], super::split::START)
        && is_marker(&marked[n + 3], super::split::END)
        && is_empty_if(&marked[n])
        && is_empty_if(&marked[n + 4])
}

fn is_marker(node: &Node, name: &str) -> bool {
    matches!(node, Node::VariableBlock(_, e)
        if e.filters.is_empty() && !e.negated && matches!(&e.val, ExprVal::Ident(n) if n == name))
}

fn is_empty_if(node: &Node) -> bool {
    matches!(node, Node::If(branches, _)
        if branches.otherwise.is_none()
            && matches!(branches.conditions.as_slice(),
                [(_, e, body)] if body.is_empty() && matches!(e.val, ExprVal::Bool(true))))
}
