//! Arrival processes: the times at which each workload source creates transactions.
//!
//! Each source draws from its own stream named after its index and kind, so every
//! architecture sees exactly the same arrivals. A `Profile` is generated one segment (from
//! one point to the next) at a time: exponential gaps at the segment's rate, and a gap that
//! crosses the segment's end restarts at that end with the next segment's rate, exact by
//! memorylessness; a ramp's segment is thinned at its own larger end rate (Lewis & Shedler,
//! 1979: candidates at that bound, each kept with probability rate(t) / bound). So the work
//! per arrival does not depend on how much higher the profile's peak is than its rate now.
//! A `Diurnal` source, whose peak is at most twice its mean, is thinned at its peak.
//!
//! Traces are replayed as recorded. Azure per-minute counts are expanded one minute at a
//! time: with a uniform spread, the n arrivals of a minute are the order statistics of n
//! uniform times, drawn in increasing order (each the smallest of the uniforms still to
//! come, given the last), so a busy minute takes no memory. Under a load multiplier L ≠ 1 a
//! recorded arrival is replayed ⌊L⌋ times, plus once more with probability L − ⌊L⌋: thinning
//! below 1, copies at the same instant (then 1 ns apart) above.
//!
//! A trace of invocations also records each one's duration: the generator keeps the
//! duration of the arrival it produced last ([`ArrivalGen::duration`]), which the arrival's
//! transaction takes when it arrives (a source has at most one arrival scheduled, so that
//! is its own). Copies under a load above 1 share their original's duration.

use rand::RngExt;

use crate::dist::Dist;
use crate::engine::{NS_PER_S, SimTime};
use crate::rng::{self, SimRng};
use crate::scenario::trace::NS_PER_MINUTE;
use crate::scenario::{Arrivals, Source};

/// One recorded arrival of a trace.
#[derive(Debug, Clone, Copy)]
struct Recorded {
    /// When [ns], before the load multiplier.
    at: SimTime,
    /// The invocation's recorded duration [ns], for a trace of invocations.
    duration: Option<SimTime>,
}

/// Generates the arrival times of one source.
#[derive(Debug, Clone)]
pub struct ArrivalGen {
    arrivals: Arrivals,
    rng: SimRng,
    /// Time of the last arrival produced (or of the start) [ns].
    pub last: SimTime,
    /// For bursts: whether the current phase is on, and when it ends [ns].
    phase_on: bool,
    phase_end: SimTime,
    /// For traces: the next recorded time (`Trace`) or the current minute (`Azure`).
    cursor: usize,
    /// For Azure: arrivals of the current minute produced so far, and (uniform spread) the
    /// last one's position within the minute, as a fraction.
    in_minute: u32,
    fraction: f64,
    /// For traces under a load above 1: copies of `copy_of` still to produce.
    copies: u32,
    copy_of: Recorded,
    /// For traces: a recorded arrival already read, to replay next (set on resuming).
    pending: Option<Recorded>,
    /// For a trace of invocations: the recorded duration of the last arrival produced.
    duration: Option<SimTime>,
    /// Multiplier on the rate (the viewer's load slider); 1.0 in batch runs.
    pub load: f64,
    /// Whether the source stopped because its load was zero (and nothing is scheduled).
    pub stalled: bool,
}

/// An exponential gap [ns] at `rate` [1/s].
fn exp_gap(rng: &mut SimRng, rate: f64) -> f64 {
    let u: f64 = rng.random();
    -(1.0 - u).ln() / rate * NS_PER_S as f64
}

impl ArrivalGen {
    /// A generator for `source` (index `index`) under the scenario `seed`.
    pub fn new(seed: u64, index: usize, source: &Source, kind_name: &str) -> Self {
        let mut rng = rng::stream(seed, &format!("arrivals/{index}/{kind_name}"));
        let (phase_on, phase_end) = match &source.arrivals {
            Arrivals::Bursts { on, .. } => (true, sample_phase(on, &mut rng)),
            _ => (false, 0),
        };
        Self {
            arrivals: source.arrivals.clone(),
            rng,
            last: 0,
            phase_on,
            phase_end,
            cursor: 0,
            in_minute: 0,
            fraction: 0.0,
            copies: 0,
            copy_of: Recorded {
                at: 0,
                duration: None,
            },
            pending: None,
            duration: None,
            load: 1.0,
            stalled: false,
        }
    }

