//! Every `--format json` shape against its documented example in
//! docs/json.md: each field printed is documented with the same JSON type,
//! and the documented top-level fields are printed. Run on the audit
//! fixture (tests/fixtures/audit), a real ledger with every kind of entry.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::harness::Sandbox;

/// The fields an entry never leaves out.
const ENTRY_REQUIRED: [&str; 7] = [
    "schema",
    "seq",
    "kind",
    "env",
    "deployed_at",
    "prev_hash",
    "hash",
];

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audit")
        .display()
        .to_string()
}

/// The documented examples: the ```json shape=NAME blocks of docs/json.md.
fn documented() -> BTreeMap<String, Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/json.md");
    let text = std::fs::read_to_string(path).unwrap();
    let mut shapes = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(name) = line.strip_prefix("```json shape=") {
            let block: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            let value: Value = serde_json::from_str(&block.join("\n"))
                .unwrap_or_else(|e| panic!("docs/json.md: shape {name} is not JSON: {e}"));
            shapes.insert(name.to_string(), value);
        }
    }
    shapes
}

/// Where `actual` strays from `documented`: undocumented fields, other types.
fn strays(actual: &Value, documented: &Value, path: &str, found: &mut Vec<String>) {
    match (actual, documented) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(a), Value::Object(d)) => {
            if d.is_empty() {
                return; // described elsewhere
            }
            for (key, value) in a {
                match d.get(key) {
                    Some(doc) => strays(value, doc, &format!("{path}.{key}"), found),
                    None => found.push(format!("{path}.{key} is printed but not documented")),
                }
            }
        }
        (Value::Array(a), Value::Array(d)) => {
            if let Some(doc) = d.first() {
                for (i, value) in a.iter().enumerate() {
                    strays(value, doc, &format!("{path}[{i}]"), found);
                }
            }
        }
        (a, d) if std::mem::discriminant(a) == std::mem::discriminant(d) => {}
        (a, d) => found.push(format!("{path} is {a} where the docs show {d}")),
    }
}

fn check(name: &str, actual: &Value, shapes: &BTreeMap<String, Value>, required: &[&str]) {
    let documented = &shapes[name];
    let mut found = Vec::new();
    strays(actual, documented, name, &mut found);
    for key in required {
        if actual.get(key).is_none() {
            found.push(format!("{name}.{key} is documented but not printed"));
        }
    }
    assert!(found.is_empty(), "{}\n{actual:#}", found.join("\n"));
}

fn top_level(shapes: &BTreeMap<String, Value>, name: &str) -> Vec<String> {
    shapes[name].as_object().unwrap().keys().cloned().collect()
}

fn json(s: &Sandbox, args: &[&str]) -> Value {
    let ledger = fixture();
    let mut all = vec!["--ledger", ledger.as_str()];
    all.extend_from_slice(args);
    let text = s.ledger(&all).ok();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {text}"))
}

#[test]
fn every_entry_printed_by_show_log_and_jsonl_is_documented() {
    let shapes = documented();
    let s = Sandbox::new();
    let log = json(&s, &["log", "--format", "json"]);
    // The documented list abbreviates its element: each is a whole entry.
    let mut entry = shapes["entry"].clone();
    entry.as_object_mut().unwrap().remove("schema");
    let mut shapes_with_entries = shapes.clone();
    shapes_with_entries.get_mut("log").unwrap()["entries"] = Value::Array(vec![entry]);
    check("log", &log, &shapes_with_entries, &["schema", "entries"]);
    let entries = log["entries"].as_array().unwrap();
    assert!(entries.len() > 40, "the fixture has every kind of entry");
    let kinds: std::collections::BTreeSet<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in ["deploy", "rollback", "snapshot", "void", "lock", "unlock"] {
        assert!(kinds.contains(kind), "fixture lacks a {kind}");
    }
    for entry in entries {
        let seq = format!("#{}", entry["seq"]);
        let shown = json(&s, &["show", &seq, "--format", "json"]);
        check("entry", &shown, &shapes, &ENTRY_REQUIRED);
        let mut without_schema = shown.clone();
        without_schema.as_object_mut().unwrap().remove("schema");
        assert_eq!(&without_schema, entry, "log and show agree on {seq}");
    }
    let ledger = fixture();
    let lines = s
        .ledger(&["--ledger", &ledger, "log", "--format", "jsonl", "-n", "5"])
        .ok();
    let lines: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "-n 5 streams five lines");
    for (line, entry) in lines.iter().zip(entries) {
        check("entry", line, &shapes, &ENTRY_REQUIRED);
        assert_eq!(line["seq"], entry["seq"], "newest first, as log json");
    }
}

#[test]
fn live_history_diff_and_status_print_their_documented_shapes() {
    let shapes = documented();
    let s = Sandbox::new();
    for (name, args) in [
        (
            "live",
            vec!["live", "--env", "production", "--format", "json"],
        ),
        ("live", vec!["live", "--env", "staging", "--format", "json"]),
        (
            "history",
            vec![
                "history",
                "widget.js",
                "--env",
                "production",
                "--format",
                "json",
            ],
        ),
        (
            "diff",
            vec![
                "diff",
                "#3",
                "#5",
                "--env",
                "production",
                "--format",
                "json",
            ],
        ),
        ("status", vec!["status", "--format", "json"]),
        ("verify", vec!["verify", "--no-git", "--format", "json"]),
    ] {
        let value = json(&s, &args);
        let required = top_level(&shapes, name);
        let required: Vec<&str> = required.iter().map(String::as_str).collect();
        check(name, &value, &shapes, &required);
    }
    // The rollback #5 deleted what #3 had added: the diff says so.
    let diff = json(&s, &["diff", "#3", "#5", "--format", "json"]);
    assert_eq!(diff["deleted"][0]["action"], "delete");
    assert!(!diff["changed"].as_array().unwrap().is_empty());
}
