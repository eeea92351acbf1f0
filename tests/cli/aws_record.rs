//! `record` and `snapshot` against a real moto_server: the entry pins the
//! exact object versions S3 reports, over pages of any size, and the
//! invalidation CloudFront made.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::{Done, Sandbox};
use crate::moto::{Moto, Object, site};

fn config(bucket: &str, distribution: Option<&str>) -> String {
    let distribution = distribution
        .map(|d| format!("distribution = \"{d}\"\n"))
        .unwrap_or_default();
    format!(
        "[project]\ntitle = \"Moto Site\"\n\n[environments.production]\nbucket = \"{bucket}\"\n{distribution}\
         domain = \"www.example.com\"\nregion = \"us-east-1\"\nprofile = \"prod-admin\"\n\n\
         [environments.staging]\nbucket = \"{bucket}-staging\"\n"
    )
}

fn sandbox(bucket: &str, distribution: Option<&str>) -> Sandbox {
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write("ledger/ledger.toml", &config(bucket, distribution));
    s.commit("src/app.js", "feat: first");
    s
}

fn record(s: &Sandbox, moto: &Moto, args: &[&str]) -> Done {
    let mut all = vec!["record", "--env", "production", "--format", "json"];
    all.extend_from_slice(args);
    moto.env(s.ledger(&all)).run()
}

fn recorded(s: &Sandbox, moto: &Moto, args: &[&str]) -> Value {
    let done = record(s, moto, args);
    assert_eq!(
        done.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        done.stdout, done.stderr
    );
    serde_json::from_str(&done.stdout).unwrap()
}

