//! Faults and resilience: isolation, circuit breakers, retries, timeouts, crashes, redrive,
//! and faults started live.

#[path = "support/scenario.rs"]
mod support;
use std::sync::Arc;

use choreo_sim::engine::{NS_PER_MS, NS_PER_S, SimTime};
use choreo_sim::model::Simulation;
use choreo_sim::observe::SimEvent;
use choreo_sim::run::{RunOptions, run_architecture, run_scenario};
use choreo_sim::scenario::{FaultKind, Scenario};
use support::load;

/// Runs architecture 0 to the horizon, collecting every event.
fn events(s: &Arc<Scenario>) -> (Simulation, Vec<(SimTime, SimEvent)>) {
    let mut sim = Simulation::new(Arc::clone(s), 0);
    let mut out = Vec::new();
    sim.run(&mut out);
    assert!(sim.counts().conserved(), "{:?}", sim.counts());
    (sim, out)
}

#[test]
fn a_monolith_crash_fails_other_kinds_but_a_failing_function_does_not() {
    let loaded = choreo_sim::bundled::load("failure-isolation")
        .unwrap()
        .unwrap();
    let report = run_scenario(&loaded.scenario, &RunOptions::default()).unwrap();
    let (mono, sls) = (&report.architectures[0], &report.architectures[1]);
    assert!(mono.counts.conserved() && sls.counts.conserved());
    // Browse never touches the resize code, yet fails in the monolith: collateral.
    assert!(
        mono.collateral_failures() > 100,
        "monolith collateral {}",
        mono.collateral_failures()
    );
    assert!(mono.metrics.crashes > 0 && mono.metrics.lost_in_crashes > mono.metrics.crashes);
    assert_eq!(sls.collateral_failures(), 0);
    assert!(
        sls.metrics.crashes > 0,
        "the defect fires in the serverless design too"
    );
    // In the serverless design every upload completes: crashed resizes are retried by the
    // platform, and tagging parked during the vision outage is redriven after it.
    assert_eq!(sls.counts.failed, 0);
    assert_eq!(sls.counts.dead_lettered, 0);
    assert!(
        sls.metrics.dead_letter_moves > 100
            && sls.metrics.redriven == sls.metrics.dead_letter_moves
    );
    assert_eq!(
        sls.metrics.completed_after_redrive, sls.metrics.redriven,
        "every redriven message was processed"
    );
    let rows = sls.isolation.rows();
    let upload = loaded
        .scenario
        .kinds
        .iter()
        .position(|k| k == "upload")
        .unwrap();
    // Fault ids count the faults that hit each architecture: here resize-fn (0), vision (1).
    let during_outage = rows
        .iter()
        .find(|r| r.fault == 1 && r.window == "during" && r.kind == upload)
        .unwrap();
    assert!(
        during_outage.arrived > 1_000 && during_outage.failed == 0,
        "{during_outage:?}"
    );
    // ... while every monolith upload during the outage fails.
    let rows = mono.isolation.rows();
    let mono_outage = rows
        .iter()
        .find(|r| r.fault == 1 && r.window == "during" && r.kind == upload)
        .unwrap();
    assert_eq!(mono_outage.failed, mono_outage.arrived);
}

#[test]
fn isolation_windows_are_cut_at_the_fault_start_and_end() {
    let s = load(
        r#"Scenario(name: "w", horizon: "300s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", work: [Call("x")]), External(name: "x", latency: "1ms")])],
          faults: [Fault(target: "x", at: "100s", lasts: "50s", kind: Outage)])"#,
    );
    let report = run_architecture(s, 0, NS_PER_S, &mut ()).unwrap();
    let rows = report.isolation.rows();
    let by_window = |w: &str| rows.iter().find(|r| r.window == w).unwrap();
    // Arrivals every 100 ms from 0.1 s; the fault's own events were scheduled first, so an
    // arrival at exactly 100 s is already "during" and one at 150 s already "after".
    assert_eq!(
        (by_window("before").arrived, by_window("before").failed),
        (999, 0)
    );
    assert_eq!(
        (by_window("during").arrived, by_window("during").failed),
        (500, 500)
    );
    assert_eq!(
        (by_window("after").arrived, by_window("after").failed),
        (1500, 0)
    );
    assert_eq!(by_window("during").start_s, 100.0);
    assert_eq!(by_window("during").end_s, 150.0);
    // The failure ratio is back in the first bucket after the end.
    assert_eq!(by_window("after").recovery_s, 0.0);
}

