//! The audit page (`render --format html`) parsed by a real HTML5 parser
//! (html5ever): no parse errors, standalone, one timeline mark per entry of
//! each environment, one details element per entry. The browser check
//! (tests/browser/run.sh) looks at the same page in Chromium.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{Handle, NodeData, RcDom};

use crate::harness::Sandbox;

/// Element name and attributes of every element, in document order, with
/// the name of the nearest `<section class="timeline">`'s environment.
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    env: Option<String>,
}

fn walk(node: &Handle, env: Option<String>, out: &mut Vec<Element>) {
    let mut env = env;
    if let NodeData::Element { name, attrs, .. } = &node.data {
        let attrs: BTreeMap<String, String> = attrs
            .borrow()
            .iter()
            .map(|a| (a.name.local.to_string(), a.value.to_string()))
            .collect();
        if attrs.get("class").is_some_and(|c| c == "timeline") {
            env = attrs.get("data-env").cloned();
        }
        out.push(Element {
            name: name.local.to_string(),
            attrs,
            env: env.clone(),
        });
    }
    for child in node.children.borrow().iter() {
        walk(child, env.clone(), out);
    }
}

fn parse(html: &str) -> (Vec<String>, Vec<Element>) {
    let dom = html5ever::parse_document(RcDom::default(), Default::default())
        .from_utf8()
        .read_from(&mut html.as_bytes())
        .unwrap();
    let errors = dom.errors.borrow().iter().map(|e| e.to_string()).collect();
    let mut elements = Vec::new();
    walk(&dom.document, None, &mut elements);
    (errors, elements)
}

fn check_page(ledger: &str) {
    let s = Sandbox::new();
    let html = s
        .ledger(&["--ledger", ledger, "render", "--format", "html"])
        .ok();
    let (errors, elements) = parse(&html);
    assert!(errors.is_empty(), "HTML5 parse errors: {errors:?}");
    for element in &elements {
        assert!(
            !(element.name == "script" && element.attrs.contains_key("src")),
            "no external script"
        );
        assert!(element.name != "link", "no external stylesheet or font");
        assert!(
            element.name != "img"
                || element
                    .attrs
                    .get("src")
                    .is_none_or(|s| s.starts_with("data:")),
            "no fetched image"
        );
    }
    let log = s
        .ledger(&["--ledger", ledger, "log", "--format", "jsonl"])
        .ok();
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in log.lines() {
        let entry: serde_json::Value = serde_json::from_str(line).unwrap();
        expected
            .entry(entry["env"].as_str().unwrap().to_string())
            .or_default()
            .insert(entry["seq"].to_string());
    }
    let mut marks: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for element in elements.iter().filter(|e| {
        e.name == "a"
            && e.attrs
                .get("class")
                .is_some_and(|c| c.split(' ').any(|c| c == "mark"))
    }) {
        let seq = element.attrs["data-seq"].clone();
        assert_eq!(element.attrs["href"], format!("#entry-{seq}"));
        let env = element
            .env
            .clone()
            .expect("a mark sits in a timeline section");
        assert!(
            marks.entry(env).or_default().insert(seq),
            "one mark per entry"
        );
    }
    assert_eq!(
        marks, expected,
        "one mark per entry, in its environment's timeline"
    );
    let details: BTreeSet<String> = elements
        .iter()
        .filter(|e| e.name == "details" && e.attrs.get("class").is_some_and(|c| c == "entry"))
        .map(|e| e.attrs["id"].trim_start_matches("entry-").to_string())
        .collect();
    let all: BTreeSet<String> = expected.values().flatten().cloned().collect();
    assert_eq!(details, all, "every entry's details, once");
}

#[test]
fn the_audit_page_of_the_example_ledger_is_valid_html_with_a_mark_per_entry() {
    check_page(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("ledger")
            .display()
            .to_string(),
    );
}

#[test]
fn the_audit_page_of_a_long_ledger_folds_older_entries_and_keeps_every_mark() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit");
    check_page(&fixture.display().to_string());
    let s = Sandbox::new();
    let html = s
        .ledger(&[
            "--ledger",
            &fixture.display().to_string(),
            "render",
            "--format",
            "html",
        ])
        .ok();
    assert!(html.contains("<details class=\"older\"><summary>5 older entries of staging"));
    // The rollback's arc points back to the entry it restored.
    assert!(html.contains("class=\"restores\" data-seq=\"5\" data-restores=\"2\""));
}

#[test]
fn markup_in_recorded_values_is_escaped() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: <b>bold</b> & \"quoted\"");
    s.ledger(&[
        "record",
        "--env",
        "staging",
        "--no-aws",
        "--version",
        "v1",
        "--by",
        "Eve <script>alert(1)</script> <eve@example.com>",
    ])
    .ok();
    let html = s.ledger(&["render", "--format", "html"]).ok();
    let (errors, elements) = parse(&html);
    assert!(errors.is_empty(), "{errors:?}");
    let scripts = elements.iter().filter(|e| e.name == "script").count();
    assert_eq!(scripts, 1, "only the page's own script");
    assert!(html.contains("Eve &lt;script&gt;alert(1)&lt;/script&gt; &lt;eve@example.com&gt;"));
    assert!(
        html.contains("&lt;b&gt;bold&lt;/b&gt;"),
        "the change line too"
    );
}
