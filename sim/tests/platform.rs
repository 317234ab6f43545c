//! Platform fidelity against theory and published results: Erlang B for a function at its
//! concurrency limit, and SimFaaS's steady state for a function with a 10-minute keep-alive.

#[path = "support/scenario.rs"]
mod support;
use std::sync::Arc;

use choreo_sim::engine::NS_PER_S;
use choreo_sim::run::run_architecture;
use support::{assert_close_replicated, docs_example, load, replicate};

/// Erlang B: blocking probability of c servers with offered load a, by its stable recursion.
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

#[test]
fn erlang_b_matches_its_published_value() {
    // B(10, 8) = 0.12166 (standard Erlang B tables).
    assert!((erlang_b(10, 8.0) - 0.121_661).abs() < 1e-5);
}

/// Synchronous calls to a function at its concurrency limit are refused at once: an Erlang
/// loss system (M/M/c/c). One run of about 100,000 arrivals with the given seed.
fn throttled_fraction(c: u32, lambda: f64, mean_ms: f64, seed: u64) -> f64 {
    let horizon = (100_000.0 / lambda).ceil();
    let s = load(&format!(
        r#"Scenario(name: "loss", horizon: "{horizon}s", seed: {seed},
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
    // n = 8 replications × 100,000 arrivals for each; relative SE from the replications'
    // spread: B(10, 8) ≈ 0.70%, B(4, 2) ≈ 0.63%; tolerance 3% (over 4 SE; it was 5% on one
    // run of 600,000 arrivals).
    // c = 10, a = λ/μ = 8: B = 0.1217.
    let b = replicate(8, |seed| throttled_fraction(10, 80.0, 100.0, seed));
    assert_close_replicated("B(10, 8)", &b, erlang_b(10, 8.0), 0.03);
    // c = 4, a = 2: B = 0.0952.
    let b = replicate(8, |seed| throttled_fraction(4, 20.0, 100.0, seed));
    assert_close_replicated("B(4, 2)", &b, erlang_b(4, 2.0), 0.03);
}

/// SimFaaS sends a warm request to the idle instance created last (`schedule_warm_instance`
/// in its `ServerlessSimulator.py`: the argmax of creation times).
const SIMFAAS_SELECTION: &str = "NewestCreated";

/// The SimFaaS example with keep-alive `keep_alive_s` and warm requests sent to the newest
/// idle instance, as SimFaaS does, one run of 10⁶ s (900,000 requests): (P(cold), mean
/// instances, mean instances running).
fn simfaas(keep_alive_s: u32, seed: u64) -> (f64, f64, f64) {
    let s = load(&format!(
        r#"Scenario(name: "simfaas", horizon: "1000000s", seed: {seed},
          workload: [Source(kind: "r", arrivals: Poisson(per_second: 0.9))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", keep_alive: "{keep_alive_s}s", cold_start: Exponential(mean: "253ms"),
                     instance_selection: {SIMFAAS_SELECTION},
                     work: [Compute(Exponential(mean: "1991ms"))])])])"#,
    ));
    let report = run_architecture(s, 0, 3600 * NS_PER_S, &mut ()).unwrap();
    let u = report.functions[0].1;
    (
        report.metrics.cold_start_ratio(),
        u.instances(),
        u.busy + u.starting,
    )
}

