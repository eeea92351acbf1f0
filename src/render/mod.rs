//! Rendering: the built-in templates, the user's overrides, tera with the
//! ledger's filters, and HTML output. Output goes to a `String` the command
//! layer writes; nothing here prints.

pub mod changelog;
pub mod context;
pub mod history;
pub mod html;
pub mod needs;
pub mod source;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tera::{Tera, Value};

pub use context::{Context, build, build_for};
pub use needs::Needs;
pub use source::{Indexed, Source, Whole};

/// Tera's name for the one template it holds.
const DOCUMENT: &str = "document";

/// The built-in templates: (name, source).
pub const BUILTIN: [(&str, &str); 2] = [
    (
        "aws-versions",
        include_str!("../../templates/aws-versions.md.tera"),
    ),
    (
        "changelog",
        include_str!("../../templates/changelog.md.tera"),
    ),
];

/// Errors while rendering.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// No such template.
    #[error(
        "no template named `{name}`: built-in ones are aws-versions and changelog, or put {override_path} in place"
    )]
    UnknownTemplate {
        /// The name asked for.
        name: String,
        /// Where an override would go.
        override_path: PathBuf,
    },
    /// A template file could not be read.
    #[error("cannot read template {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The repository, read for the changelog.
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    /// The journal, read for the context.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    /// Tera refused the template or failed while rendering it.
    #[error("template {origin}: {message}")]
    Tera {
        /// Which template.
        origin: String,
        /// Tera's whole error chain.
        message: String,
    },
}

/// Where a template comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateOrigin {
    /// Compiled into the binary.
    Builtin(&'static str),
    /// A file (an override in `ledger/templates/` or `--template`).
    File(PathBuf),
}

impl std::fmt::Display for TemplateOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateOrigin::Builtin(name) => write!(f, "built-in `{name}`"),
            TemplateOrigin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Chooses the template: `--template FILE`, else `LEDGER/templates/NAME.md.tera`,
/// else the built-in one.
pub fn locate(
    name: &str,
    explicit: Option<&Path>,
    ledger_dir: &Path,
) -> Result<TemplateOrigin, RenderError> {
    if let Some(path) = explicit {
        return Ok(TemplateOrigin::File(path.to_path_buf()));
    }
    let override_path = ledger_dir.join("templates").join(format!("{name}.md.tera"));
    if override_path.is_file() {
        return Ok(TemplateOrigin::File(override_path));
    }
    BUILTIN
        .iter()
        .find(|(builtin, _)| *builtin == name)
        .map(|(builtin, _)| TemplateOrigin::Builtin(builtin))
        .ok_or(RenderError::UnknownTemplate {
            name: name.to_string(),
            override_path,
        })
}

