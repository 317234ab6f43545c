//! `--vary PATH=VALUES`: the values a sweep gives one field.
//!
//! VALUES is one of:
//! - a list, `1,2,5,10` (commas inside brackets or quotes do not split:
//!   `LogNormal(median: "3ms", p99: "20ms"),"5ms"` is two values);
//! - a range with a step, `100..1000:100` = 100, 200, ..., 1000 (the end is included when
//!   a step lands on it, within a millionth of the step);
//! - a logarithmic range, `1..1000:log:10` = 10 points per decade from 1 to 1000: 1, 1.259,
//!   1.585, ..., 1000 (31 values), each rounded to 4 significant digits.

use crate::scenario::overrides::Override;

/// Most values one `--vary` may give.
pub const MAX_VALUES: usize = 100_000;

/// One varied field and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vary {
    /// The field, as `--set` names it.
    pub path: String,
    /// The values, in sweep order, as they are put into the scenario.
    pub values: Vec<String>,
}

impl Vary {
    /// Parses `PATH=VALUES`.
    pub fn parse(arg: &str) -> Result<Vary, String> {
        let Some((path, spec)) = arg.split_once('=') else {
            return Err(format!(
                "--vary {arg}: expected PATH=VALUES, e.g. load=0.5,1,2 or workload.upload.per_second=10..100:10"
            ));
        };
        let path = path.trim();
        if path.is_empty() {
            return Err(format!("--vary {arg}: the path is empty"));
        }
        let values = values(spec.trim()).map_err(|m| format!("--vary {arg}: {m}"))?;
        for v in &values {
            Override::new("--vary", path, v).map_err(|m| format!("--vary {arg}: {m}"))?;
        }
        Ok(Vary {
            path: path.to_string(),
            values,
        })
    }

    /// The override giving this field its `i`-th value.
    pub fn at(&self, i: usize) -> Override {
        Override {
            flag: "--vary",
            path: self.path.clone(),
            value: self.values[i].clone(),
        }
    }
}

/// The values of a VALUES spec.
fn values(spec: &str) -> Result<Vec<String>, String> {
    if spec.is_empty() {
        return Err("no values".into());
    }
    if let Some((range, step)) = spec.split_once(':')
        && let Some((from, to)) = range.split_once("..")
        && let (Ok(from), Ok(to)) = (from.trim().parse::<f64>(), to.trim().parse::<f64>())
    {
        return match step.trim().strip_prefix("log:") {
            Some(per_decade) => log_range(from, to, per_decade.trim()),
            None => linear_range(from, to, step.trim()),
        };
    }
    let values = split_list(spec);
    if let Some(i) = values.iter().position(String::is_empty) {
        return Err(format!("value {} of the list is empty", i + 1));
    }
    if values.len() > MAX_VALUES {
        return Err(format!("{} values, more than {MAX_VALUES}", values.len()));
    }
    Ok(values)
}

fn linear_range(from: f64, to: f64, step: &str) -> Result<Vec<String>, String> {
    let step: f64 = step
        .parse()
        .map_err(|_| format!("step {step:?}: expected a number, e.g. 100..1000:100"))?;
    if !(from.is_finite() && to.is_finite() && step.is_finite() && step > 0.0) {
        return Err("a range needs finite ends and a step greater than 0".into());
    }
    if from > to {
        return Err(format!("the range {from}..{to} runs backwards"));
    }
    let count = ((to - from) / step + 1e-6).floor() + 1.0;
    if count > MAX_VALUES as f64 {
        return Err(format!("{count} values, more than {MAX_VALUES}"));
    }
    Ok((0..count as usize)
        .map(|i| number(from + step * i as f64, 12))
        .collect())
}

