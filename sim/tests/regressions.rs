//! Regression tests for defects found by adversarial use (issue 10), each named for what it
//! guards. They run through `run_scenario`, whose architecture threads have the default
//! 2 MiB stack, as `choreo run` does.

#[path = "support/scenario.rs"]
mod support;

use std::fmt::Write as _;

use choreo_sim::engine::{NS_PER_S, SimTime};
use choreo_sim::model::arrivals::ArrivalGen;
use choreo_sim::model::{Limit, MAX_OUTSTANDING_PER_TXN, Simulation};
use choreo_sim::observe::{Observer, SimEvent};
use choreo_sim::run::{ArchReport, RunError, RunOptions, run_scenario, run_scenario_with};
use choreo_sim::scenario::{self, Arrivals, Diagnostic, Scenario};
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

// ---- 3. Trace files load in time linear in their length.
//
// Each row's line number was found by counting newlines from the start of the text, so a
// 100,000-row trace took 18 s to load and a 2,000-row Azure trace 2 s. The traces below
// are big enough that the quadratic count would take minutes.

/// A scenario file `s.ron` in `dir` whose one source has `arrivals`, loaded.
fn load_in(dir: &std::path::Path, arrivals: &str) -> Result<Scenario, Vec<String>> {
    let text = format!(
        r#"Scenario(name: "trace", horizon: "1d",
          workload: [Source(kind: "r", arrivals: {arrivals})],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", handlers: {{"r": [Compute("1ms")]}})])])"#
    );
    let file = dir.join("s.ron");
    scenario::load(&file.to_string_lossy(), &text)
        .map(|l| l.scenario)
        .map_err(|e| e.diagnostics.iter().map(Diagnostic::to_string).collect())
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"))
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
}

