//! The `--at` parser: an instant it accepts is written back in the stored
//! form, which reads back as the same instant.
#![no_main]

use ledger::timestamp::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(parsed) = Timestamp::parse_user(text) else {
        return;
    };
    if text.trim().eq_ignore_ascii_case("now") {
        return;
    }
    let stored = parsed.to_string();
    let reread = Timestamp::parse_stored(&stored).unwrap_or_else(|e| {
        panic!("{text:?} was accepted but its stored form {stored:?} is not: {e}")
    });
    assert_eq!(reread, parsed, "{text:?} -> {stored:?}");
});
