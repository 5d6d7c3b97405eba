//! Progress of a long verification, reported to an observer the caller supplies
//! ([`Progress`]). The core does no I/O: it only calls the observer (from the verifying
//! threads); the CLI renders a progress line on stderr from it (docs/SPEC.md §12.2).

use std::sync::Arc;

/// An observer of a verification's progress. Implementations must be cheap (an atomic add):
/// `advance` is called from worker threads while they verify.
pub trait Progress: Send + Sync {
    /// A step of the verification starts: `name` is one of `parse` (units: input bytes),
    /// `schema` (array items checked against their schema), `signatures` (signatures
    /// verified); `total` is the number of units in the step.
    fn step(&self, name: &'static str, total: u64);
    /// `n` more units of the current step are done.
    fn advance(&self, n: u64);
}

/// Where a verification reports its progress: nowhere (the default), or an observer.
#[derive(Clone, Default)]
pub struct ProgressSink(Option<Arc<dyn Progress>>);

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "ProgressSink(observer)"
        } else {
            "ProgressSink(none)"
        })
    }
}

/// Items handed to the observer per report in [`ProgressSink::chunked`]: large enough that
/// the parallel work inside one chunk still spreads over every thread.
const CHUNK: usize = 4096;

impl ProgressSink {
    /// Report to `observer`.
    pub fn new(observer: Arc<dyn Progress>) -> Self {
        ProgressSink(Some(observer))
    }

    /// No observer: reporting costs nothing.
    pub fn none() -> Self {
        ProgressSink(None)
    }

    pub(crate) fn step(&self, name: &'static str, total: usize) {
        if let Some(p) = &self.0 {
            p.step(name, total as u64);
        }
    }

    pub(crate) fn advance(&self, n: usize) {
        if let Some(p) = &self.0 {
            p.advance(n as u64);
        }
    }

    /// `f` over consecutive runs of `items` as the step `name`, reporting each run done:
    /// chunks when an observer watches, one run of all items otherwise.
    pub(crate) fn each_run<T>(&self, name: &'static str, items: &[T], mut f: impl FnMut(&[T])) {
        self.step(name, items.len());
        let size = if self.0.is_none() { items.len() } else { CHUNK };
        for c in items.chunks(size.max(1)) {
            f(c);
            self.advance(c.len());
        }
    }

    /// `f` over `items` as the step `name`, in chunks, reporting each chunk done. Without an
    /// observer `f` runs once over all items. `f` must map a slice to one result per item.
    pub(crate) fn chunked<T, R>(
        &self,
        name: &'static str,
        items: &[T],
        mut f: impl FnMut(&[T]) -> Vec<R>,
    ) -> Vec<R> {
        if self.0.is_none() || items.len() <= CHUNK {
            self.step(name, items.len());
            let out = f(items);
            self.advance(items.len());
            return out;
        }
        self.step(name, items.len());
        let mut out = Vec::with_capacity(items.len());
        for c in items.chunks(CHUNK) {
            out.extend(f(c));
            self.advance(c.len());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;

    #[derive(Default)]
    struct Log {
        steps: Mutex<Vec<(&'static str, u64)>>,
        done: AtomicU64,
    }
    impl Progress for Log {
        fn step(&self, name: &'static str, total: u64) {
            self.steps.lock().unwrap().push((name, total));
        }
        fn advance(&self, n: u64) {
            self.done.fetch_add(n, Ordering::Relaxed);
        }
    }

    #[test]
    fn chunked_reports_every_item_and_keeps_results_in_order() {
        let log = Arc::new(Log::default());
        let sink = ProgressSink::new(log.clone());
        let items: Vec<u32> = (0..10_000).collect();
        let out = sink.chunked("signatures", &items, |c| c.iter().map(|x| x * 2).collect());
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(*log.steps.lock().unwrap(), vec![("signatures", 10_000)]);
        assert_eq!(log.done.load(Ordering::Relaxed), 10_000);
        let none = ProgressSink::none();
        assert_eq!(none.chunked("x", &items, |c| vec![c.len()]), vec![10_000]);
    }

    #[test]
    fn each_run_feeds_every_item_in_order_and_reports_it() {
        let log = Arc::new(Log::default());
        let sink = ProgressSink::new(log.clone());
        let items: Vec<u32> = (0..10_000).collect();
        let mut runs = Vec::new();
        let mut seen = Vec::new();
        sink.each_run("schema", &items, |r| {
            runs.push(r.len());
            seen.extend_from_slice(r);
        });
        assert_eq!(seen, items);
        assert_eq!(runs, [CHUNK, CHUNK, 10_000 - 2 * CHUNK]);
        assert_eq!(*log.steps.lock().unwrap(), vec![("schema", 10_000)]);
        assert_eq!(log.done.load(Ordering::Relaxed), 10_000);
        let mut whole = Vec::new();
        ProgressSink::none().each_run("x", &items, |r| whole.push(r.len()));
        assert_eq!(whole, [10_000], "without an observer, one run");
        let mut empty = 0;
        ProgressSink::none().each_run("x", &[] as &[u32], |_| empty += 1);
        assert_eq!(empty, 0);
    }
}
