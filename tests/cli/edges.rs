//! Answers at the edges: filters, empty answers, ambiguous references,
//! checked names and the messages that go with them.

use crate::record::scenario;

/// The seqs `log` lists with `args`, newest first.
fn logged(s: &crate::harness::Sandbox, args: &[&str]) -> Vec<u64> {
    let mut all = vec!["log", "--format", "json"];
    all.extend_from_slice(args);
    let json: serde_json::Value = serde_json::from_str(&s.ledger(&all).ok()).unwrap();
    json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect()
}

#[test]
fn log_filters_by_time_author_kind_and_count() {
    let s = scenario().sandbox;
    assert_eq!(logged(&s, &[]), [4, 3, 2, 1]);
    assert_eq!(logged(&s, &["--since", "2026-01-03"]), [4, 3]);
    assert_eq!(
        logged(&s, &["--until", "2026-01-02"]),
        [2, 1],
        "a day is its whole day"
    );
    assert_eq!(
        logged(
            &s,
            &[
                "--since",
                "2026-01-02T11:00:00Z",
                "--until",
                "2026-01-03 09:00"
            ]
        ),
        [3, 2]
    );
    assert_eq!(logged(&s, &["--by", "grace"]), [4], "ignoring case");
    assert_eq!(logged(&s, &["--env", "staging", "-n", "1"]), [3]);
    assert_eq!(
        logged(&s, &["--kind", "deploy", "--until", "2026-01-02"]),
        [2, 1]
    );
    assert!(logged(&s, &["--kind", "rollback,void"]).is_empty());
    assert!(
        logged(&s, &["--since", "1d"]).is_empty(),
        "an age counts back from now"
    );
    assert_eq!(logged(&s, &["--since", "100000d"]).len(), 4);

    // -n 0 lists nothing and says nothing; filters nothing passes say so.
    let none = s.ledger(&["log", "-n", "0"]).run();
    assert_eq!((none.stdout.as_str(), none.stderr.as_str()), ("", ""));
    let none = s.ledger(&["log", "--by", "nobody"]).run();
    assert_eq!(none.stdout, "");
    assert!(
        none.stderr.contains("no entries match these filters"),
        "{}",
        none.stderr
    );
    let bad = s.ledger(&["log", "--kind", "deploys"]).code(2);
    assert!(
        bad.stderr.contains("possible values: deploy, rollback"),
        "{}",
        bad.stderr
    );
    let bad = s.ledger(&["log", "--since", "yesterday"]).code(2);
    assert!(
        bad.stderr.contains("an age such as `90d`") || bad.stderr.contains("not a valid time"),
        "{}",
        bad.stderr
    );
}

#[test]
fn import_makes_a_complete_ledger_and_a_changelog_needs_append_beside_deploys() {
    let s = crate::harness::Sandbox::new();
    let doc =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/docs/nordlicht.md");
    s.ledger(&["import", doc.to_str().unwrap()]).run();
    let ignore = s.read("ledger/.gitignore");
    assert!(
        ignore.contains(".cache/") && ignore.contains(".journal.lock"),
        "{ignore}"
    );
    assert!(s.read("ledger/.gitattributes").contains("merge=ledger"));
    assert_eq!(
        s.git(&["config", "merge.ledger.driver"]),
        "ledger resolve --merge-driver %O %A %B"
    );
    s.git(&["add", "-A"]);
    let staged = s.git(&["diff", "--cached", "--name-only"]);
    assert!(!staged.contains(".cache"), "{staged}");

    // The ledger holds deploys: a changelog is added only with --append.
    s.write(
        "CHANGELOG.md",
        "# Changelog\n\n## [9.0.0] - 2030-01-01\n\n- a\n",
    );
    let before = (s.journal(), s.read("ledger/ledger.toml"));
    let done = s.ledger(&["import", "--changelog", "CHANGELOG.md"]).code(2);
    assert!(done.stderr.contains("pass --append"), "{}", done.stderr);
    assert_eq!((s.journal(), s.read("ledger/ledger.toml")), before);
    s.ledger(&["import", "--changelog", "CHANGELOG.md", "--append"])
        .ok();
    assert!(
        s.ledger(&["log", "--kind", "release"])
            .ok()
            .contains("9.0.0")
    );
}

