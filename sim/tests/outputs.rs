//! The documented output files (docs/scenarios.md, section 11) as written: summary.csv's
//! fault and call-policy columns, every timeseries metric, transactions.csv and events.csv,
//! each against values derived by hand from constant arrivals and constant work.
//!
//! `Constant(per_second: r)` arrives at 1/r, 2/r, … (never at zero or at the horizon); the
//! timeseries row at `time_s` t covers the interval (t − interval, t], and its component
//! state is taken after every event at t.

#[path = "support/scenario.rs"]
mod support;

use std::sync::Arc;

use choreo_sim::engine::NS_PER_S;
use choreo_sim::export::{self, TraceWriter, TransactionWriter};
use choreo_sim::run::{Report, RunOptions, run_architecture, run_scenario};
use support::load;

/// Runs every architecture of `text` with the default interval (1 s for these horizons).
fn report(text: &str) -> Report {
    let s = load(text);
    let r = run_scenario(&s, &RunOptions::default()).unwrap();
    for a in &r.architectures {
        assert!(a.counts.conserved(), "{}: {:?}", a.name, a.counts);
    }
    r
}

/// A CSV file as written, split into rows of fields (none of these files quote anything).
fn rows(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    write(&mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// summary.csv as written: `get(arch, column)` is the field of that architecture's row.
struct Summary(Vec<Vec<String>>);

impl Summary {
    fn of(report: &Report) -> Self {
        Self(rows(|w| export::write_summary(report, w)))
    }

    fn get(&self, arch: &str, column: &str) -> &str {
        let col = self.0[0]
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("summary.csv has no column {column}"));
        let row = self.0[1..]
            .iter()
            .find(|r| r[1] == arch)
            .unwrap_or_else(|| panic!("summary.csv has no row for {arch}"));
        &row[col]
    }
}

/// isolation.csv as written, without its header; asserts the header first.
fn isolation(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    export::write_isolation(report, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "architecture,fault,component,fault_kind,start_s,end_s,window,kind,touches,arrived,\
             failed,failure_ratio,response_p99_ms,done_p99_ms,collateral_failures,recovery_s,\
             recovered,windows"
        )
    );
    lines.map(str::to_string).collect()
}

// ---- summary.csv: call policies (section 8) and faults (section 9).

#[test]
fn the_call_policy_worked_example_gives_its_timeouts_and_call_retries_per_transaction() {
    // The docs' example (section 8): attempts at 0, 150 and 350 ms each time out after
    // 100 ms; the response fails at 450 ms and the transaction at 650 ms, when the last
    // detached callee ends. Arrivals at 1 s … 9 s: 9 transactions, all done by 9.65 s.
    let r = report(
        r#"Scenario(name: "policy", horizon: "10s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "a", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", work: [Call("slow")],
              calls: {"slow": Policy(timeout: "100ms", retries: 2, backoff: "50ms", jitter: false)}),
            Function(name: "slow", cold_start: "0ms", work: [Compute("300ms")])])])"#,
    );
    let s = Summary::of(&r);
    assert_eq!(s.get("a", "transactions"), "9");
    assert_eq!(s.get("a", "failed"), "9");
    // 3 timeouts and 2 call retries per transaction; every response failed.
    assert_eq!(s.get("a", "timeouts"), "27");
    assert_eq!(s.get("a", "call_retries"), "18");
    assert_eq!(s.get("a", "failed_responses"), "9");
    // No breaker, no asynchronous invocation: nothing short-circuited, no platform retry.
    assert_eq!(s.get("a", "short_circuited"), "0");
    assert_eq!(s.get("a", "retries"), "0");
    // No fault: no recovery time.
    assert_eq!(s.get("a", "recovery_s"), "");
}

/// f calls x (1 ms) through a breaker that opens on one failure and cools down for
/// `cooldown`; x is down from 10 s to 20 s. Arrivals every 100 ms from 0.1 s to 59.9 s.
fn breaker_past_an_outage(cooldown: &str) -> Report {
    report(&format!(
        r#"Scenario(name: "breaker", horizon: "60s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "a", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", work: [Call("x")],
              calls: {{"x": Policy(breaker: Breaker(failures: 1, cooldown: "{cooldown}"))}}),
            External(name: "x", latency: "1ms")])],
          faults: [Fault(target: "x", at: "10s", lasts: "10s", kind: Outage)])"#
    ))
}

