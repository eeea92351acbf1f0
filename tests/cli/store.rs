//! The S3 store of record on moto: concurrent writers through conditional
//! writes, the mirror, `store push`, and `verify --store` catching an entry
//! overwritten or deleted behind the ledger's back, and Object Lock.

use std::path::Path;

use serde_json::Value;

use crate::harness::{Sandbox, ledger_in};
use crate::moto::Moto;

const BUCKET: &str = "team-ledger";

fn config(envs: usize) -> String {
    let mut text = String::from("[project]\ntitle = \"Team\"\n");
    for i in 1..=envs {
        text.push_str(&format!("\n[environments.e{i}]\nbucket = \"site-e{i}\"\n"));
    }
    text.push_str(&format!(
        "\n[changelog]\nrelease_env = \"e1\"\n\n[store]\nurl = \"s3://{BUCKET}/team\"\nregion = \"us-east-1\"\n"
    ));
    text
}

fn writer(envs: usize) -> Sandbox {
    let s = Sandbox::with_ledger();
    s.write("ledger/ledger.toml", &config(envs));
    s.commit_all("chore: ledger");
    s
}

fn versioned_bucket(moto: &Moto) {
    moto.bucket(BUCKET, true);
}

/// Runs the binary in `dir` against moto, from any thread.
fn ledger_at(endpoint: &str, dir: &Path, args: &[&str]) -> std::process::Output {
    ledger_in(
        dir,
        args,
        &[
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    )
}

#[test]
fn eight_writers_append_forty_entries_through_conditional_writes() {
    let moto = Moto::start();
    versioned_bucket(&moto);
    let writers: Vec<Sandbox> = (0..8).map(|_| writer(8)).collect();
    let dirs: Vec<std::path::PathBuf> = writers.iter().map(|w| w.path().to_path_buf()).collect();
    let endpoint = moto.endpoint.clone();
    std::thread::scope(|scope| {
        for (index, dir) in dirs.iter().enumerate() {
            let endpoint = endpoint.clone();
            scope.spawn(move || {
                let env = format!("e{}", index + 1);
                for round in 1..=5 {
                    let version = format!("{env}-v{round}");
                    let done = ledger_at(
                        &endpoint,
                        dir,
                        &["record", "--no-aws", "--env", &env, "--version", &version],
                    );
                    assert_eq!(done.status.code(), Some(0), "{env} {round}: {done:?}");
                }
            });
        }
    });
    for dir in &dirs {
        let done = ledger_at(&endpoint, dir, &["sync"]);
        assert_eq!(done.status.code(), Some(0), "{done:?}");
    }
    let first = writers[0].journal();
    for w in &writers {
        assert_eq!(w.journal(), first, "every mirror is byte-identical");
    }
    let log: Vec<Value> = writers[0].log_entries();
    let mut seqs: Vec<u64> = log.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    seqs.sort();
    assert_eq!(seqs, (1..=40).collect::<Vec<_>>(), "seq 1..40 without gaps");
    let mut versions: Vec<&str> = log.iter().map(|e| e["version"].as_str().unwrap()).collect();
    versions.sort();
    versions.dedup();
    assert_eq!(versions.len(), 40, "every record present exactly once");
    let done = ledger_at(&endpoint, &dirs[3], &["verify", "--no-git", "--store"]);
    assert_eq!(done.status.code(), Some(0), "{done:?}");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(stderr.contains("40 entries"), "{stderr}");
    assert!(stderr.contains("no Object Lock"), "{stderr}");
}

#[test]
fn an_entry_overwritten_or_deleted_in_the_store_is_named() {
    let moto = Moto::start();
    versioned_bucket(&moto);
    let s = writer(2);
    for (env, version) in [("e1", "v1"), ("e2", "v1"), ("e1", "v2")] {
        moto.env(s.ledger(&["record", "--no-aws", "--env", env, "--version", version]))
            .ok();
    }
    moto.env(s.ledger(&["verify", "--no-git", "--store"])).ok();
    // Behind the ledger's back: entry #1 rewritten, entry #3 deleted.
    let key = |seq: u64| format!("team/entries/{seq:012}.toml");
    moto.block_on(async {
        moto.s3
            .put_object()
            .bucket(BUCKET)
            .key(key(1))
            .body(aws_sdk_s3::primitives::ByteStream::from_static(
                b"[[entry]]\nseq = 1\n",
            ))
            .send()
            .await
            .unwrap();
        moto.s3
            .delete_object()
            .bucket(BUCKET)
            .key(key(3))
            .send()
            .await
            .unwrap();
    });
    let done = moto
        .env(s.ledger(&["verify", "--no-git", "--store"]))
        .code(1);
    assert!(
        done.stdout
            .contains(&format!("STORE {} was overwritten", key(1)))
            && done
                .stdout
                .contains(&format!("STORE {} was deleted", key(3))),
        "{}",
        done.stdout
    );
}

#[test]
fn store_push_fills_an_empty_store_once_and_others_mirror_it() {
    let moto = Moto::start();
    versioned_bucket(&moto);
    let s = Sandbox::with_ledger();
    s.commit_all("chore: ledger");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1",
    ])
    .ok();
    s.ledger(&["record", "--no-aws", "--env", "staging", "--version", "v1"])
        .ok();
    let mut config = s.read("ledger/ledger.toml");
    config.push_str(&format!("\n[store]\nurl = \"s3://{BUCKET}/pushed\"\n"));
    s.write("ledger/ledger.toml", &config);
    moto.env(s.ledger(&["store", "push"])).ok();
    let done = moto.env(s.ledger(&["store", "push"])).code(2);
    assert!(
        done.stderr.contains("already holds 2 entries"),
        "{}",
        done.stderr
    );
    // Another machine mirrors it, and appends after it.
    let other = Sandbox::with_ledger();
    other.write("ledger/ledger.toml", &config);
    other.commit_all("chore: ledger");
    moto.env(other.ledger(&["sync"])).ok();
    assert_eq!(
        other.journal(),
        s.journal(),
        "the mirror is the journal, byte for byte"
    );
    moto.env(other.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v2",
    ]))
    .ok();
    moto.env(s.ledger(&["sync"])).ok();
    assert_eq!(other.journal(), s.journal());
    moto.env(s.ledger(&["verify", "--store"])).ok();
    // Imports go to a ledger without a store, then `store push`.
    let done = s.ledger(&["import", "--git-tags"]).code(2);
    assert!(done.stderr.contains("store push"), "{}", done.stderr);
}