#[test]
fn ambiguous_and_short_references_say_what_they_are() {
    let s = scenario().sandbox;
    let before = s.journal();
    for args in [
        vec!["show", "v1.0.0"],
        vec!["void", "v1.0.0", "--reason", "wrong"],
        vec!["diff", "v1.0.0", "v1.1.0"],
    ] {
        let done = s.ledger(&args).code(2);
        assert!(
            done.stderr
                .contains("`v1.0.0` is ambiguous; it names 2 entries:")
                && done.stderr.contains("\n  #1 staging v1.0.0")
                && done.stderr.contains("\n  #2 production v1.0.0")
                && done.stderr.contains("name one by `#SEQ` or --env"),
            "{args:?}: {}",
            done.stderr
        );
    }
    assert_eq!(s.journal(), before);
    let done = s.ledger(&["show", "41f"]).code(2);
    assert!(
        done.stderr
            .contains("a commit prefix needs 4 or more hex digits"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_diff_towards_an_older_release_lists_what_it_drops() {
    let s = scenario().sandbox;
    let text = s
        .ledger(&["diff", "v1.1.0", "v1.0.0", "--env", "production"])
        .ok();
    assert!(!text.contains("no commits between them"), "{text}");
    assert!(
        text.contains("commit(s) deployed by #4 and no longer by #2:")
            && text.contains("feat!: new embed API"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &s.ledger(&[
            "diff",
            "v1.1.0",
            "v1.0.0",
            "--env",
            "production",
            "--format",
            "json",
        ])
        .ok(),
    )
    .unwrap();
    let dropped = json["commits_dropped"].as_array().unwrap().len();
    assert_eq!(text.matches("\n    ").count(), dropped, "{text}");
}

#[test]
fn deployed_by_is_git_s_user_name_and_a_dirty_tree_is_noted() {
    let s = crate::harness::Sandbox::with_ledger();
    s.commit_all("chore: add ledger");
    s.commit("src/app.js", "feat: one");
    s.write(".gitconfig", "[user]\n\tname = Home Name\n");
    s.write("ci.gitconfig", "[include]\n\tpath = identity.inc\n");
    s.write("identity.inc", "[user]\n\tname = Dana Ops\n");
    let global = s.path().join("ci.gitconfig");
    let record = |version: &str| {
        let mut run = s.ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            version,
        ]);
        run.command
            .env_remove("LEDGER_DEPLOYED_BY")
            .env("GIT_CONFIG_GLOBAL", &global);
        run.run()
    };
    let done = record("v1");
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(!done.stderr.contains("uncommitted"), "{}", done.stderr);
    let shown: serde_json::Value =
        serde_json::from_str(&s.ledger(&["show", "v1", "--format", "json"]).ok()).unwrap();
    assert_eq!(
        shown["deployed_by"], "Dana Ops",
        "as `git config user.name` says"
    );
    assert!(
        shown["notes"].as_array().is_none_or(Vec::is_empty),
        "{shown}"
    );

    // A tracked file changed and not committed: warned, and noted in the entry.
    s.write("src/app.js", "edited\n");
    let done = record("v2");
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr
            .contains("warning: the working tree had uncommitted changes (src/app.js)"),
        "{}",
        done.stderr
    );
    let shown: serde_json::Value =
        serde_json::from_str(&s.ledger(&["show", "v2", "--format", "json"]).ok()).unwrap();
    let notes = shown["notes"].to_string();
    assert!(
        notes.contains("uncommitted changes (src/app.js)"),
        "{shown}"
    );
}

#[test]
fn commits_before_the_first_recorded_release_land_in_it() {
    let s = crate::harness::Sandbox::with_ledger();
    s.commit_all("chore: add ledger");
    s.commit("src/a.js", "feat: early search");
    s.commit("src/a.js", "fix: early crash");
    s.git(&["tag", "v0.9.0"]);
    s.commit("src/b.js", "feat: late export");
    s.commit("src/b.js", "fix: late typo");
    let before = s.ledger(&["render", "changelog"]).ok();
    for change in ["early search", "early crash", "late export", "late typo"] {
        assert!(
            before.contains(change),
            "Unreleased lists {change}: {before}"
        );
    }
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1.0.0",
    ])
    .ok();
    let after = s.ledger(&["render", "changelog"]).ok();
    let release = &after[after.find("## [v1.0.0]").expect("a v1.0.0 section")..];
    for change in ["early search", "early crash", "late export", "late typo"] {
        assert!(release.contains(change), "v1.0.0 lists {change}: {after}");
    }
}

