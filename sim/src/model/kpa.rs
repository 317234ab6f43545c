//! The Knative Pod Autoscaler (KPA): a function's pods are as many as the concurrency it
//! observes asks for, decided on a timer, not one per request.
//!
//! What it observes is the function's concurrency: requests running on its pods plus those
//! waiting for a pod (Knative's activator buffers them and reports them too), integrated
//! exactly into one-second buckets. Every `tick` (2 s) it takes the averages over the stable
//! window (60 s) and over the panic window (10% of it, 6 s) — over the time since the run
//! began while that is shorter — and decides as knative/serving's
//! `pkg/autoscaler/scaling/autoscaler.go` does:
//!
//! - ready = the ready pods, at least 1; a decision asks for no more than
//!   ⌈`max_scale_up_rate` × ready⌉ and no fewer than ⌊ready / `max_scale_down_rate`⌋;
//! - desired (stable) = ⌈stable average / target⌉, desired (panic) = ⌈panic average /
//!   target⌉, each clamped so (the target being the target concurrency × utilisation);
//! - panic begins when ⌈panic average / target⌉ / ready ≥ the panic threshold (2), and is
//!   extended at each decision that crosses it again; it ends at the first decision that does
//!   not, a stable window after the last one that did. In panic the pods never go down: the
//!   decision is the largest of the two desired counts and of every decision since panic
//!   began.
//!
//! Then the bounds (as Knative's reconciler applies them): at least the minimum scale (the
//! function's provisioned pods), at most `max_instances`. To zero only once no request has
//! been seen for a whole stable window, and after `scale_to_zero_grace` more with the last
//! pod kept. A request that finds no pod at all starts one at once (the activator's poke).
//! New pods cold-start; surplus pods go starting ones first, then idle ones, then busy ones,
//! which take no new request and go when their last one ends.

use std::collections::VecDeque;

use crate::engine::{NS_PER_S, SimTime};
use crate::scenario::Kpa;

/// The autoscaler of one function: its observations and its panic state.
#[derive(Debug, Clone)]
pub(super) struct KpaState {
    pub(super) params: Kpa,
    /// Integrals of the concurrency over each whole second so far [requests·ns], the latest
    /// last, at most a stable window's worth.
    buckets: VecDeque<u128>,
    /// Buckets completed since the start (to average over a window not yet full).
    completed: u64,
    /// The integral over the current second so far, and where it ends and was last brought.
    current: u128,
    bucket_end: SimTime,
    last: SimTime,
    /// Last time a request was running or waiting.
    last_busy: SimTime,
    /// When panic mode was last entered or extended, and its highest decision since.
    panic_since: Option<SimTime>,
    max_panic_pods: u32,
    /// Since when the decision has been zero (the scale-to-zero grace period).
    zero_since: Option<SimTime>,
    /// Requests waiting for a pod with room, in arrival order (the activator's buffer).
    pub(super) buffer: VecDeque<u32>,
}

/// What a decision saw, kept for tests and for the reasoning in its comments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Decision {
    /// Average concurrency over the stable window and over the panic window.
    pub(super) stable: f64,
    /// See [`Decision::stable`].
    pub(super) panic: f64,
    /// Whether the autoscaler is in panic mode after this decision.
    pub(super) panicking: bool,
    /// Pods it asks for.
    pub(super) pods: u32,
}

impl KpaState {
    pub(super) fn new(params: Kpa) -> Self {
        Self {
            params,
            buckets: VecDeque::new(),
            completed: 0,
            current: 0,
            bucket_end: NS_PER_S,
            last: 0,
            last_busy: 0,
            panic_since: None,
            max_panic_pods: 0,
            zero_since: None,
            buffer: VecDeque::new(),
        }
    }

    /// The concurrency was `concurrency` from the last record until `now`.
    pub(super) fn record(&mut self, now: SimTime, concurrency: u32) {
        if now <= self.last {
            return;
        }
        let c = u128::from(concurrency);
        if c > 0 {
            self.last_busy = now;
        }
        let window = (self.params.stable_window / NS_PER_S).max(1) as usize;
        while now >= self.bucket_end {
            self.current += c * u128::from(self.bucket_end - self.last);
            self.buckets.push_back(std::mem::take(&mut self.current));
            if self.buckets.len() > window {
                self.buckets.pop_front();
            }
            self.completed += 1;
            self.last = self.bucket_end;
            self.bucket_end += NS_PER_S;
        }
        self.current += c * u128::from(now - self.last);
        self.last = now;
    }

    /// Average concurrency over the last `window` [ns] of whole seconds (over the seconds
    /// since the start while fewer have passed).
    fn average(&self, window: SimTime) -> f64 {
        let n = ((window / NS_PER_S) as usize)
            .min(self.buckets.len())
            .min(self.completed as usize);
        if n == 0 {
            return 0.0;
        }
        let sum: u128 = self.buckets.iter().rev().take(n).sum();
        sum as f64 / (n as f64 * NS_PER_S as f64)
    }

