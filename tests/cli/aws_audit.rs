//! `live --at`, `history`, `diff`, `verify --aws` and `rollback` against a
//! real moto_server, each checked against what S3 itself says.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::harness::{Run, Sandbox};
use crate::moto::{Moto, Object};

/// Every version and delete marker of a bucket: (key, version ID, LastModified, is delete marker).
type Versions = Vec<(String, String, DateTime<Utc>, bool)>;

fn all_versions(moto: &Moto, bucket: &str) -> Versions {
    moto.block_on(async {
        let mut all = Vec::new();
        let (mut km, mut vm): (Option<String>, Option<String>) = (None, None);
        loop {
            let page = moto
                .s3
                .list_object_versions()
                .bucket(bucket)
                .set_key_marker(km.clone())
                .set_version_id_marker(vm.clone())
                .send()
                .await
                .unwrap();
            let time = |t: Option<&aws_sdk_s3::primitives::DateTime>| {
                let t = t.unwrap();
                DateTime::from_timestamp(t.secs(), t.subsec_nanos()).unwrap()
            };
            for v in page.versions() {
                all.push((
                    v.key().unwrap().into(),
                    v.version_id().unwrap().into(),
                    time(v.last_modified()),
                    false,
                ));
            }
            for m in page.delete_markers() {
                all.push((
                    m.key().unwrap().into(),
                    m.version_id().unwrap().into(),
                    time(m.last_modified()),
                    true,
                ));
            }
            if page.is_truncated() != Some(true) {
                break;
            }
            km = page.next_key_marker().map(String::from);
            vm = page.next_version_id_marker().map(String::from);
        }
        all
    })
}

/// What S3 says was live at `at`: per key, the newest version or delete
/// marker with LastModified at or before `at` (ties: listing order, newest first).
fn s3_live_at(versions: &Versions, at: DateTime<Utc>) -> BTreeMap<String, String> {
    let mut newest: BTreeMap<&str, (&DateTime<Utc>, &str, bool)> = BTreeMap::new();
    for (key, version, modified, marker) in versions {
        if *modified <= at {
            let replace = newest
                .get(key.as_str())
                .is_none_or(|(t, _, _)| modified > *t);
            if replace {
                newest.insert(key, (modified, version, *marker));
            }
        }
    }
    newest
        .into_iter()
        .filter(|(_, (_, _, marker))| !marker)
        .map(|(k, (_, v, _))| (k.to_string(), v.to_string()))
        .collect()
}

fn now() -> DateTime<Utc> {
    DateTime::from(SystemTime::now())
}

