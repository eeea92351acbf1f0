//! `ledger verify` (`ops::verify`): `FAIL`, `DRIFT` and `STORE` lines on
//! stdout, the summary on stderr; exit 1 when anything does not hold.

use std::io::Write;

use anyhow::Result;

use super::{Outcome, aws_settings, write_json};
use crate::cli::{OutputFormat, VerifyArgs};
use crate::ops::Workspace;
use crate::ops::verify::{self, Verified, VerifySettings};
use crate::store::s3::StoreReport;
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &VerifyArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    // A ledger whose configuration does not load is not in order either.
    let config = workspace.config()?;
    let aws = if args.aws {
        let names: Vec<String> = match &args.env {
            Some(env) => {
                config.environment(env, &workspace.config_path())?;
                vec![env.clone()]
            }
            None => config.environments.keys().cloned().collect(),
        };
        Some((names, aws_settings(&args.aws_options)))
    } else {
        None
    };
    let settings = VerifySettings {
        no_git: args.no_git,
        aws,
        store: args.store,
        checkpoints: args.checkpoint.clone(),
    };
    let verified = verify::verify(workspace, &config, &settings, ui)?;
    match args.format {
        OutputFormat::Json => write_json(out, &VerifyJson::of(&verified))?,
        OutputFormat::Text => {
            write_findings(out, &verified, ui)?;
            summarise(&verified, ui);
        }
    }
    Ok(if verified.holds() {
        Outcome::Success
    } else {
        Outcome::CheckFailed
    })
}

/// The JSON shape of `verify` (docs/json.md).
#[derive(serde::Serialize)]
struct VerifyJson<'a> {
    /// Whether everything held (the exit code is 1 when not).
    ok: bool,
    entries_checked: usize,
    history: HistoryJson<'a>,
    /// The chain's and the history's findings.
    findings: Vec<FindingJson<'a>>,
    /// Journal files whose read cache disagreed with them (set aside).
    caches_set_aside: Vec<String>,
    /// With --aws.
    aws: Option<AwsJson<'a>>,
    /// With --store.
    store: Option<StoreJson<'a>>,
    /// When the ledger has signing set up.
    signatures: Option<SignaturesJson<'a>>,
    /// With --checkpoint: each file and what its signature said.
    checkpoints: Vec<CheckpointJson<'a>>,
}

#[derive(serde::Serialize)]
struct CheckpointJson<'a> {
    file: String,
    signature: &'static str,
    signer: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct SignaturesJson<'a> {
    /// Entries by verdict: `signed`, `unsigned`, `unknown-key`,
    /// `outside-validity`, `revoked`, `invalid`.
    counts: &'a std::collections::BTreeMap<&'static str, usize>,
    /// Signed entries by principal.
    by: &'a std::collections::BTreeMap<String, usize>,
    /// Signatures that do not count, where signing is not required.
    notes: &'a [String],
}

#[derive(serde::Serialize)]
struct HistoryJson<'a> {
    checked: bool,
    versions_checked: usize,
    skipped: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct FindingJson<'a> {
    seq: Option<u64>,
    message: &'a str,
}

#[derive(serde::Serialize)]
struct AwsJson<'a> {
    compared: usize,
    drift: Vec<DriftJson<'a>>,
}

#[derive(serde::Serialize)]
struct DriftJson<'a> {
    env: &'a str,
    message: &'a str,
}

#[derive(serde::Serialize)]
struct StoreJson<'a> {
    url: &'a str,
    entries: usize,
    ahead: usize,
    object_lock: Option<&'a str>,
    findings: &'a [String],
}