#[test]
fn the_recovery_baseline_counts_failures_of_the_before_window_that_end_during_the_fault() {
    // Two kinds at 10/s each (0.1 s, 0.2 s, ...), through one server. Every "slow" request
    // calls an external service that fails every call after 5 s; every "fast" one calls `x`
    // (1 ms), which is down from 100 s to 150 s. Before (arrivals 0.1 … 99.9 s): 999 of each
    // kind, the 999 slow ones fail, so the baseline is 999 / 1,998 = 0.5 exactly — though the
    // slow ones that arrived from 95 s fail only at 100 s or later, during the outage. During:
    // everything fails (ratio 1 > 0.5 + 0.01), so the window needs a recovery. After (from
    // 150 s, the fault's end ordered first): each 1-s bucket holds 10 slow arrivals, all
    // failing, and 10 fast ones, none: 0.5 ≤ 0.51, so the first bucket, 150 s, is the
    // recovery: 0 s. A baseline that missed the late failures (950 of 1,998 = 0.475) would be
    // met only in the last buckets, whose slow requests have not failed by the horizon.
    let s = load(
        r#"Scenario(name: "late", horizon: "300s",
          workload: [Source(kind: "slow", arrivals: Constant(per_second: 10.0)),
                     Source(kind: "fast", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", workers: 200, handlers: {"slow": [Call("bad")], "fast": [Call("x")]}),
            External(name: "bad", latency: "5s", error_rate: 1.0),
            External(name: "x", latency: "1ms")])],
          faults: [Fault(target: "x", at: "100s", lasts: "50s", kind: Outage)])"#,
    );
    let report = run_architecture(s, 0, NS_PER_S, &mut ()).unwrap();
    let rows = report.isolation.rows();
    let before: Vec<(u64, u64)> = rows
        .iter()
        .filter(|r| r.window == "before")
        .map(|r| (r.arrived, r.failed))
        .collect();
    assert_eq!(before, vec![(999, 999), (999, 0)]);
    for r in &rows {
        assert_eq!((r.recovered, r.recovery_s), (Some(true), 0.0), "{r:?}");
    }
}

#[test]
fn a_circuit_breaker_stops_calls_to_a_dead_dependency_and_probes_after_its_cooldown() {
    let s = load(
        r#"Scenario(name: "b", horizon: "120s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", work: [Call("dead")],
                     calls: {"dead": Policy(breaker: Breaker(failures: 3, cooldown: "10s"))}),
            External(name: "dead", latency: "5ms")])],
          faults: [Fault(target: "dead", at: "0s", lasts: "60s", kind: Outage)])"#,
    );
    let (_, ev) = events(&s);
    let calls_to_dead = |from: SimTime, to: SimTime| {
        ev.iter()
            .filter(|(t, e)| (from..to).contains(t) && matches!(e, SimEvent::Request { to: 1, .. }))
            .count()
    };
    let opened: Vec<SimTime> = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::BreakerOpened { .. }))
        .map(|(t, _)| *t)
        .collect();
    let closed: Vec<SimTime> = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::BreakerClosed { .. }))
        .map(|(t, _)| *t)
        .collect();
    // Three failures open it (at 0.3 s); each probe 10 s later fails and reopens it, until
    // the probe after the outage (at 60.3 s + cooldown... the first one at or after 60 s).
    assert_eq!(opened[0], 300 * NS_PER_MS);
    assert_eq!(
        calls_to_dead(0, 60 * NS_PER_S),
        3 + 5,
        "three failures, then one probe per cooldown"
    );
    for pair in opened.windows(2) {
        assert!(
            pair[1] - pair[0] >= 10 * NS_PER_S,
            "probes wait for the cooldown: {opened:?}"
        );
    }
    assert_eq!(closed.len(), 1);
    assert!(
        closed[0] >= 60 * NS_PER_S && closed[0] <= 71 * NS_PER_S,
        "closed at {}",
        closed[0]
    );
    // Once closed, every call goes through again: 10 per second.
    assert_eq!(calls_to_dead(80 * NS_PER_S, 90 * NS_PER_S), 100);
    let short = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::ShortCircuited { .. }))
        .count();
    assert!(short > 500, "{short} calls failed fast while open");
}

