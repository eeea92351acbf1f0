//! `ledger.toml`: the configuration and the declared inventory, edited by
//! people. This module owns its schema, its defaults and its loading; it
//! knows nothing of the journal or of rendering.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::location::Located;

#[cfg(feature = "aws")]
pub mod declare;
mod names;
pub mod signing;

/// File name of the configuration inside the ledger folder.
pub const CONFIG_FILE: &str = "ledger.toml";

/// Errors while reading `ledger.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is missing.
    #[error("{path} not found: run `ledger init` to create a ledger, or pass --ledger DIR")]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match the schema.
    #[error("{0}")]
    Invalid(Located),
    /// An environment that is not declared was asked for.
    #[error("unknown environment `{name}`: {path} declares {known}")]
    UnknownEnvironment {
        /// The name asked for.
        name: String,
        /// The configuration file.
        path: PathBuf,
        /// The declared names, for the message.
        known: String,
    },
}

/// A check of a parsed configuration against its text (`services::check_config`).
pub type Check = fn(&Config, &Path, &str) -> Result<(), ConfigError>;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Project identity, used in document headings.
    #[serde(default)]
    pub project: Project,
    /// Environments in file order (the order documents show them in).
    #[serde(default)]
    pub environments: IndexMap<String, Environment>,
    /// Rules that turn commits into changelog lines.
    #[serde(default)]
    pub changelog: ChangelogRules,
    /// Declared cache settings (CloudFront behaviours, S3 Cache-Control).
    #[serde(default)]
    pub cache: Cache,
    /// Declared monitoring (alarms, log groups).
    #[serde(default)]
    pub monitoring: Monitoring,
    /// Quick-command blocks shown verbatim in the document.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<CommandBlock>,
    /// Links to related documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedLink>,
    /// Markdown kept verbatim from an imported document, rendered in place.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<ExtraBlock>,
    /// A shared entry store in S3 that makes it the ledger of record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<StoreConfig>,
    /// `[signing]`: entries signed with an SSH key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<signing::SigningConfig>,
}

/// `[store]`: the ledger of record in S3, one object per entry; the local
/// journal is then a mirror (see docs/team.md).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `s3://BUCKET/PREFIX` (the prefix is optional).
    pub url: String,
    /// The bucket's region.
    #[serde(default)]
    pub region: Option<String>,
    /// The AWS profile to reach it with.
    #[serde(default)]
    pub profile: Option<String>,
}

impl StoreConfig {
    /// The bucket and the key prefix (`""` or ending in `/`), or `None`
    /// when the URL is not `s3://BUCKET[/PREFIX]`.
    pub fn location(&self) -> Option<(String, String)> {
        let rest = self.url.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return None;
        }
        let prefix = prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        Some((bucket.to_string(), prefix))
    }
}

/// A piece of Markdown kept verbatim, and where it goes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraBlock {
    /// The anchor: `preamble.end`, `after.preamble`, `env.KEY.start`, `env.KEY.end`,
    /// `after.env.KEY`, `history.start`, `history.end`, `cache.start`, `cache.end`,
    /// `after.cache`, `monitoring.start`, `monitoring.end`, `after.monitoring`,
    /// `commands.start`, `commands.end`, `after.commands`, `related.start`, `related.end`
    /// (see docs/template-context.md).
    pub at: String,
    /// The Markdown, as written.
    pub markdown: String,
}

/// `[project]`.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// The project's name ("Picasso Chat Widget").
    #[serde(default)]
    pub title: String,
    /// The document's top heading (default "AWS Services Version Control").
    #[serde(default)]
    pub document_title: Option<String>,
    /// The paragraph under the heading; a default sentence names the project.
    #[serde(default)]
    pub description: Option<String>,
    /// A "Last Updated" day kept from an imported document; the document
    /// shows the later of this and the newest entry.
    #[serde(default)]
    pub last_updated: Option<String>,
    /// Whether the document has a Quick Commands section (default yes;
    /// `false` when an imported document had none).
    #[serde(default)]
    pub quick_commands: Option<bool>,
}

