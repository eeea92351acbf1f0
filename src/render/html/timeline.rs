//! One environment's timeline as inline SVG: a mark per entry at its
//! instant, a bar per deploy (and rollback) for the time it was live, an arc
//! from each rollback back to the entry it restored. Long histories are cut
//! into windows of [`WINDOW`] entries: the newest is shown, older ones fold
//! away under `<details class="older">`.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{anchor, escape};
use crate::journal::{Entry, EntryKind};
use crate::model;

/// Entries per drawn window.
pub const WINDOW: usize = 40;
const WIDTH: f64 = 1000.0;
const LEFT: f64 = 20.0;
const RIGHT: f64 = 60.0;
const MIN_GAP: f64 = 18.0;
const MARK_Y: f64 = 70.0;
const BAR_Y: f64 = 92.0;
const AXIS_Y: f64 = 112.0;
const HEIGHT: f64 = 135.0;

/// The `<section class="timeline">` of one environment.
pub fn section(env: &str, entries: &[Entry]) -> String {
    let own: Vec<&Entry> = entries.iter().filter(|e| e.env == env).collect();
    let ends = live_ends(entries, env);
    let voided = model::voided_by(entries);
    let mut html = format!(
        "<section class=\"timeline\" id=\"timeline-{}\" data-env=\"{}\">\n<h3>{}</h3>\n",
        anchor(env),
        escape(env),
        escape(env)
    );
    if own.is_empty() {
        html.push_str("<p>No entries yet.</p>\n</section>\n");
        return html;
    }
    if let Some(lock) = model::lock_of(entries, env) {
        let _ = writeln!(
            html,
            "<p class=\"locked-now\">Locked: {} (<a href=\"#entry-{}\">#{}</a>)</p>",
            escape(&model::lock_line(lock)),
            lock.seq,
            lock.seq
        );
    }
    let windows: Vec<&[&Entry]> = own.rchunks(WINDOW).collect();
    let positions: HashMap<u64, (usize, f64)> = windows
        .iter()
        .enumerate()
        .flat_map(|(w, window)| {
            let xs = positions(window);
            window.iter().zip(xs).map(move |(e, x)| (e.seq, (w, x)))
        })
        .collect();
    let drawing = Drawing {
        ends: &ends,
        voided: &voided,
        positions: &positions,
    };
    html.push_str(&drawing.svg(0, windows[0]));
    if windows.len() > 1 {
        let _ = writeln!(
            html,
            "<details class=\"older\"><summary>{} older entr{} of {}</summary>",
            own.len() - windows[0].len(),
            if own.len() - windows[0].len() == 1 {
                "y"
            } else {
                "ies"
            },
            escape(env)
        );
        for (w, window) in windows.iter().enumerate().skip(1) {
            html.push_str(&drawing.svg(w, window));
        }
        html.push_str("</details>\n");
    }
    html.push_str("</section>\n");
    html
}

/// For each deploy or rollback in force of `env`, the seq of the entry that
/// ended its live interval (`None`: still live).
fn live_ends(entries: &[Entry], env: &str) -> HashMap<u64, Option<u64>> {
    let all = model::in_force(entries);
    let in_force: Vec<&Entry> = all
        .iter()
        .filter(|e| e.env == env && e.kind.names_release())
        .collect();
    in_force
        .iter()
        .enumerate()
        .map(|(i, e)| (e.seq, in_force.get(i + 1).map(|next| next.seq)))
        .collect()
}

