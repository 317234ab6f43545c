//! Faults on each component kind, capacity cuts, price overrides, an autoscaling group's
//! scale-in and the hybrid keep-alive's rule for busy functions: documented features that had
//! no test failing when the feature is removed (issue 11), each checked against the value the
//! docs (docs/scenarios.md) define.

#[path = "support/scenario.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use choreo_sim::engine::{NS_PER_MS, NS_PER_S, SimTime};
use choreo_sim::metrics::Metrics;
use choreo_sim::model::{ComponentState, Simulation};
use choreo_sim::observe::SimEvent;
use choreo_sim::run::{ArchReport, run_architecture};
use support::load;

fn run(text: &str, arch: usize) -> ArchReport {
    let s = load(text);
    let r = run_architecture(Arc::clone(&s), arch, NS_PER_S, &mut ()).unwrap();
    assert!(r.counts.conserved(), "{:?}", r.counts);
    r
}

/// Every event of a whole run of architecture `arch`.
fn events(text: &str, arch: usize) -> Vec<(SimTime, SimEvent)> {
    let mut sim = Simulation::new(load(text), arch);
    let mut ev = Vec::new();
    sim.run(&mut ev);
    assert!(sim.counts().conserved(), "{:?}", sim.counts());
    ev
}

/// (arrival time, response time, ok) of every response sent, in ns.
fn responses(ev: &[(SimTime, SimEvent)]) -> Vec<(SimTime, SimTime, bool)> {
    ev.iter()
        .filter_map(|(t, e)| match *e {
            SimEvent::ResponseSent { ok, latency_ns, .. } => Some((t - latency_ns, latency_ns, ok)),
            _ => None,
        })
        .collect()
}

/// The fraction of transactions that ended failed.
fn failed_fraction(r: &ArchReport) -> f64 {
    let c = r.counts;
    c.failed as f64 / (c.completed + c.failed) as f64
}

#[test]
fn a_slowdown_stretches_the_time_of_each_component_kind_it_hits_during_its_window() {
    // One request path through a gateway (10 ms), a server's compute step (20 ms), a function
    // (30 ms), a storage get (40 ms), an external call (50 ms) and a workflow (one transition
    // of 5 ms, then a Wait of 60 ms): 215 ms in all, every draw constant, nothing waits.
    // Slow(factor: 2, add: 1 ms) on one component per 10-s window makes its time t × 2 + 1 ms:
    // gateway 21 ms (226 in all), server 41 (236), function 61 (246), storage 81 (256),
    // external 101 (266), orchestrator 11 + 121 ms (282). A step is slowed when it starts in
    // the window; arrivals are 100 ms apart, so exactly 100 requests of each window are.
    let ev = events(
        r#"Scenario(name: "slow", horizon: "130s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "a", entry: "api", components: [
            Gateway(name: "api", routes: {"r": "app"}, latency: "10ms"),
            Server(name: "app", workers: 100, handlers: {"r": [Compute("20ms"), Call("f"), Get("st"), Call("x"), Call("o")]}),
            Function(name: "f", cold_start: "0ms", work: [Compute("30ms")]),
            Storage(name: "st", latency: "40ms"),
            External(name: "x", latency: "50ms"),
            Orchestrator(name: "o", transition_latency: "5ms", workflow: [Wait("60ms")])])],
          faults: [
            Fault(target: "api", at: "10s", lasts: "10s", kind: Slow(factor: 2.0, add: "1ms")),
            Fault(target: "app", at: "30s", lasts: "10s", kind: Slow(factor: 2.0, add: "1ms")),
            Fault(target: "f", at: "50s", lasts: "10s", kind: Slow(factor: 2.0, add: "1ms")),
            Fault(target: "st", at: "70s", lasts: "10s", kind: Slow(factor: 2.0, add: "1ms")),
            Fault(target: "x", at: "90s", lasts: "10s", kind: Slow(factor: 2.0, add: "1ms")),
            Fault(target: "o", at: "110s", lasts: "10s", kind: Slow(factor: 2.0, add: "1ms"))])"#,
        0,
    );
    let mut by_latency: BTreeMap<SimTime, u32> = BTreeMap::new();
    let mut first_slow: BTreeMap<SimTime, SimTime> = BTreeMap::new();
    for (arrived, latency, ok) in responses(&ev) {
        assert!(ok);
        let ms = latency / NS_PER_MS;
        assert_eq!(latency, ms * NS_PER_MS, "whole milliseconds");
        *by_latency.entry(ms).or_default() += 1;
        first_slow.entry(ms).or_insert(arrived / NS_PER_MS);
    }
    let total: u32 = by_latency.values().sum();
    let expected: BTreeMap<SimTime, u32> = [
        (215, total - 600),
        (226, 100),
        (236, 100),
        (246, 100),
        (256, 100),
        (266, 100),
        (282, 100),
    ]
    .into();
    assert_eq!(by_latency, expected);
    // Each slowed group is the right window: the first slowed arrival is the first whose
    // slowed step starts at or after the window's start (the external call starts 100 ms
    // after arrival, the workflow 150 ms after).
    let firsts: Vec<SimTime> = [226, 236, 246, 256, 266, 282]
        .iter()
        .map(|ms| first_slow[ms])
        .collect();
    assert_eq!(
        firsts,
        vec![10_000, 30_000, 50_000, 70_000, 89_900, 109_900]
    );
}

