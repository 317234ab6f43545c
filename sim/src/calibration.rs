//! Defaults taken from public figures, each cited. A scenario's `prices` overrides the prices.

use crate::engine::{NS_PER_MS, NS_PER_S, SimTime};

/// Prices of everything an architecture is billed for [USD].
#[derive(Debug, Clone, PartialEq)]
pub struct PriceBook {
    /// Function duration, x86 [USD per GB-s]. AWS Lambda us-east-1, first pricing tier.
    pub function_gb_second: f64,
    /// Function duration, Arm [USD per GB-s]. AWS Lambda us-east-1 (Graviton).
    pub function_gb_second_arm: f64,
    /// Function requests [USD per million]. AWS Lambda.
    pub function_requests_per_million: f64,
    /// API gateway requests [USD per million]. Amazon API Gateway HTTP API, first tier.
    pub gateway_requests_per_million: f64,
    /// Queue requests, one per 64 KB chunk [USD per million]. Amazon SQS standard.
    pub queue_requests_per_million: f64,
    /// Topic publishes [USD per million]. Amazon SNS standard.
    pub topic_publishes_per_million: f64,
    /// Object store PUT requests [USD per thousand]. Amazon S3 Standard.
    pub storage_puts_per_thousand: f64,
    /// Object store GET requests [USD per thousand]. Amazon S3 Standard.
    pub storage_gets_per_thousand: f64,
    /// Database writes [USD per million]. Amazon DynamoDB on-demand write request units.
    pub database_writes_per_million: f64,
    /// Database reads [USD per million]. Amazon DynamoDB on-demand read request units.
    pub database_reads_per_million: f64,
    /// Provisioned concurrency [USD per GB-s] kept warm. AWS Lambda, x86.
    pub provisioned_gb_second: f64,
    /// Duration of invocations on provisioned concurrency [USD per GB-s]. AWS Lambda, x86.
    pub provisioned_duration_gb_second: f64,
    /// Provisioned concurrency [USD per GB-s] kept warm. AWS Lambda, Arm (Graviton): 20%
    /// below x86 (price list usage type `Lambda-Provisioned-Concurrency-ARM`).
    pub provisioned_gb_second_arm: f64,
    /// Duration of invocations on provisioned concurrency [USD per GB-s]. AWS Lambda, Arm
    /// (usage type `Lambda-Provisioned-GB-Second-ARM`), 20% below x86.
    pub provisioned_duration_gb_second_arm: f64,
    /// Orchestrator state transitions [USD per million]. AWS Step Functions standard.
    pub orchestrator_transitions_per_million: f64,
    /// Whether a cold start's initialisation (INIT phase) is billed as duration. AWS has billed
    /// it for on-demand functions since 1 August 2025; off by default for comparisons with
    /// earlier published figures.
    pub bill_init: bool,
    /// Function CPU time [USD per vCPU-s] (Cloud Run bills vCPU and memory apart; 0 where
    /// the duration price covers the CPU, as on AWS Lambda).
    pub function_vcpu_second: f64,
    /// CPU of provisioned (minimum) instances kept warm [USD per vCPU-s]; 0 by default.
    pub provisioned_vcpu_second: f64,
    /// Billed time is rounded up to a whole number of this [ns] (AWS Lambda: 1 ms).
    pub billing_granularity: SimTime,
    /// Least billed time of one billed period [ns] (AWS Lambda: 1 ms).
    pub billing_minimum: SimTime,
    /// Billed memory is rounded up to a whole number of this [MB] (1: as configured).
    pub memory_step_mb: u32,
    /// Whether an instance is billed for the time it serves at least one invocation (its
    /// concurrent invocations share it, as on Cloud Run) rather than each invocation for its
    /// own duration (AWS Lambda, Azure Functions).
    pub bill_per_instance: bool,
}