#[test]
fn retries_back_off_exponentially_and_never_exceed_their_attempts() {
    let s = load(
        r#"Scenario(name: "r", horizon: "10s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "f", entry: "app", components: [
            Server(name: "app", workers: 10, handlers: {"a": [Call("flaky")]},
                   calls: {"flaky": Policy(retries: 3, backoff: "100ms", jitter: false)}),
            External(name: "flaky", latency: "10ms", error_rate: 1.0)])])"#,
    );
    let (sim, ev) = events(&s);
    let arrived = sim.counts().arrived as usize;
    let calls = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Request { to: 1, .. }))
        .count();
    let retries = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Retried { .. }))
        .count();
    let done: Vec<SimTime> = ev
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
    assert_eq!(arrived, 9);
    assert_eq!(calls, 4 * arrived, "one call and three retries each");
    assert_eq!(retries, 3 * arrived);
    // 4 calls of 10 ms and back-offs of 100, 200 and 400 ms.
    assert!(done.iter().all(|&l| l == 740 * NS_PER_MS), "{done:?}");
}

#[test]
fn jittered_backoff_stays_within_its_ceiling() {
    let s = load(
        r#"Scenario(name: "r", horizon: "1000s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 5.0))],
          architectures: [Architecture(name: "f", entry: "app", components: [
            Server(name: "app", workers: 100, handlers: {"a": [Call("flaky")]},
                   calls: {"flaky": Policy(retries: 2, backoff: "1s", max_backoff: "1500ms")}),
            External(name: "flaky", latency: "0ms", error_rate: 1.0)])])"#,
    );
    let (_, ev) = events(&s);
    let latencies: Vec<SimTime> = ev
        .iter()
        .filter_map(|(_, e)| match e {
            SimEvent::ResponseSent { latency_ns, .. } => Some(*latency_ns),
            _ => None,
        })
        .collect();
    // Full jitter: uniform in [0, 1 s] then [0, 1.5 s]: total in [0, 2.5 s], mean 1.25 s.
    assert!(latencies.iter().all(|&l| l <= 2_500 * NS_PER_MS));
    let mean = latencies.iter().sum::<u64>() as f64 / latencies.len() as f64 / 1e9;
    // n ≈ 5,000 independent totals of sd √(1/12 + 2.25/12) = 0.52 s: the SE of the mean is
    // 0.0074 s (0.59%); tolerance 0.0375 s = 3% (5 SE; it was 0.05 s = 4% on 500, 2.1 SE).
    eprintln!("mean back-off {mean} s over {}", latencies.len());
    assert!((mean - 1.25).abs() < 0.0375, "mean back-off {mean}");
}