/// x of each entry of a window: by its instant, pushed apart so that no two
/// marks are closer than [`MIN_GAP`] (a mark must stay clickable); evenly
/// spaced when every entry of the window has the same instant.
fn positions(window: &[&Entry]) -> Vec<f64> {
    let first = window
        .first()
        .map_or(0, |e| e.deployed_at.instant().timestamp());
    let last = window
        .last()
        .map_or(0, |e| e.deployed_at.instant().timestamp());
    let usable = WIDTH - LEFT - RIGHT;
    let count = window.len().max(2) - 1;
    let mut xs: Vec<f64> = window
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let fraction = if last > first {
                (e.deployed_at.instant().timestamp() - first).max(0) as f64 / (last - first) as f64
            } else {
                i as f64 / count as f64
            };
            LEFT + usable * fraction.min(1.0)
        })
        .collect();
    for i in 1..xs.len() {
        xs[i] = xs[i].max(xs[i - 1] + MIN_GAP);
    }
    let right = WIDTH - RIGHT;
    for i in (0..xs.len()).rev() {
        let limit = if i + 1 < xs.len() {
            xs[i + 1] - MIN_GAP
        } else {
            right
        };
        xs[i] = xs[i].min(limit);
    }
    xs
}

/// What drawing a window needs to know of the whole environment.
struct Drawing<'a> {
    ends: &'a HashMap<u64, Option<u64>>,
    voided: &'a HashMap<u64, u64>,
    positions: &'a HashMap<u64, (usize, f64)>,
}

impl Drawing<'_> {
    fn svg(&self, window_index: usize, window: &[&Entry]) -> String {
        let (Some(first), Some(last)) = (window.first(), window.last()) else {
            return String::new();
        };
        let mut svg = format!(
            "<svg class=\"timeline-svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
             aria-label=\"entries #{} to #{}, {} to {}\">\n",
            first.seq,
            last.seq,
            first.deployed_at.date_string(),
            last.deployed_at.date_string()
        );
        svg.push_str(&axis(window));
        for entry in window {
            svg.push_str(&self.bar(window_index, entry));
        }
        for entry in window {
            svg.push_str(&self.arc(window_index, entry));
        }
        for entry in window {
            svg.push_str(&self.mark(window_index, entry));
        }
        svg.push_str("</svg>\n");
        svg
    }

    fn x(&self, seq: u64) -> Option<(usize, f64)> {
        self.positions.get(&seq).copied()
    }

    /// The live bar of a deploy or rollback in force: to the entry that
    /// replaced it (the window's right edge when that is in a newer window,
    /// or when it is still live).
    fn bar(&self, window_index: usize, entry: &Entry) -> String {
        let (Some(end), Some((_, x))) = (self.ends.get(&entry.seq), self.x(entry.seq)) else {
            return String::new();
        };
        let until = match end.and_then(|seq| self.x(seq)) {
            Some((w, end_x)) if w == window_index => end_x,
            _ => WIDTH - 4.0,
        };
        let class = if entry.kind == EntryKind::Rollback {
            "live-bar rollback"
        } else {
            "live-bar"
        };
        format!(
            "<rect class=\"{class}\" data-seq=\"{}\" x=\"{x:.1}\" y=\"{BAR_Y}\" width=\"{:.1}\" height=\"8\" rx=\"2\"/>\n",
            entry.seq,
            (until - x).max(2.0)
        )
    }

    /// A rollback's arc back to the entry it restored (to the left edge,
    /// labelled, when that entry is in an older window).
    fn arc(&self, window_index: usize, entry: &Entry) -> String {
        let (Some(target), Some((_, x))) = (entry.restores, self.x(entry.seq)) else {
            return String::new();
        };
        let (to_x, label) = match self.x(target) {
            Some((w, tx)) if w == window_index => (tx, String::new()),
            _ => (
                LEFT,
                format!(
                    "<text x=\"{:.1}\" y=\"{:.1}\">to #{target}</text>",
                    LEFT + 2.0,
                    MARK_Y - 48.0
                ),
            ),
        };
        let height = 20.0 + ((x - to_x).abs() / 12.0).min(40.0);
        format!(
            "<path class=\"restores\" data-seq=\"{}\" data-restores=\"{target}\" \
             d=\"M {x:.1} {MARK_Y} C {x:.1} {:.1}, {to_x:.1} {:.1}, {to_x:.1} {MARK_Y}\"/>{label}\n",
            entry.seq,
            MARK_Y - height,
            MARK_Y - height
        )
    }

    fn mark(&self, _window_index: usize, entry: &Entry) -> String {
        let Some((_, x)) = self.x(entry.seq) else {
            return String::new();
        };
        let kind = entry.kind.as_str();
        let voided = self.voided.get(&entry.seq);
        let title = mark_title(entry, voided);
        let label = match (&entry.version, entry.kind) {
            _ if voided.is_some() => String::new(),
            (Some(version), EntryKind::Deploy | EntryKind::Rollback | EntryKind::Release) => {
                format!(
                    "<text class=\"label\" transform=\"translate({:.1} {:.1}) rotate(-35)\">{}</text>",
                    x + 2.0,
                    MARK_Y - 12.0,
                    escape(&truncate(version, 18))
                )
            }
            _ => String::new(),
        };
        format!(
            "<a class=\"mark mark-{kind}{}\" href=\"#entry-{seq}\" data-seq=\"{seq}\"><title>{}</title>{}</a>{label}\n",
            if voided.is_some() { " voided" } else { "" },
            escape(&title),
            shape(entry.kind, x),
            seq = entry.seq,
        )
    }
}

