//! The whole stack against moto_server: `snapshot` reads every declared
//! function, table, secret, alarm and log group, the document shows them in
//! its own style, changes and drift are named, Lambda versions are pinned
//! by `record` and restored by `rollback`, and no secret value is ever read.

use aws_sdk_cloudwatch::types::{StandardUnit, Statistic};
use serde_json::Value;

use crate::harness::{Done, Sandbox};
use crate::moto::{Moto, Object};
use crate::moto_stack::{AlarmSpec, Stack};

const SECRET_VALUE: &str = "s3cr3t-SIGNING-KEY-never-to-be-read";

const CONFIG: &str = r#"[project]
title = "Picasso"

[environments.production]
bucket = "stack-site"
region = "us-east-1"

[[environments.production.functions]]
name = "Master_Function"
alias = "live"

[[environments.production.functions]]
name = "Bedrock_Streaming_Handler"

[[environments.production.functions]]
name = "Analytics_Dashboard_API"

[[environments.production.functions]]
name = "Analytics_Event_Processor"

[[environments.production.tables]]
name = "picasso-audit"

[[environments.production.tables]]
name = "picasso-form-submissions"

[[environments.production.tables]]
name = "picasso-session-summaries"

[[environments.production.tables]]
name = "picasso-session-events"

[[environments.production.tables]]
name = "picasso-token-blacklist"

[[environments.production.secrets]]
id = "picasso/staging/jwt/signing-key"
purpose = "JWT token signing"

[[environments.production.secrets]]
id = "picasso/production/jwt/signing-key"
purpose = "JWT token signing"

[[monitoring.alarms]]
name = "Lambda Errors"

[[monitoring.alarms]]
name = "Lambda Duration"

[[monitoring.alarms]]
name = "DynamoDB Throttles"

[[monitoring.alarms]]
name = "CloudFront 5xx"

[[monitoring.log_groups]]
name = "/aws/lambda/Master_Function"

[[monitoring.log_groups]]
name = "/aws/lambda/Bedrock_Streaming_Handler"

[[monitoring.log_groups]]
name = "/aws/lambda/Analytics_Dashboard_API"
"#;

/// The stack of the issue: 4 functions (two runtimes, one with an alias),
/// 5 tables (PITR on and off, TTL on and off, one GSI), 2 secrets (one with
/// a new version), 4 alarms, 3 log groups, and the site bucket.
fn build_stack(moto: &Moto) {
    moto.bucket("stack-site", true);
    moto.put_all("stack-site", &[Object::site("widget.js", "v1")]);
    let stack = Stack::on(moto);
    stack.function("Master_Function", "python3.13", 512, 300, "master v1");
    let first = stack.publish("Master_Function", "master v1");
    stack.point("Master_Function", "live", &first);
    stack.function(
        "Bedrock_Streaming_Handler",
        "nodejs20.x",
        2048,
        300,
        "stream",
    );
    stack.function("Analytics_Dashboard_API", "python3.13", 512, 30, "api");
    stack.function("Analytics_Event_Processor", "python3.13", 256, 60, "events");
    for (table, gsi, pitr, ttl) in [
        ("picasso-audit", None, true, true),
        (
            "picasso-form-submissions",
            Some("tenant-submissions-index"),
            true,
            false,
        ),
        ("picasso-session-summaries", None, true, true),
        ("picasso-session-events", None, false, false),
        ("picasso-token-blacklist", None, false, true),
    ] {
        stack.table(table, gsi);
        if pitr {
            stack.pitr(table, true);
        }
        if ttl {
            stack.ttl(table);
        }
    }
    stack.secret("picasso/staging/jwt/signing-key", SECRET_VALUE);
    stack.secret("picasso/production/jwt/signing-key", "first value");
    stack.new_secret_value("picasso/production/jwt/signing-key", SECRET_VALUE);
    for spec in alarms() {
        stack.alarm(&spec);
    }
    stack.log_group("/aws/lambda/Master_Function", Some(30));
    stack.log_group("/aws/lambda/Bedrock_Streaming_Handler", Some(30));
    stack.log_group("/aws/lambda/Analytics_Dashboard_API", None);
}

