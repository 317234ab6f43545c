//! Scenarios: RON text → [`raw::RawScenario`] (serde) → validated [`Scenario`].
//!
//! Validation resolves names to ids, converts units and collects every problem at once,
//! each as a [`Diagnostic`] with the file, line, column and field path it is about. A
//! `Scenario` that exists is valid: the model never checks it again.

pub mod locate;
pub mod overrides;
pub mod raw;
pub mod trace;
pub mod units;
mod validate;

use std::fmt;
use std::sync::Arc;

pub use crate::calibration::Platform;
use crate::calibration::PriceBook;
use crate::dist::Dist;
use crate::engine::SimTime;

/// Index of a component within its architecture.
pub type CompId = usize;
/// Index of a transaction kind within the scenario (order of first appearance).
pub type KindId = usize;

/// A validated scenario: one workload, several architectures.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Display name.
    pub name: String,
    /// What the scenario models.
    pub about: String,
    /// Workshop text.
    pub lesson: String,
    /// Simulated time to run [ns].
    pub horizon: SimTime,
    /// Seed of every random stream.
    pub seed: u64,
    /// Prices in force.
    pub prices: PriceBook,
    /// Transaction kinds, by [`KindId`].
    pub kinds: Vec<String>,
    /// Transaction sources.
    pub sources: Vec<Source>,
    /// The designs compared.
    pub architectures: Vec<Architecture>,
    /// Injected failures.
    pub faults: Vec<Fault>,
    /// Predict-then-check questions for a workshop, each with its answer and the claims
    /// on choreo's own output that make the answer true.
    pub questions: Vec<Question>,
}

/// A workshop question: what to predict, the answer, and the claims on `summary.csv` that
/// the answer rests on (a test runs the scenario and evaluates them, so the answer key
/// cannot drift from the model).
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// What students are asked to predict.
    pub ask: String,
    /// The answer, in words.
    pub answer: String,
    /// The overrides of the run the claims are evaluated on (`--set PATH=VALUE`, `--load
    /// X`), in the order written; empty: the scenario as written.
    pub set: Vec<overrides::Override>,
    /// What must hold in the scenario's `summary.csv` for the answer to be right.
    pub claims: Vec<Claim>,
}

/// One comparison on `summary.csv`, e.g. `serverless.response_p99_ms < monolith.response_p99_ms`
/// or `monolith.cost_usd > 2 * serverless.cost_usd`.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// As written.
    pub text: String,
    /// Left of the comparison.
    pub left: Operand,
    /// The comparison.
    pub op: Compare,
    /// Right of the comparison.
    pub right: Operand,
}

/// A side of a [`Claim`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operand {
    /// A number as written.
    Number(f64),
    /// `factor` times an architecture's figure (a `summary.csv` column).
    Figure {
        /// Architecture index.
        arch: usize,
        /// The column's name.
        column: &'static str,
        /// Multiplier (1 unless written `k * arch.column`).
        factor: f64,
    },
}

/// How a [`Claim`] compares its sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// `<`
    Less,
    /// `<=`
    AtMost,
    /// `>`
    Greater,
    /// `>=`
    AtLeast,
    /// `==` (for counts, exactly).
    Equal,
}

impl Compare {
    /// The operators, longest first (so that `<=` is not read as `<`).
    pub const ALL: [(&'static str, Compare); 5] = [
        ("<=", Compare::AtMost),
        (">=", Compare::AtLeast),
        ("==", Compare::Equal),
        ("<", Compare::Less),
        (">", Compare::Greater),
    ];

    /// Whether `a OP b`.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Compare::Less => a < b,
            Compare::AtMost => a <= b,
            Compare::Greater => a > b,
            Compare::AtLeast => a >= b,
            Compare::Equal => a == b,
        }
    }
}

