//! What a run produced, and the one table that says how each figure of `summary.csv` is
//! named, documented and computed: the CSV header and rows, the terminal table and the
//! column list in docs/scenarios.md all come from [`SUMMARY`].

use std::fmt::Write as _;
use std::sync::Arc;

use crate::calibration::MB_PER_GB;
use crate::engine::{NS_PER_S, SimTime, secs};
use crate::metrics::isolation::Isolation;
use crate::metrics::{CostLine, Metrics};
use crate::model::{Counts, FunctionUsage};
use crate::scenario::{CompId, Scenario};

/// A timeseries metric: of the whole architecture (the first eight, counted over the
/// interval or, `InFlight`, at its end) or of one component at the interval's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Transactions arrived during the interval.
    Arrived,
    /// Transactions completed during the interval.
    Completed,
    /// Transactions failed during the interval.
    Failed,
    /// Transactions in flight at the interval's end (of a queue: messages received and not
    /// deleted).
    InFlight,
    /// Cold starts during the interval.
    ColdStarts,
    /// Throttles during the interval.
    Throttled,
    /// Median of the interval's successful responses [ms].
    ResponseP50Ms,
    /// 99th percentile of the interval's successful responses [ms].
    ResponseP99Ms,
    /// Server workers busy.
    WorkersBusy,
    /// Server workers of the instances that are up.
    Workers,
    /// Server requests waiting for a worker.
    Backlog,
    /// Function instances starting (cold).
    InstancesStarting,
    /// Function instances busy.
    InstancesBusy,
    /// Function instances idle and warm.
    InstancesIdle,
    /// Queue messages waiting to be received.
    Visible,
    /// Storage, database or external operations in service.
    InService,
    /// Storage, database or external operations waiting for capacity.
    Waiting,
}

impl Metric {
    /// Its name in `timeseries.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Arrived => "arrived",
            Metric::Completed => "completed",
            Metric::Failed => "failed",
            Metric::InFlight => "in_flight",
            Metric::ColdStarts => "cold_starts",
            Metric::Throttled => "throttled",
            Metric::ResponseP50Ms => "response_p50_ms",
            Metric::ResponseP99Ms => "response_p99_ms",
            Metric::WorkersBusy => "workers_busy",
            Metric::Workers => "workers",
            Metric::Backlog => "backlog",
            Metric::InstancesStarting => "instances_starting",
            Metric::InstancesBusy => "instances_busy",
            Metric::InstancesIdle => "instances_idle",
            Metric::Visible => "visible",
            Metric::InService => "in_service",
            Metric::Waiting => "waiting",
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Metric {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One timeseries value: `metric` of `component` (`None`: the whole architecture) at `time`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// End of the interval [ns].
    pub time: SimTime,
    /// Component, or `None` for the architecture as a whole.
    pub component: Option<CompId>,
    /// What was measured.
    pub metric: Metric,
    /// Value.
    pub value: f64,
}

/// The results of one architecture.
#[derive(Debug, Clone)]
pub struct ArchReport {
    /// Index in the scenario.
    pub index: usize,
    /// Name.
    pub name: String,
    /// Transactions by fate at the horizon.
    pub counts: Counts,
    /// Everything measured.
    pub metrics: Metrics,
    /// The itemised bill.
    pub costs: Vec<CostLine>,
    /// Timeseries samples in time order.
    pub timeseries: Vec<Sample>,
    /// Failure isolation around each fault.
    pub isolation: Isolation,
    /// Time-average instances of each function, by component.
    pub functions: Vec<(CompId, FunctionUsage)>,
    /// Time-average number of server requests, asynchronous function invocations and queue
    /// messages waiting for a worker, an instance or a consumer.
    pub mean_backlog: f64,
    /// Time-average busy server workers, summed over the servers.
    pub mean_busy_workers: f64,
    /// Simulated time reached: the horizon, unless the run was stopped.
    pub simulated: SimTime,
    /// Why the run stopped before its horizon, if it did.
    pub stopped: Option<Stopped>,
}

/// Why a run stopped before its horizon, keeping what it had simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Interrupted (Ctrl-C, SIGTERM).
    Interrupted,
    /// More transactions in flight at once than the guard allows: the design is overloaded
    /// and its backlog grows without bound (`--max-in-flight` raises the limit).
    InFlight {
        /// The limit.
        limit: u64,
    },
}

