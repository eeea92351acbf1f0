//! The document importer (`ledger import AWS_VERSIONS.md`), strict and
//! lenient: any text imports or is refused with a located error.
#![no_main]

use std::path::Path;

use ledger::import::document::import_document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let path = Path::new("AWS_VERSIONS.md");
    for lenient in [false, true] {
        if let Err(error) = import_document(path, text, lenient) {
            let _ = error.to_string();
        }
    }
});
