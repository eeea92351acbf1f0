//! Every command at 100 and 10,000 deploys (50 files each), run as the real
//! binary, with its wall time and peak memory, beside the floor of hashing
//! the same journal bytes with `sha256sum`.
//!
//! Run: `cargo bench --bench scale` (a release build; `--profile dev` reuses
//! the test build). `LEDGER_BENCH_SIZES=100,10000,100000` picks the sizes.
//! Peak memory needs GNU time at `/usr/bin/time`. Each ledger starts as a
//! single-file `journal.toml`; the first append splits it into segments
//! (timed on its own), the rest run on the split journal. The ledger is
//! committed after the split and after each append, as a CI pipeline
//! commits it, so `verify` checks five committed versions.
//! `LEDGER_BENCH_KEEP=1` keeps each generated ledger and prints its folder,
//! to profile one command by hand.

#[path = "support/generate.rs"]
mod generate;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// One measured run: seconds and peak resident kilobytes (when known).
#[derive(Clone, Copy)]
struct Cost {
    seconds: f64,
    peak_kb: Option<u64>,
}

fn main() {
    let sizes: Vec<usize> = std::env::var("LEDGER_BENCH_SIZES")
        .unwrap_or_else(|_| "100,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let bin = binary();
    let mut columns = Vec::new();
    for &size in &sizes {
        eprintln!("building a ledger of {size} deploys...");
        columns.push(measure(&bin, size));
    }
    print_table(&sizes, &columns);
}

/// The binary next to this bench's own profile folder.
fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("bench path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/PROFILE/deps");
    let bin = profile.join("ledger");
    assert!(
        bin.is_file(),
        "{} not built: `cargo build` (same profile) first",
        bin.display()
    );
    bin
}

/// The rows of one column: (label, cost), in table order.
fn measure(bin: &Path, size: usize) -> Vec<(String, Cost)> {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let root = dir.path();
    run_git(root, &["init", "-q", "-b", "main"]);
    run(bin, root, &["init"]);
    std::fs::write(
        root.join("ledger/ledger.toml"),
        "[project]\ntitle = \"Bench\"\n\n[environments.production]\nbucket = \"bkt\"\n",
    )
    .expect("config");
    std::fs::write(
        root.join("ledger/journal.toml"),
        generate::journal_text(size),
    )
    .expect("journal");
    run_git(root, &["add", "-A"]);
    run_git(root, &["commit", "-q", "-m", "ledger"]);
    let mid = generate::FIRST_DEPLOY + size as i64 / 2 * 3600 + 60;
    let at = chrono::DateTime::from_timestamp(mid, 0)
        .expect("instant")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let show = format!("#{}", size / 2);
    let mut rows = vec![(
        "first append: split into segments".to_string(),
        timed(bin, root, &record_args("v-split")),
    )];
    // Committed after each append, as the README's CI recipe does, so
    // that verify's git-history check has versions to compare.
    commit_ledger(root, "split");
    let appends: Vec<Cost> = (0..3)
        .map(|n| {
            let cost = timed(bin, root, &record_args(&format!("v-append-{n}")));
            commit_ledger(root, &format!("append {n}"));
            cost
        })
        .collect();
    rows.push(("record --no-aws (median of 3)".into(), median(appends)));
    let reads: [(&str, Vec<&str>); 7] = [
        ("log -n 10", vec!["log", "-n", "10"]),
        ("show #N/2", vec!["show", &show]),
        (
            "live --at (middle)",
            vec!["live", "--env", "production", "--at", &at],
        ),
        (
            "history KEY",
            vec!["history", "--env", "production", "assets/007.js"],
        ),
        ("status", vec!["status"]),
        ("render", vec!["render"]),
        ("verify", vec!["verify"]),
    ];
    // The median of three: one run on a shared machine is a coin flip.
    for (label, args) in reads {
        let runs = (0..3).map(|_| timed(bin, root, &args)).collect();
        rows.push((format!("{label} (median of 3)"), median(runs)));
    }
    // What the first render pays, when no block of the history is kept.
    let _ = std::fs::remove_dir_all(root.join("ledger/.cache/history"));
    rows.push((
        "render, history blocks not cached".into(),
        timed(bin, root, &["render"]),
    ));
    rows.push((
        "verify, git history from the split on (median of 3)".into(),
        verify_after_split(bin, root),
    ));
    rows.extend(fresh_checkouts(bin, root));
    rows.push((
        "sha256sum of the journal files (floor)".into(),
        sha256_floor(root),
    ));
    let megabytes = journal_bytes(root) as f64 / 1e6;
    rows.push(("journal size".into(), Cost::size(megabytes)));
    // What an append reads and rewrites: it grows to one segment and
    // starts again at each seal, whatever the journal's length.
    let tail = std::fs::metadata(root.join("ledger/journal.toml")).map_or(0, |m| m.len());
    rows.push(("open tail size".into(), Cost::size(tail as f64 / 1e6)));
    if std::env::var_os("LEDGER_BENCH_KEEP").is_some() {
        eprintln!("kept the {size}-deploy ledger in {}", dir.keep().display());
    }
    rows
}

impl Cost {
    /// A row that carries a size in megabytes, not a time.
    fn size(megabytes: f64) -> Cost {
        Cost {
            seconds: -megabytes,
            peak_kb: None,
        }
    }
}

