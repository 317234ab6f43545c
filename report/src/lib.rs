//! Charts and a report of a choreo output folder, read from its CSV files alone.
//!
//! [`write_report`] looks at what the folder holds:
//!
//! - a **run** (`choreo run`'s folder, with `summary.csv`): response- and done-time CDFs
//!   per architecture (from `quantiles.csv`), the itemised cost per architecture as
//!   stacked bars (`costs.csv`), function instances, server workers, queue depths and
//!   throughput over time (`timeseries.csv`);
//! - a **sweep** (`sweep.csv` and `manifest.json`): each chosen metric against the first
//!   varied parameter, a line per architecture, the 95 % confidence interval as a band
//!   (from `sweep_ci.csv`, when there are replications), small multiples for the other
//!   parameters' values, and the **break-even** points where two architectures' cost lines
//!   cross ([`BreakEven`]).
//!
//! It writes `DIR/report/*.svg` and `DIR/report/index.html`, which embeds every chart (as
//! a `data:` URI) and the summary table, so it can be mailed or opened anywhere on its own.
//! Every file is written to a temporary file beside it and renamed into place; charts an
//! earlier report left there and this one does not write are removed.
//!
//! [`compare`] sets two runs' summaries side by side.
//!
//! The crate reads files and draws; it runs nothing. Its only tie to the simulator is the
//! column table of `summary.csv` (for the charts' axis labels) and the atomic writer.

mod breakeven;
mod chart;
mod compare;
mod html;
mod run;
mod sweep;
mod table;

use std::path::{Path, PathBuf};

pub use breakeven::BreakEven;
pub use compare::{Comparison, MetricDiff, compare};

/// The metrics a sweep report charts unless told otherwise (`summary.csv` columns).
pub const DEFAULT_METRICS: [&str; 7] = [
    "response_p99_ms",
    "done_p99_ms",
    "cost_usd",
    "cost_per_million_usd",
    "cold_start_ratio",
    "throttled",
    "failed",
];

/// The folder's subfolder the report goes into.
pub const REPORT_DIR: &str = "report";

/// What kind of output folder was reported on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderKind {
    /// `choreo run`'s folder: `summary.csv` and the files beside it.
    Run,
    /// `choreo sweep`'s folder: `sweep.csv` and `manifest.json`.
    Sweep,
}

/// What a report should show.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// The sweep metrics to chart (`summary.csv` column names); empty: [`DEFAULT_METRICS`].
    /// Only for sweeps.
    pub metrics: Vec<String>,
}

/// What [`write_report`] wrote and found.
#[derive(Debug, Clone)]
pub struct ReportSummary {
    /// The kind of folder.
    pub kind: FolderKind,
    /// The chart files written, in the order index.html shows them.
    pub charts: Vec<PathBuf>,
    /// `DIR/report/index.html`.
    pub index: PathBuf,
    /// Where the cost lines of two architectures cross (sweeps over a numeric parameter).
    pub break_evens: Vec<BreakEven>,
    /// What could not be shown and why (a missing optional file, series left out).
    pub notes: Vec<String>,
}

/// Why a report or a comparison could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The folder holds neither a run (`summary.csv`) nor a sweep (`sweep.csv` and
    /// `manifest.json`). Bad input.
    #[error(
        "{}: not a choreo output folder: no summary.csv (a run) nor sweep.csv with manifest.json (a sweep)",
        .dir.display()
    )]
    NotAnOutputFolder {
        /// The folder.
        dir: PathBuf,
    },
    /// A comparison needs a run's `summary.csv`. Bad input.
    #[error("{}: no summary.csv: compare takes two run folders (choreo run --out DIR)", .dir.display())]
    NoSummary {
        /// The folder.
        dir: PathBuf,
    },
    /// A file could not be read. Bad input.
    #[error("{}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not what choreo writes (malformed CSV or JSON, a missing column, text
    /// where a number belongs). Bad input.
    #[error("{}{}: {message}", .path.display(), .line.map(|l| format!(":{l}")).unwrap_or_default())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// The line, where known.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// A metric asked for that the folder does not have, or that is no number. Bad input.
    #[error("--metric {metric}: {reason}; the numeric columns are: {}", .valid.join(", "))]
    UnknownMetric {
        /// The name given.
        metric: String,
        /// Why it cannot be charted.
        reason: String,
        /// The columns that can be.
        valid: Vec<String>,
    },
    /// Metrics were asked for a run, which has no parameter to chart them against. Bad
    /// input.
    #[error("{}: --metric applies to a sweep folder (sweep.csv); this is a run", .dir.display())]
    MetricsForRun {
        /// The folder.
        dir: PathBuf,
    },
    /// A report file could not be written (not the input's fault).
    #[error("writing {}: {source}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A chart could not be drawn (not the input's fault).
    #[error("drawing {chart}: {message}")]
    Chart {
        /// The chart's file name.
        chart: String,
        /// The drawing library's message.
        message: String,
    },
}

impl ReportError {
    /// Whether the error is in what the user gave (exit code 2) rather than in writing the
    /// report (1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ReportError::Write { .. } | ReportError::Chart { .. })
    }
}

/// Which kind of folder `dir` is, if any: a run wins when both are present.
pub fn folder_kind(dir: &Path) -> Option<FolderKind> {
    if dir.join("summary.csv").is_file() {
        Some(FolderKind::Run)
    } else if dir.join("sweep.csv").is_file() && dir.join("manifest.json").is_file() {
        Some(FolderKind::Sweep)
    } else {
        None
    }
}

