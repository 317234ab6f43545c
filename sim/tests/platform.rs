//! Platform fidelity against theory and published results: Erlang B for a function at its
//! concurrency limit, and SimFaaS's steady state for a function with a 10-minute keep-alive.

use std::sync::Arc;

use choreo_sim::engine::NS_PER_S;
use choreo_sim::run::run_architecture;
use choreo_sim::scenario::{self, Scenario};

fn load(text: &str) -> Arc<Scenario> {
    match scenario::load("test.ron", text) {
        Ok(l) => Arc::new(l.scenario),
        Err(e) => panic!("{:#?}", e.diagnostics),
    }
}

/// Erlang B: blocking probability of c servers with offered load a, by its stable recursion.
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

fn assert_close(what: &str, measured: f64, theory: f64, tolerance: f64) {
    let err = (measured / theory - 1.0).abs();
    eprintln!("{what}: measured {measured:.6}, reference {theory:.6}, relative error {err:.4}");
    assert!(
        err < tolerance,
        "{what}: measured {measured}, reference {theory}, error {err:.4} > {tolerance}"
    );
}

#[test]
fn erlang_b_matches_its_published_value() {
    // B(10, 8) = 0.12166 (standard Erlang B tables).
    assert!((erlang_b(10, 8.0) - 0.121_661).abs() < 1e-5);
}

/// Synchronous calls to a function at its concurrency limit are refused at once: an Erlang
/// loss system (M/M/c/c).
fn throttled_fraction(c: u32, lambda: f64, mean_ms: f64) -> f64 {
    let horizon = (600_000.0 / lambda).ceil();
    let s = load(&format!(
        r#"Scenario(name: "loss", horizon: "{horizon}s", seed: 21,
          workload: [Source(kind: "r", arrivals: Poisson(per_second: {lambda}))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", concurrency: {c}, cold_start: "0ms", keep_alive: "1h",
                     work: [Compute(Exponential(mean: "{mean_ms}ms"))])])])"#
    ));
    let report = run_architecture(s, 0, 60 * NS_PER_S, &mut ()).unwrap();
    assert!(report.counts.conserved());
    report.metrics.throttled as f64 / report.counts.arrived as f64
}

#[test]
fn throttled_fraction_at_the_concurrency_limit_matches_erlang_b() {
    // c = 10, a = λ/μ = 8: B = 0.1217.
    assert_close(
        "B(10, 8)",
        throttled_fraction(10, 80.0, 100.0),
        erlang_b(10, 8.0),
        0.05,
    );
    // c = 4, a = 2: B = 0.0952.
    assert_close(
        "B(4, 2)",
        throttled_fraction(4, 20.0, 100.0),
        erlang_b(4, 2.0),
        0.05,
    );
}

#[test]
fn simfaas_steady_state_with_a_ten_minute_keep_alive() {
    // Mahmoudi & Khazaei, "SimFaaS" (2021), the example of its paper: λ = 0.9/s, warm
    // service exponential with mean 1.991 s, cold 2.244 s (here 0.253 s of start-up before
    // the warm work), instances expire 600 s after their last request ends, the newest idle
    // instance serves first. Published: P(cold) ≈ 0.0014, mean instances ≈ 7.7, of which
    // 1.79 running.
    let s = load(
        r#"Scenario(name: "simfaas", horizon: "1000000s", seed: 5,
          workload: [Source(kind: "r", arrivals: Poisson(per_second: 0.9))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", keep_alive: "600s", cold_start: Exponential(mean: "253ms"),
                     work: [Compute(Exponential(mean: "1991ms"))])])])"#,
    );
    let report = run_architecture(s, 0, 3600 * NS_PER_S, &mut ()).unwrap();
    let u = report.functions[0].1;
    assert_close("P(cold)", report.metrics.cold_start_ratio(), 0.0014, 0.15);
    assert_close("mean instances", u.instances(), 7.7, 0.05);
    // Running: Little's law λ·E[S] = 0.9 × 1.991 (cold starts add 0.0014 × 0.253 s).
    assert_close("mean running", u.busy + u.starting, 0.9 * 1.991, 0.03);
}

#[test]
fn hybrid_histogram_policy_beats_a_fixed_window_on_a_periodic_workload() {
    // A request every 15 minutes for two days: a fixed 10-minute keep-alive always expires
    // first (every request is cold) and holds idle memory 10 minutes each time. The hybrid
    // policy learns the 15-minute idle time, unloads, and pre-warms just before each request.
    let s = load(
        r#"Scenario(name: "periodic", horizon: "2d", seed: 2,
          workload: [Source(kind: "cron", arrivals: Constant(per_second: 0.00111111111111))],
          architectures: [
            Architecture(name: "fixed", entry: "job", components: [
              Function(name: "job", memory_mb: 1024, keep_alive: "10m", cold_start: "250ms", work: [Compute("100ms")])]),
            Architecture(name: "hybrid", entry: "job", components: [
              Function(name: "job", memory_mb: 1024, keep_alive: Hybrid, cold_start: "250ms", work: [Compute("100ms")])]),
          ])"#,
    );
    let fixed = run_architecture(Arc::clone(&s), 0, 3600 * NS_PER_S, &mut ()).unwrap();
    let hybrid = run_architecture(Arc::clone(&s), 1, 3600 * NS_PER_S, &mut ()).unwrap();
    let n = fixed.metrics.function_invocations;
    assert_eq!(n, 191);
    assert_eq!(
        fixed.metrics.cold_starts, n,
        "a 10-minute window never survives a 15-minute gap"
    );
    assert!(
        hybrid.metrics.cold_starts <= 2,
        "{} cold starts",
        hybrid.metrics.cold_starts
    );
    let (w_fixed, w_hybrid) = (fixed.wasted_gb_s(&s), hybrid.wasted_gb_s(&s));
    // Fixed: 191 windows of 600 s at 1 GB.
    assert!((w_fixed / (191.0 * 600.0) - 1.0).abs() < 0.01, "{w_fixed}");
    assert!(
        w_hybrid < w_fixed,
        "hybrid idle memory {w_hybrid} GB-s, fixed {w_fixed} GB-s"
    );
}

#[test]
fn scale_to_zero_makes_every_request_after_an_idle_gap_cold() {
    let s = load(
        r#"Scenario(name: "z", horizon: "1h", seed: 2,
          workload: [Source(kind: "r", arrivals: Constant(per_second: 0.1))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", keep_alive: ScaleToZero, cold_start: "100ms", work: [Compute("10ms")])])])"#,
    );
    let report = run_architecture(s, 0, 60 * NS_PER_S, &mut ()).unwrap();
    assert_eq!(
        report.metrics.cold_starts,
        report.metrics.function_invocations
    );
    assert_eq!(report.mean_idle_instances(), 0.0);
}