impl Default for PriceBook {
    /// AWS us-east-1 list prices, from each service's public pricing page
    /// (aws.amazon.com/lambda/pricing, /api-gateway/pricing, /sqs/pricing, /sns/pricing,
    /// /s3/pricing, /dynamodb/pricing).
    fn default() -> Self {
        Self {
            function_gb_second: 0.000_016_666_7,
            function_gb_second_arm: 0.000_013_333_4,
            function_requests_per_million: 0.20,
            gateway_requests_per_million: 1.00,
            queue_requests_per_million: 0.40,
            topic_publishes_per_million: 0.50,
            storage_puts_per_thousand: 0.005,
            storage_gets_per_thousand: 0.0004,
            database_writes_per_million: 0.625,
            database_reads_per_million: 0.125,
            provisioned_gb_second: 0.000_004_166_7,
            provisioned_duration_gb_second: 0.000_009_722_2,
            // aws.amazon.com/lambda/pricing, "Provisioned Concurrency Pricing", Arm price
            // tab (us-east-1); the same figures in the AWS Price List API (AWSLambda).
            provisioned_gb_second_arm: 0.000_003_333_4,
            provisioned_duration_gb_second_arm: 0.000_007_777_8,
            bill_init: false,
            orchestrator_transitions_per_million: 25.0,
            function_vcpu_second: 0.0,
            provisioned_vcpu_second: 0.0,
            billing_granularity: BILLING_GRANULARITY,
            billing_minimum: BILLING_GRANULARITY,
            memory_step_mb: 1,
            bill_per_instance: false,
        }
    }
}

impl PriceBook {
    /// `run` [ns] as billed: rounded up to the billing granularity, and never less than the
    /// minimum (AWS Lambda: whole milliseconds, at least one).
    pub fn billed(&self, run: SimTime) -> SimTime {
        let unit = self.billing_granularity.max(1);
        (run.div_ceil(unit).max(1) * unit).max(self.billing_minimum)
    }

    /// Memory of a function of `memory_mb` as billed [MB]: rounded up to the memory step.
    pub fn billed_memory_mb(&self, memory_mb: u32) -> u32 {
        let step = self.memory_step_mb.max(1);
        memory_mb.div_ceil(step).max(1) * step
    }
}

/// On-demand price of an m5.large EC2 instance in us-east-1 [USD/h].
pub const SERVER_USD_PER_HOUR: f64 = 0.096;

/// Default function memory [MB]: AWS Lambda's default and minimum.
pub const FUNCTION_MEMORY_MB: u32 = 128;
/// Largest function memory [MB] (AWS Lambda).
pub const FUNCTION_MEMORY_MAX_MB: u32 = 10_240;

/// Default keep-alive of an idle function instance: about 10 minutes on AWS Lambda
/// (Shahrad et al., "Serverless in the Wild", USENIX ATC '20; Wang et al., ATC '18).
pub const KEEP_ALIVE: SimTime = 10 * 60 * NS_PER_S;

/// Hybrid keep-alive policy: histogram range of idle times (Shahrad et al., ATC '20: 4 hours).
pub const HYBRID_RANGE: SimTime = 4 * 3600 * NS_PER_S;
/// Hybrid keep-alive policy: histogram bin width (Shahrad et al.: 1 minute).
pub const HYBRID_BIN: SimTime = 60 * NS_PER_S;

/// Default cold-start median [ns]. Wang et al. ("Peeking Behind the Curtains of
/// Serverless Platforms", USENIX ATC '18) measured about 250 ms mean on AWS with a long tail;
/// a log-normal with median 200 ms and p99 1 s has mean ≈ 254 ms.
pub const COLD_START_MEDIAN: SimTime = 200 * NS_PER_MS;
/// Default cold-start 99th percentile [ns]; see [`COLD_START_MEDIAN`].
pub const COLD_START_P99: SimTime = 1_000 * NS_PER_MS;

/// Memory at which a function gets one full vCPU [MB] (AWS Lambda: 1,769 MB = 1 vCPU; CPU
/// share is proportional to memory below it).
pub const ONE_VCPU_MB: f64 = 1769.0;

/// Default function timeout [ns]: the AWS Lambda maximum, 900 s (so that nothing times out
/// unless the scenario says so).
pub const FUNCTION_TIMEOUT: SimTime = 900 * NS_PER_S;

/// New execution environments a function may add per period, and the period (AWS Lambda:
/// 1,000 every 10 seconds, since November 2023).
pub const SCALE_INSTANCES: u32 = 1_000;
/// See [`SCALE_INSTANCES`] [ns].
pub const SCALE_EVERY: SimTime = 10 * NS_PER_S;

