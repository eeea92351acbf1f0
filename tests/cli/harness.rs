//! The test harness: a sandbox folder holding a real git repository and a
//! ledger, and a builder that runs the real `ledger` binary in it with an
//! environment scrubbed of the user's variables.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// Path of the built binary.
pub fn ledger_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ledger"))
}

/// A folder with a git repository (and, after `init_ledger`, a ledger).
pub struct Sandbox {
    dir: TempDir,
    clock: std::cell::Cell<i64>,
}

/// A minimal two-environment configuration.
pub const TWO_ENVS: &str = r#"
[project]
title = "Test Site"

[environments.production]
bucket = "site-prod"
distribution = "EPROD"
domain = "www.example.com"
region = "us-east-1"
profile = "prod-admin"

[environments.staging]
bucket = "site-staging"
region = "us-east-1"

[changelog]
release_env = "production"
"#;

impl Sandbox {
    /// An empty folder with `git init` done.
    pub fn new() -> Sandbox {
        let sandbox = Sandbox {
            dir: TempDir::new().expect("temp dir"),
            clock: std::cell::Cell::new(1_767_225_600), // 2026-01-01T00:00:00Z
        };
        sandbox.git(&["init", "-q", "-b", "main"]);
        sandbox
    }

    /// A repository with a ledger configured with [`TWO_ENVS`].
    pub fn with_ledger() -> Sandbox {
        let sandbox = Sandbox::new();
        sandbox.ledger(&["init"]).ok();
        sandbox.write("ledger/ledger.toml", TWO_ENVS);
        sandbox
    }

    /// The sandbox folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders).
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, text).expect("write");
    }

    /// Reads a file.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).expect("read")
    }

    /// The journal's text.
    pub fn journal(&self) -> String {
        self.read("ledger/journal.toml")
    }

    /// Runs git with a fixed identity and clock; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let time = format!("{} +0000", self.clock.get());
        let output = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada Dev")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Dev")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", &time)
            .env("GIT_COMMITTER_DATE", &time)
            .output()
            .expect("run git");
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Commits a change to `file` with `message`; returns the full SHA.
    pub fn commit(&self, file: &str, message: &str) -> String {
        self.clock.set(self.clock.get() + 3600);
        let path = self.path().join(file);
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push_str(message);
        text.push('\n');
        self.write(file, &text);
        self.git(&["add", file]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Commits whatever is staged or changed (all files).
    pub fn commit_all(&self, message: &str) -> String {
        self.clock.set(self.clock.get() + 60);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// A `ledger` invocation in the sandbox.
    /// The entries `ledger log --format json` lists (newest first), after
    /// checking the document's `schema`.
    pub fn log_entries(&self) -> Vec<serde_json::Value> {
        let text = self.ledger(&["log", "--format", "json"]).ok();
        let log: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(log["schema"], 1, "log JSON carries its schema: {text}");
        log["entries"].as_array().unwrap().clone()
    }

    pub fn ledger(&self, args: &[&str]) -> Run {
        let mut command = Command::new(ledger_bin());
        command
            .args(args)
            .current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("LEDGER_DEPLOYED_BY", "ci-bot");
        Run { command }
    }
}

/// Runs the binary in `dir` as [`Sandbox::ledger`] does, with extra
/// environment variables; for threads, where a `Sandbox` cannot go.
pub fn ledger_in(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(ledger_bin());
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LEDGER_DEPLOYED_BY", "ci-bot");
    for (k, v) in vars {
        command.env(k, v);
    }
    command.output().expect("run ledger")
}

/// One run of the binary, configured before it starts.
pub struct Run {
    /// The underlying command (add env or args here).
    pub command: Command,
}

/// What a finished run gave.
pub struct Done {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Done {
    fn from(output: Output) -> Done {
        Done {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Done {
    /// Asserts exit 0, showing both streams and `what` otherwise.
    pub fn assert_ok(&self, what: &str) {
        assert_eq!(
            self.code, 0,
            "{what}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
    }
}

impl Run {
    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.command.env(key, value);
        self
    }

    /// Runs to the end.
    pub fn run(mut self) -> Done {
        Done::from(self.command.output().expect("run ledger"))
    }

    /// Runs and asserts exit 0; returns stdout.
    pub fn ok(self) -> String {
        let done = self.run();
        assert_eq!(
            done.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            done.stdout, done.stderr
        );
        done.stdout
    }

    /// Runs and asserts the exit code; returns the run.
    pub fn code(self, code: i32) -> Done {
        let done = self.run();
        assert_eq!(
            done.code, code,
            "stdout:\n{}\nstderr:\n{}",
            done.stdout, done.stderr
        );
        done
    }

    /// Starts a record that stops once it has captured, before its append
    /// (`LEDGER_TEST_PAUSE_BEFORE_APPEND`), and returns when it is there:
    /// the test can land another entry, then `release` it.
    pub fn paused_before_append(mut self, gate: &Path) -> Paused {
        std::fs::write(gate, "").unwrap();
        self.command
            .env("LEDGER_TEST_PAUSE_BEFORE_APPEND", gate)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = self.command.spawn().expect("start ledger");
        let mut captured = gate.as_os_str().to_owned();
        captured.push(".captured");
        let started = std::time::Instant::now();
        while !Path::new(&captured).exists() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "the paused run never captured"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Paused {
            child,
            gate: gate.to_path_buf(),
        }
    }
}

/// A run waiting before its append; see [`Run::paused_before_append`].
pub struct Paused {
    child: std::process::Child,
    gate: PathBuf,
}

impl Paused {
    /// Lets it append, and waits for it to finish.
    pub fn release(self) -> Done {
        std::fs::remove_file(&self.gate).unwrap();
        Done::from(self.child.wait_with_output().expect("wait for ledger"))
    }
}

/// Makes an SSH key pair at `dir/name` with `ssh-keygen` (`kind`: its
/// `-t`/`-b` arguments; no passphrase when `passphrase` is empty) and
/// returns the public key as `TYPE BASE64`, as an allowed-signers line
/// takes it.
pub fn ssh_keygen(dir: &Path, name: &str, kind: &[&str], passphrase: &str) -> String {
    let path = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-N", passphrase, "-C", name, "-f"])
        .arg(&path)
        .args(kind)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    public
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}