impl ArchReport {
    /// Total cost [USD].
    pub fn cost_usd(&self) -> f64 {
        self.costs.iter().map(|c| c.cost_usd).sum()
    }

    /// Time-average provisioned instances, summed over functions.
    pub fn provisioned_instances(&self, scenario: &Scenario) -> f64 {
        let seconds = scenario.horizon as f64 / NS_PER_S as f64;
        scenario.architectures[self.index]
            .components
            .iter()
            .map(|c| match &c.spec {
                crate::scenario::Spec::Function(f) => {
                    f.provisioned_seconds(scenario.horizon) / seconds
                }
                _ => 0.0,
            })
            .sum()
    }

    /// Mean function instances in all (starting, busy or idle), summed over functions.
    pub fn mean_instances(&self) -> f64 {
        self.functions.iter().map(|(_, u)| u.instances()).sum()
    }

    /// Mean idle (warm, waiting) function instances, summed over functions.
    pub fn mean_idle_instances(&self) -> f64 {
        self.functions.iter().map(|(_, u)| u.idle).sum()
    }

    /// Mean function instances running an invocation, summed over functions.
    pub fn mean_busy_instances(&self) -> f64 {
        self.functions.iter().map(|(_, u)| u.busy).sum()
    }

    /// Mean function instances starting up (cold), summed over functions.
    pub fn mean_starting_instances(&self) -> f64 {
        self.functions.iter().map(|(_, u)| u.starting).sum()
    }

    /// Memory held by idle warm instances over the run [GB-s]: what keep-alive costs the
    /// platform.
    pub fn wasted_gb_s(&self, scenario: &Scenario) -> f64 {
        let arch = &scenario.architectures[self.index];
        let seconds = scenario.horizon as f64 / NS_PER_S as f64;
        self.functions
            .iter()
            .map(|(c, u)| match &arch.components[*c].spec {
                crate::scenario::Spec::Function(f) => {
                    u.idle * f64::from(f.memory_mb) / MB_PER_GB * seconds
                }
                _ => 0.0,
            })
            .sum()
    }

    /// Collateral failures summed over every fault.
    pub fn collateral_failures(&self) -> u64 {
        self.isolation
            .faults()
            .iter()
            .map(|f| self.isolation.collateral_failures(f))
            .sum()
    }

    /// The longest recovery time over the faults that ended [s]; NaN without any, infinite
    /// when a fault's failure ratio never came back.
    pub fn recovery_s(&self) -> f64 {
        let ended: Vec<f64> = self
            .isolation
            .faults()
            .iter()
            .filter_map(|f| {
                let recovered = self.isolation.recovered(f)?;
                Some(if recovered {
                    self.isolation.recovery_s(f)
                } else {
                    f64::INFINITY
                })
            })
            .collect();
        if ended.is_empty() {
            return f64::NAN;
        }
        ended.iter().fold(0.0, |m, &r| m.max(r))
    }
}

/// The results of a whole scenario.
#[derive(Debug, Clone)]
pub struct Report {
    /// The scenario run.
    pub scenario: Arc<Scenario>,
    /// Timeseries interval used [ns].
    pub interval: SimTime,
    /// One report per architecture run, in scenario order.
    pub architectures: Vec<ArchReport>,
}

/// A float with fixed decimals; NaN and infinities as an empty field.
pub(crate) fn num(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        // `+ 0.0` turns a negative zero (an empty float sum) into zero: no "-0.000".
        format!("{:.decimals$}", v + 0.0)
    } else {
        String::new()
    }
}

/// An amount [USD] or a billed quantity: at least `min_decimals` decimals, and more where
/// that would show fewer than 6 significant digits (a $0.000000242 bill is 0.000000242, not
/// 0.000000); the extra decimals carry no trailing zeros. NaN and infinities are empty.
pub(crate) fn amount(v: f64, min_decimals: usize) -> String {
    if !v.is_finite() || v == 0.0 {
        return num(v, min_decimals);
    }
    let magnitude = v.abs().log10().floor() as i64;
    let decimals = (5 - magnitude).clamp(min_decimals as i64, 30) as usize;
    let text = num(v, decimals);
    if decimals == min_decimals {
        return text;
    }
    // Trailing zeros beyond `min_decimals` only.
    let keep = text.len() - (decimals - min_decimals);
    let trimmed = text.trim_end_matches('0');
    text[..trimmed.len().max(keep)].to_string()
}