/// Concurrent executions per account and region by default (AWS Lambda quotas).
pub const ACCOUNT_CONCURRENCY: u32 = 1_000;

/// Messages per batch delivered to a queue consumer by default (AWS Lambda SQS event source).
pub const QUEUE_BATCH: u32 = 10;
/// Largest batch a queue consumer takes (AWS Lambda's SQS event source, standard queues).
pub const QUEUE_BATCH_MAX: u32 = 10_000;
/// Size of an event that carries only metadata (ids, not data) [KB].
pub const EVENT_KB: f64 = 1.0;
/// Largest message a queue or topic accepts by default [KB] (Amazon SQS and SNS: 256 KB).
pub const MAX_MESSAGE_KB: f64 = 256.0;
/// Queue and topic requests are billed per chunk of this size [KB] (Amazon SQS and SNS).
pub const BILLING_CHUNK_KB: f64 = 64.0;

/// Concurrent batches a queue's pollers start with (AWS Lambda SQS event source: 5).
pub const POLLERS_START: u32 = 5;
/// Pollers add one concurrent batch this often while messages wait (AWS Lambda: up to 300
/// more per minute, one per 200 ms) [ns].
pub const POLLER_GROWTH_EVERY: SimTime = 200 * NS_PER_MS;
/// Most concurrent batches from one queue by default (AWS Lambda, standard queues: 1,250).
pub const POLLERS_MAX: u32 = 1_250;

/// Default visibility timeout of a queue (Amazon SQS) [ns].
pub const VISIBILITY_TIMEOUT: SimTime = 30 * NS_PER_S;

/// Delays before the platform retries a failed asynchronous invocation: AWS Lambda retries
/// twice, after about one minute and then two.
pub const ASYNC_RETRY_DELAYS: [SimTime; 2] = [60 * NS_PER_S, 120 * NS_PER_S];
/// How long AWS Lambda keeps retrying a throttled asynchronous event (6 hours).
pub const ASYNC_MAX_EVENT_AGE: SimTime = 6 * 3600 * NS_PER_S;
/// First back-off after a throttled asynchronous event; it doubles up to the cap below.
pub const ASYNC_THROTTLE_BACKOFF: SimTime = NS_PER_S;
/// Longest back-off between retries of a throttled asynchronous event (AWS: up to 5 min).
pub const ASYNC_THROTTLE_BACKOFF_MAX: SimTime = 300 * NS_PER_S;

/// Default restart time of a crashed server process [ns]: a scenario assumption (process
/// start plus health checks), not a published figure.
pub const SERVER_RESTART: SimTime = 90 * NS_PER_S;

/// Autoscaling defaults: EC2 Auto Scaling target tracking evaluates one-minute metrics; a
/// new instance's boot (launch, OS, application start, health check) takes of the order of a
/// minute or two; the default scale-in cooldown is 300 s.
pub const AUTOSCALE_PERIOD: SimTime = 60 * NS_PER_S;
/// See [`AUTOSCALE_PERIOD`].
pub const AUTOSCALE_BOOT: SimTime = 90 * NS_PER_S;
/// See [`AUTOSCALE_PERIOD`].
pub const AUTOSCALE_COOLDOWN: SimTime = 300 * NS_PER_S;
/// Default utilisation target of an autoscaling group.
pub const AUTOSCALE_TARGET: f64 = 0.6;
/// EC2 per-second billing has a one-minute minimum per instance [ns].
pub const SERVER_MIN_BILLED: SimTime = 60 * NS_PER_S;

/// Latency an orchestrator adds per state transition [ns]: a scenario assumption (Step
/// Functions adds tens of milliseconds per transition), not a published figure.
pub const TRANSITION_LATENCY: SimTime = 25 * NS_PER_MS;
/// Step Functions' default retry interval [ns].
pub const TASK_BACKOFF: SimTime = NS_PER_S;

/// Default first back-off of a caller's retries [ns] (the AWS SDKs' base delay is of this
/// order; see "Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
pub const CALL_BACKOFF: SimTime = 100 * NS_PER_MS;
/// Default longest back-off of a caller's retries [ns].
pub const CALL_BACKOFF_MAX: SimTime = 10 * NS_PER_S;

/// Function billing granularity: AWS Lambda bills duration per 1 ms.
pub const BILLING_GRANULARITY: SimTime = NS_PER_MS;

