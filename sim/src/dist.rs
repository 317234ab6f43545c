//! Distributions of durations, validated and ready to sample in nanoseconds.

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

    /// Draws one duration [ns].
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        let x = match self {
            Dist::Constant(ns) => return *ns,
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    fn sample_mean(d: &Dist, n: usize) -> f64 {
        let mut r = rng::stream(3, "dist-test");
        (0..n).map(|_| d.sample(&mut r) as f64).sum::<f64>() / n as f64
    }

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

    #[test]
    fn sample_means_match_analytic_means() {
        let cases = [
            Dist::exponential(1e6).unwrap(),
            Dist::lognormal_median_p99(3e6, 20e6).unwrap(),
            Dist::normal(10e6, 5e6).unwrap(),
            Dist::uniform(1e6, 3e6).unwrap(),
            Dist::gamma(2.0, 5e5).unwrap(),
            Dist::weibull(1.5, 1e6).unwrap(),
            Dist::pareto(3.0, 1e6).unwrap(),
        ];
        for d in &cases {
            let m = sample_mean(d, 200_000);
            let want = d.mean_ns();
            assert!(
                (m / want - 1.0).abs() < 0.02,
                "{d:?}: sample mean {m}, analytic {want}"
            );
        }
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        assert!(Dist::lognormal_median_p99(2e9, 1e9).is_err());
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::uniform(5.0, 1.0).is_err());
        assert!(Dist::gamma(-1.0, 1.0).is_err());
        assert!(Dist::normal(1.0, -1.0).is_err());
    }
}