#[test]
fn errors_on_an_orchestrator_fail_each_flow_it_runs_the_catch_and_branches_included() {
    // Errors(rate: 0.2) on the orchestrator. Its workflow runs four flows: the main one, the
    // catch of the task (whose external service always fails, so the catch always runs) and
    // the two branches of the parallel state. Each fails with probability 0.2 when it ends,
    // and any failure fails the workflow (a failed catch, a failed branch, or the main flow
    // at its end): 1 − 0.8⁴ = 0.5904 fail. 39,999 transactions: binomial SE 0.00246
    // (0.42%); tolerance 2% = 4.8 SE. Faulting only the main flow would give 0.2, all but
    // the catch 0.488, all but the branches 0.36.
    let r = run(
        r#"Scenario(name: "errors", horizon: "400s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 100.0))],
          architectures: [Architecture(name: "a", entry: "o", components: [
            Orchestrator(name: "o", transition_latency: "0ms", workflow: [
              Task(invoke: "bad", catch: [Wait("1ms")]),
              Parallel(branches: [[Wait("1ms")], [Wait("1ms")]])]),
            External(name: "bad", latency: "1ms", error_rate: 1.0)])],
          faults: [Fault(target: "o", at: "0s", lasts: "1h", kind: Errors(rate: 0.2))])"#,
        0,
    );
    assert_eq!(r.counts.arrived, 39_999);
    support::assert_close(
        "failed fraction",
        failed_fraction(&r),
        1.0 - 0.8f64.powi(4),
        0.02,
    );
}

#[test]
fn a_retried_call_fails_by_an_errors_fault_only_if_each_try_draws_a_failure() {
    // Errors(rate: 0.5) on the callee, one retry: "the retry makes fresh random draws"
    // (section 8; section 12: draws are keyed by the retry attempt), so a transaction fails
    // only if both tries fail: 0.25. A retry that repeated the first try's draws would fail
    // every transaction whose first try failed: 0.5 (what the simulator did before the fix
    // in `Act::lineage_of_children`). Checked for a workflow task invoking a nested workflow
    // and for a server's call policy to a function, 19,999 transactions each: failed
    // fraction binomial SE 0.0031 (1.2%), tolerance 4% = 3.3 SE; retried fraction (one retry
    // per failed first try) 0.5, SE 0.0035 (0.7%), tolerance 3% = 4.2 SE.
    let text = r#"Scenario(name: "retry", horizon: "200s",
      workload: [Source(kind: "r", arrivals: Constant(per_second: 100.0))],
      architectures: [
        Architecture(name: "workflow", entry: "o", components: [
          Orchestrator(name: "o", transition_latency: "0ms", workflow: [Task(invoke: "inner", retries: 1, backoff: "1ms")]),
          Orchestrator(name: "inner", transition_latency: "0ms", workflow: [Wait("1ms")])]),
        Architecture(name: "server", entry: "app", components: [
          Server(name: "app", workers: 100, handlers: {"r": [Call("inner")]}, calls: {"inner": Policy(retries: 1, jitter: false)}),
          Function(name: "inner", cold_start: "0ms", work: [Compute("1ms")])])],
      faults: [Fault(target: "inner", at: "0s", lasts: "1h", kind: Errors(rate: 0.5))])"#;
    for arch in 0..2 {
        let r = run(text, arch);
        assert_eq!(r.counts.arrived, 19_999);
        let failed = failed_fraction(&r);
        support::assert_close(&format!("failed fraction, {}", r.name), failed, 0.25, 0.04);
        // One retry for every first try that failed (half of them).
        let retried = r.metrics.call_retries as f64 / r.counts.arrived as f64;
        support::assert_close(&format!("retried fraction, {}", r.name), retried, 0.5, 0.03);
    }
}

