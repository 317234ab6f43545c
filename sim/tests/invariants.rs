//! Invariants under random scenarios (proptest): a generator of valid scenarios — a monolith
//! (servers, a database, an external service with call policies) and an event-driven design
//! (gateway, functions with a random instance-selection policy, storage events, a topic, a
//! queue with a dead-letter queue) on random loads, distributions, limits and faults — and,
//! for each: conservation after a drain, counts equal to those of the event stream, response
//! ≤ done for every transaction, costs ≥ 0 adding up to the summary's, instances within
//! their limits, no NaN or infinity in any output, and the same bytes run twice, threaded or
//! not.

#[path = "support/scenario.rs"]
mod support;

use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;

use choreo_sim::engine::{NS_PER_S, SimTime};
use choreo_sim::export;
use choreo_sim::model::Simulation;
use choreo_sim::observe::{Observer, Outcome, SimEvent};
use choreo_sim::report::Metric;
use choreo_sim::run::{RunOptions, run_scenario};
use choreo_sim::scenario::{self, Scenario};

/// A compute time as RON.
fn dist() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u32..400).prop_map(|ms| format!("\"{ms}ms\"")),
        (1u32..400).prop_map(|ms| format!("Exponential(mean: \"{ms}ms\")")),
        (1u32..200, 2u32..10)
            .prop_map(|(ms, k)| format!("LogNormal(median: \"{ms}ms\", p99: \"{}ms\")", ms * k)),
    ]
}

fn arrivals() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u32..300).prop_map(|r| format!("Poisson(per_second: {:.1})", f64::from(r) / 10.0)),
        (1u32..300).prop_map(|r| format!("Constant(per_second: {:.1})", f64::from(r) / 10.0)),
        (1u32..600, 1u32..50, 1u32..20, 1u32..20).prop_map(|(on, off, a, b)| format!(
            "Bursts(on_per_second: {:.1}, off_per_second: {:.1}, on: \"{a}s\", off: Exponential(mean: \"{b}s\"))",
            f64::from(on) / 10.0,
            f64::from(off) / 10.0
        )),
    ]
}

fn capacity() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Serverless".to_string()),
        (1u32..50).prop_map(|n| format!("Concurrency({n})")),
        (1u32..200).prop_map(|r| format!("PerSecond({r}.0)")),
    ]
}

fn optional<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![Just(None), s.prop_map(Some)]
}

/// A fault, as RON, within `horizon` seconds.
fn fault(horizon: u32) -> impl Strategy<Value = String> {
    let target = prop_oneof![
        Just("db"),
        Just("ext"),
        Just("app"),
        Just("fa"),
        Just("fc"),
        Just("q"),
    ];
    let kind = prop_oneof![
        Just("Outage".to_string()),
        (2u32..6).prop_map(|f| format!("Slow(factor: {f}.0, add: \"5ms\")")),
        (1u32..10).prop_map(|r| format!("Errors(rate: 0.{r})")),
        (1u32..10).prop_map(|f| format!("CapacityCut(factor: 0.{f})")),
        (1u32..10).prop_map(|p| format!("Crash(probability: 0.0{p})")),
        (1u32..10).prop_map(|r| format!("Poison(rate: 0.{r})")),
    ];
    (target, kind, 0..horizon, 1..horizon).prop_filter_map(
        "a fault kind its target has",
        |(target, kind, at, lasts)| {
            let fits = match kind.split('(').next().unwrap_or("") {
                "Crash" => matches!(target, "app" | "fa" | "fc"),
                "CapacityCut" => matches!(target, "db" | "ext" | "fa" | "fc"),
                "Poison" => target == "q",
                "Slow" | "Errors" => target != "q",
                _ => true,
            };
            fits.then(|| {
                format!(
                    "Fault(target: \"{target}\", at: \"{at}s\", lasts: \"{lasts}s\", kind: {kind})"
                )
            })
        },
    )
}

