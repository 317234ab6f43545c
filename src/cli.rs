//! The command line's arguments (clap), and the checks of their values that need no
//! scenario (durations, seeds) or only its horizon (`--interval`). An error here is the
//! user's: [`BadInput`], exit code 2.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

use choreo_sim::batch::sweep::Shard;
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
        /// Output folder [default: out/<scenario>]; one holding an earlier run's or
        /// sweep's results is refused unless --force.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the results an earlier run left in the output folder.
        #[arg(long)]
        force: bool,
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
        /// Change a scenario field, e.g. serverless.tag-fn.memory_mb=1024 (repeatable;
        /// paths in docs/batch.md).
        #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
        set: Vec<String>,
        /// Multiply every source's arrival rate by this factor.
        #[arg(long, value_name = "FACTOR", allow_hyphen_values = true)]
        load: Option<String>,
        /// Run this many independent replications (seeds in docs/batch.md): summary.csv
        /// gets a replication column, summary_ci.csv the 95% confidence intervals.
        #[arg(long, value_name = "N")]
        replications: Option<u32>,
        /// Threads for the replications [default: every core].
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Refuse a run expected to simulate more transactions than this (arrivals over the
        /// horizon times the architectures).
        #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_TRANSACTIONS)]
        max_transactions: u64,
        /// Also write the charts and index.html of `choreo report` into OUT/report.
        #[arg(long)]
        report: bool,
        /// Stop an architecture with more transactions in flight at once than this (an
        /// overloaded design), keeping what it simulated.
        #[arg(long, value_name = "N", default_value_t = choreo_sim::run::DEFAULT_MAX_IN_FLIGHT)]
        max_in_flight: u64,
    },
    /// Run a scenario at every combination of varied fields: sweep.csv, sweep_ci.csv.
    Sweep {
        /// Scenario file, or the name of a bundled scenario.
        scenario: String,
        /// A field and its values: a list (1,2,5), a range (100..1000:100) or a
        /// logarithmic range (1..1000:log:10, ten points per decade); repeatable, the
        /// first varying slowest.
        #[arg(
            long = "vary",
            value_name = "PATH=VALUES",
            required = true,
            allow_hyphen_values = true
        )]
        vary: Vec<String>,
        /// Change a field at every point (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
        set: Vec<String>,
        /// Replications per point.
        #[arg(long, value_name = "N", default_value_t = 1)]
        replications: u32,
        /// Worker threads [default: every core].
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Output folder [default: out/<scenario>-sweep]; the same sweep rerun into it
        /// resumes, a folder holding other results is refused unless --force.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Discard the results in the output folder (another sweep's, or this one's to
        /// start over) instead of refusing or resuming.
        #[arg(long)]
        force: bool,
        /// Run only this architecture (repeatable).
        #[arg(long = "arch", value_name = "NAME")]
        arch: Vec<String>,
        /// Run only share K of N of the points (K/N), or `auto`: K and N from a Slurm job
        /// array or a Kubernetes Indexed Job (with --shards).
        #[arg(long, value_name = "K/N|auto")]
        shard: Option<String>,
        /// With --shard auto under Kubernetes: the number of shards (the Job's completions).
        #[arg(long, value_name = "N")]
        shards: Option<usize>,
        /// Refuse a point expected to simulate more transactions than this.
        #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_TRANSACTIONS)]
        max_transactions: u64,
        /// Also write the charts and index.html of `choreo report` into OUT/report.
        #[arg(long)]
        report: bool,
        /// Stop a run with more transactions in flight at once than this (its rows are kept,
        /// their simulated_s short of the horizon).
        #[arg(long, value_name = "N", default_value_t = choreo_sim::run::DEFAULT_MAX_IN_FLIGHT)]
        max_in_flight: u64,
    },
    /// Join the folders of a sharded sweep into one, as one machine would have written it.
    Merge {
        /// The shards' folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, required = true)]
        out: PathBuf,
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
    /// List the bundled scenarios: the lessons in teaching order, then the reference
    /// scenarios.
    Scenarios,
    /// A lesson's questions, to predict; with --answers, its runs and the answers, each
    /// claim checked on choreo's own output (exit 1 if one does not hold).
    Lesson {
        /// Scenario file, or the name of a bundled scenario.
        scenario: String,
        /// Run the scenario (once per distinct set of a question's overrides) and show
        /// each answer with its claims and the figures they read.
        #[arg(long)]
        answers: bool,
    },
    /// Print an architecture's topology as Graphviz DOT.
    Graph {
        /// Scenario file, or the name of a bundled scenario.
        scenario: String,
        /// Architecture [default: the first].
        #[arg(long = "arch", value_name = "NAME")]
        arch: Option<String>,
    },
    /// Write SVG charts and a self-contained index.html of a run's or a sweep's folder
    /// into DIR/report/.
    Report {
        /// A `choreo run` folder (summary.csv) or a `choreo sweep` folder (sweep.csv,
        /// manifest.json).
        dir: PathBuf,
        /// A sweep metric to chart, a summary.csv column (repeatable) [default:
        /// response_p99_ms, done_p99_ms, cost_usd, cost_per_million_usd, cold_start_ratio,
        /// throttled, failed].
        #[arg(long = "metric", value_name = "NAME")]
        metric: Vec<String>,
    },
    /// Compare two runs' summary.csv side by side: A, B, B−A and the change in %.
    Compare {
        /// Run folder A.
        a: PathBuf,
        /// Run folder B.
        b: PathBuf,
    },
}

