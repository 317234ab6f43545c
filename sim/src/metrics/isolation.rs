//! Failure isolation: who failed before, during and after each fault, and how fast the
//! failure ratio came back.
//!
//! Transactions are grouped by **arrival time** into segments cut at every fault's start and
//! end, and within each segment by kind. For a fault, "before" is the segment that ends at its
//! start, "during" every segment between its start and end, "after" the segment that begins
//! at its end. A kind *touches* a fault when its transactions can reach the faulty component
//! (for a server fault limited to one handler: when it is that handler's kind); failures of
//! kinds that do not touch it, during it, are **collateral failures**.
//!
//! **Recovery time**: arrivals are also counted in buckets of the timeseries interval. After
//! a fault ends, recovery is reached at the start of the first bucket (starting at or after
//! the end) whose failure ratio is within one percentage point of the "before" window's ratio,
//! and whose next non-empty bucket is too; `recovery_s` is that bucket's start minus the
//! fault's end. Empty buckets are skipped. A fault whose "during" failure ratio stayed within
//! that tolerance needs no recovery (0 s). A fault that has not ended, or whose failure ratio
//! never comes back before the horizon, has no recovery time.

use std::collections::HashMap;

use super::Latency;
use crate::engine::{SimTime, secs};
use crate::observe::{Observer, Outcome, SimEvent, TxnId};
use crate::scenario::{Architecture, CompId, FaultKind, KindId};

/// Largest latency the per-window histograms hold [µs]: about 28 hours.
const WINDOW_MAX_US: u64 = 100_000_000_000;

/// How far above the "before" failure ratio still counts as recovered.
pub const RECOVERY_TOLERANCE: f64 = 0.01;

#[derive(Debug, Clone)]
struct KindStats {
    arrived: u64,
    failed: u64,
    response: Latency,
    done: Latency,
}

impl KindStats {
    fn new() -> Self {
        Self {
            arrived: 0,
            failed: 0,
            response: Latency::with_precision(WINDOW_MAX_US, 2),
            done: Latency::with_precision(WINDOW_MAX_US, 2),
        }
    }

    fn merge(&mut self, other: &KindStats) {
        self.arrived += other.arrived;
        self.failed += other.failed;
        self.response.merge(&other.response);
        self.done.merge(&other.done);
    }
}

#[derive(Debug, Clone)]
struct Segment {
    kinds: Vec<KindStats>,
}

/// A fault as observed.
#[derive(Debug, Clone)]
pub struct FaultRecord {
    /// Fault id.
    pub id: u32,
    /// Component hit.
    pub comp: CompId,
    /// Handler limit (server faults).
    pub handler: Option<KindId>,
    /// What went wrong.
    pub kind: FaultKind,
    /// Start [ns].
    pub start: SimTime,
    /// End [ns], if it ended.
    pub end: Option<SimTime>,
    first_segment: usize,
    after_segment: Option<usize>,
}

/// One row of `isolation.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct IsolationRow {
    /// Fault id.
    pub fault: u32,
    /// Faulty component.
    pub component: CompId,
    /// Fault kind name.
    pub fault_kind: &'static str,
    /// Fault start [s].
    pub start_s: f64,
    /// Fault end [s] (NaN if it has not ended).
    pub end_s: f64,
    /// "before", "during" or "after".
    pub window: &'static str,
    /// Transaction kind.
    pub kind: KindId,
    /// Whether this kind can reach the faulty component (code path).
    pub touches: bool,
    /// Transactions of this kind arrived in the window.
    pub arrived: u64,
    /// Of those, failed.
    pub failed: u64,
    /// failed / arrived (NaN when none arrived).
    pub failure_ratio: f64,
    /// p99 of successful responses [ms].
    pub response_p99_ms: f64,
    /// p99 of completed transactions' done latency [ms].
    pub done_p99_ms: f64,
    /// Failures of a kind that does not touch the fault, during it.
    pub collateral_failures: u64,
    /// The fault's recovery time [s] (NaN if none).
    pub recovery_s: f64,
}

/// The observer that measures isolation for one architecture.
#[derive(Debug, Clone)]
pub struct Isolation {
    /// touches[kind][comp].
    reach: Vec<Vec<bool>>,
    bucket: SimTime,
    /// (arrived, failed) per bucket of arrival time.
    buckets: Vec<(u64, u64)>,
    segments: Vec<Segment>,
    faults: Vec<FaultRecord>,
    /// In-flight transactions: kind, segment, bucket. Never iterated.
    open: HashMap<TxnId, (KindId, usize, usize)>,
}

impl Isolation {
    /// A tracker for `arch` with `kinds` transaction kinds, recovery buckets of `bucket` [ns].
    pub fn new(arch: &Architecture, kinds: usize, bucket: SimTime) -> Self {
        Self {
            reach: (0..kinds).map(|k| arch.reachable(k)).collect(),
            bucket: bucket.max(1),
            buckets: Vec::new(),
            segments: vec![Segment {
                kinds: vec![KindStats::new(); kinds],
            }],
            faults: Vec::new(),
            open: HashMap::new(),
        }
    }

    fn cut(&mut self) -> usize {
        let kinds = self.reach.len();
        self.segments.push(Segment {
            kinds: vec![KindStats::new(); kinds],
        });
        self.segments.len() - 1
    }

    /// The faults seen so far.
    pub fn faults(&self) -> &[FaultRecord] {
        &self.faults
    }

    /// Whether transactions of `kind` touch fault `f`.
    fn touches(&self, f: &FaultRecord, kind: KindId) -> bool {
        self.reach[kind][f.comp] && f.handler.is_none_or(|h| h == kind)
    }

