//! `ledger render`: a document to stdout, a file, or checked against a file.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result, bail};

use super::{Outcome, Workspace, shown};
use crate::cli::{DocumentFormat, RenderArgs};
use crate::render;

pub fn run(
    workspace: &Workspace,
    args: &RenderArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    let entries = workspace.index(ui)?.all_entries()?;
    let repo = workspace.repo_if_any();
    let name = template_name(args, ui)?;
    let origin = render::locate(&name, args.template.as_deref(), &workspace.ledger_dir)?;
    let ledger_path = repo.as_ref().and_then(|r| workspace.ledger_path_in(r));
    let template = render::Template::load(origin)?;
    let context = render::build_for(
        &config,
        &entries,
        repo.as_ref(),
        ledger_path.as_deref(),
        template.needs(),
    )?;
    let title = if name == "changelog" {
        format!("{} changelog", context.project.title)
    } else {
        context.project.document_title.clone()
    };
    let mut text = template.render(context)?;
    if args.format == DocumentFormat::Html {
        text = render::audit_page(&text, &title, &config, &entries);
    }
    // Freed beside the writing of the document.
    crate::parallel::drop_beside(entries);
    if let Some(path) = &args.check {
        return check(path, &text, &name, out, ui);
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("cannot write {}", shown(path)))?;
            crate::note!(ui, "wrote {}", shown(path));
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(Outcome::Success)
}

/// Exit 1 with a unified diff when the file differs from the rendering.
fn check(
    path: &Path,
    text: &str,
    name: &str,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let current = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} to check it", shown(path)))?;
    if current == text {
        crate::note!(ui, "{} is up to date", shown(path));
        return Ok(Outcome::Success);
    }
    let diff = similar::TextDiff::from_lines(current.as_str(), text);
    write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&shown(path), &format!("{} (rendered)", shown(path)))
    )?;
    crate::failure!(
        ui,
        "{} is stale: run `ledger render {name} -o {}`",
        shown(path),
        shown(path)
    );
    Ok(Outcome::CheckFailed)
}

/// The template to render: NAME as given; else, when the --check or -o file
/// exists (and is Markdown), the built-in document it is (refused when that cannot be told,
/// so that a changelog is never checked against, or overwritten by, the
/// version document); else aws-versions.
fn template_name(args: &RenderArgs, ui: &crate::ui::Ui) -> Result<String> {
    if let Some(name) = &args.name {
        return Ok(name.clone());
    }
    if args.format == DocumentFormat::Html {
        // An HTML page says nothing of which Markdown document it was made from.
        return Ok("aws-versions".to_string());
    }
    let target = args.check.as_deref().or(args.output.as_deref());
    let Some(path) = target.filter(|p| args.template.is_none() && p.is_file()) else {
        return Ok("aws-versions".into());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", shown(path)))?;
    if text.trim().is_empty() {
        return Ok("aws-versions".into());
    }
    match render::document_kind(&text) {
        Some(kind) => {
            if kind != "aws-versions" {
                crate::note!(ui, "note: {} is a {kind}: rendering `{kind}`", shown(path));
            }
            Ok(kind.to_string())
        }
        None => bail!(
            "cannot tell which document {} is: name it, `ledger render aws-versions ...` or \
             `ledger render changelog ...`",
            shown(path)
        ),
    }
}