    /// Rate at time `t` [1/s], before the load multiplier. For a timestamp trace: the
    /// arrivals in the minute centred on `t`, per second; for an Azure trace: the count of
    /// `t`'s minute, per second.
    pub fn rate_at(&self, t: SimTime) -> f64 {
        match &self.arrivals {
            Arrivals::Poisson { rate } | Arrivals::Constant { rate } => *rate,
            Arrivals::Profile { points, ramp } => {
                let i = points
                    .partition_point(|&(from, _)| from <= t)
                    .saturating_sub(1);
                let (t0, r0) = points[i];
                match points.get(i + 1) {
                    Some(&(t1, r1)) if *ramp => r0 + (r1 - r0) * (t - t0) as f64 / (t1 - t0) as f64,
                    _ => r0,
                }
            }
            Arrivals::Diurnal {
                mean,
                amplitude,
                period,
                peak_at,
            } => {
                let phase = (t as f64 - *peak_at as f64) / *period as f64;
                mean * (1.0 + amplitude * (2.0 * std::f64::consts::PI * phase).cos())
            }
            Arrivals::Bursts {
                on_rate, off_rate, ..
            } => {
                if self.phase_on {
                    *on_rate
                } else {
                    *off_rate
                }
            }
            Arrivals::Trace { times, .. } => {
                let from = times.partition_point(|&x| x < t.saturating_sub(NS_PER_MINUTE / 2));
                let to = times.partition_point(|&x| x < t.saturating_add(NS_PER_MINUTE / 2));
                (to - from) as f64 / 60.0
            }
            Arrivals::Azure { per_minute, .. } => {
                let minute = usize::try_from(t / NS_PER_MINUTE).unwrap_or(usize::MAX);
                per_minute.get(minute).map_or(0.0, |&n| f64::from(n) / 60.0)
            }
        }
    }

    /// The recorded duration [ns] of the arrival [`Self::next`] returned last, for a trace
    /// of invocations (`None` for any other source).
    pub fn duration(&self) -> Option<SimTime> {
        self.duration
    }

    /// The next recorded arrival of a trace, before the load multiplier; `None` after the
    /// last.
    fn next_recorded(&mut self) -> Option<Recorded> {
        match &self.arrivals {
            Arrivals::Trace { times, durations } => {
                let at = *times.get(self.cursor)?;
                let duration = durations.as_ref().and_then(|d| d.get(self.cursor).copied());
                self.cursor += 1;
                Some(Recorded { at, duration })
            }
            Arrivals::Azure { per_minute, even } => {
                while self.in_minute >= *per_minute.get(self.cursor)? {
                    self.cursor += 1;
                    self.in_minute = 0;
                    self.fraction = 0.0;
                }
                let (n, k) = (per_minute[self.cursor], self.in_minute);
                self.in_minute += 1;
                let offset = if *even {
                    // (k + 1/2) minutes / n, exactly.
                    let ns = u128::from(2 * k + 1) * u128::from(NS_PER_MINUTE);
                    (ns / (2 * u128::from(n))) as SimTime
                } else {
                    // The smallest of the n − k uniforms left on (fraction, 1).
                    let u: f64 = self.rng.random();
                    let left = f64::from(n - k);
                    self.fraction = 1.0 - (1.0 - self.fraction) * (1.0 - u).powf(1.0 / left);
                    ((self.fraction * NS_PER_MINUTE as f64) as SimTime).min(NS_PER_MINUTE - 1)
                };
                Some(Recorded {
                    at: self.cursor as SimTime * NS_PER_MINUTE + offset,
                    duration: None,
                })
            }
            _ => None,
        }
    }

    /// The next arrival of a trace [ns] under `load`, or `None` if there is none before
    /// `horizon`.
    fn replay(&mut self, load: f64, horizon: SimTime) -> Option<SimTime> {
        let r = loop {
            if self.copies > 0 {
                self.copies -= 1;
                break self.copy_of;
            }
            let r = match self.pending.take() {
                Some(r) => r,
                None => self.next_recorded()?,
            };
            if r.at >= horizon {
                return None;
            }
            let copies = if load == 1.0 {
                1
            } else {
                let whole = load.floor();
                let u: f64 = self.rng.random();
                whole as u32 + u32::from(u < load - whole)
            };
            if copies > 0 {
                (self.copies, self.copy_of) = (copies - 1, r);
                break r;
            }
        };
        let t = r.at.max(self.last + 1);
        self.last = t;
        self.duration = r.duration;
        Some(t)
    }

