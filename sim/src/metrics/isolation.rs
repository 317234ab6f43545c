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
//! A `Repeat` fault keeps one id for all its windows, and its figures are **aggregated over
//! its windows**: "during" is every transaction that arrived while one of its windows was in
//! force, "before" and "after" the segments before and after each window. So memory does not
//! grow with the number of repetitions: a fault holds one set of histograms per window role
//! and kind, and per window only the four counts its recovery time needs. Segments are kept
//! only while transactions that arrived in them are in flight; the histograms of the current
//! segment are merged into its faults' figures when it is cut.
//!
//! **Recovery time** of one window: arrivals are also counted in buckets of the timeseries
//! interval. After the window ends, recovery is reached at the start of the first bucket
//! (starting at or after the end) whose failure ratio is within one percentage point of the
//! "before" window's ratio, and whose next non-empty bucket is too; the recovery time is that
//! bucket's start minus the window's end. Empty buckets are skipped. A window during which
//! nothing arrived, or whose "during" failure ratio stayed within that tolerance, harmed
//! nothing and needs no recovery (0 s). A window that never comes back before the horizon
//! has no recovery time. A fault's `recovery_s` is the longest over its windows that ended.

use std::collections::{BTreeMap, HashMap};

use super::Latency;
use crate::engine::{SimTime, secs};
use crate::observe::{Observer, Outcome, SimEvent, TxnId};
use crate::scenario::{Architecture, CompId, FaultKind, KindId};

/// Largest latency the per-fault histograms hold [µs]: about 28 hours.
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

    fn is_empty(&self) -> bool {
        self.arrived == 0
            && self.failed == 0
            && self.response.count() == 0
            && self.done.count() == 0
    }

    fn clear(&mut self) {
        self.arrived = 0;
        self.failed = 0;
        self.response.clear();
        self.done.clear();
    }
}

/// The windows of a fault's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The segment that ends at the start of a fault window.
    Before,
    /// From a window's start to its end.
    During,
    /// The segment that begins at a window's end.
    After,
}

impl PartialEq<&str> for Window {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

impl Window {
    /// Its name in `isolation.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Window::Before => "before",
            Window::During => "during",
            Window::After => "after",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One window in force of a fault (a `Repeat` fault has many): what its recovery time needs.
#[derive(Debug, Clone, Copy)]
struct Repetition {
    start: SimTime,
    end: Option<SimTime>,
    /// (arrived, failed) of all kinds in the segment before it.
    before: (u64, u64),
    /// (arrived, failed) of all kinds while it was in force.
    during: (u64, u64),
}

/// A fault as observed: one scenario fault (all the windows of a `Repeat` one) or one live
/// fault.
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
    /// Start of its first window [ns].
    pub start: SimTime,
    /// End of its last window [ns]; None while that one is in force.
    pub end: Option<SimTime>,
    reps: Vec<Repetition>,
    /// Figures by window role, then kind.
    stats: [Vec<KindStats>; 3],
}

impl FaultRecord {
    /// Its windows in force, (start, end) [ns], in order: one unless it repeats.
    pub fn windows(&self) -> impl Iterator<Item = (SimTime, Option<SimTime>)> + '_ {
        self.reps.iter().map(|r| (r.start, r.end))
    }

    /// How many windows it had.
    pub fn window_count(&self) -> u64 {
        self.reps.len() as u64
    }
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
    /// Start of the fault's first window [s].
    pub start_s: f64,
    /// End of its last window [s] (NaN if that one has not ended).
    pub end_s: f64,
    /// Before, during or after.
    pub window: Window,
    /// Transaction kind.
    pub kind: KindId,
    /// Whether this kind can reach the faulty component (code path).
    pub touches: bool,
    /// Transactions of this kind arrived in the window (over all the fault's windows).
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
    /// The fault's recovery time [s]: the longest over its windows that ended (NaN if none
    /// ended, or one never recovered).
    pub recovery_s: f64,
    /// Whether every window that ended recovered; None when none ended.
    pub recovered: Option<bool>,
    /// The fault's windows in force (more than one for a `Repeat` fault).
    pub windows: u64,
}

