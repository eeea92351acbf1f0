//! Progress while AWS does not answer: the calls in flight, and a watcher
//! that, once the oldest has gone 2 s without an answer, says on stderr which
//! call it is and how long it has waited (a spinner on a terminal, a line
//! every 10 s otherwise). `--quiet` silences it.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a call goes unanswered before it is named.
const QUIET_FOR: Duration = Duration::from_secs(2);
/// Off a terminal, how often the line is repeated while the wait goes on.
const EVERY: Duration = Duration::from_secs(10);

/// The calls in flight of one set of clients.
#[derive(Debug, Default)]
pub struct InFlight {
    calls: Mutex<BTreeMap<u64, (String, Instant)>>,
    next: AtomicU64,
    watcher: OnceLock<()>,
}

/// A call's place among the calls in flight: it leaves them when it ends,
/// or when the ticket is dropped.
#[derive(Debug)]
pub struct Ticket {
    id: u64,
    in_flight: Arc<InFlight>,
}

impl Ticket {
    /// The call ended (answered, failed or gave up).
    pub fn end(&self) {
        self.in_flight.ended(self.id);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.end();
    }
}

impl InFlight {
    /// Notes a call that starts; it is in flight until its ticket ends.
    pub fn started(this: &Arc<Self>, call: String, ui: crate::ui::Ui) -> Ticket {
        let ticket = this.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut calls) = this.calls.lock() {
            calls.insert(ticket, (call, Instant::now()));
        }
        if !ui.is_quiet() {
            this.watcher.get_or_init(|| {
                let watched = Arc::clone(this);
                // A thread that lives as long as the run: nothing to join.
                let _ = std::thread::Builder::new()
                    .name("aws-waiting".into())
                    .spawn(move || watched.watch(ui));
            });
        }
        Ticket {
            id: ticket,
            in_flight: Arc::clone(this),
        }
    }

    /// Notes that the call of `ticket` ended.
    fn ended(&self, ticket: u64) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.remove(&ticket);
        }
    }

    /// The oldest call in flight and how long it has waited.
    fn oldest(&self) -> Option<(String, Duration)> {
        let calls = self.calls.lock().ok()?;
        (calls.values())
            .min_by_key(|(_, since)| *since)
            .map(|(call, since)| (call.clone(), since.elapsed()))
    }

    /// Names the oldest call once it has waited [`QUIET_FOR`], until it ends.
    fn watch(&self, ui: crate::ui::Ui) {
        let terminal = std::io::stderr().is_terminal();
        let mut said: Option<(String, Instant)> = None;
        let spinner = terminal.then(indicatif::ProgressBar::new_spinner);
        loop {
            std::thread::sleep(Duration::from_millis(250));
            let Some((call, waited)) = self.oldest().filter(|(_, w)| *w >= QUIET_FOR) else {
                if let Some(spinner) = &spinner {
                    spinner.finish_and_clear();
                }
                said = None;
                continue;
            };
            let line = format!(
                "waiting for {call}: {} s without an answer",
                waited.as_secs()
            );
            match &spinner {
                Some(spinner) => {
                    spinner.reset();
                    spinner.set_message(line);
                    spinner.tick();
                }
                None => {
                    let due = said
                        .as_ref()
                        .is_none_or(|(last, at)| *last != call || at.elapsed() >= EVERY);
                    if due {
                        crate::note!(ui, "{line}");
                        said = Some((call, Instant::now()));
                    }
                }
            }
        }
    }
}
