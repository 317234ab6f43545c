//! `choreo`: the command line. Parses arguments, maps results to exit codes; the work is
//! done by `choreo-sim`.

use std::fs::File;
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use choreo_sim::export::{self, TraceWriter, TransactionWriter};
use choreo_sim::observe::Observer;
use choreo_sim::run::{self, RunOptions};
use choreo_sim::scenario::{self, Loaded, Scenario, units::parse_duration};
use choreo_sim::{bundled, engine::SimTime};

/// Simulate and compare monolith and event-driven serverless architectures.
#[derive(Parser)]
#[command(name = "choreo", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
        #[arg(long)]
        seed: Option<u64>,
        /// Simulated time to run, e.g. "30m" (overrides the scenario's).
        #[arg(long)]
        horizon: Option<String>,
        /// Run only this architecture (repeatable).
        #[arg(long = "arch", value_name = "NAME")]
        arch: Vec<String>,
        /// Timeseries interval, e.g. "10s" [default: the larger of 1s and horizon/1000].
        #[arg(long)]
        interval: Option<String>,
        /// Also write transactions.csv, one row per transaction.
        #[arg(long)]
        transactions: bool,
        /// Also write events.csv, one row per simulation event.
        #[arg(long)]
        trace: bool,
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
    match execute(cli.command) {
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
            let interval = interval
                .map(|i| duration_arg("--interval", &i))
                .transpose()?;
            let options = RunOptions {
                interval,
                architectures: arch,
            };
            run::select(&s, &options.architectures).map_err(|e| bad(e.to_string()))?;
            let out = out.unwrap_or_else(|| Path::new("out").join(&name));
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

fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(i) => text[..=i].to_string(),
        None => text.to_string(),
    }
}

fn duration_arg(flag: &str, text: &str) -> Result<SimTime> {
    match parse_duration(text) {
        Ok(0) => Err(bad(format!("{flag}: must be longer than zero"))),
        Ok(d) => Ok(d),
        Err(e) => Err(bad(format!("{flag}: {e}"))),
    }
}

/// Loads a scenario from a file, or a bundled one by name. Returns a name for the output
/// folder and the scenario.
fn load(arg: &str) -> Result<(String, Loaded)> {
    let path = Path::new(arg);
    let (name, result) = if path.is_file() {
        let text =
            std::fs::read_to_string(path).map_err(|e| bad(format!("{arg}: cannot read: {e}")))?;
        let stem = path
            .file_stem()
            .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        (stem, scenario::load(arg, &text))
    } else if let Some(result) = bundled::load(arg) {
        (arg.trim_end_matches(".ron").to_string(), result)
    } else {
        let names: Vec<_> = bundled::ALL.iter().map(|b| b.name).collect();
        return Err(bad(format!(
            "{arg}: no such file, and no bundled scenario of that name (bundled: {})",
            names.join(", ")
        )));
    };
    match result {
        Ok(loaded) => Ok((name, loaded)),
        Err(e) => {
            let lines: Vec<String> = e.diagnostics.iter().map(|d| d.to_string()).collect();
            Err(bad(lines.join("\n")))
        }
    }
}

fn print_warnings(loaded: &Loaded) {
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
}

/// Per-architecture writers of the optional per-transaction and per-event files, each into
/// an anonymous temporary file; they are joined in architecture order when the run is done.
struct Writers {
    transactions: Option<TransactionWriter<File>>,
    trace: Option<TraceWriter<File>>,
    error: Option<io::Error>,
}

impl Observer for Writers {
    fn on_event(&mut self, time: SimTime, event: &choreo_sim::observe::SimEvent) {
        if let Some(w) = &mut self.transactions {
            w.on_event(time, event);
        }
        if let Some(w) = &mut self.trace {
            w.on_event(time, event);
        }
    }
}

fn run_command(
    s: &Scenario,
    options: &RunOptions,
    out: &Path,
    transactions: bool,
    trace: bool,
) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let make = |i: usize| {
        let arch = &s.architectures[i];
        let mut error = None;
        let mut file = || tempfile::tempfile().map_err(|e| error = Some(e)).ok();
        let transactions_file = if transactions { file() } else { None };
        let trace_file = if trace { file() } else { None };
        Writers {
            transactions: transactions_file
                .map(|f| TransactionWriter::new(f, s, &arch.name, false)),
            trace: trace_file.map(|f| TraceWriter::new(f, arch, false)),
            error,
        }
    };
    let (report, writers) = run::run_scenario_with(s, options, make)?;
    let write = |file: &str, f: &dyn Fn(&mut dyn Write) -> io::Result<()>| {
        let path = out.join(file);
        export::write_atomic(&path, f).with_context(|| format!("writing {}", path.display()))
    };
    write("summary.csv", &|w| export::write_summary(&report, w))?;
    write("costs.csv", &|w| export::write_costs(&report, w))?;
    write("timeseries.csv", &|w| export::write_timeseries(&report, w))?;
    write("isolation.csv", &|w| export::write_isolation(&report, w))?;
    let mut parts_tx = Vec::new();
    let mut parts_trace = Vec::new();
    for w in writers {
        if let Some(e) = w.error {
            return Err(e).context("creating a temporary file");
        }
        if let Some(t) = w.transactions {
            parts_tx.push(t.finish()?);
        }
        if let Some(t) = w.trace {
            parts_trace.push(t.finish()?);
        }
    }
    if transactions {
        write("transactions.csv", &|w| {
            concatenate(w, &export::TRANSACTION_COLUMNS, &parts_tx)
        })?;
    }
    if trace {
        write("events.csv", &|w| {
            concatenate(w, &export::TRACE_COLUMNS, &parts_trace)
        })?;
    }
    print!("{}", export::summary_table(&report));
    println!("wrote {}", out.display());
    Ok(())
}

/// Writes a CSV header, then each part's rows in order.
fn concatenate(w: &mut dyn Write, header: &[&str], parts: &[File]) -> io::Result<()> {
    writeln!(w, "{}", header.join(","))?;
    for mut part in parts {
        part.rewind()?;
        io::copy(&mut part, w)?;
    }
    Ok(())
}