/// Every template NAME `render` accepts here: the built-in ones and the
/// files in `LEDGER/templates/` (sorted, without duplicates).
pub fn template_names(ledger_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = BUILTIN.iter().map(|(name, _)| name.to_string()).collect();
    if let Ok(dir) = std::fs::read_dir(ledger_dir.join("templates")) {
        for file in dir.flatten() {
            let file_name = file.file_name();
            if let Some(name) = file_name.to_str().and_then(|n| n.strip_suffix(".md.tera")) {
                names.push(name.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Which built-in document a Markdown text is, from its headings: a
/// changelog (`# Changelog`, `## [Unreleased]`, `## [1.2.0]`) or a version
/// document (`## Deployment History`, `## ... Environment`). `None` when it
/// is neither or looks like both.
pub fn document_kind(text: &str) -> Option<&'static str> {
    let mut changelog = false;
    let mut versions = false;
    let mut fenced = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let h1 = line.strip_prefix("# ").map(str::trim);
        let h2 = line.strip_prefix("## ").map(str::trim);
        if h1.is_some_and(|h| h.to_ascii_lowercase().starts_with("change")) {
            changelog = true;
        }
        if let Some(h) = h2 {
            let lower = h.to_ascii_lowercase();
            if lower.starts_with("[unreleased]") || lower.starts_with('[') && lower.contains(']') {
                changelog = true;
            }
            if lower == "deployment history" || lower.ends_with(" environment") {
                versions = true;
            }
        }
    }
    match (changelog, versions) {
        (true, false) => Some("changelog"),
        (false, true) => Some("aws-versions"),
        _ => None,
    }
}

/// Renders the context through a template.
pub fn render(origin: &TemplateOrigin, context: Context) -> Result<String, RenderError> {
    Template::load(origin.clone())?.render(context)
}

/// A template's source, read once: for what it needs of the context, then
/// to render.
#[derive(Debug, Clone)]
pub struct Template {
    origin: TemplateOrigin,
    source: String,
}

impl Template {
    /// Reads the template's source.
    pub fn load(origin: TemplateOrigin) -> Result<Template, RenderError> {
        let source = match &origin {
            TemplateOrigin::Builtin(name) => BUILTIN
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.to_string())
                .unwrap_or_default(),
            TemplateOrigin::File(path) => {
                std::fs::read_to_string(path).map_err(|source| RenderError::Read {
                    path: path.clone(),
                    source,
                })?
            }
        };
        Ok(Template { origin, source })
    }

    /// A template from its source, for tests.
    #[cfg(test)]
    pub fn from_source(source: &str) -> Template {
        Template {
            origin: TemplateOrigin::Builtin("test"),
            source: source.to_string(),
        }
    }

    /// The sections of the context this template can show.
    pub fn needs(&self) -> Needs {
        Needs::of_template(&self.source)
    }

    /// Renders the context through the template, ending in exactly one
    /// newline.
    pub fn render(&self, mut context: Context) -> Result<String, RenderError> {
        let origin = self.origin.to_string();
        let tera = compiled(&self.source).map_err(|e| tera_error(&origin, e))?;
        // The history, most of a long ledger's document, is moved into
        // tera's context rather than copied.
        let history = std::mem::take(&mut context.history);
        let mut values = match serde_json::to_value(&context) {
            Ok(Value::Object(values)) => values,
            Ok(_) => return Err(tera_error(&origin, tera::Error::msg("not an object"))),
            Err(e) => return Err(tera_error(&origin, tera::Error::json(e))),
        };
        values.insert("history".into(), Value::String(history));
        let context =
            tera::Context::from_value(Value::Object(values)).map_err(|e| tera_error(&origin, e))?;
        let mut text = (tera.render(DOCUMENT, &context)).map_err(|e| tera_error(&origin, e))?;
        // Freeing the context's values beside the document's writing.
        crate::parallel::drop_beside(context);
        // Exactly one trailing newline, whatever the template's last line does.
        let trimmed = text.trim_end_matches(['\n', ' ']).len();
        text.truncate(trimmed);
        text.push('\n');
        Ok(text)
    }
}

/// A tera instance holding `source` as its one template, with the
/// ledger's filters and no autoescaping.
fn compiled(source: &str) -> tera::Result<Tera> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![]);
    register_filters(&mut tera);
    tera.add_raw_template(DOCUMENT, source)?;
    Ok(tera)
}

/// A tera error with its whole chain of causes, in one message.
fn tera_error(origin: &str, e: tera::Error) -> RenderError {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    RenderError::Tera {
        origin: origin.to_string(),
        message,
    }
}

type FilterArgs = HashMap<String, Value>;

fn string_filter(f: fn(&str) -> String) -> impl Fn(&Value, &FilterArgs) -> tera::Result<Value> {
    move |value: &Value, _: &FilterArgs| {
        Ok(Value::String(match value {
            Value::String(s) => f(s),
            Value::Null => f(""),
            other => f(&other.to_string()),
        }))
    }
}

fn register_filters(tera: &mut Tera) {
    tera.register_filter("cell", string_filter(crate::document::cell::table_cell));
    tera.register_filter("code_cell", string_filter(crate::document::cell::code_cell));
    tera.register_filter("shell", string_filter(crate::document::format::shell_word));
    tera.register_filter("url_path", string_filter(crate::s3_key::percent_encode));
    tera.register_filter(
        "dashes",
        string_filter(|s| "-".repeat(s.chars().count() + 2)),
    );
    tera.register_filter("short_sha", string_filter(|s| s.chars().take(7).collect()));
    tera.register_filter(
        "short_code",
        string_filter(|s| crate::document::format::short_code(Some(s))),
    );
    tera.register_filter("human_size", |value: &Value, _: &FilterArgs| {
        match value.as_u64() {
            Some(bytes) => Ok(Value::String(crate::document::format::human_size(bytes))),
            None => Ok(Value::String("-".into())),
        }
    });
}

/// The audit page of a rendered document: the document, a timeline per
/// environment and every entry's details (with who signed each, in
/// `signers`: seq -> what its signature says, empty where signing is not
/// set up), in one standalone HTML file.
pub fn audit_page(
    markdown: &str,
    title: &str,
    config: &crate::config::Config,
    (entries, signers): (
        &[crate::journal::Entry],
        &std::collections::HashMap<u64, String>,
    ),
) -> String {
    let mut environments: Vec<String> = config.environments.keys().cloned().collect();
    for entry in entries {
        if !environments.contains(&entry.env) {
            environments.push(entry.env.clone());
        }
    }
    html::AuditPage {
        title,
        markdown,
        entries,
        environments,
        signers,
    }
    .to_html()
}
