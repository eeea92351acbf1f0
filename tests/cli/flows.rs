//! Real flows, each followed end to end as a user runs them: the README's
//! CI recipe, a redeploy, a rollback and what the changelog says of it, the
//! plan before the prompt, advice that cannot hurt, configuration mistakes,
//! entries recorded without AWS, and corrections.

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::harness::{Done, Sandbox, ledger_bin};
use crate::moto::{Moto, Object};

const SITE_BUCKET: &str = "flow-site";

/// A ledger whose production environment is a versioned bucket on moto.
fn site(moto: &Moto, repo_url: Option<&str>) -> Sandbox {
    moto.bucket(SITE_BUCKET, true);
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    let mut config = format!(
        "[project]\ntitle = \"Flow\"\n\n[environments.production]\nbucket = \"{SITE_BUCKET}\"\n\
         region = \"us-east-1\"\n\n[environments.staging]\nbucket = \"{SITE_BUCKET}\"\nprefix = \"staging/\"\n\
         region = \"us-east-1\"\n\n[changelog]\nrelease_env = \"production\"\n"
    );
    if let Some(url) = repo_url {
        config.push_str(&format!("repo_url = \"{url}\"\n"));
    }
    s.write("ledger/ledger.toml", &config);
    s.commit_all("chore: add ledger");
    s
}

fn upload(moto: &Moto, files: &[(&str, &str)]) {
    let objects: Vec<Object> = files.iter().map(|(k, b)| Object::site(k, b)).collect();
    moto.put_all(SITE_BUCKET, &objects);
}

/// The lines of the first ```sh block after `marker` in the README.
fn readme_block(marker: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let after = &readme[readme.find(marker).expect("marker in README")..];
    let start = after.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let end = after[start..].find("```").expect("closed block");
    after[start..start + end].to_string()
}

