//! Platforms beyond AWS Lambda (issue 15): each `platform:` preset against the rules its
//! provider documents, figures derived by hand from constant arrivals and constant work.
//!
//! - Knative's Pod Autoscaler under a step from 10 to 1000 concurrent requests and back:
//!   panic within the panic window, pods = ⌈observed concurrency / (target × utilisation)⌉,
//!   no scale-down until the stable window has passed, never below the minimum scale, zero a
//!   stable window and a grace period after the last request.
//! - Cloud Run's 80 requests per instance: N concurrent requests take ⌈N / 80⌉ instances.
//! - Azure Functions' billing: memory rounded up to 128 MB, at least 100 ms an execution.
//! - Cloud Run's billing: an instance's busy time in 100-ms units, shared by its requests.
//! - AWS Lambda's preset is the old defaults: no output of a bundled scenario changes.

#[path = "support/scenario.rs"]
mod support;

use choreo_sim::calibration::{self as cal, Platform, PriceBook};
use choreo_sim::engine::{NS_PER_MS, NS_PER_S, SimTime};
use choreo_sim::export;
use choreo_sim::model::{ComponentState, Simulation};
use choreo_sim::observe::SimEvent;
use choreo_sim::run::{ArchReport, RunOptions, run_architecture, run_scenario};
use support::load;

fn run(text: &str, arch: usize) -> ArchReport {
    let r = run_architecture(load(text), arch, 3600 * NS_PER_S, &mut ()).unwrap();
    assert!(r.counts.conserved(), "{:?}", r.counts);
    r
}

/// The quantity of a `costs.csv` item of component `comp`.
fn quantity(r: &ArchReport, comp: &str, item: &str) -> f64 {
    let lines: Vec<_> = r
        .costs
        .iter()
        .filter(|c| c.component == comp && c.item == item)
        .collect();
    assert_eq!(lines.len(), 1, "one {comp} {item:?} line in {:#?}", r.costs);
    lines[0].quantity
}

/// Instances of function `comp` now: starting, busy and idle.
fn instances(sim: &Simulation, comp: usize) -> u32 {
    match sim.snapshot()[comp] {
        ComponentState::Function {
            starting,
            busy,
            idle,
        } => starting + busy + idle,
        _ => panic!("component {comp} is not a function"),
    }
}

fn close(measured: f64, expected: f64, what: &str) {
    assert!(
        (measured - expected).abs() < 1e-9 * expected.abs().max(1.0),
        "{what}: {measured}, expected {expected}"
    );
}

// ---- Knative: the Pod Autoscaler under a step ----------------------------------------

/// One Knative function: 1 s of work a request, pods that take 1.5 s to start, the KPA's
/// defaults (target 100 × utilisation 0.7 = 70 requests a pod, stable window 60 s, panic
/// window 6 s, panic at 2 × the ready pods, a decision every 2 s), `provisioned` pods the
/// minimum scale, 10 requests a second (10 concurrent).
fn knative(provisioned: u32) -> Simulation {
    let text = format!(
        r#"Scenario(name: "kpa", horizon: "10m",
      workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
      architectures: [Architecture(name: "knative", platform: Knative, entry: "f", components: [
        Function(name: "f", provisioned: {provisioned}, cold_start: "1500ms", work: [Compute("1s")])])])"#
    );
    Simulation::new(load(&text), 0)
}

/// Pods of the function `t` seconds in (after every event at `t`).
fn pods_at(sim: &mut Simulation, t: f64) -> u32 {
    sim.step_until((t * NS_PER_S as f64) as SimTime, &mut ());
    instances(sim, 0)
}