/// What a CI run pays in a fresh checkout: the first read and the first
/// record with no `.cache/`, and with the cache folder restored from the
/// working copy (as `actions/cache` restores it: new inodes and times).
fn fresh_checkouts(bin: &Path, root: &Path) -> Vec<(String, Cost)> {
    let mut rows = Vec::new();
    for restored in [false, true] {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let clone = dir.path().join("clone");
        let status = Command::new("git")
            .arg("clone")
            .arg("-q")
            .arg(root)
            .arg(&clone)
            .status()
            .expect("git clone");
        assert!(status.success(), "git clone");
        let state = if restored {
            copy_dir(&root.join("ledger/.cache"), &clone.join("ledger/.cache"));
            "cache restored"
        } else {
            "no cache"
        };
        let read = timed(bin, &clone, &["log", "-n", "10"]);
        rows.push((format!("fresh clone, {state}: first `log -n 10`"), read));
        let append = timed(bin, &clone, &record_args("v-clone"));
        rows.push((format!("fresh clone, {state}: then `record`"), append));
    }
    rows
}

/// `verify` in a repository whose history holds the ledger from its split
/// on (a ledger created with segments), without the single-file version
/// the main repository committed first: the ledger folder copied into a
/// new repository, then two deploys recorded and committed.
fn verify_after_split(bin: &Path, root: &Path) -> Cost {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let repo = dir.path();
    run_git(repo, &["init", "-q", "-b", "main"]);
    copy_dir(&root.join("ledger"), &repo.join("ledger"));
    let _ = std::fs::remove_dir_all(repo.join("ledger/.cache"));
    commit_ledger(repo, "ledger");
    for n in 0..2 {
        run(bin, repo, &record_args(&format!("v-copy-{n}")));
        commit_ledger(repo, &format!("copy {n}"));
    }
    median((0..3).map(|_| timed(bin, repo, &["verify"])).collect())
}

/// Copies folder `from` to `to` as new files (a missing `from` copies
/// nothing: a small ledger keeps no cache).
fn copy_dir(from: &Path, to: &Path) {
    let Ok(listing) = std::fs::read_dir(from) else {
        return;
    };
    std::fs::create_dir_all(to).expect("cache folder");
    for item in listing.flatten() {
        let target = to.join(item.file_name());
        if item.path().is_dir() {
            copy_dir(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), &target).expect("copy a cache file");
        }
    }
}

fn record_args(version: &str) -> Vec<&str> {
    vec![
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        version,
        "--by",
        "bench",
    ]
}

/// Runs `ledger ARGS` in `dir` under GNU time when present.
fn timed(bin: &Path, dir: &Path, args: &[&str]) -> Cost {
    let report = dir.join(".time");
    let gnu_time = Path::new("/usr/bin/time");
    let mut command = if gnu_time.is_file() {
        let mut c = Command::new(gnu_time);
        c.args(["-f", "%M", "-o"]).arg(&report).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    command
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let start = Instant::now();
    let status = command.status().expect("run ledger");
    let seconds = start.elapsed().as_secs_f64();
    assert!(
        status.success(),
        "ledger {args:?} failed in {}",
        dir.display()
    );
    let peak_kb = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()));
    Cost { seconds, peak_kb }
}

fn journal_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("ledger/journal.toml")];
    if let Ok(listing) = std::fs::read_dir(root.join("ledger/journal")) {
        files.extend(listing.flatten().map(|e| e.path()));
    }
    files
}

fn journal_bytes(root: &Path) -> u64 {
    journal_files(root)
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

fn sha256_floor(root: &Path) -> Cost {
    let start = Instant::now();
    let status = Command::new("sha256sum")
        .args(journal_files(root))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run sha256sum");
    assert!(status.success());
    Cost {
        seconds: start.elapsed().as_secs_f64(),
        peak_kb: None,
    }
}

fn median(mut costs: Vec<Cost>) -> Cost {
    costs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    costs[costs.len() / 2]
}

fn run(bin: &Path, dir: &Path, args: &[&str]) {
    let status = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run ledger");
    assert!(status.success(), "ledger {args:?}");
}

/// Commits the ledger folder.
fn commit_ledger(root: &Path, message: &str) {
    run_git(root, &["add", "-A", "ledger"]);
    run_git(root, &["commit", "-q", "-m", message]);
}

fn run_git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?}");
}

fn print_table(sizes: &[usize], columns: &[Vec<(String, Cost)>]) {
    let cell = |c: &Cost| match c.peak_kb {
        Some(kb) => format!("{:.3} s, {} MB", c.seconds, kb / 1024),
        None if c.seconds < 0.0 => format!("{:.1} MB", -c.seconds),
        None => format!("{:.3} s", c.seconds),
    };
    let header: Vec<String> = sizes.iter().map(|s| format!("{s} deploys")).collect();
    println!(
        "| command | {} | ratio (last / first) |",
        header.join(" | ")
    );
    println!("|---|{}---|", "---|".repeat(sizes.len()));
    for (row, (label, first)) in columns[0].iter().enumerate() {
        let cells: Vec<String> = columns.iter().map(|c| cell(&c[row].1)).collect();
        let last = &columns[columns.len() - 1][row].1;
        let ratio = if first.seconds != 0.0 {
            format!("{:.1}x", last.seconds / first.seconds)
        } else {
            String::new()
        };
        println!("| {label} | {} | {ratio} |", cells.join(" | "));
    }
}
