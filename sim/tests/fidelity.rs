//! Platform fidelity left from issue 10 (issue 15): a crashed provisioned instance is
//! replaced, Arm functions pay Arm provisioned prices, a server's connection pool smaller
//! than its workers makes requests wait for a connection, autoscaled instance slots are
//! reused, and an autoscaling group can track its backlog. Each against hand-computed
//! figures or theory. (The parallel state's fail-fast is in `orchestration.rs`.)

#[path = "support/scenario.rs"]
mod support;

use std::collections::BTreeMap;

use choreo_sim::engine::{NS_PER_MS, NS_PER_S, SimTime};
use choreo_sim::observe::SimEvent;
use choreo_sim::run::{ArchReport, run_architecture};
use choreo_sim::scenario;
use support::{assert_close_replicated, docs_example, load, replicate};

/// A run of architecture 0 of `text`, with every event.
fn run(text: &str) -> (ArchReport, Vec<(SimTime, SimEvent)>) {
    let mut ev = Vec::new();
    let r = run_architecture(load(text), 0, 60 * NS_PER_S, &mut ev).unwrap();
    assert!(r.counts.conserved(), "{:?}", r.counts);
    (r, ev)
}

/// The `costs.csv` line `item` of component `comp`: (quantity, unit price).
fn cost(r: &ArchReport, comp: &str, item: &str) -> (f64, f64) {
    let lines: Vec<_> = r
        .costs
        .iter()
        .filter(|c| c.component == comp && c.item == item)
        .collect();
    assert_eq!(lines.len(), 1, "one {comp} {item:?} line in {:#?}", r.costs);
    (lines[0].quantity, lines[0].unit_price_usd)
}

// ---- 2. A crashed provisioned instance is replaced ----------------------------------------

#[test]
fn a_crashed_provisioned_instance_is_replaced_after_its_init_time() {
    // One provisioned instance; a request every 100 ms, each computing 50 ms; cold starts
    // take 300 ms. The request at 5 s crashes its instance (a crash window of 1 ms). The
    // platform initialises a replacement from 5 s, ready at 5.3 s: the requests at 5.1 and
    // 5.2 s find no idle instance and cold-start two on-demand ones (5.1 s's is still
    // starting at 5.2 s); from 5.3 s every request runs warm on the provisioned
    // replacement. So 2 cold starts in the run, not one per request of an on-demand
    // scale-out as when the provisioned count dropped to zero.
    let (r, ev) = run(r#"Scenario(name: "replace", horizon: "10s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", provisioned: 1, cold_start: "300ms", work: [Compute("50ms")])])],
          faults: [Fault(target: "f", at: "5s", lasts: "1ms", kind: Crash(after: 1))])"#);
    assert_eq!(r.counts.failed, 1);
    assert_eq!(r.metrics.cold_starts, 2);
    let ready: Vec<(SimTime, u32)> = ev
        .iter()
        .filter_map(|(t, e)| match e {
            SimEvent::InstanceReady { instance, .. } => Some((*t, *instance)),
            _ => None,
        })
        .collect();
    // The replacement (ready at 5.3 s) and the two on-demand instances (5.4 s, 5.5 s).
    assert_eq!(
        ready.iter().map(|r| r.0).collect::<Vec<_>>(),
        [5300, 5400, 5500].map(|ms| ms * NS_PER_MS)
    );
    let replacement = ready[0].1;
    let began: Vec<SimTime> = ev
        .iter()
        .filter_map(|(t, e)| match e {
            SimEvent::ColdStartBegan { instance, .. } if *instance == replacement => Some(*t),
            _ => None,
        })
        .collect();
    assert_eq!(began, [5 * NS_PER_S]);
    // From 5.3 s on, every request ran warm on the replacement (the cold ones starting
    // then are those of 5.1 and 5.2 s, on the on-demand instances ready at 5.4 and 5.5 s),
    // billed as provisioned.
    let (mut warm, mut cold) = (0, 0);
    for (t, e) in &ev {
        match e {
            SimEvent::InvocationStarted {
                instance, cold: c, ..
            } if *t >= 5300 * NS_PER_MS => {
                if *c {
                    cold += 1;
                } else {
                    assert_eq!(*instance, replacement, "{t}: {e:?}");
                    warm += 1;
                }
            }
            SimEvent::InvocationEnded {
                instance,
                provisioned,
                ..
            } if *instance == replacement => assert!(provisioned),
            _ => {}
        }
    }
    assert_eq!(
        (warm, cold),
        (47, 2),
        "the requests from 5.3 s to 9.9 s, and two cold"
    );
}

