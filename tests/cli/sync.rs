//! The team ledger over git: clones of one bare repository record and
//! `ledger sync` at once; overlapping deploys are refused; a hand `git pull`
//! that conflicts in the journal is settled by `ledger resolve`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use crate::harness::{Sandbox, ledger_in};

const ENVS: [&str; 4] = ["e1", "e2", "e3", "e4"];

/// Runs git in `dir` with a fixed identity; panics on failure.
fn git_in(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("PATH", path_with_ledger())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Ada Dev")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Dev")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_EDITOR", "true")
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A bare remote holding a repository with a ledger of four environments.
struct Team {
    remote: TempDir,
}

impl Team {
    fn new() -> Team {
        let remote = TempDir::new().unwrap();
        git_in(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
        let seed = Sandbox::with_ledger();
        let mut config = String::from("[project]\ntitle = \"Team\"\n");
        for env in ENVS {
            config.push_str(&format!("\n[environments.{env}]\nbucket = \"b-{env}\"\n"));
        }
        config.push_str("\n[changelog]\nrelease_env = \"e1\"\n");
        seed.write("ledger/ledger.toml", &config);
        seed.commit_all("chore: ledger");
        seed.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
        seed.git(&["push", "-q", "origin", "main"]);
        Team { remote }
    }

    /// A remote whose journal holds `count` deploys of `e4` and one more,
    /// whose record split it into sealed segments.
    fn with_history(count: usize) -> Team {
        let team = Team::new();
        let seed = team.clone();
        let history = crate::segments::legacy_journal(count, "e4");
        seed.write("ledger/journal.toml", &history);
        seed.ledger(&["record", "--no-aws", "--env", "e4", "--version", "v9"])
            .ok();
        seed.commit_all("ledger: a long history");
        seed.git(&["push", "-q", "origin", "main"]);
        team
    }

    /// A fresh clone of the remote, on `main` tracking `origin/main`.
    fn clone(&self) -> Sandbox {
        let s = Sandbox::new();
        s.git(&[
            "remote",
            "add",
            "origin",
            self.remote.path().to_str().unwrap(),
        ]);
        s.git(&["fetch", "-q", "origin"]);
        s.git(&["reset", "-q", "--hard", "origin/main"]);
        s.git(&["branch", "-q", "--set-upstream-to=origin/main"]);
        s
    }

    /// The journal on the remote's main.
    fn journal(&self) -> String {
        git_in(self.remote.path(), &["show", "main:ledger/journal.toml"]) + "\n"
    }
}

fn entries(log_json: &str) -> Vec<Value> {
    let log = serde_json::from_str::<Value>(log_json).unwrap();
    assert_eq!(log["schema"], 1);
    log["entries"].as_array().unwrap().clone()
}

#[test]
fn four_clones_recording_and_syncing_at_once_land_every_entry_once() {
    let team = Team::new();
    let clones: Vec<Sandbox> = ENVS.iter().map(|_| team.clone()).collect();
    // Work in progress elsewhere in one clone must survive its syncs.
    clones[0].write("notes.txt", "mine\n");
    let dirs: Vec<std::path::PathBuf> = clones.iter().map(|c| c.path().to_path_buf()).collect();
    std::thread::scope(|scope| {
        for (dir, env) in dirs.iter().zip(ENVS) {
            scope.spawn(move || {
                for round in 1..=3 {
                    let version = format!("{env}-v{round}");
                    let done = ledger_in(
                        dir,
                        &["record", "--no-aws", "--env", env, "--version", &version],
                        &[],
                    );
                    assert_eq!(
                        done.status.code(),
                        Some(0),
                        "{env} record {round}: {done:?}"
                    );
                    let done = ledger_in(dir, &["sync"], &[]);
                    assert_eq!(done.status.code(), Some(0), "{env} sync {round}: {done:?}");
                }
            });
        }
    });
    let fresh = team.clone();
    let log: Vec<Value> = entries(&fresh.ledger(&["log", "--format", "json"]).ok());
    assert_eq!(log.len(), 12, "every record landed");
    let mut seqs: Vec<u64> = log.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    seqs.sort();
    assert_eq!(seqs, (1..=12).collect::<Vec<_>>(), "no gaps, no duplicates");
    for env in ENVS {
        let versions: Vec<&str> = log
            .iter()
            .rev()
            .filter(|e| e["env"] == env)
            .map(|e| e["version"].as_str().unwrap())
            .collect();
        let want: Vec<String> = (1..=3).map(|r| format!("{env}-v{r}")).collect();
        assert_eq!(versions, want, "{env}: each record once, in order");
    }
    let done = fresh.ledger(&["verify"]).code(0);
    assert!(done.stderr.contains("12 entries"), "{}", done.stderr);
    // Every clone, after one more sync, holds the remote's journal byte for byte.
    let remote = team.journal();
    for clone in &clones {
        clone.ledger(&["sync"]).ok();
        assert_eq!(clone.journal(), remote);
        clone.ledger(&["verify"]).ok();
    }
    assert_eq!(
        clones[0].read("notes.txt"),
        "mine\n",
        "other changes untouched"
    );
}

#[test]
fn overlapping_deploys_of_one_environment_are_refused_naming_both() {
    let team = Team::new();
    let (a, b) = (team.clone(), team.clone());
    a.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "e1",
        "--version",
        "a1",
        "--at",
        "2026-03-01T10:00:00Z",
    ])
    .ok();
    b.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "e1",
        "--version",
        "b1",
        "--at",
        "2026-03-01T11:00:00Z",
    ])
    .ok();
    b.ledger(&["sync"]).ok();
    let before = a.journal();
    let done = a.ledger(&["sync"]).code(2);
    assert!(
        done.stderr.contains("overlapped")
            && done.stderr.contains("e1 a1")
            && done.stderr.contains("e1 b1")
            && done.stderr.contains("ledger void"),
        "{}",
        done.stderr
    );
    assert_eq!(a.journal(), before, "nothing changed here");
    assert!(
        !team.journal().contains("version = \"a1\""),
        "nor on the remote"
    );
    // Resolved as the message says: void it, sync, record again.
    a.ledger(&["void", "a1", "--reason", "overlapped b1"]).ok();
    a.ledger(&["sync"]).ok();
    a.ledger(&["record", "--no-aws", "--env", "e1", "--version", "a2"])
        .ok();
    a.ledger(&["sync"]).ok();
    let fresh = team.clone();
    fresh.ledger(&["verify"]).ok();
    let live = fresh.ledger(&["log", "--env", "e1"]).ok();
    assert!(live.contains("voided by"), "{live}");
    let changelog = fresh.ledger(&["render", "changelog"]).ok();
    assert!(
        changelog.contains("## [a2]") && !changelog.contains("## [a1]"),
        "{changelog}"
    );
}

