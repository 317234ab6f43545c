//! Batch work: replications with confidence intervals, sweeps over scenario fields, the
//! worker pool they run on, and the sharding and merging of a sweep across machines.
//!
//! Every figure is computed from the strings written to the CSV files, so a summary over
//! replications is the same whether the runs happened in one process, on several cores or
//! on several machines whose outputs were merged.

use std::fmt::Write as _;

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::report::{Report, SUMMARY};
use crate::rng;

pub mod pool;
pub mod sweep;
pub mod vary;

/// The seed of replication `r` (1-based) of a scenario with seed `seed`: the scenario's own
/// seed for the first, so that `--replications 1` is the plain run; for the others, the
/// stream seed of `(seed, "replication r")` (see [`rng::stream_seed`]).
pub fn replication_seed(seed: u64, r: u32) -> u64 {
    if r <= 1 {
        seed
    } else {
        rng::stream_seed(seed, &format!("replication {r}"))
    }
}

/// Mean, sample standard deviation and 95% confidence half-width (Student t) of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ci {
    /// Sample size.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (NaN for fewer than 2 values).
    pub sd: f64,
    /// Half-width of the 95% confidence interval of the mean: t(0.975, n−1) · sd / √n
    /// (NaN for fewer than 2 values).
    pub half_width: f64,
}

impl Ci {
    /// The interval of `values` (NaN ones skipped); `None` if none is left.
    pub fn of(values: &[f64]) -> Option<Ci> {
        let v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        let n = v.len();
        if n == 0 {
            return None;
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Some(Ci {
                n,
                mean,
                sd: f64::NAN,
                half_width: f64::NAN,
            });
        }
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
            .map(|d| d.inverse_cdf(0.975))
            .unwrap_or(f64::NAN);
        Some(Ci {
            n,
            mean,
            sd,
            half_width: t * sd / (n as f64).sqrt(),
        })
    }
}

/// Columns of `summary.csv` that are no metric: names, and what a run was given.
const NOT_METRICS: [&str; 4] = ["scenario", "architecture", "seed", "horizon_s"];

/// The `summary.csv` columns summarised over replications, in file order.
pub fn metric_columns() -> impl Iterator<Item = (usize, &'static str)> {
    SUMMARY
        .iter()
        .enumerate()
        .filter(|(_, c)| !NOT_METRICS.contains(&c.name))
        .map(|(i, c)| (i, c.name))
}

/// A cell of `summary.csv` as a number: NaN when empty or not a number.
pub fn cell_value(cell: &str) -> f64 {
    cell.parse().unwrap_or(f64::NAN)
}

/// The header of `summary_ci.csv` (and the last columns of `sweep_ci.csv`).
pub const CI_COLUMNS: [&str; 6] = [
    "architecture",
    "metric",
    "n",
    "mean",
    "sd",
    "ci95_half_width",
];

/// The rows of `summary_ci.csv` from the summary rows of every replication (each as
/// `summary.csv` writes it, without a replication column): per architecture, in the order
/// of first appearance, and per metric column.
pub fn ci_rows(rows: &[Vec<String>]) -> Vec<[String; 6]> {
    let arch_col = SUMMARY
        .iter()
        .position(|c| c.name == "architecture")
        .unwrap_or(1);
    let mut archs: Vec<&str> = Vec::new();
    for r in rows {
        if let Some(a) = r.get(arch_col)
            && !archs.contains(&a.as_str())
        {
            archs.push(a);
        }
    }
    let mut out = Vec::new();
    for arch in archs {
        let of_arch: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| r.get(arch_col).map(String::as_str) == Some(arch))
            .collect();
        for (i, name) in metric_columns() {
            let values: Vec<f64> = of_arch
                .iter()
                .map(|r| r.get(i).map_or(f64::NAN, |c| cell_value(c)))
                .collect();
            let Some(ci) = Ci::of(&values) else {
                continue;
            };
            out.push([
                arch.to_string(),
                name.to_string(),
                ci.n.to_string(),
                stat(ci.mean),
                stat(ci.sd),
                stat(ci.half_width),
            ]);
        }
    }
    out
}

/// A statistic as written: up to 9 significant digits, empty for NaN.
fn stat(x: f64) -> String {
    if x.is_nan() {
        return String::new();
    }
    significant(x, 9)
}

/// `x` to `digits` significant digits (at most 15 decimals), without trailing zeros: `3`,
/// `0.333333333` (9), `1071` (4).
pub fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (digits - 1 - x.abs().log10().floor() as i32).clamp(0, 15) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `mean ± half-width`, the mean rounded to the half-width's second significant digit.
pub fn format_ci(ci: &Ci) -> String {
    if !ci.half_width.is_finite() || ci.half_width == 0.0 {
        return stat(ci.mean);
    }
    let digits = (1 - ci.half_width.log10().floor() as i32).clamp(0, 12) as usize;
    format!("{:.digits$} ± {:.digits$}", ci.mean, ci.half_width)
}

