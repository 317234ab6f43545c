//! The orchestrator: workflows of tasks, waits, choices and parallel branches, retried and
//! caught, billed per state transition.

#[path = "support/scenario.rs"]
mod support;
use std::sync::Arc;

use choreo_sim::engine::{NS_PER_MS, NS_PER_S};
use choreo_sim::observe::SimEvent;
use choreo_sim::run::{ArchReport, run_architecture};
use choreo_sim::scenario::Scenario;
use support::{docs_example, load};

fn run(s: &Arc<Scenario>) -> (ArchReport, Vec<(u64, SimEvent)>) {
    let mut ev = Vec::new();
    let r = run_architecture(Arc::clone(s), 0, NS_PER_S, &mut ev).unwrap();
    assert!(r.counts.conserved());
    (r, ev)
}

const FLOW: &str = r#"Scenario(name: "flow", horizon: "100s",
  workload: [Source(kind: "order", arrivals: Constant(per_second: 1.0))],
  architectures: [Architecture(name: "orchestrated", entry: "flow", components: [
    Orchestrator(name: "flow", transition_latency: "20ms", workflow: [
        Task(invoke: "validate"),
        Wait("100ms"),
        Parallel(branches: [[Task(invoke: "resize")], [Task(invoke: "tag"), Task(invoke: "index")]]),
    ]),
    Function(name: "validate", cold_start: "0ms", work: [Compute("50ms")]),
    Function(name: "resize", cold_start: "0ms", work: [Compute("300ms")]),
    Function(name: "tag", cold_start: "0ms", work: [Compute("100ms")]),
    Function(name: "index", cold_start: "0ms", work: [Compute("100ms")])])])"#;

#[test]
fn a_workflow_runs_its_states_in_order_and_its_branches_at_once() {
    let (r, _) = run(&load(FLOW));
    assert_eq!(r.counts.arrived, 99);
    assert_eq!(r.counts.completed, 99);
    // 3 main states (20 ms each) + validate 50 ms + wait 100 ms + the longer branch: resize
    // (20 + 300 ms) against tag and index (2 × (20 + 100) = 240 ms).
    let expected = (3 * 20 + 50 + 100 + 320) * NS_PER_MS;
    assert_eq!(r.metrics.response.mean_ms(), expected as f64 / 1e6);
    // Transitions: 3 main states and 3 branch states per order, $25 per million.
    let t = r
        .costs
        .iter()
        .find(|c| c.item == "state transitions")
        .unwrap();
    assert_eq!(t.quantity, 6.0 * 99.0);
    assert_eq!(t.unit_price_usd, 0.000_025);
}

#[test]
fn a_failing_task_is_retried_then_caught() {
    let s = load(
        r#"Scenario(name: "catch", horizon: "100s",
          workload: [Source(kind: "order", arrivals: Constant(per_second: 0.1))],
          architectures: [Architecture(name: "o", entry: "flow", components: [
            Orchestrator(name: "flow", transition_latency: "0ms", workflow: [
                Task(invoke: "charge", retries: 2, backoff: "1s", catch: [Task(invoke: "refund")]),
                Task(invoke: "ship"),
            ]),
            Function(name: "charge", cold_start: "0ms", work: [Call("bank")]),
            External(name: "bank", latency: "10ms", error_rate: 1.0),
            Function(name: "refund", cold_start: "0ms", work: [Compute("5ms")]),
            Function(name: "ship", cold_start: "0ms", work: [Compute("5ms")])])])"#,
    );
    let (r, ev) = run(&s);
    let charges = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Request { to: 1, .. }))
        .count();
    let refunds = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Request { to: 3, .. }))
        .count();
    assert_eq!(r.counts.arrived, 9);
    assert_eq!(charges, 3 * 9, "one try and two retries");
    assert_eq!(refunds, 9, "the catch runs once the retries are spent");
    assert_eq!(
        r.counts.completed, 9,
        "a caught failure does not fail the workflow"
    );
    // 3 × 10 ms of calls, back-offs of 1 s and 2 s, the refund and the shipping.
    assert_eq!(r.metrics.response.mean_ms(), 3_040.0);
}

