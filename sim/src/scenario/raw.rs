//! The scenario as written: serde types that mirror the RON text one to one.
//!
//! Nothing here is checked beyond what serde checks (field names, types). Durations stay
//! strings and references stay names; `validate` turns a `RawScenario` into a `Scenario`.
//! Every field is documented in `docs/scenarios.md`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// A whole scenario file: one workload, two or more architectures to compare.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Scenario", deny_unknown_fields)]
pub struct RawScenario {
    /// Display name.
    pub name: String,
    /// One paragraph on what the scenario models.
    #[serde(default)]
    pub about: String,
    /// Workshop text: what to try and what to notice.
    #[serde(default)]
    pub lesson: String,
    /// Simulated time to run, e.g. `"1h"`.
    pub horizon: String,
    /// Seed of every random stream.
    #[serde(default = "default_seed", deserialize_with = "whole_seed")]
    pub seed: u64,
    /// Overrides of the default price book.
    #[serde(default)]
    pub prices: RawPrices,
    /// The transaction sources.
    pub workload: Vec<RawSource>,
    /// The designs to compare, all on the same arrivals.
    pub architectures: Vec<RawArchitecture>,
    /// Failures injected into components, by name, in every architecture that has them.
    #[serde(default)]
    pub faults: Vec<RawFault>,
    /// Predict-then-check questions for a workshop.
    #[serde(default)]
    pub questions: Vec<RawQuestion>,
}

/// A workshop question with its answer and the claims on `summary.csv` behind it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Question", deny_unknown_fields)]
pub struct RawQuestion {
    /// What to predict.
    pub ask: String,
    /// The answer, in words.
    pub answer: String,
    /// Overrides the question's run takes, as `choreo run` takes them: `PATH=VALUE` (`--set`)
    /// or `load=X` (`--load X`); none: the scenario as written.
    #[serde(default)]
    pub set: Vec<String>,
    /// Comparisons on `summary.csv`, e.g. `"serverless.response_p99_ms < monolith.response_p99_ms"`.
    #[serde(default)]
    pub claims: Vec<String>,
}

/// A failure of one component, once or repeatedly.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Fault", deny_unknown_fields)]
pub struct RawFault {
    /// Name of the failing component.
    pub target: String,
    /// Only in this architecture (default: every architecture with such a component).
    #[serde(default)]
    pub architecture: Option<String>,
    /// For a server: only the handler of this transaction kind (its code path).
    #[serde(default)]
    pub handler: Option<String>,
    /// Start, with `lasts`.
    #[serde(default)]
    pub at: Option<String>,
    /// Duration, with `at`.
    #[serde(default)]
    pub lasts: Option<String>,
    /// Instead of `at`/`lasts`: failures recurring at random.
    #[serde(default)]
    pub repeat: Option<RawRepeat>,
    /// What goes wrong.
    pub kind: RawFaultKind,
}

/// A fault that recurs: time between failures and time to repair.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Repeat", deny_unknown_fields)]
pub struct RawRepeat {
    /// Time from the end of one failure to the start of the next.
    pub between: RawDuration,
    /// How long each failure lasts.
    pub repair: RawDuration,
}

/// What goes wrong in a fault.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "FaultKind", deny_unknown_fields)]
pub enum RawFaultKind {
    /// Every call fails at once.
    Outage,
    /// Work and latency take `factor` times as long, plus `add`.
    Slow {
        /// Multiplier (default 1).
        #[serde(default)]
        factor: Option<f64>,
        /// Added time (default "0s").
        #[serde(default)]
        add: Option<String>,
    },
    /// A fraction of calls fail.
    Errors {
        /// Fraction in [0, 1].
        rate: f64,
    },
    /// Capacity (database capacity, rate limit, function concurrency) times `factor`.
    CapacityCut {
        /// Fraction in (0, 1].
        factor: f64,
    },
    /// The process crashes: a server instance dies with everything in flight on it.
    Crash {
        /// Each execution crashes with this probability.
        #[serde(default)]
        probability: Option<f64>,
        /// The instance crashes on every `after`-th execution since its start.
        #[serde(default)]
        after: Option<u32>,
    },
    /// A fraction of the messages sent to a queue are poison: their consumer always fails.
    Poison {
        /// Fraction in [0, 1].
        rate: f64,
    },
}

