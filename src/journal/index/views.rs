//! Views of a few heads per journal file: what an append checks against,
//! and what `status`, `live --at`, `log` and `show` read.

use super::Index;
use crate::journal::digest::Digest;
use crate::journal::{Entry, EntryKind, JournalError};

impl Index {
    /// The heads an append to `env` checks against, in journal order: every
    /// void, and of each file the heads its digest keeps for `env`, or all
    /// its heads for the tail, for a file one of whose entries a void marks,
    /// and for a file that deployed a version `same_version` accepts (the
    /// version being recorded). On these, `model::last_deploy`,
    /// `last_observed`, `lock_of`, `last_functions_change` and
    /// `live_functions` for `env`, and the check that a version is not
    /// recorded twice, answer as on every head, whatever the journal's
    /// length.
    pub fn append_view(
        &self,
        env: &str,
        same_version: impl Fn(&str) -> bool,
    ) -> Result<Vec<Entry>, JournalError> {
        self.picked_view(env, u64::MAX, |digest| {
            (digest.envs.get(env)).is_some_and(|e| e.versions.keys().any(|v| same_version(v)))
        })
    }

    /// The heads on which every [`Last`](super::questions::Last) question
    /// about `env`, asked of the entries up to `upto`, answers as on every
    /// head, with every void of the journal (so that `model::in_force`
    /// leaves out what a later void marks): a few heads per file, whatever
    /// the journal's length. For `status`, and for `live --at` and `show`
    /// once they know the entry they answer for.
    pub fn view(&self, env: &str, upto: u64) -> Result<Vec<Entry>, JournalError> {
        self.picked_view(env, upto, |_| false)
    }

    /// [`Index::view`], with all the heads of a file `whole` accepts.
    fn picked_view(
        &self,
        env: &str,
        upto: u64,
        whole: impl Fn(&Digest) -> bool,
    ) -> Result<Vec<Entry>, JournalError> {
        let tail = self.files.len().saturating_sub(1);
        let mut view = Vec::new();
        for (at, file) in self.files.iter().enumerate() {
            let digest = &file.digest;
            if digest.count > 0 && digest.first > upto {
                view.extend(digest.voids.iter().cloned());
                continue;
            }
            let voided_here = self.voided.keys().any(|seq| digest.covers(*seq));
            let cut = digest.covers(upto) && upto < digest.last;
            if at == tail || cut || voided_here || !digest.consecutive || whole(digest) {
                let heads = self.file_heads(at)?.iter();
                view.extend(
                    heads
                        .filter(|e| e.seq <= upto || e.kind == EntryKind::Void)
                        .cloned(),
                );
                continue;
            }
            let mut picked: Vec<&Entry> = digest.voids.iter().collect();
            picked.extend(digest.envs.get(env).into_iter().flat_map(|e| &e.lasts));
            picked.sort_by_key(|e| e.seq);
            picked.dedup_by_key(|e| e.seq);
            view.extend(picked.into_iter().cloned());
        }
        Ok(view)
    }

    /// The first entry in force that changed what `env` serves (a deploy or
    /// rollback) with an instant after `at`, in journal order: where a scan
    /// of the environment's deploys up to `at` stops. Files whose deploys
    /// all came before `at` are passed by their digest.
    pub fn first_deploy_after(
        &self,
        env: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<&Entry>, JournalError> {
        let tail = self.files.len().saturating_sub(1);
        for (position, file) in self.files.iter().enumerate() {
            let digest = &file.digest;
            let voided_here = self.voided.keys().any(|seq| digest.covers(*seq));
            let latest = digest.envs.get(env).and_then(|e| e.latest_deploy);
            let special = position == tail || voided_here || !digest.consecutive;
            if !special && latest.is_none_or(|latest| latest <= at) {
                continue;
            }
            let after = (self.file_heads(position)?.iter()).find(|e| {
                e.env == env
                    && e.kind.changes_files()
                    && !self.voided.contains_key(&e.seq)
                    && e.deployed_at.instant() > at
            });
            if after.is_some() {
                return Ok(after);
            }
        }
        Ok(None)
    }

    /// The newest `count` heads `keep` accepts, newest first: the files'
    /// heads read from the tail back, only as far as needed.
    pub fn newest_heads(
        &self,
        count: usize,
        keep: impl Fn(&Entry) -> bool,
    ) -> Result<Vec<Entry>, JournalError> {
        let mut found = Vec::new();
        for at in (0..self.files.len()).rev() {
            if found.len() >= count {
                break;
            }
            let heads = self.file_heads(at)?.iter().rev().filter(|e| keep(e));
            found.extend(heads.take(count - found.len()).cloned());
        }
        Ok(found)
    }
}
