//! The bad inputs found by probing (issue 10): each named with its file,
//! line and problem, exit 2, and nothing changed.

use std::net::TcpListener;

use crate::harness::Sandbox;

fn with_entry() -> Sandbox {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    s.ledger(&["record", "--no-aws", "--env", "staging", "--version", "v1"])
        .ok();
    s
}

/// The error `ledger log` gives on this journal text.
fn log_error(s: &Sandbox, journal: &[u8]) -> String {
    std::fs::write(s.path().join("ledger/journal.toml"), journal).unwrap();
    let done = s.ledger(&["log"]).code(2);
    assert_eq!(done.stderr.lines().count(), 1, "said once: {}", done.stderr);
    done.stderr
}

#[test]
fn broken_journals_are_named_at_the_place() {
    let s = with_entry();
    let good = s.journal();
    let cut = log_error(&s, b"format = 1\n\n[[entry]]\nseq = ");
    assert!(
        cut.starts_with("error: ledger/journal.toml:4:7: the text ends"),
        "{cut}"
    );
    let newer = log_error(&s, good.replacen("format = 1", "format = 99", 1).as_bytes());
    let line = good.lines().position(|l| l == "format = 1").unwrap() + 1;
    assert!(
        newer.starts_with(&format!(
            "error: ledger/journal.toml:{line}:10: journal format 99 is newer"
        )),
        "{newer}"
    );
    let zero = log_error(&s, good.replacen("format = 1", "format = 0", 1).as_bytes());
    assert!(
        zero.contains("format = 0 is not a journal format"),
        "{zero}"
    );
    assert!(!zero.contains("upgrade"), "{zero}");
    let mut bytes = good.clone().into_bytes();
    let at = good.find("staging").unwrap();
    bytes[at] = 0xff;
    let line = good[..at].lines().count();
    let utf8 = log_error(&s, &bytes);
    assert!(
        utf8.contains(&format!("ledger/journal.toml:{line}:"))
            && utf8.contains(&format!("invalid byte 0xff at byte offset {at}")),
        "{utf8}"
    );
}

#[test]
fn invalid_utf8_in_the_configuration_is_located_once() {
    let s = with_entry();
    let mut config = s.read("ledger/ledger.toml").into_bytes();
    config.extend_from_slice(b"\n# caf\xe9\n");
    std::fs::write(s.path().join("ledger/ledger.toml"), config).unwrap();
    let done = s.ledger(&["log"]).code(2);
    assert!(
        done.stderr.contains("ledger/ledger.toml:"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("invalid byte 0xe9"), "{}", done.stderr);
    assert!(!done.stderr.contains("caused by"), "{}", done.stderr);
}

#[test]
fn one_line_fields_refuse_control_characters_and_emptiness() {
    let s = with_entry();
    let before = s.journal();
    for args in [
        vec!["--version", ""],
        vec!["--version", "v2\nX"],
        vec!["--version", "v2", "--by", "eve\u{1b}[31m"],
        vec!["--version", "v2", "--change", "two\rlines"],
        vec!["--version", "v2", "--at", "2026-1-1"],
    ] {
        let mut all = vec!["record", "--no-aws", "--env", "staging"];
        all.extend_from_slice(&args);
        let done = s.ledger(&all).code(2);
        assert!(
            done.stderr.contains("invalid value"),
            "{args:?}: {}",
            done.stderr
        );
    }
    s.ledger(&["void", "#1", "--reason", "a\nb"]).code(2);
    assert_eq!(s.journal(), before, "nothing recorded");
}

#[test]
fn values_recorded_earlier_print_escaped_on_a_terminal() {
    let s = with_entry();
    // As an older ledger could have written it (hashes are not checked by log).
    let journal = s
        .journal()
        .replace("deployed_by = \"", "deployed_by = \"\\u001b[2Jeve\\n");
    s.write("ledger/journal.toml", &journal);
    let log = s.ledger(&["log"]).ok();
    assert!(!log.contains('\u{1b}'), "{log:?}");
    assert!(log.contains("\\u{1b}[2Jeve\\n"), "{log}");
    assert_eq!(log.lines().count(), 2, "header and one row: {log}");
    let show = s.ledger(&["show", "#1"]).ok();
    assert!(!show.contains('\u{1b}'), "{show:?}");
}

#[cfg(unix)]
#[test]
fn an_append_keeps_the_journals_mode_owner_and_symlink() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let s = with_entry();
    let journal = s.path().join("ledger/journal.toml");
    let real = s.path().join("shared-journal.toml");
    std::fs::rename(&journal, &real).unwrap();
    std::os::unix::fs::symlink(&real, &journal).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    let owner = std::fs::metadata(&real).unwrap().uid();
    s.commit("b.txt", "feat: two");
    s.ledger(&["record", "--no-aws", "--env", "staging", "--version", "v2"])
        .ok();
    assert!(
        std::fs::symlink_metadata(&journal)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let meta = std::fs::metadata(&real).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.uid(), owner);
    assert_eq!(
        std::fs::read_to_string(&real)
            .unwrap()
            .lines()
            .filter(|l| *l == "[[entry]]")
            .count(),
        2
    );
    let leftovers: Vec<_> = std::fs::read_dir(s.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary left beside the real file"
    );
}

#[test]
fn an_untitled_project_gets_a_sentence_without_a_hole() {
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write("ledger/ledger.toml", "");
    let document = s.ledger(&["render"]).ok();
    assert!(
        document.contains("versions, and deployment history.\n"),
        "{document}"
    );
    assert!(!document.contains("the  infrastructure"));
    std::fs::write(s.path().join("AWS_VERSIONS.md"), &document).unwrap();
    let fresh = Sandbox::new();
    std::fs::copy(
        s.path().join("AWS_VERSIONS.md"),
        fresh.path().join("DOC.md"),
    )
    .unwrap();
    fresh.ledger(&["init"]).ok();
    fresh.ledger(&["import", "DOC.md"]).ok();
    assert_eq!(
        fresh.ledger(&["render"]).ok(),
        document,
        "the untitled sentence imports back"
    );
}