/// Resilience of calls from one component to another.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename = "Policy", deny_unknown_fields)]
pub struct RawCallPolicy {
    /// Give up on a call after this long.
    #[serde(default)]
    pub timeout: Option<String>,
    /// Retries after a failed call (default 0).
    #[serde(default)]
    pub retries: Option<u32>,
    /// First back-off (default "100ms"); doubles per retry.
    #[serde(default)]
    pub backoff: Option<String>,
    /// Longest back-off (default "10s").
    #[serde(default)]
    pub max_backoff: Option<String>,
    /// Full jitter: each back-off uniform in [0, b] (default true).
    #[serde(default)]
    pub jitter: Option<bool>,
    /// A circuit breaker.
    #[serde(default)]
    pub breaker: Option<RawBreaker>,
}

/// A circuit breaker: opens after consecutive failures, probes after a cool-down.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Breaker", deny_unknown_fields)]
pub struct RawBreaker {
    /// Consecutive failures that open it.
    pub failures: u32,
    /// Time open before one probe call is let through.
    pub cooldown: String,
}

/// Moving parked messages out of a dead-letter queue back to a queue.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Redrive", deny_unknown_fields)]
pub enum RawRedrive {
    /// At a given time.
    At {
        /// Queue to move the messages to.
        to: String,
        /// When.
        at: String,
    },
    /// Whenever a fault in this architecture ends, after `delay`.
    AfterFaults {
        /// Queue to move the messages to.
        to: String,
        /// Time after the fault's end (default "0s").
        #[serde(default)]
        delay: Option<String>,
    },
}

fn default_seed() -> u64 {
    1
}

/// A seed: a whole number from 0 to 2^64 − 1. Read as any number, so that `1.5` or `-1` is
/// told why it is refused (ron's own error for `1.5` would be "Expected comma" at the `.`).
fn whole_seed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct Seed;
    impl serde::de::Visitor<'_> for Seed {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "the seed as a whole number from 0 to {}", u64::MAX)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| {
                E::custom(format!(
                    "seed must be a whole number from 0 to {}, found {v}",
                    u64::MAX
                ))
            })
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<u64, E> {
            Err(E::custom(format!(
                "seed must be a whole number from 0 to {}, found {v}",
                u64::MAX
            )))
        }
    }
    d.deserialize_any(Seed)
}

/// Price overrides [USD]; any field left out keeps its published default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename = "Prices", deny_unknown_fields)]
pub struct RawPrices {
    /// Function duration, x86 [USD per GB-s].
    pub function_gb_second: Option<f64>,
    /// Function duration, Arm [USD per GB-s].
    pub function_gb_second_arm: Option<f64>,
    /// Function requests [USD per million].
    pub function_requests_per_million: Option<f64>,
    /// API gateway requests [USD per million].
    pub gateway_requests_per_million: Option<f64>,
    /// Queue requests, one per 64 KB chunk [USD per million].
    pub queue_requests_per_million: Option<f64>,
    /// Topic publishes [USD per million].
    pub topic_publishes_per_million: Option<f64>,
    /// Object store PUT requests [USD per thousand].
    pub storage_puts_per_thousand: Option<f64>,
    /// Object store GET requests [USD per thousand].
    pub storage_gets_per_thousand: Option<f64>,
    /// Database on-demand writes [USD per million].
    pub database_writes_per_million: Option<f64>,
    /// Database on-demand reads [USD per million].
    pub database_reads_per_million: Option<f64>,
    /// Provisioned concurrency kept warm [USD per GB-s].
    pub provisioned_gb_second: Option<f64>,
    /// Duration of invocations on provisioned instances [USD per GB-s].
    pub provisioned_duration_gb_second: Option<f64>,
    /// Provisioned concurrency kept warm, Arm [USD per GB-s].
    pub provisioned_gb_second_arm: Option<f64>,
    /// Duration of invocations on provisioned instances, Arm [USD per GB-s].
    pub provisioned_duration_gb_second_arm: Option<f64>,
    /// Whether a cold start's initialisation time is billed as duration.
    pub bill_init: Option<bool>,
    /// Orchestrator state transitions [USD per million].
    pub orchestrator_transitions_per_million: Option<f64>,
    /// Function CPU time [USD per vCPU-s].
    pub function_vcpu_second: Option<f64>,
    /// CPU of provisioned (minimum) instances kept warm [USD per vCPU-s].
    pub provisioned_vcpu_second: Option<f64>,
    /// Billed time is rounded up to a whole number of this duration.
    pub billing_granularity: Option<String>,
    /// Least billed time of one billed period.
    pub billing_minimum: Option<String>,
    /// Billed memory is rounded up to a whole number of this [MB].
    pub memory_step_mb: Option<u32>,
    /// Bill an instance for the time it serves invocations (shared by them), instead of each
    /// invocation for its own duration.
    pub bill_per_instance: Option<bool>,
}