#[test]
fn a_choice_takes_its_branch_with_the_given_probability() {
    let s = load(
        r#"Scenario(name: "choice", horizon: "40000s",
          workload: [Source(kind: "order", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "o", entry: "flow", components: [
            Orchestrator(name: "flow", workflow: [
                Choice(probability: 0.3, then: [Task(invoke: "review")], otherwise: [Task(invoke: "auto")]),
            ]),
            Function(name: "review", work: [Compute("5ms")]),
            Function(name: "auto", work: [Compute("5ms")])])])"#,
    );
    let (r, ev) = run(&s);
    let reviews = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Request { to: 1, .. }))
        .count() as f64;
    let fraction = reviews / r.counts.arrived as f64;
    eprintln!("choice fraction {fraction}");
    // n ≈ 40,000 independent choices: the SE of the fraction is √(p(1 − p)/n) = 0.0023
    // (binomial), 0.76% of 0.3; tolerance 0.009 = 3% (3.9 SE; it was 0.015 = 5% on 20,000).
    assert!((fraction - 0.3).abs() < 0.009, "{fraction}");
}

/// The docs' fail-fast example: a parallel state whose second branch fails 11 ms in (a
/// 10 ms wait, then a task whose function's call fails after 1 ms) while the first runs a
/// 500 ms task and then another; with `catch`, the state catches into a task invoking
/// `report` (5 ms), and without, neither the catch nor `report` is there. Transitions take
/// no time.
fn failing_parallel(catch: bool) -> (ArchReport, Vec<(u64, SimEvent)>) {
    let (mut text, _) = docs_example("Scenario(name: \"fail fast\"");
    if !catch {
        for cut in [
            ",\n                 catch: [Task(invoke: \"report\")]",
            ",\n    Function(name: \"report\", cold_start: \"0ms\", work: [Compute(\"5ms\")])",
        ] {
            assert!(text.contains(cut), "the docs' example changed: {cut:?}");
            text = text.replace(cut, "");
        }
    }
    run(&load(&text))
}

/// Invocations of component `comp` started in `ev`.
fn started(ev: &[(u64, SimEvent)], comp: usize) -> usize {
    ev.iter()
        .filter(|(_, e)| matches!(e, SimEvent::InvocationStarted { comp: c, .. } if *c == comp))
        .count()
}

#[test]
fn a_failing_branch_fails_the_parallel_state_at_once_and_stops_the_others() {
    // Step Functions: "If any branch fails ... the entire Parallel state fails and all its
    // branches are stopped." The state fails at 11 ms, when `broken` fails: the response
    // (a failure) takes 11 ms, not the 500 ms of the other branch; that branch's next task
    // (`ok2`) and the state after the parallel one (`after`) never run. The invocation of
    // `ok` already running is not stopped (Lambda does not stop it): it runs on, detached,
    // billed for its 500 ms, and the transaction is done when it ends.
    let (r, ev) = failing_parallel(false);
    assert_eq!(r.counts.arrived, 9);
    assert_eq!(r.counts.failed, 9);
    let (ok, ok2, after) = (1, 2, 5);
    assert_eq!(started(&ev, ok), 9);
    assert_eq!(
        started(&ev, ok2),
        0,
        "a stopped branch runs no further state"
    );
    assert_eq!(started(&ev, after), 0, "nothing after the failure");
    for (_, e) in &ev {
        match e {
            SimEvent::ResponseSent { ok, latency_ns, .. } => {
                assert!(!ok);
                assert_eq!(*latency_ns, 11 * NS_PER_MS);
            }
            SimEvent::TransactionDone { latency_ns, .. } => {
                assert_eq!(*latency_ns, 500 * NS_PER_MS)
            }
            SimEvent::InvocationEnded {
                comp, billed_ns, ..
            } if *comp == ok => {
                assert_eq!(*billed_ns, 500 * NS_PER_MS)
            }
            _ => {}
        }
    }
    // Transitions per order: the parallel state, `ok`'s task, the wait and `broken`'s task;
    // `ok2`'s is never entered.
    assert_eq!(r.metrics.usage[0].transitions, 9 * 4);
}

