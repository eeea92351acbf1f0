//! `ledger record` against the bare listing any tool must do, on moto.
//!
//! Starts moto_server on a free loopback port, fills a versioned bucket with
//! 5,000 objects through the SDK, then times side by side, round after round:
//! - `aws s3api list-object-versions` over the whole bucket (the floor);
//! - a first `ledger record` of all 5,000 objects, at several HeadObject concurrencies;
//! - an incremental `ledger record` after 50 of the 5,000 objects changed.
//!
//! Run: `cargo bench --bench record_vs_listing` (needs moto_server and the aws CLI:
//! `pip install 'moto[server]' awscli`). Prints medians and ratios to the listing.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;

const OBJECTS: usize = 5000;
const CHANGED: usize = 50;
const ROUNDS: usize = 3;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .http_client(ledger::aws::http_client())
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "b", "b", None, None, "bench",
            ))
            .force_path_style(true)
            .build(),
    );
    let bucket = "bench-site";
    runtime.block_on(async {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
        s3.put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(
                aws_sdk_s3::types::VersioningConfiguration::builder()
                    .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    let put = |keys: Vec<String>, round: usize| {
        runtime.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
            for key in keys {
                let (client, permits) = (s3.clone(), permits.clone());
                set.spawn(async move {
                    let _p = permits.acquire_owned().await.unwrap();
                    client
                        .put_object()
                        .bucket("bench-site")
                        .key(&key)
                        .body(ByteStream::from(format!("{key} {round}").into_bytes()))
                        .content_type("application/javascript")
                        .cache_control("max-age=86400")
                        .send()
                        .await
                        .unwrap();
                });
            }
            while set.join_next().await.is_some() {}
        })
    };
    let keys: Vec<String> = (0..OBJECTS).map(|i| format!("assets/{i:05}.js")).collect();
    eprintln!("uploading {OBJECTS} objects to moto...");
    put(keys.clone(), 0);

    let work = tempfile::TempDir::new().unwrap();
    let git = |dir: &Path, args: &[&str]| {
        assert!(
            Command::new("git")
                .args(args)
                .current_dir(dir)
                .env("GIT_AUTHOR_NAME", "b")
                .env("GIT_AUTHOR_EMAIL", "b@b")
                .env("GIT_COMMITTER_NAME", "b")
                .env("GIT_COMMITTER_EMAIL", "b@b")
                .status()
                .unwrap()
                .success()
        )
    };
    let ledger_bin = env!("CARGO_BIN_EXE_ledger");
    let aws_env = |c: &mut Command| {
        c.env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_ACCESS_KEY_ID", "b")
            .env("AWS_SECRET_ACCESS_KEY", "b")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("LEDGER_DEPLOYED_BY", "bench")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };
    let fresh_ledger = |name: &str| {
        let dir = work.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        git(&dir, &["init", "-q"]);
        git(&dir, &["commit", "-q", "--allow-empty", "-m", "init"]);
        let mut c = Command::new(ledger_bin);
        c.arg("init").current_dir(&dir);
        aws_env(&mut c);
        assert!(c.status().unwrap().success());
        std::fs::write(
            dir.join("ledger/ledger.toml"),
            format!("[environments.production]\nbucket = \"{bucket}\"\nregion = \"us-east-1\"\n"),
        )
        .unwrap();
        dir
    };
    let time = |c: &mut Command| {
        let started = Instant::now();
        let status = c.status().unwrap();
        assert!(status.success(), "{c:?}");
        started.elapsed()
    };
    let listing = || {
        let mut c = Command::new("aws");
        c.args([
            "s3api",
            "list-object-versions",
            "--bucket",
            bucket,
            "--endpoint-url",
            &endpoint,
            "--output",
            "json",
        ]);
        aws_env(&mut c);
        time(&mut c)
    };
    let record = |dir: &Path, extra: &[&str]| {
        let mut c = Command::new(ledger_bin);
        c.args([
            "record",
            "--env",
            "production",
            "--version",
            "v",
            "--allow-empty",
        ])
        .args(extra)
        .current_dir(dir);
        aws_env(&mut c);
        time(&mut c)
    };

    let concurrencies = ["1", "8", "32"];
    let mut first_ratios: Vec<Vec<f64>> = vec![Vec::new(); concurrencies.len()];
    let mut first_times: Vec<Vec<Duration>> = vec![Vec::new(); concurrencies.len()];
    let mut incremental_ratios = Vec::new();
    let mut incremental_times = Vec::new();
    let mut list_times = Vec::new();
    let incremental_dir = fresh_ledger("incremental");
    record(&incremental_dir, &[]);
    // Each measurement of ledger is paired with listings taken just before
    // and just after it, over the same bucket state: the ratio is to their mean.
    let paired = |run: &dyn Fn() -> Duration| {
        let before = listing();
        let took = run();
        let after = listing();
        (
            took,
            took.as_secs_f64() * 2.0 / (before + after).as_secs_f64(),
            before,
            after,
        )
    };
    for round in 0..ROUNDS {
        eprintln!("round {}/{ROUNDS}", round + 1);
        for (i, concurrency) in concurrencies.iter().enumerate() {
            let dir = fresh_ledger(&format!("first-{round}-{concurrency}"));
            let (took, ratio, before, after) =
                paired(&|| record(&dir, &["--concurrency", concurrency]));
            first_times[i].push(took);
            first_ratios[i].push(ratio);
            list_times.extend([before, after]);
        }
        let changed: Vec<String> = keys
            .iter()
            .skip(round * CHANGED)
            .take(CHANGED)
            .cloned()
            .collect();
        put(changed, round + 1);
        let (took, ratio, before, after) = paired(&|| record(&incremental_dir, &[]));
        incremental_times.push(took);
        incremental_ratios.push(ratio);
        list_times.extend([before, after]);
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let median_ratio = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let floor = median(list_times);
    println!(
        "{OBJECTS} objects on moto, {ROUNDS} rounds; ratio = median of (ledger / mean of the listings just before and after)"
    );
    println!("| what | median time | ratio to the listing |");
    println!("|---|---|---|");
    println!(
        "| `aws s3api list-object-versions` (floor) | {:.2} s | 1.00 |",
        floor.as_secs_f64()
    );
    println!(
        "| incremental `ledger record` ({CHANGED} of {OBJECTS} changed) | {:.2} s | {:.2} |",
        median(incremental_times).as_secs_f64(),
        median_ratio(incremental_ratios)
    );
    for ((concurrency, times), ratios) in concurrencies.iter().zip(first_times).zip(first_ratios) {
        println!(
            "| first `ledger record` (all {OBJECTS}), --concurrency {concurrency} | {:.2} s | {:.2} |",
            median(times).as_secs_f64(),
            median_ratio(ratios)
        );
    }
}
