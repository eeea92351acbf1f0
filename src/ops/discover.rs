//! `ledger snapshot --discover --env E [--prefix P] [--write]`: the
//! resources of the account and region that `ledger.toml` does not declare
//! yet, as declarations to paste, or added to the file.

use super::session::{self, AwsSettings};
use super::{Context as _, Result, Workspace};
use crate::config::Config;
use crate::config::declare::{self, Declaration};
use crate::services;
use crate::ui::Ui;

/// What `--discover` is asked.
#[derive(Debug, Clone, Default)]
pub struct DiscoverSettings {
    /// The environment whose account and region are listed.
    pub env: String,
    /// Only names starting with this.
    pub prefix: String,
    /// Add the declarations to `ledger.toml`.
    pub write: bool,
    /// How to reach AWS.
    pub aws: AwsSettings,
}

/// What was found, and whether the declarations were added to the file.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    /// What the account holds, by what `ledger.toml` declares.
    pub found: services::Discovered,
    /// Whether the missing declarations were added to the file.
    pub written: bool,
}

/// Lists the account and proposes (or, asked, writes) what is undeclared.
pub fn discover(
    workspace: &Workspace,
    config: &Config,
    settings: &DiscoverSettings,
    ui: &Ui,
) -> Result<Discovered> {
    let env = config.environment(&settings.env, &workspace.config_path())?;
    let runtime = session::runtime()?;
    let found = runtime.block_on(async {
        let clients = session::clients(env, &settings.aws, ui).await;
        let cx = services::Discovery {
            clients: &clients,
            prefix: &settings.prefix,
            env_key: &settings.env,
            config,
        };
        services::discover(&cx).await
    })?;
    let written = settings.write && !found.missing.is_empty();
    if written {
        write_declarations(workspace, &found.missing)?;
    }
    Ok(Discovered { found, written })
}

/// Adds the declarations to ledger.toml, checks the result loads, and
/// replaces the file in one rename.
fn write_declarations(workspace: &Workspace, missing: &[Declaration]) -> Result<()> {
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