#[test]
fn a_breaker_open_past_an_outage_short_circuits_calls_and_sets_the_recovery_time() {
    // The call at 10.0 s fails (the outage starts first) and opens the breaker until 17.0 s;
    // 10.1 … 16.9 s are short-circuited (69); the probe at 17.0 s fails at once and opens it
    // until 24.0 s: 17.1 … 23.9 s short-circuited (69 more); the probe at 24.0 s succeeds.
    // Failed: the 100 arrivals of 10.0 … 19.9 s and the 40 of 20.0 … 23.9 s, each a failed
    // response. Recovery: the 1-s buckets from 20 s fail wholly until the one of 24 s, which
    // (and the next) fails nothing: 24 − 20 = 4 s.
    let r = breaker_past_an_outage("7s");
    let s = Summary::of(&r);
    assert_eq!(s.get("a", "transactions"), "599");
    assert_eq!(s.get("a", "failed"), "140");
    assert_eq!(s.get("a", "short_circuited"), "138");
    assert_eq!(s.get("a", "failed_responses"), "140");
    assert_eq!(s.get("a", "recovery_s"), "4.000");
    // No timeout and no retries in the policy.
    assert_eq!(s.get("a", "timeouts"), "0");
    assert_eq!(s.get("a", "call_retries"), "0");
    // isolation.csv, by hand: before 0.1 … 9.9 s (99, none failed), during 10.0 … 19.9 s
    // (100, all failed), after 20.0 … 59.9 s (400, of which 40 failed). Every success takes
    // exactly 1 ms, response and done alike.
    assert_eq!(
        isolation(&r),
        [
            "a,0,x,outage,10.000,20.000,before,r,true,99,0,0.000000,1.000,1.000,0,4.000,yes,1",
            "a,0,x,outage,10.000,20.000,during,r,true,100,100,1.000000,,,0,4.000,yes,1",
            "a,0,x,outage,10.000,20.000,after,r,true,400,40,0.100000,1.000,1.000,0,4.000,yes,1",
        ]
    );
}

#[test]
fn a_breaker_open_to_the_horizon_means_the_fault_never_recovered() {
    // The breaker opens at 10.0 s for 10 minutes: every later call is short-circuited
    // (10.1 … 59.9 s: 499), and no bucket after the outage fails less than all.
    let r = breaker_past_an_outage("10m");
    let s = Summary::of(&r);
    assert_eq!(s.get("a", "short_circuited"), "499");
    assert_eq!(s.get("a", "failed"), "500");
    assert_eq!(s.get("a", "recovery_s"), "never");
    let rows = isolation(&r);
    assert_eq!(rows.len(), 3, "{rows:?}");
    for row in &rows {
        // recovery_s empty, recovered "no".
        assert!(row.ends_with(",,no,1"), "{row}");
    }
    assert!(
        rows[2].contains(",after,r,true,400,400,1.000000,"),
        "{rows:?}"
    );
}

#[test]
fn an_outage_whose_failures_end_with_it_recovers_in_zero_seconds() {
    // Without a breaker only the calls during the outage fail: the first bucket after it
    // (20 s) fails nothing, so recovery is 0 and nothing is short-circuited.
    let r = report(
        r#"Scenario(name: "outage", horizon: "60s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "a", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", work: [Call("x")]),
            External(name: "x", latency: "1ms")])],
          faults: [Fault(target: "x", at: "10s", lasts: "10s", kind: Outage)])"#,
    );
    let s = Summary::of(&r);
    assert_eq!(s.get("a", "failed"), "100");
    assert_eq!(s.get("a", "failed_responses"), "100");
    assert_eq!(s.get("a", "short_circuited"), "0");
    assert_eq!(s.get("a", "recovery_s"), "0.000");
    for row in isolation(&r) {
        assert!(row.ends_with(",0,0.000,yes,1"), "{row}");
    }
}