/// Where a segment's figures go: a role of one window of one fault.
#[derive(Debug, Clone, Copy)]
struct Target {
    record: usize,
    rep: usize,
    window: Window,
}

/// A stretch of arrival time between two cuts, kept while transactions that arrived in it
/// are in flight.
#[derive(Debug, Clone, Default)]
struct Segment {
    targets: Vec<Target>,
    /// Transactions that arrived in it and have not finished.
    open: u64,
}

/// The observer that measures isolation for one architecture.
#[derive(Debug, Clone)]
pub struct Isolation {
    /// touches[kind][comp].
    reach: Vec<Vec<bool>>,
    bucket: SimTime,
    /// (arrived, failed) per bucket of arrival time.
    buckets: Vec<(u64, u64)>,
    /// Live segments by number; the last one is the current segment. Never iterated.
    segments: BTreeMap<u64, Segment>,
    /// Number of the current segment.
    current: u64,
    /// Figures of the current segment by kind, merged into its targets when it is cut.
    pending: Vec<KindStats>,
    faults: Vec<FaultRecord>,
    /// Windows in force: (record, repetition).
    active: Vec<(usize, usize)>,
    /// In-flight transactions: kind, segment, bucket. Never iterated.
    open: HashMap<TxnId, (KindId, u64, usize)>,
}

impl Isolation {
    /// A tracker for `arch` with `kinds` transaction kinds, recovery buckets of `bucket` [ns].
    pub fn new(arch: &Architecture, kinds: usize, bucket: SimTime) -> Self {
        Self {
            reach: (0..kinds).map(|k| arch.reachable(k)).collect(),
            bucket: bucket.max(1),
            buckets: Vec::new(),
            segments: BTreeMap::from([(0, Segment::default())]),
            current: 0,
            pending: vec![KindStats::new(); kinds],
            faults: Vec::new(),
            active: Vec::new(),
            open: HashMap::new(),
        }
    }

    /// Ends the current segment (the window before `before`, if given) and starts the next,
    /// during every window in force and after `after`, if given.
    fn cut(&mut self, before: Option<(usize, usize)>, after: Option<(usize, usize)>) {
        let mut seg = self.segments.remove(&self.current).unwrap_or_default();
        if let Some((record, rep)) = before {
            seg.targets.push(Target {
                record,
                rep,
                window: Window::Before,
            });
        }
        let (arrived, failed) = self
            .pending
            .iter()
            .fold((0, 0), |(a, f), k| (a + k.arrived, f + k.failed));
        for t in &seg.targets {
            let record = &mut self.faults[t.record];
            for (into, from) in record.stats[t.window.index()].iter_mut().zip(&self.pending) {
                if !from.is_empty() {
                    into.merge(from);
                }
            }
            let rep = &mut record.reps[t.rep];
            match t.window {
                Window::Before => add(&mut rep.before, arrived, failed),
                Window::During => add(&mut rep.during, arrived, failed),
                Window::After => {}
            }
        }
        for k in self.pending.iter_mut().filter(|k| !k.is_empty()) {
            k.clear();
        }
        if seg.open > 0 {
            self.segments.insert(self.current, seg);
        }
        let mut targets: Vec<Target> = self
            .active
            .iter()
            .map(|&(record, rep)| Target {
                record,
                rep,
                window: Window::During,
            })
            .collect();
        if let Some((record, rep)) = after {
            targets.push(Target {
                record,
                rep,
                window: Window::After,
            });
        }
        self.current += 1;
        self.segments
            .insert(self.current, Segment { targets, open: 0 });
    }

    /// Applies `f` to the figures of kind `kind` wherever transactions of segment `seg` count.
    fn update(
        &mut self,
        seg: u64,
        kind: KindId,
        mut f: impl FnMut(&mut KindStats, Window, &mut Repetition),
    ) {
        if seg == self.current {
            // Counted in the segment's figures, merged when it is cut.
            let mut unused = Repetition {
                start: 0,
                end: None,
                before: (0, 0),
                during: (0, 0),
            };
            f(&mut self.pending[kind], Window::After, &mut unused);
            return;
        }
        let Some(s) = self.segments.get(&seg) else {
            return;
        };
        for t in &s.targets {
            let record = &mut self.faults[t.record];
            f(
                &mut record.stats[t.window.index()][kind],
                t.window,
                &mut record.reps[t.rep],
            );
        }
    }

