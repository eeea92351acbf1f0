//! `ledger snapshot` (`ops::snapshot`), and with `--discover` the resources
//! to declare (`ops::discover`).

use std::io::Write;

use anyhow::Result;

use super::{Outcome, aws_settings, write_json_list};
use crate::cli::{OutputFormat, SnapshotArgs};
use crate::config::declare;
use crate::ops::Workspace;
use crate::ops::discover::{self, DiscoverSettings};
use crate::ops::snapshot::{self, SnapshotSettings};
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &SnapshotArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    if args.discover {
        return discover(workspace, &config, args, out, ui);
    }
    let envs: Vec<String> = match &args.env {
        Some(name) => {
            config.environment(name, &workspace.config_path())?;
            vec![name.clone()]
        }
        None => config.environments.keys().cloned().collect(),
    };
    let settings = SnapshotSettings {
        envs,
        aws: aws_settings(&args.aws),
    };
    let recorded = snapshot::snapshot(workspace, &config, &settings, ui)?;
    for snapshot in &recorded {
        let entry = &snapshot.entry;
        crate::note!(
            ui,
            "recorded #{} snapshot of {}: {}",
            entry.seq,
            entry.env,
            snapshot.read.join(", ")
        );
        for line in &snapshot.changes {
            crate::note!(ui, "  changed: {line}");
        }
    }
    if args.format == OutputFormat::Json {
        let entries: Vec<_> = recorded.into_iter().map(|s| s.entry).collect();
        write_json_list(out, "entries", &entries)?;
    }
    Ok(Outcome::Success)
}

/// Names the resources left out because another environment declares them.
fn note_elsewhere(elsewhere: &[(String, String, String)], env: &str, ui: &Ui) {
    if elsewhere.is_empty() {
        return;
    }
    let named: Vec<String> = (elsewhere.iter())
        .map(|(what, name, other)| format!("{what} `{name}` (declared under {other})"))
        .collect();
    crate::note!(
        ui,
        "not proposed for {env}, as other environments declare them (declared here too, a rollback \
         of {env} would change theirs): {}",
        named.join(", ")
    );
}

/// `--discover`: the declarations on stdout, or added to `ledger.toml`.
fn discover(
    workspace: &Workspace,
    config: &crate::config::Config,
    args: &SnapshotArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let env = args.env.clone().unwrap_or_default();
    let settings = DiscoverSettings {
        env: env.clone(),
        prefix: args.prefix.clone(),
        write: args.write,
        aws: aws_settings(&args.aws),
    };
    let discovered = discover::discover(workspace, config, &settings, ui)?;
    let found = &discovered.found;
    let total = found.total;
    let prefix = if args.prefix.is_empty() {
        String::new()
    } else {
        format!(" starting with `{}`", args.prefix)
    };
    note_elsewhere(&found.elsewhere, &env, ui);
    if found.missing.is_empty() {
        crate::note!(
            ui,
            "found {total} resource(s){prefix}; ledger.toml declares them all: nothing to add"
        );
    } else if !discovered.written {
        write!(out, "{}", declare::to_toml(&found.missing))?;
        crate::note!(
            ui,
            "found {total} resource(s){prefix}, {} not declared: add the declarations above to \
             ledger.toml (or run again with --write), then `ledger snapshot --env {env}`",
            found.missing.len()
        );
    } else {
        crate::note!(
            ui,
            "added {} declaration(s) to {}; `ledger snapshot --env {env}` reads them",
            found.missing.len(),
            workspace.config_path().display()
        );
    }
    Ok(Outcome::Success)
}
