//! SSM parameters on moto_server, written as a pipeline would write them.

use aws_sdk_ssm::types::ParameterType;

use crate::moto::Moto;

/// Clients for the configuration services, pointed at a moto.
pub struct Config<'a> {
    moto: &'a Moto,
    pub ssm: aws_sdk_ssm::Client,
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
}
