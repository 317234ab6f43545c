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

// ---- 5. Repeating faults are aggregated in bounded memory, and refused past a limit.

/// Two kinds, one of which reaches the database, and a database that is slow for 10 s in
/// every 30 s (20 s up, 10 s down) for a day: 2,880 windows.
const REPEATING_DAY: &str = r#"Scenario(name: "repeat", horizon: "1d", seed: 7,
  workload: [Source(kind: "a", arrivals: Constant(per_second: 0.5)),
             Source(kind: "b", arrivals: Constant(per_second: 0.5))],
  architectures: [Architecture(name: "m", entry: "app", components: [
    Server(name: "app", handlers: {"a": [Read("db")], "b": [Compute("1ms")]}),
    Database(name: "db", latency: "1ms")])],
  faults: [Fault(target: "db", repeat: Repeat(between: "20s", repair: "10s"), kind: Outage)])"#;

#[test]
fn a_repeating_fault_is_one_record_aggregated_over_its_windows() {
    let a = run_one(REPEATING_DAY);
    let faults = a.isolation.faults();
    assert_eq!(faults.len(), 1, "one record for all its windows");
    let f = &faults[0];
    // Windows start at 20 s + 30 s × k before the horizon (86,400 s): k = 0 ..= 2,879.
    assert_eq!(f.window_count(), 2_880);
    let windows: Vec<_> = f.windows().collect();
    assert_eq!(windows[0], (20_000_000_000, Some(30_000_000_000)));
    assert_eq!(windows[2_879].0, 86_390_000_000_000);
    assert_eq!(f.start, 20_000_000_000);
    // The last window ends at 86,400 s, the horizon.
    let rows = a.isolation.rows();
    assert_eq!(rows.len(), 3 * 2, "before, during, after × two kinds");
    let row = |window: &str, kind: usize| {
        rows.iter()
            .find(|r| r.window == window && r.kind == kind)
            .unwrap_or_else(|| panic!("no {window} row for kind {kind}"))
    };
    // A third of the day is down: about 14,400 arrivals of each kind during the windows.
    for kind in 0..2 {
        let during = row("during", kind);
        assert!((14_380..=14_420).contains(&during.arrived), "{during:?}");
        assert_eq!(during.windows, 2_880);
    }
    // Kind a (the one that reads the database) fails during every window, b never does.
    let (a_during, b_during) = (row("during", 0), row("during", 1));
    assert_eq!(a_during.failed, a_during.arrived);
    assert!(a_during.touches && !b_during.touches);
    assert_eq!(b_during.failed, 0);
    assert_eq!(row("before", 0).failed, 0);
    assert_eq!(a.collateral_failures(), 0);
    assert!(a.counts.conserved());
}

#[test]
fn a_repeat_with_more_windows_than_allowed_is_refused_at_its_field() {
    let text = r#"Scenario(name: "x", horizon: "30s",
  workload: [Source(kind: "a", arrivals: Poisson(per_second: 1.0))],
  architectures: [Architecture(name: "s", entry: "f", components: [Function(name: "f", work: [Compute("1ms")])])],
  faults: [Fault(target: "f", repeat: Repeat(between: "1ns", repair: "1ns"), kind: Outage)])"#;
    let e = match choreo_sim::scenario::load("s.ron", text) {
        Ok(_) => panic!("a repeat of 1 ns every 1 ns must be refused"),
        Err(e) => e
            .diagnostics
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>(),
    };
    assert_eq!(
        e,
        [
            "s.ron:4:39: faults[0].repeat: failures every 1ns for 1ns make about 15000000000 windows over the horizon, \
          more than the 100000 allowed: make `between` or `repair` longer"
        ],
    );
}

#[test]
fn repeat_draws_are_floored_at_a_millionth_of_the_horizon() {
    // A mean that passes validation (a heavy tail) but a median of 1 ns: without the floor,
    // half the windows and gaps would last a nanosecond or less. The floor is a year over
    // 1,000,000 = 31.536 s.
    let a = run_one(
        r#"Scenario(name: "x", horizon: "8760h",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 0.0001))],
          architectures: [Architecture(name: "s", entry: "f", components: [Function(name: "f", work: [Compute("1ms")])])],
          faults: [Fault(target: "f", repeat: Repeat(between: LogNormal(median: "1ns", p99: "1h"), repair: LogNormal(median: "1ns", p99: "1h")), kind: Outage)])"#,
    );
    const FLOOR: u64 = 31_536_000_000;
    let f = &a.isolation.faults()[0];
    let windows: Vec<_> = f.windows().collect();
    assert!(windows.len() <= 500_000, "{}", windows.len());
    let mut last_end = 0;
    let mut floored = 0;
    for &(start, end) in &windows {
        assert!(start - last_end >= FLOOR, "a gap of at least the floor");
        if let Some(end) = end {
            assert!(end - start >= FLOOR, "a window of at least the floor");
            floored += usize::from(end - start == FLOOR);
            last_end = end;
        }
    }
    assert!(
        floored * 3 > windows.len(),
        "{floored} of {}",
        windows.len()
    );
    assert!(a.counts.conserved());
}