/// A recovery time: empty without faults, "never" when the failure ratio never came back.
fn recovery(s: f64) -> String {
    if s.is_infinite() {
        "never".to_string()
    } else {
        num(s, 3)
    }
}

/// When the terminal table shows a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Only in `summary.csv`.
    FileOnly,
    /// Always, under this label.
    Always(&'static str),
    /// Under this label when any architecture had a fault.
    WithFaults(&'static str),
}

/// One column of `summary.csv`.
pub struct Column {
    /// Header in `summary.csv`.
    pub name: &'static str,
    /// Unit of the value ("" for counts and names).
    pub unit: &'static str,
    /// One line for docs/scenarios.md.
    pub doc: &'static str,
    /// Whether and how the terminal table shows it.
    pub shown: Shown,
    /// The cell of one architecture's row.
    pub cell: fn(&Scenario, &ArchReport) -> String,
}

/// The cost per million transactions arrived [USD] (NaN without arrivals).
fn per_million(a: &ArchReport) -> f64 {
    if a.counts.arrived > 0 {
        a.cost_usd() / a.counts.arrived as f64 * 1e6
    } else {
        f64::NAN
    }
}

/// Every column of `summary.csv`, in order.
pub const SUMMARY: &[Column] = &[
    Column {
        name: "scenario",
        unit: "",
        doc: "Scenario name.",
        shown: Shown::FileOnly,
        cell: |s, _| s.name.clone(),
    },
    Column {
        name: "architecture",
        unit: "",
        doc: "Architecture name.",
        shown: Shown::FileOnly,
        cell: |_, a| a.name.clone(),
    },
    Column {
        name: "seed",
        unit: "",
        doc: "Seed of the random streams (section 12).",
        shown: Shown::FileOnly,
        cell: |s, _| s.seed.to_string(),
    },
    Column {
        name: "horizon_s",
        unit: "s",
        doc: "The horizon asked for (see `simulated_s` for the time reached).",
        shown: Shown::FileOnly,
        cell: |s, _| num(secs(s.horizon), 3),
    },
    Column {
        name: "simulated_s",
        unit: "s",
        doc: "Simulated time reached: the horizon, unless the run was stopped before it (Ctrl-C, or more transactions in flight than `--max-in-flight`); the figures are then of the time simulated, billed to then.",
        shown: Shown::FileOnly,
        cell: |_, a| num(secs(a.simulated), 3),
    },
    Column {
        name: "transactions",
        unit: "",
        doc: "Transactions arrived.",
        shown: Shown::Always("transactions"),
        cell: |_, a| a.counts.arrived.to_string(),
    },
    Column {
        name: "completed",
        unit: "",
        doc: "Transactions completed (section 10).",
        shown: Shown::Always("completed"),
        cell: |_, a| a.counts.completed.to_string(),
    },
    Column {
        name: "failed",
        unit: "",
        doc: "Transactions failed (section 10).",
        shown: Shown::Always("failed"),
        cell: |_, a| a.counts.failed.to_string(),
    },
    Column {
        name: "dead_lettered",
        unit: "",
        doc: "Transactions that ended with a message in a dead-letter queue (section 10).",
        shown: Shown::Always("dead-lettered"),
        cell: |_, a| a.counts.dead_lettered.to_string(),
    },
    Column {
        name: "in_flight",
        unit: "",
        doc: "Transactions still in flight at the horizon.",
        shown: Shown::Always("in flight"),
        cell: |_, a| a.counts.in_flight.to_string(),
    },
    Column {
        name: "response_p50_ms",
        unit: "ms",
        doc: "Median response latency of successful responses.",
        shown: Shown::Always("response p50 [ms]"),
        cell: |_, a| num(a.metrics.response.quantile_ms(0.5), 3),
    },
    Column {
        name: "response_p95_ms",
        unit: "ms",
        doc: "95th percentile of the response latency of successful responses.",
        shown: Shown::Always("response p95 [ms]"),
        cell: |_, a| num(a.metrics.response.quantile_ms(0.95), 3),
    },
    Column {
        name: "response_p99_ms",
        unit: "ms",
        doc: "99th percentile of the response latency of successful responses.",
        shown: Shown::Always("response p99 [ms]"),
        cell: |_, a| num(a.metrics.response.quantile_ms(0.99), 3),
    },
    Column {
        name: "response_mean_ms",
        unit: "ms",
        doc: "Mean response latency of successful responses (exact).",
        shown: Shown::FileOnly,
        cell: |_, a| num(a.metrics.response.mean_ms(), 3),
    },
    Column {
        name: "done_p50_ms",
        unit: "ms",
        doc: "Median done latency of completed transactions.",
        shown: Shown::Always("done p50 [ms]"),
        cell: |_, a| num(a.metrics.done.quantile_ms(0.5), 3),
    },
    Column {
        name: "done_p95_ms",
        unit: "ms",
        doc: "95th percentile of the done latency of completed transactions.",
        shown: Shown::Always("done p95 [ms]"),
        cell: |_, a| num(a.metrics.done.quantile_ms(0.95), 3),
    },
    Column {
        name: "done_p99_ms",
        unit: "ms",
        doc: "99th percentile of the done latency of completed transactions.",
        shown: Shown::Always("done p99 [ms]"),
        cell: |_, a| num(a.metrics.done.quantile_ms(0.99), 3),
    },
    Column {
        name: "done_mean_ms",
        unit: "ms",
        doc: "Mean done latency of completed transactions (exact).",
        shown: Shown::FileOnly,
        cell: |_, a| num(a.metrics.done.mean_ms(), 3),
    },
    Column {
        name: "mean_in_flight",
        unit: "",
        doc: "Time-average number of transactions in flight (Little's L).",
        shown: Shown::FileOnly,
        cell: |s, a| num(a.metrics.mean_in_flight(s.horizon), 3),
    },
    Column {
        name: "queue_wait_mean_ms",
        unit: "ms",
        doc: "Mean wait for a worker, an instance or a consumer before work starts (exact), over every execution counted in `invocations`: a server request from its arrival at the server to its worker (its time in the backlog; 0 with a worker free); a function invocation from its request to its instance (0 unless an asynchronous invocation was throttled: its back-off until an attempt got one; a platform retry after an error counts from the retry; the cold start is not a wait, see `cold_starts`); a queue message from when it became visible (sent, visible again, redriven) to its receive by the consumer (not its turn within the batch). Requests refused (rejected, throttled synchronously) have no wait; empty without executions.",
        shown: Shown::FileOnly,
        cell: |_, a| num(a.metrics.queue_wait.mean_ms(), 3),
    },
    Column {
        name: "queue_wait_p99_ms",
        unit: "ms",
        doc: "99th percentile of the same waits (0 when at least 99% waited for nothing); empty without executions.",
        shown: Shown::FileOnly,
        cell: |_, a| num(a.metrics.queue_wait.quantile_ms(0.99), 3),
    },
    Column {
        name: "mean_backlog",
        unit: "",
        doc: "Time-average number waiting, as `queue_wait_mean_ms` counts waits: server requests in a backlog, asynchronous invocations throttled and not yet given an instance, visible messages on queues that have a consumer (Little's Lq: about the executions' rate × `queue_wait_mean_ms`). Messages parked on a queue without a consumer, and operations waiting for a database's capacity or a core, are not counted.",
        shown: Shown::FileOnly,
        cell: |_, a| num(a.mean_backlog, 3),
    },
    Column {
        name: "invocations",
        unit: "",
        doc: "Executions: server handler runs and function executions (one per queue message); workflows and gateways are not counted.",
        shown: Shown::Always("invocations"),
        cell: |_, a| a.metrics.invocations.to_string(),
    },
    Column {
        name: "cold_starts",
        unit: "",
        doc: "Function executions that waited for a cold start.",
        shown: Shown::Always("cold starts"),
        cell: |_, a| a.metrics.cold_starts.to_string(),
    },
    Column {
        name: "cold_start_ratio",
        unit: "",
        doc: "`cold_starts` as a fraction of function executions; empty without any.",
        shown: Shown::Always("cold-start ratio"),
        cell: |_, a| num(a.metrics.cold_start_ratio(), 6),
    },
    Column {
        name: "provisioned_instances",
        unit: "",
        doc: "Time-average provisioned instances (`Function.provisioned`, or its `provisioned_schedule`), summed over the functions.",
        shown: Shown::FileOnly,
        cell: |s, a| num(a.provisioned_instances(s), 3),
    },
    Column {
        name: "mean_instances",
        unit: "",
        doc: "Time-average function instances (starting, busy or idle), summed over the functions.",
        shown: Shown::FileOnly,
        cell: |_, a| num(a.mean_instances(), 3),
    },
    Column {
        name: "mean_busy_instances",
        unit: "",
        doc: "Time-average function instances running at least one invocation (or a batch), summed over the functions; with `mean_starting_instances` and `mean_idle_instances` it makes `mean_instances`. Servers add nothing here (see `mean_busy_workers`).",
        shown: Shown::FileOnly,
        cell: |_, a| num(a.mean_busy_instances(), 3),
    },
    Column {
        name: "mean_starting_instances",
        unit: "",
        doc: "Time-average function instances in their cold start, summed over the functions.",
        shown: Shown::FileOnly,
        cell: |_, a| num(a.mean_starting_instances(), 3),
    },
    Column {
        name: "mean_idle_instances",
        unit: "",
        doc: "Time-average idle warm function instances (pre-warmed and provisioned ones included), summed over the functions.",
        shown: Shown::FileOnly,
        cell: |_, a| num(a.mean_idle_instances(), 3),
    },
    Column {
        name: "mean_busy_workers",
        unit: "",
        doc: "Time-average busy server workers (each holds one request for its whole handler), summed over the servers: a server's counterpart of `mean_busy_instances` (λ × mean handler time, by Little).",
        shown: Shown::FileOnly,
        cell: |_, a| num(a.mean_busy_workers, 3),
    },
    Column {
        name: "wasted_gb_s",
        unit: "GB-s",
        doc: "Memory held by idle warm instances over the run: mean idle instances × memory / 1024 × horizon, summed over the functions (idle provisioned instances included, though they are billed).",
        shown: Shown::FileOnly,
        cell: |s, a| num(a.wasted_gb_s(s), 3),
    },
    Column {
        name: "throttled",
        unit: "",
        doc: "Requests refused for capacity: function throttles (concurrency or scaling rate; every attempt), database `PerSecond` and external `rate_limit` throttles.",
        shown: Shown::Always("throttled"),
        cell: |_, a| a.metrics.throttled.to_string(),
    },
    Column {
        name: "rejected",
        unit: "",
        doc: "Requests refused otherwise: server requests (backlog full, or no instance up), messages a queue or topic refused for their size, database operations refused for want of a connection.",
        shown: Shown::Always("rejected"),
        cell: |_, a| a.metrics.rejected.to_string(),
    },
    Column {
        name: "retries",
        unit: "",
        doc: "The platform's retries of asynchronous invocations (section 6).",
        shown: Shown::Always("retries"),
        cell: |_, a| a.metrics.retries.to_string(),
    },
    Column {
        name: "call_retries",
        unit: "",
        doc: "Retries of calls by their callers' policies (section 8).",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.call_retries.to_string(),
    },
    Column {
        name: "failed_responses",
        unit: "",
        doc: "Transactions whose response failed.",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.failed_responses.to_string(),
    },
    Column {
        name: "dead_letter_moves",
        unit: "",
        doc: "Messages moved to a dead-letter queue, and asynchronous events sent to a function's `on_failure`.",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.dead_letter_moves.to_string(),
    },
    Column {
        name: "redriven",
        unit: "",
        doc: "Messages moved back by a redrive.",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.redriven.to_string(),
    },
    Column {
        name: "completed_after_redrive",
        unit: "",
        doc: "Redriven messages then processed successfully.",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.completed_after_redrive.to_string(),
    },
    Column {
        name: "timeouts",
        unit: "",
        doc: "Calls abandoned at a policy's `timeout`.",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.timeouts.to_string(),
    },
    Column {
        name: "function_timeouts",
        unit: "",
        doc: "Function invocations stopped at their function's `timeout`.",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.function_timeouts.to_string(),
    },
    Column {
        name: "duplicate_executions",
        unit: "",
        doc: "Queue message copies executed while another copy ran or after one had succeeded (at-least-once delivery, section 6).",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.duplicate_executions.to_string(),
    },
    Column {
        name: "short_circuited",
        unit: "",
        doc: "Calls failed at once by an open circuit breaker.",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.short_circuited.to_string(),
    },
    Column {
        name: "crashes",
        unit: "",
        doc: "Process crashes: server instances and function instances.",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.crashes.to_string(),
    },
    Column {
        name: "lost_in_crashes",
        unit: "",
        doc: "Activations that died with them (on a server everything running on the instance; on a function 1).",
        shown: Shown::FileOnly,
        cell: |_, a| a.metrics.lost_in_crashes.to_string(),
    },
    Column {
        name: "collateral_failures",
        unit: "",
        doc: "`collateral_failures` of `isolation.csv`, summed over the faults.",
        shown: Shown::WithFaults("collateral failures"),
        cell: |_, a| a.collateral_failures().to_string(),
    },
    Column {
        name: "recovery_s",
        unit: "s",
        doc: "The longest recovery time of the faults that ended; `never` if one of them never recovered; empty if no fault ended.",
        shown: Shown::WithFaults("recovery [s]"),
        cell: |_, a| recovery(a.recovery_s()),
    },
    Column {
        name: "cost_usd",
        unit: "USD",
        doc: "The bill: the sum of `costs.csv`.",
        shown: Shown::Always("cost [USD]"),
        cell: |_, a| amount(a.cost_usd(), 6),
    },
    Column {
        name: "cost_per_million_usd",
        unit: "USD",
        doc: "The bill per million transactions arrived; empty without arrivals.",
        shown: Shown::Always("cost per million [USD]"),
        cell: |_, a| amount(per_million(a), 6),
    },
];

/// The header of `summary.csv`.
pub fn summary_header() -> Vec<&'static str> {
    SUMMARY.iter().map(|c| c.name).collect()
}

