//! `ledger verify`: the hash chain of the stored files, the journal's git
//! history, and on request the drift between the ledger and AWS
//! ([`aws`]) and the S3 store's own check.

pub mod aws;

use super::session::AwsSettings;
use super::{Result, Workspace};
use crate::config::Config;
use crate::journal::Journal;
use crate::signing::AllowedSigners;
use crate::store::s3::StoreReport;
use crate::ui::Ui;
use crate::verify::{Report, Rules, check_history, check_stored};

/// What `verify` is asked.
#[derive(Debug, Clone, Default)]
pub struct VerifySettings {
    /// Skip the git-history check.
    pub no_git: bool,
    /// Compare these environments with AWS, with these settings.
    pub aws: Option<(Vec<String>, AwsSettings)>,
    /// Check the S3 store.
    pub store: bool,
    /// Checkpoint files the journal must extend.
    pub checkpoints: Vec<std::path::PathBuf>,
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verified {
    /// The chain's and the history's findings.
    pub report: Report,
    /// The drift from AWS, when asked.
    pub drift: Option<aws::Drift>,
    /// The store's check, when asked: its URL and report.
    pub store: Option<(String, StoreReport)>,
    /// Each checkpoint checked (a file, or with `--store` one the store
    /// keeps), and what its signature said.
    pub checkpoints: Vec<(String, crate::signing::Verdict)>,
}

impl Verified {
    /// Whether everything held.
    pub fn holds(&self) -> bool {
        self.report.findings.is_empty()
            && self.drift.as_ref().is_none_or(|d| d.findings.is_empty())
            && self
                .store
                .as_ref()
                .is_none_or(|(_, s)| s.findings.is_empty())
    }
}

/// Checks the ledger of `workspace` as `settings` asks.
pub fn verify(
    workspace: &Workspace,
    config: &Config,
    settings: &VerifySettings,
    ui: &Ui,
) -> Result<Verified> {
    // The tamper check reads git objects checked against their ids:
    // libgit2's default, which nothing in this program turns off.
    // The chain is checked one stored file at a time; the whole journal is
    // loaded only for the comparisons with AWS and the store.
    let repo = (!settings.no_git).then(|| workspace.repo());
    let rules = signature_rules(workspace, config)?;
    let mut report = check_chain_and_history(workspace, repo, rules.as_ref())?;
    let journal = if settings.aws.is_some() || settings.store {
        Some(workspace.journal(ui)?)
    } else {
        None
    };
    let drift = match (&journal, &settings.aws) {
        (Some(journal), Some((names, aws))) => {
            Some(aws::compare(config, journal, (names, aws), ui)?)
        }
        _ => None,
    };
    let (store, mut notes) = match &journal {
        Some(journal) if settings.store => {
            let (url, store_report, notes) = verify_store(workspace, config, journal, ui)?;
            (Some((url, store_report)), notes)
        }
        _ => (None, Vec::new()),
    };
    for path in &settings.checkpoints {
        notes.push((path.display().to_string(), super::checkpoint::read(path)?));
    }
    let allowed = rules.map(|r| r.allowed).unwrap_or_default();
    let checkpoints = check_checkpoints(workspace, config, (&notes, &allowed), &mut report, ui)?;
    Ok(Verified {
        report,
        drift,
        store,
        checkpoints,
    })
}

/// A checkpoint to check: where it is (a file, an `s3://` address) and its note.
type Note = (String, String);

/// `--store`: the store's entries, versions and Object Lock, and the
/// checkpoints it keeps (to be checked with the `--checkpoint` files).
fn verify_store(
    workspace: &Workspace,
    config: &Config,
    journal: &Journal,
    ui: &Ui,
) -> Result<(String, StoreReport, Vec<Note>)> {
    let Some(store_config) = &config.store else {
        crate::refuse!("--store: ledger.toml declares no [store] to check");
    };
    let store = super::session::s3_store(workspace, store_config, ui)?;
    let report = store.verify(journal)?;
    Ok((store.url.clone(), report, store.checkpoints()?))
}

/// Checks each checkpoint against the journal and `allowed`, its findings
/// added to `report`; what each one's signature said.
fn check_checkpoints(
    workspace: &Workspace,
    config: &Config,
    (notes, allowed): (&[Note], &AllowedSigners),
    report: &mut Report,
    ui: &Ui,
) -> Result<Vec<(String, crate::signing::Verdict)>> {
    if notes.is_empty() {
        return Ok(Vec::new());
    }
    let index = workspace.index(ui)?;
    let origin = super::checkpoint::origin(config);
    let mut checked = Vec::new();
    for (shown, text) in notes {
        let of = (&index, origin.as_str());
        let (verdict, findings) = super::checkpoint::check((shown, text), of, allowed)?;
        report.findings.extend(findings);
        checked.push((shown.clone(), verdict));
    }
    Ok(checked)
}

/// The chain check of the stored files and, when there is a repository,
/// the git-history check, side by side: the history check reads git
/// objects on one core while the chain check parses the journal's files on
/// the others. Findings come in that order: the chain's, then the history's.
fn check_chain_and_history(
    workspace: &Workspace,
    repo: Option<Result<crate::git::GitRepo>>,
    rules: Option<&Rules>,
) -> Result<Report> {
    let path = Journal::path_in(&workspace.ledger_dir);
    let history = |repo: crate::git::GitRepo| -> Result<Report> {
        let mut report = Report::default();
        check_history(&repo, &path, &mut report)?;
        Ok(report)
    };
    let (repo, skipped) = match repo {
        Some(Ok(repo)) => (Some(repo), None),
        Some(Err(e)) => (None, Some(error_chain(&e))),
        None => (None, None),
    };
    // The history check runs beside the check of the files on disk (or
    // after it, when no thread can start).
    let stored = || check_stored(&workspace.ledger_dir, rules);
    let (history, stored) = crate::parallel::both(|| repo.map(history), stored);
    let stored = stored?;
    let mut report = Report {
        entries_checked: stored.checked,
        findings: stored.findings,
        caches_set_aside: stored.caches,
        signatures: stored.signatures,
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

/// Who may sign, when the ledger has signing set up (a `[signing]`
/// table, or an allowed-signers file in the ledger folder); `None` leaves
/// signatures unchecked.
pub fn signature_rules(workspace: &Workspace, config: &Config) -> Result<Option<Rules>> {
    let signing = config.signing.clone().unwrap_or_default();
    let top = workspace.top();
    let allowed = signing.allowed_signers_path(&top, &workspace.ledger_dir);
    if config.signing.is_none() && !allowed.exists() {
        return Ok(None);
    }
    if signing.allowed_signers.is_some() && !allowed.exists() {
        crate::refuse!(
            "[signing] allowed_signers names {}, which does not exist: create it (one line per \
             signer: `PRINCIPAL KEYTYPE KEY`) or fix the path",
            allowed.display()
        );
    }
    let revoked = signing.revoked_path(&top);
    Ok(Some(Rules {
        allowed: AllowedSigners::load(&allowed, revoked.as_deref())?,
        required_from: signing.required_from(),
    }))
}

/// An error and its causes in one line, `: `-separated.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