// ---- 11. A fault that harmed nothing needs no recovery, however short.

#[test]
fn a_harmless_fault_during_which_nothing_arrived_has_a_recovery_of_zero() {
    // One arrival a second; a 1 ns slow-down by a factor of 1 at 10.5 s, when none arrives.
    for lasts in ["1ns", "10s"] {
        let a = run_one(&format!(
            r#"Scenario(name: "x", horizon: "60s",
              workload: [Source(kind: "a", arrivals: Constant(per_second: 1.0))],
              architectures: [Architecture(name: "s", entry: "f", components: [Function(name: "f", work: [Compute("1ms")])])],
              faults: [Fault(target: "f", at: "10500ms", lasts: "{lasts}", kind: Slow(factor: 1.0))])"#
        ));
        let f = &a.isolation.faults()[0];
        assert_eq!(a.isolation.recovered(f), Some(true), "{lasts}");
        assert_eq!(a.isolation.recovery_s(f), 0.0, "{lasts}");
        assert_eq!(a.recovery_s(), 0.0, "{lasts}");
    }
}

// ---- 12. Costs keep their significant digits; percentiles stay within what was observed.

#[test]
fn a_bill_of_a_fraction_of_a_micro_dollar_keeps_its_significant_digits() {
    // One invocation of a 128 MB function for 1 ms: 1 request ($0.0000002) and 1 ms × 128 MB
    // of duration (0.000125 GB-s × $0.0000166667).
    let scenario = load(
        r#"Scenario(name: "x", horizon: "1500ms",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "s", entry: "f", components: [
            Function(name: "f", memory_mb: 128, work: [Compute("1ms")], cold_start: "0s")])])"#,
    );
    let report = run_scenario(&scenario, &RunOptions::default()).unwrap();
    let a = &report.architectures[0];
    assert_eq!(a.counts.arrived, 1);
    let cost = a.cost_usd();
    assert!((cost - 2.0208e-7).abs() < 1e-10, "{cost}");
    let rows = choreo_sim::export::summary_rows(&report);
    let col = |name: &str| {
        choreo_sim::export::SUMMARY_COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap()
    };
    assert_eq!(rows[0][col("cost_usd")], "0.000000202083");
    assert_eq!(rows[0][col("cost_per_million_usd")], "0.202083");
    let table = choreo_sim::export::summary_table(&report);
    assert!(table.contains("0.000000202083"), "{table}");
    let mut costs = Vec::new();
    choreo_sim::export::write_costs(&report, &mut costs).unwrap();
    let costs = String::from_utf8(costs).unwrap();
    assert!(
        costs.contains("s,f,duration,0.000125,GB-s,0.0000166667,0.00000000208334"),
        "{costs}"
    );
    assert!(
        costs.contains("s,f,requests,1.000000,requests,0.0000002,0.000000200"),
        "{costs}"
    );
}

#[test]
fn percentiles_never_exceed_the_largest_latency_nor_fall_below_the_smallest() {
    for (compute, expected_ms) in [("20ms", 20.0), ("0s", 0.0)] {
        let a = run_one(&format!(
            r#"Scenario(name: "x", horizon: "10s",
              workload: [Source(kind: "a", arrivals: Constant(per_second: 10.0))],
              architectures: [Architecture(name: "m", entry: "app", components: [
                Server(name: "app", workers: 10, handlers: {{"a": [Compute("{compute}")]}})])])"#
        ));
        let m = &a.metrics;
        assert_eq!(m.response.mean_ms(), expected_ms, "{compute}");
        for q in [0.5, 0.95, 0.99, 1.0] {
            assert_eq!(m.response.quantile_ms(q), expected_ms, "{compute} q={q}");
            assert_eq!(m.done.quantile_ms(q), expected_ms, "{compute} q={q}");
        }
    }
}