/// Megabytes per gigabyte in Lambda's GB-s arithmetic (AWS uses 1,024).
pub const MB_PER_GB: f64 = 1024.0;

// ---------------------------------------------------------------------------------------
// Platforms beyond AWS Lambda: the defaults an architecture's `platform:` preset sets. Every
// figure below is overridable per function (or per price), and each is cited.
// ---------------------------------------------------------------------------------------

/// A serverless platform whose published rules set the defaults of an architecture's
/// functions and prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Platform {
    /// AWS Lambda (us-east-1): the defaults above.
    #[default]
    AwsLambda,
    /// Azure Functions, Consumption plan.
    AzureFunctions,
    /// Google Cloud Run services, request-based billing, a Tier 1 region.
    GoogleCloudRun,
    /// Knative Serving with its Pod Autoscaler (KPA), on a cluster of one's own.
    Knative,
}

/// What a platform gives a function that does not say otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FunctionDefaults {
    /// Memory [MB], and the range a function may ask for.
    pub memory_mb: u32,
    /// See [`FunctionDefaults::memory_mb`].
    pub memory_range_mb: (u32, u32),
    /// Idle time after which an instance is reaped [ns]; `None` when the platform's
    /// autoscaler removes instances instead (Knative).
    pub keep_alive: Option<SimTime>,
    /// Invocations one instance serves at once, and the most a function may ask for.
    pub instance_concurrency: u32,
    /// See [`FunctionDefaults::instance_concurrency`].
    pub instance_concurrency_max: u32,
    /// New instances allowed per period (HTTP-triggered functions), and the period [ns].
    pub scale_instances: u32,
    /// See [`FunctionDefaults::scale_instances`].
    pub scale_every: SimTime,
    /// The period for a function triggered otherwise (queue, topic, storage) [ns].
    pub scale_every_non_http: SimTime,
    /// Most instances of one function at once (`None`: no such limit).
    pub max_instances: Option<u32>,
    /// Longest an invocation may run [ns].
    pub timeout: SimTime,
    /// vCPUs of an instance (`None`: memory / [`ONE_VCPU_MB`], as on AWS Lambda).
    pub vcpu: Option<f64>,
    /// Whether instances are scaled by the Knative Pod Autoscaler.
    pub kpa: bool,
    /// Whether the platform keeps provisioned (minimum) instances.
    pub provisioned: bool,
    /// Whether a request that finds every instance full waits for a starting instance with
    /// room rather than starting another (instances that serve several requests at once:
    /// Cloud Run and Azure Functions queue requests for an instance being started; AWS
    /// Lambda runs one request an environment, so each starts its own).
    pub join_starting: bool,
}

