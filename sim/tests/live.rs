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
    sim.step_until(100 * NS_PER_S, &mut ());
    let before = sim.counts().arrived;
    support::assert_close("arrivals in 100 s at 20/s", before as f64, 2_000.0, 0.1);
    sim.set_load(0, 0.0);
    sim.step_until(200 * NS_PER_S, &mut ());
    // At most the one arrival already scheduled when the load dropped.
    assert!(sim.counts().arrived <= before + 1);
    let stopped = sim.counts().arrived;
    sim.set_load(0, 2.0);
    sim.step_until(300 * NS_PER_S, &mut ());
    let after = sim.counts().arrived - stopped;
    // 100 s at 40/s: 4,000, with a Poisson standard deviation of 63.
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
    sim.step_until(110 * NS_PER_S, &mut ());
    support::assert_close(
        "arrivals in 100 s",
        sim.counts().arrived as f64,
        2_000.0,
        0.1,
    );
}
