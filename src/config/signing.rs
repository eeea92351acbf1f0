//! `[signing]`: the key that signs each appended entry, who may sign
//! (`allowed_signers`), revoked keys, and from which entry signing is
//! required (see docs/journal-format.md, "Signatures").

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The allowed-signers file when `[signing]` names none, in the ledger folder.
pub const DEFAULT_ALLOWED_SIGNERS: &str = "allowed_signers";

/// `[signing]` in `ledger.toml`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    /// The private key that signs (or a public key whose private key
    /// ssh-agent holds). `LEDGER_SIGNING_KEY` and `--signing-key` win.
    pub key: Option<String>,
    /// `true`: every entry must be signed; a number N: entries #N on (an
    /// old ledger adopting signing).
    pub required: Option<Required>,
    /// Who may sign [default: `allowed_signers` in the ledger folder].
    pub allowed_signers: Option<String>,
    /// Revoked public keys, one per line.
    pub revoked: Option<String>,
}

/// `required = true | false | N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Required {
    /// Every entry, or none.
    All(bool),
    /// Entries from this seq on.
    From(u64),
}

impl SigningConfig {
    /// The first seq that must be signed, if any must.
    pub fn required_from(&self) -> Option<u64> {
        match self.required {
            Some(Required::All(true)) => Some(1),
            Some(Required::From(seq)) => Some(seq.max(1)),
            _ => None,
        }
    }

    /// The allowed-signers file, `base` being the folder relative paths
    /// start from (the repository's top) and `ledger_dir` the ledger folder.
    pub fn allowed_signers_path(&self, base: &Path, ledger_dir: &Path) -> PathBuf {
        match &self.allowed_signers {
            Some(path) => resolve(base, path),
            None => ledger_dir.join(DEFAULT_ALLOWED_SIGNERS),
        }
    }

    /// The revoked-keys file, if one is named.
    pub fn revoked_path(&self, base: &Path) -> Option<PathBuf> {
        self.revoked.as_deref().map(|path| resolve(base, path))
    }
}

/// `path` with a leading `~/` taken as the home folder, and a relative
/// path taken from `base`.
pub fn resolve(base: &Path, path: &str) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    base.join(path)
}