#[test]
fn recovery_is_empty_without_faults_and_while_the_only_fault_has_not_ended() {
    let healthy = report(
        r#"Scenario(name: "h", horizon: "10s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "a", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", work: [Call("x")]),
            External(name: "x", latency: "1ms")])])"#,
    );
    assert_eq!(Summary::of(&healthy).get("a", "recovery_s"), "");
    // Without faults isolation.csv is its header alone.
    assert!(isolation(&healthy).is_empty());
    // An outage from 5 s past the 10-s horizon never ends: no after window, nothing
    // recovered or not.
    let unended = report(
        r#"Scenario(name: "u", horizon: "10s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
          architectures: [Architecture(name: "a", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", work: [Call("x")]),
            External(name: "x", latency: "1ms")])],
          faults: [Fault(target: "x", at: "5s", lasts: "1h", kind: Outage)])"#,
    );
    assert_eq!(Summary::of(&unended).get("a", "recovery_s"), "");
    // 0.1 … 4.9 s before (49), 5.0 … 9.9 s during (50, all failed); end_s, recovery_s and
    // recovered empty.
    assert_eq!(
        isolation(&unended),
        [
            "a,0,x,outage,5.000,,before,r,true,49,0,0.000000,1.000,1.000,0,,,1",
            "a,0,x,outage,5.000,,during,r,true,50,50,1.000000,,,0,,,1",
        ]
    );
}

#[test]
fn failed_asynchronous_work_fails_transactions_but_not_their_responses() {
    // f answers at once after emitting to g, whose call to x always fails. The platform
    // retries each event 1 and 2 min after its failures (each 1 ms): the third failure, at
    // k + 180.003 s for the arrival at k s, drops it. Over 240 s that is arrivals 1 … 59
    // failed (the rest in flight). A retry counts when the platform decides it, at the
    // failure (its `Retried` event): 239 first ones (k + 0.001 ≤ 240) and 179 second ones
    // (k + 60.002 ≤ 240). No response failed.
    let r = report(
        r#"Scenario(name: "async", horizon: "240s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "a", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", work: [Emit("g")]),
            Function(name: "g", cold_start: "0ms", work: [Call("x")]),
            External(name: "x", latency: "1ms", error_rate: 1.0)])])"#,
    );
    let s = Summary::of(&r);
    assert_eq!(s.get("a", "failed"), "59");
    assert_eq!(s.get("a", "failed_responses"), "0");
    assert_eq!(s.get("a", "retries"), "418");
    assert_eq!(s.get("a", "call_retries"), "0");
}

// ---- timeseries.csv: every metric (section 11).

/// timeseries.csv as written: the value of `metric` of `component` at `time_s`.
struct Series(Vec<Vec<String>>);

impl Series {
    fn of(report: &Report) -> Self {
        let rows = rows(|w| export::write_timeseries(report, w));
        assert_eq!(
            rows[0],
            ["architecture", "time_s", "component", "metric", "value"]
        );
        Self(rows)
    }

    fn get(&self, arch: &str, time_s: &str, component: &str, metric: &str) -> &str {
        let found: Vec<&Vec<String>> = self.0[1..]
            .iter()
            .filter(|r| r[0] == arch && r[1] == time_s && r[2] == component && r[3] == metric)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{arch} {time_s} {component} {metric}: {found:?}"
        );
        &found[0][4]
    }

    /// The (component, metric) pairs of `arch` at `time_s`, in file order.
    fn metrics(&self, arch: &str, time_s: &str) -> Vec<(String, String)> {
        self.0[1..]
            .iter()
            .filter(|r| r[0] == arch && r[1] == time_s)
            .map(|r| (r[2].clone(), r[3].clone()))
            .collect()
    }
}

/// Four small architectures on one arrival a second (1 s … 9 s), each showing some
/// metrics at known instants.
const SERIES: &str = r#"Scenario(name: "series", horizon: "10s",
  workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
  architectures: [
    Architecture(name: "cold", entry: "f", components: [
      Function(name: "f", cold_start: "1500ms", work: [Compute("1ms")])]),
    Architecture(name: "limit", entry: "f", components: [
      Function(name: "f", cold_start: "0ms", concurrency: 1, work: [Compute("1500ms")])]),
    Architecture(name: "srv", entry: "app", components: [
      Server(name: "app", instances: 1, workers: 2, handlers: {"r": [Write("db")]}),
      Database(name: "db", latency: "2500ms", capacity: Concurrency(1))]),
    Architecture(name: "queue", entry: "p", components: [
      Function(name: "p", cold_start: "0ms", work: [Emit("q")]),
      Queue(name: "q", consumer: "w", batch: 1),
      Function(name: "w", cold_start: "0ms", concurrency: 1, work: [Compute("2300ms")])])])"#;

