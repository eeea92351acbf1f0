//! The sections around the history: Cache Settings, Monitoring, Quick
//! Commands and Related Documentation, read into `ledger.toml`.

use super::{ImportError, Importer};
use crate::config::{CacheBehavior, CacheHeader, CommandBlock, RelatedLink};
use crate::document::cell::{code_cell, table_cell, uncode, untable};
use crate::document::format::{max_age, short_duration};
use crate::document::markdown::{Block, BlockKind};
use crate::services;

impl Importer<'_> {
    pub(super) fn cache(&mut self, title: &str, sub: &[Block]) -> Result<bool, ImportError> {
        let Some((header, data)) = self.regular_table(sub)? else {
            return Ok(false);
        };
        match (
            title,
            header
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
        ) {
            ("CloudFront Cache Behavior", ["Path Pattern", "Cache Policy", "TTL"]) => {
                let mut parsed = Vec::new();
                for row in &data {
                    let path = uncode(&row[0]);
                    let behavior = CacheBehavior {
                        path: path.clone(),
                        policy: cell_value(&row[1]),
                        ttl: cell_value(&row[2]),
                    };
                    if code_cell(&path) != row[0] || !renders(&row[1]) || !renders(&row[2]) {
                        return Ok(false);
                    }
                    parsed.push(behavior);
                }
                self.out.config.cache.behaviors = parsed;
                Ok(true)
            }
            ("S3 Cache-Control Headers", ["File Type", "Cache-Control"]) => {
                let mut parsed = Vec::new();
                for row in &data {
                    let value = row[1].split(" (").next().map(uncode).unwrap_or_default();
                    let display = match max_age(&value) {
                        Some(s) => format!("{} ({})", code_cell(&value), short_duration(s)),
                        None => code_cell(&value),
                    };
                    if display != row[1] || !renders(&row[0]) {
                        return Ok(false);
                    }
                    parsed.push(CacheHeader {
                        file_type: untable(&row[0]),
                        cache_control: value,
                    });
                }
                self.out.config.cache.headers = parsed;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    pub(super) fn monitoring(&mut self, title: &str, sub: &[Block]) -> Result<bool, ImportError> {
        let Some((header, data)) = self.regular_table(sub)? else {
            return Ok(false);
        };
        let monitoring = &mut self.out.config.monitoring;
        let read = services::read_table(
            true,
            (title, &header, &data),
            &mut monitoring.declared,
            &mut monitoring.columns,
        );
        if read && let Some(table) = sub.first() {
            super::keep_separator(&mut monitoring.separators, title, &table.text);
        }
        Ok(read)
    }

    pub(super) fn command(&mut self, title: &str, sub: &[Block]) -> bool {
        let [block] = sub else { return false };
        let BlockKind::Code(info, script) = &block.kind else {
            return false;
        };
        if info.trim() != "bash" {
            return false;
        }
        for word in script.split_whitespace().collect::<Vec<_>>().windows(2) {
            if word[0] == "--profile" {
                let profile = word[1].to_string();
                for env in self.out.config.environments.values_mut() {
                    env.profile.get_or_insert(profile.clone());
                }
            }
        }
        if title == "Rollback Commands" {
            // Generated from the journal on render.
            self.out.notes.push(format!(
                "line {}: \"Rollback Commands\" is regenerated from the journal on render",
                block.start
            ));
            return true;
        }
        self.out.config.commands.push(CommandBlock {
            title: title.to_string(),
            script: script.clone(),
        });
        true
    }

    pub(super) fn related(&mut self, body: &[Block]) {
        let body = match body.last() {
            Some(last) if last.kind == BlockKind::Break => &body[..body.len() - 1],
            _ => body,
        };
        let mut parsed = Vec::new();
        let understood = match body {
            [block] => match &block.kind {
                BlockKind::List(items) => items.iter().all(|item| match parse_link(item) {
                    Some(link) => {
                        parsed.push(link);
                        true
                    }
                    None => false,
                }),
                _ => false,
            },
            _ => false,
        };
        if understood {
            self.out.config.related = parsed;
        } else {
            self.keep("related.start", body, "related documentation");
        }
    }
}

/// A text cell's value: `-` is none.
pub(super) fn cell_value(cell: &str) -> Option<String> {
    (cell != "-").then(|| untable(cell))
}

/// Whether a text cell prints back the same through the `cell` escaping.
pub(super) fn renders(cell: &str) -> bool {
    cell == "-" || table_cell(&untable(cell)) == cell
}

/// `[title](path) - description`.
pub(super) fn parse_link(item: &str) -> Option<RelatedLink> {
    let rest = item.strip_prefix('[')?;
    let (title, rest) = rest.split_once("](")?;
    let (path, rest) = rest.split_once(')')?;
    let description = match rest {
        "" => None,
        r => Some(r.strip_prefix(" - ")?.to_string()),
    };
    Some(RelatedLink {
        title: title.to_string(),
        path: path.to_string(),
        description,
    })
}
