//! The `ledger.toml` loader: any bytes either load or give a located error.
#![no_main]

use std::path::Path;

use ledger::config::Config;
use ledger::location::decode_utf8;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = Path::new("ledger/ledger.toml");
    let Ok(text) = decode_utf8(path, bytes.to_vec()) else {
        return;
    };
    match Config::parse_checked(path, &text, ledger::services::check_config) {
        Ok(config) => {
            for (key, environment) in &config.environments {
                let _ = config.environment(key, path);
                let _ = environment.display_name(key);
                let _ = environment.prefix();
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