    /// Starts a source stopped by a zero load again at `now`. Nothing it would have
    /// produced while stopped arrives late: a trace skips the arrivals recorded before
    /// `now`, bursts skip the phases that ended before it.
    pub fn resume(&mut self, now: SimTime) {
        self.stalled = false;
        self.last = self.last.max(now);
        self.copies = 0;
        match &self.arrivals {
            Arrivals::Bursts { on, off, .. } => {
                let (on, off) = (on.clone(), off.clone());
                while self.phase_end <= now {
                    self.phase_on = !self.phase_on;
                    let length =
                        sample_phase(if self.phase_on { &on } else { &off }, &mut self.rng);
                    self.phase_end = self.phase_end.saturating_add(length);
                }
            }
            Arrivals::Trace { .. } | Arrivals::Azure { .. } => {
                if self.pending.is_some_and(|r| r.at < now) {
                    self.pending = None;
                }
                while self.pending.is_none() {
                    match self.next_recorded() {
                        Some(r) if r.at >= now => self.pending = Some(r),
                        Some(_) => {}
                        None => break,
                    }
                }
            }
            _ => {}
        }
    }

    /// The next arrival time [ns], or `None` if there is none before `horizon`.
    pub fn next(&mut self, horizon: SimTime) -> Option<SimTime> {
        let load = self.load;
        if load <= 0.0 {
            self.stalled = true;
            return None;
        }
        let t = match &self.arrivals {
            Arrivals::Poisson { rate } => self.last as f64 + exp_gap(&mut self.rng, rate * load),
            Arrivals::Constant { rate } => self.last as f64 + NS_PER_S as f64 / (rate * load),
            Arrivals::Profile { points, ramp } => {
                let from = self.last as f64;
                next_in_profile(points, *ramp, load, from, horizon, &mut self.rng)?
            }
            Arrivals::Diurnal {
                mean, amplitude, ..
            } => {
                let peak = mean * (1.0 + amplitude) * load;
                let mut t = self.last as f64;
                loop {
                    t += exp_gap(&mut self.rng, peak);
                    if t >= horizon as f64 {
                        return None;
                    }
                    let u: f64 = self.rng.random();
                    if u * peak < self.rate_at(t as SimTime) * load {
                        break t;
                    }
                }
            }
            Arrivals::Bursts {
                on_rate,
                off_rate,
                on,
                off,
            } => {
                let (on_rate, off_rate, on, off) = (*on_rate, *off_rate, on.clone(), off.clone());
                let mut t = self.last as f64;
                loop {
                    let rate = if self.phase_on { on_rate } else { off_rate } * load;
                    // Memoryless: a gap that overruns the phase restarts at the next phase.
                    let candidate = if rate > 0.0 {
                        t + exp_gap(&mut self.rng, rate)
                    } else {
                        f64::INFINITY
                    };
                    if candidate < self.phase_end as f64 {
                        break candidate;
                    }
                    t = self.phase_end as f64;
                    if t >= horizon as f64 {
                        return None;
                    }
                    self.phase_on = !self.phase_on;
                    let length =
                        sample_phase(if self.phase_on { &on } else { &off }, &mut self.rng);
                    self.phase_end = self.phase_end.saturating_add(length);
                }
            }
            Arrivals::Trace { .. } | Arrivals::Azure { .. } => return self.replay(load, horizon),
        };
        if !t.is_finite() || t >= horizon as f64 {
            return None;
        }
        // Two arrivals of one source never share an instant: keeps ordering obvious.
        let t = (t as SimTime).max(self.last + 1);
        self.last = t;
        Some(t)
    }
}