/// The serverless platform whose published rules set an architecture's defaults.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename = "Platform")]
pub enum RawPlatform {
    /// AWS Lambda (the default).
    AwsLambda,
    /// Azure Functions, Consumption plan.
    AzureFunctions,
    /// Google Cloud Run, request-based billing.
    GoogleCloudRun,
    /// Knative Serving with its Pod Autoscaler.
    Knative,
}

/// One source of transactions of one kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Source", deny_unknown_fields)]
pub struct RawSource {
    /// The transaction kind this source creates, e.g. `"upload"`.
    pub kind: String,
    /// When transactions arrive.
    pub arrivals: RawArrivals,
}

/// An arrival process.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Arrivals", deny_unknown_fields)]
pub enum RawArrivals {
    /// Poisson arrivals at a fixed mean rate.
    Poisson {
        /// Mean arrivals [1/s].
        per_second: f64,
    },
    /// Evenly spaced arrivals.
    Constant {
        /// Arrivals [1/s].
        per_second: f64,
    },
    /// Poisson arrivals whose rate changes at given times (steps, or ramps if `ramp`).
    Profile {
        /// `(time, rate [1/s])` points, in time order; the first applies from time zero.
        points: Vec<(String, f64)>,
        /// Interpolate linearly between points instead of stepping.
        #[serde(default)]
        ramp: bool,
    },
    /// Poisson arrivals with a sinusoidal daily rate.
    Diurnal {
        /// Mean rate over a period [1/s].
        mean_per_second: f64,
        /// Relative swing around the mean, in [0, 1].
        amplitude: f64,
        /// Length of one cycle, default `"24h"`.
        #[serde(default)]
        period: Option<String>,
        /// Time of the peak within the cycle, default `"14h"`.
        #[serde(default)]
        peak_at: Option<String>,
    },
    /// Poisson arrivals alternating between an on rate and an off rate.
    Bursts {
        /// Rate while on [1/s].
        on_per_second: f64,
        /// Rate while off [1/s].
        #[serde(default)]
        off_per_second: f64,
        /// How long each on period lasts.
        on: RawDuration,
        /// How long each off period lasts.
        off: RawDuration,
    },
    /// Arrivals replayed from a CSV of timestamps in seconds, one row per arrival (rows
    /// may be in any order).
    Trace {
        /// The CSV file (with a header), relative to the scenario file, or
        /// `"bundled:NAME"` for a trace compiled into choreo.
        file: String,
        /// Header of the column holding the timestamps (default: the first column).
        #[serde(default)]
        column: Option<String>,
        /// Multiplier on every timestamp (default 1): 0.5 replays twice as fast.
        #[serde(default)]
        scale: Option<f64>,
    },
    /// Arrivals replayed from the Azure Functions 2019 trace format: invocations per
    /// function per minute (`HashOwner,HashApp,HashFunction,Trigger,1,...,1440`).
    AzureTrace {
        /// The CSV file, relative to the scenario file, or `"bundled:NAME"`.
        file: String,
        /// `HashFunction` of the row to replay (default: the sum of every row).
        #[serde(default)]
        function: Option<String>,
        /// How each minute's invocations are placed within it (default `Uniform`).
        #[serde(default)]
        spread: Option<RawSpread>,
    },
    /// Invocations replayed from the Azure Functions 2021 trace format, one row per
    /// invocation (`app,func,end_timestamp,duration`, seconds): each arrives at its end
    /// minus its duration, relative to the earliest start in the file, and carries its
    /// duration for `Compute(FromTrace)` steps.
    AzureInvocations {
        /// The CSV file, relative to the scenario file, or `"bundled:NAME"`.
        file: String,
        /// `app` hash of the rows to replay (default: every app).
        #[serde(default)]
        app: Option<String>,
        /// `func` hash of the rows to replay (default: every function).
        #[serde(default)]
        function: Option<String>,
    },
}

