//! Live control of a running simulation, as the viewer uses it.

#[path = "support/scenario.rs"]
mod support;

use choreo_sim::engine::NS_PER_S;
use choreo_sim::model::Simulation;

const ONE_FUNCTION: &str = r#"Scenario(name: "live", horizon: "1h",
    workload: [Source(kind: "hit", arrivals: Poisson(per_second: 20.0))],
    architectures: [Architecture(name: "fn", entry: "f",
        components: [Function(name: "f", work: [Compute("10ms")])])])"#;

#[test]
fn a_source_stopped_by_zero_load_starts_again_from_now_at_the_new_rate() {
    let scenario = support::load(ONE_FUNCTION);
    let mut sim = Simulation::new(scenario, 0);
    sim.step_until(200 * NS_PER_S, &mut ());
    let before = sim.counts().arrived;
    // 200 s at 20/s: 4,000, with a Poisson standard deviation of 63 (1.6%): 5% is 3.2 sd
    // (it was 10% on 100 s).
    support::assert_close("arrivals in 200 s at 20/s", before as f64, 4_000.0, 0.05);
    sim.set_load(0, 0.0);
    sim.step_until(300 * NS_PER_S, &mut ());
    // At most the one arrival already scheduled when the load dropped.
    assert!(sim.counts().arrived <= before + 1);
    let stopped = sim.counts().arrived;
    sim.set_load(0, 2.0);
    sim.step_until(400 * NS_PER_S, &mut ());
    let after = sim.counts().arrived - stopped;
    // 100 s at 40/s: 4,000, with a Poisson standard deviation of 63: 5% is 3.2 sd.
    support::assert_close(
        "arrivals in 100 s at twice the load",
        after as f64,
        4_000.0,
        0.05,
    );
    assert!(sim.counts().conserved());
}

#[test]
fn a_non_finite_load_stops_the_source_rather_than_poisoning_the_clock() {
    let scenario = support::load(ONE_FUNCTION);
    let mut sim = Simulation::new(scenario, 0);
    sim.set_load(0, f64::NAN);
    sim.step_until(10 * NS_PER_S, &mut ());
    assert!(sim.counts().arrived <= 1);
    sim.set_load(0, 1.0);
    sim.step_until(210 * NS_PER_S, &mut ());
    // 200 s at 20/s: 4,000 ± 63 (Poisson sd): 5% is 3.2 sd (it was 10% on 100 s).
    support::assert_close(
        "arrivals in 200 s",
        sim.counts().arrived as f64,
        4_000.0,
        0.05,
    );
}

/// Arrivals counted so far, after stepping to `s` seconds.
fn arrived_by(sim: &mut Simulation, s: u64) -> u64 {
    sim.step_until(s * NS_PER_S, &mut ());
    sim.counts().arrived
}

#[test]
fn a_trace_resumed_after_zero_load_skips_what_was_recorded_meanwhile() {
    // One recorded arrival every 10 ms for 100 s.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("every-10ms.csv");
    let rows: String = (0..10_000)
        .map(|i| format!("{}\n", i as f64 / 100.0))
        .collect();
    std::fs::write(&csv, format!("timestamp_s\n{rows}")).unwrap();
    let text = ONE_FUNCTION.replace(
        "Poisson(per_second: 20.0)",
        &format!("Trace(file: {:?})", csv.display().to_string()),
    );
    let mut sim = Simulation::new(support::load(&text), 0);
    // 0.00 s to 20.00 s inclusive.
    assert_eq!(arrived_by(&mut sim, 20), 2_001);
    sim.set_load(0, 0.0);
    let stopped = arrived_by(&mut sim, 50);
    assert!(stopped <= 2_002, "{stopped}");
    sim.set_load(0, 1.0);
    // Without skipping, the 3,000 arrivals recorded between 20 s and 50 s would all
    // arrive at once, at 50 s.
    let first_second = arrived_by(&mut sim, 51) - stopped;
    assert!((100..=101).contains(&first_second), "{first_second}");
    // 50.00 s to 99.99 s.
    let rest = arrived_by(&mut sim, 100) - stopped;
    assert!((5_000..=5_001).contains(&rest), "{rest}");
}

