//! The version document's deployment history: each deploy, rollback and
//! correction in force printed through the history codec
//! ([`crate::document::history`]), newest first, joined into the text the
//! built-in template includes as `history`.
//!
//! A block depends only on its entry, the entries before it (a rollback
//! names the version it restored, a correction the entry it voids), the
//! environments' display names and this program: never on what comes
//! after. So the blocks of each journal file are kept in
//! `ledger/.cache/history/` (ignored by git, safe to delete) under a name
//! made of the hash of the file's last entry (which the hash chain ties to
//! every entry before it), the display names and the codec's version, and
//! a render reads them back instead of printing them again. A later void
//! only leaves a block out of the join. Files no render of this ledger
//! needs any more are removed after each render.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::config::Config;
use crate::document::history::{self, BlockFacts};
use crate::journal::{Entry, EntryKind, Index, JournalError, Part};
use crate::model;
use crate::services::PinBlocks;

/// Where the blocks are kept, under the ledger folder.
pub const CACHE_DIR: &str = ".cache/history";

/// Bumped whenever a block prints differently, so that no cached block of
/// an older form is reused (the program's version is in the key too).
const CODEC_VERSION: u32 = 2;

/// Whether an entry has a block in the history.
pub fn has_block(entry: &Entry) -> bool {
    matches!(
        entry.kind,
        EntryKind::Deploy | EntryKind::Rollback | EntryKind::Void | EntryKind::Reconcile
    )
}

/// The block of `entry`; `earlier` finds an entry before it by seq.
pub fn block<'a>(
    config: &Config,
    entry: &Entry,
    earlier: impl Fn(u64) -> Option<&'a Entry>,
) -> String {
    let env_name = (config.environments.get(&entry.env))
        .map(|e| e.display_name(&entry.env))
        .unwrap_or_else(|| entry.env.clone());
    let restores = entry.restores.and_then(&earlier);
    let voids_summary = entry.voids.and_then(&earlier).map(model::summary_line);
    let pins = PinBlocks::of(entry);
    let facts = BlockFacts {
        env_name: &env_name,
        restores_version: restores.and_then(|e| e.version.as_deref()),
        voids_summary: voids_summary.as_deref(),
        pins: &pins,
    };
    let mut out = String::new();
    history::write(entry, &facts, &mut out);
    out
}

/// The history of whole `entries` (in journal order), printed now: the
/// blocks of the entries in force, newest first.
pub fn joined(config: &Config, entries: &[Entry]) -> String {
    let voided = model::voided_by(entries);
    let mut out = String::new();
    for entry in (entries.iter().rev()).filter(|e| has_block(e) && !voided.contains_key(&e.seq)) {
        out.push_str(&block(config, entry, |seq| model::by_seq(entries, seq)));
    }
    out
}

/// The history of the journal `index` reads, from the blocks kept in
/// `ledger_dir`'s cache where they are, printed (and kept) where not.
/// `heads` are every entry's head, in journal order.
pub fn joined_cached(
    config: &Config,
    index: &Index,
    heads: &[Entry],
    ledger_dir: &Path,
) -> Result<String, JournalError> {
    let dir = ledger_dir.join(CACHE_DIR);
    let names = names_key(config);
    let parts: Vec<(usize, Part<'_>)> = index.parts().enumerate().collect();
    let earlier = |seq| model::by_seq(heads, seq);
    let read = |parts: Vec<(usize, Part<'_>)>| -> Result<Vec<(usize, FileBlocks)>, JournalError> {
        let mut read = Vec::with_capacity(parts.len());
        for (at, part) in parts {
            let path = dir.join(file_name(&names, &part));
            let blocks = match FileBlocks::load(&path, part.count()) {
                Some(blocks) => blocks,
                None => {
                    let blocks = FileBlocks::print(config, &part.entries()?, &earlier);
                    blocks.keep(&path);
                    blocks
                }
            };
            read.push((at, blocks));
        }
        Ok(read)
    };
    // The files' blocks are read, or printed, on two threads.
    let mut files = Vec::with_capacity(parts.len());
    for piece in crate::parallel::pieces(parts, 2, &read) {
        files.extend(piece?);
    }
    files.sort_by_key(|(at, _)| *at);
    let wanted: HashSet<PathBuf> = (index.parts())
        .map(|part| dir.join(file_name(&names, &part)))
        .collect();
    prune(&dir, &wanted);
    let voided = index.voided();
    let mut out = String::with_capacity(files.iter().map(|(_, f)| f.text.len()).sum());
    for (_, file) in files.iter().rev() {
        for (seq, text) in file.blocks().rev() {
            if !voided.contains_key(&seq) {
                out.push_str(text);
            }
        }
    }
    Ok(out)
}

/// What of the configuration the blocks print (the environments' display
/// names) and the codec's version, hashed for the cache files' names.
fn names_key(config: &Config) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("{} {CODEC_VERSION}\n", env!("CARGO_PKG_VERSION")));
    for (key, env) in &config.environments {
        hasher.update(format!("{key}\t{}\n", env.display_name(key)));
    }
    hex(&hasher.finalize())[..16].to_string()
}