/// A failure injected into a component.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Name of the failing component.
    pub target: String,
    /// Only in this architecture, if set.
    pub architecture: Option<usize>,
    /// For a server: only its handler of this kind.
    pub handler: Option<KindId>,
    /// When it happens.
    pub schedule: FaultSchedule,
    /// What goes wrong.
    pub kind: FaultKind,
}

impl Fault {
    /// The component it hits in `arch`, if any.
    pub fn target_in(&self, arch_index: usize, arch: &Architecture) -> Option<CompId> {
        if self.architecture.is_some_and(|a| a != arch_index) {
            return None;
        }
        arch.find(&self.target)
    }
}

/// When a fault is active.
#[derive(Debug, Clone)]
pub enum FaultSchedule {
    /// Once, from `at` for `lasts` [ns].
    Once {
        /// Start [ns].
        at: SimTime,
        /// Duration [ns].
        lasts: SimTime,
    },
    /// Repeatedly: up for `between`, down for `repair`, drawn anew each time.
    Repeat {
        /// Time between failures.
        between: Dist,
        /// Time to repair.
        repair: Dist,
    },
}

/// What goes wrong in a fault.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// Every call fails at once.
    Outage,
    /// Durations become `d × factor + add`.
    Slow {
        /// Multiplier.
        factor: f64,
        /// Added time [ns].
        add: SimTime,
    },
    /// A fraction of calls fail.
    Errors {
        /// Fraction in [0, 1].
        rate: f64,
    },
    /// Capacity multiplied by `factor`.
    CapacityCut {
        /// Fraction in (0, 1].
        factor: f64,
    },
    /// The process crashes.
    Crash(CrashRule),
    /// Messages sent are poison with this probability.
    Poison {
        /// Fraction in [0, 1].
        rate: f64,
    },
}

impl FaultKind {
    /// Lower-case name, as written in CSV.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Outage => "outage",
            FaultKind::Slow { .. } => "slow",
            FaultKind::Errors { .. } => "errors",
            FaultKind::CapacityCut { .. } => "capacity_cut",
            FaultKind::Crash(_) => "crash",
            FaultKind::Poison { .. } => "poison",
        }
    }
}

/// When a crash fault kills the process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CrashRule {
    /// Each execution, with this probability.
    Probability(f64),
    /// On every n-th execution since the instance started.
    After(u32),
}

/// Resilience of a component's calls to one target.
#[derive(Debug, Clone, PartialEq)]
pub struct CallPolicy {
    /// Give up on a call after this long [ns].
    pub timeout: Option<SimTime>,
    /// Retries after a failure.
    pub retries: u32,
    /// First back-off [ns]; doubles per retry.
    pub backoff: SimTime,
    /// Longest back-off [ns].
    pub max_backoff: SimTime,
    /// Full jitter.
    pub jitter: bool,
    /// Circuit breaker.
    pub breaker: Option<BreakerPolicy>,
}

/// Circuit breaker settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerPolicy {
    /// Consecutive failures that open it.
    pub failures: u32,
    /// Time open before a probe [ns].
    pub cooldown: SimTime,
}

/// When a dead-letter queue sends its messages back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Redrive {
    /// At a time [ns].
    At {
        /// Target queue.
        to: CompId,
        /// When [ns].
        at: SimTime,
    },
    /// `delay` after the end of any fault in the architecture.
    AfterFaults {
        /// Target queue.
        to: CompId,
        /// Delay [ns].
        delay: SimTime,
    },
}

/// One source of transactions.
#[derive(Debug, Clone)]
pub struct Source {
    /// Kind of the transactions it creates.
    pub kind: KindId,
    /// Arrival process.
    pub arrivals: Arrivals,
}

