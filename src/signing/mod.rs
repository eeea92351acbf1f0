//! Who recorded an entry: SSH signatures in OpenSSH's `SSHSIG` format, as
//! git's `gpg.format = ssh` makes them. An entry is signed over its hash
//! (which covers every field but `hash` and `signature`, `prev_hash`
//! included), in the namespace [`ENTRY_NAMESPACE`]; a checkpoint over its
//! note, in [`CHECKPOINT_NAMESPACE`]. Signatures are checked against an
//! OpenSSH `allowed_signers` file ([`allowed`]). This room knows hashes and
//! bytes, not entries: the journal signs what it seals through a
//! [`Signer`], and `verify` asks [`check`] about each entry.

pub mod allowed;
pub mod check;
pub mod checkpoint;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64ct::{Base64, Encoding as _};
use ssh_encoding::{Decode as _, Encode as _};
use ssh_key::{HashAlg, LineEnding, PrivateKey, SshSig};

pub use allowed::AllowedSigners;
pub use check::{Verdict, check_entry};

/// The namespace of an entry's signature.
pub const ENTRY_NAMESPACE: &str = "ledger-entry";

/// The namespace of a checkpoint's signature.
pub const CHECKPOINT_NAMESPACE: &str = "ledger-checkpoint";

/// What signing or reading a signature can fail with.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The key file could not be read.
    #[error("cannot read the signing key {path}: {source}")]
    Read {
        /// The key file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The key file is not an OpenSSH private key.
    #[error(
        "{path} is not an OpenSSH private key ({why}): give the private key file (`ssh-keygen -t ed25519 -f FILE` makes one)"
    )]
    NotAKey {
        /// The key file.
        path: PathBuf,
        /// What the parser said.
        why: String,
    },
    /// The key is protected by a passphrase and no agent holds it.
    #[error(
        "the signing key {path} is encrypted with a passphrase, and ledger never prompts: load it \
         into ssh-agent (`ssh-add {path}`) and give its public key file (`{path}.pub`), or use a key \
         without a passphrase kept in a CI secret"
    )]
    Encrypted {
        /// The key file.
        path: PathBuf,
    },
    /// Signing failed.
    #[error("signing with {path} failed: {why}")]
    Sign {
        /// The key file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// A stored signature is not an SSHSIG blob.
    #[error("the signature is not an SSH signature: {0}")]
    Malformed(String),
    /// The ssh-agent could not sign.
    #[error("{0}")]
    Agent(String),
}

/// What signs: a private key read from a file, or one an agent holds.
#[derive(Clone)]
pub struct Signer {
    source: Arc<Source>,
}

enum Source {
    Key { path: PathBuf, key: Box<PrivateKey> },
    Agent(agent::AgentKey),
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.describe())
    }
}