#[test]
fn the_knative_pod_autoscaler_follows_its_rules_through_a_step_up_and_down() {
    // Arrivals at 0.1 s, 0.2 s, ... 100.0 s; the rate is then ×100 (1000 a second) from the
    // next one, at 100.1 s: 100.1, 100.101, ... So the concurrency (requests in their 1 s of
    // work; pods have no hard limit, nothing waits) is 10 until 100.1 s and 1000 from 101.1
    // s. The second [100, 101) integrates to 5.5 (the old requests leaving) + 405.45 (the
    // first 900 new ones) = 410.95, and [101, 102) to 95.05 + 900 = 995.05 requests·s.
    let mut sim = knative(1);
    assert_eq!(
        pods_at(&mut sim, 100.0),
        1,
        "⌈10 / 70⌉ = 1 pod at 10 requests"
    );
    sim.set_load(0, 100.0);
    // Decision at 102 s: panic average (4 × 10 + 410.95 + 995.05) / 6 = 241.0, ⌈241 / 70⌉ = 4
    // ≥ 2 × 1 ready pod: panic, within the 6-s panic window of the step; the stable average
    // ((58 × 10 + 410.95 + 995.05) / 60 = 33.1) alone would keep 1 pod. 3 pods start.
    assert_eq!(pods_at(&mut sim, 101.9), 1);
    assert_eq!(pods_at(&mut sim, 103.0), 4, "panic at 102 s: 4 pods");
    // 104 s: (2 × 10 + 410.95 + 995.05 + 2000) / 6 = 571, ⌈571 / 70⌉ = 9 ≥ 2 × 4 ready.
    assert_eq!(pods_at(&mut sim, 105.0), 9, "104 s: 9 pods");
    // 106 s: (410.95 + 995.05 + 4000) / 6 = 901, ⌈12.9⌉ = 13 (under 2 × 9: still panicking
    // since 104 s, and never down in panic).
    assert_eq!(pods_at(&mut sim, 107.0), 13, "106 s: 13 pods");
    // 108 s on: the panic window is all 1000: ⌈1000 / 70⌉ = 15; the stable window reaches
    // 1000 too, so 15 stays once panic ends (the first decision a stable window after 104 s
    // that does not cross the threshold: 166 s).
    assert_eq!(pods_at(&mut sim, 109.0), 15, "108 s: ⌈1000 / 70⌉ = 15 pods");
    for t in [150.0, 165.0, 167.0, 299.0, 300.0] {
        assert_eq!(pods_at(&mut sim, t), 15, "at {t} s");
    }
    // Back to 10 a second from 300.001 s. The second [300, 301) holds 500.5 (the last 1000
    // requests leaving) + 5.49 (the first 10 new ones) = 505.99; every later one 10. The
    // stable window falls by ~33 requests a decision, no faster than the panic one, so no
    // panic; the pods follow ⌈stable / 70⌉, within the rate limit (at least half the ready
    // pods a decision).
    sim.set_load(0, 1.0);
    // 302 s: (58 × 1000 + 505.99 + 10) / 60 = 975.3, ⌈13.93⌉ = 14.
    assert_eq!(pods_at(&mut sim, 303.5), 14, "302 s: 14 pods");
    // 330 s: (30 × 1000 + 505.99 + 29 × 10) / 60 = 513.3, ⌈7.33⌉ = 8.
    assert_eq!(pods_at(&mut sim, 331.5), 8, "330 s: 8 pods");
    // 356 s: (4000 + 505.99 + 550) / 60 = 84.3: 2 pods; 358 s: (2000 + 505.99 + 570) / 60 =
    // 51.3: 1 pod. A whole stable window after the drop before the pods are down to what
    // 10 requests need.
    assert_eq!(pods_at(&mut sim, 357.5), 2, "356 s: 2 pods");
    assert_eq!(pods_at(&mut sim, 359.5), 1, "358 s: 1 pod");
    // No requests from 400.001 s (the last one ends at 401.001 s): never below the minimum
    // scale of 1.
    sim.set_load(0, 0.0);
    assert_eq!(pods_at(&mut sim, 600.0), 1, "the minimum scale");
}

