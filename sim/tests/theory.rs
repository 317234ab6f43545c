//! The simulator against queueing theory: M/M/1, M/M/c (Erlang C), Little's law, and the
//! cold-start probability e^(−λT) of a lone function at low load.
//!
//! Every estimate here is tested to 3% (so a model 5% off fails), and sample sizes are chosen
//! so that 3% is at least three standard errors of the estimate: most tests run independent
//! replications (different seeds, in parallel threads) and `assert_close_replicated` checks
//! from their spread that the tolerance is at least 3 SE; the others state a binomial SE.

#[path = "support/scenario.rs"]
mod support;
use std::collections::HashMap;
use std::sync::Arc;

use choreo_sim::engine::{NS_PER_S, SimTime};
use choreo_sim::observe::{Observer, SimEvent, TxnId};
use choreo_sim::run::{self, run_architecture};
use choreo_sim::scenario::Scenario;
use support::{assert_close, assert_close_replicated, cell, load, replicate};

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

/// Runs an M/M/c server once and returns (measured mean wait [s], mean response [s]).
fn measure_mmc(c: u32, lambda: f64, mean_service_ms: f64, customers: f64, seed: u64) -> (f64, f64) {
    let s = mmc_scenario(c, lambda, mean_service_ms, customers, seed);
    let mut waits = Waits::default();
    let report = run_architecture(s, 0, 10 * NS_PER_S, &mut waits).unwrap();
    assert!(report.counts.conserved());
    assert!(
        waits.n as f64 > 0.95 * customers,
        "{} customers served",
        waits.n
    );
    let measured = waits.sum_ns as f64 / waits.n as f64 / 1e9;
    (measured, report.metrics.response.mean_ms() / 1e3)
}

/// `reps` independent replications (seeds 1..=reps) of `customers` each: the mean waits and
/// the mean responses [s].
fn mmc_replications(
    c: u32,
    lambda: f64,
    mean_service_ms: f64,
    customers: f64,
    reps: u64,
) -> (Vec<f64>, Vec<f64>) {
    replicate(reps, |seed| {
        measure_mmc(c, lambda, mean_service_ms, customers, seed)
    })
    .into_iter()
    .unzip()
}

// Each test below states n (customers, over independent replications), the relative standard
// error (SE) of its estimate and its tolerance. The SE is the spread of the replications'
// means (sample sd / √reps), and `assert_close_replicated` checks at run time that the
// tolerance is at least 3 SE, so a model 5% off fails (it is at least 2 SE outside).

#[test]
fn mm1_mean_wait_matches_theory_at_half_load() {
    // n = 10 × 100,000; relative SE(Wq) ≈ 0.23%; tolerance 3% (13 SE).
    let (waits, _) = mmc_replications(1, 5.0, 100.0, 100_000.0, 10);
    assert_close_replicated("M/M/1 ρ=0.5 Wq", &waits, mmc_wait(1, 5.0, 10.0), 0.03);
}

#[test]
fn mm1_mean_wait_matches_theory_at_seventy_percent_load() {
    // n = 12 × 150,000; relative SE(Wq) ≈ 0.62%, SE(W) ≈ 0.45%; tolerance 3% (4.9 and 6.7 SE).
    let (waits, responses) = mmc_replications(1, 7.0, 100.0, 150_000.0, 12);
    assert_close_replicated("M/M/1 ρ=0.7 Wq", &waits, mmc_wait(1, 7.0, 10.0), 0.03);
    // Response = wait + service: W = 1/(μ − λ) = 1/3 s.
    assert_close_replicated("M/M/1 ρ=0.7 W", &responses, 1.0 / 3.0, 0.03);
}