/// A valid random scenario, as RON.
fn scenario_text() -> impl Strategy<Value = String> {
    let workload = (arrivals(), arrivals(), 10u32..90, any::<u64>());
    let monolith = (
        1u32..4,
        1u32..16,
        optional(0u32..50),
        dist(),
        dist(),
        (any::<bool>(), any::<bool>()),
        (optional(10u32..2000), 0u32..3),
    );
    let services = (
        capacity(),
        capacity(),
        (1u32..300, 0u32..40, optional(1u32..100)),
    );
    let serverless = (
        (
            prop::sample::select(vec![128u32, 256, 512, 1024, 2048]),
            optional(1u32..30),
            prop::sample::select(vec![
                "MostRecentlyUsed",
                "NewestCreated",
                "LeastRecentlyUsed",
                "Random",
            ]),
        ),
        dist(),
        dist(),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        (1u32..10, 1u32..4),
        optional(1u32..60),
    );
    (workload, monolith, services, serverless).prop_flat_map(|(w, m, s, f)| {
        let horizon = w.2;
        (
            Just((w, m, s, f)),
            prop::collection::vec(fault(horizon), 0..3),
        )
    })
    .prop_map(|((w, m, s, f), faults)| {
        let (arr_a, arr_b, horizon, seed) = w;
        let (instances, workers, backlog, mono_a, mono_b, (mono_db, mono_ext), (timeout, retries)) =
            m;
        let (cap_mono, cap_sls, (ext_ms, ext_err, ext_rate)) = s;
        let ((memory, fa_conc, selection), fa_dist, fb_dist, (fa_db, fa_put, fb_send), (batch, max_receives), limit) =
            f;
        let backlog = backlog.map_or(String::new(), |b| format!("backlog: {b}, "));
        let policy = timeout.map_or(format!("Policy(retries: {retries})"), |t| {
            format!("Policy(timeout: \"{t}ms\", retries: {retries})")
        });
        let mut mono_steps = vec![format!("Compute({mono_a})")];
        if mono_db {
            mono_steps.push("Read(\"db\")".into());
        }
        if mono_ext {
            mono_steps.push("Call(\"ext\")".into());
        }
        let rate = ext_rate.map_or(String::new(), |r| format!(", rate_limit: {r}.0"));
        let external = format!(
            "External(name: \"ext\", latency: Exponential(mean: \"{ext_ms}ms\"), error_rate: 0.{ext_err:02}{rate})"
        );
        let mut fa_steps = vec![format!("Compute({fa_dist})")];
        if fa_db {
            fa_steps.push("Read(\"db\")".into());
        }
        if fa_put {
            fa_steps.push("Put(\"files\")".into());
        }
        let fb_steps = if fb_send {
            format!("[Compute({fb_dist}), Send(to: \"q\", kb: 3)]")
        } else {
            format!("[Compute({fb_dist}), Emit(\"q\")]")
        };
        let conc = fa_conc.map_or(String::new(), |c| format!(", concurrency: {c}"));
        let limit = limit.map_or(String::new(), |l| format!("concurrency_limit: {l}, "));
        format!(
            r#"Scenario(
    name: "random",
    horizon: "{horizon}s",
    seed: {seed},
    workload: [
        Source(kind: "a", arrivals: {arr_a}),
        Source(kind: "b", arrivals: {arr_b}),
    ],
    architectures: [
        Architecture(
            name: "mono",
            entry: "app",
            components: [
                Server(name: "app", instances: {instances}, workers: {workers}, {backlog}usd_per_hour: 0.1,
                    handlers: {{"a": [{mono}], "b": [Compute({mono_b}), Write("db")]}},
                    calls: {{"ext": {policy}}}),
                Database(name: "db", latency: LogNormal(median: "3ms", p99: "20ms"), capacity: {cap_mono}),
                {external},
            ],
        ),
        Architecture(
            name: "sls",
            entry: "api",
            {limit}components: [
                Gateway(name: "api", routes: {{"a": "fa", "b": "fb"}}),
                Function(name: "fa", memory_mb: {memory}{conc}, instance_selection: {selection}, work: [{fa}]),
                Function(name: "fb", memory_mb: 256, work: {fb_steps}),
                Storage(name: "files", latency: "20ms", on_put: Publish("t")),
                Topic(name: "t", subscribers: ["q"]),
                Queue(name: "q", consumer: "fc", batch: {batch}, max_receives: {max_receives}, dead_letter: "dlq"),
                Queue(name: "dlq"),
                Function(name: "fc", memory_mb: 512, instance_selection: {selection}, calls: {{"ext": {policy}}}, work: [Call("ext"), Write("db")]),
                Database(name: "db", latency: LogNormal(median: "5ms", p99: "30ms"), capacity: {cap_sls}),
                {external},
            ],
        ),
    ],
    faults: [{faults}],
)"#,
            mono = mono_steps.join(", "),
            fa = fa_steps.join(", "),
            faults = faults.join(", "),
        )
    })
}

