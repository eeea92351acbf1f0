//! A real moto_server for the AWS tests, started on a free loopback port
//! and stopped when dropped; and SDK helpers that act on it as a deploy
//! pipeline would (uploads, deletes, invalidations).

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;

use crate::harness::Run;

/// A running moto_server.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    runtime: tokio::runtime::Runtime,
    /// S3 client pointed at it.
    pub s3: aws_sdk_s3::Client,
    /// CloudFront client pointed at it.
    pub cloudfront: aws_sdk_cloudfront::Client,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Moto {
    /// Starts moto_server; fails the test with the install command when it is missing.
    pub fn start() -> Moto {
        Self::start_with(&[])
    }

    /// Starts moto_server with extra environment variables.
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let port = free_port();
        let mut command = Command::new("moto_server");
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!("cannot start moto_server ({e}): install it with `pip install 'moto[server]'` (or run .ci/run)")
        });
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("moto_server exited before listening: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto_server did not listen within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let endpoint = format!("http://127.0.0.1:{port}");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let credentials =
            aws_sdk_s3::config::Credentials::new("testing", "testing", None, None, "tests");
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::Config::builder()
                .http_client(ledger::aws::http_client())
                .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                .region(aws_sdk_s3::config::Region::new("us-east-1"))
                .endpoint_url(&endpoint)
                .credentials_provider(credentials.clone())
                .force_path_style(true)
                .build(),
        );
        let cloudfront = aws_sdk_cloudfront::Client::from_conf(
            aws_sdk_cloudfront::Config::builder()
                .http_client(ledger::aws::http_client())
                .behavior_version(aws_sdk_cloudfront::config::BehaviorVersion::latest())
                .region(aws_sdk_cloudfront::config::Region::new("us-east-1"))
                .endpoint_url(&endpoint)
                .credentials_provider(credentials)
                .build(),
        );
        Moto {
            child,
            endpoint,
            runtime,
            s3,
            cloudfront,
        }
    }

    /// Runs a future on the helper runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Creates an IAM user, with `policy` as its inline policy when given,
    /// and returns its access key (id, secret): an identity moto holds to
    /// that policy once `INITIAL_NO_AUTH_ACTION_COUNT` calls are spent
    /// (2 calls, 3 with a policy).
    pub fn iam_user(&self, name: &str, policy: Option<&str>) -> (String, String) {
        self.block_on(async {
            let iam = aws_sdk_iam::Client::from_conf(
                aws_sdk_iam::Config::builder()
                    .http_client(ledger::aws::http_client())
                    .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
                    .region(aws_sdk_iam::config::Region::new("us-east-1"))
                    .endpoint_url(&self.endpoint)
                    .credentials_provider(aws_sdk_s3::config::Credentials::new(
                        "testing", "testing", None, None, "tests",
                    ))
                    .build(),
            );
            iam.create_user().user_name(name).send().await.unwrap();
            if let Some(policy) = policy {
                iam.put_user_policy()
                    .user_name(name)
                    .policy_name(format!("{name}-policy"))
                    .policy_document(policy)
                    .send()
                    .await
                    .unwrap();
            }
            let key = iam
                .create_access_key()
                .user_name(name)
                .send()
                .await
                .unwrap();
            let key = key.access_key().unwrap();
            (
                key.access_key_id().to_string(),
                key.secret_access_key().to_string(),
            )
        })
    }

    /// Points a ledger run at this server with test credentials.
    pub fn env(&self, run: Run) -> Run {
        run.env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
    }

    /// Creates a bucket, versioned or not.
    pub fn bucket(&self, name: &str, versioned: bool) {
        self.block_on(async {
            self.s3.create_bucket().bucket(name).send().await.unwrap();
            if versioned {
                self.s3
                    .put_bucket_versioning()
                    .bucket(name)
                    .versioning_configuration(
                        aws_sdk_s3::types::VersioningConfiguration::builder()
                            .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                            .build(),
                    )
                    .send()
                    .await
                    .unwrap();
            }
        });
    }

    /// Uploads objects (key, body, content type, cache control), 16 at a time.
    pub fn put_all(&self, bucket: &str, objects: &[Object]) {
        self.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(16));
            for object in objects.iter().cloned() {
                let client = self.s3.clone();
                let bucket = bucket.to_string();
                let permits = permits.clone();
                set.spawn(async move {
                    let _permit = permits.acquire_owned().await.unwrap();
                    client
                        .put_object()
                        .bucket(bucket)
                        .key(&object.key)
                        .body(ByteStream::from(object.body.into_bytes()))
                        .content_type(object.content_type)
                        .cache_control(object.cache_control)
                        .send()
                        .await
                        .unwrap();
                });
            }
            while let Some(done) = set.join_next().await {
                done.unwrap();
            }
        });
    }

    /// Deletes keys (a delete marker in a versioned bucket).
    pub fn delete(&self, bucket: &str, keys: &[&str]) {
        self.block_on(async {
            for key in keys {
                self.s3
                    .delete_object()
                    .bucket(bucket)
                    .key(*key)
                    .send()
                    .await
                    .unwrap();
            }
        });
    }

    /// What S3 says is latest now: key -> (version ID, is delete marker), all pages.
    pub fn latest(&self, bucket: &str) -> BTreeMap<String, (String, bool)> {
        self.block_on(async {
            let mut latest = BTreeMap::new();
            let (mut key_marker, mut version_marker): (Option<String>, Option<String>) =
                (None, None);
            loop {
                let page = self
                    .s3
                    .list_object_versions()
                    .bucket(bucket)
                    .set_key_marker(key_marker.clone())
                    .set_version_id_marker(version_marker.clone())
                    .send()
                    .await
                    .unwrap();
                for v in page.versions() {
                    if v.is_latest() == Some(true) {
                        latest.insert(
                            v.key().unwrap().to_string(),
                            (v.version_id().unwrap().to_string(), false),
                        );
                    }
                }
                for m in page.delete_markers() {
                    if m.is_latest() == Some(true) {
                        latest.insert(
                            m.key().unwrap().to_string(),
                            (m.version_id().unwrap().to_string(), true),
                        );
                    }
                }
                if page.is_truncated() != Some(true) {
                    break;
                }
                key_marker = page.next_key_marker().map(String::from);
                version_marker = page.next_version_id_marker().map(String::from);
            }
            latest
        })
    }

    /// Creates a distribution in front of `bucket`; returns its ID.
    pub fn distribution(&self, bucket: &str) -> String {
        use aws_sdk_cloudfront::types::*;
        self.block_on(async {
            let origin = Origin::builder()
                .id("s3-origin")
                .domain_name(format!("{bucket}.s3.amazonaws.com"))
                .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
                .build()
                .unwrap();
            #[allow(deprecated)]
            let default = DefaultCacheBehavior::builder()
                .target_origin_id("s3-origin")
                .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                .min_ttl(0)
                .default_ttl(86400)
                .max_ttl(31536000)
                .forwarded_values(
                    ForwardedValues::builder()
                        .query_string(false)
                        .cookies(
                            CookiePreference::builder()
                                .forward(ItemSelection::None)
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap();
            let config = DistributionConfig::builder()
                .caller_reference(format!("test-{bucket}"))
                .origins(
                    Origins::builder()
                        .quantity(1)
                        .items(origin)
                        .build()
                        .unwrap(),
                )
                .default_cache_behavior(default)
                .comment("test")
                .enabled(true)
                .build()
                .unwrap();
            let out = self
                .cloudfront
                .create_distribution()
                .distribution_config(config)
                .send()
                .await
                .unwrap();
            out.distribution().unwrap().id().to_string()
        })
    }

    /// Invalidations of a distribution: IDs.
    pub fn invalidations(&self, distribution: &str) -> Vec<String> {
        self.block_on(async {
            let out = self
                .cloudfront
                .list_invalidations()
                .distribution_id(distribution)
                .send()
                .await
                .unwrap();
            out.invalidation_list()
                .map(|l| l.items().iter().map(|i| i.id().to_string()).collect())
                .unwrap_or_default()
        })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One object to upload.
#[derive(Debug, Clone)]
pub struct Object {
    pub key: String,
    pub body: String,
    pub content_type: String,
    pub cache_control: String,
}

impl Object {
    /// An object whose content type and cache control follow its extension.
    pub fn site(key: &str, body: &str) -> Object {
        let (content_type, cache_control) = match key.rsplit('.').next().unwrap_or("") {
            "js" => ("application/javascript", "max-age=86400"),
            "css" => ("text/css", "max-age=86400"),
            "html" => ("text/html", "max-age=300"),
            "woff2" => ("font/woff2", "max-age=31536000"),
            "json" => ("application/json", "no-cache"),
            _ => ("application/octet-stream", "max-age=60"),
        };
        Object {
            key: key.to_string(),
            body: body.to_string(),
            content_type: content_type.to_string(),
            cache_control: cache_control.to_string(),
        }
    }
}

/// A site of `n` files: widget.js, iframe files, fonts, css, html, chunks.
pub fn site(n: usize, version: &str) -> Vec<Object> {
    let mut keys: Vec<String> = vec![
        "widget.js".into(),
        "iframe-main.js".into(),
        "iframe-main.css".into(),
        "iframe.html".into(),
        "fonts/inter/inter-latin.woff2".into(),
        "fonts/montserrat/montserrat-latin.woff2".into(),
        "config/tenants.json".into(),
    ];
    let mut i = 0;
    while keys.len() < n {
        keys.push(format!("assets/chunk-{i:03}.js"));
        if keys.len() < n {
            keys.push(format!("assets/style-{i:03}.css"));
        }
        i += 1;
    }
    keys.truncate(n);
    keys.iter()
        .map(|k| Object::site(k, &format!("{k} {version} {}", "x".repeat(k.len() * 7))))
        .collect()
}
