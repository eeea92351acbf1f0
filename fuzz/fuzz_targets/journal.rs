//! The journal loader: any bytes as `journal.toml` either load or give an
//! error that names the place, and a loaded journal answers its own checks.
#![no_main]

use std::path::Path;

use ledger::journal::Journal;
use ledger::location::decode_utf8;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = Path::new("ledger/journal.toml");
    let text = match decode_utf8(path, bytes.to_vec()) {
        Ok(text) => text,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    match Journal::parse(path, text) {
        Ok(journal) => {
            let _ = journal.first_broken();
            let _ = journal.tail_broken();
            for index in 0..journal.entries.len() {
                let _ = journal.place(index);
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
