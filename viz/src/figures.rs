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
    dead_lettered: u64,
    cold_starts: u64,
    throttled: u64,
    rejected: u64,
}

impl Bucket {
    fn new(start: SimTime) -> Self {
        Self {
            start,
            // 1 µs .. 1 h at two significant digits: a few KB each.
            response: Latency::with_precision(3_600_000_000, 2),
            done: Latency::with_precision(3_600_000_000, 2),
            arrived: 0,
            completed: 0,
            failed: 0,
            dead_lettered: 0,
            cold_starts: 0,
            throttled: 0,
            rejected: 0,
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
    /// Cold starts in the window.
    pub window_cold_starts: u64,
    /// Requests throttled in the window (`summary.csv`'s `throttled`).
    pub window_throttled: u64,
    /// Requests rejected in the window (`summary.csv`'s `rejected`).
    pub window_rejected: u64,
    /// Transactions that ended failed in the window.
    pub window_failed: u64,
    /// Transactions that ended dead-lettered in the window.
    pub window_dead_lettered: u64,
    /// Cost so far [USD].
    pub cost_usd: f64,
    /// Projected cost of a month (30.44 days) at the window's rate of spending [USD]; NaN
    /// until a whole window has been simulated.
    pub month_usd: f64,
}

/// Rolling figures and chart history of one architecture.
pub struct Figures {
    buckets: VecDeque<Bucket>,
    /// (time, cost so far) at every [`COST_EVERY`] of simulated time, back to the last one
    /// at or before the window's start: the baseline of the spending rate.
    costs: VecDeque<(SimTime, f64)>,
    /// The next time a cost sample is due [ns].
    next_cost: SimTime,
    history: Vec<HistoryPoint>,
    history_every: SimTime,
    next_history: SimTime,
    summary: Summary,
}

/// Simulated time between cost samples [ns]: a tenth of a bucket.
pub const COST_EVERY: SimTime = WINDOW / BUCKETS as SimTime / 10;

impl Default for Figures {
    fn default() -> Self {
        Self::new()
    }
}

impl Figures {
    /// Empty figures starting at time zero.
    pub fn new() -> Self {
        let mut buckets = VecDeque::with_capacity(BUCKETS + 1);
        buckets.push_back(Bucket::new(0));
        Self {
            buckets,
            costs: VecDeque::from([(0, 0.0)]),
            next_cost: COST_EVERY,
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

    /// Width of a bucket [ns].
    const WIDTH: SimTime = WINDOW / BUCKETS as SimTime;

    /// Start of the window at `now`: the window is the bucket `now` falls in and the
    /// `BUCKETS - 1` before it (buckets start at multiples of their width).
    fn window_start(now: SimTime) -> SimTime {
        let current = now - now % Self::WIDTH;
        current.saturating_sub((BUCKETS as SimTime - 1) * Self::WIDTH)
    }

    /// Starts the bucket `now` falls in, dropping those that began before the window (a
    /// stretch without events leaves no buckets, so this goes by time, not by count).
    fn roll(&mut self, now: SimTime) {
        let current = now - now % Self::WIDTH;
        if self.buckets.back().is_none_or(|b| b.start < current) {
            self.buckets.push_back(Bucket::new(current));
        }
        let oldest = Self::window_start(now);
        while self.buckets.front().is_some_and(|b| b.start < oldest) {
            self.buckets.pop_front();
        }
    }

    /// Counts one event that happened at `time`.
    pub fn record(&mut self, time: SimTime, event: &SimEvent) {
        if self
            .buckets
            .back()
            .is_none_or(|b| time >= b.start + Self::WIDTH)
        {
            self.roll(time);
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
                Outcome::Failed => b.failed += 1,
                Outcome::DeadLettered => b.dead_lettered += 1,
            },
            SimEvent::InvocationStarted { cold: true, .. } => b.cold_starts += 1,
            SimEvent::Throttled { .. } => b.throttled += 1,
            SimEvent::Rejected { .. } => b.rejected += 1,
            _ => {}
        }
    }

    /// The next simulated time [`Figures::sample`] wants to be called at [ns]: the
    /// simulation is stepped to exactly that time first, so that the samples, and the
    /// chart and month figures made of them, do not depend on how the run was cut into
    /// frames (a re-simulation after a seek gives the same figures as the first run).
    pub fn next_due(&self) -> SimTime {
        self.next_cost
    }

    /// Takes the samples due at `t` (= [`Figures::next_due`]): the cost so far (the
    /// baseline of the spending rate) and, when one is due, a chart point; `instances` is
    /// the live instance count at `t`.
    pub fn sample(&mut self, t: SimTime, cost_usd: f64, instances: f64) {
        if t < self.next_cost {
            return;
        }
        self.costs.push_back((t, cost_usd));
        self.next_cost = t - t % COST_EVERY + COST_EVERY;
        let start = Self::window_start(t);
        while self.costs.get(1).is_some_and(|&(c, _)| c <= start) {
            self.costs.pop_front();
        }
        if t < self.next_history {
            return;
        }
        self.refresh(t, cost_usd);
        self.history.push(HistoryPoint {
            t: t as f64 / NS_PER_S as f64,
            response_p99_ms: self.summary.response_ms[2],
            done_p99_ms: self.summary.done_ms[2],
            cost_usd,
            instances,
            throughput: self.summary.throughput,
        });
        self.next_history = t + self.history_every;
        if self.history.len() >= HISTORY_POINTS {
            // Keep every other point, counting back from the newest (which is `t`), and
            // sample half as often from now on: the spacing stays even.
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

    /// Recomputes the summary at `now` from the window's buckets and the cost samples.
    pub fn refresh(&mut self, now: SimTime, cost_usd: f64) {
        self.roll(now);
        let mut response = Latency::with_precision(3_600_000_000, 2);
        let mut done = Latency::with_precision(3_600_000_000, 2);
        let (mut arrived, mut completed, mut failed, mut dead_lettered) = (0, 0, 0, 0);
        let (mut cold, mut throttled, mut rejected) = (0, 0, 0);
        for b in &self.buckets {
            response.merge(&b.response);
            done.merge(&b.done);
            arrived += b.arrived;
            completed += b.completed;
            failed += b.failed;
            dead_lettered += b.dead_lettered;
            cold += b.cold_starts;
            throttled += b.throttled;
            rejected += b.rejected;
        }
        // Rates over the window's time, whether or not its buckets saw events.
        let start = Self::window_start(now);
        let span_s = (now - start) as f64 / NS_PER_S as f64;
        let rate = |n: u64| if span_s > 0.0 { n as f64 / span_s } else { 0.0 };
        let q = |l: &Latency| {
            if l.count() == 0 {
                [f64::NAN; 3]
            } else {
                [l.quantile_ms(0.5), l.quantile_ms(0.95), l.quantile_ms(0.99)]
            }
        };
        // Spending over the window, from the cost sampled at its start (or the latest
        // sample before it). Before a whole window has been simulated there is no rate to
        // extrapolate: the first seconds (cold starts, empty queues) are not a month.
        let baseline = self.costs.iter().rev().find(|&&(t, _)| t <= start).copied();
        let month_usd = match baseline {
            Some((t0, cost_then)) if now >= WINDOW && now > t0 => {
                (cost_usd - cost_then) / ((now - t0) as f64 / NS_PER_S as f64) * MONTH_S
            }
            _ => f64::NAN,
        };
        self.summary = Summary {
            response_ms: q(&response),
            done_ms: q(&done),
            arrivals_per_s: rate(arrived),
            throughput: rate(completed),
            window_cold_starts: cold,
            window_throttled: throttled,
            window_rejected: rejected,
            window_failed: failed,
            window_dead_lettered: dead_lettered,
            cost_usd,
            month_usd,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_halves_its_resolution_but_spans_the_whole_run() {
        let mut f = Figures::new();
        let hours = 10;
        while f.next_due() <= hours * 3600 * NS_PER_S {
            let now = f.next_due();
            let s = now as f64 / NS_PER_S as f64;
            f.sample(now, s * 0.01, 3.0);
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
            // A point carries the cost at its own time.
            assert!((p.cost_usd - p.t * 0.01).abs() < 1e-9, "{p:?}");
            assert_eq!(p.instances, 3.0);
        }
    }

    fn response(ms: u64) -> SimEvent {
        SimEvent::ResponseSent {
            txn: 0,
            kind: 0,
            ok: true,
            latency_ns: ms * 1_000_000,
        }
    }

    /// Within the histogram's resolution: two significant digits, 1/128 of the value.
    fn near(measured: f64, reference: f64) -> bool {
        (measured - reference).abs() <= reference / 100.0
    }

    #[test]
    fn window_percentiles_are_those_of_the_last_minute_of_responses() {
        let mut f = Figures::new();
        // Seconds 0..60: one response a millisecond-step apart, 1..=1000 ms, all in the
        // window at t = 60 s: p50 = 500 ms, p95 = 950 ms, p99 = 990 ms.
        for i in 0..1000u64 {
            let t = i * 60 * NS_PER_S / 1000;
            f.record(t, &response(i + 1));
        }
        let now = 60 * NS_PER_S - 1;
        f.refresh(now, 0.0);
        let [p50, p95, p99] = f.summary().response_ms;
        assert!(near(p50, 500.0), "p50 {p50}");
        assert!(near(p95, 950.0), "p95 {p95}");
        assert!(near(p99, 990.0), "p99 {p99}");
        // Seconds 60..90: 300 responses of 2,000 ms. At 90 s the window is [30 s, 90 s):
        // 500 of the first responses (those at 30 s and later: 501..=1000 ms) and the 300
        // new ones. Ranked, 800 values: p50 is the 400th = 900 ms, p95 and p99 2,000 ms.
        for i in 0..300u64 {
            f.record(60 * NS_PER_S + i * NS_PER_S / 10, &response(2000));
        }
        f.refresh(90 * NS_PER_S - 1, 0.0);
        let [p50, p95, p99] = f.summary().response_ms;
        assert!(near(p50, 900.0), "p50 {p50}");
        assert!(
            near(p95, 2000.0) && near(p99, 2000.0),
            "p95 {p95}, p99 {p99}"
        );
        // A minute with no responses: nothing left to rank.
        f.refresh(160 * NS_PER_S, 0.0);
        assert!(f.summary().response_ms.iter().all(|v| v.is_nan()));
    }

    #[test]
    fn rates_and_window_counts_cover_the_last_minute() {
        let mut f = Figures::new();
        // 10 arrivals a second for 120 s; every fifth one fails, the rest complete; one
        // cold start and one throttle a second.
        for i in 0..1200u64 {
            let t = i * NS_PER_S / 10;
            f.record(t, &SimEvent::TransactionArrived { txn: i, kind: 0 });
            let outcome = if i % 5 == 0 {
                Outcome::Failed
            } else {
                Outcome::Completed
            };
            f.record(
                t,
                &SimEvent::TransactionDone {
                    txn: i,
                    kind: 0,
                    outcome,
                    latency_ns: 0,
                },
            );
            if i % 10 == 0 {
                f.record(
                    t,
                    &SimEvent::InvocationStarted {
                        txn: i,
                        comp: 0,
                        instance: 0,
                        cold: true,
                        waited_ns: 0,
                    },
                );
                f.record(t, &SimEvent::Throttled { txn: i, comp: 0 });
            }
        }
        // Just before 120 s the window holds the 12 five-second buckets of [60 s, 120 s):
        // 600 arrivals over 60 s (less a nanosecond).
        f.refresh(120 * NS_PER_S - 1, 0.0);
        let s = f.summary();
        assert!(
            (s.arrivals_per_s - 10.0).abs() < 1e-6,
            "{}",
            s.arrivals_per_s
        );
        assert!((s.throughput - 8.0).abs() < 1e-6, "{}", s.throughput);
        assert_eq!(s.window_failed, 120);
        assert_eq!(s.window_cold_starts, 60);
        assert_eq!(s.window_throttled, 60);
    }

    #[test]
    fn the_month_figure_extrapolates_the_window_rate_of_spending() {
        let mut f = Figures::new();
        // $0.002 a second from t = 0, sampled where the figures ask: a month at that rate
        // is 0.002 × 2,629,800 s = $5,259.60, however long the run has been, and nothing
        // is extrapolated before a whole window has been seen.
        let rate = 0.002;
        let cost = |t: SimTime| rate * t as f64 / NS_PER_S as f64;
        let run_to = |f: &mut Figures, until: SimTime, cost: &dyn Fn(SimTime) -> f64| {
            while f.next_due() <= until {
                let t = f.next_due();
                f.sample(t, cost(t), 1.0);
            }
            f.refresh(until, cost(until));
        };
        for ms in (250..=300_000u64).step_by(250) {
            let now = ms * 1_000_000;
            run_to(&mut f, now, &cost);
            let m = f.summary().month_usd;
            if now < WINDOW {
                assert!(m.is_nan(), "at {ms} ms: {m}");
            } else {
                assert!((m - rate * MONTH_S).abs() < 1e-6, "at {ms} ms: {m}");
            }
        }
        assert!((f.summary().cost_usd - 0.6).abs() < 1e-12);
        // Spending stops: once the window holds only the idle minute, the month is $0.
        run_to(&mut f, 400 * NS_PER_S, &|_| 0.6);
        assert!(
            f.summary().month_usd.abs() < 1e-9,
            "{}",
            f.summary().month_usd
        );
    }
}
