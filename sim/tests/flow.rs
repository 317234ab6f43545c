//! Documented features of the flow of messages, events and workflows that had no test failing
//! when the feature is removed: message-size limits of queues and topics, a timed redrive,
//! failure destinations that are topics or workflows, retries of throttled events, nested and
//! asynchronously started workflows, the hybrid keep-alive policy's parameters and database
//! connection limits. Each value is derived in its comment from docs/scenarios.md.

#[path = "support/scenario.rs"]
mod support;

use std::sync::Arc;

use choreo_sim::engine::{NS_PER_MS, NS_PER_S, SimTime};
use choreo_sim::model::Simulation;
use choreo_sim::observe::{Outcome, SimEvent};
use choreo_sim::run::{ArchReport, run_architecture};
use choreo_sim::scenario::Scenario;
use support::load;

/// Runs architecture `arch` to the horizon, keeping every event.
fn run_with_events(s: &Arc<Scenario>, arch: usize) -> (ArchReport, Vec<(SimTime, SimEvent)>) {
    let mut ev = Vec::new();
    let r = run_architecture(Arc::clone(s), arch, NS_PER_S, &mut ev).unwrap();
    assert!(r.counts.conserved(), "{:?}", r.counts);
    (r, ev)
}

/// The index of component `name` in architecture `arch`.
fn comp(s: &Scenario, arch: usize, name: &str) -> usize {
    s.architectures[arch]
        .components
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("no component {name:?}"))
}

/// The quantity of cost line `item` of component `name` (0 when there is none).
fn billed(r: &ArchReport, name: &str, item: &str) -> f64 {
    r.costs
        .iter()
        .find(|c| c.component == name && c.item == item)
        .map_or(0.0, |c| c.quantity)
}

/// `Rejected` events at component `at`.
fn rejected_at(ev: &[(SimTime, SimEvent)], at: usize) -> usize {
    ev.iter()
        .filter(|(_, e)| matches!(e, SimEvent::Rejected { comp, .. } if *comp == at))
        .count()
}

#[test]
fn a_queue_refuses_a_message_over_its_max_message_kb_and_takes_one_at_the_limit() {
    // One "fits" (2 KB) and one "over" (2.5 KB) request a second for 100 s: 99 of each. The
    // queue takes at most 2 KB: every 2 KB message is accepted (2 ≤ 2) and processed; every
    // 2.5 KB Send fails its step at once (Rejected), so the handler's Write after it never
    // runs and the response fails. With the default 256 KB both would pass.
    let s = load(
        r#"Scenario(name: "qkb", horizon: "100s",
          workload: [Source(kind: "fits", arrivals: Constant(per_second: 1.0)),
                     Source(kind: "over", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", workers: 10, handlers: {
                "fits": [Send(to: "q", kb: 2.0), Write("db")],
                "over": [Send(to: "q", kb: 2.5), Write("db")]}),
            Queue(name: "q", consumer: "g", max_message_kb: 2.0),
            Function(name: "g", cold_start: "0ms", work: [Compute("1ms")]),
            Database(name: "db", latency: "1ms")])])"#,
    );
    let (r, ev) = run_with_events(&s, 0);
    let c = r.counts;
    assert_eq!(c.arrived, 198);
    assert_eq!((c.completed, c.failed, c.in_flight), (99, 99, 0), "{c:?}");
    assert_eq!(r.metrics.rejected, 99);
    assert_eq!(rejected_at(&ev, comp(&s, 0, "q")), 99);
    assert_eq!(
        r.metrics.failed_responses, 99,
        "the Send step fails the handler"
    );
    assert_eq!(
        billed(&r, "db", "write requests"),
        99.0,
        "no Write after a refused Send"
    );
    // One message a second reaches the consumer: 99 invocations; the queue bills a send, a
    // receive and a delete for each accepted message (1 chunk each) and nothing for refused ones.
    assert_eq!(billed(&r, "g", "requests"), 99.0);
    assert_eq!(billed(&r, "q", "requests"), 3.0 * 99.0);
}