#[test]
fn a_conflicting_git_pull_is_resolved_by_one_command() {
    for rebase in [false, true] {
        let team = Team::new();
        let (a, b) = (team.clone(), team.clone());
        for (clone, env) in [(&a, "e1"), (&b, "e2")] {
            clone
                .ledger(&["record", "--no-aws", "--env", env, "--version", "v1"])
                .ok();
            clone.git(&["commit", "-q", "-am", &format!("ledger: record {env}")]);
        }
        a.git(&["push", "-q", "origin", "main"]);
        let mode = if rebase { "--rebase" } else { "--no-rebase" };
        let pull = pull(&b, mode);
        assert!(!pull.status.success(), "the journal conflicts ({mode})");
        let done = b.ledger(&["resolve"]).code(0);
        assert!(done.stderr.contains("resolved"), "{}", done.stderr);
        if rebase {
            git_in(
                b.path(),
                &["-c", "core.editor=true", "rebase", "--continue"],
            );
        } else {
            git_in(b.path(), &["commit", "-q", "--no-edit"]);
        }
        let done = b.ledger(&["verify"]).code(0);
        assert!(done.stderr.contains("2 entries"), "{mode}: {}", done.stderr);
        b.git(&["push", "-q", "origin", "main"]);
        let fresh = team.clone();
        let done = fresh.ledger(&["verify"]).code(0);
        assert!(done.stderr.contains("2 entries"), "{mode}: {}", done.stderr);
        let log = entries(&fresh.ledger(&["log", "--format", "json"]).ok());
        assert_eq!(
            log[0]["env"], "e2",
            "{mode}: the pulled side first, then ours"
        );
        assert_eq!(log[1]["env"], "e1");
    }
}

#[test]
fn a_merge_that_drops_an_entry_fails_verify() {
    let team = Team::new();
    let (a, b) = (team.clone(), team.clone());
    for (clone, env) in [(&a, "e1"), (&b, "e2")] {
        clone
            .ledger(&["record", "--no-aws", "--env", env, "--version", "v1"])
            .ok();
        clone.git(&["commit", "-q", "-am", &format!("ledger: record {env}")]);
    }
    a.git(&["push", "-q", "origin", "main"]);
    let pulled = pull(&b, "--no-rebase");
    assert!(!pulled.status.success(), "the journal conflicts");
    // Resolved by hand the wrong way: the remote's side only.
    b.git(&["checkout", "--theirs", "ledger/journal.toml"]);
    b.git(&["add", "ledger/journal.toml"]);
    git_in(b.path(), &["commit", "-q", "--no-edit"]);
    let done = b.ledger(&["verify"]).code(1);
    assert!(done.stdout.contains("dropped entry #1"), "{}", done.stdout);
}