/// Azure Functions, Consumption plan: execution time [USD per GB-s] and executions [USD per
/// million]. <https://azure.microsoft.com/en-us/pricing/details/functions/> (Consumption plan
/// meters "Execution Time" and "Total Executions"; $0.000016/GB-s and $0.20 per million
/// executions, as itemised on that page and in Modal's guide "Azure Functions pricing:
/// Consumption vs. Flex Consumption", 2025, East US; free grants not modelled).
pub const AZURE_GB_SECOND: f64 = 0.000_016;
/// See [`AZURE_GB_SECOND`].
pub const AZURE_REQUESTS_PER_MILLION: f64 = 0.20;
/// Azure Functions bills each execution's memory "rounding up to the nearest 128 MB, up to
/// the maximum memory size of 1,536 MB" [MB] (pricing page above, "Resource consumption";
/// the Consumption-plan billing FAQ: "if your process is using 160 MB you are charged for
/// 256 MB").
pub const AZURE_MEMORY_STEP_MB: u32 = 128;
/// See [`AZURE_MEMORY_STEP_MB`]: the largest memory an execution is billed for [MB] (a
/// Consumption-plan instance has 1.5 GB and one CPU).
pub const AZURE_MEMORY_MAX_MB: u32 = 1_536;
/// Azure Functions: execution time is "calculated by rounding up to the nearest 1 ms", and
/// "the minimum execution time and memory for a single function execution is 100 ms and 128
/// mb respectively" (pricing page above, "Resource consumption"; the stored copy consulted
/// was cut inside the first sentence, the second is the page's as published) [ns].
pub const AZURE_BILLING_MINIMUM: SimTime = 100 * NS_PER_MS;
/// Azure Functions, Consumption plan scale-out: "New instance rate: For HTTP triggers, new
/// instances are allocated, at most, once per second. For non-HTTP triggers, new instances
/// are allocated, at most, once every 30 seconds"; "Maximum instances: By default,
/// Consumption plan functions scale out to as many as 200 instances" (Microsoft's "Event-driven
/// scaling in Azure Functions", <https://learn.microsoft.com/azure/azure-functions/event-driven-scaling>,
/// as quoted in <https://www.dailydotnet.com/daily/20230124>; the scale table of
/// <https://learn.microsoft.com/training/modules/explore-azure-functions/4-scale-azure-functions>:
/// Consumption plan, "Windows: 200, Linux: 100").
pub const AZURE_SCALE_EVERY_HTTP: SimTime = NS_PER_S;
/// See [`AZURE_SCALE_EVERY_HTTP`] [ns].
pub const AZURE_SCALE_EVERY_NON_HTTP: SimTime = 30 * NS_PER_S;
/// See [`AZURE_SCALE_EVERY_HTTP`].
pub const AZURE_MAX_INSTANCES: u32 = 200;
/// Concurrent HTTP executions on one Consumption-plan instance: host.json
/// `extensions.http.maxConcurrentRequests`, 100 on the Consumption plan (the value of the
/// example in <https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook>,
/// "host.json settings", whose table gives it as the Consumption plan's default).
pub const AZURE_INSTANCE_CONCURRENCY: u32 = 100;
/// Azure Functions keeps an idle app about 20 minutes before unloading it (Shahrad et al.,
/// "Serverless in the Wild", USENIX ATC '20, §2: the platform's fixed keep-alive) [ns].
pub const AZURE_KEEP_ALIVE: SimTime = 20 * 60 * NS_PER_S;
/// Consumption plan function timeout: "The default timeout for functions on a Consumption
/// plan is 5 minutes. The value can be increased for the Function App up to a maximum of 10
/// minutes by changing the property functionTimeout in the host.json project file"
/// (<https://docs.microsoft.com/en-us/azure/azure-functions/functions-scale>) [ns].
pub const AZURE_TIMEOUT: SimTime = 300 * NS_PER_S;

/// Cloud Run, request-based billing ("CPU only allocated during request processing"), Tier 1
/// regions: CPU [USD per vCPU-s], memory [USD per GiB-s] and requests [USD per million]
/// beyond the free tier (<https://cloud.google.com/run/pricing>: "1 $0.00002400 /
/// vCPU-second beyond free tier"; memory $0.00000250 per GiB-second and $0.40 per million
/// requests, as itemised from that table in <https://cloudwebschool.com/tools/cloud-run-cost-calculator/>;
/// the free tier is not modelled).
pub const CLOUD_RUN_VCPU_SECOND: f64 = 0.000_024;
/// See [`CLOUD_RUN_VCPU_SECOND`].
pub const CLOUD_RUN_GB_SECOND: f64 = 0.000_002_5;
/// See [`CLOUD_RUN_VCPU_SECOND`].
pub const CLOUD_RUN_REQUESTS_PER_MILLION: f64 = 0.40;
/// "Cloud Run charges you only for the resources you use, rounded up to the nearest 100
/// millisecond"; "when setting concurrency higher than one request at a time, multiple
/// requests can share the allocated CPU and memory of an instance" (pricing page above).
/// With request-based billing "instances are only charged when they process requests, when
/// they start, and when they shut down"
/// (<https://cloud.google.com/run/docs/configuring/billing-settings>) [ns].
pub const CLOUD_RUN_BILLING_GRANULARITY: SimTime = 100 * NS_PER_MS;
/// "By default each Cloud Run instance can receive up to 80 requests at the same time; you
/// can increase this to a maximum of 1000"
/// (<https://cloud.google.com/run/docs/about-concurrency>).
pub const CLOUD_RUN_INSTANCE_CONCURRENCY: u32 = 80;
/// See [`CLOUD_RUN_INSTANCE_CONCURRENCY`].
pub const CLOUD_RUN_INSTANCE_CONCURRENCY_MAX: u32 = 1_000;
/// Maximum instances of a service by default: 100 ("Maximum instance count ... with the
/// default set to 100", <https://remotion.dev/docs/cloudrun/instancecount>, after
/// <https://cloud.google.com/run/docs/configuring/max-instances>). Beyond it, "incoming
/// requests can be queued for up to 10 seconds" and then fail with a 429
/// (<https://cloud.google.com/run/docs/about-instance-autoscaling>); here they are throttled
/// at once.
pub const CLOUD_RUN_MAX_INSTANCES: u32 = 100;
/// An instance's default resources: 1 vCPU and 512 MiB; memory from 128 MiB to 32 GiB
/// ("This is Cloud Run: Configuration", Google Developer Experts, dev.to, 2025;
/// <https://cloud.google.com/run/quotas>: "Maximum memory size, in GiB: 32").
pub const CLOUD_RUN_VCPU: f64 = 1.0;
/// See [`CLOUD_RUN_VCPU`] [MB].
pub const CLOUD_RUN_MEMORY_MB: u32 = 512;
/// See [`CLOUD_RUN_VCPU`] [MB].
pub const CLOUD_RUN_MEMORY_MAX_MB: u32 = 32 * 1024;
/// Idle instances are kept for up to 15 minutes before they are shut down
/// (<https://cloud.google.com/run/docs/about-instance-autoscaling>, section "Idle instances";
/// the stored copies consulted for this figure were cut before that section, so it is
/// Google's published figure as remembered, the longest an idle instance is kept) [ns].
pub const CLOUD_RUN_KEEP_ALIVE: SimTime = 15 * 60 * NS_PER_S;
/// Request timeout of a service: "The timeout is set by default to 5 minutes (300 seconds)
/// and can be extended up to 60 minutes (3600 seconds)"
/// (<https://cloud.google.com/run/docs/configuring/request-timeout>) [ns].
pub const CLOUD_RUN_TIMEOUT: SimTime = 300 * NS_PER_S;

