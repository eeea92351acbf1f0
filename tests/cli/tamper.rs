//! `verify`: edits, removals and reorderings of past entries are found and
//! named, in the file and through the journal's git history.

use crate::harness::Sandbox;

fn three_entries() -> Sandbox {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    for (i, at) in [
        "2026-01-01T00:00:00Z",
        "2026-01-02T00:00:00Z",
        "2026-01-03T00:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let version = format!("v1.{i}.0");
        s.ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            &version,
            "--at",
            at,
        ])
        .ok();
    }
    s
}

/// The journal's header and its entry blocks.
fn blocks(journal: &str) -> (String, Vec<String>) {
    let mut parts = journal.split("\n[[entry]]\n");
    let header = parts.next().unwrap().to_string();
    (header, parts.map(|b| format!("[[entry]]\n{b}")).collect())
}

fn join(header: &str, blocks: &[String]) -> String {
    let mut text = header.to_string();
    for block in blocks {
        text.push('\n');
        text.push_str(block);
    }
    text
}

#[test]
fn a_clean_ledger_verifies() {
    let s = three_entries();
    let done = s.ledger(&["verify"]).code(0);
    assert!(done.stderr.contains("3 entries checked"), "{}", done.stderr);
    assert!(done.stdout.is_empty());
}

#[test]
fn an_edited_field_is_named() {
    let s = three_entries();
    let journal = s.journal();
    s.write(
        "ledger/journal.toml",
        &journal.replacen("version = \"v1.1.0\"", "version = \"v9.9.9\"", 1),
    );
    let done = s.ledger(&["verify", "--no-git"]).code(1);
    assert!(done.stdout.contains("entry #2"), "{}", done.stdout);
    assert!(
        done.stdout.contains("changed after it was recorded"),
        "{}",
        done.stdout
    );
    assert!(
        !done.stdout.contains("entry #1") && !done.stdout.contains("entry #3"),
        "{}",
        done.stdout
    );
}

#[test]
fn a_removed_entry_is_named() {
    let s = three_entries();
    let (header, mut entries) = blocks(&s.journal());
    entries.remove(1);
    s.write("ledger/journal.toml", &join(&header, &entries));
    let done = s.ledger(&["verify", "--no-git"]).code(1);
    assert!(
        done.stdout.contains("entry #2 is missing"),
        "{}",
        done.stdout
    );
}

#[test]
fn removing_the_last_entry_is_caught_by_history() {
    let s = three_entries();
    s.commit_all("record deploys");
    let (header, mut entries) = blocks(&s.journal());
    entries.pop();
    s.write("ledger/journal.toml", &join(&header, &entries));
    // The chain alone cannot see a truncated tail...
    s.ledger(&["verify", "--no-git"]).code(0);
    // ...the committed history can.
    let done = s.ledger(&["verify"]).code(1);
    assert!(done.stdout.contains("removed entry #3"), "{}", done.stdout);
}

#[test]
fn swapped_entries_are_named() {
    let s = three_entries();
    let (header, mut entries) = blocks(&s.journal());
    entries.swap(1, 2);
    s.write("ledger/journal.toml", &join(&header, &entries));
    let done = s.ledger(&["verify", "--no-git"]).code(1);
    assert!(
        done.stdout.contains("entry #2") && done.stdout.contains("reordered"),
        "{}",
        done.stdout
    );
}

#[test]
fn a_rewritten_and_rehashed_history_is_caught_through_git() {
    let s = three_entries();
    s.commit_all("record deploys");
    // Forge: change entry #2 and recompute every hash after it, so the chain holds.
    let path = s.path().join("ledger/journal.toml");
    let forged = s
        .journal()
        .replacen("version = \"v1.1.0\"", "version = \"v1.1.1\"", 1);
    let journal = ledger::journal::Journal::parse(&path, forged.clone()).unwrap();
    let mut raw = journal.raw().to_vec();
    let mut text = forged;
    let mut prev = ledger::journal::hash::GENESIS.to_string();
    for (entry, table) in journal.entries.iter().zip(raw.iter_mut()) {
        let (old_hash, old_prev) = (entry.hash.clone(), entry.prev_hash.clone());
        table.insert("prev_hash".into(), toml::Value::String(prev.clone()));
        let new_hash = ledger::journal::hash::entry_hash(table);
        text = text.replace(
            &format!("prev_hash = \"{old_prev}\""),
            &format!("prev_hash = \"{prev}\""),
        );
        text = text.replace(
            &format!("hash = \"{old_hash}\""),
            &format!("hash = \"{new_hash}\""),
        );
        prev = new_hash;
    }
    s.write("ledger/journal.toml", &text);
    s.ledger(&["verify", "--no-git"]).code(0);
    let done = s.ledger(&["verify"]).code(1);
    assert!(done.stdout.contains("changed entry #2"), "{}", done.stdout);
    // Committing the forgery does not hide it.
    s.commit_all("rewrite history");
    let done = s.ledger(&["verify"]).code(1);
    assert!(done.stdout.contains("changed entry #2"), "{}", done.stdout);
}

#[test]
fn record_refuses_to_extend_a_broken_chain() {
    let s = three_entries();
    let journal = s
        .journal()
        .replacen("version = \"v1.0.0\"", "version = \"v0\"", 1);
    s.write("ledger/journal.toml", &journal);
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v2",
            "--at",
            "2026-02-01T00:00:00Z",
        ])
        .code(2);
    assert!(
        done.stderr.contains("broken at entry #1"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), journal);
}
