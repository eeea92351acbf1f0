//! OpenSSH's `allowed_signers` file (ssh-keygen(1), ALLOWED SIGNERS): one
//! key per line, with the principals it speaks for and its options
//! (`namespaces="..."`, `valid-after="..."`, `valid-before="..."`,
//! `cert-authority`), and a revoked-keys file (public keys, one per line).

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ssh_key::PublicKey;
use ssh_key::public::KeyData;

/// A line of the file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {problem}")]
pub struct AllowedError {
    /// The file.
    pub path: PathBuf,
    /// The line, from 1 (0: the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// One key allowed to sign.
#[derive(Debug, Clone)]
pub struct AllowedSigner {
    /// The principals field as written (`ana@example.com,ci@github-actions`).
    pub principals: String,
    /// `namespaces="..."`: the namespaces it may sign in (all when absent).
    pub namespaces: Option<Vec<String>>,
    /// `valid-after="..."`.
    pub valid_after: Option<DateTime<Utc>>,
    /// `valid-before="..."`.
    pub valid_before: Option<DateTime<Utc>>,
    /// `cert-authority`: the key signs certificates, not messages.
    pub cert_authority: bool,
    /// The key.
    pub key: KeyData,
    /// Its line in the file.
    pub line: usize,
}

impl AllowedSigner {
    /// Whether it may sign in `namespace`.
    pub fn allows_namespace(&self, namespace: &str) -> bool {
        (self.namespaces.as_ref()).is_none_or(|list| list.iter().any(|n| n == namespace))
    }

    /// Whether `at` is inside its validity.
    pub fn valid_at(&self, at: DateTime<Utc>) -> bool {
        self.valid_after.is_none_or(|after| at >= after)
            && self.valid_before.is_none_or(|before| at < before)
    }
}

/// The keys of an allowed-signers file, and those revoked.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    /// Every line's key, in file order.
    pub signers: Vec<AllowedSigner>,
    /// Revoked keys.
    pub revoked: Vec<KeyData>,
}

impl AllowedSigners {
    /// Reads `path` (and the revoked keys at `revoked`, when given). A
    /// missing allowed-signers file is an empty one: every signature is
    /// then by an unknown key.
    pub fn load(path: &Path, revoked: Option<&Path>) -> Result<AllowedSigners, AllowedError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(whole(path, e)),
        };
        let mut allowed = AllowedSigners::parse(path, &text)?;
        if let Some(revoked) = revoked {
            let text = std::fs::read_to_string(revoked).map_err(|e| whole(revoked, e))?;
            allowed.revoked = parse_revoked(revoked, &text)?;
        }
        Ok(allowed)
    }

    /// Reads the text of an allowed-signers file.
    pub fn parse(path: &Path, text: &str) -> Result<AllowedSigners, AllowedError> {
        let mut signers = Vec::new();
        for (at, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let error = |problem: String| AllowedError {
                path: path.to_path_buf(),
                line: at + 1,
                problem,
            };
            signers.push(parse_line(line, at + 1).map_err(error)?);
        }
        Ok(AllowedSigners {
            signers,
            revoked: Vec::new(),
        })
    }

    /// The lines whose key is `key`, in file order.
    pub fn lines_of<'a>(&'a self, key: &'a KeyData) -> impl Iterator<Item = &'a AllowedSigner> {
        (self.signers.iter()).filter(move |s| !s.cert_authority && s.key == *key)
    }

    /// Whether `key` is revoked.
    pub fn is_revoked(&self, key: &KeyData) -> bool {
        self.revoked.contains(key)
    }
}

fn whole(path: &Path, e: std::io::Error) -> AllowedError {
    AllowedError {
        path: path.to_path_buf(),
        line: 0,
        problem: e.to_string(),
    }
}

/// One line: principals, options (when the second field is not a key
/// type), key type and key, and a comment (free text, quotes and all).
fn parse_line(line: &str, number: usize) -> Result<AllowedSigner, String> {
    let mut rest = line;
    let principals = next_field(&mut rest)?.ok_or("an empty line")?;
    let second = next_field(&mut rest)?.ok_or("no key after the principals")?;
    let (options, key_type) = match is_key_type(&second) {
        true => (None, second),
        false => (Some(second), next_field(&mut rest)?.unwrap_or_default()),
    };
    let key = rest.split_whitespace().next().unwrap_or("");
    if key_type.is_empty() || key.is_empty() {
        return Err("a key type and a base64 key are needed after the principals".into());
    }
    let key = PublicKey::from_openssh(&format!("{key_type} {key}"))
        .map_err(|e| format!("the key does not read as an OpenSSH public key: {e}"))?;
    let mut signer = AllowedSigner {
        principals: principals.trim_matches('"').to_string(),
        namespaces: None,
        valid_after: None,
        valid_before: None,
        cert_authority: false,
        key: key.key_data().clone(),
        line: number,
    };
    if let Some(options) = options {
        apply_options(&mut signer, &options)?;
    }
    Ok(signer)
}