fn alarms() -> Vec<AlarmSpec<'static>> {
    vec![
        AlarmSpec {
            name: "Lambda Errors",
            namespace: "AWS/Lambda",
            metric: "Errors",
            statistic: Statistic::Sum,
            threshold: 5.0,
            unit: None,
        },
        AlarmSpec {
            name: "Lambda Duration",
            namespace: "AWS/Lambda",
            metric: "Duration",
            statistic: Statistic::Average,
            threshold: 200.0,
            unit: Some(StandardUnit::Milliseconds),
        },
        AlarmSpec {
            name: "DynamoDB Throttles",
            namespace: "AWS/DynamoDB",
            metric: "ThrottledRequests",
            statistic: Statistic::Sum,
            threshold: 0.0,
            unit: None,
        },
        AlarmSpec {
            name: "CloudFront 5xx",
            namespace: "AWS/CloudFront",
            metric: "5xxErrorRate",
            statistic: Statistic::Average,
            threshold: 1.0,
            unit: Some(StandardUnit::Percent),
        },
    ]
}

fn sandbox() -> Sandbox {
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write("ledger/ledger.toml", CONFIG);
    s.commit("src/app.js", "feat: first");
    s
}

fn ok(done: Done, what: &str) -> Done {
    done.assert_ok(what);
    done
}

/// The text from the line `start` up to (not including) the line `end`.
fn section(document: &str, start: &str, end: &str) -> String {
    let from = document
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in:\n{document}"));
    let rest = &document[from..];
    let to = rest[start.len()..]
        .find(end)
        .map_or(rest.len(), |i| i + start.len());
    rest[..to].to_string()
}

#[test]
fn snapshot_then_render_shows_what_aws_says_in_the_documents_style() {
    let moto = Moto::start();
    build_stack(&moto);
    let s = sandbox();
    ok(moto.env(s.ledger(&["snapshot"])).run(), "snapshot");
    let document = s.ledger(&["render"]).ok();
    let environment = section(&document, "### Lambda Functions", "\n---");
    assert_eq!(
        environment,
        "### Lambda Functions

| Function | Runtime | Memory | Timeout | Last Deploy |
|----------|---------|--------|---------|-------------|
| `Master_Function` | Python 3.13 | 512 MB | 300s | - |
| `Bedrock_Streaming_Handler` | Node.js 20.x | 2048 MB | 300s | - |
| `Analytics_Dashboard_API` | Python 3.13 | 512 MB | 30s | - |
| `Analytics_Event_Processor` | Python 3.13 | 256 MB | 60s | - |

### DynamoDB Tables

| Table | Billing | PITR | TTL | GSIs |
|-------|---------|------|-----|------|
| `picasso-audit` | PAY_PER_REQUEST | Yes | Enabled | - |
| `picasso-form-submissions` | PAY_PER_REQUEST | Yes | Disabled | `tenant-submissions-index` |
| `picasso-session-summaries` | PAY_PER_REQUEST | Yes | Enabled | - |
| `picasso-session-events` | PAY_PER_REQUEST | No | Disabled | - |
| `picasso-token-blacklist` | PAY_PER_REQUEST | No | Enabled | - |

### Secrets Manager

| Secret ID | Purpose | Rotation |
|-----------|---------|----------|
| `picasso/staging/jwt/signing-key` | JWT token signing | Manual |
| `picasso/production/jwt/signing-key` | JWT token signing | Manual |
"
    );
    let monitoring = section(&document, "## Monitoring", "\n---");
    assert_eq!(
        monitoring,
        "## Monitoring

### CloudWatch Alarms

| Alarm | Metric | Threshold |
|-------|--------|-----------|
| Lambda Errors | `AWS/Lambda/Errors` | > 5 per 5 min |
| Lambda Duration | `AWS/Lambda/Duration` | > 200 ms |
| DynamoDB Throttles | `AWS/DynamoDB/ThrottledRequests` | > 0 per 5 min |
| CloudFront 5xx | `AWS/CloudFront/5xxErrorRate` | > 1% |

### Log Groups

| Log Group | Retention |
|-----------|-----------|
| `/aws/lambda/Master_Function` | 30 days |
| `/aws/lambda/Bedrock_Streaming_Handler` | 30 days |
| `/aws/lambda/Analytics_Dashboard_API` | Never expire |
"
    );
    // The snapshot entry holds what AWS said, in AWS's own terms.
    let entry: Value = serde_json::from_str(&s.ledger(&["show", "#1", "--format", "json"]).ok())
        .expect("show json");
    let functions = entry["inventory"]["functions"].as_array().unwrap();
    assert_eq!(functions[0]["runtime"], "python3.13");
    assert_eq!(functions[0]["aliases"][0]["name"], "live");
    assert_eq!(functions[0]["aliases"][0]["version"], "1");
    let secret = &entry["inventory"]["secrets"][1];
    assert!(
        secret["current_version"]
            .as_str()
            .is_some_and(|v| !v.is_empty()),
        "{secret}"
    );
}