    /// The faults seen so far.
    pub fn faults(&self) -> &[FaultRecord] {
        &self.faults
    }

    /// Whether transactions of `kind` touch fault `f`.
    fn touches(&self, f: &FaultRecord, kind: KindId) -> bool {
        self.reach[kind][f.comp] && f.handler.is_none_or(|h| h == kind)
    }

    fn ratio(arrived: u64, failed: u64) -> f64 {
        if arrived == 0 {
            f64::NAN
        } else {
            failed as f64 / arrived as f64
        }
    }

    /// Recovery time of one window [s]: None if it ended but never recovered.
    fn rep_recovery_s(&self, rep: &Repetition, end: SimTime) -> Option<f64> {
        let (arrived, failed) = rep.before;
        let baseline = if arrived == 0 {
            0.0
        } else {
            failed as f64 / arrived as f64
        };
        // A window during which nothing arrived, or that did not raise the failure ratio,
        // harmed nothing: it needs no recovery.
        let (da, df) = rep.during;
        if da == 0 || df as f64 / da as f64 <= baseline + RECOVERY_TOLERANCE {
            return Some(0.0);
        }
        let first = end.div_ceil(self.bucket) as usize;
        let ok = |(a, f): (u64, u64)| f as f64 / a as f64 <= baseline + RECOVERY_TOLERANCE;
        let mut nonempty = self
            .buckets
            .iter()
            .copied()
            .enumerate()
            .skip(first)
            .filter(|(_, (a, _))| *a > 0)
            .peekable();
        while let Some((b, counts)) = nonempty.next() {
            if ok(counts) && nonempty.peek().is_none_or(|&(_, next)| ok(next)) {
                return Some(secs(b as SimTime * self.bucket - end));
            }
        }
        None
    }

    /// Whether every window of fault `f` that ended recovered; None when none ended.
    pub fn recovered(&self, f: &FaultRecord) -> Option<bool> {
        let mut ended = f
            .reps
            .iter()
            .filter_map(|r| r.end.map(|end| (r, end)))
            .peekable();
        ended.peek()?;
        Some(ended.all(|(r, end)| self.rep_recovery_s(r, end).is_some()))
    }

    /// Recovery time of fault `f` [s]: the longest over its windows that ended; NaN if none
    /// ended or one never recovered.
    pub fn recovery_s(&self, f: &FaultRecord) -> f64 {
        let mut longest: Option<f64> = None;
        for r in &f.reps {
            if let Some(end) = r.end {
                match self.rep_recovery_s(r, end) {
                    Some(s) => longest = Some(longest.map_or(s, |l: f64| l.max(s))),
                    None => return f64::NAN,
                }
            }
        }
        longest.unwrap_or(f64::NAN)
    }

    /// Collateral failures of fault `f`: failures during it of kinds that do not touch it.
    pub fn collateral_failures(&self, f: &FaultRecord) -> u64 {
        (0..self.reach.len())
            .filter(|&k| !self.touches(f, k))
            .map(|k| f.stats[Window::During.index()][k].failed)
            .sum()
    }

    /// The rows of `isolation.csv`: per fault, window and kind. Figures of the segment in
    /// progress count too.
    pub fn rows(&self) -> Vec<IsolationRow> {
        let current = self.segments.get(&self.current);
        let mut rows = Vec::new();
        for (index, f) in self.faults.iter().enumerate() {
            let mut windows = vec![Window::Before, Window::During];
            if f.reps.iter().any(|r| r.end.is_some()) {
                windows.push(Window::After);
            }
            let recovery_s = self.recovery_s(f);
            let recovered = self.recovered(f);
            for window in windows {
                // The current segment counts in this window of this fault?
                let in_current = current.is_some_and(|s| {
                    s.targets
                        .iter()
                        .any(|t| t.record == index && t.window == window)
                });
                for kind in 0..self.reach.len() {
                    let mut s = f.stats[window.index()][kind].clone();
                    if in_current {
                        s.merge(&self.pending[kind]);
                    }
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
                        collateral_failures: if window == Window::During && !touches {
                            s.failed
                        } else {
                            0
                        },
                        recovery_s,
                        recovered,
                        windows: f.window_count(),
                    });
                }
            }
        }
        rows
    }
}

