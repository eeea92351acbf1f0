//! `import DOC`: a hand-kept AWS_VERSIONS.md becomes a ledger that renders
//! it again; what is not understood is kept verbatim; bad input is named.

use std::path::{Path, PathBuf};

use ledger::import::normalise_markdown;

use crate::harness::Sandbox;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn assert_round_trip(doc: &Path) {
    let s = Sandbox::new();
    let done = s.ledger(&["import", doc.to_str().unwrap()]).code(0);
    let rendered = s.ledger(&["render"]).ok();
    let original = std::fs::read_to_string(doc).unwrap();
    // The report says exactly which of the two it is.
    let claim = if rendered == original {
        "prints the document again, byte for byte"
    } else {
        "prints the same document but not the same bytes"
    };
    assert!(done.stderr.contains(claim), "{}", done.stderr);
    let (want, got) = (normalise_markdown(&original), normalise_markdown(&rendered));
    if want != got {
        let diff = similar::TextDiff::from_lines(&want, &got);
        panic!(
            "{}: render differs:\n{}",
            doc.display(),
            diff.unified_diff().header("document", "rendered")
        );
    }
    s.ledger(&["verify", "--no-git"]).ok();
    assert!(s.log_entries().iter().all(|e| e["imported"] == true));
}

#[test]
fn the_seed_and_other_documents_of_the_family_round_trip() {
    for doc in [
        fixture("seed-AWS_VERSIONS.md"),
        fixture("docs/nordlicht.md"),
        fixture("docs/kiosk.md"),
        fixture("docs/harbor.md"),
    ] {
        assert_round_trip(&doc);
    }
}