#[test]
fn simfaas_steady_state_with_a_ten_minute_keep_alive() {
    // Mahmoudi & Khazaei, "SimFaaS" (2021), the example of its paper: λ = 0.9/s, warm
    // service exponential with mean 1.991 s, cold 2.244 s (here 0.253 s of start-up before
    // the warm work), instances expire 600 s after their last request ends, the newest idle
    // instance serves first (`instance_selection: NewestCreated`). Published: P(cold) ≈
    // 0.0014, mean instances ≈ 7.7, of which 1.79 running.
    // n = 6 replications × 900,000 requests (each run starts with no instance: its first
    // eight or so cold starts, +0.7%, are the warm-up); relative SE from the replications'
    // spread: P(cold) 0.81%, mean instances 0.09%, running 0.04%. Measured (600 s): P(cold)
    // 0.001346 (−3.9%, within the rounding of the published 0.0014), instances 7.698
    // (with the default MostRecentlyUsed: 0.001353 and 7.697).
    let runs = replicate(6, |seed| simfaas(600, seed));
    let p_cold: Vec<f64> = runs.iter().map(|r| r.0).collect();
    let instances: Vec<f64> = runs.iter().map(|r| r.1).collect();
    let running: Vec<f64> = runs.iter().map(|r| r.2).collect();
    // Tolerance 5% (6 SE; it was 15% on one run). A 540-s keep-alive (checked by hand, the
    // same 6 seeds) gives P(cold) = 0.001514 (+8.1%) and fails.
    assert_close_replicated("P(cold)", &p_cold, 0.0014, 0.05);
    // The mean instance count depends on the keep-alive (idle instances are most of it):
    // tolerance 0.8% (9 SE; the published 7.7 is rounded to ±0.65%). A 540-s keep-alive
    // gives 7.623 (−1.0%) and fails.
    assert_close_replicated("mean instances", &instances, 7.7, 0.008);
    // Running: Little's law λ·E[S] = 0.9 × 1.991 (cold starts add 0.0014 × 0.253 s), blind
    // to the keep-alive.
    assert_close_replicated("mean running", &running, 0.9 * 1.991, 0.03);
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
    // Only the first request is cold: later ones find an instance kept warm (while the
    // histogram learns) or pre-warmed.
    assert_eq!(hybrid.metrics.cold_starts, 1);
    let (w_fixed, w_hybrid) = (fixed.wasted_gb_s(&s), hybrid.wasted_gb_s(&s));
    // Fixed: 191 windows of 600 s at 1 GB.
    assert!((w_fixed / (191.0 * 600.0) - 1.0).abs() < 0.01, "{w_fixed}");
    // Hybrid, derived: requests every 900 s, each running 100 ms (the first after a 250 ms
    // cold start). Until the histogram holds 5 idle times (min_samples) the window is the
    // whole 4-hour range, so the instance idles through the first 5 gaps: 899.65 s, then
    // 4 × 899.9 s. From then on every idle time falls in the 14-15 min bin: pre-warm at
    // 0.9 × 840 = 756 s after the release, so each of the remaining 185 gaps, and the
    // stretch after the last request up to the horizon, holds 900 − 0.1 − 756 = 143.9 s.
    let expected = 899.65 + 4.0 * 899.9 + 186.0 * 143.9;
    assert!(
        (w_hybrid - expected).abs() < 1.0,
        "hybrid idle memory {w_hybrid} GB-s, derived {expected} GB-s"
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

fn one(text: &str) -> choreo_sim::run::ArchReport {
    let s = load(text);
    let report = run_architecture(s, 0, 60 * NS_PER_S, &mut ()).unwrap();
    assert!(report.counts.conserved());
    report
}

#[test]
fn cpu_bound_work_runs_slower_below_one_vcpu_at_the_same_gb_seconds() {
    // 1 s of CPU at 1,769 MB (one vCPU); 128 MB gets 128/1769 of a vCPU: 13.82 s.
    let mut gb_s = Vec::new();
    for memory in [128u32, 512, 1769, 3008] {
        let r = one(&format!(
            r#"Scenario(name: "cpu", horizon: "10m",
              workload: [Source(kind: "r", arrivals: Constant(per_second: 0.05))],
              architectures: [Architecture(name: "f", entry: "f", components: [
                Function(name: "f", memory_mb: {memory}, cold_start: "0ms", work: [Cpu("1s")])])])"#
        ));
        let expected = (1769.0 / f64::from(memory)).max(1.0);
        let mean = r.metrics.response.mean_ms() / 1e3;
        assert!(
            (mean / expected - 1.0).abs() < 1e-3,
            "{memory} MB: {mean} s, expected {expected} s"
        );
        gb_s.push(
            r.costs
                .iter()
                .find(|c| c.item == "duration")
                .unwrap()
                .quantity
                / r.metrics.function_invocations as f64,
        );
    }
    // Below one vCPU, time × memory is constant (≈ 1.728 GB-s); above it, memory is wasted.
    for g in &gb_s[..3] {
        assert!((g / 1.7275 - 1.0).abs() < 0.002, "{gb_s:?}");
    }
    assert!((gb_s[3] - 3008.0 / 1024.0).abs() < 0.01, "{gb_s:?}");
}

#[test]
fn a_function_timeout_stops_the_invocation_and_bills_up_to_it() {
    let r = one(r#"Scenario(name: "to", horizon: "100s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 0.1))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", memory_mb: 1024, cold_start: "0ms", timeout: "2s", work: [Compute("5s")])])])"#);
    assert_eq!(r.counts.arrived, 9);
    assert_eq!(r.counts.failed, 9);
    assert_eq!(r.metrics.function_timeouts, 9);
    let duration = r.costs.iter().find(|c| c.item == "duration").unwrap();
    assert_eq!(duration.quantity, 9.0 * 2.0, "billed 2 s at 1 GB each");
}

#[test]
fn init_duration_is_billed_when_the_price_book_says_so() {
    let text = |bill: bool| {
        format!(
            r#"Scenario(name: "init", horizon: "100s", prices: Prices(bill_init: {bill}),
              workload: [Source(kind: "r", arrivals: Constant(per_second: 0.1))],
              architectures: [Architecture(name: "f", entry: "f", components: [
                Function(name: "f", memory_mb: 1024, keep_alive: ScaleToZero, cold_start: "400ms",
                         work: [Compute("100ms")])])])"#
        )
    };
    let item = |bill, item: &str| {
        one(&text(bill))
            .costs
            .iter()
            .find(|c| c.item == item)
            .map_or(0.0, |c| c.quantity)
    };
    assert_eq!(item(false, "duration"), 9.0 * 0.1);
    assert_eq!(
        item(false, "init duration"),
        0.0,
        "no init line without bill_init"
    );
    // Itemised apart: 100 ms of work and 400 ms of initialisation per (cold) invocation.
    assert_eq!(item(true, "duration"), 9.0 * 0.1);
    assert_eq!(item(true, "init duration"), 9.0 * 0.4);
}

#[test]
fn the_scaling_rate_limits_how_fast_new_instances_start() {
    // 999 requests in one second, each needing a new instance (each runs 10 s); at most 10
    // new instances per 10 s.
    let r = one(r#"Scenario(name: "scale", horizon: "1s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1000.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", scaling: Scaling(instances: 10, every: "10s"), work: [Compute("10s")])])])"#);
    assert_eq!(r.counts.arrived, 999);
    assert_eq!(r.metrics.cold_starts + r.metrics.throttled, 999);
    // The full bucket of 10 goes at once; the refill (one per second) has not made a whole
    // token by the last arrival, at 999 ms.
    assert_eq!(r.metrics.cold_starts, 10);
}

#[test]
fn provisioned_instances_are_always_warm_and_billed_at_their_own_rates() {
    let r = one(r#"Scenario(name: "pc", horizon: "1h",
          workload: [Source(kind: "r", arrivals: Poisson(per_second: 2.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", memory_mb: 512, provisioned: 5, keep_alive: "1m", work: [Compute("100ms")])])])"#);
    assert_eq!(
        r.metrics.cold_starts, 0,
        "five warm instances always cover 0.2 busy on average"
    );
    let line = |item: &str| r.costs.iter().find(|c| c.item == item).unwrap().clone();
    let kept = line("provisioned concurrency");
    assert_eq!(kept.quantity, 5.0 * 0.5 * 3600.0);
    assert_eq!(kept.unit_price_usd, 0.000_004_166_7);
    let used = line("provisioned duration");
    assert!(
        (used.quantity / (r.metrics.function_invocations as f64 * 0.1 * 0.5) - 1.0).abs() < 1e-9
    );
    assert_eq!(line("duration").quantity, 0.0, "nothing ran on demand");
    // Provisioned instances are idle warm memory too: five of them all the time, almost.
    assert!(
        r.mean_instances() >= 5.0 && r.mean_instances() < 5.3,
        "{}",
        r.mean_instances()
    );
}

#[test]
fn failed_async_events_are_retried_twice_then_go_to_the_failure_destination() {
    // A storage event invokes a function that always fails: the platform retries it after
    // 1 and 2 minutes, then sends the event to its failure destination.
    let r = one(r#"Scenario(name: "async", horizon: "1h",
          workload: [Source(kind: "u", arrivals: Constant(per_second: 0.01))],
          architectures: [Architecture(name: "f", entry: "up", components: [
            Function(name: "up", cold_start: "0ms", work: [Put("bucket")]),
            Storage(name: "bucket", latency: "10ms", on_put: Invoke("handler")),
            Function(name: "handler", cold_start: "0ms", on_failure: "failed-events", work: [Call("api")]),
            External(name: "api", latency: "5ms", error_rate: 1.0),
            Queue(name: "failed-events")])])"#);
    // Arrivals every 100 s; each is dead-lettered 3 minutes (plus a few ms) later, except
    // the last (3,500 s), whose second retry (due at 3,680 s) is scheduled but not run.
    assert_eq!(r.counts.arrived, 35);
    assert_eq!(r.counts.failed, 0);
    assert_eq!((r.counts.dead_lettered, r.counts.in_flight), (34, 1));
    assert_eq!(
        r.metrics.retries,
        2 * 35,
        "exactly two retries each, never more"
    );
    assert_eq!(r.metrics.dead_letter_moves, r.counts.dead_lettered);
    let done = r.metrics.done.count();
    assert_eq!(done, 0, "none completed");
}

#[test]
fn the_hybrid_policy_does_not_unload_a_busy_function() {
    // At 50 requests/s the function is never idle long: the hybrid policy must keep it warm
    // about as well as a 10-minute window does.
    let text = |keep: &str| {
        format!(
            r#"Scenario(name: "busy", horizon: "10m", seed: 4,
              workload: [Source(kind: "r", arrivals: Poisson(per_second: 50.0))],
              architectures: [Architecture(name: "f", entry: "f", components: [
                Function(name: "f", keep_alive: {keep}, work: [Compute(Exponential(mean: "50ms"))])])])"#
        )
    };
    let hybrid = one(&text("Hybrid"));
    let fixed = one(&text("\"10m\""));
    assert!(
        hybrid.metrics.cold_start_ratio() < 0.002,
        "hybrid {}",
        hybrid.metrics.cold_start_ratio()
    );
    assert!(hybrid.metrics.cold_starts <= fixed.metrics.cold_starts + 5);
}

#[test]
fn oversize_messages_are_refused_and_a_claim_check_gets_through() {
    // 300 KB does not fit a queue's 256 KB limit; storing the payload and sending a 1 KB
    // reference does. Each 64 KB chunk of a message is billed as one request.
    let s = load(
        r#"Scenario(name: "claim", horizon: "100s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [
            Architecture(name: "payload", entry: "f", components: [
              Function(name: "f", cold_start: "0ms", work: [Send(to: "q", kb: 300.0)]),
              Queue(name: "q", consumer: "g"),
              Function(name: "g", work: [Compute("1ms")])]),
            Architecture(name: "claim-check", entry: "f", components: [
              Function(name: "f", cold_start: "0ms", work: [Put("blobs"), Send(to: "q", kb: 100.0)]),
              Storage(name: "blobs", latency: "10ms"),
              Queue(name: "q", consumer: "g"),
              Function(name: "g", cold_start: "0ms", work: [Get("blobs")])]),
          ])"#,
    );
    let payload = run_architecture(Arc::clone(&s), 0, NS_PER_S, &mut ()).unwrap();
    let claim = run_architecture(Arc::clone(&s), 1, NS_PER_S, &mut ()).unwrap();
    assert_eq!(payload.counts.arrived, 99);
    assert_eq!(payload.counts.failed, 99);
    assert_eq!(payload.metrics.rejected, 99);
    assert_eq!(claim.counts.failed, 0);
    // 100 KB is two chunks: two requests to send and two to receive, one to delete.
    let q = claim.costs.iter().find(|c| c.component == "q").unwrap();
    assert_eq!(q.quantity, f64::from(5 * 99));
}

#[test]
fn an_autoscaling_group_follows_a_step_in_load_after_its_boot_time() {
    // 10 requests/s of 1 s each, stepping to 40/s at 10 minutes. Each instance has 10
    // workers; the group starts with 2 and tracks 60% utilisation.
    let s = load(
        r#"Scenario(name: "asg", horizon: "40m", seed: 1,
          workload: [Source(kind: "r", arrivals: Profile(points: [("0s", 10.0), ("10m", 40.0)]))],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", instances: 2, workers: 10,
                   autoscaling: Autoscaling(min: 2, max: 12, target: 0.6, boot: "90s", period: "60s"),
                   handlers: {"r": [Compute("1s")]})])])"#,
    );
    let mut sim = choreo_sim::model::Simulation::new(Arc::clone(&s), 0);
    let mut ev = Vec::new();
    sim.run(&mut ev);
    assert!(sim.counts().conserved());
    let launched: Vec<(u64, u32)> = ev
        .iter()
        .filter_map(|(t, e)| match e {
            choreo_sim::observe::SimEvent::InstanceLaunched { instance, .. } => {
                Some((*t, *instance))
            }
            _ => None,
        })
        .collect();
    let ready: Vec<(u64, u32)> = ev
        .iter()
        .filter_map(|(t, e)| match e {
            choreo_sim::observe::SimEvent::InstanceReady { instance, .. } => Some((*t, *instance)),
            _ => None,
        })
        .collect();
    // Before the step 10 busy workers of 20 (50%) need 2 instances at 60%: no scaling.
    assert!(
        launched.iter().all(|&(t, _)| t > 600 * NS_PER_S),
        "{launched:?}"
    );
    // After it, derived tick by tick (desired = ⌈up × utilisation / 0.6⌉, booting ones
    // counted as current, at most 12): the backlog keeps the workers of the instances up
    // 100% busy, so at 660 s 2 up → 4 (2 launched); at 720 s 2 up + 2 booting = 4: none; at
    // 780 s 4 up (booted at 750 s) → 7 (3 launched); at 840 s 4 up + 3 booting: none; at
    // 900 s 7 up → ⌈11.7⌉ = 12, the maximum (5 launched).
    let at = |t: u64| launched.iter().filter(|&&(l, _)| l == t * NS_PER_S).count();
    assert_eq!(
        (at(660), at(780), at(900), launched.len()),
        (2, 3, 5, 10),
        "{launched:?}"
    );
    // Every instance serves exactly its boot time after its launch.
    for &(t, i) in &launched {
        let r = ready.iter().find(|&&(_, j)| j == i).map(|&(t, _)| t);
        assert!(
            r.is_none_or(|r| r == t + 90 * NS_PER_S),
            "instance {i}: launched {t}, ready {r:?}"
        );
    }
    // Capacity follows: by 25 minutes the backlog is gone and stays small.
    let report = run_architecture(s, 0, 60 * NS_PER_S, &mut ()).unwrap();
    let backlog = |at: f64| {
        report
            .timeseries
            .iter()
            .find(|x| x.metric == "backlog" && x.time == (at * 1e9) as u64)
            .unwrap()
            .value
    };
    assert!(
        backlog(660.0) > 100.0,
        "requests queue while the new instances boot"
    );
    assert!(
        backlog(1500.0) < 20.0 && backlog(2400.0) < 20.0,
        "{} {}",
        backlog(1500.0),
        backlog(2400.0)
    );
    assert_eq!(report.metrics.rejected, 0);
    // Billing follows the instances: more than 2 instances' worth, less than 12.
    let hours = report
        .costs
        .iter()
        .find(|c| c.item == "instance hours")
        .unwrap()
        .quantity;
    assert!(
        hours > 2.0 * 40.0 / 60.0 && hours < 12.0 * 40.0 / 60.0,
        "{hours}"
    );
}

