//! Sealing entries: giving each its `seq`, `prev_hash` and `hash`, and
//! encoding it as the `[[entry]]` block an append writes, with the check
//! that the hash holds for the text as written and that the text reads
//! back as the entry held in memory.
//!
//! The costly part (encode, parse back, canonical form) does not depend on
//! the chain, so it is done first with placeholders for the two hashes, on
//! several threads for a large batch (an import of thousands of entries);
//! then, one entry after another, the placeholders are replaced by the
//! chain's hashes, in the canonical form (whose SHA-256 is the hash) and
//! in the block. An entry whose own fields hold a placeholder's text is
//! sealed the direct way.

use super::hash;
use super::{Entry, JournalError};
use crate::signing::Signer;

/// Stands for `prev_hash` until the chain is known: not hex, so never a
/// hash (its length does not matter: nothing in the encoding depends on it).
const PREV_PLACEHOLDER: &str = "prev-hash-placeholder-0123456789-prev-hash-placeholder-01234567";
/// Stands for `hash` until it is computed.
const HASH_PLACEHOLDER: &str = "hash-placeholder-0123456789abcdefghijklmnopqrstuvwxyz-hash-hash";

/// Entries with the `seq` each will get.
type Numbered = Vec<(u64, Entry)>;

/// Batches at least this long are prepared on several threads.
const PARALLEL_FROM: usize = 256;

/// An entry sealed: as held, as written, and as the written text parses.
pub(super) struct Sealed {
    pub entry: Entry,
    pub block: String,
    pub table: toml::Table,
}

/// An entry encoded and checked with placeholder hashes.
struct Prepared {
    entry: Entry,
    block: String,
    table: toml::Table,
    /// The canonical form, `prev_hash` a placeholder.
    canonical: String,
}

/// Seals `entries` as the next ones after an entry whose hash is `tip`
/// (the first of them gets `seq` `first_seq`), each signed by `signer`
/// when given. An entry that comes signed keeps its signature when its
/// hash stays the same (a retried write); one whose hash changes (it is
/// re-chained) is signed again, and refused when there is no signer.
pub(super) fn seal_all(
    mut entries: Vec<Entry>,
    first_seq: u64,
    tip: &str,
    signer: Option<&Signer>,
) -> Result<Vec<Sealed>, JournalError> {
    let signed_before: Vec<(u64, String, Option<String>)> = (entries.iter_mut())
        .map(|e| (e.seq, e.hash.clone(), e.signature.take()))
        .collect();
    let prepared = prepare_all(entries, first_seq)?;
    let mut prev = tip.to_string();
    let mut sealed = Vec::with_capacity(prepared.len());
    for (item, before) in prepared.into_iter().zip(signed_before) {
        // The text substitution is sound for a hash (hex, written as is);
        // anything else in `prev_hash` is encoded and checked the direct way.
        let hex = prev.bytes().all(|b| b.is_ascii_hexdigit());
        let done = match item {
            Ok(prepared) if hex => finish(prepared, &prev),
            Ok(prepared) => seal_direct(prepared.entry, &prev)?,
            Err(entry) => seal_direct(entry, &prev)?,
        };
        let done = sign(done, before, signer)?;
        prev.clone_from(&done.entry.hash);
        sealed.push(done);
    }
    Ok(sealed)
}

/// `done` with its signature: the one it came with (`before`: its seq,
/// hash and signature then) when its hash is the same, else `signer`'s.
fn sign(
    mut done: Sealed,
    (seq, hash, signature): (u64, String, Option<String>),
    signer: Option<&Signer>,
) -> Result<Sealed, JournalError> {
    let signature = match (signature, signer) {
        (Some(kept), _) if hash == done.entry.hash => kept,
        (_, Some(signer)) => signer.sign_entry(&done.entry.hash)?,
        (Some(_), None) => return Err(JournalError::SignatureWouldBeLost { seq }),
        (None, None) => return Ok(done),
    };
    let hash_line = format!("hash = \"{}\"\n", done.entry.hash);
    if done.block.matches(&hash_line).count() != 1 {
        return Err(JournalError::Encode(format!(
            "entry #{} has no single hash line to sign after",
            done.entry.seq
        )));
    }
    let signed = format!("{hash_line}signature = \"{signature}\"\n");
    done.block = done.block.replacen(&hash_line, &signed, 1);
    let value = toml::Value::String(signature.clone());
    done.table.insert("signature".into(), value);
    done.entry.signature = Some(signature);
    Ok(done)
}