fn add(counts: &mut (u64, u64), arrived: u64, failed: u64) {
    counts.0 += arrived;
    counts.1 += failed;
}

impl Observer for Isolation {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        match *event {
            SimEvent::TransactionArrived { txn, kind } => {
                let bucket = (time / self.bucket) as usize;
                if self.buckets.len() <= bucket {
                    self.buckets.resize(bucket + 1, (0, 0));
                }
                self.buckets[bucket].0 += 1;
                self.pending[kind].arrived += 1;
                if let Some(s) = self.segments.get_mut(&self.current) {
                    s.open += 1;
                }
                self.open.insert(txn, (kind, self.current, bucket));
            }
            SimEvent::ResponseSent {
                txn,
                ok: true,
                latency_ns,
                ..
            } => {
                if let Some(&(kind, seg, _)) = self.open.get(&txn) {
                    self.update(seg, kind, |s, _, _| s.response.record(latency_ns));
                }
            }
            SimEvent::TransactionDone {
                txn,
                outcome,
                latency_ns,
                ..
            } => {
                let Some((kind, seg, bucket)) = self.open.remove(&txn) else {
                    return;
                };
                match outcome {
                    Outcome::Failed => {
                        self.buckets[bucket].1 += 1;
                        self.update(seg, kind, |s, window, rep| {
                            s.failed += 1;
                            match window {
                                Window::Before => rep.before.1 += 1,
                                Window::During => rep.during.1 += 1,
                                Window::After => {}
                            }
                        });
                    }
                    Outcome::Completed => {
                        self.update(seg, kind, |s, _, _| s.done.record(latency_ns));
                    }
                    Outcome::DeadLettered => {}
                }
                if let Some(s) = self.segments.get_mut(&seg) {
                    s.open -= 1;
                    if s.open == 0 && seg != self.current {
                        self.segments.remove(&seg);
                    }
                }
            }
            SimEvent::FaultBegan {
                fault,
                comp,
                kind,
                handler,
            } => {
                // A `Repeat` fault's next window has the id of its first.
                let record = match self.faults.iter().position(|f| f.id == fault) {
                    Some(r) => r,
                    None => {
                        let kinds = self.reach.len();
                        self.faults.push(FaultRecord {
                            id: fault,
                            comp,
                            handler,
                            kind,
                            start: time,
                            end: None,
                            reps: Vec::new(),
                            stats: std::array::from_fn(|_| vec![KindStats::new(); kinds]),
                        });
                        self.faults.len() - 1
                    }
                };
                let f = &mut self.faults[record];
                f.end = None;
                f.reps.push(Repetition {
                    start: time,
                    end: None,
                    before: (0, 0),
                    during: (0, 0),
                });
                let rep = f.reps.len() - 1;
                self.cut(Some((record, rep)), None);
                // In force from this cut on: the new segment is during it.
                self.active.push((record, rep));
                if let Some(s) = self.segments.get_mut(&self.current) {
                    s.targets.push(Target {
                        record,
                        rep,
                        window: Window::During,
                    });
                }
            }
            SimEvent::FaultEnded { fault, .. } => {
                let Some(pos) = self
                    .active
                    .iter()
                    .position(|&(record, _)| self.faults[record].id == fault)
                else {
                    return;
                };
                let (record, rep) = self.active.remove(pos);
                let f = &mut self.faults[record];
                f.end = Some(time);
                f.reps[rep].end = Some(time);
                self.cut(None, Some((record, rep)));
            }
            _ => {}
        }
    }
}