#[test]
fn a_timed_out_call_fails_the_caller_and_the_callee_runs_on() {
    let s = load(
        r#"Scenario(name: "t", horizon: "60s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 2.0))],
          architectures: [Architecture(name: "f", entry: "front", components: [
            Function(name: "front", cold_start: "0ms", work: [Call("slow")], calls: {"slow": Policy(timeout: "1s")}),
            Function(name: "slow", cold_start: "0ms", work: [Compute("3s"), Write("db")]),
            Database(name: "db", latency: "1ms")])])"#,
    );
    let (sim, ev) = events(&s);
    let c = sim.counts();
    let timeouts = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::TimedOut { .. }))
        .count() as u64;
    // Every call timed out, but the last (arrived at 59.5 s, due to time out at 60.5 s).
    assert_eq!(c.arrived, 119);
    assert_eq!(timeouts, c.arrived - 1);
    // The abandoned callee still finishes its work: the database sees every write.
    let writes = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Operation { .. }))
        .count() as u64;
    assert_eq!(writes, c.failed);
    // Responses fail after the timeout, not after the callee.
    assert!(ev.iter().all(
        |(_, e)| !matches!(e, SimEvent::ResponseSent { latency_ns, .. } if *latency_ns != NS_PER_S)
    ));
    // Done only when the callee has finished: 3 s of compute plus the write.
    assert!(ev.iter().any(|(_, e)| matches!(e, SimEvent::TransactionDone { latency_ns, .. } if *latency_ns == 3_001 * NS_PER_MS)));
}

#[test]
fn a_crashed_server_instance_fails_everything_in_flight_and_restarts() {
    let s = load(
        r#"Scenario(name: "c", horizon: "100s",
          workload: [Source(kind: "leaky", arrivals: Constant(per_second: 1.0)),
                     Source(kind: "other", arrivals: Constant(per_second: 20.0))],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", instances: 1, workers: 100, restart: "5s",
                   handlers: {"leaky": [Compute("100ms")], "other": [Compute("2s")]})])],
          faults: [Fault(target: "app", handler: "leaky", at: "0s", lasts: "1h", kind: Crash(after: 10))])"#,
    );
    let (_, ev) = events(&s);
    let crashes: Vec<(SimTime, u32)> = ev
        .iter()
        .filter_map(|(t, e)| match e {
            SimEvent::InstanceCrashed { lost, .. } => Some((*t, *lost)),
            _ => None,
        })
        .collect();
    let restarts: Vec<SimTime> = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::InstanceRestarted { .. }))
        .map(|(t, _)| *t)
        .collect();
    // The 10th leaky request since start crashes the process, at 10 s; it is back at 15 s.
    assert_eq!(crashes[0].0, 10 * NS_PER_S);
    assert_eq!(restarts[0], 15 * NS_PER_S);
    // In flight then: the leaky request itself and the 39 "other" requests that arrived in
    // (8 s, 10 s); the one from 8 s finished at 10 s, just before (it was scheduled first).
    assert_eq!(crashes[0].1, 40);
    // While it is down every request is rejected: "other" from 10 s (its arrival was
    // scheduled after the leaky one's) to 14.95 s, and leaky at 11 to 14 s.
    let rejected_while_down = ev
        .iter()
        .filter(|(t, e)| {
            (10 * NS_PER_S..15 * NS_PER_S).contains(t) && matches!(e, SimEvent::Rejected { .. })
        })
        .count();
    assert_eq!(rejected_while_down, 5 * 21 - 1);
}

#[test]
fn a_function_instance_killed_by_a_crash_is_discarded_and_the_next_invocation_starts_cold() {
    // One request a second (1 s … 99 s: 99), 10 ms each, far apart enough for one instance to
    // serve them all while it lives (keep-alive 10 min). Crash(after: 2) kills every second
    // execution counted on an instance since it started, and the docs say a crashed
    // function instance is discarded: request 1 starts instance A cold, 2 crashes it, 3
    // starts B cold, 4 crashes it, ...: the odd requests (50) start cold and complete, the
    // even ones (49) crash and fail. Kept warm after its crash, the one instance would have
    // served everything after a single cold start.
    let s = load(
        r#"Scenario(name: "crash", horizon: "100s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", cold_start: "100ms", work: [Compute("10ms")])])],
          faults: [Fault(target: "f", at: "0s", lasts: "1h", kind: Crash(after: 2))])"#,
    );
    let report = run_architecture(s, 0, NS_PER_S, &mut ()).unwrap();
    let c = report.counts;
    assert_eq!((c.arrived, c.completed, c.failed), (99, 50, 49), "{c:?}");
    assert_eq!(report.metrics.crashes, 49);
    assert_eq!(report.metrics.cold_starts, 50);
}

