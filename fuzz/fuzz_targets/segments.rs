//! The joining of a segmented journal (`Journal::assemble`, what the loader
//! does with `journal/` and the tail): any tail and any set of named
//! segment files either join into a journal or give an error that names
//! the file. The input is the tail, then each file after a line
//! `%%%% NAME` (for example `%%%% 0000000001.toml`).
#![no_main]

use std::path::Path;

use ledger::journal::Journal;
use libfuzzer_sys::fuzz_target;

const MARK: &str = "\n%%%% ";

fuzz_target!(|text: &str| {
    let mut parts = text.split(MARK);
    let tail = parts.next().unwrap_or_default().to_string();
    let files: Vec<(String, Vec<u8>)> = parts
        .map(|part| {
            let (name, body) = part.split_once('\n').unwrap_or((part, ""));
            (name.trim().to_string(), body.as_bytes().to_vec())
        })
        .collect();
    match Journal::assemble(Path::new("ledger/journal.toml"), tail, files) {
        Ok(journal) => {
            let _ = journal.first_broken();
            let _ = journal.is_contiguous();
            let _ = journal.stored_files();
            for index in 0..journal.entries.len() {
                let _ = journal.place(index);
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
