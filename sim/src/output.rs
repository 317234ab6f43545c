//! `choreo run`'s output folder: every architecture run with its optional writers, then
//! each file written to a temporary file and renamed into place, so a run that fails
//! part-way leaves no half-written file under a final name and the files of an earlier
//! run intact.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, Write};
use std::path::Path;

use crate::batch;
use crate::export::{self, TraceWriter, TransactionWriter};
use crate::observe::{Observer, SimEvent};
use crate::report::{self, Report};
use crate::run::{self, RunError, RunOptions};
use crate::scenario::Scenario;

/// The files written only on request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Files {
    /// `transactions.csv`, one row per finished transaction.
    pub transactions: bool,
    /// `events.csv`, one row per simulation event.
    pub trace: bool,
}

/// Why writing a run's output failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The run itself failed.
    #[error(transparent)]
    Run(Box<RunError>),
    /// A file could not be written (or an earlier run's removed).
    #[error("{what}")]
    Io {
        /// What was being done, naming the path.
        what: String,
        /// The error.
        #[source]
        source: io::Error,
    },
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> OutputError {
    let what = what.into();
    move |source| OutputError::Io { what, source }
}

/// The files `choreo run` writes only on request, with the header row each starts with, so
/// that a later run into the same folder can remove those it does not write — and only if
/// choreo wrote them.
pub const OPTIONAL_FILES: [(&str, &[&str]); 3] = [
    ("transactions.csv", &export::TRANSACTION_COLUMNS),
    ("events.csv", &export::TRACE_COLUMNS),
    ("summary_ci.csv", &crate::batch::CI_COLUMNS),
];

/// The files every `choreo run` writes.
pub const RUN_FILES: [&str; 5] = [
    "summary.csv",
    "quantiles.csv",
    "costs.csv",
    "timeseries.csv",
    "isolation.csv",
];

/// The results of an earlier run or sweep that `out` holds: the names of choreo's files
/// found there (a run's, [`crate::batch::sweep::FILES`] of a sweep's), in that order.
#[must_use]
pub fn earlier_results(out: &Path) -> Vec<&'static str> {
    // An optional file counts only if choreo wrote it (its header), as for removal.
    let optional = OPTIONAL_FILES
        .iter()
        .filter(|(name, header)| written_by_choreo(&out.join(name), header))
        .map(|(name, _)| *name);
    let exists = |name: &&str| out.join(name).exists();
    let mut held: Vec<&'static str> = RUN_FILES.into_iter().filter(exists).collect();
    held.extend(optional);
    held.extend(crate::batch::sweep::FILES.into_iter().filter(exists));
    held
}

/// Per-architecture writers of the optional files, each into an anonymous temporary file;
/// they are joined in architecture order when the run is done.
struct Writers {
    transactions: Option<TransactionWriter<File>>,
    trace: Option<TraceWriter<File>>,
    error: Option<io::Error>,
}

impl Observer for Writers {
    fn on_event(&mut self, time: crate::engine::SimTime, event: &SimEvent) {
        self.transactions.on_event(time, event);
        self.trace.on_event(time, event);
    }

    fn on_events(&mut self, events: &[(crate::engine::SimTime, SimEvent)]) {
        self.transactions.on_events(events);
        self.trace.on_events(events);
    }

    fn finish(&mut self) -> io::Result<()> {
        self.transactions.finish().and(self.trace.finish())
    }
}

/// Runs `scenario` as `options` say and writes its files into `out` (created if need be):
/// summary, quantiles, costs, timeseries and isolation, and the optional `files`; removes
/// optional files an earlier run left there. Returns the report (for the terminal table).
pub fn run_into(
    scenario: &Scenario,
    options: &RunOptions,
    out: &Path,
    files: Files,
) -> Result<Report, OutputError> {
    std::fs::create_dir_all(out).map_err(io_error(format!("creating {}", out.display())))?;
    // Without optional files, no writer observes the run (it would cost a call per event).
    let wanted = files.transactions || files.trace;
    let make = |i: usize| {
        if !wanted {
            return None;
        }
        let arch = &scenario.architectures[i];
        let mut error = None;
        let mut file = || tempfile::tempfile().map_err(|e| error = Some(e)).ok();
        let transactions = if files.transactions { file() } else { None };
        let trace = if files.trace { file() } else { None };
        Some(Writers {
            transactions: transactions
                .map(|f| TransactionWriter::new(f, scenario, &arch.name, false)),
            trace: trace.map(|f| TraceWriter::new(f, arch, false)),
            error,
        })
    };
    let (report, writers) = run::run_scenario_with(scenario, options, make)
        .map_err(|e| OutputError::Run(Box::new(e)))?;
    let write = |file: &str, f: &dyn Fn(&mut dyn Write) -> io::Result<()>| {
        let path = out.join(file);
        export::write_atomic(&path, f).map_err(io_error(format!("writing {}", path.display())))
    };
    write("summary.csv", &|w| export::write_summary(&report, w))?;
    write("quantiles.csv", &|w| export::write_quantiles(&report, w))?;
    write("costs.csv", &|w| export::write_costs(&report, w))?;
    write("timeseries.csv", &|w| export::write_timeseries(&report, w))?;
    write("isolation.csv", &|w| export::write_isolation(&report, w))?;
    let mut parts_tx = Vec::new();
    let mut parts_trace = Vec::new();
    for w in writers.into_iter().flatten() {
        if let Some(e) = w.error {
            return Err(io_error("creating a temporary file")(e));
        }
        if let Some(t) = w.transactions {
            parts_tx.push(t.into_inner().map_err(io_error("writing transactions"))?);
        }
        if let Some(t) = w.trace {
            parts_trace.push(t.into_inner().map_err(io_error("writing events"))?);
        }
    }
    if files.transactions {
        write("transactions.csv", &|w| {
            concatenate(w, &export::TRANSACTION_COLUMNS, &parts_tx)
        })?;
    }
    if files.trace {
        write("events.csv", &|w| {
            concatenate(w, &export::TRACE_COLUMNS, &parts_trace)
        })?;
    }
    remove_leftovers(out, [files.transactions, files.trace, false])?;
    Ok(report)
}