/// Knative Pod Autoscaler defaults, from the `config-autoscaler` ConfigMap's defaults
/// (`container-concurrency-target-default: "100"`, `stable-window: "60s"`,
/// `panic-window-percentage: "10.0"`, `max-scale-up-rate: "1000.0"`,
/// `max-scale-down-rate: "2.0"`, `scale-to-zero-grace-period: "30s"`, `initial-scale: "1"`,
/// as listed in <https://www.devopsschool.com/blog/knative-tutorials-knative-service-configmap-config-autoscaler/>)
/// and <https://knative.dev/docs/serving/autoscaling/>: the target concurrent requests per
/// pod (a soft limit; "if both a soft and a hard limit are specified, the smaller of the two
/// values will be used", <https://knative.dev/docs/serving/autoscaling/concurrency>).
pub const KPA_TARGET: f64 = 100.0;
/// `target-utilization-percentage: "70"`: the autoscaler aims at 70% of the target ("Number
/// of pods = Number of concurrent requests / (Pod maximum concurrency × Target utilization)",
/// <https://alibabacloud.com/help/en/container-service-for-kubernetes/latest/enable-automatic-scaling-for-pods-based-on-the-number-of-requests>;
/// <https://knative.dev/docs/serving/autoscaling/concurrency>, "Target utilization").
pub const KPA_TARGET_UTILIZATION: f64 = 0.7;
/// `stable-window: "60s"` (<https://knative.dev/docs/serving/autoscaling/kpa-specific/>:
/// "Default: 60s"; "When scaling to zero Replicas, the last Replica will only be removed
/// after there has not been any traffic to the Revision for the entire duration of the
/// stable window") [ns].
pub const KPA_STABLE_WINDOW: SimTime = 60 * NS_PER_S;
/// `panic-window-percentage: "10.0"`: the panic window is 10% of the stable window ("default:
/// 6 seconds, calculated as stable window × panic-window-percentage", Alibaba's KPA page
/// above; <https://knative.dev/docs/serving/autoscaling/kpa-specific/>, "Panic window").
pub const KPA_PANIC_WINDOW_PERCENTAGE: f64 = 10.0;
/// `panic-threshold-percentage: "200.0"`: panic "when the pod count calculated in panic mode
/// is at least twice the current ready pod count" (Alibaba's KPA page above); knative/serving
/// `pkg/autoscaler/scaling/autoscaler.go`: `isOverPanicThreshold := dppc/readyPodsCount >=
/// spec.PanicThreshold`; in panic "we do not scale down", and it ends when the threshold has
/// not been crossed for a stable window (`a.panicTime.Add(spec.StableWindow).Before(now)`).
pub const KPA_PANIC_THRESHOLD_PERCENTAGE: f64 = 200.0;
/// `max-scale-up-rate: "1000.0"` and `max-scale-down-rate: "2.0"`: a decision asks for at
/// most ⌈1000 × ready pods⌉ and at least ⌊ready pods / 2⌋ (`maxScaleUp :=
/// math.Ceil(spec.MaxScaleUpRate * readyPodsCount)`, `maxScaleDown :=
/// math.Floor(readyPodsCount / spec.MaxScaleDownRate)` in autoscaler.go above, with ready
/// pods counted as at least 1).
pub const KPA_MAX_SCALE_UP_RATE: f64 = 1000.0;
/// See [`KPA_MAX_SCALE_UP_RATE`].
pub const KPA_MAX_SCALE_DOWN_RATE: f64 = 2.0;
/// `scale-to-zero-grace-period: "30s"`: "the time an inactive revision is left running before
/// it is scaled to zero" (knative/docs `configuring-the-autoscaler.md`;
/// <https://knative.dev/docs/serving/autoscaling/scale-to-zero/>) [ns].
pub const KPA_SCALE_TO_ZERO_GRACE: SimTime = 30 * NS_PER_S;
/// The autoscaler decides every 2 s (`tick-interval: 2s` in the ConfigMaps of
/// <https://gist.github.com/abouchama/c336c0f4e2e8b661116525004c77cf17> and knative/docs
/// `configuring-the-autoscaler.md`) [ns].
pub const KPA_TICK: SimTime = 2 * NS_PER_S;
/// `initial-scale: "1"`: pods a revision starts with (the ConfigMap defaults above).
pub const KPA_INITIAL_SCALE: u32 = 1;
/// Knative's default request timeout: `revision-timeout-seconds`, "Default: "300" (5
/// minutes)" (<https://knative.dev/docs/serving/configuration/config-defaults/>) [ns]. A pod's
/// default `container-concurrency: "0"` (that page) means no limit on requests per pod.
pub const KNATIVE_TIMEOUT: SimTime = 300 * NS_PER_S;

