//! SSM parameters and API Gateway REST deployments on moto_server, made as
//! a pipeline would make them.

use aws_sdk_ssm::types::ParameterType;

use crate::moto::Moto;

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
