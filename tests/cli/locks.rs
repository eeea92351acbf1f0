//! Environment locks, and records that take no lock while they capture.

use serde_json::Value;

use crate::harness::Sandbox;
use crate::moto::{Moto, Object};

#[test]
fn a_locked_environment_refuses_records_until_unlocked() {
    let s = Sandbox::with_ledger();
    s.commit("src/a.js", "feat: one");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1",
    ])
    .ok();
    s.ledger(&["check", "--env", "production"]).code(0);
    s.ledger(&["lock", "--env", "production", "--reason", "incident 42"])
        .ok();
    let done = s
        .ledger(&["lock", "--env", "production", "--reason", "again"])
        .code(2);
    assert!(done.stderr.contains("already locked"), "{}", done.stderr);

    let before = s.journal();
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v2",
        ])
        .code(2);
    assert!(
        done.stderr.contains("locked") && done.stderr.contains("incident 42"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before, "nothing recorded");
    let done = s.ledger(&["check", "--env", "production"]).code(1);
    assert!(done.stderr.contains("incident 42"), "{}", done.stderr);
    s.ledger(&["check", "--env", "staging"]).code(0);
    let status: Value =
        serde_json::from_str(&s.ledger(&["status", "--format", "json"]).ok()).unwrap();
    assert_eq!(status["schema"], 1);
    assert_eq!(status["environments"][0]["env"], "production");
    assert_eq!(status["environments"][0]["lock"]["reason"], "incident 42");
    assert_eq!(status["environments"][0]["live"]["version"], "v1");
    assert!(status["environments"][1]["lock"].is_null());
    let text = s.ledger(&["status"]).ok();
    assert!(text.contains("LOCKED #2 by ci-bot"), "{text}");

    // Forced through: the entry says so.
    let forced: Value = serde_json::from_str(
        &s.ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v2",
            "--force",
            "--format",
            "json",
        ])
        .ok(),
    )
    .unwrap();
    assert!(
        forced["notes"][0]
            .as_str()
            .unwrap()
            .contains("--force while `production` was locked (#2"),
        "{forced}"
    );
    s.ledger(&["unlock", "--env", "production"]).ok();
    s.ledger(&["check", "--env", "production"]).code(0);
    s.ledger(&["unlock", "--env", "production"]).code(2);
    s.commit("src/a.js", "feat: two");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v3",
    ])
    .ok();
    let log = s.ledger(&["log", "--env", "production"]).ok();
    assert!(
        log.contains("locked: incident 42") && log.contains("unlocked"),
        "{log}"
    );
    s.ledger(&["verify", "--no-git"]).ok();
}

fn site(moto: &Moto, bucket: &str) -> Sandbox {
    moto.bucket(bucket, true);
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write(
        "ledger/ledger.toml",
        &format!("[environments.production]\nbucket = \"{bucket}\"\nregion = \"us-east-1\"\n"),
    );
    s.commit_all("chore: ledger");
    s
}

#[test]
fn rollback_lock_keeps_the_next_pipeline_from_undoing_it() {
    let moto = Moto::start();
    let s = site(&moto, "lock-site");
    s.commit("src/a.js", "feat: one");
    moto.put_all("lock-site", &[Object::site("a.js", "1")]);
    moto.env(s.ledger(&["record", "--env", "production", "--version", "v1"]))
        .ok();
    s.commit("src/a.js", "feat: two");
    moto.put_all("lock-site", &[Object::site("a.js", "2")]);
    moto.env(s.ledger(&["record", "--env", "production", "--version", "v2"]))
        .ok();
    moto.env(s.ledger(&[
        "rollback",
        "--env",
        "production",
        "--to",
        "v1",
        "--yes",
        "--lock",
    ]))
    .ok();
    let done = s.ledger(&["check", "--env", "production"]).code(1);
    assert!(
        done.stderr.contains("rolled back to v1 (#3)"),
        "{}",
        done.stderr
    );
    // The next pipeline run refuses, and changes nothing.
    s.commit("src/a.js", "feat: three");
    moto.put_all("lock-site", &[Object::site("a.js", "3")]);
    let before = s.journal();
    let done = moto
        .env(s.ledger(&["record", "--env", "production", "--version", "v3"]))
        .code(2);
    assert!(done.stderr.contains("locked"), "{}", done.stderr);
    assert_eq!(s.journal(), before);
    // A rollback of a locked environment refuses too.
    let done = moto
        .env(s.ledger(&["rollback", "--env", "production", "--to", "v2", "--yes"]))
        .code(2);
    assert!(done.stderr.contains("locked"), "{}", done.stderr);
}

#[test]
fn a_record_whose_capture_overlaps_another_record_ends_with_right_files() {
    let moto = Moto::start();
    let bucket = "race-site";
    let s = site(&moto, bucket);
    s.commit("src/a.js", "feat: one");
    moto.put_all(bucket, &[Object::site("a.js", "1")]);
    moto.env(s.ledger(&["record", "--env", "production", "--version", "v1"]))
        .ok();
    // Pipeline A captures b.js, then waits before its append...
    s.commit("src/b.js", "feat: two");
    moto.put_all(bucket, &[Object::site("b.js", "1")]);
    let a = moto
        .env(s.ledger(&[
            "record",
            "--env",
            "production",
            "--version",
            "v2",
            "--format",
            "json",
        ]))
        .paused_before_append(&s.path().join("gate"));
    // ...while pipeline B, later, sees b.js and c.js and records first.
    s.commit("src/c.js", "feat: three");
    moto.put_all(bucket, &[Object::site("c.js", "1")]);
    let b: Value = serde_json::from_str(
        &moto
            .env(s.ledger(&[
                "record",
                "--env",
                "production",
                "--version",
                "v3",
                "--format",
                "json",
            ]))
            .ok(),
    )
    .unwrap();
    let keys = |entry: &Value| -> Vec<String> {
        entry["files"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                format!(
                    "{} {}",
                    f["action"].as_str().unwrap(),
                    f["key"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(keys(&b), ["put b.js", "put c.js"]);
    let out = a.release();
    out.assert_ok("the paused record");
    assert!(out.stderr.contains("listing again"), "{}", out.stderr);
    let a: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(a["seq"], 3, "A lands after B");
    assert!(
        keys(&a).is_empty(),
        "A claims neither b.js (B recorded it) nor a deletion of c.js: {a}"
    );
    let done = moto.env(s.ledger(&["verify", "--aws", "--no-git"])).code(0);
    assert!(done.stderr.contains("AWS matches"), "{}", done.stderr);
}
