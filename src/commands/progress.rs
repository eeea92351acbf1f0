//! Progress on stderr for long AWS scans (indicatif), hidden when stderr is
//! not a terminal so that CI logs and pipes stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress display.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A counter with no known end ("listing object versions: 12000").
    pub fn counter(message: &'static str, ui: &crate::ui::Ui) -> Progress {
        let bar = ProgressBar::with_draw_target(None, draw_target(ui));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}: {pos} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message);
        Progress { bar }
    }

    /// A bar towards `total`.
    pub fn bar(message: &'static str, total: usize, ui: &crate::ui::Ui) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total as u64), draw_target(ui));
        if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})") {
            bar.set_style(style);
        }
        bar.set_message(message);
        Progress { bar }
    }

    /// Sets the position.
    pub fn set(&self, position: usize) {
        self.bar.set_position(position as u64);
    }

    /// Clears the display.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// stderr (indicatif hides it off a terminal), or nowhere with `--quiet`.
fn draw_target(ui: &crate::ui::Ui) -> ProgressDrawTarget {
    if ui.is_quiet() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    }
}

/// The progress of a capture, drawn as the counter and bars above.
pub struct CaptureBars {
    ui: crate::ui::Ui,
    current: std::sync::Mutex<Option<Progress>>,
}

impl CaptureBars {
    /// Bars drawn as `ui` allows.
    pub fn new(ui: crate::ui::Ui) -> CaptureBars {
        CaptureBars {
            ui,
            current: std::sync::Mutex::new(None),
        }
    }
}

impl CaptureBars {
    fn with(&self, make: impl FnOnce() -> Progress, position: usize) {
        if let Ok(mut current) = self.current.lock() {
            current.get_or_insert_with(make).set(position);
        }
    }
}

impl crate::capture::Progress for CaptureBars {
    fn listed(&self, count: usize) {
        self.with(
            || Progress::counter("listing object versions", &self.ui),
            count,
        );
    }

    fn read(&self, done: usize, total: usize) {
        self.with(
            || Progress::bar("reading object metadata", total, &self.ui),
            done,
        );
    }

    fn waiting(&self) {
        self.with(
            || Progress::counter("waiting for the invalidation", &self.ui),
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