/// 400,000 timestamps, written out of order (every pair swapped) with a blank line every
/// 1,000 rows, so sorting and line counting are both exercised.
#[test]
fn a_trace_of_400_000_rows_loads_whole_and_sorted_in_linear_time() {
    const ROWS: u64 = 400_000;
    let mut csv = String::from("id,t\n");
    for i in 0..ROWS {
        // 0.01 s apart: row i holds arrival i ^ 1.
        let at = (i ^ 1) as f64 * 0.01;
        let _ = writeln!(csv, "{i},{at}");
        if i % 1_000 == 999 {
            csv.push('\n');
        }
    }
    let dir = temp_dir();
    write(dir.path(), "t.csv", &csv);
    let s = load_in(dir.path(), r#"Trace(file: "t.csv", column: "t")"#)
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let Arrivals::Trace { times, .. } = &s.sources[0].arrivals else {
        panic!("not a trace: {:?}", s.sources[0].arrivals)
    };
    assert_eq!(times.len(), ROWS as usize);
    assert!(times.windows(2).all(|w| w[0] < w[1]), "sorted, no ties");
    // Every arrival is at its 1/100 s (to the nanosecond after rounding).
    let expected = |i: u64| (i as f64 * 0.01 * NS_PER_S as f64).round() as SimTime;
    assert_eq!(times[0], 0);
    assert_eq!(times[1], expected(1));
    assert_eq!(times[ROWS as usize - 1], expected(ROWS - 1));
    assert_eq!(times[200_001], expected(200_001));
    // Replayed as recorded: the generator yields them all.
    let mut g = ArrivalGen::new(s.seed, 0, &s.sources[0], &s.kinds[0]);
    let replayed: Vec<_> = std::iter::from_fn(|| g.next(s.horizon)).collect();
    assert_eq!(replayed.len(), ROWS as usize);
    assert_eq!(replayed.last(), Some(&expected(ROWS - 1)));

    // An error in the last row names its line: header, rows, one blank line per 1,000.
    csv.push_str("400000,soon\n");
    write(dir.path(), "bad.csv", &csv);
    let errors = load_in(dir.path(), r#"Trace(file: "bad.csv", column: "t")"#)
        .err()
        .unwrap_or_default();
    let line = 1 + ROWS + ROWS / 1_000 + 1;
    let wanted = format!("bad.csv:{line}: timestamp must be a number of seconds");
    assert!(
        errors.iter().any(|e| e.contains(&wanted)),
        "{wanted:?} in {errors:#?}"
    );
}

/// An Azure trace of 10,000 functions (the quadratic count took 2 s at 2,000): the one
/// selected is found and its counts are summed, wherever it is in the file.
#[test]
fn an_azure_trace_of_10_000_functions_loads_in_linear_time() {
    const ROWS: usize = 10_000;
    let mut csv = String::from("HashOwner,HashApp,HashFunction,Trigger");
    for m in 1..=1440 {
        let _ = write!(csv, ",{m}");
    }
    for r in 0..ROWS {
        let _ = write!(csv, "\no{r},a{r},f{r},http");
        for m in 0..1440 {
            // Row r counts (r + m) % 3 in minute m.
            let _ = write!(csv, ",{}", (r + m) % 3);
        }
    }
    csv.push('\n');
    let dir = temp_dir();
    write(dir.path(), "azure.csv", &csv);
    let s = load_in(
        dir.path(),
        r#"AzureTrace(file: "azure.csv", function: "f9998")"#,
    )
    .unwrap_or_else(|e| panic!("{e:#?}"));
    let Arrivals::Azure { per_minute, .. } = &s.sources[0].arrivals else {
        panic!("not an Azure trace: {:?}", s.sources[0].arrivals)
    };
    let expected: Vec<u32> = (0..1440).map(|m| ((9_998 + m) % 3) as u32).collect();
    assert_eq!(&per_minute[..], &expected[..]);
    let total: u32 = per_minute.iter().sum();
    assert_eq!(total, 1440); // 480 minutes each of 0, 1 and 2
    // Every function summed: minute m holds (r + m) % 3 over all r, 3,333 of each residue
    // and one more of r ≡ 0.
    let s = load_in(dir.path(), r#"AzureTrace(file: "azure.csv")"#)
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let Arrivals::Azure { per_minute, .. } = &s.sources[0].arrivals else {
        panic!("not an Azure trace")
    };
    assert_eq!(per_minute[0], 3_333 * 3);
    assert_eq!(per_minute[1], 3_333 * 3 + 1);
    assert_eq!(per_minute[2], 3_333 * 3 + 2);

    // A bad count in the last row names its line (header is line 1).
    let bad = csv.replacen("o9999,a9999,f9999,http,0,", "o9999,a9999,f9999,http,x,", 1);
    assert_ne!(bad, csv);
    write(dir.path(), "bad.csv", &bad);
    let errors = load_in(dir.path(), r#"AzureTrace(file: "bad.csv")"#)
        .err()
        .unwrap_or_default();
    let wanted = format!("bad.csv:{}: minute 1: the count must be", ROWS + 1);
    assert!(
        errors.iter().any(|e| e.contains(&wanted)),
        "{wanted:?} in {errors:#?}"
    );
}

// ---- 4. A profile source is generated segment by segment, not at its peak throughout.
//
// Candidates were drawn at the profile's highest rate for the whole horizon and thinned:
// a day at 1/s with one second at 10,000/s drew 864 million candidates for 96,400
// arrivals (12 s), and one second at 100,000/s did not finish in 30 s.

const DAY: SimTime = 86_400 * NS_PER_S;
const NOON: SimTime = 43_200 * NS_PER_S;

/// A one-day scenario whose one source has `arrivals`.
fn one_day(arrivals: &str) -> std::sync::Arc<Scenario> {
    load(&format!(
        r#"Scenario(name: "profile", horizon: "1d",
          workload: [Source(kind: "r", arrivals: {arrivals})],
          architectures: [Architecture(name: "m", entry: "app", components: [
            Server(name: "app", workers: 256, handlers: {{"r": [Compute("1ms")]}})])])"#
    ))
}

/// Every arrival of source 0 of `s` before its horizon, under `load`.
fn arrivals_of(s: &Scenario, load: f64) -> Vec<SimTime> {
    let mut g = ArrivalGen::new(s.seed, 0, &s.sources[0], &s.kinds[0]);
    g.load = load;
    let times: Vec<_> = std::iter::from_fn(|| g.next(s.horizon)).collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "increasing");
    assert!(times.iter().all(|&t| t < s.horizon), "before the horizon");
    times
}

/// Arrivals in [from, to) [ns].
fn between(times: &[SimTime], from: SimTime, to: SimTime) -> u64 {
    let a = times.partition_point(|&t| t < from);
    let b = times.partition_point(|&t| t < to);
    (b - a) as u64
}

/// `n` is a Poisson count of mean `mean`, within 4 standard deviations.
fn assert_poisson(what: &str, n: u64, mean: f64) {
    let sd = mean.sqrt();
    assert!(
        (n as f64 - mean).abs() < 4.0 * sd,
        "{what}: {n} arrivals, expected {mean} ± {:.0} (4 sd)",
        4.0 * sd
    );
}

#[test]
fn a_one_second_step_to_10_000_per_second_gives_the_poisson_count_of_each_segment() {
    let s = one_day(r#"Profile(points: [("0s", 1.0), ("12h", 10000.0), ("43201s", 1.0)])"#);
    let times = arrivals_of(&s, 1.0);
    let step = NOON + NS_PER_S;
    assert_poisson("before the step", between(&times, 0, NOON), 43_200.0);
    assert_poisson("the step", between(&times, NOON, step), 10_000.0);
    assert_poisson("after the step", between(&times, step, DAY), 43_199.0);
    // Within the step, both halves at 10,000/s (a restart at the boundary that kept the
    // old rate's gap would leave the start of the step empty).
    let half = NOON + NS_PER_S / 2;
    assert_poisson(
        "first half of the step",
        between(&times, NOON, half),
        5_000.0,
    );
    assert_poisson(
        "first 10 ms of the step",
        between(&times, NOON, NOON + 10_000_000),
        100.0,
    );
    // Under a load of 3, from the start: three times each mean.
    let tripled = arrivals_of(&s, 3.0);
    assert_poisson("tripled, before", between(&tripled, 0, NOON), 129_600.0);
    assert_poisson("tripled, the step", between(&tripled, NOON, step), 30_000.0);
    assert_poisson("tripled, after", between(&tripled, step, DAY), 129_597.0);
}

#[test]
fn a_one_second_step_to_100_000_per_second_over_a_day_runs_to_the_end() {
    let s = one_day(r#"Profile(points: [("0s", 1.0), ("12h", 100000.0), ("43201s", 1.0)])"#);
    let times = arrivals_of(&s, 1.0);
    assert_poisson(
        "the step",
        between(&times, NOON, NOON + NS_PER_S),
        100_000.0,
    );
    assert_poisson("the day", times.len() as u64, 186_399.0);
    // The whole run: every arrival becomes a transaction, and all of them complete.
    let report = run_scenario(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let c = report.architectures[0].counts;
    assert_eq!(c.arrived, times.len() as u64, "{c:?}");
    assert!(c.conserved(), "{c:?}");
    assert_eq!(c.completed, c.arrived, "{c:?}");
}

/// A ramp is thinned within each segment at that segment's bound: the count of each
/// segment, and of each half of the ramp up, is the integral of the linear rate.
#[test]
fn a_one_second_ramp_to_10_000_per_second_follows_the_linear_rate() {
    let s = one_day(
        r#"Profile(points: [("0s", 1.0), ("12h", 1.0), ("43201s", 10000.0), ("43202s", 1.0)],
                   ramp: true)"#,
    );
    let times = arrivals_of(&s, 1.0);
    let (up, down) = (NOON + NS_PER_S, NOON + 2 * NS_PER_S);
    assert_poisson("flat before", between(&times, 0, NOON), 43_200.0);
    // Rate 1 + 9,999 t over t in [0, 1] s: 1,250.375 in the first half, 3,750.125 after.
    let half = NOON + NS_PER_S / 2;
    assert_poisson(
        "ramp up, first half",
        between(&times, NOON, half),
        1_250.375,
    );
    assert_poisson("ramp up, second half", between(&times, half, up), 3_750.125);
    assert_poisson("ramp down", between(&times, up, down), 5_000.5);
    // After the last point its rate holds to the horizon.
    assert_poisson("flat after", between(&times, down, DAY), 43_198.0);
}

/// A profile source stopped by a zero load starts again from the time it resumes, in the
/// segment of that time, at the new load.
#[test]
fn a_profile_stopped_by_zero_load_resumes_in_the_segment_of_now() {
    let s = one_day(r#"Profile(points: [("0s", 10.0), ("100s", 1000.0), ("200s", 10.0)])"#);
    let mut sim = Simulation::new(s, 0);
    let arrived = |sim: &mut Simulation, secs: u64| {
        sim.step_until(secs * NS_PER_S, &mut ());
        sim.counts().arrived
    };
    let first = arrived(&mut sim, 50);
    assert_poisson("50 s at 10/s", first, 500.0);
    sim.set_load(0, 0.0);
    // At most the one arrival already scheduled when the load dropped.
    let stopped = arrived(&mut sim, 150);
    assert!(stopped <= first + 1, "{first} then {stopped}");
    sim.set_load(0, 2.0);
    // From 150 s: 50 s of the 1,000/s segment, then 50 s of the 10/s one, at twice the load.
    let step = arrived(&mut sim, 200) - stopped;
    assert_poisson("50 s at 2 × 1,000/s", step, 100_000.0);
    let after = arrived(&mut sim, 250) - stopped - step;
    assert_poisson("50 s at 2 × 10/s", after, 1_000.0);
    assert!(sim.counts().conserved());
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
        choreo_sim::report::summary_header()
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
    let e = match run_scenario(&scenario, &RunOptions::default()) {
        Ok(r) => panic!("expected a runaway, got {:?}", r.architectures[0].counts),
        Err(e) => e,
    };
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

/// The outstanding-work limit is "more than": a transaction with exactly
/// `MAX_OUTSTANDING_PER_TXN` pieces at once runs; one more stops the run. The entry function
/// emits n events to a function that computes for a second (the account's concurrency
/// limit raised so that none is throttled): with the request itself, 1 + n pieces are
/// outstanding at the last emit.
#[test]
fn the_outstanding_work_limit_allows_exactly_its_value() {
    let scenario = |emits: u32| {
        let steps = vec![r#"Emit("g")"#; emits as usize].join(", ");
        load(&format!(
            r#"Scenario(name: "limit", horizon: "1500ms",
              workload: [Source(kind: "hit", arrivals: Constant(per_second: 1.0))],
              architectures: [Architecture(name: "a", entry: "f", concurrency_limit: 20000, components: [
                  Function(name: "f", work: [{steps}]),
                  Function(name: "g", work: [Compute("1s")]),
              ])])"#
        ))
    };
    let at_limit = MAX_OUTSTANDING_PER_TXN - 1;
    let report = run_scenario(&scenario(at_limit), &RunOptions::default())
        .unwrap_or_else(|e| panic!("{at_limit} emits + the invocation: {e}"));
    let counts = report.architectures[0].counts;
    assert_eq!(counts.arrived, 1, "{counts:?}");
    let (component, limit, _) = match run_scenario(&scenario(at_limit + 1), &RunOptions::default())
    {
        Err(RunError::Runaway {
            component, limit, ..
        }) => (component, limit, ()),
        other => panic!(
            "expected a runaway at {} pieces, got {other:?}",
            at_limit + 2
        ),
    };
    assert_eq!((component.as_str(), limit), ("f", Limit::Outstanding));
}

// ---- A panic inside a run (a bug) is an error saying where it happened.

/// An observer that panics at the first event at or after `at`.
struct PanicAt {
    at: SimTime,
}

impl Observer for PanicAt {
    fn on_event(&mut self, time: SimTime, _event: &SimEvent) {
        if time >= self.at {
            panic!("broken invariant at {time}");
        }
    }
}

#[test]
fn a_panic_during_a_run_names_the_scenario_architecture_and_simulated_time() {
    let scenario = choreo_sim::bundled::load("photo-sharing")
        .expect("bundled")
        .expect("valid")
        .scenario;
    let at = 30 * NS_PER_S;
    for sequential in [false, true] {
        let options = RunOptions {
            sequential,
            ..RunOptions::default()
        };
        let e = run_scenario_with(&scenario, &options, |i| PanicAt {
            at: if i == 1 { at } else { SimTime::MAX },
        })
        .err()
        .expect("the run fails");
        let RunError::Panicked {
            scenario: name,
            architecture,
            at_s,
            message,
            seed,
        } = &e
        else {
            panic!("not a panic error: {e}");
        };
        assert_eq!(name, &scenario.name);
        assert_eq!(architecture, "serverless");
        // Photo-sharing's events are milliseconds apart: the panic is within 0.1 s of 30 s.
        assert!((30.0..30.1).contains(at_s), "{at_s}");
        assert!(message.starts_with("broken invariant at 30"), "{message}");
        assert_eq!(*seed, scenario.seed);
        let text = e.to_string();
        assert!(
            text.starts_with(&format!(
                "internal error in scenario {:?}, architecture \"serverless\", at simulated time 30.",
                scenario.name
            )),
            "{text}"
        );
    }
}
