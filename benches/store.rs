//! Appends to the S3 store of record, and `ledger sync` of a mirror, on moto.
//!
//! Starts moto_server on a free loopback port, then:
//! - for 1, 4 and 16 concurrent writers (each its own ledger folder and git
//!   repository, each recording its own environment), times `ledger record
//!   --no-aws` appending through the store, side by side with the same
//!   writers appending to a local journal each (no store): entries per second,
//!   and the conflicts (lost conditional writes, re-chained and retried);
//! - fills a store with 1,000 entries and times `ledger sync` of an empty
//!   mirror, side by side with `ledger log` reading the same 1,000 entries.
//!
//! Run: `cargo bench --bench store` (needs moto_server: `pip install 'moto[server]'`).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const PER_WRITER: usize = 10;
const SYNCED: usize = 1000;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn ledger() -> PathBuf {
    let mut path = std::env::current_exe().unwrap();
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    path.join("ledger")
}

fn run(dir: &Path, endpoint: &str, args: &[&str]) -> Output {
    let output = Command::new(ledger())
        .args(args)
        .current_dir(dir)
        .env("LEDGER_DEPLOYED_BY", "bench")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "b")
        .env("AWS_SECRET_ACCESS_KEY", "b")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run ledger");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "b")
        .env("GIT_AUTHOR_EMAIL", "b@b")
        .env("GIT_COMMITTER_NAME", "b")
        .env("GIT_COMMITTER_EMAIL", "b@b")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

/// A ledger folder in its own repository, with `envs` environments and,
/// when `store` is given, `[store] url = store`.
fn writer(root: &Path, name: &str, envs: usize, store: Option<&str>, endpoint: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    run(&dir, endpoint, &["init"]);
    let mut config = String::new();
    for i in 1..=envs {
        config.push_str(&format!("[environments.e{i}]\nbucket = \"b{i}\"\n\n"));
    }
    config.push_str("[changelog]\nrelease_env = \"e1\"\n");
    if let Some(url) = store {
        config.push_str(&format!("\n[store]\nurl = \"{url}\"\n"));
    }
    std::fs::write(dir.join("ledger/ledger.toml"), config).unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "ledger"]);
    dir
}

/// Each writer records PER_WRITER entries of its own environment, all at
/// once; returns the wall time and the conflicts reported.
fn append_round(dirs: &[PathBuf], endpoint: &str) -> (Duration, usize) {
    let started = Instant::now();
    let conflicts: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = dirs
            .iter()
            .enumerate()
            .map(|(i, dir)| {
                scope.spawn(move || {
                    let env = format!("e{}", i + 1);
                    let mut conflicts = 0;
                    for round in 0..PER_WRITER {
                        let version = format!("{env}-{round}");
                        let out = run(
                            dir,
                            endpoint,
                            &["record", "--no-aws", "--env", &env, "--version", &version],
                        );
                        conflicts += String::from_utf8_lossy(&out.stderr)
                            .matches("by another writer first")
                            .count();
                    }
                    conflicts
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    (started.elapsed(), conflicts)
}

fn main() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server: pip install 'moto[server]'"),
    );
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let root = std::env::temp_dir().join(format!("ledger-store-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    // The bucket, through the tool's own client calls' endpoint.
    let status = Command::new("python3")
        .args([
            "-c",
            &format!(
                "import boto3;boto3.client('s3',endpoint_url='{endpoint}',region_name='us-east-1',\
             aws_access_key_id='b',aws_secret_access_key='b').create_bucket(Bucket='bench-ledger')"
            ),
        ])
        .status()
        .expect("python3 with boto3 (comes with moto)");
    assert!(status.success());

    println!(
        "| writers | entries | store: time, entries/s | conflicts retried | local journals: time, entries/s | ratio |"
    );
    println!("|---|---|---|---|---|---|");
    for writers in [1usize, 4, 16] {
        let url = format!("s3://bench-ledger/w{writers}");
        let stored: Vec<PathBuf> = (0..writers)
            .map(|i| {
                writer(
                    &root,
                    &format!("s{writers}-{i}"),
                    writers,
                    Some(&url),
                    &endpoint,
                )
            })
            .collect();
        let local: Vec<PathBuf> = (0..writers)
            .map(|i| writer(&root, &format!("l{writers}-{i}"), writers, None, &endpoint))
            .collect();
        let (store_time, conflicts) = append_round(&stored, &endpoint);
        let (local_time, _) = append_round(&local, &endpoint);
        let entries = writers * PER_WRITER;
        let rate = |t: Duration| entries as f64 / t.as_secs_f64();
        println!(
            "| {writers} | {entries} | {:.2} s, {:.1}/s | {conflicts} | {:.2} s, {:.1}/s | {:.2}x |",
            store_time.as_secs_f64(),
            rate(store_time),
            local_time.as_secs_f64(),
            rate(local_time),
            store_time.as_secs_f64() / local_time.as_secs_f64()
        );
    }

    // 1,000 entries: recorded locally, pushed once, then mirrored afresh.
    let source = writer(&root, "source", 1, None, &endpoint);
    for i in 0..SYNCED {
        run(
            &source,
            &endpoint,
            &[
                "record",
                "--no-aws",
                "--env",
                "e1",
                "--version",
                &format!("v{i}"),
            ],
        );
    }
    let config = source.join("ledger/ledger.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[store]\nurl = \"s3://bench-ledger/synced\"\n");
    std::fs::write(&config, &text).unwrap();
    run(&source, &endpoint, &["store", "push"]);
    let mirror = writer(
        &root,
        "mirror",
        1,
        Some("s3://bench-ledger/synced"),
        &endpoint,
    );
    let started = Instant::now();
    run(&mirror, &endpoint, &["sync"]);
    let sync = started.elapsed();
    let started = Instant::now();
    run(&mirror, &endpoint, &["log"]);
    let log = started.elapsed();
    println!();
    println!(
        "ledger sync of {SYNCED} new entries: {:.2} s; ledger log over them: {:.3} s ({:.0}x)",
        sync.as_secs_f64(),
        log.as_secs_f64(),
        sync.as_secs_f64() / log.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&root);
}