#[test]
fn an_orchestrator_outage_fails_new_workflows_at_once_and_lets_running_ones_finish() {
    // Outage of "o" from 20 s to 30 s. One synchronous workflow ("s", through the gateway)
    // and one asynchronous one ("a": a function emits to the orchestrator) start every
    // second. Those of 20 s … 29 s fail: 10 + 10 (the asynchronous ones are not started
    // again: only functions get the platform's retries). Each workflow waits 5 s, then
    // starts two branches: those started at 15 … 19 s start their branches during the outage
    // and complete. Those started at 55 … 59 s are still running at the horizon (60 s): 10.
    let text = r#"Scenario(name: "outage", horizon: "60s",
      workload: [Source(kind: "s", arrivals: Constant(per_second: 1.0)),
                 Source(kind: "a", arrivals: Constant(per_second: 1.0))],
      architectures: [Architecture(name: "a", entry: "api", components: [
        Gateway(name: "api", routes: {"s": "o", "a": "f"}),
        Function(name: "f", cold_start: "0ms", work: [Emit("o")]),
        Orchestrator(name: "o", transition_latency: "0ms", workflow: [
          Wait("5s"), Parallel(branches: [[Wait("1ms")], [Wait("1ms")]])])])],
      faults: [Fault(target: "o", at: "20s", lasts: "10s", kind: Outage)])"#;
    let r = run(text, 0);
    let c = r.counts;
    assert_eq!(c.arrived, 118);
    assert_eq!((c.failed, c.in_flight, c.completed), (20, 10, 88), "{c:?}");
    // The synchronous ones fail at once, at their arrival.
    let failed: Vec<(SimTime, SimTime)> = responses(&events(text, 0))
        .into_iter()
        .filter(|r| !r.2)
        .map(|(arrived, latency, _)| (arrived / NS_PER_S, latency))
        .collect();
    assert_eq!(failed, (20..30).map(|t| (t, 0)).collect::<Vec<_>>());
}

#[test]
fn a_capacity_cut_on_an_external_service_lowers_its_rate_limit() {
    // rate_limit 20/s under 10 calls/s: never throttled (the bucket gains 2 tokens a call).
    // CapacityCut(0.25) from 10 s to 20 s: 5/s, a bucket of at most 5 tokens. The call at
    // 10.0 s finds min(19 + 0.5, 5) = 5 tokens; each later one adds 0.5 and takes 1, so the
    // calls at 10.0 … 10.8 s get through (5, 4.5, … 1 token before each), then one call in
    // two: of the 91 calls from 10.9 s to 19.9 s, the 46 at 10.9, 11.1, … 19.9 s are
    // throttled, and fail their transactions. From 20 s, 20/s again.
    let r = run(
        r#"Scenario(name: "cut", horizon: "30s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", workers: 100, handlers: {"r": [Call("x")]}),
            External(name: "x", latency: "1ms", rate_limit: 20.0)])],
          faults: [Fault(target: "x", at: "10s", lasts: "10s", kind: CapacityCut(factor: 0.25))])"#,
        0,
    );
    assert_eq!(r.metrics.throttled, 46);
    assert_eq!(r.counts.failed, 46);
    assert_eq!(r.counts.completed, r.counts.arrived - 46);
}

