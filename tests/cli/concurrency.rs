//! Concurrency and crash safety of `record`: parallel records all land;
//! a record killed at any instant leaves a loadable journal with every
//! earlier entry intact.

use std::process::Stdio;
use std::time::Instant;

use ledger::journal::{Entry, EntryKind, FileAction, FileChange, Journal, JournalLock};
use ledger::timestamp::Timestamp;

use crate::harness::Sandbox;

#[test]
fn eight_parallel_records_all_land_in_one_chain() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut run = s.ledger(&[
                "record",
                "--no-aws",
                "--env",
                "staging",
                "--version",
                &format!("v{i}"),
            ]);
            run.command.stdout(Stdio::null()).stderr(Stdio::piped());
            run.command.spawn().expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let journal = Journal::load(&s.path().join("ledger")).unwrap();
    assert_eq!(journal.entries.len(), 8);
    assert_eq!(journal.first_broken(), None);
    let mut versions: Vec<String> = journal
        .entries
        .iter()
        .filter_map(|e| e.version.clone())
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        (0..8).map(|i| format!("v{i}")).collect::<Vec<_>>()
    );
    let times: Vec<Timestamp> = journal.entries.iter().map(|e| e.deployed_at).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "deploy times follow the order of the journal"
    );
    s.ledger(&["verify", "--no-git"]).ok();
}

/// Writes a journal of `count` entries of `files` objects each, so that a
/// record has megabytes to read, check and rewrite.
fn big_journal(s: &Sandbox, count: usize, files: usize) -> Vec<String> {
    let dir = s.path().join("ledger");
    let lock = JournalLock::acquire(&dir).unwrap();
    let mut journal = lock.load().unwrap();
    for n in 0..count {
        let entry = Entry {
            version: Some(format!("v0.{n}.0")),
            commit: Some(format!("{n:040x}")),
            deployed_by: Some("seed".into()),
            files: (0..files)
                .map(|f| FileChange {
                    key: format!("assets/chunk-{f:04}.js"),
                    action: FileAction::Put,
                    version_id: Some(format!("ver-{n}-{f}-xxxxxxxxxxxxxxxxxxxx")),
                    etag: Some(format!("{:032x}", n * 1000 + f)),
                    size: Some(1000 + f as u64),
                    size_text: None,
                    content_type: Some("application/javascript".into()),
                    cache_control: Some("max-age=86400".into()),
                    last_modified: None,
                })
                .collect(),
            ..Entry::new(
                EntryKind::Deploy,
                "production",
                Timestamp::parse_stored("2025-06-01T00:00:00Z").unwrap(),
            )
        };
        let (sealed, block) = journal.seal(entry).unwrap();
        journal.text.push('\n');
        journal.text.push_str(&block);
        journal.entries.push(sealed);
    }
    std::fs::write(&journal.path, &journal.text).unwrap();
    let loaded = Journal::load(&dir).unwrap();
    assert_eq!(loaded.first_broken(), None);
    loaded.entries.iter().map(|e| e.hash.clone()).collect()
}

#[test]
fn eight_writers_and_eight_readers_on_a_large_tail_never_fail() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    big_journal(&s, 150, 12);
    let tail = std::fs::metadata(s.path().join("ledger/journal.toml")).unwrap();
    assert!(
        tail.len() > ledger::journal::cache::CACHE_MIN_BYTES,
        "a cached tail"
    );
    s.ledger(&["log", "-n", "1"]).ok(); // the caches are written
    let spawn = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut run = s.ledger(&args);
        run.command.stdout(Stdio::null()).stderr(Stdio::piped());
        run.command.spawn().expect("spawn")
    };
    let mut children = Vec::new();
    for i in 0..8 {
        let env = if i % 2 == 0 { "staging" } else { "production" };
        let record = ["record", "--no-aws", "--env", env, "--version"];
        let mut args: Vec<String> = record.iter().map(|a| a.to_string()).collect();
        args.push(format!("v9.{i}.0"));
        children.push((format!("record {i}"), spawn(args)));
        let reads = [
            vec!["log", "--format", "json"],
            vec!["show", "#100"],
            vec!["status"],
            vec!["history", "assets/chunk-0001.js", "--env", "production"],
        ];
        let read: Vec<String> = reads[i % reads.len()]
            .iter()
            .map(|a| a.to_string())
            .collect();
        children.push((read.join(" "), spawn(read)));
    }
    for (what, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let journal = Journal::load(&s.path().join("ledger")).unwrap();
    assert_eq!(journal.entries.len(), 158);
    s.ledger(&["verify", "--no-git"]).ok();
}

