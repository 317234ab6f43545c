//! Streaming metrics of one architecture: counters, latency histograms, the cost ledger.
//!
//! [`Metrics`] is an [`Observer`]: it sees only [`SimEvent`]s. Latencies go into HDR
//! histograms (Tene's HdrHistogram: bounded memory, 3 significant digits) in microseconds;
//! exact sums, minima and maxima are kept beside them: means are exact, and a quantile (the
//! upper end of the histogram bucket that holds it) is clamped to the observed range, so no
//! percentile exceeds the largest value or falls below the smallest. Memory does not grow
//! with run length.

pub mod isolation;

use hdrhistogram::Histogram;

use crate::calibration::{self as cal, MB_PER_GB, PriceBook};
use crate::engine::{NS_PER_S, SimTime};
use crate::model::Running;
use crate::observe::{Observer, Op, Outcome, SimEvent};
use crate::scenario::{Architecture, Capacity, Cpu, Spec};

/// A latency distribution: HDR histogram [µs] plus the exact sum, minimum and maximum [ns].
#[derive(Debug, Clone)]
pub struct Latency {
    hist: Histogram<u64>,
    sum_ns: u128,
    /// Smallest value recorded [ns] (`SimTime::MAX` when empty).
    min_ns: SimTime,
    /// Largest value recorded [ns] (0 when empty).
    max_ns: SimTime,
}

impl Default for Latency {
    fn default() -> Self {
        Self::new()
    }
}

impl Latency {
    /// An empty distribution covering 1 µs to about 3 years, to 3 significant digits.
    pub fn new() -> Self {
        Self::with_precision(100_000_000_000_000, 3)
    }

    /// An empty distribution covering 1 µs to `max_us`, to `digits` significant digits
    /// (1 to 5): smaller ones for the isolation report's figures (three windows per fault
    /// and kind).
    pub fn with_precision(max_us: u64, digits: u8) -> Self {
        // Clamped to what hdrhistogram accepts, so the constructor cannot fail.
        let hist = Histogram::new_with_bounds(1, max_us.max(2), digits.clamp(1, 5))
            .expect("bounds and precision clamped to valid values");
        Self {
            hist,
            sum_ns: 0,
            min_ns: SimTime::MAX,
            max_ns: 0,
        }
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Latency) {
        // Values beyond this histogram's range are dropped rather than failing the report.
        let _ = self.hist.add(&other.hist);
        self.sum_ns += other.sum_ns;
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Records one latency [ns].
    pub fn record(&mut self, ns: SimTime) {
        self.sum_ns += u128::from(ns);
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
        // Values beyond the upper bound are clamped (saturating record).
        self.hist.saturating_record((ns / 1_000).max(1));
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The q-quantile [ms], or NaN when empty: the upper end of the histogram bucket that
    /// holds it (at most 0.1 % above at 3 significant digits, and values are recorded in
    /// whole µs), clamped to the smallest and largest values recorded.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return f64::NAN;
        }
        let ms = self.hist.value_at_quantile(q) as f64 / 1_000.0;
        ms.clamp(self.min_ns as f64 / 1e6, self.max_ns as f64 / 1e6)
    }

    /// The exact mean [ms], or NaN when empty.
    pub fn mean_ms(&self) -> f64 {
        if self.hist.is_empty() {
            return f64::NAN;
        }
        self.sum_ns as f64 / self.hist.len() as f64 / 1e6
    }

    /// Forgets every value.
    pub fn clear(&mut self) {
        self.hist.reset();
        self.sum_ns = 0;
        self.min_ns = SimTime::MAX;
        self.max_ns = 0;
    }
}

/// Waits [ns] of which most are zero (executions that found their worker, instance or
/// consumer free): the zeros are counted, only the others go into the histogram — a record
/// less per execution — and the mean and quantiles are those of all of them, a quantile that
/// falls among the zeros being 0 (the histogram alone would read its lowest bucket, 1 µs).
#[derive(Debug, Clone, Default)]
pub struct Waits {
    /// The waits longer than zero.
    nonzero: Latency,
    /// The waits of zero.
    zeros: u64,
}

impl Waits {
    /// Records one wait [ns].
    pub fn record(&mut self, ns: SimTime) {
        if ns == 0 {
            self.zeros += 1;
        } else {
            self.nonzero.record(ns);
        }
    }