#[test]
fn what_is_not_understood_is_kept_and_listed() {
    let s = Sandbox::new();
    let done = s
        .ledger(&["import", fixture("docs/nordlicht.md").to_str().unwrap()])
        .code(0);
    assert!(
        done.stderr
            .contains("kept verbatim: lines 24-30: \"SQS Queues\" in Production"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("section \"Incident Log\""),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr
            .contains("text in deploy \"2026-03-14 - Production Deploy v3.2.0\""),
        "{}",
        done.stderr
    );
    let config = s.read("ledger/ledger.toml");
    assert!(config.contains("at = \"env.production.end\""), "{config}");
    // The history is real entries: sizes, deletions, invalidation, non-ASCII names.
    let entry: serde_json::Value = serde_json::from_str(
        &s.ledger(&["show", "v3.2.0", "--env", "production", "--format", "json"])
            .ok(),
    )
    .unwrap();
    assert_eq!(entry["deployed_by"], "Zoë Åkesson");
    assert_eq!(entry["files"][0]["key"], "app.js");
    assert_eq!(entry["files"][0]["size"], 1310720);
    assert_eq!(entry["files"][0]["size_text"], "1.25 MB");
    assert_eq!(entry["files"][3]["action"], "delete");
    assert_eq!(entry["invalidation"]["status"], "Completed");
    assert_eq!(entry["commits"].as_array().unwrap().len(), 4);
    assert_eq!(
        entry["changes"][0]["text"],
        "Checkout supports `Klarna | Sofort` as one option"
    );
    assert!(
        entry["changes"][1]["text"]
            .as_str()
            .unwrap()
            .contains("\n  (reported by the Café team)")
    );
}

const BROKEN: &str = "# AWS Services Version Control

**Last Updated**: 2026-01-01

---

## Production Environment

### S3 Buckets

| Bucket | Purpose | Last Deploy |
|--------|---------|-------------|
| `site` | Assets | 2026-01-01 |

---

## Deployment History

### 2026-01-01 - Production Deploy v2

**Files Deployed**:
| File | Size | Content-Type |
|------|------|--------------|
| `a.js` | 12 parsecs | application/javascript |

---

### 2025-13-40 - Production Deploy v1

**Changes**:
- first

---
";

#[test]
fn bad_input_names_the_line_and_writes_nothing() {
    let cases = [
        (BROKEN.to_string(), "doc.md:24:", "12 parsecs"),
        (
            BROKEN.replace("12 parsecs", "1 KB"),
            "doc.md:28:",
            "2025-13-40",
        ),
        (
            BROKEN
                .replace("12 parsecs", "1 KB")
                .replace("2025-13-40", "2025-12-01")
                .replace("Deploy v1", "Deploy v2"),
            "doc.md:28:",
            "listed twice",
        ),
        (
            BROKEN.replace("| `site` | Assets | 2026-01-01 |", "| `site` | Assets |"),
            "doc.md:13:",
            "2 cells",
        ),
    ];
    for (text, location, problem) in cases {
        let s = Sandbox::new();
        s.write("doc.md", &text);
        let done = s.ledger(&["import", "doc.md"]).code(2);
        assert!(
            done.stderr.contains(location) && done.stderr.contains(problem),
            "{problem}: {}",
            done.stderr
        );
        assert!(done.stderr.contains("--lenient"), "{}", done.stderr);
        assert!(
            !s.path().join("ledger").exists(),
            "{problem}: nothing is written"
        );
    }
}

#[test]
fn a_short_row_in_any_table_is_named() {
    let text = BROKEN
        .replace("12 parsecs", "1 KB")
        .replace("2025-13-40", "2025-12-01")
        + "\n## Monitoring\n\n### Log Groups\n\n| Log Group | Retention |\n|---|---|\n| `/x` |\n";
    let line = text.lines().position(|l| l == "| `/x` |").unwrap() + 1;
    let s = Sandbox::new();
    s.write("doc.md", &text);
    let done = s.ledger(&["import", "doc.md"]).code(2);
    assert!(
        done.stderr.contains(&format!(
            "doc.md:{line}: this row has 1 cells, the header has 2"
        )),
        "{}",
        done.stderr
    );
    let done = s.ledger(&["import", "doc.md", "--lenient"]).code(0);
    assert!(done.stderr.contains("\"Log Groups\""), "{}", done.stderr);
    assert!(s.ledger(&["render"]).ok().contains("| `/x` |"));
}

#[test]
fn lenient_import_keeps_bad_parts_verbatim() {
    let s = Sandbox::new();
    s.write("doc.md", BROKEN);
    let done = s.ledger(&["import", "doc.md", "--lenient"]).code(0);
    assert!(
        done.stderr.contains("warning: line 24:") && done.stderr.contains("kept verbatim"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("warning: line 28:"), "{}", done.stderr);
    let rendered = s.ledger(&["render"]).ok();
    assert!(
        rendered.contains("| `a.js` | 12 parsecs | application/javascript |"),
        "{rendered}"
    );
    assert!(
        rendered.contains("### 2025-13-40 - Production Deploy v1"),
        "{rendered}"
    );
}

#[test]
fn an_imported_ledger_takes_new_deploys_and_verifies() {
    let s = Sandbox::new();
    s.ledger(&["import", fixture("seed-AWS_VERSIONS.md").to_str().unwrap()])
        .ok();
    s.commit_all("chore: import the ledger");
    s.commit("src/app.js", "feat: dark mode");
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v2.2.0",
        ])
        .code(0);
    assert!(
        done.stderr.contains("not in this repository"),
        "the imported commit is abbreviated: {}",
        done.stderr
    );
    s.commit_all("chore: record v2.2.0");
    s.ledger(&["verify"]).ok();
    let doc = s.ledger(&["render"]).ok();
    assert!(
        doc.contains("Production Deploy v2.2.0") && doc.contains("- dark mode"),
        "{doc}"
    );
    // A second import is refused; --append adds the history after it, if in time order.
    let done = s
        .ledger(&["import", fixture("seed-AWS_VERSIONS.md").to_str().unwrap()])
        .code(2);
    assert!(done.stderr.contains("--append"), "{}", done.stderr);
}