/// Runs `replications` replications of `scenario` (replication `r` with the seed
/// [`batch::replication_seed`] gives) on `jobs` threads and writes `out` as [`run_into`]
/// does for the first, except `summary.csv`: one row per replication and architecture, a
/// `replication` column first; and `summary_ci.csv`, each metric's mean, standard deviation
/// and 95% confidence half-width over the replications. Returns the reports in replication
/// order.
pub fn run_replications_into(
    scenario: &Scenario,
    options: &RunOptions,
    out: &Path,
    files: Files,
    replications: u32,
    jobs: usize,
) -> Result<Vec<Report>, OutputError> {
    let first = run_into(scenario, options, out, files)?;
    let sequential = RunOptions {
        sequential: true,
        ..options.clone()
    };
    let mut reports: Vec<Option<Report>> = (2..=replications).map(|_| None).collect();
    let mut failure = None;
    batch::pool::run(
        jobs,
        (2..=replications).collect(),
        |&r| {
            let mut s = scenario.clone();
            s.seed = batch::replication_seed(scenario.seed, r);
            run::run_scenario(&s, &sequential)
        },
        |i, result| match result {
            Ok(report) => {
                reports[i] = Some(report);
                true
            }
            Err(e) => {
                failure = Some(OutputError::Run(Box::new(e)));
                false
            }
        },
    );
    if let Some(e) = failure {
        return Err(e);
    }
    let mut all = vec![first];
    all.extend(reports.into_iter().flatten());
    let rows: Vec<Vec<String>> = all.iter().flat_map(report::summary_rows).collect();
    let path = out.join("summary.csv");
    export::write_atomic(&path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        let mut header = vec!["replication"];
        header.extend(report::summary_header());
        csv.write_record(&header).map_err(io::Error::other)?;
        for (r, report) in all.iter().enumerate() {
            for row in report::summary_rows(report) {
                let mut rec = vec![(r + 1).to_string()];
                rec.extend(row);
                csv.write_record(&rec).map_err(io::Error::other)?;
            }
        }
        csv.flush()
    })
    .map_err(io_error(format!("writing {}", path.display())))?;
    let path = out.join("summary_ci.csv");
    export::write_atomic(&path, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(batch::CI_COLUMNS)
            .map_err(io::Error::other)?;
        for rec in batch::ci_rows(&rows) {
            csv.write_record(&rec).map_err(io::Error::other)?;
        }
        csv.flush()
    })
    .map_err(io_error(format!("writing {}", path.display())))?;
    Ok(all)
}

/// Removes the optional files a run did not write (`wanted` false) but an earlier run into
/// the same folder did, so that the folder holds one run's files. A file is removed only if
/// it begins with the header choreo writes; any other file of that name is left alone.
fn remove_leftovers(out: &Path, wanted: [bool; 3]) -> Result<(), OutputError> {
    for ((file, header), wanted) in OPTIONAL_FILES.iter().zip(wanted) {
        let path = out.join(file);
        if wanted || !written_by_choreo(&path, header) {
            continue;
        }
        std::fs::remove_file(&path).map_err(io_error(format!(
            "removing {} from an earlier run",
            path.display()
        )))?;
    }
    Ok(())
}

/// Whether the file at `path` starts with the header row `header`.
fn written_by_choreo(path: &Path, header: &[&str]) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut first = String::new();
    // A header is short: a file of that name whose first 4 KB hold no line end is not ours.
    match io::BufReader::new(file.take(4096)).read_line(&mut first) {
        Ok(_) => first.trim_end_matches(['\n', '\r']) == header.join(","),
        Err(_) => false,
    }
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