#[test]
fn a_bucket_with_object_lock_is_reported() {
    let moto = Moto::start();
    moto.block_on(async {
        moto.s3
            .create_bucket()
            .bucket(BUCKET)
            .object_lock_enabled_for_bucket(true)
            .send()
            .await
            .unwrap();
        use aws_sdk_s3::types::{
            DefaultRetention, ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode,
            ObjectLockRule,
        };
        moto.s3
            .put_object_lock_configuration()
            .bucket(BUCKET)
            .object_lock_configuration(
                ObjectLockConfiguration::builder()
                    .object_lock_enabled(ObjectLockEnabled::Enabled)
                    .rule(
                        ObjectLockRule::builder()
                            .default_retention(
                                DefaultRetention::builder()
                                    .mode(ObjectLockRetentionMode::Governance)
                                    .days(1)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    let s = writer(1);
    moto.env(s.ledger(&["record", "--no-aws", "--env", "e1", "--version", "v1"]))
        .ok();
    let done = moto
        .env(s.ledger(&["verify", "--no-git", "--store"]))
        .code(0);
    assert!(
        done.stderr
            .contains("Object Lock GOVERNANCE, 1 day(s): entry objects are write-once"),
        "{}",
        done.stderr
    );
    // A new version of an entry under GOVERNANCE: the lock is not said to
    // hold beside the finding that it did not.
    let key = "team/entries/000000000001.toml";
    moto.block_on(async {
        moto.s3
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"x"))
            .send()
            .await
            .unwrap();
    });
    let done = moto
        .env(s.ledger(&["verify", "--no-git", "--store"]))
        .code(1);
    assert!(
        done.stderr.contains(
            "Object Lock GOVERNANCE, 1 day(s) is set, yet 1 entry object(s) were overwritten"
        ) && !done.stderr.contains("write-once"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_store_bucket_without_versioning_cannot_prove_anything_and_says_so() {
    let moto = Moto::start();
    moto.bucket(BUCKET, false);
    let s = writer(1);
    moto.env(s.ledger(&["record", "--no-aws", "--env", "e1", "--version", "v1"]))
        .ok();
    let done = moto
        .env(s.ledger(&["verify", "--no-git", "--store"]))
        .code(1);
    assert!(
        done.stdout.contains("versioning") && done.stdout.contains("cannot be detected"),
        "{}",
        done.stdout
    );
}

#[test]
fn a_fresh_mirror_is_told_of_an_overwritten_entry_it_receives() {
    let moto = Moto::start();
    versioned_bucket(&moto);
    let s = writer(2);
    for (env, version) in [("e1", "v1"), ("e2", "v1")] {
        moto.env(s.ledger(&["record", "--no-aws", "--env", env, "--version", version]))
            .ok();
    }
    // Entry #2 written again with its own bytes: valid, but no longer the
    // object first written.
    let key = "team/entries/000000000002.toml";
    moto.block_on(async {
        let body = moto
            .s3
            .get_object()
            .bucket(BUCKET)
            .key(key)
            .send()
            .await
            .unwrap();
        let bytes = body.body.collect().await.unwrap().into_bytes();
        moto.s3
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
            .send()
            .await
            .unwrap();
    });
    let fresh = writer(2);
    let done = moto.env(fresh.ledger(&["sync"])).run();
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr
            .contains(&format!("{key} was overwritten: it has 2 versions")),
        "{}",
        done.stderr
    );
    assert_eq!(fresh.journal(), s.journal());
    // Once received, it is not told again on every sync.
    let again = moto.env(fresh.ledger(&["sync"])).run();
    assert!(!again.stderr.contains("overwritten"), "{}", again.stderr);
}

#[test]
fn a_lock_lifted_through_the_store_is_seen_by_every_clone() {
    let moto = Moto::start();
    versioned_bucket(&moto);
    let (a, b) = (writer(1), writer(1));
    moto.env(a.ledger(&["record", "--no-aws", "--env", "e1", "--version", "v1"]))
        .ok();
    moto.env(a.ledger(&["lock", "--env", "e1", "--reason", "incident"]))
        .ok();
    let refused = moto
        .env(b.ledger(&["record", "--no-aws", "--env", "e1", "--version", "v2"]))
        .code(2);
    assert!(
        refused.stderr.contains("is locked (#2"),
        "{}",
        refused.stderr
    );
    moto.env(b.ledger(&["check", "--env", "e1"])).code(1);
    let lock_of = |s: &Sandbox| -> Value {
        let status = moto.env(s.ledger(&["status", "--format", "json"])).ok();
        let status: Value = serde_json::from_str(&status).unwrap();
        status["environments"][0]["lock"].clone()
    };
    assert_eq!(lock_of(&b)["seq"], 2);
    moto.env(a.ledger(&["unlock", "--env", "e1"])).ok();
    // B's mirror still says locked: status, check and record ask the store first.
    assert!(lock_of(&b).is_null());
    moto.env(a.ledger(&["lock", "--env", "e1", "--reason", "again"]))
        .ok();
    moto.env(b.ledger(&["check", "--env", "e1"])).code(1);
    moto.env(a.ledger(&["unlock", "--env", "e1"])).ok();
    moto.env(b.ledger(&["check", "--env", "e1"])).ok();
    moto.env(a.ledger(&["lock", "--env", "e1", "--reason", "and again"]))
        .ok();
    moto.env(b.ledger(&["check", "--env", "e1"])).code(1); // B's mirror: locked
    moto.env(a.ledger(&["unlock", "--env", "e1"])).ok();
    moto.env(b.ledger(&["record", "--no-aws", "--env", "e1", "--version", "v2"]))
        .ok();
    assert_eq!(b.log_entries().len(), 8);
}

/// A proxy in front of moto that, while `swallow` is set, passes a PUT of
/// an entry object on to moto (so that it lands) and never answers it: a
/// write sent, and no answer.
fn swallowing_proxy(target: &str) -> (String, std::sync::Arc<std::sync::atomic::AtomicBool>) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let target = target.trim_start_matches("http://").to_string();
    let swallow = std::sync::Arc::new(AtomicBool::new(true));
    let swallowing = std::sync::Arc::clone(&swallow);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (target, swallowing) = (target.clone(), std::sync::Arc::clone(&swallowing));
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut head = Vec::new();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(value) = lower.strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    if lower.starts_with("connection:") {
                        continue;
                    }
                    if line == "\r\n" {
                        head.extend_from_slice(b"Connection: close\r\n\r\n");
                        break;
                    }
                    head.extend_from_slice(line.as_bytes());
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let request_line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
                let swallowed = swallowing.load(Ordering::SeqCst)
                    && request_line.starts_with("PUT ")
                    && request_line.contains("/entries/");
                let mut upstream = TcpStream::connect(&target).unwrap();
                upstream.write_all(&head).unwrap();
                upstream.write_all(&body).unwrap();
                let mut answer = Vec::new();
                let _ = upstream.read_to_end(&mut answer);
                if swallowed {
                    // Landed upstream; the caller hears nothing.
                    std::thread::sleep(std::time::Duration::from_secs(60));
                    return;
                }
                let mut client = client;
                let _ = client.write_all(&answer);
            });
        }
    });
    (endpoint, swallow)
}

