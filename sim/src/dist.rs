//! Distributions of durations, validated and ready to sample in nanoseconds.
//!
//! Every draw takes its randomness from the generator it is given and nothing else, so the
//! same generator state always gives the same value: a `Mixture` draws one uniform to pick
//! its component, then lets the component draw; an `Empirical` draws one uniform and maps
//! it through its inverse CDF.

use std::sync::Arc;

use rand::Rng;
use rand_distr::Distribution;
use statrs::distribution::{ContinuousCDF, Normal as StdNormal};

use crate::engine::SimTime;

/// A distribution of durations [ns]. Built by scenario validation, so always well formed.
#[derive(Debug, Clone)]
pub enum Dist {
    /// Always this duration [ns].
    Constant(SimTime),
    /// Exponential with the given mean [ns].
    Exponential {
        /// Mean [ns].
        mean_ns: f64,
        /// The sampler (rate = 1/mean).
        sampler: rand_distr::Exp<f64>,
    },
    /// Log-normal; `mu` and `sigma` of ln(duration in ns).
    LogNormal {
        /// Mean of ln(ns).
        mu: f64,
        /// Standard deviation of ln(ns).
        sigma: f64,
        /// The sampler.
        sampler: rand_distr::LogNormal<f64>,
    },
    /// Normal truncated at zero [ns].
    Normal {
        /// Mean before truncation [ns].
        mean_ns: f64,
        /// Standard deviation before truncation [ns].
        sd_ns: f64,
        /// The sampler.
        sampler: rand_distr::Normal<f64>,
    },
    /// Uniform on [min, max] [ns].
    Uniform {
        /// Smallest [ns].
        min_ns: f64,
        /// Largest [ns].
        max_ns: f64,
    },
    /// Gamma with shape k and scale θ [ns].
    Gamma {
        /// Shape k.
        shape: f64,
        /// Scale θ [ns].
        scale_ns: f64,
        /// The sampler.
        sampler: rand_distr::Gamma<f64>,
    },
    /// Weibull with shape k and scale λ [ns].
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ [ns].
        scale_ns: f64,
        /// The sampler.
        sampler: rand_distr::Weibull<f64>,
    },
    /// Pareto type I with shape α and scale x_m [ns].
    Pareto {
        /// Shape α.
        shape: f64,
        /// Scale x_m, the minimum [ns].
        scale_ns: f64,
        /// The sampler.
        sampler: rand_distr::Pareto<f64>,
    },
    /// A mixture: a component drawn by weight, then a value drawn from it.
    Mixture {
        /// The components in the order written, weights normalised to sum to 1.
        parts: Arc<[MixturePart]>,
    },
    /// An empirical distribution: the inverse CDF is linear between `(p, value)` points.
    Empirical {
        /// `(p, value [ns])`, p strictly increasing from 0 to 1, values non-decreasing.
        points: Arc<[(f64, f64)]>,
    },
}

/// One component of a [`Dist::Mixture`].
#[derive(Debug, Clone)]
pub struct MixturePart {
    /// Probability of this component (the normalised weight).
    pub weight: f64,
    /// Sum of the weights up to and including this one; the last is exactly 1.
    pub cumulative: f64,
    /// The component.
    pub dist: Dist,
}

/// z such that Φ(z) = p for the standard normal.
pub fn normal_quantile(p: f64) -> f64 {
    // The standard normal (mean 0, sd 1) is always constructible.
    StdNormal::standard().inverse_cdf(p)
}

/// Why a distribution's parameters were rejected.
pub type DistError = String;

fn positive(name: &str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{name} must be greater than zero, found {v}"))
    }
}

impl Dist {
    /// Exponential with mean `mean_ns`.
    pub fn exponential(mean_ns: f64) -> Result<Dist, DistError> {
        let mean_ns = positive("mean", mean_ns)?;
        let sampler = rand_distr::Exp::new(1.0 / mean_ns).map_err(|e| e.to_string())?;
        Ok(Dist::Exponential { mean_ns, sampler })
    }

