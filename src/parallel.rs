//! Work beside the caller's, for the machines CI runs on (two cores): two
//! pieces at once, one on a scoped thread and one on the caller's (a thread
//! that cannot be started, a process limit, leaves its piece to the caller,
//! after its own), and more pieces by halving; and a large value freed on
//! a thread not waited for.

use std::sync::Mutex;

/// A helper thread's stack: a main thread's usual 8 MiB, not Rust's 2 MiB
/// default, so that work (a template's recursive macro, say) runs as deep
/// beside the caller as on the caller's own thread. Only what is used is
/// taken from the system.
const STACK_BYTES: usize = 8 << 20;

/// Runs `first` on a new thread and `second` on this one, and returns both
/// results. A panic in `first` is resumed here.
pub fn both<A, B>(first: impl FnOnce() -> A + Send, second: impl FnOnce() -> B) -> (A, B)
where
    A: Send,
{
    // The helper takes the work from the slot; when it cannot be started,
    // the work is still there for this thread.
    let slot = Mutex::new(Some(first));
    let run = || {
        let work = slot.lock().ok().and_then(|mut held| held.take());
        work.map(|work| work())
    };
    std::thread::scope(|scope| {
        let helper = (std::thread::Builder::new().stack_size(STACK_BYTES))
            .spawn_scoped(scope, run)
            .ok();
        let b = second();
        let a = match helper.map(|h| h.join()) {
            Some(Ok(a)) => a,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => run(),
        };
        (a.expect("the first piece of work runs exactly once"), b)
    })
}

/// Runs `work` over the two halves of `items`, the first half on a new
/// thread: (first half's result, second half's). Fewer than two items are
/// worked here, alone, as the first half; the second is then empty.
pub fn halves<T: Sync, R: Send>(items: &[T], work: impl Fn(&[T]) -> R + Sync) -> (R, R) {
    if items.len() < 2 {
        return (work(items), work(&[]));
    }
    let (first, second) = items.split_at(items.len() / 2);
    both(|| work(first), || work(second))
}

/// Runs `work` over `items` split into (up to) `pieces` runs of about
/// equal length, each but one on a thread of its own, by halving with
/// [`both`]: the results in the items' order.
pub fn pieces<T: Send, R: Send>(
    mut items: Vec<T>,
    pieces: usize,
    work: &(impl Fn(Vec<T>) -> R + Sync),
) -> Vec<R> {
    if pieces < 2 || items.len() < 2 {
        return vec![work(items)];
    }
    let first_pieces = pieces / 2;
    let second = items.split_off(items.len() * first_pieces / pieces);
    let (mut results, rest) = both(
        || self::pieces(items, first_pieces, work),
        || self::pieces(second, pieces - first_pieces, work),
    );
    results.extend(rest);
    results
}

/// Drops `value` on a thread of its own, not waited for: freeing a large
/// structure (half a million JSON values after a long render) overlaps with
/// what the caller does next, and a process that exits first leaves the
/// memory to the system. When no thread can be started, drops it here.
pub fn drop_beside<T: Send + 'static>(value: T) {
    // When the thread cannot start, the closure, and so the value, is
    // dropped within this call.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_results_come_back_in_place() {
        let (a, b) = super::both(|| (1..=100).sum::<u32>(), || "second".len());
        assert_eq!((a, b), (5050, 6));
    }

    #[test]
    fn pieces_cover_every_item_once_in_order_in_as_many_runs() {
        for (n, asked) in [(0, 4), (1, 4), (7, 1), (7, 3), (9, 4), (100, 4)] {
            let items: Vec<usize> = (0..n).collect();
            let runs = super::pieces(items.clone(), asked, &|run: Vec<usize>| run);
            assert_eq!(runs.concat(), items, "{n} items in {asked}");
            if n >= asked {
                assert_eq!(runs.len(), asked, "{n} items in {asked}: {runs:?}");
            }
        }
    }

    #[test]
    fn halves_cover_every_item_once_in_order() {
        for n in [0, 1, 2, 7] {
            let items: Vec<usize> = (0..n).collect();
            let (mut first, second) = super::halves(&items, |half| half.to_vec());
            first.extend(second);
            assert_eq!(first, items, "{n} items");
        }
    }
}
