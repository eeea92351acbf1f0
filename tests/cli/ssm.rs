//! SSM Parameter Store on moto_server: each declared parameter's version
//! (by name, or every one under a path) pinned per deploy, shown by `live`,
//! `history`, `diff` and the document, drift named by `verify --aws`, a
//! `String` written back by `rollback` and a `SecureString` left to a
//! person allowed to decrypt, without any value ever leaving AWS through
//! the ledger.

use serde_json::Value;

use crate::harness::Sandbox;
use crate::moto_config::{Config, World, assert_no_value, parameters};

const CONFIG: &str = r#"
[project]
title = "Picasso"
quick_commands = false

[environments.production]
bucket = "picasso-prod"
region = "us-east-1"

[[environments.production.parameters]]
name = "/picasso/production/api-url"

[[environments.production.parameters]]
name = "/picasso/production/secret/"
"#;

const URL: &str = "/picasso/production/api-url";
const PASSWORD: &str = "/picasso/production/secret/db-password";

#[test]
fn parameter_versions_are_pinned_audited_and_written_back() {
    let w = World::new(CONFIG);
    let config = Config::on(&w.moto);
    let first = w.record("v1");
    assert_eq!(
        parameters(&first),
        vec![(URL.to_string(), 1), (PASSWORD.to_string(), 1)],
        "a name and the parameters under a path; nothing of staging"
    );
    assert_eq!(first["parameters"][1]["type"], "SecureString");

    w.s.commit("src/app.js", "fix: second");
    config.put(URL, "https://api-two", "String");
    config.put(PASSWORD, "hunter-two", "SecureString");
    let recorded = w.ledger(&[
        "record",
        "--env",
        "production",
        "--version",
        "v2",
        "--format",
        "json",
    ]);
    recorded.assert_ok("record v2");
    assert!(
        recorded.stderr.contains(&format!("parameter {URL} 1 -> 2")),
        "{}",
        recorded.stderr
    );
    let second: Value = serde_json::from_str(&recorded.stdout).unwrap();
    assert_eq!(
        parameters(&second),
        vec![(URL.to_string(), 2), (PASSWORD.to_string(), 2)]
    );

    let at = first["deployed_at"].as_str().unwrap();
    let live = w.json(&["live", "--env", "production", "--at", at]);
    assert_eq!(parameters(&live)[0], (URL.to_string(), 1));
    let history = w.ok(&["history", "--env", "production", "--parameter", URL]);
    assert_eq!(
        history.lines().count(),
        3,
        "a heading and two versions: {history}"
    );
    let diff = w.ok(&["diff", "v1", "v2"]);
    assert!(diff.contains(&format!("parameter {URL} 1 -> 2")), "{diff}");

    let document = w.ok(&["render"]);
    assert!(
        document.contains("### SSM Parameters\n\n| Parameter | Type | Version | Last Modified |\n"),
        "{document}"
    );
    assert!(
        document.contains(&format!("| `{URL}` | String | 2 |")),
        "{document}"
    );
    let fresh = Sandbox::new();
    fresh.write("AWS_VERSIONS.md", &document);
    let imported = fresh.ledger(&["import", "AWS_VERSIONS.md"]).run();
    imported.assert_ok("import");
    assert!(
        imported.stderr.contains("byte for byte"),
        "{}",
        imported.stderr
    );

    w.ok(&["verify", "--aws"]);
    config.put(URL, "https://api-three", "String");
    let drifted = w.ledger(&["verify", "--aws"]);
    assert_eq!(drifted.code, 1, "{}", drifted.stderr);
    let said = format!("{}{}", drifted.stdout, drifted.stderr);
    assert!(said.contains(&format!("{URL}: serves version 3")), "{said}");
    w.record("v2-config");

    let plan = w.ok(&["rollback", "--env", "production", "--to", "v1", "--dry-run"]);
    assert!(
        plan.contains(&format!("aws ssm put-parameter --name {URL}")),
        "{plan}"
    );
    let rolled = w.ledger(&["rollback", "--env", "production", "--to", "v1", "--yes"]);
    rolled.assert_ok("rollback");
    let said = format!("{}{}", rolled.stdout, rolled.stderr);
    assert_no_value(&said);
    assert!(
        said.contains("a SecureString, which the ledger never decrypts"),
        "{said}"
    );
    assert_eq!(config.value(URL), ("https://api-one".to_string(), 4));
    assert_eq!(
        config.value(PASSWORD).0,
        "hunter-two",
        "not restored by the ledger"
    );
    let entry = w.json(&["show", "#4"]);
    assert_eq!(parameters(&entry), vec![(URL.to_string(), 4)]);
    w.ok(&["verify", "--aws"]);
    // `v1` now names the deploy and the rollback: ambiguous, both listed.
    let done = w.ledger(&["rollback", "--env", "production", "--to", "v1", "--dry-run"]);
    assert_eq!(done.code, 2);
    let said = &done.stderr;
    assert!(
        said.contains("#1 production v1") && said.contains("#4 production v1"),
        "{said}"
    );
    // A second rollback to the same release finds the value there already.
    let again = w.ok(&["rollback", "--env", "production", "--to", "#1", "--dry-run"]);
    assert!(!again.contains("put-parameter"), "{again}");
    // Nor are the objects copied again: they hold the release's content.
    assert!(
        !again.contains("copy-object") && !again.contains("  restore  "),
        "{again}"
    );
    // A value changed by hand is recorded by `reconcile`, and then agreed.
    config.put(URL, "https://api-by-hand", "String");
    assert_eq!(w.ledger(&["verify", "--aws"]).code, 1);
    let differences = w.ok(&["reconcile", "--env", "production", "--reason", "hotfix"]);
    assert!(
        differences.contains(URL) && differences.contains("4 -> 5"),
        "{differences}"
    );
    assert_no_value(&differences);
    let entry = w.json(&["show", "#5"]);
    assert_eq!(entry["kind"], "reconcile");
    assert_eq!(parameters(&entry), vec![(URL.to_string(), 5)]);
    w.ok(&["verify", "--aws"]);
    w.assert_no_value_in_files();
}

#[test]
fn a_missing_parameter_is_named_and_nothing_recorded() {
    let w = World::new(CONFIG);
    let before = w.s.journal();
    w.s.write(
        "ledger/ledger.toml",
        &CONFIG.replace(URL, "/picasso/production/api-uri"),
    );
    let done = w.ledger(&["record", "--env", "production", "--version", "v1"]);
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(
        done.stderr.contains("/picasso/production/api-uri"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr
            .contains("[[environments.production.parameters]]"),
        "{}",
        done.stderr
    );
    assert_eq!(w.s.journal(), before);
}

#[test]
fn discover_proposes_the_parameters_under_a_prefix() {
    let w = World::new(CONFIG);
    w.s.write(
        "ledger/ledger.toml",
        "[environments.production]\nbucket = \"picasso-prod\"\nregion = \"us-east-1\"\n",
    );
    let args = [
        "snapshot",
        "--discover",
        "--env",
        "production",
        "--prefix",
        "/picasso/production",
    ];
    let proposed = w.ok(&args);
    let declared = format!("[[environments.production.parameters]]\nname = \"{URL}\"");
    assert!(proposed.contains(&declared), "{proposed}");
    assert!(!proposed.contains("/picasso/staging"), "{proposed}");
}
