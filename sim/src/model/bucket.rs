//! A token bucket: at most `capacity` tokens, refilled at `capacity` per `period`, full at
//! its first use. Rate limits (databases, external services) and the functions' scaling rate
//! are both this.

use crate::engine::SimTime;

/// A token bucket.
#[derive(Debug, Clone, Default)]
pub(super) struct TokenBucket {
    tokens: f64,
    topped_up: SimTime,
    started: bool,
}

impl TokenBucket {
    /// Takes one token at `now` from a bucket of `capacity` tokens refilled by `capacity`
    /// every `period` [ns]; false when less than one is left.
    pub(super) fn take(&mut self, now: SimTime, capacity: f64, period: SimTime) -> bool {
        if !self.started {
            self.started = true;
            self.tokens = capacity;
            self.topped_up = now;
        }
        let refill = (now - self.topped_up) as f64 / period as f64 * capacity;
        self.tokens = (self.tokens + refill).min(capacity);
        self.topped_up = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_full_and_refills_at_its_rate() {
        let mut b = TokenBucket::default();
        // 3 tokens per 3 s: three at once, then one per second.
        assert!((0..3).all(|_| b.take(0, 3.0, 3_000)));
        assert!(!b.take(0, 3.0, 3_000));
        assert!(!b.take(999, 3.0, 3_000));
        assert!(b.take(1_000, 3.0, 3_000));
        assert!(!b.take(1_500, 3.0, 3_000));
    }
}