#[test]
fn without_a_minimum_scale_the_last_pod_goes_a_stable_window_and_a_grace_period_after_the_last_request()
 {
    // Knative's initial scale gives one pod at time zero. 10 requests a second until the
    // load falls to zero at 100 s (the arrival already scheduled for 100.1 s still comes),
    // so the last request ends at 101.1 s.
    let mut sim = knative(0);
    assert_eq!(pods_at(&mut sim, 100.0), 1);
    sim.set_load(0, 0.0);
    // The decision at 162 s is the first a stable window (60 s) after the last request
    // (101.1 s): zero pods wanted, the last one kept for the grace period (30 s), to 192 s.
    assert_eq!(pods_at(&mut sim, 161.9), 1);
    assert_eq!(pods_at(&mut sim, 191.9), 1, "kept for the grace period");
    assert_eq!(pods_at(&mut sim, 192.0), 0, "scaled to zero at 192 s");
    // A request at zero pods starts one at once (the activator's poke), and waits for it: a
    // cold start of 1.5 s.
    let mut ev = Vec::new();
    sim.set_load(0, 1.0);
    sim.step_until(193 * NS_PER_S, &mut ev);
    // The 10 requests of 192.1 … 193.0 s wait in the backlog (`mean_backlog`).
    assert_eq!(sim.waiting(), 10);
    sim.step_until(200 * NS_PER_S, &mut ev);
    assert_eq!(sim.waiting(), 0);
    let started = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::ColdStartBegan { .. }))
        .count();
    assert_eq!(started, 1, "one pod for 10 requests");
    let cold = ev
        .iter()
        .filter(|(_, e)| matches!(e, SimEvent::InvocationStarted { cold: true, .. }))
        .count();
    // The first arrival after 192 s at 192.1 s; the pod is ready at 193.6 s, before the
    // arrival of that instant: the 15 requests of 192.1 … 193.5 s waited for it.
    assert_eq!(cold, 15, "requests that waited for the pod");
}

#[test]
fn in_panic_the_pods_never_go_down_and_after_it_they_halve_at_most_each_decision() {
    // The step of the test above, but back to 10 requests a second at 104 s: the decisions
    // at 102 s (4 pods) and 104 s (9) as there. The second [104, 105) holds 500.5 + 5.49 =
    // 505.99 requests·s, every later one 10.
    let mut sim = knative(1);
    assert_eq!(pods_at(&mut sim, 100.0), 1);
    sim.set_load(0, 100.0);
    assert_eq!(pods_at(&mut sim, 104.0), 9);
    sim.set_load(0, 1.0);
    // 106 s: (410.95 + 995.05 + 2000 + 505.99 + 10) / 6 = 653.7, ⌈9.34⌉ = 10.
    assert_eq!(pods_at(&mut sim, 107.0), 10, "106 s: 10 pods");
    // 108 s: (2000 + 505.99 + 30) / 6 = 422.7 would be ⌈6.04⌉ = 7, and 110 s on 2 or 1;
    // but panic (entered or extended last at 104 s) holds the highest decision.
    for t in [109.0, 111.0, 150.0, 165.0] {
        assert_eq!(pods_at(&mut sim, t), 10, "in panic at {t} s");
    }
    // 166 s: panic ends (a stable window after 104 s, not crossing the threshold). The
    // stable window is all 10 (1 pod), but a decision asks for at least ⌊ready / 2⌋: 5,
    // then 2 at 168 s, then 1.
    assert_eq!(pods_at(&mut sim, 167.5), 5, "166 s: ⌊10 / 2⌋");
    assert_eq!(pods_at(&mut sim, 169.5), 2, "168 s: ⌊5 / 2⌋");
    assert_eq!(pods_at(&mut sim, 171.5), 1, "170 s: ⌊2 / 2⌋");
}

#[test]
fn panic_begins_when_the_panic_windows_pods_reach_twice_the_ready_ones() {
    // From 10 to 100 requests a second at 100 s (arrivals 100.1, 100.11, ...): the seconds
    // [100, 101) and [101, 102) hold 5.5 + 40.95 = 46.45 and 49.05 + 50.5 = 99.55 requests·s,
    // every later one 100.
    let mut sim = knative(1);
    assert_eq!(pods_at(&mut sim, 100.0), 1);
    sim.set_load(0, 10.0);
    // 102 s: (40 + 46.45 + 99.55) / 6 = 31, 1 pod; 104 s: (20 + 146 + 200) / 6 = 61, 1 pod.
    assert_eq!(pods_at(&mut sim, 105.0), 1);
    // 106 s: (146 + 400) / 6 = 91, ⌈1.3⌉ = 2 = 2 × 1 ready pod: panic, 2 pods; the stable
    // window ((540 + 146 + 400) / 60 = 18.1) would keep 1.
    assert_eq!(
        pods_at(&mut sim, 107.0),
        2,
        "panic at exactly twice the ready pods"
    );
}