/// Transactions a run may be expected to simulate before it is refused (`--max-transactions`):
/// about 10 minutes of simulation at today's speed.
pub const DEFAULT_MAX_TRANSACTIONS: u64 = 1_000_000_000;

/// An error in what the user gave us (exit code 2), as opposed to anything else (1).
#[derive(Debug)]
pub struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// A run or sweep stopped by Ctrl-C (exit code 130), what it kept said in the message.
#[derive(Debug)]
pub struct Interrupted(pub String);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Interrupted {}

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

/// `--jobs`: at least 1; default every core.
pub fn jobs_arg(jobs: Option<usize>) -> Result<usize> {
    match jobs {
        Some(0) => Err(bad("--jobs: must be at least 1")),
        Some(n) => Ok(n),
        None => Ok(choreo_sim::batch::pool::cores()),
    }
}

/// `--shard`: `K/N`, or `auto` from the environment of a Slurm job array
/// (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` + 1 of `SLURM_ARRAY_TASK_COUNT`) or of a
/// Kubernetes Indexed Job (`JOB_COMPLETION_INDEX` + 1 of `--shards`).
pub fn shard_arg(
    shard: Option<&str>,
    shards: Option<usize>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Shard> {
    let Some(text) = shard else {
        if shards.is_some() {
            return Err(bad("--shards goes with --shard auto"));
        }
        return Ok(Shard::ALL);
    };
    if text != "auto" {
        if shards.is_some() {
            return Err(bad("--shards goes with --shard auto"));
        }
        return Shard::parse(text).map_err(bad);
    }
    let num = |name: &str| -> Result<Option<usize>> {
        env(name)
            .map(|v| {
                v.trim()
                    .parse::<usize>()
                    .map_err(|_| bad(format!("--shard auto: {name}={v:?} is not a whole number")))
            })
            .transpose()
    };
    if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
        let (Some(min), Some(count)) =
            (num("SLURM_ARRAY_TASK_MIN")?, num("SLURM_ARRAY_TASK_COUNT")?)
        else {
            return Err(bad(
                "--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN or SLURM_ARRAY_TASK_COUNT is not (submit with sbatch --array=1-N)",
            ));
        };
        let k = id
            .checked_sub(min)
            .map(|k| k + 1)
            .filter(|&k| k <= count)
            .ok_or_else(|| {
                bad(format!(
                    "--shard auto: SLURM_ARRAY_TASK_ID {id} is outside the array (min {min}, {count} tasks); use a contiguous --array"
                ))
            })?;
        return Ok(Shard { k, n: count });
    }
    if let Some(index) = num("JOB_COMPLETION_INDEX")? {
        let n = shards.ok_or_else(|| {
            bad("--shard auto under a Kubernetes Indexed Job needs --shards N (the Job's completions)")
        })?;
        if index >= n {
            return Err(bad(format!(
                "--shard auto: JOB_COMPLETION_INDEX {index} is not below --shards {n}"
            )));
        }
        return Ok(Shard { k: index + 1, n });
    }
    Err(bad(
        "--shard auto: neither a Slurm job array (SLURM_ARRAY_TASK_ID) nor a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) is in the environment; give --shard K/N",
    ))
}

/// Refuses a run expected to simulate more than `max` transactions (`architectures` of
/// them, each seeing every arrival).
pub fn check_work(
    scenario: &choreo_sim::scenario::Scenario,
    architectures: usize,
    max: u64,
    what: &str,
) -> Result<()> {
    let expected = scenario.expected_arrivals() * architectures as f64;
    if expected > max as f64 {
        return Err(bad(format!(
            "{what}: about {expected:.3e} transactions to simulate ({:.3e} arrivals over {} in each of {architectures} architecture(s)), more than --max-transactions {max}; raise it to run this anyway, or shorten --horizon",
            scenario.expected_arrivals(),
            format_duration(scenario.horizon)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn auto_shards_come_from_slurm_or_kubernetes() {
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_MIN", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        let s = shard_arg(Some("auto"), None, env(&slurm)).unwrap();
        assert_eq!(s, Shard { k: 3, n: 4 });
        assert_eq!(s, shard_arg(Some("3/4"), None, env(&[])).unwrap());
        let k8s = [("JOB_COMPLETION_INDEX", "0")];
        assert_eq!(
            shard_arg(Some("auto"), Some(5), env(&k8s)).unwrap(),
            Shard { k: 1, n: 5 }
        );
        for (shard, shards, vars, says) in [
            ("auto", None, &k8s[..], "needs --shards"),
            (
                "auto",
                Some(1),
                &[("JOB_COMPLETION_INDEX", "1")][..],
                "not below",
            ),
            ("auto", None, &[][..], "neither a Slurm"),
            ("auto", None, &slurm[..1], "SLURM_ARRAY_TASK_MIN"),
            (
                "auto",
                None,
                &[
                    ("SLURM_ARRAY_TASK_ID", "9"),
                    ("SLURM_ARRAY_TASK_MIN", "5"),
                    ("SLURM_ARRAY_TASK_COUNT", "4"),
                ][..],
                "outside the array",
            ),
            ("0/3", None, &[][..], "1 ≤ K ≤ N"),
            ("4/3", None, &[][..], "1 ≤ K ≤ N"),
            ("2/3", Some(3), &[][..], "--shards goes with"),
        ] {
            let e = shard_arg(Some(shard), shards, env(vars))
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{shard} {vars:?}: {e}");
        }
    }
}
