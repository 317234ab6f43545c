//! `choreo`: the command line. Parses arguments (`cli`), calls the library, maps results
//! to exit codes; the work is done by `choreo-sim` (and `choreo-viz` for `view`).

mod cli;
mod progress;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::Result;
use clap::Parser;

use choreo_sim::batch::{self, sweep, vary::Vary};
use choreo_sim::engine::{NS_PER_S, SimTime};
use choreo_sim::report::{Report, Stopped};
use choreo_sim::run::{self, RunOptions};
use choreo_sim::scenario::overrides::{self, Override};
use choreo_sim::scenario::units::format_duration;
use choreo_sim::scenario::{Diagnostic, Loaded, Scenario};
use choreo_sim::{bundled, export, output};

use cli::{BadInput, Cli, Command, bad, duration_arg, interval_arg};

fn main() -> ExitCode {
    restore_sigpipe();
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
    let command = cli.command.unwrap_or_else(main_job);
    match execute(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<BadInput>() => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Err(e) if e.is::<cli::Interrupted>() => {
            eprintln!("{e}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// `choreo` alone: the viewer on the default scenario where a window can open, else that
/// scenario run headless (table, CSV), saying why and how to get the viewer — the main
/// command does the main job on any machine.
fn main_job() -> Command {
    match viewer_unavailable() {
        None => Command::View {
            scenario: bundled::DEFAULT.to_string(),
            screenshot: None,
            after: "30s".into(),
            speed: 1.0,
            size: "1600x1000".into(),
            measure: None,
            without: Vec::new(),
        },
        Some(why) => {
            eprintln!(
                "{why}: running {} headless instead; `choreo view` opens the viewer where a window can",
                bundled::DEFAULT
            );
            // The main command repeated replaces its own results.
            let args = ["choreo", "run", bundled::DEFAULT, "--force"];
            match Cli::try_parse_from(args).map(|c| c.command) {
                Ok(Some(command)) => command,
                // `args` is a fixed, valid command line: clap accepts it.
                _ => unreachable!("`choreo run {} --force` parses", bundled::DEFAULT),
            }
        }
    }
}

/// Why the viewer cannot open here, if it cannot.
#[cfg(feature = "viz")]
fn viewer_unavailable() -> Option<String> {
    let no_window = choreo_viz::display_available()
        .map_err(|why| format!("no display ({why})"))
        .and_then(|()| choreo_viz::adapter_available().map(drop));
    no_window.err()
}

#[cfg(not(feature = "viz"))]
fn viewer_unavailable() -> Option<String> {
    Some("this choreo was built without the viewer (feature `viz`)".to_string())
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
            force,
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
            max_transactions,
            max_in_flight,
            report,
        } => {
            let text = bundled::read(&scenario).map_err(|e| bad(e.to_string()))?;
            let mut overrides = parse_sets(&set)?;
            if let Some(load) = load {
                overrides.push(Override::new("--load", overrides::LOAD, &load).map_err(bad)?);
            }
            let loaded =
                overrides::load(&text.file, &text.text, &overrides).map_err(|e| match e {
                    overrides::OverrideError::Scenario(e) => bad(rendered(&text, &e.diagnostics)),
                    e => bad(e.to_string()),
                })?;
            print_warnings(&text, &loaded);
            let name = text.name;
            let mut s = loaded.scenario;
            if let Some(seed) = seed {
                s.seed = seed;
            }
            if let Some(h) = horizon {
                s.horizon = duration_arg("--horizon", &h)?;
            }
            let interval = interval.map(|i| interval_arg(&i, s.horizon)).transpose()?;
            let selected = run::select(&s, &arch).map_err(|e| bad(e.to_string()))?;
            let runs = selected.len() * replications.unwrap_or(1).max(1) as usize;
            cli::check_work(&s, runs, max_transactions, "run")?;
            let options = RunOptions {
                interval,
                architectures: arch,
                sequential: false,
                control: control(&s, max_in_flight),
            };
            let out = out_folder(out, &name)?;
            if !force {
                refuse_earlier(&out, &output::earlier_results(&out))?;
            }
            let files = output::Files {
                transactions,
                trace,
            };
            match replications {
                Some(0) => Err(bad("--replications: must be at least 1")),
                Some(n) => {
                    let jobs = cli::jobs_arg(jobs)?;
                    let bar = progress::run_bar(&s, &selected, &options.control);
                    let reports = output::run_replications_into(&s, &options, &out, files, n, jobs)
                        .map_err(output_error);
                    drop(bar);
                    let reports = reports?;
                    print!("{}", batch::ci_table(&reports));
                    println!("wrote {}", out.display());
                    if report {
                        report_command(&out, Vec::new())?;
                    }
                    stopped(&s, &reports)
                }
                None if jobs.is_some() => Err(bad("--jobs goes with --replications")),
                None => run_command(&s, &selected, &options, &out, files, report),
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
            max_transactions,
            max_in_flight,
            report,
            force,
        } => {
            let text = bundled::read(&scenario).map_err(|e| bad(e.to_string()))?;
            print_warnings(
                &text,
                &text
                    .load()
                    .map_err(|e| bad(rendered(&text, &e.diagnostics)))?,
            );
            let varies = vary
                .iter()
                .map(|v| Vary::parse(v))
                .collect::<Result<Vec<_>, _>>()
                .map_err(bad)?;
            let shard = cli::shard_arg(shard.as_deref(), shards, |k| std::env::var(k).ok())?;
            let jobs = cli::jobs_arg(jobs)?;
            let out = out_folder(out, &format!("{}-sweep", text.name))?;
            let spec = sweep::Spec {
                name: text.name.clone(),
                file: text.file.clone(),
                text: text.text.to_string(),
                sets: parse_sets(&set)?,
                varies,
                replications,
                shard,
                architectures: arch.clone(),
            };
            let prepared = sweep::prepare(spec).map_err(sweep_error)?;
            for (p, s) in prepared.scenarios() {
                let archs = run::select(s, &arch).map_or(1, |a| a.len());
                cli::check_work(s, archs, max_transactions, &format!("sweep point {p}"))?;
            }
            if force {
                sweep::discard(&out).map_err(sweep_error)?;
            } else {
                // The same sweep's files mean resume (checked by `run`); a run's are refused.
                let held = output::earlier_results(&out);
                let run_files: Vec<_> = held
                    .into_iter()
                    .filter(|f| !sweep::FILES.contains(f))
                    .collect();
                refuse_earlier(&out, &run_files)?;
            }
            let control = run::Control {
                interrupt: Some(interrupt_flag()),
                max_in_flight: Some(max_in_flight),
                reached: None,
            };
            let finished = prepared
                .run(
                    &out,
                    jobs,
                    &control,
                    progress::reporter(prepared.shard_points()),
                )
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
            if report {
                report_command(&out, Vec::new())?;
            }
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
                    Ok((text, loaded)) => {
                        print_warnings(&text, &loaded);
                        // A question's overrides validate the scenario again with them.
                        match choreo_sim::lesson::prepare(&text.file, &text.text, &loaded) {
                            Ok(_) => println!("{name}: ok"),
                            Err(e) => {
                                eprintln!("{e}");
                                failed += 1;
                            }
                        }
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
        Command::Lesson { scenario, answers } => lesson_command(&scenario, answers),
        Command::Scenarios => {
            let listed = bundled::listed();
            let width = listed.iter().map(|b| b.name.len()).max().unwrap_or(0);
            let mut reference = false;
            println!("Lessons, in teaching order (choreo lesson NAME asks their questions):");
            for b in listed {
                let about = match bundled::load(b.name) {
                    Some(Ok(l)) => first_sentence(&l.scenario.about),
                    _ => "(invalid)".to_string(),
                };
                let number = match bundled::lesson_number(b.name) {
                    Some(n) => format!("{n:>2}."),
                    None => {
                        if !reference {
                            println!("\nReference scenarios:");
                            reference = true;
                        }
                        "   ".to_string()
                    }
                };
                println!("{number} {:<width$}  {about}", b.name);
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
        Command::Report { dir, metric } => report_command(&dir, metric),
        Command::Compare { a, b } => {
            let c = choreo_report::compare(&a, &b).map_err(report_error)?;
            print!("{}", c.table());
            Ok(())
        }
    }
}

/// A report error as the CLI's: bad input (exit 2) or not (1).
fn report_error(e: choreo_report::ReportError) -> anyhow::Error {
    if e.is_bad_input() {
        bad(e.to_string())
    } else {
        anyhow::Error::new(e)
    }
}

fn report_command(dir: &Path, metrics: Vec<String>) -> Result<()> {
    let options = choreo_report::ReportOptions { metrics };
    let summary = choreo_report::write_report_with(dir, &options).map_err(report_error)?;
    for b in &summary.break_evens {
        println!("break-even: {}", b.describe());
    }
    if summary.kind == choreo_report::FolderKind::Sweep && summary.break_evens.is_empty() {
        println!("break-even: none (no two architectures' cost lines cross in the sweep)");
    }
    for n in &summary.notes {
        println!("note: {n}");
    }
    println!(
        "wrote {} and {} chart(s)",
        summary.index.display(),
        summary.charts.len()
    );
    Ok(())
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
        Err(e @ (choreo_viz::ViewError::NoDisplay(_) | choreo_viz::ViewError::NoAdapter(_))) => {
            Err(bad(e.to_string()))
        }
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

/// Rust ignores SIGPIPE, so a `println!` into a pipe whose reader has gone (`choreo
/// scenarios | head -1`) panics with "failed printing to stdout". The default action ends
/// the process quietly instead, as for any Unix filter; files are written to a temporary
/// name and renamed, so one ended this way leaves no half-written output.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread starts; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `choreo lesson`: the questions; with `answers`, each question's run, answer and claims.
fn lesson_command(arg: &str, answers: bool) -> Result<()> {
    let (text, loaded) = load(arg)?;
    print_warnings(&text, &loaded);
    let s = &loaded.scenario;
    if s.questions.is_empty() {
        return Err(bad(format!(
            "{}: the scenario asks no questions",
            text.file
        )));
    }
    println!("{}\n", s.name);
    if !s.about.is_empty() {
        println!("{}\n", s.about);
    }
    let variants = choreo_sim::lesson::prepare(&text.file, &text.text, &loaded).map_err(bad)?;
    let flags = |i: usize| {
        variants
            .iter()
            .find(|v| v.questions.contains(&i))
            .map(|v| v.flags())
            .unwrap_or_default()
    };
    if !answers {
        for (i, q) in s.questions.iter().enumerate() {
            println!("{}. {}", i + 1, q.ask);
            let f = flags(i);
            if !f.is_empty() {
                println!("   (on: choreo run {} {f})", text.name);
            }
        }
        println!(
            "\nPredict, then run it (choreo run {0}, or choreo view {0}) and see the answers: choreo lesson {0} --answers",
            text.name
        );
        return Ok(());
    }
    let checked =
        choreo_sim::lesson::check_all(&text.file, &text.text, &loaded, &RunOptions::default())
            .map_err(|e| anyhow::anyhow!("{}: {e}", text.file))?;
    let mut wrong = 0;
    for (i, q) in s.questions.iter().enumerate() {
        println!("{}. {}", i + 1, q.ask);
        let f = flags(i);
        println!(
            "   run: {}",
            format!("choreo run {} {f}", text.name).trim_end()
        );
        println!("   answer: {}", q.answer);
        for c in checked
            .iter()
            .filter(|c| c.as_ref().is_ok_and(|c| c.question == i))
            .flatten()
        {
            let mark = if c.holds { "holds" } else { "DOES NOT HOLD" };
            println!(
                "     {}  ({} vs {}): {mark}",
                c.claim,
                batch::significant(c.left, 4),
                batch::significant(c.right, 4)
            );
            wrong += usize::from(!c.holds);
        }
        println!();
    }
    let errors: Vec<&String> = checked.iter().filter_map(|c| c.as_ref().err()).collect();
    for e in &errors {
        eprintln!("error: {e}");
    }
    if wrong + errors.len() > 0 {
        anyhow::bail!(
            "{}: {} of {} claims do not hold",
            text.file,
            wrong + errors.len(),
            checked.len()
        );
    }
    Ok(())
}

fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(i) => text[..=i].to_string(),
        None => text.to_string(),
    }
}

/// `--out`, or `out/DEFAULT`; never the root folder.
fn out_folder(out: Option<PathBuf>, default: &str) -> Result<PathBuf> {
    let out = out.unwrap_or_else(|| Path::new("out").join(default));
    if is_root(&out) {
        return Err(bad(format!(
            "--out {}: refusing to write into the root folder; name a folder of its own",
            out.display()
        )));
    }
    Ok(out)
}

/// Refuses to write into `out` when it holds choreo's results (`held`, their file names):
/// they are not replaced silently.
fn refuse_earlier(out: &Path, held: &[&str]) -> Result<()> {
    if held.is_empty() {
        return Ok(());
    }
    Err(bad(format!(
        "{} holds the results of an earlier run or sweep ({}): add --force to replace them, or give another --out",
        out.display(),
        held.join(", ")
    )))
}

/// Whether `path` is the root folder (`/`, or a path that resolves to it).
fn is_root(path: &Path) -> bool {
    let resolved = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    resolved.has_root() && resolved.parent().is_none()
}

/// Reads and validates `arg` (a file, else a bundled scenario); its errors as [`rendered`].
fn load(arg: &str) -> Result<(bundled::Text, Loaded)> {
    let text = bundled::read(arg).map_err(|e| bad(e.to_string()))?;
    match text.load() {
        Ok(loaded) => Ok((text, loaded)),
        Err(e) => Err(bad(rendered(&text, &e.diagnostics))),
    }
}

/// Diagnostics as choreo prints them: each one's line, then the text it is about with the
/// span underlined and its field path, and a hint (in colour on a terminal).
fn rendered(text: &bundled::Text, diagnostics: &[Diagnostic]) -> String {
    use std::io::IsTerminal;
    let styled = std::io::stderr().is_terminal();
    let parts: Vec<String> = diagnostics
        .iter()
        .map(|d| d.render(&text.text, styled))
        .collect();
    parts.join("\n")
}

fn print_warnings(text: &bundled::Text, loaded: &Loaded) {
    if !loaded.warnings.is_empty() {
        eprintln!("{}", rendered(text, &loaded.warnings));
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
        sweep::SweepError::Interrupted { .. } => {
            anyhow::Error::new(cli::Interrupted(e.to_string()))
        }
        sweep::SweepError::Run { ref error, .. }
            if !matches!(**error, run::RunError::Runaway { .. }) =>
        {
            e.into()
        }
        e => bad(e.to_string()),
    }
}

/// The flag a Ctrl-C (or SIGTERM) sets, installed once; a second Ctrl-C quits at once.
fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    Arc::clone(FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let set = Arc::clone(&flag);
        let installed = ctrlc::set_handler(move || {
            if set.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!(
                "interrupted: stopping at the next event, keeping what was simulated (Ctrl-C again to quit at once)"
            );
        });
        if let Err(e) = installed {
            eprintln!("warning: Ctrl-C will not stop the run cleanly: {e}");
        }
        flag
    }))
}

/// The controls of a run: the interrupt, the in-flight guard, and the time reached per
/// architecture for the progress bar.
fn control(s: &Scenario, max_in_flight: u64) -> run::Control {
    run::Control {
        interrupt: Some(interrupt_flag()),
        max_in_flight: Some(max_in_flight),
        reached: Some(Arc::new(
            (0..s.architectures.len())
                .map(|_| AtomicU64::new(0))
                .collect(),
        )),
    }
}

/// After a run: says which architectures stopped before the horizon and why; an
/// interrupted run exits 130, one stopped by the in-flight guard 2.
fn stopped(s: &Scenario, reports: &[Report]) -> Result<()> {
    let mut interrupted = Vec::new();
    let mut overloaded = Vec::new();
    for a in reports.iter().flat_map(|r| &r.architectures) {
        let reached = format!("{:.1} s", a.simulated as f64 / NS_PER_S as f64);
        let at = format!(
            "at simulated time {reached} of {}",
            format_duration(s.horizon)
        );
        match a.stopped {
            Some(Stopped::Interrupted) => interrupted.push(format!("{reached} ({})", a.name)),
            Some(Stopped::InFlight { limit }) => overloaded.push(format!(
                "{}: stopped {at}: more than {limit} transactions in flight at once — the design is overloaded and its backlog grows without bound; the files hold what was simulated (simulated_s); --max-in-flight raises the limit",
                a.name
            )),
            None => {}
        }
    }
    if !interrupted.is_empty() {
        return Err(anyhow::Error::new(cli::Interrupted(format!(
            "interrupted at simulated time {} of {}; the files hold what was simulated until then (simulated_s)",
            interrupted.join(", "),
            format_duration(s.horizon)
        ))));
    }
    if !overloaded.is_empty() {
        overloaded.dedup();
        return Err(bad(overloaded.join("\n")));
    }
    Ok(())
}

fn run_command(
    s: &Scenario,
    selected: &[usize],
    options: &RunOptions,
    out: &Path,
    files: output::Files,
    report: bool,
) -> Result<()> {
    let bar = progress::run_bar(s, selected, &options.control);
    let summary = output::run_into(s, options, out, files).map_err(output_error);
    drop(bar);
    let summary = summary?;
    print!("{}", export::summary_table(&summary));
    println!("wrote {}", out.display());
    if report {
        report_command(out, Vec::new())?;
    }
    stopped(s, std::slice::from_ref(&summary))
}