#[test]
fn poison_messages_end_in_the_dead_letter_queue_and_nothing_is_lost() {
    let s = load(
        r#"Scenario(name: "p", horizon: "1h",
          workload: [Source(kind: "m", arrivals: Poisson(per_second: 2.0))],
          architectures: [Architecture(name: "q", entry: "producer", components: [
            Function(name: "producer", work: [Emit("jobs")]),
            Queue(name: "jobs", consumer: "worker", batch: 1, visibility_timeout: "2s", max_receives: 3, dead_letter: "dlq"),
            Queue(name: "dlq"),
            Function(name: "worker", work: [Compute("10ms")])])],
          faults: [Fault(target: "jobs", at: "10m", lasts: "10m", kind: Poison(rate: 0.1))])"#,
    );
    let (sim, _) = events(&s);
    let c = sim.counts();
    // About 10% of the 1,200 messages sent during the fault.
    assert!((90..=150).contains(&c.dead_lettered), "{c:?}");
    assert_eq!(c.failed, 0);
}

#[test]
fn an_outage_with_a_dead_letter_queue_and_redrive_loses_nothing() {
    let s = load(
        r#"Scenario(name: "d", horizon: "1h",
          workload: [Source(kind: "m", arrivals: Poisson(per_second: 5.0))],
          architectures: [Architecture(name: "q", entry: "producer", components: [
            Function(name: "producer", work: [Emit("jobs")]),
            Queue(name: "jobs", consumer: "worker", visibility_timeout: "10s", max_receives: 2, dead_letter: "dlq"),
            Queue(name: "dlq", redrive: AfterFaults(to: "jobs", delay: "2m")),
            Function(name: "worker", work: [Call("api")]),
            External(name: "api", latency: "20ms")])],
          faults: [Fault(target: "api", at: "10m", lasts: "10m", kind: Outage)])"#,
    );
    let (sim, ev) = events(&s);
    let c = sim.counts();
    let moved = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::DeadLettered { .. }))
        .count();
    let redriven = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Redriven { .. }))
        .count();
    assert!(moved > 2_500, "{moved} messages parked during the outage");
    assert_eq!(redriven, moved);
    assert_eq!((c.failed, c.dead_lettered), (0, 0), "{c:?}");
    assert!(c.in_flight < 20, "{c:?}");
}

#[test]
fn faults_started_live_reach_the_simulation() {
    let s = load(
        r#"Scenario(name: "l", horizon: "100s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", work: [Call("x")]), External(name: "x", latency: "1ms")])])"#,
    );
    let mut sim = Simulation::new(s, 0);
    let mut ev = Vec::new();
    sim.step_until(10 * NS_PER_S, &mut ev);
    assert_eq!(sim.counts().failed, 0);
    let id = sim.start_fault(1, FaultKind::Outage, None);
    assert_eq!(sim.active_faults(), vec![(id, 1, FaultKind::Outage)]);
    sim.step_until(20 * NS_PER_S, &mut ev);
    assert_eq!(
        sim.counts().failed,
        100,
        "every call in the 10 s of outage fails"
    );
    assert!(sim.end_fault(id));
    assert!(!sim.end_fault(id), "a fault ends once");
    sim.step_until(30 * NS_PER_S, &mut ev);
    assert_eq!(sim.counts().failed, 100);
    let began = ev
        .iter()
        .filter(|(t, e)| *t == 10 * NS_PER_S && matches!(e, SimEvent::FaultBegan { .. }))
        .count();
    let ended = ev
        .iter()
        .filter(|(t, e)| *t == 20 * NS_PER_S && matches!(e, SimEvent::FaultEnded { .. }))
        .count();
    assert_eq!((began, ended), (1, 1));
}

