//! Documented features that had no test failing when the feature is removed (issue 11),
//! each checked against the value the docs define.

#[path = "support/scenario.rs"]
mod support;

use std::sync::Arc;

use choreo_sim::engine::NS_PER_S;
use choreo_sim::run::{ArchReport, run_architecture};
use support::load;

fn run(text: &str, arch: usize) -> ArchReport {
    let s = load(text);
    let r = run_architecture(Arc::clone(&s), arch, NS_PER_S, &mut ()).unwrap();
    assert!(r.counts.conserved(), "{:?}", r.counts);
    r
}

/// Instances of function `comp` busy or starting now (what its concurrency counts).
fn executing(sim: &choreo_sim::model::Simulation, comp: usize) -> u32 {
    match sim.snapshot()[comp] {
        choreo_sim::model::ComponentState::Function { busy, starting, .. } => busy + starting,
        other => panic!("component {comp} is no function: {other:?}"),
    }
}

#[test]
fn a_gateway_adds_its_latency_to_every_response() {
    // 7 ms at the gateway, then 10 ms in a function that never cold-starts: every response
    // takes exactly 17 ms (percentiles are clamped to the exact min and max).
    let r = run(
        r#"Scenario(name: "gw", horizon: "1m",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "a", entry: "api", components: [
            Gateway(name: "api", routes: {"r": "f"}, latency: "7ms"),
            Function(name: "f", cold_start: "0ms", work: [Compute("10ms")])])])"#,
        0,
    );
    assert_eq!(r.counts.completed, r.counts.arrived);
    assert_eq!(r.metrics.response.quantile_ms(0.0), 17.0);
    assert_eq!(r.metrics.response.quantile_ms(1.0), 17.0);
}

#[test]
fn a_provisioned_database_is_billed_by_the_hour_and_not_per_request() {
    // usd_per_hour with Concurrency capacity: 0.25 × 2 h, and no request charges.
    let r = run(
        r#"Scenario(name: "db", horizon: "2h",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 5.0))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", handlers: {"r": [Read("db"), Write("db")]}),
            Database(name: "db", latency: "1ms", capacity: Concurrency(10), usd_per_hour: 0.25)])])"#,
        0,
    );
    let db: Vec<_> = r.costs.iter().filter(|c| c.component == "db").collect();
    let billed: f64 = db.iter().map(|c| c.cost_usd).sum();
    assert!((billed - 0.5).abs() < 1e-9, "{db:?}");
    assert!(
        db.iter().all(|c| c.cost_usd == 0.0 || c.unit == "hours"),
        "{db:?}"
    );
    // The same database on demand bills its 36,000 reads and 36,000 writes instead.
    let r = run(
        r#"Scenario(name: "db", horizon: "2h",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 5.0))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", handlers: {"r": [Read("db"), Write("db")]}),
            Database(name: "db", latency: "1ms")])])"#,
        0,
    );
    let billed: f64 = r
        .costs
        .iter()
        .filter(|c| c.component == "db")
        .map(|c| c.cost_usd)
        .sum();
    let n = r.counts.arrived as f64;
    let expected = n * (0.125 + 0.625) / 1e6;
    assert!(
        (billed - expected).abs() < 1e-12,
        "{billed} against {expected}"
    );
}

#[test]
fn a_fault_with_an_architecture_hits_only_that_architecture() {
    // Both architectures have a component "x"; the outage names architecture "a".
    let text = r#"Scenario(name: "f", horizon: "1m",
      workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
      architectures: [
        Architecture(name: "a", entry: "app", components: [
          Server(name: "app", handlers: {"r": [Call("x")]}), External(name: "x", latency: "1ms")]),
        Architecture(name: "b", entry: "app", components: [
          Server(name: "app", handlers: {"r": [Call("x")]}), External(name: "x", latency: "1ms")])],
      faults: [Fault(target: "x", architecture: "a", at: "10s", lasts: "10s", kind: Outage)])"#;
    let (a, b) = (run(text, 0), run(text, 1));
    // Arrivals every 100 ms from 0.1 s: those at 10.0 s .. 19.9 s fail in "a".
    assert_eq!(a.counts.failed, 100, "{:?}", a.counts);
    assert_eq!(b.counts.failed, 0, "{:?}", b.counts);
}