#[test]
fn a_topic_refuses_a_publish_over_its_limit_and_a_subscribed_queue_loses_an_oversize_delivery() {
    // Three kinds, 99 requests each, Send 2, 4 and 4.5 KB to a topic of max 4 KB whose
    // subscribers are a function (any size) and a queue of max 2 KB:
    // - "small" (2 KB): published, delivered to both: completed;
    // - "mid" (4 KB, at the topic's limit): published; the function runs it, the queue
    //   refuses the 4 KB copy, which is lost: the transaction fails, but the Send step
    //   succeeded, so the Write runs and the response is a success;
    // - "big" (4.5 KB): the topic refuses it, the Send step fails: no publish, no delivery,
    //   no Write, a failed response.
    let s = load(
        r#"Scenario(name: "tkb", horizon: "100s",
          workload: [Source(kind: "small", arrivals: Constant(per_second: 1.0)),
                     Source(kind: "mid", arrivals: Constant(per_second: 1.0)),
                     Source(kind: "big", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", workers: 10, handlers: {
                "small": [Send(to: "t", kb: 2.0), Write("db")],
                "mid": [Send(to: "t", kb: 4.0), Write("db")],
                "big": [Send(to: "t", kb: 4.5), Write("db")]}),
            Topic(name: "t", subscribers: ["f", "q"], max_message_kb: 4.0),
            Function(name: "f", cold_start: "0ms", work: [Compute("1ms")]),
            Queue(name: "q", consumer: "g", max_message_kb: 2.0),
            Function(name: "g", cold_start: "0ms", work: [Compute("1ms")]),
            Database(name: "db", latency: "1ms")])])"#,
    );
    let (r, ev) = run_with_events(&s, 0);
    let c = r.counts;
    assert_eq!(c.arrived, 297);
    assert_eq!((c.completed, c.failed, c.in_flight), (99, 198, 0), "{c:?}");
    assert_eq!(rejected_at(&ev, comp(&s, 0, "t")), 99, "big, at the topic");
    assert_eq!(rejected_at(&ev, comp(&s, 0, "q")), 99, "mid, at the queue");
    assert_eq!(r.metrics.rejected, 198);
    assert_eq!(r.metrics.failed_responses, 99, "only big fails its step");
    assert_eq!(billed(&r, "db", "write requests"), 2.0 * 99.0);
    assert_eq!(billed(&r, "t", "publishes"), 2.0 * 99.0, "small and mid");
    assert_eq!(billed(&r, "f", "requests"), 2.0 * 99.0, "small and mid");
    assert_eq!(billed(&r, "g", "requests"), 99.0, "small only");
}

#[test]
fn an_at_redrive_sends_the_parked_messages_back_at_its_time_and_later_ones_stay_parked() {
    // One message a second (1 s … 59 s), one receive each (max_receives: 1). The consumer's
    // dependency is down from 0 to 20 s and from 40 to 45 s (a fault's start and end are
    // scheduled before the arrivals of the same instant): the messages of 1 … 19 s and of
    // 40 … 44 s fail at once and are parked in the dead-letter queue. At 30 s its redrive
    // sends the 19 then parked back to "jobs", in two batches (10 and 9, within the 5 first
    // pollers) whose messages run one after another for 1 ms each: they are done at
    // 30 s + 1 … 10 ms and 30 s + 1 … 9 ms. The 5 parked at 40 … 44 s come after the one
    // redrive and stay parked: in flight at the horizon.
    let s = load(
        r#"Scenario(name: "at", horizon: "60s",
          workload: [Source(kind: "m", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "q", entry: "producer", components: [
            Function(name: "producer", cold_start: "0ms", work: [Emit("jobs")]),
            Queue(name: "jobs", consumer: "worker", batch: 10, max_receives: 1, dead_letter: "dlq"),
            Queue(name: "dlq", redrive: At(to: "jobs", at: "30s")),
            Function(name: "worker", cold_start: "0ms", work: [Call("x")]),
            External(name: "x", latency: "1ms")])],
          faults: [Fault(target: "x", at: "0s", lasts: "20s", kind: Outage),
                   Fault(target: "x", at: "40s", lasts: "5s", kind: Outage)])"#,
    );
    let mut sim = Simulation::new(Arc::clone(&s), 0);
    let mut ev = Vec::new();
    sim.run(&mut ev);
    let c = sim.counts();
    assert!(c.conserved(), "{c:?}");
    assert_eq!(c.arrived, 59);
    assert_eq!(
        (c.completed, c.failed, c.dead_lettered, c.in_flight),
        (54, 0, 0, 5),
        "{c:?}"
    );
    assert_eq!(sim.parked_for_redrive(), 5);
    let moved = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::DeadLettered { .. }))
        .count();
    assert_eq!(moved, 19 + 5);
    let redriven: Vec<SimTime> = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Redriven { .. }))
        .map(|&(t, _)| t)
        .collect();
    assert_eq!(redriven, vec![30 * NS_PER_S; 19], "all at once, at 30 s");
    // Each redriven transaction is done when its message has run after the redrive.
    let mut done_after_redrive: Vec<SimTime> = ev
        .iter()
        .filter_map(|&(t, e)| match e {
            SimEvent::TransactionDone { latency_ns, .. } if t - latency_ns < 20 * NS_PER_S => {
                Some(t - 30 * NS_PER_S)
            }
            _ => None,
        })
        .collect();
    done_after_redrive.sort_unstable();
    let mut expected: Vec<SimTime> = (1..=10).chain(1..=9).map(|k| k * NS_PER_MS).collect();
    expected.sort_unstable();
    assert_eq!(done_after_redrive, expected);
    let deleted_redriven = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::MessageDeleted { redriven: true, .. }))
        .count();
    assert_eq!(deleted_redriven, 19);
}