impl Platform {
    /// The platform's prices and billing rules. Services other than functions (queues,
    /// topics, storage, databases, gateways, orchestrators) keep AWS's prices on every
    /// platform unless the scenario gives them.
    pub fn prices(self) -> PriceBook {
        let aws = PriceBook::default();
        match self {
            Platform::AwsLambda => aws,
            Platform::AzureFunctions => PriceBook {
                function_gb_second: AZURE_GB_SECOND,
                function_gb_second_arm: AZURE_GB_SECOND,
                function_requests_per_million: AZURE_REQUESTS_PER_MILLION,
                provisioned_gb_second: 0.0,
                provisioned_duration_gb_second: AZURE_GB_SECOND,
                provisioned_gb_second_arm: 0.0,
                provisioned_duration_gb_second_arm: AZURE_GB_SECOND,
                billing_minimum: AZURE_BILLING_MINIMUM,
                memory_step_mb: AZURE_MEMORY_STEP_MB,
                ..aws
            },
            Platform::GoogleCloudRun => PriceBook {
                function_gb_second: CLOUD_RUN_GB_SECOND,
                function_gb_second_arm: CLOUD_RUN_GB_SECOND,
                function_requests_per_million: CLOUD_RUN_REQUESTS_PER_MILLION,
                function_vcpu_second: CLOUD_RUN_VCPU_SECOND,
                // Minimum instances: their memory while idle at the memory rate, their CPU
                // while idle only if `provisioned_vcpu_second` is given (the idle rate is not
                // in the sources cited here); busy, at the request-based rates.
                provisioned_gb_second: CLOUD_RUN_GB_SECOND,
                provisioned_duration_gb_second: CLOUD_RUN_GB_SECOND,
                provisioned_gb_second_arm: CLOUD_RUN_GB_SECOND,
                provisioned_duration_gb_second_arm: CLOUD_RUN_GB_SECOND,
                billing_granularity: CLOUD_RUN_BILLING_GRANULARITY,
                billing_minimum: CLOUD_RUN_BILLING_GRANULARITY,
                bill_per_instance: true,
                bill_init: true,
                ..aws
            },
            // A cluster of one's own: no price per function unless the scenario gives one;
            // given prices bill pods' busy time, as on Cloud Run.
            Platform::Knative => PriceBook {
                function_gb_second: 0.0,
                function_gb_second_arm: 0.0,
                function_requests_per_million: 0.0,
                provisioned_gb_second: 0.0,
                provisioned_duration_gb_second: 0.0,
                provisioned_gb_second_arm: 0.0,
                provisioned_duration_gb_second_arm: 0.0,
                bill_per_instance: true,
                ..aws
            },
        }
    }