#[test]
fn lognormal_by_mu_and_sigma_is_read_in_log_seconds() {
    // LogNormal(mu: -1.2, sigma: 0.0) is the constant e^-1.2 s = 301.194 ms: every response
    // takes that long (HDR keeps 3 significant digits; min and max are exact).
    let r = run(
        r#"Scenario(name: "ln", horizon: "1m",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", handlers: {"r": [Compute(LogNormal(mu: -1.2, sigma: 0.0))]})])])"#,
        0,
    );
    let expected = (-1.2f64).exp() * 1e3;
    for q in [0.0, 1.0] {
        let ms = r.metrics.response.quantile_ms(q);
        assert!(
            (ms - expected).abs() < 0.001,
            "q {q}: {ms} ms against {expected}"
        );
    }
}

#[test]
fn diurnal_arrivals_follow_their_cosine() {
    // rate(t) = 20 (1 + 0.5 cos(2π (t − 45 min) / 1 h)) over 4 hours: 288,000 arrivals in all
    // (whole periods), and in the half hour around each peak 20 · 1800 · (1 + 0.5 · 2/π)
    // = 47,459, 189,836 in the four (Poisson SE 436; tolerance 4 SE ≈ 0.9%, where a flat
    // rate would give 144,000).
    let s = load(
        r#"Scenario(name: "d", horizon: "4h", seed: 3,
          workload: [Source(kind: "r", arrivals: Diurnal(mean_per_second: 20.0, amplitude: 0.5, period: "1h", peak_at: "45m"))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", workers: 1000, handlers: {"r": [Compute("1ms")]})])])"#,
    );
    let mut sim = choreo_sim::model::Simulation::new(Arc::clone(&s), 0);
    let mut ev = Vec::new();
    sim.run(&mut ev);
    let times: Vec<u64> = ev
        .iter()
        .filter(|(_, e)| matches!(e, choreo_sim::observe::SimEvent::TransactionArrived { .. }))
        .map(|&(t, _)| t)
        .collect();
    let total = times.len() as f64;
    assert!(
        (total - 288_000.0).abs() < 4.0 * 288_000f64.sqrt(),
        "{total}"
    );
    // Around each peak (at 45 min into every hour): from 30 to 60 minutes of each hour.
    let near_peak = times
        .iter()
        .filter(|&&t| (t / NS_PER_S) % 3600 >= 1800)
        .count() as f64;
    let expected = 4.0 * 20.0 * 1800.0 * (1.0 + 0.5 * 2.0 / std::f64::consts::PI);
    assert!(
        (near_peak - expected).abs() < 4.0 * expected.sqrt(),
        "{near_peak} arrivals near the peaks, {expected} expected"
    );
}

#[test]
fn an_event_out_of_retries_goes_to_its_function_failure_destination() {
    // f fails every time: each event runs three times (now, 1 min and 3 min later), then
    // goes to on_failure "h" as an asynchronous event, which succeeds: nothing fails.
    let r = run(
        r#"Scenario(name: "dest", horizon: "1h",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 0.1))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", handlers: {"r": [Emit("f")]}),
            Function(name: "f", cold_start: "0ms", on_failure: "h", work: [Call("x")]),
            External(name: "x", latency: "1ms", error_rate: 1.0),
            Function(name: "h", cold_start: "0ms", work: [Compute("1ms")])])])"#,
        0,
    );
    let c = r.counts;
    // Arrivals every 10 s; the last ones are still within their 3 minutes of retries.
    assert_eq!(c.failed, 0, "{c:?}");
    assert_eq!(c.dead_lettered, 0, "{c:?}");
    assert!(c.in_flight <= 19, "{c:?}");
    assert_eq!(r.metrics.dead_letter_moves, c.completed);
    // Two platform retries per event (those still retrying have had fewer).
    let retries = r.metrics.retries;
    assert!(
        retries >= 2 * c.completed && retries <= 2 * c.arrived,
        "{retries}"
    );
    let invocations = |name: &str| {
        r.costs
            .iter()
            .find(|l| l.component == name && l.item == "requests")
            .map_or(0, |l| l.quantity as u64)
    };
    // Three invocations of f per completed event, and one of h (plus those still retrying).
    assert!(invocations("f") >= 3 * c.completed && invocations("f") <= 3 * c.arrived);
    assert_eq!(invocations("h"), c.completed);
}

