//! `ledger render` (`ops::render`): a document to stdout, a file, or
//! checked against a file (exit 1 with the diff when it is stale).

use std::io::Write;

use anyhow::{Context as _, Result};

use super::Outcome;
use crate::cli::{DocumentFormat, RenderArgs};
use crate::ops::render::{self, Checked, RenderSettings};
use crate::ops::{Workspace, workspace::shown};
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &RenderArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    let settings = RenderSettings {
        name: args.name.clone(),
        template: args.template.clone(),
        target: args.check.clone().or(args.output.clone()),
        html: args.format == DocumentFormat::Html,
    };
    let rendered = render::render(workspace, &config, &settings, ui)?;
    if let Some(path) = &args.check {
        return match render::check(path, &rendered.text, settings.html)? {
            Checked::UpToDate => {
                crate::note!(ui, "{} is up to date", shown(path));
                Ok(Outcome::Success)
            }
            Checked::Stale(diff) => {
                write!(out, "{diff}")?;
                crate::failure!(
                    ui,
                    "{} is stale: run `ledger render {} -o {}`",
                    shown(path),
                    rendered.name,
                    shown(path)
                );
                Ok(Outcome::CheckFailed)
            }
        };
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, &rendered.text)
                .with_context(|| format!("cannot write {}", shown(path)))?;
            crate::note!(ui, "wrote {}", shown(path));
        }
        None => out.write_all(rendered.text.as_bytes())?,
    }
    Ok(Outcome::Success)
}