/// (key, action, version_id) of an entry's files.
fn files(entry: &Value) -> Vec<(String, String, String)> {
    entry["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| {
                    (
                        f["key"].as_str().unwrap().to_string(),
                        f["action"].as_str().unwrap().to_string(),
                        f["version_id"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn file<'a>(entry: &'a Value, key: &str) -> &'a Value {
    entry["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap()
}

/// Changes a deploy would make: 5 overwrites, 3 deletions, 2 new keys, and one
/// key uploaded twice.
fn second_deploy(moto: &Moto, bucket: &str) -> (Vec<String>, Vec<&'static str>) {
    let changed = [
        "widget.js",
        "iframe-main.js",
        "iframe.html",
        "assets/chunk-000.js",
        "assets/style-001.css",
    ];
    let mut puts: Vec<Object> = changed
        .iter()
        .map(|k| Object::site(k, &format!("{k} v2")))
        .collect();
    puts.push(Object::site("assets/new-a.js", "new a"));
    puts.push(Object::site("assets/new-b.css", "new b"));
    moto.put_all(bucket, &puts);
    moto.put_all(bucket, &[Object::site("assets/chunk-002.js", "twice 1")]);
    moto.put_all(bucket, &[Object::site("assets/chunk-002.js", "twice 2")]);
    let deleted = vec![
        "assets/chunk-003.js",
        "assets/style-003.css",
        "fonts/montserrat/montserrat-latin.woff2",
    ];
    moto.delete(bucket, &deleted);
    let mut put_keys: Vec<String> = puts.iter().map(|o| o.key.clone()).collect();
    put_keys.push("assets/chunk-002.js".into());
    put_keys.sort();
    (put_keys, deleted)
}

#[test]
fn deploys_pin_the_versions_s3_reports_as_latest() {
    let moto = Moto::start();
    moto.bucket("site-a", true);
    moto.put_all("site-a", &site(50, "v1"));
    let s = sandbox("site-a", None);

    let first = recorded(
        &s,
        &moto,
        &["--version", "v1", "--at", "2026-03-01T10:00:00Z"],
    );
    let latest = moto.latest("site-a");
    let got = files(&first);
    assert_eq!(got.len(), 50, "the first deploy records every live key");
    for (key, action, version) in &got {
        assert_eq!(action, "put");
        assert_eq!(version, &latest[key].0, "{key}");
    }
    let widget = file(&first, "widget.js");
    assert_eq!(widget["content_type"], "application/javascript");
    assert_eq!(widget["cache_control"], "max-age=86400");
    assert!(widget["etag"].as_str().unwrap().len() >= 32);
    assert!(widget["size"].as_u64().unwrap() > 0);
    assert_eq!(
        file(&first, "fonts/inter/inter-latin.woff2")["content_type"],
        "font/woff2"
    );
    assert_eq!(
        file(&first, "fonts/inter/inter-latin.woff2")["cache_control"],
        "max-age=31536000"
    );
    assert_eq!(file(&first, "iframe.html")["content_type"], "text/html");

    let (put_keys, deleted) = second_deploy(&moto, "site-a");
    s.commit("src/app.js", "fix: second");
    let second = recorded(
        &s,
        &moto,
        &["--version", "v2", "--at", "2026-03-01T11:00:00Z"],
    );
    let latest = moto.latest("site-a");
    let got = files(&second);
    let puts: Vec<&(String, String, String)> = got.iter().filter(|f| f.1 == "put").collect();
    let dels: Vec<&(String, String, String)> = got.iter().filter(|f| f.1 == "delete").collect();
    assert_eq!(
        puts.iter().map(|f| f.0.clone()).collect::<Vec<_>>(),
        put_keys
    );
    for (key, _, version) in &puts {
        assert_eq!(
            version, &latest[key].0,
            "{key}: the latest version, even after two uploads"
        );
    }
    let mut want_deleted: Vec<&str> = deleted.clone();
    want_deleted.sort();
    assert_eq!(
        dels.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        want_deleted
    );
    for (key, _, version) in &dels {
        assert!(latest[key].1, "{key} is behind a delete marker");
        assert_eq!(
            version, &latest[key].0,
            "{key}: the delete marker's version"
        );
    }
    assert_eq!(second["commits"].as_array().unwrap().len(), 1);

    // The document shows what was deployed, and rollback commands with real version IDs.
    let doc = s.ledger(&["render"]).ok();
    let v1_widget = file(&first, "widget.js")["version_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(doc.contains("| `widget.js` | "), "{doc}");
    assert!(
        doc.contains("**Files Deleted**:\n- `assets/chunk-003.js`"),
        "{doc}"
    );
    assert!(
        doc.contains(&format!(
            "--copy-source \"site-a/widget.js?versionId={v1_widget}\""
        )),
        "rollback restores the previous version: {doc}"
    );
    assert!(
        doc.contains(
            "aws s3api delete-object --bucket site-a --key assets/new-a.js --profile prod-admin"
        ),
        "{doc}"
    );
    assert!(
        doc.contains("| JavaScript | `max-age=86400` (24h) |"),
        "cache table from recorded metadata: {doc}"
    );
    assert!(doc.contains("| HTML | `max-age=300` (5m) |"), "{doc}");
    s.ledger(&["verify", "--no-git"]).ok();
}

#[test]
fn page_sizes_give_identical_entries() {
    let moto = Moto::start();
    moto.bucket("site-p", true);
    moto.put_all("site-p", &site(24, "v1"));
    // Several versions per key, so that one key's versions straddle pages.
    moto.put_all("site-p", &site(24, "v1b"));
    let sizes = ["1", "2", "1000"];
    let sandboxes: Vec<Sandbox> = sizes.iter().map(|_| sandbox("site-p", None)).collect();
    let run = |s: &Sandbox, size: &str, version: &str, at: &str| -> Value {
        let done = moto
            .env(s.ledger(&[
                "record",
                "--env",
                "production",
                "--format",
                "json",
                "--version",
                version,
                "--at",
                at,
                "--allow-empty",
            ]))
            .env("LEDGER_S3_PAGE_SIZE", size)
            .run();
        assert_eq!(done.code, 0, "{}", done.stderr);
        serde_json::from_str(&done.stdout).unwrap()
    };
    let firsts: Vec<Value> = sandboxes
        .iter()
        .zip(sizes)
        .map(|(s, size)| run(s, size, "v1", "2026-03-01T10:00:00Z"))
        .collect();
    second_deploy(&moto, "site-p");
    let seconds: Vec<Value> = sandboxes
        .iter()
        .zip(sizes)
        .map(|(s, size)| run(s, size, "v2", "2026-03-01T11:00:00Z"))
        .collect();
    assert_eq!(files(&firsts[0]).len(), 24);
    assert!(files(&seconds[0]).len() >= 10);
    for i in 1..sizes.len() {
        assert_eq!(
            firsts[i]["files"], firsts[0]["files"],
            "page size {} vs 1 (first deploy)",
            sizes[i]
        );
        assert_eq!(
            seconds[i]["files"], seconds[0]["files"],
            "page size {} vs 1 (second deploy)",
            sizes[i]
        );
    }
}

#[test]
fn three_thousand_keys_are_each_recorded_once() {
    let moto = Moto::start();
    moto.bucket("site-big", true);
    let objects: Vec<Object> = (0..3000)
        .map(|i| Object::site(&format!("k/{i:05}.js"), &i.to_string()))
        .collect();
    moto.put_all("site-big", &objects);
    let latest = moto.latest("site-big");
    for size in [None, Some("7")] {
        let s = sandbox("site-big", None);
        let mut run = moto.env(s.ledger(&[
            "record",
            "--env",
            "production",
            "--format",
            "json",
            "--version",
            "v1",
        ]));
        if let Some(size) = size {
            run = run.env("LEDGER_S3_PAGE_SIZE", size);
        }
        let done = run.run();
        assert_eq!(done.code, 0, "{}", done.stderr);
        let entry: Value = serde_json::from_str(&done.stdout).unwrap();
        let got = files(&entry);
        assert_eq!(got.len(), 3000, "page size {size:?}");
        let unique: BTreeMap<&str, &str> =
            got.iter().map(|f| (f.0.as_str(), f.2.as_str())).collect();
        assert_eq!(unique.len(), 3000, "each key once");
        for (key, version) in unique {
            assert_eq!(version, latest[key].0);
        }
    }
}

#[test]
fn recording_again_with_nothing_changed_is_refused() {
    let moto = Moto::start();
    moto.bucket("site-i", true);
    moto.put_all("site-i", &site(5, "v1"));
    let s = sandbox("site-i", None);
    recorded(&s, &moto, &["--version", "v1"]);
    let before = s.journal();
    let done = record(&s, &moto, &["--version", "v1.0.1"]);
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(
        done.stderr.contains("nothing changed") && done.stderr.contains("--allow-empty"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);
    // The same version and commit again, nothing changed: a re-run, accepted
    // without an append.
    let done = record(&s, &moto, &["--version", "v1"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr.contains("already recorded as #1"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);
    let entry = recorded(&s, &moto, &["--version", "v1.0.1", "--allow-empty"]);
    assert!(files(&entry).is_empty());
    // Same files but a new commit is a deploy worth recording; under an old
    // name it is a redeploy, and says so.
    s.commit("src/app.js", "docs: readme");
    let done = record(&s, &moto, &["--version", "v1"]);
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert!(done.stderr.contains("--redeploy"), "{}", done.stderr);
    recorded(&s, &moto, &["--version", "v1.0.2"]);
}

#[test]
fn an_unversioned_bucket_is_recorded_with_a_warning() {
    let moto = Moto::start();
    moto.bucket("site-u", false);
    moto.put_all("site-u", &site(4, "v1"));
    let s = sandbox("site-u", None);
    let done = record(&s, &moto, &["--version", "v1"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr.contains("versioning Disabled"),
        "{}",
        done.stderr
    );
    let entry: Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(files(&entry).len(), 4);
    assert!(files(&entry).iter().all(|f| f.2 == "null"));
    assert!(
        entry["notes"][0]
            .as_str()
            .unwrap()
            .contains("cannot pin versions")
    );
    // An overwrite is still seen, by ETag.
    moto.put_all("site-u", &[Object::site("widget.js", "changed")]);
    let entry = recorded(&s, &moto, &["--version", "v2", "--allow-empty"]);
    assert_eq!(
        files(&entry)
            .iter()
            .map(|f| f.0.as_str())
            .collect::<Vec<_>>(),
        ["widget.js"]
    );
}

#[test]
fn invalidations_are_looked_up_created_and_waited_for() {
    let moto = Moto::start();
    moto.bucket("site-c", true);
    moto.put_all("site-c", &site(6, "v1"));
    let distribution = moto.distribution("site-c");
    let s = sandbox("site-c", Some(&distribution));

    // Looked up: one made by the pipeline.
    let made = moto.block_on(async {
        use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
        let batch = InvalidationBatch::builder()
            .caller_reference("pipeline-1")
            .paths(Paths::builder().quantity(1).items("/*").build().unwrap())
            .build()
            .unwrap();
        let out = moto
            .cloudfront
            .create_invalidation()
            .distribution_id(&distribution)
            .invalidation_batch(batch)
            .send()
            .await
            .unwrap();
        out.invalidation().unwrap().id().to_string()
    });
    let entry = recorded(&s, &moto, &["--version", "v1", "--invalidation", &made]);
    assert_eq!(entry["invalidation"]["id"], made.as_str());
    assert_eq!(entry["invalidation"]["distribution"], distribution.as_str());
    assert_eq!(entry["invalidation"]["paths"][0], "/*");
    assert!(entry["invalidation"]["status"].is_string());
    assert!(
        entry["invalidation"]["created_at"]
            .as_str()
            .unwrap()
            .starts_with("20")
    );

    // Created and waited for.
    moto.put_all("site-c", &[Object::site("widget.js", "v2")]);
    s.commit("src/app.js", "fix: two");
    let before = moto.invalidations(&distribution).len();
    let entry = recorded(
        &s,
        &moto,
        &[
            "--version",
            "v2",
            "--invalidate",
            "/widget.js",
            "/assets/*",
            "/docs/user guide.pdf",
            "--wait",
        ],
    );
    // Unsafe characters are sent encoded, as CloudFront requires, and
    // recorded as sent.
    let invalidation = &entry["invalidation"];
    assert_eq!(
        invalidation["paths"],
        serde_json::json!(["/widget.js", "/assets/*", "/docs/user%20guide.pdf"])
    );
    assert_eq!(
        invalidation["status"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase(),
        "completed"
    );
    assert!(invalidation["completed_seen_at"].is_string());
    assert_eq!(moto.invalidations(&distribution).len(), before + 1);
    assert!(
        moto.invalidations(&distribution)
            .contains(&invalidation["id"].as_str().unwrap().to_string())
    );
    let doc = s.ledger(&["render"]).ok();
    assert!(
        doc.contains(&format!(
            "**CloudFront Invalidation**: `{}` (",
            invalidation["id"].as_str().unwrap()
        )),
        "{doc}"
    );

    // Refused before any call: too many paths, too many wildcards.
    let journal = s.journal();
    let many: Vec<String> = (0..3001).map(|i| format!("/f{i}")).collect();
    let mut args = vec!["--version", "v3", "--allow-empty", "--invalidate"];
    args.extend(many.iter().map(String::as_str));
    let done = record(&s, &moto, &args);
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains("3001 paths"), "{}", done.stderr);
    let wild: Vec<String> = (0..16).map(|i| format!("/d{i}/*")).collect();
    let mut args = vec!["--version", "v3", "--allow-empty", "--invalidate"];
    args.extend(wild.iter().map(String::as_str));
    let done = record(&s, &moto, &args);
    assert_eq!(done.code, 2);
    assert!(done.stderr.contains("16 wildcard"), "{}", done.stderr);
    assert_eq!(
        moto.invalidations(&distribution).len(),
        before + 1,
        "no call was made"
    );

    // An unknown invalidation.
    let done = record(
        &s,
        &moto,
        &[
            "--version",
            "v3",
            "--allow-empty",
            "--invalidation",
            "INOPE",
        ],
    );
    assert_eq!(done.code, 2);
    assert!(
        done.stderr.contains("INOPE") && done.stderr.contains("does not exist"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), journal);
}

#[test]
fn snapshot_reads_the_inventory_and_feeds_the_document() {
    let moto = Moto::start();
    moto.bucket("site-s", true);
    moto.block_on(async {
        use aws_sdk_s3::types::*;
        moto.s3
            .put_bucket_encryption()
            .bucket("site-s")
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(ServerSideEncryption::Aes256)
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    moto.bucket("site-s-staging", false);
    let distribution = moto.distribution("site-s");
    let s = sandbox("site-s", Some(&distribution));
    let done = moto.env(s.ledger(&["snapshot", "--format", "json"])).run();
    assert_eq!(done.code, 0, "{}", done.stderr);
    let document: Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(document["schema"], 1);
    let entries = &document["entries"];
    assert_eq!(entries.as_array().unwrap().len(), 2, "one per environment");
    let production = &entries[0]["inventory"];
    assert_eq!(production["bucket"]["versioning"], "Enabled");
    assert_eq!(production["bucket"]["encryption"], "AES256");
    assert_eq!(production["distribution"]["id"], distribution.as_str());
    assert_eq!(
        production["distribution"]["origin"],
        "site-s.s3.amazonaws.com"
    );
    assert_eq!(production["distribution"]["behaviors"][0]["path"], "*");
    assert_eq!(
        production["distribution"]["behaviors"][0]["default_ttl"],
        86400
    );
    assert_eq!(entries[1]["inventory"]["bucket"]["versioning"], "Disabled");
    let shown = s.ledger(&["show", "#1"]).ok();
    assert!(
        shown.contains("bucket        site-s (versioning Enabled, encryption AES256)"),
        "{shown}"
    );
    let doc = s.ledger(&["render"]).ok();
    assert!(doc.contains("| `site-s` | Enabled | AES256 | - |"), "{doc}");
    assert!(
        doc.contains("| `site-s-staging` | Disabled | None | - |"),
        "{doc}"
    );
    assert!(
        doc.contains(&format!(
            "| `{distribution}` | www.example.com | site-s.s3.amazonaws.com | Deployed | - |"
        )),
        "the declared public domain, CloudFront's origin and status: {doc}"
    );
    assert!(
        doc.contains(
            "## Deployment History\n\nNo deploys recorded yet.\n\n---\n\n## Cache Settings"
        ),
        "{doc}"
    );
    assert!(doc.contains("| `*` | - | 24 hours |"), "{doc}");
    s.ledger(&["verify", "--no-git"]).ok();
}

#[test]
fn a_record_run_again_is_idempotent_while_aws_is_unchanged() {
    let moto = Moto::start();
    moto.bucket("site-again", true);
    moto.put_all("site-again", &[Object::site("a.js", "one")]);
    let distribution = moto.distribution("site-again");
    let s = sandbox("site-again", Some(&distribution));
    let args = ["--version", "v1", "--invalidate", "/*"];
    let first = recorded(&s, &moto, &args);
    let before = s.journal();
    let invalidations = moto.invalidations(&distribution).len();
    // The CI job runs again: the same environment, version and commit, and
    // S3 serves what #1 recorded (the invalidation #1 made stands).
    let again = record(&s, &moto, &args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("already recorded as #1"),
        "{}",
        again.stderr
    );
    let printed: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(printed["hash"], first["hash"], "the entry it repeats");
    assert_eq!(s.journal(), before, "nothing appended");
    assert_eq!(
        moto.invalidations(&distribution).len(),
        invalidations,
        "none created"
    );
    // S3 changed since: the same name for another state is refused.
    moto.put_all("site-again", &[Object::site("a.js", "two")]);
    let changed = record(&s, &moto, &args);
    assert_eq!(changed.code, 2, "{}", changed.stderr);
    assert!(
        changed.stderr.contains("already recorded"),
        "{}",
        changed.stderr
    );
    assert_eq!(s.journal(), before);
}
