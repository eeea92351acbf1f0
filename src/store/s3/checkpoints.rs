//! Checkpoints kept in the store, under `PREFIX/checkpoints/`: written once
//! (a conditional write; write-once for good under Object Lock), and read
//! back for `verify --store`.

use super::S3Store;
use super::StoreError;
use crate::aws::{self, store as calls};

impl S3Store {
    fn checkpoints_prefix(&self) -> String {
        format!("{}checkpoints/", self.prefix)
    }

    /// Puts a checkpoint of `count` entries whose head is `head` in the
    /// store, never over one already there; returns its `s3://` address
    /// and whether the store now holds this note (`false`: another note
    /// of the same state, signed by another key, was there first and is
    /// kept).
    pub fn put_checkpoint(
        &self,
        count: u64,
        head: &str,
        note: &str,
    ) -> Result<(String, bool), StoreError> {
        let short = head.get(..16).unwrap_or(head);
        let key = format!("{}{count:012}-{short}.txt", self.checkpoints_prefix());
        let put = calls::put_if_absent(&self.clients, &self.bucket, &key, note.as_bytes());
        let written = self.runtime.block_on(put)?;
        let held = written
            || (self
                .runtime
                .block_on(calls::get(&self.clients, &self.bucket, &key))?)
            .is_some_and(|body| body == note.as_bytes());
        Ok((format!("s3://{}/{key}", self.bucket), held))
    }

    /// Every checkpoint in the store: its `s3://` address and text.
    pub fn checkpoints(&self) -> Result<Vec<(String, String)>, StoreError> {
        let prefix = self.checkpoints_prefix();
        let list = aws::s3::list_versions(&self.clients, &self.bucket, &prefix, None, &|_| {});
        let listing = self.runtime.block_on(list)?;
        let mut found = Vec::new();
        for (key, _) in listing.latest.iter().filter(|(_, o)| !o.deleted) {
            let body = self
                .runtime
                .block_on(calls::get(&self.clients, &self.bucket, key))?;
            if let Some(body) = body {
                let text = String::from_utf8_lossy(&body).into_owned();
                found.push((format!("s3://{}/{key}", self.bucket), text));
            }
        }
        Ok(found)
    }
}
