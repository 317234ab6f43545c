//! A run's charts: latency CDFs (quantiles.csv), the itemised bill (costs.csv), and
//! instances, workers, queue depths and throughput over time (timeseries.csv).

use std::collections::HashMap;
use std::path::Path;

use crate::chart::{self, Bars, Figure, Line, Panel, XScale};
use crate::table::Table;
use crate::{Chart, HtmlTable, Page, ReportError, draw};

/// Most lines a timeseries chart shows (the largest by peak); the palette's size, so that
/// no two share a colour.
const MAX_SERIES: usize = 10;
/// More points than this in a series are averaged in buckets down to about half as many.
const MAX_POINTS: usize = 1500;
/// Named segments of the cost bars; the rest are summed as "other".
const MAX_SEGMENTS: usize = 9;

/// Reads a run folder and draws its charts.
pub(crate) fn report(dir: &Path) -> Result<Page, ReportError> {
    let summary = Table::read(&dir.join("summary.csv"))?;
    let arch_col = summary.col("architecture")?;
    let mut architectures: Vec<String> = Vec::new();
    for row in &summary.rows {
        if !architectures.contains(&row[arch_col]) {
            architectures.push(row[arch_col].clone());
        }
    }
    let first = |name: &str| -> Option<String> {
        let c = summary.find(name)?;
        summary.rows.first().map(|r| r[c].clone())
    };
    let scenario = first("scenario").unwrap_or_default();
    let mut about = Vec::new();
    if let (Some(seed), Some(h)) = (first("seed"), first("horizon_s")) {
        about.push(format!(
            "A run: seed {seed}, horizon {h} s; architectures {}.",
            architectures.join(", ")
        ));
    }
    let mut notes = Vec::new();
    let mut charts = Vec::new();
    let arch_color =
        |name: &str| chart::color(architectures.iter().position(|a| a == name).unwrap_or(0));

    let quantiles = dir.join("quantiles.csv");
    if quantiles.is_file() {
        let q = Table::read(&quantiles)?;
        for (metric, file, title, x_desc, what) in [
            (
                "response",
                "response_cdf.svg",
                "Response time CDF",
                "response time [ms]",
                "successful responses",
            ),
            (
                "done",
                "done_cdf.svg",
                "Done time CDF",
                "done time [ms]",
                "completed transactions",
            ),
        ] {
            let fig = cdf(&q, metric, title, x_desc, what, &architectures, &arch_color)?;
            let caption = format!(
                "The fraction of {what} within a time, one line per architecture (quantiles.csv: \
                 0 to 0.99 by 0.01, then 0.999, 0.9999 and the largest value){}.",
                if fig.scale == XScale::Log {
                    "; the time axis is logarithmic"
                } else {
                    ""
                }
            );
            charts.push(draw(file, title, caption, chart::line_figure(&fig))?);
        }
    } else {
        notes.push(
            "quantiles.csv is missing (a run by an older choreo): no latency CDFs.".to_string(),
        );
    }

    let costs = dir.join("costs.csv");
    if costs.is_file() {
        charts.push(cost_bars(&Table::read(&costs)?, &architectures)?);
    } else {
        notes.push("costs.csv is missing: no cost chart.".to_string());
    }

    let timeseries = dir.join("timeseries.csv");
    if timeseries.is_file() {
        let (series_charts, series_notes) = series_charts(&timeseries, &architectures)?;
        charts.extend(series_charts);
        notes.extend(series_notes);
    } else {
        notes.push("timeseries.csv is missing: no charts over time.".to_string());
    }

    Ok(Page {
        kind: crate::FolderKind::Run,
        title: format!("{scenario}: run report"),
        about,
        charts,
        table: summary_table(&summary)?,
        break_evens: Vec::new(),
        notes,
    })
}

