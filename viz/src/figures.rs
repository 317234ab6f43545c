//! Live figures of one architecture: latency percentiles and rates over a rolling window of
//! simulated time, totals, the cost so far and its projection, and a decimating history
//! for the charts. Fed with the frame's SimEvents; knows nothing of Bevy.

use std::collections::VecDeque;

use choreo_sim::engine::{NS_PER_S, SimTime};
use choreo_sim::metrics::Latency;
use choreo_sim::observe::{Outcome, SimEvent};

/// Length of the rolling window [ns of simulated time].
pub const WINDOW: SimTime = 60 * NS_PER_S;
/// Buckets the window is kept in.
const BUCKETS: usize = 12;
/// Most points kept per chart series before halving the resolution: 120 to 240, enough for
/// a chart a few hundred pixels wide (each point is triangles to rasterise every frame).
const HISTORY_POINTS: usize = 240;
/// Seconds in an average month (365.25 / 12 days).
pub const MONTH_S: f64 = 365.25 / 12.0 * 86_400.0;

/// One bucket of the rolling window.
#[derive(Clone)]
struct Bucket {
    start: SimTime,
    response: Latency,
    done: Latency,
    arrived: u64,
    completed: u64,
    failed: u64,
    cold_starts: u64,
    throttled: u64,
    /// Cost so far when the bucket began [USD].
    cost_at_start: f64,
}

impl Bucket {
    fn new(start: SimTime, cost_at_start: f64) -> Self {
        Self {
            start,
            // 1 µs .. 1 h at two significant digits: a few KB each.
            response: Latency::with_precision(3_600_000_000, 2),
            done: Latency::with_precision(3_600_000_000, 2),
            arrived: 0,
            completed: 0,
            failed: 0,
            cold_starts: 0,
            throttled: 0,
            cost_at_start,
        }
    }
}

/// One sample of the charts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryPoint {
    /// Simulated time [s].
    pub t: f64,
    /// Response latency p99 over the window [ms].
    pub response_p99_ms: f64,
    /// Done latency p99 over the window [ms].
    pub done_p99_ms: f64,
    /// Cost so far [USD].
    pub cost_usd: f64,
    /// Function instances (starting, busy, idle) plus server instances.
    pub instances: f64,
    /// Completed transactions per second over the window.
    pub throughput: f64,
}

/// What the figures panel shows for one architecture.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    /// Response latency p50, p95, p99 over the window [ms] (NaN without responses).
    pub response_ms: [f64; 3],
    /// Done latency p50, p95, p99 over the window [ms].
    pub done_ms: [f64; 3],
    /// Arrivals per second over the window.
    pub arrivals_per_s: f64,
    /// Completed transactions per second over the window.
    pub throughput: f64,
    /// Cold starts, throttles and failed transactions in the window.
    pub window_cold_starts: u64,
    /// Throttled requests in the window.
    pub window_throttled: u64,
    /// Failed transactions in the window.
    pub window_failed: u64,
    /// Cost so far [USD].
    pub cost_usd: f64,
    /// Projected cost of a month at the window's rate [USD].
    pub month_usd: f64,
}

/// Rolling figures and chart history of one architecture.
pub struct Figures {
    buckets: VecDeque<Bucket>,
    history: Vec<HistoryPoint>,
    history_every: SimTime,
    next_history: SimTime,
    summary: Summary,
}

impl Default for Figures {
    fn default() -> Self {
        Self::new()
    }
}

impl Figures {
    /// Empty figures starting at time zero.
    pub fn new() -> Self {
        let mut buckets = VecDeque::with_capacity(BUCKETS + 1);
        buckets.push_back(Bucket::new(0, 0.0));
        Self {
            buckets,
            history: Vec::new(),
            history_every: NS_PER_S,
            next_history: NS_PER_S,
            summary: Summary {
                response_ms: [f64::NAN; 3],
                done_ms: [f64::NAN; 3],
                ..Summary::default()
            },
        }
    }

    /// The figures as of the last [`Figures::refresh`].
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Chart points, oldest first.
    pub fn history(&self) -> &[HistoryPoint] {
        &self.history
    }

    /// Starts new buckets up to `now`, dropping those older than the window.
    fn roll(&mut self, now: SimTime, cost_now: f64) {
        let width = WINDOW / BUCKETS as SimTime;
        loop {
            let start = self.buckets.back().map_or(0, |b| b.start);
            if now < start + width {
                break;
            }
            let next = start + width * ((now - start) / width);
            self.buckets.push_back(Bucket::new(next, cost_now));
        }
        while self.buckets.len() > BUCKETS {
            self.buckets.pop_front();
        }
    }

