//! The conventions of the CLIs people already use: completion scripts for
//! every shell (and candidates read from the ledger), man pages, `--quiet`,
//! `--verbose`, colour only when asked for or on a terminal.

use std::process::Command;

use crate::harness::{Sandbox, ledger_bin};
use crate::moto::{Moto, site};

#[test]
fn completion_scripts_for_every_shell_and_bash_loads_its_own() {
    let s = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = s.ledger(&["completions", shell]).ok();
        assert!(
            script.contains("COMPLETE") && script.contains("ledger"),
            "{shell}: the script asks `COMPLETE={shell} ledger` for candidates:\n{script}"
        );
    }
    s.ledger(&["completions", "tcsh"]).code(2);
    let script = s.ledger(&["completions", "bash"]).ok();
    s.write("ledger.bash", &script);
    let loaded = Command::new("bash")
        .arg("-c")
        .arg("set -e; source ./ledger.bash; complete -p ledger")
        .current_dir(s.path())
        .output()
        .unwrap();
    assert!(loaded.status.success(), "{:?}", loaded);
    assert!(
        String::from_utf8_lossy(&loaded.stdout).contains("_clap_complete_ledger"),
        "bash registers the function for `ledger`"
    );
}

/// What the shell gets for `words`, the last being the word completed.
fn candidates(s: &Sandbox, words: &[&str]) -> Vec<String> {
    let mut args = vec!["--", "ledger"];
    args.extend_from_slice(words);
    let index = words.len().to_string();
    s.ledger(&args)
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", &index)
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .env("_CLAP_COMPLETE_SPACE", "true")
        .ok()
        .split(['\n', '\u{b}'])
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn completion_offers_environments_references_and_templates_from_the_ledger() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    s.ledger(&[
        "record",
        "--env",
        "staging",
        "--no-aws",
        "--version",
        "v1.0.0",
    ])
    .ok();
    s.ledger(&[
        "record",
        "--env",
        "production",
        "--no-aws",
        "--version",
        "v1.0.0",
    ])
    .ok();
    assert_eq!(
        candidates(&s, &["log", "--env", ""]),
        ["production", "staging"]
    );
    assert_eq!(candidates(&s, &["show", "--env", "st"]), ["staging"]);
    let refs = candidates(&s, &["show", ""]);
    // `#` would start a comment in the shell: the candidate comes escaped.
    assert!(
        refs.contains(&"\\#1".to_string()) && refs.contains(&"\\#2".to_string()),
        "{refs:?}"
    );
    assert_eq!(candidates(&s, &["show", "\\#2"]), ["\\#2"]);
    assert!(refs.contains(&"v1.0.0".to_string()), "{refs:?}");
    assert_eq!(
        candidates(&s, &["rollback", "--env", "production", "--to", "v"]),
        ["v1.0.0"]
    );
    // --env narrows the entries offered: staging's #1 is not a production target.
    assert_eq!(
        candidates(&s, &["rollback", "--env", "production", "--to", "\\#"]),
        ["\\#2"]
    );
    assert_eq!(candidates(&s, &["show", "--env=staging", "\\#"]), ["\\#1"]);
    s.write(
        "ledger/templates/release-notes.md.tera",
        "{{ project.title }}\n",
    );
    let templates: Vec<String> = candidates(&s, &["render", ""])
        .into_iter()
        .filter(|c| !c.starts_with('-'))
        .collect();
    assert_eq!(templates, ["aws-versions", "changelog", "release-notes"]);
    // `--ledger DIR` typed on the line names the ledger that answers.
    s.write(
        "other/ledger.toml",
        "[environments.qa]\nbucket = \"qbk\"\n\n[changelog]\nrelease_env = \"qa\"\n",
    );
    assert_eq!(
        candidates(&s, &["--ledger", "other", "log", "--env", ""]),
        ["qa"]
    );
    assert_eq!(
        candidates(&s, &["--ledger=other", "log", "--env", ""]),
        ["qa"]
    );
    // From a subfolder, the ledger above answers.
    std::fs::create_dir_all(s.path().join("src/deep")).unwrap();
    let deep = Command::new(ledger_bin())
        .args(["--", "ledger", "log", "--env", "pro"])
        .current_dir(s.path().join("src/deep"))
        .env_clear()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "3")
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&deep.stdout).trim(), "production");
}