#[test]
fn the_timeseries_has_exactly_the_documented_metrics_of_each_component_kind() {
    let ts = Series::of(&report(SERIES));
    let all = [
        "arrived",
        "completed",
        "failed",
        "in_flight",
        "cold_starts",
        "throttled",
        "response_p50_ms",
        "response_p99_ms",
    ];
    let expect = |parts: &[(&str, &[&str])]| -> Vec<(String, String)> {
        parts
            .iter()
            .flat_map(|(c, ms)| ms.iter().map(|m| (c.to_string(), m.to_string())))
            .collect()
    };
    let function = ["instances_starting", "instances_busy", "instances_idle"];
    assert_eq!(
        ts.metrics("cold", "5.000"),
        expect(&[("all", &all), ("f", &function)])
    );
    assert_eq!(
        ts.metrics("srv", "5.000"),
        expect(&[
            ("all", &all),
            ("app", &["workers_busy", "workers", "backlog"]),
            ("db", &["in_service", "waiting"]),
        ])
    );
    assert_eq!(
        ts.metrics("queue", "5.000"),
        expect(&[
            ("all", &all),
            ("p", &function),
            ("q", &["visible", "in_flight"]),
            ("w", &function),
        ])
    );
    // One row per interval: 1 s … 10 s.
    let times: Vec<&str> = ts.0[1..]
        .iter()
        .filter(|r| r[0] == "cold" && r[2] == "all" && r[3] == "arrived")
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(
        times,
        [
            "1.000", "2.000", "3.000", "4.000", "5.000", "6.000", "7.000", "8.000", "9.000",
            "10.000"
        ]
    );
}

#[test]
fn function_series_count_instances_by_state_cold_starts_and_the_intervals_responses() {
    // Cold starts of 1.5 s, 1 ms of work. Arrival 1 cold-starts instance A (1.0–2.5 s) and
    // runs 2.5–2.501 s; arrival 2 finds A still starting and cold-starts B (2.0–3.5 s, runs
    // 3.5–3.501 s); arrival 3 runs on A (idle) 3.0–3.001 s; arrival 4 on B, the most
    // recently used, 4.0–4.001 s, and so on: A stays idle from 4 s.
    let ts = Series::of(&report(SERIES));
    let at = |t: &str, comp: &str, metric: &str| ts.get("cold", t, comp, metric).to_string();
    let f = |t: &str| {
        [
            at(t, "f", "instances_starting"),
            at(t, "f", "instances_busy"),
            at(t, "f", "instances_idle"),
        ]
    };
    assert_eq!(f("1.000"), ["1.000", "0.000", "0.000"]);
    assert_eq!(f("2.000"), ["2.000", "0.000", "0.000"]);
    assert_eq!(f("3.000"), ["1.000", "1.000", "0.000"]);
    assert_eq!(f("4.000"), ["0.000", "1.000", "1.000"]);
    // A cold start counts when its invocation starts: 2.5 s and 3.5 s.
    let cold: Vec<String> = ["1.000", "2.000", "3.000", "4.000", "5.000"]
        .iter()
        .map(|t| at(t, "all", "cold_starts"))
        .collect();
    assert_eq!(cold, ["0.000", "0.000", "1.000", "1.000", "0.000"]);
    // Responses of the interval: (2, 3] only arrival 1's 1501 ms; (3, 4] arrival 3's 1 ms
    // and arrival 2's 1501 ms: p50 the smaller, p99 the larger (exact: a percentile is
    // clamped to the values recorded, and 1 ms is a bucket's upper end).
    assert_eq!(at("3.000", "all", "response_p50_ms"), "1501.000");
    assert_eq!(at("3.000", "all", "response_p99_ms"), "1501.000");
    assert_eq!(at("4.000", "all", "response_p50_ms"), "1.000");
    assert_eq!(at("4.000", "all", "response_p99_ms"), "1501.000");
    // No response in (1, 2]: an empty field.
    assert_eq!(at("2.000", "all", "response_p50_ms"), "");
    // Completions by interval: arrival 1 in (2, 3], arrivals 2 and 3 in (3, 4].
    assert_eq!(at("3.000", "all", "completed"), "1.000");
    assert_eq!(at("4.000", "all", "completed"), "2.000");
    // In flight at 2 s: arrivals 1 and 2.
    assert_eq!(at("2.000", "all", "in_flight"), "2.000");
    assert_eq!(at("4.000", "all", "in_flight"), "1.000");
}