/// An asynchronous event for "f" (which always fails) every 100 s for an hour: 35 events at
/// 100 … 3,500 s. Each runs at t, is retried 1 min after its failure (t + 60.001 s) and 2 min
/// after the next (t + 180.002 s), fails a third time at t + 180.003 s and then goes to
/// `on_failure` "dest" as a 1 KB asynchronous event; the event of 3,500 s is still waiting for
/// its second retry (due at 3,680 s) at the horizon. `dest_components` declares "dest".
fn failing_events_to(dest_components: &str) -> Arc<Scenario> {
    load(&format!(
        r#"Scenario(name: "dest", horizon: "1h",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 0.01))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Function(name: "app", cold_start: "0ms", work: [Emit("f")]),
            Function(name: "f", cold_start: "0ms", on_failure: "dest", work: [Call("x")]),
            External(name: "x", latency: "1ms", error_rate: 1.0),
            Function(name: "h", cold_start: "0ms", work: [Compute("1ms")]),
            {dest_components}])])"#
    ))
}

/// Checks the counts common to both destinations, and that every done transaction took
/// `done_ms` from its arrival.
fn assert_events_reached_their_destination(
    r: &ArchReport,
    ev: &[(SimTime, SimEvent)],
    done_ms: u64,
) {
    let c = r.counts;
    assert_eq!(c.arrived, 35);
    assert_eq!(
        (c.completed, c.failed, c.dead_lettered, c.in_flight),
        (34, 0, 0, 1),
        "{c:?}"
    );
    assert_eq!(r.metrics.dead_letter_moves, 34);
    assert_eq!(r.metrics.retries, 2 * 35, "two platform retries each");
    assert_eq!(billed(r, "f", "requests"), (3 * 34 + 2) as f64);
    let done: Vec<SimTime> = ev
        .iter()
        .filter_map(|(_, e)| match e {
            SimEvent::TransactionDone {
                outcome: Outcome::Completed,
                latency_ns,
                ..
            } => Some(*latency_ns),
            _ => None,
        })
        .collect();
    assert_eq!(done, vec![done_ms * NS_PER_MS; 34]);
}

#[test]
fn an_event_out_of_retries_goes_to_a_topic_failure_destination_that_fans_it_out() {
    // The topic publishes each of the 34 failed events once (a publish by on_failure is
    // billed) and delivers it to "h" and to queue "q", whose consumer "k" processes it: done at
    // t + 180.003 s + 1 ms (h and k both compute 1 ms).
    let s = failing_events_to(
        r#"Topic(name: "dest", subscribers: ["h", "q"]),
            Queue(name: "q", consumer: "k"),
            Function(name: "k", cold_start: "0ms", work: [Compute("1ms")])"#,
    );
    let (r, ev) = run_with_events(&s, 0);
    assert_events_reached_their_destination(&r, &ev, 180_004);
    assert_eq!(billed(&r, "dest", "publishes"), 34.0);
    assert_eq!(billed(&r, "h", "requests"), 34.0);
    assert_eq!(billed(&r, "k", "requests"), 34.0);
}

