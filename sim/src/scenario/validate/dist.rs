//! Distributions as written (a fixed duration, or a named distribution with durations for
//! its parameters) → [`Dist`], each refusal at the field it is about.

use super::ctx::Ctx;
use crate::dist::Dist;
use crate::scenario::raw::{RawDist, RawDuration};

impl Ctx<'_> {
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
        })
    }
}