/// What the event stream says, independently of the simulation's own tables.
#[derive(Default)]
struct Watch {
    arrived: u64,
    completed: u64,
    failed: u64,
    dead_lettered: u64,
    /// Response latency by transaction, until it is done.
    response: HashMap<u64, SimTime>,
    /// Transactions whose done time came before their response.
    done_before_response: Vec<(u64, SimTime, SimTime)>,
    /// Transactions done twice.
    done_twice: u64,
    done: std::collections::HashSet<u64>,
}

impl Observer for Watch {
    fn on_event(&mut self, _: SimTime, event: &SimEvent) {
        match *event {
            SimEvent::TransactionArrived { .. } => self.arrived += 1,
            SimEvent::ResponseSent {
                txn, latency_ns, ..
            } => {
                self.response.insert(txn, latency_ns);
            }
            SimEvent::TransactionDone {
                txn,
                outcome,
                latency_ns,
                ..
            } => {
                if !self.done.insert(txn) {
                    self.done_twice += 1;
                }
                if let Some(r) = self.response.remove(&txn)
                    && r > latency_ns
                {
                    self.done_before_response.push((txn, r, latency_ns));
                }
                match outcome {
                    Outcome::Completed => self.completed += 1,
                    Outcome::Failed => self.failed += 1,
                    Outcome::DeadLettered => self.dead_lettered += 1,
                }
            }
            _ => {}
        }
    }
}

