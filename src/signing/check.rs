//! What a stored signature says of an entry: who signed it, or why it
//! does not count.

use chrono::{DateTime, Utc};
use ssh_key::HashAlg;
use ssh_key::public::KeyData;

use super::{AllowedSigners, ENTRY_NAMESPACE, decode, entry_payload};

/// What an entry's signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed by a key the allowed-signers file names, in its validity.
    Signed {
        /// The principals of its line.
        principal: String,
        /// The key's SHA256 fingerprint.
        fingerprint: String,
    },
    /// No signature.
    Unsigned,
    /// The signature does not hold for the entry's hash (the entry or the
    /// signature was changed), or cannot be read.
    Invalid {
        /// Why.
        why: String,
    },
    /// A valid signature by a key no line names (for this namespace).
    UnknownKey {
        /// The key's SHA256 fingerprint.
        fingerprint: String,
    },
    /// A valid signature by a known key, made outside its validity.
    OutsideValidity {
        /// The principals of its line.
        principal: String,
        /// The key's SHA256 fingerprint.
        fingerprint: String,
    },
    /// A valid signature by a revoked key.
    Revoked {
        /// The key's SHA256 fingerprint.
        fingerprint: String,
    },
}

impl Verdict {
    /// Whether it counts as signed.
    pub fn is_signed(&self) -> bool {
        matches!(self, Verdict::Signed { .. })
    }

    /// The principal that signed, when it counts as signed.
    pub fn signer(&self) -> Option<&str> {
        match self {
            Verdict::Signed { principal, .. } => Some(principal),
            _ => None,
        }
    }

    /// In words: `signed by ana@example.com (SHA256:...)`, `unsigned`, ...
    pub fn describe(&self) -> String {
        match self {
            Verdict::Signed {
                principal,
                fingerprint,
            } => format!("signed by {principal} ({fingerprint})"),
            Verdict::Unsigned => "unsigned".into(),
            Verdict::Invalid { why } => format!("a signature that does not hold: {why}"),
            Verdict::UnknownKey { fingerprint } => {
                format!("signed by an unknown key {fingerprint} (not in allowed_signers)")
            }
            Verdict::OutsideValidity {
                principal,
                fingerprint,
            } => format!(
                "signed by {principal} ({fingerprint}) outside its key's validity in allowed_signers"
            ),
            Verdict::Revoked { fingerprint } => format!("signed by a revoked key {fingerprint}"),
        }
    }

    /// A short word for a column or JSON: `signed`, `unsigned`, `invalid`,
    /// `unknown-key`, `outside-validity`, `revoked`.
    pub fn status(&self) -> &'static str {
        match self {
            Verdict::Signed { .. } => "signed",
            Verdict::Unsigned => "unsigned",
            Verdict::Invalid { .. } => "invalid",
            Verdict::UnknownKey { .. } => "unknown-key",
            Verdict::OutsideValidity { .. } => "outside-validity",
            Verdict::Revoked { .. } => "revoked",
        }
    }
}

/// What the signature `stored` (if any) of an entry whose hash is `hash`,
/// recorded at `at`, says against `allowed`.
pub fn check_entry(
    hash: &str,
    stored: Option<&str>,
    at: DateTime<Utc>,
    allowed: &AllowedSigners,
) -> Verdict {
    let Some(stored) = stored else {
        return Verdict::Unsigned;
    };
    check_signature((ENTRY_NAMESPACE, entry_payload(hash)), stored, at, allowed)
}

/// What `stored` says of `msg` signed in `namespace` at `at`.
pub fn check_signature(
    (namespace, msg): (&str, &[u8]),
    stored: &str,
    at: DateTime<Utc>,
    allowed: &AllowedSigners,
) -> Verdict {
    let signature = match decode(stored) {
        Ok(signature) => signature,
        Err(e) => return Verdict::Invalid { why: e.to_string() },
    };
    if signature.namespace() != namespace {
        return Verdict::Invalid {
            why: format!(
                "made in the namespace `{}`, not `{namespace}`",
                signature.namespace()
            ),
        };
    }
    let key: &KeyData = signature.public_key();
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    let public = ssh_key::PublicKey::new(key.clone(), "");
    if let Err(e) = public.verify(namespace, msg, &signature) {
        return Verdict::Invalid {
            why: format!("{e} (key {fingerprint})"),
        };
    }
    if allowed.is_revoked(key) {
        return Verdict::Revoked { fingerprint };
    }
    let mut lines = allowed
        .lines_of(key)
        .filter(|l| l.allows_namespace(namespace));
    let Some(first) = lines.next() else {
        return Verdict::UnknownKey { fingerprint };
    };
    match std::iter::once(first).chain(lines).find(|l| l.valid_at(at)) {
        Some(line) => Verdict::Signed {
            principal: line.principals.clone(),
            fingerprint,
        },
        None => Verdict::OutsideValidity {
            principal: first.principals.clone(),
            fingerprint,
        },
    }
}