#[test]
fn a_stalled_aws_call_fails_at_its_deadline_naming_the_call() {
    let s = with_entry();
    // Accepts connections (the kernel's backlog) and never answers.
    let stalled = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", stalled.local_addr().unwrap());
    let before = s.journal();
    s.commit("b.txt", "feat: two");
    let started = std::time::Instant::now();
    let done = s
        .ledger(&[
            "record",
            "--env",
            "staging",
            "--version",
            "v2",
            "--timeout",
            "3",
        ])
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .code(3);
    assert!(
        started.elapsed().as_secs() < 30,
        "gave up near its deadline"
    );
    assert!(
        done.stderr.contains("did not finish within 3 s") && done.stderr.contains("s3:"),
        "{}",
        done.stderr
    );
    // While it waited, the call was named (once: off a terminal, a line
    // every 10 s).
    assert_eq!(
        done.stderr
            .matches("waiting for s3:GetBucketVersioning: 2 s without an answer")
            .count(),
        1,
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);
    // --quiet says nothing while waiting.
    let quiet = s
        .ledger(&[
            "--quiet",
            "record",
            "--env",
            "staging",
            "--version",
            "v2",
            "--timeout",
            "3",
        ])
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .code(3);
    assert!(!quiet.stderr.contains("waiting for"), "{}", quiet.stderr);
    drop(stalled);
}

#[test]
fn an_unreachable_endpoint_is_said_in_words() {
    let s = with_entry();
    // A port nobody listens on: bind, note, close.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    s.commit("b.txt", "feat: two");
    let run = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend_from_slice(&[
            "record",
            "--env",
            "staging",
            "--version",
            "v2",
            "--max-attempts",
            "1",
        ]);
        s.ledger(&args)
            .env("AWS_ENDPOINT_URL", &format!("http://127.0.0.1:{port}"))
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .code(3)
            .stderr
    };
    let plain = run(&[]);
    assert!(plain.contains("cannot reach AWS for s3:"), "{plain}");
    assert!(plain.contains("Connection refused"), "{plain}");
    assert!(
        !plain.contains("DispatchFailure("),
        "no debug dump: {plain}"
    );
    let verbose = run(&["--verbose"]);
    assert!(
        verbose.contains("DispatchFailure("),
        "the debug form with -v: {verbose}"
    );
}

#[test]
fn a_history_out_of_order_names_the_deploy_heading() {
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    let doc = "# AWS Services Version Control\n\nThis document tracks AWS service configurations, \
               versions, and deployment history for the X infrastructure.\n\n---\n\n\
               ## Production Environment\n\n### S3 Buckets\n\n| Bucket | Purpose |\n|--------|---------|\n\
               | `site` | Assets |\n\n---\n\n## Deployment History\n\n\
               ### 2026-01-01 - Production Deploy v1.0.0\n\n**Commit**: `abc1234`\n\n\
               ### 2026-02-01 - Production Deploy v1.1.0\n\n**Commit**: `def5678`\n";
    s.write("DOC.md", doc);
    let line = doc.lines().position(|l| l.ends_with("v1.1.0")).unwrap() + 1;
    let done = s.ledger(&["import", "DOC.md"]).code(2);
    assert!(
        done.stderr.starts_with(&format!(
            "error: DOC.md:{line}: deploys are not listed newest first"
        )),
        "{}",
        done.stderr
    );
}

#[test]
fn an_import_that_differs_in_padding_says_so_and_the_rewrite_makes_check_pass() {
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/docs/harbor.md"),
    )
    .unwrap();
    // Padding the ledger does not write: two spaces before a cell. (The
    // separator rows' widths are kept as written.)
    let doc = doc.replacen("\n| `harbor-app` |", "\n|  `harbor-app` |", 1);
    s.write("AWS_VERSIONS.md", &doc);
    let done = s.ledger(&["import", "AWS_VERSIONS.md"]).code(0);
    assert!(
        done.stderr
            .contains("prints the same document but not the same bytes")
            && done
                .stderr
                .contains("`ledger render -o AWS_VERSIONS.md` rewrites it"),
        "{}",
        done.stderr
    );
    s.ledger(&["render", "--check", "AWS_VERSIONS.md"]).code(1);
    s.ledger(&["render", "-o", "AWS_VERSIONS.md"]).ok();
    s.ledger(&["render", "--check", "AWS_VERSIONS.md"]).ok();
}

#[test]
fn an_import_keeps_build_time_as_written_and_only_the_sections_it_had() {
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    let harbor = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/docs/harbor.md"),
    )
    .unwrap();
    let start = harbor.find("## Quick Commands").unwrap();
    let end = harbor.find("## Related Documentation").unwrap();
    let doc = format!("{}{}", &harbor[..start], &harbor[end..]).replace(
        "**Build Time**: 2026-06-30T06:00:12.500Z",
        "**Build Time**: 2026-06-30T06:00:12.000Z",
    );
    s.write("DOC.md", &doc);
    s.ledger(&["import", "DOC.md"]).ok();
    let rendered = s.ledger(&["render"]).ok();
    assert!(
        rendered.contains("**Build Time**: 2026-06-30T06:00:12.000Z"),
        "{rendered}"
    );
    assert!(!rendered.contains("## Quick Commands"), "{rendered}");
    assert_eq!(
        ledger::import::normalise_markdown(&rendered),
        ledger::import::normalise_markdown(&doc)
    );
}
