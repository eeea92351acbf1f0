//! The journal as the template context reads it. [`Whole`]: every entry
//! with its files, for a template that lists the deploys themselves, the
//! audit page, and the context printed whole. [`Indexed`]: every entry's
//! head (its files left out) but for the few whole entries the context's
//! views show, what an environment served folded through the index, and
//! the deployment history from its cache: what the built-in documents
//! read, so that a render does not grow with the journal's files.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::journal::{Entry, Index, JournalError};
use crate::model::{self, LiveState};

/// What the context reads of a journal.
pub trait Source: Sync {
    /// Every entry, in journal order. A source may leave out the files of
    /// all but the last deploy of each environment (the views that show
    /// files show those).
    fn entries(&self) -> &[Entry];

    /// What `env` served after entry `upto`, from the entries in force.
    fn live_state(&self, env: &str, upto: u64) -> Result<LiveState, JournalError>;

    /// The deployment history: the blocks of the entries in force,
    /// newest first, joined.
    fn history(&self, config: &Config) -> Result<String, JournalError>;
}

/// Every entry whole.
#[derive(Debug, Clone, Copy)]
pub struct Whole<'a>(pub &'a [Entry]);

impl Source for Whole<'_> {
    fn entries(&self) -> &[Entry] {
        self.0
    }

    fn live_state(&self, env: &str, upto: u64) -> Result<LiveState, JournalError> {
        Ok(model::live_state(self.0, env, upto))
    }

    fn history(&self, config: &Config) -> Result<String, JournalError> {
        Ok(super::history::joined(config, self.0))
    }
}

/// A journal read through its index: heads, and the last deploy of each
/// environment whole.
#[derive(Debug)]
pub struct Indexed<'a> {
    index: &'a Index,
    entries: Vec<Entry>,
    ledger_dir: PathBuf,
}

impl<'a> Indexed<'a> {
    /// Reads the heads of `index`, and whole the entries the views show:
    /// the last deploy or rollback in force of each environment.
    pub fn open(index: &'a Index, ledger_dir: &Path) -> Result<Indexed<'a>, JournalError> {
        let mut entries = index.heads()?.to_vec();
        let in_force = model::in_force(&entries);
        let mut envs: Vec<&str> = in_force.iter().map(|e| e.env.as_str()).collect();
        envs.sort_unstable();
        envs.dedup();
        let shown: Vec<u64> = (envs.iter())
            .filter_map(|env| model::last_deploy(&in_force, env).map(|e| e.seq))
            .collect();
        drop(in_force);
        for whole in index.entries(&shown)? {
            if let Ok(at) = entries.binary_search_by_key(&whole.seq, |e| e.seq) {
                entries[at] = whole;
            }
        }
        Ok(Indexed {
            index,
            entries,
            ledger_dir: ledger_dir.to_path_buf(),
        })
    }
}

impl Source for Indexed<'_> {
    fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn live_state(&self, env: &str, upto: u64) -> Result<LiveState, JournalError> {
        model::live_state_indexed(self.index, env, upto)
    }

    fn history(&self, config: &Config) -> Result<String, JournalError> {
        super::history::joined_cached(config, self.index, &self.entries, &self.ledger_dir)
    }
}