#[test]
fn a_capacity_cut_on_a_concurrency_database_queues_its_operations_in_order() {
    // Concurrency(4), reads of 600 ms, one every 500 ms: at most 2 in service, none waits.
    // CapacityCut(0.25) from 10 s to 20 s: 1 in service, the rest wait in a FIFO line. The
    // read of 9.5 s holds the one place until 10.1 s; the j-th read from 10.0 s (arrival
    // 10 + 0.5 j) then starts at 10.1 + 0.6 j and takes 0.7 + 0.1 j s, up to j = 16 (2.3 s,
    // ending at 20.3 s). At 20 s the capacity is 4 again: j = 17, 18, 19 (18.5, 19.0 and
    // 19.5 s) start at once with j = 16 still in service, and end at 20.6 s (2.1, 1.6, 1.1 s);
    // j = 20 (20.0 s) finds 4 in service and waits for 20.3 s (0.9 s); j = 21 (20.5 s) waits
    // for 20.6 s (0.7 s); from 21 s, 0.6 s again.
    let ev = events(
        r#"Scenario(name: "cut", horizon: "40s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 2.0))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", workers: 100, handlers: {"r": [Read("db")]}),
            Database(name: "db", latency: "600ms", capacity: Concurrency(4))])],
          faults: [Fault(target: "db", at: "10s", lasts: "10s", kind: CapacityCut(factor: 0.25))])"#,
        0,
    );
    let expected_ms = |arrived_ms: u64| -> u64 {
        match arrived_ms {
            ..10_000 => 600,
            10_000..=18_000 => 700 + 100 * (arrived_ms - 10_000) / 500,
            18_500 => 2_100,
            19_000 => 1_600,
            19_500 => 1_100,
            20_000 => 900,
            20_500 => 700,
            _ => 600,
        }
    };
    let rs = responses(&ev);
    assert_eq!(rs.len(), 78, "the read of 39.5 s ends after the horizon");
    for (arrived, latency, ok) in rs {
        assert!(ok);
        let arrived_ms = arrived / NS_PER_MS;
        assert_eq!(
            latency,
            expected_ms(arrived_ms) * NS_PER_MS,
            "read arriving at {arrived_ms} ms"
        );
    }
}

#[test]
fn a_capacity_cut_on_a_function_without_reserved_concurrency_cuts_the_account_limit_for_it_alone() {
    // No `concurrency` on f or g; the architecture allows 20 executions at once. 8 requests/s
    // of 1 s each for each function: 8 executing each (between arrivals, which come every
    // 125 ms). CapacityCut(0.25) on f from 10 s to 20 s: f alone may run ⌊20 × 0.25⌋ = 5;
    // g still runs its 8.
    let s = load(
        r#"Scenario(name: "cut", horizon: "30s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 8.0)),
                     Source(kind: "b", arrivals: Constant(per_second: 8.0))],
          architectures: [Architecture(name: "a", entry: "api", concurrency_limit: 20, components: [
            Gateway(name: "api", routes: {"a": "f", "b": "g"}),
            Function(name: "f", cold_start: "0ms", work: [Compute("1s")]),
            Function(name: "g", cold_start: "0ms", work: [Compute("1s")])])],
          faults: [Fault(target: "f", at: "10s", lasts: "10s", kind: CapacityCut(factor: 0.25))])"#,
    );
    let mut sim = Simulation::new(Arc::clone(&s), 0);
    let executing = |sim: &Simulation, comp: usize| match sim.snapshot()[comp] {
        ComponentState::Function { busy, starting, .. } => busy + starting,
        other => panic!("{other:?}"),
    };
    let mut seen = Vec::new();
    for t in [5.06, 15.06, 25.06] {
        sim.step_until((t * NS_PER_S as f64) as SimTime, &mut ());
        seen.push((executing(&sim, 1), executing(&sim, 2)));
    }
    assert_eq!(seen, vec![(8, 8), (5, 8), (8, 8)]);
}

#[test]
fn an_autoscaling_group_does_not_terminate_a_busy_instance() {
    // Round robin over 2 instances of 2 workers: the request of k s (1 s apart, 1.5 s each)
    // runs on instance (k − 1) mod 2. First evaluation at 61 s: busy worker-seconds
    // 59 × 1.5 + 1 = 89.5 of 2 × 2 × 61 = 244, u = 0.367, desired ⌈2 × 0.367 / 1.0⌉ = 1
    // (no scaling action before, and 61 s ≥ the 60-s cooldown). The newest instance, 1, is
    // running the request of 60 s: it is not terminated; the idle instance 0 is. Then 1
    // instance at u = 0.75 wants 1: nothing more.
    let ev = events(
        r#"Scenario(name: "asg", horizon: "300s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", instances: 2, workers: 2, balancer: RoundRobin,
                   autoscaling: Autoscaling(min: 1, max: 2, target: 1.0, boot: "30s", cooldown: "60s", period: "61s"),
                   handlers: {"r": [Compute("1500ms")]})])])"#,
        0,
    );
    let reaped: Vec<(SimTime, u32)> = ev
        .iter()
        .filter_map(|(t, e)| match *e {
            SimEvent::InstanceReaped { instance, .. } => Some((*t, instance)),
            SimEvent::InstanceLaunched { .. } => panic!("no scale-out expected"),
            _ => None,
        })
        .collect();
    assert_eq!(reaped, vec![(61 * NS_PER_S, 0)]);
}

