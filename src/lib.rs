//! `ledger`: an append-only, tamper-evident TOML ledger of deploys to AWS,
//! keyed by git commit and pinned to S3 object versions and CloudFront
//! invalidations, rendered into AWS_VERSIONS.md and CHANGELOG.md.
//!
//! Data flows one way: [`cli`] -> sources ([`git`]) -> [`journal`] (append),
//! and [`journal`] -> [`model`] -> [`render`].

pub mod aws;
pub mod capture;
pub mod changes;
pub mod cli;
pub mod commands;
pub mod complete;
pub mod config;
pub mod git;
pub mod import;
pub mod journal;
pub mod location;
pub mod model;
pub mod render;
pub mod store;
pub mod tables;
pub mod timestamp;
pub mod ui;
pub mod verify;
