//! `ledger completions` and `ledger man`: what the shell and `man` need,
//! generated from the same clap definitions as `--help`.

use std::io::Write;

use anyhow::{Result, anyhow};
use clap::CommandFactory;
use clap_complete::env::Shells;

use super::Outcome;
use crate::cli::{Cli, CompletionsArgs, ManArgs, Shell};

/// The environment variable through which the shell asks for candidates.
pub const COMPLETE_VAR: &str = "COMPLETE";

/// Writes the registration script of `shell`: at each TAB it runs
/// `COMPLETE=SHELL ledger -- WORDS...`, which answers from the ledger.
pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<Outcome> {
    let name = match args.shell {
        Shell::Bash => "bash",
        Shell::Zsh => "zsh",
        Shell::Fish => "fish",
        Shell::Powershell => "powershell",
        Shell::Elvish => "elvish",
    };
    let shells = Shells::builtins();
    let shell = shells
        .completer(name)
        .ok_or_else(|| anyhow!("no completion support for {name}"))?;
    let mut script = Vec::new();
    shell.write_registration(COMPLETE_VAR, "ledger", "ledger", "ledger", &mut script)?;
    out.write_all(&script)?;
    Ok(Outcome::Success)
}

/// Writes ledger(1), or ledger-COMMAND(1).
pub fn man(args: &ManArgs, out: &mut dyn Write) -> Result<Outcome> {
    let mut cli = Cli::command();
    // Built, so that subcommands carry the global options and their bin name.
    cli.build();
    let command = match &args.command {
        None => cli,
        Some(name) => {
            let Some(sub) = cli.find_subcommand(name) else {
                let names: Vec<_> = cli
                    .get_subcommands()
                    .filter(|c| !c.is_hide_set())
                    .map(|c| c.get_name().to_string())
                    .collect();
                return Err(anyhow!("no command `{name}`: one of {}", names.join(", ")));
            };
            sub.clone()
                .name(format!("ledger-{}", sub.get_name()))
                .bin_name(format!("ledger {}", sub.get_name()))
        }
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(command).render(&mut page)?;
    out.write_all(&page)?;
    Ok(Outcome::Success)
}
