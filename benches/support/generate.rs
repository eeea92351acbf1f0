//! A journal of many deploys, generated in process: shared by the
//! benchmarks (`#[path]`-included, not a target of its own).

use std::path::Path;

use ledger::journal::{Entry, EntryKind, FileAction, FileChange, Journal};
use ledger::timestamp::Timestamp;

/// Seconds since the epoch of the first generated deploy; each next one is
/// an hour later.
pub const FIRST_DEPLOY: i64 = 1_700_000_000;

/// A journal of `count` deploys of 50 changed files each, over 500 keys.
pub fn journal_text(count: usize) -> String {
    let mut journal = Journal::parse(
        Path::new("journal.toml"),
        ledger::journal::EMPTY_JOURNAL.to_string(),
    )
    .unwrap();
    for n in 0..count {
        let entry = Entry {
            version: Some(format!("v1.{n}.0")),
            commit: Some(format!("{n:040x}")),
            deployed_by: Some("bench".into()),
            files: (0..50)
                .map(|f| FileChange {
                    key: format!("assets/{:03}.js", (n * 7 + f * 11) % 500),
                    action: if f % 17 == 0 {
                        FileAction::Delete
                    } else {
                        FileAction::Put
                    },
                    version_id: Some(format!("v{n}-{f}-aaaaaaaaaaaaaaaaaaaaaaaa")),
                    etag: Some(format!("{:032x}", n * 100 + f)),
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
                Timestamp::At(
                    chrono::DateTime::from_timestamp(FIRST_DEPLOY + n as i64 * 3600, 0).unwrap(),
                ),
            )
        };
        let (sealed, block) = journal.seal(entry).unwrap();
        journal.text.push('\n');
        journal.text.push_str(&block);
        journal.entries.push(sealed);
    }
    journal.text
}
