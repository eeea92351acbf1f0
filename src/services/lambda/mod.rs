//! Lambda: the functions an environment declares (under `functions`),
//! their settings read by snapshots, and the version each serves, pinned by
//! every deploy that changed it: the version its alias points to (or the
//! latest published one) and that version's code SHA-256. A rollback
//! re-points the aliases ([`rollback`]).

#[cfg(feature = "aws")]
mod calls;
#[cfg(feature = "aws")]
mod capture;
mod pinning;
#[cfg(feature = "aws")]
mod rollback;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{
    BadDeclaration, Declared, Described, Pinning, Service, TableCx, check_list, declared_list,
    erased, typed,
};
use crate::document::format::short_code;
use crate::document::{Column, Table, TableView};

/// A Lambda function row of the document, as declared.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionDecl {
    /// Function name.
    pub name: String,
    /// The alias that serves traffic (`live`): `record` pins the version it
    /// points to, `rollback` re-points it. Without one, the latest
    /// published version is recorded and rollback cannot restore it.
    #[serde(default)]
    pub alias: Option<String>,
    /// Runtime ("Python 3.13").
    #[serde(default)]
    pub runtime: Option<String>,
    /// Memory ("512 MB").
    #[serde(default)]
    pub memory: Option<String>,
    /// Timeout ("300s").
    #[serde(default)]
    pub timeout: Option<String>,
    /// Last deploy as declared.
    #[serde(default)]
    pub last_deploy: Option<String>,
    /// Other columns, by heading, as Markdown cells.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub extra: IndexMap<String, String>,
}

crate::table_rows!(FunctionDecl);

/// A function as a snapshot read it (GetFunctionConfiguration,
/// ListVersionsByFunction, ListAliases).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionState {
    /// Function name.
    pub name: String,
    /// Runtime identifier (`python3.13`, `nodejs20.x`); absent for container images.
    #[serde(default)]
    pub runtime: Option<String>,
    /// Memory, MB.
    #[serde(default)]
    pub memory_mb: Option<u64>,
    /// Timeout, seconds.
    #[serde(default)]
    pub timeout_s: Option<u64>,
    /// Handler (`app.handler`).
    #[serde(default)]
    pub handler: Option<String>,
    /// Instruction set (`x86_64`, `arm64`).
    #[serde(default)]
    pub architecture: Option<String>,
    /// SHA-256 of the `$LATEST` code package, base64 as Lambda gives it.
    #[serde(default)]
    pub code_sha256: Option<String>,
    /// When the function was last changed, as Lambda wrote it.
    #[serde(default)]
    pub last_modified: Option<String>,
    /// The highest published version (absent when none was published).
    #[serde(default)]
    pub latest_version: Option<String>,
    /// Aliases, by name, with the version each points to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<AliasState>,
}

/// A Lambda alias and the version it points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliasState {
    /// Alias name (`live`).
    pub name: String,
    /// The version it points to (`3`).
    pub version: String,
}

/// The version of a function that serves traffic, as a deploy pins it: the
/// one its alias points to, or the latest published one when it has no alias.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionVersion {
    /// Function name.
    pub name: String,
    /// The alias that serves traffic, when the function declares one.
    #[serde(default)]
    pub alias: Option<String>,
    /// The version (`3`), or `$LATEST` when none was ever published.
    pub version: String,
    /// SHA-256 of that version's code package (base64, as Lambda gives it).
    #[serde(default)]
    pub code_sha256: Option<String>,
}