#[test]
fn a_first_deploy_after_imported_tags_starts_at_the_last_of_them() {
    let s = crate::harness::Sandbox::with_ledger();
    s.commit_all("chore: add ledger");
    s.commit("src/a.js", "feat: early search");
    s.git(&["tag", "v0.9.0"]);
    s.commit("src/b.js", "feat: late export");
    s.ledger(&["import", "--git-tags"]).ok();
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1.0.0",
    ])
    .ok();
    let shown: serde_json::Value =
        serde_json::from_str(&s.ledger(&["show", "v1.0.0", "--format", "json"]).ok()).unwrap();
    let changes = shown["changes"].to_string();
    assert!(
        changes.contains("late export") && !changes.contains("early search"),
        "{shown}"
    );
}

#[test]
fn names_and_versions_are_checked_where_they_are_written() {
    let s = crate::harness::Sandbox::with_ledger();
    s.commit_all("chore: add ledger");
    let good = s.read("ledger/ledger.toml");
    let cases = [
        (
            good.replace("bucket = \"site-prod\"", "bucket = \"s3://site-prod/www/\""),
            "ledger.toml:6:",
            "is an s3:// URL, not a bucket name: write `bucket = \"site-prod\"` and `prefix = \"www/\"`",
        ),
        (
            good.replace("bucket = \"site-prod\"", "bucket = \"site prod\""),
            "ledger.toml:6:",
            "holds ` `",
        ),
        (
            good.replace("[environments.staging]", "[environments.\"\"]"),
            "ledger.toml:",
            "an environment needs a name",
        ),
        (
            good.replace("[environments.staging]", "[environments.\"stag\\ning\"]"),
            "ledger.toml:",
            "holds the control character \\n",
        ),
        (
            good.replace("[environments.staging]", "[environments.Production]"),
            "ledger.toml:12:",
            "environments `production` and `Production` differ only in case",
        ),
    ];
    let before = s.journal();
    for (config, place, problem) in cases {
        s.write("ledger/ledger.toml", &config);
        let done = s
            .ledger(&[
                "record",
                "--no-aws",
                "--env",
                "production",
                "--version",
                "v1",
            ])
            .code(2);
        assert!(
            done.stderr.contains(place) && done.stderr.contains(problem),
            "{problem}: {}",
            done.stderr
        );
        assert_eq!(s.journal(), before);
    }
    s.write("ledger/ledger.toml", &good);
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "x<img src=x>",
        ])
        .code(2);
    assert!(
        done.stderr
            .contains("a version is letters, digits and `.`, `-`, `_`, `+`"),
        "{}",
        done.stderr
    );
    // A tag that is not a version name is refused too, with the way out.
    s.git(&["tag", "v1<b>"]);
    let done = s
        .ledger(&["record", "--no-aws", "--env", "production"])
        .run();
    if done.code == 2 {
        assert!(done.stderr.contains("pass --version V"), "{}", done.stderr);
    }
    assert_eq!(s.journal(), before);
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1.0.0+build.5",
    ])
    .ok();
}