/// An arrival process; rates are per second.
#[derive(Debug, Clone)]
pub enum Arrivals {
    /// Poisson at `rate` [1/s].
    Poisson {
        /// Mean rate [1/s].
        rate: f64,
    },
    /// Evenly spaced at `rate` [1/s].
    Constant {
        /// Rate [1/s].
        rate: f64,
    },
    /// Poisson with a piecewise rate: `(from time [ns], rate [1/s])`, steps or linear ramps.
    Profile {
        /// Points in increasing time; the first is at time zero.
        points: Vec<(SimTime, f64)>,
        /// Interpolate between points.
        ramp: bool,
    },
    /// Poisson with rate `mean · (1 + amplitude · cos(2π (t − peak_at) / period))`.
    Diurnal {
        /// Mean rate [1/s].
        mean: f64,
        /// Relative swing in [0, 1].
        amplitude: f64,
        /// Cycle length [ns].
        period: SimTime,
        /// Peak time within the cycle [ns].
        peak_at: SimTime,
    },
    /// Poisson alternating between `on_rate` for `on` and `off_rate` for `off`.
    Bursts {
        /// Rate while on [1/s].
        on_rate: f64,
        /// Rate while off [1/s].
        off_rate: f64,
        /// Duration of each on period.
        on: Dist,
        /// Duration of each off period.
        off: Dist,
    },
    /// Replayed timestamps [ns], sorted; shared, so a scenario stays cheap to clone.
    Trace {
        /// Arrival times in increasing order (ties allowed) [ns].
        times: Arc<[SimTime]>,
        /// For a trace of invocations (`AzureInvocations`): the recorded duration [ns] of
        /// the invocation arriving at each of `times`, which `Compute(FromTrace)` replays.
        durations: Option<Arc<[SimTime]>>,
    },
    /// Replayed per-minute invocation counts (the Azure Functions 2019 trace), expanded
    /// minute by minute as the run reaches it.
    Azure {
        /// Invocations in each minute from time zero; nothing arrives after the last.
        per_minute: Arc<[u32]>,
        /// Evenly spaced within each minute; otherwise at uniform random times.
        even: bool,
    },
}

/// One design.
#[derive(Debug, Clone)]
pub struct Architecture {
    /// Name, unique in the scenario.
    pub name: String,
    /// Component every transaction enters at.
    pub entry: CompId,
    /// The platform whose defaults it took.
    pub platform: Platform,
    /// Prices in force for it: the platform's, with the scenario's and its own overrides.
    pub prices: PriceBook,
    /// Concurrent function executions allowed across all functions.
    pub concurrency_limit: u32,
    /// Components by [`CompId`].
    pub components: Vec<Component>,
    /// Viewer position hints (column, row) by [`CompId`], from the scenario's `layout`.
    pub positions: Vec<Option<(f32, f32)>>,
}

impl Function {
    /// Provisioned instance-seconds over `[0, horizon]` [s], following the schedule.
    pub fn provisioned_seconds(&self, horizon: SimTime) -> f64 {
        let mut points = vec![(0, self.provisioned)];
        points.extend_from_slice(&self.provisioned_changes);
        let mut total = 0.0;
        for (i, &(from, count)) in points.iter().enumerate() {
            let to = points.get(i + 1).map_or(horizon, |p| p.0).min(horizon);
            if to > from {
                total += f64::from(count) * (to - from) as f64 / 1e9;
            }
        }
        total
    }
}

impl Architecture {
    /// Which components transactions of `kind` can reach from the entry, by [`CompId`]
    /// (following routes, handlers, calls, emits, subscriptions, consumers and triggers).
    pub fn reachable(&self, kind: KindId) -> Vec<bool> {
        let mut seen = vec![false; self.components.len()];
        let mut stack = vec![self.entry];
        while let Some(id) = stack.pop() {
            if !std::mem::replace(&mut seen[id], true) {
                stack.extend(self.successors(id, Some(kind)).into_iter().map(|(t, _)| t));
            }
        }
        seen
    }

