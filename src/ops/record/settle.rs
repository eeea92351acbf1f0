//! Settling a capture against the journal: under the journal's lock, the
//! entries that landed while AWS was read are looked at, and when one of
//! the same environment moved what the capture saw, the file changes (or
//! the pins) are read again outside the lock, and the lock taken again.
//! Only the final check-and-append is serialised.

use std::borrow::Cow;

use super::capture::{Capture, Captured};
use super::{moved, observed_picture};
use crate::aws::s3::Listing;
use crate::journal::{Appender, Entry, FileChange, Index, JournalLock, Pins, Storage};
use crate::model;
use crate::ops::{Result, Workspace};
use crate::refuse;
use crate::services;
use crate::ui::Ui;

/// Rounds of re-reading before `record` gives up on a busy environment.
const MAX_ROUNDS: usize = 5;

/// A capture to settle.
pub(super) struct Settling<'a> {
    /// The environment recorded.
    pub env: &'a str,
    /// The index read before the capture.
    pub index: &'a Index,
    /// The heads the append checks read of it (`Index::append_view`).
    pub view: &'a [Entry],
    /// Those heads in force: what the capture was diffed against.
    pub seen: &'a [Entry],
    /// The capture and its listing (none with `--no-aws`).
    pub capture: Option<Captured<'a>>,
    /// The pins the capture read.
    pub pins: Pins,
    /// How the append is signed.
    pub signing: &'a crate::ops::session::Signing,
}

/// The lock held, the journal open to append, and its heads in force.
pub(super) struct Settled {
    pub lock: JournalLock,
    pub appender: Appender,
    pub now: Vec<Entry>,
}

/// One look at the journal under its lock.
struct Round {
    lock: JournalLock,
    appender: Appender,
    /// The index read again (none when nothing was written since `index`).
    reread: Option<Index>,
}

impl Settling<'_> {
    /// Takes the lock until what the capture saw still holds, redoing the
    /// capture's diff against what landed meanwhile, and returns the lock.
    pub fn settle(
        &mut self,
        workspace: &Workspace,
        storage: &dyn Storage,
        entry: &mut Entry,
        ui: &Ui,
    ) -> Result<Settled> {
        let mut against: Cow<'_, [Entry]> = Cow::Borrowed(self.seen);
        let mut rounds = 0;
        loop {
            let round = self.lock(workspace, storage, rounds == 0)?;
            let index = round.reread.as_ref().unwrap_or(self.index);
            let now = match &round.reread {
                None => model::in_force(self.view).into_owned(),
                Some(reread) => model::in_force(reread.heads()?).into_owned(),
            };
            let objects_moved = moved(model::last_observed, &against, &now, self.env);
            let pins_moved = pins_moved(&against, &now, self.env);
            if self.capture.is_none() || (!objects_moved && pins_moved.is_empty()) {
                let Round { lock, appender, .. } = round;
                return Ok(Settled {
                    lock,
                    appender,
                    now,
                });
            }
            drop(round.lock);
            rounds += 1;
            if rounds > MAX_ROUNDS {
                refuse!(
                    "{} kept changing while this record settled ({MAX_ROUNDS} rounds); nothing was recorded: run it again",
                    self.env
                );
            }
            let seen = Seen {
                index,
                before: &against,
                now: &now,
            };
            self.catch_up(&seen, objects_moved, &pins_moved, entry, ui)?;
            against = Cow::Owned(now);
        }
    }

    /// The lock, and the journal opened under it: reusing the index read
    /// before the capture on the first round when nothing was written since.
    fn lock(&self, workspace: &Workspace, storage: &dyn Storage, first: bool) -> Result<Round> {
        let lock = self.signing.lock(&workspace.ledger_dir)?;
        storage.refresh(&lock)?;
        let (appender, reread) = if first {
            lock.open_reusing(self.index)?
        } else {
            let (appender, index) = lock.open()?;
            (appender, Some(index))
        };
        Ok(Round {
            lock,
            appender,
            reread,
        })
    }

    /// The capture brought up to what landed: the file changes diffed
    /// again when another entry read S3, the pins read again when another
    /// pinned them (so an older reading never overwrites it).
    fn catch_up(
        &mut self,
        seen: &Seen<'_>,
        objects_moved: bool,
        pins_moved: &[&str],
        entry: &mut Entry,
        ui: &Ui,
    ) -> Result<()> {
        let Some((capturer, listed)) = self.capture.as_mut() else {
            return Ok(());
        };
        if objects_moved {
            entry.files = refresh_files(capturer, listed, seen, self.env, &entry.files, ui)?;
        }
        if !pins_moved.is_empty() {
            crate::note!(
                ui,
                "note: another entry of {} pinned {} during the capture; reading them again",
                self.env,
                pins_moved.join(", ")
            );
            self.pins = capturer.pins()?;
        }
        Ok(())
    }
}

/// The pinning services whose last change in `env` differs between two
/// readings, by key.
fn pins_moved(before: &[Entry], after: &[Entry], env: &str) -> Vec<&'static str> {
    services::pinning()
        .map(|p| p.key())
        .filter(|key| {
            let last = |entries| model::last_pins_change(entries, env, key).map(|e| e.seq);
            last(before) != last(after)
        })
        .collect()
}

/// The file changes redone against the entries `now` holds (another entry
/// of `env` landed since `before`), from the listing already made; the
/// environment is listed again when that entry read S3 after this capture
/// did (it changed a key the re-diff would claim). No lock is held.
fn refresh_files(
    capture: &Capture<'_>,
    listed: &mut Listing,
    seen: &Seen<'_>,
    env: &str,
    files: &[FileChange],
    ui: &crate::ui::Ui,
) -> Result<Vec<FileChange>> {
    let picture = observed_picture(seen.index, seen.now, env)?;
    let landed = landed_keys(seen, env)?;
    let rediffed = capture.rediff(&picture, listed, files)?;
    if rediffed.iter().any(|f| landed.contains(f.key.as_str())) {
        crate::note!(
            ui,
            "note: another entry of {env} recorded S3 after this capture read it; listing again"
        );
        *listed = capture.list()?;
        return capture.rediff(&picture, listed, files);
    }
    crate::note!(
        ui,
        "note: another entry of {env} was recorded during the capture; file changes re-diffed against it"
    );
    Ok(rediffed)
}

/// Two readings of the journal: the heads in force when the capture
/// started, and now (with the index they were read from).
struct Seen<'a> {
    index: &'a Index,
    before: &'a [Entry],
    now: &'a [Entry],
}

/// The keys that entries of `env` appended since `seen.before` changed.
fn landed_keys(seen: &Seen<'_>, env: &str) -> Result<std::collections::HashSet<String>> {
    let last_seen = model::last_observed(seen.before, env).map_or(0, |e| e.seq);
    let landed: Vec<u64> = (seen.now.iter())
        .filter(|e| e.env == env && e.seq > last_seen && e.has_object_state())
        .map(|e| e.seq)
        .collect();
    Ok((seen.index.entries(&landed)?.into_iter())
        .flat_map(|e| e.files.into_iter().map(|f| f.key))
        .collect())
}