#[test]
fn round_robin_spreads_requests_over_instances() {
    let s = load(
        r#"Scenario(name: "rr", horizon: "100s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 3.0))],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", instances: 3, workers: 4, balancer: RoundRobin, handlers: {"r": [Compute("10ms")]})])])"#,
    );
    let mut sim = choreo_sim::model::Simulation::new(s, 0);
    let mut ev = Vec::new();
    sim.run(&mut ev);
    let mut per = [0u32; 3];
    for (_, e) in &ev {
        if let choreo_sim::observe::SimEvent::InvocationStarted { instance, .. } = e {
            per[*instance as usize] += 1;
        }
    }
    // Least-outstanding would send all of these short requests to instance 0.
    assert_eq!(per, [100, 100, 100]);
}

#[test]
fn scaling_functions_exhaust_database_connections_that_a_pooled_monolith_does_not() {
    // Every warm function instance holds its own connection; the database allows 20. The
    // monolith's two instances hold pools of 8 each.
    let s = load(
        r#"Scenario(name: "conn", horizon: "5m", seed: 3,
          workload: [Source(kind: "r", arrivals: Poisson(per_second: 300.0))],
          architectures: [
            Architecture(name: "functions", entry: "f", components: [
              Function(name: "f", work: [Read("db"), Compute("100ms")]),
              Database(name: "db", latency: "5ms", max_connections: 20)]),
            Architecture(name: "monolith", entry: "app", components: [
              Server(name: "app", instances: 2, workers: 40, pool: 8, handlers: {"r": [Read("db"), Compute("100ms")]}),
              Database(name: "db", latency: "5ms", max_connections: 20)]),
          ])"#,
    );
    let functions = run_architecture(Arc::clone(&s), 0, NS_PER_S, &mut ()).unwrap();
    let monolith = run_architecture(Arc::clone(&s), 1, NS_PER_S, &mut ()).unwrap();
    // About 33 instances are needed (300/s × 0.11 s): those past the 20th fail their reads.
    assert!(
        functions.mean_instances() > 25.0,
        "{}",
        functions.mean_instances()
    );
    assert!(
        functions.metrics.rejected > 1_000,
        "{} connection errors",
        functions.metrics.rejected
    );
    assert!(functions.counts.failed > 1_000);
    assert_eq!(monolith.counts.failed, 0);
    assert_eq!(monolith.metrics.rejected, 0);
}