/// Writes the report of the output folder `dir` with the default charts; see
/// [`write_report_with`].
pub fn write_report(dir: &Path) -> Result<ReportSummary, ReportError> {
    write_report_with(dir, &ReportOptions::default())
}

/// Writes the report of the output folder `dir` (a run or a sweep) into `dir/report/`:
/// one SVG per chart and `index.html` with all of them and the summary table. Nothing is
/// written when the input is bad.
pub fn write_report_with(
    dir: &Path,
    options: &ReportOptions,
) -> Result<ReportSummary, ReportError> {
    let kind = folder_kind(dir).ok_or_else(|| ReportError::NotAnOutputFolder {
        dir: dir.to_path_buf(),
    })?;
    // Everything is read and drawn before anything is written.
    let page = match kind {
        FolderKind::Run => {
            if !options.metrics.is_empty() {
                return Err(ReportError::MetricsForRun {
                    dir: dir.to_path_buf(),
                });
            }
            run::report(dir)?
        }
        FolderKind::Sweep => sweep::report(dir, &options.metrics)?,
    };
    let out = dir.join(REPORT_DIR);
    std::fs::create_dir_all(&out).map_err(|source| ReportError::Write {
        path: out.clone(),
        source,
    })?;
    let mut charts = Vec::new();
    for c in &page.charts {
        let path = out.join(&c.file);
        write_file(&path, c.svg.as_bytes())?;
        charts.push(path);
    }
    let index = out.join("index.html");
    write_file(&index, html::page(&page).as_bytes())?;
    remove_stale(&out, &page.charts)?;
    Ok(ReportSummary {
        kind,
        charts,
        index,
        break_evens: page.break_evens,
        notes: page.notes,
    })
}

/// The charts a run report may write.
pub(crate) const RUN_CHARTS: [&str; 7] = [
    "response_cdf.svg",
    "done_cdf.svg",
    "costs.svg",
    "instances.svg",
    "workers.svg",
    "queues.svg",
    "throughput.svg",
];

/// Removes the charts an earlier report left in `out` that this one did not write (a
/// metric no longer chosen, a file no longer there), so that the folder holds one
/// report; only names a report writes (those of [`RUN_CHARTS`], `sweep_*.svg`) are touched.
fn remove_stale(out: &Path, charts: &[Chart]) -> Result<(), ReportError> {
    let entries = std::fs::read_dir(out).map_err(|source| ReportError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let mut stale = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = RUN_CHARTS.contains(&name.as_str())
            || (name.starts_with("sweep_") && name.ends_with(".svg"));
        if ours && !charts.iter().any(|c| c.file == name) {
            stale.push(entry.path());
        }
    }
    // Sorted, so that an error names the same file every time.
    stale.sort();
    for path in stale {
        std::fs::remove_file(&path).map_err(|source| ReportError::Write { path, source })?;
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    choreo_sim::export::write_atomic(path, |w| w.write_all(bytes)).map_err(|source| {
        ReportError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// One chart, drawn.
#[derive(Debug, Clone)]
pub(crate) struct Chart {
    /// File name under `report/`.
    pub file: String,
    /// Heading in index.html.
    pub title: String,
    /// What it shows, one or two sentences for index.html.
    pub caption: String,
    /// The SVG text.
    pub svg: String,
}

/// Everything index.html shows, gathered before anything is written.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    /// The folder's kind.
    pub kind: FolderKind,
    /// Title (the scenario's name and the folder's kind).
    pub title: String,
    /// Lines under the title (horizon, seeds, the sweep's parameters).
    pub about: Vec<String>,
    /// The charts, in order.
    pub charts: Vec<Chart>,
    /// The summary table: heading, header row, rows (as written in the CSV).
    pub table: HtmlTable,
    /// Break-even points.
    pub break_evens: Vec<BreakEven>,
    /// What could not be shown.
    pub notes: Vec<String>,
}

/// A table for index.html.
#[derive(Debug, Clone)]
pub(crate) struct HtmlTable {
    /// Heading above it.
    pub heading: String,
    /// What it is, one sentence.
    pub caption: String,
    /// Its header row.
    pub header: Vec<String>,
    /// Its rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

/// Draws a chart, naming its file in any error.
pub(crate) fn draw(
    file: &str,
    title: &str,
    caption: String,
    svg: Result<String, chart::ChartError>,
) -> Result<Chart, ReportError> {
    let svg = svg.map_err(|e| ReportError::Chart {
        chart: file.to_string(),
        message: e.0,
    })?;
    Ok(Chart {
        file: file.to_string(),
        title: title.to_string(),
        caption,
        svg,
    })
}

/// The label of a `summary.csv` column for an axis: the terminal table's label (with its
/// unit), else the name with the unit.
pub(crate) fn column_label(name: &str) -> String {
    use choreo_sim::report::{SUMMARY, Shown};
    match SUMMARY.iter().find(|c| c.name == name) {
        Some(c) => match c.shown {
            Shown::Always(l) | Shown::WithFaults(l) => l.to_string(),
            Shown::FileOnly if c.unit.is_empty() => c.name.replace('_', " "),
            Shown::FileOnly => format!("{} [{}]", c.name.replace('_', " "), c.unit),
        },
        None => name.to_string(),
    }
}