/// How the invocations counted in one minute of a trace are placed within the minute.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename = "Spread")]
pub enum RawSpread {
    /// At independent uniform times within the minute.
    Uniform,
    /// Evenly spaced: the k-th of n at (k + 1/2) · 60 s / n into the minute.
    Even,
}

/// A duration, fixed (`"30ms"`) or random (`LogNormal(median: "300ms", p99: "2s")`).
#[derive(Debug, Clone, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a duration such as \"30ms\", or a distribution such as LogNormal(median: \"300ms\", p99: \"2s\")"
)]
pub enum RawDuration {
    /// A distribution of durations. (First: a bare `FromTrace` reaches an untagged enum as
    /// a string; a duration string is no variant, and falls through to `Fixed`.)
    Random(RawDist),
    /// A fixed duration string.
    Fixed(String),
}

/// A distribution of durations.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Distribution", deny_unknown_fields)]
pub enum RawDist {
    /// Always the same duration.
    Constant(String),
    /// Exponential with the given mean.
    Exponential {
        /// Mean duration.
        mean: String,
    },
    /// Log-normal, by `median` and `p99`, or by `mu` and `sigma` of ln(seconds).
    LogNormal {
        /// Median duration.
        #[serde(default)]
        median: Option<String>,
        /// 99th percentile duration.
        #[serde(default)]
        p99: Option<String>,
        /// Mean of ln(duration in seconds).
        #[serde(default)]
        mu: Option<f64>,
        /// Standard deviation of ln(duration in seconds).
        #[serde(default)]
        sigma: Option<f64>,
    },
    /// Normal, truncated at zero (redrawn until non-negative).
    Normal {
        /// Mean duration.
        mean: String,
        /// Standard deviation.
        sd: String,
    },
    /// Uniform between `min` and `max`.
    Uniform {
        /// Smallest duration.
        min: String,
        /// Largest duration.
        max: String,
    },
    /// Gamma with shape k and scale θ (mean kθ).
    Gamma {
        /// Shape k > 0.
        shape: f64,
        /// Scale θ.
        scale: String,
    },
    /// Weibull with shape k and scale λ.
    Weibull {
        /// Shape k > 0.
        shape: f64,
        /// Scale λ.
        scale: String,
    },
    /// Pareto (type I) with shape α and scale (the minimum).
    Pareto {
        /// Shape α > 0 (the mean is finite for α > 1).
        shape: f64,
        /// Scale: the smallest duration.
        scale: String,
    },
    /// A mixture: `(weight, distribution)` components, a component drawn with probability
    /// its weight over the sum of the weights.
    Mixture(Vec<(f64, RawDuration)>),
    /// An empirical distribution (interpolated inverse CDF), from `quantiles` or from a
    /// `file` of samples.
    Empirical {
        /// `(p, duration)` points, p from 0 to 1.
        #[serde(default)]
        quantiles: Option<Vec<(f64, String)>>,
        /// A CSV file of samples (with a header), relative to the scenario file.
        #[serde(default)]
        file: Option<String>,
        /// Header of the column holding the samples (default: the first column).
        #[serde(default)]
        column: Option<String>,
        /// Unit of the samples written as plain numbers: `ns`, `us`, `ms`, `s` (default),
        /// `m`, `h` or `d`.
        #[serde(default)]
        unit: Option<String>,
    },
    /// Each invocation's duration as recorded in an `AzureInvocations` trace (only as a
    /// `Compute` or `Cpu` step's duration).
    FromTrace,
}

