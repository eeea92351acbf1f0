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
