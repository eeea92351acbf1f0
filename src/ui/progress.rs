//! Progress on stderr for long AWS scans (indicatif), hidden when stderr is
//! not a terminal so that CI logs and pipes stay clean. An operation
//! reports how far it got through [`Progress`]; [`CaptureBars`] draws it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where a long capture reports how far it got; the command layer draws it
/// (the library never prints).
pub trait Progress: Sync {
    /// Object versions listed so far.
    fn listed(&self, count: usize);
    /// Object metadata read so far, of `total`.
    fn read(&self, done: usize, total: usize);
    /// Waiting for an invalidation to complete.
    fn waiting(&self);
    /// The current step ended.
    fn done(&self);
}

/// A progress that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn listed(&self, _: usize) {}
    fn read(&self, _: usize, _: usize) {}
    fn waiting(&self) {}
    fn done(&self) {}
}

/// A progress display.
struct Display {
    bar: ProgressBar,
}

impl Display {
    /// A counter with no known end ("listing object versions: 12000").
    fn counter(message: &'static str, ui: &super::Ui) -> Display {
        let bar = ProgressBar::with_draw_target(None, draw_target(ui));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}: {pos} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message);
        Display { bar }
    }

    /// A bar towards `total`.
    fn bar(message: &'static str, total: usize, ui: &super::Ui) -> Display {
        let bar = ProgressBar::with_draw_target(Some(total as u64), draw_target(ui));
        if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})") {
            bar.set_style(style);
        }
        bar.set_message(message);
        Display { bar }
    }

    /// Sets the position.
    fn set(&self, position: usize) {
        self.bar.set_position(position as u64);
    }

    /// Clears the display.
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// stderr (indicatif hides it off a terminal), or nowhere with `--quiet`.
fn draw_target(ui: &super::Ui) -> ProgressDrawTarget {
    if ui.is_quiet() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    }
}

/// The progress of a capture, drawn as the counter and bars above.
pub struct CaptureBars {
    ui: super::Ui,
    current: std::sync::Mutex<Option<Display>>,
}

impl CaptureBars {
    /// Bars drawn as `ui` allows.
    pub fn new(ui: super::Ui) -> CaptureBars {
        CaptureBars {
            ui,
            current: std::sync::Mutex::new(None),
        }
    }
}

impl CaptureBars {
    fn with(&self, make: impl FnOnce() -> Display, position: usize) {
        if let Ok(mut current) = self.current.lock() {
            current.get_or_insert_with(make).set(position);
        }
    }
}

impl Progress for CaptureBars {
    fn listed(&self, count: usize) {
        self.with(
            || Display::counter("listing object versions", &self.ui),
            count,
        );
    }

    fn read(&self, done: usize, total: usize) {
        self.with(
            || Display::bar("reading object metadata", total, &self.ui),
            done,
        );
    }

    fn waiting(&self) {
        self.with(
            || Display::counter("waiting for the invalidation", &self.ui),
            0,
        );
    }

    fn done(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some(progress) = current.take()
        {
            progress.finish();
        }
    }
}