#[test]
fn function_series_count_each_intervals_throttles_and_failures() {
    // Concurrency 1, 1.5 s of work: arrival 1 runs 1.0–2.5 s, arrival 2 is throttled at
    // 2.0 s and fails, arrival 3 runs 3.0–4.5 s, arrival 4 is throttled at 4.0 s, …
    let ts = Series::of(&report(SERIES));
    let at = |t: &str, metric: &str| ts.get("limit", t, "all", metric).to_string();
    let interval = |t: &str| {
        [
            at(t, "arrived"),
            at(t, "completed"),
            at(t, "failed"),
            at(t, "throttled"),
        ]
    };
    assert_eq!(interval("2.000"), ["1.000", "0.000", "1.000", "1.000"]);
    assert_eq!(interval("3.000"), ["1.000", "1.000", "0.000", "0.000"]);
    assert_eq!(interval("4.000"), ["1.000", "0.000", "1.000", "1.000"]);
    // The one instance, busy at 2 s and 3 s (its first run was a cold start of 0 ms).
    assert_eq!(ts.get("limit", "3.000", "f", "instances_busy"), "1.000");
    assert_eq!(at("1.000", "cold_starts"), "1.000");
    assert_eq!(at("3.000", "response_p99_ms"), "1500.000");
}

#[test]
fn server_and_database_series_count_busy_workers_the_backlog_and_operations_waiting() {
    // Two workers; one write at a time, 2.5 s each. Write 1 runs 1.0–3.5 s, write 2 (its
    // request on worker 2 from 2.0 s) 3.5–6.0 s; request 3 waits in the backlog from 3.0 s
    // and takes worker 1 at 3.5 s, its write waiting for the database; requests 4 and 5
    // wait in the backlog.
    let ts = Series::of(&report(SERIES));
    let at = |t: &str, comp: &str, metric: &str| ts.get("srv", t, comp, metric).to_string();
    let app = |t: &str| {
        [
            at(t, "app", "workers_busy"),
            at(t, "app", "workers"),
            at(t, "app", "backlog"),
        ]
    };
    let db = |t: &str| [at(t, "db", "in_service"), at(t, "db", "waiting")];
    assert_eq!(app("1.000"), ["1.000", "2.000", "0.000"]);
    assert_eq!(db("1.000"), ["1.000", "0.000"]);
    assert_eq!(app("3.000"), ["2.000", "2.000", "1.000"]);
    assert_eq!(db("3.000"), ["1.000", "1.000"]);
    assert_eq!(app("5.000"), ["2.000", "2.000", "2.000"]);
    assert_eq!(db("5.000"), ["1.000", "1.000"]);
    // Request 1 answers at 3.5 s after exactly 2.5 s; 4 in flight at 5 s (2 … 5).
    assert_eq!(at("4.000", "all", "completed"), "1.000");
    assert_eq!(at("4.000", "all", "response_p50_ms"), "2500.000");
    assert_eq!(at("5.000", "all", "in_flight"), "4.000");
}

#[test]
fn queue_series_count_messages_visible_and_received() {
    // One message a second; the consumer, at concurrency 1, takes 2.3 s a message:
    // message 1 runs 1.0–3.3 s, message 2 from 3.3 s, message 3 from 5.6 s. At 5 s
    // messages 3, 4 and 5 are visible and message 2 is received (in flight).
    let ts = Series::of(&report(SERIES));
    let at = |t: &str, comp: &str, metric: &str| ts.get("queue", t, comp, metric).to_string();
    assert_eq!(at("5.000", "q", "visible"), "3.000");
    assert_eq!(at("5.000", "q", "in_flight"), "1.000");
    assert_eq!(at("2.000", "q", "visible"), "1.000");
    assert_eq!(at("2.000", "q", "in_flight"), "1.000");
    assert_eq!(at("5.000", "w", "instances_busy"), "1.000");
    // The producer answers at once: every transaction is in flight until its message ran.
    assert_eq!(at("5.000", "all", "in_flight"), "4.000");
}

// ---- transactions.csv and events.csv.