impl Project {
    /// The sentence under the document's heading when `description` is not
    /// set; it names the project when it has a title.
    pub fn default_description(title: &str) -> String {
        if title.trim().is_empty() {
            "This document tracks AWS service configurations, versions, and deployment history."
                .to_string()
        } else {
            format!(
                "This document tracks AWS service configurations, versions, and deployment history for the {title} infrastructure."
            )
        }
    }

    /// The title a default description names (`Some("")` for the untitled
    /// one); `None` when `text` is not a default description.
    pub fn title_in_default_description(text: &str) -> Option<String> {
        if text == Self::default_description("") {
            return Some(String::new());
        }
        text.strip_prefix(
            "This document tracks AWS service configurations, versions, and deployment history for the ",
        )
        .and_then(|t| t.strip_suffix(" infrastructure."))
        .map(str::to_string)
    }
}

/// `[environments.NAME]`: where an environment lives and what it holds.
/// A key this struct does not name goes to `declared`, and is refused
/// unless a service declares under it (`services::check_config`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Environment {
    /// Display name (default: the key, capitalised).
    #[serde(default)]
    pub name: Option<String>,
    /// The S3 bucket deploys go to.
    pub bucket: String,
    /// Key prefix inside the bucket ("" for the whole bucket).
    #[serde(default)]
    pub prefix: Option<String>,
    /// CloudFront distribution ID in front of the bucket.
    #[serde(default)]
    pub distribution: Option<String>,
    /// Public domain the environment is served on.
    #[serde(default)]
    pub domain: Option<String>,
    /// AWS region of the bucket.
    #[serde(default)]
    pub region: Option<String>,
    /// AWS profile to use for this environment.
    #[serde(default)]
    pub profile: Option<String>,
    /// The services' declarations, each under its key (`buckets`,
    /// `functions`, `tables`...), read by the service (`services`).
    #[serde(flatten)]
    pub declared: toml::Table,
    /// Column order per inventory table (`s3`, `cloudfront`, `lambda`, `dynamodb`,
    /// `secrets`), by heading; default: the known columns that have values.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub columns: IndexMap<String, Vec<String>>,
    /// A table's separator row as an imported document wrote it, per table
    /// kind, where it is not the one `render` writes (`|---|` cells as wide
    /// as their headings): kept so that the document renders byte for byte.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub separators: IndexMap<String, String>,
}

impl Environment {
    /// The display name: `name`, or the key with its first letter capitalised.
    pub fn display_name(&self, key: &str) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => capitalise(key),
        }
    }

    /// The key prefix, normalised ("" when unset).
    pub fn prefix(&self) -> &str {
        self.prefix.as_deref().unwrap_or("")
    }

    /// The keys this struct reads itself (the others are declarations).
    pub const FIELDS: [&'static str; 9] = [
        "name",
        "bucket",
        "prefix",
        "distribution",
        "domain",
        "region",
        "profile",
        "columns",
        "separators",
    ];
}

/// The text with its first letter capitalised.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `[changelog]`: how commits become changes, and which environment releases.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChangelogRules {
    /// The environment whose deploys are releases (default "production").
    pub release_env: String,
    /// Group for commits that are not Conventional Commits.
    pub default_group: String,
    /// Skip merge commits.
    pub skip_merges: bool,
    /// Regular expressions matched against a commit's subject; a match skips it.
    pub skip: Vec<String>,
    /// Conventional types that never reach the changelog.
    pub skip_types: Vec<String>,
    /// Conventional type -> Keep a Changelog section.
    pub groups: IndexMap<String, String>,
    /// Files `ledger render` writes, as paths from the repository's top
    /// level: a commit that touches only these and the ledger folder (the
    /// pipeline's own "ledger: record" commit) never becomes a change line.
    pub documents: Vec<String>,
    /// Base URL of the repository, for compare links at the bottom of the changelog.
    pub repo_url: Option<String>,
    /// The text above the first release, kept from an imported changelog.
    pub preamble: Option<String>,
    /// The Unreleased section's content kept from an imported changelog
    /// ("" for an empty section), shown when the repository cannot say.
    pub unreleased: Option<String>,
    /// The link reference definitions at the bottom, kept from an imported changelog.
    pub links: Option<String>,
}