    fn merged(&self, segments: std::ops::Range<usize>, kind: KindId) -> KindStats {
        let mut s = KindStats::new();
        for seg in &self.segments[segments] {
            s.merge(&seg.kinds[kind]);
        }
        s
    }

    fn ratio(arrived: u64, failed: u64) -> f64 {
        if arrived == 0 {
            f64::NAN
        } else {
            failed as f64 / arrived as f64
        }
    }

    /// Recovery time of fault `f` [s], or NaN.
    pub fn recovery_s(&self, f: &FaultRecord) -> f64 {
        let Some(end) = f.end else { return f64::NAN };
        let before = f.first_segment.checked_sub(1).map(|s| &self.segments[s]);
        let (arrived, failed) = before.map_or((0, 0), |s| {
            s.kinds
                .iter()
                .fold((0, 0), |(a, b), k| (a + k.arrived, b + k.failed))
        });
        let baseline = if arrived == 0 {
            0.0
        } else {
            failed as f64 / arrived as f64
        };
        // A fault that did not raise the failure ratio needs no recovery.
        let during = f.first_segment..f.after_segment.unwrap_or(self.segments.len());
        let (da, df) = self.segments[during]
            .iter()
            .flat_map(|s| &s.kinds)
            .fold((0, 0), |(a, b), k| (a + k.arrived, b + k.failed));
        if da > 0 && df as f64 / da as f64 <= baseline + RECOVERY_TOLERANCE {
            return 0.0;
        }
        let first = end.div_ceil(self.bucket) as usize;
        let ok = |(a, f): (u64, u64)| f as f64 / a as f64 <= baseline + RECOVERY_TOLERANCE;
        let nonempty: Vec<(usize, (u64, u64))> = self
            .buckets
            .iter()
            .copied()
            .enumerate()
            .skip(first)
            .filter(|(_, (a, _))| *a > 0)
            .collect();
        for (i, &(b, counts)) in nonempty.iter().enumerate() {
            if ok(counts) && nonempty.get(i + 1).is_none_or(|&(_, next)| ok(next)) {
                return secs(b as SimTime * self.bucket - end);
            }
        }
        f64::NAN
    }

    /// Collateral failures of fault `f`: failures during it of kinds that do not touch it.
    pub fn collateral_failures(&self, f: &FaultRecord) -> u64 {
        let during = f.first_segment..f.after_segment.unwrap_or(self.segments.len());
        (0..self.reach.len())
            .filter(|&k| !self.touches(f, k))
            .map(|k| self.merged(during.clone(), k).failed)
            .sum()
    }

    /// The rows of `isolation.csv`: per fault, window and kind.
    pub fn rows(&self) -> Vec<IsolationRow> {
        let mut rows = Vec::new();
        for f in &self.faults {
            let during = f.first_segment..f.after_segment.unwrap_or(self.segments.len());
            let mut windows = vec![
                ("before", f.first_segment - 1..f.first_segment),
                ("during", during),
            ];
            if let Some(a) = f.after_segment {
                windows.push(("after", a..a + 1));
            }
            let recovery_s = self.recovery_s(f);
            for (window, range) in windows {
                for kind in 0..self.reach.len() {
                    let s = self.merged(range.clone(), kind);
                    let touches = self.touches(f, kind);
                    rows.push(IsolationRow {
                        fault: f.id,
                        component: f.comp,
                        fault_kind: f.kind.name(),
                        start_s: secs(f.start),
                        end_s: f.end.map_or(f64::NAN, secs),
                        window,
                        kind,
                        touches,
                        arrived: s.arrived,
                        failed: s.failed,
                        failure_ratio: Self::ratio(s.arrived, s.failed),
                        response_p99_ms: s.response.quantile_ms(0.99),
                        done_p99_ms: s.done.quantile_ms(0.99),
                        collateral_failures: if window == "during" && !touches {
                            s.failed
                        } else {
                            0
                        },
                        recovery_s,
                    });
                }
            }
        }
        rows
    }
}

impl Observer for Isolation {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        match *event {
            SimEvent::TransactionArrived { txn, kind } => {
                let segment = self.segments.len() - 1;
                let bucket = (time / self.bucket) as usize;
                if self.buckets.len() <= bucket {
                    self.buckets.resize(bucket + 1, (0, 0));
                }
                self.buckets[bucket].0 += 1;
                self.segments[segment].kinds[kind].arrived += 1;
                self.open.insert(txn, (kind, segment, bucket));
            }
            SimEvent::ResponseSent {
                txn,
                ok: true,
                latency_ns,
                ..
            } => {
                if let Some(&(kind, segment, _)) = self.open.get(&txn) {
                    self.segments[segment].kinds[kind]
                        .response
                        .record(latency_ns);
                }
            }
            SimEvent::TransactionDone {
                txn,
                outcome,
                latency_ns,
                ..
            } => {
                if let Some((kind, segment, bucket)) = self.open.remove(&txn) {
                    let stats = &mut self.segments[segment].kinds[kind];
                    match outcome {
                        Outcome::Failed => {
                            stats.failed += 1;
                            self.buckets[bucket].1 += 1;
                        }
                        Outcome::Completed => stats.done.record(latency_ns),
                        Outcome::DeadLettered => {}
                    }
                }
            }
            SimEvent::FaultBegan {
                fault,
                comp,
                kind,
                handler,
            } => {
                let first_segment = self.cut();
                self.faults.push(FaultRecord {
                    id: fault,
                    comp,
                    handler,
                    kind,
                    start: time,
                    end: None,
                    first_segment,
                    after_segment: None,
                });
            }
            SimEvent::FaultEnded { fault, .. } => {
                let after = self.cut();
                if let Some(f) = self.faults.iter_mut().find(|f| f.id == fault) {
                    f.end = Some(time);
                    f.after_segment = Some(after);
                }
            }
            _ => {}
        }
    }
}
