//! `record`, `log` and `show` over a history with two environments,
//! conventional, plain and merge commits.

use crate::harness::Sandbox;

/// Builds the shared scenario: returns the sandbox and the SHAs of interest.
pub struct Scenario {
    pub sandbox: Sandbox,
    pub v1: String,
    pub v11: String,
}

pub fn scenario() -> Scenario {
    let s = Sandbox::with_ledger();
    s.commit_all("chore: add ledger");
    s.commit("src/app.js", "feat(widget): dark mode (#12)");
    s.commit("src/app.js", "Fix typo in footer");
    let v1 = s.git(&["rev-parse", "HEAD"]);
    s.git(&["tag", "v1.0.0"]);
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "staging",
        "--at",
        "2026-01-02T10:00:00Z",
    ])
    .ok();
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--at",
        "2026-01-02T12:00:00Z",
        "--invalidation",
        "I2YG0Q3RBCGZBJS7LIX9RP8HUP",
        "--build-time",
        "2026-01-02T11:59:00.250+01:00",
    ])
    .ok();
    s.git(&["checkout", "-q", "-b", "feature"]);
    s.commit("src/b.js", "fix: handle empty config (#15)");
    s.git(&["checkout", "-q", "main"]);
    s.commit("src/c.js", "perf: faster boot");
    s.git(&[
        "merge",
        "--no-ff",
        "-q",
        "-m",
        "Merge branch 'feature'",
        "feature",
    ]);
    s.commit("src/c.js", "ci: cache dependencies");
    s.commit(
        "src/d.js",
        "feat!: new embed API\n\nBREAKING CHANGE: init() takes an options object",
    );
    let v11 = s.git(&["rev-parse", "HEAD"]);
    s.git(&["tag", "v1.1.0"]);
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "staging",
        "--at",
        "2026-01-03T09:00:00Z",
    ])
    .ok();
    s.commit("src/e.js", "feat: search box");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--commit",
        "v1.1.0",
        "--at",
        "2026-01-03 15:30",
        "--by",
        "Grace Ops",
    ])
    .ok();
    Scenario {
        sandbox: s,
        v1,
        v11,
    }
}

fn entry_json(s: &Sandbox, reference: &str, env: Option<&str>) -> serde_json::Value {
    let mut args = vec!["show", reference, "--format", "json"];
    if let Some(env) = env {
        args.extend(["--env", env]);
    }
    serde_json::from_str(&s.ledger(&args).ok()).expect("json")
}