fn load(text: &str) -> Arc<Scenario> {
    match scenario::load("random.ron", text) {
        Ok(l) => Arc::new(l.scenario),
        Err(e) => panic!(
            "the generator made an invalid scenario:\n{}\n{text}",
            e.diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn csv_of(f: impl Fn(&mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    f(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Every numeric cell of a CSV is finite (empty cells stand for "no value").
fn all_finite(what: &str, csv: &str) -> Result<(), TestCaseError> {
    for (i, line) in csv.lines().enumerate().skip(1) {
        for cell in line.split(',') {
            if let Ok(x) = cell.parse::<f64>() {
                prop_assert!(x.is_finite(), "{what} line {}: {cell} in {line}", i + 1);
            }
            prop_assert!(
                !matches!(cell, "NaN" | "inf" | "-inf"),
                "{what} line {}: {line}",
                i + 1
            );
        }
    }
    Ok(())
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let s = load(text);
    // The same bytes run twice, on threads and one after another.
    let threaded = run_scenario(&s, &RunOptions::default()).unwrap();
    let again = run_scenario(&s, &RunOptions::default()).unwrap();
    let sequential = run_scenario(
        &s,
        &RunOptions {
            sequential: true,
            ..Default::default()
        },
    )
    .unwrap();
    let files = |r: &choreo_sim::run::Report| {
        [
            csv_of(|w| export::write_summary(r, w)),
            csv_of(|w| export::write_costs(r, w)),
            csv_of(|w| export::write_timeseries(r, w)),
            csv_of(|w| export::write_isolation(r, w)),
        ]
    };
    let a = files(&threaded);
    prop_assert_eq!(&a, &files(&again), "run twice");
    prop_assert_eq!(&a, &files(&sequential), "threaded and sequential");
    for (name, csv) in ["summary", "costs", "timeseries", "isolation"]
        .iter()
        .zip(&a)
    {
        all_finite(name, csv)?;
    }
    for arch in &threaded.architectures {
        // Costs are ≥ 0 and add up to the summary's.
        let mut sum = 0.0;
        for line in &arch.costs {
            prop_assert!(line.cost_usd >= 0.0, "{}: {line:?}", arch.name);
            sum += line.cost_usd;
        }
        prop_assert!((sum - arch.cost_usd()).abs() <= 1e-9 * sum.max(1.0));
        // Instances within their limits at every sample.
        let spec = &s.architectures[arch.index];
        let at = |comp: usize, metric: Metric, time: SimTime| {
            arch.timeseries
                .iter()
                .find(|x| x.component == Some(comp) && x.metric == metric && x.time == time)
                .map_or(0.0, |x| x.value)
        };
        for sample in arch
            .timeseries
            .iter()
            .filter(|x| x.metric == Metric::InstancesBusy)
        {
            let comp = sample.component.unwrap_or(usize::MAX);
            if let scenario::Spec::Function(f) = &spec.components[comp].spec {
                let running = sample.value + at(comp, Metric::InstancesStarting, sample.time);
                if let Some(c) = f.concurrency {
                    prop_assert!(
                        running <= f64::from(c),
                        "{}: {running} > concurrency {c}",
                        spec.components[comp].name
                    );
                }
                prop_assert!(running <= f64::from(spec.concurrency_limit));
            }
        }
        for sample in arch
            .timeseries
            .iter()
            .filter(|x| x.metric == Metric::WorkersBusy)
        {
            let comp = sample.component.unwrap_or(usize::MAX);
            let total = at(comp, Metric::Workers, sample.time);
            prop_assert!(
                sample.value <= total,
                "workers busy {} > {total}",
                sample.value
            );
        }
    }
    // Conservation after a drain, the counts those of the event stream, response ≤ done.
    for index in 0..s.architectures.len() {
        let mut sim = Simulation::new(Arc::clone(&s), index);
        let mut watch = Watch::default();
        sim.run(&mut watch);
        sim.drain(7 * 86_400 * NS_PER_S, &mut watch);
        let c = sim.counts();
        let name = &s.architectures[index].name;
        prop_assert!(c.conserved(), "{name}: {c:?}");
        prop_assert_eq!(
            c.in_flight,
            sim.parked_for_redrive(),
            "{}: left in flight",
            name
        );
        prop_assert_eq!(
            sim.waiting(),
            support::waiting_in_snapshot(&sim),
            "{}: left waiting",
            name
        );
        prop_assert_eq!(
            (c.arrived, c.completed, c.failed, c.dead_lettered),
            (
                watch.arrived,
                watch.completed,
                watch.failed,
                watch.dead_lettered
            ),
            "{}: counts against events",
            name
        );
        prop_assert_eq!(watch.done_twice, 0, "{}: a transaction done twice", name);
        prop_assert!(
            watch.done_before_response.is_empty(),
            "{name}: done before the response: {:?}",
            &watch.done_before_response[..watch.done_before_response.len().min(5)]
        );
    }
    Ok(())
}

proptest! {
    // 96 scenarios a run (PROPTEST_CASES=N for more); a failure prints its shrunk scenario,
    // which becomes a regression test in regressions.rs named for what it guards.
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_scenarios_keep_every_invariant(text in scenario_text()) {
        check(&text)?;
    }
}
