//! Distributions as written (a fixed duration, or a named distribution with durations for
//! its parameters) → [`Dist`], each refusal at the field it is about. A mixture's
//! components are distributions like any other (`PATH[i][1]`, weights at `PATH[i][0]`);
//! an empirical distribution's samples file is read here, through [`trace::read`].

use super::ctx::{Ctx, suggest};
use crate::dist::Dist;
use crate::scenario::StepTime;
use crate::scenario::raw::{RawDist, RawDuration};
use crate::scenario::trace;

/// Units a samples file's plain numbers may be in, with their length [ns].
const SAMPLE_UNITS: [(&str, f64); 7] = [
    ("ns", 1.0),
    ("us", 1e3),
    ("ms", 1e6),
    ("s", 1e9),
    ("m", 60e9),
    ("h", 3600e9),
    ("d", 86_400e9),
];

impl Ctx<'_> {
    /// The duration of a `Compute` or `Cpu` step at `path`: a distribution, or `FromTrace`.
    pub(super) fn step_time(&mut self, path: &str, raw: &RawDuration) -> Option<StepTime> {
        match raw {
            RawDuration::Random(RawDist::FromTrace) => Some(StepTime::FromTrace),
            _ => self.dist(path, raw).map(StepTime::Drawn),
        }
    }

    /// The distribution at `path`: a fixed duration, or a named distribution.
    pub(super) fn dist(&mut self, path: &str, raw: &RawDuration) -> Option<Dist> {
        let result = match raw {
            RawDuration::Fixed(text) => return self.duration(path, text).map(Dist::Constant),
            RawDuration::Random(d) => self.raw_dist(path, d)?,
        };
        result.map_err(|e| self.error(path, e)).ok()
    }

    /// Parses a duration field of a distribution as f64 nanoseconds.
    fn ns(&mut self, path: &str, field: &str, text: &str) -> Option<f64> {
        self.duration(&format!("{path}.{field}"), text)
            .map(|d| d as f64)
    }

    /// A named distribution; `None` if a duration in it does not parse (reported), else the
    /// distribution or why its parameters are refused.
    fn raw_dist(&mut self, path: &str, d: &RawDist) -> Option<Result<Dist, String>> {
        Some(match d {
            RawDist::Constant(text) => Ok(Dist::Constant(self.duration(path, text)?)),
            RawDist::Exponential { mean } => Dist::exponential(self.ns(path, "mean", mean)?),
            RawDist::LogNormal {
                median,
                p99,
                mu,
                sigma,
            } => match (median, p99, mu, sigma) {
                (Some(median), Some(p99), None, None) => {
                    let median = self.ns(path, "median", median);
                    let p99 = self.ns(path, "p99", p99);
                    Dist::lognormal_median_p99(median?, p99?)
                }
                // mu and sigma are of ln(seconds); the simulator samples nanoseconds.
                (None, None, Some(mu), Some(sigma)) => Dist::lognormal(mu + 1e9f64.ln(), *sigma),
                _ => Err("give either median and p99, or mu and sigma".into()),
            },
            RawDist::Normal { mean, sd } => {
                let mean = self.ns(path, "mean", mean);
                let sd = self.ns(path, "sd", sd);
                Dist::normal(mean?, sd?)
            }
            RawDist::Uniform { min, max } => {
                let min = self.ns(path, "min", min);
                let max = self.ns(path, "max", max);
                Dist::uniform(min?, max?)
            }
            RawDist::Gamma { shape, scale } => Dist::gamma(*shape, self.ns(path, "scale", scale)?),
            RawDist::Weibull { shape, scale } => {
                Dist::weibull(*shape, self.ns(path, "scale", scale)?)
            }
            RawDist::Pareto { shape, scale } => {
                Dist::pareto(*shape, self.ns(path, "scale", scale)?)
            }
            RawDist::Mixture(parts) => self.mixture(path, parts)?,
            RawDist::Empirical {
                quantiles,
                file,
                column,
                unit,
            } => match (quantiles, file) {
                (Some(q), None) => {
                    for (field, given) in [("column", column.is_some()), ("unit", unit.is_some())] {
                        if given {
                            self.error(
                                &format!("{path}.{field}"),
                                format!("{field} is for samples read from a file"),
                            );
                        }
                    }
                    self.quantiles(path, q)?
                }
                (None, Some(file)) => {
                    self.samples(path, file, column.as_deref(), unit.as_deref())?
                }
                _ => Err("give either quantiles or file".into()),
            },
            RawDist::FromTrace => Err("FromTrace replays each invocation's recorded duration \
                 from an AzureInvocations trace: it can only be the duration of a Compute \
                 or Cpu step"
                .into()),
        })
    }

    /// A mixture of `(weight, distribution)`; every weight and component is checked.
    fn mixture(
        &mut self,
        path: &str,
        parts: &[(f64, RawDuration)],
    ) -> Option<Result<Dist, String>> {
        if parts.is_empty() {
            return Some(Err("a mixture needs at least one component".into()));
        }
        let mut out = Vec::with_capacity(parts.len());
        let mut ok = true;
        for (i, (w, d)) in parts.iter().enumerate() {
            if !(w.is_finite() && *w > 0.0) {
                let message = format!("a weight must be greater than zero, found {w}");
                self.error(&format!("{path}[{i}][0]"), message);
                ok = false;
            }
            match self.dist(&format!("{path}[{i}][1]"), d) {
                Some(d) => out.push((*w, d)),
                None => ok = false,
            }
        }
        // Errors are reported at the weight or component; none is left for the path.
        ok.then(|| Dist::mixture(out))
    }

    /// An empirical distribution from `(p, duration)` quantiles.
    fn quantiles(&mut self, path: &str, q: &[(f64, String)]) -> Option<Result<Dist, String>> {
        let qpath = format!("{path}.quantiles");
        if q.len() < 2 {
            let message = "give at least two quantiles, at p = 0 and p = 1";
            self.error(&qpath, message);
            return None;
        }
        let mut points = Vec::with_capacity(q.len());
        let mut ok = true;
        for (i, (p, d)) in q.iter().enumerate() {
            let at = |j: usize| format!("{qpath}[{i}][{j}]");
            let prev = points.last().copied();
            let first_or_last = (i == 0)
                .then_some(0.0)
                .or((i + 1 == q.len()).then_some(1.0));
            if !(p.is_finite() && (0.0..=1.0).contains(p)) {
                self.error(&at(0), format!("p must be in [0, 1], found {p}"));
                ok = false;
            } else if let Some(want) = first_or_last
                && *p != want
            {
                let which = if want == 0.0 { "first" } else { "last" };
                let message = format!("the {which} quantile must be at p = {want}, found {p}");
                self.error(&at(0), message);
                ok = false;
            } else if let Some((prev_p, _)) = prev
                && *p <= prev_p
            {
                self.error(&at(0), format!("p must increase, found {p} after {prev_p}"));
                ok = false;
            }
            let Some(ns) = self.duration(&at(1), d) else {
                ok = false;
                continue;
            };
            let ns = ns as f64;
            if let Some((_, prev_ns)) = prev
                && ns < prev_ns
            {
                let message = "quantiles must not decrease as p increases";
                self.error(&at(1), message);
                ok = false;
            }
            points.push((*p, ns));
        }
        ok.then(|| Dist::empirical(points))
    }

    /// An empirical distribution from the samples in `file`, relative to the scenario file.
    fn samples(
        &mut self,
        path: &str,
        file: &str,
        column: Option<&str>,
        unit: Option<&str>,
    ) -> Option<Result<Dist, String>> {
        let unit_ns = match unit {
            None => Some(1e9),
            Some(u) => {
                let found = SAMPLE_UNITS.iter().find(|(name, _)| *name == u);
                if found.is_none() {
                    let names = SAMPLE_UNITS.map(|(name, _)| name);
                    let hint = suggest(u, names);
                    let message = format!(
                        "unit must be one of {}, found {u:?}{hint}",
                        names.join(", ")
                    );
                    self.error(&format!("{path}.unit"), message);
                }
                found.map(|(_, ns)| *ns)
            }
        };
        let file_path = format!("{path}.file");
        let text = match trace::read(self.file, file) {
            Ok(text) => text,
            Err(e) => {
                self.error(&file_path, format!("cannot read samples {file:?}: {e}"));
                return None;
            }
        };
        let unit_ns = unit_ns?;
        use trace::TraceError as E;
        let (field, message) = match trace::parse_samples(&text, column, unit_ns) {
            Ok(samples) => return Some(Dist::from_samples(samples)),
            Err(E::Row { line, message }) => ("file", format!("{file}:{line}: {message}")),
            Err(E::Header(message)) => ("file", format!("{file}: {message}")),
            Err(E::NoColumn { name, headers }) => {
                let hint = suggest(&name, headers.iter().map(String::as_str));
                ("column", format!("{file:?} has no column {name:?}{hint}"))
            }
            Err(E::Empty | E::NoApp { .. } | E::NoFunction { .. }) => {
                ("file", format!("{file:?} holds no samples"))
            }
        };
        self.error(&format!("{path}.{field}"), message);
        None
    }
}
