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
    if let Some(stored) = &made.stored {
        crate::note!(ui, "kept in the store at {stored}");
    }
    let c = &made.checkpoint;
    crate::note!(
        ui,
        "checkpoint of {}: {} entries, head {}, signed with {}; keep it outside the repository \
         and check it with `ledger verify --checkpoint FILE`",
        c.origin,
        c.count,
        &c.head[..12],
        made.signer
    );
    Ok(Outcome::Success)
}
