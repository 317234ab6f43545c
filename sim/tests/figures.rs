//! The figures queueing users read in `summary.csv` (issue 15): waits for a worker, an
//! instance or a consumer, the backlog, and the instance counts by phase, each against the
//! value derived by hand or against the event stream itself. The same figures against
//! queueing theory (Erlang C, Little, M/M/∞) are in theory.rs.

#[path = "support/scenario.rs"]
mod support;

use std::collections::HashMap;
use std::sync::Arc;

use choreo_sim::engine::{NS_PER_S, SimTime};
use choreo_sim::observe::{Observer, SimEvent};
use choreo_sim::run::{ArchReport, run_architecture};
use choreo_sim::scenario::Scenario;
use choreo_sim::session::Session;
use support::{cell, load};

/// Runs architecture `arch` of `s`, with arrivals stopped (load 0) at `stop` [ns]: those
/// already due by then still come (each arrival schedules the next). The events too.
fn run_stopping(
    s: &Arc<Scenario>,
    arch: usize,
    stop: SimTime,
) -> (ArchReport, Vec<(SimTime, SimEvent)>) {
    let mut session = Session::new(Arc::clone(s), arch, NS_PER_S);
    let mut events = Vec::new();
    session.step_to(stop, u64::MAX, &mut events);
    session.sim_mut().set_load(0, 0.0);
    session.step_to(s.horizon, u64::MAX, &mut events);
    let report = session.finish().unwrap();
    (report, events)
}

/// The `waited_ms` of every `InvocationStarted` of component `comp`, in order.
fn waits_ms(events: &[(SimTime, SimEvent)], comp: usize) -> Vec<f64> {
    events
        .iter()
        .filter_map(|(_, e)| match *e {
            SimEvent::InvocationStarted {
                comp: c, waited_ns, ..
            } if c == comp => Some(waited_ns as f64 / 1e6),
            _ => None,
        })
        .collect()
}

#[test]
fn a_request_waits_in_the_server_backlog_until_a_worker_is_free() {
    // One worker, 3-s handlers, arrivals every 2 s from 2 s on (2, 4, 6, 8; none at the
    // horizon, 10 s).
    // The worker is busy 2–5, 5–8, 8–11: the request of 4 s waits 1 s, that of 6 s waits
    // 2 s; that of 8 s still waits at the horizon (it starts at 11 s), so three waits: 0, 1,
    // 2 s (mean 1 s, p99 2 s). Waiting: one request over 4–5 and 6–10, 5 s in 10 s: 0.5.
    // The worker is busy from 2 s on: 0.8.
    let s = load(
        r#"Scenario(name: "backlog", horizon: "10s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 0.5))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", instances: 1, workers: 1, handlers: {"r": [Compute("3s")]})])])"#,
    );
    let a = run_architecture(Arc::clone(&s), 0, NS_PER_S, &mut ()).unwrap();
    assert_eq!(a.counts.arrived, 4);
    assert_eq!(a.metrics.invocations, 3);
    assert_eq!(cell(&s, &a, "queue_wait_mean_ms"), 1000.0);
    assert_eq!(cell(&s, &a, "queue_wait_p99_ms"), 2000.0);
    assert_eq!(cell(&s, &a, "mean_backlog"), 0.5);
    assert_eq!(cell(&s, &a, "mean_busy_workers"), 0.8);
    // A server adds no function instances (its workers are mean_busy_workers).
    assert_eq!(cell(&s, &a, "mean_busy_instances"), 0.0);
}

