//! Signed entries (issue 30): entries signed with SSH keys of each type,
//! checked by `ssh-keygen -Y verify` and by `ledger verify` against an
//! allowed-signers file; ssh-keygen's own signatures read by ledger; the
//! verdicts (unknown key, revoked, outside validity, invalid) and
//! `[signing] required`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::harness::{Sandbox, ssh_keygen};

/// A ledger whose entries `key` signs, `allowed` being the allowed-signers text.
fn signed_ledger(extra: &str) -> Sandbox {
    let s = Sandbox::with_ledger();
    let config = s.read("ledger/ledger.toml");
    s.write(
        "ledger/ledger.toml",
        &format!("{config}\n[signing]\nkey = \"keys/ana\"\n{extra}"),
    );
    std::fs::create_dir_all(s.path().join("keys")).unwrap();
    s
}

fn record(s: &Sandbox, version: &str) -> crate::harness::Run {
    s.commit(&format!("src/{version}.txt"), &format!("feat: {version}"));
    s.ledger(&[
        "record",
        "--no-aws",
        "--env",
        "production",
        "--version",
        version,
    ])
}

/// `ssh-keygen -Y verify` of entry `seq` as PRINCIPAL, from ledger's own
/// payload and signature output.
fn ssh_keygen_verifies(s: &Sandbox, seq: &str, principal: &str) -> String {
    let payload = s.path().join("payload");
    let signature = s.path().join("signature");
    let out = |format: &str| {
        let done = s.ledger(&["show", seq, "--format", format]).run();
        assert_eq!(done.code, 0, "{}", done.stderr);
        done.stdout
    };
    std::fs::write(&payload, out("signed-payload")).unwrap();
    std::fs::write(&signature, out("sshsig")).unwrap();
    let verified = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(s.path().join("ledger/allowed_signers"))
        .args(["-I", principal, "-n", "ledger-entry", "-s"])
        .arg(&signature)
        .stdin(std::fs::File::open(&payload).unwrap())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verified.stdout).into_owned()
        + &String::from_utf8_lossy(&verified.stderr);
    assert!(verified.status.success(), "{said}");
    said
}

#[test]
fn entries_signed_with_each_key_type_verify_with_ssh_ssh_keygen() {
    for (kind, args) in [
        ("ED25519", &["-t", "ed25519"][..]),
        ("ECDSA", &["-t", "ecdsa", "-b", "256"][..]),
        ("RSA", &["-t", "rsa", "-b", "2048"][..]),
    ] {
        let s = signed_ledger("");
        let public = ssh_keygen(&s.path().join("keys"), "ana", args, "");
        s.write(
            "ledger/allowed_signers",
            &format!("ana@example.com {public}\n"),
        );
        record(&s, "v1").ok();
        assert!(s.journal().contains("\nsignature = \"U1NIU0lH"), "{kind}");
        let said = ssh_keygen_verifies(&s, "#1", "ana@example.com");
        assert!(said.contains(&format!("with {kind} key")), "{said}");
        let done = s.ledger(&["verify", "--no-git"]).run();
        assert_eq!(done.code, 0, "{kind}: {}", done.stderr);
        assert!(
            done.stderr
                .contains("signatures: 1 signed (ana@example.com: 1)"),
            "{}",
            done.stderr
        );
        let shown = s.ledger(&["show", "#1"]).ok();
        assert!(
            shown.contains("signature     signed by ana@example.com"),
            "{shown}"
        );
    }
}