#[test]
fn a_dead_letter_queue_with_a_consumer_processes_its_messages() {
    // Every message fails its one receive on "jobs" and moves to "dlq", whose consumer
    // succeeds: the transactions complete (not dead-lettered).
    let r = run(
        r#"Scenario(name: "dlq", horizon: "10m",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", handlers: {"r": [Emit("jobs")]}),
            Queue(name: "jobs", consumer: "bad", batch: 1, max_receives: 1, dead_letter: "dlq"),
            Queue(name: "dlq", consumer: "good", batch: 1),
            Function(name: "bad", cold_start: "0ms", work: [Call("x")]),
            External(name: "x", latency: "1ms", error_rate: 1.0),
            Function(name: "good", cold_start: "0ms", work: [Compute("1ms")])])])"#,
        0,
    );
    let c = r.counts;
    assert_eq!(c.dead_lettered, 0, "{c:?}");
    assert_eq!(c.failed, 0, "{c:?}");
    assert!(c.in_flight <= 1, "{c:?}");
    assert_eq!(r.metrics.dead_letter_moves, c.completed);
}

#[test]
fn queue_max_concurrency_caps_the_batches_in_flight() {
    // 200 messages at once, 10 s each, batches of one: pollers grow from 5 by one every
    // 200 ms, but never past max_concurrency 8.
    let s = load(
        r#"Scenario(name: "cap", horizon: "2m",
          workload: [Source(kind: "m", arrivals: Profile(points: [("0s", 200.0), ("1s", 0.0)]))],
          architectures: [Architecture(name: "q", entry: "producer", components: [
            Function(name: "producer", cold_start: "0ms", work: [Emit("jobs")]),
            Queue(name: "jobs", consumer: "worker", batch: 1, max_concurrency: 8, visibility_timeout: "10m"),
            Function(name: "worker", cold_start: "0ms", work: [Compute("10s")])])])"#,
    );
    let mut sim = choreo_sim::model::Simulation::new(Arc::clone(&s), 0);
    let mut most = 0;
    for t in 1..120 {
        sim.step_until(t * NS_PER_S, &mut ());
        most = most.max(executing(&sim, 2));
    }
    assert_eq!(most, 8, "at most 8 batches at once, and the cap is reached");
}

#[test]
fn a_slowdown_limited_to_one_handler_slows_only_that_kind() {
    // Slow(factor: 3) on the server's "a" handler from 10 s to 20 s: "a" computes 30 ms
    // instead of 10 ms meanwhile, "b" is untouched.
    let text = |kind: &str| {
        format!(
            r#"Scenario(name: "slow", horizon: "30s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 10.0)),
                     Source(kind: "b", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", workers: 100, handlers: {{"a": [Compute("10ms")], "b": [Compute("10ms")]}})])],
          faults: [Fault(target: "app", handler: "a", at: "10s", lasts: "10s", kind: {kind})])"#
        )
    };
    let s = load(&text("Slow(factor: 3.0)"));
    let mut sim = choreo_sim::model::Simulation::new(Arc::clone(&s), 0);
    let mut ev = Vec::new();
    sim.run(&mut ev);
    let (mut slow_a, mut slow_b) = (0, 0);
    for (t, e) in &ev {
        if let choreo_sim::observe::SimEvent::ResponseSent {
            kind, latency_ns, ..
        } = *e
        {
            let during = (10 * NS_PER_S..20 * NS_PER_S).contains(&(t - latency_ns));
            let ms = latency_ns / 1_000_000;
            match (kind, during) {
                (0, true) => {
                    assert_eq!(ms, 30, "a during the fault");
                    slow_a += 1;
                }
                (1, true) => {
                    assert_eq!(ms, 10, "b during the fault");
                    slow_b += 1;
                }
                _ => assert_eq!(ms, 10, "outside the fault"),
            }
        }
    }
    assert_eq!((slow_a, slow_b), (100, 100));
}