/// The mark's shape, centred on (x, [`MARK_Y`]).
fn shape(kind: EntryKind, x: f64) -> String {
    let y = MARK_Y;
    match kind {
        EntryKind::Deploy => format!("<circle class=\"shape\" cx=\"{x:.1}\" cy=\"{y}\" r=\"7\"/>"),
        EntryKind::Rollback => format!(
            "<path class=\"shape\" d=\"M {x:.1} {} L {:.1} {y} L {x:.1} {} L {:.1} {y} Z\"/>",
            y - 8.0,
            x + 8.0,
            y + 8.0,
            x - 8.0
        ),
        EntryKind::Snapshot | EntryKind::Reconcile => format!(
            "<rect class=\"shape\" x=\"{:.1}\" y=\"{}\" width=\"12\" height=\"12\"/>",
            x - 6.0,
            y - 6.0
        ),
        EntryKind::Lock => format!(
            "<path class=\"shape\" d=\"M {x:.1} {} L {:.1} {} L {:.1} {} Z\"/>",
            y - 8.0,
            x + 7.0,
            y + 6.0,
            x - 7.0,
            y + 6.0
        ),
        EntryKind::Unlock => format!(
            "<path class=\"shape hollow\" d=\"M {x:.1} {} L {:.1} {} L {:.1} {} Z\"/>",
            y + 8.0,
            x + 7.0,
            y - 6.0,
            x - 7.0,
            y - 6.0
        ),
        EntryKind::Release | EntryKind::Void => {
            format!("<circle class=\"shape\" cx=\"{x:.1}\" cy=\"{y}\" r=\"6\"/>")
        }
    }
}

/// The tooltip of a mark.
fn mark_title(entry: &Entry, voided: Option<&u64>) -> String {
    let mut title = format!("#{} {}", entry.seq, entry.kind.as_str());
    if let Some(version) = &entry.version {
        let _ = write!(title, " {version}");
    }
    let _ = write!(title, " — {}", entry.deployed_at);
    if let Some(by) = &entry.deployed_by {
        let _ = write!(title, " by {by}");
    }
    if let Some(target) = entry.restores {
        let _ = write!(title, " (restores #{target})");
    }
    if let Some(void) = voided {
        let _ = write!(title, " (voided by #{void})");
    }
    title
}

/// The axis line, with the first and last day of the window at its ends
/// (marks are spaced to stay clickable, so the axis is not to scale between).
fn axis(window: &[&Entry]) -> String {
    let mut axis = format!(
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{AXIS_Y}\" x2=\"{:.1}\" y2=\"{AXIS_Y}\"/>\n",
        WIDTH - RIGHT
    );
    let (Some(first), Some(last)) = (window.first(), window.last()) else {
        return axis;
    };
    let _ = writeln!(
        axis,
        "<text x=\"{LEFT}\" y=\"{:.1}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        AXIS_Y + 16.0,
        first.deployed_at.date_string(),
        WIDTH - RIGHT,
        AXIS_Y + 16.0,
        last.deployed_at.date_string()
    );
    axis
}

/// At most `max` characters, with `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}