#[test]
fn mm1_response_time_quantiles_match_the_exponential_distribution() {
    // The M/M/1 (FIFO) response time is exponential with rate μ − λ = 3/s: its p-quantile is
    // −ln(1 − p)/(μ − λ). The histogram reports the upper end of a bucket, at most 0.1% above
    // (3 significant digits): small beside the tolerance.
    // n = 16 × 150,000 responses; relative SE from the spread of the replications' quantiles
    // (which accounts for the correlation of successive responses; the iid formula
    // √(p(1−p)/n)/f(x_p) would understate it about threefold): p50 ≈ 0.3%, p95 ≈ 0.5%,
    // p99 ≈ 0.7%; tolerance 3% (over 4 SE each).
    let reports = replicate(16, |seed| {
        let s = mmc_scenario(1, 7.0, 100.0, 150_000.0, seed);
        let report = run_architecture(s, 0, 10 * NS_PER_S, &mut ()).unwrap();
        let r = &report.metrics.response;
        [0.5, 0.95, 0.99].map(|q| r.quantile_ms(q) / 1e3)
    });
    for (i, p) in [0.5f64, 0.95, 0.99].into_iter().enumerate() {
        let xs: Vec<f64> = reports.iter().map(|q| q[i]).collect();
        let theory = -(1.0 - p).ln() / 3.0;
        assert_close_replicated(
            &format!("M/M/1 ρ=0.7 response p{}", p * 100.0),
            &xs,
            theory,
            0.03,
        );
    }
}

#[test]
fn mmc_mean_wait_matches_erlang_c() {
    // The bundled mmc-server scenario: c = 4, a = 3 (ρ = 0.75), Wq = 0.5094 × service mean
    // = 50.9 ms, and its lesson's mean response W = 100 ms + 50.9 ms. The wait is tested, not
    // only W: W is one third wait, so a model error shows in Wq three times as large.
    // n = 16 replications (its seed, then seeds 2–16) × 2 h × 30/s = 3.5 million customers;
    // relative SE(Wq) ≈ 0.75%, SE(W) ≈ 0.28% (spread of the replications); tolerance 3% for
    // both (4.0 and 10.7 SE).
    // Checked by hand: a service mean of 105 ms instead of 100 ms gives Wq = 70.6 ms (+39%).
    let loaded = choreo_sim::bundled::load("mmc-server").unwrap().unwrap();
    let (waits, responses): (Vec<f64>, Vec<f64>) = replicate(16, |seed| {
        let mut scenario = loaded.scenario.clone();
        if seed > 1 {
            scenario.seed = seed;
        }
        let mut waits = Waits::default();
        let report = run_architecture(Arc::new(scenario), 0, 10 * NS_PER_S, &mut waits).unwrap();
        assert!(report.counts.conserved());
        assert!(waits.n > 200_000, "{} customers served", waits.n);
        (
            waits.sum_ns as f64 / waits.n as f64 / 1e9,
            report.metrics.response.mean_ms() / 1e3,
        )
    })
    .into_iter()
    .unzip();
    assert_close_replicated("M/M/4 ρ=0.75 Wq", &waits, mmc_wait(4, 30.0, 10.0), 0.03);
    assert_close_replicated(
        "M/M/4 ρ=0.75 W",
        &responses,
        0.1 + mmc_wait(4, 30.0, 10.0),
        0.03,
    );
}

#[test]
fn mm8_mean_wait_matches_erlang_c() {
    // c = 8 at ρ = 0.6: most customers do not wait, so the mean wait is noisy.
    // n = 16 × 250,000; relative SE(Wq) ≈ 0.83% (spread of the replications); tolerance 3%
    // (3.6 SE). Checked by hand: a service mean of 105 ms gives Wq = 6.13 ms (+41%).
    let (waits, _) = mmc_replications(8, 48.0, 100.0, 250_000.0, 16);
    assert_close_replicated("M/M/8 ρ=0.6 Wq", &waits, mmc_wait(8, 48.0, 10.0), 0.03);
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
    // The bundled scenario's stated theory (W = 100 ms + 50.9 ms, and its wait) is tested
    // over replications in mmc_mean_wait_matches_erlang_c.
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
    let loaded = choreo_sim::bundled::load("cold-start-theory")
        .unwrap()
        .unwrap();
    let options = run::RunOptions {
        architectures: vec!["function".into()],
        ..Default::default()
    };
    // The bundled scenario (10 days, about 8,640 requests) and three more seeds of it (102–104):
    // n ≈ 34,500 requests; relative SE of P(cold) = √((1 − p)/(p n)) = 0.49% (binomial: each
    // request is cold when its gap exceeds T, independently), 0.36% from the spread;
    // tolerance 3% (over 6 SE).
    let ratios = replicate(4, |seed| {
        let mut scenario = loaded.scenario.clone();
        if seed > 1 {
            // Not 2–4: the bundled scenario's own seed is 3.
            scenario.seed = 100 + seed;
        }
        let report = run::run_scenario(&scenario, &options).unwrap();
        let m = &report.architectures[0].metrics;
        assert!(
            m.function_invocations > 8_000,
            "{} invocations",
            m.function_invocations
        );
        m.cold_start_ratio()
    });
    // λ = 0.01/s, keep-alive T = 60 s.
    assert_close_replicated("P(cold)", &ratios, (-0.01f64 * 60.0).exp(), 0.03);
}

