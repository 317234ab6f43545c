//! Regression tests for defects found by adversarial use (issue 10), each named for what it
//! guards. They run through `run_scenario`, whose architecture threads have the default
//! 2 MiB stack, as `choreo run` does.

#[path = "support/scenario.rs"]
mod support;

use std::time::Instant;

use choreo_sim::model::{Limit, MAX_OUTSTANDING_PER_TXN, Simulation};
use choreo_sim::run::{ArchReport, RunError, RunOptions, run_scenario};
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

// ---- 7. Asynchronous loops stop the run with an error instead of growing without bound.

/// One architecture `a` entered at `f`, 30 arrivals a second of kind `hit`, for 1 s.
fn looping(components: &str) -> String {
    format!(
        r#"Scenario(name: "loop", horizon: "1s",
          workload: [Source(kind: "hit", arrivals: Poisson(per_second: 30.0))],
          architectures: [Architecture(name: "a", entry: "f", components: [{components}])])"#
    )
}

/// Runs `text` expecting the run to stop on a runaway transaction; returns the error's
/// component, limit and message. It must stop in well under a second: before the fix these
/// scenarios took gigabytes within 20 s.
fn runaway(text: &str) -> (String, Limit, String) {
    let scenario = load(text);
    let started = Instant::now();
    let e = match run_scenario(&scenario, &RunOptions::default()) {
        Ok(r) => panic!("expected a runaway, got {:?}", r.architectures[0].counts),
        Err(e) => e,
    };
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    let message = e.to_string();
    match e {
        RunError::Runaway {
            architecture,
            kind,
            component,
            limit,
            ..
        } => {
            assert_eq!((architecture.as_str(), kind.as_str()), ("a", "hit"));
            (component, limit, message)
        }
        other => panic!("expected a runaway, got {other}"),
    }
}

#[test]
fn a_function_emitting_itself_twice_stops_the_run_at_the_outstanding_work_limit() {
    let (component, limit, message) = runaway(&looping(
        r#"Function(name: "f", work: [Emit("f"), Emit("f")])"#,
    ));
    assert_eq!((component.as_str(), limit), ("f", Limit::Outstanding));
    for part in [
        r#""a" stopped at"#,
        r#"a transaction of kind "hit" has more than 10000 pieces of work outstanding at once (the last started at "f")"#,
        "asynchronous cycle that grows",
    ] {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

#[test]
fn a_topic_whose_subscribers_publish_back_to_it_stops_the_run() {
    let (component, limit, _) = runaway(&looping(
        r#"Function(name: "f", work: [Emit("t")]),
           Topic(name: "t", subscribers: ["s1", "s2"]),
           Function(name: "s1", work: [Emit("t")]),
           Function(name: "s2", work: [Compute("1ms"), Emit("t")])"#,
    ));
    assert!(
        ["t", "s1", "s2"].contains(&component.as_str()),
        "{component}"
    );
    assert_eq!(limit, Limit::Outstanding);
}

#[test]
fn a_queue_consumer_sending_twice_to_its_own_queue_stops_the_run() {
    let (component, limit, _) = runaway(&looping(
        r#"Function(name: "f", work: [Emit("q")]),
           Queue(name: "q", consumer: "c"),
           Function(name: "c", work: [Emit("q"), Emit("q")])"#,
    ));
    assert!(["q", "c"].contains(&component.as_str()), "{component}");
    assert_eq!(limit, Limit::Outstanding);
}

#[test]
fn a_function_emitting_itself_once_stops_the_run_instead_of_looping_at_one_instant() {
    // Each pass hands the next to an idle instance at the same instant: before the fix time
    // never advanced and the events of one instant filled the memory.
    let (component, limit, message) =
        runaway(&looping(r#"Function(name: "f", work: [Emit("f")])"#));
    assert_eq!((component.as_str(), limit), ("f", Limit::Caused));
    assert!(
        message.contains("started more than 100000 pieces of work"),
        "{message}"
    );
}

#[test]
fn a_stopped_simulation_runs_nothing_more_and_keeps_its_counts_conserved() {
    let scenario = load(&looping(
        r#"Function(name: "f", work: [Emit("f"), Emit("f")])"#,
    ));
    let mut sim = Simulation::new(scenario, 0);
    sim.run(&mut ());
    let r = *sim.runaway().expect("the run ran away");
    assert_eq!(r.limit, Limit::Outstanding);
    assert_eq!(r.limit.value(), MAX_OUTSTANDING_PER_TXN);
    assert!(r.at < sim.horizon() && sim.now() == r.at, "{r:?}");
    let (steps, counts) = (sim.steps(), sim.counts());
    assert!(counts.conserved(), "{counts:?}");
    assert!(!sim.step(&mut ()));
    sim.step_until(sim.horizon(), &mut ());
    assert_eq!(
        (sim.steps(), sim.counts(), sim.now()),
        (steps, counts, r.at)
    );
}

#[test]
fn a_long_finite_fan_out_stays_far_below_the_work_limits() {
    // Every arrival publishes to 50 subscribers, each sending 20 messages to a queue: some
    // 1,000 pieces of work outstanding and 2,000 started per transaction (events, messages,
    // received copies), none of it in a cycle.
    let subscribers: Vec<String> = (0..50).map(|i| format!("\"s{i}\"")).collect();
    let functions: String = (0..50)
        .map(|i| {
            format!(
                r#"Function(name: "s{i}", work: [{}]),"#,
                ["Emit(\"q\")"; 20].join(", ")
            )
        })
        .collect();
    let a = run_one(&format!(
        r#"Scenario(name: "tree", horizon: "20s",
          workload: [Source(kind: "hit", arrivals: Poisson(per_second: 10.0))],
          architectures: [Architecture(name: "a", entry: "f", components: [
            Function(name: "f", work: [Emit("t")]),
            Topic(name: "t", subscribers: [{}]),
            {functions}
            Queue(name: "q", consumer: "c"),
            Function(name: "c", work: [Compute("1ms")])])])"#,
        subscribers.join(", ")
    ));
    let c = a.counts;
    assert!(c.conserved() && c.failed == 0, "{c:?}");
    assert!(c.completed > c.arrived * 9 / 10, "{c:?}");
}

// ---- 8. Calls that cross only in handlers of different kinds are no cycle.

#[test]
fn servers_calling_each_other_in_handlers_of_different_kinds_run_to_completion() {
    let a = run_one(
        r#"Scenario(name: "shop", horizon: "20s",
          workload: [
            Source(kind: "order", arrivals: Poisson(per_second: 20.0)),
            Source(kind: "stock", arrivals: Poisson(per_second: 20.0))],
          architectures: [Architecture(name: "shop", entry: "api", components: [
            Gateway(name: "api", routes: {"order": "orders", "stock": "inventory"}),
            Server(name: "orders", handlers: {"order": [Call("inventory")], "stock": [Compute("1ms")]}),
            Server(name: "inventory", handlers: {"stock": [Call("orders")], "order": [Compute("1ms")]})])])"#,
    );
    let c = a.counts;
    assert!(c.conserved(), "{c:?}");
    assert!(c.arrived > 600 && c.failed == 0, "{c:?}");
    assert!(c.completed + c.in_flight == c.arrived, "{c:?}");
}
