//! Running a scenario: every architecture on the same arrivals, in parallel, to the horizon.

use std::sync::Arc;

use crate::calibration::MB_PER_GB;
use crate::engine::{NS_PER_S, SimTime};
use crate::metrics::isolation::Isolation;
use crate::metrics::{CostLine, Metrics};
use crate::model::{ComponentState, Counts, FunctionUsage, Limit, Runaway, Simulation};
use crate::observe::Observer;
use crate::scenario::{CompId, Scenario};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Timeseries interval [ns]; default the larger of 1 s and horizon / 1000.
    pub interval: Option<SimTime>,
    /// Names of the architectures to run; empty runs them all.
    pub architectures: Vec<String>,
}

/// One timeseries value: `metric` of `component` (`None`: the whole architecture) at `time`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// End of the interval [ns].
    pub time: SimTime,
    /// Component, or `None` for the architecture as a whole.
    pub component: Option<CompId>,
    /// Metric name.
    pub metric: &'static str,
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

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// An `--arch` name matched no architecture.
    #[error("no architecture named {name:?} (the scenario has: {known})")]
    UnknownArchitecture {
        /// The name asked for.
        name: String,
        /// The names available.
        known: String,
    },
    /// A transaction's work ran away (see [`crate::model::Runaway`]): the architecture's run
    /// stopped before its horizon. The scenario's fault, almost surely an asynchronous cycle.
    #[error(
        "{architecture:?} stopped at {at_s} s: a transaction of kind {kind:?} has {what} (the last started at {component:?}); its work runs away, most likely round an asynchronous cycle {cause}; `choreo validate` warns of such cycles"
    )]
    Runaway {
        /// Architecture.
        architecture: String,
        /// Transaction kind.
        kind: String,
        /// The component that started the piece of work past the limit.
        component: String,
        /// Which limit.
        limit: Limit,
        /// The limit passed, in words, with its value.
        what: String,
        /// The likely cause, in words.
        cause: &'static str,
        /// Simulated time of the stop [s].
        at_s: f64,
    },
    /// Transactions were lost or invented: an internal error, always a bug.
    #[error(
        "internal error: conservation broken in {architecture:?}: arrived {} ≠ completed {} + failed {} + dead-lettered {} + in flight {}",
        counts.arrived, counts.completed, counts.failed, counts.dead_lettered, counts.in_flight
    )]
    Conservation {
        /// Architecture.
        architecture: String,
        /// The counts that do not add up.
        counts: Counts,
    },
}

/// The default timeseries interval for a horizon: the larger of 1 s and horizon / 1000.
pub fn default_interval(horizon: SimTime) -> SimTime {
    (horizon / 1000).max(NS_PER_S)
}

