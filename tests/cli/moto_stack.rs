//! The rest of an AWS stack on moto_server, made as a team's pipeline and
//! console would make it: Lambda functions and their versions and aliases,
//! DynamoDB tables, secrets, alarms and log groups.

use aws_sdk_cloudwatch::types::{ComparisonOperator, StandardUnit, Statistic};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    PointInTimeRecoverySpecification, Projection, ProjectionType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};

use crate::moto::Moto;

/// Clients for the services beyond S3 and CloudFront, pointed at a moto.
pub struct Stack<'a> {
    moto: &'a Moto,
    pub lambda: aws_sdk_lambda::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
}

macro_rules! client {
    ($krate:ident, $endpoint:expr) => {{
        let credentials =
            $krate::config::Credentials::new("testing", "testing", None, None, "tests");
        $krate::Client::from_conf(
            $krate::Config::builder()
                .http_client(ledger::aws::http_client())
                .behavior_version($krate::config::BehaviorVersion::latest())
                .region($krate::config::Region::new("us-east-1"))
                .endpoint_url($endpoint)
                .credentials_provider(credentials)
                .build(),
        )
    }};
}

/// One alarm to create.
pub struct AlarmSpec<'s> {
    pub name: &'s str,
    pub namespace: &'s str,
    pub metric: &'s str,
    pub statistic: Statistic,
    pub threshold: f64,
    pub unit: Option<StandardUnit>,
}

impl<'a> Stack<'a> {
    /// Clients on `moto`.
    pub fn on(moto: &'a Moto) -> Stack<'a> {
        let endpoint = moto.endpoint.as_str();
        Stack {
            moto,
            lambda: client!(aws_sdk_lambda, endpoint),
            dynamodb: client!(aws_sdk_dynamodb, endpoint),
            secrets: client!(aws_sdk_secretsmanager, endpoint),
            cloudwatch: client!(aws_sdk_cloudwatch, endpoint),
            logs: client!(aws_sdk_cloudwatchlogs, endpoint),
        }
    }

    /// Creates the role functions run as (moto checks that it exists).
    fn role(&self) -> String {
        let iam = client!(aws_sdk_iam, self.moto.endpoint.as_str());
        self.moto.block_on(async {
            match iam.get_role().role_name("lambda-role").send().await {
                Ok(found) => found.role().unwrap().arn().to_string(),
                Err(_) => {
                    let created = iam
                        .create_role()
                        .role_name("lambda-role")
                        .assume_role_policy_document(
                            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
                        )
                        .send()
                        .await
                        .unwrap();
                    created.role().unwrap().arn().to_string()
                }
            }
        })
    }

    /// Creates a function with `code` as its package (moto keeps the bytes;
    /// nothing runs them).
    pub fn function(&self, name: &str, runtime: &str, memory: i32, timeout: i32, code: &str) {
        let role = self.role();
        self.moto.block_on(async {
            self.lambda
                .create_function()
                .function_name(name)
                .runtime(Runtime::from(runtime))
                .role(role)
                .handler("app.handler")
                .code(
                    FunctionCode::builder()
                        .zip_file(Blob::new(code.as_bytes()))
                        .build(),
                )
                .memory_size(memory)
                .timeout(timeout)
                .send()
                .await
                .unwrap();
        });
    }

    /// Uploads new code to `$LATEST`, without publishing it.
    pub fn upload(&self, name: &str, code: &str) {
        self.moto.block_on(async {
            self.lambda
                .update_function_code()
                .function_name(name)
                .zip_file(Blob::new(code.as_bytes()))
                .send()
                .await
                .unwrap();
        });
    }

    /// Uploads new code to `$LATEST` and publishes it: the new version.
    pub fn publish(&self, name: &str, code: &str) -> String {
        self.upload(name, code);
        self.moto.block_on(async {
            let published = self
                .lambda
                .publish_version()
                .function_name(name)
                .send()
                .await
                .unwrap();
            published.version().unwrap().to_string()
        })
    }

    /// Creates alias `alias` at `version`, or moves it there.
    pub fn point(&self, name: &str, alias: &str, version: &str) {
        self.moto.block_on(async {
            let exists = self
                .lambda
                .get_alias()
                .function_name(name)
                .name(alias)
                .send()
                .await
                .is_ok();
            if exists {
                self.lambda
                    .update_alias()
                    .function_name(name)
                    .name(alias)
                    .function_version(version)
                    .send()
                    .await
                    .unwrap();
            } else {
                self.lambda
                    .create_alias()
                    .function_name(name)
                    .name(alias)
                    .function_version(version)
                    .send()
                    .await
                    .unwrap();
            }
        });
    }

    /// The version `alias` points to.
    pub fn alias_version(&self, name: &str, alias: &str) -> String {
        self.moto.block_on(async {
            let found = self
                .lambda
                .get_alias()
                .function_name(name)
                .name(alias)
                .send()
                .await
                .unwrap();
            found.function_version().unwrap().to_string()
        })
    }

    /// Sets a function's memory.
    pub fn set_memory(&self, name: &str, memory: i32) {
        self.moto.block_on(async {
            self.lambda
                .update_function_configuration()
                .function_name(name)
                .memory_size(memory)
                .send()
                .await
                .unwrap();
        });
    }

    /// Creates an on-demand table keyed by `pk`, with an optional GSI.
    pub fn table(&self, name: &str, gsi: Option<&str>) {
        let key = |attribute: &str| {
            KeySchemaElement::builder()
                .attribute_name(attribute)
                .key_type(KeyType::Hash)
                .build()
                .unwrap()
        };
        self.moto.block_on(async {
            let mut create = self
                .dynamodb
                .create_table()
                .table_name(name)
                .billing_mode(BillingMode::PayPerRequest)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("pk")
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .unwrap(),
                )
                .key_schema(key("pk"));
            if let Some(index) = gsi {
                create = create
                    .attribute_definitions(
                        AttributeDefinition::builder()
                            .attribute_name("tenant")
                            .attribute_type(ScalarAttributeType::S)
                            .build()
                            .unwrap(),
                    )
                    .global_secondary_indexes(
                        GlobalSecondaryIndex::builder()
                            .index_name(index)
                            .key_schema(key("tenant"))
                            .projection(
                                Projection::builder()
                                    .projection_type(ProjectionType::All)
                                    .build(),
                            )
                            .build()
                            .unwrap(),
                    );
            }
            create.send().await.unwrap();
        });
    }