/// The side-by-side table of `choreo run --replications N`: like the table of one run, each
/// metric as mean ± 95% half-width over the replications.
pub fn ci_table(reports: &[Report]) -> String {
    let Some(first) = reports.first() else {
        return String::new();
    };
    let s = &first.scenario;
    let mut out = format!(
        "{} ({} replications from seed {}, horizon {}; mean ± 95% confidence half-width)\n",
        s.name,
        reports.len(),
        s.seed,
        crate::scenario::units::format_duration(s.horizon)
    );
    let faults = first
        .architectures
        .iter()
        .any(|a| !a.isolation.faults().is_empty());
    let names: Vec<&str> = first
        .architectures
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    let mut cells: Vec<Vec<String>> = Vec::new(); // [column][architecture]
    for c in SUMMARY {
        let label = match c.shown {
            crate::report::Shown::Always(label) => label,
            crate::report::Shown::WithFaults(label) if faults => label,
            _ => continue,
        };
        let mut row = vec![label.to_string()];
        for (k, _) in names.iter().enumerate() {
            let values: Vec<String> = reports
                .iter()
                .filter_map(|r| r.architectures.get(k).map(|a| (c.cell)(&r.scenario, a)))
                .collect();
            let numbers: Vec<f64> = values.iter().map(|v| cell_value(v)).collect();
            let cell = match Ci::of(&numbers) {
                Some(ci) => format_ci(&ci),
                None if values.iter().all(|v| v.is_empty()) => "-".to_string(),
                None => values[0].clone(),
            };
            row.push(cell);
        }
        cells.push(row);
    }
    let width = cells
        .iter()
        .flat_map(|r| r[1..].iter().map(|c| c.chars().count()))
        .chain(names.iter().map(|n| n.len()))
        .max()
        .unwrap_or(0)
        .max(12)
        + 2;
    let _ = write!(out, "{:<24}", "");
    for n in &names {
        let _ = write!(out, "{n:>width$}");
    }
    out.push('\n');
    for row in cells {
        let _ = write!(out, "{:<24}", row[0]);
        for c in &row[1..] {
            let _ = write!(out, "{c:>width$}");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_replication_is_the_plain_run() {
        assert_eq!(replication_seed(7, 1), 7);
        let seeds: Vec<u64> = (1..=50).map(|r| replication_seed(7, r)).collect();
        let mut unique = seeds.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 50, "every replication has its own seed");
        assert_ne!(replication_seed(8, 2), replication_seed(7, 2));
    }

    #[test]
    fn the_interval_is_students() {
        // 1..=5: mean 3, sd √2.5 = 1.5811; t(0.975, 4) = 2.7764 (tables); hw = 1.9632.
        let ci = Ci::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(ci.n, 5);
        assert!((ci.mean - 3.0).abs() < 1e-12);
        assert!((ci.sd - 2.5f64.sqrt()).abs() < 1e-12);
        assert!((ci.half_width - 2.7764 * 2.5f64.sqrt() / 5f64.sqrt()).abs() < 1e-3);
        // Two values: t(0.975, 1) = 12.706.
        let ci = Ci::of(&[0.0, 2.0]).unwrap();
        assert!((ci.half_width - 12.706 * 2f64.sqrt() / 2f64.sqrt()).abs() < 1e-2);
        // NaN is skipped; one value has no spread.
        let ci = Ci::of(&[f64::NAN, 4.0]).unwrap();
        assert_eq!((ci.n, ci.mean), (1, 4.0));
        assert!(ci.sd.is_nan() && ci.half_width.is_nan());
        assert_eq!(Ci::of(&[f64::NAN]), None);
    }

    #[test]
    fn statistics_are_written_with_nine_significant_digits() {
        assert_eq!(stat(3.0), "3");
        assert_eq!(stat(1.0 / 3.0), "0.333333333");
        assert_eq!(stat(123456.789123), "123456.789");
        assert_eq!(stat(f64::NAN), "");
        assert_eq!(significant(1071.103, 4), "1071");
        assert_eq!(significant(0.0776849, 4), "0.07768");
        assert_eq!(significant(5.003, 4), "5.003");
        assert_eq!(
            format_ci(&Ci::of(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap()),
            "3.0 ± 2.0"
        );
        let ci = Ci {
            n: 10,
            mean: 123.456,
            sd: 1.0,
            half_width: 0.0712,
        };
        assert_eq!(format_ci(&ci), "123.456 ± 0.071");
    }
}
