//! The backlog: work waiting for a worker, an instance or a consumer, counted as it comes
//! and goes so that its time average (`mean_backlog` of `summary.csv`) is exact.
//!
//! Three things wait: a server request in its server's backlog (no free worker), an
//! asynchronous function invocation between its first throttle and the instance it gets
//! (or the platform giving up on it), and a visible message on a queue that has a consumer
//! (messages parked on a queue without one wait for nothing). What waits for a database's
//! capacity, or for a core, is part of a step already running, not counted here. The same
//! waits, as durations, are the `waited_ns` of `InvocationStarted`, so that the time average
//! is λ × the mean wait (Little's law).

use super::State;
use crate::engine::SimTime;

/// The number waiting now and its integral over time.
#[derive(Debug, Clone, Default)]
pub(super) struct Backlog {
    waiting: u64,
    since: SimTime,
    /// Integral of `waiting` over `[0, since]` [waiting·ns].
    area: u128,
}

impl Backlog {
    fn change(&mut self, now: SimTime, began: u64, ended: u64) {
        self.area += u128::from(self.waiting) * u128::from(now - self.since);
        self.since = now;
        debug_assert!(self.waiting + began >= ended, "more waits ended than began");
        self.waiting = (self.waiting + began).saturating_sub(ended);
    }

    /// The number waiting now.
    pub(super) fn waiting(&self) -> u64 {
        self.waiting
    }

    /// Time-average number waiting over `[0, until]` (0 at time zero).
    pub(super) fn mean(&self, until: SimTime) -> f64 {
        if until == 0 {
            return 0.0;
        }
        let tail = u128::from(self.waiting) * u128::from(until.saturating_sub(self.since));
        (self.area + tail) as f64 / until as f64
    }
}

impl State {
    /// `n` more wait for a worker, an instance or a consumer from now.
    pub(super) fn waits_began(&mut self, n: u64) {
        let now = self.now();
        self.backlog.change(now, n, 0);
    }

    /// `n` of those waiting stop waiting now.
    pub(super) fn waits_ended(&mut self, n: u64) {
        let now = self.now();
        self.backlog.change(now, 0, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_is_the_integral_over_the_time() {
        let mut b = Backlog::default();
        b.change(10, 2, 0); // 2 waiting from 10 to 30
        b.change(30, 0, 1); // 1 from 30 to 40
        b.change(40, 3, 0); // 4 from 40 on
        // (2 × 20 + 1 × 10 + 4 × 60) / 100
        assert_eq!(b.mean(100), 2.9);
        assert_eq!(Backlog::default().mean(0), 0.0);
    }
}