/// `git pull MODE origin main` in a clone, as a person would run it.
fn pull(clone: &Sandbox, mode: &str) -> std::process::Output {
    Command::new("git")
        .args(["pull", "-q", mode, "origin", "main"])
        .current_dir(clone.path())
        .env("PATH", path_with_ledger())
        .env("HOME", clone.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "B")
        .env("GIT_AUTHOR_EMAIL", "b@example.com")
        .env("GIT_COMMITTER_NAME", "B")
        .env("GIT_COMMITTER_EMAIL", "b@example.com")
        .output()
        .unwrap()
}

/// PATH with the built `ledger` first: git runs it as the journal's merge driver.
fn path_with_ledger() -> String {
    let bin = crate::harness::ledger_bin();
    format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn a_rebase_replaying_several_journal_commits_merges_each_through_the_driver() {
    let team = Team::new();
    let (a, b) = (team.clone(), team.clone());
    a.ledger(&["record", "--no-aws", "--env", "e1", "--version", "v1"])
        .ok();
    a.git(&["commit", "-q", "-am", "ledger: record e1"]);
    a.git(&["push", "-q", "origin", "main"]);
    b.ledger(&["record", "--no-aws", "--env", "e2", "--version", "v1"])
        .ok();
    b.git(&["commit", "-q", "-am", "ledger: record e2"]);
    b.ledger(&["void", "#1", "--reason", "wrong build"]).ok();
    b.git(&["commit", "-q", "-am", "ledger: void"]);
    let pulled = pull(&b, "--rebase");
    assert!(
        !pulled.status.success(),
        "the first replayed commit conflicts"
    );
    b.ledger(&["resolve"]).ok();
    git_in(
        b.path(),
        &["-c", "core.editor=true", "rebase", "--continue"],
    );
    let done = b.ledger(&["verify"]).code(0);
    assert!(done.stderr.contains("3 entries"), "{}", done.stderr);
    let log = entries(&b.ledger(&["log", "--format", "json"]).ok());
    assert_eq!(log[0]["kind"], "void");
    assert_eq!(log[0]["voids"], 2, "the void follows b's entry, now #2");
    assert_eq!(log[1]["env"], "e2");
}

#[test]
fn syncing_after_committing_the_documents_keeps_them_and_moves_the_branch() {
    let team = Team::new();
    let (a, b) = (team.clone(), team.clone());
    b.ledger(&["record", "--no-aws", "--env", "e2", "--version", "b1"])
        .ok();
    b.ledger(&["sync"]).ok();
    // The README's recipe, then a sync.
    a.ledger(&["record", "--no-aws", "--env", "e1", "--version", "a1"])
        .ok();
    a.ledger(&["render", "-o", "AWS_VERSIONS.md"]).ok();
    a.ledger(&["render", "changelog", "-o", "CHANGELOG.md"])
        .ok();
    a.git(&["add", "ledger", "AWS_VERSIONS.md", "CHANGELOG.md"]);
    a.git(&["commit", "-q", "-m", "ledger: record a1"]);
    a.ledger(&["sync"]).ok();
    let head = a.git(&["rev-parse", "HEAD"]);
    let remote = git_in(team.remote.path(), &["rev-parse", "main"]);
    assert_eq!(head, remote, "the branch follows the pushed commit");
    for doc in ["AWS_VERSIONS.md", "CHANGELOG.md"] {
        assert!(
            a.path().join(doc).is_file(),
            "{doc} kept in the working tree"
        );
        git_in(
            team.remote.path(),
            &["cat-file", "-e", &format!("main:{doc}")],
        );
    }
    assert_eq!(a.journal(), team.journal());
    a.ledger(&["verify"]).ok();
    // A commit that changes more than the ledger keeps the branch as it is.
    a.ledger(&["record", "--no-aws", "--env", "e1", "--version", "a2"])
        .ok();
    a.commit("src/app.js", "feat: work in progress");
    let before = a.git(&["rev-parse", "HEAD"]);
    let done = a.ledger(&["sync"]).code(0);
    assert!(done.stderr.contains("left as it is"), "{}", done.stderr);
    assert_eq!(a.git(&["rev-parse", "HEAD"]), before);
    assert!(
        team.journal().contains("version = \"a2\""),
        "a2 was published"
    );
}

#[test]
fn a_push_the_remote_refuses_is_an_error_not_a_race() {
    let team = Team::new();
    let hook = team.remote.path().join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\nwhile read old new ref; do\n  if [ \"$ref\" = refs/heads/main ]; then\n    \
         echo 'main is protected' >&2; exit 1\n  fi\ndone\nexit 0\n",
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&hook).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&hook, permissions).unwrap();
    let a = team.clone();
    a.ledger(&["record", "--no-aws", "--env", "e1", "--version", "v1"])
        .ok();
    let before = a.journal();
    let done = a.ledger(&["sync"]).code(2);
    assert!(
        done.stderr.contains("main is protected") && done.stderr.contains("--branch"),
        "{}",
        done.stderr
    );
    assert!(!done.stderr.contains("another writer"), "{}", done.stderr);
    assert_eq!(a.journal(), before, "the entry is still here");
    // A branch the pipelines may push to.
    a.ledger(&["sync", "--branch", "ledger"]).ok();
    let journal = git_in(team.remote.path(), &["show", "ledger:ledger/journal.toml"]);
    assert!(journal.contains("version = \"v1\""));
}

