//! `ledger import`: an AWS_VERSIONS.md document, a CHANGELOG.md, or release
//! entries from the repository's tags (`ops::import`).

use anyhow::Result;

use super::Outcome;
use crate::cli::ImportArgs;
use crate::ops::Workspace;
use crate::ops::import::{self, ImportSettings};

pub fn run(workspace: &Workspace, args: &ImportArgs, ui: &crate::ui::Ui) -> Result<Outcome> {
    let settings = ImportSettings {
        document: args.document.clone(),
        changelog: args.changelog.clone(),
        git_tags: args.git_tags,
        lenient: args.lenient,
        env: args.env.clone(),
        tag_pattern: args.tag_pattern.clone(),
        append: args.append,
        max_bytes: args.max_size,
    };
    import::run(workspace, &settings, ui)?;
    Ok(Outcome::Success)
}