    /// Every connection between components, once each, sorted: `(from, to, sync)` where
    /// `sync` means the caller waits (calls, reads, writes, gateway routes) and otherwise an
    /// event or message flows (emits, subscriptions, consumers, triggers, dead letters).
    /// A pair connected both ways of working appears as synchronous.
    pub fn edges(&self) -> Vec<(CompId, CompId, bool)> {
        let mut edges: Vec<(CompId, CompId, bool)> = Vec::new();
        for id in 0..self.components.len() {
            for (to, sync) in self.successors(id, None) {
                edges.push((id, to, sync));
            }
        }
        // Sort synchronous first within a pair, then keep the first of each pair.
        edges.sort_by_key(|&(a, b, sync)| (a, b, !sync));
        edges.dedup_by_key(|e| (e.0, e.1));
        edges
    }

    /// The id of the component called `name`.
    pub fn find(&self, name: &str) -> Option<CompId> {
        self.components.iter().position(|c| c.name == name)
    }
}

/// A named component.
#[derive(Debug, Clone)]
pub struct Component {
    /// Name, unique in its architecture.
    pub name: String,
    /// What it is and how it is configured.
    pub spec: Spec,
    /// The component as written in the scenario (RON), for display.
    pub source: String,
}

/// The kinds of component.
#[derive(Debug, Clone)]
pub enum Spec {
    /// Provisioned servers.
    Server(Server),
    /// A serverless function.
    Function(Function),
    /// An API gateway.
    Gateway(Gateway),
    /// A message queue.
    Queue(Queue),
    /// A publish/subscribe topic.
    Topic(Topic),
    /// An object store.
    Storage(Storage),
    /// A database.
    Database(Database),
    /// A third-party service.
    External(External),
    /// A workflow engine.
    Orchestrator(Orchestrator),
}

/// A workflow engine (Step Functions-like). Its workflows are compiled to steps: flow 0 is
/// the main workflow, the others are branches (choices, parallel branches, catches).
#[derive(Debug, Clone)]
pub struct Orchestrator {
    /// Flows by slot.
    pub flows: Vec<Work>,
}

impl Spec {
    /// Lower-case name of the component kind ("function", "queue", ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Spec::Server(_) => "server",
            Spec::Function(_) => "function",
            Spec::Gateway(_) => "gateway",
            Spec::Queue(_) => "queue",
            Spec::Topic(_) => "topic",
            Spec::Storage(_) => "storage",
            Spec::Database(_) => "database",
            Spec::External(_) => "external",
            Spec::Orchestrator(_) => "orchestrator",
        }
    }
}

/// A list of steps run in order.
pub type Work = Vec<Step>;

/// How long a compute step takes.
#[derive(Debug, Clone)]
pub enum StepTime {
    /// Drawn from a distribution, keyed like every draw of the transaction.
    Drawn(Dist),
    /// The duration recorded for the transaction's invocation in its source's
    /// `AzureInvocations` trace ([`Arrivals::Trace`]'s `durations`). Validation lets only
    /// transactions of sources that record durations reach such a step.
    FromTrace,
}

/// One step of work.
#[derive(Debug, Clone)]
pub enum Step {
    /// Compute for a sampled or recorded duration.
    Compute(StepTime),
    /// CPU-bound compute: the duration with one full vCPU.
    Cpu(StepTime),
    /// Call a function, server, gateway or external service and wait.
    Call(CompId),
    /// Send asynchronously to a topic, queue or function, and go on (a 1 KB event).
    Emit(CompId),
    /// Send a message of `kb` KB asynchronously.
    Send {
        /// Topic, queue or function.
        to: CompId,
        /// Size [KB].
        kb: f64,
    },
    /// Read from a database.
    Read(CompId),
    /// Write to a database.
    Write(CompId),
    /// A workflow state transition: counted and billed, and takes the engine's latency.
    Transition(Dist),
    /// A workflow task: call `target`, retrying by `policy`; on final failure run the flow
    /// `catch` (then go on) if any.
    Task {
        /// What it invokes.
        target: CompId,
        /// Retries and back-off.
        policy: Box<CallPolicy>,
        /// Flow run on final failure.
        catch: Option<u32>,
    },
    /// Run flow `then` with probability `p`, else flow `otherwise`.
    Choice {
        /// Probability of `then`.
        p: f64,
        /// Flow slot.
        then: u32,
        /// Flow slot.
        otherwise: u32,
    },
    /// Run the flows `branches` at once and wait for all; fail as soon as one fails,
    /// stopping the others, and then run the flow `catch` (then go on) if any.
    Parallel {
        /// Flow slots.
        branches: Vec<u32>,
        /// Flow run when the state fails.
        catch: Option<u32>,
    },
    /// Put an object (may trigger the store's `on_put`).
    Put(CompId),
    /// Get an object.
    Get(CompId),
}