#[test]
fn queue_pollers_add_concurrency_gradually() {
    // 2,000 messages arrive in the first second; the consumer takes 10 s per message, one per
    // batch. Pollers start with 5 concurrent batches and add one every 200 ms.
    let s = load(
        r#"Scenario(name: "pollers", horizon: "30s",
          workload: [Source(kind: "m", arrivals: Profile(points: [("0s", 2000.0), ("1s", 0.0)]))],
          architectures: [Architecture(name: "q", entry: "producer", components: [
            Function(name: "producer", cold_start: "0ms", work: [Emit("jobs")]),
            Queue(name: "jobs", consumer: "worker", batch: 1),
            Function(name: "worker", cold_start: "0ms", work: [Compute("10s")])])])"#,
    );
    let report = run_architecture(s, 0, NS_PER_S, &mut ()).unwrap();
    let busy = |t: u64| {
        report
            .timeseries
            .iter()
            .find(|x| {
                x.metric == "instances_busy" && x.component == Some(2) && x.time == t * NS_PER_S
            })
            .unwrap()
            .value
    };
    // From ~0 s: 5 batches, then one more per 200 ms: ≈ 10 at 1 s, ≈ 55 at 10 s, ≈ 105 at 20 s.
    for (t, expected) in [(1, 10.0), (10, 55.0), (20, 105.0)] {
        assert!(
            (busy(t) - expected).abs() <= 2.0,
            "at {t} s: {} busy, expected {expected}",
            busy(t)
        );
    }
}