#[test]
fn a_throttled_asynchronous_invocation_waits_through_its_back_off() {
    // A producer emits an event to `worker` (concurrency 1, 2.5-s work) at 1 s and at 2 s.
    // The first runs 1–3.5 s. The second is throttled at 2 s, retried after 1 s (at 3 s:
    // throttled again), then after 2 s: at 5 s it gets the instance, having waited 3 s. The
    // four executions waited 0, 0, 0 and 3 s: mean 750 ms, p99 3 s; one invocation waits
    // for 3 s of the 10: mean backlog 0.3.
    let s = load(
        r#"Scenario(name: "async", horizon: "10s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "a", entry: "producer", components: [
            Function(name: "producer", cold_start: "0ms", work: [Emit("worker")]),
            Function(name: "worker", cold_start: "0ms", concurrency: 1, work: [Compute("2500ms")])])])"#,
    );
    let (a, events) = run_stopping(&s, 0, 1_500_000_000);
    assert_eq!(a.counts.arrived, 2);
    assert_eq!(a.metrics.throttled, 2);
    assert_eq!(waits_ms(&events, 1), [0.0, 3000.0]);
    assert_eq!(cell(&s, &a, "queue_wait_mean_ms"), 750.0);
    assert_eq!(cell(&s, &a, "queue_wait_p99_ms"), 3000.0);
    assert_eq!(cell(&s, &a, "mean_backlog"), 0.3);
}

#[test]
fn a_message_waits_from_its_send_to_its_receive_not_to_its_turn_in_the_batch() {
    // Messages sent at 1, 2 and 3 s to a consumer that runs one batch at a time, 3 s a
    // message; horizon 12 s.
    // Batches of 1: the first runs 1–4 s; the second is received at 4 s (waited 2 s), the
    // third at 7 s (waited 4 s). Waits of the six executions (three producers): 0, 0, 0, 0,
    // 2, 4 s, mean 1 s; waiting 2 + 4 s of 12: 0.5.
    // Batches of 10: the second and third are received together at 4 s (waited 2 s and
    // 1 s); the third starts at 7 s, after the second, but its wait ended at its receive.
    // Mean (2 + 1)/6 s = 500 ms; waiting 3 s of 12: 0.25.
    let consumer = |name: &str, batch: u32| {
        format!(
            r#"Architecture(name: "{name}", entry: "producer", components: [
              Function(name: "producer", cold_start: "0ms", work: [Emit("jobs")]),
              Queue(name: "jobs", consumer: "worker", batch: {batch}),
              Function(name: "worker", cold_start: "0ms", concurrency: 1, work: [Compute("3s")])])"#
        )
    };
    let s = load(&format!(
        r#"Scenario(name: "queue", horizon: "12s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [{}, {}])"#,
        consumer("single", 1),
        consumer("batches", 10)
    ));
    for (arch, waits, mean, backlog) in [
        (0, [0.0, 2000.0, 4000.0], 1000.0, 0.5),
        (1, [0.0, 2000.0, 1000.0], 500.0, 0.25),
    ] {
        let (a, events) = run_stopping(&s, arch, 2_500_000_000);
        assert_eq!(a.counts.arrived, 3, "{}", a.name);
        assert_eq!(waits_ms(&events, 2), waits, "{}", a.name);
        assert_eq!(cell(&s, &a, "queue_wait_mean_ms"), mean, "{}", a.name);
        assert_eq!(cell(&s, &a, "mean_backlog"), backlog, "{}", a.name);
    }
}

#[test]
fn a_message_visible_again_waits_from_then_not_from_its_send() {
    // One message at 1 s, received at once; its processing fails (the external service
    // always errs), so it is visible again when its 5-s visibility timeout ends, at 6 s,
    // and received at once again: both receives waited 0, though it was sent 5 s before its
    // second. The invisible time is no wait for a consumer; after its second receive it
    // moves to the dead-letter queue, which has no consumer: nothing waits there either.
    let s = load(
        r#"Scenario(name: "again", horizon: "20s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0))],
          architectures: [Architecture(name: "a", entry: "producer", components: [
            Function(name: "producer", cold_start: "0ms", work: [Emit("jobs")]),
            Queue(name: "jobs", consumer: "worker", batch: 1, visibility_timeout: "5s",
                  max_receives: 2, dead_letter: "dlq"),
            Queue(name: "dlq"),
            Function(name: "worker", cold_start: "0ms", work: [Call("x")]),
            External(name: "x", latency: "0ms", error_rate: 1.0)])])"#,
    );
    let (a, events) = run_stopping(&s, 0, 500_000_000);
    assert_eq!((a.counts.arrived, a.metrics.dead_letter_moves), (1, 1));
    let starts: Vec<SimTime> = events
        .iter()
        .filter_map(|(t, e)| match e {
            SimEvent::InvocationStarted { comp: 3, .. } => Some(*t),
            _ => None,
        })
        .collect();
    assert_eq!(starts, [NS_PER_S, 6 * NS_PER_S]);
    assert_eq!(waits_ms(&events, 3), [0.0, 0.0]);
    assert_eq!(cell(&s, &a, "mean_backlog"), 0.0);
}