#[test]
fn slow_and_capacity_faults_change_latency_and_throttling() {
    let s = load(
        r#"Scenario(name: "s", horizon: "100s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 100.0))],
          architectures: [Architecture(name: "f", entry: "app", components: [
            Server(name: "app", workers: 1000, handlers: {"a": [Read("db")]}),
            Database(name: "db", latency: "10ms", capacity: PerSecond(200.0))])],
          faults: [Fault(target: "db", at: "20s", lasts: "20s", kind: Slow(factor: 2.0, add: "5ms")),
                   Fault(target: "db", at: "60s", lasts: "20s", kind: CapacityCut(factor: 0.25))])"#,
    );
    let (_, ev) = events(&s);
    let latency_at = |t: SimTime| {
        ev.iter()
            .find_map(|(at, e)| match e {
                SimEvent::ResponseSent {
                    latency_ns,
                    ok: true,
                    ..
                } if *at >= t => Some(*latency_ns),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(latency_at(10 * NS_PER_S), 10 * NS_PER_MS);
    assert_eq!(latency_at(30 * NS_PER_S), 25 * NS_PER_MS);
    // Capacity 200/s cut to 50/s under 100/s of load: about half are throttled for 20 s.
    let throttled = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Throttled { .. }))
        .count();
    assert!((950..=1_050).contains(&throttled), "{throttled}");
}

#[test]
fn repeating_faults_hit_every_architecture_in_the_same_windows() {
    let s = load(
        r#"Scenario(name: "r", horizon: "6h", seed: 3,
          workload: [Source(kind: "a", arrivals: Poisson(per_second: 5.0))],
          architectures: [
            Architecture(name: "one", entry: "f", components: [
              Function(name: "f", work: [Call("x")]), External(name: "x", latency: "5ms")]),
            Architecture(name: "two", entry: "app", components: [
              Server(name: "app", workers: 50, handlers: {"a": [Compute("1ms"), Call("x")]}),
              External(name: "x", latency: "5ms")])],
          faults: [Fault(target: "x", repeat: Repeat(between: Exponential(mean: "10m"), repair: Uniform(min: "30s", max: "2m")),
                         kind: Errors(rate: 0.5))])"#,
    );
    let report = run_scenario(&s, &RunOptions::default()).unwrap();
    let windows = |i: usize| -> Vec<(u64, Option<u64>)> {
        report.architectures[i]
            .isolation
            .faults()
            .iter()
            .flat_map(|f| f.windows())
            .collect()
    };
    assert!(windows(0).len() >= 5, "{:?}", windows(0));
    assert_eq!(windows(0), windows(1));
    for a in &report.architectures {
        assert!(a.counts.conserved());
        // Half the calls fail while a fault is in force, none otherwise.
        let rows = a.isolation.rows();
        let (arrived, failed) = rows
            .iter()
            .filter(|r| r.window == "during")
            .fold((0, 0), |(x, y), r| (x + r.arrived, y + r.failed));
        let ratio = failed as f64 / arrived as f64;
        // n = the arrivals during the windows (11,681 over 6 h), each failing independently:
        // SE = √(0.25/n) = 0.0046 (binomial); tolerance 0.015 = 3% (3.2 SE; it was 0.05 = 10%
        // over 2 h).
        eprintln!("{}: {ratio} of {arrived} during the faults", a.name);
        assert!((ratio - 0.5).abs() < 0.015, "{}: {ratio}", a.name);
    }
}

