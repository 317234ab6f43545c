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
        }
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