#[test]
fn a_provisioned_instance_whose_invocation_timed_out_is_replaced_too() {
    // A timeout resets the runtime (the instance is discarded): with provisioned: 1 and a
    // 100 ms timeout on 200 ms of work, every invocation times out; each time a replacement
    // takes the 300 ms init, so requests 1 s apart always find it ready: no cold start.
    let (r, _) = run(r#"Scenario(name: "timeouts", horizon: "10s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", provisioned: 1, cold_start: "300ms", timeout: "100ms", work: [Compute("200ms")])])])"#);
    assert_eq!(r.counts.failed, 9);
    assert_eq!(r.metrics.function_timeouts, 9);
    assert_eq!(r.metrics.cold_starts, 0);
}

// ---- 3. Arm provisioned prices --------------------------------------------------------------

/// Two provisioned 1,024 MB instances for an hour, one request a second computing 100 ms,
/// on `arch`, with `prices`.
fn provisioned(arch: &str, prices: &str) -> ArchReport {
    run(&format!(
        r#"Scenario(name: "arm", horizon: "1h", prices: Prices({prices}),
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", memory_mb: 1024, arch: {arch}, provisioned: 2, work: [Compute("100ms")])])])"#
    ))
    .0
}

#[test]
fn arm_functions_pay_the_arm_provisioned_prices() {
    // AWS us-east-1: provisioned concurrency $0.0000041667 per GB-s on x86, $0.0000033334
    // on Arm; duration on it $0.0000097222 and $0.0000077778. 2 × 1 GB × 3,600 s = 7,200
    // GB-s kept: $0.0300 on x86, $0.0240 on Arm; 3,599 invocations × 0.1 s × 1 GB = 359.9
    // GB-s of provisioned duration.
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
    for (arch, kept, run_price) in [
        ("X86", 0.000_004_166_7, 0.000_009_722_2),
        ("Arm", 0.000_003_333_4, 0.000_007_777_8),
    ] {
        let r = provisioned(arch, "");
        let (quantity, price) = cost(&r, "f", "provisioned concurrency");
        assert!(
            close(quantity, 7200.0) && close(price, kept),
            "{arch}: {price}"
        );
        let (quantity, price) = cost(&r, "f", "provisioned duration");
        assert!(close(quantity, 359.9) && close(price, run_price), "{arch}");
    }
    let arm = provisioned("Arm", "");
    let x86 = provisioned("X86", "");
    let ratio = arm.cost_usd() / x86.cost_usd();
    // Requests ($0.20 per million) are the same on both: the rest is 20% cheaper.
    let requests = 3599.0 * 0.2e-6;
    let expected = (7200.0 * 0.000_003_333_4 + 359.9 * 0.000_007_777_8 + requests)
        / (7200.0 * 0.000_004_166_7 + 359.9 * 0.000_009_722_2 + requests);
    assert!(close(ratio, expected), "{ratio} against {expected}");
    // Each override reaches its own architecture's lines only.
    let r = provisioned(
        "Arm",
        "provisioned_gb_second_arm: 0.001, provisioned_duration_gb_second_arm: 0.002, provisioned_gb_second: 9.0",
    );
    assert_eq!(cost(&r, "f", "provisioned concurrency").1, 0.001);
    assert_eq!(cost(&r, "f", "provisioned duration").1, 0.002);
    let r = provisioned("X86", "provisioned_gb_second_arm: 0.001");
    assert_eq!(cost(&r, "f", "provisioned concurrency").1, 0.000_004_166_7);
}

// ---- 4. A connection pool smaller than the workers -------------------------------------------

/// The docs' pool example: one server instance of 4 workers whose handler reads a database
/// taking 100 ms, 20 requests a second for 10 s; with `pool` connections.
fn pooled(pool: u32) -> (ArchReport, Vec<(SimTime, SimEvent)>) {
    let (text, _) = docs_example("Scenario(name: \"pool\"");
    assert!(text.contains("pool: 1,"), "the docs' example changed");
    run(&text.replace("pool: 1,", &format!("pool: {pool},")))
}

#[test]
fn requests_wait_in_fifo_order_for_a_pool_smaller_than_the_workers() {
    // Pool 1: the connection is the bottleneck, 10 reads a second. Request k (k = 1, 2, …)
    // arrives at 50k ms and, in arrival order, gets the connection when request k − 1
    // gives it back: it ends at 50 + 100k ms, a response of 50 + 50k ms. By the 10 s
    // horizon, requests 1 to 99 are done (throughput 10/s, not the workers' 40/s).
    let (r, ev) = pooled(1);
    assert_eq!(r.counts.completed, 99);
    let latencies: BTreeMap<u64, SimTime> = ev
        .iter()
        .filter_map(|(_, e)| match e {
            SimEvent::ResponseSent {
                txn, latency_ns, ..
            } => Some((*txn, *latency_ns)),
            _ => None,
        })
        .collect();
    let expected: Vec<SimTime> = (1..=99).map(|k| (50 + 50 * k) * NS_PER_MS).collect();
    assert_eq!(latencies.values().copied().collect::<Vec<_>>(), expected);
    // The same server with a connection per worker: every read at once, 100 ms each.
    let (r, ev) = pooled(4);
    assert_eq!(r.counts.completed, 198);
    assert!(ev.iter().all(|(_, e)| !matches!(e,
        SimEvent::ResponseSent { latency_ns, .. } if *latency_ns != 100 * NS_PER_MS)));
}

#[test]
fn a_one_connection_pool_is_an_mm1_queue() {
    // Poisson arrivals λ = 5/s, reads Exponential(mean 100 ms) over a pool of 1 and 64
    // workers (who almost never all wait): the connection is an M/M/1 server with ρ = 0.5,
    // mean response 1 / (μ − λ) = 200 ms.
    let xs = replicate(8, |seed| {
        let s = format!(
            r#"Scenario(name: "mm1", horizon: "2h", seed: {seed},
              workload: [Source(kind: "req", arrivals: Poisson(per_second: 5.0))],
              architectures: [Architecture(name: "app", entry: "app", components: [
                Server(name: "app", workers: 64, pool: 1, handlers: {{"req": [Read("db")]}}),
                Database(name: "db", latency: Exponential(mean: "100ms"))])])"#
        );
        let r = run_architecture(load(&s), 0, 3600 * NS_PER_S, &mut ()).unwrap();
        r.metrics.response.mean_ms()
    });
    assert_close_replicated(
        "M/M/1 response over a one-connection pool",
        &xs,
        200.0,
        0.03,
    );
}