#[test]
fn bursts_resumed_after_zero_load_start_in_the_phase_of_now() {
    // On at 100/s for 10 s, off at 1/s for 10 s: on during [0, 10), [20, 30), [40, 50), ...
    let text = ONE_FUNCTION.replace(
        "Poisson(per_second: 20.0)",
        r#"Bursts(on_per_second: 100.0, off_per_second: 1.0, on: "10s", off: "10s")"#,
    );
    let mut sim = Simulation::new(support::load(&text), 0);
    arrived_by(&mut sim, 25);
    sim.set_load(0, 0.0);
    let stopped = arrived_by(&mut sim, 65);
    sim.set_load(0, 1.0);
    // Phases that ended while stopped are skipped, not replayed one arrival each at once.
    sim.step_until(65 * NS_PER_S + 1_000, &mut ());
    let at_once = sim.counts().arrived - stopped;
    assert!(at_once <= 1, "{at_once} arrivals within 1 µs of resuming");
    // 65 s is in an on phase: about 100 in the next second (sd 10), not the thousands of
    // the phases skipped while stopped.
    let on = arrived_by(&mut sim, 66) - stopped;
    assert!((60..=140).contains(&on), "{on}");
    // [70, 80) is off: about 10.
    let before_off = arrived_by(&mut sim, 70);
    let off = arrived_by(&mut sim, 80) - before_off;
    assert!(off <= 30, "{off}");
}

#[test]
fn bursts_resumed_in_an_off_phase_stay_off_until_it_ends() {
    // On at 100/s for 10 s, off (no arrivals) for 40 s: on during [0, 10), [50, 60), ...
    // Stopped at 5 s, in the first on phase; resumed at 30 s, in the off phase [10, 50): the
    // source must be off until 50 s, then on for 10 s (Poisson, mean 1,000 arrivals, sd 32).
    // A resume that skipped the phases without switching between on and off would have it
    // on again at 30 s (three more on phases of 10 s from 10 s: [30, 40) on).
    let text = ONE_FUNCTION.replace(
        "Poisson(per_second: 20.0)",
        r#"Bursts(on_per_second: 100.0, off_per_second: 0.0, on: "10s", off: "40s")"#,
    );
    let mut sim = Simulation::new(support::load(&text), 0);
    arrived_by(&mut sim, 5);
    sim.set_load(0, 0.0);
    let stopped = arrived_by(&mut sim, 30);
    sim.set_load(0, 1.0);
    assert_eq!(
        arrived_by(&mut sim, 50),
        stopped,
        "arrivals in the off phase"
    );
    let on = arrived_by(&mut sim, 60) - stopped;
    // 1,000 ± 150 is 4.7 sd.
    assert!((850..=1_150).contains(&on), "{on}");
}

#[test]
fn dragging_the_load_of_a_running_source_keeps_one_arrival_scheduled() {
    // Constant 10/s: arrivals every 100 ms from 0.1 s, so 0.1 s … 10.0 s by 10 s (100), the
    // next already scheduled for 10.1 s. The load is then dragged from 1.1 to 2.0 in ten
    // calls at 10 s: only the last counts, so the gap is 50 ms after 10.1 s: 10.15 s …
    // 20.0 s is (20.0 − 10.1) / 0.05 + 1 = 199 more, 299 in all, and 20.05 s is scheduled.
    // Stopped at 20 s, only that one still arrives: 300. A source that is not stopped must
    // not be started again by a load change: each restart would schedule one more arrival
    // beside the one already in the calendar, and all of them would arrive after the stop.
    let text = ONE_FUNCTION.replace("Poisson(per_second: 20.0)", "Constant(per_second: 10.0)");
    let mut sim = Simulation::new(support::load(&text), 0);
    assert_eq!(arrived_by(&mut sim, 10), 100);
    for step in 1..=10 {
        sim.set_load(0, 1.0 + f64::from(step) / 10.0);
    }
    assert_eq!(arrived_by(&mut sim, 20), 299);
    sim.set_load(0, 0.0);
    assert_eq!(arrived_by(&mut sim, 30), 300);
}

#[test]
fn the_load_multiplies_the_rates_of_bursts() {
    // On at 100/s and off at 10/s, 10 s each, for 100 s, at twice the load: 5 on phases of
    // 10 s at 200/s (10,000) and 5 off phases at 20/s (1,000), 11,000 expected (Poisson,
    // sd 105: 3% is 3.1 sd). A load dividing the rates would give 2,750.
    let text = ONE_FUNCTION.replace(
        "Poisson(per_second: 20.0)",
        r#"Bursts(on_per_second: 100.0, off_per_second: 10.0, on: "10s", off: "10s")"#,
    );
    let mut sim = Simulation::new(support::load(&text), 0);
    sim.set_load(0, 2.0);
    let n = arrived_by(&mut sim, 100);
    support::assert_close(
        "arrivals in 100 s of bursts at load 2",
        n as f64,
        11_000.0,
        0.03,
    );
}
