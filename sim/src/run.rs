//! Running a scenario: every architecture on the same arrivals, in parallel, to the horizon.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::engine::{NS_PER_S, SimTime};
use crate::metrics::Metrics;
use crate::model::{ComponentState, Counts, Limit, Runaway, Simulation};
use crate::observe::Observer;
use crate::report::Metric;
use crate::scenario::Scenario;
use crate::session::Session;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Timeseries interval [ns]; default the larger of 1 s and horizon / 1000.
    pub interval: Option<SimTime>,
    /// Names of the architectures to run; empty runs them all.
    pub architectures: Vec<String>,
    /// Run the architectures one after the other on the calling thread, rather than one
    /// thread each (a sweep's workers already use every core).
    pub sequential: bool,
    /// How the run is watched and stopped.
    pub control: Control,
}

/// Transactions in flight at once beyond which a run stops (unless raised): an overloaded
/// design whose backlog grows without bound, which would otherwise exhaust memory (about
/// 200 bytes each, measured: 1 GB at this limit).
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 5_000_000;

/// Calendar events between two looks at the controls.
const CHECK_EVERY: u64 = 1 << 16;

/// How a running architecture is watched and stopped; every architecture of a run shares it.
#[derive(Debug, Clone, Default)]
pub struct Control {
    /// Set (by a Ctrl-C handler, say) to stop every architecture soon, at an event boundary;
    /// each keeps what it simulated ([`Stopped::Interrupted`]).
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Most transactions in flight at once [default: [`DEFAULT_MAX_IN_FLIGHT`]].
    pub max_in_flight: Option<u64>,
    /// Simulated time reached by each architecture (by index in the scenario) [ns], for a
    /// progress display.
    pub reached: Option<Arc<Vec<AtomicU64>>>,
}

impl Control {
    /// Whether the interrupt is set.
    pub fn interrupted(&self) -> bool {
        self.interrupt
            .as_ref()
            .is_some_and(|i| i.load(Ordering::Relaxed))
    }
}

pub use crate::report::{ArchReport, Report, Sample, Stopped};

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
    /// An observer failed to write what it observed (`Observer::finish`).
    #[error("scenario {scenario:?}, architecture {architecture:?}: writing its events")]
    Output {
        /// Scenario name.
        scenario: String,
        /// Architecture.
        architecture: String,
        /// What went wrong.
        #[source]
        source: std::io::Error,
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
    /// The simulation panicked: a bug in choreo, reported with where it happened instead of
    /// taking the other architectures and the files already written down with it.
    #[error(
        "internal error in scenario {scenario:?}, architecture {architecture:?}, at simulated time {at_s} s: {message} (a bug in choreo: please report it with the scenario and seed {seed})"
    )]
    Panicked {
        /// Scenario name.
        scenario: String,
        /// Architecture.
        architecture: String,
        /// Simulated time of the event being handled [s].
        at_s: f64,
        /// The panic's message.
        message: String,
        /// The run's seed.
        seed: u64,
    },
}

/// A panic's message, when it has one.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
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
    if options.sequential {
        let results = selected
            .iter()
            .map(|&i| {
                let mut observer = make(i);
                let control = &options.control;
                run_architecture_with(Arc::clone(&scenario), i, interval, &mut observer, control)
                    .map(|r| (r, observer))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (architectures, observers) = results.into_iter().unzip();
        return Ok((
            Report {
                scenario,
                interval,
                architectures,
            },
            observers,
        ));
    }
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = selected
            .iter()
            .map(|&i| {
                let scenario = Arc::clone(&scenario);
                let control = &options.control;
                s.spawn(move || {
                    let mut observer = make(i);
                    run_architecture_with(scenario, i, interval, &mut observer, control)
                        .map(|r| (r, observer))
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
    run_architecture_with(scenario, index, interval, extra, &Control::default())
}

/// [`run_architecture`] under `control`: stopped early, with what it simulated, when the
/// interrupt is set or more transactions are in flight than the limit.
pub fn run_architecture_with(
    scenario: Arc<Scenario>,
    index: usize,
    interval: SimTime,
    extra: &mut impl Observer,
    control: &Control,
) -> Result<ArchReport, RunError> {
    let mut session = Session::new(Arc::clone(&scenario), index, interval);
    let horizon = session.sim().horizon();
    let limit = control.max_in_flight.unwrap_or(DEFAULT_MAX_IN_FLIGHT);
    let publish = |session: &Session| {
        if let Some(at) = control.reached.as_ref().and_then(|r| r.get(index)) {
            at.store(session.sim().now(), Ordering::Relaxed);
        }
    };
    let mut stopped = None;
    // A panic (a bug) becomes an error naming where it happened; the session is not used
    // again, only its clock read, so a broken invariant inside it cannot spread.
    let stepped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        while session.step_to(horizon, CHECK_EVERY, extra) {
            publish(&session);
            if control.interrupted() {
                stopped = Some(Stopped::Interrupted);
                break;
            }
            if session.counts().in_flight > limit {
                stopped = Some(Stopped::InFlight { limit });
                break;
            }
        }
    }));
    if let Err(payload) = stepped {
        return Err(RunError::Panicked {
            scenario: scenario.name.clone(),
            architecture: scenario.architectures[index].name.clone(),
            at_s: session.sim().now() as f64 / NS_PER_S as f64,
            message: panic_message(payload.as_ref()),
            seed: scenario.seed,
        });
    }
    publish(&session);
    let report = match stopped {
        Some(why) => session.finish_stopped(why)?,
        None => session.finish()?,
    };
    extra.finish().map_err(|source| RunError::Output {
        scenario: scenario.name.clone(),
        architecture: report.name.clone(),
        source,
    })?;
    Ok(report)
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
pub(crate) fn sample(sim: &Simulation, metrics: &mut Metrics, t: SimTime, out: &mut Vec<Sample>) {
    let counts = sim.counts();
    let mut i = std::mem::take(&mut metrics.interval);
    let all = [
        (Metric::Arrived, i.arrived as f64),
        (Metric::Completed, i.completed as f64),
        (Metric::Failed, i.failed as f64),
        (Metric::InFlight, counts.in_flight as f64),
        (Metric::ColdStarts, i.cold_starts as f64),
        (Metric::Throttled, i.throttled as f64),
        (Metric::ResponseP50Ms, i.response.quantile_ms(0.5)),
        (Metric::ResponseP99Ms, i.response.quantile_ms(0.99)),
    ];
    out.extend(all.into_iter().map(|(metric, value)| Sample {
        time: t,
        component: None,
        metric,
        value,
    }));
    for (c, state) in sim.snapshot().into_iter().enumerate() {
        let values: &[(Metric, u32)] = match state {
            ComponentState::Server {
                busy,
                workers,
                backlog,
            } => &[
                (Metric::WorkersBusy, busy),
                (Metric::Workers, workers),
                (Metric::Backlog, backlog),
            ],
            ComponentState::Function {
                starting,
                busy,
                idle,
            } => &[
                (Metric::InstancesStarting, starting),
                (Metric::InstancesBusy, busy),
                (Metric::InstancesIdle, idle),
            ],
            ComponentState::Queue { visible, in_flight } => {
                &[(Metric::Visible, visible), (Metric::InFlight, in_flight)]
            }
            ComponentState::Store {
                in_service,
                waiting,
            } => &[(Metric::InService, in_service), (Metric::Waiting, waiting)],
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
