//! The entries section of the audit page: one closed `<details>` per entry
//! (`id="entry-SEQ"`, the target of its timeline mark) with what the
//! journal says of it: version, commit, who, when, files with their version
//! IDs, the invalidation, what it restores or voids, its hash.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::escape;
use crate::journal::{Entry, FileAction};
use crate::model;

/// The `<section id="entries">`, newest entry first.
pub fn section(entries: &[Entry], signers: &HashMap<u64, String>) -> String {
    let voided = model::voided_by(entries);
    let mut html = String::from("<section id=\"entries\">\n<h2>Entries</h2>\n");
    for entry in entries.iter().rev() {
        html.push_str(&details(entry, &voided, signers.get(&entry.seq)));
    }
    html.push_str("</section>\n");
    html
}

fn details(entry: &Entry, voided: &HashMap<u64, u64>, signer: Option<&String>) -> String {
    let mut html = format!(
        "<details class=\"entry\" id=\"entry-{seq}\">\n<summary>#{seq} {} <strong>{}</strong>{} — {}{}</summary>\n",
        escape(entry.kind.as_str()),
        escape(&entry.env),
        entry
            .version
            .as_ref()
            .map(|v| format!(" {}", escape(v)))
            .unwrap_or_default(),
        escape(&entry.deployed_at.to_string()),
        voided
            .get(&entry.seq)
            .map(|void| format!(" <span class=\"voided-note\">(voided by #{void})</span>"))
            .unwrap_or_default(),
        seq = entry.seq,
    );
    if let Some(void) = voided.get(&entry.seq) {
        let _ = writeln!(
            html,
            "<p class=\"voided-note\">Voided by <a href=\"#entry-{void}\">#{void}</a>: recorded in error, left out of every answer.</p>"
        );
    }
    html.push_str("<dl>\n");
    for (name, value) in fields(entry) {
        let _ = writeln!(html, "<dt>{name}</dt><dd>{value}</dd>");
    }
    if let Some(signer) = signer {
        let _ = writeln!(html, "<dt>Signature</dt><dd>{}</dd>", escape(signer));
    }
    html.push_str("</dl>\n");
    html.push_str(&changes(entry));
    html.push_str(&files(entry));
    html.push_str("</details>\n");
    html
}

/// (name, HTML value) of every field the entry has.
fn fields(entry: &Entry) -> Vec<(&'static str, String)> {
    let link = |seq: u64| format!("<a href=\"#entry-{seq}\">#{seq}</a>");
    let code = |text: &str| format!("<code>{}</code>", escape(text));
    let when = if entry.kind.changes_files() {
        "Deployed at"
    } else {
        "At"
    };
    let inventory = entry.inventory.as_ref().and_then(|inventory| {
        let text = serde_json::to_string_pretty(inventory).ok()?;
        Some(format!("<pre>{}</pre>", escape(&text)))
    });
    let fields = [
        ("Kind", Some(escape(entry.kind.as_str()))),
        ("Version", entry.version.as_deref().map(escape)),
        ("Commit", entry.commit.as_deref().map(code)),
        (when, Some(escape(&entry.deployed_at.to_string()))),
        ("By", entry.deployed_by.as_deref().map(escape)),
        (
            "Build time",
            entry.build_time.as_ref().map(|t| escape(&t.to_string())),
        ),
        ("Restores", entry.restores.map(link)),
        ("Voids", entry.voids.map(link)),
        ("Reason", entry.reason.as_deref().map(escape)),
        (
            "Invalidation",
            entry.invalidation.as_ref().map(invalidation),
        ),
        ("Notes", notes(entry)),
        ("Inventory", inventory),
        ("Hash", Some(code(&entry.hash))),
    ];
    (fields.into_iter())
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect()
}

/// The entry's flags and notes, `; `-separated (none without any).
fn notes(entry: &Entry) -> Option<String> {
    let flags = [
        (entry.redeploy, "redeploy"),
        (entry.no_aws, "recorded without AWS (--no-aws)"),
        (entry.imported, "imported"),
    ];
    let all: Vec<String> = (flags.iter())
        .filter(|(set, _)| *set)
        .map(|(_, flag)| flag.to_string())
        .chain(entry.notes.iter().map(|n| escape(n)))
        .collect();
    (!all.is_empty()).then(|| all.join("; "))
}

fn invalidation(inv: &crate::journal::Invalidation) -> String {
    let mut text = format!("<code>{}</code>", escape(&inv.id));
    if let Some(status) = &inv.status {
        let _ = write!(text, " {}", escape(status));
    }
    if let Some(distribution) = &inv.distribution {
        let _ = write!(text, " on <code>{}</code>", escape(distribution));
    }
    if !inv.paths.is_empty() {
        let paths: Vec<String> = inv.paths.iter().map(|p| escape(p)).collect();
        let _ = write!(text, " ({})", paths.join(" "));
    }
    text
}

fn changes(entry: &Entry) -> String {
    if entry.changes.is_empty() {
        return String::new();
    }
    let mut html = String::from("<ul class=\"changes\">\n");
    for change in &entry.changes {
        let _ = writeln!(html, "<li>{}</li>", escape(&change.text));
    }
    html.push_str("</ul>\n");
    html
}

fn files(entry: &Entry) -> String {
    if entry.files.is_empty() {
        return String::new();
    }
    let mut html = String::from(
        "<table class=\"files\"><thead><tr><th>Key</th><th>Action</th><th>Version ID</th><th>ETag</th><th>Size</th></tr></thead><tbody>\n",
    );
    for file in &entry.files {
        let action = match file.action {
            FileAction::Put => "put",
            FileAction::Delete => "delete",
        };
        let size = file
            .size
            .map(crate::document::format::human_size)
            .or_else(|| file.size_text.clone())
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            html,
            "<tr><td><code>{}</code></td><td>{action}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            escape(&file.key),
            escape(file.version_id.as_deref().unwrap_or("-")),
            escape(file.etag.as_deref().unwrap_or("-")),
            escape(&size)
        );
    }
    html.push_str("</tbody></table>\n");
    html
}
