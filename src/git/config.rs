//! git's configuration read as `git config` reads it: the system file
//! unless `GIT_CONFIG_NOSYSTEM` (or the one `GIT_CONFIG_SYSTEM` names),
//! the global file `GIT_CONFIG_GLOBAL` names (else `$XDG_CONFIG_HOME/git/config`
//! and `~/.gitconfig`), the repository's own, and the `GIT_CONFIG_COUNT`
//! pairs over them all. libgit2 alone reads neither `GIT_CONFIG_GLOBAL` nor
//! `GIT_CONFIG_NOSYSTEM`, which CI systems set; without them, the
//! repository's own configuration (libgit2's, which follows
//! `includeIf "gitdir:..."` with the repository at hand) is read. With them,
//! conditional includes are not followed (libgit2 evaluates them only for a
//! repository's configuration).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use git2::{Config, ConfigLevel};

use super::GitRepo;

impl GitRepo {
    /// git's `user.name`, as `git config user.name` in this repository
    /// answers it (its includes followed); `None` when unset or blank.
    pub fn user_name(&self) -> Option<String> {
        self.config_value("user.name")
            .filter(|s| !s.trim().is_empty())
    }

    /// The value of `key` (`section.name`) in git's configuration.
    pub fn config_value(&self, key: &str) -> Option<String> {
        let var = |name: &str| std::env::var_os(name);
        if let Some(value) = command_line_value(key, var) {
            return Some(value);
        }
        let redirected = [
            "GIT_CONFIG_GLOBAL",
            "GIT_CONFIG_SYSTEM",
            "GIT_CONFIG_NOSYSTEM",
        ]
        .iter()
        .any(|name| var(name).is_some_and(|v| !v.is_empty()));
        if !redirected {
            // libgit2's own files are git's then, and with the repository
            // at hand it follows `includeIf "gitdir:..."` as git does.
            return self.repo.config().ok()?.get_string(key).ok();
        }
        let config = as_git_reads_it(self.repo.commondir(), var)?;
        config.get_string(key).ok()
    }
}

/// The configuration files in git's order, lowest priority first, as one
/// [`Config`]; `var` reads the environment.
fn as_git_reads_it(git_dir: &Path, var: impl Fn(&str) -> Option<OsString>) -> Option<Config> {
    let mut config = Config::new().ok()?;
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    let truthy = |name: &str| {
        set(name).is_some_and(|v| !matches!(v.to_str(), Some("0" | "false" | "no" | "off")))
    };
    if !truthy("GIT_CONFIG_NOSYSTEM") {
        let system = set("GIT_CONFIG_SYSTEM").map(PathBuf::from);
        add(
            &mut config,
            system.or_else(|| Config::find_system().ok()),
            ConfigLevel::System,
        );
    }
    match set("GIT_CONFIG_GLOBAL") {
        Some(global) => add(
            &mut config,
            Some(PathBuf::from(global)),
            ConfigLevel::Global,
        ),
        None => {
            add(&mut config, Config::find_xdg().ok(), ConfigLevel::XDG);
            add(&mut config, Config::find_global().ok(), ConfigLevel::Global);
        }
    }
    add(
        &mut config,
        Some(git_dir.join("config")),
        ConfigLevel::Local,
    );
    Some(config)
}

/// Adds `path` at `level` when it is a file (includes are followed by libgit2).
fn add(config: &mut Config, path: Option<PathBuf>, level: ConfigLevel) {
    if let Some(path) = path.filter(|p| p.is_file()) {
        // An unreadable file is skipped, as git skips a missing one.
        let _ = config.add_file(&path, level, false);
    }
}

/// The last value of `key` among the `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`
/// pairs (`GIT_CONFIG_COUNT` of them), which git puts over every file.
fn command_line_value(key: &str, var: impl Fn(&str) -> Option<OsString>) -> Option<String> {
    let count: usize = var("GIT_CONFIG_COUNT")?.to_str()?.trim().parse().ok()?;
    (0..count).rev().find_map(|n| {
        let name = var(&format!("GIT_CONFIG_KEY_{n}"))?;
        let same = same_key(name.to_str()?, key);
        same.then(|| var(&format!("GIT_CONFIG_VALUE_{n}")))??
            .into_string()
            .ok()
    })
}

/// Whether two `section.name` keys are the same key: git ignores the case
/// of the section and of the name (not of a subsection).
fn same_key(a: &str, b: &str) -> bool {
    let split = |k: &str| {
        let (section, rest) = k.split_once('.').unwrap_or((k, ""));
        let (sub, name) = rest.rsplit_once('.').unwrap_or(("", rest));
        (
            section.to_ascii_lowercase(),
            sub.to_string(),
            name.to_ascii_lowercase(),
        )
    };
    split(a) == split(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn the_last_command_line_pair_wins_and_keys_ignore_case() {
        let env = vars(&[
            ("GIT_CONFIG_COUNT", "2"),
            ("GIT_CONFIG_KEY_0", "user.name"),
            ("GIT_CONFIG_VALUE_0", "First"),
            ("GIT_CONFIG_KEY_1", "User.Name"),
            ("GIT_CONFIG_VALUE_1", "Second"),
        ]);
        assert_eq!(
            command_line_value("user.name", &env).as_deref(),
            Some("Second")
        );
        assert_eq!(command_line_value("user.email", &env), None);
        assert!(!same_key("url.A.insteadOf", "url.a.insteadof"));
    }

    #[test]
    fn git_config_global_replaces_the_home_files_and_nosystem_skips_the_system() {
        let dir = tempfile::tempdir().unwrap();
        let git_dir = dir.path().join("repo.git");
        std::fs::create_dir_all(&git_dir).unwrap();
        let global = dir.path().join("ci.gitconfig");
        let included = dir.path().join("identity.inc");
        std::fs::write(&global, "[include]\n\tpath = identity.inc\n").unwrap();
        std::fs::write(&included, "[user]\n\tname = Dana Ops\n").unwrap();
        let system = dir.path().join("system");
        std::fs::write(
            &system,
            "[user]\n\tname = System\n\temail = s@example.com\n",
        )
        .unwrap();
        let env = vars(&[
            ("GIT_CONFIG_GLOBAL", global.to_str().unwrap()),
            ("GIT_CONFIG_SYSTEM", system.to_str().unwrap()),
        ]);
        let config = as_git_reads_it(&git_dir, &env).unwrap();
        assert_eq!(config.get_string("user.name").unwrap(), "Dana Ops");
        assert_eq!(config.get_string("user.email").unwrap(), "s@example.com");
        let env = vars(&[
            ("GIT_CONFIG_GLOBAL", global.to_str().unwrap()),
            ("GIT_CONFIG_SYSTEM", system.to_str().unwrap()),
            ("GIT_CONFIG_NOSYSTEM", "1"),
        ]);
        let config = as_git_reads_it(&git_dir, &env).unwrap();
        assert!(config.get_string("user.email").is_err());
        // The repository's own config is over the global one.
        std::fs::write(git_dir.join("config"), "[user]\n\tname = Repo Name\n").unwrap();
        let config = as_git_reads_it(&git_dir, &env).unwrap();
        assert_eq!(config.get_string("user.name").unwrap(), "Repo Name");
    }
}
