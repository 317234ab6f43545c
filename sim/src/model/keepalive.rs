//! Keep-alive policies: how long an idle function instance stays warm, and whether it is
//! unloaded and pre-warmed again before the next expected request.
//!
//! After each invocation the policy returns a [`Window`]: unload now and reload after
//! `prewarm` (0: keep the instance loaded), then keep it warm for `keep_alive`. Three
//! policies:
//! - [`Fixed`]: keep warm for a fixed time (AWS Lambda: about 10 minutes).
//! - [`ScaleToZero`]: unload at once; every request after an idle gap cold-starts.
//! - [`Hybrid`]: the hybrid histogram policy of Shahrad et al., "Serverless in the Wild"
//!   (USENIX ATC '20, §4.2): a histogram of the function's idle times (time from the end of
//!   its last execution to the next request) in 1-minute bins over a 4-hour range. When the
//!   histogram is representative (its bin counts' coefficient of variation is at least 2),
//!   the pre-warm window is the 5th percentile of idle times less a 10% margin, and the
//!   keep-alive window runs to the 99th percentile plus a 10% margin. When it is not, or
//!   when most idle times fall beyond the range, the policy falls back to a fixed keep-alive
//!   of the whole range (the paper's "standard keep-alive"; its ARIMA branch for
//!   out-of-range patterns is not modelled).

use std::fmt::Debug;

use crate::engine::SimTime;
use crate::scenario::{HybridParams, KeepAlive};

/// What to do with an instance that has just become idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Unload now and load again after this long [ns]; 0 keeps it loaded.
    pub prewarm: SimTime,
    /// Then keep it warm this long [ns].
    pub keep_alive: SimTime,
}

/// A keep-alive policy of one function.
pub trait KeepAlivePolicy: Debug + Send + Sync {
    /// The function was idle for `idle` [ns] (no execution in progress) before a request.
    fn observe_idle_time(&mut self, idle: SimTime);
    /// The window for an instance that has just become idle.
    fn window(&mut self) -> Window;
}

/// Keep warm for a fixed time.
#[derive(Debug, Clone)]
pub struct Fixed(pub SimTime);

impl KeepAlivePolicy for Fixed {
    fn observe_idle_time(&mut self, _: SimTime) {}
    fn window(&mut self) -> Window {
        Window {
            prewarm: 0,
            keep_alive: self.0,
        }
    }
}

/// Unload as soon as an invocation ends.
#[derive(Debug, Clone)]
pub struct ScaleToZero;

impl KeepAlivePolicy for ScaleToZero {
    fn observe_idle_time(&mut self, _: SimTime) {}
    fn window(&mut self) -> Window {
        Window {
            prewarm: 0,
            keep_alive: 0,
        }
    }
}

/// The hybrid histogram policy.
#[derive(Debug, Clone)]
pub struct Hybrid {
    params: HybridParams,
    bins: Vec<u64>,
    in_range: u64,
    out_of_range: u64,
}

impl Hybrid {
    /// An empty histogram.
    pub fn new(params: HybridParams) -> Self {
        let n = (params.range / params.bin).max(1) as usize;
        Self {
            params,
            bins: vec![0; n],
            in_range: 0,
            out_of_range: 0,
        }
    }

    /// The bin holding the idle time at quantile `q`.
    fn percentile_bin(&self, q: f64) -> SimTime {
        let target = (q * self.in_range as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &c) in self.bins.iter().enumerate() {
            seen += c;
            if seen >= target {
                return i as SimTime;
            }
        }
        self.bins.len() as SimTime - 1
    }

    /// Whether the histogram says something: enough samples, most of them in range, and
    /// bin counts concentrated (coefficient of variation at least the threshold).
    fn representative(&self) -> bool {
        if self.in_range < self.params.min_samples || self.out_of_range > self.in_range {
            return false;
        }
        let n = self.bins.len() as f64;
        let mean = self.in_range as f64 / n;
        let var = self
            .bins
            .iter()
            .map(|&c| (c as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        var.sqrt() / mean >= self.params.cv_threshold
    }
}

impl KeepAlivePolicy for Hybrid {
    fn observe_idle_time(&mut self, idle: SimTime) {
        match self.bins.get_mut((idle / self.params.bin) as usize) {
            Some(c) => {
                *c += 1;
                self.in_range += 1;
            }
            None => self.out_of_range += 1,
        }
    }

    fn window(&mut self) -> Window {
        if !self.representative() {
            return Window {
                prewarm: 0,
                keep_alive: self.params.range,
            };
        }
        let margin = self.params.margin;
        // Conservative on both sides: the head from its bin's lower edge (so idle times under
        // one bin mean no unloading), the tail from its bin's upper edge.
        let head = (self.percentile_bin(self.params.head) * self.params.bin) as f64;
        let tail = ((self.percentile_bin(self.params.tail) + 1) * self.params.bin) as f64;
        let prewarm = (head * (1.0 - margin)) as SimTime;
        let end = (tail * (1.0 + margin)) as SimTime;
        Window {
            prewarm,
            keep_alive: end.saturating_sub(prewarm).max(self.params.bin),
        }
    }
}

/// The policy a function's scenario asks for.
pub fn policy(spec: &KeepAlive) -> Box<dyn KeepAlivePolicy> {
    match spec {
        KeepAlive::Fixed(t) => Box::new(Fixed(*t)),
        KeepAlive::ScaleToZero => Box::new(ScaleToZero),
        KeepAlive::Hybrid(p) => Box::new(Hybrid::new(*p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::NS_PER_S;

    const MIN: SimTime = 60 * NS_PER_S;

    fn params() -> HybridParams {
        HybridParams {
            range: 240 * MIN,
            bin: MIN,
            head: 0.05,
            tail: 0.99,
            margin: 0.1,
            cv_threshold: 2.0,
            min_samples: 5,
        }
    }

    #[test]
    fn hybrid_learns_a_periodic_pattern() {
        let mut h = Hybrid::new(params());
        // Before it has seen enough, it keeps instances for the whole range.
        assert_eq!(
            h.window(),
            Window {
                prewarm: 0,
                keep_alive: 240 * MIN
            }
        );
        for _ in 0..20 {
            h.observe_idle_time(15 * MIN - 30 * NS_PER_S); // 14.5 minutes: bin [14, 15) min
        }
        // Head from the bin's lower edge (14 min), tail from its upper edge (15 min), with 10%
        // margins: pre-warm at 12.6 min, warm until 16.5 min.
        assert_eq!(
            h.window(),
            Window {
                prewarm: 12 * MIN + 36 * NS_PER_S,
                keep_alive: 3 * MIN + 54 * NS_PER_S
            }
        );
    }

    #[test]
    fn hybrid_falls_back_when_the_pattern_is_uncertain() {
        let mut h = Hybrid::new(params());
        for i in 0..240 {
            h.observe_idle_time(i * MIN); // spread evenly: CV 0
        }
        assert_eq!(h.window().keep_alive, 240 * MIN);
        let mut h = Hybrid::new(params());
        for _ in 0..10 {
            h.observe_idle_time(300 * MIN); // beyond the range
        }
        assert_eq!(
            h.window(),
            Window {
                prewarm: 0,
                keep_alive: 240 * MIN
            }
        );
    }
}