/// Sleeps until the wall clock is past `t` plus `margin`.
fn sleep_past(t: DateTime<Utc>, margin: Duration) {
    let target = t + chrono::Duration::from_std(margin).unwrap();
    while now() < target {
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Scenario {
    moto: Moto,
    sandbox: Sandbox,
    bucket: &'static str,
    /// An instant inside each deploy's window (after its record, before the next upload).
    windows: Vec<DateTime<Utc>>,
    /// Each deploy's record instant.
    records: Vec<DateTime<Utc>>,
    before_first: DateTime<Utc>,
}

fn obj(key: &str, body: &str) -> Object {
    Object::site(key, body)
}

/// Five deploys with puts, overwrites (one key twice between records),
/// deletes, and keys that exist only in later deploys.
fn scenario() -> Scenario {
    let moto = Moto::start();
    let bucket = "audit-site";
    moto.bucket(bucket, true);
    let distribution = moto.distribution(bucket);
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write(
        "ledger/ledger.toml",
        &format!(
            "[environments.production]\nbucket = \"{bucket}\"\nregion = \"us-east-1\"\ndistribution = \"{distribution}\"\n"
        ),
    );
    let deploys: Vec<(Vec<Object>, Vec<&str>)> = vec![
        (
            vec![obj("a.js", "a1"), obj("b.css", "b1"), obj("c.html", "c1")],
            vec![],
        ),
        (vec![obj("a.js", "a2"), obj("d.js", "d1")], vec!["b.css"]),
        (
            vec![
                obj("a.js", "a3-draft"),
                obj("a.js", "a3"),
                obj("b.css", "b3"),
            ],
            vec![],
        ),
        (vec![obj("c.html", "c4")], vec!["d.js"]),
        (vec![obj("e.json", "e5"), obj("b.css", "b5")], vec![]),
    ];
    let before_first = now();
    sleep_past(before_first, Duration::from_millis(1500));
    let mut windows = Vec::new();
    let mut records = Vec::new();
    for (n, (puts, deletes)) in deploys.into_iter().enumerate() {
        for object in puts {
            moto.put_all(bucket, &[object]);
        }
        moto.delete(bucket, &deletes);
        s.commit("app.txt", &format!("feat: release {}", n + 1));
        sleep_past(now(), Duration::from_millis(1100));
        let version = format!("v{}", n + 1);
        let done = moto
            .env(s.ledger(&["record", "--env", "production", "--version", &version]))
            .run();
        assert_eq!(done.code, 0, "{}", done.stderr);
        let recorded = now();
        records.push(recorded);
        let window = recorded + chrono::Duration::milliseconds(100);
        windows.push(window);
        // The next upload is more than a second after the window, so that
        // S3's one-second LastModified cannot place it inside.
        sleep_past(window, Duration::from_millis(1600));
    }
    Scenario {
        moto,
        sandbox: s,
        bucket,
        windows,
        records,
        before_first,
    }
}

fn live(s: &Sandbox, at: &str, key: Option<&str>) -> Value {
    let mut args = vec![
        "live",
        "--env",
        "production",
        "--at",
        at,
        "--format",
        "json",
    ];
    if let Some(key) = key {
        args.extend(["--key", key]);
    }
    serde_json::from_str(&s.ledger(&args).ok()).unwrap()
}

fn live_map(answer: &Value) -> BTreeMap<String, String> {
    answer["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap().to_string(),
                f["version_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn get_body(moto: &Moto, bucket: &str, key: &str, version: Option<&str>) -> Vec<u8> {
    moto.block_on(async {
        let out = moto
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .set_version_id(version.map(String::from))
            .send()
            .await
            .unwrap();
        out.body.collect().await.unwrap().into_bytes().to_vec()
    })
}

#[test]
fn audit_answers_match_s3_and_rollback_restores_the_bytes() {
    let Scenario {
        moto,
        sandbox: s,
        bucket,
        windows,
        records,
        before_first,
    } = scenario();
    let versions = all_versions(&moto, bucket);

    // live --at: for instants inside each deploy's window, and after the last.
    for (n, window) in windows.iter().enumerate() {
        let answer = live(&s, &rfc3339(*window), None);
        assert_eq!(answer["deploy"]["seq"], n as u64 + 1, "at {window}");
        assert_eq!(answer["deploy"]["version"], format!("v{}", n + 1));
        assert_eq!(
            live_map(&answer),
            s3_live_at(&versions, *window),
            "live at {window} (deploy {})",
            n + 1
        );
        assert!(answer["files"][0]["etag"].is_string() && answer["files"][0]["size"].is_u64());
    }
    let latest = live(&s, "now", None);
    assert_eq!(live_map(&latest), s3_live_at(&versions, now()));
    // One key, in a window where it was overwritten twice.
    let one = live(&s, &rfc3339(windows[2]), Some("a.js"));
    assert_eq!(one["files"].as_array().unwrap().len(), 1);
    assert_eq!(
        one["files"][0]["version_id"].as_str().unwrap(),
        s3_live_at(&versions, windows[2])["a.js"]
    );
    // A key that only exists in later deploys is absent before them.
    assert!(!live_map(&live(&s, &rfc3339(windows[3]), None)).contains_key("e.json"));
    // Before the first deploy: nothing was live, an answer (exit 0) that
    // says when the first deploy was, in text as in JSON.
    let before = rfc3339(before_first);
    let text = s
        .ledger(&["live", "--env", "production", "--at", &before])
        .ok();
    assert!(
        text.contains("nothing was live") && text.contains("first deploy of production is #1, at"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &s.ledger(&[
            "live",
            "--env",
            "production",
            "--at",
            &before,
            "--format",
            "json",
        ])
        .ok(),
    )
    .unwrap();
    assert!(json["deploy"].is_null(), "{json}");
    assert_eq!(json["files"].as_array().map(Vec::len), Some(0), "{json}");
    // A day means the end of it; the text form lists the objects.
    let text = s
        .ledger(&[
            "live",
            "--env",
            "production",
            "--at",
            &windows[4].format("%Y-%m-%d").to_string(),
        ])
        .ok();
    assert!(
        text.contains("entry #5") && text.contains("e.json"),
        "{text}"
    );

    // history: the versions of a.js that were latest at each record, deletions included.
    for key in ["a.js", "b.css", "d.js"] {
        let history: Value = serde_json::from_str(
            &s.ledger(&["history", key, "--env", "production", "--format", "json"])
                .ok(),
        )
        .unwrap();
        assert_eq!(history["schema"], 1);
        assert_eq!(history["key"], key);
        let got: Vec<(String, String)> = history["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["action"].as_str().unwrap().to_string(),
                    v["version_id"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut want: Vec<(String, String)> = Vec::new();
        for record in &records {
            let state = s3_live_at(&versions, *record);
            let now = match state.get(key) {
                Some(v) => ("put".to_string(), v.clone()),
                None => {
                    let marker = versions
                        .iter()
                        .filter(|(k, _, t, m)| k == key && *m && t <= record)
                        .max_by_key(|(_, _, t, _)| *t);
                    match marker {
                        Some((_, v, _, _)) => ("delete".to_string(), v.clone()),
                        None => continue,
                    }
                }
            };
            if want.last() != Some(&now) {
                want.push(now);
            }
        }
        assert_eq!(got, want, "history of {key}");
        let intervals = history["versions"].as_array().unwrap();
        for pair in intervals.windows(2) {
            assert_eq!(pair[0]["until"], pair[1]["from"], "{key}: intervals meet");
        }
        assert!(intervals.last().unwrap()["until"].is_null());
    }

    // diff #2 -> #4 equals the difference of S3's states in those windows.
    let diff: Value =
        serde_json::from_str(&s.ledger(&["diff", "#2", "#4", "--format", "json"]).ok()).unwrap();
    let (before, after) = (
        s3_live_at(&versions, windows[1]),
        s3_live_at(&versions, windows[3]),
    );
    let keys = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap().to_string())
            .collect()
    };
    let added: Vec<String> = after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .cloned()
        .collect();
    let deleted: Vec<String> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    let changed: Vec<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k).is_some_and(|b| b != *v))
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(keys(&diff["added"]), added);
    assert_eq!(keys(&diff["deleted"]), deleted);
    assert_eq!(keys(&diff["changed"]), changed);
    assert_eq!(
        diff["commits"].as_array().unwrap().len(),
        2,
        "releases 3 and 4"
    );

    // A clean ledger shows no drift.
    moto.env(s.ledger(&["verify", "--aws", "--no-git"])).ok();

    // Rollback to the second deploy: dry run first, then for real.
    let before_rollback = s.journal();
    let plan = moto
        .env(s.ledger(&["rollback", "--env", "production", "--to", "v2", "--dry-run"]))
        .ok();
    assert!(
        plan.contains("aws s3api copy-object --bucket audit-site --key a.js"),
        "{plan}"
    );
    assert!(
        plan.contains("aws s3api delete-object --bucket audit-site --key e.json"),
        "{plan}"
    );
    assert_eq!(s.journal(), before_rollback, "a dry run changes nothing");
    assert_eq!(
        all_versions(&moto, bucket).len(),
        versions.len(),
        "a dry run changes nothing in S3"
    );
    let done = moto
        .env(s.ledger(&["rollback", "--env", "production", "--to", "v2"]))
        .code(2);
    assert!(
        done.stderr.contains("--yes"),
        "no terminal, no confirmation: {}",
        done.stderr
    );
    assert_eq!(s.journal(), before_rollback);

    moto.env(s.ledger(&["rollback", "--env", "production", "--to", "v2", "--yes"]))
        .ok();
    let wanted = s3_live_at(&versions, windows[1]);
    let now_versions = all_versions(&moto, bucket);
    let current = s3_live_at(&now_versions, now() + chrono::Duration::seconds(5));
    assert_eq!(
        current.keys().collect::<Vec<_>>(),
        wanted.keys().collect::<Vec<_>>(),
        "same live keys as deploy 2"
    );
    for (key, version) in &wanted {
        assert_eq!(
            get_body(&moto, bucket, key, None),
            get_body(&moto, bucket, key, Some(version)),
            "{key}: the bytes of deploy 2"
        );
    }
    let entry: Value =
        serde_json::from_str(&s.ledger(&["show", "#6", "--format", "json"]).ok()).unwrap();
    assert_eq!(entry["kind"], "rollback");
    assert_eq!(entry["restores"], 2);
    assert!(
        entry["invalidation"]["id"].is_string(),
        "the changed paths were invalidated"
    );
    for file in entry["files"].as_array().unwrap() {
        let key = file["key"].as_str().unwrap();
        if file["action"] == "put" {
            assert_eq!(
                file["version_id"].as_str().unwrap(),
                current[key],
                "{key}: the new version is pinned"
            );
        }
    }
    // live after the rollback is right, and S3 agrees with the ledger.
    let after_rollback = live(&s, "now", None);
    assert_eq!(live_map(&after_rollback), current);
    moto.env(s.ledger(&["verify", "--aws", "--no-git"])).ok();
    // A rollback to the same release again copies nothing: S3 holds the
    // release's content (in new versions the first rollback made).
    let target = format!("#{}", entry["restores"]);
    let again = moto
        .env(s.ledger(&[
            "rollback",
            "--env",
            "production",
            "--to",
            &target,
            "--dry-run",
        ]))
        .run();
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        !again.stdout.contains("copy-object") && !again.stdout.contains("  restore  "),
        "{}",
        again.stdout
    );
    let doc = s.ledger(&["render"]).ok();
    assert!(doc.contains("Production Rollback to v2"), "{doc}");

    // Drift: an upload behind the ledger's back, and a deleted object.
    moto.put_all(bucket, &[obj("z.js", "sneaky"), obj("a.js", "hotfix")]);
    moto.delete(bucket, &["c.html"]);
    let done = moto.env(s.ledger(&["verify", "--aws", "--no-git"])).code(1);
    let drift: Vec<&str> = done
        .stdout
        .lines()
        .filter(|l| l.starts_with("DRIFT"))
        .collect();
    assert_eq!(drift.len(), 3, "{}", done.stdout);
    assert!(
        drift
            .iter()
            .any(|l| l.contains("z.js") && l.contains("no entry recorded")),
        "{drift:?}"
    );
    assert!(
        drift.iter().any(|l| l.contains("a.js: S3 serves version")),
        "{drift:?}"
    );
    assert!(
        drift
            .iter()
            .any(|l| l.contains("c.html") && l.contains("gone from S3")),
        "{drift:?}"
    );
    // A rollback refuses to start on drift.
    let journal = s.journal();
    let done = moto
        .env(s.ledger(&["rollback", "--env", "production", "--to", "v4", "--yes"]))
        .code(2);
    assert!(
        done.stderr.contains("drifted") && done.stderr.contains("--force"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), journal);
}

#[test]
fn rollback_refuses_when_a_needed_version_is_gone() {
    let moto = Moto::start();
    let bucket = "gone-site";
    moto.bucket(bucket, true);
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write(
        "ledger/ledger.toml",
        &format!("[environments.production]\nbucket = \"{bucket}\"\n"),
    );
    s.commit("app.txt", "feat: one");
    moto.put_all(bucket, &[obj("a.js", "a1"), obj("b.js", "b1")]);
    moto.env(s.ledger(&["record", "--env", "production", "--version", "v1"]))
        .ok();
    let first: Value =
        serde_json::from_str(&s.ledger(&["show", "v1", "--format", "json"]).ok()).unwrap();
    moto.put_all(bucket, &[obj("a.js", "a2"), obj("b.js", "b2")]);
    s.commit("app.txt", "feat: two");
    moto.env(s.ledger(&["record", "--env", "production", "--version", "v2"]))
        .ok();
    // A lifecycle rule (here: a permanent delete) removes an old version of b.js.
    let b1 = first["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "b.js")
        .unwrap()["version_id"]
        .as_str()
        .unwrap()
        .to_string();
    moto.block_on(async {
        moto.s3
            .delete_object()
            .bucket(bucket)
            .key("b.js")
            .version_id(&b1)
            .send()
            .await
            .unwrap();
    });
    let journal = s.journal();
    let versions_before = all_versions(&moto, bucket);
    let done = moto
        .env(s.ledger(&["rollback", "--env", "production", "--to", "v1", "--yes"]))
        .code(2);
    assert!(
        done.stderr.contains(&format!("b.js version {b1}")),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("nothing was changed"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), journal, "nothing recorded");
    assert_eq!(
        all_versions(&moto, bucket),
        versions_before,
        "nothing changed in S3"
    );
    // verify --aws names the vanished version too? No: it is not live. Live keys are intact.
    moto.env(s.ledger(&["verify", "--aws", "--no-git"])).ok();
}

#[test]
fn a_rollback_that_fails_half_way_records_only_what_it_did_and_reconcile_finishes_it() {
    // moto enforces IAM once its first calls are spent: the identity used
    // below may do everything but delete objects, so the rollback's delete
    // step fails after its first restore succeeded. A second identity may
    // do everything (the hand that applies the failed step afterwards).
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "8")]);
    let bucket = "half-site";
    moto.bucket(bucket, true); // calls 1-2
    let policy = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"s3:*","Resource":"*"},
            {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#;
    let (id, secret) = moto.iam_user("deployer", Some(policy));
    let admin = moto.iam_user(
        "admin",
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
    );
    let s3 = s3_as(&moto, &id, &secret);
    let put = |key: &str, body: &str| {
        moto.block_on(async {
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(body.as_bytes().to_vec().into())
                .send()
                .await
                .unwrap();
        })
    };
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write(
        "ledger/ledger.toml",
        &format!("[environments.production]\nbucket = \"{bucket}\"\n"),
    );
    let ledger = |args: &[&str]| {
        s.ledger(args)
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("AWS_ACCESS_KEY_ID", &id)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
    };
    s.commit("app.txt", "feat: one");
    put("a.js", "a1");
    put("e.js", "e1");
    ledger(&["record", "--env", "production", "--version", "v1"]).ok();
    s.commit("app.txt", "feat: two");
    put("a.js", "a2");
    put("c.js", "c2");
    put("e.js", "e2");
    ledger(&["record", "--env", "production", "--version", "v2"]).ok();

    // Plan, in key order: restore a.js, delete c.js (denied), restore e.js.
    let done = ledger(&["rollback", "--env", "production", "--to", "v1", "--yes"]).code(2);
    assert!(
        done.stderr.contains("rollback stopped at c.js"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("access denied: s3:DeleteObject"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("restored (1): a.js"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("not restored (2): c.js, e.js"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("recorded as #3"), "{}", done.stderr);
    let entry: Value =
        serde_json::from_str(&ledger(&["show", "#3", "--format", "json"]).ok()).unwrap();
    assert_eq!(entry["kind"], "rollback");
    assert!(
        entry["restores"].is_null(),
        "a partial rollback does not claim to restore #1"
    );
    assert_eq!(entry["files"].as_array().unwrap().len(), 1);
    assert_eq!(entry["files"][0]["key"], "a.js");
    assert!(
        entry["notes"][0]
            .as_str()
            .unwrap()
            .contains("partial rollback towards #1")
    );
    // What the ledger says is live is what S3 serves.
    ledger(&["verify", "--aws", "--no-git"]).ok();
    assert!(
        (entry["notes"].as_array().unwrap().iter()).any(|n| n
            .as_str()
            .unwrap()
            .contains("`ledger reconcile --env production`")),
        "the partial entry says what to run next: {}",
        entry["notes"]
    );
    reconcile_after_the_step_lands(&moto, bucket, admin, &ledger);
}

/// The step a partial rollback gave up on lands after all (deleted by
/// another hand): the ledger disagrees with S3 until `reconcile` records
/// it; then the rollback finishes what is left.
fn reconcile_after_the_step_lands(
    moto: &Moto,
    bucket: &str,
    (admin_id, admin_secret): (String, String),
    ledger: &dyn Fn(&[&str]) -> Run,
) {
    let v2: Value =
        serde_json::from_str(&ledger(&["show", "#2", "--format", "json"]).ok()).unwrap();
    let c_version = (v2["files"].as_array().unwrap().iter())
        .find(|f| f["key"] == "c.js")
        .map(|f| f["version_id"].as_str().unwrap().to_string())
        .unwrap();
    moto.block_on(async {
        s3_as(moto, &admin_id, &admin_secret)
            .delete_object()
            .bucket(bucket)
            .key("c.js")
            .send()
            .await
            .unwrap();
    });
    let drift = ledger(&["verify", "--aws", "--no-git"]).code(1);
    assert!(drift.stdout.contains("c.js"), "{}", drift.stdout);
    let refused = ledger(&["rollback", "--env", "production", "--to", "#1", "--yes"]).code(2);
    assert!(
        refused.stderr.contains("ledger reconcile --env production"),
        "{}",
        refused.stderr
    );

    // A dry run names the difference and records nothing.
    let dry = ledger(&["reconcile", "--env", "production", "--dry-run"]).run();
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(
        dry.stdout.trim(),
        format!("c.js: the ledger has version {c_version} live; S3 has deleted it")
    );
    ledger(&["show", "#4"]).code(2);
    let json: Value = serde_json::from_str(
        &ledger(&[
            "reconcile",
            "--env",
            "production",
            "--dry-run",
            "--format",
            "json",
        ])
        .ok(),
    )
    .unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["differences", "dry_run", "entry", "schema"],
        "{json}"
    );
    assert_eq!(json["entry"]["kind"], "reconcile");
    assert_eq!(json["differences"].as_array().unwrap().len(), 1);

    let why = "rollback #3 gave up on c.js; S3 deleted it";
    let done = ledger(&["reconcile", "--env", "production", "--reason", why]).run();
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr.contains("recorded #4 reconcile"),
        "{}",
        done.stderr
    );
    let entry: Value =
        serde_json::from_str(&ledger(&["show", "#4", "--format", "json"]).ok()).unwrap();
    assert_eq!(entry["kind"], "reconcile");
    assert_eq!(entry["reason"], why);
    assert_eq!(entry["version"], "v1", "the release the environment serves");
    let files = entry["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        (files[0]["key"].as_str(), files[0]["action"].as_str()),
        (Some("c.js"), Some("delete"))
    );
    ledger(&["verify", "--aws", "--no-git"]).ok();

    // Nothing differs now: nothing is recorded.
    let again = ledger(&["reconcile", "--env", "production"]).run();
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.stderr
    );
    assert!(
        again.stderr.contains("nothing was recorded"),
        "{}",
        again.stderr
    );
    ledger(&["show", "#5"]).code(2);

    // The rollback plans from the truth: only e.js is left to restore.
    let finished = ledger(&["rollback", "--env", "production", "--to", "#1", "--yes"]).run();
    assert_eq!(finished.code, 0, "{}", finished.stderr);
    let rolled: Value =
        serde_json::from_str(&ledger(&["show", "#5", "--format", "json"]).ok()).unwrap();
    let keys: Vec<&str> = (rolled["files"].as_array().unwrap().iter())
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["e.js"]);
    assert_eq!(rolled["restores"], 1);
    ledger(&["verify", "--aws", "--no-git"]).ok();
    let doc = ledger(&["render"]).ok();
    assert!(doc.contains("Reconcile with AWS (v1)"), "{doc}");
    assert!(doc.contains(&format!("**Reason**: {why}")), "{doc}");
}

