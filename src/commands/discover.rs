//! `ledger snapshot --discover --env E [--prefix P] [--write]`: the
//! resources of the account and region that ledger.toml does not declare
//! yet, as declarations to paste, or added to the file.

use std::io::Write;

use anyhow::{Context, Result};

use super::{Outcome, Workspace};
use crate::cli::SnapshotArgs;
use crate::config::{Config, declare};
use crate::services;

pub fn run(
    workspace: &Workspace,
    config: &Config,
    args: &SnapshotArgs,
    out: &mut dyn Write,
    ui: &crate::ui::Ui,
) -> Result<Outcome> {
    let env_key = args.env.as_deref().unwrap_or_default();
    let env = config.environment(env_key, &workspace.config_path())?;
    let runtime = super::runtime()?;
    let (total, missing) = runtime.block_on(async {
        let clients = super::clients(env, &args.aws, ui).await;
        let cx = services::Discovery {
            clients: &clients,
            prefix: &args.prefix,
            env_key,
            config,
        };
        services::discover(&cx).await
    })?;
    let prefix = if args.prefix.is_empty() {
        String::new()
    } else {
        format!(" starting with `{}`", args.prefix)
    };
    if missing.is_empty() {
        crate::note!(
            ui,
            "found {total} resource(s){prefix}; ledger.toml declares them all: nothing to add"
        );
        return Ok(Outcome::Success);
    }
    if !args.write {
        write!(out, "{}", declare::to_toml(&missing))?;
        crate::note!(
            ui,
            "found {total} resource(s){prefix}, {} not declared: add the declarations above to \
             ledger.toml (or run again with --write), then `ledger snapshot --env {env_key}`",
            missing.len()
        );
        return Ok(Outcome::Success);
    }
    write_declarations(workspace, &missing)?;
    crate::note!(
        ui,
        "added {} declaration(s) to {}; `ledger snapshot --env {env_key}` reads them",
        missing.len(),
        workspace.config_path().display()
    );
    Ok(Outcome::Success)
}

/// Adds the declarations to ledger.toml, checks the result loads, and
/// replaces the file in one rename.
fn write_declarations(workspace: &Workspace, missing: &[declare::Declaration]) -> Result<()> {
    let path = workspace.config_path();
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let edited = declare::add_to(&text, missing);
    Config::parse_checked(&path, &edited, services::check_config).with_context(|| {
        format!(
            "the edited {} would not load; nothing was written",
            path.display()
        )
    })?;
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, &edited)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, &path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}
