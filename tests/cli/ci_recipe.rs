//! The CI recipe of docs/ci.md: `scripts/ci-record.sh`, which action.yml and
//! the GitLab job run after the upload, driven against moto on a clone whose
//! `origin` is a bare repository, as a pipeline runs it; and action.yml and
//! docs/ci.md checked as text against the script and each other.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use crate::harness::{Done, Sandbox, ledger_bin};
use crate::moto::{Moto, Object};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/ci-record.sh");
const ACTION: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml");
const CI_DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ci.md");

/// Runs git in `dir` (the bare remote); panics on failure.
fn git_in(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Runs `bash scripts/ci-record.sh ARGS` in `dir` as a CI job would: an
/// environment holding only PATH, a HOME without a git identity, the
/// script's inputs in `vars`, and the built binary as LEDGER_BIN.
fn script_in(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Done {
    let mut command = Command::new("bash");
    command
        .arg(SCRIPT)
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LEDGER_DEPLOYED_BY", "ci-bot")
        .env("LEDGER_BIN", ledger_bin());
    for (k, v) in vars {
        command.env(k, v);
    }
    Done::from(command.output().expect("run bash"))
}

/// A pipeline's world: moto with a versioned bucket behind a distribution,
/// a bare `origin`, and a clone of it (the CI checkout) holding a ledger.
struct Site {
    moto: Moto,
    bucket: String,
    distribution: String,
    origin: TempDir,
    clone: Sandbox,
}

impl Site {
    fn new(bucket: &str) -> Site {
        let moto = Moto::start();
        moto.bucket(bucket, true);
        let distribution = moto.distribution(bucket);
        let origin = TempDir::new().expect("temp dir");
        git_in(origin.path(), &["init", "-q", "--bare", "-b", "main"]);
        let clone = Sandbox::new();
        clone.ledger(&["init"]).ok();
        clone.write(
            "ledger/ledger.toml",
            &format!(
                "[project]\ntitle = \"CI Site\"\n\n[environments.production]\nbucket = \"{bucket}\"\n\
                 distribution = \"{distribution}\"\nregion = \"us-east-1\"\n\n\
                 [changelog]\nrelease_env = \"production\"\n"
            ),
        );
        clone.commit_all("chore: add ledger");
        clone.commit("src/app.js", "feat: first page");
        clone.git(&["remote", "add", "origin", origin.path().to_str().unwrap()]);
        clone.git(&["push", "-q", "-u", "origin", "main"]);
        Site {
            moto,
            bucket: bucket.to_string(),
            distribution,
            origin,
            clone,
        }
    }

    /// The deploy itself: uploads (key, body).
    fn upload(&self, files: &[(&str, &str)]) {
        let objects: Vec<Object> = files.iter().map(|(k, b)| Object::site(k, b)).collect();
        self.moto.put_all(&self.bucket, &objects);
    }

    /// The script in the CI clone, pointed at moto.
    fn script(&self, args: &[&str], vars: &[(&str, &str)]) -> Done {
        let mut all: Vec<(&str, &str)> = vec![
            ("AWS_ENDPOINT_URL", self.moto.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ];
        all.extend_from_slice(vars);
        script_in(self.clone.path(), args, &all)
    }

    /// The production entry of `version` in the CI clone's journal.
    fn entry(&self, version: &str) -> Value {
        let shown = self
            .clone
            .ledger(&["show", version, "--env", "production", "--format", "json"])
            .ok();
        serde_json::from_str(&shown).unwrap()
    }

    /// The version ID S3 reports as latest for `key`.
    fn latest(&self, key: &str) -> String {
        self.moto.latest(&self.bucket)[key].0.clone()
    }

    /// A file of the remote's main branch.
    fn remote_file(&self, path: &str) -> String {
        git_in(self.origin.path(), &["show", &format!("main:{path}")])
    }

    fn remote_head(&self) -> String {
        git_in(self.origin.path(), &["rev-parse", "main"])
    }

    /// A fresh clone of the remote, on `main`.
    fn fresh_clone(&self) -> Sandbox {
        let s = Sandbox::new();
        s.git(&[
            "remote",
            "add",
            "origin",
            self.origin.path().to_str().unwrap(),
        ]);
        s.git(&["fetch", "-q", "origin"]);
        s.git(&["reset", "-q", "--hard", "origin/main"]);
        s.git(&["branch", "-q", "--set-upstream-to=origin/main"]);
        s
    }

    /// The documents on the remote are what its journal renders, and the
    /// journal verifies there.
    fn assert_remote_is_current(&self) -> Sandbox {
        let fresh = self.fresh_clone();
        fresh.ledger(&["render", "--check", "AWS_VERSIONS.md"]).ok();
        fresh.ledger(&["render", "--check", "CHANGELOG.md"]).ok();
        fresh.ledger(&["verify"]).ok();
        fresh
    }
}

/// The version ID an entry pinned for `key`.
fn pinned(entry: &Value, key: &str) -> String {
    entry["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("{key} in the entry: {entry}"))["version_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn the_script_records_and_syncs_the_journal_and_documents_to_origin() {
    let site = Site::new("ci-sync");
    site.upload(&[("index.html", "v1"), ("widget.js", "v1")]);
    let deployed = site.clone.git(&["rev-parse", "HEAD"]);
    // As the GitHub action runs it: on the branch, publish = sync (the default).
    let done = site.script(
        &[],
        &[
            ("LEDGER_ENV", "production"),
            ("LEDGER_VERSION", "v1.0.0"),
            ("LEDGER_INVALIDATE", "/*"),
            ("LEDGER_WAIT", "true"),
        ],
    );
    done.assert_ok("the first deploy");
    assert!(
        done.stderr.contains("record --env production --commit")
            && done.stderr.contains("--invalidate")
            && done.stderr.contains("--wait"),
        "the script says what it runs: {}",
        done.stderr
    );
    let entry = site.entry("v1.0.0");
    assert_eq!(entry["commit"], deployed.as_str());
    assert_eq!(entry["deployed_by"], "ci-bot");
    let widget = site.latest("widget.js");
    assert_eq!(pinned(&entry, "widget.js"), widget);
    assert_eq!(pinned(&entry, "index.html"), site.latest("index.html"));
    let invalidation = &entry["invalidation"];
    assert_eq!(invalidation["paths"], serde_json::json!(["/*"]));
    assert_eq!(
        invalidation["status"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase(),
        "completed"
    );
    assert!(invalidation["completed_seen_at"].is_string(), "{entry}");
    assert_eq!(
        site.moto.invalidations(&site.distribution),
        vec![invalidation["id"].as_str().unwrap().to_string()],
        "one invalidation, the one recorded"
    );

    // The remote holds the entry and both documents; the branch followed it.
    let journal = site.remote_file("ledger/journal.toml");
    assert!(journal.contains("version = \"v1.0.0\""), "{journal}");
    assert!(journal.contains(&widget), "{journal}");
    assert!(site.remote_file("AWS_VERSIONS.md").contains("v1.0.0"));
    assert!(site.remote_file("CHANGELOG.md").contains("## [v1.0.0]"));
    assert_eq!(site.clone.git(&["rev-parse", "HEAD"]), site.remote_head());
    let fresh = site.assert_remote_is_current();
    assert_eq!(fresh.journal(), site.clone.journal());

    // As the GitLab job runs it: a detached HEAD, the branch from CI_COMMIT_BRANCH.
    site.clone.commit("src/app.js", "fix: broken link");
    site.clone.git(&["push", "-q", "origin", "main"]);
    let deployed = site.clone.git(&["rev-parse", "HEAD"]);
    site.clone.git(&["checkout", "-q", "--detach"]);
    site.upload(&[("widget.js", "v2")]);
    let done = site.script(
        &[],
        &[
            ("LEDGER_ENV", "production"),
            ("LEDGER_VERSION", "v1.1.0"),
            ("LEDGER_INVALIDATE", "/*"),
            ("CI_COMMIT_BRANCH", "main"),
        ],
    );
    done.assert_ok("the second deploy, from a detached HEAD");
    let entry = site.entry("v1.1.0");
    assert_eq!(entry["commit"], deployed.as_str());
    let widget_v2 = site.latest("widget.js");
    assert_ne!(widget_v2, widget);
    assert_eq!(pinned(&entry, "widget.js"), widget_v2);
    let journal = site.remote_file("ledger/journal.toml");
    assert!(journal.contains("version = \"v1.1.0\""), "{journal}");
    assert!(journal.contains(&widget_v2), "{journal}");
    let fresh = site.assert_remote_is_current();
    let changelog = fresh.read("CHANGELOG.md");
    assert!(
        changelog.contains("## [v1.1.0]") && changelog.contains("broken link"),
        "{changelog}"
    );
    assert!(
        !changelog.contains("record production"),
        "the ledger's own commits are no change: {changelog}"
    );
    assert_eq!(site.moto.invalidations(&site.distribution).len(), 2);
}

#[test]
fn publish_commit_commits_the_journal_and_documents_and_pushes_nothing() {
    let site = Site::new("ci-commit");
    site.upload(&[("index.html", "v1"), ("widget.js", "v1")]);
    let remote_before = site.remote_head();
    let done = site.script(
        &[],
        &[
            ("LEDGER_ENV", "production"),
            ("LEDGER_VERSION", "v1.0.0"),
            ("LEDGER_INVALIDATE", "/*"),
            ("LEDGER_WAIT", "false"),
            ("LEDGER_PUBLISH", "commit"),
        ],
    );
    done.assert_ok("publish=commit");
    assert!(
        !done.stderr.contains(" --wait"),
        "LEDGER_WAIT=false: {}",
        done.stderr
    );
    let committed = site
        .clone
        .git(&["show", "--name-only", "--format=%s", "HEAD"]);
    assert!(
        committed.starts_with("ledger: record production v1.0.0\n"),
        "{committed}"
    );
    for file in ["AWS_VERSIONS.md", "CHANGELOG.md", "ledger/journal.toml"] {
        assert!(committed.lines().any(|l| l == file), "{file}: {committed}");
    }
    assert!(
        !committed.lines().any(|l| l.starts_with("src/")),
        "only the ledger and the documents: {committed}"
    );
    let doc = site.clone.git(&["show", "HEAD:AWS_VERSIONS.md"]);
    assert!(doc.contains("v1.0.0"), "{doc}");
    let journal = site.clone.git(&["show", "HEAD:ledger/journal.toml"]);
    assert!(journal.contains(&site.latest("widget.js")), "{journal}");
    assert_eq!(
        site.clone.git(&[
            "status",
            "--porcelain",
            "--",
            "ledger",
            "AWS_VERSIONS.md",
            "CHANGELOG.md"
        ]),
        "",
        "everything committed"
    );
    assert_eq!(
        site.clone.git(&["log", "-1", "--format=%an <%ae>"]),
        "ledger <ledger@localhost>",
        "a checkout without a git identity commits as ledger"
    );
    site.clone
        .ledger(&["render", "--check", "AWS_VERSIONS.md"])
        .ok();
    site.clone
        .ledger(&["render", "--check", "CHANGELOG.md"])
        .ok();
    assert_eq!(site.remote_head(), remote_before, "nothing pushed");
    assert!(
        !site
            .remote_file("ledger/journal.toml")
            .contains("version = \"v1.0.0\"")
    );
}

#[test]
fn a_locked_environment_stops_the_script_with_exit_1_and_records_nothing() {
    let site = Site::new("ci-locked");
    site.upload(&[("index.html", "v1"), ("widget.js", "v1")]);
    // Locked on another machine and published: the script's first sync sees it.
    let other = site.fresh_clone();
    other
        .ledger(&["lock", "--env", "production", "--reason", "incident 7"])
        .ok();
    other.ledger(&["sync"]).ok();
    let remote_head = site.remote_head();
    let remote_journal = site.remote_file("ledger/journal.toml");
    let vars = [
        ("LEDGER_ENV", "production"),
        ("LEDGER_VERSION", "v1.0.0"),
        ("LEDGER_INVALIDATE", "/*"),
        ("LEDGER_WAIT", "true"),
    ];
    let done = site.script(&[], &vars);
    assert_eq!(done.code, 1, "{}", done.stderr);
    assert!(
        done.stderr.contains("incident 7") && done.stderr.contains("nothing recorded"),
        "{}",
        done.stderr
    );
    assert!(!done.stderr.contains(" record --env"), "{}", done.stderr);
    assert_eq!(
        site.clone.journal().trim_end(),
        remote_journal,
        "the lock came in; no entry was added"
    );
    assert_eq!(site.remote_head(), remote_head, "nothing pushed");
    assert!(site.moto.invalidations(&site.distribution).is_empty());
    assert!(
        !site.clone.journal().contains("version = \"v1.0.0\""),
        "no deploy recorded"
    );

    // Before the upload: `check` alone, and without a sync.
    let done = site.script(&["check"], &vars);
    assert_eq!(done.code, 1, "{}", done.stderr);
    assert!(done.stderr.contains("do not deploy"), "{}", done.stderr);
    let before = site.clone.journal();
    let mut none = vars.to_vec();
    none.push(("LEDGER_PUBLISH", "none"));
    let done = site.script(&[], &none);
    assert_eq!(done.code, 1, "{}", done.stderr);
    assert_eq!(site.clone.journal(), before, "the journal is unchanged");

    // Unlocked elsewhere: the next run records.
    other.ledger(&["unlock", "--env", "production"]).ok();
    other.ledger(&["sync"]).ok();
    let done = site.script(&[], &vars);
    done.assert_ok("after the unlock");
    assert_eq!(
        pinned(&site.entry("v1.0.0"), "widget.js"),
        site.latest("widget.js")
    );
    site.assert_remote_is_current();
}

#[test]
fn bad_inputs_are_usage_errors_before_anything_runs() {
    let s = Sandbox::with_ledger();
    s.commit("src/a.js", "feat: one");
    let before = s.journal();
    for (vars, says) in [
        (vec![], "LEDGER_ENV is not set"),
        (
            vec![("LEDGER_ENV", "production"), ("LEDGER_PUBLISH", "push")],
            "expected sync, commit or none",
        ),
        (
            vec![("LEDGER_ENV", "production"), ("LEDGER_WAIT", "soon")],
            "expected true or false",
        ),
        (
            vec![("LEDGER_ENV", "production"), ("LEDGER_DOCUMENTS", "DOC.md")],
            "NAME=FILE",
        ),
    ] {
        let done = script_in(s.path(), &[], &vars);
        assert_eq!(done.code, 2, "{vars:?}: {}", done.stderr);
        assert!(done.stderr.contains(says), "{vars:?}: {}", done.stderr);
        assert!(!done.stderr.contains("+ "), "nothing ran: {}", done.stderr);
    }
    let done = script_in(s.path(), &["deploy"], &[("LEDGER_ENV", "production")]);
    assert_eq!(done.code, 2, "{}", done.stderr);
    assert_eq!(s.journal(), before);
}

/// The names declared under the top-level `inputs:` of an action.
fn declared_inputs(action: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut inside = false;
    for line in action.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            inside = line.trim_end() == "inputs:";
            continue;
        }
        if inside
            && let Some(rest) = line.strip_prefix("  ")
            && !rest.starts_with(' ')
            && let Some(name) = rest.trim_end().strip_suffix(':')
        {
            names.insert(name.to_string());
        }
    }
    names
}

/// The names used as `inputs.NAME` in expressions.
fn used_inputs(action: &str) -> BTreeSet<String> {
    action
        .match_indices("inputs.")
        .map(|(at, found)| {
            action[at + found.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// The scripts of the `run:` keys (inline or block).
fn run_blocks(action: &str) -> Vec<String> {
    let lines: Vec<&str> = action.lines().collect();
    let mut blocks = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find("run:") else {
            continue;
        };
        let before = line[..at].trim();
        if !(before.is_empty() || before == "-") {
            continue;
        }
        let rest = line[at + "run:".len()..].trim();
        if !rest.is_empty() && !rest.starts_with('|') && !rest.starts_with('>') {
            blocks.push(rest.to_string());
            continue;
        }
        let body: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > at)
            .copied()
            .collect();
        blocks.push(body.join("\n"));
    }
    blocks
}

#[test]
fn action_yml_runs_the_script_and_declares_every_input_it_uses() {
    let action = std::fs::read_to_string(ACTION).expect("action.yml at the repository's top");
    assert!(action.contains("using: composite"), "{action}");
    let declared = declared_inputs(&action);
    for name in ["env", "version", "invalidate", "wait", "publish"] {
        assert!(declared.contains(name), "input {name}: {declared:?}");
    }
    let used = used_inputs(&action);
    for name in &used {
        assert!(
            declared.contains(name),
            "inputs.{name} is used but not declared ({declared:?})"
        );
    }
    for name in &declared {
        assert!(
            used.contains(name),
            "input {name} is declared but never used"
        );
    }
    let runs = run_blocks(&action);
    assert!(
        runs.iter()
            .any(|r| r.contains("\"$GITHUB_ACTION_PATH/scripts/ci-record.sh\"")),
        "a run step calls the script: {runs:?}"
    );
    assert!(
        runs.iter().all(|r| !r.contains("${{ inputs.")),
        "inputs reach the scripts through env, never spliced into them: {runs:?}"
    );
    // Every LEDGER_* variable the action sets is one the script reads.
    let script = std::fs::read_to_string(SCRIPT).expect("scripts/ci-record.sh");
    let mapped: Vec<&str> = action
        .lines()
        .filter_map(|l| l.trim().split_once(':').map(|(k, _)| k))
        .filter(|k| k.starts_with("LEDGER_"))
        .collect();
    assert!(mapped.len() >= 6, "{mapped:?}");
    for var in mapped {
        assert!(
            script.contains(&format!("${{{var}")),
            "action.yml sets {var}, which scripts/ci-record.sh does not read"
        );
    }
}

#[test]
fn the_recipes_in_docs_ci_use_declared_inputs_and_call_the_script() {
    let doc = std::fs::read_to_string(CI_DOC).expect("docs/ci.md");
    let action = std::fs::read_to_string(ACTION).unwrap();
    let declared = declared_inputs(&action);
    let lines: Vec<&str> = doc.lines().collect();
    let mut uses = 0;
    for (i, line) in lines.iter().enumerate() {
        if !line.contains("uses: OWNER/ledger@") {
            continue;
        }
        uses += 1;
        // The keys under the step's `with:`, a sibling of `uses:`.
        let key_column = line.find("uses:").unwrap();
        let mut in_with = false;
        for next in &lines[i + 1..] {
            let trimmed = next.trim();
            let indent = next.len() - next.trim_start().len();
            if trimmed.is_empty() || trimmed.starts_with("```") || indent < key_column {
                break;
            }
            if indent == key_column {
                in_with = trimmed == "with:";
            } else if in_with && indent == key_column + 2 && !trimmed.starts_with('#') {
                let key = trimmed.split(':').next().unwrap();
                assert!(
                    declared.contains(key),
                    "docs/ci.md passes `{key}`, which action.yml does not declare"
                );
            }
        }
    }
    assert!(uses >= 2, "docs/ci.md uses the action: {uses}");
    assert!(doc.contains("fetch-depth: 0"));
    assert!(doc.contains("scripts/ci-record.sh"));
    assert!(doc.contains("render --check AWS_VERSIONS.md"));
    assert!(doc.contains("render --check CHANGELOG.md"));
}