/// Indices of the architectures selected by `names` (all when empty), in the order first
/// named; a name given twice selects its architecture once.
pub fn select(scenario: &Scenario, names: &[String]) -> Result<Vec<usize>, RunError> {
    if names.is_empty() {
        return Ok((0..scenario.architectures.len()).collect());
    }
    let mut seen = Vec::with_capacity(names.len());
    let firsts = names.iter().filter(|n| {
        let first = !seen.contains(n);
        seen.push(*n);
        first
    });
    firsts
        .map(|n| {
            scenario
                .architectures
                .iter()
                .position(|a| &a.name == n)
                .ok_or_else(|| RunError::UnknownArchitecture {
                    name: n.clone(),
                    known: scenario
                        .architectures
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
        })
        .collect()
}

/// Runs every selected architecture, each on its own thread, and checks conservation.
pub fn run_scenario(scenario: &Scenario, options: &RunOptions) -> Result<Report, RunError> {
    run_scenario_with(scenario, options, |_| ()).map(|(report, _)| report)
}

/// Like [`run_scenario`], feeding each architecture's events to an observer made for it by
/// `make` (given the architecture's index); the observers come back in report order.
pub fn run_scenario_with<O: Observer + Send>(
    scenario: &Scenario,
    options: &RunOptions,
    make: impl Fn(usize) -> O + Sync,
) -> Result<(Report, Vec<O>), RunError> {
    let selected = select(scenario, &options.architectures)?;
    let scenario = Arc::new(scenario.clone());
    let interval = options
        .interval
        .unwrap_or_else(|| default_interval(scenario.horizon));
    let make = &make;
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = selected
            .iter()
            .map(|&i| {
                let scenario = Arc::clone(&scenario);
                s.spawn(move || {
                    let mut observer = make(i);
                    run_architecture(scenario, i, interval, &mut observer).map(|r| (r, observer))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let (architectures, observers) = results.into_iter().unzip();
    Ok((
        Report {
            scenario,
            interval,
            architectures,
        },
        observers,
    ))
}

/// Runs one architecture to the horizon, feeding `extra` every event, sampling the
/// timeseries every `interval` [ns].
pub fn run_architecture(
    scenario: Arc<Scenario>,
    index: usize,
    interval: SimTime,
    extra: &mut impl Observer,
) -> Result<ArchReport, RunError> {
    let mut sim = Simulation::new(Arc::clone(&scenario), index);
    let mut metrics = Metrics::new(sim.architecture());
    let mut isolation = Isolation::new(sim.architecture(), scenario.kinds.len(), interval.max(1));
    let mut timeseries = Vec::new();
    let horizon = sim.horizon();
    let interval = interval.max(1);
    let mut t = 0;
    while t < horizon {
        t = (t + interval).min(horizon);
        sim.step_until(t, &mut ((&mut metrics, &mut isolation), &mut *extra));
        if let Some(r) = sim.runaway() {
            return Err(runaway_error(&scenario, sim.architecture(), r));
        }
        sample(&sim, &mut metrics, t, &mut timeseries);
    }
    let counts = sim.counts();
    let arch = sim.architecture();
    if !counts.conserved() {
        return Err(RunError::Conservation {
            architecture: arch.name.clone(),
            counts,
        });
    }
    let costs = metrics.costs(arch, &scenario.prices, horizon);
    let functions = (0..arch.components.len())
        .filter_map(|c| sim.function_usage(c).map(|u| (c, u)))
        .collect();
    Ok(ArchReport {
        index,
        name: arch.name.clone(),
        counts,
        metrics,
        costs,
        timeseries,
        isolation,
        functions,
    })
}

/// The error for a run of `arch` stopped by `r` (the CLI and the viewer say the same).
pub fn runaway_error(
    scenario: &Scenario,
    arch: &crate::scenario::Architecture,
    r: &Runaway,
) -> RunError {
    let (what, cause) = match r.limit {
        Limit::Outstanding => (
            format!(
                "more than {} pieces of work outstanding at once",
                r.limit.value()
            ),
            "that grows: each pass starts more than one piece of work on it, e.g. two Emits back into it or a topic with two subscribers on it",
        ),
        Limit::Caused => (
            format!("started more than {} pieces of work", r.limit.value()),
            "that never ends: each pass starts the next",
        ),
    };
    RunError::Runaway {
        architecture: arch.name.clone(),
        kind: scenario.kinds.get(r.kind).cloned().unwrap_or_default(),
        component: arch
            .components
            .get(r.comp)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        limit: r.limit,
        what,
        cause,
        at_s: r.at as f64 / NS_PER_S as f64,
    }
}

/// Appends one interval's samples and restarts the interval counters.
fn sample(sim: &Simulation, metrics: &mut Metrics, t: SimTime, out: &mut Vec<Sample>) {
    let counts = sim.counts();
    let i = std::mem::take(&mut metrics.interval);
    let all = [
        ("arrived", i.arrived as f64),
        ("completed", i.completed as f64),
        ("failed", i.failed as f64),
        ("in_flight", counts.in_flight as f64),
        ("cold_starts", i.cold_starts as f64),
        ("throttled", i.throttled as f64),
        ("response_p50_ms", i.response.quantile_ms(0.5)),
        ("response_p99_ms", i.response.quantile_ms(0.99)),
    ];
    out.extend(all.into_iter().map(|(metric, value)| Sample {
        time: t,
        component: None,
        metric,
        value,
    }));
    for (c, state) in sim.snapshot().into_iter().enumerate() {
        let values: &[(&'static str, u32)] = match state {
            ComponentState::Server {
                busy,
                workers,
                backlog,
            } => &[
                ("workers_busy", busy),
                ("workers", workers),
                ("backlog", backlog),
            ],
            ComponentState::Function {
                starting,
                busy,
                idle,
            } => &[
                ("instances_starting", starting),
                ("instances_busy", busy),
                ("instances_idle", idle),
            ],
            ComponentState::Queue { visible, in_flight } => {
                &[("visible", visible), ("in_flight", in_flight)]
            }
            ComponentState::Store {
                in_service,
                waiting,
            } => &[("in_service", in_service), ("waiting", waiting)],
            ComponentState::Stateless => &[],
        };
        out.extend(values.iter().map(|&(metric, v)| Sample {
            time: t,
            component: Some(c),
            metric,
            value: f64::from(v),
        }));
    }
}