/// summary.csv turned on its side, like the terminal table: a row per column, a column per
/// architecture (and replication, when the file has them); every cell as written.
fn summary_table(summary: &Table) -> Result<HtmlTable, ReportError> {
    let arch = summary.col("architecture")?;
    let replication = summary.find("replication");
    let mut header = vec!["column".to_string()];
    for row in &summary.rows {
        header.push(match replication {
            Some(r) => format!("{} (replication {})", row[arch], row[r]),
            None => row[arch].clone(),
        });
    }
    let rows = summary
        .header
        .iter()
        .enumerate()
        .map(|(c, name)| {
            std::iter::once(name.clone())
                .chain(summary.rows.iter().map(|r| r[c].clone()))
                .collect()
        })
        .collect();
    Ok(HtmlTable {
        heading: "Summary".to_string(),
        caption: "summary.csv, a column per architecture (docs/scenarios.md lists every row's \
                  meaning); an empty cell is no value."
            .to_string(),
        header,
        rows,
    })
}

fn cdf(
    q: &Table,
    metric: &str,
    title: &str,
    x_desc: &str,
    what: &str,
    architectures: &[String],
    arch_color: &dyn Fn(&str) -> plotters::style::RGBColor,
) -> Result<Figure, ReportError> {
    let (a, m, qc, v) = (
        q.col("architecture")?,
        q.col("metric")?,
        q.col("quantile")?,
        q.col("value_ms")?,
    );
    let mut lines: Vec<Line> = Vec::new();
    for arch in architectures {
        let mut points = Vec::new();
        for (i, row) in q.rows.iter().enumerate() {
            if row[a] != *arch || row[m] != metric {
                continue;
            }
            let (Some(quantile), Some(value)) = (q.number(i, qc)?, q.number(i, v)?) else {
                continue;
            };
            points.push((value, quantile));
        }
        lines.push(Line {
            name: arch.clone(),
            color: arch_color(arch),
            points,
            band: Vec::new(),
            dots: false,
        });
    }
    let values = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let scale = if spans_decades(values) {
        XScale::Log
    } else {
        XScale::Linear
    };
    let legend = lines.iter().map(|l| (l.name.clone(), l.color)).collect();
    let empty: Vec<&str> = lines
        .iter()
        .filter(|l| l.points.is_empty())
        .map(|l| l.name.as_str())
        .collect();
    let note = (!empty.is_empty()).then(|| format!("no {what}: {}", empty.join(", ")));
    Ok(Figure {
        title: title.to_string(),
        x_desc: x_desc.to_string(),
        scale,
        y_desc: format!("fraction of {what}"),
        y_bounds: Some((0.0, 1.02)),
        y_from_zero: true,
        panels: vec![Panel {
            title: String::new(),
            lines,
            markers: Vec::new(),
        }],
        legend,
        note,
    })
}

/// Whether positive values span more than two decades (then a log axis shows them).
pub(crate) fn spans_decades(values: impl Iterator<Item = f64>) -> bool {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for v in values {
        if v <= 0.0 {
            return false;
        }
        lo = lo.min(v);
        hi = hi.max(v);
    }
    lo.is_finite() && hi / lo > 100.0
}