#[test]
fn an_event_out_of_retries_starts_a_workflow_failure_destination() {
    // The workflow starts once per failed event: one transition (10 ms) into its task, which
    // calls "h" (1 ms): done at t + 180.003 s + 11 ms; 34 transitions billed.
    let s = failing_events_to(
        r#"Orchestrator(name: "dest", transition_latency: "10ms", workflow: [Task(invoke: "h")])"#,
    );
    let (r, ev) = run_with_events(&s, 0);
    assert_events_reached_their_destination(&r, &ev, 180_014);
    assert_eq!(billed(&r, "dest", "state transitions"), 34.0);
    assert_eq!(billed(&r, "h", "requests"), 34.0);
}

#[test]
fn a_throttled_event_is_retried_after_one_two_and_four_seconds_and_then_runs() {
    // One arrival at 100 s emits two events to "g" (reserved concurrency 1, 4 s of work). The
    // first runs from 100 to 104 s; the second is throttled at 100 s, retried after 1 s
    // (101 s: throttled), then after 2 s (103 s: throttled), then after 4 s: at 107 s g is
    // free and it runs until 111 s. Three throttles, no failure, done 11 s after arrival.
    // (Without the doubling it would run at 104 s; without retries the transaction fails.)
    let s = load(
        r#"Scenario(name: "thr", horizon: "150s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 0.01))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Function(name: "app", cold_start: "0ms", work: [Emit("g"), Emit("g")]),
            Function(name: "g", cold_start: "0ms", concurrency: 1, work: [Compute("4s")])])])"#,
    );
    let (r, ev) = run_with_events(&s, 0);
    assert_eq!(
        (r.counts.arrived, r.counts.completed),
        (1, 1),
        "{:?}",
        r.counts
    );
    let throttled: Vec<SimTime> = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Throttled { .. }))
        .map(|&(t, _)| t / NS_PER_S)
        .collect();
    assert_eq!(throttled, vec![100, 101, 103]);
    assert_eq!(r.metrics.throttled, 3);
    assert_eq!(r.metrics.retries, 0, "throttles are not failure retries");
    assert_eq!(
        billed(&r, "g", "requests"),
        2.0,
        "throttled attempts are not invocations"
    );
    assert_eq!(r.metrics.done.quantile_ms(1.0), 11_000.0);
}

/// One arrival at 32,768 s (2^15 s) emits two events to "g" (reserved concurrency 1, 6 h of
/// work, a timeout of 7 h): the first holds g until 32,768 + 21,600 s; the second is throttled
/// for as long as it is retried. With `destination`, g's `on_failure` is a function "h".
fn throttled_for_six_hours(destination: bool) -> Arc<Scenario> {
    let (on_failure, h) = if destination {
        (
            r#"on_failure: "h","#,
            r#", Function(name: "h", cold_start: "0ms", work: [Compute("1ms")])"#,
        )
    } else {
        ("", "")
    };
    load(&format!(
        r#"Scenario(name: "age", horizon: "16h",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 0.000030517578125))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Function(name: "app", cold_start: "0ms", work: [Emit("g"), Emit("g")]),
            Function(name: "g", cold_start: "0ms", concurrency: 1, timeout: "7h", {on_failure}
                     work: [Compute("6h")]){h}])])"#
    ))
}

/// The second event's throttles: at ages 0, 1, 3, 7, …, 255, 511 s (back-offs 1, 2, 4, …,
/// 256 s: 10 throttles), then every 300 s (the cap) at 811, …, 511 + 300 k s. At age
/// 21,511 s (k = 70) the next retry would come at 21,811 s, past 6 h (21,600 s): the platform
/// gives up then. 10 + 70 = 80 throttles.
fn assert_throttled_until_six_hours_old(ev: &[(SimTime, SimEvent)]) -> SimTime {
    const A: SimTime = 32_768 * NS_PER_S;
    let ages: Vec<SimTime> = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Throttled { .. }))
        .map(|&(t, _)| (t - A) / NS_PER_S)
        .collect();
    let mut expected: Vec<SimTime> = (0..10).map(|n| (1 << n) - 1).collect();
    expected.extend((1..=70).map(|k| 511 + 300 * k));
    assert_eq!(ages, expected);
    A + 21_511 * NS_PER_S
}

