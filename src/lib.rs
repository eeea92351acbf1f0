//! `ledger`: an append-only, tamper-evident TOML ledger of deploys to AWS,
//! keyed by git commit and pinned to S3 object versions and CloudFront
//! invalidations, rendered into AWS_VERSIONS.md and CHANGELOG.md.
//!
//! Data flows one way: [`cli`] -> sources ([`git`]) -> [`journal`] (append),
//! and [`journal`] -> [`model`] -> [`render`].
//!
//! The `aws` feature (on by default) brings the AWS clients and everything
//! that calls them: the commands, the CLI and the S3 store. Without it the
//! crate is the ledger's formats alone (journal, `ledger.toml`, importers,
//! templates), which is what the fuzz targets in `fuzz/` build on.

#[cfg(feature = "aws")]
pub mod aws;
pub mod changes;
#[cfg(feature = "aws")]
pub mod cli;
#[cfg(feature = "aws")]
pub mod commands;
#[cfg(feature = "aws")]
pub mod complete;
pub mod config;
pub mod document;
pub mod git;
pub mod import;
pub mod journal;
pub mod location;
pub mod model;
#[cfg(feature = "aws")]
pub mod ops;
pub mod parallel;
pub mod render;
pub mod s3_key;
pub mod services;
pub mod signing;
pub mod store;
pub mod timestamp;
pub mod ui;
pub mod verify;