fn cost_bars(costs: &Table, architectures: &[String]) -> Result<Chart, ReportError> {
    let (a, comp, item, cost) = (
        costs.col("architecture")?,
        costs.col("component")?,
        costs.col("item")?,
        costs.col("cost_usd")?,
    );
    // Segment name → cost per architecture, in first-seen order.
    let mut names: Vec<String> = Vec::new();
    let mut values: Vec<Vec<f64>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut categories: Vec<String> = architectures.to_vec();
    for (i, row) in costs.rows.iter().enumerate() {
        let Some(usd) = costs.number(i, cost)? else {
            continue;
        };
        let arch = match categories.iter().position(|c| *c == row[a]) {
            Some(p) => p,
            None => {
                categories.push(row[a].clone());
                categories.len() - 1
            }
        };
        let name = format!("{} · {}", row[comp], row[item]);
        let s = *index.entry(name.clone()).or_insert_with(|| {
            names.push(name);
            values.push(Vec::new());
            names.len() - 1
        });
        if values[s].len() < categories.len() {
            values[s].resize(categories.len(), 0.0);
        }
        values[s][arch] += usd;
    }
    for v in &mut values {
        v.resize(categories.len(), 0.0);
    }
    // The largest items by total get a segment each, the rest one "other".
    let mut order: Vec<usize> = (0..names.len()).collect();
    let total = |s: usize| values[s].iter().sum::<f64>();
    order.sort_by(|&x, &y| total(y).total_cmp(&total(x)).then(x.cmp(&y)));
    order.retain(|&s| total(s) > 0.0);
    let mut segments = Vec::new();
    let mut other = vec![0.0; categories.len()];
    let mut others = 0;
    for (rank, &s) in order.iter().enumerate() {
        if rank < MAX_SEGMENTS {
            segments.push((names[s].clone(), chart::color(rank), values[s].clone()));
        } else {
            others += 1;
            for (o, v) in other.iter_mut().zip(&values[s]) {
                *o += v;
            }
        }
    }
    if others > 0 {
        segments.push((
            format!("other ({others} items)"),
            plotters::style::RGBColor(0x80, 0x80, 0x80),
            other,
        ));
    }
    let bars = Bars {
        title: "Cost by item".to_string(),
        categories,
        segments,
        y_desc: "cost over the run [USD]".to_string(),
        total: |v| format!("${}", chart::short(v)),
        note: None,
    };
    draw(
        "costs.svg",
        "Cost by item",
        format!(
            "The bill of each architecture over the run (costs.csv), a segment per billed item \
             (component · item), the {MAX_SEGMENTS} largest named and the rest as \"other\"; \
             the total above each bar."
        ),
        chart::bar_figure(&bars),
    )
}

/// What a timeseries line is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// Function instances: starting + busy + idle.
    Instances,
    /// Server workers busy.
    WorkersBusy,
    /// Server workers of the instances up.
    WorkersUp,
    /// Queue messages visible.
    Visible,
    /// Server requests waiting for a worker.
    Backlog,
    /// Transactions completed per second.
    Completed,
    /// Transactions arrived per second.
    Arrived,
}

impl Kind {
    fn of(component: &str, metric: &str) -> Option<Kind> {
        Some(match (component == "all", metric) {
            (false, "instances_starting" | "instances_busy" | "instances_idle") => Kind::Instances,
            (false, "workers_busy") => Kind::WorkersBusy,
            (false, "workers") => Kind::WorkersUp,
            (false, "visible") => Kind::Visible,
            (false, "backlog") => Kind::Backlog,
            (true, "completed") => Kind::Completed,
            (true, "arrived") => Kind::Arrived,
            _ => return None,
        })
    }

    fn suffix(self) -> &'static str {
        match self {
            Kind::Instances | Kind::Visible | Kind::Completed => "",
            Kind::WorkersBusy => " busy",
            Kind::WorkersUp => " up",
            Kind::Backlog => " backlog",
            Kind::Arrived => " arrivals",
        }
    }
}

/// One series read from timeseries.csv: (time [s], value), summed over the metrics of its
/// kind at each time.
struct Series {
    architecture: String,
    component: String,
    kind: Kind,
    points: Vec<(f64, f64)>,
}

