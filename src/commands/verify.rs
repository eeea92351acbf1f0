//! `ledger verify`: the hash chain, the journal's git history, and with
//! --aws the drift between the ledger and each bucket.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, Workspace};
use crate::aws::s3;
use crate::cli::VerifyArgs;
use crate::model::{self, audit};
use crate::verify::{Report, check_chain, check_history};

pub fn run(workspace: &Workspace, args: &VerifyArgs, out: &mut dyn Write) -> Result<Outcome> {
    // A ledger whose configuration does not load is not in order either.
    let config = workspace.config()?;
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
        crate::note!("note: git history not checked: {reason}");
    }
    let history = if report.history_checked {
        format!(
            ", {} committed version(s) of the journal",
            report.versions_checked
        )
    } else {
        String::new()
    };
    let mut drift_count = 0;
    let mut environments_checked = 0;
    if args.aws {
        let names: Vec<String> = match &args.env {
            Some(env) => {
                config.environment(env, &workspace.config_path())?;
                vec![env.clone()]
            }
            None => config.environments.keys().cloned().collect(),
        };
        let runtime = super::runtime()?;
        let entries = model::in_force(&journal.entries);
        for name in names {
            let env = config.environment(&name, &workspace.config_path())?;
            let Some(observed) = model::last_observed(&entries, &name) else {
                let why = if model::last_deploy(&entries, &name).is_some() {
                    "its deploys were recorded with --no-aws, so the ledger knows none of its objects"
                } else {
                    "it has no deploys recorded"
                };
                crate::note!("note: {name}: {why}; its bucket was not compared");
                continue;
            };
            if let Some(last) = model::last_deploy(&entries, &name)
                && last.seq != observed.seq
            {
                crate::note!(
                    "note: {name}: compared with the objects #{} read; #{} was recorded with --no-aws",
                    observed.seq,
                    last.seq
                );
            }
            let listing = runtime.block_on(async {
                let clients = super::clients(env, &args.aws_options).await;
                s3::list_versions(&clients, &env.bucket, env.prefix(), None, &|_| {}).await
            })?;
            environments_checked += 1;
            for drift in audit::env_drift(&entries, &name, &listing.latest, &listing.versions) {
                drift_count += 1;
                writeln!(out, "DRIFT {name} {}", drift.message)?;
            }
        }
    }
    let store_findings = if args.store {
        verify_store(&config, &journal, out)?
    } else {
        0
    };
    let aws = if args.aws {
        format!(", {environments_checked} environment(s) compared with S3")
    } else {
        String::new()
    };
    if report.findings.is_empty() && drift_count == 0 && store_findings == 0 {
        crate::note!(
            "ok: {} entries checked{history}{aws}; the chain holds{}",
            report.entries_checked,
            if args.aws {
                " and S3 matches the ledger"
            } else {
                ""
            }
        );
        Ok(Outcome::Success)
    } else {
        crate::failure!(
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
) -> Result<usize> {
    let store_config = config
        .store
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("--store: ledger.toml declares no [store] to check"))?;
    let store = crate::store::s3::S3Store::connect(store_config)?;
    let report = store.verify(journal)?;
    for finding in &report.findings {
        writeln!(out, "STORE {finding}")?;
    }
    crate::note!(
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