#[test]
fn an_html_rendering_is_never_checked_against_markdown_nor_the_reverse() {
    let s = scenario().sandbox;
    s.ledger(&["render", "-o", "AWS_VERSIONS.md"]).ok();
    let done = s
        .ledger(&["render", "--format", "html", "--check", "AWS_VERSIONS.md"])
        .code(2);
    assert!(
        done.stderr.contains("AWS_VERSIONS.md is not an HTML page"),
        "{}",
        done.stderr
    );
    assert_eq!(done.stdout, "", "no diff of HTML against Markdown");
    s.ledger(&["render", "--format", "html", "-o", "audit.html"])
        .ok();
    let done = s.ledger(&["render", "--check", "audit.html"]).code(2);
    assert!(
        done.stderr.contains("audit.html is an HTML page"),
        "{}",
        done.stderr
    );
    s.ledger(&["render", "--format", "html", "--check", "audit.html"])
        .run();
}

#[test]
fn verify_aws_with_nothing_to_compare_says_so() {
    let moto = crate::moto::Moto::start();
    let s = crate::harness::Sandbox::with_ledger();
    let done = moto.env(s.ledger(&["verify", "--aws", "--no-git"])).run();
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr.contains("nothing was compared with AWS")
            && !done.stderr.contains("AWS matches the ledger"),
        "{}",
        done.stderr
    );
}