#[test]
fn a_parallel_state_that_fails_runs_its_catch_and_the_workflow_goes_on() {
    // As above, with `catch: [Task(invoke: "report")]`: at 11 ms the catch runs `report`
    // (5 ms), then the workflow goes on with `after` (2 ms): each order succeeds, its
    // response at 11 + 5 + 2 = 18 ms; `ok` still runs on to 500 ms.
    let (r, ev) = failing_parallel(true);
    assert_eq!(r.counts.completed, 9);
    let (ok2, after, report) = (2, 5, 6);
    assert_eq!(started(&ev, ok2), 0);
    assert_eq!(started(&ev, report), 9);
    assert_eq!(started(&ev, after), 9);
    for (_, e) in &ev {
        match e {
            SimEvent::ResponseSent { ok, latency_ns, .. } => {
                assert!(ok);
                assert_eq!(*latency_ns, 18 * NS_PER_MS);
            }
            SimEvent::TransactionDone { latency_ns, .. } => {
                assert_eq!(*latency_ns, 500 * NS_PER_MS)
            }
            _ => {}
        }
    }
    // The 4 transitions above, the catch's task and `after`'s task.
    assert_eq!(r.metrics.usage[0].transitions, 9 * 6);
}

#[test]
fn a_branch_failing_inside_a_nested_parallel_state_stops_every_branch_below_it() {
    // The outer parallel state's first branch runs a nested parallel state whose branches
    // wait 100 ms then call `ok2`; the outer second branch fails at 11 ms. Every branch is
    // stopped: `ok2` never runs, and each order fails after 11 ms.
    let (r, ev) = run(&load(
        r#"Scenario(name: "nested", horizon: "10s",
          workload: [Source(kind: "order", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "o", entry: "flow", components: [
            Orchestrator(name: "flow", transition_latency: "0ms", workflow: [
                Parallel(branches: [
                    [Parallel(branches: [[Wait("100ms"), Task(invoke: "ok2")],
                                         [Choice(probability: 1.0, then: [Wait("100ms"), Task(invoke: "ok2")])]])],
                    [Wait("10ms"), Task(invoke: "broken")]]),
            ]),
            Function(name: "ok2", cold_start: "0ms", work: []),
            Function(name: "broken", cold_start: "0ms", work: [Call("x")]),
            External(name: "x", latency: "1ms", error_rate: 1.0)])])"#,
    ));
    assert_eq!(r.counts.failed, 9);
    assert_eq!(started(&ev, 1), 0);
    assert!(ev.iter().all(|(_, e)| !matches!(e, SimEvent::ResponseSent { latency_ns, .. } if *latency_ns != 11 * NS_PER_MS)));
}

#[test]
fn the_orchestrator_example_of_the_docs_gives_its_figures() {
    // The docs' orchestrator, run as the docs' worked example describes: one order a
    // second for 100 s, the functions' compute times given there, no cold starts.
    let (orchestrator, docs) = docs_example("Orchestrator(\n    name: \"flow\"");
    let s = load(&format!(
        r#"Scenario(name: "orders", horizon: "100s",
  workload: [Source(kind: "order", arrivals: Constant(per_second: 1.0))],
  architectures: [Architecture(name: "workflow", entry: "flow", components: [
    {orchestrator},
    Function(name: "validate", cold_start: "0ms", work: [Compute("50ms")]),
    Function(name: "report", cold_start: "0ms", work: [Compute("5ms")]),
    Function(name: "review", cold_start: "0ms", work: [Compute("2s")]),
    Function(name: "resize", cold_start: "0ms", work: [Compute("300ms")]),
    Function(name: "tag", cold_start: "0ms", work: [Compute("100ms")]),
    Function(name: "index", cold_start: "0ms", work: [Compute("100ms")])])])"#
    ));
    let (r, ev) = run(&s);
    assert_eq!(r.counts.arrived, 99);
    assert_eq!(r.counts.completed, 99);
    let review = s.architectures[0]
        .components
        .iter()
        .position(|c| c.name == "review")
        .unwrap();
    let sent_to_review = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::InvocationStarted { comp, .. } if *comp == review))
        .count();
    assert_eq!(sent_to_review, 11);
    assert_eq!(r.metrics.usage[0].transitions, 88 * 7 + 11 * 8);
    // An ordinary order takes 550 ms, one sent to review 2,570 ms (HDR: 3 digits).
    let p50 = r.metrics.response.quantile_ms(0.5);
    assert!((p50 - 550.0).abs() < 0.6, "{p50}");
    assert_eq!(r.metrics.response.quantile_ms(1.0), 2570.0);
    for quoted in [
        "= 704",
        "response 4 × 20 + 50 + 100 + 320 = 550 ms",
        "take 2,570 ms",
    ] {
        assert!(docs.contains(quoted), "the docs no longer say {quoted:?}");
    }
}