#[test]
fn each_verdict_is_reported_and_required_signing_fails_verify() {
    let s = signed_ledger("revoked = \"keys/revoked\"\n");
    let keys = s.path().join("keys");
    let ana = ssh_keygen(&keys, "ana", &["-t", "ed25519"], "");
    ssh_keygen(&keys, "bob", &["-t", "ed25519"], "");
    let old = ssh_keygen(&keys, "old", &["-t", "ed25519"], "");
    let gone = ssh_keygen(&keys, "gone", &["-t", "ed25519"], "");
    s.write(
        "ledger/allowed_signers",
        &format!(
            "ana@example.com {ana}\nold@example.com valid-before=\"20200101\" {old}\n\
             gone@example.com {gone}\n"
        ),
    );
    s.write("keys/revoked", &format!("{gone}\n"));
    // #1 unsigned (before signing was set up), #2 ana, #3 bob (unknown),
    // #4 old (expired), #5 gone (revoked).
    let config = s.read("ledger/ledger.toml");
    s.write(
        "ledger/ledger.toml",
        &config.replace("key = \"keys/ana\"\n", ""),
    );
    record(&s, "v1").ok();
    s.write("ledger/ledger.toml", &config);
    record(&s, "v2").ok();
    for (version, key) in [("v3", "bob"), ("v4", "old"), ("v5", "gone")] {
        let path = keys.join(key).display().to_string();
        record(&s, version).env("LEDGER_SIGNING_KEY", &path).ok();
    }
    let done = s.ledger(&["verify", "--no-git", "--format", "json"]).run();
    assert_eq!(
        done.code, 0,
        "not required: reported, not failed\n{}",
        done.stdout
    );
    let json: Value = serde_json::from_str(&done.stdout).unwrap();
    let counts = &json["signatures"]["counts"];
    assert_eq!(
        (counts["signed"].clone(), counts["unsigned"].clone()),
        (1.into(), 1.into()),
        "{json}"
    );
    assert_eq!(counts["unknown-key"], 1);
    assert_eq!(counts["outside-validity"], 1);
    assert_eq!(counts["revoked"], 1);
    let text = s.ledger(&["verify", "--no-git"]).ok();
    assert!(text.contains("SIGN entry #3"), "{text}");
    assert!(text.contains("unknown key"), "{text}");

    // Required from #2: #3, #4 and #5 fail; #1 is before.
    let required = config.replace("[signing]\n", "[signing]\nrequired = 2\n");
    s.write("ledger/ledger.toml", &required);
    let failed = s.ledger(&["verify", "--no-git"]).code(1);
    let fails: Vec<&str> = (failed.stdout.lines())
        .filter(|l| l.starts_with("FAIL"))
        .collect();
    assert_eq!(fails.len(), 3, "{}", failed.stdout);
    assert!(
        fails[0].contains("#3") && fails[2].contains("#5"),
        "{fails:?}"
    );
    // Required of every entry: #1 fails too.
    s.write(
        "ledger/ledger.toml",
        &config.replace("[signing]\n", "[signing]\nrequired = true\n"),
    );
    let failed = s.ledger(&["verify", "--no-git"]).code(1);
    assert!(failed.stdout.contains("FAIL entry #1"), "{}", failed.stdout);

    // Required and no key: record refuses, the journal untouched.
    s.write(
        "ledger/ledger.toml",
        &required.replace("key = \"keys/ana\"\n", ""),
    );
    let before = s.journal();
    let refused = record(&s, "v6").code(2);
    assert!(
        refused
            .stderr
            .contains("requires every entry from #2 on to be signed"),
        "{}",
        refused.stderr
    );
    assert_eq!(s.journal(), before);
}

#[test]
fn ssh_keygen_signatures_are_read_and_a_changed_signature_fails() {
    let s = signed_ledger("");
    let ana = ssh_keygen(&s.path().join("keys"), "ana", &["-t", "ed25519"], "");
    s.write(
        "ledger/allowed_signers",
        &format!("ana@example.com {ana}\n"),
    );
    let config = s.read("ledger/ledger.toml");
    s.write(
        "ledger/ledger.toml",
        &config.replace("key = \"keys/ana\"\n", ""),
    );
    record(&s, "v1").ok(); // unsigned
    // ssh-keygen signs the entry's payload; its signature goes in the
    // entry (outside the hash, so the chain holds).
    let payload = s.ledger(&["show", "#1", "--format", "signed-payload"]).ok();
    std::fs::write(s.path().join("payload"), &payload).unwrap();
    let signed = Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", "ledger-entry", "-f"])
        .arg(s.path().join("keys/ana"))
        .arg(s.path().join("payload"))
        .status()
        .unwrap();
    assert!(signed.success());
    let pem = std::fs::read_to_string(s.path().join("payload.sig")).unwrap();
    let stored = ledger::signing::from_pem(&pem).unwrap();
    let journal = s.journal();
    let hash_line = format!("hash = \"{payload}\"\n");
    s.write(
        "ledger/journal.toml",
        &journal.replace(
            &hash_line,
            &format!("{hash_line}signature = \"{stored}\"\n"),
        ),
    );
    let done = s.ledger(&["verify", "--no-git"]).run();
    assert_eq!(done.code, 0, "{}{}", done.stdout, done.stderr);
    assert!(
        done.stderr.contains("1 signed (ana@example.com: 1)"),
        "{}",
        done.stderr
    );

    // Another entry's signature put on this one does not hold.
    s.write("ledger/ledger.toml", &config);
    record(&s, "v2").ok();
    let journal = s.journal();
    let signatures: Vec<&str> = (journal.lines())
        .filter(|l| l.starts_with("signature = "))
        .collect();
    assert_eq!(signatures.len(), 2);
    let swapped = journal.replacen(signatures[0], signatures[1], 1);
    s.write("ledger/journal.toml", &swapped);
    let failed = s.ledger(&["verify", "--no-git"]).code(1);
    assert!(
        failed.stdout.contains("FAIL entry #1") && failed.stdout.contains("does not hold"),
        "{}",
        failed.stdout
    );
}