    /// Default concurrent function executions across an architecture: AWS Lambda's account
    /// quota; the other platforms have no such limit (their limits are per function:
    /// `max_instances`).
    pub fn concurrency_limit(self) -> u32 {
        match self {
            Platform::AwsLambda => ACCOUNT_CONCURRENCY,
            _ => u32::MAX,
        }
    }

    /// The defaults of a function on this platform. Cold-start times keep the measured AWS
    /// default everywhere (no comparable published figure is cited for the others).
    pub fn functions(self) -> FunctionDefaults {
        let aws = FunctionDefaults {
            memory_mb: FUNCTION_MEMORY_MB,
            memory_range_mb: (FUNCTION_MEMORY_MB, FUNCTION_MEMORY_MAX_MB),
            keep_alive: Some(KEEP_ALIVE),
            instance_concurrency: 1,
            instance_concurrency_max: u32::MAX,
            scale_instances: SCALE_INSTANCES,
            scale_every: SCALE_EVERY,
            scale_every_non_http: SCALE_EVERY,
            max_instances: None,
            timeout: FUNCTION_TIMEOUT,
            vcpu: None,
            kpa: false,
            provisioned: true,
            join_starting: false,
        };
        match self {
            Platform::AwsLambda => aws,
            Platform::AzureFunctions => FunctionDefaults {
                memory_range_mb: (1, AZURE_MEMORY_MAX_MB),
                keep_alive: Some(AZURE_KEEP_ALIVE),
                instance_concurrency: AZURE_INSTANCE_CONCURRENCY,
                scale_instances: 1,
                scale_every: AZURE_SCALE_EVERY_HTTP,
                scale_every_non_http: AZURE_SCALE_EVERY_NON_HTTP,
                max_instances: Some(AZURE_MAX_INSTANCES),
                timeout: AZURE_TIMEOUT,
                // "limited to 1.5 GB of memory and one CPU" per instance.
                vcpu: Some(1.0),
                provisioned: false,
                join_starting: true,
                ..aws
            },
            Platform::GoogleCloudRun => FunctionDefaults {
                memory_mb: CLOUD_RUN_MEMORY_MB,
                memory_range_mb: (FUNCTION_MEMORY_MB, CLOUD_RUN_MEMORY_MAX_MB),
                keep_alive: Some(CLOUD_RUN_KEEP_ALIVE),
                instance_concurrency: CLOUD_RUN_INSTANCE_CONCURRENCY,
                instance_concurrency_max: CLOUD_RUN_INSTANCE_CONCURRENCY_MAX,
                // No documented rate limit on adding instances: none is applied.
                scale_instances: u32::MAX,
                scale_every: NS_PER_S,
                scale_every_non_http: NS_PER_S,
                max_instances: Some(CLOUD_RUN_MAX_INSTANCES),
                timeout: CLOUD_RUN_TIMEOUT,
                vcpu: Some(CLOUD_RUN_VCPU),
                join_starting: true,
                ..aws
            },
            Platform::Knative => FunctionDefaults {
                memory_range_mb: (1, u32::MAX),
                keep_alive: None,
                // `containerConcurrency: 0`: no limit on requests per pod.
                instance_concurrency: u32::MAX,
                timeout: KNATIVE_TIMEOUT,
                // A pod without a CPU limit: one vCPU assumed for `Cpu` steps.
                vcpu: Some(1.0),
                kpa: true,
                ..aws
            },
        }
    }
}
