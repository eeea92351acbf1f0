//! In-process costs that grow with the journal: loading and checking it,
//! folding it into a live state, answering `live --at`, and rendering.
//!
//! Run: `cargo bench --bench journal`. Each benchmark is measured at two
//! journal sizes; the ratio between them shows how the cost grows.

use std::hint::black_box;
use std::path::Path;

#[path = "support/generate.rs"]
mod generate;
use generate::journal_text;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ledger::config::Config;
use ledger::journal::Journal;
use ledger::model::{self, audit};
use ledger::render;

fn benches(c: &mut Criterion) {
    let config = Config::parse(
        Path::new("ledger.toml"),
        "[environments.production]\nbucket = \"bkt\"\n",
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
                    let source = render::Whole(&journal.entries);
                    let context = render::build(&config, &source, None, None).unwrap();
                    render::render(&origin, context).unwrap().len()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(journal, benches);
criterion_main!(journal);
