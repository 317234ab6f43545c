//! Regression tests for defects found by adversarial use (issue 10), each named for what it
//! guards. They run through `run_scenario`, whose architecture threads have the default
//! 2 MiB stack, as `choreo run` does.

#[path = "support/scenario.rs"]
mod support;

use choreo_sim::run::{ArchReport, RunOptions, run_scenario};
use support::load;

fn run_one(text: &str) -> ArchReport {
    let scenario = load(text);
    let report = run_scenario(&scenario, &RunOptions::default())
        .unwrap_or_else(|e| panic!("run failed: {e}"));
    report
        .architectures
        .into_iter()
        .next()
        .expect("one architecture")
}

// ---- 1. Work drained at one instant runs in a loop, not nested on the stack.

/// A server whose one worker is held for 10 s while 100,000 requests a second queue behind
/// it; the database they all read is down when the worker frees up, so the backlog of a
/// million fails at one instant, each request ending as soon as it starts.
#[test]
fn a_million_backlogged_requests_failing_at_one_instant_do_not_overflow_the_stack() {
    let a = run_one(
        r#"Scenario(name: "drain", horizon: "10500ms",
          workload: [Source(kind: "hit", arrivals: Constant(per_second: 100000.0))],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", instances: 1, workers: 1, handlers: {"hit": [Read("db"), Compute("10s")]}),
            Database(name: "db", latency: "1ms")])],
          faults: [Fault(target: "db", at: "9s", lasts: "5s", kind: Outage)])"#,
    );
    let c = a.counts;
    assert!(c.conserved(), "{c:?}");
    assert!(c.arrived >= 1_049_999, "{c:?}");
    // The first request read before the outage and finished its 10 s of compute.
    assert_eq!(c.completed, 1, "{c:?}");
    assert!(c.failed >= 1_000_000, "the backlog failed: {c:?}");
    assert_eq!(c.in_flight, 0, "nothing is left waiting: {c:?}");
    // Everything that waited failed at 10.001 s, so the slowest failed response took
    // 10.001 s less the first arrival's time.
    let p100 = a.metrics.response.quantile_ms(1.0);
    assert!((p100 - 10_001.0).abs() < 15.0, "slowest response {p100} ms");
}

/// A circuit breaker opens while a million requests wait for the one worker: each of them
/// is short-circuited the moment it starts.
#[test]
fn a_breaker_opening_over_a_backlog_of_a_million_does_not_overflow_the_stack() {
    let a = run_one(
        r#"Scenario(name: "breaker", horizon: "10500ms",
          workload: [Source(kind: "hit", arrivals: Constant(per_second: 100000.0))],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", instances: 1, workers: 1, handlers: {"hit": [Call("x")]},
              calls: {"x": Policy(breaker: Breaker(failures: 1, cooldown: "1m"))}),
            External(name: "x", latency: "10s", error_rate: 1.0)])])"#,
    );
    let c = a.counts;
    assert!(c.conserved(), "{c:?}");
    assert_eq!(c.completed, 0, "{c:?}");
    assert_eq!(c.in_flight, 0, "{c:?}");
    assert_eq!(c.failed, c.arrived, "{c:?}");
    // Only the first request reached x; every other one was short-circuited.
    assert_eq!(a.metrics.short_circuited, c.arrived - 1);
}

/// Messages pile up on a queue while its consumer is down; when it comes back they are all
/// consumed at one instant by work that takes no time (`work` as given).
fn queue_drained_at_once(work: &str) -> ArchReport {
    run_one(&format!(
        r#"Scenario(name: "queue", horizon: "10100ms",
          workload: [Source(kind: "hit", arrivals: Constant(per_second: 100000.0))],
          architectures: [Architecture(name: "s", entry: "front", components: [
            Server(name: "front", handlers: {{"hit": [Emit("q")]}}),
            Queue(name: "q", consumer: "c", batch: 10),
            Function(name: "c", work: {work}),
            Queue(name: "sink")])],
          faults: [Fault(target: "c", at: "0s", lasts: "10s", kind: Outage)])"#
    ))
}

#[test]
fn a_consumer_with_empty_work_drains_a_million_messages_at_once_without_overflow() {
    let a = queue_drained_at_once("[]");
    let c = a.counts;
    assert!(c.conserved(), "{c:?}");
    assert!(c.completed >= 1_000_000, "{c:?}");
    assert_eq!(c.failed, 0, "{c:?}");
    // One billed request per batch: of ten while the backlog lasts.
    let batches = a
        .costs
        .iter()
        .find(|l| l.component == "c" && l.item == "requests")
        .map_or(0, |l| l.quantity as u64);
    assert!(
        batches >= c.completed / 10 && batches < c.completed / 5,
        "{batches} batches"
    );
}

#[test]
fn a_consumer_that_only_emits_drains_a_million_messages_at_once_without_overflow() {
    let a = queue_drained_at_once(r#"[Emit("sink"), Emit("sink")]"#);
    let c = a.counts;
    assert!(c.conserved(), "{c:?}");
    assert!(c.completed >= 1_000_000, "{c:?}");
    assert_eq!(c.failed, 0, "{c:?}");
}
