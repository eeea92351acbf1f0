//! API Gateway on moto_server, beside SSM Parameter Store, as an incident
//! runbook uses them: each stage's deployment and each parameter's version
//! pinned per deploy, shown by `live`, `history`, `diff` and the document,
//! drift named by `verify --aws`, and "the API and its config back to last
//! Tuesday" by one `rollback`, without any parameter's value ever leaving
//! AWS through the ledger.

use serde_json::Value;

use crate::harness::Sandbox;
use crate::moto_config::{Config, World, assert_no_value, parameters};

/// The shared world, with the REST API `picasso-api` deployed to stage
/// `prod`; its ID.
fn world() -> (World, String) {
    let w = World::new(CONFIG);
    let config = Config::on(&w.moto);
    let api = config.rest_api("picasso-api");
    config.deploy(&api, "prod", "first release");
    (w, api)
}

const CONFIG: &str = r#"
[project]
title = "Picasso"
# The rollback commands are regenerated from the journal on import: left
# out, the document imports back byte for byte.
quick_commands = false

[environments.production]
bucket = "picasso-prod"
region = "us-east-1"

[[environments.production.parameters]]
name = "/picasso/production/api-url"

[[environments.production.parameters]]
name = "/picasso/production/secret/"

[[environments.production.apis]]
name = "picasso-api"
stage = "prod"

[changelog]
release_env = "production"
"#;

