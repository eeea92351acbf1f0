//! A journal of many deploys, generated in process: shared by the
//! benchmarks (`#[path]`-included, not a target of its own).

use std::path::Path;

use ledger::journal::{Change, Entry, EntryKind, FileAction, FileChange, Invalidation, Journal};
use ledger::timestamp::Timestamp;

/// Seconds since the epoch of the first generated deploy; each next one is
/// an hour later.
pub const FIRST_DEPLOY: i64 = 1_700_000_000;

/// A journal of `count` deploys of 50 changed files each, over 500 keys.
/// Each carries what `record` writes beside the files of a typical deploy:
/// four commits, four change lines, a build time and a CloudFront
/// invalidation (its head, about 1.3 KB of the cache's JSON, is what every
/// read of the index parses).
pub fn journal_text(count: usize) -> String {
    let mut journal = Journal::parse(
        Path::new("journal.toml"),
        ledger::journal::EMPTY_JOURNAL.to_string(),
    )
    .unwrap();
    for n in 0..count {
        let commits: Vec<String> = (0..4).map(|c| format!("{:040x}", n * 4 + c)).collect();
        let at = Timestamp::At(
            chrono::DateTime::from_timestamp(FIRST_DEPLOY + n as i64 * 3600, 0).unwrap(),
        );
        let entry = Entry {
            version: Some(format!("v1.{n}.0")),
            commit: commits.last().cloned(),
            changes: (commits.iter().enumerate())
                .map(|(c, sha)| Change {
                    group: Some(["Added", "Fixed", "Changed", "Fixed"][c].into()),
                    commit: Some(sha.clone()),
                    ..Change::plain(format!("widget: change number {c} of release {n}"))
                })
                .collect(),
            commits,
            build_time: Some(at.into()),
            invalidation: Some(Invalidation {
                id: format!("I{n:013X}"),
                status: Some("COMPLETED".into()),
                created_at: Some(at),
                completed_seen_at: Some(at),
                paths: vec!["/*".into()],
                ..Invalidation::new(Some("E3G0LSWB1AQ9LP".into()))
            }),
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
            ..Entry::new(EntryKind::Deploy, "production", at)
        };
        let (sealed, block) = journal.seal(entry).unwrap();
        journal.text.push('\n');
        journal.text.push_str(&block);
        journal.entries.push(sealed);
    }
    journal.text
}
