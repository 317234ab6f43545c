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
}