#[test]
fn a_pod_that_never_served_goes_a_stable_window_and_a_grace_period_after_the_start() {
    // No request before the horizon: the initial pod goes once a whole stable window has
    // passed without traffic (60 s) and then the grace period (30 s), not at the first
    // decision whose average, over the 2 s since the start, is zero.
    let text = r#"Scenario(name: "kpa", horizon: "5m",
      workload: [Source(kind: "r", arrivals: Constant(per_second: 0.001))],
      architectures: [Architecture(name: "knative", platform: Knative, entry: "f", components: [
        Function(name: "f", work: [Compute("1s")])])])"#;
    let mut sim = Simulation::new(load(text), 0);
    assert_eq!(pods_at(&mut sim, 0.0), 1, "the initial scale");
    assert_eq!(pods_at(&mut sim, 89.9), 1);
    assert_eq!(pods_at(&mut sim, 90.0), 0);
}

// ---- Cloud Run: 80 requests an instance ----------------------------------------------

#[test]
fn on_cloud_run_n_concurrent_requests_take_n_over_80_instances_rounded_up() {
    // N requests a second, 1 s of work each: N in progress at once from the first second on.
    // Cold starts take no time, so an instance is created only when every one is full (the
    // default instance concurrency, 80): ⌈N / 80⌉ instances, all of them busy. (Rates that
    // space arrivals by whole nanoseconds, so that a request ends at the very instant the
    // request N later arrives: never more than N at once.)
    for (n, expected) in [
        (80, 1),
        (100, 2),
        (160, 2),
        (200, 3),
        (320, 4),
        (400, 5),
        (500, 7),
        (1000, 13),
    ] {
        let text = format!(
            r#"Scenario(name: "run", horizon: "30s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: {n}.0))],
          architectures: [Architecture(name: "run", platform: GoogleCloudRun, entry: "f", components: [
            Function(name: "f", cold_start: "0ms", work: [Compute("1s")])])])"#
        );
        let mut sim = Simulation::new(load(&text), 0);
        let mut ev = Vec::new();
        sim.run(&mut ev);
        let created = ev
            .iter()
            .filter(|(_, e)| matches!(e, SimEvent::ColdStartBegan { .. }))
            .count();
        assert_eq!(created, expected, "{n} concurrent requests");
        assert_eq!(
            instances(&sim, 0),
            expected as u32,
            "{n}: instances at the end"
        );
    }
}

#[test]
fn cloud_run_stops_adding_instances_at_max_instances() {
    // 100 instances by default: 10,000 concurrent requests would need 125; past 100 × 80
    // = 8,000 at once a request finds no room and no new instance: throttled, 2,000 a
    // second once the first second is over.
    let text = r#"Scenario(name: "run", horizon: "10s",
      workload: [Source(kind: "r", arrivals: Constant(per_second: 10000.0))],
      architectures: [Architecture(name: "run", platform: GoogleCloudRun, entry: "f", components: [
        Function(name: "f", cold_start: "0ms", work: [Compute("1s")])])])"#;
    let mut sim = Simulation::new(load(text), 0);
    let mut ev = Vec::new();
    sim.step_until(5 * NS_PER_S, &mut ev);
    assert_eq!(instances(&sim, 0), 100);
    let throttled = |from: SimTime, to: SimTime| {
        ev.iter()
            .filter(|(t, e)| (from..to).contains(t) && matches!(e, SimEvent::Throttled { .. }))
            .count()
    };
    assert_eq!(throttled(0, 800 * NS_PER_MS + 1), 0, "the first 8,000 fit");
    assert_eq!(throttled(2 * NS_PER_S, 3 * NS_PER_S), 2000);
}

// ---- Billing -----------------------------------------------------------------------