/// Applies the comma-separated options.
fn apply_options(signer: &mut AllowedSigner, options: &str) -> Result<(), String> {
    for option in split_options(options) {
        let (name, value) = match option.split_once('=') {
            Some((name, value)) => (name, Some(value.trim_matches('"'))),
            None => (option.as_str(), None),
        };
        match (name.to_ascii_lowercase().as_str(), value) {
            ("cert-authority", None) => signer.cert_authority = true,
            ("namespaces", Some(list)) => {
                signer.namespaces = Some(list.split(',').map(str::to_string).collect());
            }
            ("valid-after", Some(time)) => signer.valid_after = Some(parse_time(time)?),
            ("valid-before", Some(time)) => signer.valid_before = Some(parse_time(time)?),
            _ => return Err(format!("unknown option `{option}`")),
        }
    }
    Ok(())
}

/// `YYYYMMDD[HHMM[SS]][Z]`, read as UTC with or without the `Z`.
fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    let digits = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    let bad = || format!("`{text}` is not a time of the form YYYYMMDD[HHMM[SS]][Z]");
    let time = match digits.len() {
        8 => NaiveDate::parse_from_str(digits, "%Y%m%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        12 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M").ok(),
        14 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok(),
        _ => None,
    };
    time.map(|t| t.and_utc()).ok_or_else(bad)
}

fn is_key_type(field: &str) -> bool {
    field.starts_with("ssh-") || field.starts_with("ecdsa-") || field.starts_with("sk-")
}

/// The next whitespace-separated field of `rest` (double quotes keep
/// spaces inside one), and `rest` moved past it; `None` at the end.
fn next_field(rest: &mut &str) -> Result<Option<String>, String> {
    let text = rest.trim_start();
    let mut quoted = false;
    let mut end = text.len();
    for (at, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                end = at;
                break;
            }
            _ => {}
        }
    }
    if quoted {
        return Err("a quote is not closed".into());
    }
    *rest = &text[end..];
    Ok((end > 0).then(|| text[..end].to_string()))
}

/// Comma-separated options; commas inside double quotes stay.
fn split_options(options: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut option = String::new();
    let mut quoted = false;
    for c in options.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                option.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut option)),
            c => option.push(c),
        }
    }
    out.push(option);
    out.retain(|o| !o.is_empty());
    out
}

/// A revoked-keys file: one OpenSSH public key per line.
fn parse_revoked(path: &Path, text: &str) -> Result<Vec<KeyData>, AllowedError> {
    let mut keys = Vec::new();
    for (at, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let key = PublicKey::from_openssh(line).map_err(|e| AllowedError {
            path: path.to_path_buf(),
            line: at + 1,
            problem: format!("not an OpenSSH public key ({e}); a KRL is not read"),
        })?;
        keys.push(key.key_data().clone());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB6Dqr1Z/YeK00Z7bDGqwV2VhJMSh/XK+teHtAWETnn6";

    #[test]
    fn lines_with_and_without_options_are_read() {
        let text = format!(
            "# team\nana@example.com {KEY} ana's laptop\n\
             \"ci@github-actions,bot\" namespaces=\"git,ledger-entry\",valid-after=\"20260101\",valid-before=\"202612312359Z\" {KEY}\n"
        );
        let allowed = AllowedSigners::parse(Path::new("allowed_signers"), &text).unwrap();
        assert_eq!(allowed.signers.len(), 2);
        let ci = &allowed.signers[1];
        assert_eq!(ci.principals, "ci@github-actions,bot");
        assert!(ci.allows_namespace("ledger-entry") && !ci.allows_namespace("file"));
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert!(ci.valid_at(at("2026-06-01T00:00:00Z")));
        assert!(!ci.valid_at(at("2025-12-31T23:59:59Z")));
        assert!(!ci.valid_at(at("2026-12-31T23:59:00Z")));
        assert_eq!(ci.line, 3);
    }

    #[test]
    fn a_comment_may_hold_anything() {
        let text = format!("ana@example.com {KEY} ana's \"old\" laptop\n");
        let allowed = AllowedSigners::parse(Path::new("a"), &text).unwrap();
        assert_eq!(allowed.signers[0].principals, "ana@example.com");
    }

    #[test]
    fn a_bad_line_is_named() {
        let text = format!("ana@example.com sometimes=\"x\" {KEY}\n");
        let error = AllowedSigners::parse(Path::new("a"), &text).unwrap_err();
        assert_eq!(error.line, 1);
        assert!(error.problem.contains("unknown option"), "{error}");
        let error = AllowedSigners::parse(Path::new("a"), "ana ssh-ed25519 !!!\n").unwrap_err();
        assert!(error.problem.contains("public key"), "{error}");
    }
}