impl Default for ChangelogRules {
    fn default() -> Self {
        let groups = [
            ("feat", "Added"),
            ("fix", "Fixed"),
            ("perf", "Changed"),
            ("refactor", "Changed"),
            ("docs", "Changed"),
            ("revert", "Removed"),
            ("remove", "Removed"),
            ("deprecate", "Deprecated"),
            ("security", "Security"),
        ];
        ChangelogRules {
            release_env: "production".into(),
            default_group: "Changed".into(),
            skip_merges: true,
            skip: vec![
                r"^chore\(release\)".into(),
                r"^Merge (branch|pull request|remote-tracking branch) ".into(),
            ],
            documents: vec!["AWS_VERSIONS.md".into(), "CHANGELOG.md".into()],
            skip_types: ["chore", "ci", "test", "style", "build"]
                .map(String::from)
                .to_vec(),
            groups: groups
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            repo_url: None,
            preamble: None,
            unreleased: None,
            links: None,
        }
    }
}

/// `[cache]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    /// CloudFront cache behaviours.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub behaviors: Vec<CacheBehavior>,
    /// S3 Cache-Control headers by file type (used when the journal has no metadata).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<CacheHeader>,
}

/// One CloudFront cache behaviour.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheBehavior {
    /// Path pattern ("*.js").
    pub path: String,
    /// Cache policy name.
    #[serde(default)]
    pub policy: Option<String>,
    /// TTL in words ("24 hours").
    #[serde(default)]
    pub ttl: Option<String>,
}

/// One S3 Cache-Control row.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheHeader {
    /// File type ("JavaScript").
    pub file_type: String,
    /// Header value ("max-age=86400").
    pub cache_control: String,
}

/// `[monitoring]`: the project's alarms and log groups (read by the
/// release environment's snapshots). As in [`Environment`], a key not named
/// here is a service's declarations.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Monitoring {
    /// The services' declarations, each under its key (`alarms`, `log_groups`).
    #[serde(flatten)]
    pub declared: toml::Table,
    /// Column order per table (`alarms`, `log_groups`), by heading, kept
    /// from an imported document; default: the declared columns.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub columns: IndexMap<String, Vec<String>>,
    /// Separator rows kept from an imported document, per table kind (as
    /// under an environment).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub separators: IndexMap<String, String>,
}

/// A titled block of shell commands, shown as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandBlock {
    /// Sub-heading ("Check Current Versions").
    pub title: String,
    /// The commands, one per line, comments allowed.
    pub script: String,
}