/// The fraction of transactions that fail when `target` has `Errors(rate: 0.25)` for the
/// whole run of 40,000 arrivals (binomial SE 0.0022; tolerance 0.0075 = 3% of 0.25, 3.5 SE).
fn fraction_failed_with_errors_on(target: &str) -> f64 {
    let r = run(
        &format!(
            r#"Scenario(name: "errors", horizon: "400s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 100.0))],
          architectures: [Architecture(name: "a", entry: "api", components: [
            Gateway(name: "api", routes: {{"r": "f"}}),
            Function(name: "f", cold_start: "0ms", work: [Emit("t"), Emit("q")]),
            Topic(name: "t", subscribers: ["sink"]),
            Queue(name: "q", consumer: "g"),
            Function(name: "g", cold_start: "0ms", work: [Compute("1ms")]),
            Queue(name: "sink")])],
          faults: [Fault(target: "{target}", at: "0s", lasts: "1h", kind: Errors(rate: 0.25))])"#
        ),
        0,
    );
    let c = r.counts;
    c.failed as f64 / (c.completed + c.failed) as f64
}

#[test]
fn errors_on_a_gateway_a_topic_or_a_queue_fail_that_fraction_of_transactions() {
    for target in ["api", "t", "q"] {
        let f = fraction_failed_with_errors_on(target);
        assert!(
            (f - 0.25).abs() < 0.0075,
            "Errors(0.25) on {target}: {f} failed"
        );
    }
}

#[test]
fn a_capacity_cut_on_a_function_lowers_its_concurrency_and_overlapping_cuts_multiply() {
    // Reserved concurrency 20, 100 requests/s of 1 s each: 20 busy. CapacityCut 0.5 from
    // 10 s to 30 s and another of 0.5 from 20 s to 40 s: 10 busy, 5 while both hold, 10,
    // then 20 again.
    let s = load(
        r#"Scenario(name: "cut", horizon: "50s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 100.0))],
          architectures: [Architecture(name: "a", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", concurrency: 20, work: [Compute("1s")])])],
          faults: [Fault(target: "f", at: "10s", lasts: "20s", kind: CapacityCut(factor: 0.5)),
                   Fault(target: "f", at: "20s", lasts: "20s", kind: CapacityCut(factor: 0.5))])"#,
    );
    let mut sim = choreo_sim::model::Simulation::new(Arc::clone(&s), 0);
    let busy_at = |sim: &mut choreo_sim::model::Simulation, t: u64| {
        sim.step_until(t * NS_PER_S + NS_PER_S / 2, &mut ());
        executing(sim, 0)
    };
    let busy: Vec<u32> = [5, 15, 25, 35, 45]
        .iter()
        .map(|&t| busy_at(&mut sim, t))
        .collect();
    assert_eq!(busy, vec![20, 10, 5, 10, 20]);
    assert!(sim.counts().conserved());
}

#[test]
fn mean_in_flight_counts_transactions_still_running_at_the_horizon() {
    // Three transactions arrive at 0 s, 1 s and 2 s and run 2 h, past the 1 h horizon:
    // Little's L over [0, 3600 s] is (3600 + 3599 + 3598) / 3600 = 2.999167 exactly, all of
    // it in the stretch after the last arrival (a mutant `*` → `+` there gives ≈ 1.0).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("three.csv");
    std::fs::write(&file, "t\n0\n1\n2\n").unwrap();
    let s = load(&format!(
        r#"Scenario(name: "l", horizon: "1h",
          workload: [Source(kind: "r", arrivals: Trace(file: {:?}))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", workers: 4, handlers: {{"r": [Compute("2h")]}})])])"#,
        file.to_str().unwrap()
    ));
    let r = run_architecture(Arc::clone(&s), 0, NS_PER_S, &mut ()).unwrap();
    assert_eq!(r.counts.in_flight, 3);
    let l = r.metrics.mean_in_flight(s.horizon);
    assert!(
        (l - (3600.0 + 3599.0 + 3598.0) / 3600.0).abs() < 1e-12,
        "{l}"
    );
}
