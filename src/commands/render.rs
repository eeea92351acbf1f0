//! `ledger render`: a document to stdout, a file, or checked against a file.

use std::io::Write;

use anyhow::{Context as _, Result};

use super::{Outcome, Workspace, shown};
use crate::cli::{DocumentFormat, RenderArgs};
use crate::render;

pub fn run(workspace: &Workspace, args: &RenderArgs, out: &mut dyn Write) -> Result<Outcome> {
    let config = workspace.config()?;
    let journal = workspace.journal()?;
    let repo = workspace.repo_if_any();
    let origin = render::locate(&args.name, args.template.as_deref(), &workspace.ledger_dir)?;
    let context = render::build(&config, &journal.entries, repo.as_ref())?;
    let mut text = render::render(&origin, &context)?;
    if args.format == DocumentFormat::Html {
        let title = if args.name == "changelog" {
            format!("{} changelog", context.project.title)
        } else {
            context.project.document_title.clone()
        };
        text = render::markdown_to_html(&text, &title);
    }
    if let Some(path) = &args.check {
        let current = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {} to check it", shown(path)))?;
        if current == text {
            eprintln!("{} is up to date", shown(path));
            return Ok(Outcome::Success);
        }
        let diff = similar::TextDiff::from_lines(&current, &text);
        write!(
            out,
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&shown(path), &format!("{} (rendered)", shown(path)))
        )?;
        eprintln!(
            "{} is stale: run `ledger render {} -o {}`",
            shown(path),
            args.name,
            shown(path)
        );
        return Ok(Outcome::CheckFailed);
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("cannot write {}", shown(path)))?;
            eprintln!("wrote {}", shown(path));
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(Outcome::Success)
}