/// One design of the application.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Architecture", deny_unknown_fields)]
pub struct RawArchitecture {
    /// Name, unique within the scenario.
    pub name: String,
    /// The component every transaction enters at.
    pub entry: String,
    /// The platform whose defaults its functions and prices take (default `AwsLambda`).
    #[serde(default)]
    pub platform: Option<RawPlatform>,
    /// Price overrides for this architecture, over the platform's and the scenario's.
    #[serde(default)]
    pub prices: Option<RawPrices>,
    /// Concurrent function executions allowed across the whole account (default 1,000).
    #[serde(default)]
    pub concurrency_limit: Option<u32>,
    /// The components.
    pub components: Vec<RawComponent>,
    /// Position hints for the viewer: component name → (column, row), in layout cells
    /// (column 0 is the entry side, row 0 the top). Unnamed components are placed
    /// automatically.
    #[serde(default)]
    pub layout: std::collections::BTreeMap<String, (f32, f32)>,
}

/// A component of an architecture.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Component", deny_unknown_fields)]
pub enum RawComponent {
    /// Provisioned server instances running request handlers (a monolith).
    Server {
        /// Component name.
        name: String,
        /// Instances, always running (default 1).
        #[serde(default)]
        instances: Option<u32>,
        /// Worker slots per instance (default 1).
        #[serde(default)]
        workers: Option<u32>,
        /// Requests that may wait for a worker; more are rejected (default: unbounded).
        #[serde(default)]
        backlog: Option<u32>,
        /// Price of one instance [USD/h] (default 0.096, an m5.large).
        #[serde(default)]
        usd_per_hour: Option<f64>,
        /// Work per transaction kind.
        handlers: BTreeMap<String, Vec<RawStep>>,
        /// Time a crashed instance takes to restart (default "90s").
        #[serde(default)]
        restart: Option<String>,
        /// How the load balancer picks an instance (default `LeastOutstanding`).
        #[serde(default)]
        balancer: Option<RawBalancer>,
        /// An autoscaling group: `instances` is then the initial count.
        #[serde(default)]
        autoscaling: Option<RawAutoscaling>,
        /// Connections each instance keeps open to each database it uses (default: its
        /// worker count).
        #[serde(default)]
        pool: Option<u32>,
        /// Processor cores per instance, shared by `Cpu` steps (default: not modelled).
        #[serde(default)]
        cores: Option<u32>,
        /// Resilience of calls to other components, by target name.
        #[serde(default)]
        calls: BTreeMap<String, RawCallPolicy>,
    },
    /// A serverless function.
    Function {
        /// Component name.
        name: String,
        /// Memory size [MB] (default 128); price scales with it.
        #[serde(default)]
        memory_mb: Option<u32>,
        /// The steps of one invocation.
        work: Vec<RawStep>,
        /// Start-up time of a new instance (default log-normal, median 200 ms, p99 1 s).
        #[serde(default)]
        cold_start: Option<RawDuration>,
        /// Idle time after which an instance is reaped (default "10m"), or a policy.
        #[serde(default)]
        keep_alive: Option<RawKeepAlive>,
        /// Most concurrent executions of this function (reserved concurrency).
        #[serde(default)]
        concurrency: Option<u32>,
        /// Instances kept initialised at all times (provisioned concurrency).
        #[serde(default)]
        provisioned: Option<u32>,
        /// Provisioned instances changing over time: `(from time, count)` points, the first
        /// at "0s" (instead of `provisioned`).
        #[serde(default)]
        provisioned_schedule: Option<Vec<(String, u32)>>,
        /// Longest an invocation may run before it is stopped (default "900s").
        #[serde(default)]
        timeout: Option<String>,
        /// How fast new instances may be added (default 1,000 every 10 s).
        #[serde(default)]
        scaling: Option<Box<RawScaling>>,
        /// Invocations one instance serves at once (default 1, as on AWS Lambda; more on
        /// platforms such as Cloud Run or Azure Functions).
        #[serde(default)]
        instance_concurrency: Option<u32>,
        /// Which idle instance a warm request goes to (default `MostRecentlyUsed`).
        #[serde(default)]
        instance_selection: Option<RawInstanceSelection>,
        /// Most instances at once (Cloud Run's max instances, Knative's max-scale).
        #[serde(default)]
        max_instances: Option<u32>,
        /// vCPUs of an instance (billed per vCPU-s where the platform prices CPU).
        #[serde(default)]
        vcpu: Option<f64>,
        /// Where an asynchronous event goes when its retries are spent (a queue, topic or
        /// function); without one it is dropped.
        #[serde(default)]
        on_failure: Option<String>,
        /// Processor architecture, for the price.
        #[serde(default)]
        arch: Option<RawCpu>,
        /// Resilience of calls to other components, by target name.
        #[serde(default)]
        calls: BTreeMap<String, RawCallPolicy>,
    },
    /// An HTTP API gateway routing each transaction kind to a component.
    Gateway {
        /// Component name.
        name: String,
        /// Transaction kind → component.
        routes: BTreeMap<String, String>,
        /// Added latency per request (default "0ms").
        #[serde(default)]
        latency: Option<RawDuration>,
    },
    /// A message queue polled by a consumer function.
    Queue {
        /// Component name.
        name: String,
        /// Function that consumes the messages (none: messages are parked).
        #[serde(default)]
        consumer: Option<String>,
        /// Messages per consumer invocation, at most (default 10).
        #[serde(default)]
        batch: Option<u32>,
        /// Time a received message stays hidden before it is retried (default "30s").
        #[serde(default)]
        visibility_timeout: Option<String>,
        /// Receives after which a failing message goes to the dead-letter queue.
        #[serde(default)]
        max_receives: Option<u32>,
        /// Queue that failed messages move to.
        #[serde(default)]
        dead_letter: Option<String>,
        /// For a dead-letter queue: when to move its messages back.
        #[serde(default)]
        redrive: Option<RawRedrive>,
        /// Largest message accepted [KB] (default 256).
        #[serde(default)]
        max_message_kb: Option<f64>,
        /// Most concurrent consumer invocations from this queue (default 1,250).
        #[serde(default)]
        max_concurrency: Option<u32>,
    },
    /// A publish/subscribe topic fanning out to every subscriber.
    Topic {
        /// Component name.
        name: String,
        /// Functions and queues that receive every event.
        subscribers: Vec<String>,
        /// Largest message accepted [KB] (default 256).
        #[serde(default)]
        max_message_kb: Option<f64>,
    },
    /// An object store.
    Storage {
        /// Component name.
        name: String,
        /// Latency of one operation (default "0ms").
        #[serde(default)]
        latency: Option<RawDuration>,
        /// Event emitted when an object is put.
        #[serde(default)]
        on_put: Option<RawTrigger>,
    },
    /// A database.
    Database {
        /// Component name.
        name: String,
        /// Latency of one read or write.
        latency: RawDuration,
        /// How much load it takes (default `Serverless`).
        #[serde(default)]
        capacity: Option<RawCapacity>,
        /// Hourly price of provisioned capacity [USD/h]; without it, reads and writes are
        /// billed at on-demand prices.
        #[serde(default)]
        usd_per_hour: Option<f64>,
        /// Most open client connections (default: unlimited).
        #[serde(default)]
        max_connections: Option<u32>,
    },
    /// A workflow engine running steps centrally (Step Functions-like, standard workflows).
    Orchestrator {
        /// Component name.
        name: String,
        /// The states, run in order.
        workflow: Vec<RawState>,
        /// Latency the engine adds to each state transition (default "25ms").
        #[serde(default)]
        transition_latency: Option<RawDuration>,
    },
    /// A third-party service called over the network.
    External {
        /// Component name.
        name: String,
        /// Latency of one call.
        latency: RawDuration,
        /// Fraction of calls that fail, in [0, 1].
        #[serde(default)]
        error_rate: Option<f64>,
        /// Calls accepted per second; more fail at once.
        #[serde(default)]
        rate_limit: Option<f64>,
        /// Price of one call [USD].
        #[serde(default)]
        usd_per_call: Option<f64>,
    },
}