impl Signer {
    /// The signer of the key at `path`: a private key file, or a public
    /// key file (`.pub`) whose private key ssh-agent holds (as git's
    /// `user.signingKey` does with `SSH_AUTH_SOCK`).
    pub fn open(path: &Path) -> Result<Signer, SigningError> {
        let text = std::fs::read_to_string(path).map_err(|source| SigningError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if let Ok(public) = ssh_key::PublicKey::from_openssh(text.trim()) {
            let key = agent::AgentKey::find(public, path)?;
            return Ok(Signer {
                source: Arc::new(Source::Agent(key)),
            });
        }
        let key = PrivateKey::from_openssh(&text).map_err(|e| SigningError::NotAKey {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
        if key.is_encrypted() {
            return Err(SigningError::Encrypted {
                path: path.to_path_buf(),
            });
        }
        Ok(Signer {
            source: Arc::new(Source::Key {
                path: path.to_path_buf(),
                key: Box::new(key),
            }),
        })
    }

    /// The signature of `msg` in `namespace`, as stored: the SSHSIG blob
    /// in base64, on one line.
    pub fn sign(&self, namespace: &str, msg: &[u8]) -> Result<String, SigningError> {
        let signature = match &*self.source {
            Source::Key { path, key } => {
                let signed = match key.key_data() {
                    ssh_key::private::KeypairData::Rsa(keypair) => {
                        rsa_sign(key.public_key(), keypair, namespace, msg)
                    }
                    _ => key.sign(namespace, HashAlg::Sha512, msg),
                };
                signed.map_err(|e| SigningError::Sign {
                    path: path.clone(),
                    why: e.to_string(),
                })?
            }
            Source::Agent(key) => key.sign(namespace, msg)?,
        };
        encode(&signature)
    }

    /// The signature of an entry whose hash is `hash`.
    pub fn sign_entry(&self, hash: &str) -> Result<String, SigningError> {
        self.sign(ENTRY_NAMESPACE, entry_payload(hash))
    }

    /// The name a checkpoint's signature line gives it: the key's SHA256
    /// fingerprint.
    pub fn name(&self) -> String {
        match &*self.source {
            Source::Key { key, .. } => key.public_key().fingerprint(HashAlg::Sha256).to_string(),
            Source::Agent(key) => key.fingerprint(),
        }
    }

    /// The key, as a message names it: its file and fingerprint.
    pub fn describe(&self) -> String {
        match &*self.source {
            Source::Key { path, key } => format!(
                "{} ({})",
                path.display(),
                key.public_key().fingerprint(HashAlg::Sha256)
            ),
            Source::Agent(key) => key.describe(),
        }
    }
}

/// An SSHSIG signature by an RSA key (`rsa-sha2-512`), made with the
/// `rsa` crate from the key's own components.
fn rsa_sign(
    public: &ssh_key::PublicKey,
    keypair: &ssh_key::private::RsaKeypair,
    namespace: &str,
    msg: &[u8],
) -> ssh_key::Result<SshSig> {
    use rsa::signature::{SignatureEncoding as _, Signer as _};
    let big = |m: &ssh_key::Mpint| {
        (m.as_positive_bytes())
            .map(rsa::BigUint::from_bytes_be)
            .ok_or(ssh_key::Error::Crypto)
    };
    let (private, key) = (&keypair.private, &keypair.public);
    let primes = vec![big(&private.p)?, big(&private.q)?];
    let rsa_key =
        rsa::RsaPrivateKey::from_components(big(&key.n)?, big(&key.e)?, big(&private.d)?, primes)
            .map_err(|_| ssh_key::Error::Crypto)?;
    let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(rsa_key);
    let data = SshSig::signed_data(namespace, HashAlg::Sha512, msg)?;
    let bytes = signer
        .try_sign(&data)
        .map_err(|_| ssh_key::Error::Crypto)?
        .to_vec();
    let algorithm = ssh_key::Algorithm::Rsa {
        hash: Some(HashAlg::Sha512),
    };
    let signature = ssh_key::Signature::new(algorithm, bytes)?;
    SshSig::new(
        public.key_data().clone(),
        namespace,
        HashAlg::Sha512,
        signature,
    )
}

/// The bytes an entry's signature signs: its hash, 64 lowercase hex
/// characters, nothing else.
pub fn entry_payload(hash: &str) -> &[u8] {
    hash.as_bytes()
}

/// A signature as stored: the SSHSIG blob in base64.
pub fn encode(signature: &SshSig) -> Result<String, SigningError> {
    let mut blob = Vec::new();
    (signature.encode(&mut blob)).map_err(|e| SigningError::Malformed(e.to_string()))?;
    Ok(Base64::encode_string(&blob))
}

/// A stored signature read back.
pub fn decode(stored: &str) -> Result<SshSig, SigningError> {
    let blob = Base64::decode_vec(stored).map_err(|e| SigningError::Malformed(e.to_string()))?;
    SshSig::decode(&mut blob.as_slice()).map_err(|e| SigningError::Malformed(e.to_string()))
}

/// A signature in PEM armour (as `ssh-keygen -Y sign` writes it), as stored.
pub fn from_pem(pem: &str) -> Result<String, SigningError> {
    let signature = SshSig::from_pem(pem).map_err(|e| SigningError::Malformed(e.to_string()))?;
    encode(&signature)
}

/// A stored signature as `ssh-keygen -Y verify` reads it (PEM armour).
pub fn to_pem(stored: &str) -> Result<String, SigningError> {
    let signature = decode(stored)?;
    (signature.to_pem(LineEnding::LF)).map_err(|e| SigningError::Malformed(e.to_string()))
}

mod agent;
