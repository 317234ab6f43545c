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
