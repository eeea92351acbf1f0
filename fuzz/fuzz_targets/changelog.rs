//! The changelog importer (`ledger import --changelog`): any text imports
//! or is refused with a located error.
#![no_main]

use std::path::Path;

use ledger::import::changelog::import_changelog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let path = Path::new("CHANGELOG.md");
    if let Err(error) = import_changelog(path, text, "production") {
        let _ = error.to_string();
    }
});