/// The deployment of an entry's or an answer's only stage.
fn deployment(value: &Value) -> String {
    value["apis"][0]["deployment"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn the_api_and_its_configuration_go_back_together() {
    let (w, api) = world();
    let config = Config::on(&w.moto);
    let d1 = config.serving(&api, "prod");
    let first = w.record("v1");
    assert_eq!(
        parameters(&first),
        vec![
            ("/picasso/production/api-url".to_string(), 1),
            ("/picasso/production/secret/db-password".to_string(), 1),
        ],
        "a name and the parameters under a path; nothing of staging"
    );
    assert_eq!(first["parameters"][1]["type"], "SecureString");
    assert_eq!(deployment(&first), d1);
    assert_eq!(first["apis"][0]["description"], "first release");

    // The second deploy writes both parameters and deploys the API again.
    w.s.commit("src/app.js", "fix: second");
    config.put("/picasso/production/api-url", "https://api-two", "String");
    config.put(
        "/picasso/production/secret/db-password",
        "hunter-two",
        "SecureString",
    );
    let d2 = config.deploy(&api, "prod", "second release");
    assert_ne!(d1, d2);
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
    for change in [
        "parameter /picasso/production/api-url 1 -> 2".to_string(),
        format!("picasso-api prod: deployment {d1} -> {d2}"),
    ] {
        assert!(
            recorded.stderr.contains(&change),
            "{change} in {}",
            recorded.stderr
        );
    }
    let second: Value = serde_json::from_str(&recorded.stdout).unwrap();
    assert_eq!(
        parameters(&second),
        vec![
            ("/picasso/production/api-url".to_string(), 2),
            ("/picasso/production/secret/db-password".to_string(), 2),
        ]
    );
    assert_eq!(deployment(&second), d2);

    // What was live between the deploys, and every version since.
    let at = first["deployed_at"].as_str().unwrap();
    let live = w.json(&["live", "--env", "production", "--at", at]);
    assert_eq!(
        parameters(&live)[0],
        ("/picasso/production/api-url".to_string(), 1)
    );
    assert_eq!(deployment(&live), d1);
    let text = w.ok(&["live", "--env", "production", "--at", at]);
    assert!(
        text.contains("/picasso/production/api-url version 1"),
        "{text}"
    );
    let history = w.ok(&[
        "history",
        "--env",
        "production",
        "--parameter",
        "/picasso/production/api-url",
    ]);
    assert_eq!(
        history.lines().count(),
        3,
        "a heading and two versions: {history}"
    );
    let stage = w.json(&[
        "history",
        "--env",
        "production",
        "--api",
        "picasso-api",
        "--stage",
        "prod",
    ]);
    let deployments: Vec<&str> = (stage["versions"].as_array().unwrap().iter())
        .map(|v| v["deployment"].as_str().unwrap())
        .collect();
    assert_eq!(deployments, vec![d1.as_str(), d2.as_str()]);
    let diff = w.json(&["diff", "v1", "v2"]);
    assert_eq!(diff["parameters"][0]["from_version"], 1);
    assert_eq!(diff["parameters"][0]["to_version"], 2);
    assert_eq!(diff["apis"][0]["from_deployment"], d1.as_str());
    let diff_text = w.ok(&["diff", "v1", "v2"]);
    assert!(
        diff_text.contains("parameter /picasso/production/api-url 1 -> 2"),
        "{diff_text}"
    );
    assert!(
        diff_text.contains(&format!("picasso-api prod: deployment {d1} -> {d2}")),
        "{diff_text}"
    );

    // The document, in the seed's style.
    let document = w.ok(&["render"]);
    assert!(
        document.contains("### SSM Parameters\n\n| Parameter | Type | Version | Last Modified |\n"),
        "{document}"
    );
    assert!(
        document.contains("| `/picasso/production/api-url` | String | 2 |"),
        "{document}"
    );
    assert!(
        document.contains("### API Gateway Stages\n\n| API | Stage | Deployment | Deployed |\n"),
        "{document}"
    );
    assert!(
        document.contains(&format!("| `picasso-api` | `prod` | `{d2}` |")),
        "{document}"
    );
    assert!(
        document
            .contains("**SSM Parameters**:\n- `/picasso/production/api-url`: version 2 (String)"),
        "{document}"
    );
    // ... which imports back as it was: the tables, the pins of each deploy.
    let fresh = Sandbox::new();
    fresh.write("AWS_VERSIONS.md", &document);
    let imported = fresh.ledger(&["import", "AWS_VERSIONS.md"]).run();
    imported.assert_ok("import");
    assert!(
        imported.stderr.contains("byte for byte"),
        "{}",
        imported.stderr
    );
    let shown = fresh.ledger(&["show", "#2", "--format", "json"]).ok();
    let pinned: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(pinned["parameters"][0]["version"], 2);
    assert_eq!(deployment(&pinned), d2);

    // A write behind the ledger's back is drift.
    w.ok(&["verify", "--aws"]);
    config.put("/picasso/production/api-url", "https://api-three", "String");
    let drifted = w.ledger(&["verify", "--aws"]);
    assert_eq!(drifted.code, 1, "{}", drifted.stderr);
    let said = format!("{}{}", drifted.stdout, drifted.stderr);
    assert!(
        said.contains("/picasso/production/api-url: serves version 3"),
        "{said}"
    );
    w.record("v2-config");

    // Back to v1: the stage re-pointed, the String written back as a new
    // version, the SecureString left for a person allowed to decrypt.
    let plan = w.ok(&["rollback", "--env", "production", "--to", "v1", "--dry-run"]);
    assert!(plan.contains("aws apigateway update-stage"), "{plan}");
    assert!(plan.contains(&format!("value={d1}")), "{plan}");
    assert!(
        plan.contains("aws ssm put-parameter --name /picasso/production/api-url"),
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
    assert_eq!(config.serving(&api, "prod"), d1);
    let (value, version) = config.value("/picasso/production/api-url");
    assert_eq!(value, "https://api-one");
    assert_eq!(version, 4, "written back as a new version");
    let (secret, _) = config.value("/picasso/production/secret/db-password");
    assert_eq!(
        secret, "hunter-two",
        "a SecureString is not restored by the ledger"
    );
    let entry = w.json(&["show", "#4"]);
    assert_eq!(entry["kind"], "rollback");
    assert_eq!(
        parameters(&entry),
        vec![("/picasso/production/api-url".to_string(), 4)]
    );
    assert_eq!(deployment(&entry), d1);
    w.ok(&["verify", "--aws"]);

    // No value anywhere in the ledger's files.
    w.assert_no_value_in_files();
}

#[test]
fn a_missing_stage_is_named_and_nothing_recorded() {
    let (w, _) = world();
    let before = w.s.journal();
    w.s.write(
        "ledger/ledger.toml",
        &CONFIG.replace("stage = \"prod\"", "stage = \"prd\""),
    );
    let done = w.ledger(&["record", "--env", "production", "--version", "v1"]);
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(
        done.stderr
            .contains("stage `prd` of REST API `picasso-api`"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("[[environments.production.apis]]"),
        "{}",
        done.stderr
    );
    assert_eq!(w.s.journal(), before);
    w.s.write(
        "ledger/ledger.toml",
        &CONFIG.replace("name = \"picasso-api\"", "name = \"picaso-api\""),
    );
    let done = w.ledger(&["record", "--env", "production", "--version", "v1"]);
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(
        done.stderr.contains("REST API `picaso-api`"),
        "{}",
        done.stderr
    );
    assert_eq!(w.s.journal(), before);
}

#[test]
fn discover_proposes_each_stage_of_the_apis_under_a_prefix() {
    let (w, _) = world();
    w.s.write(
        "ledger/ledger.toml",
        "[environments.production]\nbucket = \"picasso-prod\"\nregion = \"us-east-1\"\n",
    );
    let apis = w.ok(&[
        "snapshot",
        "--discover",
        "--env",
        "production",
        "--prefix",
        "picasso",
    ]);
    assert!(
        apis.contains("[[environments.production.apis]]\nname = \"picasso-api\"\nstage = \"prod\""),
        "{apis}"
    );
}