/// The cache file of one journal file's blocks.
fn file_name(names: &str, part: &Part<'_>) -> String {
    let tip = match part.last_hash() {
        "" => "empty",
        hash => hash,
    };
    format!("{tip}-{}-{names}.blocks", part.count())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Removes the cache files not in `wanted` (those of journal files since
/// replaced, or of other display names).
fn prune(dir: &Path, wanted: &HashSet<PathBuf>) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    for file in listing.flatten() {
        let path = file.path();
        if !wanted.contains(&path) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// One journal file's blocks: a line of `SEQ:LENGTH` pairs, then the
/// blocks' text one after another.
struct FileBlocks {
    /// (seq, length in bytes), in journal order.
    spans: Vec<(u64, usize)>,
    text: String,
}

impl FileBlocks {
    /// The blocks of a file's `entries`.
    fn print<'a>(
        config: &Config,
        entries: &[Entry],
        earlier: &(impl Fn(u64) -> Option<&'a Entry> + Sync),
    ) -> FileBlocks {
        let mut blocks = FileBlocks {
            spans: Vec::new(),
            text: String::new(),
        };
        let here: HashMap<u64, &Entry> = entries.iter().map(|e| (e.seq, e)).collect();
        for entry in entries.iter().filter(|e| has_block(e)) {
            let lookup = |seq| here.get(&seq).copied().or_else(|| earlier(seq));
            let text = block(config, entry, lookup);
            blocks.spans.push((entry.seq, text.len()));
            blocks.text.push_str(&text);
        }
        blocks
    }

    /// The blocks kept at `path`, when it holds a whole set of them for a
    /// file of `count` entries.
    fn load(path: &Path, count: usize) -> Option<FileBlocks> {
        let stored = std::fs::read_to_string(path).ok()?;
        let (head, text) = stored.split_once('\n')?;
        let spans: Vec<(u64, usize)> = (head.split_whitespace())
            .map(|pair| {
                let (seq, len) = pair.split_once(':')?;
                Some((seq.parse().ok()?, len.parse().ok()?))
            })
            .collect::<Option<_>>()?;
        let total: usize = spans.iter().map(|(_, len)| len).sum();
        let whole = total == text.len() && spans.len() <= count;
        let blocks = FileBlocks {
            spans,
            text: text.to_string(),
        };
        (whole && blocks.blocks().count() == blocks.spans.len()).then_some(blocks)
    }

    /// Writes the blocks to `path` (a cache: a failure only costs the next
    /// render the printing).
    fn keep(&self, path: &Path) {
        let Some(dir) = path.parent() else {
            return;
        };
        let head: Vec<String> = (self.spans.iter())
            .map(|(seq, len)| format!("{seq}:{len}"))
            .collect();
        let stored = format!("{}\n{}", head.join(" "), self.text);
        let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
        let written = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&temporary, stored))
            .and_then(|()| std::fs::rename(&temporary, path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
    }

    /// (seq, block), in journal order; a span that does not fall on the
    /// text's character boundaries ends the list.
    fn blocks(&self) -> impl DoubleEndedIterator<Item = (u64, &str)> {
        let mut at = 0;
        let bounded: Vec<(u64, &str)> = (self.spans.iter())
            .map_while(|&(seq, len)| {
                let text = self.text.get(at..at + len)?;
                at += len;
                Some((seq, text))
            })
            .collect();
        bounded.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Change, FileChange, Invalidation};
    use crate::timestamp::{Timestamp, WrittenTime};

    /// The deploys loop of the built-in template before the history moved
    /// into the codec, word for word: a template a user copied from it
    /// keeps printing what the built-in one prints.
    const TEMPLATE_LOOP: &str = r##"{% for deploy in deploys %}
### {{ deploy.date }} - {{ deploy.env_name }} {% if deploy.kind == "rollback" %}Rollback{% if deploy.restores_version %} to {{ deploy.restores_version }}{% elif deploy.version %} to {{ deploy.version }}{% endif %}{% elif deploy.kind == "void" %}Correction{% else %}{% if deploy.redeploy %}Redeploy{% else %}Deploy{% endif %}{% if deploy.version %} {{ deploy.version }}{% endif %}{% endif %}
{% if deploy.kind == "void" %}
**Voids**: {{ deploy.voids_summary | default(value="#" ~ deploy.voids) | cell }}, recorded in error
{% if deploy.reason %}**Reason**: {{ deploy.reason }}
{% endif -%}
{% if deploy.deployed_by %}**Corrected By**: {{ deploy.deployed_by }}
{% endif %}
---
{% continue %}
{% endif -%}
{% set has_meta = deploy.commits or deploy.commit or deploy.deployed_by or deploy.build_time -%}
{% if has_meta %}
{% if deploy.commits and (deploy.imported or deploy.commits | length <= 3) %}**Commit**: {% for c in deploy.commits %}`{{ c }}`{% if not loop.last %} + {% endif %}{% endfor %}
{% elif deploy.commit %}**Commit**: `{{ deploy.short_commit }}`{% if deploy.commits | length > 3 %} ({{ deploy.commits | length }} commits){% endif %}
{% endif -%}
{% if deploy.deployed_by %}**Deployed By**: {{ deploy.deployed_by }}
{% endif -%}
{% if deploy.build_time %}**Build Time**: {{ deploy.build_time }}
{% endif -%}
{% endif -%}
{% if deploy.files %}
**Files Deployed**:
| File | Size | Content-Type |
|------|------|--------------|
{% for file in deploy.files -%}
| {{ file.key | code_cell }} | {{ file.size_human | default(value="-") | cell }} | {{ file.content_type | default(value="-") | cell }} |
{% endfor -%}
{% endif -%}
{% if deploy.deleted %}
**Files Deleted**:
{% for file in deploy.deleted -%}
- `{{ file.key }}`
{% endfor -%}
{% endif -%}
{% if deploy.no_aws %}
**Objects**: not read from S3 (recorded with `--no-aws`)
{% endif -%}
{% if deploy.invalidation %}
**CloudFront Invalidation**: `{{ deploy.invalidation.id }}`{% if deploy.invalidation.status %} ({{ deploy.invalidation.status }}){% endif %}
{% endif -%}
{% if deploy.changes %}
**Changes**:
{% for change in deploy.changes -%}
- {% if change.breaking %}**BREAKING** {% endif %}{{ change.text }}
{% endfor -%}
{% endif %}{% for block in deploy.pin_blocks %}
**{{ block.title }}**:
{% for line in block.lines -%}
- {{ line }}
{% endfor -%}
{% endfor %}{% for x in deploy.extra %}
{{ x }}
{% endfor %}
---
{% endfor -%}
END"##;

    fn at(day: &str) -> Timestamp {
        Timestamp::parse_stored(day).unwrap()
    }

    fn deploy(seq: u64, version: &str) -> Entry {
        Entry {
            seq,
            version: Some(version.into()),
            ..Entry::new(EntryKind::Deploy, "production", at("2026-03-01"))
        }
    }

    fn file(key: &str, size: Option<u64>, content_type: Option<&str>) -> FileChange {
        FileChange {
            size,
            content_type: content_type.map(String::from),
            ..FileChange::put(key)
        }
    }

    /// Entries that reach every branch of a block.
    fn entries() -> Vec<Entry> {
        let sha = |n: u32| format!("{n:07x}abcdef0123456789");
        let mut full = deploy(1, "v1.0.0");
        full.commits = (1..=2).map(sha).collect();
        full.commit = full.commits.last().cloned();
        full.deployed_by = Some("alice".into());
        full.build_time = Some(WrittenTime::parse_stored("2026-03-01T10:00:00Z").unwrap());
        full.files = vec![
            file("index.html", Some(1234), Some("text/html")),
            file("a|b.js", None, None),
            FileChange {
                size_text: Some("about 2 KB".into()),
                ..file("`odd` name.css", Some(2000), Some("text/css; x=|"))
            },
            FileChange::deleted("old.js"),
        ];
        full.invalidation = Some(Invalidation {
            id: "I2J3K4".into(),
            status: Some("Completed".into()),
            ..Invalidation::new(None)
        });
        full.changes = vec![
            Change::plain("Fixed the login"),
            Change {
                breaking: true,
                ..Change::plain("Dropped the old API")
            },
        ];
        full.extra = vec!["Some *kept* text.".into()];
        let mut pinned = deploy(2, "v1.1.0");
        pinned.redeploy = true;
        pinned.no_aws = true;
        pinned.commits = (1..=5).map(sha).collect();
        pinned.commit = Some(sha(9));
        pinned.deployed_by = Some(String::new());
        let mut function = toml::Table::new();
        function.insert("name".into(), "api".into());
        function.insert("version".into(), "7".into());
        pinned.pins.insert("functions".into(), vec![function]);
        pinned.invalidation = Some(Invalidation {
            id: "NOSTATUS".into(),
            ..Invalidation::new(None)
        });
        let mut imported = deploy(3, "");
        imported.imported = true;
        imported.commits = (1..=4).map(sha).collect();
        let mut build_only = deploy(4, "v2");
        build_only.env = "staging".into();
        build_only.build_time = Some(WrittenTime::parse_stored("2026-03-02T10:00:00Z").unwrap());
        let rollback = Entry {
            seq: 5,
            restores: Some(1),
            ..Entry::new(EntryKind::Rollback, "production", at("2026-03-03"))
        };
        let bare_rollback = Entry {
            version: Some("v0.9".into()),
            restores: None,
            ..Entry {
                seq: 6,
                ..rollback.clone()
            }
        };
        let void = Entry {
            seq: 7,
            voids: Some(4),
            reason: Some("wrong env".into()),
            deployed_by: Some("bob".into()),
            ..Entry::new(EntryKind::Void, "staging", at("2026-03-04"))
        };
        let plain_void = Entry {
            seq: 8,
            voids: Some(99),
            ..Entry::new(EntryKind::Void, "production", at("2026-03-04"))
        };
        vec![
            full,
            pinned,
            imported,
            build_only,
            rollback,
            bare_rollback,
            void,
            plain_void,
        ]
    }

    fn config() -> Config {
        Config::parse(
            std::path::Path::new("ledger.toml"),
            "[project]\ntitle = \"T\"\n[environments.production]\nbucket = \"bkt\"\n\
             [environments.staging]\nbucket = \"stg\"\nname = \"Staging EU\"\n",
        )
        .unwrap()
    }

    #[test]
    fn the_codec_prints_what_the_template_loop_printed() {
        let config = config();
        let entries = entries();
        let source = crate::render::Whole(&entries);
        let context = crate::render::build(&config, &source, None, None).unwrap();
        let history = context.history.clone();
        let looped = crate::render::Template::from_source(TEMPLATE_LOOP)
            .render(context)
            .unwrap();
        assert_eq!(looped, format!("{history}END\n"));
        for needle in [
            "Redeploy v1.1.0",
            "(5 commits)",
            "Rollback to v1.0.0",
            "Rollback to v0.9",
            "**Voids**: #4 staging v2",
            "**Voids**: #99, recorded in error",
            "**BREAKING** Dropped",
            "`api`: version 7",
            "### 2026-03-01 - Production Deploy\n\n**Commit**: `0000001` + ",
        ] {
            assert!(history.contains(needle), "{needle:?} in:\n{history}");
        }
        assert!(
            !history.contains("Staging EU Deploy v2"),
            "voided: left out"
        );
    }
}
