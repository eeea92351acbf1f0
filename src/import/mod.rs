//! Bringing existing history into the ledger as entries marked `imported`.
//! [`git_tags`] turns a repository's release tags into release entries.

pub mod git_tags;