fn series_charts(
    path: &Path,
    architectures: &[String],
) -> Result<(Vec<Chart>, Vec<String>), ReportError> {
    let series = read_series(path)?;
    let t_max = series
        .iter()
        .flat_map(|s| s.points.last().map(|p| p.0))
        .fold(0.0, f64::max);
    let (unit, per) = if t_max <= 600.0 {
        ("s", 1.0)
    } else if t_max <= 3.0 * 3600.0 {
        ("min", 60.0)
    } else {
        ("h", 3600.0)
    };
    let arch_rank = |a: &str| {
        architectures
            .iter()
            .position(|x| x == a)
            .unwrap_or(usize::MAX)
    };
    let mut charts = Vec::new();
    let mut notes = Vec::new();
    let specs: [(&str, &str, &[Kind], &str, &str); 4] = [
        (
            "instances.svg",
            "Function instances",
            &[Kind::Instances],
            "instances (starting + busy + idle)",
            "Function instances over time, starting, busy or idle (timeseries.csv), a line per \
             function.",
        ),
        (
            "workers.svg",
            "Server workers",
            &[Kind::WorkersBusy, Kind::WorkersUp],
            "workers",
            "Server workers busy, and the workers of the instances up (they change with crashes \
             and autoscaling), a line each per server (timeseries.csv).",
        ),
        (
            "queues.svg",
            "Queue depths",
            &[Kind::Visible, Kind::Backlog],
            "messages or requests waiting",
            "Messages waiting in each queue (visible) and requests waiting for a server worker \
             (backlog), at the end of each interval (timeseries.csv).",
        ),
        (
            "throughput.svg",
            "Throughput",
            &[Kind::Completed, Kind::Arrived],
            "transactions per second",
            "Transactions completed per second in each interval, per architecture, and the \
             arrivals (the same for every architecture) (timeseries.csv).",
        ),
    ];
    for (file, title, kinds, y_desc, caption) in specs {
        let mut chosen: Vec<&Series> = series
            .iter()
            .filter(|s| kinds.contains(&s.kind))
            // Arrivals once: every architecture sees the same.
            .filter(|s| {
                s.kind != Kind::Arrived
                    || series
                        .iter()
                        .find(|x| x.kind == Kind::Arrived)
                        .is_some_and(|x| std::ptr::eq(x, *s))
            })
            .collect();
        if chosen.is_empty() {
            notes.push(format!(
                "No {} in timeseries.csv: no {file}.",
                title.to_lowercase()
            ));
            continue;
        }
        let found = chosen.len();
        if found > MAX_SERIES {
            let peak = |s: &Series| s.points.iter().map(|p| p.1).fold(0.0, f64::max);
            let mut by_peak: Vec<usize> = (0..found).collect();
            by_peak.sort_by(|&x, &y| peak(chosen[y]).total_cmp(&peak(chosen[x])).then(x.cmp(&y)));
            by_peak.truncate(MAX_SERIES);
            by_peak.sort_unstable();
            chosen = by_peak.into_iter().map(|i| chosen[i]).collect();
        }
        chosen.sort_by_key(|s| arch_rank(&s.architecture));
        let mut averaged = false;
        let lines: Vec<Line> = chosen
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let name = match s.kind {
                    Kind::Completed => s.architecture.clone(),
                    Kind::Arrived => "arrivals".to_string(),
                    _ => format!("{} · {}{}", s.architecture, s.component, s.kind.suffix()),
                };
                let color = match s.kind {
                    Kind::Completed => chart::color(arch_rank(&s.architecture).min(9)),
                    Kind::Arrived => plotters::style::RGBColor(0x80, 0x80, 0x80),
                    _ => chart::color(i),
                };
                let points: Vec<(f64, f64)> = s.points.iter().map(|&(t, v)| (t / per, v)).collect();
                let (points, coarse) = decimate(points);
                averaged |= coarse;
                Line {
                    name,
                    color,
                    points,
                    band: Vec::new(),
                    dots: false,
                }
            })
            .collect();
        let mut note = Vec::new();
        if found > lines.len() {
            note.push(format!(
                "{} of {found} series shown: those with the highest peaks.",
                lines.len()
            ));
        }
        if averaged {
            note.push(format!(
                "More than {MAX_POINTS} intervals: averaged in buckets of several."
            ));
        }
        let fig = Figure {
            title: title.to_string(),
            x_desc: format!("time [{unit}]"),
            scale: XScale::Linear,
            y_desc: y_desc.to_string(),
            y_bounds: None,
            y_from_zero: true,
            legend: lines.iter().map(|l| (l.name.clone(), l.color)).collect(),
            panels: vec![Panel {
                title: String::new(),
                lines,
                markers: Vec::new(),
            }],
            note: (!note.is_empty()).then(|| note.join(" ")),
        };
        charts.push(draw(
            file,
            title,
            caption.to_string(),
            chart::line_figure(&fig),
        )?);
    }
    Ok((charts, notes))
}

