//! Checkpoints: the journal's length and head hash in the C2SP signed-note
//! form (an origin line, the entry count, the head hash in base64; a blank
//! line; one signature line per signer), to be kept outside the
//! repository, so that a history rewritten and re-chained after it is
//! caught. The signature line carries an SSHSIG (namespace
//! [`CHECKPOINT_NAMESPACE`]) over the note's text up to the blank line, so
//! that `ssh-keygen -Y verify` checks it with the team's allowed_signers.

use base64ct::{Base64, Encoding as _};
use chrono::{DateTime, Utc};

use super::check::{Verdict, check_signature};
use super::{AllowedSigners, CHECKPOINT_NAMESPACE, Signer, SigningError};

/// The em dash that starts a signature line of a signed note.
const SIGNATURE_MARK: &str = "\u{2014} ";

/// What a checkpoint says of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Names the journal (`ledger:PROJECT`, or the store's URL).
    pub origin: String,
    /// How many entries it held.
    pub count: u64,
    /// The hash of its last entry (hex).
    pub head: String,
}

/// A checkpoint read back, with its signature lines (name, signature).
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The note's text that is signed.
    pub body: String,
    /// Each signature line: the signer's name and its stored signature.
    pub signatures: Vec<(String, String)>,
}

/// A checkpoint file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CheckpointError(pub String);

impl Checkpoint {
    /// The note's text that is signed: origin, count, head (base64).
    pub fn body(&self) -> Result<String, CheckpointError> {
        let head = hex::decode(&self.head)
            .map_err(|_| CheckpointError(format!("`{}` is not a hex hash", self.head)))?;
        Ok(format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.count,
            Base64::encode_string(&head)
        ))
    }

    /// The signed note, signed by `signer` under `name`.
    pub fn sign(&self, signer: &Signer, name: &str) -> Result<String, SigningError> {
        let body = self.body().map_err(|e| SigningError::Malformed(e.0))?;
        let signature = signer.sign(CHECKPOINT_NAMESPACE, body.as_bytes())?;
        Ok(format!("{body}\n{SIGNATURE_MARK}{name} {signature}\n"))
    }
}

impl SignedCheckpoint {
    /// Reads a signed note.
    pub fn parse(text: &str) -> Result<SignedCheckpoint, CheckpointError> {
        let bad = |why: &str| CheckpointError(format!("not a ledger checkpoint: {why}"));
        let (body, signatures) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line between the note and its signatures"))?;
        let body = format!("{body}\n");
        let mut lines = body.lines();
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| bad("no origin"))?;
        let count = (lines.next().and_then(|l| l.parse().ok())).ok_or_else(|| bad("no count"))?;
        let head = (lines.next().and_then(|l| Base64::decode_vec(l).ok()))
            .filter(|h| h.len() == 32)
            .ok_or_else(|| bad("no head hash (32 bytes of base64)"))?;
        let signatures = (signatures.lines())
            .filter_map(|l| l.strip_prefix(SIGNATURE_MARK))
            .filter_map(|l| l.split_once(' '))
            .map(|(name, sig)| (name.to_string(), sig.trim().to_string()))
            .collect();
        Ok(SignedCheckpoint {
            checkpoint: Checkpoint {
                origin: origin.to_string(),
                count,
                head: hex::encode(head),
            },
            body,
            signatures,
        })
    }

    /// What its signatures say against `allowed`: the first that counts,
    /// else the first verdict (unsigned without any).
    pub fn verdict(&self, allowed: &AllowedSigners, now: DateTime<Utc>) -> Verdict {
        let message = (CHECKPOINT_NAMESPACE, self.body.as_bytes());
        let verdicts: Vec<Verdict> = (self.signatures.iter())
            .map(|(_, sig)| check_signature(message, sig, now, allowed))
            .collect();
        match verdicts.iter().find(|v| v.is_signed()) {
            Some(signed) => signed.clone(),
            None => verdicts.into_iter().next().unwrap_or(Verdict::Unsigned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_reads_back_as_written() {
        let checkpoint = Checkpoint {
            origin: "ledger:shop".into(),
            count: 42,
            head: "ab".repeat(32),
        };
        let body = checkpoint.body().unwrap();
        assert_eq!(body.lines().count(), 3);
        let text = format!("{body}\n\u{2014} ana AAAA\n");
        let read = SignedCheckpoint::parse(&text).unwrap();
        assert_eq!(read.checkpoint, checkpoint);
        assert_eq!(read.body, body);
        assert_eq!(read.signatures, vec![("ana".into(), "AAAA".into())]);
        assert!(SignedCheckpoint::parse("ledger:shop\n42\n").is_err());
    }
}