#[test]
fn a_write_without_an_answer_is_reported_as_unknown_and_the_rerun_settles_it() {
    let moto = Moto::start();
    versioned_bucket(&moto);
    let (proxy, swallow) = swallowing_proxy(&moto.endpoint);
    let s = writer(1);
    let through = |args: &[&str]| {
        s.ledger(args)
            .env("AWS_ENDPOINT_URL", &proxy)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
    };
    let record = [
        "record",
        "--no-aws",
        "--env",
        "e1",
        "--version",
        "v1",
        "--timeout",
        "4",
    ];
    let started = std::time::Instant::now();
    let done = through(&record).code(3);
    assert!(
        started.elapsed().as_secs() < 30,
        "--timeout governs store calls"
    );
    assert!(
        done.stderr.contains("the write of entry #1")
            && done.stderr.contains("got no answer")
            && done.stderr.contains("`ledger sync` shows whether it did"),
        "{}",
        done.stderr
    );
    swallow.store(false, std::sync::atomic::Ordering::SeqCst);
    // It had landed: the re-run finds it and appends nothing.
    let again = through(&record).code(0);
    assert!(
        again.stderr.contains("already recorded as #1"),
        "{}",
        again.stderr
    );
    assert_eq!(s.log_entries().len(), 1);
    through(&["verify", "--no-git", "--store"]).ok();
}