#[test]
fn an_import_that_recognises_nothing_is_refused() {
    let s = crate::harness::Sandbox::new();
    let noise: String = (0..5000)
        .map(|i| format!("line {i} of a log file\n"))
        .collect();
    s.write("notes.txt", &noise);
    let done = s.ledger(&["import", "notes.txt"]).code(2);
    assert!(
        done.stderr
            .contains("notes.txt: nothing in it was recognised as a version document"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.lines().count() < 5,
        "a short refusal: {}",
        done.stderr
    );
    assert!(!s.path().join("ledger/journal.toml").exists());

    s.ledger(&["init"]).ok();
    let before = (s.journal(), s.read("ledger/ledger.toml"));
    let done = s.ledger(&["import", "--changelog", "notes.txt"]).code(2);
    assert!(
        done.stderr.contains("no release heading was recognised"),
        "{}",
        done.stderr
    );
    assert_eq!((s.journal(), s.read("ledger/ledger.toml")), before);
}

#[test]
fn a_newline_in_a_value_stays_on_the_error_s_line() {
    let s = scenario().sandbox;
    for args in [
        vec!["log", "--env", "prod\nuction"],
        vec!["show", "v1\n.0"],
        vec![
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v9",
            "--commit",
            "main\nx",
        ],
    ] {
        let done = s.ledger(&args).code(2);
        assert_eq!(
            done.stderr.trim_end().lines().count(),
            1,
            "{args:?}: {}",
            done.stderr
        );
        assert!(done.stderr.contains("\\n"), "{args:?}: {}", done.stderr);
    }
}

#[test]
fn verify_speaks_json_with_the_same_exit_code() {
    let s = scenario().sandbox;
    let whole: serde_json::Value =
        serde_json::from_str(&s.ledger(&["verify", "--format", "json"]).ok()).unwrap();
    assert_eq!(whole["schema"], 1);
    assert_eq!(whole["ok"], true);
    assert_eq!(whole["entries_checked"], 4);
    assert!(whole["findings"].as_array().unwrap().is_empty());
    assert!(
        whole["aws"].is_null() && whole["store"].is_null(),
        "{whole}"
    );
    let journal = s.journal().replace("Grace Ops", "Grace Opz");
    s.write("ledger/journal.toml", &journal);
    let done = s
        .ledger(&["verify", "--no-git", "--format", "json"])
        .code(1);
    let broken: serde_json::Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(broken["ok"], false);
    assert_eq!(broken["history"]["checked"], false);
    assert_eq!(broken["findings"][0]["seq"], 4, "{broken}");
    assert!(
        done.stderr.is_empty(),
        "the JSON says it all: {}",
        done.stderr
    );
}

#[test]
fn imports_are_bounded_and_name_the_bad_byte() {
    let s = crate::harness::Sandbox::new();
    s.ledger(&["init"]).ok();
    let before = s.journal();
    let done = s.ledger(&["import", "--changelog", "/dev/zero"]).code(2);
    assert!(
        done.stderr.contains("/dev/zero is over 16777216 bytes")
            && done.stderr.contains("--max-size"),
        "{}",
        done.stderr
    );
    let done = s
        .ledger(&["import", "--changelog", "/dev/zero", "--max-size", "1K"])
        .code(2);
    assert!(
        done.stderr.contains("is over 1024 bytes"),
        "{}",
        done.stderr
    );
    let mut bytes = b"# Changelog\n\n## [1.0.0] - 2026-01-01\n\n- caf".to_vec();
    bytes.push(0xe9);
    bytes.extend_from_slice(b"\n");
    std::fs::write(s.path().join("latin1.md"), bytes).unwrap();
    let done = s.ledger(&["import", "--changelog", "latin1.md"]).code(2);
    assert!(
        done.stderr.contains("latin1.md:5:")
            && done.stderr.contains("invalid byte 0xe9 at byte offset 43"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before);
}

#[test]
fn reads_warn_of_an_entry_changed_after_it_was_written() {
    let s = scenario().sandbox;
    for args in [vec!["log"], vec!["show", "#3"]] {
        let done = s.ledger(&args).run();
        assert!(!done.stderr.contains("changed after"), "{}", done.stderr);
    }
    let journal = s.journal().replace("Grace Ops", "Grace Opz");
    s.write("ledger/journal.toml", &journal);
    for args in [
        vec!["log"],
        vec!["show", "#4"],
        vec!["render"],
        vec!["live", "--env", "production", "--at", "now"],
        vec!["render", "--format", "html"],
    ] {
        let done = s.ledger(&args).run();
        assert_eq!(done.code, 0, "{args:?}: {}", done.stderr);
        assert!(
            done.stderr.contains(
                "warning: entry #4 in ledger/journal.toml was changed after it was written"
            ) && done.stderr.contains("ledger verify"),
            "{args:?}: {}",
            done.stderr
        );
    }
}

#[test]
fn verify_sees_headers_and_an_emptied_tail_as_readers_do() {
    let s = scenario().sandbox;
    let good = s.journal();
    for (edited, line) in [
        (
            good.replacen("# Format:", "# ATTACKER WAS HERE\n# Format:", 1),
            4,
        ),
        (
            good.replacen("format = 1", "injected = \"x\"\nformat = 1", 1),
            5,
        ),
    ] {
        s.write("ledger/journal.toml", &edited);
        let done = s.ledger(&["verify", "--no-git"]).code(1);
        assert!(
            done.stdout.contains(&format!(
                "FAIL ledger/journal.toml:{line}: the file's header is not the one ledger writes"
            )),
            "{}",
            done.stdout
        );
    }
    s.write("ledger/journal.toml", &good);
    // Sealed segments beside a tail whose entries were removed.
    let run = |args: &[&str]| s.ledger(args).env("LEDGER_TEST_SEGMENT_MAX_ENTRIES", "2");
    run(&[
        "record",
        "--no-aws",
        "--env",
        "staging",
        "--version",
        "v2.0.0",
    ])
    .ok();
    run(&["verify", "--no-git"]).ok();
    assert!(
        s.path().join("ledger/journal").read_dir().unwrap().count() > 0,
        "sealed"
    );
    let header = s.journal();
    let header = &header[..header.find("\n[[entry]]").unwrap_or(header.len())];
    s.write("ledger/journal.toml", &format!("{}\n", header.trim_end()));
    let done = s.ledger(&["verify", "--no-git"]).code(1);
    assert!(
        done.stdout.contains("the open tail holds no entry, but")
            && done.stdout.contains("sealed segment(s)"),
        "{}",
        done.stdout
    );
}
