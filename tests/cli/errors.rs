//! Bad input: a clear message, exit 2, and the journal unchanged.

use crate::harness::Sandbox;

fn recorded() -> Sandbox {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1",
        "--at",
        "2026-01-01T00:00:00Z",
    ])
    .ok();
    s
}

#[test]
fn malformed_config_names_file_and_line() {
    let s = recorded();
    let before = s.journal();
    let mut config = s.read("ledger/ledger.toml");
    config.push_str("\n[environments.qa]\nbucket = \"qa\nregion = \"x\"\n");
    let line = config.lines().position(|l| l == "bucket = \"qa").unwrap() + 1;
    s.write("ledger/ledger.toml", &config);
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v2",
        ])
        .code(2);
    assert!(
        done.stderr.contains(&format!("ledger/ledger.toml:{line}:")),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);
}

#[test]
fn malformed_journal_names_file_and_line() {
    let s = recorded();
    let mut journal = s.journal();
    journal.push_str("\n[[entry]]\nseq = \"three\"\n");
    let line = journal
        .lines()
        .position(|l| l == "seq = \"three\"")
        .unwrap()
        + 1;
    s.write("ledger/journal.toml", &journal);
    for args in [
        &["log"][..],
        &["render"],
        &[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v2",
        ],
    ] {
        let done = s.ledger(args).code(2);
        assert!(
            done.stderr
                .contains(&format!("ledger/journal.toml:{line}:")),
            "{args:?}: {}",
            done.stderr
        );
    }
    assert_eq!(s.journal(), journal);
}

#[test]
fn unknown_environment_lists_the_declared_ones() {
    let s = recorded();
    let before = s.journal();
    let done = s
        .ledger(&["record", "--no-aws", "--env", "prod", "--version", "v2"])
        .code(2);
    assert!(
        done.stderr.contains("unknown environment `prod`"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("`production`, `staging`"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);
}

#[test]
fn unknown_commit_says_what_to_do() {
    let s = recorded();
    let before = s.journal();
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v2",
            "--commit",
            "deadbeef",
        ])
        .code(2);
    assert!(
        done.stderr.contains("unknown commit `deadbeef`"),
        "{}",
        done.stderr
    );
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v2",
            "--since",
            "nope",
        ])
        .code(2);
    assert!(
        done.stderr.contains("unknown commit `nope`"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);
}

#[test]
fn bad_times_are_usage_errors() {
    let s = recorded();
    let before = s.journal();
    for bad in ["yesterday", "2026-13-40", "05/01/2026 10:00"] {
        let done = s
            .ledger(&[
                "record",
                "--no-aws",
                "--env",
                "production",
                "--version",
                "v2",
                "--at",
                bad,
            ])
            .code(2);
        assert!(
            done.stderr.contains("is not a valid time"),
            "{bad}: {}",
            done.stderr
        );
    }
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v2",
            "--build-time",
            "soon",
        ])
        .code(2);
    assert!(done.stderr.contains("--build-time"), "{}", done.stderr);
    assert_eq!(s.journal(), before);
}

#[test]
fn unknown_references_and_missing_ledgers() {
    let s = recorded();
    let done = s.ledger(&["show", "v9"]).code(2);
    assert!(
        done.stderr.contains("no entry matches `v9`"),
        "{}",
        done.stderr
    );
    let done = s.ledger(&["--ledger", "elsewhere", "log"]).code(2);
    assert!(
        done.stderr.contains("elsewhere/ledger.toml not found")
            && done.stderr.contains("ledger init"),
        "{}",
        done.stderr
    );
    let done = s.ledger(&["init"]).code(2);
    assert!(done.stderr.contains("already exists"), "{}", done.stderr);
    let done = s.ledger(&["frobnicate"]).code(2);
    assert!(done.stderr.contains("frobnicate"), "{}", done.stderr);
}

#[test]
fn outside_a_repository_record_says_so() {
    let dir = tempfile::TempDir::new().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(crate::harness::ledger_bin())
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("LEDGER_DEPLOYED_BY", "x")
            .output()
            .unwrap()
    };
    assert!(run(&["init"]).status.success());
    let out = run(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no git repository"));
}

#[test]
fn init_writes_a_loadable_ledger() {
    let s = Sandbox::new();
    let done = s.ledger(&["init"]).code(0);
    assert!(
        done.stderr.contains("ledger/ledger.toml"),
        "{}",
        done.stderr
    );
    assert!(
        s.read("ledger/ledger.toml")
            .contains("[environments.production]")
    );
    assert!(
        s.read("ledger/ledger.toml")
            .contains("[environments.staging]")
    );
    assert_eq!(s.ledger(&["log"]).ok(), "");
    s.ledger(&["verify"]).ok();
}
