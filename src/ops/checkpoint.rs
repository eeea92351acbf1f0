//! `ledger checkpoint`: a signed checkpoint of the journal (its entry count
//! and head hash, in the C2SP signed-note form; see
//! `crate::signing::checkpoint`), to keep outside the repository; and its
//! check by `verify --checkpoint`.

use std::path::Path;

use super::session::Signing;
use super::{Result, Workspace};
use crate::config::Config;
use crate::journal::Index;
use crate::refuse;
use crate::signing::checkpoint::{Checkpoint, SignedCheckpoint};
use crate::signing::{AllowedSigners, Verdict};
use crate::ui::Ui;
use crate::verify::Finding;

/// A checkpoint made.
#[derive(Debug, Clone)]
pub struct Checkpointed {
    /// What it says.
    pub checkpoint: Checkpoint,
    /// The signed note.
    pub note: String,
    /// Who signed it (the key).
    pub signer: String,
    /// Where the store keeps it, with a `[store]`, and whether it holds
    /// this note (`false`: another of the same state was there first).
    pub stored: Option<(String, bool)>,
}

/// Makes a signed checkpoint of the journal of `workspace` as it is now.
pub fn checkpoint(workspace: &Workspace, config: &Config, ui: &Ui) -> Result<Checkpointed> {
    let Some(signer) = Signing::resolve(workspace, config)?.signer else {
        refuse!(
            "a checkpoint is signed, and no signing key is configured: set `[signing] key` in \
             ledger.toml, LEDGER_SIGNING_KEY or --signing-key"
        );
    };
    super::session::refresh_mirror(workspace, config, ui)?;
    let index = workspace.index(ui)?;
    let Some((count, head)) = head_of(&index) else {
        refuse!("the journal holds no entry yet: there is nothing to checkpoint");
    };
    let checkpoint = Checkpoint {
        origin: origin(config),
        count,
        head,
    };
    let note = checkpoint.sign(&signer, &signer.name())?;
    let stored = match &config.store {
        Some(store) => {
            let store = super::session::s3_store(workspace, store, ui)?;
            Some(store.put_checkpoint(checkpoint.count, &checkpoint.head, &note)?)
        }
        None => None,
    };
    Ok(Checkpointed {
        checkpoint,
        note,
        signer: signer.describe(),
        stored,
    })
}

/// The journal's entry count and the hash of its last entry.
fn head_of(index: &Index) -> Option<(u64, String)> {
    let count = index.count();
    let last = index.parts().filter(|p| p.count() > 0).last()?;
    Some((count as u64, last.last_hash().to_string()))
}

/// The name a checkpoint gives the journal: the store's URL, or
/// `ledger:` and the project's title.
pub fn origin(config: &Config) -> String {
    match &config.store {
        Some(store) => store.url.clone(),
        None => {
            let title: String = (config.project.title.chars())
                .map(|c| {
                    if c.is_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect();
            format!("ledger:{}", title.trim_matches('-'))
        }
    }
}

/// The text of the checkpoint file `path`.
pub fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| crate::refusal!("cannot read the checkpoint {}: {e}", path.display()))
}

/// What `verify --checkpoint` found of one checkpoint (`shown`: where it
/// is, `text`: its note): its signature's verdict, and a finding when the
/// journal does not extend it (or it is not signed by an allowed signer).
pub fn check(
    (shown, text): (&str, &str),
    (index, origin): (&Index, &str),
    allowed: &AllowedSigners,
) -> Result<(Verdict, Vec<Finding>)> {
    let signed = SignedCheckpoint::parse(text).map_err(|e| crate::refusal!("{shown}: {e}"))?;
    let verdict = signed.verdict(allowed, chrono::Utc::now());
    let mut findings = Vec::new();
    if !verdict.is_signed() {
        findings.push(Finding {
            seq: None,
            message: format!("checkpoint {shown} is {}", verdict.describe()),
        });
    }
    let checkpoint = &signed.checkpoint;
    if checkpoint.origin != origin {
        findings.push(Finding {
            seq: None,
            message: format!(
                "checkpoint {shown} is of `{}`, not of this ledger (`{origin}`): it says nothing \
                 of this journal",
                checkpoint.origin
            ),
        });
        return Ok((verdict, findings));
    }
    let count = checkpoint.count;
    match index.head(count)? {
        None => findings.push(Finding {
            seq: Some(count),
            message: format!(
                "the journal holds fewer entries than the {count} of checkpoint {shown}: entries \
                 were removed after it"
            ),
        }),
        Some(entry) if entry.hash != checkpoint.head => findings.push(Finding {
            seq: Some(count),
            message: format!(
                "entry #{count} is not the one checkpoint {shown} names (its hash is {}, the \
                 checkpoint's {}): the history up to #{count} was rewritten after the checkpoint",
                short(&entry.hash),
                short(&checkpoint.head)
            ),
        }),
        Some(_) => {}
    }
    Ok((verdict, findings))
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
