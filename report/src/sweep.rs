//! A sweep's charts: each metric against the first varied parameter, a line per
//! architecture (the mean over replications) with its 95 % confidence band
//! (`sweep_ci.csv`), small multiples for the other parameters' values, and the break-even
//! points of the cost lines.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::breakeven::{self, BreakEven, MONTH_S, PairPoint};
use crate::chart::{self, Figure, Line, Marker, Panel, XScale};
use crate::run::spans_decades;
use crate::table::{Table, numeric_column};
use crate::{DEFAULT_METRICS, HtmlTable, Page, ReportError, column_label, draw};

/// Most panels of a chart (the first, in sweep order; the page says so).
const MAX_PANELS: usize = 24;

/// Most rows of the sweep table in index.html (sweep.csv has them all).
const MAX_TABLE_ROWS: usize = 1000;

/// `manifest.json`, the fields the report reads (others are ignored).
#[derive(Debug, Deserialize)]
struct Manifest {
    choreo: Option<String>,
    scenario: Option<String>,
    vary: Vec<Vary>,
    replications: Option<u64>,
    points: Option<u64>,
    done: Option<serde_json::Value>,
    shard: Option<Shard>,
}

#[derive(Debug, Deserialize)]
struct Vary {
    path: String,
    values: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Shard {
    k: u64,
    n: u64,
}

/// A JSON value as the text a user wrote it as: a string as is, a number in its shortest
/// form.
fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The sweep, read and grouped: points in file order, each with its parameter values, and
/// the rows of each (point, architecture).
struct Sweep {
    table: Table,
    paths: Vec<String>,
    /// The column of each path.
    path_cols: Vec<usize>,
    /// Point id (as written) and its parameter values (one per path).
    points: Vec<(String, Vec<String>)>,
    architectures: Vec<String>,
    /// (point, architecture) → data rows; looked up, never iterated.
    cells: HashMap<(usize, usize), Vec<usize>>,
}

impl Sweep {
    /// The mean of `col` over the replications of (point, architecture); `None` without a
    /// value.
    fn mean(&self, point: usize, arch: usize, col: usize) -> Result<Option<f64>, ReportError> {
        let Some(rows) = self.cells.get(&(point, arch)) else {
            return Ok(None);
        };
        let mut sum = 0.0;
        let mut n = 0;
        for &r in rows {
            if let Some(v) = self.table.number(r, col)? {
                sum += v;
                n += 1;
            }
        }
        Ok((n > 0).then(|| sum / n as f64))
    }