impl<'a> VerifyJson<'a> {
    fn of(verified: &'a Verified) -> VerifyJson<'a> {
        let report = &verified.report;
        VerifyJson {
            ok: verified.holds(),
            entries_checked: report.entries_checked,
            history: HistoryJson {
                checked: report.history_checked,
                versions_checked: report.versions_checked,
                skipped: report.history_skipped.as_deref(),
            },
            findings: (report.findings.iter())
                .map(|f| FindingJson {
                    seq: f.seq,
                    message: &f.message,
                })
                .collect(),
            caches_set_aside: (report.caches_set_aside.iter())
                .map(|p| p.display().to_string())
                .collect(),
            aws: verified.drift.as_ref().map(|drift| AwsJson {
                compared: drift.compared,
                drift: (drift.findings.iter())
                    .map(|(env, message)| DriftJson { env, message })
                    .collect(),
            }),
            store: verified.store.as_ref().map(|(url, report)| StoreJson {
                url,
                entries: report.entries,
                ahead: report.ahead,
                object_lock: report.object_lock.as_deref(),
                findings: &report.findings,
            }),
            checkpoints: (verified.checkpoints.iter())
                .map(|(path, verdict)| CheckpointJson {
                    file: path.clone(),
                    signature: verdict.status(),
                    signer: verdict.signer(),
                })
                .collect(),
            signatures: report.signatures.as_ref().map(|s| SignaturesJson {
                counts: &s.counts,
                by: &s.by,
                notes: &s.notes,
            }),
        }
    }
}

/// One line per finding: `FAIL`, `DRIFT ENV`, `STORE`.
fn write_findings(out: &mut dyn Write, verified: &Verified, ui: &Ui) -> Result<()> {
    for finding in &verified.report.findings {
        writeln!(out, "FAIL {}", finding.message)?;
    }
    for file in &verified.report.caches_set_aside {
        crate::warning!(
            ui,
            "the read cache of {} disagreed with it (corrupted or edited): set aside; reads \
             rebuild it from the journal",
            file.display()
        );
    }
    if let Some(reason) = &verified.report.history_skipped {
        crate::note!(ui, "note: git history not checked: {reason}");
    }
    if let Some(signatures) = &verified.report.signatures {
        for line in &signatures.notes {
            writeln!(out, "SIGN {line}")?;
        }
        crate::note!(ui, "signatures: {}", signatures.summary());
    }
    for (path, verdict) in &verified.checkpoints {
        crate::note!(ui, "checkpoint {path}: {}", verdict.describe());
    }
    for (env, line) in verified.drift.iter().flat_map(|d| &d.findings) {
        writeln!(out, "DRIFT {env} {line}")?;
    }
    if let Some((url, report)) = &verified.store {
        for finding in &report.findings {
            writeln!(out, "STORE {finding}")?;
        }
        note_store(url, report, ui);
    }
    Ok(())
}

fn note_store(url: &str, report: &StoreReport, ui: &Ui) {
    crate::note!(
        ui,
        "store {url}: {} entries{}; {}",
        report.entries,
        if report.ahead > 0 {
            format!(", {} not yet mirrored here (`ledger sync`)", report.ahead)
        } else {
            String::new()
        },
        match &report.object_lock {
            Some(lock) if report.rewritten > 0 => format!(
                "Object Lock {lock} is set, yet {} entry object(s) were overwritten or deleted (below): \
                 GOVERNANCE retention yields to s3:BypassGovernanceRetention and applies only to \
                 objects written after it was set; COMPLIANCE yields to no one",
                report.rewritten
            ),
            Some(lock) => format!("Object Lock {lock}: entry objects are write-once"),
            None =>
                "no Object Lock: anyone allowed to write the bucket can overwrite or delete an \
                     entry (verify --store reports it); see docs/team.md"
                    .to_string(),
        }
    );
}

/// The last line: ok, or what failed.
fn summarise(verified: &Verified, ui: &Ui) {
    let report = &verified.report;
    let history = if report.history_checked {
        format!(
            ", {} committed version(s) of the journal",
            report.versions_checked
        )
    } else {
        String::new()
    };
    let aws = match &verified.drift {
        Some(drift) if drift.compared > 0 => {
            format!(", {} environment(s) compared with AWS", drift.compared)
        }
        Some(_) => String::new(),
        None => String::new(),
    };
    let drift_count = verified.drift.as_ref().map_or(0, |d| d.findings.len());
    let store_findings = verified.store.as_ref().map_or(0, |(_, s)| s.findings.len());
    if verified.holds() {
        crate::note!(
            ui,
            "ok: {} entries checked{history}{aws}; the chain holds{}",
            report.entries_checked,
            match &verified.drift {
                Some(drift) if drift.compared == 0 => {
                    "; nothing was compared with AWS: no environment has an entry that read AWS yet \
                     (a deploy or snapshot recorded without --no-aws)"
                }
                Some(_) => " and AWS matches the ledger",
                None => "",
            }
        );
        return;
    }
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
}
