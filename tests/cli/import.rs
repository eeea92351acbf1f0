//! `import --git-tags`: releases from tags, attributed by reachability.

use serde_json::Value;

use crate::harness::Sandbox;

fn entries(s: &Sandbox) -> Vec<Value> {
    let mut entries = s.log_entries();
    entries.reverse();
    entries
}

fn texts(entry: &Value) -> Vec<String> {
    entry["changes"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| c["text"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn tags_become_releases_with_the_commits_only_they_reach() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: base");
    s.git(&["tag", "v1.9.0"]);
    // A maintenance branch from v1.9.0, released after v1.10.0 by date.
    s.git(&["checkout", "-q", "-b", "maint"]);
    s.commit("m.txt", "fix: backported crash fix");
    let maint = s.git(&["rev-parse", "HEAD"]);
    s.git(&["checkout", "-q", "main"]);
    s.commit("b.txt", "feat: search");
    s.commit("c.txt", "chore: bump deps");
    s.git(&[
        "merge",
        "--no-ff",
        "-q",
        "-m",
        "Merge branch 'maint'",
        "maint",
    ]);
    s.commit("d.txt", "perf: faster boot");
    s.git(&["tag", "-a", "v1.10.0", "-m", "release 1.10.0"]);
    s.git(&["tag", "v1.9.1", &maint]);
    s.git(&["tag", "not-a-release"]);
    s.commit("e.txt", "feat: unreleased work");

    let done = s.ledger(&["import", "--git-tags"]).code(0);
    assert!(
        done.stderr.contains("imported 3 release(s)"),
        "{}",
        done.stderr
    );
    let entries = entries(&s);
    let versions: Vec<&str> = entries
        .iter()
        .map(|e| e["version"].as_str().unwrap())
        .collect();
    // Chronological: v1.9.0, then the maintenance fix (committed before v1.10.0's last commits), then v1.10.0.
    assert_eq!(versions, ["v1.9.0", "v1.9.1", "v1.10.0"]);
    assert!(
        entries
            .iter()
            .all(|e| e["imported"] == true && e["env"] == "production")
    );
    let by_version = |v: &str| entries.iter().find(|e| e["version"] == v).unwrap();
    assert_eq!(texts(by_version("v1.9.0")), ["base"]);
    assert_eq!(
        texts(by_version("v1.9.1")),
        ["backported crash fix"],
        "the fix belongs to the maintenance release"
    );
    // v1.10.0 reaches the fix through the merge, but v1.9.1 (lower) claimed it.
    assert_eq!(texts(by_version("v1.10.0")), ["search", "faster boot"]);
    assert_eq!(
        by_version("v1.10.0")["commits"].as_array().unwrap().len(),
        4,
        "search, chore, merge, perf"
    );
    s.ledger(&["verify", "--no-git"]).ok();

    // The changelog shows them, newest first, with the unreleased commit on top.
    let changelog = s.ledger(&["render", "changelog"]).ok();
    let order: Vec<usize> = [
        "## [Unreleased]",
        "## [v1.10.0]",
        "## [v1.9.1]",
        "## [v1.9.0]",
    ]
    .iter()
    .map(|h| {
        changelog
            .find(h)
            .unwrap_or_else(|| panic!("{h} in {changelog}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{changelog}");
    assert!(changelog.contains("- unreleased work"), "{changelog}");

    // Importing again is refused; --append past the existing entries is refused by time order.
    let before = s.journal();
    let done = s.ledger(&["import", "--git-tags"]).code(2);
    assert!(done.stderr.contains("--append"), "{}", done.stderr);
    let done = s.ledger(&["import", "--git-tags", "--append"]).code(2);
    assert!(done.stderr.contains("time order"), "{}", done.stderr);
    assert_eq!(s.journal(), before);
    // Still refused with the releases sealed in segments (the test build's
    // limit) behind another environment's entry: found by the digests.
    let seal = ["record", "--no-aws", "--env", "staging", "--version", "s1"];
    s.ledger(&seal)
        .env("LEDGER_TEST_SEGMENT_MAX_ENTRIES", "1")
        .ok();
    assert!(
        !s.journal()
            .contains("kind = \"deploy\"\nenv = \"production\"")
    );
    let before = s.journal();
    let done = s.ledger(&["import", "--git-tags", "--append"]).code(2);
    assert!(done.stderr.contains("time order"), "{}", done.stderr);
    assert_eq!(s.journal(), before);
}

#[test]
fn a_custom_pattern_and_no_match() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    s.git(&["tag", "release-1"]);
    s.commit("a.txt", "fix: two");
    s.git(&["tag", "release-2"]);
    let done = s.ledger(&["import", "--git-tags"]).code(2);
    assert!(done.stderr.contains("no tag matches"), "{}", done.stderr);
    s.ledger(&[
        "import",
        "--git-tags",
        "--tag-pattern",
        "^release-\\d+$",
        "--env",
        "staging",
    ])
    .ok();
    let entries = entries(&s);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["env"], "staging");
    assert_eq!(texts(&entries[1]), ["two"]);
    let done = s
        .ledger(&["import", "--git-tags", "--tag-pattern", "(", "--append"])
        .code(2);
    assert!(done.stderr.contains("--tag-pattern"), "{}", done.stderr);
}
