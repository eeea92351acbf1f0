//! `ledger render` and `ledger context`: a document built from the ledger
//! through a template (Markdown, or the audit page), or the template
//! context itself.

use std::path::{Path, PathBuf};

use super::workspace::shown;
use super::{Context as _, Result, Workspace};
use crate::config::Config;
use crate::refuse;
use crate::render;
use crate::ui::Ui;

/// What `render` is asked.
#[derive(Debug, Clone, Default)]
pub struct RenderSettings {
    /// The template's name (`aws-versions`, `changelog`, an override's);
    /// None: told from the file `target` names, else `aws-versions`.
    pub name: Option<String>,
    /// `--template FILE`.
    pub template: Option<PathBuf>,
    /// The file the document is for (`--check` or `-o`), when it exists.
    pub target: Option<PathBuf>,
    /// The audit page (HTML) instead of Markdown.
    pub html: bool,
}

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The template it was rendered through.
    pub name: String,
    /// The document.
    pub text: String,
}

/// Renders the ledger of `workspace` as `settings` asks. A template that
/// lists the deploys themselves (or the audit page) reads every entry
/// whole; the others read the entries' heads and the history's blocks
/// from their cache.
pub fn render(
    workspace: &Workspace,
    config: &Config,
    settings: &RenderSettings,
    ui: &Ui,
) -> Result<Rendered> {
    let index = workspace.index(ui)?;
    let repo = workspace.repo_if_any();
    let name = template_name(settings, ui)?;
    let origin = render::locate(&name, settings.template.as_deref(), &workspace.ledger_dir)?;
    let ledger_path = repo.as_ref().and_then(|r| workspace.ledger_path_in(r));
    let template = render::Template::load(origin)?;
    let needs = template.needs();
    let whole = if needs.deploys || needs.snapshots || settings.html {
        Some(index.all_entries()?)
    } else {
        None
    };
    let source: Box<dyn render::Source> = match &whole {
        Some(entries) => Box::new(render::Whole(entries)),
        None => Box::new(render::Indexed::open(&index, &workspace.ledger_dir)?),
    };
    let context = render::build_for(
        config,
        &*source,
        repo.as_ref(),
        ledger_path.as_deref(),
        needs,
    )?;
    let title = if name == "changelog" {
        format!("{} changelog", context.project.title)
    } else {
        context.project.document_title.clone()
    };
    let mut text = template.render(context)?;
    if let (true, Some(entries)) = (settings.html, &whole) {
        let altered = index.altered_seqs();
        let signers = signers(workspace, config, (entries, &altered))?;
        text = render::audit_page(&text, &title, config, (entries, &signers));
    }
    drop(source);
    // Freed beside the writing of the document.
    crate::parallel::drop_beside((whole, index));
    Ok(Rendered { name, text })
}

/// What each entry's signature says (`signed by ana@example.com (SHA256:...)`),
/// by seq; empty where signing is not set up.
fn signers(
    workspace: &Workspace,
    config: &Config,
    (entries, altered): (&[crate::journal::Entry], &std::collections::HashSet<u64>),
) -> Result<std::collections::HashMap<u64, String>> {
    let Some(rules) = super::verify::signature_rules(workspace, config)? else {
        return Ok(Default::default());
    };
    Ok((entries.iter())
        .map(|e| {
            (
                e.seq,
                rules.verdict_read(e, altered.contains(&e.seq)).describe(),
            )
        })
        .collect())
}

/// The template context of the ledger of `workspace`, every section
/// filled, as pretty JSON.
pub fn context(workspace: &Workspace, config: &Config, ui: &Ui) -> Result<String> {
    let entries = workspace.index(ui)?.all_entries()?;
    let repo = workspace.repo_if_any();
    let ledger_path = repo.as_ref().and_then(|r| workspace.ledger_path_in(r));
    let source = render::Whole(&entries);
    let context = render::build(config, &source, repo.as_ref(), ledger_path.as_deref())?;
    serde_json::to_string_pretty(&context)
        .map_err(|e| crate::refusal!("cannot write the context: {e}"))
}

/// The template to render: the name given; else, when the target file
/// exists (and is Markdown), the built-in document it is (refused when that
/// cannot be told, so that a changelog is never checked against, or
/// overwritten by, the version document); else aws-versions.
fn template_name(settings: &RenderSettings, ui: &Ui) -> Result<String> {
    if let Some(name) = &settings.name {
        return Ok(name.clone());
    }
    if settings.html {
        // An HTML page says nothing of which Markdown document it was made from.
        return Ok("aws-versions".to_string());
    }
    let target = settings.target.as_deref();
    let Some(path) = target.filter(|p| settings.template.is_none() && p.is_file()) else {
        return Ok("aws-versions".into());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", shown(path)))?;
    if text.trim().is_empty() {
        return Ok("aws-versions".into());
    }
    if is_html(&text) {
        refuse!(
            "{} is an HTML page: `--format html` renders the audit page (or name the Markdown \
             document to render)",
            shown(path)
        );
    }
    match render::document_kind(&text) {
        Some(kind) => {
            if kind != "aws-versions" {
                crate::note!(ui, "note: {} is a {kind}: rendering `{kind}`", shown(path));
            }
            Ok(kind.to_string())
        }
        None => refuse!(
            "cannot tell which document {} is: name it, `ledger render aws-versions ...` or \
             `ledger render changelog ...`",
            shown(path)
        ),
    }
}

/// How a committed document compares with the rendering.
pub enum Checked {
    /// Byte for byte the same.
    UpToDate,
    /// Stale: the unified diff from the file to the rendering.
    Stale(String),
}

/// Compares the file at `path` with `text`.
pub fn check(path: &Path, text: &str, html: bool) -> Result<Checked> {
    let current = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} to check it", shown(path)))?;
    let is_page = is_html(&current);
    if html && !is_page && !current.trim().is_empty() {
        refuse!(
            "{} is not an HTML page: --format html renders the audit page, which only an HTML file \
             can be checked against (`ledger render --check {}` checks a Markdown document)",
            shown(path),
            shown(path)
        );
    }
    if !html && is_page {
        refuse!(
            "{} is an HTML page: check it with `ledger render --format html --check {}`",
            shown(path),
            shown(path)
        );
    }
    if current == text {
        return Ok(Checked::UpToDate);
    }
    let diff = similar::TextDiff::from_lines(current.as_str(), text);
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(&shown(path), &format!("{} (rendered)", shown(path)))
        .to_string();
    Ok(Checked::Stale(unified))
}

/// Whether `text` is an HTML page (its first tag opens the document).
fn is_html(text: &str) -> bool {
    let start = text
        .trim_start()
        .get(..15)
        .unwrap_or_default()
        .to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}
