//! `render`, `render --check`, templates and the context.

use std::path::Path;

use crate::harness::{Sandbox, ledger_bin};
use crate::record::scenario;

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn example_ledger_renders_the_seed_document() {
    let output = std::process::Command::new(ledger_bin())
        .arg("render")
        .current_dir(repo_root())
        .env_remove("LEDGER_DIR")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rendered = String::from_utf8(output.stdout).unwrap();
    let seed =
        std::fs::read_to_string(repo_root().join("tests/fixtures/seed-AWS_VERSIONS.md")).unwrap();
    // Byte for byte: the hand-kept widths of its separator rows included.
    if seed != rendered {
        let diff = similar::TextDiff::from_lines(&seed, &rendered);
        panic!(
            "render differs from the seed:\n{}",
            diff.unified_diff().header("seed", "rendered")
        );
    }
}

#[test]
fn scenario_documents_match_their_snapshots() {
    let s = scenario().sandbox;
    // Commits are named by their place in history (C1 is the first), so that
    // the snapshot does not hang on the bytes of files `init` writes.
    let shas = s.git(&["rev-list", "--all", "--reverse"]);
    let doc = shas
        .lines()
        .enumerate()
        .fold(s.ledger(&["render"]).ok(), |doc, (i, sha)| {
            doc.replace(&sha[..7], &format!("C{}", i + 1))
        });
    insta::assert_snapshot!("scenario_aws_versions", doc);
    let changelog = s.ledger(&["render", "changelog"]).ok();
    insta::assert_snapshot!("scenario_changelog", changelog);
}

#[test]
fn changelog_has_unreleased_commits_and_grouped_releases() {
    let s = scenario().sandbox;
    let changelog = s.ledger(&["render", "changelog"]).ok();
    let unreleased = changelog
        .find("## [Unreleased]")
        .expect("unreleased section");
    let v11 = changelog.find("## [v1.1.0] - 2026-01-03").expect("v1.1.0");
    let v1 = changelog.find("## [v1.0.0] - 2026-01-02").expect("v1.0.0");
    assert!(unreleased < v11 && v11 < v1, "{changelog}");
    assert!(
        changelog[unreleased..v11].contains("- search box"),
        "{changelog}"
    );
    let release = &changelog[v11..v1];
    let added = release.find("### Added").unwrap();
    let changed = release.find("### Changed").unwrap();
    let fixed = release.find("### Fixed").unwrap();
    assert!(
        added < changed && changed < fixed,
        "Keep a Changelog order: {release}"
    );
    assert!(
        release.contains("- **BREAKING** new embed API"),
        "{release}"
    );
}

#[test]
fn rendering_ignores_clock_and_time_zone() {
    let s = scenario().sandbox;
    let a = s.ledger(&["render"]).env("TZ", "Asia/Tokyo").ok();
    let b = s.ledger(&["render"]).env("TZ", "America/Los_Angeles").ok();
    assert_eq!(a, b);
    let c = s
        .ledger(&["render", "changelog"])
        .env("TZ", "Pacific/Kiritimati")
        .ok();
    let d = s.ledger(&["render", "changelog"]).ok();
    assert_eq!(c, d);
}

#[test]
fn check_passes_on_fresh_and_fails_on_stale_documents() {
    let s = scenario().sandbox;
    s.ledger(&["render", "-o", "AWS_VERSIONS.md"]).ok();
    s.ledger(&["render", "--check", "AWS_VERSIONS.md"]).ok();
    let fresh = s.read("AWS_VERSIONS.md");
    s.write(
        "AWS_VERSIONS.md",
        &fresh.replace("Grace Ops", "Somebody Else"),
    );
    let done = s.ledger(&["render", "--check", "AWS_VERSIONS.md"]).code(1);
    assert!(
        done.stdout.contains("-**Deployed By**: Somebody Else"),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout.contains("+**Deployed By**: Grace Ops"),
        "{}",
        done.stdout
    );
    assert!(done.stderr.contains("stale"), "{}", done.stderr);
    assert_eq!(
        s.read("AWS_VERSIONS.md"),
        fresh.replace("Grace Ops", "Somebody Else"),
        "check never writes"
    );
    let done = s.ledger(&["render", "--check", "MISSING.md"]).code(2);
    assert!(done.stderr.contains("MISSING.md"), "{}", done.stderr);
}

#[test]
fn templates_can_be_overridden_and_given() {
    let s = scenario().sandbox;
    s.write(
        "ledger/templates/changelog.md.tera",
        "{% for r in changelog.releases %}{{ r.version }};{% endfor %}",
    );
    assert_eq!(s.ledger(&["render", "changelog"]).ok(), "v1.1.0;v1.0.0;\n");
    s.write(
        "mine.tera",
        "{{ project.title }} has {{ deploys | length }} deploys; {{ \"a|b\" | cell }}",
    );
    assert_eq!(
        s.ledger(&["render", "--template", "mine.tera"]).ok(),
        "Test Site has 4 deploys; a\\|b\n"
    );
    s.write("broken.tera", "{% for x in %}");
    let done = s.ledger(&["render", "--template", "broken.tera"]).code(2);
    assert!(done.stderr.contains("broken.tera"), "{}", done.stderr);
    let done = s.ledger(&["render", "nonesuch"]).code(2);
    assert!(
        done.stderr.contains("nonesuch") && done.stderr.contains("templates"),
        "{}",
        done.stderr
    );
}

#[test]
fn table_cells_are_escaped() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "first");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1",
        "--change",
        "pipes | in | text",
        "--at",
        "2026-01-01T00:00:00Z",
    ])
    .ok();
    let mut config = s.read("ledger/ledger.toml");
    config.push_str(
        "\n[[environments.production.buckets]]\nname = \"site-prod\"\npurpose = \"a | b\"\n",
    );
    s.write("ledger/ledger.toml", &config);
    let doc = s.ledger(&["render"]).ok();
    assert!(
        doc.contains("| `site-prod` | a \\| b | 2026-01-01 |"),
        "{doc}"
    );
    assert!(
        doc.contains("- pipes | in | text"),
        "a list item keeps its pipes: {doc}"
    );
}

#[test]
fn html_output_is_a_standalone_page() {
    let s = scenario().sandbox;
    let html = s.ledger(&["render", "--format", "html"]).ok();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.contains("<table>") && html.contains("<td><code>site-prod</code></td>"),
        "{html}"
    );
}

#[test]
fn context_is_json_with_derived_fields() {
    let s = scenario().sandbox;
    let context: serde_json::Value = serde_json::from_str(&s.ledger(&["context"]).ok()).unwrap();
    assert_eq!(context["last_updated"], "2026-01-03");
    assert_eq!(context["environments"][0]["key"], "production");
    assert_eq!(
        context["environments"][0]["last_deploy"]["version"],
        "v1.1.0"
    );
    assert_eq!(
        context["environments"][0]["last_invalidation"]["id"],
        "I2YG0Q3RBCGZBJS7LIX9RP8HUP"
    );
    assert_eq!(context["deploys"].as_array().unwrap().len(), 4);
    assert_eq!(
        context["changelog"]["unreleased"]["groups"][0]["name"],
        "Added"
    );
}