#[test]
fn an_instance_whose_pool_got_no_connection_is_refused() {
    // The database allows 2 connections; the first instance's pool of 2 takes both, so the
    // second instance's pool is empty and its reads are refused at once ("too many
    // connections", counted in `rejected`). Round-robin balancing alternates the requests:
    // of the 99, the 50 odd ones run on instance 0 and succeed, the 49 even ones fail.
    let (r, ev) = run(r#"Scenario(name: "empty pool", horizon: "10s",
          workload: [Source(kind: "req", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "app", entry: "app", components: [
            Server(name: "app", instances: 2, workers: 2, pool: 2, balancer: RoundRobin, handlers: {"req": [Read("db")]}),
            Database(name: "db", latency: "10ms", max_connections: 2)])])"#);
    assert_eq!(r.counts.arrived, 99);
    assert_eq!(r.counts.completed, 50);
    assert_eq!(r.counts.failed, 49);
    let rejected = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::Rejected { .. }))
        .count();
    assert_eq!(rejected, 49);
}

// ---- 5. Autoscaled slots are reused ------------------------------------------------------------

#[test]
fn autoscaled_instance_slots_are_reused_across_scale_cycles() {
    // A day of 5-minute bursts every 30 minutes: the group scales out for each burst and
    // back in after it, 48 times. Instance numbers (slots) stay below the group's maximum
    // of 4, and the instance hours equal those replayed from the launch and termination
    // events (per instance, launch to termination or the horizon, at least a minute).
    let text = r#"Scenario(name: "cycles", horizon: "24h",
      workload: [Source(kind: "req", arrivals: Bursts(on_per_second: 20.0, on: "5m", off: "25m"))],
      architectures: [Architecture(name: "app", entry: "app", components: [
        Server(name: "app", workers: 4,
               autoscaling: Autoscaling(min: 1, max: 4, target: 0.5, boot: "30s", cooldown: "60s", period: "60s"),
               handlers: {"req": [Compute("500ms")]})])])"#;
    let (r, ev) = run(text);
    assert_eq!(r.counts.failed, 0);
    let horizon = 24 * 3600 * NS_PER_S;
    let mut alive: BTreeMap<u32, SimTime> = BTreeMap::from([(0, 0)]);
    let (mut billed, mut launches, mut top) = (0u128, 0, 0);
    let least = 60 * NS_PER_S;
    for (t, e) in &ev {
        match e {
            SimEvent::InstanceLaunched { instance, .. } => {
                assert!(
                    alive.insert(*instance, *t).is_none(),
                    "slot {instance} in use"
                );
                launches += 1;
                top = top.max(*instance);
            }
            SimEvent::InstanceReaped { instance, .. } => {
                let start = alive.remove(instance).expect("a running instance");
                billed += u128::from((t - start).max(least));
            }
            _ => {}
        }
    }
    billed += alive
        .values()
        .map(|&s| u128::from((horizon - s).max(least)))
        .sum::<u128>();
    eprintln!("{launches} launches, highest slot {top}");
    assert!(
        launches >= 96,
        "{launches} launches: the group did not cycle"
    );
    assert!(top < 4, "slot {top}: slots grow with the launches");
    let hours = cost(&r, "app", "instance hours").0;
    let replayed = billed as f64 / (3600 * NS_PER_S) as f64;
    assert!(
        (hours - replayed).abs() < 1e-9,
        "{hours} h billed, {replayed} h replayed"
    );
}