#[test]
fn azure_bills_memory_in_128_mb_steps_and_at_least_100_ms_an_execution() {
    // 99 requests (one a second, 1 … 99 s). "short": 160 MB, 30 ms of work: billed 256 MB ×
    // 100 ms (the minimum) = 0.025 GB-s each, 2.475 GB-s. "long": 1 MB, 250.4 ms: billed 128
    // MB × 251 ms (whole milliseconds, rounded up) = 0.031375 GB-s each, 3.106125 GB-s. The
    // Consumption plan's $0.000016 per GB-s and $0.20 per million executions.
    let r = run(
        r#"Scenario(name: "azure", horizon: "100s",
      workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
      architectures: [Architecture(name: "azure", platform: AzureFunctions, entry: "short", components: [
        Function(name: "short", memory_mb: 160, cold_start: "0ms", work: [Compute("30ms"), Call("long")]),
        Function(name: "long", memory_mb: 1, cold_start: "0ms", work: [Compute("250400us")])])])"#,
        0,
    );
    // "short" runs 30 ms + the 250.4 ms call: 280.4 ms, billed 281 ms at 256 MB.
    close(
        quantity(&r, "short", "duration"),
        99.0 * 0.281 * 0.25,
        "short GB-s",
    );
    close(
        quantity(&r, "long", "duration"),
        99.0 * 0.251 * 0.125,
        "long GB-s",
    );
    let line = |comp: &str, item: &str| {
        r.costs
            .iter()
            .find(|c| c.component == comp && c.item == item)
            .map(|c| (c.unit_price_usd, c.cost_usd))
            .unwrap()
    };
    assert_eq!(line("long", "duration").0, 0.000_016);
    close(
        line("long", "requests").1,
        99.0 * 0.20 / 1e6,
        "long request fees",
    );
    // A short execution alone: 30 ms of work billed as 100 ms at 128 MB.
    let r = run(
        r#"Scenario(name: "azure", horizon: "100s",
      workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
      architectures: [Architecture(name: "azure", platform: AzureFunctions, entry: "f", components: [
        Function(name: "f", cold_start: "0ms", work: [Compute("30ms")])])])"#,
        0,
    );
    close(
        quantity(&r, "f", "duration"),
        99.0 * 0.1 * 0.125,
        "at least 100 ms",
    );
}

#[test]
fn cloud_run_bills_an_instances_busy_time_in_100_ms_units_shared_by_its_requests() {
    // One request a second. "short": 30 ms each, alone on its instance: 99 busy periods of
    // 30 ms, each billed 100 ms: 9.9 s at 1 vCPU ($0.000024 per vCPU-s) and 0.5 GiB
    // ($0.0000025 per GiB-s), the default resources; 99 request fees of $0.40 per million.
    let r = run(
        r#"Scenario(name: "run", horizon: "100s",
      workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
      architectures: [Architecture(name: "run", platform: GoogleCloudRun, entry: "f", components: [
        Function(name: "f", cold_start: "0ms", work: [Compute("30ms")])])])"#,
        0,
    );
    close(quantity(&r, "f", "cpu duration"), 9.9, "vCPU-s");
    close(quantity(&r, "f", "duration"), 9.9 * 0.5, "GiB-s");
    close(quantity(&r, "f", "requests"), 99.0, "requests");
    let total: f64 = r.costs.iter().map(|c| c.cost_usd).sum();
    close(
        total,
        9.9 * 0.000_024 + 4.95 * 0.000_002_5 + 99.0 * 0.40 / 1e6,
        "the bill",
    );
    // "long": 1.5 s each, so every request starts before the last one ends: one instance is
    // busy without a break from 1 s to the horizon (100 s), 99 s billed once however many
    // requests share it (billed each for its own time, as on Lambda, it would be 98 × 1.5 s
    // + the 1 s the last has run).
    let r = run(
        r#"Scenario(name: "run", horizon: "100s",
      workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
      architectures: [Architecture(name: "run", platform: GoogleCloudRun, entry: "f", components: [
        Function(name: "f", cold_start: "0ms", work: [Compute("1500ms")])])])"#,
        0,
    );
    close(
        quantity(&r, "f", "cpu duration"),
        0.0,
        "no busy period ended",
    );
    close(
        quantity(&r, "f", "cpu duration (running at horizon)"),
        99.0,
        "one busy period, 1 s … 100 s",
    );
    close(
        quantity(&r, "f", "duration (running at horizon)"),
        99.0 * 0.5,
        "GiB-s",
    );
    close(quantity(&r, "f", "requests"), 99.0, "every request's fee");
}

