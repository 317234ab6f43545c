//! Scenarios compiled into the binary, usable by name wherever a file path is.

use crate::scenario::{self, Loaded, ScenarioError};

/// A bundled scenario: its name (the file stem) and its RON text.
#[derive(Debug, Clone, Copy)]
pub struct Bundled {
    /// Name, e.g. `"photo-sharing"`.
    pub name: &'static str,
    /// RON text.
    pub text: &'static str,
}

/// Every bundled scenario; the first is the default.
pub const ALL: &[Bundled] = &[
    Bundled {
        name: "photo-sharing",
        text: include_str!("../../scenarios/photo-sharing.ron"),
    },
    Bundled {
        name: "mmc-server",
        text: include_str!("../../scenarios/mmc-server.ron"),
    },
    Bundled {
        name: "cold-starts",
        text: include_str!("../../scenarios/cold-starts.ron"),
    },
    Bundled {
        name: "failure-isolation",
        text: include_str!("../../scenarios/failure-isolation.ron"),
    },
    Bundled {
        name: "azure-replay",
        text: include_str!("../../scenarios/azure-replay.ron"),
    },
    Bundled {
        name: "orchestration-vs-choreography",
        text: include_str!("../../scenarios/orchestration-vs-choreography.ron"),
    },
    Bundled {
        name: "platform-limits",
        text: include_str!("../../scenarios/platform-limits.ron"),
    },
    Bundled {
        name: "connection-limits",
        text: include_str!("../../scenarios/connection-limits.ron"),
    },
];

/// Arrival traces compiled into the binary: (file name, CSV text). A scenario names one as
/// `"bundled:NAME"`, e.g. `AzureTrace(file: "bundled:azure-sample.csv")`.
pub const TRACES: &[(&str, &str)] = &[
    (
        "azure-sample.csv",
        include_str!("../../scenarios/traces/azure-sample.csv"),
    ),
    (
        "timestamps-sample.csv",
        include_str!("../../scenarios/traces/timestamps-sample.csv"),
    ),
];

/// The scenario `choreo` opens when none is named.
pub const DEFAULT: &str = "photo-sharing";

/// The bundled scenario called `name`.
pub fn find(name: &str) -> Option<&'static Bundled> {
    let name = name.strip_suffix(".ron").unwrap_or(name);
    ALL.iter().find(|b| b.name == name)
}

/// The CSV text of the bundled trace called `name` (without the `bundled:` prefix).
pub fn trace(name: &str) -> Option<&'static str> {
    TRACES.iter().find(|t| t.0 == name).map(|t| t.1)
}

/// Loads the bundled scenario `name`; `None` if there is no such scenario.
pub fn load(name: &str) -> Option<Result<Loaded, ScenarioError>> {
    find(name).map(|b| scenario::load(&format!("scenarios/{}.ron", b.name), b.text))
}
