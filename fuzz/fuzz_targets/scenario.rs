//! Any text as a scenario: parsing, locating and validating it never panics, hangs or
//! allocates without bound, and an error is always located in the text and can be shown with its line.
#![no_main]

use libfuzzer_sys::fuzz_target;

use choreo_sim::scenario::{self, locate::Locations};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let locations = Locations::parse(&text);
    let _ = locations.path_at(1, 1);
    if let Err(e) = scenario::load("fuzz.ron", &text) {
        for d in &e.diagnostics {
            assert!(d.line >= 1 && d.col >= 1, "{d}");
            let _ = d.to_string();
            let _ = d.render(&text, false);
        }
    }
});
