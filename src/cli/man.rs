//! The sections a man page has beside what clap knows of the flags: EXIT
//! STATUS, ENVIRONMENT and EXAMPLES, in roff, for `ledger man [COMMAND]`.

/// The exit codes, one paragraph each.
const EXIT_CODES: [(&str, &str); 4] = [
    ("0", "Success."),
    (
        "1",
        "A check that failed: verify, render --check, check. Nothing was changed.",
    ),
    (
        "2",
        "Usage, input or configuration: a bad flag, a malformed ledger.toml or journal (the file \
         and line are named), an unknown commit or reference, a refusal. Fix the command or the \
         files, then run again; the journal is unchanged.",
    ),
    (
        "3",
        "An AWS, network or remote failure that may succeed on retry: a timeout, throttling, a \
         refused connection, a 5xx, a push or store write that lost a race to other writers. The \
         journal is unchanged.",
    ),
];

/// The variables `ledger` reads.
const ENVIRONMENT: [(&str, &str); 9] = [
    ("LEDGER_DIR", "The ledger folder, as --ledger gives it."),
    (
        "LEDGER_DEPLOYED_BY, GITHUB_ACTOR, GITLAB_USER_LOGIN",
        "Who deployed, in this order, when --by is not given; else git's user.name.",
    ),
    (
        "GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM, GIT_CONFIG_NOSYSTEM, GIT_CONFIG_COUNT",
        "Read as git reads them to find user.name.",
    ),
    (
        "AWS_PROFILE, AWS_REGION",
        "The profile and region when neither the flags nor the environment's entry in \
         ledger.toml name one.",
    ),
    (
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN",
        "Credentials; the AWS SDK takes them before any profile.",
    ),
    (
        "AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3",
        "Another endpoint (an emulator, an S3-compatible store).",
    ),
    ("NO_COLOR", "No colour on stderr, unless --color always."),
    (
        "CLICOLOR_FORCE",
        "Colour on stderr even when it is not a terminal.",
    ),
    (
        "COMPLETE",
        "Set by the completion script: print candidates for the shell it names.",
    ),
];

/// Examples, by command (`""` for ledger(1)): what it does, the command line.
const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "",
        "Record the deploy of the checked-out commit to production, then write the documents:",
        "ledger record --env production && ledger render -o AWS_VERSIONS.md && ledger render changelog -o CHANGELOG.md",
    ),
    (
        "",
        "What was live in production at an instant:",
        "ledger live --env production --at '2026-03-14 09:30'",
    ),
    (
        "",
        "Check the journal, its git history and AWS:",
        "ledger verify --aws",
    ),
    (
        "record",
        "Record the deploy of HEAD (its tag names the version) and invalidate CloudFront:",
        "ledger record --env production --invalidate '/*' --wait",
    ),
    (
        "record",
        "Name the version, and say who deployed:",
        "ledger record --env staging --version v2.1.1-rc1 --by 'Dana Ops'",
    ),
    (
        "record",
        "Show what would be recorded, without recording it:",
        "ledger record --env production --dry-run",
    ),
    (
        "rollback",
        "See the plan and the equivalent aws commands:",
        "ledger rollback --env production --to v2.1.0 --dry-run",
    ),
    (
        "rollback",
        "Restore the objects and pins of entry #41, without asking:",
        "ledger rollback --env production --to '#41' --yes",
    ),
    (
        "reconcile",
        "After a rollback that gave up half-way, record what S3 serves now, then finish it:",
        "ledger reconcile --env production --reason 'rollback #42 timed out'",
    ),
    (
        "live",
        "The object versions live in production at an instant:",
        "ledger live --env production --at 2026-03-14T09:30:00Z",
    ),
    (
        "live",
        "One key, as JSON:",
        "ledger live --env production --at now --key index.html --format json",
    ),
    (
        "history",
        "Every version of a key and when it was live:",
        "ledger history index.html --env production",
    ),
    (
        "history",
        "The Lambda versions an alias served:",
        "ledger history --function Master_Function --env production",
    ),
    ("log", "The last ten entries:", "ledger log -n 10"),
    (
        "log",
        "Production's deploys and rollbacks of the last 90 days by one person:",
        "ledger log --env production --kind deploy,rollback --since 90d --by dana",
    ),
    (
        "show",
        "An entry by version, commit prefix or sequence number:",
        "ledger show v2.1.1 --env production",
    ),
    (
        "diff",
        "Objects, pins and commits between two releases:",
        "ledger diff v2.0.0 v2.1.0 --env production",
    ),
    (
        "verify",
        "In CI: the chain, its git history and drift from AWS, as JSON:",
        "ledger verify --aws --format json",
    ),
    (
        "render",
        "Fail a pipeline when the committed document is stale:",
        "ledger render --check AWS_VERSIONS.md",
    ),
    (
        "render",
        "The audit page:",
        "ledger render --format html -o audit.html",
    ),
    (
        "import",
        "Adopt a hand-kept version document and changelog:",
        "ledger import AWS_VERSIONS.md --changelog CHANGELOG.md",
    ),
    (
        "snapshot",
        "Propose declarations for what the account holds:",
        "ledger snapshot --discover --env production",
    ),
    (
        "void",
        "Mark an entry recorded in error (it stays in the journal):",
        "ledger void '#12' --reason 'recorded against the wrong environment'",
    ),
    (
        "lock",
        "Stop records and rollbacks of production during an incident:",
        "ledger lock --env production --reason 'incident 4711'",
    ),
    (
        "sync",
        "Share the journal with the team's remote:",
        "ledger sync",
    ),
    (
        "completions",
        "Completion for bash:",
        "source <(ledger completions bash)",
    ),
];

