//! The simulator against queueing theory: M/M/1, M/M/c (Erlang C), Little's law, and the
//! cold-start probability e^(−λT) of a lone function at low load.
//!
//! Sample sizes are chosen so that the 3% tolerance is at least three standard deviations of
//! the estimate (asymptotic variance of the M/M/1 mean wait after Daley, 1968).

#[path = "support/scenario.rs"]
mod support;
use std::collections::HashMap;
use std::sync::Arc;

use choreo_sim::engine::{NS_PER_S, SimTime};
use choreo_sim::observe::{Observer, SimEvent, TxnId};
use choreo_sim::run::{self, run_architecture};
use choreo_sim::scenario::Scenario;
use support::{assert_close, load};

/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load a = λ/μ.
fn erlang_c(c: u32, a: f64) -> f64 {
    // Erlang B by its stable recursion, then C from B.
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(c);
    b / (1.0 - rho + rho * b)
}

/// Mean wait in queue of M/M/c [s].
fn mmc_wait(c: u32, lambda: f64, mu: f64) -> f64 {
    erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda)
}

#[test]
fn erlang_c_matches_published_values() {
    // M/M/1: C = ρ. M/M/2 with a = 1: C = 1/3 (textbook value).
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    assert!((mmc_wait(4, 3.0, 1.0) - 0.509_434).abs() < 1e-5);
}

/// Records the wait of each transaction: arrival to the start of its first execution.
#[derive(Default)]
struct Waits {
    arrived: HashMap<TxnId, SimTime>,
    sum_ns: u128,
    n: u64,
}

impl Observer for Waits {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        match *event {
            SimEvent::TransactionArrived { txn, .. } => {
                self.arrived.insert(txn, time);
            }
            SimEvent::InvocationStarted { txn, .. } => {
                if let Some(t0) = self.arrived.remove(&txn) {
                    self.sum_ns += u128::from(time - t0);
                    self.n += 1;
                }
            }
            _ => {}
        }
    }
}

fn mmc_scenario(
    c: u32,
    lambda: f64,
    mean_service_ms: f64,
    customers: f64,
    seed: u64,
) -> Arc<Scenario> {
    let horizon_s = (customers / lambda).ceil();
    load(&format!(
        r#"Scenario(name: "mmc", horizon: "{horizon_s}s", seed: {seed},
            workload: [Source(kind: "job", arrivals: Poisson(per_second: {lambda}))],
            architectures: [Architecture(name: "server", entry: "app", components: [
                Server(name: "app", instances: 1, workers: {c},
                       handlers: {{"job": [Compute(Exponential(mean: "{mean_service_ms}ms"))]}})])])"#
    ))
}

/// Runs an M/M/c server and returns (measured mean wait [s], theory [s], mean response [s]).
fn measure_mmc(c: u32, lambda: f64, mean_service_ms: f64, customers: f64) -> (f64, f64, f64) {
    let s = mmc_scenario(c, lambda, mean_service_ms, customers, 42);
    let mut waits = Waits::default();
    let report = run_architecture(s, 0, 10 * NS_PER_S, &mut waits).unwrap();
    assert!(report.counts.conserved());
    assert!(
        waits.n as f64 > 0.95 * customers,
        "{} customers served",
        waits.n
    );
    let measured = waits.sum_ns as f64 / waits.n as f64 / 1e9;
    let theory = mmc_wait(c, lambda, 1000.0 / mean_service_ms);
    (measured, theory, report.metrics.response.mean_ms() / 1e3)
}

#[test]
fn mm1_mean_wait_matches_theory_at_half_load() {
    let (wait, theory, _) = measure_mmc(1, 5.0, 100.0, 500_000.0);
    assert_close("M/M/1 ρ=0.5 Wq", wait, theory, 0.03);
}

#[test]
fn mm1_mean_wait_matches_theory_at_seventy_percent_load() {
    let (wait, theory, response) = measure_mmc(1, 7.0, 100.0, 1_000_000.0);
    assert_close("M/M/1 ρ=0.7 Wq", wait, theory, 0.03);
    // Response = wait + service: W = 1/(μ − λ) = 1/3 s.
    assert_close("M/M/1 ρ=0.7 W", response, 1.0 / 3.0, 0.03);
}

