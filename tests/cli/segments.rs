//! The journal stored as sealed segments and an open tail: a long
//! single-file journal is split by the next append, appends rewrite only the
//! tail, a seal cut off midway is ignored and cleaned up, and a changed
//! sealed entry is named in its own file.

use std::path::Path;

use ledger::journal::{EMPTY_JOURNAL, Entry, EntryKind, FileAction, FileChange, Journal};
use ledger::timestamp::Timestamp;

use crate::harness::Sandbox;

/// The text of a single-file journal of `count` deploys of `env`, one file
/// each, an hour apart from 2025-01-01: what a ledger written before
/// segments holds.
pub fn legacy_journal(count: usize, env: &str) -> String {
    legacy_journal_of(count, |_| env)
}

/// [`legacy_journal`], deploy `n` (from 0) to environment `env_of(n)`.
fn legacy_journal_of<'a>(count: usize, env_of: impl Fn(usize) -> &'a str) -> String {
    let mut journal = Journal::parse(Path::new("journal.toml"), EMPTY_JOURNAL.into()).unwrap();
    for n in 0..count {
        let at = chrono::DateTime::from_timestamp(1_735_689_600 + n as i64 * 3600, 0).unwrap();
        let entry = Entry {
            version: Some(format!("v0.{n}.0")),
            deployed_by: Some("history".into()),
            files: vec![FileChange {
                key: format!("assets/{}.js", n % 40),
                action: FileAction::Put,
                version_id: Some(format!("ver-{n}")),
                etag: Some(format!("{n:032x}")),
                size: Some(100 + n as u64),
                size_text: None,
                content_type: None,
                cache_control: None,
                last_modified: None,
            }],
            ..Entry::new(EntryKind::Deploy, env_of(n), Timestamp::At(at))
        };
        let (sealed, block) = journal.seal(entry).unwrap();
        ledger::journal::push_block(&mut journal.text, &block);
        journal.entries.push(sealed);
    }
    journal.text
}

/// The logical text of the sandbox's journal: the header, then the body of
/// each segment and of the tail, in order.
fn logical(s: &Sandbox) -> String {
    let mut text = EMPTY_JOURNAL.to_string();
    let mut files: Vec<_> = std::fs::read_dir(s.path().join("ledger/journal"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files.push(s.path().join("ledger/journal.toml"));
    for file in files {
        let content = std::fs::read_to_string(file).unwrap();
        let body = content.find("format = 1\n").unwrap() + "format = 1\n".len();
        text.push_str(&content[body..]);
    }
    text
}

fn segment(s: &Sandbox, first: u64) -> String {
    s.read(&format!("ledger/journal/{first:010}.toml"))
}

fn record(s: &Sandbox, version: &str) -> String {
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "staging",
        "--version",
        version,
    ])
    .ok()
}

/// How many `[[entry]]` blocks a text holds.
fn blocks(text: &str) -> usize {
    text.lines().filter(|l| *l == "[[entry]]").count()
}

/// A sandbox whose 2,300-entry single-file journal the next record split.
fn migrated() -> (Sandbox, String) {
    let s = Sandbox::with_ledger();
    let legacy = legacy_journal(2300, "staging");
    s.write("ledger/journal.toml", &legacy);
    s.commit_all("chore: ledger with a long history");
    record(&s, "v9");
    (s, legacy)
}

#[test]
fn a_long_single_file_journal_is_split_into_sealed_segments_by_the_next_append() {
    let (s, legacy) = migrated();
    let first = segment(&s, 1);
    assert!(first.starts_with("# ledger journal segment: entries #1 to #1000."));
    assert!(segment(&s, 1001).contains("entries #1001 to #2000."));
    let tail = s.journal();
    assert_eq!(blocks(&tail), 301, "2001..2301 stay open");
    assert!(tail.starts_with(EMPTY_JOURNAL));
    // Nothing was rewritten: the old file's text, then the new block.
    let logical = logical(&s);
    assert!(
        logical.starts_with(&legacy),
        "the history is kept byte for byte"
    );
    assert_eq!(blocks(&logical), 2301);
    let log = s.log_entries();
    assert_eq!(log.len(), 2301);
    assert_eq!(log[0]["seq"], 2301);
    assert_eq!(log[0]["version"], "v9");
    let done = s.ledger(&["verify"]).code(0);
    assert!(done.stderr.contains("2301 entries"), "{}", done.stderr);
}

