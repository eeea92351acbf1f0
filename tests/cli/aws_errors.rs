//! AWS failures: a message that says what to do, the journal unchanged,
//! and exit 2 for what the user must fix (a missing bucket, credentials),
//! 3 for what may pass on retry (an unreachable endpoint).

use crate::harness::{Done, Sandbox};
use crate::moto::{Moto, site};

fn sandbox(bucket: &str) -> Sandbox {
    let s = Sandbox::new();
    s.ledger(&["init"]).ok();
    s.write(
        "ledger/ledger.toml",
        &format!(
            "[environments.production]\nbucket = \"{bucket}\"\nregion = \"us-east-1\"\nprofile = \"prod-admin\"\n\
             distribution = \"EDOESNOTEXIST\"\n"
        ),
    );
    s.commit("a.txt", "feat: one");
    s
}

fn unchanged(s: &Sandbox, before: &str, done: &Done) {
    unchanged_with(s, before, done, 2);
}

fn unchanged_with(s: &Sandbox, before: &str, done: &Done, code: i32) {
    assert_eq!(
        done.code, code,
        "stdout:\n{}\nstderr:\n{}",
        done.stdout, done.stderr
    );
    assert_eq!(s.journal(), before, "the journal must not change");
}

#[test]
fn a_missing_bucket_is_named() {
    let moto = Moto::start();
    let s = sandbox("no-such-bucket");
    let before = s.journal();
    let done = moto
        .env(s.ledger(&["record", "--env", "production", "--version", "v1"]))
        .run();
    unchanged(&s, &before, &done);
    assert!(
        done.stderr
            .contains("bucket `no-such-bucket` does not exist"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("ledger.toml"), "{}", done.stderr);
}

#[test]
fn a_missing_distribution_is_named() {
    let moto = Moto::start();
    moto.bucket("site-d", true);
    moto.put_all("site-d", &site(3, "v1"));
    let s = sandbox("site-d");
    let before = s.journal();
    let done = moto
        .env(s.ledger(&[
            "record",
            "--env",
            "production",
            "--version",
            "v1",
            "--invalidate",
            "/*",
        ]))
        .run();
    unchanged(&s, &before, &done);
    assert!(done.stderr.contains("EDOESNOTEXIST"), "{}", done.stderr);
    let done = moto.env(s.ledger(&["snapshot"])).run();
    unchanged(&s, &before, &done);
    assert!(
        done.stderr
            .contains("distribution EDOESNOTEXIST does not exist"),
        "{}",
        done.stderr
    );
}

#[test]
fn an_unreachable_endpoint_says_so() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = sandbox("site-x");
    let before = s.journal();
    let done = s
        .ledger(&[
            "record",
            "--env",
            "production",
            "--version",
            "v1",
            "--max-attempts",
            "2",
        ])
        .env("AWS_ENDPOINT_URL", &format!("http://127.0.0.1:{port}"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .run();
    unchanged_with(&s, &before, &done, 3);
    assert!(
        done.stderr.contains("cannot reach AWS for s3:"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("AWS_ENDPOINT_URL"), "{}", done.stderr);
}

#[test]
fn missing_credentials_name_the_profile() {
    let moto = Moto::start();
    moto.bucket("site-n", true);
    let s = sandbox("site-n");
    let before = s.journal();
    let done = s
        .ledger(&[
            "record",
            "--env",
            "production",
            "--version",
            "v1",
            "--max-attempts",
            "1",
        ])
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .run();
    unchanged(&s, &before, &done);
    assert!(
        done.stderr
            .contains("no AWS credentials found for profile `prod-admin`"),
        "{}",
        done.stderr
    );
    // --profile wins and is the one named.
    let done = s
        .ledger(&[
            "record",
            "--env",
            "production",
            "--version",
            "v1",
            "--profile",
            "ops",
            "--max-attempts",
            "1",
        ])
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .run();
    unchanged(&s, &before, &done);
    assert!(done.stderr.contains("profile `ops`"), "{}", done.stderr);
}

#[test]
fn rejected_credentials_and_denied_calls_say_what_to_do() {
    // moto checks credentials against its IAM once the first N calls are spent.
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "4")]);
    moto.bucket("site-auth", true); // 2 calls
    let (key_id, secret) = moto.iam_user("no-rights", None);
    let s = sandbox("site-auth");
    let before = s.journal();
    let run = |id: &str, secret: &str| {
        s.ledger(&[
            "record",
            "--env",
            "production",
            "--version",
            "v1",
            "--max-attempts",
            "1",
        ])
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", id)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .run()
    };
    let done = run("AKIAEXPIREDEXAMPLE00", "nope");
    unchanged(&s, &before, &done);
    // The variables come before the environment's profile in the SDK's
    // chain: they are named, not the profile.
    assert!(
        done.stderr.contains(
            "the credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (key AKIA…LE00) were rejected"
        ) && done.stderr.contains("AWS knows no such access key ID"),
        "{}",
        done.stderr
    );
    // A known key with a wrong secret is named as such, not as an expired session.
    let done = run(&key_id, "not-the-secret");
    unchanged(&s, &before, &done);
    assert!(
        done.stderr
            .contains("the secret access key does not match the access key ID")
            && !done.stderr.contains("aws sso login"),
        "{}",
        done.stderr
    );
    let done = run(&key_id, &secret);
    unchanged(&s, &before, &done);
    assert!(
        done.stderr.contains("access denied: s3:"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("site-auth"), "{}", done.stderr);
}