    /// The decision at `now` (after [`KpaState::record`] up to `now`), for `ready` ready
    /// pods, `pods` pods in all (ready and starting), the minimum scale `min` and the most
    /// pods `max`.
    pub(super) fn decide(
        &mut self,
        now: SimTime,
        ready: u32,
        pods: u32,
        min: u32,
        max: Option<u32>,
    ) -> Decision {
        let p = self.params;
        let stable = self.average(p.stable_window);
        let panic = self.average(p.panic_window);
        let ready_f = f64::from(ready.max(1));
        let max_up = (p.max_scale_up_rate * ready_f).ceil();
        let max_down = (ready_f / p.max_scale_down_rate).floor();
        let dspc = (stable / p.target).ceil();
        let dppc = (panic / p.target).ceil();
        let desired_stable = dspc.max(max_down).min(max_up) as u32;
        let desired_panic = dppc.max(max_down).min(max_up) as u32;
        let over = dppc / ready_f >= p.panic_threshold;
        if over {
            self.panic_since = Some(now);
        } else if self
            .panic_since
            .is_some_and(|since| since.saturating_add(p.stable_window) < now)
        {
            self.panic_since = None;
            self.max_panic_pods = 0;
        }
        let mut desired = desired_stable;
        if self.panic_since.is_some() {
            desired = desired.max(desired_panic);
            self.max_panic_pods = self.max_panic_pods.max(desired);
            desired = self.max_panic_pods;
        }
        desired = desired.max(min);
        if let Some(max) = max {
            desired = desired.min(max);
        }
        if desired == 0 && pods > 0 {
            // The last pod goes only after a stable window without traffic, then the grace
            // period.
            let quiet = now.saturating_sub(self.last_busy) >= p.stable_window;
            let since = *self.zero_since.get_or_insert(now);
            if !quiet {
                self.zero_since = None;
            }
            if !quiet || now - since < p.scale_to_zero_grace {
                desired = 1;
            }
        } else if desired > 0 {
            self.zero_since = None;
        }
        Decision {
            stable,
            panic,
            panicking: self.panic_since.is_some(),
            pods: desired,
        }
    }

    /// A request found no pod at all: the activator pokes the autoscaler, which asks for one
    /// at once; the wait for the last pod to go starts again.
    pub(super) fn poked(&mut self, now: SimTime) {
        self.zero_since = None;
        self.last_busy = self.last_busy.max(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Kpa {
        Kpa {
            target: 70.0,
            stable_window: 60 * NS_PER_S,
            panic_window: 6 * NS_PER_S,
            panic_threshold: 2.0,
            max_scale_up_rate: 1000.0,
            max_scale_down_rate: 2.0,
            scale_to_zero_grace: 30 * NS_PER_S,
            initial_scale: 1,
            tick: 2 * NS_PER_S,
        }
    }

    const S: SimTime = NS_PER_S;

    #[test]
    fn averages_are_exact_over_whole_seconds() {
        let mut k = KpaState::new(params());
        // 10 requests for 100 s, then 1000 from 100.5 s.
        k.record(100 * S + S / 2, 10);
        k.record(102 * S, 1000);
        // Panic window [96, 102): 4 s at 10, then 10 × 0.5 + 1000 × 0.5, then 1000.
        assert!((k.average(6 * S) - (40.0 + 505.0 + 1000.0) / 6.0).abs() < 1e-9);
        // Stable window [42, 102).
        assert!((k.average(60 * S) - (580.0 + 505.0 + 1000.0) / 60.0).abs() < 1e-9);
    }

    #[test]
    fn a_step_panics_and_scales_by_the_panic_window() {
        let mut k = KpaState::new(params());
        k.record(100 * S, 10);
        let d = k.decide(100 * S, 1, 1, 0, None);
        assert_eq!((d.pods, d.panicking), (1, false));
        k.record(100 * S + S / 2, 10);
        k.record(102 * S, 1000);
        // Panic average 257.5: ⌈257.5 / 70⌉ = 4 ≥ 2 × 1 ready pod.
        let d = k.decide(102 * S, 1, 1, 0, None);
        assert_eq!((d.pods, d.panicking), (4, true));
    }

    #[test]
    fn the_rate_limits_bound_each_decision() {
        let mut p = params();
        p.max_scale_up_rate = 2.0;
        let mut k = KpaState::new(p);
        k.record(10 * S, 700);
        // ⌈700 / 70⌉ = 10, but at most ⌈2 × 3⌉ = 6 from 3 ready pods.
        assert_eq!(k.decide(10 * S, 3, 3, 0, None).pods, 6);
        let mut k = KpaState::new(params());
        k.record(10 * S, 0);
        // Nothing observed, but at least ⌊8 / 2⌋ = 4 from 8 ready pods.
        assert_eq!(k.decide(10 * S, 8, 8, 0, None).pods, 4);
    }

    #[test]
    fn the_last_pod_goes_a_stable_window_and_a_grace_period_after_the_last_request() {
        let mut k = KpaState::new(params());
        k.record(12 * S, 5); // busy until 12 s
        for t in (14..=102).step_by(2) {
            k.record(t * S, 0);
            let pods = k.decide(t * S, 1, 1, 0, None).pods;
            // Quiet from 72 s (12 + 60), the grace period runs to 102 s.
            assert_eq!(pods, u32::from(t < 102), "at {t} s");
        }
        // Never below the minimum scale.
        let mut k = KpaState::new(params());
        k.record(200 * S, 0);
        assert_eq!(k.decide(200 * S, 1, 1, 1, None).pods, 1);
    }
}