#[test]
fn knative_bills_nothing_unless_prices_are_given() {
    let text = |prices: &str| {
        format!(
            r#"Scenario(name: "kn", horizon: "100s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "kn", platform: Knative, entry: "f", {prices} components: [
            Function(name: "f", memory_mb: 512, cold_start: "0ms", work: [Compute("30ms")])])])"#
        )
    };
    let r = run(&text(""), 0);
    assert_eq!(r.cost_usd(), 0.0);
    // Given a price, a pod's busy time is billed: 99 periods of 30 ms at 0.5 GB.
    let r = run(&text("prices: Prices(function_gb_second: 0.001),"), 0);
    close(quantity(&r, "f", "duration"), 99.0 * 0.03 * 0.5, "GB-s");
    close(r.cost_usd(), 99.0 * 0.03 * 0.5 * 0.001, "the bill");
}

// ---- AWS Lambda: the defaults as they were --------------------------------------------

#[test]
fn the_aws_lambda_preset_is_the_published_aws_figures() {
    assert_eq!(Platform::default(), Platform::AwsLambda);
    assert_eq!(Platform::AwsLambda.prices(), PriceBook::default());
    let p = PriceBook::default();
    assert_eq!(p.function_gb_second, 0.000_016_666_7);
    assert_eq!(p.function_requests_per_million, 0.20);
    assert_eq!(
        (p.billing_granularity, p.billing_minimum),
        (NS_PER_MS, NS_PER_MS)
    );
    assert_eq!((p.memory_step_mb, p.bill_per_instance), (1, false));
    assert_eq!(p.function_vcpu_second, 0.0);
    let f = Platform::AwsLambda.functions();
    assert_eq!(f.memory_mb, 128);
    assert_eq!(f.memory_range_mb, (128, 10_240));
    assert_eq!(f.keep_alive, Some(600 * NS_PER_S));
    assert_eq!(f.instance_concurrency, 1);
    assert_eq!((f.scale_instances, f.scale_every), (1000, 10 * NS_PER_S));
    assert_eq!(f.scale_every_non_http, 10 * NS_PER_S);
    assert_eq!(f.timeout, 900 * NS_PER_S);
    assert_eq!((f.max_instances, f.vcpu, f.kpa), (None, None, false));
    assert_eq!(
        Platform::AwsLambda.concurrency_limit(),
        cal::ACCOUNT_CONCURRENCY
    );
}

/// `text` with `platform: AwsLambda` written into every architecture that names none.
fn with_aws_preset(text: &str) -> String {
    let mut parts = text.split("Architecture(");
    let mut out = parts.next().unwrap_or_default().to_string();
    for part in parts {
        out.push_str("Architecture(");
        if !part
            .split("Architecture(")
            .next()
            .unwrap_or_default()
            .contains("platform:")
        {
            out.push_str("platform: AwsLambda, ");
        }
        out.push_str(part);
    }
    out
}

/// A writer of one of `choreo run`'s files.
type Writer = fn(&choreo_sim::run::Report, &mut dyn std::io::Write) -> std::io::Result<()>;

/// Every file `choreo run` writes from the report (summary, quantiles, costs, timeseries,
/// isolation), as bytes.
fn outputs(text: &str) -> Vec<Vec<u8>> {
    let s = load(text);
    let r = run_scenario(&s, &RunOptions::default()).unwrap();
    let writers: [Writer; 5] = [
        export::write_summary,
        export::write_quantiles,
        export::write_costs,
        export::write_timeseries,
        export::write_isolation,
    ];
    writers
        .iter()
        .map(|w| {
            let mut out = Vec::new();
            w(&r, &mut out).unwrap();
            out
        })
        .collect()
}

