//! What the store is checked for: `verify --store` (every version of every
//! entry object, the chain, the mirror as its prefix, Object Lock), and the
//! overwritten or deleted entries a `sync` receives.

use std::path::Path;

use super::{S3Store, StoreError, calls};
use crate::aws;
use crate::journal::{Journal, push_block};

/// What `verify --store` found.
#[derive(Debug, Default)]
pub struct StoreReport {
    /// Entries in the store.
    pub entries: usize,
    /// Problems, each naming the entry.
    pub findings: Vec<String>,
    /// The bucket's Object Lock default retention, if any.
    pub object_lock: Option<String>,
    /// Entries the store holds beyond the mirror.
    pub ahead: usize,
    /// Entry objects overwritten or deleted (each also among `findings`).
    pub rewritten: usize,
}

impl S3Store {
    /// Downloads every entry and checks the chain, each object's versions
    /// (an overwritten entry has more than one, a deleted one a delete
    /// marker), gaps, and agreement with the mirror; reads Object Lock.
    pub fn verify(&self, mirror: &Journal) -> Result<StoreReport, StoreError> {
        let mut report = StoreReport::default();
        let listing = self.runtime.block_on(aws::s3::list_versions(
            &self.clients,
            &self.bucket,
            &self.entries_prefix(),
            None,
            &|_| {},
        ))?;
        let rewritten = rewritten(&listing, |_| true);
        report.rewritten = rewritten.len();
        report.findings.extend(rewritten);
        let live: Vec<u64> = listing
            .latest
            .iter()
            .filter(|(_, o)| !o.deleted)
            .filter_map(|(k, _)| self.seq_of(k))
            .collect();
        let highest = live.iter().copied().max().unwrap_or(0);
        for seq in (1..=highest).filter(|s| !live.contains(s)) {
            report
                .findings
                .push(format!("entry #{seq} ({}) is missing", self.key(seq)));
        }
        report.entries = live.len();
        if report.findings.is_empty() {
            self.compare(mirror, &mut report)?;
        } else {
            report.findings.push(
                "the chain and the mirror were not compared: the store's entries are not whole"
                    .into(),
            );
        }
        let versioning = self
            .runtime
            .block_on(aws::s3::versioning(&self.clients, &self.bucket))?;
        if versioning != "Enabled" {
            report.findings.push(format!(
                "bucket {} has versioning {versioning}: an overwritten or deleted entry cannot be \
                 detected; enable versioning (and Object Lock, see docs/team.md)",
                self.bucket
            ));
        }
        report.object_lock = self
            .runtime
            .block_on(calls::object_lock(&self.clients, &self.bucket))?;
        Ok(report)
    }

    /// The store's chain, and the mirror as its prefix.
    fn compare(&self, mirror: &Journal, report: &mut StoreReport) -> Result<(), StoreError> {
        let blocks = self.fetch_after(0)?;
        report.entries = blocks.len();
        let mut text = crate::journal::EMPTY_JOURNAL.to_string();
        for block in &blocks {
            push_block(&mut text, block);
        }
        let stored = match Journal::parse(Path::new(&self.url), text) {
            Ok(stored) => stored,
            Err(e) => {
                report
                    .findings
                    .push(format!("the store's entries do not parse: {e}"));
                return Ok(());
            }
        };
        for finding in crate::verify::check_chain(&stored) {
            report
                .findings
                .push(format!("in the store: {}", finding.message));
        }
        for (here, there) in mirror.entries.iter().zip(&stored.entries) {
            if here.hash != there.hash {
                report.findings.push(format!(
                    "the local mirror's entry #{} differs from the store's ({} here, {} there)",
                    here.seq,
                    crate::model::summary_line(here),
                    crate::model::summary_line(there)
                ));
                break;
            }
        }
        if mirror.entries.len() > stored.entries.len() {
            report.findings.push(format!(
                "the local mirror holds {} entr(ies) the store does not: entries are written to the store first",
                mirror.entries.len() - stored.entries.len()
            ));
        }
        report.ahead = stored.entries.len().saturating_sub(mirror.entries.len());
        Ok(())
    }

    /// Warns of each entry object after the first `before` that was
    /// overwritten or deleted in the store: what was received is its
    /// latest version, which may not be what was first written.
    pub(super) fn warn_rewritten(&self, before: u64, ui: &crate::ui::Ui) -> Result<(), StoreError> {
        let listing = self.runtime.block_on(aws::s3::list_versions(
            &self.clients,
            &self.bucket,
            &self.entries_prefix(),
            None,
            &|_| {},
        ))?;
        let received = |key: &str| self.seq_of(key).is_some_and(|seq| seq > before);
        for finding in rewritten(&listing, received) {
            crate::warning!(
                ui,
                "store {}: {finding}; the entry received is its latest version (`ledger verify --store` \
                 checks the whole store)",
                self.url
            );
        }
        Ok(())
    }
}

/// One line per entry object (among those `wanted` accepts) that was
/// deleted or overwritten: an entry object is written once.
fn rewritten(listing: &aws::s3::Listing, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (key, _) in &listing.versions {
        *counts.entry(key.as_str()).or_default() += 1;
    }
    let mut found = Vec::new();
    for (key, latest) in listing.latest.iter().filter(|(key, _)| wanted(key)) {
        let versions = counts.get(key.as_str()).copied().unwrap_or(0);
        if latest.deleted {
            found.push(format!(
                "{key} was deleted (its latest version is a delete marker)"
            ));
        } else if versions > 1 {
            found.push(format!(
                "{key} was overwritten: it has {versions} versions, an entry object is written once"
            ));
        }
    }
    found
}
