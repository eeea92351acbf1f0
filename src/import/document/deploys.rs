//! The Deployment History: each deploy's block read through the history
//! codec into an entry marked `imported`.

use super::{ImportError, Importer};
use crate::document::history::{self, Part};
use crate::document::markdown::Block;
use crate::journal::{Entry, EntryKind};
use crate::services;

impl Importer<'_> {
    /// One deploy section; false when its heading is not a deploy (kept verbatim).
    pub(super) fn deploy(
        &mut self,
        title: &str,
        heading: &Block,
        sub: &[Block],
    ) -> Result<bool, ImportError> {
        let read = match history::read_heading(title) {
            Ok(read) => read,
            Err(message) => {
                self.problem(heading.start, message)?;
                return Ok(false);
            }
        };
        let Some(env) = self.env_names.get(&read.env_name).cloned() else {
            self.problem(
                heading.start,
                format!(
                    "\"{0}\" is not an environment of this document (no \"## {0} Environment\")",
                    read.env_name
                ),
            )?;
            return Ok(false);
        };
        let mut entry = Entry {
            version: read.version,
            redeploy: read.redeploy,
            imported: true,
            ..Entry::new(EntryKind::Deploy, env.clone(), read.date)
        };
        if let Some(version) = &entry.version
            && !entry.redeploy
            && (self.out.entries.iter())
                .any(|e| e.env == env && e.version.as_ref() == Some(version) && !e.redeploy)
        {
            self.problem(
                heading.start,
                format!("version {version} of {} is listed twice", read.env_name),
            )?;
            return Ok(false);
        }
        self.deploy_body(&mut entry, title, sub)?;
        if let Some(invalidation) = &mut entry.invalidation {
            invalidation.distribution =
                (self.out.config.environments.get(&env)).and_then(|e| e.distribution.clone());
        }
        self.out.entries.push(entry);
        self.deploy_lines.push(heading.start);
        Ok(true)
    }

    /// The parts of a deploy's body, read through the history codec; what
    /// it does not read is kept verbatim with the entry.
    fn deploy_body(
        &mut self,
        entry: &mut Entry,
        title: &str,
        sub: &[Block],
    ) -> Result<(), ImportError> {
        let mut index = 0;
        while index < sub.len() {
            let block = &sub[index];
            let part = history::read_part(entry, block, sub.get(index + 1), &services::PinBlocks);
            match part {
                Part::Read(n) => index += n,
                Part::Problem { line, message } => {
                    self.problem(line, message)?;
                    self.keep_in_entry(entry, title, block);
                    index += 1;
                }
                Part::Unread => {
                    self.keep_in_entry(entry, title, block);
                    index += 1;
                }
            }
        }
        Ok(())
    }

    /// A block of a deploy's body kept as written.
    fn keep_in_entry(&mut self, entry: &mut Entry, title: &str, block: &Block) {
        self.out.kept.push(format!(
            "lines {}-{}: text in deploy \"{title}\"",
            block.start, block.end
        ));
        entry.extra.push(self.source(block.start, block.end));
    }
}
