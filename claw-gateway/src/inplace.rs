//! Re-polling in place: a future woken *while it is being polled* (by one of its own parts,
//! e.g. hyper's body channel waking the connection's dispatcher, which is polled by the same
//! task) is polled again at once instead of being rescheduled through tokio's run queue.
//!
//! tokio treats a task woken during its own poll as a yield: back of the run queue, and an idle
//! worker is unparked (a futex wake-up, and on a VM the wake-up of a sleeping vCPU) to come and
//! steal it. For the gateway those self-wakes are hand-offs between halves of one call that
//! the same poll can finish. Wake-ups from outside the poll (socket readiness, timers, other
//! tasks) wake the task as usual. A future that keeps waking itself is polled at most
//! [`MAX_ROUNDS`] times, and never again once tokio's cooperative budget is spent (hyper's
//! own "yield after 16 rounds" and tokio's budget then yield to tokio like before).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Polls of one wake-up before the task yields (a call needs one re-poll: its request body).
pub const MAX_ROUNDS: usize = 4;

const IDLE: u8 = 0;
const POLLING: u8 = 1;
const WOKEN: u8 = 2;

/// The waker the wrapped parts see: during a poll it only records the wake-up; otherwise it
/// wakes the task that polled last.
struct InPlaceWaker {
    state: AtomicU8,
    task: Mutex<Option<Waker>>,
}

impl InPlaceWaker {
    /// A waker and its handle.
    fn new() -> (Arc<InPlaceWaker>, Waker) {
        let w = Arc::new(InPlaceWaker {
            state: AtomicU8::new(IDLE),
            task: Mutex::new(None),
        });
        let waker = Waker::from(w.clone());
        (w, waker)
    }

    /// Run `step` (which polls with `waker`, the waker of this handle) until it is ready or
    /// it returns pending without having been woken meanwhile. `None` from `step`: pending.
    fn run<T>(
        &self,
        cx: &mut Context<'_>,
        waker: &Waker,
        mut step: impl FnMut(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        self.set_task(cx.waker());
        let mut c = Context::from_waker(waker);
        for _ in 0..MAX_ROUNDS {
            self.state.store(POLLING, Ordering::SeqCst);
            if let Poll::Ready(v) = step(&mut c) {
                self.state.store(IDLE, Ordering::SeqCst);
                return Poll::Ready(v);
            }
            if self
                .state
                .compare_exchange(POLLING, IDLE, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return Poll::Pending;
            }
            // Woken during the poll. With tokio's cooperative budget spent, every resource
            // answers "pending, yield": polling again would spin; yield as asked.
            if !tokio::task::coop::has_budget_remaining() {
                break;
            }
        }
        self.state.store(IDLE, Ordering::SeqCst);
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    fn set_task(&self, w: &Waker) {
        let mut t = self.task.lock().unwrap_or_else(|p| p.into_inner());
        match &*t {
            Some(old) if old.will_wake(w) => {}
            _ => *t = Some(w.clone()),
        }
    }
}

impl std::fmt::Debug for InPlaceWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InPlaceWaker")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Wake for InPlaceWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // During a poll: the poll loop sees WOKEN and polls again. After it (IDLE): the task.
        match self
            .state
            .compare_exchange(POLLING, WOKEN, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => {}
            Err(WOKEN) => {}
            Err(_) => {
                let t = self.task.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(w) = &*t {
                    w.wake_by_ref();
                }
            }
        }
    }
}

/// A future polled in place (see the module).
pub struct InPlace<F> {
    inner: Pin<Box<F>>,
    handle: Arc<InPlaceWaker>,
    waker: Waker,
}

impl<F: Future> InPlace<F> {
    /// Wrap `f`.
    pub fn new(f: F) -> InPlace<F> {
        let (handle, waker) = InPlaceWaker::new();
        InPlace {
            inner: Box::pin(f),
            handle,
            waker,
        }
    }
}

impl<F> std::fmt::Debug for InPlace<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InPlace").finish_non_exhaustive()
    }
}

impl<F: Future> Future for InPlace<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        this.handle.run(cx, &this.waker, |c| inner.as_mut().poll(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts the wake-ups of the task.
    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Wakes itself during its poll `self_wakes` times (pending each time), then stores its
    /// waker and is pending until `go` is set, then ready.
    struct Part {
        self_wakes: usize,
        polls: usize,
        parked: Arc<Mutex<Option<Waker>>>,
        go: Arc<AtomicUsize>,
    }
    impl Future for Part {
        type Output = usize;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
            self.polls += 1;
            if self.self_wakes > 0 {
                self.self_wakes -= 1;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if self.go.load(Ordering::SeqCst) == 1 {
                return Poll::Ready(self.polls);
            }
            *self.parked.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    fn part(self_wakes: usize) -> (Part, Arc<Mutex<Option<Waker>>>, Arc<AtomicUsize>) {
        let parked = Arc::new(Mutex::new(None));
        let go = Arc::new(AtomicUsize::new(0));
        let p = Part {
            self_wakes,
            polls: 0,
            parked: parked.clone(),
            go: go.clone(),
        };
        (p, parked, go)
    }

    #[test]
    fn self_wakes_are_polled_in_place_and_outside_wakes_reach_the_task() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let task = Waker::from(count.clone());
        let mut cx = Context::from_waker(&task);
        let (p, parked, go) = part(3);
        let mut f = InPlace::new(p);
        // Three self-wakes, then parked: one poll of the task, the task not woken.
        assert!(Pin::new(&mut f).poll(&mut cx).is_pending());
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        // Woken from outside: the task is woken, once.
        go.store(1, Ordering::SeqCst);
        parked.lock().unwrap().take().unwrap().wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(Pin::new(&mut f).poll(&mut cx), Poll::Ready(5));
    }

    #[test]
    fn a_future_that_keeps_waking_itself_still_yields() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let task = Waker::from(count.clone());
        let mut cx = Context::from_waker(&task);
        let (p, _parked, _go) = part(usize::MAX);
        let mut f = InPlace::new(p);
        assert!(Pin::new(&mut f).poll(&mut cx).is_pending());
        assert_eq!(f.inner.polls, MAX_ROUNDS);
        assert_eq!(
            count.0.load(Ordering::SeqCst),
            1,
            "yielded: the task woke itself"
        );
    }
}