#[test]
fn the_p99_wait_is_zero_when_almost_nothing_waits() {
    // 1-s gaps, 10-ms handlers, one worker; a second source's one request comes at 100 s,
    // with one of the first's: one of the two waits 10 ms, the other 149 of the 150 wait for
    // nothing. The histogram holds a wait of 0 in its lowest bucket (1 µs), but the p99 is
    // a wait of 0, and says 0; the mean is 10/150 ms.
    let s = load(
        r#"Scenario(name: "idle", horizon: "150s",
          workload: [Source(kind: "r", arrivals: Constant(per_second: 1.0)),
                     Source(kind: "r", arrivals: Constant(per_second: 0.01))],
          architectures: [Architecture(name: "a", entry: "app", components: [
            Server(name: "app", instances: 1, workers: 1, handlers: {"r": [Compute("10ms")]})])])"#,
    );
    let a = run_architecture(Arc::clone(&s), 0, NS_PER_S, &mut ()).unwrap();
    assert_eq!(a.metrics.invocations, 150);
    let text = |column: &str| {
        let c = choreo_sim::report::SUMMARY
            .iter()
            .find(|c| c.name == column)
            .unwrap();
        (c.cell)(&s, &a)
    };
    assert_eq!(text("queue_wait_p99_ms"), "0.000");
    assert_eq!(text("queue_wait_mean_ms"), "0.067");
    assert_eq!(a.metrics.queue_wait.quantile_ms(1.0), 10.0);
}

/// Time in each phase (starting, busy, idle) of the instances of the functions given,
/// followed from the events alone (instances serving one invocation at a time).
#[derive(Default)]
struct Phases {
    functions: Vec<usize>,
    /// Phase (0 starting, 1 busy, 2 idle) and since when, by (function, instance).
    now: HashMap<(usize, u32), (usize, SimTime)>,
    /// Time in each phase, summed over the instances, by function [ns].
    areas: HashMap<usize, [u128; 3]>,
}

impl Phases {
    fn enter(&mut self, key: (usize, u32), phase: Option<usize>, time: SimTime) {
        if let Some((old, since)) = self.now.remove(&key) {
            self.areas.entry(key.0).or_default()[old] += u128::from(time - since);
        }
        if let Some(p) = phase {
            self.now.insert(key, (p, time));
        }
    }

    /// Mean instances in each phase of function `comp` over `[0, until]`.
    fn means(&mut self, comp: usize, until: SimTime) -> [f64; 3] {
        let open: Vec<(usize, u32)> = self.now.keys().copied().collect();
        for key in open {
            self.enter(key, None, until);
        }
        self.areas
            .get(&comp)
            .copied()
            .unwrap_or_default()
            .map(|a| a as f64 / until as f64)
    }
}

impl Observer for Phases {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        let (comp, instance, to) = match *event {
            SimEvent::ColdStartBegan { comp, instance } => (comp, instance, Some(0)),
            // After a cold start the instance runs what it was started for; otherwise it
            // was loaded ahead of demand (pre-warmed) and waits.
            SimEvent::InstanceReady { comp, instance } => {
                let starting = matches!(self.now.get(&(comp, instance)), Some((0, _)));
                (comp, instance, Some(if starting { 1 } else { 2 }))
            }
            SimEvent::InvocationStarted { comp, instance, .. } => (comp, instance, Some(1)),
            SimEvent::InvocationEnded { comp, instance, .. } => (comp, instance, Some(2)),
            SimEvent::InstanceReaped { comp, instance } => (comp, instance, None),
            _ => return,
        };
        if !self.functions.contains(&comp) {
            return;
        }
        let key = (comp, instance);
        if self.now.get(&key).map(|&(p, _)| p) == to {
            return; // a later message of the same batch: still busy
        }
        self.enter(key, to, time);
    }
}