#[test]
fn a_visibility_timeout_shorter_than_the_work_causes_duplicate_executions() {
    // Each message takes 2.5 s; its visibility timeout is 1 s, so it is delivered again at
    // 1 s and 2 s after each receive while the first copy still runs: two duplicates per
    // message, and every transaction still completes exactly once.
    let s = load(
        r#"Scenario(name: "dup", horizon: "100s",
          workload: [Source(kind: "m", arrivals: Constant(per_second: 0.1))],
          architectures: [Architecture(name: "q", entry: "producer", components: [
            Function(name: "producer", cold_start: "0ms", work: [Emit("jobs")]),
            Queue(name: "jobs", consumer: "worker", batch: 1, visibility_timeout: "1s"),
            Function(name: "worker", cold_start: "0ms", work: [Compute("2500ms")])])])"#,
    );
    let report = run_architecture(s, 0, NS_PER_S, &mut ()).unwrap();
    assert!(report.counts.conserved());
    assert_eq!(report.counts.arrived, 9);
    assert_eq!(report.counts.completed, 9);
    assert_eq!(report.metrics.duplicate_executions, 2 * 9);
    // A long enough visibility timeout: no duplicates.
    let s = load(
        r#"Scenario(name: "dup", horizon: "100s",
          workload: [Source(kind: "m", arrivals: Constant(per_second: 0.1))],
          architectures: [Architecture(name: "q", entry: "producer", components: [
            Function(name: "producer", cold_start: "0ms", work: [Emit("jobs")]),
            Queue(name: "jobs", consumer: "worker", batch: 1, visibility_timeout: "30s"),
            Function(name: "worker", cold_start: "0ms", work: [Compute("2500ms")])])])"#,
    );
    let report = run_architecture(s, 0, NS_PER_S, &mut ()).unwrap();
    assert_eq!(report.metrics.duplicate_executions, 0);
}