/// A stepped run of the autoscaling scenario: the server's workers of instances that are up
/// at each of `times` [s] (the load drops to 1/24 of its rate at 61 s), every event, and the
/// metrics.
fn autoscaling_run(times: &[f64]) -> (Vec<u32>, Vec<(SimTime, SimEvent)>, Metrics) {
    let s = load(
        r#"Scenario(name: "asg", horizon: "600s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 12.0))],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", instances: 2, workers: 10,
                   autoscaling: Autoscaling(min: 2, max: 8, target: 0.5, boot: "30s", cooldown: "150s", period: "60s"),
                   handlers: {"r": [Compute("1s")]})])])"#,
    );
    let mut sim = Simulation::new(Arc::clone(&s), 0);
    let mut metrics = Metrics::new(sim.architecture());
    let mut ev = Vec::new();
    let mut workers = Vec::new();
    for &t in times {
        let t = (t * NS_PER_S as f64) as SimTime;
        if sim.now() < 61 * NS_PER_S && t >= 61 * NS_PER_S {
            sim.step_until(61 * NS_PER_S, &mut (&mut metrics, &mut ev));
            sim.set_load(0, 1.0 / 24.0);
        }
        sim.step_until(t, &mut (&mut metrics, &mut ev));
        match sim.snapshot()[0] {
            ComponentState::Server { workers: w, .. } => workers.push(w),
            other => panic!("{other:?}"),
        }
    }
    sim.step_until(sim.horizon(), &mut (&mut metrics, &mut ev));
    (workers, ev, metrics)
}

#[test]
fn an_autoscaling_group_scales_in_an_idle_instance_once_its_cooldown_has_passed() {
    // 12 requests/s of 1 s on 2 instances of 10 workers, target 0.5. First evaluation at
    // 60 s: busy worker-seconds 708 + (1 + … + 11)/12 = 713.5 of 1,200, u = 0.595, desired
    // ⌈2 × 0.595 / 0.5⌉ = 3: one instance launched at 60 s, up at 90 s. From 61 s the load
    // is 0.5/s (one request at a time, always on instance 0): at 120 s, 180 s and 240 s,
    // u < 0.04 and desired = min = 2 < 3, but a scale-in needs 150 s since the last scaling
    // action (60 s): the first evaluation at or after 210 s, 240 s, terminates the newest idle
    // instance (2). None after: 2 is the minimum.
    let times = [59.5, 61.0, 89.5, 90.5, 120.5, 180.5, 239.5, 240.5, 599.0];
    let (workers, ev, metrics) = autoscaling_run(&times);
    assert_eq!(workers, vec![20, 20, 20, 30, 30, 30, 30, 20, 20]);
    let scaled: Vec<(SimTime, &str, u32)> = ev
        .iter()
        .filter_map(|(t, e)| match *e {
            SimEvent::InstanceLaunched { instance, .. } => {
                Some((t / NS_PER_S, "launched", instance))
            }
            SimEvent::InstanceReady { instance, .. } => Some((t / NS_PER_S, "ready", instance)),
            SimEvent::InstanceReaped { instance, .. } => Some((t / NS_PER_S, "reaped", instance)),
            _ => None,
        })
        .collect();
    assert_eq!(
        scaled,
        vec![(60, "launched", 2), (90, "ready", 2), (240, "reaped", 2)]
    );
    // Billing stops at the termination: 2 × 600 s, and 180 s for instance 2.
    let hours = metrics.server_hours(0, 600 * NS_PER_S);
    assert!((hours - 1_380.0 / 3_600.0).abs() < 1e-12, "{hours}");
}