#[test]
fn man_pages_render_with_groff_and_name_every_command() {
    let s = Sandbox::new();
    let page = s.ledger(&["man"]).ok();
    assert!(page.contains(".TH ledger 1"), "{page}");
    for command in ["record", "live", "rollback", "sync", "completions"] {
        assert!(
            page.contains(&format!("ledger\\-{command}(1)")),
            "lists {command}"
        );
        let sub = s.ledger(&["man", command]).ok();
        assert!(sub.contains(&format!(".TH ledger-{command} 1")), "{sub}");
        assert!(
            sub.contains("\\-\\-quiet"),
            "global options appear on {command}'s page"
        );
        for section in [".SH \"EXIT STATUS\"", ".SH ENVIRONMENT", ".SH EXAMPLES"] {
            assert!(sub.contains(section), "{section} on {command}'s page");
        }
        s.write("page.1", &sub);
        let groff = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z", "page.1"])
            .current_dir(s.path())
            .output();
        match groff {
            Ok(out) => assert!(
                out.status.success() && out.stderr.is_empty(),
                "groff warns on ledger-{command}(1): {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(_) => eprintln!("groff not installed: page syntax not checked"),
        }
    }
    let nested = s.ledger(&["man", "store", "push"]).ok();
    assert!(nested.contains(".TH ledger-store-push 1"), "{nested}");
    assert!(
        nested.contains(env!("CARGO_PKG_VERSION")),
        "the version in the header"
    );
    let unknown = s.ledger(&["man", "deploy"]).code(2);
    assert!(
        unknown.stderr.contains("one of init, record"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn quiet_prints_nothing_on_success_and_still_reports_failures() {
    let s = Sandbox::with_ledger();
    s.commit("a.txt", "feat: one");
    let loud = s
        .ledger(&["record", "--env", "staging", "--no-aws", "--version", "v1"])
        .run();
    assert!(loud.stderr.contains("recorded #1"), "{}", loud.stderr);
    s.commit("b.txt", "feat: two");
    let quiet = s
        .ledger(&[
            "--quiet",
            "record",
            "--env",
            "staging",
            "--no-aws",
            "--version",
            "v2",
        ])
        .run();
    assert_eq!(
        (quiet.code, quiet.stdout.as_str(), quiet.stderr.as_str()),
        (0, "", "")
    );
    let quiet = s.ledger(&["-q", "check", "--env", "staging"]).run();
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
    s.ledger(&["lock", "--env", "staging", "--reason", "incident"])
        .ok();
    let failed = s.ledger(&["-q", "check", "--env", "staging"]).code(1);
    assert!(
        failed.stderr.contains("staging is locked"),
        "a failed check speaks"
    );
    let error = s.ledger(&["-q", "show", "#99"]).code(2);
    assert!(error.stderr.starts_with("error: "), "{}", error.stderr);
    s.ledger(&["-q", "-v", "log"]).code(2);
}

#[test]
fn colour_only_when_forced_or_chosen_and_never_with_no_color() {
    let s = Sandbox::with_ledger();
    let escape = "\u{1b}[";
    let error = |extra: &[&str], vars: &[(&str, &str)]| {
        let mut args = extra.to_vec();
        args.extend_from_slice(&["show", "#99"]);
        let mut run = s.ledger(&args);
        for (key, value) in vars {
            run = run.env(key, value);
        }
        run.code(2).stderr
    };
    assert!(!error(&[], &[]).contains(escape), "a pipe gets no colour");
    assert!(error(&[], &[("CLICOLOR_FORCE", "1")]).contains(escape));
    assert!(!error(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains(escape));
    assert!(!error(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]).contains(escape));
    assert!(error(&["--color", "always"], &[]).contains(escape));
    let plain = error(&[], &[]);
    assert!(plain.starts_with("error: "), "{plain}");
}

#[test]
fn verbose_lists_every_aws_call_with_its_timing() {
    let moto = Moto::start();
    moto.bucket("site-v", true);
    moto.put_all("site-v", &site(3, "v1"));
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write(
        "ledger/ledger.toml",
        "[project]\ntitle = \"V\"\n\n[environments.production]\nbucket = \"site-v\"\n",
    );
    s.commit("a.txt", "feat: one");
    let quiet = moto
        .env(s.ledger(&["record", "--env", "production", "--version", "v1"]))
        .run();
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("aws: "), "{}", quiet.stderr);
    s.commit("b.txt", "feat: two");
    let verbose = moto
        .env(s.ledger(&["-v", "record", "--env", "production", "--version", "v2"]))
        .run();
    assert_eq!(verbose.code, 0, "{}", verbose.stderr);
    let calls: Vec<&str> = verbose
        .stderr
        .lines()
        .filter(|l| l.starts_with("aws: "))
        .collect();
    assert!(
        calls.iter().any(
            |l| l.starts_with("aws: S3.ListObjectVersions ok (HTTP 200) in ") && l.ends_with(" ms")
        ),
        "{}",
        verbose.stderr
    );
}