fn log_range(from: f64, to: f64, per_decade: &str) -> Result<Vec<String>, String> {
    let per_decade: u32 = per_decade.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
        format!("points per decade {per_decade:?}: expected a whole number, e.g. 1..1000:log:10")
    })?;
    if !(from.is_finite() && to.is_finite() && from > 0.0 && to > 0.0) {
        return Err("a logarithmic range needs ends greater than 0".into());
    }
    if from > to {
        return Err(format!("the range {from}..{to} runs backwards"));
    }
    let steps = ((to / from).log10() * f64::from(per_decade) + 1e-6).floor();
    if steps + 1.0 > MAX_VALUES as f64 {
        return Err(format!("{} values, more than {MAX_VALUES}", steps + 1.0));
    }
    let mut out: Vec<String> = (0..=steps as u32)
        .map(|k| number(from * 10f64.powf(f64::from(k) / f64::from(per_decade)), 4))
        .collect();
    out.dedup();
    Ok(out)
}

/// `x` with at most `digits` significant digits, trailing zeros dropped: `100`, `1.259`.
fn number(x: f64, digits: i32) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let decimals = (digits - 1 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Splits at commas outside brackets and quotes.
fn split_list(spec: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => {
                cur.push(c);
                if let Some(next) = chars.next() {
                    cur.push(next);
                }
                continue;
            }
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// The points of a sweep: every combination of the varied values, the first `--vary`
/// varying slowest. Point `p`'s value indices.
pub fn point(varies: &[Vary], mut p: usize) -> Vec<usize> {
    let mut idx = vec![0; varies.len()];
    for (k, v) in varies.iter().enumerate().rev() {
        idx[k] = p % v.values.len();
        p /= v.values.len();
    }
    idx
}

/// How many points the sweep has (the product of the value counts), or `None` past
/// `usize`.
pub fn count(varies: &[Vary]) -> Option<usize> {
    varies
        .iter()
        .try_fold(1usize, |n, v| n.checked_mul(v.values.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(spec: &str) -> Vec<String> {
        Vary::parse(&format!("load={spec}")).unwrap().values
    }

    #[test]
    fn lists_ranges_and_log_ranges() {
        assert_eq!(vals("1,2,5,10"), ["1", "2", "5", "10"]);
        assert_eq!(
            vals("Concurrency(100), Serverless,LogNormal(median: \"3ms\", p99: \"20ms\")"),
            [
                "Concurrency(100)",
                "Serverless",
                "LogNormal(median: \"3ms\", p99: \"20ms\")"
            ]
        );
        assert_eq!(vals("\"a,b\",c"), ["\"a,b\"", "c"]);
        assert_eq!(vals("100..1000:100").len(), 10);
        assert_eq!(vals("100..1000:100")[9], "1000");
        assert_eq!(vals("0.1..0.5:0.1"), ["0.1", "0.2", "0.3", "0.4", "0.5"]);
        assert_eq!(vals("1..10:4"), ["1", "5", "9"]);
        let log = vals("1..1000:log:10");
        assert_eq!(log.len(), 31);
        assert_eq!(&log[..4], ["1", "1.259", "1.585", "1.995"]);
        assert_eq!(log[10], "10");
        assert_eq!(log[30], "1000");
        assert_eq!(vals("1..100:log:1"), ["1", "10", "100"]);
    }

    #[test]
    fn bad_specs_are_refused() {
        for (arg, says) in [
            ("load", "expected PATH=VALUES"),
            ("=1,2", "the path is empty"),
            ("load=", "no values"),
            ("load=1,,2", "value 2 of the list is empty"),
            ("load=10..1:1", "runs backwards"),
            ("load=1..10:0", "step greater than 0"),
            ("load=1..10:x", "expected a number"),
            ("load=0..10:log:10", "greater than 0"),
            ("load=1..10:log:0", "whole number"),
            ("load=1..1e9:1", "more than 100000"),
        ] {
            let e = Vary::parse(arg).unwrap_err();
            assert!(e.contains(says), "{arg}: {e}");
        }
    }

    #[test]
    fn points_are_the_cartesian_product_first_slowest() {
        let a = Vary::parse("a=1,2").unwrap();
        let b = Vary::parse("b=x,y,z").unwrap();
        let v = [a, b];
        assert_eq!(count(&v), Some(6));
        let all: Vec<Vec<usize>> = (0..6).map(|p| point(&v, p)).collect();
        assert_eq!(
            all,
            [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]].map(|x| x.to_vec())
        );
        assert_eq!(point(&[], 0), Vec::<usize>::new());
        assert_eq!(count(&[]), Some(1));
    }
}