/// `### Lambda Functions`.
static FUNCTIONS: Table<FunctionDecl> = Table {
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

/// The Lambda service.
pub struct Lambda;

impl Service for Lambda {
    fn kind(&self) -> &'static str {
        FUNCTIONS.kind
    }

    fn declared_at(&self) -> Declared {
        Declared::Environment("functions")
    }

    fn state_key(&self) -> &'static str {
        "functions"
    }

    fn check_declarations(&self, declared: &toml::Value) -> Result<(), BadDeclaration> {
        check_list::<FunctionDecl>(declared)
    }

    fn declared_names(
        &self,
        _: &crate::config::Environment,
        declared: Option<&toml::Value>,
    ) -> Vec<String> {
        let rows: Vec<FunctionDecl> = declared_list(declared);
        rows.into_iter().map(|f| f.name).collect()
    }

    fn table_title(&self) -> &'static str {
        FUNCTIONS.title
    }

    fn rows(&self, cx: &TableCx<'_>) -> toml::Value {
        erased(&overlaid(cx)).unwrap_or_else(|_| toml::Value::Array(Vec::new()))
    }

    fn table(&self, cx: &TableCx<'_>) -> Option<TableView> {
        let view = FUNCTIONS.layout(&overlaid(cx), cx.order);
        (!view.rows.is_empty()).then_some(view)
    }

    fn read_table(&self, header: &[String], rows: &[Vec<String>]) -> Option<toml::Value> {
        erased(&FUNCTIONS.read(header, rows)?).ok()
    }

    fn describe(&self, state: &toml::Value) -> Vec<Described> {
        let states: Vec<FunctionState> = typed(state).unwrap_or_default();
        states.iter().map(describe).collect()
    }

    fn show(&self, state: &toml::Value) -> Vec<String> {
        let states: Vec<FunctionState> = typed(state).unwrap_or_default();
        states.iter().map(show).collect()
    }

    fn summary(&self, state: &toml::Value) -> Option<String> {
        let states: Vec<FunctionState> = typed(state)?;
        super::count(states.len(), "function")
    }

    fn pinning(&self) -> Option<&dyn Pinning> {
        Some(&pinning::FunctionPins)
    }

    #[cfg(feature = "aws")]
    fn read_state<'a>(
        &'a self,
        cx: &'a super::StateRead<'a>,
    ) -> super::Aws<'a, Option<toml::Value>> {
        Box::pin(capture::read_state(cx))
    }

    #[cfg(feature = "aws")]
    fn discover<'a>(
        &'a self,
        cx: &'a super::Discovery<'a>,
    ) -> super::Aws<'a, Vec<super::Proposal>> {
        Box::pin(capture::discover(cx))
    }
}

/// The declared rows with what the journal and the latest snapshot know
/// laid over them: what the table prints.
fn overlaid(cx: &TableCx<'_>) -> Vec<FunctionDecl> {
    let mut rows: Vec<FunctionDecl> = declared_list(cx.declared);
    // A function's Last Deploy is the day of the last entry that
    // changed the version it serves, when the journal has one.
    let live = super::live_pins(cx.entries, cx.env_key, pinning::KEY, u64::MAX);
    for row in &mut rows {
        if let Some(pinned) = live.get(&row.name)
            && let Some(entry) = crate::model::by_seq(cx.entries, pinned.seq)
        {
            row.last_deploy = Some(entry.deployed_at.date_string());
        }
    }
    let states: Vec<FunctionState> = cx.snapshot.and_then(typed).unwrap_or_default();
    for row in &mut rows {
        let Some(state) = states.iter().find(|f| f.name == row.name) else {
            continue;
        };
        if let Some(runtime) = &state.runtime {
            row.runtime = Some(runtime_name(runtime));
        }
        if let Some(mb) = state.memory_mb {
            row.memory = Some(memory(mb));
        }
        if let Some(seconds) = state.timeout_s {
            row.timeout = Some(timeout(seconds));
        }
    }
    rows
}

/// The pins of `versions`, to keep in an entry.
fn pins(versions: &[FunctionVersion]) -> Vec<toml::Table> {
    super::erased_tables(versions).unwrap_or_default()
}

/// `aws lambda update-alias ...`, its words quoted for a shell.
fn update_alias_command(name: &str, alias: &str, version: &str) -> String {
    use crate::document::format::shell_word;
    format!(
        "aws lambda update-alias --function-name {} --name {} --function-version {}",
        shell_word(name),
        shell_word(alias),
        shell_word(version)
    )
}

