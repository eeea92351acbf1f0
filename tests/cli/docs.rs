//! docs/cli.md holds the `--help` text of every command; this test keeps it
//! in step. Run with `LEDGER_UPDATE_DOCS=1` to rewrite it after a change.

use std::path::Path;
use std::process::Command;

use crate::harness::ledger_bin;

fn help(args: &[&str]) -> String {
    let output = Command::new(ledger_bin())
        .args(args)
        .arg("--help")
        .env_clear()
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

fn subcommands() -> Vec<String> {
    let top = help(&[]);
    top.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // Continuation lines of a wrapped description are indented further.
        .filter(|l| !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|c| c != "help")
        .collect()
}

fn generated() -> String {
    let mut text = String::from(
        "# CLI reference\n\nGenerated from `ledger --help`; a test keeps it in step \
         (`LEDGER_UPDATE_DOCS=1 cargo test --test cli docs` rewrites it).\n\n\
         Exit codes: 0 success; 1 a check failed (`verify`, `render --check`, `check`); 2 usage, input or \
         configuration; 3 an AWS, network or remote failure worth a retry (timeouts, throttling, \
         refused connections, 5xx, a race lost to other writers).\n\n\
         ## ledger\n\n```text\n",
    );
    text.push_str(&help(&[]));
    text.push_str("```\n");
    for command in subcommands() {
        text.push_str(&format!("\n## ledger {command}\n\n```text\n"));
        text.push_str(&help(&[&command]));
        text.push_str("```\n");
    }
    text
}

#[test]
fn cli_reference_matches_help_output() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
    let want = generated();
    if std::env::var_os("LEDGER_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/cli.md is out of date: run `LEDGER_UPDATE_DOCS=1 cargo test --test cli docs`"
    );
    assert!(subcommands().len() >= 7, "{:?}", subcommands());
}
