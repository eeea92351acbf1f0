//! `ledger import --git-tags` + `ledger render changelog` against git-cliff
//! and the `git log` floor, on generated repositories.
//!
//! Generates (deterministically, with `git fast-import`) a repository of
//! 20,000 commits with merges and 100 tags, and one of 27,000 commits and
//! 12,000 tags (renovate's shape); or times a repository given in `LEDGER_BENCH_REPO`. For each:
//! `git log --format='%H %s'` (the floor), `ledger import --git-tags` followed
//! by `ledger render changelog`, and `git-cliff` writing the full changelog
//! (stopped after `LEDGER_BENCH_CLIFF_TIMEOUT` seconds, default 300).
//!
//! Run: `cargo bench --bench git_tags` (git-cliff: `pip install git-cliff`).
//! `LEDGER_BENCH_KEEP=1` keeps the repositories and ledgers and prints where.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Writes a fast-import stream: `commits` commits on main, every
/// `merge_every`th a merge of a two-commit side branch, and a tag every
/// `commits / tags` commits.
fn generate(dir: &Path, commits: usize, tags: usize, merge_every: usize) {
    let git = |args: &[&str]| {
        assert!(
            Command::new("git")
                .args(args)
                .current_dir(dir)
                .status()
                .unwrap()
                .success()
        );
    };
    std::fs::create_dir_all(dir).unwrap();
    git(&["init", "-q", "-b", "main"]);
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufWriter::new(child.stdin.take().unwrap());
    let kinds = [
        "feat", "fix", "perf", "refactor", "docs", "chore", "ci", "plain",
    ];
    let mut mark = 0usize;
    let mut main_tip: Option<usize> = None;
    let mut time = 1_600_000_000u64;
    let tag_every = (commits / tags.max(1)).max(1);
    let mut made = 0usize;
    let mut tagged = 0usize;
    let mut commit =
        |out: &mut dyn Write, branch: &str, from: Option<usize>, merge: Option<usize>, n: usize| {
            mark += 1;
            time += 60;
            let kind = kinds[n % kinds.len()];
            let message = if kind == "plain" {
                format!("Update component {n}")
            } else {
                format!("{kind}(area{}): change number {n} (#{n})", n % 17)
            };
            writeln!(out, "commit refs/heads/{branch}\nmark :{mark}").unwrap();
            writeln!(out, "committer Bench <bench@example.com> {time} +0000").unwrap();
            writeln!(out, "data {}\n{message}", message.len()).unwrap();
            if let Some(from) = from {
                writeln!(out, "from :{from}").unwrap();
            }
            if let Some(merge) = merge {
                writeln!(out, "merge :{merge}").unwrap();
            }
            let content = format!("{n}\n");
            writeln!(
                out,
                "M 644 inline f{}.txt\ndata {}\n{content}",
                n % 50,
                content.len()
            )
            .unwrap();
            mark
        };
    while made < commits {
        if made > 0 && made.is_multiple_of(merge_every) && made + 3 <= commits {
            let base = main_tip;
            let s1 = commit(&mut out, "side", base, None, made);
            let s2 = commit(&mut out, "side", Some(s1), None, made + 1);
            main_tip = Some(commit(&mut out, "main", main_tip, Some(s2), made + 2));
            made += 3;
        } else {
            main_tip = Some(commit(&mut out, "main", main_tip, None, made));
            made += 1;
        }
        if made / tag_every > tagged && tagged < tags {
            tagged += 1;
            let tip = main_tip.expect("a commit before the first tag");
            writeln!(
                out,
                "reset refs/tags/v0.{}.{}\nfrom :{tip}",
                tagged / 100,
                tagged % 100
            )
            .unwrap();
        }
    }
    drop(out);
    assert!(child.wait().unwrap().success());
    git(&["checkout", "-q", "main"]);
    // As a clone has them: fast-import leaves every tag a loose file, which
    // slows `git log --all` (the floor) more than it slows ledger.
    git(&["pack-refs", "--all"]);
}

fn time(mut command: Command, limit: Option<Duration>) -> Option<Duration> {
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{command:?} failed");
            return Some(started.elapsed());
        }
        if limit.is_some_and(|l| started.elapsed() > l) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn bench(name: &str, repo: &Path, work: &Path) {
    let ledger = env!("CARGO_BIN_EXE_ledger");
    let commits = String::from_utf8(
        Command::new("git")
            .args(["rev-list", "--all", "--count"])
            .current_dir(repo)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let tags = String::from_utf8(
        Command::new("git")
            .args(["tag"])
            .current_dir(repo)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .lines()
    .count();
    let mut floor = Command::new("git");
    floor
        .args(["log", "--all", "--format=%H %s"])
        .current_dir(repo);
    let floor = time(floor, None).unwrap();

    let ledger_dir = work.join(format!("{name}-ledger"));
    let _ = std::fs::remove_dir_all(&ledger_dir);
    let run = |args: &[&str]| {
        let mut c = Command::new(ledger);
        c.arg("--ledger")
            .arg(&ledger_dir)
            .arg("--repo")
            .arg(repo)
            .args(args);
        c
    };
    assert!(
        run(&["init"])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    );
    let import = time(run(&["import", "--git-tags"]), None).unwrap();
    let mut render = run(&["render", "changelog", "-o"]);
    render.arg(work.join(format!("{name}-CHANGELOG.md")));
    let render = time(render, None).unwrap();

    let limit = std::env::var("LEDGER_BENCH_CLIFF_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut cliff = Command::new("git-cliff");
    cliff
        .arg("--output")
        .arg(work.join(format!("{name}-cliff.md")))
        .current_dir(repo);
    let installed = Command::new("git-cliff").arg("--version").output().is_ok();
    let cliff = if installed {
        time(cliff, Some(Duration::from_secs(limit)))
    } else {
        eprintln!("git-cliff not found: pip install git-cliff");
        None
    };
    let ours = import + render;
    let secs = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    println!(
        "| {name} | {} | {tags} | {} | {} + {} = {} ({:.1}x) | {} |",
        commits.trim(),
        secs(floor),
        secs(import),
        secs(render),
        secs(ours),
        ours.as_secs_f64() / floor.as_secs_f64(),
        match cliff {
            Some(c) => format!(
                "{} ({:.1}x)",
                secs(c),
                c.as_secs_f64() / floor.as_secs_f64()
            ),
            None if !installed => "not installed".to_string(),
            None => format!("not finished after {limit} s"),
        }
    );
}

fn main() {
    let work = tempfile::TempDir::new().unwrap();
    println!(
        "| repository | commits | tags | `git log` (floor) | ledger import + render (ratio) | git-cliff (ratio) |"
    );
    println!("|---|---|---|---|---|---|");
    if let Some(repo) = std::env::var_os("LEDGER_BENCH_REPO") {
        bench("given", &PathBuf::from(repo), work.path());
        return;
    }
    let merges = work.path().join("merges");
    generate(&merges, 20_000, 100, 10);
    bench("20k commits, merges, 100 tags", &merges, work.path());
    if std::env::var_os("LEDGER_BENCH_KEEP").is_some() {
        eprintln!("keeping the repositories in {}", work.path().display());
    }
    let many = work.path().join("many-tags");
    // The shape of renovatebot/renovate's history (26,798 commits, 12,129
    // tags when the issue measured it).
    generate(&many, 27_000, 12_000, 25);
    bench(
        "27k commits, 12k tags (renovate's shape)",
        &many,
        work.path(),
    );
    if std::env::var_os("LEDGER_BENCH_KEEP").is_some() {
        let _ = work.keep();
    }
}