/// The first arrival after `from` [ns] of a Poisson process whose rate [1/s] is the profile
/// `points` (steps, or linear `ramp`s between them; the last point's rate holds on) times
/// `load` (> 0), or `None` if there is none before `horizon` [ns].
///
/// One segment at a time: a gap drawn at the segment's bound rate that reaches the
/// segment's end is dropped and drawing restarts at that end, which is exact because the
/// exponential is memoryless. A step's bound is its rate, so every candidate is kept; a
/// ramp's is the larger of its end rates, and a candidate is kept with probability
/// rate(t) / bound. Work is proportional to the arrivals plus the segments crossed.
fn next_in_profile(
    points: &[(SimTime, f64)],
    ramp: bool,
    load: f64,
    from: f64,
    horizon: SimTime,
    rng: &mut SimRng,
) -> Option<f64> {
    let mut t = from;
    loop {
        if t >= horizon as f64 {
            return None;
        }
        // The segment holding t: from the last point at or before it (the first point if
        // none is, as in `rate_at`) to the next point, or on for ever after the last.
        let i = points
            .partition_point(|&(at, _)| at as f64 <= t)
            .saturating_sub(1);
        let &(t0, r0) = points.get(i)?;
        let next = points.get(i + 1).copied();
        let end = next.map_or(f64::INFINITY, |(t1, _)| t1 as f64);
        let r1 = match next {
            Some((_, r1)) if ramp => r1,
            _ => r0,
        };
        let bound = r0.max(r1) * load;
        if bound > 0.0 {
            let candidate = t + exp_gap(rng, bound);
            if candidate < end {
                if r0 == r1 {
                    return Some(candidate);
                }
                // Within a ramp: end is a point's time here, so finite and after t0.
                let slope = (r1 - r0) / (end - t0 as f64);
                let rate = (r0 + slope * (candidate - t0 as f64)) * load;
                let u: f64 = rng.random();
                if u * bound < rate {
                    return Some(candidate);
                }
                t = candidate;
                continue;
            }
        }
        t = end;
    }
}

