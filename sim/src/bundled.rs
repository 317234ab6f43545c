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

/// Every bundled scenario: the lessons in teaching order, then the reference scenarios; the
/// first is the default.
pub const ALL: &[Bundled] = &[
    Bundled {
        name: "photo-sharing",
        text: include_str!("../../scenarios/photo-sharing.ron"),
    },
    Bundled {
        name: "events-over-functions",
        text: include_str!("../../scenarios/events-over-functions.ron"),
    },
    Bundled {
        name: "choreography-vs-orchestration",
        text: include_str!("../../scenarios/choreography-vs-orchestration.ron"),
    },
    Bundled {
        name: "meta-over-data",
        text: include_str!("../../scenarios/meta-over-data.ron"),
    },
    Bundled {
        name: "distributed-over-stateless",
        text: include_str!("../../scenarios/distributed-over-stateless.ron"),
    },
    Bundled {
        name: "failure-isolation",
        text: include_str!("../../scenarios/failure-isolation.ron"),
    },
    Bundled {
        name: "cold-starts",
        text: include_str!("../../scenarios/cold-starts.ron"),
    },
    Bundled {
        name: "throttling-cascade",
        text: include_str!("../../scenarios/throttling-cascade.ron"),
    },
    Bundled {
        name: "cost-break-even",
        text: include_str!("../../scenarios/cost-break-even.ron"),
    },
    Bundled {
        name: "granularity",
        text: include_str!("../../scenarios/granularity.ron"),
    },
    Bundled {
        name: "adding-a-consumer",
        text: include_str!("../../scenarios/adding-a-consumer.ron"),
    },
    Bundled {
        name: "mmc-server",
        text: include_str!("../../scenarios/mmc-server.ron"),
    },
    Bundled {
        name: "cold-start-theory",
        text: include_str!("../../scenarios/cold-start-theory.ron"),
    },
    Bundled {
        name: "azure-replay",
        text: include_str!("../../scenarios/azure-replay.ron"),
    },
    Bundled {
        name: "platform-limits",
        text: include_str!("../../scenarios/platform-limits.ron"),
    },
    Bundled {
        name: "platforms",
        text: include_str!("../../scenarios/platforms.ron"),
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
    (
        "azure-invocations-sample.csv",
        include_str!("../../scenarios/traces/azure-invocations-sample.csv"),
    ),
];

/// The lessons of the workshop (docs/workshop.md), in teaching order; every other bundled
/// scenario is a reference scenario (a model checked against theory, a trace replay, a
/// tour of platform features).
pub const LESSONS: &[&str] = &[
    "photo-sharing",
    "events-over-functions",
    "choreography-vs-orchestration",
    "meta-over-data",
    "distributed-over-stateless",
    "failure-isolation",
    "cold-starts",
    "throttling-cascade",
    "cost-break-even",
    "granularity",
    "adding-a-consumer",
];

/// Whether the bundled scenario `name` is one of the [`LESSONS`]; its place in them, from 1.
pub fn lesson_number(name: &str) -> Option<usize> {
    LESSONS.iter().position(|l| *l == name).map(|i| i + 1)
}

/// The bundled scenarios as `choreo scenarios` lists them: the lessons in teaching order,
/// then the reference scenarios in the order of [`ALL`].
pub fn listed() -> Vec<&'static Bundled> {
    let mut out: Vec<&Bundled> = LESSONS.iter().filter_map(|l| find(l)).collect();
    out.extend(ALL.iter().filter(|b| lesson_number(b.name).is_none()));
    out
}

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

/// Why a scenario named on the command line or in the viewer could not be opened.
#[derive(Debug, Clone)]
pub enum OpenError {
    /// Neither a readable file nor a bundled scenario; the message says which were tried.
    NotFound(String),
    /// The path exists but could not be read as a scenario: unreadable, a directory, not a
    /// regular file, or empty.
    Read(String),
    /// The scenario is invalid: every problem with its file, line, column and field.
    Invalid(ScenarioError),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::NotFound(m) | OpenError::Read(m) => f.write_str(m),
            OpenError::Invalid(e) => {
                let lines: Vec<String> = e.diagnostics.iter().map(|d| d.to_string()).collect();
                f.write_str(&lines.join("\n"))
            }
        }
    }
}

impl std::error::Error for OpenError {}

/// A scenario's text, read but not yet validated.
#[derive(Debug, Clone)]
pub struct Text {
    /// A short name: the file stem or the bundled name (the default output folder's).
    pub name: String,
    /// The file as diagnostics name it: the path given, or `scenarios/NAME.ron`.
    pub file: String,
    /// The RON text.
    pub text: std::borrow::Cow<'static, str>,
}

impl Text {
    /// Validates the text.
    pub fn load(&self) -> Result<Loaded, ScenarioError> {
        scenario::load(&self.file, &self.text)
    }
}

/// Reads `arg`: a scenario file if one exists at that path, else the bundled scenario of
/// that name.
pub fn read(arg: &str) -> Result<Text, OpenError> {
    let path = std::path::Path::new(arg);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| OpenError::Read(format!("{arg}: cannot read: {e}")))?;
        if text.trim().is_empty() {
            return Err(OpenError::Read(format!(
                "{arg}: the file is empty (a scenario is a RON file: Scenario(name: ..., ...))"
            )));
        }
        let stem = path
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        Ok(Text {
            name: stem,
            file: arg.to_string(),
            text: text.into(),
        })
    } else if let Some(b) = find(arg) {
        Ok(Text {
            name: b.name.to_string(),
            file: format!("scenarios/{}.ron", b.name),
            text: b.text.into(),
        })
    } else if path.is_dir() {
        Err(OpenError::Read(format!(
            "{arg}: is a directory, not a scenario file"
        )))
    } else if path.exists() {
        Err(OpenError::Read(format!(
            "{arg}: not a regular file (a scenario is a RON file)"
        )))
    } else {
        let names: Vec<_> = ALL.iter().map(|b| b.name).collect();
        Err(OpenError::NotFound(format!(
            "{arg}: no such file, and no bundled scenario of that name (bundled: {})",
            names.join(", ")
        )))
    }
}

/// Opens `arg` ([`read`]) and validates it. Returns a short name for it (the file stem or
/// the bundled name) and the loaded scenario.
pub fn open(arg: &str) -> Result<(String, Loaded), OpenError> {
    let text = read(arg)?;
    text.load()
        .map(|loaded| (text.name, loaded))
        .map_err(OpenError::Invalid)
}