#[test]
fn an_autoscaling_group_scales_in_to_its_desired_size_in_one_evaluation() {
    // 5 instances of one worker, min 2; nothing arrives before 100 s. First evaluation at
    // 60 s (≥ the 30-s cooldown since time zero): u = 0, desired ⌈5 × 0 / 0.5⌉ = 0, clamped to
    // min = 2, so 5 − 2 = 3 idle instances are terminated at once, newest first: 4, 3, 2. At
    // 120 s (u = 1 ms of 120 worker-seconds, desired ⌈2 × u / 0.5⌉ = 1 → 2) and 180 s:
    // nothing. (Terminating 5 / 2 = 2 at 60 s would leave instance 2 for the 120-s
    // evaluation.)
    let ev = events(
        r#"Scenario(name: "asg", horizon: "200s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 0.01))],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", instances: 5, workers: 1,
                   autoscaling: Autoscaling(min: 2, max: 5, target: 0.5, boot: "30s", cooldown: "30s", period: "60s"),
                   handlers: {"r": [Compute("1ms")]})])])"#,
        0,
    );
    let reaped: Vec<(SimTime, u32)> = ev
        .iter()
        .filter_map(|(t, e)| match *e {
            SimEvent::InstanceReaped { instance, .. } => Some((t / NS_PER_S, instance)),
            SimEvent::InstanceLaunched { .. } => panic!("no scale-out expected"),
            _ => None,
        })
        .collect();
    assert_eq!(reaped, vec![(60, 4), (60, 3), (60, 2)]);
}

#[test]
fn the_hybrid_policy_keeps_an_instance_warm_when_it_ends_while_another_runs() {
    // Two requests arrive together every 900 s for a day (95 pairs), each 100 ms of work on a
    // 1024 MB function (250 ms cold start). Until the histogram holds 5 idle times the
    // policy keeps both instances for its 4-hour fallback: 2 × (899.65 + 4 × 899.9) GB-s
    // idle over the first 5 gaps. From the 6th pair on, its idle times all in the 14-15 min
    // bin, the window is pre-warm 756 s, then keep warm until 990 s. Of each pair, the first
    // invocation to end finds the other still running: the function is not idle, so that
    // instance is not unloaded but kept warm for 756 + 234 = 990 s, and idles the whole gap
    // (899.9 s); the second is unloaded and pre-warmed 756 s later (143.9 s idle). Both
    // requests of every pair after the first find a warm instance: 2 cold starts. Unloading
    // both would give 90 × 2 × 143.9 GB-s for those gaps instead of 90 × (899.9 + 143.9).
    let s = load(
        r#"Scenario(name: "pairs", horizon: "1d",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 0.0011111111111111111)),
                     Source(kind: "b", arrivals: Constant(per_second: 0.0011111111111111111))],
          architectures: [Architecture(name: "hybrid", entry: "job", components: [
            Function(name: "job", memory_mb: 1024, keep_alive: Hybrid, cold_start: "250ms", work: [Compute("100ms")])])])"#,
    );
    let r = run_architecture(Arc::clone(&s), 0, 3600 * NS_PER_S, &mut ()).unwrap();
    assert_eq!(r.metrics.function_invocations, 190);
    assert_eq!(r.metrics.cold_starts, 2);
    let expected = 2.0 * (899.65 + 4.0 * 899.9) + 90.0 * (899.9 + 143.9);
    let wasted = r.wasted_gb_s(&s);
    assert!(
        (wasted - expected).abs() < 1.0,
        "idle memory {wasted} GB-s, derived {expected} GB-s"
    );
}

/// Every priced item: a gateway, an x86 function calling an Arm one and a provisioned one,
/// publishing to a topic (delivered to a queue), starting a workflow, putting and getting an
/// object, reading and writing a database. 99 requests; every time is constant and no
/// on-demand instance cold-starts.
fn priced(prices: &str) -> ArchReport {
    run(
        &format!(
            r#"Scenario(name: "prices", horizon: "100s", prices: Prices({prices}),
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "a", entry: "api", components: [
            Gateway(name: "api", routes: {{"r": "f"}}),
            Function(name: "f", memory_mb: 1024, cold_start: "0ms",
                     work: [Compute("100ms"), Call("g"), Call("p"), Emit("t"), Emit("o"), Put("st"), Get("st"), Read("db"), Write("db")]),
            Function(name: "g", memory_mb: 512, arch: Arm, cold_start: "0ms", work: [Compute("50ms")]),
            Function(name: "p", memory_mb: 2048, provisioned: 1, work: [Compute("200ms")]),
            Topic(name: "t", subscribers: ["q"]),
            Queue(name: "q"),
            Orchestrator(name: "o", transition_latency: "0ms", workflow: [Wait("1ms")]),
            Storage(name: "st", latency: "0ms"),
            Database(name: "db", latency: "0ms")])])"#
        ),
        0,
    )
}