/// Runs a shell script in the sandbox as a pipeline would: `ledger` on the
/// PATH, moto's endpoint and credentials, a git identity, and `vars`.
fn pipeline(s: &Sandbox, moto: &Moto, script: &str, vars: &[(&str, &str)]) -> Done {
    let bin_dir = ledger_bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("sh");
    command
        .args(["-euc", script])
        .current_dir(s.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", s.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "CI")
        .env("GIT_AUTHOR_EMAIL", "ci@example.com")
        .env("GIT_COMMITTER_NAME", "CI")
        .env("GIT_COMMITTER_EMAIL", "ci@example.com")
        .env("LEDGER_DEPLOYED_BY", "ci-bot")
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in vars {
        command.env(k, v);
    }
    Done::from(command.output().expect("run sh"))
}

#[test]
fn the_readme_ci_recipe_run_twice_leaves_both_documents_green() {
    let moto = Moto::start();
    let s = site(&moto, Some("https://github.com/acme/flow"));
    let record = readme_block("In CI, record every deploy");
    let check = readme_block("and in pull requests");
    for (tag, change, file) in [
        ("v1.0.0", "feat: first page", "a.js"),
        ("v1.1.0", "fix: broken link", "b.js"),
    ] {
        s.commit(&format!("src/{file}"), change);
        s.git(&["tag", tag]);
        upload(&moto, &[(file, tag)]);
        let done = pipeline(
            &s,
            &moto,
            &record,
            &[("TAG", tag), ("BUILD_TIME", "2026-01-05T10:00:00Z")],
        );
        done.assert_ok(&format!("the recipe for {tag}"));
        let done = pipeline(&s, &moto, &check, &[]);
        done.assert_ok(&format!("the pull-request check after {tag}"));
    }
    let changelog = s.read("CHANGELOG.md");
    assert!(
        !changelog.contains("record v1."),
        "the ledger's own commit is no change:\n{changelog}"
    );
    assert_eq!(changelog.matches("broken link").count(), 1, "{changelog}");
    assert!(changelog.contains("## [v1.1.0]"), "{changelog}");
    // An ordinary commit after the recipe is unreleased, the ledger's is not.
    s.commit("src/c.js", "feat: next thing");
    let rendered = s.ledger(&["render", "changelog"]).ok();
    let unreleased = rendered.split("## [v1.1.0]").next().unwrap();
    assert!(unreleased.contains("next thing"), "{rendered}");
    assert!(!unreleased.contains("record"), "{rendered}");
}

#[test]
fn a_version_is_recorded_once_per_environment_unless_redeployed() {
    let s = Sandbox::with_ledger();
    s.commit("src/a.js", "feat: one");
    let record = |extra: &[&str]| {
        let mut args = vec![
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v1.2.0",
        ];
        args.extend_from_slice(extra);
        s.ledger(&args)
    };
    record(&[]).ok();
    let before = s.journal();
    // The same record again (a CI job run again): success, nothing appended.
    let done = record(&[]).code(0);
    assert!(
        done.stderr
            .contains("already recorded as #1 (production v1.2.0 at "),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before, "nothing recorded");
    // The same version from another commit: refused, as a new build needs a new name.
    s.commit("src/a.js", "fix: two");
    let done = record(&[]).code(2);
    assert!(
        done.stderr.contains("already recorded") && done.stderr.contains("--redeploy"),
        "{}",
        done.stderr
    );
    assert_eq!(s.journal(), before, "nothing recorded");
    s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    // --redeploy of a version never deployed is refused.
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v9",
            "--redeploy",
        ])
        .code(2);
    assert!(done.stderr.contains("never recorded"), "{}", done.stderr);
    // Staging may get the same version: once there too.
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "staging",
        "--version",
        "v1.2.0",
    ])
    .ok();
    record(&["--redeploy"]).ok();
    // The version now names two entries of production: both are listed.
    let done = s.ledger(&["show", "v1.2.0", "--env", "production"]).code(2);
    assert!(
        done.stderr
            .contains("`v1.2.0` is ambiguous; it names 2 entries:")
            && done.stderr.contains("\n  #1 production v1.2.0")
            && done.stderr.contains("\n  #3 production v1.2.0")
            && done.stderr.contains("name one by `#SEQ`"),
        "{}",
        done.stderr
    );
    let shown: Value =
        serde_json::from_str(&s.ledger(&["show", "#3", "--format", "json"]).ok()).unwrap();
    assert_eq!(shown["redeploy"], true);
    let log = s.ledger(&["log", "--env", "production"]).ok();
    assert!(log.lines().nth(1).unwrap().contains("redeploy"), "{log}");
    let changelog = s.ledger(&["render", "changelog"]).ok();
    assert_eq!(changelog.matches("## [v1.2.0]").count(), 1, "{changelog}");
    assert_eq!(changelog.matches("- one").count(), 1, "{changelog}");
    let doc = s.ledger(&["render"]).ok();
    assert!(doc.contains("Production Redeploy v1.2.0"), "{doc}");
}

/// Two releases, then a rollback to the first, then a third release.
#[test]
fn a_rollback_yanks_the_release_and_its_changes_are_listed_once() {
    let moto = Moto::start();
    let s = site(&moto, Some("https://github.com/acme/flow"));
    let record = |tag: &str| {
        moto.env(s.ledger(&["record", "--env", "production", "--version", tag]))
            .ok();
    };
    s.commit("src/a.js", "feat: page one");
    upload(&moto, &[("a.js", "1")]);
    record("v1.0.0");
    s.commit("src/b.js", "feat: page two");
    s.commit("src/b.js", "fix: typo on page two");
    upload(&moto, &[("a.js", "2"), ("b.js", "2")]);
    record("v1.1.0");
    moto.env(s.ledger(&["rollback", "--env", "production", "--to", "v1.0.0", "--yes"]))
        .ok();

    let doc = s.ledger(&["render"]).ok();
    assert!(doc.contains("Production Rollback to v1.0.0\n"), "{doc}");
    assert!(
        doc.contains("(undo the rollback to v1.0.0, #3)"),
        "the rollback block undoes the rollback:\n{doc}"
    );
    let changelog = s.ledger(&["render", "changelog"]).ok();
    let yanked = changelog
        .lines()
        .find(|l| l.starts_with("## [v1.1.0]"))
        .unwrap();
    assert!(yanked.ends_with("[YANKED]"), "{changelog}");
    assert!(
        changelog.contains("Rolled back on ") && changelog.contains("to v1.0.0 (ledger entry #3)"),
        "{changelog}"
    );
    let unreleased = changelog.split("## [v1.1.0]").next().unwrap();
    assert!(
        !unreleased.contains("page two"),
        "a rolled-back release's changes are not unreleased:\n{changelog}"
    );

    s.commit("src/c.js", "feat: page three");
    upload(&moto, &[("a.js", "3"), ("b.js", "3"), ("c.js", "3")]);
    record("v1.2.0");
    let changelog = s.ledger(&["render", "changelog"]).ok();
    assert_eq!(changelog.matches("- page two\n").count(), 1, "{changelog}");
    assert_eq!(changelog.matches("typo on page two").count(), 1);
    let v12 = changelog.split("## [v1.2.0]").nth(1).unwrap();
    let v12 = v12.split("## [v1.1.0]").next().unwrap();
    assert!(v12.contains("page three"), "{v12}");
    assert!(
        v12.contains("Ships again the 2 changes of v1.1.0, which was rolled back"),
        "{v12}"
    );
    assert!(
        changelog.contains("[v1.2.0]: https://github.com/acme/flow/compare/"),
        "{changelog}"
    );
}