#[test]
fn changes_are_drift_until_a_snapshot_names_them() {
    let moto = Moto::start();
    build_stack(&moto);
    let s = sandbox();
    ok(moto.env(s.ledger(&["snapshot"])).run(), "first snapshot");
    // A rotation (a new AWSCURRENT version) is how secrets live, not drift.
    let stack = Stack::on(&moto);
    stack.new_secret_value("picasso/staging/jwt/signing-key", "rotated value");
    let clean = moto.env(s.ledger(&["verify", "--aws", "--no-git"])).run();
    assert_eq!(clean.code, 0, "{}\n{}", clean.stdout, clean.stderr);

    stack.set_memory("Analytics_Dashboard_API", 1024);
    stack.pitr("picasso-audit", false);
    stack.retention("/aws/lambda/Analytics_Dashboard_API", 14);
    let mut errors = alarms().remove(0);
    errors.threshold = 10.0;
    stack.alarm(&errors);
    let expected = [
        "Analytics_Dashboard_API: memory 512 MB -> 1024 MB",
        "picasso-audit: PITR Yes -> No",
        "Lambda Errors: threshold > 5 per 5 min -> > 10 per 5 min",
        "/aws/lambda/Analytics_Dashboard_API: retention Never expire -> 14 days",
    ];

    let before = s.journal();
    let drift = moto.env(s.ledger(&["verify", "--aws", "--no-git"])).code(1);
    let lines: Vec<&str> = drift.stdout.lines().collect();
    assert_eq!(lines.len(), expected.len(), "{}", drift.stdout);
    for change in expected {
        let line = format!("DRIFT production {change} (since snapshot #1)");
        assert!(lines.contains(&line.as_str()), "{line}\n{}", drift.stdout);
    }
    assert_eq!(s.journal(), before, "verify changed the journal");

    ok(moto.env(s.ledger(&["snapshot"])).run(), "second snapshot");
    let shown = s.ledger(&["show", "#2"]).ok();
    for change in expected {
        assert!(
            shown.contains(&format!("    {change}\n")),
            "{change}\n{shown}"
        );
    }
    let log = s.ledger(&["log"]).ok();
    let row = log.lines().find(|l| l.starts_with("#2 ")).unwrap();
    assert!(
        row.contains("Analytics_Dashboard_API: memory 512 MB -> 1024 MB")
            && row.contains("3 more (ledger show #2)"),
        "{log}"
    );
    let context: Value = serde_json::from_str(&s.ledger(&["context"]).ok()).unwrap();
    let changes = &context["snapshots"][0]["configuration_changes"];
    // The four changes, and the rotation (recorded, not drift).
    assert_eq!(changes.as_array().map(Vec::len), Some(5), "{changes}");
    assert!(
        shown.contains("    picasso/staging/jwt/signing-key: AWSCURRENT version "),
        "{shown}"
    );
    // The document now shows the new values.
    let document = s.ledger(&["render"]).ok();
    assert!(
        document.contains("| `Analytics_Dashboard_API` | Python 3.13 | 1024 MB | 30s | - |"),
        "{document}"
    );
    assert!(
        document.contains("| `/aws/lambda/Analytics_Dashboard_API` | 14 days |"),
        "{document}"
    );
    let clean = moto.env(s.ledger(&["verify", "--aws", "--no-git"])).run();
    assert_eq!(clean.code, 0, "{}\n{}", clean.stdout, clean.stderr);

    // With the snapshots sealed in segments of their own (the test build's
    // limit), the next one still finds the last through their digests.
    let seal = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v-seal",
        ])
        .env("LEDGER_TEST_SEGMENT_MAX_ENTRIES", "1");
    ok(seal.run(), "a record that seals the snapshots");
    assert!(
        s.read("ledger/journal/0000000002.toml")
            .contains("kind = \"snapshot\"")
    );
    stack.set_memory("Analytics_Dashboard_API", 512);
    let third = ok(moto.env(s.ledger(&["snapshot"])).run(), "third snapshot");
    let line = "  changed: Analytics_Dashboard_API: memory 1024 MB -> 512 MB\n";
    assert!(third.stderr.contains(line), "{line}\n{}", third.stderr);
}

