//! `verify` of a signed ledger against the same ledger unsigned (issue 30:
//! signed within 1.5x of unsigned): the chain, header and cache checks of
//! `verify --no-git` (`verify::check_stored`), on 10,000 generated deploys
//! appended in sealed segments, once without signatures (nothing to check)
//! and once each signed with an Ed25519 key and checked against an
//! allowed-signers file. Both are measured side by side in one run.
//!
//! Run: `cargo bench --bench signing` (needs `ssh-keygen` for the key).

use std::hint::black_box;
use std::path::Path;
use std::process::Command;

#[path = "support/generate.rs"]
mod generate;

use criterion::{Criterion, criterion_group, criterion_main};
use ledger::journal::{EMPTY_JOURNAL, Journal, JournalLock};
use ledger::signing::{AllowedSigners, Signer};
use ledger::verify::{Rules, check_stored};

const DEPLOYS: usize = 10_000;

/// A ledger folder in `dir` holding the generated deploys, signed by `signer`.
fn ledger(dir: &Path, signer: Option<Signer>) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("journal.toml"), EMPTY_JOURNAL).unwrap();
    let text = generate::journal_text(DEPLOYS);
    let entries = Journal::parse(Path::new("journal.toml"), text)
        .unwrap()
        .entries;
    let lock = JournalLock::acquire(dir).unwrap().signing(signer, None);
    let (mut appender, _) = lock.open().unwrap();
    lock.append_all(&mut appender, entries).unwrap();
}

fn benches(c: &mut Criterion) {
    let root = tempfile::tempdir().unwrap();
    let key = root.path().join("key");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen");
    assert!(made.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed =
        AllowedSigners::parse(Path::new("allowed_signers"), &format!("ci {public}")).unwrap();
    let rules = Rules {
        allowed,
        required_from: Some(1),
    };
    let (plain, signed) = (root.path().join("plain"), root.path().join("signed"));
    ledger(&plain, None);
    ledger(&signed, Some(Signer::open(&key).unwrap()));
    let checked = check_stored(&signed, Some(&rules)).unwrap();
    assert!(checked.findings.is_empty(), "{:?}", &checked.findings[..1]);
    assert_eq!(checked.checked, DEPLOYS);

    let mut group = c.benchmark_group("verify_10k");
    group.sample_size(10);
    group.bench_function("unsigned", |b| {
        b.iter(|| black_box(check_stored(&plain, None).unwrap().checked))
    });
    group.bench_function("signed", |b| {
        b.iter(|| black_box(check_stored(&signed, Some(&rules)).unwrap().checked))
    });
    group.finish();
}

criterion_group!(signing, benches);
criterion_main!(signing);