#[test]
fn transactions_csv_has_its_columns_and_a_hand_computed_row_per_finished_transaction() {
    // Two sources: "a" at 1, 2, 3 s, "b" at 1.25, 2.5 s (ids: ordinal × 2 + source, so a's
    // are 0, 2, 4 and b's 1, 3). f computes 100 ms, then emits to g (200 ms): the response
    // after 100 ms, done after 300 ms. f is down from 2.9 s: a's third fails at once.
    let s = load(
        r#"Scenario(name: "tx", horizon: "3500ms",
          workload: [Source(kind: "a", arrivals: Constant(per_second: 1.0)),
                     Source(kind: "b", arrivals: Constant(per_second: 0.8))],
          architectures: [Architecture(name: "arch", entry: "f", components: [
            Function(name: "f", cold_start: "0ms", work: [Compute("100ms"), Emit("g")]),
            Function(name: "g", cold_start: "0ms", work: [Compute("200ms")])])],
          faults: [Fault(target: "f", at: "2900ms", lasts: "1h", kind: Outage)])"#,
    );
    let mut w = TransactionWriter::new(Vec::new(), &s, "arch", true);
    run_architecture(Arc::clone(&s), 0, NS_PER_S, &mut w).unwrap();
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    // In order of their end: 1.3, 1.55, 2.3, 2.8 and 3.0 s.
    assert_eq!(
        text,
        "architecture,transaction,kind,arrived_s,response_ms,response_ok,done_ms,outcome\n\
         arch,0,a,1.000000,100.000,true,300.000,completed\n\
         arch,1,b,1.250000,100.000,true,300.000,completed\n\
         arch,2,a,2.000000,100.000,true,300.000,completed\n\
         arch,3,b,2.500000,100.000,true,300.000,completed\n\
         arch,4,a,3.000000,0.000,false,0.000,failed\n"
    );
    assert_eq!(
        export::TRANSACTION_COLUMNS.join(","),
        text.lines().next().unwrap()
    );
}

#[test]
fn events_csv_has_its_columns_and_the_hand_derived_events_of_one_transaction() {
    // One arrival at 1 s; f cold-starts for 250 ms, then calls x (5 ms): the user waits
    // 255 ms. Times to the nanosecond; events of no transaction have an empty transaction;
    // a Request or Reply names sender and receiver (`user` for the user).
    let s = load(
        r#"Scenario(name: "ev", horizon: "1500ms",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "arch", entry: "f", components: [
            Function(name: "f", cold_start: "250ms", work: [Call("x")]),
            External(name: "x", latency: "5ms")])])"#,
    );
    let mut w = TraceWriter::new(Vec::new(), &s.architectures[0], true);
    run_architecture(Arc::clone(&s), 0, NS_PER_S, &mut w).unwrap();
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    assert_eq!(
        text,
        "architecture,time_s,event,transaction,component,other,detail\n\
         arch,1.000000000,TransactionArrived,0,,,kind=0\n\
         arch,1.000000000,Request,0,user,f,sync=true\n\
         arch,1.000000000,ColdStartBegan,,f,,instance=0\n\
         arch,1.250000000,InstanceReady,,f,,instance=0\n\
         arch,1.250000000,InvocationStarted,0,f,,instance=0 cold=true waited_ms=0.000\n\
         arch,1.250000000,Request,0,f,x,sync=true\n\
         arch,1.255000000,Operation,0,x,,op=call ok=true\n\
         arch,1.255000000,Reply,0,x,f,ok=true\n\
         arch,1.255000000,InvocationEnded,,f,,instance=0 billed_ms=5 ok=true provisioned=false init_ms=0\n\
         arch,1.255000000,Reply,0,f,user,ok=true\n\
         arch,1.255000000,ResponseSent,0,,,ok=true latency_ms=255.000\n\
         arch,1.255000000,TransactionDone,0,,,outcome=completed latency_ms=255.000\n"
    );
    assert_eq!(
        export::TRACE_COLUMNS.join(","),
        text.lines().next().unwrap()
    );
}

// ---- quantiles.csv.