#[test]
fn outages_of_a_gateway_and_a_topic_fail_what_goes_through_them() {
    let s = load(
        r#"Scenario(name: "g", horizon: "60s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "f", entry: "api", components: [
            Gateway(name: "api", routes: {"a": "f"}),
            Function(name: "f", cold_start: "0ms", work: [Emit("t")]),
            Topic(name: "t", subscribers: ["sink"]),
            Queue(name: "sink")])],
          faults: [Fault(target: "api", at: "10s", lasts: "10s", kind: Outage),
                   Fault(target: "t", at: "30s", lasts: "10s", kind: Outage)])"#,
    );
    let report = run_architecture(s, 0, NS_PER_S, &mut ()).unwrap();
    let rows = report.isolation.rows();
    let during = |fault: u32| {
        rows.iter()
            .find(|r| r.fault == fault && r.window == "during")
            .unwrap()
    };
    assert_eq!((during(0).arrived, during(0).failed), (100, 100));
    assert_eq!((during(1).arrived, during(1).failed), (100, 100));
    assert_eq!(report.counts.failed, 200);
}

#[test]
fn timed_out_calls_waiting_for_database_capacity_do_not_crash() {
    // Callers give up while their reads still wait in the database's line; the line skips them.
    let s = load(
        r#"Scenario(name: "dbto", horizon: "2m",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 50.0))],
          architectures: [Architecture(name: "srv", entry: "app", components: [
            Server(name: "app", workers: 100, handlers: {"a": [Read("db")]}, calls: {"db": Policy(timeout: "50ms")}),
            Database(name: "db", latency: "100ms", capacity: Concurrency(1))])])"#,
    );
    let (sim, ev) = events(&s);
    let c = sim.counts();
    let timeouts = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::TimedOut { .. }))
        .count() as u64;
    // Every call times out (100 ms reads against a 50 ms timeout), but the two that arrived
    // within 50 ms of the horizon.
    assert_eq!(c.arrived, 5_999);
    assert_eq!(timeouts, c.arrived - 2);
    assert_eq!(c.completed, 0);
}

#[test]
fn a_breaker_whose_probe_dies_in_a_crash_probes_again() {
    let s = load(
        r#"Scenario(name: "brk", horizon: "3m",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "srv", entry: "app", components: [
            Server(name: "app", workers: 100, restart: "1s", handlers: {"a": [Call("ext")]},
                   calls: {"ext": Policy(breaker: Breaker(failures: 3, cooldown: "2s"))}),
            External(name: "ext", latency: "1s")])],
          faults: [Fault(target: "ext", at: "10s", lasts: "90s", kind: Errors(rate: 1.0)),
                   Fault(target: "app", at: "10s", lasts: "90s", kind: Crash(probability: 0.1))])"#,
    );
    let (_, ev) = events(&s);
    let closed_after = ev
        .iter()
        .find(|(t, e)| *t >= 100 * NS_PER_S && matches!(e, SimEvent::BreakerClosed { .. }))
        .map(|(t, _)| *t);
    assert!(
        closed_after.is_some_and(|t| t < 106 * NS_PER_S),
        "closed at {closed_after:?}"
    );
    let failed_late = ev
        .iter()
        .filter(|(t, e)| {
            *t > 110 * NS_PER_S && matches!(e, SimEvent::ResponseSent { ok: false, .. })
        })
        .count();
    assert_eq!(failed_late, 0);
}