#[test]
fn a_journal_in_sealed_segments_syncs_and_merges_through_the_driver() {
    let team = Team::with_history(1500);
    let (a, b) = (team.clone(), team.clone());
    assert!(a.path().join("ledger/journal/0000000001.toml").is_file());
    for (clone, env) in [(&a, "e1"), (&b, "e2")] {
        clone
            .ledger(&["record", "--no-aws", "--env", env, "--version", "v10"])
            .ok();
        clone.ledger(&["sync"]).ok();
    }
    // b's sync installed the merge driver: a conflicting pull settles itself.
    a.ledger(&["record", "--no-aws", "--env", "e3", "--version", "v11"])
        .ok();
    a.git(&["commit", "-q", "-am", "ledger: record e3"]);
    assert!(
        pull(&a, "--rebase").status.success(),
        "the driver merges a rebase too"
    );
    a.git(&["push", "-q", "origin", "main"]);
    b.ledger(&["record", "--no-aws", "--env", "e2", "--version", "v11"])
        .ok();
    b.git(&["commit", "-q", "-am", "ledger: record e2"]);
    let pulled = pull(&b, "--no-rebase");
    assert!(
        pulled.status.success(),
        "the driver merges the tails: {}",
        String::from_utf8_lossy(&pulled.stderr)
    );
    b.git(&["push", "-q", "origin", "main"]);
    let fresh = team.clone();
    let done = fresh.ledger(&["verify"]).code(0);
    assert!(done.stderr.contains("1505 entries"), "{}", done.stderr);
    let log = entries(&fresh.ledger(&["log", "--format", "json", "-n", "4"]).ok());
    let envs: Vec<&str> = log.iter().map(|e| e["env"].as_str().unwrap()).collect();
    assert_eq!(envs, ["e2", "e3", "e2", "e1"]);
    assert_eq!(
        fresh.read("ledger/journal/0000000001.toml"),
        a.read("ledger/journal/0000000001.toml"),
        "a sealed segment is the same in every clone"
    );
}

/// An SSH key at `dir/name`, and its allowed-signers line for `principal`.
fn signing_key(dir: &Path, name: &str, principal: &str) -> (String, String) {
    let public = crate::harness::ssh_keygen(dir, name, &["-t", "ed25519"], "");
    (
        dir.join(name).display().to_string(),
        format!("{principal} {public}\n"),
    )
}

#[test]
fn a_signed_entry_put_after_the_remotes_is_signed_again_by_its_writer() {
    let team = Team::new();
    let keys = TempDir::new().unwrap();
    let (ana_key, ana) = signing_key(keys.path(), "ana", "ana@example.com");
    let (bob_key, bob) = signing_key(keys.path(), "bob", "bob@example.com");
    let seed = team.clone();
    seed.write("ledger/allowed_signers", &format!("{ana}{bob}"));
    let config = seed.read("ledger/ledger.toml");
    seed.write(
        "ledger/ledger.toml",
        &format!("{config}\n[signing]\nrequired = true\n"),
    );
    seed.commit_all("chore: signing required");
    seed.git(&["push", "-q", "origin", "main"]);
    let (a, b) = (team.clone(), team.clone());
    let record = |s: &Sandbox, key: &str, version: &str| {
        s.ledger(&["record", "--no-aws", "--env", "e1", "--version", version])
            .env("LEDGER_SIGNING_KEY", key)
            .ok();
    };
    record(&a, &ana_key, "a1");
    record(&b, &bob_key, "b1");
    a.ledger(&["sync"]).env("LEDGER_SIGNING_KEY", &ana_key).ok();
    let b_before = b.journal();
    // Without its writer's key, the signed entry is not re-chained.
    let refused = b.ledger(&["sync"]).code(2);
    assert!(
        refused.stderr.contains("no signing key"),
        "{}",
        refused.stderr
    );
    assert_eq!(b.journal(), b_before);
    b.ledger(&["sync"]).env("LEDGER_SIGNING_KEY", &bob_key).ok();
    let fresh = team.clone();
    let done = fresh.ledger(&["verify"]).run();
    assert_eq!(done.code, 0, "{}{}", done.stdout, done.stderr);
    assert!(
        done.stderr
            .contains("2 signed (ana@example.com: 1, bob@example.com: 1)"),
        "{}",
        done.stderr
    );
}
