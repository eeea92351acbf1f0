//! `ledger import`: an AWS_VERSIONS.md document, or release entries from
//! the repository's tags.

use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

use super::workspace::shown;
use super::{Context as _, Result, Workspace};
use crate::changes::ChangeRules;
use crate::config::Config;
use crate::import::changelog::{ImportedChangelog, import_changelog};
use crate::import::document::{Imported, import_document};
use crate::import::git_tags::{DEFAULT_PATTERN, release_entries};
use crate::import::normalise_markdown;
use crate::journal::{self, Entry, Journal};
use crate::refuse;
use crate::render;

/// What `ledger import` was asked.
#[derive(Debug, Clone)]
pub struct ImportSettings {
    /// An AWS_VERSIONS.md to import.
    pub document: Option<PathBuf>,
    /// A CHANGELOG.md to import.
    pub changelog: Option<PathBuf>,
    /// Release entries from the repository's tags.
    pub git_tags: bool,
    /// Keep what cannot be read verbatim, with a warning.
    pub lenient: bool,
    /// The environment of the releases (default: the release environment).
    pub env: Option<String>,
    /// The tags that are releases.
    pub tag_pattern: Option<String>,
    /// Add to a ledger that holds entries.
    pub append: bool,
    /// The largest file an import reads, in bytes.
    pub max_bytes: u64,
}