#[test]
fn an_event_throttled_for_six_hours_is_dropped_and_fails_its_transaction() {
    let s = throttled_for_six_hours(false);
    let (r, ev) = run_with_events(&s, 0);
    assert_throttled_until_six_hours_old(&ev);
    assert_eq!(r.metrics.throttled, 80);
    assert_eq!(
        (r.counts.arrived, r.counts.failed),
        (1, 1),
        "{:?}",
        r.counts
    );
    assert_eq!(r.metrics.dead_letter_moves, 0);
    assert_eq!(
        billed(&r, "g", "requests"),
        1.0,
        "the second event never ran"
    );
    // Failed when its last work ends: the first event, 6 h after the arrival.
    let done: Vec<(Outcome, SimTime)> = ev
        .iter()
        .filter_map(|(_, e)| match e {
            SimEvent::TransactionDone {
                outcome,
                latency_ns,
                ..
            } => Some((*outcome, *latency_ns)),
            _ => None,
        })
        .collect();
    assert_eq!(done, vec![(Outcome::Failed, 21_600 * NS_PER_S)]);
}

#[test]
fn an_event_throttled_for_six_hours_goes_to_its_failure_destination() {
    let s = throttled_for_six_hours(true);
    let (r, ev) = run_with_events(&s, 0);
    let given_up = assert_throttled_until_six_hours_old(&ev);
    let moves: Vec<SimTime> = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::DeadLettered { .. }))
        .map(|&(t, _)| t)
        .collect();
    assert_eq!(moves, vec![given_up]);
    assert_eq!(billed(&r, "h", "requests"), 1.0);
    assert_eq!(
        (r.counts.arrived, r.counts.completed),
        (1, 1),
        "{:?}",
        r.counts
    );
}

#[test]
fn a_workflow_task_runs_a_nested_workflow_and_waits_for_it_whatever_the_kind() {
    // Two kinds, 99 each (both run the same workflow: workflows have no handlers per kind).
    // Outer (10 ms per transition): Task(inner), Task(f). Inner (20 ms per transition):
    // Wait 100 ms, then Parallel of g (40 ms) and h (50 ms). Response:
    // 10 + [20 + 100 + 20 + max(20 + 40, 20 + 50)] + 10 + 30 = 260 ms, for every order.
    // Transitions: 2 per order in "outer", 4 in "inner" (Wait, Parallel, two branch tasks).
    let s = load(
        r#"Scenario(name: "nested", horizon: "100s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 1.0)),
                     Source(kind: "b", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "o", entry: "outer", components: [
            Orchestrator(name: "outer", transition_latency: "10ms",
                         workflow: [Task(invoke: "inner"), Task(invoke: "f")]),
            Orchestrator(name: "inner", transition_latency: "20ms", workflow: [
                Wait("100ms"), Parallel(branches: [[Task(invoke: "g")], [Task(invoke: "h")]])]),
            Function(name: "f", cold_start: "0ms", work: [Compute("30ms")]),
            Function(name: "g", cold_start: "0ms", work: [Compute("40ms")]),
            Function(name: "h", cold_start: "0ms", work: [Compute("50ms")])])])"#,
    );
    let (r, ev) = run_with_events(&s, 0);
    assert_eq!(
        (r.counts.arrived, r.counts.completed),
        (198, 198),
        "{:?}",
        r.counts
    );
    let responses: Vec<SimTime> = ev
        .iter()
        .filter_map(|(_, e)| match e {
            SimEvent::ResponseSent {
                ok: true,
                latency_ns,
                ..
            } => Some(*latency_ns),
            _ => None,
        })
        .collect();
    assert_eq!(responses, vec![260 * NS_PER_MS; 198]);
    assert_eq!(billed(&r, "outer", "state transitions"), 2.0 * 198.0);
    assert_eq!(billed(&r, "inner", "state transitions"), 4.0 * 198.0);
    for f in ["f", "g", "h"] {
        assert_eq!(billed(&r, f, "requests"), 198.0, "{f}");
    }
}

