//! # choreo-sim
//!
//! A discrete-event simulator of application architectures: a monolith on provisioned
//! servers, an event-driven serverless design of functions, queues, topics, storage events
//! and serverless databases, run side by side on the same arrivals, seed for seed.
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

pub mod bundled;
pub mod calibration;
pub mod dist;
pub mod engine;
pub mod export;
pub mod metrics;
pub mod model;
pub mod observe;
pub mod output;
pub mod report;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod session;