/// A related document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelatedLink {
    /// Link text.
    pub title: String,
    /// Link target.
    pub path: String,
    /// What it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Config {
    /// Parses a configuration from text; errors carry `path`, line and column.
    /// The services' declarations are kept as written: see
    /// [`Config::parse_checked`].
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text)
            .map_err(|e| ConfigError::Invalid(Located::from_toml(path, text, &e)))?;
        config.validate(path, text)?;
        Ok(config)
    }

    /// [`Config::parse`], then `check` over the result and the text (the
    /// services' check of their declarations, `services::check_config`).
    pub fn parse_checked(path: &Path, text: &str, check: Check) -> Result<Config, ConfigError> {
        let config = Config::parse(path, text)?;
        check(&config, path, text)?;
        Ok(config)
    }

    /// [`Config::load`], then `check` (see [`Config::parse_checked`]).
    pub fn load_checked(ledger_dir: &Path, check: Check) -> Result<Config, ConfigError> {
        let (path, text) = Config::read(ledger_dir)?;
        Config::parse_checked(&path, &text, check)
    }

    /// Reads and parses `DIR/ledger.toml`.
    pub fn load(ledger_dir: &Path) -> Result<Config, ConfigError> {
        let (path, text) = Config::read(ledger_dir)?;
        Config::parse(&path, &text)
    }

    /// The path and text of `DIR/ledger.toml`.
    fn read(ledger_dir: &Path) -> Result<(PathBuf, String), ConfigError> {
        let path = ledger_dir.join(CONFIG_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Missing { path });
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        let text = crate::location::decode_utf8(&path, bytes).map_err(ConfigError::Invalid)?;
        Ok((path, text))
    }

    fn validate(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let locate = |needle: &str, message: String| {
            let offset = text.find(needle).unwrap_or(0);
            ConfigError::Invalid(Located::at_offset(path, text, offset, message))
        };
        self.validate_names(path, text)?;
        let release_env = &self.changelog.release_env;
        if !self.environments.is_empty() && !self.environments.contains_key(release_env) {
            let offset =
                crate::location::value_offset(text, &["changelog", "release_env"]).unwrap_or(0);
            return Err(ConfigError::Invalid(Located::at_offset(
                path,
                text,
                offset,
                format!(
                    "[changelog] release_env = \"{release_env}\" names no declared environment: \
                     declared are {}",
                    self.known_environments()
                ),
            )));
        }
        if let Some(store) = &self.store
            && store.location().is_none()
        {
            let offset = crate::location::value_offset(text, &["store", "url"]).unwrap_or(0);
            return Err(ConfigError::Invalid(Located::at_offset(
                path,
                text,
                offset,
                format!(
                    "[store] url = \"{}\" is not an S3 location: write s3://BUCKET or s3://BUCKET/PREFIX",
                    store.url
                ),
            )));
        }
        for pattern in &self.changelog.skip {
            if let Err(e) = regex::Regex::new(pattern) {
                return Err(locate(
                    pattern,
                    format!(
                        "[changelog] skip pattern `{pattern}` is not a valid regular expression: {e}"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Environment names and buckets, each error at the place it names.
    fn validate_names(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let at = |keys: &[&str], message: String| {
            let table = keys.get(1).and_then(|key| {
                let quoted = format!("\"{}\"", key.escape_default());
                [
                    format!("[environments.{key}]"),
                    format!("[environments.{quoted}]"),
                ]
                .iter()
                .find_map(|header| text.find(header.as_str()))
            });
            let offset = match keys.len() {
                2 => table,
                _ => crate::location::value_offset(text, keys).or(table),
            };
            let offset = offset.or_else(|| text.find("[environments")).unwrap_or(0);
            ConfigError::Invalid(Located::at_offset(path, text, offset, message))
        };
        for (key, env) in &self.environments {
            if let Some(problem) = names::environment_name_problem(key) {
                return Err(at(&["environments", key], problem));
            }
            if env.bucket.trim().is_empty() {
                let message = format!("environment `{key}` has an empty `bucket`");
                return Err(at(&["environments", key, "bucket"], message));
            }
            if let Some(problem) = names::bucket_problem(&env.bucket) {
                let message = format!("environment `{key}`: {problem}");
                return Err(at(&["environments", key, "bucket"], message));
            }
        }
        if let Some((first, second)) = names::case_twins(self.environments.keys()) {
            let message = format!(
                "environments `{first}` and `{second}` differ only in case: `--env` would pick one by \
                 the letter's case; rename one"
            );
            return Err(at(&["environments", second], message));
        }
        Ok(())
    }

    /// The environment called `name`, or an error listing the declared ones.
    pub fn environment(&self, name: &str, path: &Path) -> Result<&Environment, ConfigError> {
        self.environments
            .get(name)
            .ok_or_else(|| ConfigError::UnknownEnvironment {
                name: crate::ui::printable(name).into_owned(),
                path: path.to_path_buf(),
                known: self.known_environments(),
            })
    }

    /// The declared environment names, for messages.
    fn known_environments(&self) -> String {
        if self.environments.is_empty() {
            "no environments".into()
        } else {
            self.environments
                .keys()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// The commented starting configuration that `ledger init` writes.
pub const STARTER: &str = include_str!("starter.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_config_parses() {
        let config = Config::parse(Path::new("ledger.toml"), STARTER).unwrap();
        assert_eq!(
            config.environments.keys().collect::<Vec<_>>(),
            ["production", "staging"]
        );
        assert_eq!(config.changelog.release_env, "production");
    }

    #[test]
    fn bad_skip_regex_is_reported() {
        let text = "[changelog]\nskip = [\"(unclosed\"]\n";
        let err = Config::parse(Path::new("l.toml"), text).unwrap_err();
        assert!(err.to_string().contains("l.toml:2:"), "{err}");
    }
}
