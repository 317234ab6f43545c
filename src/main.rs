//! `choreo`: the command line. Parses arguments (`cli`), calls the library, maps results
//! to exit codes; the work is done by `choreo-sim` (and `choreo-viz` for `view`).

mod cli;
mod progress;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use choreo_sim::batch::{self, sweep, vary::Vary};
use choreo_sim::bundled::OpenError;
use choreo_sim::engine::SimTime;
use choreo_sim::run::{self, RunOptions};
use choreo_sim::scenario::overrides::{self, Override};
use choreo_sim::scenario::{Loaded, Scenario};
use choreo_sim::{bundled, export, output};

use cli::{BadInput, Cli, Command, bad, duration_arg, interval_arg};

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
            set,
            load,
            replications,
            jobs,
        } => {
            let text = bundled::read(&scenario).map_err(|e| bad(e.to_string()))?;
            let mut overrides = parse_sets(&set)?;
            if let Some(load) = load {
                overrides.push(Override::new("--load", overrides::LOAD, &load).map_err(bad)?);
            }
            let loaded = overrides::load(&text.file, &text.text, &overrides)
                .map_err(|e| bad(e.to_string()))?;
            print_warnings(&loaded);
            let name = text.name;
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
                sequential: false,
            };
            run::select(&s, &options.architectures).map_err(|e| bad(e.to_string()))?;
            let out = out.unwrap_or_else(|| Path::new("out").join(&name));
            if is_root(&out) {
                return Err(bad(format!(
                    "--out {}: refusing to write into the root folder; name a folder of its own",
                    out.display()
                )));
            }
            let files = output::Files {
                transactions,
                trace,
            };
            match replications {
                Some(0) => Err(bad("--replications: must be at least 1")),
                Some(n) => {
                    let jobs = cli::jobs_arg(jobs)?;
                    let reports = output::run_replications_into(&s, &options, &out, files, n, jobs)
                        .map_err(output_error)?;
                    print!("{}", batch::ci_table(&reports));
                    println!("wrote {}", out.display());
                    Ok(())
                }
                None if jobs.is_some() => Err(bad("--jobs goes with --replications")),
                None => run_command(&s, &options, &out, files),
            }
        }
        Command::Sweep {
            scenario,
            vary,
            set,
            replications,
            jobs,
            out,
            arch,
            shard,
            shards,
        } => {
            let text = bundled::read(&scenario).map_err(|e| bad(e.to_string()))?;
            print_warnings(
                &text
                    .load()
                    .map_err(|e| bad(OpenError::Invalid(e).to_string()))?,
            );
            let varies = vary
                .iter()
                .map(|v| Vary::parse(v))
                .collect::<Result<Vec<_>, _>>()
                .map_err(bad)?;
            let shard = cli::shard_arg(shard.as_deref(), shards, |k| std::env::var(k).ok())?;
            let jobs = cli::jobs_arg(jobs)?;
            let out = out.unwrap_or_else(|| Path::new("out").join(format!("{}-sweep", text.name)));
            if is_root(&out) {
                return Err(bad(format!(
                    "--out {}: refusing to write into the root folder; name a folder of its own",
                    out.display()
                )));
            }
            let spec = sweep::Spec {
                name: text.name.clone(),
                file: text.file.clone(),
                text: text.text.to_string(),
                sets: parse_sets(&set)?,
                varies,
                replications,
                shard,
                architectures: arch,
            };
            let prepared = sweep::prepare(spec).map_err(sweep_error)?;
            let finished = prepared
                .run(&out, jobs, progress::reporter(prepared.shard_points()))
                .map_err(sweep_error)?;
            print!("{}", finished.table);
            let resumed = if finished.resumed > 0 {
                format!(" ({} found done and kept)", finished.resumed)
            } else {
                String::new()
            };
            println!(
                "{} of {} points{resumed}; wrote {}",
                finished.points,
                prepared.total(),
                out.display()
            );
            Ok(())
        }
        Command::Merge { dirs, out } => {
            let points = sweep::merge(&dirs, &out).map_err(sweep_error)?;
            println!(
                "merged {points} points from {} folders into {}",
                dirs.len(),
                out.display()
            );
            Ok(())
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

fn parse_sets(sets: &[String]) -> Result<Vec<Override>> {
    sets.iter()
        .map(|a| Override::parse("--set", a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)
}

/// A run stopped by a runaway transaction is the scenario's fault: bad input (exit 2).
fn output_error(e: output::OutputError) -> anyhow::Error {
    match e {
        output::OutputError::Run(e) if matches!(*e, run::RunError::Runaway { .. }) => {
            bad(e.to_string())
        }
        e => e.into(),
    }
}

/// Everything but a failing write is the user's to fix (exit 2).
fn sweep_error(e: sweep::SweepError) -> anyhow::Error {
    match e {
        sweep::SweepError::Io { .. } => e.into(),
        sweep::SweepError::Run { ref error, .. }
            if !matches!(**error, run::RunError::Runaway { .. }) =>
        {
            e.into()
        }
        e => bad(e.to_string()),
    }
}

fn run_command(s: &Scenario, options: &RunOptions, out: &Path, files: output::Files) -> Result<()> {
    let report = output::run_into(s, options, out, files).map_err(output_error)?;
    print!("{}", export::summary_table(&report));
    println!("wrote {}", out.display());
    Ok(())
}
