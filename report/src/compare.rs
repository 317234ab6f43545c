//! Two runs' summaries side by side: per architecture present in both, every numeric
//! column's A, B, B − A and relative change.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::ReportError;
use crate::chart::short;
use crate::table::Table;

/// One column of one architecture in both runs.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDiff {
    /// The `summary.csv` column.
    pub column: String,
    /// Run A's value, as written (the mean of its rows when it has several).
    pub a: String,
    /// Run B's value.
    pub b: String,
    /// B − A, when both are numbers.
    pub difference: Option<f64>,
    /// (B − A) / |A| × 100, when both are numbers and A is not zero (0 when both are).
    pub change_percent: Option<f64>,
}

/// Two runs compared.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Run A's folder.
    pub a: PathBuf,
    /// Run B's folder.
    pub b: PathBuf,
    /// Per architecture present in both (in A's order), its columns.
    pub architectures: Vec<(String, Vec<MetricDiff>)>,
    /// Architectures only A has.
    pub only_in_a: Vec<String>,
    /// Architectures only B has.
    pub only_in_b: Vec<String>,
    /// Columns only one of the two files has.
    pub columns_in_one: Vec<String>,
    /// Where a run has several rows per architecture (replications), how many: the values
    /// are their means.
    pub replications: (usize, usize),
}

/// Columns that name rather than measure, or that the replications of one run differ in.
const NOT_COMPARED: [&str; 4] = ["scenario", "architecture", "replication", "seed"];

/// Compares the `summary.csv` of run folders `a` and `b`.
pub fn compare(a: &Path, b: &Path) -> Result<Comparison, ReportError> {
    let read = |dir: &Path| {
        let path = dir.join("summary.csv");
        if !path.is_file() {
            return Err(ReportError::NoSummary {
                dir: dir.to_path_buf(),
            });
        }
        Table::read(&path)
    };
    let (ta, tb) = (read(a)?, read(b)?);
    let (ga, gb) = (Groups::of(&ta)?, Groups::of(&tb)?);
    let several = |g: &Groups| g.rows.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    let replications = (several(&ga), several(&gb));
    let compared_seed = replications == (1, 1);
    let columns: Vec<&String> = ta
        .header
        .iter()
        .filter(|c| tb.header.contains(c))
        .filter(|c| !NOT_COMPARED.contains(&c.as_str()) || (c.as_str() == "seed" && compared_seed))
        .collect();
    let mut columns_in_one: Vec<String> = ta
        .header
        .iter()
        .filter(|c| !tb.header.contains(c))
        .chain(tb.header.iter().filter(|c| !ta.header.contains(c)))
        .cloned()
        .collect();
    columns_in_one.retain(|c| c != "replication");
    let mut architectures = Vec::new();
    for (name, rows_a) in &ga.rows {
        let Some((_, rows_b)) = gb.rows.iter().find(|(n, _)| n == name) else {
            continue;
        };
        let mut diffs = Vec::new();
        for column in &columns {
            let (ca, cb) = (ta.col(column)?, tb.col(column)?);
            let (va, xa) = value(&ta, rows_a, ca)?;
            let (vb, xb) = value(&tb, rows_b, cb)?;
            let difference = match (xa, xb) {
                (Some(x), Some(y)) => Some(y - x),
                _ => None,
            };
            let change_percent = match (xa, xb) {
                (Some(x), Some(y)) if x != 0.0 => Some((y - x) / x.abs() * 100.0),
                (Some(x), Some(y)) if x == y => Some(0.0),
                _ => None,
            };
            diffs.push(MetricDiff {
                column: column.to_string(),
                a: va,
                b: vb,
                difference,
                change_percent,
            });
        }
        architectures.push((name.clone(), diffs));
    }
    let only = |g: &Groups, other: &Groups| -> Vec<String> {
        g.rows
            .iter()
            .filter(|(n, _)| !other.rows.iter().any(|(m, _)| m == n))
            .map(|(n, _)| n.clone())
            .collect()
    };
    Ok(Comparison {
        a: a.to_path_buf(),
        b: b.to_path_buf(),
        architectures,
        only_in_a: only(&ga, &gb),
        only_in_b: only(&gb, &ga),
        columns_in_one,
        replications,
    })
}