/// Reads the series the charts need from timeseries.csv, streaming (the file can be large).
/// Counts per interval (completed, arrived) become rates per second.
fn read_series(path: &Path) -> Result<Vec<Series>, ReportError> {
    let file = std::fs::File::open(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::Reader::from_reader(std::io::BufReader::new(file));
    let bad = |line: Option<u64>, message: String| ReportError::BadFile {
        path: path.to_path_buf(),
        line,
        message,
    };
    let header = reader
        .headers()
        .map_err(|e| bad(Some(1), e.to_string()))?
        .clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(Some(1), format!("no column `{name}` in the header")))
    };
    let (a, t, c, m, v) = (
        col("architecture")?,
        col("time_s")?,
        col("component")?,
        col("metric")?,
        col("value")?,
    );
    let mut series: Vec<Series> = Vec::new();
    // (architecture, component, kind) → index into `series`; looked up, never iterated.
    let mut index: HashMap<(String, String, Kind), usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                return Err(bad(line, e.to_string()));
            }
        }
        let line = record.position().map(|p| p.line());
        let Some(kind) = Kind::of(&record[c], &record[m]) else {
            continue;
        };
        let number = |i: usize| -> Result<Option<f64>, ReportError> {
            let text = record[i].trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    bad(
                        line,
                        format!("`{text}` in column `{}` is not a number", &header[i]),
                    )
                })
        };
        let (Some(time), Some(value)) = (number(t)?, number(v)?) else {
            continue;
        };
        let key = (record[a].to_string(), record[c].to_string(), kind);
        let s = match index.get(&key) {
            Some(&s) => s,
            None => {
                series.push(Series {
                    architecture: key.0.clone(),
                    component: key.1.clone(),
                    kind,
                    points: Vec::new(),
                });
                index.insert(key, series.len() - 1);
                series.len() - 1
            }
        };
        let points = &mut series[s].points;
        match points.last_mut() {
            Some(last) if last.0 == time => last.1 += value,
            Some(last) if time < last.0 => {
                return Err(bad(
                    line,
                    format!("time_s {time} before {}: rows out of time order", last.0),
                ));
            }
            _ => points.push((time, value)),
        }
    }
    for s in &mut series {
        if matches!(s.kind, Kind::Completed | Kind::Arrived) {
            let mut previous = 0.0;
            for p in &mut s.points {
                let length = p.0 - previous;
                previous = p.0;
                p.1 = if length > 0.0 { p.1 / length } else { 0.0 };
            }
        }
    }
    Ok(series)
}

/// More than [`MAX_POINTS`] points are averaged in equal buckets down to at most half that
/// many (time and value both); says whether it did.
fn decimate(points: Vec<(f64, f64)>) -> (Vec<(f64, f64)>, bool) {
    if points.len() <= MAX_POINTS {
        return (points, false);
    }
    let bucket = points.len().div_ceil(MAX_POINTS / 2);
    let out = points
        .chunks(bucket)
        .map(|chunk| {
            let n = chunk.len() as f64;
            let t = chunk.iter().map(|p| p.0).sum::<f64>() / n;
            let v = chunk.iter().map(|p| p.1).sum::<f64>() / n;
            (t, v)
        })
        .collect();
    (out, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimating_averages_buckets_and_keeps_the_mean() {
        let points: Vec<(f64, f64)> = (0..3000).map(|i| (i as f64, (i % 2) as f64)).collect();
        let (out, coarse) = decimate(points);
        assert!(coarse);
        assert!(out.len() <= MAX_POINTS / 2, "{}", out.len());
        assert!(out.iter().all(|p| (p.1 - 0.5).abs() < 1e-9));
    }

    #[test]
    fn two_decades_are_not_enough_for_a_log_axis() {
        assert!(!spans_decades([1.0, 100.0].into_iter()));
        assert!(spans_decades([1.0, 100.5].into_iter()));
        assert!(!spans_decades([0.0, 1000.0].into_iter()));
    }
}
