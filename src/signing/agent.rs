//! Signing through ssh-agent (`SSH_AUTH_SOCK`): the agent protocol's
//! sign request, for a key the agent holds, named by its public key. The
//! private key never leaves the agent, and ledger never asks for a
//! passphrase.

use std::io::{Read, Write};
use std::path::Path;

use ssh_encoding::Decode as _;
use ssh_key::{Algorithm, HashAlg, PublicKey, Signature, SshSig};

use super::SigningError;

/// `SSH2_AGENTC_SIGN_REQUEST`.
const SIGN_REQUEST: u8 = 13;
/// `SSH2_AGENT_SIGN_RESPONSE`.
const SIGN_RESPONSE: u8 = 14;
/// `SSH_AGENT_RSA_SHA2_512`: an RSA key signs with SHA-512.
const RSA_SHA2_512: u32 = 4;
/// `SSH2_AGENTC_REQUEST_IDENTITIES`.
const REQUEST_IDENTITIES: u8 = 11;
/// `SSH2_AGENT_IDENTITIES_ANSWER`.
const IDENTITIES_ANSWER: u8 = 12;

/// A key held by the agent at `SSH_AUTH_SOCK`.
pub(super) struct AgentKey {
    public: PublicKey,
    socket: std::path::PathBuf,
}

impl AgentKey {
    /// The key `public` (read from `path`), to be signed with by the agent.
    pub(super) fn find(public: PublicKey, path: &Path) -> Result<AgentKey, SigningError> {
        let Some(socket) = std::env::var_os("SSH_AUTH_SOCK") else {
            return Err(SigningError::Agent(format!(
                "{} is a public key: signing with it needs ssh-agent, and SSH_AUTH_SOCK is not set \
                 (start one with `eval $(ssh-agent)` and `ssh-add` the private key, or give the \
                 private key file)",
                path.display()
            )));
        };
        let key = AgentKey {
            public,
            socket: socket.into(),
        };
        // Asked now, so that a key the agent lacks stops a command before
        // it has done anything.
        if !key.held()? {
            return Err(key.failed(&format!(
                "it does not hold the private key of {} (`ssh-add -l` lists what it holds; \
                 `ssh-add` the key)",
                path.display()
            )));
        }
        Ok(key)
    }

    /// Whether the agent holds this key.
    fn held(&self) -> Result<bool, SigningError> {
        let blob = (self.public.to_bytes()).map_err(|e| SigningError::Malformed(e.to_string()))?;
        let answer = self.exchange(&[REQUEST_IDENTITIES])?;
        let Some((&IDENTITIES_ANSWER, mut rest)) = answer.split_first() else {
            return Err(self.failed("it did not list its keys"));
        };
        let count = (rest.split_first_chunk::<4>()).map(|(n, r)| (u32::from_be_bytes(*n), r));
        let Some((count, keys)) = count else {
            return Err(self.failed("a short answer"));
        };
        rest = keys;
        for _ in 0..count {
            let (Some(key), Some(_comment)) = (read_string(&mut rest), read_string(&mut rest))
            else {
                return Err(self.failed("a short answer"));
            };
            if key == blob {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The key's SHA256 fingerprint.
    pub(super) fn fingerprint(&self) -> String {
        self.public.fingerprint(HashAlg::Sha256).to_string()
    }

    /// The key, as a message names it.
    pub(super) fn describe(&self) -> String {
        format!("ssh-agent key {}", self.public.fingerprint(HashAlg::Sha256))
    }

    /// An SSHSIG signature of `msg` in `namespace`, made by the agent.
    pub(super) fn sign(&self, namespace: &str, msg: &[u8]) -> Result<SshSig, SigningError> {
        let hash_alg = HashAlg::Sha512;
        let data = SshSig::signed_data(namespace, hash_alg, msg)
            .map_err(|e| SigningError::Malformed(e.to_string()))?;
        let blob = (self.public.to_bytes()).map_err(|e| SigningError::Malformed(e.to_string()))?;
        let flags = match self.public.algorithm() {
            Algorithm::Rsa { .. } => RSA_SHA2_512,
            _ => 0,
        };
        let mut request = vec![SIGN_REQUEST];
        put_string(&mut request, &blob);
        put_string(&mut request, &data);
        request.extend_from_slice(&flags.to_be_bytes());
        let answer = self.exchange(&request)?;
        let signature = match answer.split_first() {
            Some((&SIGN_RESPONSE, mut rest)) => {
                let blob = read_string(&mut rest).ok_or_else(|| self.failed("a short answer"))?;
                Signature::decode(&mut blob.as_slice())
                    .map_err(|e| SigningError::Agent(format!("the agent's signature: {e}")))?
            }
            _ => return Err(self.failed("it refused (is the key added? `ssh-add -l` lists them)")),
        };
        SshSig::new(
            self.public.key_data().clone(),
            namespace,
            hash_alg,
            signature,
        )
        .map_err(|e| SigningError::Malformed(e.to_string()))
    }

    /// Sends one request to the agent and reads its answer.
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, SigningError> {
        let io = |e: std::io::Error| {
            SigningError::Agent(format!("ssh-agent at {}: {e}", self.socket.display()))
        };
        let mut stream = connect(&self.socket).map_err(io)?;
        let mut framed = (request.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(request);
        stream.write_all(&framed).map_err(io)?;
        let mut len = [0u8; 4];
        stream.read_exact(&mut len).map_err(io)?;
        let len = u32::from_be_bytes(len) as usize;
        if len > 256 * 1024 {
            return Err(self.failed("an answer too long to be a signature"));
        }
        let mut answer = vec![0; len];
        stream.read_exact(&mut answer).map_err(io)?;
        Ok(answer)
    }

    fn failed(&self, why: &str) -> SigningError {
        SigningError::Agent(format!(
            "ssh-agent did not sign with {}: {why}",
            self.describe()
        ))
    }
}

#[cfg(unix)]
fn connect(socket: &Path) -> std::io::Result<std::os::unix::net::UnixStream> {
    std::os::unix::net::UnixStream::connect(socket)
}

#[cfg(not(unix))]
fn connect(_socket: &Path) -> std::io::Result<std::fs::File> {
    Err(std::io::Error::other("ssh-agent is supported on Unix only"))
}

/// Appends an SSH `string`: its length, then its bytes.
fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Reads an SSH `string` off the front of `input`.
fn read_string(input: &mut &[u8]) -> Option<Vec<u8>> {
    let (len, rest) = input.split_first_chunk::<4>()?;
    let len = u32::from_be_bytes(*len) as usize;
    let bytes = rest.get(..len)?.to_vec();
    *input = &rest[len..];
    Some(bytes)
}
