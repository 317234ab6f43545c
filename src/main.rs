//! `choreo`: the command line. Parses arguments, maps results to exit codes; the work is
//! done by `choreo-sim`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use choreo_sim::export;
use choreo_sim::output;
use choreo_sim::run::{self, RunOptions};
use choreo_sim::scenario::units::{format_duration, parse_duration};
use choreo_sim::scenario::{Loaded, Scenario};
use choreo_sim::{bundled, engine::SimTime};

/// Simulate and compare monolith and event-driven serverless architectures.
#[derive(Parser)]
#[command(name = "choreo", version, about)]
struct Cli {
    /// What to do [default: open the viewer on the default scenario].
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
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
struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

fn bad(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(message.into()))
}

/// Most timeseries intervals a run may have (`--interval` against the horizon): each
/// interval is one sample of every series, all kept in memory until timeseries.csv is
/// written, so a tiny interval on a long run would exhaust memory before writing anything.
const MAX_INTERVALS: u64 = 1_000_000;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let command = cli.command.unwrap_or(Command::View {
        scenario: bundled::DEFAULT.to_string(),
        screenshot: None,
        after: "30s".into(),
        speed: 1.0,
        size: "1600x1000".into(),
        measure: None,
        without: Vec::new(),
    });
    match execute(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<BadInput>() => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn execute(command: Command) -> Result<()> {
    match command {
        Command::View {
            scenario,
            screenshot,
            after,
            speed,
            size,
            measure,
            without,
        } => {
            // Check the scenario name first, so that a typo is an error here rather than a
            // window showing the default. An invalid scenario opens the window with its
            // errors listed.
            if let Err(e @ bundled::OpenError::NotFound(_)) = bundled::open(&scenario) {
                return Err(bad(e.to_string()));
            }
            let after = duration_arg("--after", &after)?;
            if !(0.1..=10_000.0).contains(&speed) {
                return Err(bad(format!("--speed {speed}: must be within 0.1 to 10000")));
            }
            let size = size
                .split_once('x')
                .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
                .filter(|&(w, h)| (320..=8192).contains(&w) && (240..=8192).contains(&h))
                .ok_or_else(|| {
                    bad(format!(
                        "--size {size}: expected WIDTHxHEIGHT, e.g. 1280x800"
                    ))
                })?;
            view(ViewArgs {
                scenario,
                screenshot,
                after,
                speed,
                size,
                measure,
                without,
            })
        }
        Command::Run {
            scenario,
            out,
            seed,
            horizon,
            arch,
            interval,
            transactions,
            trace,
        } => {
            let (name, loaded) = load(&scenario)?;
            print_warnings(&loaded);
            let mut s = loaded.scenario;
            if let Some(seed) = seed {
                s.seed = seed;
            }
            if let Some(h) = horizon {
                s.horizon = duration_arg("--horizon", &h)?;
            }
            let interval = interval.map(|i| interval_arg(&i, s.horizon)).transpose()?;
            let options = RunOptions {
                interval,
                architectures: arch,
            };
            run::select(&s, &options.architectures).map_err(|e| bad(e.to_string()))?;
            let out = out.unwrap_or_else(|| Path::new("out").join(&name));
            if is_root(&out) {
                return Err(bad(format!(
                    "--out {}: refusing to write into the root folder; name a folder of its own",
                    out.display()
                )));
            }
            run_command(&s, &options, &out, transactions, trace)
        }
        Command::Validate { scenarios } => {
            let mut failed = 0;
            for name in &scenarios {
                match load(name) {
                    Ok((_, loaded)) => {
                        print_warnings(&loaded);
                        println!("{name}: ok");
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                return Err(bad(format!(
                    "{failed} of {} scenario(s) invalid",
                    scenarios.len()
                )));
            }
            Ok(())
        }
        Command::Scenarios => {
            for b in bundled::ALL {
                let about = match bundled::load(b.name) {
                    Some(Ok(l)) => first_sentence(&l.scenario.about),
                    _ => "(invalid)".to_string(),
                };
                println!("{:<16} {about}", b.name);
            }
            Ok(())
        }
        Command::Graph { scenario, arch } => {
            let (_, loaded) = load(&scenario)?;
            let s = &loaded.scenario;
            let a = match &arch {
                Some(n) => {
                    let i =
                        run::select(s, std::slice::from_ref(n)).map_err(|e| bad(e.to_string()))?[0];
                    &s.architectures[i]
                }
                None => &s.architectures[0],
            };
            print!("{}", export::dot(a));
            Ok(())
        }
    }
}

/// Arguments of `choreo view`, checked.
#[cfg_attr(not(feature = "viz"), allow(dead_code))] // read only by the viewer
struct ViewArgs {
    scenario: String,
    screenshot: Option<PathBuf>,
    after: SimTime,
    speed: f64,
    size: (u32, u32),
    measure: Option<f64>,
    without: Vec<String>,
}

#[cfg(feature = "viz")]
fn view(args: ViewArgs) -> Result<()> {
    let without = args
        .without
        .iter()
        .map(|name| {
            choreo_viz::Layer::named(name).ok_or_else(|| {
                let names: Vec<&str> = choreo_viz::Layer::ALL.iter().map(|l| l.0).collect();
                bad(format!(
                    "--without {name}: expected some of {}",
                    names.join(", ")
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let options = choreo_viz::ViewOptions {
        scenario: args.scenario,
        screenshot: args.screenshot,
        after: args.after,
        speed: args.speed,
        size: args.size,
        measure: args.measure,
        without,
    };
    match choreo_viz::run(options) {
        Ok(()) => Ok(()),
        Err(e @ choreo_viz::ViewError::NoDisplay(_)) => Err(bad(e.to_string())),
        Err(e) => Err(anyhow::Error::new(e)),
    }
}

#[cfg(not(feature = "viz"))]
fn view(_: ViewArgs) -> Result<()> {
    Err(bad(
        "this choreo was built without the viewer (feature `viz`); run headless with \
         `choreo run SCENARIO`, or rebuild with default features",
    ))
}

fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(i) => text[..=i].to_string(),
        None => text.to_string(),
    }
}

fn duration_arg(flag: &str, text: &str) -> Result<SimTime> {
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
fn interval_arg(text: &str, horizon: SimTime) -> Result<SimTime> {
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

/// Whether `path` is the root folder (`/`, or a path that resolves to it).
fn is_root(path: &Path) -> bool {
    let resolved = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    resolved.has_root() && resolved.parent().is_none()
}

/// Loads a scenario from a file, or a bundled one by name. Returns a name for the output
/// folder and the scenario.
fn load(arg: &str) -> Result<(String, Loaded)> {
    bundled::open(arg).map_err(|e| bad(e.to_string()))
}

fn print_warnings(loaded: &Loaded) {
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
}

fn run_command(
    s: &Scenario,
    options: &RunOptions,
    out: &Path,
    transactions: bool,
    trace: bool,
) -> Result<()> {
    let files = output::Files {
        transactions,
        trace,
    };
    // A run stopped by a runaway transaction is the scenario's fault: bad input (exit 2).
    let report = output::run_into(s, options, out, files).map_err(|e| match e {
        output::OutputError::Run(e) if matches!(*e, run::RunError::Runaway { .. }) => {
            bad(e.to_string())
        }
        e => e.into(),
    })?;
    print!("{}", export::summary_table(&report));
    println!("wrote {}", out.display());
    Ok(())
}