/// The rows of `summary.csv`, one per architecture, as strings.
pub fn summary_rows(report: &Report) -> Vec<Vec<String>> {
    let s = &report.scenario;
    report
        .architectures
        .iter()
        .map(|a| SUMMARY.iter().map(|c| (c.cell)(s, a)).collect())
        .collect()
}

/// The side-by-side comparison printed by `choreo run`: one column per architecture, the
/// rows [`SUMMARY`] shows (fault figures only when there were faults).
pub fn summary_table(report: &Report) -> String {
    let s = &report.scenario;
    let mut out = format!(
        "{} (seed {}, horizon {})\n",
        s.name,
        s.seed,
        crate::scenario::units::format_duration(s.horizon)
    );
    let faults = report
        .architectures
        .iter()
        .any(|a| !a.isolation.faults().is_empty());
    let width = report
        .architectures
        .iter()
        .map(|a| a.name.len())
        .max()
        .unwrap_or(0)
        .max(12)
        + 2;
    let _ = write!(out, "{:<24}", "");
    for a in &report.architectures {
        let _ = write!(out, "{:>width$}", a.name);
    }
    out.push('\n');
    for c in SUMMARY {
        let label = match c.shown {
            Shown::Always(label) => label,
            Shown::WithFaults(label) if faults => label,
            _ => continue,
        };
        let _ = write!(out, "{label:<24}");
        for a in &report.architectures {
            let v = (c.cell)(s, a);
            let v = if v.is_empty() { "-" } else { v.as_str() };
            let _ = write!(out, "{v:>width$}");
        }
        out.push('\n');
    }
    out
}

