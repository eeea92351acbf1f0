//! `ledger checkpoint` (`ops::checkpoint`): the signed note on stdout or in
//! `-o FILE`, what it says on stderr.

use std::io::Write;

use anyhow::{Context as _, Result};

use super::Outcome;
use crate::cli::CheckpointArgs;
use crate::ops::{Workspace, checkpoint};
use crate::ui::Ui;

pub fn run(
    workspace: &Workspace,
    args: &CheckpointArgs,
    out: &mut dyn Write,
    ui: &Ui,
) -> Result<Outcome> {
    let config = workspace.config()?;
    let made = checkpoint::checkpoint(workspace, &config, ui)?;
    match &args.output {
        Some(path) => std::fs::write(path, &made.note)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => out.write_all(made.note.as_bytes())?,
    }
    match &made.stored {
        Some((at, true)) => crate::note!(ui, "kept in the store at {at}"),
        Some((at, false)) => crate::warning!(
            ui,
            "the store already holds another checkpoint of this state at {at} (signed by another \
             key): it is kept, and this one was not written there"
        ),
        None => {}
    }
    let c = &made.checkpoint;
    crate::note!(
        ui,
        "checkpoint of {}: {} entries, head {}, signed with {}; keep it outside the repository \
         and check it with `ledger verify --checkpoint FILE`",
        c.origin,
        c.count,
        c.head.get(..12).unwrap_or(&c.head),
        made.signer
    );
    Ok(Outcome::Success)
}