/// Two kinds on one server with workers to spare (no waiting): "fast" 3 a second for
/// 10 ms, "slow" 1 a second for 50 ms. In 100 s: 299 fast and 99 slow arrivals, all done
/// (the last, slow at 99 s, by 99.05 s). A function beside it works 10 ms on every
/// request and emits it to a queue whose consumer works 200 ms.
const QUANTILES: &str = r#"Scenario(name: "quantiles", horizon: "100s",
  workload: [Source(kind: "fast", arrivals: Constant(per_second: 3.0)),
             Source(kind: "slow", arrivals: Constant(per_second: 1.0))],
  architectures: [
    Architecture(name: "srv", entry: "app", components: [
      Server(name: "app", instances: 1, workers: 8,
             handlers: {"fast": [Compute("10ms")], "slow": [Compute("50ms")]})]),
    Architecture(name: "fn", entry: "f", components: [
      Function(name: "f", cold_start: "0ms", work: [Compute("10ms"), Emit("q")]),
      Queue(name: "q", consumer: "w", batch: 1),
      Function(name: "w", cold_start: "0ms", work: [Compute("200ms")])])])"#;

#[test]
fn quantiles_csv_gives_each_architectures_latency_cdf_from_its_histograms() {
    let r = report(QUANTILES);
    let rows = rows(|w| export::write_quantiles(&r, w));
    assert_eq!(rows[0], ["architecture", "metric", "quantile", "value_ms"]);
    // 103 quantiles of two metrics of two architectures.
    assert_eq!(rows.len(), 1 + 2 * 2 * 103);
    let levels: Vec<&str> = rows[1..104].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(&levels[..3], ["0", "0.01", "0.02"]);
    assert_eq!(&levels[9..12], ["0.09", "0.1", "0.11"]);
    assert_eq!(&levels[98..], ["0.98", "0.99", "0.999", "0.9999", "1"]);
    let value = |arch: &str, metric: &str, q: &str| -> f64 {
        let found: Vec<&Vec<String>> = rows[1..]
            .iter()
            .filter(|r| r[0] == arch && r[1] == metric && r[2] == q)
            .collect();
        assert_eq!(found.len(), 1, "{arch} {metric} {q}");
        found[0][3].parse().unwrap()
    };
    let near = |v: f64, want: f64| (v / want - 1.0).abs() < 0.001;
    // The server: 299 of 398 responses (75.1 %) take 10 ms, up to the 0.75-quantile (the
    // 299th value), then 50 ms from 0.76 (the 303rd); 0 and 1 are the smallest and the
    // largest, exactly.
    for q in ["0", "0.01", "0.5", "0.75"] {
        let v = value("srv", "response", q);
        assert!(near(v, 10.0), "srv response {q}: {v}");
    }
    for q in ["0.76", "0.99", "0.9999", "1"] {
        let v = value("srv", "response", q);
        assert!(near(v, 50.0), "srv response {q}: {v}");
    }
    assert_eq!(value("srv", "response", "0"), 10.0);
    assert_eq!(value("srv", "response", "1"), 50.0);
    // It does all the work synchronously: done = response.
    for q in ["0", "0.5", "0.76", "1"] {
        assert_eq!(value("srv", "done", q), value("srv", "response", q));
    }
    // The function answers every request in 10 ms; each is done 200 ms later (the
    // consumer's work).
    for q in ["0", "0.5", "0.99", "1"] {
        assert!(near(value("fn", "response", q), 10.0), "fn response {q}");
        assert!(near(value("fn", "done", q), 210.0), "fn done {q}");
    }
    // The same histograms as summary.csv's percentiles.
    let summary = Summary::of(&r);
    for arch in ["srv", "fn"] {
        for (metric, q, column) in [
            ("response", "0.5", "response_p50_ms"),
            ("response", "0.99", "response_p99_ms"),
            ("done", "0.95", "done_p95_ms"),
        ] {
            let csv: f64 = summary.get(arch, column).parse().unwrap();
            assert_eq!(value(arch, metric, q), csv, "{arch} {column}");
        }
    }
}

#[test]
fn quantiles_csv_leaves_the_value_empty_without_any_latency() {
    // Every request fails (an outage for the whole run): no successful response, no
    // transaction completed.
    let r = report(
        r#"Scenario(name: "none", horizon: "5s",
  workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
  architectures: [Architecture(name: "a", entry: "f", components: [
      Function(name: "f", cold_start: "0ms", work: [Call("x")]),
      External(name: "x", latency: "1ms")])],
  faults: [Fault(target: "x", at: "0s", lasts: "10s", kind: Outage)])"#,
    );
    let rows = rows(|w| export::write_quantiles(&r, w));
    assert_eq!(rows.len(), 1 + 2 * 103);
    assert!(rows[1..].iter().all(|r| r[3].is_empty()), "{rows:?}");
}