impl Default for ImportSettings {
    fn default() -> Self {
        ImportSettings {
            document: None,
            changelog: None,
            git_tags: false,
            lenient: false,
            env: None,
            tag_pattern: None,
            append: false,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// The largest file an import reads unless told otherwise: far above any
/// real document (the largest changelogs are a few MiB), far below what
/// would exhaust memory.
pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// The text of `path`, refused when over `max_bytes` (without reading more
/// than that: `/dev/zero` is refused too) or not UTF-8 (naming the byte
/// offset and line).
fn read_bounded(path: &Path, max_bytes: u64) -> Result<String> {
    use std::io::Read as _;
    let file = fs::File::open(path).with_context(|| format!("cannot read {}", shown(path)))?;
    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", shown(path)))?;
    if bytes.len() as u64 > max_bytes {
        refuse!(
            "{} is over {max_bytes} bytes: an import reads at most that much (pass --max-size to \
             read more); nothing was imported",
            shown(path)
        );
    }
    crate::location::decode_utf8(path, bytes)
        .map_err(|located| crate::refusal!("{located}; nothing was imported"))
}

/// Imports what `args` names into the ledger of `workspace`.
pub fn run(workspace: &Workspace, args: &ImportSettings, ui: &crate::ui::Ui) -> Result<()> {
    if workspace.config().ok().is_some_and(|c| c.store.is_some()) {
        refuse!(
            "{} declares a [store]: import into a ledger without one, then `ledger store push` uploads it \
             into the empty store",
            shown(&workspace.config_path())
        );
    }
    if args.document.is_some() {
        import_doc(workspace, args, ui)
    } else if args.changelog.is_some() {
        import_changelog_only(workspace, args, ui)
    } else {
        import_tags(workspace, args, ui)
    }
}

/// Reads and parses `--changelog` for the release environment of `config`.
fn read_changelog(args: &ImportSettings, config: &Config) -> Result<Option<ImportedChangelog>> {
    let Some(path) = &args.changelog else {
        return Ok(None);
    };
    let text = read_bounded(path, args.max_bytes)?;
    let env = args
        .env
        .clone()
        .unwrap_or_else(|| config.changelog.release_env.clone());
    Ok(Some(import_changelog(path, &text, &env)?))
}

fn report_changelog(path: &std::path::Path, imported: &ImportedChangelog, ui: &crate::ui::Ui) {
    let undated = imported
        .entries
        .iter()
        .filter(|e| e.release.as_ref().is_some_and(|r| r.date.is_none()))
        .count();
    let changes: usize = imported
        .entries
        .iter()
        .filter_map(|e| e.release.as_ref())
        .map(|r| r.groups.iter().map(|g| g.items.len()).sum::<usize>())
        .sum();
    crate::note!(
        ui,
        "imported {}: {} release(s) ({undated} undated), {changes} change line(s){}{}",
        shown(path),
        imported.entries.len(),
        if imported.preamble.is_some() {
            ", the preamble"
        } else {
            ""
        },
        if imported.links.is_some() {
            ", the link references"
        } else {
            ""
        },
    );
}

fn import_changelog_only(
    workspace: &Workspace,
    args: &ImportSettings,
    ui: &crate::ui::Ui,
) -> Result<()> {
    let config = workspace.config()?;
    let imported = read_changelog(args, &config)?.unwrap_or_default();
    if let Some(path) = &args.changelog
        && imported.entries.is_empty()
        && imported.unreleased.is_none()
    {
        refuse!(
            "{}: no release heading was recognised (`## [1.2.0] - 2026-01-05`, `## v1.2.0 (2026-01-05)`, \
             ...) and no Unreleased section; nothing was imported",
            shown(path)
        );
    }
    let env = args
        .env
        .clone()
        .unwrap_or_else(|| config.changelog.release_env.clone());
    config.environment(&env, &workspace.config_path())?;
    let lock = super::session::lock(workspace, &config)?;
    let (mut appender, index) = lock.open()?;
    if appender.count() > 0 && !args.append {
        let releases = (index.heads()?.iter())
            .filter(|e| e.kind == crate::journal::EntryKind::Release)
            .count();
        refuse!(
            "{} already has {} entries ({releases} of them releases from a changelog): pass --append to add \
             these releases after them; nothing was imported",
            shown(appender.path()),
            appender.count()
        );
    }
    let config_path = workspace.config_path();
    let previous = write_changelog_texts(&config_path, &imported)?;
    if let Err(e) = lock.append_all(&mut appender, imported.entries.clone()) {
        let _ = fs::write(&config_path, previous);
        return Err(e.into());
    }
    if let Some(path) = &args.changelog {
        report_changelog(path, &imported, ui);
    }
    Ok(())
}

/// Puts the changelog's preamble, Unreleased text and link references into
/// `[changelog]` of ledger.toml (with toml_edit: comments and layout kept).
/// Returns the file's previous text, to restore if the journal write fails.
fn write_changelog_texts(config_path: &Path, imported: &ImportedChangelog) -> Result<String> {
    let previous = fs::read_to_string(config_path)
        .with_context(|| format!("cannot read {}", shown(config_path)))?;
    let mut document: toml_edit::DocumentMut = previous
        .parse()
        .map_err(|e| crate::refusal!("cannot edit {}: {e}", shown(config_path)))?;
    let table = document
        .entry("changelog")
        .or_insert(toml_edit::table())
        .as_table_mut()
        .ok_or_else(|| crate::refusal!("[changelog] in ledger.toml is not a table"))?;
    for (key, value) in [
        ("preamble", &imported.preamble),
        ("unreleased", &imported.unreleased),
        ("links", &imported.links),
    ] {
        if let Some(value) = value {
            table[key] = toml_edit::value(value.as_str());
        }
    }
    fs::write(config_path, document.to_string())
        .with_context(|| format!("cannot write {}", shown(config_path)))?;
    Ok(previous)
}

/// The text of the document at `path` and what was read from it; refused
/// when nothing in it is a section of a version document.
fn read_document(path: &Path, args: &ImportSettings) -> Result<(String, Imported)> {
    let text = read_bounded(path, args.max_bytes)?;
    let imported = import_document(path, &text, args.lenient)?;
    if imported.sections_recognised == 0 {
        refuse!(
            "{}: nothing in it was recognised as a version document (no `## ... Environment`, \
             `## Deployment History` or `## Quick Commands` section); nothing was imported \
             (`ledger import --changelog FILE` imports a changelog)",
            shown(path)
        );
    }
    Ok((text, imported))
}

fn import_doc(workspace: &Workspace, args: &ImportSettings, ui: &crate::ui::Ui) -> Result<()> {
    let path = args.document.as_deref().unwrap_or(std::path::Path::new(""));
    let (text, imported) = read_document(path, args)?;
    // Appending, the ledger's own configuration decides (and is checked).
    let existing = if args.append {
        Some(workspace.config()?)
    } else {
        None
    };
    let changelog = read_changelog(args, existing.as_ref().unwrap_or(&imported.config))?;
    let dir = &workspace.ledger_dir;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", shown(dir)))?;
    if !Journal::path_in(dir).exists() {
        journal::create_empty(dir)?;
    }
    // A complete ledger folder, as `init` makes one.
    super::init::complete_folder(workspace)?;
    let config = existing.as_ref().unwrap_or(&imported.config);
    let lock = super::session::lock(workspace, config)?;
    // The tail alone: an import reads nothing of the entries before it.
    let (mut appender, _) = lock.open()?;
    if appender.count() > 0 && !args.append {
        refuse!(
            "{} already has {} entries: pass --append to add the imported history (ledger.toml is then kept); \
             nothing was imported",
            shown(appender.path()),
            appender.count()
        );
    }
    let config_path = workspace.config_path();
    let config = merged_config(existing, &imported, changelog.as_ref(), &config_path)?;
    let entries = chronological(&imported, changelog.as_ref());
    // Everything is parsed and checked: now write, config first, restoring it if the journal fails.
    let mut previous = fs::read_to_string(&config_path).ok();
    if let (true, Some(changelog)) = (args.append, &changelog) {
        previous = Some(write_changelog_texts(&config_path, changelog)?);
    }
    if !args.append {
        write_imported_config(&config_path, &config, path)?;
    }
    let appended = match lock.append_all(&mut appender, entries) {
        Ok(appended) => appended,
        Err(e) => {
            if let Some(previous) = previous {
                let _ = fs::write(&config_path, previous);
            }
            return Err(e.into());
        }
    };
    drop(lock);
    report_import(path, &config, &imported, ui);
    if let (Some(path), Some(changelog)) = (&args.changelog, &changelog) {
        report_changelog(path, changelog, ui);
    }
    if !args.append {
        round_trip_check(&config, &appended, &text, path, ui)?;
    }
    Ok(())
}

/// The configuration after the import: the ledger's own when appending
/// (each imported entry's environment checked against it), else the
/// imported one with the changelog's texts.
fn merged_config(
    existing: Option<Config>,
    imported: &Imported,
    changelog: Option<&ImportedChangelog>,
    config_path: &std::path::Path,
) -> Result<Config> {
    if let Some(config) = existing {
        let releases = changelog.iter().flat_map(|c| c.entries.iter());
        for entry in imported.entries.iter().chain(releases) {
            config.environment(&entry.env, config_path)?;
        }
        return Ok(config);
    }
    let mut config = imported.config.clone();
    if let Some(changelog) = changelog {
        config.changelog.preamble = changelog.preamble.clone();
        config.changelog.unreleased = changelog.unreleased.clone();
        config.changelog.links = changelog.links.clone();
    }
    Ok(config)
}

/// The imported deploys and releases as one chronological journal: by
/// day, deploys first on a tie.
fn chronological(imported: &Imported, changelog: Option<&ImportedChangelog>) -> Vec<Entry> {
    let mut entries = imported.entries.clone();
    if let Some(changelog) = changelog {
        entries.extend(changelog.entries.iter().cloned());
        let release = |e: &Entry| e.kind == crate::journal::EntryKind::Release;
        entries
            .sort_by(|a, b| (a.deployed_at.cmp(&b.deployed_at)).then(release(a).cmp(&release(b))));
    }
    entries
}

/// Writes the imported `ledger.toml`, saying where it came from.
fn write_imported_config(
    config_path: &std::path::Path,
    config: &Config,
    document: &std::path::Path,
) -> Result<()> {
    let body = toml::to_string(config)
        .map_err(|e| crate::refusal!("cannot encode the imported configuration: {e}"))?;
    let header = format!(
        "# Imported from {} by `ledger import`; edit freely. Reference: docs/configuration.md\n\n",
        shown(document)
    );
    fs::write(config_path, header + &body)
        .with_context(|| format!("cannot write {}", shown(config_path)))?;
    Ok(())
}

/// The first lines of `lines` through `say`, the rest only under --verbose,
/// and how many those are: a large file of mostly unknown text gives a
/// readable report, not a million lines.
fn report_some(lines: &[String], what: &str, ui: &crate::ui::Ui, say: impl Fn(&str)) {
    const SHOWN: usize = 20;
    for line in lines.iter().take(SHOWN) {
        say(line);
    }
    for line in lines.iter().skip(SHOWN) {
        crate::verbose!(ui, "{line}");
    }
    if lines.len() > SHOWN {
        crate::note!(
            ui,
            "... and {} more {what} (--verbose lists them all)",
            lines.len() - SHOWN
        );
    }
}

/// What the import kept verbatim, warned of and brought in, on stderr.
fn report_import(path: &std::path::Path, config: &Config, imported: &Imported, ui: &crate::ui::Ui) {
    report_some(&imported.kept, "block(s) kept verbatim", ui, |kept| {
        crate::note!(ui, "kept verbatim: {kept}")
    });
    report_some(&imported.warnings, "warning(s)", ui, |warning| {
        crate::warning!(ui, "{warning}")
    });
    for note in &imported.notes {
        crate::note!(ui, "note: {note}");
    }
    let kept_in_entries: usize = imported.entries.iter().map(|e| e.extra.len()).sum();
    crate::note!(
        ui,
        "imported {}: {} environment(s), {} deploy(s), {} block(s) kept verbatim",
        shown(path),
        config.environments.len(),
        imported.entries.len(),
        imported.config.extra.len() + kept_in_entries
    );
}

/// Renders the imported ledger and says whether it prints the document
/// again byte for byte, only in other spacing (then `render --check` would
/// fail on it), or where it differs; and how to rewrite it in the ledger's form.
fn round_trip_check(
    config: &Config,
    entries: &[Entry],
    original: &str,
    path: &Path,
    ui: &crate::ui::Ui,
) -> Result<()> {
    let source = render::Whole(entries);
    let context = render::build(config, &source, None, None)?;
    let rendered = render::render(&render::TemplateOrigin::Builtin("aws-versions"), context)?;
    if rendered == original {
        crate::note!(
            ui,
            "check: `ledger render` prints the document again, byte for byte"
        );
        return Ok(());
    }
    let rewrite = format!(
        "`ledger render -o {}` rewrites it in the ledger's form (then `ledger render --check` passes on it)",
        shown(path)
    );
    let (want, got) = (normalise_markdown(original), normalise_markdown(&rendered));
    if want == got {
        let line = original
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "at its end".to_string(),
                |i| format!("first on line {}", i + 1),
            );
        crate::note!(
            ui,
            "check: `ledger render` prints the same document but not the same bytes (table padding, \
             spacing or line ends differ, {line}): {rewrite}"
        );
        return Ok(());
    }
    let first = want
        .lines()
        .zip(got.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| want.lines().count().min(got.lines().count()));
    crate::warning!(
        ui,
        "`ledger render` will differ from the document from line {} on (document: {:?}, rendered: {:?}); \
         {rewrite} once the ledger says what you want",
        first + 1,
        want.lines().nth(first).unwrap_or(""),
        got.lines().nth(first).unwrap_or("")
    );
    Ok(())
}

fn import_tags(workspace: &Workspace, args: &ImportSettings, ui: &crate::ui::Ui) -> Result<()> {
    let config = workspace.config()?;
    let env = args
        .env
        .clone()
        .unwrap_or_else(|| config.changelog.release_env.clone());
    config.environment(&env, &workspace.config_path())?;
    let pattern_text = args.tag_pattern.as_deref().unwrap_or(DEFAULT_PATTERN);
    let pattern = Regex::new(pattern_text).map_err(|e| {
        crate::refusal!("--tag-pattern `{pattern_text}` is not a valid regular expression: {e}")
    })?;
    let repo = workspace.repo()?;
    let lock = super::session::lock(workspace, &config)?;
    let (mut appender, index) = lock.open()?;
    if appender.count() > 0 && !args.append {
        refuse!(
            "{} already has {} entries: pass --append to add the imported releases after them; nothing was imported",
            appender.path().display(),
            appender.count()
        );
    }
    let rules = ChangeRules::new(&config.changelog);
    let entries = release_entries(&repo, &rules, &env, &pattern)?;
    if entries.is_empty() {
        refuse!(
            "no tag matches `{pattern_text}` in {}: nothing was imported",
            repo.root().display()
        );
    }
    if let Some(last) = (index.append_view(&env, |_| false)?.iter().rev())
        .find(|e| e.env == env && e.kind.changes_files())
        && entries[0].deployed_at < last.deployed_at
    {
        refuse!(
            "the oldest tag ({}, {}) is older than the last entry of `{env}` (#{} at {}): \
             entries of an environment must stay in time order; nothing was imported",
            entries[0].version.as_deref().unwrap_or("-"),
            entries[0].deployed_at,
            last.seq,
            last.deployed_at
        );
    }
    let appended = lock.append_all(&mut appender, entries)?;
    let commits: usize = appended.iter().map(|e| e.commits.len()).sum();
    crate::note!(
        ui,
        "imported {} release(s) of `{env}` from git tags (#{}..#{}), {commits} commit(s) attributed",
        appended.len(),
        appended.first().map_or(0, |e| e.seq),
        appended.last().map_or(0, |e| e.seq),
    );
    Ok(())
}