fn record(s: &Sandbox, moto: &Moto, version: &str) -> Value {
    let done = moto
        .env(s.ledger(&[
            "record",
            "--env",
            "production",
            "--version",
            version,
            "--format",
            "json",
        ]))
        .run();
    done.assert_ok("record");
    serde_json::from_str(&done.stdout).unwrap()
}

/// (name, version) of an entry's or an answer's functions.
fn versions(value: &Value) -> Vec<(String, String)> {
    value["functions"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|f| {
                    (
                        f["name"].as_str().unwrap().to_string(),
                        f["version"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn lambda_versions_are_pinned_and_rolled_back_through_the_alias() {
    let moto = Moto::start();
    build_stack(&moto);
    let stack = Stack::on(&moto);
    let s = sandbox();
    let first = record(&s, &moto, "v1");
    let pinned = versions(&first);
    assert!(
        pinned.contains(&("Master_Function".into(), "1".into())),
        "{pinned:?}"
    );
    assert!(
        pinned.contains(&("Analytics_Dashboard_API".into(), "$LATEST".into())),
        "{pinned:?}"
    );

    // The second deploy: new code behind the alias, and a new published
    // version of a function without one.
    s.commit("src/app.js", "fix: second");
    let second_version = stack.publish("Master_Function", "master v2");
    stack.point("Master_Function", "live", &second_version);
    stack.publish("Analytics_Dashboard_API", "api v2");
    stack.upload("Bedrock_Streaming_Handler", "stream v2, never published");
    let second = record(&s, &moto, "v2");
    assert_eq!(
        versions(&second),
        vec![
            ("Master_Function".to_string(), second_version.clone()),
            (
                "Bedrock_Streaming_Handler".to_string(),
                "$LATEST".to_string()
            ),
            ("Analytics_Dashboard_API".to_string(), "1".to_string()),
        ]
    );

    // Between the two deploys, the first version served.
    let at = first["deployed_at"].as_str().unwrap();
    let live: Value = serde_json::from_str(
        &s.ledger(&[
            "live",
            "--env",
            "production",
            "--at",
            at,
            "--format",
            "json",
        ])
        .ok(),
    )
    .unwrap();
    let master = live["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Master_Function")
        .unwrap();
    assert_eq!(master["version"], "1");
    assert_eq!(master["alias"], "live");
    assert!(
        master["code_sha256"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    let history = s
        .ledger(&[
            "history",
            "--env",
            "production",
            "--function",
            "Master_Function",
        ])
        .ok();
    let rows: Vec<&str> = history.lines().collect();
    assert_eq!(rows.len(), 3, "{history}");
    assert!(rows[0].starts_with("SEQ"), "{history}");
    assert!(
        rows[2].contains(&format!("  {second_version}  ")) && rows[2].ends_with(" .. now"),
        "{history}"
    );
    let diff = s.ledger(&["diff", "v1", "v2"]).ok();
    assert!(
        diff.contains("function Master_Function version 1 (code ")
            && diff.contains(&format!(") -> {second_version} (code ")),
        "{diff}"
    );
    // Without a snapshot the table has only what the journal knows.
    let document = s.ledger(&["render"]).ok();
    let day = &second["deployed_at"].as_str().unwrap()[..10];
    assert!(
        document.contains(&format!("| `Master_Function` | {day} |")),
        "{document}"
    );

    // The document's Lambda Versions come back from an import unchanged.
    assert!(
        document.contains(&format!(
            "**Lambda Versions**:\n- `Master_Function` (alias `live`): version {second_version} (code `"
        )),
        "{document}"
    );
    assert!(
        document.contains(
            "# Point Lambda aliases back (undo v2)\naws lambda update-alias --function-name Master_Function --name live --function-version 1\n"
        ),
        "{document}"
    );
    let adopted = Sandbox::new();
    adopted.write("AWS_VERSIONS.md", &document);
    adopted.ledger(&["import", "AWS_VERSIONS.md"]).ok();
    // Rollback Commands are regenerated from the journal (imported history
    // pins no S3 versions); everything before them comes back as it was.
    let before_commands = |text: &str| text.split("## Quick Commands").next().unwrap().to_string();
    assert_eq!(
        before_commands(&adopted.ledger(&["render"]).ok()),
        before_commands(&document)
    );
    let imported = adopted.log_entries();
    assert_eq!(versions(&imported[0]), versions(&second));

    // A dry run says what it would do and changes nothing.
    let journal = s.journal();
    let plan = moto
        .env(s.ledger(&["rollback", "--env", "production", "--to", "v1", "--dry-run"]))
        .run();
    plan.assert_ok("rollback --dry-run");
    assert!(
        plan.stdout.contains(&format!(
            "re-point Master_Function:live  {second_version} -> 1"
        )),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(
            "aws lambda update-alias --function-name Master_Function --name live --function-version 1"
        ),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("skip     Analytics_Dashboard_API serves version 1"),
        "{}",
        plan.stdout
    );
    assert_eq!(
        stack.alias_version("Master_Function", "live"),
        second_version
    );
    assert_eq!(s.journal(), journal);
    // Without --yes and no terminal to ask: refused, saying what would
    // change (a function's alias, no object).
    let unconfirmed = moto
        .env(s.ledger(&["rollback", "--env", "production", "--to", "v1"]))
        .code(2);
    assert!(
        unconfirmed
            .stderr
            .contains("rollback changes 1 function(s) in `production`: confirm with --yes"),
        "{}",
        unconfirmed.stderr
    );
    assert_eq!(s.journal(), journal);

    // The rollback re-points the alias and records it.
    let done = moto
        .env(s.ledger(&["rollback", "--env", "production", "--to", "v1", "--yes"]))
        .run();
    done.assert_ok("rollback");
    assert_eq!(stack.alias_version("Master_Function", "live"), "1");
    let entries = s.log_entries();
    let rollback = &entries[0];
    assert_eq!(rollback["kind"], "rollback");
    assert_eq!(
        versions(rollback),
        vec![("Master_Function".to_string(), "1".to_string())]
    );
    // The ledger knows what serves now: the alias moved back, and the
    // function without one still on the version v2 published.
    let verify = moto.env(s.ledger(&["verify", "--aws", "--no-git"])).run();
    assert_eq!(verify.code, 0, "{}\n{}", verify.stdout, verify.stderr);
    let now: Value = serde_json::from_str(
        &s.ledger(&["live", "--env", "production", "--format", "json"])
            .ok(),
    )
    .unwrap();
    let mut serving = versions(&now);
    serving.sort();
    assert_eq!(
        serving,
        vec![
            ("Analytics_Dashboard_API".to_string(), "1".to_string()),
            (
                "Analytics_Event_Processor".to_string(),
                "$LATEST".to_string()
            ),
            (
                "Bedrock_Streaming_Handler".to_string(),
                "$LATEST".to_string()
            ),
            ("Master_Function".to_string(), "1".to_string()),
        ]
    );
    // Moved behind the ledger's back, the alias is drift.
    stack.point("Master_Function", "live", &second_version);
    let drift = moto.env(s.ledger(&["verify", "--aws", "--no-git"])).code(1);
    assert!(
        drift.stdout.starts_with(&format!(
            "DRIFT production Master_Function: serves version {second_version} "
        )),
        "{}",
        drift.stdout
    );
}

#[test]
fn no_secret_value_is_read_recorded_or_printed() {
    let moto = Moto::start();
    build_stack(&moto);
    let s = sandbox();
    let mut outputs = Vec::new();
    for args in [
        &["snapshot", "--format", "json"][..],
        &[
            "record",
            "--env",
            "production",
            "--version",
            "v1",
            "--format",
            "json",
        ],
        &["snapshot", "--env", "production"],
        &["verify", "--aws", "--no-git"],
    ] {
        let done = moto.env(s.ledger(args)).run();
        done.assert_ok(&args.join(" "));
        outputs.push(done.stdout + &done.stderr);
    }
    for args in [
        &["show", "#1"][..],
        &["show", "#1", "--format", "json"],
        &["log", "--format", "json"],
        &["render"],
        &["render", "--format", "html"],
        &["context"],
        &["live", "--env", "production", "--format", "json"],
        &["status"],
    ] {
        let done = s.ledger(args).run();
        done.assert_ok(&args.join(" "));
        outputs.push(done.stdout + &done.stderr);
    }
    for output in &outputs {
        assert!(!output.contains(SECRET_VALUE), "{output}");
        assert!(!output.contains("first value"), "{output}");
    }
    for file in walk(&s.path().join("ledger")) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(SECRET_VALUE), "{}", file.display());
    }
    // The secrets were read: their rotation and AWSCURRENT version are there.
    let journal = s.journal();
    assert!(journal.contains("[[entry.inventory.secrets]]"), "{journal}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for item in std::fs::read_dir(dir).unwrap().flatten() {
        let path = item.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_declared_resource_that_does_not_exist_is_named_and_nothing_recorded() {
    let moto = Moto::start();
    build_stack(&moto);
    let s = sandbox();
    s.write(
        "ledger/ledger.toml",
        &format!("{CONFIG}\n[[environments.production.tables]]\nname = \"picasso-typo\"\n"),
    );
    let before = s.journal();
    let done = moto.env(s.ledger(&["snapshot"])).code(2);
    assert!(
        done.stderr
            .contains("DynamoDB table `picasso-typo` does not exist (dynamodb:DescribeTable)"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr
            .contains("under `[[environments.production.tables]]` in ledger.toml"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);

    // A wrong alias is refused before any record or rollback trips on it.
    s.write(
        "ledger/ledger.toml",
        &CONFIG.replace("alias = \"live\"", "alias = \"prod\""),
    );
    let done = moto.env(s.ledger(&["snapshot"])).code(2);
    assert!(
        done.stderr.contains(
            "alias `prod` of Lambda function `Master_Function` does not exist (lambda:ListAliases)"
        ) && done.stderr.contains("its aliases are: live"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);

    // Deleted in AWS after a snapshot: snapshot names them all and records
    // nothing; verify --aws reports them as drift.
    s.write("ledger/ledger.toml", CONFIG);
    ok(moto.env(s.ledger(&["snapshot"])).run(), "snapshot");
    let stack = Stack::on(&moto);
    stack.delete_alarm("Lambda Duration");
    stack.delete_log_group("/aws/lambda/Analytics_Dashboard_API");
    let before = s.journal();
    let done = moto.env(s.ledger(&["snapshot"])).code(2);
    assert!(
        done.stderr
            .contains("CloudWatch alarm `Lambda Duration` does not exist"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);
    let drift = moto.env(s.ledger(&["verify", "--aws", "--no-git"])).code(1);
    assert!(
        drift.stdout.contains(
            "DRIFT production Lambda Duration: gone from AWS (CloudWatch alarm) (since snapshot #1)"
        ) && drift.stdout.contains(
            "DRIFT production /aws/lambda/Analytics_Dashboard_API: gone from AWS (log group)"
        ),
        "{}",
        drift.stdout
    );
    // A declaration removed from ledger.toml is not drift.
    s.write(
        "ledger/ledger.toml",
        &CONFIG.replace("[[monitoring.alarms]]\nname = \"Lambda Duration\"\n\n", ""),
    );
    let drift = moto.env(s.ledger(&["verify", "--aws", "--no-git"])).code(1);
    assert!(
        !drift.stdout.contains("Lambda Duration"),
        "{}",
        drift.stdout
    );
}

#[test]
fn access_denied_on_one_service_names_the_call_and_records_nothing() {
    // moto checks credentials against its IAM once the first calls are spent:
    // 2 for the bucket, 3 for the role and the function, 3 for the user below.
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "8")]);
    moto.bucket("stack-site", true);
    Stack::on(&moto).function("Master_Function", "python3.13", 512, 300, "code");
    let (key_id, secret) = moto.iam_user(
        "s3-only",
        Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","cloudfront:*"],"Resource":"*"}]}"#,
        ),
    );
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write(
        "ledger/ledger.toml",
        "[project]\ntitle = \"P\"\n\n[environments.production]\nbucket = \"stack-site\"\nregion = \"us-east-1\"\n\n\
         [[environments.production.functions]]\nname = \"Master_Function\"\n",
    );
    let before = s.journal();
    let done = s
        .ledger(&["snapshot", "--max-attempts", "1"])
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", &key_id)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .code(2);
    assert!(
        done.stderr.contains(
            "access denied: lambda:GetFunctionConfiguration on Lambda function `Master_Function`"
        ),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);
}

#[test]
fn discover_declares_what_the_account_holds_and_write_keeps_the_comments() {
    let moto = Moto::start();
    build_stack(&moto);
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    let config = "# Our stack: keep this comment.\n[project]\ntitle = \"Picasso\"\n\n\
                  [environments.production]\nbucket = \"stack-site\" # the site\nregion = \"us-east-1\"\n\
                  # profile = \"admin\"   # a setting to uncomment later\n\n\
                  [[environments.production.tables]]\nname = \"picasso-audit\"\n\n\
                  [changelog]\n# default_group = \"Changed\"\n";
    s.write("ledger/ledger.toml", config);
    let printed = moto
        .env(s.ledger(&["snapshot", "--discover", "--env", "production"]))
        .run();
    printed.assert_ok("discover");
    let declarations: toml::Table = toml::from_str(&printed.stdout).expect("printed TOML");
    let names = |path: &[&str], key: &str| -> Vec<String> {
        let mut item = toml::Value::Table(declarations.clone());
        for part in path {
            item = item
                .get(part)
                .cloned()
                .unwrap_or(toml::Value::Array(vec![]));
        }
        item.as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| r[key].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        names(&["environments", "production", "functions"], "name"),
        [
            "Analytics_Dashboard_API",
            "Analytics_Event_Processor",
            "Bedrock_Streaming_Handler",
            "Master_Function"
        ]
    );
    // Declared already: not proposed again.
    assert_eq!(
        names(&["environments", "production", "tables"], "name"),
        [
            "picasso-form-submissions",
            "picasso-session-events",
            "picasso-session-summaries",
            "picasso-token-blacklist"
        ]
    );
    assert_eq!(
        names(&["environments", "production", "secrets"], "id").len(),
        2
    );
    assert_eq!(names(&["monitoring", "alarms"], "name").len(), 4);
    assert_eq!(names(&["monitoring", "log_groups"], "name").len(), 3);
    assert!(
        printed
            .stdout
            .contains("name = \"Master_Function\"\nalias = \"live\"\n"),
        "{}",
        printed.stdout
    );
    assert_eq!(
        s.read("ledger/ledger.toml"),
        config,
        "printing changed the file"
    );

    // With a prefix, only what starts with it (log groups of functions too).
    let narrowed = moto
        .env(s.ledger(&[
            "snapshot",
            "--discover",
            "--env",
            "production",
            "--prefix",
            "Analytics_",
        ]))
        .ok();
    let narrowed: toml::Table = toml::from_str(&narrowed).unwrap();
    assert_eq!(
        narrowed["environments"]["production"]["functions"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        narrowed["monitoring"]["log_groups"][0]["name"].as_str(),
        Some("/aws/lambda/Analytics_Dashboard_API")
    );
    assert!(
        narrowed["environments"]["production"]
            .get("tables")
            .is_none()
    );

    // --write adds them, keeps the comments, and the snapshot reads them all.
    moto.env(s.ledger(&["snapshot", "--discover", "--env", "production", "--write"]))
        .ok();
    let written = s.read("ledger/ledger.toml");
    assert!(
        written.starts_with("# Our stack: keep this comment.\n"),
        "{written}"
    );
    assert!(
        written.contains("bucket = \"stack-site\" # the site\n"),
        "{written}"
    );
    let again = moto
        .env(s.ledger(&["snapshot", "--discover", "--env", "production"]))
        .run();
    assert_eq!(again.stdout, "", "{}", again.stderr);
    assert!(again.stderr.contains("nothing to add"), "{}", again.stderr);
    ok(moto.env(s.ledger(&["snapshot"])).run(), "snapshot");

    // Another environment of the same account is not offered production's
    // resources: each is named with where it is declared.
    let mut two = s.read("ledger/ledger.toml");
    two.push_str(
        "\n[environments.staging]\nbucket = \"stack-site-staging\"\nregion = \"us-east-1\"\n",
    );
    s.write("ledger/ledger.toml", &two);
    let staging = moto
        .env(s.ledger(&["snapshot", "--discover", "--env", "staging"]))
        .run();
    staging.assert_ok("discover staging");
    assert!(
        !staging.stdout.contains("Master_Function"),
        "{}",
        staging.stdout
    );
    assert!(
        !staging.stdout.contains("picasso-audit"),
        "{}",
        staging.stdout
    );
    assert!(
        staging
            .stderr
            .contains("`Master_Function` (declared under production)")
            && staging
                .stderr
                .contains("`picasso-audit` (declared under production)"),
        "{}",
        staging.stderr
    );
    let document = s.ledger(&["render"]).ok();
    assert!(
        document.contains("| `picasso-form-submissions` | PAY_PER_REQUEST | Yes | Disabled | `tenant-submissions-index` |"),
        "{document}"
    );
    assert!(
        document.contains("| Lambda Duration | `AWS/Lambda/Duration` | > 200 ms |"),
        "{document}"
    );
}

#[test]
fn a_record_racing_another_never_pins_an_older_lambda_version() {
    let moto = Moto::start();
    build_stack(&moto);
    let stack = Stack::on(&moto);
    let s = sandbox();
    record(&s, &moto, "v1");
    // Pipeline A reads Master_Function at version 2, then waits before its append...
    s.commit("src/app.js", "fix: two");
    let two = stack.publish("Master_Function", "master v2");
    stack.point("Master_Function", "live", &two);
    let a = moto
        .env(s.ledger(&[
            "record",
            "--env",
            "production",
            "--version",
            "v2",
            "--allow-empty",
            "--format",
            "json",
        ]))
        .paused_before_append(&s.path().join("gate"));
    // ...while pipeline B deploys version 3 and records first.
    s.commit("src/app.js", "fix: three");
    let three = stack.publish("Master_Function", "master v3");
    stack.point("Master_Function", "live", &three);
    let b = record(&s, &moto, "v3");
    assert!(versions(&b).contains(&("Master_Function".to_string(), three.clone())));
    let out = a.release();
    out.assert_ok("the paused record");
    assert!(out.stderr.contains("reading them again"), "{}", out.stderr);
    let a: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        !versions(&a)
            .iter()
            .any(|(name, _)| name == "Master_Function"),
        "A must not pin the version 2 it read before B: {a}"
    );
    let live: Value = serde_json::from_str(
        &s.ledger(&["live", "--env", "production", "--format", "json"])
            .ok(),
    )
    .unwrap();
    assert!(versions(&live).contains(&("Master_Function".to_string(), three)));
}