#[test]
fn instance_figures_are_the_time_in_each_phase_that_the_events_show() {
    // An API function (400-ms cold starts, a 2-s keep-alive at 2 requests/s: instances come
    // and go) that sends each request to a queue consumed in batches by another; an hour.
    // mean_starting/busy/idle_instances are each what the instance events say (to the
    // nanosecond, then to their 3 decimals), and add up to mean_instances.
    let s = load(
        r#"Scenario(name: "phases", horizon: "1h", seed: 5,
          workload: [Source(kind: "r", arrivals: Poisson(per_second: 2.0))],
          architectures: [Architecture(name: "a", entry: "api", components: [
            Function(name: "api", cold_start: "400ms", keep_alive: "2s",
                     work: [Compute(Exponential(mean: "300ms")), Emit("jobs")]),
            Queue(name: "jobs", consumer: "worker", batch: 5),
            Function(name: "worker", cold_start: Exponential(mean: "1s"), keep_alive: "5s",
                     work: [Compute(Exponential(mean: "200ms"))])])])"#,
    );
    let mut phases = Phases {
        functions: vec![0, 2],
        ..Phases::default()
    };
    let a = run_architecture(Arc::clone(&s), 0, 60 * NS_PER_S, &mut phases).unwrap();
    assert!(
        a.metrics.cold_starts > 100,
        "{} cold starts",
        a.metrics.cold_starts
    );
    let mut sums = [0.0; 3];
    for &(comp, u) in &a.functions {
        let seen = phases.means(comp, s.horizon);
        for (what, (mine, theirs)) in ["starting", "busy", "idle"]
            .iter()
            .zip([u.starting, u.busy, u.idle].into_iter().zip(seen))
        {
            assert!(
                (mine - theirs).abs() <= 1e-9 * theirs.max(1.0),
                "{comp} {what}: {mine} reported, {theirs} from the events"
            );
        }
        for (sum, x) in sums.iter_mut().zip(seen) {
            *sum += x;
        }
    }
    let cells = [
        "mean_starting_instances",
        "mean_busy_instances",
        "mean_idle_instances",
    ]
    .map(|c| cell(&s, &a, c));
    for (c, x) in cells.iter().zip(sums) {
        assert!((c - x).abs() <= 0.0005, "{c} written, {x} from the events");
    }
    assert!(cells.iter().all(|&c| c > 0.01), "{cells:?}");
    assert!((cells.iter().sum::<f64>() - cell(&s, &a, "mean_instances")).abs() <= 0.0015);
}

#[test]
fn busy_starting_and_idle_instances_add_up_to_mean_instances() {
    // The bundled photo-sharing scenario's serverless design, as written in summary.csv.
    let s = Arc::new(
        choreo_sim::bundled::load("photo-sharing")
            .unwrap()
            .unwrap()
            .scenario,
    );
    let arch = s
        .architectures
        .iter()
        .position(|a| a.name == "serverless")
        .unwrap();
    let a = run_architecture(Arc::clone(&s), arch, 60 * NS_PER_S, &mut ()).unwrap();
    let parts: f64 = [
        "mean_busy_instances",
        "mean_starting_instances",
        "mean_idle_instances",
    ]
    .iter()
    .map(|c| cell(&s, &a, c))
    .sum();
    let whole = cell(&s, &a, "mean_instances");
    let exact = a.mean_busy_instances() + a.mean_starting_instances() + a.mean_idle_instances();
    assert!((exact - a.mean_instances()).abs() <= 1e-12 * exact);
    // Each cell is rounded to 3 decimals: the sum may be off by 1.5 thousandths.
    assert!((parts - whole).abs() <= 0.0015, "{parts} vs {whole}");
    assert!(cell(&s, &a, "mean_busy_instances") > 0.1);
}