#[test]
fn an_emitted_workflow_runs_after_the_response_and_a_failed_one_is_not_started_again() {
    // "app" emits to a workflow and computes 5 ms: the response takes 5 ms, the workflow
    // (20 ms transition, then g for 40 ms) ends 60 ms after the arrival. In architecture
    // "bad" the workflow's task fails: the transaction fails, and the workflow is not
    // retried by the platform (its task runs once, no platform retry).
    let text = |task: &str, components: &str| {
        format!(
            r#"Architecture(name: "{task}", entry: "app", components: [
            Function(name: "app", cold_start: "0ms", work: [Emit("wf"), Compute("5ms")]),
            Orchestrator(name: "wf", transition_latency: "20ms", workflow: [Task(invoke: "{task}")]),
            {components}])"#
        )
    };
    let s = load(&format!(
        r#"Scenario(name: "async-wf", horizon: "100s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 1.0)),
                     Source(kind: "b", arrivals: Constant(per_second: 1.0))],
          architectures: [{}, {}])"#,
        text(
            "g",
            r#"Function(name: "g", cold_start: "0ms", work: [Compute("40ms")])"#
        ),
        text(
            "bad",
            r#"Function(name: "bad", cold_start: "0ms", work: [Call("x")]),
            External(name: "x", latency: "1ms", error_rate: 1.0)"#
        )
    ));
    let (ok, ev) = run_with_events(&s, 0);
    assert_eq!(
        (ok.counts.arrived, ok.counts.completed),
        (198, 198),
        "{:?}",
        ok.counts
    );
    assert_eq!(ok.metrics.response.quantile_ms(0.0), 5.0);
    assert_eq!(ok.metrics.response.quantile_ms(1.0), 5.0);
    let done: Vec<SimTime> = ev
        .iter()
        .filter_map(|(_, e)| match e {
            SimEvent::TransactionDone { latency_ns, .. } => Some(*latency_ns),
            _ => None,
        })
        .collect();
    assert_eq!(done, vec![60 * NS_PER_MS; 198]);
    assert_eq!(billed(&ok, "wf", "state transitions"), 198.0);
    assert_eq!(billed(&ok, "g", "requests"), 198.0);

    let (bad, _) = run_with_events(&s, 1);
    let c = bad.counts;
    assert_eq!((c.arrived, c.failed), (198, 198), "{c:?}");
    assert_eq!(bad.metrics.failed_responses, 0, "the response did not wait");
    assert_eq!(bad.metrics.retries, 0);
    assert_eq!(billed(&bad, "bad", "requests"), 198.0, "one try each");
    assert_eq!(billed(&bad, "wf", "state transitions"), 198.0);
}

/// Runs one request at each time of `times` (seconds) against a 1,024 MB function of 100 ms
/// without cold-start time under keep-alive `keep`, for 7 hours; returns (cold starts,
/// idle-instance GB-s).
fn hybrid_run(dir: &std::path::Path, times: &[u64], keep: &str) -> (u64, f64) {
    let file = dir.join("times.csv");
    let rows: String = times.iter().map(|t| format!("{t}\n")).collect();
    std::fs::write(&file, format!("t\n{rows}")).unwrap();
    let s = load(&format!(
        r#"Scenario(name: "hybrid", horizon: "7h",
          workload: [Source(kind: "r", arrivals: Trace(file: {:?}))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", memory_mb: 1024, cold_start: "0ms", keep_alive: {keep},
                     work: [Compute("100ms")])])])"#,
        file.display().to_string()
    ));
    let r = run_architecture(Arc::clone(&s), 0, 60 * NS_PER_S, &mut ()).unwrap();
    assert!(r.counts.conserved());
    assert_eq!(r.metrics.function_invocations, times.len() as u64);
    (r.metrics.cold_starts, r.wasted_gb_s(&s))
}