#[test]
fn the_rollback_plan_comes_before_the_question_and_a_real_run_says_what_it_did() {
    let moto = Moto::start();
    let s = site(&moto, None);
    s.commit("src/a.js", "feat: one");
    upload(&moto, &[("a.js", "1")]);
    moto.env(s.ledger(&["record", "--env", "production", "--version", "v1"]))
        .ok();
    s.commit("src/a.js", "feat: two");
    upload(&moto, &[("a.js", "2"), ("new.js", "2")]);
    moto.env(s.ledger(&["record", "--env", "production", "--version", "v2"]))
        .ok();
    let latest = moto.latest(SITE_BUCKET);
    let before = s.journal();

    // On a terminal (script(1) gives one), answered "n".
    let mut run = moto.env(s.ledger(&[]));
    let command = format!(
        "{} rollback --env production --to v1",
        ledger_bin().display()
    );
    run.command = {
        let mut c = Command::new("script");
        c.args(["-qec", &command, "/dev/null"]);
        for (k, v) in run.command.get_envs() {
            if let Some(v) = v {
                c.env(k, v);
            }
        }
        c.current_dir(s.path()).stdin(Stdio::piped());
        c
    };
    let mut child = run
        .command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(b"n\n").unwrap();
    let output = child.wait_with_output().unwrap();
    let screen = String::from_utf8_lossy(&output.stdout).replace('\r', "");
    let plan_at = screen.find("restore  a.js").expect(&screen);
    let question_at = screen.find("[y/N]").expect(&screen);
    assert!(plan_at < question_at, "plan before the question:\n{screen}");
    assert!(
        screen.contains(&format!("{} -> ", latest["a.js"].0)),
        "current -> restored:\n{screen}"
    );
    assert!(screen.contains("delete   new.js"), "{screen}");
    assert!(screen.contains("cancelled"), "{screen}");
    assert_eq!(s.journal(), before, "a cancelled rollback records nothing");

    let done = moto
        .env(s.ledger(&["rollback", "--env", "production", "--to", "v1", "--yes"]))
        .code(0);
    assert!(
        !done.stdout.contains("aws s3api"),
        "a real run does not print commands as if they had run:\n{}",
        done.stdout
    );
    let now = moto.latest(SITE_BUCKET);
    assert!(
        done.stdout
            .contains(&format!("restored a.js as new version {}", now["a.js"].0)),
        "{}",
        done.stdout
    );
    assert!(done.stdout.contains("deleted  new.js"), "{}", done.stdout);
}