#[test]
fn a_checkpoint_is_kept_in_the_store_and_checked_by_verify_store() {
    let moto = Moto::start();
    versioned_bucket(&moto);
    let s = writer(1);
    let public = crate::harness::ssh_keygen(s.path(), "ci-key", &["-t", "ed25519"], "");
    let key = s.path().join("ci-key");
    s.write(
        "ledger/allowed_signers",
        &format!("ci@github-actions {public}\n"),
    );
    let run = |args: &[&str]| {
        moto.env(s.ledger(args))
            .env("LEDGER_SIGNING_KEY", key.to_str().unwrap())
    };
    // Signing required and no key: nothing unsigned reaches the store.
    let config = s.read("ledger/ledger.toml");
    s.write(
        "ledger/ledger.toml",
        &format!("{config}\n[signing]\nrequired = true\n"),
    );
    let refused = moto
        .env(s.ledger(&["lock", "--env", "e1", "--reason", "incident"]))
        .code(2);
    assert!(
        refused.stderr.contains("to be signed"),
        "{}",
        refused.stderr
    );
    assert!(
        !moto.latest(BUCKET).keys().any(|k| k.contains("/entries/")),
        "no entry was written to the store"
    );
    run(&["record", "--no-aws", "--env", "e1", "--version", "v1"]).ok();
    let made = run(&["checkpoint"]).run();
    assert_eq!(made.code, 0, "{}", made.stderr);
    assert!(
        made.stderr.contains(&format!(
            "kept in the store at s3://{BUCKET}/team/checkpoints/"
        )),
        "{}",
        made.stderr
    );
    assert!(
        made.stdout.starts_with(&format!("s3://{BUCKET}/team\n1\n")),
        "{}",
        made.stdout
    );
    let done = run(&["verify", "--no-git", "--store"]).run();
    assert_eq!(done.code, 0, "{}{}", done.stdout, done.stderr);
    assert!(
        done.stderr.contains("/team/checkpoints/")
            && done.stderr.contains("signed by ci@github-actions"),
        "{}",
        done.stderr
    );
    // A checkpoint of a longer history than the store holds fails.
    let forged = made.stdout.replacen("\n1\n", "\n9\n", 1);
    moto.put_all(
        BUCKET,
        &[crate::moto::Object::site(
            "team/checkpoints/000000000009-forged.txt",
            &forged,
        )],
    );
    let failed = run(&["verify", "--no-git", "--store"]).code(1);
    assert!(
        failed.stdout.contains("does not hold") && failed.stdout.contains("fewer entries"),
        "{}",
        failed.stdout
    );
}
