//! The command line's arguments (clap), and the checks of their values that need no
//! scenario (durations, seeds) or only its horizon (`--interval`). An error here is the
//! user's: [`BadInput`], exit code 2.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

use choreo_sim::bundled;
use choreo_sim::engine::SimTime;
use choreo_sim::scenario::units::{format_duration, parse_duration};

/// Simulate and compare monolith and event-driven serverless architectures.
#[derive(Parser)]
#[command(name = "choreo", version, about)]
pub struct Cli {
    /// What to do [default: open the viewer on the default scenario].
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run a scenario headless: print a side-by-side table and write CSV files.
    Run {
        /// Scenario file, or the name of a bundled scenario.
        scenario: String,
        /// Output folder [default: out/<scenario>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seed of every random stream (overrides the scenario's).
        #[arg(long, allow_negative_numbers = true, value_parser = seed_arg)]
        seed: Option<u64>,
        /// Simulated time to run, e.g. "30m" (overrides the scenario's).
        #[arg(long, allow_hyphen_values = true)]
        horizon: Option<String>,
        /// Run only this architecture (repeatable; a name given twice runs once).
        #[arg(long = "arch", value_name = "NAME")]
        arch: Vec<String>,
        /// Timeseries interval, e.g. "10s" [default: the larger of 1s and horizon/1000];
        /// at most 1,000,000 intervals over the horizon.
        #[arg(long, allow_hyphen_values = true)]
        interval: Option<String>,
        /// Also write transactions.csv, one row per transaction.
        #[arg(long)]
        transactions: bool,
        /// Also write events.csv, one row per simulation event.
        #[arg(long)]
        trace: bool,
    },
    /// Open the live viewer: every architecture side by side, events flowing.
    View {
        /// Scenario file, or the name of a bundled scenario.
        #[arg(default_value = bundled::DEFAULT)]
        scenario: String,
        /// Save a PNG of the window once `--after` of simulated time is reached, then exit.
        #[arg(long, value_name = "FILE")]
        screenshot: Option<PathBuf>,
        /// Simulated time to reach before the screenshot, e.g. "2m".
        #[arg(long, default_value = "30s", allow_hyphen_values = true)]
        after: String,
        /// Initial speed, simulated seconds per real second (0.1 to 10000).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Window size in logical pixels, WIDTHxHEIGHT.
        #[arg(long, default_value = "1600x1000")]
        size: String,
        /// Run this many real seconds, print the frame rate, and exit.
        #[arg(long, value_name = "SECONDS")]
        measure: Option<f64>,
        /// Leave layers out of the window, to measure what each costs a frame:
        /// shapes, labels, particles, panels.
        #[arg(long, value_name = "LAYERS", value_delimiter = ',')]
        without: Vec<String>,
    },
    /// Check scenarios; print every problem as FILE:LINE:COL: field.path: message.
    Validate {
        /// Scenario files or bundled scenario names.
        #[arg(required = true)]
        scenarios: Vec<String>,
    },
    /// List the bundled scenarios.
    Scenarios,
    /// Print an architecture's topology as Graphviz DOT.
    Graph {
        /// Scenario file, or the name of a bundled scenario.
        scenario: String,
        /// Architecture [default: the first].
        #[arg(long = "arch", value_name = "NAME")]
        arch: Option<String>,
    },
}

/// An error in what the user gave us (exit code 2), as opposed to anything else (1).
#[derive(Debug)]
pub struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

pub fn bad(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(message.into()))
}

/// Most timeseries intervals a run may have (`--interval` against the horizon): each
/// interval is one sample of every series, all kept in memory until timeseries.csv is
/// written, so a tiny interval on a long run would exhaust memory before writing anything.
const MAX_INTERVALS: u64 = 1_000_000;

pub fn duration_arg(flag: &str, text: &str) -> Result<SimTime> {
    if text.trim_start().starts_with('-') {
        return Err(bad(format!(
            "{flag} {text}: must be positive, a duration such as \"30s\" or \"5m\""
        )));
    }
    match parse_duration(text) {
        Ok(0) => Err(bad(format!("{flag}: must be longer than zero"))),
        Ok(d) => Ok(d),
        Err(e) => Err(bad(format!("{flag}: {e}"))),
    }
}

/// `--interval`, checked against the horizon: at most [`MAX_INTERVALS`] intervals.
pub fn interval_arg(text: &str, horizon: SimTime) -> Result<SimTime> {
    let interval = duration_arg("--interval", text)?;
    let count = horizon.div_ceil(interval);
    if count > MAX_INTERVALS {
        let shortest = horizon.div_ceil(MAX_INTERVALS);
        // The short form rounds; where it rounds down it would not be enough.
        let short = format_duration(shortest);
        let shortest = match parse_duration(&short) {
            Ok(d) if d >= shortest => short,
            _ => format!("{shortest}ns"),
        };
        return Err(bad(format!(
            "--interval {text}: gives {count} intervals over the horizon of {}, more than the \
             limit of {MAX_INTERVALS}; use {} or longer",
            format_duration(horizon),
            shortest
        )));
    }
    Ok(interval)
}

/// `--seed`: a whole number, told plainly when it is not one.
fn seed_arg(text: &str) -> std::result::Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("the seed must be a whole number from 0 to {}", u64::MAX))
}