#[test]
fn each_hybrid_keep_alive_parameter_written_in_ron_changes_the_outcome_as_derived() {
    // 40 requests, at 100 + 1200 k s and 400 + 1200 k s (k = 0 … 19): gaps alternate 300 s
    // and 900 s, so the idle times (gap − 100 ms) alternate 299.9 s and 899.9 s, in the 1-min
    // bins [4, 5) and [14, 15) min. The window after invocation j uses the j − 1 idle times
    // seen so far, ⌈(j − 1)/2⌉ short ones. Base: Hybrid(range 4h, bin 1m, head 0.05, tail 0.99,
    // margin 0.1, cv_threshold 2, min_samples 5), the documented defaults.
    // - Untrusted (j ≤ 5): the instance stays warm 4 h: idle 3 × 299.9 + 2 × 899.9 = 2,699.5 s.
    // - Trusted (j ≥ 6; the CV of two full bins of 240 is ≈ 11): head = lower edge of the
    //   short bin, 240 s × 0.9 = 216 s of pre-warm; tail = upper edge of the long bin,
    //   900 s × 1.1 = 990 s. Each gap after j = 6 … 39 (17 long, 17 short) holds a pre-warmed
    //   instance from 216 s after the invocation's end to the request: 683.9 s or 83.9 s;
    //   after the last (23,200.1 s) it stays 990 − 216 = 774 s. Only the first request is cold.
    //   2,699.5 + 17 × 767.8 + 774 = 16,526.1 GB-s.
    let dir = tempfile::tempdir().unwrap();
    let times: Vec<u64> = (0..20)
        .flat_map(|k| [100 + 1200 * k, 400 + 1200 * k])
        .collect();
    let policy = |change: &str| {
        let mut fields = vec![
            ("range", "\"4h\""),
            ("bin", "\"1m\""),
            ("head", "0.05"),
            ("tail", "0.99"),
            ("margin", "0.1"),
            ("cv_threshold", "2.0"),
            ("min_samples", "5"),
        ];
        let (name, value) = change.split_once(':').unwrap_or(("", ""));
        for f in &mut fields {
            if f.0 == name {
                f.1 = value;
            }
        }
        let fields: Vec<String> = fields.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        format!("Hybrid({})", fields.join(", "))
    };
    let cases: [(&str, u64, f64); 8] = [
        ("", 1, 16_526.1),
        // bin 30 s: idle times in [270, 300) and [870, 900) s: pre-warm 270 × 0.9 = 243 s,
        // end 990 s: 56.9 s and 656.9 s per gap, 747 s after the last.
        ("bin:\"30s\"", 1, 2_699.5 + 17.0 * (56.9 + 656.9) + 747.0),
        // margin 0.2: pre-warm 240 × 0.8 = 192 s, end 900 × 1.2 = 1,080 s.
        ("margin:0.2", 1, 2_699.5 + 17.0 * (107.9 + 707.9) + 888.0),
        // head 0.7: the ⌈0.7 n⌉-th idle time is a long one (n ≥ 5): pre-warm 840 × 0.9 =
        // 756 s, warm until 990 s. The 17 requests after a short gap (j + 1 = 8 … 40) come
        // before their pre-warmed instance: cold. That instance idles 234 s unused; after a
        // long gap the pre-warmed one waits 143.9 s; 234 s after the last.
        ("head:0.7", 18, 2_699.5 + 17.0 * (143.9 + 234.0) + 234.0),
        // tail 0.4: the ⌈0.4 n⌉-th idle time is a short one: warm from 216 s to 330 s. The 17
        // requests after a long gap (7 … 39) find it reaped (114 s idle each): cold.
        ("tail:0.4", 18, 2_699.5 + 17.0 * (83.9 + 114.0) + 114.0),
        // min_samples 9: untrusted for j ≤ 9 (5 short and 4 long gaps kept warm), then 15 of
        // each kind of gap as in the base.
        (
            "min_samples:9",
            1,
            5.0 * 299.9 + 4.0 * 899.9 + 15.0 * (83.9 + 683.9) + 774.0,
        ),
        // cv_threshold 20: above the largest possible CV (√239 ≈ 15.5): never trusted, one
        // instance warm from the first request (100 s) to the horizon, less 40 × 100 ms.
        ("cv_threshold:20.0", 1, 25_200.0 - 100.0 - 4.0),
        // range 10 min: the long idle times are out of range (as many as in range, so still
        // usable) and the fallback keeps instances 600 s: trusted from j = 10 (5 short ones),
        // with only the short bin: warm 216 … 330 s. Cold: after the long gaps of j = 2, 4,
        // 6, 8 (600 s < 899.9 s) and of j = 10 … 38 (15): 1 + 4 + 15 = 20.
        (
            "range:\"10m\"",
            20,
            5.0 * 299.9 + 4.0 * 600.0 + 15.0 * (114.0 + 83.9) + 114.0,
        ),
    ];
    for (change, cold, wasted) in cases {
        let keep = policy(change);
        let (c, w) = hybrid_run(dir.path(), &times, &keep);
        eprintln!("{keep}: {c} cold starts, {w:.4} GB-s idle (derived {cold}, {wasted:.4})");
        assert_eq!(c, cold, "{keep}");
        assert!(
            (w - wasted).abs() < 1e-3,
            "{keep}: {w} GB-s idle, derived {wasted}"
        );
    }
    // A bare Hybrid is the base: the defaults above.
    let (c, w) = hybrid_run(dir.path(), &times, "Hybrid");
    assert_eq!(c, 1);
    assert!((w - 16_526.1).abs() < 1e-3, "{w}");
}

