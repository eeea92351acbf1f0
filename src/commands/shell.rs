//! `ledger completions` and `ledger man`: what the shell and `man` need,
//! generated from the same clap definitions as `--help`.

use std::io::Write;

use anyhow::{Result, anyhow};
use clap_complete::env::Shells;

use super::Outcome;
use crate::cli::{CompletionsArgs, ManArgs, Shell};

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

/// Writes ledger(1), or ledger-COMMAND(1) (ledger-store-push(1) for `store push`).
pub fn man(args: &ManArgs, out: &mut dyn Write) -> Result<Outcome> {
    let mut cli = crate::cli::command();
    // Built, so that subcommands carry the global options and their bin name.
    cli.build();
    let mut command = cli;
    let mut path = vec!["ledger".to_string()];
    for name in &args.command {
        let Some(sub) = command.find_subcommand(name).cloned() else {
            let names: Vec<_> = command
                .get_subcommands()
                .filter(|c| !c.is_hide_set() && c.get_name() != "help")
                .map(|c| c.get_name().to_string())
                .collect();
            return Err(anyhow!(
                "no command `{}`: one of {}",
                args.command.join(" "),
                names.join(", ")
            ));
        };
        path.push(sub.get_name().to_string());
        command = sub
            .name(path.join("-"))
            .bin_name(path.join(" "))
            .version(env!("CARGO_PKG_VERSION"));
    }
    let mut page = Vec::new();
    // EXIT STATUS replaces the `--help` footer that says the same.
    let command = command.after_help(None::<&str>);
    clap_mangen::Man::new(command).render(&mut page)?;
    out.write_all(&page)?;
    let name = args.command.join(" ");
    out.write_all(crate::cli::man::sections(&name).as_bytes())?;
    Ok(Outcome::Success)
}