/// Provisioned server instances.
#[derive(Debug, Clone)]
pub struct Server {
    /// Instances, always running.
    pub instances: u32,
    /// Worker slots per instance.
    pub workers: u32,
    /// Requests that may wait; `None` is unbounded.
    pub backlog: Option<u32>,
    /// Price per instance [USD/h].
    pub usd_per_hour: f64,
    /// Handler per transaction kind, by [`KindId`].
    pub handlers: Vec<Option<Work>>,
    /// Time a crashed instance takes to restart [ns].
    pub restart: SimTime,
    /// How requests are spread over instances.
    pub balancer: Balancer,
    /// Target-tracking autoscaling, if any.
    pub autoscaling: Option<Autoscaling>,
    /// Connections per instance to each database it uses.
    pub pool: u32,
    /// Cores per instance shared by CPU-bound steps; `None`: not modelled.
    pub cores: Option<u32>,
    /// Call policies by target.
    pub calls: Vec<(CompId, CallPolicy)>,
}

/// A load-balancing policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balancer {
    /// Fewest requests in progress.
    LeastOutstanding,
    /// In turn.
    RoundRobin,
}

/// A target-tracking autoscaling group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Autoscaling {
    /// Fewest instances.
    pub min: u32,
    /// Most instances.
    pub max: u32,
    /// Utilisation to track, if the group tracks utilisation.
    pub target: Option<f64>,
    /// Backlog (requests waiting for a worker) per running instance to track, if the group
    /// tracks backlog.
    pub target_backlog: Option<f64>,
    /// Boot time [ns].
    pub boot: SimTime,
    /// Scale-in cooldown [ns].
    pub cooldown: SimTime,
    /// Evaluation period [ns].
    pub period: SimTime,
}

/// Processor architecture of a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cpu {
    /// x86-64.
    X86,
    /// Arm64.
    Arm,
}

/// A serverless function.
#[derive(Debug, Clone)]
pub struct Function {
    /// Memory [MB].
    pub memory_mb: u32,
    /// Steps of one invocation.
    pub work: Work,
    /// Start-up time of a new instance.
    pub cold_start: Dist,
    /// How long idle instances stay warm.
    pub keep_alive: KeepAlive,
    /// Reserved concurrency cap.
    pub concurrency: Option<u32>,
    /// Instances kept initialised at all times, from time zero.
    pub provisioned: u32,
    /// Later changes of the provisioned count: `(time [ns], count)`, in time order.
    pub provisioned_changes: Vec<(SimTime, u32)>,
    /// Failure destination of asynchronous events out of retries.
    pub on_failure: Option<CompId>,
    /// Invocations one instance serves at once.
    pub instance_concurrency: u32,
    /// Which idle instance a warm request goes to.
    pub instance_selection: InstanceSelection,
    /// Longest an invocation may run [ns].
    pub timeout: SimTime,
    /// At most this many new instances...
    pub scale_instances: u32,
    /// ... per this period [ns].
    pub scale_every: SimTime,
    /// Instances scaled by the Knative Pod Autoscaler instead (`scale_*` then unused).
    pub kpa: Option<Box<Kpa>>,
    /// Most instances at once, if limited.
    pub max_instances: Option<u32>,
    /// vCPUs of an instance (CPU share of `Cpu` steps, at most 1; billed per vCPU-s).
    pub vcpu: f64,
    /// A request that finds every instance full waits for a starting instance with room
    /// before another starts (the platform's rule; not on AWS Lambda).
    pub join_starting: bool,
    /// Processor architecture.
    pub cpu: Cpu,
    /// Call policies by target.
    pub calls: Vec<(CompId, CallPolicy)>,
}