/// Seals one entry after an entry whose hash is `tip`, signed by `signer`
/// when given.
pub(super) fn seal_one(
    entry: Entry,
    seq: u64,
    tip: &str,
    signer: Option<&Signer>,
) -> Result<Sealed, JournalError> {
    let mut sealed = seal_all(vec![entry], seq, tip, signer)?;
    sealed
        .pop()
        .ok_or_else(|| JournalError::Encode("nothing sealed".into()))
}

/// Prepares each entry, in order; `Err(entry)` for one whose fields hold a
/// placeholder's text (its `seq` set), to be sealed directly.
fn prepare_all(
    entries: Vec<Entry>,
    first_seq: u64,
) -> Result<Vec<Result<Prepared, Entry>>, JournalError> {
    let numbered: Numbered = (first_seq..).zip(entries).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if numbered.len() < PARALLEL_FROM || threads < 2 {
        return numbered.into_iter().map(prepare).collect();
    }
    let run = |chunk: Numbered| -> Result<Vec<_>, JournalError> {
        chunk.into_iter().map(prepare).collect()
    };
    let results = crate::parallel::pieces(numbered, threads, &run);
    let mut all = Vec::new();
    for chunk in results {
        all.extend(chunk?);
    }
    Ok(all)
}

/// Encodes `entry` (numbered `seq`) with placeholder hashes, parses the
/// text back and checks that it reads as the entry held.
fn prepare((seq, mut entry): (u64, Entry)) -> Result<Result<Prepared, Entry>, JournalError> {
    entry.seq = seq;
    entry.prev_hash = PREV_PLACEHOLDER.to_string();
    entry.hash = HASH_PLACEHOLDER.to_string();
    let block = super::encode(&entry)?;
    let table = super::decode_block(&block)?;
    let canonical = hash::canonical_json(&table);
    let once = |text: &str, placeholder: &str| text.matches(placeholder).count() == 1;
    if !(once(&block, PREV_PLACEHOLDER)
        && once(&block, HASH_PLACEHOLDER)
        && once(&canonical, PREV_PLACEHOLDER)
        && !canonical.contains(HASH_PLACEHOLDER))
    {
        return Ok(Err(entry));
    }
    let held = toml::Table::try_from(&entry).map_err(|e| JournalError::Encode(e.to_string()))?;
    if held != table && hash::canonical_json(&held) != canonical {
        return Err(changed(seq));
    }
    Ok(Ok(Prepared {
        entry,
        block,
        table,
        canonical,
    }))
}

/// Puts the chain's hashes in place of the placeholders.
fn finish(prepared: Prepared, prev: &str) -> Sealed {
    let Prepared {
        mut entry,
        block,
        mut table,
        canonical,
    } = prepared;
    let canonical = canonical.replacen(PREV_PLACEHOLDER, prev, 1);
    let hash = hash::sha256_hex(canonical.as_bytes());
    let block = (block.replacen(PREV_PLACEHOLDER, prev, 1)).replacen(HASH_PLACEHOLDER, &hash, 1);
    table.insert("prev_hash".into(), toml::Value::String(prev.to_string()));
    table.insert("hash".into(), toml::Value::String(hash.clone()));
    entry.prev_hash = prev.to_string();
    entry.hash = hash;
    Sealed {
        entry,
        block,
        table,
    }
}