#[test]
fn function_instances_past_the_connection_limit_have_every_read_refused() {
    // 4 requests a second (0.25 s … 99.75 s: 399), each computing 900 ms then reading for
    // 50 ms, no cold-start time. Request k arrives 50 ms after the invocation of request k − 4
    // ended and while k − 1 … k − 3 still run: after the first four cold starts, four
    // instances A, B, C, D serve every fourth request in turn. The database allows 2
    // connections: A (first read at 1.15 s) and B (1.4 s) open them and keep them warm; C
    // and D hold none and every read of theirs is refused at once, after 900 ms, without
    // being billed. Reads after the horizon: requests 397-399 (A, B, C) are in flight. Refused:
    // k ≡ 3 (3 … 395) and k ≡ 0 (4 … 396) mod 4: 99 + 99.
    let s = load(
        r#"Scenario(name: "conn", horizon: "100s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 4.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", work: [Compute("900ms"), Read("db")]),
            Database(name: "db", latency: "50ms", max_connections: 2)])])"#,
    );
    let (r, ev) = run_with_events(&s, 0);
    let c = r.counts;
    assert_eq!(c.arrived, 399);
    assert_eq!((c.completed, c.failed, c.in_flight), (198, 198, 3), "{c:?}");
    assert_eq!(r.metrics.rejected, 198);
    assert_eq!(rejected_at(&ev, comp(&s, 0, "db")), 198);
    assert_eq!(r.metrics.cold_starts, 4);
    assert_eq!(
        billed(&r, "db", "read requests"),
        198.0,
        "refused reads are not billed"
    );
    let failed: Vec<SimTime> = ev
        .iter()
        .filter_map(|(_, e)| match e {
            SimEvent::ResponseSent {
                ok: false,
                latency_ns,
                ..
            } => Some(*latency_ns),
            _ => None,
        })
        .collect();
    assert_eq!(
        failed,
        vec![900 * NS_PER_MS; 198],
        "refused without latency"
    );
}

#[test]
fn a_reaped_function_instance_closes_its_connection_for_the_next_one() {
    // One request every 10 s (10 s … 90 s: 9), each a 1-ms read of a database that allows one
    // connection. The instance that served a request is idle from then and reaped 5 s later
    // (keep_alive "5s"), before the next request, which starts a new instance cold: 9 cold
    // starts, one after the other. Each instance opens the one connection on its read, and
    // the docs say it closes when the instance is reaped: so every read gets it and all 9
    // complete. Connections left open by reaped instances would refuse the reads of the 8
    // later ones.
    let s = load(
        r#"Scenario(name: "conn", horizon: "100s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 0.1))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", keep_alive: "5s", work: [Read("db")]),
            Database(name: "db", latency: "1ms", max_connections: 1)])])"#,
    );
    let (r, ev) = run_with_events(&s, 0);
    let c = r.counts;
    assert_eq!((c.arrived, c.completed, c.failed), (9, 9, 0), "{c:?}");
    assert_eq!(r.metrics.cold_starts, 9);
    assert_eq!(r.metrics.rejected, 0);
    assert_eq!(rejected_at(&ev, comp(&s, 0, "db")), 0);
}