    /// Turns point-in-time recovery on or off.
    pub fn pitr(&self, name: &str, enabled: bool) {
        self.moto.block_on(async {
            self.dynamodb
                .update_continuous_backups()
                .table_name(name)
                .point_in_time_recovery_specification(
                    PointInTimeRecoverySpecification::builder()
                        .point_in_time_recovery_enabled(enabled)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        });
    }

    /// Turns time to live on, on attribute `expires_at`.
    pub fn ttl(&self, name: &str) {
        self.moto.block_on(async {
            self.dynamodb
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .enabled(true)
                        .attribute_name("expires_at")
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        });
    }

    /// Creates a secret holding `value`.
    pub fn secret(&self, id: &str, value: &str) {
        self.moto.block_on(async {
            self.secrets
                .create_secret()
                .name(id)
                .secret_string(value)
                .send()
                .await
                .unwrap();
        });
    }

    /// Stores a new value: a new version takes AWSCURRENT.
    pub fn new_secret_value(&self, id: &str, value: &str) {
        self.moto.block_on(async {
            self.secrets
                .put_secret_value()
                .secret_id(id)
                .secret_string(value)
                .send()
                .await
                .unwrap();
        });
    }

    /// Creates or replaces an alarm (over 5 minutes, one period).
    pub fn alarm(&self, spec: &AlarmSpec<'_>) {
        self.moto.block_on(async {
            self.cloudwatch
                .put_metric_alarm()
                .alarm_name(spec.name)
                .namespace(spec.namespace)
                .metric_name(spec.metric)
                .statistic(spec.statistic.clone())
                .comparison_operator(ComparisonOperator::GreaterThanThreshold)
                .threshold(spec.threshold)
                .period(300)
                .evaluation_periods(1)
                .set_unit(spec.unit.clone())
                .send()
                .await
                .unwrap();
        });
    }

    /// Creates a log group, with a retention when given.
    pub fn log_group(&self, name: &str, retention_days: Option<i32>) {
        self.moto.block_on(async {
            self.logs
                .create_log_group()
                .log_group_name(name)
                .send()
                .await
                .unwrap();
        });
        if let Some(days) = retention_days {
            self.retention(name, days);
        }
    }

    /// Deletes an alarm.
    pub fn delete_alarm(&self, name: &str) {
        self.moto.block_on(async {
            self.cloudwatch
                .delete_alarms()
                .alarm_names(name)
                .send()
                .await
                .unwrap();
        });
    }

    /// Deletes a log group.
    pub fn delete_log_group(&self, name: &str) {
        self.moto.block_on(async {
            self.logs
                .delete_log_group()
                .log_group_name(name)
                .send()
                .await
                .unwrap();
        });
    }

    /// Sets a log group's retention.
    pub fn retention(&self, name: &str, days: i32) {
        self.moto.block_on(async {
            self.logs
                .put_retention_policy()
                .log_group_name(name)
                .retention_in_days(days)
                .send()
                .await
                .unwrap();
        });
    }
}