#[test]
fn a_provisioned_schedule_adds_and_removes_warm_instances_and_bills_them_as_scheduled() {
    // Two provisioned instances, ten from 20 minutes to 40, two again after.
    let s = load(
        r#"Scenario(name: "sched", horizon: "1h", seed: 2,
          workload: [Source(kind: "r", arrivals: Profile(points: [("0s", 5.0), ("20m", 60.0), ("40m", 5.0)]))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", memory_mb: 1024, provisioned_schedule: [("0s", 2), ("20m", 10), ("40m", 2)],
                     work: [Compute("100ms")])])])"#,
    );
    let report = run_architecture(Arc::clone(&s), 0, 60 * NS_PER_S, &mut ()).unwrap();
    assert!(report.counts.conserved());
    let kept = report
        .costs
        .iter()
        .find(|c| c.item == "provisioned concurrency")
        .unwrap();
    // (2 × 20 + 10 × 20 + 2 × 20) minutes at 1 GB.
    assert_eq!(
        kept.quantity,
        (2.0 * 1200.0 + 10.0 * 1200.0 + 2.0 * 1200.0) * 1.0
    );
    assert!((report.provisioned_instances(&s) - 14.0 / 3.0).abs() < 1e-9);
    // When the load steps up at 20 minutes, ten warm instances take it; with two, the
    // function cold-starts its way up.
    let cold_at_step = |r: &choreo_sim::run::ArchReport| {
        r.timeseries
            .iter()
            .filter(|x| {
                x.component.is_none()
                    && x.metric == "cold_starts"
                    && x.time > 1_200 * NS_PER_S
                    && x.time <= 1_260 * NS_PER_S
            })
            .map(|x| x.value)
            .sum::<f64>()
    };
    let flat = load(
        r#"Scenario(name: "flat", horizon: "1h", seed: 2,
          workload: [Source(kind: "r", arrivals: Profile(points: [("0s", 5.0), ("20m", 60.0), ("40m", 5.0)]))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", memory_mb: 1024, provisioned: 2, work: [Compute("100ms")])])])"#,
    );
    let flat = run_architecture(flat, 0, 60 * NS_PER_S, &mut ()).unwrap();
    assert!(cold_at_step(&flat) >= 5.0, "{}", cold_at_step(&flat));
    assert!(
        cold_at_step(&report) < cold_at_step(&flat) / 2.0,
        "{} vs {}",
        cold_at_step(&report),
        cold_at_step(&flat)
    );
}