impl RawComponent {
    /// The component's name.
    pub fn name(&self) -> &str {
        match self {
            RawComponent::Server { name, .. }
            | RawComponent::Function { name, .. }
            | RawComponent::Gateway { name, .. }
            | RawComponent::Queue { name, .. }
            | RawComponent::Topic { name, .. }
            | RawComponent::Storage { name, .. }
            | RawComponent::Database { name, .. }
            | RawComponent::Orchestrator { name, .. }
            | RawComponent::External { name, .. } => name,
        }
    }
}

/// A function's keep-alive: a fixed time (`"10m"`) or a policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a keep-alive time such as \"10m\", ScaleToZero, Hybrid, or Hybrid(range: \"4h\", ...)"
)]
pub enum RawKeepAlive {
    /// A policy. (First: a bare `ScaleToZero` reaches an untagged enum as a string.)
    Policy(RawKeepAlivePolicy),
    /// Keep warm for this long.
    Fixed(String),
}

/// Keep-alive policies.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "KeepAlivePolicy", deny_unknown_fields)]
pub enum RawKeepAlivePolicy {
    /// Unload at once.
    ScaleToZero,
    /// Shahrad et al.'s hybrid histogram policy; every field has the paper's default.
    Hybrid {
        /// Histogram range (default "4h").
        #[serde(default)]
        range: Option<String>,
        /// Bin width (default "1m").
        #[serde(default)]
        bin: Option<String>,
        /// Percentile of idle times for the pre-warm window (default 0.05).
        #[serde(default)]
        head: Option<f64>,
        /// Percentile of idle times for the end of the keep-alive window (default 0.99).
        #[serde(default)]
        tail: Option<f64>,
        /// Safety margin on both (default 0.1).
        #[serde(default)]
        margin: Option<f64>,
        /// Coefficient of variation of bin counts above which the histogram is trusted
        /// (default 2).
        #[serde(default)]
        cv_threshold: Option<f64>,
        /// Idle times needed before the histogram is trusted (default 5).
        #[serde(default)]
        min_samples: Option<u64>,
    },
}