    /// The mean over replications of `cost_usd` × 30 days / `horizon_s`.
    fn month(
        &self,
        point: usize,
        arch: usize,
        cost: usize,
        horizon: usize,
    ) -> Result<Option<f64>, ReportError> {
        let Some(rows) = self.cells.get(&(point, arch)) else {
            return Ok(None);
        };
        let mut sum = 0.0;
        let mut n = 0;
        for &r in rows {
            if let (Some(c), Some(h)) =
                (self.table.number(r, cost)?, self.table.number(r, horizon)?)
                && h > 0.0
            {
                sum += c * MONTH_S / h;
                n += 1;
            }
        }
        Ok((n > 0).then(|| sum / n as f64))
    }
}

/// Reads a sweep folder and draws its charts; `metrics` empty: the default set.
pub(crate) fn report(dir: &Path, metrics: &[String]) -> Result<Page, ReportError> {
    let manifest_path = dir.join("manifest.json");
    let manifest_text =
        std::fs::read_to_string(&manifest_path).map_err(|source| ReportError::Read {
            path: manifest_path.clone(),
            source,
        })?;
    let manifest: Manifest =
        serde_json::from_str(&manifest_text).map_err(|e| ReportError::BadFile {
            path: manifest_path.clone(),
            line: Some(e.line() as u64),
            message: e.to_string(),
        })?;
    if manifest.vary.is_empty() {
        return Err(ReportError::BadFile {
            path: manifest_path,
            line: None,
            message: "`vary` names no parameter".to_string(),
        });
    }
    let sweep = read_sweep(&dir.join("sweep.csv"), &manifest)?;
    let mut notes = Vec::new();

    // The metrics: those asked for (each must be a numeric column), or the default set
    // (those present).
    let fixed: Vec<&str> = ["point", "replication", "seed", "scenario", "architecture"].into();
    let valid: Vec<String> = sweep
        .table
        .header
        .iter()
        .enumerate()
        .filter(|(c, h)| {
            !fixed.contains(&h.as_str())
                && !sweep.path_cols.contains(c)
                && numeric_column(&sweep.table, *c)
        })
        .map(|(_, h)| h.clone())
        .collect();
    let mut chosen: Vec<(String, usize)> = Vec::new();
    if metrics.is_empty() {
        for m in DEFAULT_METRICS {
            match sweep.table.find(m) {
                Some(c) => chosen.push((m.to_string(), c)),
                None => notes.push(format!("sweep.csv has no column {m}: not charted.")),
            }
        }
    } else {
        for m in metrics {
            let reason = match sweep.table.find(m) {
                None => Some("sweep.csv has no such column".to_string()),
                Some(_) if !valid.contains(m) => {
                    Some("not a numeric column (a parameter, a name or no values)".to_string())
                }
                Some(c) => {
                    if !chosen.iter().any(|(x, _)| x == m) {
                        chosen.push((m.clone(), c));
                    }
                    None
                }
            };
            if let Some(reason) = reason {
                return Err(ReportError::UnknownMetric {
                    metric: m.clone(),
                    reason,
                    valid,
                });
            }
        }
    }

    // The x axis: the first parameter, numeric if every value is a number.
    // `vary` is not empty (checked above), and each point has a value per path.
    let first = &manifest.vary[0];
    let mut categories: Vec<String> = first.values.iter().map(text).collect();
    for (_, values) in &sweep.points {
        if !categories.contains(&values[0]) {
            categories.push(values[0].clone());
        }
    }
    let numeric: Option<Vec<f64>> = sweep
        .points
        .iter()
        .map(|(_, v)| v[0].trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    let xs: Vec<f64> = match &numeric {
        Some(xs) => xs.clone(),
        None => sweep
            .points
            .iter()
            .map(|(_, v)| categories.iter().position(|c| *c == v[0]).unwrap_or(0) as f64)
            .collect(),
    };
    let scale = match &numeric {
        Some(xs) if spans_decades(xs.iter().copied()) => XScale::Log,
        Some(_) => XScale::Linear,
        None => XScale::Categories(categories.clone()),
    };

    // Panels: one per combination of the other parameters' values, in sweep order.
    let mut panels: Vec<Vec<String>> = Vec::new();
    let mut panel_of = Vec::with_capacity(sweep.points.len());
    for (_, values) in &sweep.points {
        let key = values[1..].to_vec();
        let p = match panels.iter().position(|k| *k == key) {
            Some(p) => p,
            None => {
                panels.push(key);
                panels.len() - 1
            }
        };
        panel_of.push(p);
    }
    let panel_title = |p: usize| -> String {
        sweep.paths[1..]
            .iter()
            .zip(&panels[p])
            .map(|(path, v)| format!("{path} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };

    let ci = read_ci(&dir.join("sweep_ci.csv"), &sweep)?;
    let replications = manifest.replications.unwrap_or(1);
    if replications > 1 && ci.is_none() {
        notes.push(format!(
            "{replications} replications but no sweep_ci.csv: no confidence bands."
        ));
    }

    // Break-even, on a numeric first parameter.
    let mut break_evens: Vec<(usize, usize, BreakEven)> = Vec::new();
    let cost_cols = (sweep.table.find("cost_usd"), sweep.table.find("horizon_s"));
    if let (Some(_), (Some(cost), Some(horizon))) = (&numeric, cost_cols) {
        for (p, _) in panels.iter().enumerate() {
            let mut members: Vec<usize> = (0..sweep.points.len())
                .filter(|&i| panel_of[i] == p)
                .collect();
            members.sort_by(|&i, &j| xs[i].total_cmp(&xs[j]));
            for a in 0..sweep.architectures.len() {
                for b in a + 1..sweep.architectures.len() {
                    let mut pair = Vec::new();
                    for &i in &members {
                        let am = sweep.month(i, a, cost, horizon)?;
                        let bm = sweep.month(i, b, cost, horizon)?;
                        let ac = sweep.mean(i, a, cost)?;
                        if let (Some(a_month), Some(b_month), Some(a_cost)) = (am, bm, ac) {
                            pair.push(PairPoint {
                                x: xs[i],
                                a_month,
                                b_month,
                                a_cost,
                            });
                        }
                    }
                    for c in breakeven::crossings(&pair) {
                        let (an, bn) = (&sweep.architectures[a], &sweep.architectures[b]);
                        break_evens.push((
                            p,
                            a,
                            BreakEven {
                                architectures: (an.clone(), bn.clone()),
                                cheaper_below: if c.a_cheaper_below { an } else { bn }.clone(),
                                parameter: first.path.clone(),
                                at: c.at,
                                between: c.between,
                                cost_per_month_usd: c.month,
                                cost_usd: c.cost,
                                fixed: sweep.paths[1..]
                                    .iter()
                                    .cloned()
                                    .zip(panels[p].iter().cloned())
                                    .collect(),
                            },
                        ));
                    }
                }
            }
        }
    } else if numeric.is_none() {
        notes.push(format!("{} is not numeric: no break-even.", first.path));
    }

    if panels.len() > MAX_PANELS {
        notes.push(format!(
            "{} combinations of {}: the charts show the first {MAX_PANELS}.",
            panels.len(),
            sweep.paths[1..].join(" and ")
        ));
    }
    let mut charts = Vec::new();
    for (metric, col) in &chosen {
        let mut fig_panels = Vec::new();
        let mut banded = false;
        for p in 0..panels.len().min(MAX_PANELS) {
            let mut lines = Vec::new();
            for (a, arch) in sweep.architectures.iter().enumerate() {
                let mut members: Vec<usize> = (0..sweep.points.len())
                    .filter(|&i| panel_of[i] == p)
                    .collect();
                members.sort_by(|&i, &j| xs[i].total_cmp(&xs[j]));
                let mut points = Vec::new();
                let mut band = Vec::new();
                for &i in &members {
                    if let Some(m) = sweep.mean(i, a, *col)? {
                        points.push((xs[i], m));
                    }
                    let key = (sweep.points[i].0.clone(), arch.clone(), metric.clone());
                    if let Some(&(mean, hw)) = ci.as_ref().and_then(|ci| ci.get(&key)) {
                        band.push((xs[i], mean - hw, mean + hw));
                    }
                }
                banded |= band.len() >= 2;
                lines.push(Line {
                    name: arch.clone(),
                    color: chart::color(a),
                    points,
                    band,
                    dots: true,
                });
            }
            let mut markers = Vec::new();
            if metric == "cost_usd" || metric == "cost_per_million_usd" {
                for (bp, a, b) in &break_evens {
                    if *bp != p {
                        continue;
                    }
                    let Some(y) = interpolate(&lines[*a].points, b.at) else {
                        continue;
                    };
                    markers.push(Marker {
                        x: b.at,
                        y,
                        label: format!(
                            "{} = {} at {}",
                            b.architectures.0,
                            b.architectures.1,
                            chart::significant(b.at, 4)
                        ),
                    });
                }
            }
            fig_panels.push(Panel {
                title: if panels.len() > 1 {
                    panel_title(p)
                } else {
                    String::new()
                },
                lines,
                markers,
            });
        }
        // Architectures without a value anywhere (a monolith's cold-start ratio).
        let mut without: Vec<&str> = Vec::new();
        for (a, arch) in sweep.architectures.iter().enumerate() {
            if fig_panels.iter().all(|p| p.lines[a].points.is_empty()) {
                without.push(arch);
            }
        }
        let note = (!without.is_empty())
            .then(|| format!("No value of {metric} for {}.", without.join(", ")));
        let label = column_label(metric);
        let mut caption = format!(
            "{label} against {}, a line per architecture{}",
            first.path,
            if replications > 1 {
                format!(" (the mean of {replications} replications")
            } else {
                String::new()
            }
        );
        if replications > 1 {
            caption.push_str(if banded {
                "; the band is its 95 % confidence interval, from sweep_ci.csv)"
            } else {
                ")"
            });
        }
        if panels.len() > 1 {
            caption.push_str(&format!(
                "; a panel per value of {}",
                sweep.paths[1..].join(" and ")
            ));
        }
        if scale == XScale::Log {
            caption.push_str("; the x axis is logarithmic");
        }
        if fig_panels.iter().any(|p| !p.markers.is_empty()) {
            caption.push_str("; ○ marks where two architectures cost the same (break-even)");
        }
        caption.push('.');
        let fig = Figure {
            title: format!("{label} against {}", first.path),
            x_desc: first.path.clone(),
            scale: scale.clone(),
            y_desc: label.clone(),
            y_bounds: None,
            y_from_zero: true,
            legend: sweep
                .architectures
                .iter()
                .enumerate()
                .map(|(a, n)| (n.clone(), chart::color(a)))
                .collect(),
            panels: fig_panels,
            note,
        };
        let file = format!("sweep_{}.svg", file_name(metric));
        charts.push(draw(&file, &fig.title, caption, chart::line_figure(&fig))?);
    }

    let mut about = vec![format!(
        "A sweep{}: {}.",
        manifest
            .choreo
            .as_ref()
            .map(|v| format!(" (choreo {v})"))
            .unwrap_or_default(),
        manifest
            .vary
            .iter()
            .map(|v| format!(
                "{} = {}",
                v.path,
                v.values.iter().map(text).collect::<Vec<_>>().join(", ")
            ))
            .collect::<Vec<_>>()
            .join("; ")
    )];
    let mut counts = format!(
        "{} points in sweep.csv, {} architectures, {replications} replication{}",
        sweep.points.len(),
        sweep.architectures.len(),
        if replications == 1 { "" } else { "s" }
    );
    if let Some(points) = manifest.points {
        counts.push_str(&format!("; the sweep has {points} points"));
    }
    if let Some(done) = &manifest.done {
        counts.push_str(&format!(", done: {}", text(done)));
    }
    if let Some(s) = &manifest.shard
        && s.n > 1
    {
        counts.push_str(&format!(" (shard {}/{})", s.k, s.n));
    }
    counts.push('.');
    about.push(counts);
    if let Some(points) = manifest.points
        && (sweep.points.len() as u64) < points
    {
        notes.push(format!(
            "sweep.csv holds {} of the sweep's {points} points: the charts show those.",
            sweep.points.len()
        ));
    }

    let table = sweep_table(&sweep, &chosen, ci.as_ref(), &mut notes)?;
    Ok(Page {
        kind: crate::FolderKind::Sweep,
        title: format!(
            "{}: sweep report",
            manifest
                .scenario
                .clone()
                .unwrap_or_else(|| "sweep".to_string())
        ),
        about,
        charts,
        table,
        break_evens: break_evens.into_iter().map(|(_, _, b)| b).collect(),
        notes,
    })
}

fn read_sweep(path: &Path, manifest: &Manifest) -> Result<Sweep, ReportError> {
    let table = Table::read(path)?;
    let point = table.col("point")?;
    let arch = table.col("architecture")?;
    let paths: Vec<String> = manifest.vary.iter().map(|v| v.path.clone()).collect();
    let path_cols = paths
        .iter()
        .map(|p| path_column(&table, p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut points: Vec<(String, Vec<String>)> = Vec::new();
    let mut point_index: HashMap<String, usize> = HashMap::new();
    let mut architectures: Vec<String> = Vec::new();
    let mut cells: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (r, row) in table.rows.iter().enumerate() {
        let values: Vec<String> = path_cols.iter().map(|&c| row[c].clone()).collect();
        let p = match point_index.get(&row[point]) {
            Some(&p) => {
                if points[p].1 != values {
                    return Err(ReportError::BadFile {
                        path: path.to_path_buf(),
                        line: Some(r as u64 + 2),
                        message: format!(
                            "point {} with other parameter values than on an earlier row",
                            row[point]
                        ),
                    });
                }
                p
            }
            None => {
                points.push((row[point].clone(), values));
                point_index.insert(row[point].clone(), points.len() - 1);
                points.len() - 1
            }
        };
        let a = match architectures.iter().position(|x| *x == row[arch]) {
            Some(a) => a,
            None => {
                architectures.push(row[arch].clone());
                architectures.len() - 1
            }
        };
        cells.entry((p, a)).or_default().push(r);
    }
    Ok(Sweep {
        table,
        paths,
        path_cols,
        points,
        architectures,
        cells,
    })
}

/// The column of varied path `path`: headed by the path, or `vary:PATH` where the path is
/// also a summary column (`seed`).
fn path_column(table: &Table, path: &str) -> Result<usize, ReportError> {
    match table.find(&format!("vary:{path}")) {
        Some(c) => Ok(c),
        None => table.col(path),
    }
}

/// sweep_ci.csv, if there is one: (point, architecture, metric) → (mean, half-width),
/// for rows with a half-width.
type Ci = HashMap<(String, String, String), (f64, f64)>;

fn read_ci(path: &Path, sweep: &Sweep) -> Result<Option<Ci>, ReportError> {
    if !path.is_file() {
        return Ok(None);
    }
    let t = Table::read(path)?;
    let (point, arch, metric, mean, hw) = (
        t.col("point")?,
        t.col("architecture")?,
        t.col("metric")?,
        t.col("mean")?,
        t.col("ci95_half_width")?,
    );
    for p in &sweep.paths {
        path_column(&t, p)?;
    }
    let mut ci = HashMap::new();
    for (r, row) in t.rows.iter().enumerate() {
        if let (Some(m), Some(h)) = (t.number(r, mean)?, t.number(r, hw)?) {
            ci.insert(
                (row[point].clone(), row[arch].clone(), row[metric].clone()),
                (m, h),
            );
        }
    }
    Ok(Some(ci))
}

/// The y of a line (points sorted by x) at `x`, interpolated linearly.
fn interpolate(points: &[(f64, f64)], x: f64) -> Option<f64> {
    let exact = points.iter().find(|p| p.0 == x);
    if let Some(p) = exact {
        return Some(p.1);
    }
    points.windows(2).find_map(|w| {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        (x0 < x && x < x1).then(|| y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    })
}

/// A metric name as a file name: letters, digits, `_` and `-` kept, anything else `_`.
fn file_name(metric: &str) -> String {
    metric
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The sweep table of index.html: a row per point and architecture, the charted metrics'
/// means over the replications (± the 95 % half-width where sweep_ci.csv has it).
fn sweep_table(
    sweep: &Sweep,
    chosen: &[(String, usize)],
    ci: Option<&Ci>,
    notes: &mut Vec<String>,
) -> Result<HtmlTable, ReportError> {
    let mut header = vec!["point".to_string()];
    header.extend(sweep.paths.iter().cloned());
    header.push("architecture".to_string());
    header.extend(chosen.iter().map(|(m, _)| m.clone()));
    let mut rows = Vec::new();
    'points: for (p, (id, values)) in sweep.points.iter().enumerate() {
        for (a, arch) in sweep.architectures.iter().enumerate() {
            if !sweep.cells.contains_key(&(p, a)) {
                continue;
            }
            if rows.len() == MAX_TABLE_ROWS {
                notes.push(format!(
                    "The table shows the first {MAX_TABLE_ROWS} rows; sweep.csv has them all."
                ));
                break 'points;
            }
            let mut row = vec![id.clone()];
            row.extend(values.iter().cloned());
            row.push(arch.clone());
            for (metric, col) in chosen {
                let key = (id.clone(), arch.clone(), metric.clone());
                let cell = match (sweep.mean(p, a, *col)?, ci.and_then(|c| c.get(&key))) {
                    (Some(m), Some(&(_, hw))) => {
                        format!("{} ± {}", chart::short(m), chart::short(hw))
                    }
                    (Some(m), None) => chart::short(m),
                    (None, _) => String::new(),
                };
                row.push(cell);
            }
            rows.push(row);
        }
    }
    Ok(HtmlTable {
        heading: "Sweep".to_string(),
        caption: "Per point and architecture, the charted metrics: the mean over the \
                  replications, ± the 95 % confidence half-width where sweep_ci.csv gives \
                  one. Every replication's row is in sweep.csv."
            .to_string(),
        header,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_is_linear_between_the_points_and_exact_on_them() {
        let line = [(1.0, 10.0), (3.0, 30.0), (4.0, 0.0)];
        assert_eq!(interpolate(&line, 2.0), Some(20.0));
        assert_eq!(interpolate(&line, 3.0), Some(30.0));
        assert_eq!(interpolate(&line, 3.5), Some(15.0));
        assert_eq!(interpolate(&line, 5.0), None);
    }

    #[test]
    fn metric_file_names_keep_only_safe_characters() {
        assert_eq!(file_name("cost_usd"), "cost_usd");
        assert_eq!(file_name("../x y"), "___x_y");
    }
}