#[test]
fn a_record_that_read_a_large_tail_lands_after_another_appended() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    big_journal(&s, 150, 12);
    s.ledger(&["log", "-n", "1"]).ok(); // the caches are written
    let gate = s.path().join("gate");
    let paused = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "staging",
            "--version",
            "v9.1.0",
        ])
        .paused_before_append(&gate);
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v9.2.0",
    ])
    .ok();
    let done = paused.release();
    assert_eq!(done.code, 0, "{}", done.stderr);
    let journal = Journal::load(&s.path().join("ledger")).unwrap();
    assert_eq!(journal.entries.len(), 152);
    s.ledger(&["verify", "--no-git"]).ok();
}

#[test]
fn a_record_killed_at_any_instant_leaves_the_journal_whole() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    let initial = big_journal(&s, 250, 60);
    let dir = s.path().join("ledger");
    let record = |version: &str| {
        let mut run = s.ledger(&[
            "record",
            "--no-aws",
            "--env",
            "staging",
            "--version",
            version,
        ]);
        // Seal every few records, so that kills also land inside seals.
        run.command
            .env("LEDGER_TEST_SEGMENT_MAX_ENTRIES", "8")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        run.command
    };

    // The first record splits the single-file journal into segments; how
    // long the next takes here spreads the kills over one record.
    assert!(record("split").status().unwrap().success());
    let started = Instant::now();
    assert!(record("warmup").status().unwrap().success());
    let duration = started.elapsed();
    let mut hashes: Vec<String> = Journal::load(&dir)
        .unwrap()
        .entries
        .iter()
        .map(|e| e.hash.clone())
        .collect();
    assert_eq!(hashes[..initial.len()], initial[..]);
    let sealed_before = Journal::load(&dir).unwrap().segment_files().len();

    let mut seed: u64 = 0x5eed;
    let (mut killed, mut landed) = (0, 0);
    // scripts/kill-soak.sh runs 1,000 trials; the suite keeps a short run.
    let trials: usize = std::env::var("LEDGER_KILL_TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(36);
    for trial in 0..trials {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let fraction = (seed >> 33) as f64 / (1u64 << 31) as f64; // [0, 1)
        let delay = duration.mul_f64(fraction * 1.3);
        let mut child = record(&format!("t{trial}")).spawn().unwrap();
        // Every third record runs to its end, whatever the machine's load
        // does to the others' length: the tail then fills, and the records
        // killed after it are ones that seal.
        if trial % 3 != 2 {
            std::thread::sleep(delay);
            let _ = child.kill();
        }
        let status = child.wait().unwrap();
        if status.success() {
            landed += 1;
        } else {
            killed += 1;
        }
        let journal = Journal::load(&dir).unwrap_or_else(|e| {
            panic!("trial {trial} (kill after {delay:?}): journal does not load: {e}")
        });
        assert_eq!(journal.first_broken(), None, "trial {trial}: chain broken");
        assert!(
            journal.entries.len() == hashes.len() || journal.entries.len() == hashes.len() + 1,
            "trial {trial}: {} entries, had {}",
            journal.entries.len(),
            hashes.len()
        );
        for (index, hash) in hashes.iter().enumerate() {
            assert_eq!(
                &journal.entries[index].hash,
                hash,
                "trial {trial}: entry #{} changed",
                index + 1
            );
        }
        hashes = journal.entries.iter().map(|e| e.hash.clone()).collect();
    }
    eprintln!(
        "kill trials: {killed} killed before finishing, {landed} finished (one record takes {duration:?})"
    );
    assert!(killed > 0, "no trial interrupted a record");
    // A later record cleans up what killed ones left behind.
    assert!(record("after").status().unwrap().success());
    let segments = std::fs::read_dir(dir.join("journal")).into_iter().flatten();
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .chain(segments)
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let sealed = Journal::load(&dir).unwrap().segment_files().len();
    eprintln!("kill trials ended with {sealed} sealed segment(s), {sealed_before} before them");
    assert!(sealed > sealed_before, "no trial sealed a segment");
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    use std::io::Read;
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    big_journal(&s, 40, 60); // megabytes of JSON: more than a pipe holds
    let mut run = s.ledger(&["log", "--format", "json"]);
    run.command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = run.command.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // like `ledger log | head -c 16`
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "a broken pipe is not an error: {stderr}");
}
