//! Any `--set PATH=VALUE` and `--vary PATH=VALUES` on a bundled scenario: applying them
//! never panics, and a scenario that loads is a valid one.
#![no_main]

use libfuzzer_sys::fuzz_target;

use choreo_sim::batch::vary::Vary;
use choreo_sim::bundled;
use choreo_sim::scenario::overrides::{self, Override};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (which, rest) = text.split_once('\n').unwrap_or(("", &text));
    let b = bundled::ALL[which.len() % bundled::ALL.len()];
    let mut sets = Vec::new();
    for line in rest.lines().take(8) {
        if let Ok(v) = Vary::parse(line) {
            assert!(!v.values.is_empty());
            let _ = v.at(v.values.len() - 1);
        }
        if let Ok(o) = Override::parse("--set", line) {
            sets.push(o);
        }
    }
    if let Ok(loaded) = overrides::load(b.name, b.text, &sets) {
        assert!(!loaded.scenario.architectures.is_empty());
        assert!(loaded.scenario.horizon > 0);
    }
});