#[test]
fn an_append_rewrites_only_the_tail_and_the_git_history_still_checks() {
    let (s, _) = migrated();
    s.commit_all("ledger: record v9");
    let sealed = (segment(&s, 1), segment(&s, 1001));
    let before = std::fs::metadata(s.path().join("ledger/journal/0000000001.toml"))
        .unwrap()
        .modified()
        .unwrap();
    record(&s, "v10");
    assert_eq!((segment(&s, 1), segment(&s, 1001)), sealed);
    let after = std::fs::metadata(s.path().join("ledger/journal/0000000001.toml"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "a sealed segment is never written again");
    assert_eq!(blocks(&s.journal()), 302);
    s.commit_all("ledger: record v9 again");
    // The split and the records since are one growing journal to git.
    let done = s.ledger(&["verify"]).code(0);
    assert!(done.stderr.contains("2302 entries"), "{}", done.stderr);
    assert!(!done.stdout.contains("committed"), "{}", done.stdout);
}

#[test]
fn a_tail_forged_under_the_cache_of_the_append_that_wrote_it_is_still_refused() {
    let (s, _) = migrated();
    // Its cache says the append checked these bytes: the next append takes
    // the entries from it, once the bytes' SHA-256 matches.
    record(&s, "v10");
    record(&s, "v11");
    let tail = s.path().join("ledger/journal.toml");
    let written = std::fs::metadata(&tail).unwrap().modified().unwrap();
    // A forgery of the same length, written in place (same inode), with
    // the old modification time put back: the cache file's name still
    // matches, only the bytes differ.
    let forged = s.journal().replacen("v0.2100.0", "v0.2100.1", 1);
    assert_ne!(forged, s.journal());
    let file = std::fs::OpenOptions::new().write(true).open(&tail).unwrap();
    std::io::Write::write_all(&mut &file, forged.as_bytes()).unwrap();
    file.set_modified(written).unwrap();
    drop(file);
    let done = s
        .ledger(&["record", "--no-aws", "--env", "staging", "--version", "v12"])
        .code(2);
    assert!(
        done.stderr.contains("broken at entry #2101"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), forged, "nothing was appended");
}

#[test]
fn a_changed_sealed_entry_is_named_in_its_segment_file() {
    let (s, _) = migrated();
    let text = segment(&s, 1001).replacen("v0.1500.0", "v0.1500.1", 1);
    s.write("ledger/journal/0000001001.toml", &text);
    let header = text[..text.find("v0.1500.1").unwrap()]
        .rfind("[[entry]]")
        .unwrap();
    let header_line = text[..header].lines().count() + 1;
    let done = s.ledger(&["verify"]).code(1);
    let place = format!("ledger/journal/0000001001.toml:{header_line}");
    assert!(
        done.stdout.contains("entry #1501") && done.stdout.contains(&place),
        "names the entry and its place ({place}): {}",
        done.stdout
    );
}

#[test]
fn a_seal_cut_off_before_the_tail_was_replaced_is_ignored_then_cleaned_up() {
    let (s, _) = migrated();
    // A seal writes the segments first and the tail last: killed between,
    // a segment starting at the tail's first entry is left behind.
    let tail = s.journal();
    s.write("ledger/journal/0000002001.toml", &tail);
    s.write("ledger/journal/0000002001.toml.tmp.999", "cut off");
    let log = s.log_entries();
    assert_eq!(log.len(), 2301, "the leftover is not read twice");
    s.ledger(&["verify"]).code(0);
    record(&s, "v10");
    assert!(
        !s.path().join("ledger/journal/0000002001.toml").exists(),
        "the next writer removes the leftover"
    );
    assert!(
        !s.path()
            .join("ledger/journal/0000002001.toml.tmp.999")
            .exists(),
        "and the temporary of a cut-off segment write"
    );
    assert_eq!(s.log_entries().len(), 2302);
    s.ledger(&["verify"]).code(0);
}

#[test]
fn a_broken_segment_is_reported_at_its_own_file_and_line() {
    let (s, _) = migrated();
    let text = segment(&s, 1).replacen("seq = 7\n", "seq = \n", 1);
    s.write("ledger/journal/0000000001.toml", &text);
    let line = text.lines().position(|l| l == "seq = ").unwrap() + 1;
    let done = s.ledger(&["log", "-n", "1"]).code(2);
    assert!(
        done.stderr
            .contains(&format!("ledger/journal/0000000001.toml:{line}:")),
        "{}",
        done.stderr
    );
}

#[test]
fn a_missing_segment_is_refused_naming_what_is_missing() {
    let (s, _) = migrated();
    std::fs::remove_file(s.path().join("ledger/journal/0000001001.toml")).unwrap();
    let done = s.ledger(&["log", "-n", "1"]).code(2);
    assert!(
        done.stderr.contains("first open entry is #2001")
            && done
                .stderr
                .contains("hold 1000 entries: entries #1001 to #2000 are missing"),
        "{}",
        done.stderr
    );
    let done = s.ledger(&["verify", "--no-git"]).code(1);
    assert!(
        done.stdout.contains("entries #1001 to #2000 are missing"),
        "one finding for the run: {}",
        done.stdout
    );
    let done = s.ledger(&["record", "--no-aws", "--env", "staging", "--version", "v10"]);
    done.code(2);
    assert_eq!(blocks(&s.journal()), 301, "nothing was recorded");
}

#[test]
fn segments_beside_an_emptied_tail_or_out_of_place_are_refused() {
    // A seal never leaves an empty tail beside segments (a first seal puts
    // the whole journal in the tail first): entries were removed.
    let (s, _) = migrated();
    s.write("ledger/journal.toml", EMPTY_JOURNAL);
    let done = s.ledger(&["log"]).code(2);
    assert!(
        done.stderr.contains("the open tail holds no entry"),
        "{}",
        done.stderr
    );
    s.ledger(&["record", "--no-aws", "--env", "staging", "--version", "v10"])
        .code(2);
    assert!(s.path().join("ledger/journal/0000000001.toml").exists());
    // A renamed segment does not start where its name says.
    let (s, _) = migrated();
    let dir = s.path().join("ledger/journal");
    std::fs::rename(dir.join("0000001001.toml"), dir.join("0000001002.toml")).unwrap();
    let done = s.ledger(&["log", "-n", "1"]).code(2);
    assert!(
        done.stderr.contains("0000001002.toml") && done.stderr.contains("its name says #1002"),
        "{}",
        done.stderr
    );
}

#[test]
fn reads_use_a_cache_of_sealed_segments_that_follows_the_files() {
    let (s, _) = migrated();
    let show = |s: &Sandbox| -> serde_json::Value {
        serde_json::from_str(&s.ledger(&["show", "#1501", "--format", "json"]).ok()).unwrap()
    };
    let fresh = show(&s);
    let cache = s.path().join("ledger/.cache/segments");
    let cached: Vec<_> = std::fs::read_dir(&cache).unwrap().flatten().collect();
    assert_eq!(
        cached.len(),
        3,
        "one cache file per sealed segment and the tail"
    );
    assert_eq!(show(&s), fresh, "the cached entries are the parsed ones");
    assert_eq!(s.log_entries().len(), 2301);
    // A changed segment (same size) is parsed again, never served stale.
    let text = segment(&s, 1001).replacen("v0.1500.0", "v0.1500.1", 1);
    std::thread::sleep(std::time::Duration::from_millis(20));
    s.write("ledger/journal/0000001001.toml", &text);
    assert_eq!(show(&s)["version"], "v0.1500.1");
    let cached = std::fs::read_dir(&cache).unwrap().flatten().count();
    assert_eq!(cached, 3, "the stale cache file was replaced");
    assert!(s.read("ledger/.gitignore").contains(".cache/"));
}

#[test]
fn a_restored_cache_is_taken_over_when_the_bytes_match() {
    use std::os::unix::fs::MetadataExt;
    let (s, _) = migrated();
    let show = |s: &Sandbox| s.ledger(&["show", "#1501", "--format", "json"]).ok();
    let fresh = show(&s);
    let cache = s.path().join("ledger/.cache/segments");
    // A file renamed keeps its inode and time; one written anew gets a new
    // time (its inode may be one just freed).
    let inodes = |dir: &std::path::Path| -> std::collections::BTreeSet<(u64, i64, i64)> {
        (std::fs::read_dir(dir).unwrap().flatten())
            .map(|f| f.metadata().unwrap())
            .map(|m| (m.ino(), m.mtime(), m.mtime_nsec()))
            .collect()
    };
    let before = inodes(&cache);
    // A fresh checkout with the cache folder restored (as CI's cache step
    // does): every journal file written anew, same bytes, other inode and
    // time, so no cache file has its name.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let dir = s.path().join("ledger/journal");
    let mut files: Vec<_> = (std::fs::read_dir(&dir).unwrap().flatten())
        .map(|f| f.path())
        .collect();
    files.push(s.path().join("ledger/journal.toml"));
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        std::fs::remove_file(file).unwrap();
        std::fs::write(file, bytes).unwrap();
    }
    assert_eq!(show(&s), fresh);
    assert_eq!(
        inodes(&cache),
        before,
        "each cache file was renamed to the new state, not parsed and written again"
    );
    // The same size but other bytes: hashed, refused, parsed.
    let text = segment(&s, 1).replacen("v0.500.0", "v0.500.1", 1);
    std::thread::sleep(std::time::Duration::from_millis(20));
    s.write("ledger/journal/0000000001.toml", &text);
    let shown = s.ledger(&["show", "#501", "--format", "json"]).ok();
    assert!(shown.contains("v0.500.1"), "{shown}");
    assert_eq!(
        inodes(&cache).intersection(&before).count(),
        2,
        "only the changed segment's cache was written anew"
    );
}