#[test]
fn the_aws_lambda_preset_changes_no_output_of_the_bundled_scenarios() {
    for b in choreo_sim::bundled::ALL {
        let preset = with_aws_preset(b.text);
        assert!(preset.contains("platform: AwsLambda"), "{}", b.name);
        assert!(
            outputs(b.text) == outputs(&preset),
            "{}: the AwsLambda preset changed an output",
            b.name
        );
    }
}

// ---- The bundled scenario ------------------------------------------------------------

/// The bundled `platforms` scenario at `load` times its arrival rate: the report of each
/// architecture, by name.
fn platforms(load_factor: f64) -> Vec<ArchReport> {
    let mut s = (*load(choreo_sim::bundled::find("platforms").unwrap().text)).clone();
    s.scale_load(load_factor);
    let r = run_scenario(&s, &RunOptions::default()).unwrap();
    assert_eq!(
        r.architectures
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["lambda", "cloud-run", "monolith"]
    );
    r.architectures
}

/// Dollars of the items of component `comp`.
fn dollars(r: &ArchReport, comp: &str) -> f64 {
    r.costs
        .iter()
        .filter(|c| c.component == comp)
        .map(|c| c.cost_usd)
        .sum()
}

#[test]
fn the_platforms_scenario_shows_what_its_lesson_says() {
    let r = platforms(1.0);
    let (lambda, run, monolith) = (&r[0], &r[1], &r[2]);
    let within = |measured: f64, stated: f64, what: &str| {
        // The lesson's figures are rounded to two digits: within half a unit of the last.
        let half = if stated >= 1000.0 { 50.0 } else { 0.005 };
        assert!(
            (measured - stated).abs() <= half,
            "{what}: measured {measured}, the lesson says {stated}"
        );
    };
    // (1) Lambda: 18,700 GB-s, $0.31, $0.07 of fees, $0.38.
    within(quantity(lambda, "api", "duration"), 18_700.0, "Lambda GB-s");
    within(
        quantity(lambda, "api", "duration") * 0.000_016_666_7,
        0.31,
        "Lambda duration $",
    );
    within(
        quantity(lambda, "api", "requests") * 0.2e-6,
        0.07,
        "Lambda fees",
    );
    within(dollars(lambda, "api"), 0.38, "Lambda function $");
    // (2) Cloud Run: the hour on one instance, 3,600 vCPU-s and 1,800 GiB-s, $0.09 + $0.14
    // of fees = $0.23.
    let cpu = quantity(run, "api", "cpu duration")
        + quantity(run, "api", "cpu duration (running at horizon)");
    let gib =
        quantity(run, "api", "duration") + quantity(run, "api", "duration (running at horizon)");
    within(cpu, 3_600.0, "Cloud Run vCPU-s");
    within(gib, 1_800.0, "Cloud Run GiB-s");
    within(
        cpu * 0.000_024 + gib * 0.000_002_5,
        0.09,
        "Cloud Run time $",
    );
    within(
        quantity(run, "api", "requests") * 0.4e-6,
        0.14,
        "Cloud Run fees",
    );
    within(dollars(run, "api"), 0.23, "Cloud Run function $");
    let instances = |a: &ArchReport| a.functions[0].1.instances();
    within(instances(run), 1.0, "Cloud Run instances");
    assert!(
        (26.5..27.5).contains(&instances(lambda)),
        "about 27 Lambda instances"
    );
    assert_eq!(
        (run.metrics.cold_starts, lambda.metrics.cold_starts),
        (10, 33)
    );
    // (3) The servers: $0.19 an hour; the database $0.045 everywhere.
    within(dollars(monolith, "app"), 0.19, "servers");
    for a in &r {
        within(dollars(a, "db"), 0.045, "the database");
        let p99 = a.metrics.response.quantile_ms(0.99);
        assert!((410.0..430.0).contains(&p99), "{}: p99 {p99} ms", a.name);
    }
    assert!(dollars(run, "api") < dollars(lambda, "api"));
    // At 5 requests a second: Lambda $0.02, Cloud Run $0.06, the servers still $0.19.
    let r = platforms(0.05);
    within(dollars(&r[0], "api"), 0.02, "Lambda at 5/s");
    within(dollars(&r[1], "api"), 0.06, "Cloud Run at 5/s");
    within(dollars(&r[2], "app"), 0.19, "servers at 5/s");
    let busy = quantity(&r[1], "api", "cpu duration") / 3600.0;
    assert!((0.5..0.6).contains(&busy), "billed {busy} of the hour");
    // The same cost between 30 and 40 requests a second.
    let r = platforms(0.3);
    assert!(r[0].cost_usd() < r[1].cost_usd(), "Lambda cheaper at 30/s");
    let r = platforms(0.4);
    assert!(
        r[0].cost_usd() > r[1].cost_usd(),
        "Cloud Run cheaper at 40/s"
    );
}

