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
    /// store (a checkpoint of the same state already there is kept);
    /// returns its `s3://` address.
    pub fn put_checkpoint(&self, count: u64, head: &str, note: &str) -> Result<String, StoreError> {
        let short = &head[..head.len().min(16)];
        let key = format!("{}{count:012}-{short}.txt", self.checkpoints_prefix());
        let put = calls::put_if_absent(&self.clients, &self.bucket, &key, note.as_bytes());
        self.runtime.block_on(put)?;
        Ok(format!("s3://{}/{key}", self.bucket))
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
