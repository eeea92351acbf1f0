//! The signature check: what each entry's signature says against the
//! allowed-signers file (who signed it, or why it does not count), tallied;
//! a failure when a signature does not hold, and, where `[signing]
//! required` asks for signatures, when an entry has none that counts.

use std::collections::BTreeMap;

use super::Finding;
use crate::journal::Entry;
use crate::signing::{AllowedSigners, Verdict, check_entry};

/// Who may sign, and from which entry every entry must be signed.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// The allowed-signers file (and revoked keys), read.
    pub allowed: AllowedSigners,
    /// The first seq that must be signed, when signing is required.
    pub required_from: Option<u64>,
}

impl Rules {
    /// What `entry`'s signature says (its key's validity judged at its
    /// `deployed_at`), its hash taken as it stands (`verify` checks it).
    pub fn verdict(&self, entry: &Entry) -> Verdict {
        let at = entry.deployed_at.instant();
        check_entry(&entry.hash, entry.signature.as_deref(), at, &self.allowed)
    }

    /// [`Rules::verdict`] for a reader that knows whether the entry's
    /// content still matches its hash: a signature vouches for nothing
    /// once it does not (`altered`).
    pub fn verdict_read(&self, entry: &Entry, altered: bool) -> Verdict {
        match altered {
            true => Verdict::Invalid {
                why: "the entry was changed after it was written (its content no longer \
                      matches the hash the signature signs); run `ledger verify`"
                    .into(),
            },
            false => self.verdict(entry),
        }
    }
}

/// What the signatures said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signatures {
    /// Entries by verdict (`signed`, `unsigned`, `unknown-key`, ...).
    pub counts: BTreeMap<&'static str, usize>,
    /// Entries signed, by principal.
    pub by: BTreeMap<String, usize>,
    /// Entries whose signature does not count, though signing is not
    /// required of them (not failures): one line each.
    pub notes: Vec<String>,
}

impl Signatures {
    /// Checks one entry (`place` names where it is written); a failure
    /// goes to `findings`.
    pub fn add(
        &mut self,
        entry: &Entry,
        place: impl FnOnce() -> String,
        rules: &Rules,
        findings: &mut Vec<Finding>,
    ) {
        let verdict = rules.verdict(entry);
        *self.counts.entry(verdict.status()).or_default() += 1;
        if let Some(principal) = verdict.signer() {
            *self.by.entry(principal.to_string()).or_default() += 1;
            return;
        }
        let required = rules.required_from.is_some_and(|from| entry.seq >= from);
        let line = format!(
            "entry #{} ({}) is {}",
            entry.seq,
            place(),
            verdict.describe()
        );
        match (&verdict, required) {
            (Verdict::Invalid { .. }, _) => findings.push(Finding {
                seq: Some(entry.seq),
                message: line,
            }),
            (_, true) => findings.push(Finding {
                seq: Some(entry.seq),
                message: format!(
                    "{line}: ledger.toml requires entries from #{} on to be signed by an allowed signer",
                    rules.required_from.unwrap_or(1)
                ),
            }),
            (Verdict::Unsigned, false) => {}
            (_, false) => self.notes.push(line),
        }
    }

    /// In words: `12 signed (ana@example.com: 10, ci@github-actions: 2), 3 unsigned`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (status, count) in &self.counts {
            let mut part = format!("{count} {status}");
            if *status == "signed" && !self.by.is_empty() {
                let by: Vec<String> = self.by.iter().map(|(p, n)| format!("{p}: {n}")).collect();
                part.push_str(&format!(" ({})", by.join(", ")));
            }
            parts.push(part);
        }
        parts.join(", ")
    }
}