/// An S3 client of moto with the given identity.
fn s3_as(moto: &Moto, id: &str, secret: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .http_client(ledger::aws::http_client())
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(&moto.endpoint)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                id, secret, None, None, "t",
            ))
            .force_path_style(true)
            .build(),
    )
}

#[test]
fn a_failed_invalidation_after_a_rollback_still_records_it() {
    let moto = Moto::start();
    let bucket = "inv-site";
    moto.bucket(bucket, true);
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write(
        "ledger/ledger.toml",
        &format!("[environments.production]\nbucket = \"{bucket}\"\ndistribution = \"EGONE\"\n"),
    );
    s.commit("app.txt", "feat: one");
    moto.put_all(bucket, &[obj("a.js", "a1")]);
    moto.env(s.ledger(&["record", "--env", "production", "--version", "v1"]))
        .ok();
    s.commit("app.txt", "feat: two");
    moto.put_all(bucket, &[obj("a.js", "a2")]);
    moto.env(s.ledger(&["record", "--env", "production", "--version", "v2"]))
        .ok();
    let done = moto
        .env(s.ledger(&["rollback", "--env", "production", "--to", "v1", "--yes"]))
        .code(2);
    assert!(
        done.stderr.contains("restored and recorded as #3"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr
            .contains("create-invalidation --distribution-id EGONE"),
        "{}",
        done.stderr
    );
    let entry: Value =
        serde_json::from_str(&s.ledger(&["show", "#3", "--format", "json"]).ok()).unwrap();
    assert_eq!(entry["restores"], 1);
    assert!(
        entry["notes"][0].as_str().unwrap().contains("invalidation"),
        "{entry}"
    );
    assert_eq!(get_body(&moto, bucket, "a.js", None), b"a1");
    moto.env(s.ledger(&["verify", "--aws", "--no-git"])).ok();
}
