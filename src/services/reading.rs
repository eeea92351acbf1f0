//! What a service reads AWS with: the clients, the environment and the
//! service's declarations, and what to do with a declared resource AWS
//! does not know.

use crate::aws::error::declared_in;
use crate::aws::{AwsError, Clients};
use crate::config::{Config, Environment, declare::Declaration};

/// What to do with a declared resource AWS does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Fail the read, naming it (`snapshot`: nothing is recorded).
    Refuse,
    /// Leave it out (`verify --aws`: it is drift, "gone from AWS").
    Skip,
}

/// What a service reads its state with.
pub struct StateRead<'a> {
    /// The clients of the environment.
    pub clients: &'a Clients,
    /// The environment's key.
    pub env_key: &'a str,
    /// The environment.
    pub env: &'a Environment,
    /// The service's declarations (the value under its key).
    pub declared: Option<&'a toml::Value>,
    /// What to do with a declared resource AWS does not know.
    pub missing: Missing,
}

impl StateRead<'_> {
    /// A resource read, or None when AWS does not know it and the read
    /// leaves such resources out; `list` names its declarations
    /// (`[[environments.production.tables]]`).
    pub fn keep<T>(&self, read: Result<T, AwsError>, list: &str) -> Result<Option<T>, AwsError> {
        match read {
            Ok(state) => Ok(Some(state)),
            Err(AwsError::NotFound { .. }) if self.missing == Missing::Skip => Ok(None),
            Err(error) => Err(declared_in(error, list)),
        }
    }

    /// `[[environments.E.KEY]]`, naming a declaration of this environment.
    pub fn in_env(&self, key: &str) -> String {
        format!("[[environments.{}.{key}]]", self.env_key)
    }
}

/// What `--discover` lists with.
pub struct Discovery<'a> {
    /// The clients of the environment.
    pub clients: &'a Clients,
    /// Only names starting with this.
    pub prefix: &'a str,
    /// The environment asked for.
    pub env_key: &'a str,
    /// The whole configuration (what is declared already, and where).
    pub config: &'a Config,
}

/// A resource found in AWS and its proposed declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Its name.
    pub name: String,
    /// The declaration to add to `ledger.toml`.
    pub declaration: Declaration,
}

/// Reads what `env` declares of every service its snapshots read (in
/// `scope`: the monitoring with the release environment's). Any failing
/// call fails the whole read: nothing partial is returned.
pub async fn read_inventory(
    clients: &Clients,
    (env_key, env): (&str, &Environment),
    config: &Config,
    scope: super::inventory::Scope,
    missing: Missing,
) -> Result<crate::journal::Inventory, AwsError> {
    let mut inventory = crate::journal::Inventory::new();
    for service in super::REGISTRY.iter().filter(|s| scope.reads(**s)) {
        let cx = StateRead {
            clients,
            env_key,
            env,
            declared: super::declarations(config, env, service.declared_at()),
            missing,
        };
        if let Some(state) = service.read_state(&cx).await? {
            inventory.insert(service.state_key().to_string(), state);
        }
    }
    Ok(inventory)
}

/// The versions every pinning service's declared resources of `env`
/// serve now, by the service's key (services that pin nothing left out).
/// A declared resource AWS does not know fails the read, naming where it
/// is declared.
pub async fn read_pins(
    clients: &Clients,
    (env_key, env): (&str, &Environment),
    config: &Config,
) -> Result<crate::journal::Pins, AwsError> {
    let mut pins = crate::journal::Pins::new();
    for service in super::REGISTRY {
        let Some(pinning) = service.pinning() else {
            continue;
        };
        let cx = super::PinRead {
            clients,
            env_key,
            declared: super::declarations(config, env, service.declared_at()),
        };
        let list = format!("[[environments.{env_key}.{}]]", service.declared_at().key());
        let read = (pinning.capture(&cx).await).map_err(|e| declared_in(e, &list))?;
        if !read.is_empty() {
            pins.insert(pinning.key().to_string(), read);
        }
    }
    Ok(pins)
}

/// What the account holds that starts with `cx.prefix`, service by
/// service, and of it what `ledger.toml` does not declare yet: (found,
/// declarations to add).
pub async fn discover(cx: &Discovery<'_>) -> Result<Discovered, AwsError> {
    let env = cx.config.environments.get(cx.env_key);
    let mut discovered = Discovered::default();
    for service in super::REGISTRY {
        let proposals = service.discover(cx).await?;
        discovered.total += proposals.len();
        // `[monitoring]` is read by the release environment's snapshots,
        // with its account and region: only what that environment finds
        // belongs there.
        let at = service.declared_at();
        let monitoring = matches!(at, super::Declared::Monitoring(_));
        if monitoring && cx.env_key != cx.config.changelog.release_env {
            continue;
        }
        let declared = env.map_or_else(Vec::new, |env| {
            service.declared_names(env, super::declarations(cx.config, env, at))
        });
        let elsewhere = declared_elsewhere(service, cx);
        for proposal in proposals
            .into_iter()
            .filter(|p| !declared.contains(&p.name))
        {
            match elsewhere.iter().find(|(name, _)| *name == proposal.name) {
                Some((name, other)) => (discovered.elsewhere).push((
                    service.table_title().to_string(),
                    name.clone(),
                    other.clone(),
                )),
                None => discovered.missing.push(proposal.declaration),
            }
        }
    }
    Ok(discovered)
}

/// What discovery found: how many resources, the declarations `ledger.toml`
/// lacks, and those left out because another environment declares them.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    /// Resources found.
    pub total: usize,
    /// Declarations of those no environment declares.
    pub missing: Vec<Declaration>,
    /// (what, name, the environment declaring it) of each resource found
    /// that another environment declares: proposed here, a rollback of this
    /// environment would change that one's.
    pub elsewhere: Vec<(String, String, String)>,
}

/// (name, environment) of each resource of `service` that an environment
/// other than the one discovered declares (none for `[monitoring]`, which
/// is shared).
fn declared_elsewhere(service: &dyn super::Service, cx: &Discovery<'_>) -> Vec<(String, String)> {
    let at = service.declared_at();
    if matches!(at, super::Declared::Monitoring(_)) {
        return Vec::new();
    }
    (cx.config.environments.iter())
        .filter(|(key, _)| key.as_str() != cx.env_key)
        .flat_map(|(key, env)| {
            let names = service.declared_names(env, super::declarations(cx.config, env, at));
            names.into_iter().map(move |name| (name, key.clone()))
        })
        .collect()
}
