//! What a snapshot read, laid over the declared rows: once an environment
//! has a snapshot, its tables show what AWS said, written as the document
//! writes it; rows AWS was not asked about keep their declared values.

use super::display;
use crate::config::{Environment, Monitoring};
use crate::journal::Inventory;

/// Lays the snapshot's bucket, distribution, functions, tables and secrets
/// over `env`'s declared rows.
pub fn overlay_environment(env: &mut Environment, snapshot: &Inventory) {
    overlay_s3_and_cloudfront(env, snapshot);
    for row in &mut env.functions {
        let Some(state) = snapshot.functions.iter().find(|f| f.name == row.name) else {
            continue;
        };
        if let Some(runtime) = &state.runtime {
            row.runtime = Some(display::runtime_name(runtime));
        }
        if let Some(mb) = state.memory_mb {
            row.memory = Some(display::memory(mb));
        }
        if let Some(seconds) = state.timeout_s {
            row.timeout = Some(display::timeout(seconds));
        }
    }
    for row in &mut env.tables {
        let Some(state) = snapshot.tables.iter().find(|t| t.name == row.name) else {
            continue;
        };
        row.billing = state.billing.clone().or(row.billing.take());
        row.pitr = Some(state.pitr);
        row.ttl = Some(state.ttl.as_deref().is_some_and(display::ttl_enabled));
        row.gsis = Some(state.gsis.clone());
    }
    for row in &mut env.secrets {
        let Some(state) = snapshot.secrets.iter().find(|s| s.id == row.id) else {
            continue;
        };
        // Declared words that agree with AWS ("Manual (90 days)" for a
        // secret without automatic rotation) say more; keep them.
        let declared_manual = row
            .rotation
            .as_deref()
            .is_some_and(|r| r.starts_with("Manual"));
        if state.rotation || !declared_manual {
            row.rotation = Some(display::rotation(state));
        }
    }
}

fn overlay_s3_and_cloudfront(env: &mut Environment, snapshot: &Inventory) {
    if let Some(state) = &snapshot.bucket {
        for bucket in env.buckets.iter_mut().filter(|b| b.name == state.name) {
            bucket.versioning = Some(state.versioning.clone());
            bucket.encryption = Some(state.encryption.clone().unwrap_or_else(|| "None".into()));
        }
    }
    if let Some(state) = &snapshot.distribution {
        for distribution in env.distributions.iter_mut().filter(|d| d.id == state.id) {
            // The public name: an alias, else the declared domain, else CloudFront's own.
            distribution.domain = state
                .aliases
                .first()
                .cloned()
                .or(distribution.domain.take())
                .or_else(|| Some(state.domain.clone()));
            distribution.origin = state.origin.clone().or(distribution.origin.take());
            distribution.status = Some(state.status.clone());
        }
    }
}

/// Lays the snapshot's alarms and log groups over the declared ones.
pub fn overlay_monitoring(monitoring: &mut Monitoring, snapshot: &Inventory) {
    for row in &mut monitoring.alarms {
        let Some(state) = snapshot.alarms.iter().find(|a| a.name == row.name) else {
            continue;
        };
        row.metric = display::metric(state).or(row.metric.take());
        row.threshold = display::threshold(state).or(row.threshold.take());
    }
    for row in &mut monitoring.log_groups {
        if let Some(state) = snapshot.log_groups.iter().find(|g| g.name == row.name) {
            row.retention = Some(display::retention(state.retention_days));
        }
    }
}