/// The Knative Pod Autoscaler's parameters (see `model::kpa`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kpa {
    /// Concurrent requests per pod aimed at: the target × its utilisation, the target no
    /// more than the function's `instance_concurrency`.
    pub target: f64,
    /// Window of the stable average [ns], a whole number of seconds.
    pub stable_window: SimTime,
    /// Window of the panic average [ns], a whole number of seconds, at most the stable one.
    pub panic_window: SimTime,
    /// Panic when the panic window's desired pods reach this multiple of the ready pods.
    pub panic_threshold: f64,
    /// A decision asks for at most this multiple of the ready pods ...
    pub max_scale_up_rate: f64,
    /// ... and at least the ready pods divided by this.
    pub max_scale_down_rate: f64,
    /// Time the last pod stays once no traffic has been seen for a stable window [ns].
    pub scale_to_zero_grace: SimTime,
    /// Pods at time zero (at least the provisioned ones, the minimum scale).
    pub initial_scale: u32,
    /// Time between decisions [ns], a whole number of seconds.
    pub tick: SimTime,
}

/// Which idle instance of a function a warm request goes to (see `model::selection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InstanceSelection {
    /// The one whose last invocation ended last (AWS Lambda as measured; the default).
    #[default]
    MostRecentlyUsed,
    /// The one created last (SimFaaS).
    NewestCreated,
    /// The one idle longest.
    LeastRecentlyUsed,
    /// One drawn uniformly, from a random stream of the function's own.
    Random,
}

/// A keep-alive policy (see `model::keepalive`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeepAlive {
    /// Warm for this long after each invocation [ns].
    Fixed(SimTime),
    /// Unloaded at once.
    ScaleToZero,
    /// The hybrid histogram policy.
    Hybrid(HybridParams),
}

/// Parameters of the hybrid histogram keep-alive policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HybridParams {
    /// Histogram range [ns].
    pub range: SimTime,
    /// Bin width [ns].
    pub bin: SimTime,
    /// Head percentile (pre-warm).
    pub head: f64,
    /// Tail percentile (end of keep-alive).
    pub tail: f64,
    /// Margin on both.
    pub margin: f64,
    /// Coefficient-of-variation threshold.
    pub cv_threshold: f64,
    /// Samples needed.
    pub min_samples: u64,
}

/// An API gateway.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// Target per transaction kind, by [`KindId`].
    pub routes: Vec<Option<CompId>>,
    /// Added latency.
    pub latency: Dist,
}

/// A message queue.
#[derive(Debug, Clone)]
pub struct Queue {
    /// Consumer function.
    pub consumer: Option<CompId>,
    /// Most messages per consumer invocation.
    pub batch: u32,
    /// Hidden time of a received message [ns].
    pub visibility_timeout: SimTime,
    /// Receives before dead-lettering; `None` retries forever.
    pub max_receives: Option<u32>,
    /// Dead-letter queue.
    pub dead_letter: Option<CompId>,
    /// For a dead-letter queue: when its messages go back.
    pub redrive: Option<Redrive>,
    /// Largest message accepted [KB].
    pub max_message_kb: f64,
    /// Most concurrent consumer invocations.
    pub max_concurrency: u32,
}

/// A publish/subscribe topic.
#[derive(Debug, Clone)]
pub struct Topic {
    /// Functions and queues that get every event.
    pub subscribers: Vec<CompId>,
    /// Largest message accepted [KB].
    pub max_message_kb: f64,
}