#[test]
fn mmc_mean_wait_matches_erlang_c() {
    // c = 4, a = 3 (ρ = 0.75): Wq = 0.5094 × service mean.
    let (wait, theory, _) = measure_mmc(4, 30.0, 100.0, 1_000_000.0);
    assert_close("M/M/4 ρ=0.75 Wq", wait, theory, 0.03);
    // c = 8 at ρ = 0.6.
    let (wait, theory, _) = measure_mmc(8, 48.0, 100.0, 600_000.0);
    assert_close("M/M/8 ρ=0.6 Wq", wait, theory, 0.03);
}

#[test]
fn littles_law_holds_for_the_bundled_mmc_scenario() {
    let loaded = choreo_sim::bundled::load("mmc-server").unwrap().unwrap();
    let options = run::RunOptions {
        architectures: vec!["server".into()],
        ..Default::default()
    };
    let report = run::run_scenario(&loaded.scenario, &options).unwrap();
    let a = &report.architectures[0];
    let horizon = loaded.scenario.horizon;
    // L is the exact time average of transactions in flight; λ and W are as observed. They
    // differ only by the few transactions cut off at the horizon.
    let l = a.metrics.mean_in_flight(horizon);
    let lambda = a.counts.arrived as f64 / (horizon as f64 / NS_PER_S as f64);
    let w = a.metrics.done.mean_ms() / 1e3;
    assert_close("Little's law L = λW", l, lambda * w, 0.005);
    // And the bundled scenario's stated theory: W = 100 ms + 50.9 ms.
    assert_close("M/M/4 W", w, 0.1 + mmc_wait(4, 30.0, 10.0), 0.03);
    // The sampled timeseries agrees with the exact average (1,000 samples: about 2% noise).
    let samples: Vec<f64> = a
        .timeseries
        .iter()
        .filter(|s| s.component.is_none() && s.metric == "in_flight")
        .map(|s| s.value)
        .collect();
    assert_eq!(samples.len(), 1000);
    assert_close(
        "sampled in-flight",
        samples.iter().sum::<f64>() / samples.len() as f64,
        l,
        0.08,
    );
}

#[test]
fn lone_function_cold_start_fraction_matches_exp_minus_lambda_t() {
    let loaded = choreo_sim::bundled::load("cold-starts").unwrap().unwrap();
    let options = run::RunOptions {
        architectures: vec!["function".into()],
        ..Default::default()
    };
    let report = run::run_scenario(&loaded.scenario, &options).unwrap();
    let m = &report.architectures[0].metrics;
    assert!(
        m.function_invocations > 8_000,
        "{} invocations",
        m.function_invocations
    );
    // λ = 0.01/s, keep-alive T = 60 s.
    assert_close(
        "P(cold)",
        m.cold_start_ratio(),
        (-0.01f64 * 60.0).exp(),
        0.03,
    );
}

#[test]
fn cold_start_fraction_tracks_keep_alive() {
    // Same function with T = 200 s: e^(−2) = 0.135; 20,000 requests.
    let s = load(
        r#"Scenario(name: "cs", horizon: "2000000s", seed: 5,
            workload: [Source(kind: "r", arrivals: Poisson(per_second: 0.01))],
            architectures: [Architecture(name: "f", entry: "f", components: [
                Function(name: "f", keep_alive: "200s", cold_start: "250ms", work: [Compute("10ms")])])])"#,
    );
    let report = run_architecture(s, 0, 3600 * NS_PER_S, &mut ()).unwrap();
    // The instance stays warm 200 s after the end of each request (≈10 ms, plus 250 ms after
    // a cold one), so the exact fraction is slightly below e^(−2); well within 3%.
    assert_close(
        "P(cold), T=200s",
        report.metrics.cold_start_ratio(),
        (-2.0f64).exp(),
        0.03,
    );
}

#[test]
fn cpu_bound_work_queues_for_cores_like_m_d_1() {
    // One core, 16 workers: CPU-bound steps of exactly 100 ms queue for the core; Poisson
    // arrivals at 5/s make it M/D/1 with ρ = 0.5: Wq = ρ / (2μ(1 − ρ)) = 50 ms
    // (Pollaczek–Khinchine), so the mean response is 150 ms.
    let s = load(
        r#"Scenario(name: "md1", horizon: "100000s", seed: 8,
          workload: [Source(kind: "job", arrivals: Poisson(per_second: 5.0))],
          architectures: [Architecture(name: "server", entry: "app", components: [
            Server(name: "app", workers: 16, cores: 1, handlers: {"job": [Cpu("100ms")]})])])"#,
    );
    let report = run_architecture(s, 0, 100 * NS_PER_S, &mut ()).unwrap();
    assert_close(
        "M/D/1 W",
        report.metrics.response.mean_ms() / 1e3,
        0.15,
        0.03,
    );
}