/// What `live --at` answers for staging at the deploy time of entry `seq`
/// of [`legacy_journal`]: key -> version ID.
fn live_at_entry(s: &Sandbox, seq: u64) -> std::collections::BTreeMap<String, String> {
    let at = chrono::DateTime::from_timestamp(1_735_689_600 + (seq as i64 - 1) * 3600, 0).unwrap();
    let at = at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let args = ["live", "--env", "staging", "--at", &at, "--format", "json"];
    let answer: serde_json::Value = serde_json::from_str(&s.ledger(&args).ok()).unwrap();
    assert_eq!(answer["deploy"]["seq"], seq, "{answer}");
    (answer["files"].as_array().unwrap().iter())
        .map(|f| {
            (
                f["key"].as_str().unwrap().into(),
                f["version_id"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// What [`legacy_journal`]'s entries up to `seq` left live, leaving out
/// the `voided` ones: each key's last put.
fn expected_live(seq: u64, voided: &[u64]) -> std::collections::BTreeMap<String, String> {
    (1..=seq)
        .filter(|n| !voided.contains(n))
        .map(|n| {
            (
                format!("assets/{}.js", (n - 1) % 40),
                format!("ver-{}", n - 1),
            )
        })
        .collect()
}

#[test]
fn queries_read_only_what_they_need_and_follow_a_later_void() {
    let (s, _) = migrated();
    // Within the first segment, at a segment's end, and in the tail.
    for seq in [500, 1000, 1500, 2200] {
        assert_eq!(live_at_entry(&s, seq), expected_live(seq, &[]), "at #{seq}");
    }
    // A void in the tail marks an entry of a sealed segment: the segment's
    // net changes no longer hold, and the answers leave the entry out.
    s.ledger(&["void", "#1490", "--reason", "wrong build"]).ok();
    assert_eq!(live_at_entry(&s, 1500), expected_live(1500, &[1490]));
    assert_eq!(live_at_entry(&s, 2200), expected_live(2200, &[1490]));
    let key = format!("assets/{}.js", 1489 % 40);
    let args = ["history", &key, "--env", "staging", "--format", "json"];
    let history: serde_json::Value = serde_json::from_str(&s.ledger(&args).ok()).unwrap();
    let seqs: Vec<u64> = (history["versions"].as_array().unwrap().iter())
        .map(|v| v["seq"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> = (1..=2300)
        .filter(|n| (n - 1) % 40 == 1489 % 40 && *n != 1490)
        .collect();
    assert_eq!(
        seqs, expected,
        "every change of the key but the voided one, oldest first"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&s.ledger(&["show", "#1490", "--format", "json"]).ok()).unwrap();
    assert_eq!(
        shown["files"][0]["version_id"], "ver-1489",
        "a voided entry is shown whole"
    );
    let text = s.ledger(&["log", "-n", "3"]).ok();
    assert!(text.contains("voids #1490"), "{text}");
}

#[test]
fn a_small_ledger_keeps_no_cache_beside_it() {
    let s = Sandbox::with_ledger();
    s.commit_all("chore: a ledger");
    record(&s, "v1");
    s.ledger(&["log"]).ok();
    s.ledger(&["status"]).ok();
    assert!(
        !s.path().join("ledger/.cache").exists(),
        "a journal file under 64 KiB parses in milliseconds: nothing to cache"
    );
}

#[test]
fn a_damaged_cache_is_set_aside_and_the_journal_read_again() {
    let (s, _) = migrated();
    let cache = s.path().join("ledger/.cache/segments");
    let expected = expected_live(1500, &[]);
    assert_eq!(live_at_entry(&s, 1500), expected);
    // One cache file's summary line cut, the others' pieces cut.
    for (i, file) in std::fs::read_dir(&cache).unwrap().flatten().enumerate() {
        let bytes = std::fs::read(file.path()).unwrap();
        let line_end = bytes.iter().position(|b| *b == b'\n').unwrap();
        let keep = if i == 0 { 10 } else { line_end + 10 };
        std::fs::write(file.path(), &bytes[..keep]).unwrap();
    }
    assert_eq!(live_at_entry(&s, 1500), expected);
    let show = s.ledger(&["show", "#1501", "--format", "json"]).ok();
    assert!(show.contains("ver-1500"), "{show}");
}

#[test]
fn history_refuses_a_key_only_a_voided_entry_changed() {
    let s = Sandbox::with_ledger();
    s.write("ledger/journal.toml", &legacy_journal(3, "staging"));
    s.commit_all("chore: a ledger with three deploys");
    s.ledger(&["void", "#3", "--reason", "wrong bucket"]).ok();
    let args = ["history", "assets/2.js", "--env", "staging"];
    let refused = s.ledger(&args).code(2);
    assert!(
        refused
            .stderr
            .contains("no entry of `staging` recorded the key `assets/2.js`"),
        "{}",
        refused.stderr
    );
    let kept = s
        .ledger(&["history", "assets/1.js", "--env", "staging"])
        .ok();
    assert!(
        kept.lines().nth(1).is_some_and(|l| l.starts_with("#2")),
        "{kept}"
    );
}

#[test]
fn the_history_check_names_a_sealed_entry_a_later_commit_changed() {
    let (s, _) = migrated();
    s.commit_all("ledger: split");
    record(&s, "v10");
    s.commit_all("ledger: record v10");
    // Committed with the change: the working copy agrees with HEAD, so
    // only the comparison of the two commits, file by file, can see it.
    let text = segment(&s, 1001).replacen("v0.1500.0", "v0.1500.9", 1);
    s.write("ledger/journal/0000001001.toml", &text);
    s.commit_all("ledger: an edit");
    let done = s.ledger(&["verify"]).code(1);
    assert!(
        done.stdout.contains("changed entry #1501") && done.stdout.contains("commit "),
        "{}",
        done.stdout
    );
    // Segments both commits store as the same blob are not what it names.
    assert!(!done.stdout.contains("entry #1 "), "{}", done.stdout);
    // Both findings name the segment file and the entry's own line there.
    let lines: Vec<&str> = text.lines().collect();
    let seq_line = (lines.iter().position(|l| *l == "seq = 1501")).expect("the entry's seq line");
    let table = (lines[..seq_line].iter().rposition(|l| l.starts_with("[[")))
        .expect("the entry's table header");
    let at = format!("(ledger/journal/0000001001.toml:{})", table + 1);
    let named = (done.stdout.lines()).filter(|l| l.contains(&at)).count();
    assert_eq!(named, 2, "{at}\n{}", done.stdout);
}

/// An append's checks read a few heads of each sealed segment (its digest),
/// not every head: a lock, a recorded version and a void that lie in sealed
/// segments must still be found. Every two entries are sealed here (the
/// test build's limit).
#[test]
fn an_append_finds_locks_versions_and_voids_that_lie_in_sealed_segments() {
    let s = Sandbox::with_ledger();
    s.commit("src/a.js", "feat: one");
    let run = |args: &[&str]| s.ledger(args).env("LEDGER_TEST_SEGMENT_MAX_ENTRIES", "2");
    let record = |env: &str, version: &str, more: &[&str]| {
        let mut args = vec!["record", "--no-aws", "--env", env, "--version", version];
        args.extend_from_slice(more);
        run(&args)
    };
    record("production", "v1", &[]).ok(); // #1
    record("staging", "s1", &[]).ok(); // #2
    run(&["lock", "--env", "production", "--reason", "incident"]).ok(); // #3
    for n in 2..=5 {
        record("staging", &format!("s{n}"), &[]).ok(); // #4 to #7
    }
    assert!(
        segment(&s, 3).contains("kind = \"lock\""),
        "the lock is sealed"
    );
    let refused = record("production", "v2", &[]).code(2);
    assert!(
        refused.stderr.contains("is locked (#3"),
        "{}",
        refused.stderr
    );
    run(&["unlock", "--env", "production"]).ok(); // #8
    record("staging", "s6", &[]).ok(); // #9
    // A new build under an old name (the same name from the same commit
    // would be a re-run, accepted without an append).
    s.commit("src/b.js", "fix: two");
    let again = record("production", "v1", &[]).code(2);
    assert!(
        again
            .stderr
            .contains("already recorded for `production` as #1"),
        "{}",
        again.stderr
    );
    let again = record("staging", "s1", &[]).code(2);
    assert!(again.stderr.contains("as #2"), "{}", again.stderr);
    // Not the last deploy of its segment (#5, #6): found by its version.
    let again = record("staging", "s3", &[]).code(2);
    assert!(again.stderr.contains("as #5"), "{}", again.stderr);
    record("staging", "s1", &["--redeploy"]).ok(); // #10
    run(&["void", "#1", "--reason", "recorded in error"]).ok(); // #11
    record("staging", "s7", &[]).ok(); // #12
    // #1 no longer counts: v1 is recorded anew, and the previous deploy of
    // production is none, so nothing marks it a redeploy.
    let recorded = record("production", "v1", &[]).ok(); // #13
    assert!(recorded.is_empty(), "{recorded}");
    // A lock and its unlock sealed together, then the unlock voided: the
    // lock is in force again, though the segment's last lock entry is the
    // unlock.
    record("staging", "s8", &[]).ok(); // #14
    run(&["lock", "--env", "production", "--reason", "freeze"]).ok(); // #15
    run(&["unlock", "--env", "production"]).ok(); // #16
    record("staging", "s9", &[]).ok(); // #17
    record("staging", "s10", &[]).ok(); // #18
    assert!(segment(&s, 15).contains("kind = \"unlock\""));
    run(&["void", "#16", "--reason", "unlocked too early"]).ok(); // #19
    record("staging", "s11", &[]).ok(); // #20
    record("staging", "s12", &[]).ok(); // #21: the void is sealed too
    assert!(segment(&s, 19).contains("kind = \"void\""));
    let refused = record("production", "v3", &[]).code(2);
    assert!(
        refused.stderr.contains("is locked (#15"),
        "{}",
        refused.stderr
    );
    let done = run(&["verify", "--no-git"]).code(0);
    assert!(done.stderr.contains("21 entries"), "{}", done.stderr);
    let sealed = std::fs::read_dir(s.path().join("ledger/journal"))
        .unwrap()
        .count();
    assert!(sealed >= 5, "{sealed} segments");
}

/// The cached blocks of the deployment history.
fn history_cache(s: &Sandbox) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(s.path().join("ledger/.cache/history"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// A render, and a render with no cached block: they must print the same.
fn render_both_ways(s: &Sandbox) -> String {
    let cached = s.ledger(&["render"]).ok();
    std::fs::remove_dir_all(s.path().join("ledger/.cache/history")).unwrap();
    let printed = s.ledger(&["render"]).ok();
    assert_eq!(cached, printed, "the cached history prints as a fresh one");
    printed
}

#[test]
fn the_cached_history_follows_voids_appends_and_renamed_environments() {
    let (s, _) = migrated();
    let first = s.ledger(&["render"]).ok();
    let kept = history_cache(&s);
    assert_eq!(kept.len(), 3, "two segments and the tail: {kept:?}");
    assert_eq!(
        s.ledger(&["render"]).ok(),
        first,
        "read back from the cache"
    );
    assert!(first.contains("### 2025-01-01 - Staging Deploy v0.4.0\n"));

    // A void in the tail leaves out a block of a sealed segment.
    s.ledger(&["void", "#5", "--reason", "wrong build"]).ok();
    let voided = render_both_ways(&s);
    assert!(
        !voided.contains("Staging Deploy v0.4.0\n"),
        "voided: left out"
    );
    assert!(voided.contains("**Voids**: #5 staging v0.4.0"));

    record(&s, "v10");
    let appended = render_both_ways(&s);
    let newest = appended.find("Staging Deploy v10\n").unwrap();
    assert!(newest < appended.find("Staging Correction").unwrap());

    // The environment's display name is printed in every block.
    let config = s.read("ledger/ledger.toml");
    s.write(
        "ledger/ledger.toml",
        &config.replacen(
            "[environments.staging]\n",
            "[environments.staging]\nname = \"Stage\"\n",
            1,
        ),
    );
    let renamed = render_both_ways(&s);
    assert!(renamed.contains("### 2025-01-01 - Stage Deploy v0.3.0\n"));
    assert!(!renamed.contains("Staging Deploy"));
    assert_eq!(
        history_cache(&s).len(),
        3,
        "blocks of other names are removed"
    );
}

#[test]
fn a_cut_off_cached_history_is_printed_again() {
    let (s, _) = migrated();
    let first = s.ledger(&["render"]).ok();
    for file in history_cache(&s) {
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, &text[..text.len() / 2]).unwrap();
    }
    assert_eq!(s.ledger(&["render"]).ok(), first);
}

/// What a command prints and exits with.
fn answer(s: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let done = s.ledger(args).run();
    (done.code, done.stdout, done.stderr)
}

#[test]
fn reads_of_a_segmented_journal_answer_as_the_same_journal_in_one_file() {
    // Every tenth deploy to production, the others to staging.
    let s = Sandbox::with_ledger();
    let env_of = |n: usize| if n % 10 == 9 { "production" } else { "staging" };
    s.write("ledger/journal.toml", &legacy_journal_of(2300, env_of));
    s.commit_all("chore: ledger with a long history");
    record(&s, "v9");
    // Locks, and voids of a sealed segment's last entry (production's
    // last deploy in it) and of entries inside sealed segments.
    s.ledger(&["lock", "--env", "staging", "--reason", "freeze"])
        .ok();
    for voided in ["#2000", "#1490", "#700"] {
        s.ledger(&["void", voided, "--reason", "wrong build"]).ok();
    }
    s.ledger(&["unlock", "--env", "staging"]).ok();
    s.ledger(&["lock", "--env", "production", "--reason", "audit"])
        .ok();
    record(&s, "v10");
    // The same entries as one single-file journal, which every read
    // answers from all of its heads.
    let whole = Sandbox::with_ledger();
    whole.write("ledger/ledger.toml", &s.read("ledger/ledger.toml"));
    whole.write("ledger/journal.toml", &logical(&s));
    let hour = |n: i64| {
        let at = chrono::DateTime::from_timestamp(1_735_689_600 + n * 3600 + 1800, 0).unwrap();
        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let instants = [
        hour(-2),
        hour(0),
        hour(699),
        hour(700),
        hour(999),
        hour(1489),
        hour(1999),
        hour(2299),
    ];
    let mut asked: Vec<Vec<String>> = vec![
        vec!["status".into()],
        vec!["status".into(), "--format".into(), "json".into()],
        vec!["log".into(), "-n".into(), "7".into()],
        vec![
            "log".into(),
            "-n".into(),
            "2".into(),
            "--env".into(),
            "production".into(),
        ],
        vec![
            "history".into(),
            "--env".into(),
            "staging".into(),
            "assets/9.js".into(),
        ],
        vec![
            "history".into(),
            "--env".into(),
            "production".into(),
            "assets/1.js".into(),
        ],
    ];
    for seq in [
        "#1", "#700", "#1000", "#1001", "#1490", "#2301", "#2306", "#9999",
    ] {
        asked.push(vec!["show".into(), seq.into()]);
    }
    for env in ["staging", "production"] {
        for at in &instants {
            let args = ["live", "--env", env, "--at", at, "--format", "json"];
            asked.push(args.iter().map(|a| a.to_string()).collect());
        }
    }
    assert!(
        blocks(&s.journal()) < blocks(&whole.journal()),
        "one is segmented"
    );
    let mut answered = 0;
    for args in &asked {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (segmented, single) = (answer(&s, &args), answer(&whole, &args));
        assert_eq!(segmented, single, "ledger {}", args.join(" "));
        answered += usize::from(single.0 == 0);
    }
    assert!(
        answered > asked.len() * 3 / 4,
        "{answered} of {} answered",
        asked.len()
    );
}

/// The cache file of segment `first` (0: of the open tail).
fn cache_of(s: &Sandbox, first: u64) -> std::path::PathBuf {
    let prefix = match first {
        0 => "journal.".to_string(),
        n => format!("{n:010}."),
    };
    std::fs::read_dir(s.path().join("ledger/.cache/segments"))
        .unwrap()
        .flatten()
        .map(|f| f.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .expect("a cache file of the segment")
}

#[test]
fn a_forged_cache_is_found_by_verify_and_never_breaks_an_append() {
    let (s, _) = migrated();
    let show = |s: &Sandbox| -> serde_json::Value {
        serde_json::from_str(&s.ledger(&["show", "#1501", "--format", "json"]).ok()).unwrap()
    };
    assert_eq!(show(&s)["version"], "v0.1500.0");
    let forge = |s: &Sandbox| {
        let cache = cache_of(s, 1001);
        let text = std::fs::read_to_string(&cache).unwrap();
        assert!(text.contains("v0.1500.0"));
        std::fs::write(&cache, text.replace("v0.1500.0", "v0.1500.X")).unwrap();
        cache
    };
    // A same-length edit of the cache: a read finds its pieces do not
    // match their checksums, reads the journal instead and sets it aside.
    let cache = forge(&s);
    assert_eq!(show(&s)["version"], "v0.1500.0", "read from the journal");
    let now = std::fs::read_to_string(&cache).unwrap_or_default();
    assert!(
        !now.contains("v0.1500.X"),
        "the damaged cache was set aside"
    );
    let log = s.ledger(&["log", "--format", "json"]).ok();
    assert!(!log.contains("v0.1500.X") && log.contains("v0.1500.0"));
    // verify compares every cache with its journal file's bytes.
    let cache = cache_of(&s, 1001);
    let forged = std::fs::read_to_string(&cache)
        .unwrap()
        .replace("v0.1500.0", "v0.1500.X");
    std::fs::write(&cache, forged).unwrap();
    let done = s.ledger(&["verify", "--no-git"]).code(0);
    assert!(
        done.stderr
            .contains("the read cache of ledger/journal/0000001001.toml disagreed with it"),
        "{}",
        done.stderr
    );
    assert_eq!(show(&s)["version"], "v0.1500.0", "rebuilt from the journal");

    // A cache that breaks the chain as it tells it: the append reads the
    // files themselves, and lands.
    let cache = cache_of(&s, 1001);
    let text = std::fs::read_to_string(&cache).unwrap();
    let last = segment(&s, 1001);
    let last_hash = last.rsplit("\nhash = \"").next().unwrap()[..64].to_string();
    let other: String = last_hash.chars().rev().collect();
    std::fs::write(&cache, text.replace(&last_hash, &other)).unwrap();
    let done = s
        .ledger(&["record", "--no-aws", "--env", "staging", "--version", "v10"])
        .run();
    assert_eq!(done.code, 0, "{}", done.stderr);
    s.ledger(&["verify", "--no-git"]).ok();
}

#[test]
fn an_append_chains_to_the_hash_the_tail_holds_not_its_cache() {
    let (s, _) = migrated();
    record(&s, "v10"); // the tail's cache, written by an append ("checked")
    let tail = s.journal();
    let last_hash = tail.rsplit("\nhash = \"").next().unwrap()[..64].to_string();
    let cache = cache_of(&s, 0);
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(
        text.contains(&last_hash),
        "the cache holds the tail's last hash"
    );
    let other: String = last_hash.chars().rev().collect();
    std::fs::write(&cache, text.replace(&last_hash, &other)).unwrap();
    record(&s, "v11");
    s.ledger(&["verify", "--no-git"]).ok();
}

/// The fault probe of issue 28: random one-byte changes of a segment's
/// cache never change what a read prints (each is caught by the head's
/// SHA-256 or a piece's CRC-32, and the journal read instead). The changes
/// keep the JSON valid and hit what reads print: a digit of a version
/// (`v0.1500.0`) becomes another digit.
#[test]
fn random_byte_changes_of_a_cache_never_change_what_reads_print() {
    let (s, _) = migrated();
    let read = |s: &Sandbox| {
        let log = s.ledger(&["log", "--format", "json"]).ok();
        let show = s.ledger(&["show", "#1501", "--format", "json"]).ok();
        (log, show)
    };
    let expected = read(&s);
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        // xorshift: a fixed sequence.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..30 {
        let cache = cache_of(&s, 1001);
        let mut bytes = std::fs::read(&cache).unwrap();
        let digits: Vec<usize> = (bytes.windows(5).enumerate())
            .filter(|(_, w)| w.starts_with(b"\"v0.") && w[4].is_ascii_digit())
            .map(|(at, _)| at + 4)
            .collect();
        let at = digits[(next() % digits.len() as u64) as usize];
        bytes[at] = if bytes[at] == b'9' {
            b'0'
        } else {
            bytes[at] + 1
        };
        std::fs::write(&cache, &bytes).unwrap();
        assert_eq!(read(&s), expected, "round {round}: byte {at} changed");
    }
}