/// A state of an orchestrator's workflow.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "State", deny_unknown_fields)]
pub enum RawState {
    /// Invoke a component and wait for it, retrying on failure; on final failure run `catch`
    /// (and go on) or fail the workflow.
    Task {
        /// Function (or other callable) to invoke.
        invoke: String,
        /// Retries after a failure (default 0).
        #[serde(default)]
        retries: Option<u32>,
        /// First back-off, doubling per retry (default "1s", Step Functions' interval).
        #[serde(default)]
        backoff: Option<String>,
        /// States run when the task finally fails; the workflow then goes on.
        #[serde(default)]
        catch: Option<Vec<RawState>>,
    },
    /// Wait for a duration.
    Wait(RawDuration),
    /// Take `then` with probability `probability`, else `otherwise`.
    Choice {
        /// Probability of `then`, in [0, 1].
        probability: f64,
        /// States of the first branch.
        then: Vec<RawState>,
        /// States of the other branch.
        #[serde(default)]
        otherwise: Vec<RawState>,
    },
    /// Run branches at the same time and wait for all; the state fails as soon as one
    /// branch fails (the others are stopped), and then runs `catch` (and goes on) if given.
    Parallel {
        /// The branches, each a list of states.
        branches: Vec<Vec<RawState>>,
        /// States run when the state fails; the workflow then goes on.
        #[serde(default)]
        catch: Option<Vec<RawState>>,
    },
}

/// Which idle instance of a function a warm request goes to.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename = "InstanceSelection")]
pub enum RawInstanceSelection {
    /// The one whose last invocation ended last.
    MostRecentlyUsed,
    /// The one created last.
    NewestCreated,
    /// The one idle longest.
    LeastRecentlyUsed,
    /// One drawn at random.
    Random,
}

/// A load-balancing policy.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename = "Balancer")]
pub enum RawBalancer {
    /// The instance with the fewest requests in progress.
    LeastOutstanding,
    /// Instances in turn.
    RoundRobin,
}