#[test]
fn an_encrypted_key_is_refused_without_a_prompt_and_an_agent_signs_instead() {
    let s = signed_ledger("");
    let ana = ssh_keygen(
        &s.path().join("keys"),
        "ana",
        &["-t", "ed25519"],
        "secret words",
    );
    s.write(
        "ledger/allowed_signers",
        &format!("ana@example.com {ana}\n"),
    );
    let before = s.journal();
    let refused = record(&s, "v1").code(2);
    assert!(
        refused.stderr.contains("encrypted with a passphrase")
            && refused.stderr.contains("ssh-add"),
        "{}",
        refused.stderr
    );
    assert_eq!(s.journal(), before);

    // The key held by an agent, named by its public key.
    let socket = s.path().join("agent.sock");
    let agent = Command::new("ssh-agent")
        .args(["-D", "-a"])
        .arg(&socket)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _agent = KillOnDrop(agent);
    let started = std::time::Instant::now();
    while !socket.exists() && started.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let added = Command::new("ssh-add")
        .arg(s.path().join("keys/ana"))
        .env("SSH_AUTH_SOCK", &socket)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env("SSH_ASKPASS", askpass(s.path(), "secret words"))
        .env("DISPLAY", "none")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let config = s.read("ledger/ledger.toml");
    s.write(
        "ledger/ledger.toml",
        &config.replace("keys/ana", "keys/ana.pub"),
    );
    let done = s
        .ledger(&[
            "record",
            "--no-aws",
            "--env",
            "production",
            "--version",
            "v1",
        ])
        .env("SSH_AUTH_SOCK", socket.to_str().unwrap())
        .run();
    assert_eq!(done.code, 0, "{}", done.stderr);
    ssh_keygen_verifies(&s, "#1", "ana@example.com");
}

/// A script that prints `passphrase` (for ssh-add's SSH_ASKPASS).
fn askpass(dir: &Path, passphrase: &str) -> std::path::PathBuf {
    let path = dir.join("askpass.sh");
    std::fs::write(&path, format!("#!/bin/sh\necho '{passphrase}'\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
    path
}

/// Ends the agent with the test.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_history_rewritten_after_a_checkpoint_is_caught_by_it() {
    let s = signed_ledger("");
    let ana = ssh_keygen(&s.path().join("keys"), "ana", &["-t", "ed25519"], "");
    s.write(
        "ledger/allowed_signers",
        &format!("ana@example.com {ana}\n"),
    );
    s.write(".gitignore", "keys/\n");
    record(&s, "v1").ok();
    s.commit_all("ledger: v1");
    record(&s, "v2").ok();
    s.commit_all("ledger: v2");
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("checkpoint.txt");
    let file = file.to_str().unwrap();
    s.ledger(&["checkpoint", "-o", file]).ok();
    let note = std::fs::read_to_string(file).unwrap();
    assert!(note.starts_with("ledger:"), "{note}");
    assert_eq!(note.lines().nth(1), Some("2"));
    let done = s.ledger(&["verify", "--checkpoint", file]).run();
    assert_eq!(done.code, 0, "{}{}", done.stdout, done.stderr);
    assert!(
        done.stderr.contains("signed by ana@example.com"),
        "{}",
        done.stderr
    );

    // The last commit rewritten: #2 recorded again differently, the old
    // commits expired and collected. The history check sees only the new
    // history, which holds; the checkpoint does not.
    s.git(&["reset", "--hard", "HEAD~1"]);
    record(&s, "v2-other").ok();
    s.commit_all("ledger: v2");
    s.git(&["reflog", "expire", "--expire=now", "--all"]);
    s.git(&["gc", "--prune=now", "--quiet"]);
    s.ledger(&["verify"]).ok();
    let failed = s.ledger(&["verify", "--checkpoint", file]).code(1);
    assert!(
        failed.stdout.contains("entry #2 is not the one checkpoint")
            && failed.stdout.contains("rewritten after the checkpoint"),
        "{}",
        failed.stdout
    );

    // A checkpoint whose count was edited no longer holds its signature.
    std::fs::write(file, note.replacen("\n2\n", "\n1\n", 1)).unwrap();
    let failed = s.ledger(&["verify", "--checkpoint", file]).code(1);
    assert!(failed.stdout.contains("does not hold"), "{}", failed.stdout);
}

#[test]
fn an_entry_changed_after_it_was_signed_is_not_shown_as_signed() {
    let s = signed_ledger("");
    let ana = ssh_keygen(&s.path().join("keys"), "ana", &["-t", "ed25519"], "");
    s.write(
        "ledger/allowed_signers",
        &format!("ana@example.com {ana} ana's \"work\" key\n"),
    );
    record(&s, "v1").ok();
    let journal = s.journal();
    s.write(
        "ledger/journal.toml",
        &journal.replace("version = \"v1\"", "version = \"v9\""),
    );
    let json: Value = serde_json::from_str(&s.ledger(&["log", "--format", "json"]).ok()).unwrap();
    assert_eq!(json["entries"][0]["signer"]["status"], "invalid", "{json}");
    assert!(json["entries"][0]["signer"]["principal"].is_null());
    let shown = s.ledger(&["show", "#1"]).ok();
    assert!(shown.contains("changed after it was written"), "{shown}");
    s.ledger(&["verify", "--no-git"]).code(1);
}