#[test]
fn instances_serving_several_invocations_need_fewer_instances_and_cold_starts() {
    let text = |n: u32| {
        format!(
            r#"Scenario(name: "ic", horizon: "10m", seed: 6,
              workload: [Source(kind: "r", arrivals: Poisson(per_second: 50.0))],
              architectures: [Architecture(name: "f", entry: "f", components: [
                Function(name: "f", instance_concurrency: {n}, keep_alive: "1s", work: [Compute(Exponential(mean: "100ms"))])])])"#
        )
    };
    let one = run_architecture(load(&text(1)), 0, NS_PER_S, &mut ()).unwrap();
    let ten = run_architecture(load(&text(10)), 0, NS_PER_S, &mut ()).unwrap();
    assert!(one.counts.conserved() && ten.counts.conserved());
    // About 5 invocations in progress: 5+ instances one at a time, about one instance
    // (sometimes two) ten at a time.
    assert!(one.mean_instances() > 5.0, "{}", one.mean_instances());
    assert!(ten.mean_instances() < 2.0, "{}", ten.mean_instances());
    // New instances start only when every loaded one is full (10 in progress: a few percent
    // of the time at a mean of 5), and then fewer of them.
    assert!(
        ten.metrics.cold_starts * 2 < one.metrics.cold_starts,
        "{} vs {}",
        ten.metrics.cold_starts,
        one.metrics.cold_starts
    );
    // Each invocation is still billed for its own duration: the same GB-s within 1%.
    let gb = |r: &choreo_sim::run::ArchReport| {
        r.costs
            .iter()
            .find(|c| c.item == "duration")
            .unwrap()
            .quantity
    };
    assert!(
        (gb(&ten) / gb(&one) - 1.0).abs() < 0.01,
        "{} vs {}",
        gb(&ten),
        gb(&one)
    );
}

#[test]
fn function_concurrency_counts_invocations_not_instances() {
    // Reserved concurrency 4 with ten invocations per instance: still an Erlang loss system
    // with 4 servers (a = 2: B = 0.0952). n = 8 replications × 100,000 arrivals (seeds 101–108:
    // not the streams of the unshared B(4, 2) above); relative SE ≈ 0.54% from the replications'
    // spread; tolerance 3% (it was 5% on one run of 600,000).
    let b = replicate(8, |seed| {
        let s = load(&format!(
            r#"Scenario(name: "loss", horizon: "5000s", seed: {},
              workload: [Source(kind: "r", arrivals: Poisson(per_second: 20.0))],
              architectures: [Architecture(name: "f", entry: "f", components: [
                Function(name: "f", concurrency: 4, instance_concurrency: 10, cold_start: "0ms", keep_alive: "1h",
                         work: [Compute(Exponential(mean: "100ms"))])])])"#,
            100 + seed
        ));
        let report = run_architecture(s, 0, 60 * NS_PER_S, &mut ()).unwrap();
        report.metrics.throttled as f64 / report.counts.arrived as f64
    });
    assert_close_replicated("B(4, 2) with shared instances", &b, erlang_b(4, 2.0), 0.03);
}