/// The column list of `summary.csv` as a Markdown table, as docs/scenarios.md shows it.
pub fn summary_docs() -> String {
    let mut out = String::from("| Column | Unit | Meaning |\n|---|---|---|\n");
    for c in SUMMARY {
        let _ = writeln!(out, "| `{}` | {} | {} |", c.name, c.unit, c.doc);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_docs_list_every_column_as_the_table_defines_it() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/scenarios.md");
        let text = std::fs::read_to_string(path).unwrap();
        let (begin, end) = (
            "<!-- summary-columns:begin -->\n",
            "<!-- summary-columns:end -->",
        );
        let a = text.find(begin).expect("begin marker") + begin.len();
        let b = text.find(end).expect("end marker");
        let want = summary_docs();
        if text[a..b] != want {
            if std::env::var_os("CHOREO_BLESS").is_some() {
                let updated = format!("{}{want}{}", &text[..a], &text[b..]);
                std::fs::write(path, updated).unwrap();
                return;
            }
            panic!(
                "docs/scenarios.md's summary.csv columns differ from report::SUMMARY; \
                 rerun with CHOREO_BLESS=1 to rewrite them. Expected:\n{want}"
            );
        }
    }

    #[test]
    fn column_names_are_unique_and_the_terminal_labels_too() {
        let mut names: Vec<_> = SUMMARY.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SUMMARY.len());
        let mut labels: Vec<_> = SUMMARY
            .iter()
            .filter_map(|c| match c.shown {
                Shown::Always(l) | Shown::WithFaults(l) => Some(l),
                Shown::FileOnly => None,
            })
            .collect();
        let n = labels.len();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), n);
    }
}