/// A phase length of at least 1 ns, so phases always move time forward.
fn sample_phase(d: &Dist, rng: &mut SimRng) -> SimTime {
    d.sample(rng).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(arrivals: Arrivals, horizon_s: u64) -> (usize, Vec<SimTime>) {
        let source = Source { kind: 0, arrivals };
        let mut g = ArrivalGen::new(11, 0, &source, "k");
        let horizon = horizon_s * NS_PER_S;
        let times: Vec<_> = std::iter::from_fn(|| g.next(horizon)).collect();
        (times.len(), times)
    }

    #[test]
    fn poisson_count_matches_rate_times_horizon() {
        let (n, times) = count(Arrivals::Poisson { rate: 50.0 }, 2_000);
        // Mean 100,000, sd ≈ 316: 1% is over 3 sd.
        assert!((n as f64 / 100_000.0 - 1.0).abs() < 0.01, "{n}");
        assert!(times.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn constant_rate_is_evenly_spaced() {
        let (n, times) = count(Arrivals::Constant { rate: 4.0 }, 10);
        assert_eq!(n, 39); // 0.25 s, 0.5 s, ... 9.75 s
        assert_eq!(times[0], 250_000_000);
    }

    #[test]
    fn profile_steps_change_the_rate() {
        let points = vec![(0, 10.0), (500 * NS_PER_S, 40.0)];
        let (_, times) = count(
            Arrivals::Profile {
                points,
                ramp: false,
            },
            1_000,
        );
        let first = times.iter().filter(|&&t| t < 500 * NS_PER_S).count() as f64;
        let second = times.len() as f64 - first;
        assert!((first / 5_000.0 - 1.0).abs() < 0.05, "{first}");
        assert!((second / 20_000.0 - 1.0).abs() < 0.03, "{second}");
    }

    #[test]
    fn a_profile_whose_rate_falls_to_zero_ends_its_arrivals_there() {
        // Steps: 10/s for 100 s, none for 100 s, 10/s for 100 s, then none to the horizon.
        let points = vec![
            (0, 10.0),
            (100 * NS_PER_S, 0.0),
            (200 * NS_PER_S, 10.0),
            (300 * NS_PER_S, 0.0),
        ];
        let steps = Arrivals::Profile {
            points: points.clone(),
            ramp: false,
        };
        let (n, times) = count(steps, 1_000_000);
        let quiet = |&&t: &&SimTime| (100..200).contains(&(t / NS_PER_S)) || t >= 300 * NS_PER_S;
        assert_eq!(times.iter().filter(quiet).count(), 0);
        // Mean 2,000, sd ≈ 45.
        assert!((n as f64 - 2_000.0).abs() < 180.0, "{n}");
        // Ramps: 10 → 0 over 100 s (500), 0 → 10 (500), 10 → 0 (500), then none.
        let (n, times) = count(Arrivals::Profile { points, ramp: true }, 1_000_000);
        assert!(times.iter().all(|&t| t < 300 * NS_PER_S));
        // Mean 1,500, sd ≈ 39.
        assert!((n as f64 - 1_500.0).abs() < 155.0, "{n}");
    }

    #[test]
    fn ramp_interpolates_linearly() {
        let points = vec![(0, 0.0), (1_000 * NS_PER_S, 40.0)];
        let (n, _) = count(Arrivals::Profile { points, ramp: true }, 1_000);
        // Integral of a ramp from 0 to 40/s over 1000 s = 20,000.
        assert!((n as f64 / 20_000.0 - 1.0).abs() < 0.03, "{n}");
    }

    #[test]
    fn a_trace_resumed_again_before_drawing_skips_the_time_it_had_read_ahead() {
        // `resume` is public: resumed at 1 s, a trace of 5 s, 15 s and 25 s reads ahead to
        // 5 s; resumed again at 10 s before drawing, 5 s is in the past and must be skipped,
        // so the next arrival is 15 s, not 5 s delivered late (at 10 s + 1 ns). A time equal
        // to the instant of resuming is not in the past: resumed at 15 s, 15 s is kept, and
        // (after the last arrival, 15 s) it comes 1 ns later, at 15 s + 1 ns.
        let s = NS_PER_S;
        let times: std::sync::Arc<[SimTime]> = vec![5 * s, 15 * s, 25 * s].into();
        let source = Source {
            kind: 0,
            arrivals: Arrivals::Trace {
                times,
                durations: None,
            },
        };
        let mut g = ArrivalGen::new(11, 0, &source, "k");
        g.resume(s);
        g.resume(10 * s);
        assert_eq!(g.next(100 * s), Some(15 * s));
        let mut g = ArrivalGen::new(11, 0, &source, "k");
        g.resume(15 * s);
        g.resume(15 * s);
        assert_eq!(g.next(100 * s), Some(15 * s + 1));
        assert_eq!(g.next(100 * s), Some(25 * s));
    }

    #[test]
    fn rate_at_interpolates_a_ramp_and_reads_an_azure_minute() {
        let gen_for = |arrivals| ArrivalGen::new(11, 0, &Source { kind: 0, arrivals }, "k");
        // A ramp from 10/s at 0 s to 30/s at 100 s: 10 + 20 × t / 100 s, so 15/s at 25 s and
        // 20/s at 50 s; the last point's rate holds on after it.
        let ramp = gen_for(Arrivals::Profile {
            points: vec![(0, 10.0), (100 * NS_PER_S, 30.0)],
            ramp: true,
        });
        let at = |g: &ArrivalGen, s: u64| g.rate_at(s * NS_PER_S);
        assert_eq!(
            [0, 25, 50, 100, 200].map(|s| at(&ramp, s)),
            [10.0, 15.0, 20.0, 30.0, 30.0]
        );
        // Azure counts of 60, 120 and 30 a minute: 1/s, 2/s and 0.5/s through each minute, and
        // nothing after the last.
        let azure = gen_for(Arrivals::Azure {
            per_minute: vec![60, 120, 30].into(),
            even: true,
        });
        assert_eq!(
            [0, 30, 60, 90, 150, 180, 600].map(|s| at(&azure, s)),
            [1.0, 1.0, 2.0, 2.0, 0.5, 0.0, 0.0]
        );
    }

    #[test]
    fn diurnal_peak_and_trough() {
        let a = Arrivals::Diurnal {
            mean: 20.0,
            amplitude: 0.5,
            period: 1_000 * NS_PER_S,
            peak_at: 0,
        };
        let (n, times) = count(a, 1_000);
        assert!((n as f64 / 20_000.0 - 1.0).abs() < 0.03, "{n}");
        let near_peak = times.iter().filter(|&&t| t < 50 * NS_PER_S).count() as f64;
        let near_trough = times
            .iter()
            .filter(|&&t| (475..525).contains(&(t / NS_PER_S)))
            .count() as f64;
        assert!(
            near_peak > 2.5 * near_trough,
            "peak {near_peak} trough {near_trough}"
        );
    }

    #[test]
    fn bursts_alternate_on_and_off() {
        let a = Arrivals::Bursts {
            on_rate: 100.0,
            off_rate: 0.0,
            on: Dist::Constant(10 * NS_PER_S),
            off: Dist::Constant(40 * NS_PER_S),
        };
        let (n, times) = count(a, 1_000);
        // 20 cycles of 10 s on at 100/s = 20,000 arrivals, none in off periods.
        assert!((n as f64 / 20_000.0 - 1.0).abs() < 0.03, "{n}");
        assert!(times.iter().all(|&t| (t / NS_PER_S) % 50 < 10));
    }
}