    /// Number of waits recorded, zeros included.
    pub fn count(&self) -> u64 {
        self.zeros + self.nonzero.count()
    }

    /// The exact mean [ms], or NaN when empty.
    pub fn mean_ms(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            return f64::NAN;
        }
        self.nonzero.sum_ns as f64 / n as f64 / 1e6
    }

    /// The q-quantile [ms], or NaN when empty: the histogram's rank over all the waits
    /// (the ⌈q × n⌉-th, at least the first), 0 if that is a zero, else the nonzero wait of
    /// that rank as [`Latency::quantile_ms`] gives it.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let n = self.count();
        if n == 0 {
            return f64::NAN;
        }
        if self.zeros == 0 {
            return self.nonzero.quantile_ms(q);
        }
        let rank = ((q.min(1.0) * n as f64).ceil() as u64).max(1);
        if rank <= self.zeros {
            return 0.0;
        }
        // The (rank − zeros)-th of the nonzero ones: half a value below it, so that the
        // histogram's ⌈q′ × n′⌉ lands on it whatever the rounding.
        let k = rank - self.zeros;
        self.nonzero
            .quantile_ms((k as f64 - 0.5) / self.nonzero.count() as f64)
    }
}

/// Billable usage of one component.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// Billed function duration times memory, on on-demand instances [ms·MB].
    pub ms_mb: u128,
    /// Billed function duration times memory, on provisioned instances [ms·MB].
    pub ms_mb_provisioned: u128,
    /// Billed initialisation (cold start) time times memory, when billed [ms·MB].
    pub ms_mb_init: u128,
    /// Billed function invocations.
    pub invocations: u64,
    /// Requests through a gateway.
    pub gateway_requests: u64,
    /// Queue API requests (send, receive and delete).
    pub queue_requests: u64,
    /// Topic publishes.
    pub publishes: u64,
    /// Storage puts.
    pub puts: u64,
    /// Storage gets.
    pub gets: u64,
    /// Database reads.
    pub reads: u64,
    /// Database writes.
    pub writes: u64,
    /// External calls.
    pub calls: u64,
    /// Orchestrator state transitions.
    pub transitions: u64,
}

/// One line of the cost ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    /// Component name.
    pub component: String,
    /// What is billed ("duration", "requests", ...).
    pub item: &'static str,
    /// How much of it.
    pub quantity: f64,
    /// Its unit ("GB-s", "requests", "hours", ...).
    pub unit: &'static str,
    /// Price of one unit [USD].
    pub unit_price_usd: f64,
    /// quantity × unit price [USD].
    pub cost_usd: f64,
}

/// Counters that restart every timeseries interval.
#[derive(Debug, Clone, Default)]
pub struct IntervalCounts {
    /// Transactions arrived.
    pub arrived: u64,
    /// Transactions completed.
    pub completed: u64,
    /// Transactions failed.
    pub failed: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// Throttles.
    pub throttled: u64,
    /// Response latencies in the interval.
    pub response: IntervalLatency,
}

/// Most values an [`IntervalLatency`] keeps as they are before moving them into a histogram
/// (512 KB of them).
const INTERVAL_VALUES: usize = 65_536;

/// The empty histogram whose bucket bounds [`IntervalLatency`] reads: that of
/// [`Latency::new`].
fn template() -> &'static Histogram<u64> {
    static TEMPLATE: std::sync::OnceLock<Latency> = std::sync::OnceLock::new();
    &TEMPLATE.get_or_init(Latency::new).hist
}

/// The latencies of one timeseries interval, with the quantiles a [`Latency`] gives (the
/// upper end of the bucket holding each, clamped to the values' range) but without its
/// histogram until there are many values: a histogram of 300 KB cleared every interval
/// cost more than the whole interval's simulation on light loads.
#[derive(Debug, Clone, Default)]
pub struct IntervalLatency {
    /// Values in whole µs as the histogram records them, while fewer than
    /// [`INTERVAL_VALUES`].
    values: Vec<u64>,
    /// Every value, once there were too many to keep.
    hist: Option<Latency>,
    /// Smallest and largest value recorded [ns].
    min_ns: SimTime,
    max_ns: SimTime,
}