/// A function's fields as snapshots compare them.
fn describe(state: &FunctionState) -> Described {
    let mut described = Described::new("Lambda function", &state.name)
        .field("runtime", state.runtime.as_deref().map(runtime_name))
        .field("memory", state.memory_mb.map(memory))
        .field("timeout", state.timeout_s.map(timeout))
        .field("handler", state.handler.clone())
        .field("architecture", state.architecture.clone())
        .deployed(
            "$LATEST code",
            (state.code_sha256.as_deref()).map(|c| short_code(Some(c))),
        )
        .deployed("latest published version", state.latest_version.clone());
    for alias in &state.aliases {
        // Labels are static: the alias is named in the value.
        described = described.deployed(
            "alias",
            Some(format!("{} -> {}", alias.name, alias.version)),
        );
    }
    described
}

/// `show`'s line for a function a snapshot read.
fn show(f: &FunctionState) -> String {
    let aliases: Vec<String> = (f.aliases.iter())
        .map(|a| format!("{} -> {}", a.name, a.version))
        .collect();
    format!(
        "  function      {} ({}, {}, {}; latest version {}{})",
        f.name,
        f.runtime.as_deref().map_or("-".into(), runtime_name),
        f.memory_mb.map_or("-".into(), memory),
        f.timeout_s.map_or("-".into(), timeout),
        f.latest_version.as_deref().unwrap_or("none"),
        if aliases.is_empty() {
            String::new()
        } else {
            format!("; alias {}", aliases.join(", "))
        }
    )
}

/// A Lambda runtime identifier in words: `python3.13` -> `Python 3.13`,
/// `nodejs20.x` -> `Node.js 20.x`, `java8.al2` -> `Java 8 (Amazon Linux 2)`,
/// `provided.al2023` -> `OS-only (Amazon Linux 2023)`. An identifier of a
/// family not known here is shown as AWS wrote it.
pub fn runtime_name(runtime: &str) -> String {
    let (base, linux) = match runtime.rsplit_once(".al") {
        Some((base, release)) if release.chars().all(|c| c.is_ascii_digit()) => {
            (base, Some(format!("Amazon Linux {release}")))
        }
        _ => (runtime, None),
    };
    let split = base
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(base.len());
    let (family, version) = base.split_at(split);
    let family = match family {
        "python" => "Python",
        "nodejs" => "Node.js",
        "java" => "Java",
        "dotnet" => ".NET",
        "dotnetcore" => ".NET Core",
        "ruby" => "Ruby",
        "go" => "Go",
        // The OS-only runtimes are named by their Amazon Linux alone.
        "provided" if version.is_empty() => {
            let linux = linux.unwrap_or_else(|| "Amazon Linux".into());
            return format!("OS-only ({linux})");
        }
        _ => return runtime.to_string(),
    };
    let name = if version.is_empty() {
        family.to_string()
    } else {
        format!("{family} {version}")
    };
    match linux {
        Some(linux) => format!("{name} ({linux})"),
        None => name,
    }
}

/// `512 MB`.
fn memory(mb: u64) -> String {
    format!("{mb} MB")
}

/// `300s`.
fn timeout(seconds: u64) -> String {
    format!("{seconds}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_family_gets_a_readable_name() {
        let cases = [
            ("python3.13", "Python 3.13"),
            ("python3.9", "Python 3.9"),
            ("nodejs20.x", "Node.js 20.x"),
            ("nodejs", "Node.js"),
            ("java21", "Java 21"),
            ("java8.al2", "Java 8 (Amazon Linux 2)"),
            ("dotnet8", ".NET 8"),
            ("dotnetcore3.1", ".NET Core 3.1"),
            ("ruby3.3", "Ruby 3.3"),
            ("go1.x", "Go 1.x"),
            ("provided", "OS-only (Amazon Linux)"),
            ("provided.al2", "OS-only (Amazon Linux 2)"),
            ("provided.al2023", "OS-only (Amazon Linux 2023)"),
            ("cobol9", "cobol9"),
        ];
        for (id, name) in cases {
            assert_eq!(runtime_name(id), name, "{id}");
        }
    }
}
