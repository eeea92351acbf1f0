//! SSM parameters and API Gateway REST deployments on moto_server, made as
//! a pipeline would make them.

use aws_sdk_ssm::types::ParameterType;

use serde_json::Value;

use crate::harness::{Done, Sandbox};
use crate::moto::{Moto, site};

/// Clients for SSM and API Gateway, pointed at a moto.
pub struct Config<'a> {
    moto: &'a Moto,
    pub ssm: aws_sdk_ssm::Client,
    pub apigateway: aws_sdk_apigateway::Client,
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

impl<'a> Config<'a> {
    /// Clients on `moto`.
    pub fn on(moto: &'a Moto) -> Config<'a> {
        let endpoint = moto.endpoint.as_str();
        Config {
            moto,
            ssm: client!(aws_sdk_ssm, endpoint),
            apigateway: client!(aws_sdk_apigateway, endpoint),
        }
    }

    /// Writes `value` as the parameter's newest version; gives the version.
    pub fn put(&self, name: &str, value: &str, kind: &str) -> u64 {
        self.moto.block_on(async {
            let written = self
                .ssm
                .put_parameter()
                .name(name)
                .value(value)
                .r#type(ParameterType::from(kind))
                .overwrite(true)
                .send()
                .await
                .unwrap();
            written.version() as u64
        })
    }

    /// The value SSM serves for a parameter (decrypted: this is the test
    /// looking, not the ledger).
    pub fn value(&self, name: &str) -> (String, u64) {
        self.moto.block_on(async {
            let read = self
                .ssm
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .unwrap();
            let parameter = read.parameter().unwrap();
            (
                parameter.value().unwrap().to_string(),
                parameter.version() as u64,
            )
        })
    }

    /// Creates a REST API with one method (`GET /`, a mock integration:
    /// API Gateway deploys no API without one); gives its ID.
    pub fn rest_api(&self, name: &str) -> String {
        self.moto.block_on(async {
            let api = &self.apigateway;
            let created = api.create_rest_api().name(name).send().await.unwrap();
            let id = created.id().unwrap().to_string();
            let resources = api.get_resources().rest_api_id(&id).send().await.unwrap();
            let root = resources.items()[0].id().unwrap().to_string();
            (api.put_method())
                .rest_api_id(&id)
                .resource_id(&root)
                .http_method("GET")
                .authorization_type("NONE")
                .send()
                .await
                .unwrap();
            (api.put_integration())
                .rest_api_id(&id)
                .resource_id(&root)
                .http_method("GET")
                .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
                .send()
                .await
                .unwrap();
            id
        })
    }

    /// Deploys the API to `stage` (created by the first deployment, moved
    /// by the next ones); gives the deployment's ID.
    pub fn deploy(&self, api: &str, stage: &str, description: &str) -> String {
        self.moto.block_on(async {
            let deployed = self
                .apigateway
                .create_deployment()
                .rest_api_id(api)
                .stage_name(stage)
                .description(description)
                .send()
                .await
                .unwrap();
            deployed.id().unwrap().to_string()
        })
    }

    /// The deployment a stage serves.
    pub fn serving(&self, api: &str, stage: &str) -> String {
        self.moto.block_on(async {
            let read = self
                .apigateway
                .get_stage()
                .rest_api_id(api)
                .stage_name(stage)
                .send()
                .await
                .unwrap();
            read.deployment_id().unwrap().to_string()
        })
    }
}

/// Values no output or file of the ledger may hold in the SSM and API
/// Gateway tests: the parameters' values, String and SecureString.
pub const VALUES: [&str; 5] = [
    "https://api-one",
    "https://api-two",
    "https://api-three",
    "hunter-one",
    "hunter-two",
];

/// A site on moto (bucket `picasso-prod`, two objects) whose account holds
/// three parameters (a String in production and in staging, a SecureString
/// in production), and a ledger configured with `config`.
pub struct World {
    pub moto: Moto,
    pub s: Sandbox,
}

impl World {
    /// The site, the parameters, and a repository with one commit and a ledger.
    pub fn new(config: &str) -> World {
        let moto = Moto::start();
        moto.bucket("picasso-prod", true);
        moto.put_all("picasso-prod", &site(2, "v1"));
        let parameters = Config::on(&moto);
        parameters.put("/picasso/production/api-url", "https://api-one", "String");
        parameters.put(
            "/picasso/production/secret/db-password",
            "hunter-one",
            "SecureString",
        );
        parameters.put("/picasso/staging/api-url", "https://staging", "String");
        let s = Sandbox::new();
        s.ledger(&["init"]).ok();
        s.write("ledger/ledger.toml", config);
        s.commit("src/app.js", "feat: first");
        World { moto, s }
    }

    /// `ledger ARGS` against moto.
    pub fn ledger(&self, args: &[&str]) -> Done {
        self.moto.env(self.s.ledger(args)).run()
    }

    /// `ledger ARGS`, which must succeed and print no parameter's value.
    pub fn ok(&self, args: &[&str]) -> String {
        let done = self.ledger(args);
        done.assert_ok(&args.join(" "));
        assert_no_value(&done.stdout);
        assert_no_value(&done.stderr);
        done.stdout
    }

    /// [`World::ok`] with `--format json`, parsed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        serde_json::from_str(&self.ok(&args)).unwrap()
    }

    /// Records a deploy of production as `version`; the entry.
    pub fn record(&self, version: &str) -> Value {
        self.json(&["record", "--env", "production", "--version", version])
    }

    /// Asserts that no file of the ledger folder holds a parameter's value.
    pub fn assert_no_value_in_files(&self) {
        for file in walk(&self.s.path().join("ledger")) {
            assert_no_value(&String::from_utf8_lossy(&std::fs::read(&file).unwrap()));
        }
    }
}

/// Asserts that `text` holds none of [`VALUES`].
pub fn assert_no_value(text: &str) {
    for value in VALUES {
        assert!(
            !text.contains(value),
            "a parameter's value leaked: {value} in\n{text}"
        );
    }
}

/// (name, version) of an entry's or an answer's parameters.
pub fn parameters(value: &Value) -> Vec<(String, u64)> {
    (value["parameters"].as_array().into_iter().flatten())
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for item in std::fs::read_dir(dir).unwrap().flatten() {
        let path = item.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