impl IntervalLatency {
    /// Records one latency [ns].
    pub fn record(&mut self, ns: SimTime) {
        if let Some(h) = &mut self.hist {
            h.record(ns);
            return;
        }
        if self.values.is_empty() {
            (self.min_ns, self.max_ns) = (ns, ns);
        } else {
            self.min_ns = self.min_ns.min(ns);
            self.max_ns = self.max_ns.max(ns);
        }
        // As `Latency::record` stores it: whole µs, at least 1, clamped to the top.
        self.values.push((ns / 1_000).clamp(1, template().high()));
        if self.values.len() >= INTERVAL_VALUES {
            let mut h = Latency::new();
            h.min_ns = self.min_ns;
            h.max_ns = self.max_ns;
            for &us in &self.values {
                // The sum is not read from an interval's latencies.
                h.hist.saturating_record(us);
            }
            self.values = Vec::new();
            self.hist = Some(h);
        }
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.hist
            .as_ref()
            .map_or(self.values.len() as u64, Latency::count)
    }

    /// The q-quantile [ms], or NaN when empty, as [`Latency::quantile_ms`] gives it.
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        if let Some(h) = &self.hist {
            return h.quantile_ms(q);
        }
        if self.values.is_empty() {
            return f64::NAN;
        }
        // The histogram's rank: the ceil(q × n)-th value (at least the first), and the
        // value reported for it the upper end of its bucket (the lower at q = 0).
        let q = q.min(1.0);
        let n = self.values.len();
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        let (_, &mut us, _) = self.values.select_nth_unstable(rank - 1);
        let bucket_end = if q == 0.0 {
            template().lowest_equivalent(us)
        } else {
            template().highest_equivalent(us)
        };
        (bucket_end as f64 / 1_000.0).clamp(self.min_ns as f64 / 1e6, self.max_ns as f64 / 1e6)
    }
}

/// Everything measured for one architecture.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Response latency of successful responses.
    pub response: Latency,
    /// Done latency of completed transactions.
    pub done: Latency,
    /// Wait of each execution for its worker, instance or consumer (`waited_ns` of
    /// `InvocationStarted`).
    pub queue_wait: Waits,
    /// Transactions that got a failed response.
    pub failed_responses: u64,
    /// Work executions (function invocations per message, server handler runs).
    pub invocations: u64,
    /// Function executions (per message).
    pub function_invocations: u64,
    /// Function executions that waited for a cold start.
    pub cold_starts: u64,
    /// Requests refused for lack of capacity.
    pub throttled: u64,
    /// Server requests rejected with a full backlog.
    pub rejected: u64,
    /// Platform retries of asynchronous invocations.
    pub retries: u64,
    /// Retries of calls by their callers' policies.
    pub call_retries: u64,
    /// Messages moved to a dead-letter queue.
    pub dead_letter_moves: u64,
    /// Messages sent back from a dead-letter queue.
    pub redriven: u64,
    /// Redriven messages then processed successfully.
    pub completed_after_redrive: u64,
    /// Calls abandoned after the caller's timeout.
    pub timeouts: u64,
    /// Function invocations stopped at their function's timeout.
    pub function_timeouts: u64,
    /// Executions of a message while another copy ran or after one succeeded.
    pub duplicate_executions: u64,
    /// Calls failed at once by an open circuit breaker.
    pub short_circuited: u64,
    /// Process crashes (server instances and function instances).
    pub crashes: u64,
    /// Activations lost with crashed processes.
    pub lost_in_crashes: u64,
    /// Billable usage by component id.
    pub usage: Vec<Usage>,
    /// The current timeseries interval's counters.
    pub interval: IntervalCounts,
    /// Transactions in flight now, since when, and the integral of in-flight over time
    /// [transactions·ns] up to then: the time average is Little's L.
    in_flight: u64,
    in_flight_since: SimTime,
    in_flight_area: u128,
    /// Launch time of each running server instance, by component (empty for others).
    server_starts: Vec<Vec<Option<SimTime>>>,
    /// Billed time of terminated server instances, by component [ns].
    server_billed: Vec<u128>,
    /// Memory of each function [MB]; 0 for other components.
    memory: Vec<u32>,
    is_gateway: Vec<bool>,
}