/// Cost lines, as (component, item).
type Lines = &'static [(&'static str, &'static str)];

#[test]
fn each_price_override_bills_its_own_items_at_the_given_price() {
    // (field, override, its cost lines (component, item), their quantity, the default price
    // per unit). Quantities, for 99 requests: f runs 100 + 50 (g) + 200 (p) ms at 1 GB:
    // 34.65 GB-s; g 50 ms at 0.5 GB: 2.475 GB-s (Arm); p, always on its provisioned instance,
    // 200 ms at 2 GB: 39.6 GB-s of provisioned duration, and 1 × 2 GB × 100 s = 200 GB-s of
    // provisioned concurrency; 99 of everything else (requests of each function, gateway
    // requests, one 1 KB message to the queue per publish, publishes, puts, gets, reads,
    // writes, and one state transition per workflow).
    let table: [(&str, f64, Lines, f64, f64); 13] = [
        (
            "function_gb_second",
            0.001,
            &[("f", "duration")],
            34.65,
            0.000_016_666_7,
        ),
        (
            "function_gb_second_arm",
            0.002,
            &[("g", "duration")],
            2.475,
            0.000_013_333_4,
        ),
        (
            "function_requests_per_million",
            3.0,
            &[("f", "requests"), ("g", "requests"), ("p", "requests")],
            99.0,
            0.20 / 1e6,
        ),
        (
            "gateway_requests_per_million",
            4.0,
            &[("api", "requests")],
            99.0,
            1.00 / 1e6,
        ),
        (
            "queue_requests_per_million",
            5.0,
            &[("q", "requests")],
            99.0,
            0.40 / 1e6,
        ),
        (
            "topic_publishes_per_million",
            6.0,
            &[("t", "publishes")],
            99.0,
            0.50 / 1e6,
        ),
        (
            "storage_puts_per_thousand",
            0.07,
            &[("st", "put requests")],
            99.0,
            0.005 / 1e3,
        ),
        (
            "storage_gets_per_thousand",
            0.08,
            &[("st", "get requests")],
            99.0,
            0.0004 / 1e3,
        ),
        (
            "database_writes_per_million",
            9.0,
            &[("db", "write requests")],
            99.0,
            0.625 / 1e6,
        ),
        (
            "database_reads_per_million",
            10.0,
            &[("db", "read requests")],
            99.0,
            0.125 / 1e6,
        ),
        (
            "provisioned_gb_second",
            0.003,
            &[("p", "provisioned concurrency")],
            200.0,
            0.000_004_166_7,
        ),
        (
            "provisioned_duration_gb_second",
            0.004,
            &[("p", "provisioned duration")],
            39.6,
            0.000_009_722_2,
        ),
        (
            "orchestrator_transitions_per_million",
            11.0,
            &[("o", "state transitions")],
            99.0,
            25.0 / 1e6,
        ),
    ];
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
    let base = priced("");
    assert_eq!(base.counts.completed, 99);
    for (field, value, lines, quantity, default) in table {
        let unit = if field.ends_with("per_million") {
            1e6
        } else if field.ends_with("per_thousand") {
            1e3
        } else {
            1.0
        };
        let r = priced(&format!("{field}: {value}"));
        assert_eq!(r.costs.len(), base.costs.len());
        for (line, before) in r.costs.iter().zip(&base.costs) {
            let key = (line.component.as_str(), line.item);
            if lines.contains(&key) {
                assert!(close(line.quantity, quantity), "{field}: {line:?}");
                assert!(
                    close(before.cost_usd, quantity * default),
                    "{field}: {before:?}"
                );
                assert!(
                    close(line.cost_usd, quantity * value / unit),
                    "{field}: {line:?}"
                );
            } else {
                assert_eq!(line.cost_usd, before.cost_usd, "{field} changed {line:?}");
            }
        }
        let found = r
            .costs
            .iter()
            .filter(|l| lines.contains(&(l.component.as_str(), l.item)))
            .count();
        assert_eq!(found, lines.len(), "{field}");
    }
}