/// A target-tracking autoscaling group.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Autoscaling", deny_unknown_fields)]
pub struct RawAutoscaling {
    /// Fewest instances.
    pub min: u32,
    /// Most instances.
    pub max: u32,
    /// Worker utilisation to track, in (0, 1] (default 0.6 unless only the backlog is
    /// tracked).
    #[serde(default)]
    pub target: Option<f64>,
    /// Requests waiting for a worker per running instance to track, > 0 (default: the
    /// backlog is not tracked).
    #[serde(default)]
    pub target_backlog_per_instance: Option<f64>,
    /// Time from launch until an instance serves (default "90s").
    #[serde(default)]
    pub boot: Option<String>,
    /// Least time between a scaling action and a scale-in (default "300s").
    #[serde(default)]
    pub cooldown: Option<String>,
    /// Evaluation period (default "60s").
    #[serde(default)]
    pub period: Option<String>,
}

/// How a function adds and removes instances.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Scaling", deny_unknown_fields)]
pub enum RawScaling {
    /// A new instance per request that finds none idle, at most `instances` every `every`.
    Scaling {
        /// New instances allowed per period.
        instances: u32,
        /// The period.
        every: String,
    },
    /// Knative's Pod Autoscaler: pods as the observed concurrency asks; every field has
    /// Knative's default.
    Kpa {
        /// Target concurrent requests per pod (default 100).
        #[serde(default)]
        target: Option<f64>,
        /// Fraction of the target aimed at, in (0, 1] (default 0.7).
        #[serde(default)]
        target_utilization: Option<f64>,
        /// Window of the stable average (default "60s").
        #[serde(default)]
        stable_window: Option<String>,
        /// Panic window as a percentage of the stable window (default 10).
        #[serde(default)]
        panic_window_percentage: Option<f64>,
        /// Panic when desired pods reach this percentage of the ready pods (default 200).
        #[serde(default)]
        panic_threshold_percentage: Option<f64>,
        /// Most pods a decision asks for, as a multiple of the ready pods (default 1000).
        #[serde(default)]
        max_scale_up_rate: Option<f64>,
        /// Fewest pods a decision asks for, as a divisor of the ready pods (default 2).
        #[serde(default)]
        max_scale_down_rate: Option<f64>,
        /// Time the last pod stays once it is no longer needed (default "30s").
        #[serde(default)]
        scale_to_zero_grace_period: Option<String>,
        /// Pods at time zero (default 1).
        #[serde(default)]
        initial_scale: Option<u32>,
        /// Time between decisions (default "2s").
        #[serde(default)]
        tick: Option<String>,
    },
}

/// Processor architecture of a function.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename = "Cpu")]
pub enum RawCpu {
    /// x86-64.
    X86,
    /// Arm64 (Graviton): cheaper per GB-s.
    Arm,
}

/// What a storage put triggers.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Trigger")]
pub enum RawTrigger {
    /// Publish to a topic.
    Publish(String),
    /// Send to a queue.
    Enqueue(String),
    /// Invoke a function asynchronously.
    Invoke(String),
}

/// Database capacity.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Capacity")]
pub enum RawCapacity {
    /// On demand: no limit, billed per request.
    Serverless,
    /// At most this many requests in service; the rest wait in line.
    Concurrency(u32),
    /// At most this many requests per second; the rest are throttled (fail).
    PerSecond(f64),
}

/// One step of work.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename = "Step")]
pub enum RawStep {
    /// Compute for a duration.
    Compute(RawDuration),
    /// CPU-bound compute: the duration with one full vCPU; a function with less memory
    /// gets a smaller CPU share and runs longer.
    Cpu(RawDuration),
    /// Call a component and wait for its answer.
    Call(String),
    /// Send an event to a topic, queue or function and go on without waiting.
    Emit(String),
    /// Like `Emit`, with a message of `kb` kilobytes (an `Emit` carries 1 KB of metadata).
    Send {
        /// Topic, queue or function.
        to: String,
        /// Message size [KB].
        kb: f64,
    },
    /// Read from a database.
    Read(String),
    /// Write to a database.
    Write(String),
    /// Put an object into storage.
    Put(String),
    /// Get an object from storage.
    Get(String),
}

/// Parses scenario text; the error carries ron's position.
pub fn parse(text: &str) -> Result<RawScenario, ron::error::SpannedError> {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .from_str(text)
}