impl Metrics {
    /// Empty metrics for `arch`.
    pub fn new(arch: &Architecture) -> Self {
        let n = arch.components.len();
        Self {
            response: Latency::new(),
            done: Latency::new(),
            queue_wait: Waits::default(),
            failed_responses: 0,
            invocations: 0,
            function_invocations: 0,
            cold_starts: 0,
            throttled: 0,
            rejected: 0,
            retries: 0,
            call_retries: 0,
            dead_letter_moves: 0,
            redriven: 0,
            completed_after_redrive: 0,
            timeouts: 0,
            function_timeouts: 0,
            duplicate_executions: 0,
            short_circuited: 0,
            crashes: 0,
            lost_in_crashes: 0,
            usage: vec![Usage::default(); n],
            server_starts: arch
                .components
                .iter()
                .map(|c| match &c.spec {
                    Spec::Server(s) => vec![Some(0); s.instances as usize],
                    _ => Vec::new(),
                })
                .collect(),
            server_billed: vec![0; n],
            in_flight: 0,
            in_flight_since: 0,
            in_flight_area: 0,
            interval: IntervalCounts::default(),
            memory: arch
                .components
                .iter()
                .map(|c| match &c.spec {
                    Spec::Function(f) => arch.prices.billed_memory_mb(f.memory_mb),
                    _ => 0,
                })
                .collect(),
            is_gateway: arch
                .components
                .iter()
                .map(|c| matches!(c.spec, Spec::Gateway(_)))
                .collect(),
        }
    }

    /// Time-average number of transactions in flight over `[0, until]` (Little's L).
    pub fn mean_in_flight(&self, until: SimTime) -> f64 {
        if until == 0 {
            return f64::NAN;
        }
        let tail =
            u128::from(self.in_flight) * u128::from(until.saturating_sub(self.in_flight_since));
        (self.in_flight_area + tail) as f64 / until as f64
    }

    fn in_flight_changed(&mut self, time: SimTime, arrived: bool) {
        self.in_flight_area += u128::from(self.in_flight) * u128::from(time - self.in_flight_since);
        self.in_flight_since = time;
        if arrived {
            self.in_flight += 1;
        } else {
            self.in_flight -= 1;
        }
    }

    /// Billed instance time of server `comp` up to `until` [h]: per second from launch to
    /// termination, at least a minute per instance (EC2).
    pub fn server_hours(&self, comp: usize, until: SimTime) -> f64 {
        let running: u128 = self.server_starts[comp]
            .iter()
            .flatten()
            .map(|&start| u128::from((until - start).max(cal::SERVER_MIN_BILLED)))
            .sum();
        (self.server_billed[comp] + running) as f64 / (3600 * NS_PER_S) as f64
    }

    /// Fraction of function executions that waited for a cold start (NaN without any).
    pub fn cold_start_ratio(&self) -> f64 {
        if self.function_invocations == 0 {
            return f64::NAN;
        }
        self.cold_starts as f64 / self.function_invocations as f64
    }

    /// The itemised bill for `arch` over `horizon` [ns], of the invocations that ended (see
    /// [`Metrics::costs_with_running`] for those still running).
    pub fn costs(
        &self,
        arch: &Architecture,
        prices: &PriceBook,
        horizon: SimTime,
    ) -> Vec<CostLine> {
        self.costs_with_running(arch, prices, horizon, &[])
    }

