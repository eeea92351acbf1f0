//! The AWS half of a record, before the lock (unless `--no-aws`): the
//! versions the pinning services serve, then the objects (listed and
//! diffed against the ledger's picture) and the invalidation.

use super::observed_picture;
use super::request::Request;
use crate::aws::Clients;
use crate::aws::s3::Listing;
use crate::config::Environment;
use crate::journal::{Entry, FileChange, Index, Invalidation, Pins};
use crate::model;
use crate::ops::Result;
use crate::ops::session::{self, caller_reference};
use crate::services;
use crate::services::cloudfront::{self, InvalidationRequest};
use crate::services::s3::{self as objects, Reading};
use crate::ui::{CaptureBars, Ui};

/// A capture and the listing it made.
pub(super) type Captured<'a> = (Capture<'a>, Listing);

/// The AWS half of a record, before the lock (unless --no-aws): the
/// functions' versions, then the objects and the invalidation, into
/// `entry`. Gives the capture and its listing (for settling against
/// entries that land meanwhile) and the functions read.
pub(super) fn capture_aws<'a>(
    request: &'a Request<'a>,
    index: &Index,
    seen: &[Entry],
    entry: &mut Entry,
    ui: &Ui,
) -> Result<(Option<Captured<'a>>, Pins)> {
    let (args, env) = (request.args, request.env);
    if args.no_aws {
        entry.invalidation = args.invalidation.as_ref().map(|id| Invalidation {
            id: id.clone(),
            ..Invalidation::new(env.distribution.clone())
        });
        return Ok((None, Pins::new()));
    }
    let runtime = session::runtime()?;
    let clients = runtime.block_on(session::clients(env, &args.aws, ui));
    let capture = Capture {
        args,
        config: request.config,
        env,
        repeats: request.rerun_of(seen).cloned(),
        invalidate_paths: request.invalidate_paths.as_deref(),
        clients,
        runtime,
        progress: CaptureBars::new(*ui),
    };
    let picture = observed_picture(index, seen, &args.env)?;
    // Pins first: a failing read then fails before an invalidation is
    // created.
    let pins = capture.pins()?;
    let listing = capture.run(&picture, entry, ui)?;
    Ok((Some((capture, listing)), pins))
}

/// The AWS half of a record: the clients and the settings of the capture
/// steps in `crate::capture`.
pub(super) struct Capture<'a> {
    args: &'a super::RecordSettings,
    config: &'a crate::config::Config,
    env: &'a Environment,
    /// The environment's last deploy, when this record repeats it (a CI
    /// job run again): while S3 is as it recorded, its invalidation stands
    /// and no new one is created.
    repeats: Option<Entry>,
    invalidate_paths: Option<&'a [String]>,
    clients: Clients,
    runtime: tokio::runtime::Runtime,
    progress: CaptureBars,
}

impl Capture<'_> {
    fn reading(&self) -> Reading {
        self.args.reading
    }

    /// Lists the environment, diffs it with `picture` into the entry's
    /// files (with metadata), and looks up or creates the invalidation.
    fn run(&self, picture: &model::LiveState, entry: &mut Entry, ui: &Ui) -> Result<Listing> {
        let found = self.runtime.block_on(objects::capture_objects(
            &self.clients,
            self.env,
            picture,
            self.reading(),
            &self.progress,
        ))?;
        entry.notes.extend(found.unversioned);
        entry.files = found.files;
        entry.invalidation = match &self.repeats {
            Some(last) if entry.files.is_empty() && self.args.invalidation.is_none() => {
                last.invalidation.clone()
            }
            _ => self.invalidation(entry, ui)?,
        };
        Ok(found.listing)
    }

    /// The invalidation the deploy records: `--invalidation ID` looked up,
    /// or one created for `--invalidate` (not on a dry run), waited for with
    /// `--wait`.
    fn invalidation(&self, entry: &Entry, ui: &Ui) -> Result<Option<Invalidation>> {
        let Some(distribution) = &self.env.distribution else {
            return Ok(None);
        };
        let request = match (&self.args.invalidation, self.invalidate_paths) {
            (Some(id), _) => InvalidationRequest::Existing(id.clone()),
            (None, Some(paths)) if !self.args.dry_run => InvalidationRequest::Create {
                reference: caller_reference(entry, paths),
                paths: paths.to_vec(),
            },
            (None, _) => return Ok(None),
        };
        let wait = self.args.wait.filter(|_| !self.args.dry_run);
        let (invalidation, completed) = self.runtime.block_on(cloudfront::invalidation(
            &self.clients,
            distribution,
            &request,
            wait,
            &self.progress,
        ))?;
        if wait.is_some() && !completed {
            crate::warning!(
                ui,
                "invalidation {} still {} after {}s; recording it as such",
                invalidation.id,
                invalidation.status.as_deref().unwrap_or("pending"),
                wait.map_or(0, |w| w.as_secs())
            );
        }
        Ok(Some(invalidation))
    }

    /// The versions every pinning service's declared resources serve, by
    /// the service's key.
    pub(super) fn pins(&self) -> Result<Pins> {
        let env_of = (self.args.env.as_str(), self.env);
        let read = services::read_pins(&self.clients, env_of, self.config);
        Ok(self.runtime.block_on(read)?)
    }

    /// Lists the environment again.
    pub(super) fn list(&self) -> Result<Listing> {
        Ok(self.runtime.block_on(objects::list_objects(
            &self.clients,
            self.env,
            self.reading(),
            &crate::ui::Silent,
        ))?)
    }

    /// The file changes from a new `picture` to what the listing found.
    pub(super) fn rediff(
        &self,
        picture: &model::LiveState,
        listing: &Listing,
        before: &[FileChange],
    ) -> Result<Vec<FileChange>> {
        Ok(self.runtime.block_on(objects::rediff(
            &self.clients,
            self.env,
            picture,
            listing,
            before,
            self.reading(),
        ))?)
    }
}
