//! The codec's blocks, written and read back.

use super::*;
use crate::document::markdown::{BlockKind, blocks};
use crate::journal::{Change, Entry, EntryKind, FileChange, Invalidation};
use crate::timestamp::{Timestamp, WrittenTime};

/// Pins of a made-up service: `` `name`: value ``.
struct TestPins;

impl PinReader for TestPins {
    fn key_of(&self, title: &str) -> Option<&'static str> {
        (title == "Test Pins").then_some("tests")
    }

    fn read_line(&self, _key: &str, line: &str) -> Option<toml::Table> {
        let (name, value) = line.strip_prefix('`')?.split_once("`: ")?;
        let mut pin = toml::Table::new();
        pin.insert(name.into(), value.into());
        Some(pin)
    }
}

/// An entry with everything a deploy block reads back.
fn written() -> Entry {
    let mut entry = Entry {
        version: Some("v1.2.0".into()),
        imported: true,
        commits: vec!["abc1234".into(), "def5678".into()],
        deployed_by: Some("alice".into()),
        build_time: Some(WrittenTime::parse_stored("2025-01-15T10:00:00Z").unwrap()),
        files: vec![
            FileChange {
                size: Some(1229),
                size_text: Some("1.20 KB".into()),
                content_type: Some("text/html".into()),
                ..FileChange::put("index.html")
            },
            FileChange {
                size: Some(2048),
                content_type: Some("a|b".into()),
                ..FileChange::put("odd | name.js")
            },
            FileChange::put("unknown.bin"),
            FileChange::deleted("gone.js"),
        ],
        invalidation: Some(Invalidation {
            id: "I2J3K4".into(),
            status: Some("Completed".into()),
            ..Invalidation::new(None)
        }),
        changes: vec![Change::plain("Fixed the login page")],
        ..Entry::new(
            EntryKind::Deploy,
            "production",
            Timestamp::parse_stored("2025-01-15").unwrap(),
        )
    };
    entry.commit = entry.commits.last().cloned();
    let mut pin = toml::Table::new();
    pin.insert("api".into(), "7".into());
    entry.pins.insert("tests".into(), vec![pin]);
    entry
}

/// Reads a written block back as the importer does.
fn read(text: &str) -> Entry {
    let parsed = blocks(text);
    let (heading, body) = parsed.split_first().unwrap();
    let BlockKind::Heading(3, title) = &heading.kind else {
        panic!("not a deploy heading: {heading:?}");
    };
    let heading = read_heading(title).unwrap();
    let mut entry = Entry {
        version: heading.version,
        redeploy: heading.redeploy,
        imported: true,
        ..Entry::new(EntryKind::Deploy, "production", heading.date)
    };
    let mut at = 0;
    while at < body.len() {
        match read_part(&mut entry, &body[at], body.get(at + 1), &TestPins) {
            Part::Read(n) => at += n,
            other => panic!("{other:?} at {:?}", body[at]),
        }
    }
    entry
}

#[test]
fn a_deploy_block_reads_back_as_the_entry_it_was_written_from() {
    let entry = written();
    let pins = [PinBlock {
        title: "Test Pins",
        lines: vec!["`api`: 7".into()],
    }];
    let facts = BlockFacts {
        env_name: "Production",
        pins: &pins,
        ..BlockFacts::default()
    };
    let mut text = String::new();
    write(&entry, &facts, &mut text);
    assert!(text.starts_with("\n### 2025-01-15 - Production Deploy v1.2.0\n"));
    assert!(text.ends_with("\n---\n"), "{text}");
    let back = read(&text);
    assert_eq!(back, entry, "{text}");
    let mut again = String::new();
    write(&back, &facts, &mut again);
    assert_eq!(again, text);
}

#[test]
fn a_redeploy_heading_reads_back() {
    let heading = read_heading("2025-02-01 - Staging EU Redeploy v3").unwrap();
    assert_eq!(heading.env_name, "Staging EU");
    assert!(heading.redeploy);
    assert_eq!(heading.version.as_deref(), Some("v3"));
    let bare = read_heading("2025-02-01 - Production Deploy").unwrap();
    assert_eq!((bare.redeploy, bare.version), (false, None));
    assert!(read_heading("yesterday - Production Deploy v1").is_err());
    assert!(read_heading("2025-02-01 Production").is_err());
}

#[test]
fn a_wrong_size_or_time_is_a_problem_at_its_line() {
    let mut entry = written();
    let table = "| File | Size | Content-Type |\n|---|---|---|\n| `a` | huge | - |\n";
    let parsed = blocks(&format!("**Files Deployed**:\n\n{table}"));
    let part = read_part(&mut entry, &parsed[0], parsed.get(1), &TestPins);
    assert!(matches!(part, Part::Problem { line: 4, .. }), "{part:?}");
    let parsed = blocks("**Build Time**: noon\n");
    let part = read_part(&mut entry, &parsed[0], None, &TestPins);
    assert!(matches!(part, Part::Problem { line: 1, .. }), "{part:?}");
}