#[test]
fn an_outage_of_a_queue_consumer_holds_its_messages_until_it_ends() {
    let s = load(
        r#"Scenario(name: "cons", horizon: "10m",
          workload: [Source(kind: "m", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "q", entry: "producer", components: [
            Function(name: "producer", cold_start: "0ms", work: [Emit("jobs")]),
            Queue(name: "jobs", consumer: "worker", max_receives: 2, dead_letter: "dlq"),
            Queue(name: "dlq"),
            Function(name: "worker", cold_start: "0ms", work: [Compute("10ms")])])],
          faults: [Fault(target: "worker", at: "60s", lasts: "60s", kind: Outage)])"#,
    );
    let (sim, ev) = events(&s);
    let processed_during = ev
        .iter()
        .filter(|(t, e)| {
            (60 * NS_PER_S..120 * NS_PER_S).contains(t)
                && matches!(e, SimEvent::MessageDeleted { .. })
        })
        .count();
    assert_eq!(processed_during, 0);
    let c = sim.counts();
    assert_eq!((c.failed, c.dead_lettered), (0, 0), "{c:?}");
    // The 600 messages held during the outage are processed once it ends.
    let done = ev
        .iter()
        .filter(|(t, e)| *t < 121 * NS_PER_S && matches!(e, SimEvent::TransactionDone { .. }))
        .count();
    assert!(done >= 1_199, "{done}");
}

#[test]
fn an_outage_of_one_handler_fails_only_its_kind() {
    let s = load(
        r#"Scenario(name: "h", horizon: "2m",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 10.0)),
                     Source(kind: "b", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "server", entry: "app", components: [
            Server(name: "app", workers: 8, handlers: {"a": [Compute("20ms")], "b": [Compute("20ms")]})])],
          faults: [Fault(target: "app", handler: "a", at: "30s", lasts: "30s", kind: Outage)])"#,
    );
    let report = run_architecture(s, 0, NS_PER_S, &mut ()).unwrap();
    let rows = report.isolation.rows();
    let during = |kind: usize| {
        rows.iter()
            .find(|r| r.window == "during" && r.kind == kind)
            .unwrap()
    };
    assert_eq!((during(0).arrived, during(0).failed), (300, 300));
    assert_eq!(during(1).failed, 0);
    assert_eq!(report.collateral_failures(), 0);
}

#[test]
fn failures_of_transactions_that_arrived_during_a_fault_count_for_its_recovery_when_they_end_after_it()
 {
    // Arrivals at 10/s (0.1 s, 0.2 s, ...) call `slow` (100 ms of compute, at most 10 at
    // once) with a 1-s timeout. A Slow fault from 100 s to 101 s adds 4.55 s to each compute
    // started in it: the 10 arrivals at 100.0 … 100.9 s time out at 101.0 … 101.9 s, and
    // each transaction ends, failed, when its callee finishes, at 104.65 … 105.55 s: after
    // the fault's end, when its "during" figures are already cut. Before the fault nothing
    // fails (999 arrivals, baseline 0); the 10 slow computes hold all 10 slots until
    // 104.65 s + k × 0.1 s, so the arrivals at 101.0 … 104.6 s (37) are throttled and fail,
    // and from 104.7 s each finds a slot freed. The recovery buckets (1 s, by arrival) after
    // the end: 101, 102, 103 fail entirely, 104 fails 7 of 10, 105 none: recovered after
    // 105 − 101 = 4 s. Counting the late failures out would leave the window without
    // failures (0 of 10, not above the baseline), so 0 s; subtracting them underflows.
    let s = load(
        r#"Scenario(name: "late", horizon: "200s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "f", entry: "front", components: [
            Function(name: "front", cold_start: "0ms", work: [Call("slow")], calls: {"slow": Policy(timeout: "1s")}),
            Function(name: "slow", cold_start: "0ms", concurrency: 10, work: [Compute("100ms")])])],
          faults: [Fault(target: "slow", at: "100s", lasts: "1s", kind: Slow(add: "4550ms"))])"#,
    );
    let report = run_architecture(s, 0, NS_PER_S, &mut ()).unwrap();
    let rows = report.isolation.rows();
    let counts: Vec<(&str, u64, u64)> = rows
        .iter()
        .map(|r| (r.window.name(), r.arrived, r.failed))
        .collect();
    assert_eq!(
        counts,
        vec![("before", 999, 0), ("during", 10, 10), ("after", 990, 37)]
    );
    for r in &rows {
        assert_eq!((r.recovered, r.recovery_s), (Some(true), 4.0), "{r:?}");
    }
}