#[test]
fn the_docs_example_of_one_function_on_four_platforms_bills_as_the_docs_say() {
    let (text, _) = support::docs_example("Scenario(\n    name: \"One function, four platforms\"");
    let s = load(&text);
    let r = run_scenario(&s, &RunOptions::default()).unwrap();
    let a = |name: &str| r.architectures.iter().find(|a| a.name == name).unwrap();
    let usd = |a: &ArchReport, item: &str| {
        a.costs
            .iter()
            .find(|c| c.component == "f" && c.item == item)
            .map_or(0.0, |c| c.cost_usd)
    };
    close(
        quantity(a("lambda"), "f", "duration"),
        99.0 * 0.03 * 160.0 / 1024.0,
        "lambda",
    );
    close(quantity(a("azure"), "f", "duration"), 2.475, "azure GB-s");
    close(usd(a("azure"), "duration"), 0.000_039_6, "azure $");
    close(usd(a("azure"), "requests"), 0.000_019_8, "azure executions");
    close(
        quantity(a("cloud-run"), "f", "cpu duration"),
        9.9,
        "cloud-run vCPU-s",
    );
    close(
        usd(a("cloud-run"), "cpu duration"),
        0.000_237_6,
        "cloud-run CPU $",
    );
    close(
        quantity(a("cloud-run"), "f", "duration"),
        4.95,
        "cloud-run GiB-s",
    );
    close(
        usd(a("cloud-run"), "requests"),
        0.000_039_6,
        "cloud-run requests",
    );
    assert_eq!(a("knative").cost_usd(), 0.0);
}

#[test]
fn a_knative_design_under_faults_and_bursts_loses_no_transaction() {
    // Pods with a hard limit (requests wait in the buffer), a timeout, asynchronous work on a
    // second autoscaled function, crashes, a slow database and a capacity cut: every
    // transaction ends, and none is left once the run is drained.
    let text = r#"Scenario(name: "kn", horizon: "30m", seed: 5,
      workload: [Source(kind: "r", arrivals: Bursts(on_per_second: 200.0, off_per_second: 2.0, on: "30s", off: "3m"))],
      architectures: [Architecture(name: "kn", platform: Knative, entry: "api", components: [
        Gateway(name: "api", routes: {"r": "f"}),
        Function(name: "f", instance_concurrency: 5, timeout: "2s",
                 work: [Compute(Exponential(mean: "50ms")), Read("db"), Emit("g")],
                 scaling: Kpa(target: 10.0, stable_window: "30s")),
        Function(name: "g", work: [Compute("300ms")], max_instances: 3),
        Database(name: "db", latency: LogNormal(median: "20ms", p99: "2s"))])],
      faults: [
        Fault(target: "f", at: "5m", lasts: "2m", kind: Crash(probability: 0.05)),
        Fault(target: "db", at: "10m", lasts: "3m", kind: Slow(factor: 5.0)),
        Fault(target: "f", at: "20m", lasts: "2m", kind: CapacityCut(factor: 0.2))])"#;
    let mut sim = Simulation::new(load(text), 0);
    sim.run(&mut ());
    let c = sim.counts();
    assert!(c.conserved() && c.arrived > 10_000, "{c:?}");
    sim.drain(86_400 * NS_PER_S, &mut ());
    let c = sim.counts();
    assert!(c.conserved() && c.in_flight == 0, "{c:?}");
    assert_eq!(sim.waiting(), 0, "nothing left in the backlog");
    assert!(c.completed > 0 && c.failed > 0, "{c:?}");
}
