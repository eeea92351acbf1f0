//! `ledger verify`: the hash chain, the journal's git history, and with
//! --aws the drift between the ledger and AWS (`verify_aws`).

use std::io::Write;

use anyhow::Result;

use super::{Outcome, Workspace};
use crate::cli::VerifyArgs;
use crate::journal::Journal;
use crate::verify::{Report, check_history, check_stored};

pub fn run(
    workspace: &Workspace,
    args: &VerifyArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    // The tamper check reads git objects checked against their ids, even
    // after a command in this process turned that off (it is process-wide).
    crate::git::check_object_hashes();
    // A ledger whose configuration does not load is not in order either.
    let config = workspace.config()?;
    // The chain is checked one stored file at a time; the whole journal is
    // loaded only for the comparisons with AWS and the store.
    let repo = if args.no_git {
        None
    } else {
        Some(workspace.repo())
    };
    let report = check_chain_and_history(workspace, repo)?;
    let journal = if args.aws || args.store {
        Some(workspace.journal(ui)?)
    } else {
        None
    };
    for finding in &report.findings {
        writeln!(out, "FAIL {}", finding.message)?;
    }
    if let Some(reason) = &report.history_skipped {
        crate::note!(ui, "note: git history not checked: {reason}");
    }
    let history = if report.history_checked {
        format!(
            ", {} committed version(s) of the journal",
            report.versions_checked
        )
    } else {
        String::new()
    };
    let (environments_checked, drift_count) = match &journal {
        Some(journal) if args.aws => {
            super::verify_aws::compare(workspace, &config, journal, args, out, ui)?
        }
        _ => (0, 0),
    };
    let store_findings = match &journal {
        Some(journal) if args.store => verify_store(&config, journal, out, ui)?,
        _ => 0,
    };
    let aws = if args.aws {
        format!(", {environments_checked} environment(s) compared with AWS")
    } else {
        String::new()
    };
    if report.findings.is_empty() && drift_count == 0 && store_findings == 0 {
        crate::note!(
            ui,
            "ok: {} entries checked{history}{aws}; the chain holds{}",
            report.entries_checked,
            if args.aws {
                " and AWS matches the ledger"
            } else {
                ""
            }
        );
        Ok(Outcome::Success)
    } else {
        crate::failure!(
            ui,
            "verify failed: {} problem(s) in {} entries{history}{aws}{}{}",
            report.findings.len(),
            report.entries_checked,
            if drift_count > 0 {
                format!("; {drift_count} drift finding(s)")
            } else {
                String::new()
            },
            if store_findings > 0 {
                format!("; {store_findings} store finding(s)")
            } else {
                String::new()
            }
        );
        Ok(Outcome::CheckFailed)
    }
}

/// `--store`: the store's entries, versions and Object Lock; returns the
/// number of problems (each printed as a `STORE` line).
fn verify_store(
    config: &crate::config::Config,
    journal: &crate::journal::Journal,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<usize> {
    let store_config = config
        .store
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("--store: ledger.toml declares no [store] to check"))?;
    let store = crate::store::s3::S3Store::connect(store_config, ui)?;
    let report = store.verify(journal)?;
    for finding in &report.findings {
        writeln!(out, "STORE {finding}")?;
    }
    crate::note!(
        ui,
        "store {}: {} entries{}; {}",
        store.url,
        report.entries,
        if report.ahead > 0 {
            format!(", {} not yet mirrored here (`ledger sync`)", report.ahead)
        } else {
            String::new()
        },
        match &report.object_lock {
            Some(lock) => format!("Object Lock {lock}: entry objects are write-once"),
            None =>
                "no Object Lock: anyone allowed to write the bucket can overwrite or delete an \
                     entry (verify --store reports it); see docs/team.md"
                    .to_string(),
        }
    );
    Ok(report.findings.len())
}

/// The chain check of the stored files and, when there is a repository,
/// the git-history check, side by side: the history check reads git
/// objects on one core while the chain check parses the journal's files on
/// the others. Findings come in that order: the chain's, then the history's.
fn check_chain_and_history(
    workspace: &Workspace,
    repo: Option<Result<crate::git::GitRepo>>,
) -> Result<Report> {
    let path = Journal::path_in(&workspace.ledger_dir);
    let history = |repo: crate::git::GitRepo| -> Result<Report> {
        let mut report = Report::default();
        check_history(&repo, &path, &mut report)?;
        Ok(report)
    };
    let (repo, skipped) = match repo {
        Some(Ok(repo)) => (Some(repo), None),
        Some(Err(e)) => (None, Some(format!("{e:#}"))),
        None => (None, None),
    };
    // The history check runs beside the check of the files on disk (or
    // after it, when no thread can start).
    let (history, stored) =
        crate::parallel::both(|| repo.map(history), || check_stored(&workspace.ledger_dir));
    let (findings, entries_checked) = stored?;
    let mut report = Report {
        entries_checked,
        findings,
        history_skipped: skipped,
        ..Report::default()
    };
    if let Some(done) = history {
        let checked = done?;
        report.findings.extend(checked.findings);
        report.versions_checked = checked.versions_checked;
        report.history_checked = checked.history_checked;
        report.history_skipped = checked.history_skipped;
    }
    Ok(report)
}