/// An object store.
#[derive(Debug, Clone)]
pub struct Storage {
    /// Latency of one operation.
    pub latency: Dist,
    /// Where a put sends its event (a topic, queue or function).
    pub on_put: Option<CompId>,
}

/// How much load a database takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Capacity {
    /// No limit.
    Serverless,
    /// At most this many requests in service; the rest wait (FIFO).
    Concurrency(u32),
    /// At most this many requests per second; the rest are throttled.
    PerSecond(f64),
}

/// A database.
#[derive(Debug, Clone)]
pub struct Database {
    /// Latency of one read or write.
    pub latency: Dist,
    /// Capacity.
    pub capacity: Capacity,
    /// Hourly price of provisioned capacity [USD/h]; `None` bills requests on demand.
    pub usd_per_hour: Option<f64>,
    /// Most open client connections.
    pub max_connections: Option<u32>,
}

/// A third-party service.
#[derive(Debug, Clone)]
pub struct External {
    /// Latency of one call.
    pub latency: Dist,
    /// Fraction of calls that fail.
    pub error_rate: f64,
    /// Calls per second accepted.
    pub rate_limit: Option<f64>,
    /// Price per call [USD].
    pub usd_per_call: f64,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The scenario is still valid.
    Warning,
    /// The scenario is rejected.
    Error,
}

/// One problem found in a scenario, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// File name as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// Field path, e.g. `architectures[1].components[3].keep_alive`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// Just past the end of the text the diagnostic is about (the value at `path`, or the
    /// token ron stopped at), when known; `line`/`col` is its start.
    pub end: Option<locate::Pos>,
    /// What to do about it, when the message alone does not say.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `FILE:LINE:COL: path: message`, with `warning: ` before the message for warnings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "scenario"
        } else {
            &self.path
        };
        let warn = if self.severity == Severity::Warning {
            "warning: "
        } else {
            ""
        };
        write!(
            f,
            "{}:{}:{}: {}: {}{}",
            self.file, self.line, self.col, path, warn, self.message
        )
    }
}

impl Diagnostic {
    /// The diagnostic as `choreo validate` prints it: the one-line form ([`fmt::Display`])
    /// followed by the line of `text` it is about with the span underlined and the field
    /// path beside it, and the hint if any. `text` is the scenario the diagnostic was
    /// found in; `styled` adds terminal colours.
    #[must_use]
    pub fn render(&self, text: &str, styled: bool) -> String {
        use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let at = locate::Pos {
            line: self.line,
            col: self.col,
        };
        let mut start = locate::pos_offset(text, at);
        // At least one character, and never past the end of the line it starts on: a
        // value over several lines is underlined on its first.
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = self
            .end
            .map_or(start, |e| locate::pos_offset(text, e))
            .clamp(start, line_end);
        // Underline the text, not the blank ron may point at before it.
        let blank = text[start..end].len() - text[start..end].trim_start().len();
        start += blank;
        let end = if end > start {
            end
        } else {
            text[start..]
                .chars()
                .next()
                .filter(|c| *c != '\n')
                .map_or(start, |c| start + c.len_utf8())
        };
        let label = if self.path.is_empty() {
            "scenario"
        } else {
            &self.path
        };
        let mut group = Group::with_level(level.clone()).element(
            Snippet::source(text)
                .fold(true)
                .annotation(AnnotationKind::Primary.span(start..end).label(label)),
        );
        if let Some(hint) = &self.hint {
            group = group.element(Level::HELP.message(hint));
        }
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        format!("{self}\n{}", renderer.render(&[group]))
    }
}

/// A scenario that failed to load: every error found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} error(s) in scenario", .diagnostics.len())]
pub struct ScenarioError {
    /// Errors, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// A loaded scenario and the warnings about it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated scenario.
    pub scenario: Scenario,
    /// Warnings (e.g. components that nothing reaches).
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates scenario `text`; `file` names it in diagnostics.
pub fn load(file: &str, text: &str) -> Result<Loaded, ScenarioError> {
    validate::load(file, text)
}