#[test]
fn each_invocation_sharing_an_instance_has_its_own_timeout() {
    let s = load(
        r#"Scenario(name: "to", horizon: "6000s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 2.0))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", instance_concurrency: 8, cold_start: "0ms", timeout: "1s", work: [Compute(Uniform(min: "0ms", max: "2s"))])])])"#,
    );
    let report = run_architecture(s, 0, NS_PER_S, &mut ()).unwrap();
    assert!(report.counts.conserved());
    // Half of the uniform 0-2 s durations exceed the 1 s timeout. n = 12,000 independent
    // durations: SE = √(0.25/n) = 0.0046 (binomial); tolerance 0.015 = 3% (3.3 SE; it was
    // 0.15 = 30% on 120).
    let ratio = report.metrics.function_timeouts as f64 / report.counts.arrived as f64;
    eprintln!("timed out: {ratio} of {}", report.counts.arrived);
    assert!((ratio - 0.5).abs() < 0.015, "{ratio}");
    assert_eq!(report.metrics.function_timeouts, report.counts.failed);
    assert!(report.metrics.response.quantile_ms(1.0) <= 1_001.0);
}

#[test]
fn provisioned_instances_serve_before_warm_on_demand_ones() {
    // Every 2 s two requests overlap: one runs on the provisioned instance, the other on an
    // on-demand one that finishes later (it had to start). At each odd second a lone request
    // finds both idle, the on-demand one the most recently used: it must go to the
    // provisioned one anyway.
    let s = load(
        r#"Scenario(name: "pfirst", horizon: "20s",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 1.0)),
                     Source(kind: "b", arrivals: Constant(per_second: 0.5))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", provisioned: 1, cold_start: "200ms", work: [Compute("300ms")])])])"#,
    );
    let (_, ev) = {
        let mut sim = choreo_sim::model::Simulation::new(s, 0);
        let mut ev = Vec::new();
        sim.run(&mut ev);
        (sim, ev)
    };
    let odd_second_ends: Vec<bool> = ev
        .iter()
        .filter_map(|(t, e)| match e {
            choreo_sim::observe::SimEvent::InvocationEnded { provisioned, .. }
                if (*t / NS_PER_S) % 2 == 1 && *t % NS_PER_S == 300_000_000 =>
            {
                Some(*provisioned)
            }
            _ => None,
        })
        .collect();
    assert!(odd_second_ends.len() >= 8, "{odd_second_ends:?}");
    assert!(odd_second_ends.iter().all(|&p| p), "{odd_second_ends:?}");
}

#[test]
fn a_timed_out_instance_starts_afresh() {
    // After an invocation times out its runtime is reset: the next request cold-starts.
    let r = one(r#"Scenario(name: "reset", horizon: "100s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 0.1))],
          architectures: [Architecture(name: "f", entry: "f", components: [
            Function(name: "f", cold_start: "100ms", timeout: "1s", work: [Compute("2s")])])])"#);
    assert_eq!(r.metrics.function_timeouts, 9);
    assert_eq!(
        r.metrics.cold_starts, 9,
        "every invocation after a timeout starts afresh"
    );
}

#[test]
fn the_connection_example_of_the_docs_gives_its_figures() {
    let (ron, docs) = docs_example(r#"Scenario(name: "conn""#);
    let s = load(&ron);
    let function = run_architecture(Arc::clone(&s), 0, NS_PER_S, &mut ()).unwrap();
    let monolith = run_architecture(Arc::clone(&s), 1, NS_PER_S, &mut ()).unwrap();
    // The figures the docs quote, under the scenario's default seed.
    assert_eq!(function.counts.arrived, 119_759);
    assert_eq!(function.counts.failed, 98_662);
    assert_eq!(function.metrics.rejected, 98_662);
    assert!(
        (function.mean_instances() - 77.98).abs() < 0.005,
        "{}",
        function.mean_instances()
    );
    assert_eq!(monolith.counts.failed, 0);
    assert_eq!(monolith.metrics.rejected, 0);
    for quoted in ["98,662 of 119,759", "`mean_instances` 77.98"] {
        assert!(docs.contains(quoted), "the docs no longer say {quoted:?}");
    }
}
