//! The declarations of the document's tables: one per table, in the order
//! the default template prints them. A new column or service is added here.

use super::{Column, Table, TableView, read_into};
use crate::config::{
    Alarm, BucketDecl, DistributionDecl, Environment, FunctionDecl, LogGroup, Monitoring,
    SecretDecl, TableDecl,
};

/// `### S3 Buckets`.
pub static BUCKETS: Table<BucketDecl> = Table {
    kind: "s3",
    title: "S3 Buckets",
    columns: &[
        Column::code_key("Bucket", |b| &b.name, |b, v| b.name = v),
        Column::text("Purpose", |b| b.purpose.as_deref(), |b| &mut b.purpose),
        Column::text(
            "Versioning",
            |b| b.versioning.as_deref(),
            |b| &mut b.versioning,
        ),
        Column::text(
            "Encryption",
            |b| b.encryption.as_deref(),
            |b| &mut b.encryption,
        ),
        Column::always(Column::text(
            "Last Deploy",
            |b| b.last_deploy.as_deref(),
            |b| &mut b.last_deploy,
        )),
    ],
};

/// `### CloudFront Distributions`.
pub static DISTRIBUTIONS: Table<DistributionDecl> = Table {
    kind: "cloudfront",
    title: "CloudFront Distributions",
    columns: &[
        Column::code_key("Distribution ID", |d| &d.id, |d, v| d.id = v),
        Column::text("Domain", |d| d.domain.as_deref(), |d| &mut d.domain),
        Column::text("Origin", |d| d.origin.as_deref(), |d| &mut d.origin),
        Column::text("Status", |d| d.status.as_deref(), |d| &mut d.status),
        Column::always(Column::markdown(
            "Last Invalidation",
            |d| d.last_invalidation.as_deref(),
            |d| &mut d.last_invalidation,
        )),
    ],
};

/// `### Lambda Functions`.
pub static FUNCTIONS: Table<FunctionDecl> = Table {
    kind: "lambda",
    title: "Lambda Functions",
    columns: &[
        Column::code_key("Function", |f| &f.name, |f, v| f.name = v),
        Column::text("Runtime", |f| f.runtime.as_deref(), |f| &mut f.runtime),
        Column::text("Memory", |f| f.memory.as_deref(), |f| &mut f.memory),
        Column::text("Timeout", |f| f.timeout.as_deref(), |f| &mut f.timeout),
        Column::always(Column::text(
            "Last Deploy",
            |f| f.last_deploy.as_deref(),
            |f| &mut f.last_deploy,
        )),
    ],
};

/// `### DynamoDB Tables`.
pub static DYNAMODB_TABLES: Table<TableDecl> = Table {
    kind: "dynamodb",
    title: "DynamoDB Tables",
    columns: &[
        Column::code_key("Table", |t| &t.name, |t, v| t.name = v),
        Column::text("Billing", |t| t.billing.as_deref(), |t| &mut t.billing),
        Column::flag("PITR", |t| t.pitr, |t| &mut t.pitr, ("Yes", "No")),
        Column::flag("TTL", |t| t.ttl, |t| &mut t.ttl, ("Enabled", "Disabled")),
        Column::code_list("GSIs", |t| t.gsis.as_deref(), |t| &mut t.gsis),
    ],
};

/// `### Secrets Manager`.
pub static SECRETS: Table<SecretDecl> = Table {
    kind: "secrets",
    title: "Secrets Manager",
    columns: &[
        Column::code_key("Secret ID", |s| &s.id, |s, v| s.id = v),
        Column::text("Purpose", |s| s.purpose.as_deref(), |s| &mut s.purpose),
        Column::text("Rotation", |s| s.rotation.as_deref(), |s| &mut s.rotation),
    ],
};

/// `### CloudWatch Alarms` (under Monitoring).
pub static ALARMS: Table<Alarm> = Table {
    kind: "alarms",
    title: "CloudWatch Alarms",
    columns: &[
        Column::text_key("Alarm", |a| &a.name, |a, v| a.name = v),
        Column::always(Column::code(
            "Metric",
            |a| a.metric.as_deref(),
            |a| &mut a.metric,
        )),
        Column::always(Column::text(
            "Threshold",
            |a| a.threshold.as_deref(),
            |a| &mut a.threshold,
        )),
    ],
};

/// `### Log Groups` (under Monitoring).
pub static LOG_GROUPS: Table<LogGroup> = Table {
    kind: "log_groups",
    title: "Log Groups",
    columns: &[
        Column::code_key("Log Group", |g| &g.name, |g, v| g.name = v),
        Column::always(Column::text(
            "Retention",
            |g| g.retention.as_deref(),
            |g| &mut g.retention,
        )),
    ],
};

/// An environment's tables in the template's order, empty ones left out.
/// `env` holds the rows to print: declared ones with what the journal and
/// the latest snapshot know laid over them.
pub fn environment_tables(env: &Environment) -> Vec<TableView> {
    let order = |kind: &str| env.columns.get(kind);
    let tables = [
        BUCKETS.layout(&env.buckets, order(BUCKETS.kind)),
        DISTRIBUTIONS.layout(&env.distributions, order(DISTRIBUTIONS.kind)),
        FUNCTIONS.layout(&env.functions, order(FUNCTIONS.kind)),
        DYNAMODB_TABLES.layout(&env.tables, order(DYNAMODB_TABLES.kind)),
        SECRETS.layout(&env.secrets, order(SECRETS.kind)),
    ];
    tables.into_iter().filter(|t| !t.rows.is_empty()).collect()
}

/// Reads a table titled `title` of an environment section into `env`;
/// false when the title names no table or the header lacks its key column.
pub fn read_environment_table(
    env: &mut Environment,
    title: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> bool {
    let columns = &mut env.columns;
    match title {
        t if t == BUCKETS.title => read_into(&BUCKETS, header, rows, &mut env.buckets, columns),
        t if t == DISTRIBUTIONS.title => read_into(
            &DISTRIBUTIONS,
            header,
            rows,
            &mut env.distributions,
            columns,
        ),
        t if t == FUNCTIONS.title => {
            read_into(&FUNCTIONS, header, rows, &mut env.functions, columns)
        }
        t if t == DYNAMODB_TABLES.title => {
            read_into(&DYNAMODB_TABLES, header, rows, &mut env.tables, columns)
        }
        t if t == SECRETS.title => read_into(&SECRETS, header, rows, &mut env.secrets, columns),
        _ => false,
    }
}

/// The Monitoring section's tables, empty ones left out.
pub fn monitoring_tables(monitoring: &Monitoring) -> Vec<TableView> {
    let order = |kind: &str| monitoring.columns.get(kind);
    let tables = [
        ALARMS.layout(&monitoring.alarms, order(ALARMS.kind)),
        LOG_GROUPS.layout(&monitoring.log_groups, order(LOG_GROUPS.kind)),
    ];
    tables.into_iter().filter(|t| !t.rows.is_empty()).collect()
}

/// Reads a table of the Monitoring section into `monitoring`; false when
/// the title names no table or the header lacks its key column.
pub fn read_monitoring_table(
    monitoring: &mut Monitoring,
    title: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> bool {
    let columns = &mut monitoring.columns;
    match title {
        t if t == ALARMS.title => read_into(&ALARMS, header, rows, &mut monitoring.alarms, columns),
        t if t == LOG_GROUPS.title => read_into(
            &LOG_GROUPS,
            header,
            rows,
            &mut monitoring.log_groups,
            columns,
        ),
        _ => false,
    }
}