    /// The itemised bill for `arch` over `horizon` [ns], with the function invocations
    /// `running` at the horizon (by component; a component without an entry has none):
    /// their request fees in `requests` (a fee is charged when an invocation starts) and the
    /// time they ran so far apart, in `duration (running at horizon)` (and `provisioned
    /// duration (running at horizon)` for a function with provisioned concurrency).
    pub fn costs_with_running(
        &self,
        arch: &Architecture,
        prices: &PriceBook,
        horizon: SimTime,
        running: &[Option<Running>],
    ) -> Vec<CostLine> {
        let hours = horizon as f64 / (3600 * NS_PER_S) as f64;
        let mut lines = Vec::new();
        for (id, (c, u)) in arch.components.iter().zip(&self.usage).enumerate() {
            let mut line = |item, quantity: f64, unit, unit_price_usd: f64| {
                lines.push(CostLine {
                    component: c.name.clone(),
                    item,
                    quantity,
                    unit,
                    unit_price_usd,
                    cost_usd: quantity * unit_price_usd,
                });
            };
            match &c.spec {
                Spec::Function(f) => {
                    let r = running.get(id).copied().flatten().unwrap_or_default();
                    let memory_mb = prices.billed_memory_mb(f.memory_mb);
                    let memory_gb = f64::from(memory_mb) / MB_PER_GB;
                    let gb_s = u.ms_mb as f64 / 1_000.0 / MB_PER_GB;
                    let (price, kept_price, provisioned_price) = match f.cpu {
                        Cpu::X86 => (
                            prices.function_gb_second,
                            prices.provisioned_gb_second,
                            prices.provisioned_duration_gb_second,
                        ),
                        Cpu::Arm => (
                            prices.function_gb_second_arm,
                            prices.provisioned_gb_second_arm,
                            prices.provisioned_duration_gb_second_arm,
                        ),
                    };
                    line("duration", gb_s, "GB-s", price);
                    // Billed time is a whole number of ms (the granularity), so this is exact.
                    let running_gb_s = |ns: u128| (ns / 1_000_000) as f64 / 1_000.0 * memory_gb;
                    line(
                        "duration (running at horizon)",
                        running_gb_s(r.billed_ns),
                        "GB-s",
                        price,
                    );
                    if prices.bill_init {
                        let init = u.ms_mb_init as f64 / 1_000.0 / MB_PER_GB;
                        line("init duration", init, "GB-s", price);
                    }
                    if f.provisioned > 0 || !f.provisioned_changes.is_empty() {
                        let kept = f.provisioned_seconds(horizon) * memory_gb;
                        line("provisioned concurrency", kept, "GB-s", kept_price);
                        let gb_s = u.ms_mb_provisioned as f64 / 1_000.0 / MB_PER_GB;
                        line("provisioned duration", gb_s, "GB-s", provisioned_price);
                        line(
                            "provisioned duration (running at horizon)",
                            running_gb_s(r.billed_ns_provisioned),
                            "GB-s",
                            provisioned_price,
                        );
                    }
                    if prices.function_vcpu_second > 0.0 {
                        // CPU billed apart (Cloud Run): the same billed time, per vCPU.
                        let ms_mb = u.ms_mb
                            + u.ms_mb_provisioned
                            + if prices.bill_init { u.ms_mb_init } else { 0 };
                        let seconds = (ms_mb / u128::from(memory_mb.max(1))) as f64 / 1_000.0;
                        line(
                            "cpu duration",
                            seconds * f.vcpu,
                            "vCPU-s",
                            prices.function_vcpu_second,
                        );
                        let running_s =
                            ((r.billed_ns + r.billed_ns_provisioned) / 1_000_000) as f64 / 1_000.0;
                        line(
                            "cpu duration (running at horizon)",
                            running_s * f.vcpu,
                            "vCPU-s",
                            prices.function_vcpu_second,
                        );
                    }
                    if prices.provisioned_vcpu_second > 0.0
                        && (f.provisioned > 0 || !f.provisioned_changes.is_empty())
                    {
                        line(
                            "provisioned cpu",
                            f.provisioned_seconds(horizon) * f.vcpu,
                            "vCPU-s",
                            prices.provisioned_vcpu_second,
                        );
                    }
                    line(
                        "requests",
                        (u.invocations + r.invocations) as f64,
                        "requests",
                        prices.function_requests_per_million / 1e6,
                    );
                }
                Spec::Server(s) => {
                    line(
                        "instance hours",
                        self.server_hours(id, horizon),
                        "hours",
                        s.usd_per_hour,
                    );
                }
                Spec::Gateway(_) => line(
                    "requests",
                    u.gateway_requests as f64,
                    "requests",
                    prices.gateway_requests_per_million / 1e6,
                ),
                Spec::Queue(_) => line(
                    "requests",
                    u.queue_requests as f64,
                    "requests",
                    prices.queue_requests_per_million / 1e6,
                ),
                Spec::Topic(_) => line(
                    "publishes",
                    u.publishes as f64,
                    "publishes",
                    prices.topic_publishes_per_million / 1e6,
                ),
                Spec::Storage(_) => {
                    line(
                        "put requests",
                        u.puts as f64,
                        "requests",
                        prices.storage_puts_per_thousand / 1e3,
                    );
                    line(
                        "get requests",
                        u.gets as f64,
                        "requests",
                        prices.storage_gets_per_thousand / 1e3,
                    );
                }
                Spec::Database(d) => match d.usd_per_hour {
                    Some(price) if d.capacity != Capacity::Serverless => {
                        line("capacity hours", hours, "hours", price);
                    }
                    _ => {
                        line(
                            "write requests",
                            u.writes as f64,
                            "requests",
                            prices.database_writes_per_million / 1e6,
                        );
                        line(
                            "read requests",
                            u.reads as f64,
                            "requests",
                            prices.database_reads_per_million / 1e6,
                        );
                    }
                },
                Spec::External(e) => line("calls", u.calls as f64, "calls", e.usd_per_call),
                Spec::Orchestrator(_) => line(
                    "state transitions",
                    u.transitions as f64,
                    "transitions",
                    prices.orchestrator_transitions_per_million / 1e6,
                ),
            }
        }
        lines
    }
}

