//! `ledger verify`: the hash chain and the journal's git history.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, Workspace};
use crate::cli::VerifyArgs;
use crate::verify::{Report, check_chain, check_history};

pub fn run(workspace: &Workspace, args: &VerifyArgs, out: &mut dyn Write) -> Result<Outcome> {
    let journal = workspace.journal()?;
    let mut report = Report {
        entries_checked: journal.entries.len(),
        findings: check_chain(&journal),
        ..Report::default()
    };
    if !args.no_git {
        match workspace.repo() {
            Ok(repo) => check_history(&repo, &journal, &mut report)?,
            Err(e) => report.history_skipped = Some(format!("{e:#}")),
        }
    }
    for finding in &report.findings {
        writeln!(out, "FAIL {}", finding.message)?;
    }
    if let Some(reason) = &report.history_skipped {
        eprintln!("note: git history not checked: {reason}");
    }
    let history = if report.history_checked {
        format!(
            ", {} committed version(s) of the journal",
            report.versions_checked
        )
    } else {
        String::new()
    };
    if report.findings.is_empty() {
        eprintln!(
            "ok: {} entries checked{history}; the chain holds",
            report.entries_checked
        );
        Ok(Outcome::Success)
    } else {
        eprintln!(
            "verify failed: {} problem(s) in {} entries{history}",
            report.findings.len(),
            report.entries_checked
        );
        Ok(Outcome::CheckFailed)
    }
}