#[test]
fn cold_start_fraction_tracks_keep_alive() {
    // Same function with T = 200 s: e^(−2) = 0.135. n = 16 × 10,000 requests; relative SE of
    // P(cold) = √((1 − p)/(p n)) = 0.0063 (binomial), 0.0080 from the replications' spread;
    // tolerance 3% (3.7 SE).
    let ratios = replicate(16, |seed| {
        let s = load(&format!(
            r#"Scenario(name: "cs", horizon: "1000000s", seed: {seed},
                workload: [Source(kind: "r", arrivals: Poisson(per_second: 0.01))],
                architectures: [Architecture(name: "f", entry: "f", components: [
                    Function(name: "f", keep_alive: "200s", cold_start: "250ms", work: [Compute("10ms")])])])"#,
        ));
        let report = run_architecture(s, 0, 3600 * NS_PER_S, &mut ()).unwrap();
        report.metrics.cold_start_ratio()
    });
    // The instance stays warm 200 s after the end of each request (≈10 ms, plus 250 ms after
    // a cold one), so the exact fraction is slightly below e^(−2) (by about 0.01%).
    assert_close_replicated("P(cold), T=200s", &ratios, (-2.0f64).exp(), 0.03);
}

#[test]
fn cpu_bound_work_queues_for_cores_like_m_d_1() {
    // One core, 16 workers: CPU-bound steps of exactly 100 ms queue for the core; Poisson
    // arrivals at 5/s make it M/D/1 with ρ = 0.5: Wq = ρ / (2μ(1 − ρ)) = 50 ms
    // (Pollaczek–Khinchine), so the mean response is 150 ms. The service is exactly 100 ms,
    // so Wq = W − 100 ms is tested: a model error shows there three times as large as in W.
    // n = 8 × 125,000; relative SE(Wq) ≈ 0.27% (spread of the replications); tolerance 3%
    // (11 SE).
    let waits = replicate(8, |seed| {
        let s = load(&format!(
            r#"Scenario(name: "md1", horizon: "25000s", seed: {seed},
              workload: [Source(kind: "job", arrivals: Poisson(per_second: 5.0))],
              architectures: [Architecture(name: "server", entry: "app", components: [
                Server(name: "app", workers: 16, cores: 1, handlers: {{"job": [Cpu("100ms")]}})])])"#,
        ));
        let report = run_architecture(s, 0, 100 * NS_PER_S, &mut ()).unwrap();
        report.metrics.response.mean_ms() / 1e3 - 0.1
    });
    assert_close_replicated("M/D/1 Wq", &waits, 0.05, 0.03);
}

/// The p-quantile of the M/M/c wait in queue [s]: P(Wq > t) = C·e^(−(cμ − λ)t), so
/// t_p = ln(C / (1 − p)) / (cμ − λ) when C > 1 − p, else 0.
fn mmc_wait_quantile(c: u32, lambda: f64, mu: f64, p: f64) -> f64 {
    let waits = erlang_c(c, lambda / mu);
    if waits <= 1.0 - p {
        return 0.0;
    }
    (waits / (1.0 - p)).ln() / (f64::from(c) * mu - lambda)
}

