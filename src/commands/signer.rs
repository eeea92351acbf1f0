//! Who signed the entries a command prints, where the ledger has signing
//! set up: `signer` in their JSON, `signed by ...` in `log`'s notes.

use std::collections::HashSet;

use crate::journal::Entry;
use crate::signing::Verdict;
use crate::verify::Rules;

/// An entry as `--format json` prints it, with who signed it when
/// signing is set up.
#[derive(serde::Serialize)]
pub struct SignedEntry<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    /// Absent where signing is not set up.
    #[serde(skip_serializing_if = "Option::is_none")]
    signer: Option<SignerJson>,
}

/// `{"status": "signed", "principal": "ana@example.com"}`.
#[derive(serde::Serialize)]
struct SignerJson {
    status: &'static str,
    principal: Option<String>,
}

/// `entries`, each with who signed it under `rules` (`altered`: the seqs
/// whose content no longer matches their hash).
pub fn signed<'a>(
    entries: &'a [Entry],
    rules: Option<&Rules>,
    altered: &HashSet<u64>,
) -> Vec<SignedEntry<'a>> {
    (entries.iter())
        .map(|entry| SignedEntry {
            entry,
            signer: rules.map(|rules| {
                let verdict = rules.verdict_read(entry, altered.contains(&entry.seq));
                SignerJson {
                    status: verdict.status(),
                    principal: verdict.signer().map(str::to_string),
                }
            }),
        })
        .collect()
}

/// `log`'s note: `signed by ana@example.com`, or the verdict's word.
pub fn note(rules: &Rules, entry: &Entry, altered: bool) -> String {
    match rules.verdict_read(entry, altered) {
        Verdict::Signed { principal, .. } => format!("signed by {principal}"),
        other => other.status().replace('-', " "),
    }
}
