//! `import --changelog`: every release, date and change line kept; Keep a
//! Changelog files come back exactly; releases attach to deploys by version.

use std::path::{Path, PathBuf};

use crate::harness::Sandbox;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn trimmed(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

#[test]
fn a_keep_a_changelog_file_comes_back_exactly() {
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    let path = fixture("changelogs/kac.md");
    let done = s
        .ledger(&["import", "--changelog", path.to_str().unwrap()])
        .code(0);
    assert!(
        done.stderr.contains(
            "3 release(s) (0 undated), 5 change line(s), the preamble, the link references"
        ),
        "{}",
        done.stderr
    );
    let rendered = s.ledger(&["render", "changelog"]).ok();
    let original = std::fs::read_to_string(&path).unwrap();
    if trimmed(&rendered) != trimmed(&original) {
        let (a, b) = (trimmed(&original), trimmed(&rendered));
        let diff = similar::TextDiff::from_lines(&a, &b);
        panic!("{}", diff.unified_diff().header("original", "rendered"));
    }
    // The entries are real: a yanked release, multi-line items.
    let entries = s.log_entries();
    assert_eq!(entries.len(), 3);
    assert!(
        entries
            .iter()
            .all(|e| e["kind"] == "release" && e["imported"] == true)
    );
    let yanked = entries.iter().find(|e| e["version"] == "3.1.1").unwrap();
    assert_eq!(yanked["release"]["yanked"], true);
    assert_eq!(yanked["release"]["date"], "2026-02-20");
    s.ledger(&["verify", "--no-git"]).ok();
    let shown = s.ledger(&["show", &format!("#{}", yanked["seq"])]).ok();
    assert!(
        shown.contains("release notes (2026-02-20 [YANKED]):") && shown.contains("Fixed:"),
        "{shown}"
    );
    // Comments in ledger.toml survive the import.
    assert!(
        s.read("ledger/ledger.toml")
            .contains("# ledger configuration: edited by people")
    );
}

#[test]
fn variants_keep_every_release_date_and_line() {
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    let path = fixture("changelogs/variants.md");
    let done = s
        .ledger(&["import", "--changelog", path.to_str().unwrap()])
        .code(0);
    assert!(
        done.stderr.contains("4 release(s) (1 undated)"),
        "{}",
        done.stderr
    );
    let rendered = s.ledger(&["render", "changelog"]).ok();
    for heading in [
        "## [2.0.0] - 2025-09-28",
        "## [1.4.0] - 2025-08-01",
        "## [v1.3.0]",
        "## [1.2.0] - 2025-05-05 [YANKED]",
    ] {
        assert!(rendered.contains(heading), "{heading} in\n{rendered}");
    }
    let original = std::fs::read_to_string(&path).unwrap();
    for line in original
        .lines()
        .filter(|l| l.starts_with("* ") || l.starts_with("- ") && *l != "- - -")
    {
        assert!(
            rendered.contains(&format!("- {}", &line[2..])),
            "{line} in\n{rendered}"
        );
    }
    assert!(
        rendered.contains("### ⚠ BREAKING CHANGES") && rendered.contains("### New Contributors ❤️"),
        "{rendered}"
    );
    assert!(
        rendered.contains("[2.0.0]: https://git.example/kiosk/compare/1.4.0...2.0.0"),
        "{rendered}"
    );
    // Newest first, the undated release placed by its neighbours.
    let order: Vec<usize> = ["[2.0.0]", "[1.4.0]", "[v1.3.0]", "[1.2.0]"]
        .iter()
        .map(|v| rendered.find(v).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{rendered}");
}

#[test]
fn releases_attach_to_the_deploys_of_a_document_by_version() {
    let s = Sandbox::new();
    let doc = fixture("docs/nordlicht.md");
    let changelog = fixture("changelogs/kac.md");
    let done = s
        .ledger(&[
            "import",
            doc.to_str().unwrap(),
            "--changelog",
            changelog.to_str().unwrap(),
        ])
        .code(0);
    assert!(
        done.stderr.contains("prints the document again")
            || done
                .stderr
                .contains("prints the same document but not the same bytes"),
        "{}",
        done.stderr
    );
    // Both documents come back.
    let aws = s.ledger(&["render"]).ok();
    assert_eq!(
        ledger::import::normalise_markdown(&aws),
        ledger::import::normalise_markdown(&std::fs::read_to_string(&doc).unwrap())
    );
    let rendered = s.ledger(&["render", "changelog"]).ok();
    assert_eq!(
        trimmed(&rendered),
        trimmed(&std::fs::read_to_string(&changelog).unwrap())
    );
    // The document's deploys are `v3.2.0`, the changelog's releases `3.2.0`: the
    // same versions, so each release's notes stand for its deploy.
    let log = s.log_entries();
    let kinds: Vec<&str> = log.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "release").count(), 3);
    assert_eq!(kinds.iter().filter(|k| **k == "deploy").count(), 4);
    s.ledger(&["verify", "--no-git"]).ok();
}

#[test]
fn a_duplicate_release_is_named() {
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write(
        "CHANGELOG.md",
        "# Changelog\n\n## [1.0.0] - 2025-01-01\n\n- a\n\n## [1.0.0] - 2024-01-01\n\n- b\n",
    );
    let before = s.journal();
    let done = s.ledger(&["import", "--changelog", "CHANGELOG.md"]).code(2);
    assert!(
        done.stderr
            .contains("CHANGELOG.md:7: version 1.0.0 is listed twice (first at line 3)"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);
}

#[test]
fn appending_a_document_with_a_changelog_writes_its_texts_and_checks_its_environment() {
    let s = Sandbox::new();
    let doc = fixture("docs/nordlicht.md");
    let changelog = fixture("changelogs/kac.md");
    s.ledger(&["import", doc.to_str().unwrap()]).ok();
    let before = (s.journal(), s.read("ledger/ledger.toml"));
    // A release environment the ledger does not declare: refused, nothing written.
    let done = s
        .ledger(&[
            "import",
            doc.to_str().unwrap(),
            "--changelog",
            changelog.to_str().unwrap(),
            "--append",
            "--env",
            "nowhere",
        ])
        .code(2);
    assert!(
        done.stderr.contains("unknown environment `nowhere`"),
        "{}",
        done.stderr
    );
    assert_eq!((s.journal(), s.read("ledger/ledger.toml")), before);
    s.ledger(&[
        "import",
        doc.to_str().unwrap(),
        "--changelog",
        changelog.to_str().unwrap(),
        "--append",
    ])
    .ok();
    let config = s.read("ledger/ledger.toml");
    assert!(
        config.contains("[changelog]") && config.contains("preamble"),
        "{config}"
    );
    assert!(
        config.contains("links"),
        "the link references too: {config}"
    );
    let rendered = s.ledger(&["render", "changelog"]).ok();
    let original = std::fs::read_to_string(&changelog).unwrap();
    let first_line = original.lines().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        rendered.starts_with(first_line),
        "the preamble heads the changelog"
    );
}