#[test]
fn queue_wait_and_backlog_figures_match_erlang_c_at_ninety_percent_load() {
    // M/M/10 at ρ = 0.9 (λ = 90/s, service mean 100 ms): C(10, 9) = 0.6687, Wq = C/(cμ − λ)
    // = 66.87 ms, its p99 ln(C/0.01)/(cμ − λ) = 420.3 ms, Lq = λ·Wq = 6.018 waiting on
    // average (Little), a = λ/μ = 9 busy workers. Read from summary.csv's cells as written:
    // queue_wait_mean_ms, queue_wait_p99_ms, mean_backlog, mean_busy_workers. Each run's
    // mean wait is also the one an observer of arrivals and starts measures (to the ns).
    // n = 16 × 1,000,000 customers; relative SE from the replications' spread: Wq ≈ 0.75%,
    // p99 ≈ 1.2%, Lq ≈ 0.75%, busy ≈ 0.06%; tolerance 3% (Wq, Lq: 4 SE), 4% (p99: 3.4 SE)
    // and 0.5% (busy). A p99 of the customers who waited only would be ln(100)/10 s = 460.5
    // ms (+9.6%). Checked by hand: a LIFO backlog (the same mean wait) gives a p99 of 1.33 s
    // (+216%); a backlog never counted down fails Lq at once.
    let (lambda, mu, c): (f64, f64, u32) = (90.0, 10.0, 10);
    let runs = replicate(16, |seed| {
        let s = mmc_scenario(c, lambda, 100.0, 1_000_000.0, seed);
        let mut waits = Waits::default();
        let a = run_architecture(Arc::clone(&s), 0, 60 * NS_PER_S, &mut waits).unwrap();
        assert!(a.counts.conserved());
        let observed = waits.sum_ns as f64 / waits.n as f64 / 1e6;
        let measured = a.metrics.queue_wait.mean_ms();
        assert!(
            (measured - observed).abs() < 1e-9 * observed,
            "queue wait {measured} ms, observed {observed} ms"
        );
        // Little's law between the two figures, as measured: mean_backlog is counted as
        // requests come and go, the waits are timed per request.
        let rate = a.metrics.invocations as f64 / (s.horizon as f64 / NS_PER_S as f64);
        assert_close(
            "Lq = λ·Wq as measured",
            cell(&s, &a, "mean_backlog"),
            rate * cell(&s, &a, "queue_wait_mean_ms") / 1e3,
            0.002,
        );
        [
            cell(&s, &a, "queue_wait_mean_ms") / 1e3,
            cell(&s, &a, "queue_wait_p99_ms") / 1e3,
            cell(&s, &a, "mean_backlog"),
            cell(&s, &a, "mean_busy_workers"),
        ]
    });
    let column = |i: usize| runs.iter().map(|r| r[i]).collect::<Vec<f64>>();
    let wq = mmc_wait(c, lambda, mu);
    assert_close_replicated("M/M/10 ρ=0.9 Wq", &column(0), wq, 0.03);
    let p99 = mmc_wait_quantile(c, lambda, mu, 0.99);
    assert_close_replicated("M/M/10 ρ=0.9 Wq p99", &column(1), p99, 0.04);
    assert_close_replicated("M/M/10 ρ=0.9 Lq = λ·Wq", &column(2), lambda * wq, 0.03);
    assert_close_replicated("M/M/10 ρ=0.9 busy workers", &column(3), lambda / mu, 0.005);
}