impl Observer for Metrics {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        self.record(time, event);
    }

    fn on_events(&mut self, events: &[(SimTime, SimEvent)]) {
        for (time, event) in events {
            self.record(*time, event);
        }
    }
}

impl Metrics {
    /// Counts one event.
    #[inline]
    fn record(&mut self, time: SimTime, event: &SimEvent) {
        match *event {
            SimEvent::DuplicateExecution { .. } => self.duplicate_executions += 1,
            SimEvent::Transition { comp, .. } => self.usage[comp].transitions += 1,
            SimEvent::InstanceLaunched { comp, instance } => {
                let starts = &mut self.server_starts[comp];
                if starts.len() <= instance as usize {
                    starts.resize(instance as usize + 1, None);
                }
                starts[instance as usize] = Some(time);
            }
            SimEvent::InstanceReaped { comp, instance } if !self.server_starts[comp].is_empty() => {
                let start = self.server_starts[comp]
                    .get_mut(instance as usize)
                    .and_then(Option::take);
                if let Some(start) = start {
                    self.server_billed[comp] +=
                        u128::from((time - start).max(cal::SERVER_MIN_BILLED));
                }
            }
            SimEvent::TransactionArrived { .. } => {
                self.interval.arrived += 1;
                self.in_flight_changed(time, true);
            }
            SimEvent::Request { to, .. } if self.is_gateway[to] => {
                self.usage[to].gateway_requests += 1
            }
            SimEvent::InvocationStarted {
                comp,
                cold,
                waited_ns,
                ..
            } => {
                self.invocations += 1;
                self.queue_wait.record(waited_ns);
                if self.memory[comp] > 0 {
                    self.function_invocations += 1;
                    if cold {
                        self.cold_starts += 1;
                        self.interval.cold_starts += 1;
                    }
                }
            }
            SimEvent::InvocationEnded {
                comp,
                billed_ns,
                provisioned,
                init_ns,
                ..
            } => {
                let memory = u128::from(self.memory[comp]);
                // Billed milliseconds, of which the initialisation (itemised apart).
                let init_ms = u128::from(init_ns.min(billed_ns)).div_ceil(1_000_000);
                let run_ms = u128::from(billed_ns / 1_000_000)
                    - init_ms.min(u128::from(billed_ns / 1_000_000));
                let u = &mut self.usage[comp];
                u.invocations += 1;
                u.ms_mb_init += init_ms * memory;
                if provisioned {
                    u.ms_mb_provisioned += run_ms * memory;
                } else {
                    u.ms_mb += run_ms * memory;
                }
            }
            SimEvent::InvocationTimedOut { .. } => self.function_timeouts += 1,
            SimEvent::Throttled { .. } => {
                self.throttled += 1;
                self.interval.throttled += 1;
            }
            SimEvent::Rejected { .. } => self.rejected += 1,
            SimEvent::Operation { comp, op, .. } => {
                let u = &mut self.usage[comp];
                match op {
                    Op::Read => u.reads += 1,
                    Op::Write => u.writes += 1,
                    Op::Put => u.puts += 1,
                    Op::Get => u.gets += 1,
                    Op::Call => u.calls += 1,
                }
            }
            // Each 64 KB chunk of a message is billed as one request (SQS, SNS).
            SimEvent::Published { topic, chunks, .. } => {
                self.usage[topic].publishes += u64::from(chunks)
            }
            SimEvent::MessageEnqueued { queue, chunks, .. } => {
                self.usage[queue].queue_requests += u64::from(chunks)
            }
            // A ReceiveMessage per batch, billed by its payload's chunks, and one
            // DeleteMessageBatch.
            SimEvent::BatchReceived { queue, chunks, .. } => {
                self.usage[queue].queue_requests += u64::from(chunks) + 1;
            }
            SimEvent::Retried { platform: true, .. } => self.retries += 1,
            SimEvent::Retried {
                platform: false, ..
            } => self.call_retries += 1,
            SimEvent::DeadLettered { .. } => self.dead_letter_moves += 1,
            SimEvent::Redriven { .. } => self.redriven += 1,
            SimEvent::MessageDeleted { redriven: true, .. } => self.completed_after_redrive += 1,
            SimEvent::TimedOut { .. } => self.timeouts += 1,
            SimEvent::ShortCircuited { .. } => self.short_circuited += 1,
            SimEvent::InstanceCrashed { lost, .. } => {
                self.crashes += 1;
                self.lost_in_crashes += u64::from(lost);
            }
            SimEvent::ResponseSent { ok, latency_ns, .. } => {
                if ok {
                    self.response.record(latency_ns);
                    self.interval.response.record(latency_ns);
                } else {
                    self.failed_responses += 1;
                }
            }
            SimEvent::TransactionDone {
                outcome,
                latency_ns,
                ..
            } => {
                self.in_flight_changed(time, false);
                match outcome {
                    Outcome::Completed => {
                        self.done.record(latency_ns);
                        self.interval.completed += 1;
                    }
                    Outcome::Failed => self.interval.failed += 1,
                    Outcome::DeadLettered => {}
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// An interval's quantiles equal those of a full histogram of the same values, whether
    /// the values are still kept or have moved into a histogram.
    #[test]
    fn interval_quantiles_are_the_histograms() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        for n in [
            1,
            2,
            3,
            10,
            99,
            100,
            101,
            1_000,
            20_000,
            INTERVAL_VALUES + 5_000,
        ] {
            let mut interval = IntervalLatency::default();
            let mut full = Latency::new();
            for _ in 0..n {
                // Latencies from 0 ns to an hour, many of them sub-µs, clustered and spread.
                let ns = match rng.random_range(0..4) {
                    0 => rng.random_range(0..2_000),
                    1 => rng.random_range(0..3_600_000_000_000),
                    _ => 20_000_000 + rng.random_range(0..5_000_000),
                };
                interval.record(ns);
                full.record(ns);
            }
            assert_eq!(interval.count(), n as u64);
            for q in [0.0, 0.001, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
                let (a, b) = (interval.quantile_ms(q), full.quantile_ms(q));
                assert_eq!(a.to_bits(), b.to_bits(), "n {n}, q {q}: {a} vs {b}");
            }
        }
        assert!(IntervalLatency::default().quantile_ms(0.5).is_nan());
    }

    /// Waits give the mean and the quantiles of a histogram of all their values, but 0
    /// where the quantile's rank falls among the zeros.
    #[test]
    fn waits_are_a_histogram_that_knows_its_zeros() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        for (n, zero_share) in [
            (1, 0.0),
            (1, 1.0),
            (7, 0.5),
            (100, 0.99),
            (1_000, 0.9),
            (5_000, 0.3),
            (20_000, 0.0),
        ] {
            let mut waits = Waits::default();
            let mut all = Latency::new();
            let mut zeros = 0u64;
            for _ in 0..n {
                let ns = if rng.random_bool(zero_share) {
                    zeros += 1;
                    0
                } else {
                    rng.random_range(1..5_000_000_000)
                };
                waits.record(ns);
                all.record(ns);
            }
            assert_eq!(waits.count(), n);
            assert_eq!(waits.mean_ms().to_bits(), all.mean_ms().to_bits());
            for q in [0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
                let rank = ((q * n as f64).ceil() as u64).max(1);
                let want = if rank <= zeros {
                    0.0
                } else {
                    all.quantile_ms(q)
                };
                let got = waits.quantile_ms(q);
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "n {n}, q {q}: {got} vs {want}"
                );
            }
        }
        assert!(Waits::default().quantile_ms(0.5).is_nan());
        assert!(Waits::default().mean_ms().is_nan());
    }
}
