//! In-process costs that grow with the journal: loading and checking it,
//! folding it into a live state, answering `live --at`, and rendering.
//!
//! Run: `cargo bench --bench journal`. Each benchmark is measured at two
//! journal sizes; the ratio between them shows how the cost grows.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ledger::config::Config;
use ledger::journal::{Entry, EntryKind, FileAction, FileChange, Journal};
use ledger::model::{self, audit};
use ledger::render;
use ledger::timestamp::Timestamp;

/// A journal of `count` deploys of 50 changed files each, over 500 keys.
fn journal_text(count: usize) -> String {
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
                    chrono::DateTime::from_timestamp(1_700_000_000 + n as i64 * 3600, 0).unwrap(),
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

fn benches(c: &mut Criterion) {
    let config = Config::parse(
        Path::new("ledger.toml"),
        "[environments.production]\nbucket = \"b\"\n",
    )
    .unwrap();
    let mut group = c.benchmark_group("journal");
    group.sample_size(10);
    for count in [100usize, 1000] {
        let text = journal_text(count);
        let journal = Journal::parse(Path::new("journal.toml"), text.clone()).unwrap();
        group.bench_with_input(BenchmarkId::new("load", count), &text, |b, text| {
            b.iter(|| Journal::parse(Path::new("journal.toml"), black_box(text.clone())).unwrap())
        });
        group.bench_with_input(
            BenchmarkId::new("verify_chain", count),
            &journal,
            |b, journal| b.iter(|| black_box(ledger::verify::check_chain(journal))),
        );
        group.bench_with_input(
            BenchmarkId::new("live_at", count),
            &journal,
            |b, journal| {
                let at = journal.entries[count / 2].deployed_at.instant();
                b.iter(|| {
                    audit::live_at(&journal.entries, "production", black_box(at))
                        .unwrap()
                        .state
                        .len()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("fold_latest", count),
            &journal,
            |b, journal| {
                b.iter(|| model::live_state(&journal.entries, "production", u64::MAX).len())
            },
        );
        group.bench_with_input(
            BenchmarkId::new("render_aws_versions", count),
            &journal,
            |b, journal| {
                let origin = render::TemplateOrigin::Builtin("aws-versions");
                b.iter(|| {
                    let context = render::build(&config, &journal.entries, None, None).unwrap();
                    render::render(&origin, &context).unwrap().len()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(journal, benches);
criterion_main!(journal);