/// Seals `entry` (its `seq` set) without placeholders: hash the value,
/// encode, parse back, hash again.
fn seal_direct(mut entry: Entry, prev: &str) -> Result<Sealed, JournalError> {
    entry.prev_hash = prev.to_string();
    entry.hash = String::new();
    let unsealed =
        toml::Table::try_from(&entry).map_err(|e| JournalError::Encode(e.to_string()))?;
    entry.hash = hash::entry_hash(&unsealed);
    let block = super::encode(&entry)?;
    // The hash must hold for the text as written, not only for the value.
    let table = super::decode_block(&block)?;
    if hash::entry_hash(&table) != entry.hash {
        return Err(changed(entry.seq));
    }
    Ok(Sealed {
        entry,
        block,
        table,
    })
}

fn changed(seq: u64) -> JournalError {
    JournalError::Encode(format!("entry #{seq} reads back changed after encoding"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Journal;

    /// The example ledger's entries, repeated to `count`.
    fn entries(count: usize) -> Vec<Entry> {
        let text = include_str!("../../ledger/journal.toml");
        let journal = Journal::parse(std::path::Path::new("journal.toml"), text.into()).unwrap();
        let mut all = Vec::new();
        while all.len() < count {
            all.extend(journal.entries.iter().cloned());
        }
        all.truncate(count);
        all
    }

    /// Seals one entry after another the direct way.
    fn direct(entries: Vec<Entry>) -> Vec<Sealed> {
        let mut prev = hash::GENESIS.to_string();
        let mut sealed = Vec::new();
        for (seq, mut entry) in (1..).zip(entries) {
            entry.seq = seq;
            let done = seal_direct(entry, &prev).unwrap();
            prev.clone_from(&done.entry.hash);
            sealed.push(done);
        }
        sealed
    }

    #[test]
    fn a_large_batch_seals_as_one_entry_after_another_would() {
        let count = PARALLEL_FROM + 37;
        let fast = seal_all(entries(count), 1, hash::GENESIS, None).unwrap();
        let slow = direct(entries(count));
        assert_eq!(fast.len(), count);
        for (a, b) in fast.iter().zip(&slow) {
            assert_eq!(a.block, b.block, "#{}", b.entry.seq);
            assert_eq!(a.table, b.table);
            assert_eq!(a.entry.hash, b.entry.hash);
            assert_eq!(a.entry.prev_hash, b.entry.prev_hash);
            assert_eq!(hash::entry_hash(&a.table), a.entry.hash);
            assert!(!a.block.contains("placeholder"));
        }
    }

    #[test]
    fn an_entry_holding_a_placeholders_text_is_sealed_as_written() {
        let mut batch = entries(3);
        batch[1].reason = Some(format!("{PREV_PLACEHOLDER} {HASH_PLACEHOLDER}"));
        let sealed = seal_all(batch.clone(), 1, hash::GENESIS, None).unwrap();
        let expected = direct(batch);
        for (a, b) in sealed.iter().zip(&expected) {
            assert_eq!(a.block, b.block);
            assert_eq!(a.entry.hash, b.entry.hash);
        }
        assert_eq!(sealed[1].entry.prev_hash, sealed[0].entry.hash);
        assert_eq!(sealed[2].entry.prev_hash, sealed[1].entry.hash);
        assert!(
            sealed[1].block.contains(PREV_PLACEHOLDER),
            "the reason kept"
        );
    }

    #[test]
    fn entries_are_written_as_the_journals_in_the_repository_were() {
        // The example ledger and the audit fixture were written by earlier
        // builds: a new encoder (a toml upgrade) must write the same text.
        for text in [
            include_str!("../../ledger/journal.toml"),
            include_str!("../../tests/fixtures/audit/journal.toml"),
        ] {
            let journal =
                Journal::parse(std::path::Path::new("journal.toml"), text.into()).unwrap();
            for entry in &journal.entries {
                let block = crate::journal::encode_block(entry).unwrap();
                assert!(
                    text.contains(&block),
                    "#{} now encodes as\n{block}",
                    entry.seq
                );
            }
        }
    }
}