#[test]
fn render_check_picks_the_document_the_file_is_and_advice_never_overwrites() {
    let s = Sandbox::with_ledger();
    s.commit("src/a.js", "feat: one");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1",
    ])
    .ok();
    s.ledger(&["render", "changelog", "-o", "CHANGELOG.md"])
        .ok();
    s.ledger(&["render", "-o", "AWS_VERSIONS.md"]).ok();
    let done = s.ledger(&["render", "--check", "CHANGELOG.md"]).code(0);
    assert!(done.stderr.contains("up to date"), "{}", done.stderr);
    s.ledger(&["render", "--check", "AWS_VERSIONS.md"]).code(0);
    // Stale: the advice names the changelog template.
    s.write(
        "CHANGELOG.md",
        &s.read("CHANGELOG.md").replace("one", "uno"),
    );
    let done = s.ledger(&["render", "--check", "CHANGELOG.md"]).code(1);
    assert!(
        done.stderr
            .contains("run `ledger render changelog -o CHANGELOG.md`"),
        "{}",
        done.stderr
    );
    // `-o` onto an existing changelog renders the changelog, not the version document.
    s.ledger(&["render", "-o", "CHANGELOG.md"]).ok();
    assert!(s.read("CHANGELOG.md").starts_with("# Changelog"));
    // A file that is neither: refused, naming both.
    s.write("NOTES.md", "# Notes\n\nsome text\n");
    let done = s.ledger(&["render", "--check", "NOTES.md"]).code(2);
    assert!(
        done.stderr.contains("render aws-versions") && done.stderr.contains("render changelog"),
        "{}",
        done.stderr
    );
}

#[test]
fn commands_from_a_subfolder_use_the_ledger_above_and_never_advise_init() {
    let s = Sandbox::with_ledger();
    s.commit("src/a.js", "feat: one");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1",
    ])
    .ok();
    std::fs::create_dir_all(s.path().join("dist/assets")).unwrap();
    let mut run = s.ledger(&["log"]);
    run.command.current_dir(s.path().join("dist/assets"));
    let done = run.code(0);
    assert!(done.stdout.contains("v1"), "{}", done.stdout);
    let mut run = s.ledger(&["verify", "--no-git"]);
    run.command.current_dir(s.path().join("dist"));
    let done = run.code(0);
    assert!(!done.stderr.contains("init"), "{}", done.stderr);
    assert!(!s.path().join("dist/ledger").exists());
    // Outside any repository and ledger: init is the advice.
    let elsewhere = tempfile::TempDir::new().unwrap();
    let mut run = s.ledger(&["log"]);
    run.command.current_dir(elsewhere.path());
    let done = run.code(2);
    assert!(done.stderr.contains("ledger init"), "{}", done.stderr);
}

#[test]
fn init_outside_a_repository_warns() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut run = Sandbox::new().ledger(&["init"]);
    run.command.current_dir(dir.path());
    let done = run.code(0);
    assert!(
        done.stderr.contains("not inside a git repository"),
        "{}",
        done.stderr
    );
    assert!(dir.path().join("ledger/ledger.toml").is_file());
}

#[test]
fn a_release_env_naming_no_environment_is_refused() {
    let s = Sandbox::with_ledger();
    let config = s
        .read("ledger/ledger.toml")
        .replace("release_env = \"production\"", "release_env = \"prod\"");
    s.write("ledger/ledger.toml", &config);
    let line = config
        .lines()
        .position(|l| l.starts_with("release_env"))
        .unwrap()
        + 1;
    for args in [&["render"][..], &["verify"], &["log"]] {
        let done = s.ledger(args).code(2);
        assert!(
            done.stderr.contains(&format!("ledger/ledger.toml:{line}:"))
                && done.stderr.contains("\"prod\"")
                && done.stderr.contains("`production`, `staging`"),
            "{args:?}: {}",
            done.stderr
        );
    }
}