/// The rows of each architecture, in file order.
struct Groups {
    rows: Vec<(String, Vec<usize>)>,
}

impl Groups {
    fn of(t: &Table) -> Result<Groups, ReportError> {
        let arch = t.col("architecture")?;
        let mut rows: Vec<(String, Vec<usize>)> = Vec::new();
        for (r, row) in t.rows.iter().enumerate() {
            match rows.iter_mut().find(|(n, _)| *n == row[arch]) {
                Some((_, v)) => v.push(r),
                None => rows.push((row[arch].clone(), vec![r])),
            }
        }
        Ok(Groups { rows })
    }
}

/// A column's value over `rows`: the text as written for one row, else the mean; and the
/// number, when it is one.
fn value(t: &Table, rows: &[usize], col: usize) -> Result<(String, Option<f64>), ReportError> {
    if let [r] = rows {
        let text = t.rows[*r][col].clone();
        let number = text.trim().parse::<f64>().ok().filter(|v| v.is_finite());
        return Ok((text, number));
    }
    let mut sum = 0.0;
    let mut n = 0;
    for &r in rows {
        let text = t.rows[r][col].trim();
        if text.is_empty() {
            continue;
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => {
                sum += v;
                n += 1;
            }
            // Text (a recovery of "never"): no mean.
            _ => return Ok((text.to_string(), None)),
        }
    }
    if n == 0 {
        return Ok((String::new(), None));
    }
    let mean = sum / n as f64;
    Ok((short(mean), Some(mean)))
}

impl Comparison {
    /// The comparison as a terminal table: a block per architecture, a row per column.
    pub fn table(&self) -> String {
        let mut out = format!("A: {}\nB: {}\n", self.a.display(), self.b.display());
        for (label, n) in [("A", self.replications.0), ("B", self.replications.1)] {
            if n > 1 {
                let _ = writeln!(out, "{label}: means over up to {n} replications");
            }
        }
        let width = self
            .architectures
            .iter()
            .flat_map(|(_, d)| d.iter().map(|d| d.column.len()))
            .max()
            .unwrap_or(0)
            .max(12);
        for (name, diffs) in &self.architectures {
            let _ = writeln!(
                out,
                "\n{name:<width$} {:>16} {:>16} {:>16} {:>10}",
                "A", "B", "B-A", "change"
            );
            for d in diffs {
                let dash = |s: &str| {
                    if s.is_empty() {
                        "-".to_string()
                    } else {
                        s.to_string()
                    }
                };
                let diff = d.difference.map_or("-".to_string(), difference);
                let change = d
                    .change_percent
                    .map_or("-".to_string(), |p| format!("{p:+.1}%"));
                let _ = writeln!(
                    out,
                    "{:<width$} {:>16} {:>16} {:>16} {:>10}",
                    d.column,
                    dash(&d.a),
                    dash(&d.b),
                    diff,
                    change
                );
            }
        }
        if self.architectures.is_empty() {
            out.push_str("\nno architecture is in both runs\n");
        }
        if !self.only_in_a.is_empty() {
            let _ = writeln!(out, "\nonly in A: {}", self.only_in_a.join(", "));
        }
        if !self.only_in_b.is_empty() {
            let _ = writeln!(out, "\nonly in B: {}", self.only_in_b.join(", "));
        }
        if !self.columns_in_one.is_empty() {
            let _ = writeln!(
                out,
                "\ncolumns in one file only (not compared): {}",
                self.columns_in_one.join(", ")
            );
        }
        out
    }
}

/// A difference with its sign, in shortest form.
fn difference(v: f64) -> String {
    let s = short(v);
    if v > 0.0 { format!("+{s}") } else { s }
}
