//! Regression tests for defects found by adversarial use (issue 10), each named for what it
//! guards. They run through `run_scenario`, whose architecture threads have the default
//! 2 MiB stack, as `choreo run` does.

#[path = "support/scenario.rs"]
mod support;

use choreo_sim::engine::SimTime;
use choreo_sim::observe::{Observer, SimEvent};
use choreo_sim::run::{ArchReport, RunOptions, run_scenario, run_scenario_with};
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

/// The times [ns] at which failed responses were sent, and their latencies.
#[derive(Default)]
struct FailedResponses {
    at: Vec<SimTime>,
    latency_ns: Vec<SimTime>,
}

impl Observer for FailedResponses {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        if let SimEvent::ResponseSent {
            ok: false,
            latency_ns,
            ..
        } = *event
        {
            self.at.push(time);
            self.latency_ns.push(latency_ns);
        }
    }
}

/// Runs the first architecture, collecting its failed responses.
fn run_failed(text: &str) -> (ArchReport, FailedResponses) {
    let scenario = load(text);
    let (report, mut observers) = run_scenario_with(&scenario, &RunOptions::default(), |_| {
        FailedResponses::default()
    })
    .unwrap_or_else(|e| panic!("run failed: {e}"));
    let arch = report
        .architectures
        .into_iter()
        .next()
        .expect("one architecture");
    (arch, observers.remove(0))
}

// ---- 1. Work drained at one instant runs in a loop, not nested on the stack.

/// A server whose one worker is held for 10 s while 100,000 requests a second queue behind
/// it; the database they all read is down when the worker frees up, so the backlog of a
/// million fails at one instant, each request ending as soon as it starts.
#[test]
fn a_million_backlogged_requests_failing_at_one_instant_do_not_overflow_the_stack() {
    let (a, failed) = run_failed(
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
    assert_eq!(c.failed, c.arrived - 1, "{c:?}");
    assert_eq!(c.in_flight, 0, "nothing is left waiting: {c:?}");
    // Everything that waited failed the instant the worker freed up, at 10.001 s (and
    // later arrivals as they came).
    let freed = 10_001_000_000 + 10_000; // the first arrival is at 10 µs
    let at_once = failed.at.iter().filter(|&&t| t == freed).count();
    assert!(at_once >= 1_000_000, "{at_once} failed at {freed} ns");
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

// ---- 2. `max_receives` holds even when the visibility timeout is shorter than the work.

/// One message a second to a queue whose consumer takes 5 s and then fails, with a
/// visibility timeout of 1 s: a message becomes visible again while its first copy runs.
fn short_visibility(max_receives: u32, error_rate: f64) -> ArchReport {
    run_one(&format!(
        r#"Scenario(name: "visibility", horizon: "10m",
          workload: [Source(kind: "job", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "s", entry: "front", components: [
            Server(name: "front", handlers: {{"job": [Emit("q")]}}),
            Queue(name: "q", consumer: "c", batch: 1, visibility_timeout: "1s",
                  max_receives: {max_receives}, dead_letter: "dlq"),
            Queue(name: "dlq"),
            Function(name: "c", work: [Compute("5s"), Call("x")]),
            External(name: "x", latency: "1ms", error_rate: {error_rate})])])"#
    ))
}

#[test]
fn max_receives_moves_a_message_to_the_dlq_while_its_copy_still_runs() {
    let a = short_visibility(1, 1.0);
    let (c, m) = (a.counts, &a.metrics);
    assert!(c.conserved(), "{c:?}");
    assert!((599..=600).contains(&c.arrived), "{c:?}");
    // Each message was received once: one execution each, no duplicate, and every one
    // moved to the dead-letter queue when its visibility timeout ran out.
    // (The last arrival, at the horizon, has not been received yet.)
    assert_eq!(m.duplicate_executions, 0);
    assert!(
        m.function_invocations <= c.arrived,
        "{}",
        m.function_invocations
    );
    assert!(m.dead_letter_moves >= c.arrived - 1 && m.dead_letter_moves <= c.arrived);
    // A transaction ends when its copy finishes (5 s after the receive): the last few are
    // still running at the horizon.
    assert!(c.in_flight <= 6, "{c:?}");
    assert_eq!(c.dead_lettered + c.in_flight, c.arrived, "{c:?}");
    // Five copies at a time, so about five instances, not hundreds.
    let usage = a.functions.iter().map(|(_, u)| u.instances()).sum::<f64>();
    assert!(usage < 7.0, "mean instances {usage}");
}

#[test]
fn max_receives_counts_every_receive_of_overlapping_copies() {
    let a = short_visibility(2, 1.0);
    let (c, m) = (a.counts, &a.metrics);
    assert!(c.conserved(), "{c:?}");
    // Received at 0 s and again at 1 s (while the first copy runs: a duplicate), then moved
    // at 2 s: two executions per message, never a third.
    assert!(m.function_invocations <= 2 * c.arrived);
    assert!(m.function_invocations >= 2 * (c.arrived - 2));
    assert!(m.duplicate_executions >= c.arrived - 2);
    assert!(m.duplicate_executions <= c.arrived);
    assert!(m.dead_letter_moves >= c.arrived - 2 && m.dead_letter_moves <= c.arrived);
}

#[test]
fn a_copy_that_succeeds_after_its_message_left_for_the_dlq_changes_nothing() {
    // The consumer succeeds, but only after the visibility timeout: SQS has moved the
    // message to the dead-letter queue by then (the misconfiguration AWS warns about).
    let a = short_visibility(1, 0.0);
    let (c, m) = (a.counts, &a.metrics);
    assert!(c.conserved(), "{c:?}");
    assert!(m.dead_letter_moves >= c.arrived - 1 && m.dead_letter_moves <= c.arrived);
    assert_eq!(c.completed, 0, "{c:?}");
    assert_eq!(c.dead_lettered + c.in_flight, c.arrived, "{c:?}");
}

// ---- 12. A workflow task's back-off doubles without a ceiling, as documented.

#[test]
fn task_backoff_keeps_doubling_past_two_to_the_thirtieth() {
    // 35 retries of 1 ns, 2 ns, 4 ns, ...: the last waits 2^34 ns, and all together
    // 2^35 − 1 ns ≈ 34.36 s. Doubling capped at 2^30 would make it ≈ 7.5 s.
    let (a, failed) = run_failed(
        r#"Scenario(name: "backoff", horizon: "3m",
          workload: [Source(kind: "job", arrivals: Constant(per_second: 0.01))],
          architectures: [Architecture(name: "o", entry: "flow", components: [
            Orchestrator(name: "flow", transition_latency: "0ms", workflow: [
              Task(invoke: "x", retries: 35, backoff: "1ns")]),
            External(name: "x", latency: "0ms", error_rate: 1.0)])])"#,
    );
    assert_eq!(a.counts.arrived, 1);
    assert_eq!(a.counts.failed, 1, "{:?}", a.counts);
    let expected = (1u64 << 35) - 1;
    assert_eq!(failed.latency_ns, vec![expected]);
}