// ---- 6. Tracking the backlog ------------------------------------------------------------------

/// Instances launched at each evaluation (60 s and 120 s) by the docs' backlog example (a
/// group of one instance of one worker, 1 s per request, under a step to 2 requests a
/// second at time zero; new instances take 300 s to boot, so none serves before 120 s),
/// with the tracking fields `tracking` instead of `target_backlog_per_instance: 4.0`.
fn launches(tracking: &str) -> [usize; 2] {
    let (text, _) = docs_example("Scenario(name: \"backlog\"");
    let field = "target_backlog_per_instance: 4.0";
    assert!(text.contains(field), "the docs' example changed");
    let (_, ev) = run(&text.replace(field, tracking));
    let at = |t: SimTime| {
        ev.iter()
            .filter(|(when, e)| *when == t && matches!(e, SimEvent::InstanceLaunched { .. }))
            .count()
    };
    [at(60 * NS_PER_S), at(120 * NS_PER_S)]
}

#[test]
fn a_group_tracking_backlog_wants_the_backlog_over_the_target_per_instance() {
    // Request k arrives at k/2 s and starts at k − 1/2 s: the backlog at t is
    // ⌊2t⌋ − ⌊t − 1/2⌋ − 1. Its time average over [0, 60 s] is (3,570 − 1,800) / 60 = 29.5
    // requests, so with 4 per instance the group wants ⌈29.5 / 4⌉ = 8: it launches 7. Over
    // [60 s, 120 s], (10,770 − 5,400) / 60 = 89.5: ⌈89.5 / 4⌉ = 23, 15 more (8 running or
    // booting).
    assert_eq!(launches("target_backlog_per_instance: 4.0"), [7, 15]);
    // Utilisation alone (1 busy worker of 1: ⌈1 × 1 / 0.6⌉ = 2, counted on the one running
    // instance both times): one launch.
    assert_eq!(launches("target: 0.6"), [1, 0]);
    // Both: the larger.
    assert_eq!(
        launches("target: 0.6, target_backlog_per_instance: 4.0"),
        [7, 15]
    );
}

#[test]
fn a_backlog_target_must_be_above_zero() {
    let text = r#"Scenario(name: "bad", horizon: "1m",
      workload: [Source(kind: "req", arrivals: Constant(per_second: 1.0))],
      architectures: [Architecture(name: "app", entry: "app", components: [
        Server(name: "app", autoscaling: Autoscaling(min: 1, max: 2, target_backlog_per_instance: 0.0),
               handlers: {"req": []})])])"#;
    let Err(e) = scenario::load("bad.ron", text) else {
        panic!("an error expected")
    };
    let d = &e.diagnostics[0];
    assert_eq!(
        d.path,
        "architectures[0].components[0].autoscaling.target_backlog_per_instance"
    );
    assert_eq!(d.message, "must be a number above 0, found 0");
}

#[test]
fn a_parallel_state_written_as_a_bare_list_of_branches_gets_a_hint() {
    // `Parallel([[...], [...]])`, the syntax before parallel states had a `catch`.
    let text = r#"Scenario(name: "old", horizon: "1m",
      workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
      architectures: [Architecture(name: "o", entry: "flow", components: [
        Orchestrator(name: "flow", workflow: [Parallel([[Wait("1s")], [Wait("2s")]])])])])"#;
    let Err(e) = scenario::load("old.ron", text) else {
        panic!("an error expected")
    };
    let d = &e.diagnostics[0];
    assert_eq!((d.line, d.col), (4, 56));
    assert!(
        d.hint
            .as_deref()
            .is_some_and(|h| h.contains("Parallel(branches: [[...], [...]])")),
        "{d:?}"
    );
}