    /// Log-normal from `mu`, `sigma` of ln(ns).
    pub fn lognormal(mu: f64, sigma: f64) -> Result<Dist, DistError> {
        if !mu.is_finite() {
            return Err(format!("mu must be finite, found {mu}"));
        }
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(format!("sigma must be zero or more, found {sigma}"));
        }
        let sampler = rand_distr::LogNormal::new(mu, sigma).map_err(|e| e.to_string())?;
        Ok(Dist::LogNormal { mu, sigma, sampler })
    }

    /// Log-normal with the given median and 99th percentile [ns].
    pub fn lognormal_median_p99(median_ns: f64, p99_ns: f64) -> Result<Dist, DistError> {
        let median_ns = positive("median", median_ns)?;
        if p99_ns < median_ns {
            return Err(format!(
                "p99 ({p99_ns} ns) must be at least the median ({median_ns} ns)"
            ));
        }
        let sigma = (p99_ns / median_ns).ln() / normal_quantile(0.99);
        Dist::lognormal(median_ns.ln(), sigma)
    }

    /// Normal truncated at zero.
    pub fn normal(mean_ns: f64, sd_ns: f64) -> Result<Dist, DistError> {
        let mean_ns = positive("mean", mean_ns)?;
        if !(sd_ns.is_finite() && sd_ns >= 0.0) {
            return Err(format!("sd must be zero or more, found {sd_ns}"));
        }
        let sampler = rand_distr::Normal::new(mean_ns, sd_ns).map_err(|e| e.to_string())?;
        Ok(Dist::Normal {
            mean_ns,
            sd_ns,
            sampler,
        })
    }

    /// Uniform on [min, max].
    pub fn uniform(min_ns: f64, max_ns: f64) -> Result<Dist, DistError> {
        if !(min_ns.is_finite() && max_ns.is_finite() && min_ns <= max_ns) {
            return Err(format!(
                "min ({min_ns} ns) must not exceed max ({max_ns} ns)"
            ));
        }
        Ok(Dist::Uniform { min_ns, max_ns })
    }

    /// Gamma with shape and scale [ns].
    pub fn gamma(shape: f64, scale_ns: f64) -> Result<Dist, DistError> {
        let shape = positive("shape", shape)?;
        let scale_ns = positive("scale", scale_ns)?;
        let sampler = rand_distr::Gamma::new(shape, scale_ns).map_err(|e| e.to_string())?;
        Ok(Dist::Gamma {
            shape,
            scale_ns,
            sampler,
        })
    }

    /// Weibull with shape and scale [ns].
    pub fn weibull(shape: f64, scale_ns: f64) -> Result<Dist, DistError> {
        let shape = positive("shape", shape)?;
        let scale_ns = positive("scale", scale_ns)?;
        let sampler = rand_distr::Weibull::new(scale_ns, shape).map_err(|e| e.to_string())?;
        Ok(Dist::Weibull {
            shape,
            scale_ns,
            sampler,
        })
    }

    /// Pareto with shape and scale (minimum) [ns].
    pub fn pareto(shape: f64, scale_ns: f64) -> Result<Dist, DistError> {
        let shape = positive("shape", shape)?;
        let scale_ns = positive("scale", scale_ns)?;
        let sampler = rand_distr::Pareto::new(scale_ns, shape).map_err(|e| e.to_string())?;
        Ok(Dist::Pareto {
            shape,
            scale_ns,
            sampler,
        })
    }

    /// A mixture of `(weight, component)`: weights finite and > 0, normalised here.
    pub fn mixture(parts: Vec<(f64, Dist)>) -> Result<Dist, DistError> {
        if parts.is_empty() {
            return Err("a mixture needs at least one component".into());
        }
        for &(w, _) in &parts {
            positive("a weight", w)?;
        }
        let total: f64 = parts.iter().map(|p| p.0).sum();
        if !total.is_finite() {
            return Err(format!("the weights must have a finite sum, found {total}"));
        }
        let n = parts.len();
        let mut cumulative = 0.0;
        let parts = parts
            .into_iter()
            .enumerate()
            .map(|(i, (w, dist))| {
                let weight = w / total;
                cumulative += weight;
                // The last is 1 exactly, so that every uniform in [0, 1) picks a component.
                let cumulative = if i + 1 == n { 1.0 } else { cumulative };
                MixturePart {
                    weight,
                    cumulative,
                    dist,
                }
            })
            .collect();
        Ok(Dist::Mixture { parts })
    }

    /// An empirical distribution from its quantiles `(p, value [ns])`: at least two, p
    /// strictly increasing from exactly 0 to exactly 1, values finite, ≥ 0 and
    /// non-decreasing; linear in between.
    pub fn empirical(points: Vec<(f64, f64)>) -> Result<Dist, DistError> {
        let (Some(first), Some(last)) = (points.first(), points.last()) else {
            return Err("an empirical distribution needs quantiles at p = 0 and p = 1".into());
        };
        if first.0 != 0.0 || last.0 != 1.0 || points.len() < 2 {
            return Err(format!(
                "the quantiles must run from p = 0 to p = 1, found p = {} to p = {}",
                first.0, last.0
            ));
        }
        for &(p, x) in &points {
            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                return Err(format!("p must be in [0, 1], found {p}"));
            }
            if !(x.is_finite() && x >= 0.0) {
                return Err(format!("a value must be zero or more, found {x} ns"));
            }
        }
        for w in points.windows(2) {
            if w[1].0 <= w[0].0 {
                return Err(format!(
                    "p must increase, found {} after {}",
                    w[1].0, w[0].0
                ));
            }
            if w[1].1 < w[0].1 {
                return Err(format!(
                    "values must not decrease as p increases, found {} ns after {} ns",
                    w[1].1, w[0].1
                ));
            }
        }
        Ok(Dist::Empirical {
            points: points.into(),
        })
    }

    /// The empirical distribution of `samples` [ns] (finite, ≥ 0, at least one): the k-th
    /// smallest of n at p = (k − ½)/n, linear in between and flat beyond the first and last
    /// (Hazen's plotting positions). Its mean is exactly the samples' mean, and its
    /// quantile at (k − ½)/n exactly the k-th smallest.
    pub fn from_samples(mut samples: Vec<f64>) -> Result<Dist, DistError> {
        if samples.is_empty() {
            return Err("an empirical distribution needs at least one sample".into());
        }
        if let Some(x) = samples.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
            return Err(format!("a sample must be zero or more, found {x} ns"));
        }
        samples.sort_unstable_by(f64::total_cmp);
        let n = samples.len() as f64;
        let mut points = Vec::with_capacity(samples.len() + 2);
        points.push((0.0, samples[0]));
        points.extend(
            samples
                .iter()
                .enumerate()
                .map(|(k, &x)| ((k as f64 + 0.5) / n, x)),
        );
        points.push((1.0, samples[samples.len() - 1]));
        Dist::empirical(points)
    }

    /// The value [ns] of an empirical distribution's inverse CDF at `u` in [0, 1].
    fn empirical_quantile(points: &[(f64, f64)], u: f64) -> f64 {
        // The segment [p0, p1) holding u; points run from p = 0 to p = 1 (see `empirical`).
        let i = points
            .partition_point(|&(p, _)| p <= u)
            .clamp(1, points.len() - 1);
        let ((p0, x0), (p1, x1)) = (points[i - 1], points[i]);
        x0 + (u - p0) / (p1 - p0) * (x1 - x0)
    }

    /// Draws one duration [ns].
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        let x = match self {
            Dist::Constant(ns) => return *ns,
            Dist::Mixture { parts } => {
                let u: f64 = rand::RngExt::random(rng);
                let i = parts
                    .partition_point(|p| p.cumulative <= u)
                    .min(parts.len() - 1);
                return parts[i].dist.sample(rng);
            }
            Dist::Empirical { points } => {
                let u: f64 = rand::RngExt::random(rng);
                Dist::empirical_quantile(points, u)
            }
            Dist::Exponential { sampler, .. } => sampler.sample(rng),
            Dist::LogNormal { sampler, .. } => sampler.sample(rng),
            Dist::Normal { sampler, .. } => {
                // Truncation at zero by rejection; the mean is positive so this ends fast.
                let mut x = sampler.sample(rng);
                for _ in 0..64 {
                    if x >= 0.0 {
                        break;
                    }
                    x = sampler.sample(rng);
                }
                x.max(0.0)
            }
            Dist::Uniform { min_ns, max_ns } => {
                let u: f64 = rand::RngExt::random(rng);
                min_ns + u * (max_ns - min_ns)
            }
            Dist::Gamma { sampler, .. } => sampler.sample(rng),
            Dist::Weibull { sampler, .. } => sampler.sample(rng),
            Dist::Pareto { sampler, .. } => sampler.sample(rng),
        };
        // Durations beyond ~146 years are clamped rather than overflowing.
        x.clamp(0.0, 4.6e18).round() as SimTime
    }

    /// The mean [ns] (infinite for a Pareto with shape ≤ 1).
    pub fn mean_ns(&self) -> f64 {
        match self {
            Dist::Constant(ns) => *ns as f64,
            Dist::Exponential { mean_ns, .. } => *mean_ns,
            Dist::LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Normal { mean_ns, sd_ns, .. } => {
                // Mean of a normal truncated below at zero.
                if *sd_ns == 0.0 {
                    return *mean_ns;
                }
                let n = StdNormal::standard();
                let alpha = -mean_ns / sd_ns;
                let pdf = (-alpha * alpha / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
                mean_ns + sd_ns * pdf / (1.0 - n.cdf(alpha))
            }
            Dist::Uniform { min_ns, max_ns } => (min_ns + max_ns) / 2.0,
            Dist::Gamma {
                shape, scale_ns, ..
            } => shape * scale_ns,
            Dist::Weibull {
                shape, scale_ns, ..
            } => scale_ns * statrs::function::gamma::gamma(1.0 + 1.0 / shape),
            Dist::Pareto {
                shape, scale_ns, ..
            } => {
                if *shape <= 1.0 {
                    f64::INFINITY
                } else {
                    shape * scale_ns / (shape - 1.0)
                }
            }
            Dist::Mixture { parts } => parts.iter().map(|p| p.weight * p.dist.mean_ns()).sum(),
            // Linear between points: each segment's mean is the middle of its values.
            Dist::Empirical { points } => points
                .windows(2)
                .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
                .sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    #[test]
    fn lognormal_from_median_and_p99_has_those_quantiles() {
        let d = Dist::lognormal_median_p99(300e6, 2e9).unwrap();
        let mut r = rng::stream(1, "q");
        let mut xs: Vec<u64> = (0..200_000).map(|_| d.sample(&mut r)).collect();
        xs.sort_unstable();
        let median = xs[100_000] as f64;
        let p99 = xs[198_000] as f64;
        assert!((median / 300e6 - 1.0).abs() < 0.02, "median {median}");
        assert!((p99 / 2e9 - 1.0).abs() < 0.04, "p99 {p99}");
    }

    // Sampled distributions against textbook formulas written here from the parameters (not
    // against `mean_ns`, which could share a bug with the sampler). Each case draws
    // N_SAMPLES = 200,000 values and checks its mean, where finite and useful its standard
    // deviation, and its median and 90th percentile. Standard errors at that n:
    //   mean:       SE = sd / sqrt(n), with the textbook sd;
    //   sd:         SE = sd * sqrt((kurtosis - 1) / (4 n)) (delta method), with the textbook
    //               kurtosis mu4 / sd^4 from the first four raw moments E[X^r];
    //   quantile p: SE = sqrt(p (1 - p) / n) / f(x_p), with the textbook density f (for the
    //               median sqrt(0.25 / n) / f(median)).
    // Tolerance: TOL_SE = 4 standard errors (each check's SE is in its failure message).
    // `textbook_checks_can_see_a_5_percent_error` proves, from the formulas alone, that
    // moving any one parameter of any case by 5% either way moves at least one checked value
    // by more than TOL_SE + 3 SE, so a sampler with such an error fails (its statistic lands
    // more than 4 SE from the right value except with probability about 1e-3 or less).
    // Sample values are whole nanoseconds; at scales of 1e6 ns the rounding is negligible.
    //
    // By hand, with deliberately wrong samplers, `sampled_distributions_match_textbook_formulas`
    // failed at its first check as follows (sampled vs textbook, in SE):
    //   Gamma shape 1.05 k:                 gamma k=2 mean 1050026 vs 1000000, +31.6 SE;
    //   Weibull::new(shape, scale) swapped: weibull k=1.5 mean 1 vs 902745, -658.7 SE;
    //   Weibull shape 1.05 k:               weibull k=1.5 sd 583832 vs 612936, -23.1 SE;
    //   Normal clamped at 0, not redrawn:   normal 10/5 mean 10047147 vs 10276239, -21.8 SE;
    //   Exponential mean 1.05 θ:            mean 1048247 vs 1000000, +21.6 SE;
    //   LogNormal σ 1.05:                   mean 3747638 vs 3704282, +9.8 SE;
    //   Pareto shape 1.05 α:                pareto a=4.5 mean 1268325 vs 1285714, -20.3 SE;
    //   Uniform from 1.05 min:              mean 2049616 vs 2000000, +38.4 SE.
    // With the code as it is, the largest deviation of the 39 checks is 2.2 SE.

    /// Draws per case.
    const N_SAMPLES: usize = 200_000;
    /// Tolerance, in standard errors.
    const TOL_SE: f64 = 4.0;

    /// What a check measures.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Stat {
        Mean,
        Sd,
        Quantile(f64),
    }

    /// A statistic's textbook value and its standard error at `n` draws.
    #[derive(Debug, Clone, Copy)]
    struct Check {
        stat: Stat,
        want: f64,
        se: f64,
    }

    /// Mean and sd checks from the raw moments E[X], E[X^2], E[X^3], E[X^4].
    fn moment_checks(m: [f64; 4], n: f64, with_sd: bool) -> Vec<Check> {
        let [m1, m2, m3, m4] = m;
        let var = m2 - m1 * m1;
        let sd = var.sqrt();
        let mut checks = vec![Check {
            stat: Stat::Mean,
            want: m1,
            se: sd / n.sqrt(),
        }];
        if with_sd {
            let mu4 = m4 - 4.0 * m3 * m1 + 6.0 * m2 * m1 * m1 - 3.0 * m1.powi(4);
            let kurtosis = mu4 / (var * var);
            checks.push(Check {
                stat: Stat::Sd,
                want: sd,
                se: sd * ((kurtosis - 1.0) / (4.0 * n)).sqrt(),
            });
        }
        checks
    }

    /// Median and 90th-percentile checks from the quantile function and the density.
    fn quantile_checks(q: impl Fn(f64) -> f64, f: impl Fn(f64) -> f64, n: f64) -> Vec<Check> {
        [0.5, 0.9]
            .into_iter()
            .map(|p| {
                let x = q(p);
                Check {
                    stat: Stat::Quantile(p),
                    want: x,
                    se: (p * (1.0 - p) / n).sqrt() / f(x),
                }
            })
            .collect()
    }

    /// Φ, the standard normal CDF.
    fn phi_cdf(z: f64) -> f64 {
        StdNormal::standard().cdf(z)
    }

    /// The standard normal density.
    fn phi(z: f64) -> f64 {
        (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
    }

    /// Γ(x).
    fn gamma_fn(x: f64) -> f64 {
        statrs::function::gamma::gamma(x)
    }

    /// A distribution under test: how the code builds it from `params`, and the textbook
    /// values of its statistics at `n` draws.
    struct Case {
        name: &'static str,
        params: &'static [f64],
        make: fn(&[f64]) -> Dist,
        textbook: fn(&[f64], f64) -> Vec<Check>,
    }

    fn cases() -> Vec<Case> {
        vec![
            // Exponential, mean θ: E[X^r] = r! θ^r (sd θ, kurtosis 9); median θ ln 2,
            // x_p = -θ ln(1 - p), f(x) = e^(-x/θ) / θ. With θ = 1e6 ns: mean SE 2.2e3 ns,
            // sd SE 3.2e3 ns, median SE 2.2e3 ns.
            Case {
                name: "exponential",
                params: &[1e6],
                make: |p| Dist::exponential(p[0]).unwrap(),
                textbook: |p, n| {
                    let t = p[0];
                    let mut c =
                        moment_checks([t, 2.0 * t * t, 6.0 * t.powi(3), 24.0 * t.powi(4)], n, true);
                    c.extend(quantile_checks(
                        |q| -t * (1.0 - q).ln(),
                        |x| (-x / t).exp() / t,
                        n,
                    ));
                    c
                },
            },
            // Gamma, shape k, scale θ: E[X^r] = θ^r Γ(k + r) / Γ(k) (mean kθ, sd sqrt(k) θ);
            // f(x) = x^(k-1) e^(-x/θ) / (Γ(k) θ^k); the median has no closed form: θ times
            // statrs' inverse CDF of Gamma(k, 1) at 1/2. k = 2, θ = 5e5 (mean 1e6, SE 1.6e3)
            // and k = 0.5 (rand_distr samples shape < 1 by another method), θ = 2e6.
            Case {
                name: "gamma k=2",
                params: &[2.0, 5e5],
                make: |p| Dist::gamma(p[0], p[1]).unwrap(),
                textbook: gamma_textbook,
            },
            Case {
                name: "gamma k=0.5",
                params: &[0.5, 2e6],
                make: |p| Dist::gamma(p[0], p[1]).unwrap(),
                textbook: gamma_textbook,
            },
            // Weibull, shape k, scale λ: E[X^r] = λ^r Γ(1 + r/k) (mean λ Γ(1 + 1/k));
            // median λ (ln 2)^(1/k), x_p = λ (-ln(1 - p))^(1/k),
            // f(x) = (k/λ) (x/λ)^(k-1) e^(-(x/λ)^k). k = 1.5, λ = 1e6: mean 9.03e5 ns,
            // SE 1.4e3 ns; median 7.83e5 ns, SE 1.7e3 ns. And k = 0.8.
            Case {
                name: "weibull k=1.5",
                params: &[1.5, 1e6],
                make: |p| Dist::weibull(p[0], p[1]).unwrap(),
                textbook: weibull_textbook,
            },
            Case {
                name: "weibull k=0.8",
                params: &[0.8, 1e6],
                make: |p| Dist::weibull(p[0], p[1]).unwrap(),
                textbook: weibull_textbook,
            },
            // Log-normal, μ and σ of ln(ns): E[X^r] = e^(rμ + r²σ²/2) (mean e^(μ + σ²/2));
            // median e^μ, x_p = e^(μ + σ Φ⁻¹(p)), f(x) = φ((ln x - μ)/σ) / (x σ).
            // μ = 15, σ = 0.5: mean 3.70e6 ns, SE 4.4e3 ns; median 3.27e6 ns, SE 4.6e3 ns.
            Case {
                name: "lognormal",
                params: &[15.0, 0.5],
                make: |p| Dist::lognormal(p[0], p[1]).unwrap(),
                textbook: |p, n| {
                    let (mu, s) = (p[0], p[1]);
                    let m = |r: f64| (r * mu + r * r * s * s / 2.0).exp();
                    let mut c = moment_checks([m(1.0), m(2.0), m(3.0), m(4.0)], n, true);
                    c.extend(quantile_checks(
                        |q| (mu + s * normal_quantile(q)).exp(),
                        |x| phi((x.ln() - mu) / s) / (x * s),
                        n,
                    ));
                    c
                },
            },
            // Normal(μ, σ) truncated at zero, as the code does (negative draws are redrawn,
            // docs/scenarios.md): with α = -μ/σ and Z = 1 - Φ(α), mean μ + σ φ(α)/Z,
            // variance σ² (1 + α φ(α)/Z - (φ(α)/Z)²), x_p = μ + σ Φ⁻¹(Φ(α) + p Z),
            // f(x) = φ((x - μ)/σ) / (σ Z). μ = 10 ms, σ = 5 ms (truncated mean 10.276 ms,
            // 2.8% above μ; SE 1.1e4 ns) and μ = 2 ms, σ = 4 ms (mean 4.04 ms, twice μ).
            Case {
                name: "normal 10/5",
                params: &[10e6, 5e6],
                make: |p| Dist::normal(p[0], p[1]).unwrap(),
                textbook: normal_textbook,
            },
            Case {
                name: "normal 2/4",
                params: &[2e6, 4e6],
                make: |p| Dist::normal(p[0], p[1]).unwrap(),
                textbook: normal_textbook,
            },
            // Uniform on [a, b]: E[X^r] = (b^(r+1) - a^(r+1)) / ((r + 1)(b - a)) (mean
            // (a + b)/2, sd (b - a)/sqrt(12)); median (a + b)/2, x_p = a + p (b - a),
            // f = 1/(b - a). a = 1 ms, b = 3 ms: mean SE 1.3e3 ns, median SE 2.2e3 ns.
            Case {
                name: "uniform",
                params: &[1e6, 3e6],
                make: |p| Dist::uniform(p[0], p[1]).unwrap(),
                textbook: |p, n| {
                    let (a, b) = (p[0], p[1]);
                    let m = |r: i32| (b.powi(r + 1) - a.powi(r + 1)) / (f64::from(r + 1) * (b - a));
                    let mut c = moment_checks([m(1), m(2), m(3), m(4)], n, true);
                    c.extend(quantile_checks(|q| a + q * (b - a), |_| 1.0 / (b - a), n));
                    c
                },
            },
            // Pareto type I, shape α, scale (minimum) x_m: mean α x_m/(α - 1), variance
            // x_m² α / ((α - 1)² (α - 2)); median x_m 2^(1/α), x_p = x_m (1 - p)^(-1/α),
            // f(x) = α x_m^α / x^(α+1). The mean is checked only for α = 4.5 (finite fourth
            // moment: mean 1.286e6 ns, SE 857 ns), not the sd (its SE would need the eighth
            // moment); α = 1.5 (infinite variance) is checked by its quantiles only.
            Case {
                name: "pareto a=4.5",
                params: &[4.5, 1e6],
                make: |p| Dist::pareto(p[0], p[1]).unwrap(),
                textbook: pareto_textbook,
            },
            Case {
                name: "pareto a=1.5",
                params: &[1.5, 1e6],
                make: |p| Dist::pareto(p[0], p[1]).unwrap(),
                textbook: pareto_textbook,
            },
        ]
    }

    fn gamma_textbook(p: &[f64], n: f64) -> Vec<Check> {
        let (k, t) = (p[0], p[1]);
        let m = |r: f64| t.powf(r) * gamma_fn(k + r) / gamma_fn(k);
        let mut c = moment_checks([m(1.0), m(2.0), m(3.0), m(4.0)], n, true);
        let unit = statrs::distribution::Gamma::new(k, 1.0).unwrap();
        let ln_norm = statrs::function::gamma::ln_gamma(k) + k * t.ln();
        c.extend(quantile_checks(
            |q| t * unit.inverse_cdf(q),
            |x| ((k - 1.0) * x.ln() - x / t - ln_norm).exp(),
            n,
        ));
        c
    }

    fn weibull_textbook(p: &[f64], n: f64) -> Vec<Check> {
        let (k, l) = (p[0], p[1]);
        let m = |r: f64| l.powf(r) * gamma_fn(1.0 + r / k);
        let mut c = moment_checks([m(1.0), m(2.0), m(3.0), m(4.0)], n, true);
        c.extend(quantile_checks(
            |q| l * (-(1.0 - q).ln()).powf(1.0 / k),
            |x| (k / l) * (x / l).powf(k - 1.0) * (-(x / l).powf(k)).exp(),
            n,
        ));
        c
    }

    fn normal_textbook(p: &[f64], n: f64) -> Vec<Check> {
        let (mu, s) = (p[0], p[1]);
        let alpha = -mu / s;
        let z = 1.0 - phi_cdf(alpha);
        let lambda = phi(alpha) / z;
        let sd = s * (1.0 + alpha * lambda - lambda * lambda).sqrt();
        let mut c = vec![Check {
            stat: Stat::Mean,
            want: mu + s * lambda,
            se: sd / n.sqrt(),
        }];
        c.extend(quantile_checks(
            |q| mu + s * normal_quantile(phi_cdf(alpha) + q * z),
            |x| phi((x - mu) / s) / (s * z),
            n,
        ));
        c
    }

    fn pareto_textbook(p: &[f64], n: f64) -> Vec<Check> {
        let (a, xm) = (p[0], p[1]);
        let mut c = Vec::new();
        if a > 4.0 {
            let sd = xm * (a / ((a - 1.0).powi(2) * (a - 2.0))).sqrt();
            c.push(Check {
                stat: Stat::Mean,
                want: a * xm / (a - 1.0),
                se: sd / n.sqrt(),
            });
        }
        c.extend(quantile_checks(
            |q| xm * (1.0 - q).powf(-1.0 / a),
            |x| a * xm.powf(a) / x.powf(a + 1.0),
            n,
        ));
        c
    }

    /// The sample's value of `stat`.
    fn sample_stat(sorted: &[f64], stat: Stat) -> f64 {
        let n = sorted.len() as f64;
        let mean = sorted.iter().sum::<f64>() / n;
        match stat {
            Stat::Mean => mean,
            Stat::Sd => (sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt(),
            Stat::Quantile(p) => sorted[(p * n) as usize],
        }
    }

    #[test]
    fn sampled_distributions_match_textbook_formulas() {
        for case in cases() {
            let d = (case.make)(case.params);
            let mut r = rng::stream(3, case.name);
            let mut xs: Vec<f64> = (0..N_SAMPLES).map(|_| d.sample(&mut r) as f64).collect();
            xs.sort_unstable_by(f64::total_cmp);
            for c in (case.textbook)(case.params, N_SAMPLES as f64) {
                let got = sample_stat(&xs, c.stat);
                assert!(
                    (got - c.want).abs() <= TOL_SE * c.se,
                    "{} {:?}: {:?} sampled {got:.0}, textbook {:.0}, SE {:.0}: off by {:.1} SE",
                    case.name,
                    case.params,
                    c.stat,
                    c.want,
                    c.se,
                    (got - c.want) / c.se
                );
            }
        }
    }

    #[test]
    fn textbook_checks_can_see_a_5_percent_error() {
        let n = N_SAMPLES as f64;
        for case in cases() {
            let right = (case.textbook)(case.params, n);
            for i in 0..case.params.len() {
                for factor in [0.95, 1.05] {
                    let mut wrong = case.params.to_vec();
                    wrong[i] *= factor;
                    let shift = (case.textbook)(&wrong, n)
                        .iter()
                        .zip(&right)
                        .map(|(w, c)| (w.want - c.want).abs() / c.se)
                        .fold(0.0, f64::max);
                    assert!(
                        shift > TOL_SE + 3.0,
                        "{}: parameter {i} x {factor} moves no check by more than {shift:.1} SE",
                        case.name
                    );
                }
            }
        }
    }

    #[test]
    fn mean_ns_is_the_textbook_mean() {
        for case in cases() {
            let d = (case.make)(case.params);
            if let Some(c) = (case.textbook)(case.params, 1.0)
                .iter()
                .find(|c| c.stat == Stat::Mean)
            {
                assert!(
                    (d.mean_ns() / c.want - 1.0).abs() < 1e-9,
                    "{}: mean_ns {} vs {}",
                    case.name,
                    d.mean_ns(),
                    c.want
                );
            }
        }
        assert!(Dist::pareto(1.0, 1e6).unwrap().mean_ns().is_infinite());
        // Pareto α = 1.5 (mean checked here only, its samples' mean converging too slowly):
        // α x_m/(α - 1) = 3 x_m.
        assert!((Dist::pareto(1.5, 1e6).unwrap().mean_ns() / 3e6 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn constant_is_constant() {
        let d = Dist::Constant(30_000_000);
        let mut r = rng::stream(3, "constant");
        assert!((0..1000).all(|_| d.sample(&mut r) == 30_000_000));
        assert_eq!(d.mean_ns(), 3e7);
        // A normal with sd 0 and a uniform with min = max are constants too.
        let n = Dist::normal(5e6, 0.0).unwrap();
        let u = Dist::uniform(2e6, 2e6).unwrap();
        assert!((0..1000).all(|_| n.sample(&mut r) == 5_000_000 && u.sample(&mut r) == 2_000_000));
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        assert!(Dist::lognormal_median_p99(2e9, 1e9).is_err());
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::uniform(5.0, 1.0).is_err());
        assert!(Dist::gamma(-1.0, 1.0).is_err());
        assert!(Dist::normal(1.0, -1.0).is_err());
    }

    #[test]
    fn lognormal_parameters_are_checked_with_their_own_messages() {
        // A p99 below the median is refused for what it is (not for the negative sigma it
        // would give); a p99 equal to the median is a constant, sigma 0.
        let e = Dist::lognormal_median_p99(2e9, 1e9).unwrap_err();
        assert!(e.contains("must be at least the median"), "{e}");
        let d = Dist::lognormal_median_p99(1e9, 1e9).unwrap();
        let mut rng = crate::rng::stream(1, "lognormal");
        assert!((0..100).all(|_| d.sample(&mut rng) == 1_000_000_000));
        for sigma in [-1.0, f64::INFINITY, f64::NAN] {
            let e = Dist::lognormal(0.0, sigma).unwrap_err();
            assert!(
                e.contains("sigma must be zero or more"),
                "sigma {sigma}: {e}"
            );
        }
    }

    // Mixtures and empirical distributions, against formulas written here. Same N_SAMPLES
    // and TOL_SE as above; a CDF value F(x) estimated by the fraction of draws at or below x
    // has binomial SE sqrt(F (1 - F) / n). With the code as it is, the largest deviation
    // of these checks is 1.7 SE. By hand, with deliberately wrong code:
    //   weights not normalised (cumulative 3, 8, 10): the mixture's mean_ns 38 ms, not
    //     3.8 ms, and the half/half constants choose the first 10,000 times of 10,000;
    //   the component after the chosen one: mixture mean +314 SE, cold-start KS D 0.302;
    //   the inverse CDF flat within each segment, not linear: the quantile at p = 1 is
    //     300 ms, not 900 ms;
    //   samples at type-7 positions k/(n - 1) (no flat tails): mean 72.05 ms against the
    //     samples' 72.33 ms;
    //   an empirical mean_ns from each segment's left value: both empirical tests fail.

    /// Fraction of `sorted` at or below `x`.
    fn cdf_at(sorted: &[f64], x: f64) -> f64 {
        sorted.partition_point(|&v| v <= x) as f64 / sorted.len() as f64
    }

    /// Asserts that the sampled CDF at `x` is within TOL_SE binomial SEs of `want`.
    fn assert_cdf(what: &str, sorted: &[f64], x: f64, want: f64) {
        let got = cdf_at(sorted, x);
        let se = (want * (1.0 - want) / sorted.len() as f64).sqrt().max(1e-9);
        assert!(
            (got - want).abs() <= TOL_SE * se,
            "{what}: F({x:.0}) sampled {got:.5}, expected {want:.5}, off by {:.1} SE",
            (got - want) / se
        );
    }

    fn draws(d: &Dist, stream: &str) -> Vec<f64> {
        let mut r = rng::stream(3, stream);
        let mut xs: Vec<f64> = (0..N_SAMPLES).map(|_| d.sample(&mut r) as f64).collect();
        xs.sort_unstable_by(f64::total_cmp);
        xs
    }

    /// Asserts the sampled statistics against their checks.
    fn assert_checks(what: &str, sorted: &[f64], checks: &[Check]) {
        for c in checks {
            let got = sample_stat(sorted, c.stat);
            assert!(
                (got - c.want).abs() <= TOL_SE * c.se,
                "{what} {:?}: sampled {got:.0}, formula {:.0}, SE {:.0}: off by {:.1} SE",
                c.stat,
                c.want,
                c.se,
                (got - c.want) / c.se
            );
        }
    }

    #[test]
    fn mixture_mean_and_variance_are_the_weighted_formulas() {
        // Weights 3 : 5 : 2 (normalised to 0.3, 0.5, 0.2) of Exponential(θ = 1 ms),
        // Uniform(2 ms, 4 ms) and Constant(10 ms). Raw moments are the weighted sums of the
        // components' (E[X^r] = r! θ^r; (b^(r+1) - a^(r+1)) / ((r+1)(b-a)); c^r):
        // mean 0.3·1 + 0.5·3 + 0.2·10 = 3.8 ms, variance Σ w (σ² + μ²) - μ² =
        // 0.3·2 + 0.5·(1/3 + 9) + 0.2·100 - 3.8² = 10.8267 ms², sd 3.29 ms; mean SE 7.4e3 ns.
        // The CDF is Σ w F_i: checked inside each component's range and at the atom.
        let (t, a, b, c): (f64, f64, f64, f64) = (1e6, 2e6, 4e6, 10e6);
        let d = Dist::mixture(vec![
            (3.0, Dist::exponential(t).unwrap()),
            (5.0, Dist::uniform(a, b).unwrap()),
            (2.0, Dist::Constant(c as SimTime)),
        ])
        .unwrap();
        let w = [0.3, 0.5, 0.2];
        let raw = |r: i32| {
            let fact = (1..=r).product::<i32>() as f64;
            w[0] * fact * t.powi(r)
                + w[1] * (b.powi(r + 1) - a.powi(r + 1)) / (f64::from(r + 1) * (b - a))
                + w[2] * c.powi(r)
        };
        let m = [raw(1), raw(2), raw(3), raw(4)];
        let mean = 0.3 * t + 0.5 * (a + b) / 2.0 + 0.2 * c;
        let var = 0.3 * (t * t + t * t)
            + 0.5 * ((b - a).powi(2) / 12.0 + ((a + b) / 2.0).powi(2))
            + 0.2 * c * c
            - mean * mean;
        // The two ways of writing the moments agree (the test's own arithmetic).
        assert!(
            (m[0] / mean - 1.0).abs() < 1e-12 && ((m[1] - m[0] * m[0]) / var - 1.0).abs() < 1e-12
        );
        assert!(
            (d.mean_ns() / mean - 1.0).abs() < 1e-12,
            "mean_ns {}",
            d.mean_ns()
        );
        let xs = draws(&d, "mixture");
        assert_checks("mixture", &xs, &moment_checks(m, N_SAMPLES as f64, true));
        let cdf = |x: f64| {
            w[0] * (1.0 - (-x / t).exp())
                + w[1] * ((x - a) / (b - a)).clamp(0.0, 1.0)
                + if x >= c { w[2] } else { 0.0 }
        };
        for x in [0.5e6, 1.5e6, 3e6, 6e6, c - 1.0, c] {
            assert_cdf("mixture", &xs, x, cdf(x));
        }
    }

    #[test]
    fn mixture_weights_are_refused_unless_finite_and_positive() {
        let one = || Dist::Constant(1);
        assert!(Dist::mixture(vec![]).is_err());
        for w in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = Dist::mixture(vec![(1.0, one()), (w, one())]).unwrap_err();
            assert!(e.contains("weight must be greater than zero"), "{w}: {e}");
        }
        let e = Dist::mixture(vec![(f64::MAX, one()), (f64::MAX, one())]).unwrap_err();
        assert!(e.contains("finite sum"), "{e}");
    }

    /// The Kolmogorov–Smirnov statistic of `sorted` against the CDF `f`.
    fn ks(sorted: &[f64], f: impl Fn(f64) -> f64) -> f64 {
        let n = sorted.len() as f64;
        sorted
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let fx = f(x);
                (fx - i as f64 / n)
                    .abs()
                    .max((fx - (i + 1) as f64 / n).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn a_cold_start_mixture_makes_the_whole_cold_service_time_exponential() {
        // SimFaaS's warm and cold service times are exponential with means w = 1.991 s and
        // c = 2.244 s. A cold invocation here is its cold start plus its compute step,
        // Exp(w). With the cold start 0 with probability w/c, else Exp(c), the sum is
        // exactly Exp(c): Laplace transforms (w/c + (1 - w/c)/(1 + cs)) / (1 + ws) =
        // 1/(1 + cs). The KS statistic D of 200,000 sums against Exp(c) must be under the
        // α = 0.001 critical value 1.949/sqrt(n) = 0.00436 (measured 0.00142), and the
        // mean and sd within 4 SE of c (mean SE c/sqrt(n) = 5.0 ms; sd SE from kurtosis 9,
        // c·sqrt(8/(4n)) = 7.1 ms; measured -0.1 and 0.0 SE). The same test of a cold
        // start that only matches the mean (a constant c - w = 253 ms, "warm plus a
        // delay") gives D = 0.107, and the mixture with its weights swapped D = 0.302: more
        // than 5 times the critical value, so the test tells them apart.
        let (w, c) = (1.991e9, 2.244e9);
        let n = N_SAMPLES as f64;
        let critical = 1.949 / n.sqrt();
        let exp_c = |x: f64| 1.0 - (-x / c).exp();
        let work = Dist::exponential(w).unwrap();
        let sums = |init: &Dist| {
            let mut ri = rng::stream(5, "cold start");
            let mut rw = rng::stream(5, "work");
            let mut xs: Vec<f64> = (0..N_SAMPLES)
                .map(|_| (init.sample(&mut ri) + work.sample(&mut rw)) as f64)
                .collect();
            xs.sort_unstable_by(f64::total_cmp);
            xs
        };
        let exact = Dist::mixture(vec![
            (w / c, Dist::Constant(0)),
            (1.0 - w / c, Dist::exponential(c).unwrap()),
        ])
        .unwrap();
        let xs = sums(&exact);
        let d = ks(&xs, exp_c);
        assert!(
            d < critical,
            "KS D = {d:.5} against Exp(c), critical {critical:.5}"
        );
        let m = [c, 2.0 * c * c, 6.0 * c.powi(3), 24.0 * c.powi(4)];
        assert_checks("cold total", &xs, &moment_checks(m, n, true));
        assert!(
            (exact.mean_ns() + w - c).abs() < 1e-3,
            "mean {}",
            exact.mean_ns()
        );

        let shifted = Dist::Constant((c - w) as SimTime);
        let d = ks(&sums(&shifted), exp_c);
        assert!(d > 5.0 * critical, "a constant cold start: D = {d:.5}");
        let swapped = Dist::mixture(vec![
            (1.0 - w / c, Dist::Constant(0)),
            (w / c, Dist::exponential(c).unwrap()),
        ])
        .unwrap();
        let d = ks(&sums(&swapped), exp_c);
        assert!(d > 5.0 * critical, "weights swapped: D = {d:.5}");
    }

    #[test]
    fn empirical_quantiles_are_reproduced_at_the_points_and_linearly_between() {
        // Quantiles 10 ms at p = 0, 40 ms at 0.5, 300 ms at 0.99, 900 ms at 1. Exactly at
        // the points and at the middles of the segments, by the inverse CDF itself; then by
        // 200,000 draws: the fraction at or below each point's value and each segment's
        // middle value within 4 binomial SE of its p, and the mean within 4 SE of
        // Σ Δp (x0 + x1)/2 = 101.8 ms (each segment is uniform on its values: E[X²] per
        // segment (x0² + x0 x1 + x1²)/3; sd 105 ms, SE 236 µs).
        let q = [(0.0, 10e6), (0.5, 40e6), (0.99, 300e6), (1.0, 900e6)];
        let d = Dist::empirical(q.to_vec()).unwrap();
        let Dist::Empirical { points } = &d else {
            panic!("{d:?}")
        };
        for &(p, x) in &q {
            assert_eq!(Dist::empirical_quantile(points, p), x, "at p = {p}");
        }
        for w in q.windows(2) {
            let mid = Dist::empirical_quantile(points, (w[0].0 + w[1].0) / 2.0);
            assert!((mid - (w[0].1 + w[1].1) / 2.0).abs() < 1e-6, "{mid}");
        }
        let mean: f64 = q
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
            .sum();
        assert!((mean - 101.8e6).abs() < 1.0 && (d.mean_ns() / mean - 1.0).abs() < 1e-12);
        let m2: f64 = q
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[0].1.powi(2) + w[0].1 * w[1].1 + w[1].1.powi(2)) / 3.0)
            .sum();
        let sd = (m2 - mean * mean).sqrt();
        let xs = draws(&d, "empirical");
        let se = sd / (N_SAMPLES as f64).sqrt();
        let got = sample_stat(&xs, Stat::Mean);
        assert!(
            (got - mean).abs() <= TOL_SE * se,
            "mean {got} vs {mean}, SE {se}"
        );
        assert_eq!(xs[0] >= 10e6, xs[N_SAMPLES - 1] <= 900e6);
        for &(p, x) in &q[1..3] {
            assert_cdf("empirical point", &xs, x, p);
        }
        for w in q.windows(2) {
            assert_cdf(
                "empirical middle",
                &xs,
                (w[0].1 + w[1].1) / 2.0,
                (w[0].0 + w[1].0) / 2.0,
            );
        }
    }

    #[test]
    fn empirical_from_samples_reproduces_their_mean_and_quantiles() {
        // 1,000 log-normal samples (median 50 ms). The distribution built from them has
        // exactly their mean, and exactly the k-th smallest at p = (k - ½)/n; 200,000 draws
        // from it have a mean within 4 SE of the samples' mean (SE: the samples' sd over
        // sqrt(200,000)) and put a fraction (k - ½)/n within 4 binomial SE at or below the
        // k-th smallest, for k = 100, 500, 900.
        let source = Dist::lognormal_median_p99(50e6, 400e6).unwrap();
        let mut r = rng::stream(9, "samples");
        let samples: Vec<f64> = (0..1000).map(|_| source.sample(&mut r) as f64).collect();
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let sd = (samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        let d = Dist::from_samples(samples.clone()).unwrap();
        assert!(
            (d.mean_ns() / mean - 1.0).abs() < 1e-12,
            "{} vs {mean}",
            d.mean_ns()
        );
        let mut sorted = samples;
        sorted.sort_unstable_by(f64::total_cmp);
        let Dist::Empirical { points } = &d else {
            panic!("{d:?}")
        };
        for (k, &x) in sorted.iter().enumerate() {
            let p = (k as f64 + 0.5) / n;
            assert!(
                (Dist::empirical_quantile(points, p) - x).abs() < 1e-6 * x,
                "k {k}"
            );
        }
        let xs = draws(&d, "from samples");
        let got = sample_stat(&xs, Stat::Mean);
        let se = sd / (N_SAMPLES as f64).sqrt();
        assert!(
            (got - mean).abs() <= TOL_SE * se,
            "mean {got} vs {mean}, SE {se}"
        );
        for k in [100, 500, 900] {
            assert_cdf("from samples", &xs, sorted[k - 1], (k as f64 - 0.5) / n);
        }
        // One sample is a constant.
        let one = Dist::from_samples(vec![7e6]).unwrap();
        let mut r = rng::stream(9, "one");
        assert!((0..100).all(|_| one.sample(&mut r) == 7_000_000));
    }

    #[test]
    fn empirical_points_are_refused_unless_well_formed() {
        let e = |pts: &[(f64, f64)]| Dist::empirical(pts.to_vec()).unwrap_err();
        assert!(e(&[]).contains("p = 0 and p = 1"));
        assert!(e(&[(0.0, 1.0)]).contains("from p = 0 to p = 1"));
        assert!(e(&[(0.1, 1.0), (1.0, 2.0)]).contains("from p = 0 to p = 1"));
        assert!(e(&[(0.0, 1.0), (0.5, 2.0), (0.5, 3.0), (1.0, 4.0)]).contains("p must increase"));
        assert!(e(&[(0.0, 2.0), (1.0, 1.0)]).contains("must not decrease"));
        assert!(e(&[(0.0, -1.0), (1.0, 1.0)]).contains("zero or more"));
        assert!(e(&[(0.0, 1.0), (f64::NAN, 1.0), (1.0, 1.0)]).contains("p must be in [0, 1]"));
        assert!(Dist::from_samples(vec![]).is_err());
        assert!(Dist::from_samples(vec![1.0, f64::NAN]).is_err());
    }

    #[test]
    fn mixture_and_empirical_draws_are_deterministic_and_consume_one_uniform_to_choose() {
        // The same generator state gives the same draws; a mixture of constants and an
        // empirical distribution each take exactly one uniform per draw, whichever
        // component is chosen, so a stream they share stays aligned.
        let mix = Dist::mixture(vec![(1.0, Dist::Constant(1)), (1.0, Dist::Constant(2))]).unwrap();
        let emp = Dist::empirical(vec![(0.0, 0.0), (1.0, 1e9)]).unwrap();
        for d in [&mix, &emp] {
            let (mut a, mut b) = (rng::stream(4, "same"), rng::stream(4, "same"));
            let xs: Vec<_> = (0..1000).map(|_| d.sample(&mut a)).collect();
            let ys: Vec<_> = (0..1000).map(|_| d.sample(&mut b)).collect();
            assert_eq!(xs, ys);
            let (mut a, mut b) = (rng::stream(4, "one"), rng::stream(4, "one"));
            for _ in 0..100 {
                d.sample(&mut a);
                let _: f64 = rand::RngExt::random(&mut b);
            }
            let (x, y): (u64, u64) = (rand::RngExt::random(&mut a), rand::RngExt::random(&mut b));
            assert_eq!(x, y);
        }
        // Both constants are chosen, about half each.
        let mut r = rng::stream(4, "half");
        let ones = (0..10_000).filter(|_| mix.sample(&mut r) == 1).count();
        assert!((4_800..=5_200).contains(&ones), "{ones}");
    }
}
