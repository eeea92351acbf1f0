//! `ledger status`: per environment, what is live, whose reading of S3 its
//! objects come from, and a lock.

use serde::Serialize;

use crate::journal::Entry;
use crate::model;
use crate::ops::{Result, Workspace};
use crate::ui::Ui;

/// Every environment's status.
#[derive(Debug, Serialize)]
pub struct Status {
    /// In the order asked.
    pub environments: Vec<EnvStatus>,
}

/// One environment's status.
#[derive(Debug, Serialize)]
pub struct EnvStatus {
    /// Its key.
    pub env: String,
    /// The last deploy or rollback in force.
    pub live: Option<Live>,
    /// The entry whose reading of S3 the objects come from.
    pub objects_from: Option<u64>,
    /// The lock in force.
    pub lock: Option<Lock>,
}

/// The entry live in an environment.
#[derive(Debug, Serialize)]
pub struct Live {
    /// Its seq.
    pub seq: u64,
    /// `deploy` or `rollback`.
    pub kind: String,
    /// Its version.
    pub version: Option<String>,
    /// Its commit.
    pub commit: Option<String>,
    /// When.
    pub deployed_at: String,
    /// Who.
    pub deployed_by: Option<String>,
}

/// A lock in force.
#[derive(Debug, Serialize)]
pub struct Lock {
    /// The lock entry.
    pub seq: u64,
    /// Who locked.
    pub by: Option<String>,
    /// When.
    pub at: String,
    /// Why.
    pub reason: Option<String>,
}

/// The status of the environments `names`.
pub fn status(workspace: &Workspace, names: &[String], ui: &Ui) -> Result<Status> {
    // Status shows the mirror when the store cannot be reached, and says so.
    if let Err(e) = crate::ops::session::refresh_mirror(workspace, &workspace.config()?, ui) {
        crate::warning!(
            ui,
            "the mirror could not be brought up to date from the store ({e}): showing it as it is"
        );
    }
    let index = workspace.index(ui)?;
    let mut environments = Vec::with_capacity(names.len());
    for env in names {
        // A few heads per journal file answer what status asks.
        let view = index.view(env, u64::MAX)?;
        environments.push(env_status(&model::in_force(&view), env));
    }
    Ok(Status { environments })
}

fn env_status(entries: &[Entry], env: &str) -> EnvStatus {
    EnvStatus {
        env: env.to_string(),
        live: model::last_deploy(entries, env).map(|e| Live {
            seq: e.seq,
            kind: e.kind.as_str().into(),
            version: e.version.clone(),
            commit: e.commit.clone(),
            deployed_at: e.deployed_at.to_string(),
            deployed_by: e.deployed_by.clone(),
        }),
        objects_from: model::last_observed(entries, env).map(|e| e.seq),
        lock: model::lock_of(entries, env).map(|l| Lock {
            seq: l.seq,
            by: l.deployed_by.clone(),
            at: l.deployed_at.to_string(),
            reason: l.reason.clone(),
        }),
    }
}
