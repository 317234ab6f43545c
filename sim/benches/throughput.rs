//! Throughput and memory of the engine and the model, printed as figures.
//!
//! Run with `cargo bench -p choreo-sim --bench throughput`. Each figure is the best of three
//! runs on one core (the simulation of one architecture is single-threaded); peak memory is
//! the process's high-water mark (VmHWM) after the largest run.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use choreo_sim::engine::Calendar;
use choreo_sim::model::Simulation;
use choreo_sim::observe::{Observer, SimEvent};
use choreo_sim::scenario::{self, Scenario};

/// Counts SimEvents, so the observer cost is realistic but small.
#[derive(Default)]
struct Count(u64);

impl Observer for Count {
    fn on_event(&mut self, _: u64, _: &SimEvent) {
        self.0 += 1;
    }
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> (T, f64)) -> (T, f64) {
    let mut best = f();
    for _ in 1..runs {
        let r = f();
        if r.1 < best.1 {
            best = r;
        }
    }
    best
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn calendar(n: u64) {
    let ((), secs) = best_of(3, || {
        let mut cal = Calendar::new();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        // A steady state of 10,000 pending events, as in a busy simulation.
        for i in 0..10_000 {
            cal.schedule(i, i);
        }
        let t0 = Instant::now();
        for _ in 0..n {
            let (t, e) = cal.pop().unwrap();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cal.schedule(t + x % 1_000_000, black_box(e));
        }
        ((), t0.elapsed().as_secs_f64())
    });
    println!(
        "calendar: pop + schedule with 10,000 pending    {:>8.1} M events/s",
        n as f64 / secs / 1e6
    );
}

fn simulate(label: &str, scenario: &Arc<Scenario>, arch: usize) {
    let ((steps, events, txns), secs) = best_of(3, || {
        let mut sim = Simulation::new(Arc::clone(scenario), arch);
        let mut count = Count::default();
        let t0 = Instant::now();
        sim.run(&mut count);
        let secs = t0.elapsed().as_secs_f64();
        ((sim.steps(), count.0, sim.counts().arrived), secs)
    });
    println!(
        "{label:<44} {:>8.2} M calendar events/s {:>8.2} M SimEvents/s {:>8.3} M transactions/s  ({txns} transactions in {secs:.2} s)",
        steps as f64 / secs / 1e6,
        events as f64 / secs / 1e6,
        txns as f64 / secs / 1e6,
    );
}

fn main() {
    calendar(20_000_000);
    let photo = Arc::new(
        choreo_sim::bundled::load("photo-sharing")
            .unwrap()
            .unwrap()
            .scenario,
    );
    simulate("photo-sharing, monolith, 1 h", &photo, 0);
    simulate("photo-sharing, serverless, 1 h", &photo, 1);
    // 10 million transactions through one function: the memory test.
    let text = r#"Scenario(name: "ten million", horizon: "100000s", seed: 1,
        workload: [Source(kind: "r", arrivals: Poisson(per_second: 100.0))],
        architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", work: [Compute(Exponential(mean: "50ms")), Read("db")]),
            Database(name: "db", latency: LogNormal(median: "3ms", p99: "20ms"))])])"#;
    let big = Arc::new(scenario::load("bench.ron", text).unwrap().scenario);
    let before = peak_rss_mb();
    simulate("10 M transactions, one function + database", &big, 0);
    println!(
        "peak memory (VmHWM) after the 10 M-transaction run: {:.1} MB (before it: {before:.1} MB)",
        peak_rss_mb()
    );
}