#[test]
fn entries_recorded_without_aws_claim_no_objects() {
    let moto = Moto::start();
    let s = site(&moto, None);
    s.commit("src/a.js", "feat: one");
    upload(&moto, &[("staging/a.js", "1"), ("staging/b.js", "1")]);
    moto.env(s.ledger(&["record", "--env", "staging", "--version", "v1"]))
        .ok();
    s.commit("src/a.js", "feat: two");
    s.ledger(&["record", "--env", "staging", "--version", "v2", "--no-aws"])
        .ok();

    let done = s
        .ledger(&["live", "--env", "staging", "--format", "json"])
        .code(0);
    let live: Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(live["deploy"]["seq"], 2);
    assert_eq!(live["objects_from"], 1);
    assert_eq!(live["files"].as_array().unwrap().len(), 2, "{live}");
    assert!(done.stderr.contains("--no-aws"), "{}", done.stderr);
    let done = moto
        .env(s.ledger(&["verify", "--aws", "--no-git", "--env", "staging"]))
        .code(0);
    assert!(done.stderr.contains("#1"), "{}", done.stderr);
    let history = s
        .ledger(&["history", "staging/a.js", "--env", "staging"])
        .code(0);
    assert!(history.stderr.contains("#2"), "{}", history.stderr);
    let show = s.ledger(&["show", "#2"]).ok();
    assert!(show.contains("not read from S3"), "{show}");
    let log = s.ledger(&["log"]).ok();
    assert!(log.lines().nth(1).unwrap().contains("--no-aws"), "{log}");

    // An environment only ever recorded without AWS: nothing is claimed.
    s.ledger(&[
        "record",
        "--env",
        "production",
        "--version",
        "v2",
        "--no-aws",
    ])
    .ok();
    let done = s.ledger(&["live", "--env", "production"]).code(0);
    assert!(
        done.stdout.contains("objects      unknown"),
        "{}",
        done.stdout
    );
    let done = moto
        .env(s.ledger(&["verify", "--aws", "--no-git", "--env", "production"]))
        .code(0);
    assert!(done.stderr.contains("not compared"), "{}", done.stderr);
}

#[test]
fn a_wrong_entry_is_voided_without_editing_history() {
    let s = Sandbox::with_ledger();
    s.commit("src/a.js", "feat: one");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1.0.0",
    ])
    .ok();
    s.commit("src/b.js", "feat: two");
    // A dry run shows the entry and appends nothing.
    let before = s.journal();
    let dry = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v9.9.9",
            "--dry-run",
        ])
        .ok();
    assert!(
        dry.contains("entry #2 (deploy)") && dry.contains("v9.9.9"),
        "{dry}"
    );
    assert!(dry.contains("two"), "the changes it would carry: {dry}");
    assert_eq!(s.journal(), before);
    // Recorded by mistake, then voided.
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v9.9.9",
    ])
    .ok();
    let done = s
        .ledger(&["void", "v9.9.9", "--reason", "wrong version"])
        .code(0);
    assert_eq!(done.stdout.trim(), "#3");
    assert!(s.journal().starts_with(&s.journal()[..before.len()]));
    let changelog = s.ledger(&["render", "changelog"]).ok();
    assert!(!changelog.contains("v9.9.9"), "{changelog}");
    assert!(
        changelog.contains("two"),
        "its change is unreleased again:\n{changelog}"
    );
    let doc = s.ledger(&["render"]).ok();
    assert!(doc.contains("Production Correction"), "{doc}");
    assert!(doc.contains("**Reason**: wrong version"), "{doc}");
    assert!(!doc.contains("Deploy v9.9.9"), "{doc}");
    let log = s.ledger(&["log"]).ok();
    assert!(
        log.contains("voided by #3") && log.contains("voids #2"),
        "{log}"
    );
    s.ledger(&["verify", "--no-git"]).ok();
    // The right version can now be recorded; a void cannot be voided.
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1.1.0",
    ])
    .ok();
    let done = s.ledger(&["void", "#3", "--reason", "x"]).code(2);
    assert!(done.stderr.contains("cannot be voided"), "{}", done.stderr);
    let done = s.ledger(&["void", "#2", "--reason", "x"]).code(2);
    assert!(done.stderr.contains("already voided"), "{}", done.stderr);
}

#[test]
fn changelog_links_commits_when_versions_are_not_tags_and_says_why_a_release_is_empty() {
    let s = Sandbox::with_ledger();
    let mut config = s.read("ledger/ledger.toml");
    config.push_str("repo_url = \"https://github.com/acme/site\"\n");
    s.write("ledger/ledger.toml", &config);
    let one = s.commit("src/a.js", "feat: one");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v1",
    ])
    .ok();
    let two = s.commit("src/a.js", "chore: bump");
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        "v2",
    ])
    .ok();
    let changelog = s.ledger(&["render", "changelog"]).ok();
    assert!(
        changelog.contains(&format!(
            "[v2]: https://github.com/acme/site/compare/{one}...{two}"
        )),
        "{changelog}"
    );
    assert!(
        changelog.contains(&format!("[v1]: https://github.com/acme/site/commit/{one}")),
        "{changelog}"
    );
    assert!(
        changelog.contains("No notable changes (1 commit, none of them a change"),
        "{changelog}"
    );
    // With tags, the tags.
    s.git(&["tag", "v1", &one]);
    s.git(&["tag", "v2", &two]);
    let changelog = s.ledger(&["render", "changelog"]).ok();
    assert!(changelog.contains("[v2]: https://github.com/acme/site/compare/v1...v2"));
}