    /// Counts one event that happened at `time`.
    pub fn record(&mut self, time: SimTime, event: &SimEvent) {
        if self
            .buckets
            .back()
            .is_none_or(|b| time >= b.start + WINDOW / BUCKETS as SimTime)
        {
            // Costs are only refreshed once a frame; the new bucket starts at the last known.
            let cost = self.summary.cost_usd;
            self.roll(time, cost);
        }
        let Some(b) = self.buckets.back_mut() else {
            return;
        };
        match *event {
            SimEvent::TransactionArrived { .. } => b.arrived += 1,
            SimEvent::ResponseSent {
                ok: true,
                latency_ns,
                ..
            } => b.response.record(latency_ns),
            SimEvent::TransactionDone {
                outcome,
                latency_ns,
                ..
            } => match outcome {
                Outcome::Completed => {
                    b.completed += 1;
                    b.done.record(latency_ns);
                }
                _ => b.failed += 1,
            },
            SimEvent::InvocationStarted { cold: true, .. } => b.cold_starts += 1,
            SimEvent::Throttled { .. } | SimEvent::Rejected { .. } => b.throttled += 1,
            _ => {}
        }
    }

    /// Recomputes the summary at `now` from the window, and appends chart
    /// points due by `now`; `instances` is the live instance count.
    pub fn refresh(&mut self, now: SimTime, cost_usd: f64, instances: f64) {
        self.roll(now, cost_usd);
        let mut response = Latency::with_precision(3_600_000_000, 2);
        let mut done = Latency::with_precision(3_600_000_000, 2);
        let (mut arrived, mut completed, mut failed, mut cold, mut throttled) = (0, 0, 0, 0, 0);
        for b in &self.buckets {
            response.merge(&b.response);
            done.merge(&b.done);
            arrived += b.arrived;
            completed += b.completed;
            failed += b.failed;
            cold += b.cold_starts;
            throttled += b.throttled;
        }
        let first = self.buckets.front().map_or(0, |b| b.start);
        let span_s = (now.saturating_sub(first)) as f64 / NS_PER_S as f64;
        let rate = |n: u64| if span_s > 0.0 { n as f64 / span_s } else { 0.0 };
        let q = |l: &Latency| {
            if l.count() == 0 {
                [f64::NAN; 3]
            } else {
                [l.quantile_ms(0.5), l.quantile_ms(0.95), l.quantile_ms(0.99)]
            }
        };
        let cost_then = self.buckets.front().map_or(0.0, |b| b.cost_at_start);
        let month_usd = if span_s > 0.0 {
            (cost_usd - cost_then) / span_s * MONTH_S
        } else {
            0.0
        };
        self.summary = Summary {
            response_ms: q(&response),
            done_ms: q(&done),
            arrivals_per_s: rate(arrived),
            throughput: rate(completed),
            window_cold_starts: cold,
            window_throttled: throttled,
            window_failed: failed,
            cost_usd,
            month_usd,
        };
        while now >= self.next_history {
            let t = self.next_history;
            self.history.push(HistoryPoint {
                t: t as f64 / NS_PER_S as f64,
                response_p99_ms: self.summary.response_ms[2],
                done_p99_ms: self.summary.done_ms[2],
                cost_usd,
                instances,
                throughput: self.summary.throughput,
            });
            self.next_history += self.history_every;
            if self.history.len() >= HISTORY_POINTS {
                // Keep every other point, counting back from the newest (which is `t`),
                // and sample half as often from now on: the spacing stays even.
                let newest = self.history.len() - 1;
                let mut i = 0;
                self.history.retain(|_| {
                    let keep = (newest - i).is_multiple_of(2);
                    i += 1;
                    keep
                });
                self.history_every *= 2;
                self.next_history = t + self.history_every;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_halves_its_resolution_but_spans_the_whole_run() {
        let mut f = Figures::new();
        let hours = 10;
        let mut now = 0;
        while now <= hours * 3600 * NS_PER_S {
            let s = now as f64 / NS_PER_S as f64;
            f.refresh(now, s * 0.01, 3.0);
            now += NS_PER_S;
        }
        let h = f.history();
        assert!(
            (HISTORY_POINTS / 2..HISTORY_POINTS).contains(&h.len()),
            "{} points",
            h.len()
        );
        let step = h[1].t - h[0].t;
        // 36,000 s in at most 240 points: 2^k seconds apart, k = 8 (256 s) here.
        assert_eq!(step, 256.0);
        for w in h.windows(2) {
            assert_eq!(w[1].t - w[0].t, step);
        }
        assert!(h[0].t <= step, "first point {}", h[0].t);
        let end = (hours * 3600) as f64;
        assert!(
            end - h[h.len() - 1].t < step,
            "last point {}",
            h[h.len() - 1].t
        );
        for p in h {
            // A point carries the cost of the refresh that made it (seconds refreshes).
            assert!((p.cost_usd - p.t * 0.01).abs() < 0.0101, "{p:?}");
            assert_eq!(p.instances, 3.0);
        }
    }
}