/// The examples of `command`.
fn examples(command: &str) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    (EXAMPLES.iter())
        .filter(move |(name, ..)| *name == command)
        .map(|(_, what, line)| (*what, *line))
}

/// The EXIT STATUS, ENVIRONMENT and EXAMPLES sections of the page of
/// `command` (its name after `ledger`, `""` for ledger(1)), in roff.
pub fn sections(command: &str) -> String {
    let mut page = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_CODES {
        page.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", escape(meaning)));
    }
    page.push_str(".SH ENVIRONMENT\n");
    for (names, meaning) in ENVIRONMENT {
        page.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            escape(names),
            escape(meaning)
        ));
    }
    let mut examples = examples(command).peekable();
    if examples.peek().is_some() {
        page.push_str(".SH EXAMPLES\n");
        for (what, line) in examples {
            page.push_str(&format!(
                ".PP\n{}\n.PP\n.RS 4\n.nf\n{}\n.fi\n.RE\n",
                escape(what),
                escape(line)
            ));
        }
    }
    page
}

/// Text as roff prints it: backslashes and dashes escaped, and a line that
/// would start with a control character made plain.
fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits a command line as a shell would, for the simple quoting the
    /// examples use (single quotes, no escapes).
    fn words(line: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '\'' => quoted = !quoted,
                ' ' if !quoted => {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                }
                c => word.push(c),
            }
        }
        words.push(word);
        words
    }

    #[test]
    fn every_example_is_a_command_line_ledger_accepts() {
        let mut commands: Vec<String> = crate::cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        commands.push(String::new());
        let mut tried = 0;
        for command in &commands {
            for (_, line) in examples(command) {
                for part in line.split(" && ") {
                    if !part.starts_with("ledger ") {
                        continue;
                    }
                    let parsed = crate::cli::parse_from(words(part));
                    assert!(parsed.is_ok(), "{part}: {}", parsed.err().unwrap());
                    tried += 1;
                }
            }
        }
        assert!(tried >= 20, "{tried} examples tried");
    }

    #[test]
    fn roff_control_characters_are_escaped() {
        assert_eq!(escape(".hidden -x \\"), "\\&.hidden \\-x \\e");
        let page = sections("record");
        for heading in [".SH \"EXIT STATUS\"", ".SH ENVIRONMENT", ".SH EXAMPLES"] {
            assert!(page.contains(heading), "{heading}");
        }
        assert!(!sections("resolve").contains("EXAMPLES"));
    }
}