#[test]
fn record_takes_version_commit_range_and_changes_from_git() {
    let Scenario {
        sandbox: s,
        v1,
        v11,
    } = scenario();
    let first = entry_json(&s, "#2", None);
    assert_eq!(first["env"], "production");
    assert_eq!(first["version"], "v1.0.0", "version comes from the tag");
    assert_eq!(first["commit"], v1.as_str(), "full SHA stored");
    assert_eq!(first["deployed_at"], "2026-01-02T12:00:00Z");
    assert_eq!(
        first["build_time"], "2026-01-02T10:59:00.250Z",
        "normalised to UTC"
    );
    assert_eq!(first["deployed_by"], "ci-bot", "LEDGER_DEPLOYED_BY");
    assert_eq!(first["invalidation"]["id"], "I2YG0Q3RBCGZBJS7LIX9RP8HUP");
    // First deploy with no earlier tag: the whole history (3 commits), chore skipped.
    assert_eq!(first["commits"].as_array().unwrap().len(), 3);
    let texts: Vec<&str> = first["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["dark mode (#12)", "Fix typo in footer"]);
    assert_eq!(first["changes"][0]["group"], "Added");
    assert_eq!(first["changes"][0]["scope"], "widget");
    assert_eq!(first["changes"][0]["refs"][0], "#12");
    assert_eq!(
        first["changes"][1]["group"], "Changed",
        "plain commit -> default group"
    );

    let second = entry_json(&s, "v1.1.0", Some("production"));
    assert_eq!(second["seq"], 4);
    assert_eq!(second["commit"], v11.as_str());
    assert_eq!(second["deployed_at"], "2026-01-03T15:30:00Z");
    assert_eq!(second["deployed_by"], "Grace Ops");
    // Since the previous production deploy: fix, perf, merge, ci, feat! (5 commits).
    assert_eq!(second["commits"].as_array().unwrap().len(), 5);
    let changes = second["changes"].as_array().unwrap();
    let summary: Vec<(String, String)> = changes
        .iter()
        .map(|c| {
            (
                c["group"].as_str().unwrap().to_string(),
                c["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("Fixed".to_string(), "handle empty config (#15)".to_string()),
            ("Changed".to_string(), "faster boot".to_string()),
            ("Added".to_string(), "new embed API".to_string()),
        ],
        "merge and ci commits skipped"
    );
    assert_eq!(changes[2]["breaking"], true);
}

#[test]
fn log_lists_newest_first_and_filters_by_env() {
    let Scenario { sandbox: s, .. } = scenario();
    let log = s.ledger(&["log"]).ok();
    let seqs: Vec<&str> = log
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        seqs,
        ["SEQ", "#4", "#3", "#2", "#1"],
        "a header, then newest first"
    );
    assert!(log.lines().nth(1).unwrap().contains("Grace Ops"));
    let staging = s.ledger(&["log", "--env", "staging"]).ok();
    assert_eq!(staging.lines().count(), 3);
    assert!(staging.lines().skip(1).all(|l| l.contains("staging")));
    let json = s.log_entries();
    assert_eq!(json.len(), 4);
    assert_eq!(json[0]["seq"], 4);
}

#[test]
fn show_resolves_prefixes_and_reports_ambiguity() {
    let Scenario { sandbox: s, v1, .. } = scenario();
    // The same commit went to staging and production: a prefix is ambiguous...
    let done = s.ledger(&["show", &v1[..8]]).code(2);
    assert!(done.stderr.contains("ambiguous"), "{}", done.stderr);
    assert!(
        done.stderr.contains("#1 staging") && done.stderr.contains("#2 production"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("--env"), "{}", done.stderr);
    // ...until narrowed.
    let text = s.ledger(&["show", &v1[..8], "--env", "staging"]).ok();
    assert!(text.starts_with("entry #1 (deploy)"), "{text}");
    assert!(text.contains(&v1), "{text}");
    let text = s.ledger(&["show", "#4"]).ok();
    assert!(
        text.contains("Grace Ops") && text.contains("[Added] new embed API"),
        "{text}"
    );
}

#[test]
fn version_is_required_without_a_tag() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "first");
    let before = s.journal();
    let done = s
        .ledger(&["record", "--no-aws", "--env", "staging"])
        .code(2);
    assert!(done.stderr.contains("--version"), "{}", done.stderr);
    assert_eq!(s.journal(), before);
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "staging",
        "--version",
        "build-7",
    ])
    .ok();
    assert!(s.journal().contains("version = \"build-7\""));
}

#[test]
fn deployed_by_falls_back_to_ci_then_git() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "first");
    let run = |extra: &[(&str, &str)]| {
        let mut run = s.ledger(&[
            "record",
            "--no-aws",
            "--env",
            "staging",
            "--version",
            "v1",
            "--format",
            "json",
            "--dry-run",
        ]);
        run.command.env_remove("LEDGER_DEPLOYED_BY");
        for (k, v) in extra {
            run = run.env(k, v);
        }
        run
    };
    let by = |out: String| {
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["deployed_by"].clone()
    };
    assert_eq!(by(run(&[("GITHUB_ACTOR", "octocat")]).ok()), "octocat");
    assert_eq!(by(run(&[("GITLAB_USER_LOGIN", "tanuki")]).ok()), "tanuki");
    let done = run(&[]).code(2);
    assert!(done.stderr.contains("--by"), "{}", done.stderr);
    s.git(&["config", "user.name", "Local Person"]);
    assert_eq!(by(run(&[]).ok()), "Local Person");
}

#[test]
fn concurrent_time_order_is_enforced() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "first");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "staging",
        "--version",
        "v1",
        "--at",
        "2026-02-01T00:00:00Z",
    ])
    .ok();
    let before = s.journal();
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "staging",
            "--version",
            "v2",
            "--at",
            "2026-01-01T00:00:00Z",
        ])
        .code(2);
    assert!(done.stderr.contains("time order"), "{}", done.stderr);
    assert_eq!(s.journal(), before);
    // Another environment has its own timeline.
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1",
        "--at",
        "2026-01-01T00:00:00Z",
    ])
    .ok();
}