#[test]
fn messages_wait_for_a_queue_consumer_as_in_m_m_c() {
    // A producer function emits each arrival onto a queue whose consumer (batches of 1)
    // runs at most 4 at a time: the messages queue as in M/M/4 (λ = 30/s, service mean
    // 100 ms, a = 3): Wq = 50.94 ms, Lq = λ·Wq = 1.528. A message's wait runs from its send
    // to its receive. The producer's executions wait for nothing, and queue_wait_mean_ms is
    // over every execution, so it is Wq × messages / executions (one half).
    // n = 12 × 250,000 messages; relative SE from the replications' spread: Wq ≈ 0.57%,
    // Lq ≈ 0.60%; tolerance 3% (5 SE).
    let (lambda, mu, c): (f64, f64, u32) = (30.0, 10.0, 4);
    let runs = replicate(12, |seed| {
        let horizon_s = (250_000.0 / lambda).ceil();
        let s = load(&format!(
            r#"Scenario(name: "queue-mmc", horizon: "{horizon_s}s", seed: {seed},
              workload: [Source(kind: "job", arrivals: Poisson(per_second: {lambda}))],
              architectures: [Architecture(name: "queue", entry: "producer", components: [
                Function(name: "producer", cold_start: "0ms", keep_alive: "1h", work: [Emit("jobs")]),
                Queue(name: "jobs", consumer: "worker", batch: 1),
                Function(name: "worker", concurrency: {c}, cold_start: "0ms", keep_alive: "1h",
                         work: [Compute(Exponential(mean: "100ms"))])])])"#
        ));
        let a = run_architecture(Arc::clone(&s), 0, 60 * NS_PER_S, &mut ()).unwrap();
        assert!(a.counts.conserved());
        assert_eq!(a.metrics.throttled, 0);
        let messages = a.metrics.usage[1].queue_requests as f64;
        let executions = a.metrics.invocations as f64;
        // Every message is sent, received in a batch of its own and deleted: 3 requests
        // each, give or take those in flight at the horizon.
        let share = (messages / 3.0) / executions;
        assert!(
            (share - 0.5).abs() < 1e-3,
            "{messages} requests, {executions} executions"
        );
        [
            cell(&s, &a, "queue_wait_mean_ms") / 1e3 / share,
            cell(&s, &a, "mean_backlog"),
        ]
    });
    let wq = mmc_wait(c, lambda, mu);
    let column = |i: usize| runs.iter().map(|r| r[i]).collect::<Vec<f64>>();
    assert_close_replicated("queue M/M/4 Wq", &column(0), wq, 0.03);
    assert_close_replicated("queue M/M/4 Lq = λ·Wq", &column(1), lambda * wq, 0.03);
}

#[test]
fn busy_function_instances_are_lambda_times_the_service_time() {
    // The SimFaaS reference model (bench/simfaas-reference.ron: λ = 0.9/s, warm service
    // exponential with mean 1.991 s, a cold start of 253 ms before it, no concurrency limit):
    // instances are an M/M/∞ system, so the mean busy count is λ·E[S] = 1.792 (Little; the
    // cold start is counted apart, in mean_starting_instances: 0.9 × P(cold) 0.0014 × 0.253 s
    // = 0.0003). Read from summary.csv's cells as written, with starting and idle adding up
    // to mean_instances. n = 4 × 10⁵ s (90,000 requests each); relative SE from the
    // replications' spread ≈ 0.1%; tolerance 1% (over 10 SE).
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bench/simfaas-reference.ron"
    ))
    .unwrap();
    let busy = replicate(4, |seed| {
        let text = text
            .replace(r#"horizon: "1000000s""#, r#"horizon: "100000s""#)
            .replace("seed: 1,", &format!("seed: {seed},"));
        let s = load(&text);
        assert_eq!(s.horizon, 100_000 * NS_PER_S);
        let a = run_architecture(Arc::clone(&s), 0, 3600 * NS_PER_S, &mut ()).unwrap();
        let parts: f64 = [
            "mean_busy_instances",
            "mean_starting_instances",
            "mean_idle_instances",
        ]
        .iter()
        .map(|c| cell(&s, &a, c))
        .sum();
        assert!((parts - cell(&s, &a, "mean_instances")).abs() <= 0.0015);
        assert!(cell(&s, &a, "mean_starting_instances") < 0.01);
        cell(&s, &a, "mean_busy_instances")
    });
    assert_close_replicated("mean busy instances = λ·E[S]", &busy, 0.9 * 1.991, 0.01);
}