#[test]
fn diff_history_and_log_say_what_they_mean() {
    let moto = Moto::start();
    let s = site(&moto, None);
    s.commit("src/a.js", "feat: one");
    upload(&moto, &[("app.js", "1"), ("old.js", "1")]);
    moto.env(s.ledger(&["record", "--env", "production", "--version", "v1"]))
        .ok();
    moto.delete(SITE_BUCKET, &["old.js"]);
    upload(&moto, &[("app.js", "2")]);
    s.commit("src/a.js", "feat: two");
    moto.env(s.ledger(&[
        "record",
        "--env",
        "production",
        "--version",
        "v1.1.1-hotfix",
    ]))
    .ok();
    let diff: Value =
        serde_json::from_str(&s.ledger(&["diff", "#1", "#2", "--format", "json"]).ok()).unwrap();
    assert_eq!(diff["deleted"][0]["key"], "old.js");
    assert_eq!(diff["deleted"][0]["action"], "delete");
    // A leading slash is the URL path of the key.
    let history = s
        .ledger(&["history", "/app.js", "--env", "production"])
        .code(0);
    assert!(
        history.stdout.starts_with("SEQ  RELEASE"),
        "{}",
        history.stdout
    );
    assert_eq!(
        history.stdout.lines().count(),
        3,
        "a header and two versions: {}",
        history.stdout
    );
    let done = s
        .ledger(&["history", "nope.js", "--env", "production"])
        .code(2);
    assert!(done.stderr.contains("nope.js"), "{}", done.stderr);
    // Entries of two environments: --env cannot help, and is not suggested.
    s.ledger(&["record", "--no-aws", "--env", "staging", "--version", "s1"])
        .ok();
    let done = s.ledger(&["diff", "#1", "#3"]).code(2);
    assert!(
        !done.stderr.contains("pass --env") && done.stderr.contains("ledger live --env"),
        "{}",
        done.stderr
    );
    // The log's columns stay in line under a header, whatever the version's length.
    let log = s.ledger(&["log"]).ok();
    let header = log.lines().next().unwrap();
    assert!(header.starts_with("SEQ"), "{log}");
    let at = header.find("COMMIT").unwrap();
    for line in log.lines().skip(1) {
        let cell: String = line.chars().skip(at).take(7).collect();
        assert!(
            cell.len() == 7 && cell.chars().all(|c| c.is_ascii_hexdigit()),
            "the COMMIT column is in line:\n{log}"
        );
    }
}

#[test]
fn a_future_instant_and_an_ambiguous_correction_are_refused() {
    let s = Sandbox::with_ledger();
    s.commit("src/a.js", "feat: one");
    let before = s.journal();
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "staging",
            "--version",
            "v9",
            "--at",
            "2031-01-01 00:00",
        ])
        .code(2);
    assert!(done.stderr.contains("in the future"), "{}", done.stderr);
    assert_eq!(s.journal(), before);
    s.ledger(&["record", "--no-aws", "--env", "staging", "--version", "v1"])
        .ok();
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "staging",
        "--version",
        "v1",
        "--redeploy",
    ])
    .ok();
    let done = s.ledger(&["void", "v1", "--reason", "x"]).code(2);
    assert!(
        done.stderr.contains("names 2 entries")
            && done.stderr.contains("#1")
            && done.stderr.contains("#2"),
        "{}",
        done.stderr
    );
    s.ledger(&["void", "#2", "--reason", "redeployed by mistake"])
        .ok();
    // The dry run shows the entry sealed as it would be appended.
    let dry: Value = serde_json::from_str(
        &s.ledger(&[
            "record",
            "--no-aws",
            "--env",
            "staging",
            "--version",
            "v2",
            "--dry-run",
            "--format",
            "json",
        ])
        .ok(),
    )
    .unwrap();
    assert_eq!(dry["seq"], 4);
    assert_eq!(dry["hash"].as_str().unwrap().len(), 64);
}
