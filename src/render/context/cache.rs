//! The Cache Settings section: CloudFront's behaviours and the S3
//! Cache-Control headers of what the release environment serves.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::{self, Config};
use crate::document::cell::code_cell;
use crate::document::format::{content_family, max_age, short_duration};
use crate::journal::Entry;
use crate::model;
use crate::services::REGISTRY;
use crate::services::inventory::latest_inventory;

/// Cache settings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CacheView {
    /// CloudFront behaviours, as declared.
    pub behaviors: Vec<config::CacheBehavior>,
    /// S3 Cache-Control by file type.
    pub headers: Vec<HeaderView>,
    /// `journal` when the headers come from recorded object metadata, else `config`.
    pub headers_source: String,
}

/// One S3 Cache-Control row.
#[derive(Debug, Clone, Serialize)]
pub struct HeaderView {
    /// File type ("JavaScript").
    pub file_type: String,
    /// Header values, most common first.
    pub values: Vec<String>,
    /// Ready to print: `` `max-age=86400` (24h) ``.
    pub display: String,
}

/// (family rank, family, (value, count) most common first).
pub(super) type HeaderRow = (usize, String, Vec<(String, usize)>);

/// CloudFront behaviours: what the services read of them in the release
/// environment's latest snapshot, else as declared.
pub(super) fn behaviors(config: &Config, entries: &[Entry]) -> Vec<config::CacheBehavior> {
    let observed: Vec<config::CacheBehavior> =
        latest_inventory(entries, &config.changelog.release_env)
            .map(|inventory| {
                (REGISTRY.iter())
                    .filter_map(|s| {
                        inventory
                            .get(s.state_key())
                            .map(|state| s.cache_behaviors(state))
                    })
                    .flatten()
                    .collect()
            })
            .unwrap_or_default();
    if observed.is_empty() {
        return config.cache.behaviors.clone();
    }
    observed
}

/// Cache settings, from `live`: what the release environment serves.
pub(super) fn cache_view(config: &Config, entries: &[Entry], live: &model::LiveState) -> CacheView {
    // family -> (rank, value -> count)
    let mut families: BTreeMap<String, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for file in live.values() {
        let (Some(content_type), Some(cache_control)) = (&file.content_type, &file.cache_control)
        else {
            continue;
        };
        let (rank, family) = content_family(content_type);
        let slot = families.entry(family).or_insert((rank, BTreeMap::new()));
        *slot.1.entry(cache_control.clone()).or_default() += 1;
    }
    let display = |value: &str| match max_age(value) {
        Some(seconds) => format!("{} ({})", code_cell(value), short_duration(seconds)),
        None => code_cell(value),
    };
    if families.is_empty() {
        return CacheView {
            behaviors: behaviors(config, entries),
            headers: config
                .cache
                .headers
                .iter()
                .map(|h| HeaderView {
                    file_type: h.file_type.clone(),
                    values: vec![h.cache_control.clone()],
                    display: display(&h.cache_control),
                })
                .collect(),
            headers_source: "config".into(),
        };
    }
    let mut rows: Vec<HeaderRow> = families
        .into_iter()
        .map(|(family, (rank, counts))| {
            let mut values: Vec<(String, usize)> = counts.into_iter().collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            (rank, family, values)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    CacheView {
        behaviors: behaviors(config, entries),
        headers: rows
            .into_iter()
            .map(|(_, family, values)| HeaderView {
                display: values
                    .iter()
                    .map(|(v, _)| display(v))
                    .collect::<Vec<_>>()
                    .join(", "),
                file_type: family,
                values: values.into_iter().map(|(v, _)| v).collect(),
            })
            .collect(),
        headers_source: "journal".into(),
    }
}
