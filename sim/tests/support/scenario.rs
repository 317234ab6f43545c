//! Helpers shared by the integration tests (included with `#[path]`; not a test crate).

#![allow(dead_code)] // each test file uses some of these

use std::sync::Arc;

use choreo_sim::scenario::{self, Scenario};

/// Loads scenario text, panicking with every diagnostic if it is invalid.
pub fn load(text: &str) -> Arc<Scenario> {
    match scenario::load("test.ron", text) {
        Ok(l) => Arc::new(l.scenario),
        Err(e) => panic!("{:#?}", e.diagnostics),
    }
}

/// Asserts `measured` is within a relative `tolerance` of `reference`, printing the error
/// (see it with `cargo test -- --nocapture`).
pub fn assert_close(what: &str, measured: f64, reference: f64, tolerance: f64) {
    let err = (measured / reference - 1.0).abs();
    eprintln!("{what}: measured {measured:.6}, reference {reference:.6}, relative error {err:.4}");
    assert!(
        err < tolerance,
        "{what}: measured {measured:.6}, reference {reference:.6}, relative error {err:.4} > {tolerance}"
    );
}

/// Runs `f(seed)` for seeds 1..=`reps` (independent replications) in parallel threads and
/// returns the results in seed order.
pub fn replicate<T: Send>(reps: u64, f: impl Fn(u64) -> T + Sync) -> Vec<T> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..=reps)
            .map(|seed| {
                let f = &f;
                scope.spawn(move || f(seed))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Mean of `xs` and its standard error from their spread (sample sd / √n).
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts the mean of independent replications `xs` is within a relative `tolerance` of
/// `reference`, and that the test has the power it claims: the tolerance is at least three
/// standard errors of that mean (estimated from the spread of the replications).
pub fn assert_close_replicated(what: &str, xs: &[f64], reference: f64, tolerance: f64) {
    let (mean, se) = mean_se(xs);
    let rel_se = se / reference.abs();
    eprintln!(
        "{what}: {} replications, mean {mean:.6}, relative SE {rel_se:.4} (tolerance = {:.1} SE)",
        xs.len(),
        tolerance / rel_se
    );
    assert!(
        tolerance >= 3.0 * rel_se,
        "{what}: tolerance {tolerance} is under 3 standard errors (relative SE {rel_se:.4})"
    );
    assert_close(what, mean, reference, tolerance);
}

/// The first RON block of docs/scenarios.md that starts with `start`.
pub fn docs_example(start: &str) -> (String, String) {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/scenarios.md"),
    )
    .expect("docs/scenarios.md");
    let block = docs
        .split("```ron\n")
        .skip(1)
        .find(|b| b.starts_with(start))
        .unwrap_or_else(|| panic!("no example starting {start:?} in the docs"));
    let ron = block.split("```").next().unwrap_or_default().to_string();
    (ron, docs)
}

/// The cell of `summary.csv` column `name` for architecture report `a`, as written, read
/// back as a number (NaN when empty).
pub fn cell(s: &Scenario, a: &choreo_sim::run::ArchReport, name: &str) -> f64 {
    let column = choreo_sim::report::SUMMARY
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no summary column {name}"));
    let text = (column.cell)(s, a);
    if text.is_empty() {
        f64::NAN
    } else {
        text.parse()
            .unwrap_or_else(|e| panic!("{name} = {text:?}: {e}"))
    }
}

/// What waits for a worker or a consumer according to the components' live state: server
/// backlogs and the visible messages of queues that have a consumer. Once a run is drained
/// nothing else waits (a throttled asynchronous invocation is in flight), so this must be
/// what [`Simulation::waiting`](choreo_sim::model::Simulation::waiting) counts.
pub fn waiting_in_snapshot(sim: &choreo_sim::model::Simulation) -> u64 {
    use choreo_sim::model::ComponentState;
    let arch = sim.architecture();
    sim.snapshot()
        .iter()
        .zip(&arch.components)
        .map(|(state, c)| match (state, &c.spec) {
            (ComponentState::Server { backlog, .. }, _) => u64::from(*backlog),
            (ComponentState::Queue { visible, .. }, scenario::Spec::Queue(q))
                if q.consumer.is_some() =>
            {
                u64::from(*visible)
            }
            _ => 0,
        })
        .sum()
}
