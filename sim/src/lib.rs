//! # choreo-sim
//!
//! A discrete-event simulator of application architectures: a monolith on provisioned
//! servers, an event-driven serverless design of functions, queues, topics, storage events
//! and serverless databases, run side by side on the same arrivals, seed for seed.
//!
//! ## Tutorial: build a scenario, run it, read a figure
//!
//! A scenario is RON text (the language is described in `docs/scenarios.md`): one workload,
//! a horizon, and the architectures to compare. Here one kind of request arrives as a
//! Poisson process at 0.2 per second for an hour, and each needs 20 ms of work, done either
//! by a monolith (one always-on server) or by a serverless function that keeps an idle
//! instance warm for 10 seconds.
//!
//! ```
//! use choreo_sim::{run, scenario};
//!
//! let text = r#"Scenario(
//!     name: "Tutorial",
//!     horizon: "1h",
//!     workload: [Source(kind: "req", arrivals: Poisson(per_second: 0.2))],
//!     architectures: [
//!         Architecture(name: "monolith", entry: "app", components: [
//!             Server(name: "app", workers: 4, handlers: {"req": [Compute("20ms")]}),
//!         ]),
//!         Architecture(name: "serverless", entry: "fn", components: [
//!             Function(name: "fn", keep_alive: "10s", work: [Compute("20ms")]),
//!         ]),
//!     ],
//! )"#;
//!
//! // Loading parses and validates the text: every problem comes back at once, each with
//! // its line, column and field path (`choreo validate` prints them).
//! let loaded = scenario::load("tutorial.ron", text).expect("a valid scenario");
//! assert!(loaded.warnings.is_empty());
//!
//! // Run every architecture (in parallel threads) on the same arrivals.
//! let report = run::run_scenario(&loaded.scenario, &run::RunOptions::default()).unwrap();
//! let [monolith, serverless] = &report.architectures[..] else { unreachable!() };
//!
//! // Both saw the same transactions, and every one is accounted for:
//! // arrived = completed + failed + dead-lettered + in flight.
//! assert_eq!(monolith.counts.arrived, serverless.counts.arrived);
//! for arch in [monolith, serverless] {
//!     assert!(arch.counts.conserved());
//!     assert_eq!(arch.counts.failed, 0);
//! }
//!
//! // The server answers in its 20 ms of work (latencies are HDR histograms, 3 digits).
//! let server_p99 = monolith.metrics.response.quantile_ms(0.99);
//! assert!((server_p99 - 20.0).abs() < 0.1, "{server_p99}");
//!
//! // The function cold-starts whenever the gap since the last request outlasts the
//! // keep-alive: for Poisson arrivals at rate λ, a fraction e^(−λT) = e^(−2) ≈ 0.135 of
//! // requests. Those users wait for a start-up too, which the p99 shows.
//! assert_eq!(monolith.metrics.cold_starts, 0);
//! let ratio = serverless.metrics.cold_start_ratio();
//! assert!((ratio - (-0.2f64 * 10.0).exp()).abs() < 0.03, "{ratio}");
//! assert!(serverless.metrics.response.quantile_ms(0.99) > 5.0 * server_p99);
//!
//! // The bill: the server is paid by the hour, busy or idle (0.096 USD for an m5.large);
//! // the function per request and per GB-second of work, far less at this load.
//! assert!((monolith.cost_usd() - 0.096).abs() < 1e-9);
//! assert!(serverless.cost_usd() > 0.0 && serverless.cost_usd() < monolith.cost_usd() / 100.0);
//!
//! // `choreo run` prints this side-by-side table (and writes the CSV files of [`output`]):
//! // here 752 transactions each, 107 cold starts (ratio 0.142), response p99 20 ms
//! // against 476 ms, 0.096 USD against 0.00018.
//! let table = choreo_sim::report::summary_table(&report);
//! assert!(table.contains("cold starts"));
//! ```
//!
//! ## Layers
//!
//! The crate is layered bottom-up (see ARCHITECTURE.md):
//!
//! - [`engine`]: integer simulated time and the event calendar, ordered by `(time, seq)`.
//! - [`scenario`]: RON text → raw serde types → a validated [`scenario::Scenario`].
//! - [`model`]: components in motion; one [`model::Simulation`] per architecture.
//! - [`observe`]: every state change as a plain-data [`observe::SimEvent`].
//! - [`metrics`]: streaming latency histograms, counters, timeseries and the cost ledger.
//! - [`report`]: what a run produced, and the table of `summary.csv`'s columns.
//! - [`export`]: CSV and Graphviz DOT writers.
//! - [`session`]: one architecture's run in progress (simulation + metrics + isolation +
//!   timeseries), stepped by `choreo run` and by the viewer alike.
//! - [`run`]: running every architecture of a scenario and collecting the results.
//! - [`output`]: `choreo run`'s output folder: files written to a temporary file, then
//!   renamed into place.
//!
//! ## Determinism
//!
//! The same scenario and seed give the same events in the same order, and so byte-identical
//! CSV. Same-time events run in the order they were scheduled; random numbers come from
//! streams derived from `(seed, name)` ([`rng`]); nothing iterates a hash map into output.
//!
//! ```
//! let loaded = choreo_sim::bundled::load("photo-sharing").unwrap().unwrap();
//! let report = choreo_sim::run::run_scenario(&loaded.scenario, &Default::default()).unwrap();
//! assert_eq!(report.architectures.len(), 2);
//! for arch in &report.architectures {
//!     assert!(arch.counts.conserved());
//! }
//! ```

pub mod batch;
pub mod bundled;
pub mod calibration;
pub mod dist;
pub mod engine;
pub mod export;
pub mod lesson;
pub mod metrics;
pub mod model;
pub mod observe;
pub mod output;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod session;
