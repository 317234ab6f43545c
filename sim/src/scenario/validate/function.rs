//! A serverless function: its work, cold starts, keep-alive policy, concurrency (reserved,
//! provisioned, per instance), scaling (a rate, or the Knative Pod Autoscaler), timeout and
//! resources, each defaulting to its architecture's platform.

use super::calls::call_policies;
use super::ctx::{Ctx, count, optional};
use super::names::{Names, Ref, Want};
use super::work::work;
use crate::calibration::{self as cal, Platform};
use crate::dist::Dist;
use crate::engine::{NS_PER_S, SimTime};
use crate::scenario::raw::{
    RawComponent, RawCpu, RawInstanceSelection, RawKeepAlive, RawKeepAlivePolicy, RawScaling,
};
use crate::scenario::{Cpu, Function, HybridParams, InstanceSelection, KeepAlive, Kpa};

/// The function `c` at `path`.
pub(super) fn function(
    ctx: &mut Ctx,
    path: &str,
    c: &RawComponent,
    names: &Names,
    platform: Platform,
) -> Option<Function> {
    let RawComponent::Function {
        memory_mb,
        work: steps,
        cold_start,
        keep_alive,
        concurrency,
        arch,
        calls,
        provisioned,
        provisioned_schedule,
        timeout,
        scaling,
        on_failure,
        instance_concurrency,
        instance_selection,
        max_instances,
        vcpu,
        ..
    } = c
    else {
        return None; // `component` calls this for a function only
    };
    let defaults = platform.functions();
    let field = |f: &str| format!("{path}.{f}");
    let calls = call_policies(ctx, path, calls, names);
    let on_failure = on_failure.as_ref().map(|n| {
        names.resolve(
            ctx,
            &field("on_failure"),
            n,
            Want::Emittable,
            Ref::OnFailure,
        )
    });
    let timeout = match timeout {
        Some(t) => ctx.positive_duration(&field("timeout"), t),
        None => Some(defaults.timeout),
    };
    let instance_concurrency = instance_concurrency_of(
        ctx,
        &field("instance_concurrency"),
        *instance_concurrency,
        platform,
    );
    let (scale, kpa) = match scaling.as_deref() {
        Some(RawScaling::Scaling { instances, every }) => {
            if *instances == 0 {
                ctx.error(&field("scaling.instances"), "must be at least 1");
            }
            let every = ctx.positive_duration(&field("scaling.every"), every);
            (every.map(|every| ((*instances).max(1), every)), None)
        }
        Some(kpa) => (
            Some((defaults.scale_instances, defaults.scale_every)),
            Some(kpa_params(
                ctx,
                &field("scaling"),
                kpa,
                instance_concurrency,
            )),
        ),
        None if defaults.kpa => (
            Some((defaults.scale_instances, defaults.scale_every)),
            Some(kpa_params(
                ctx,
                &field("scaling"),
                &RawScaling::Kpa {
                    target: None,
                    target_utilization: None,
                    stable_window: None,
                    panic_window_percentage: None,
                    panic_threshold_percentage: None,
                    max_scale_up_rate: None,
                    max_scale_down_rate: None,
                    scale_to_zero_grace_period: None,
                    initial_scale: None,
                    tick: None,
                },
                instance_concurrency,
            )),
        ),
        None => (Some((defaults.scale_instances, defaults.scale_every)), None),
    };
    let kpa_scaled = kpa.is_some();
    if kpa_scaled {
        if keep_alive.is_some() {
            ctx.error(
                &field("keep_alive"),
                "a function scaled by Kpa has no keep-alive: its autoscaler removes its pods",
            );
        }
        if provisioned_schedule.is_some() {
            ctx.error(
                &field("provisioned_schedule"),
                "a function scaled by Kpa takes a fixed minimum scale (provisioned), not a schedule",
            );
        }
    }
    if !defaults.provisioned
        && (provisioned.is_some_and(|p| p > 0) || provisioned_schedule.is_some())
    {
        ctx.error(
            &field(if provisioned.is_some() {
                "provisioned"
            } else {
                "provisioned_schedule"
            }),
            format!("{} keeps no provisioned instances", platform_name(platform)),
        );
    }
    let max_instances = match max_instances {
        Some(0) => {
            ctx.error(&field("max_instances"), "must be at least 1");
            None
        }
        Some(n) => Some(*n),
        None => defaults.max_instances,
    };
    if let (Some(p), Some(m)) = (provisioned, max_instances)
        && *p > m
    {
        ctx.error(
            &field("provisioned"),
            format!("provisioned ({p}) cannot exceed max_instances ({m})"),
        );
    }
    let scale = scale?;
    let schedule = match provisioned_schedule {
        Some(points) => schedule_points(ctx, &field("provisioned_schedule"), points, *provisioned),
        None => Vec::new(),
    };
    if let (Some(p), Some(c)) = (provisioned, concurrency)
        && p > c
    {
        ctx.error(
            &field("provisioned"),
            format!("provisioned ({p}) cannot exceed the function's concurrency ({c})"),
        );
    }
    let memory_mb = memory_mb.unwrap_or(defaults.memory_mb);
    let (low, high) = defaults.memory_range_mb;
    if !(low..=high).contains(&memory_mb) {
        ctx.error(
            &field("memory_mb"),
            format!("memory must be between {low} and {high} MB, found {memory_mb}"),
        );
    }
    let vcpu = match vcpu {
        Some(v) if v.is_finite() && *v > 0.0 => Some(*v),
        Some(v) => {
            ctx.error(
                &field("vcpu"),
                format!("vcpu must be greater than zero, found {v}"),
            );
            None
        }
        None => Some(
            defaults
                .vcpu
                .unwrap_or(f64::from(memory_mb) / cal::ONE_VCPU_MB),
        ),
    };
    let w = work(ctx, &field("work"), steps, names);
    let cold_start = match cold_start {
        Some(d) => ctx.dist(&field("cold_start"), d),
        None => {
            Dist::lognormal_median_p99(cal::COLD_START_MEDIAN as f64, cal::COLD_START_P99 as f64)
                .ok()
        }
    };
    let keep_alive = match (keep_alive, kpa_scaled) {
        // Pods of the autoscaler are removed by it, never by a keep-alive.
        (_, true) => Some(KeepAlive::Fixed(SimTime::MAX)),
        (Some(k), false) => keep_alive_policy(ctx, &field("keep_alive"), k),
        (None, false) => Some(KeepAlive::Fixed(
            defaults.keep_alive.unwrap_or(cal::KEEP_ALIVE),
        )),
    };
    if *concurrency == Some(0) {
        ctx.error(&field("concurrency"), "must be at least 1");
    }
    let cpu = match arch {
        Some(RawCpu::Arm) => Cpu::Arm,
        _ => Cpu::X86,
    };
    Some(Function {
        memory_mb,
        work: w?,
        cold_start: cold_start?,
        keep_alive: keep_alive?,
        concurrency: *concurrency,
        provisioned: schedule
            .first()
            .map_or(provisioned.unwrap_or(0), |&(_, n)| n),
        provisioned_changes: schedule.get(1..).unwrap_or_default().to_vec(),
        on_failure: optional(on_failure)?,
        instance_concurrency,
        instance_selection: match instance_selection {
            None | Some(RawInstanceSelection::MostRecentlyUsed) => {
                InstanceSelection::MostRecentlyUsed
            }
            Some(RawInstanceSelection::NewestCreated) => InstanceSelection::NewestCreated,
            Some(RawInstanceSelection::LeastRecentlyUsed) => InstanceSelection::LeastRecentlyUsed,
            Some(RawInstanceSelection::Random) => InstanceSelection::Random,
        },
        timeout: timeout?,
        scale_instances: scale.0,
        scale_every: scale.1,
        kpa: optional(kpa)?.map(|k| {
            Box::new(Kpa {
                initial_scale: k.initial_scale.max(provisioned.unwrap_or(0)),
                ..k
            })
        }),
        max_instances,
        vcpu: vcpu?,
        join_starting: defaults.join_starting,
        cpu,
        calls: calls?,
    })
}

/// A provisioned-concurrency schedule at `path`: `(time, count)` points, the first at "0s",
/// times increasing (a point that breaks either is reported and left out).
fn schedule_points(
    ctx: &mut Ctx,
    path: &str,
    points: &[(String, u32)],
    provisioned: Option<u32>,
) -> Vec<(SimTime, u32)> {
    let mut schedule: Vec<(SimTime, u32)> = Vec::new();
    if provisioned.is_some() {
        ctx.error(path, "give either provisioned or provisioned_schedule");
    }
    for (i, (time, n)) in points.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Some(t) = ctx.duration(&format!("{p}[0]"), time) else {
            continue;
        };
        match schedule.last() {
            None if t != 0 => ctx.error(&format!("{p}[0]"), "the first point must be at \"0s\""),
            Some(&(prev, _)) if t <= prev => ctx.error(&format!("{p}[0]"), "times must increase"),
            _ => schedule.push((t, *n)),
        }
    }
    if schedule.is_empty() {
        ctx.error(path, "a schedule needs at least one point");
    }
    schedule
}

/// The keep-alive policy at `path`: a fixed time, scale-to-zero, or the hybrid policy.
fn keep_alive_policy(ctx: &mut Ctx, path: &str, raw: &RawKeepAlive) -> Option<KeepAlive> {
    let defaults = RawKeepAlivePolicy::Hybrid {
        range: None,
        bin: None,
        head: None,
        tail: None,
        margin: None,
        cv_threshold: None,
        min_samples: None,
    };
    let raw = match raw {
        // A bare `Hybrid` reaches the untagged enum as a string: the policy with its defaults.
        RawKeepAlive::Fixed(t) if t == "Hybrid" => &defaults,
        RawKeepAlive::Fixed(t) => return ctx.duration(path, t).map(KeepAlive::Fixed),
        RawKeepAlive::Policy(p) => p,
    };
    match raw {
        RawKeepAlivePolicy::ScaleToZero => Some(KeepAlive::ScaleToZero),
        RawKeepAlivePolicy::Hybrid {
            range,
            bin,
            head,
            tail,
            margin,
            cv_threshold,
            min_samples,
        } => {
            let mut time = |name: &str, value: &Option<String>, default: SimTime| match value {
                Some(v) => ctx.positive_duration(&format!("{path}.{name}"), v),
                None => Some(default),
            };
            let range = time("range", range, cal::HYBRID_RANGE);
            let bin = time("bin", bin, cal::HYBRID_BIN);
            let p = HybridParams {
                range: range?,
                bin: bin?,
                head: head.unwrap_or(0.05),
                tail: tail.unwrap_or(0.99),
                margin: margin.unwrap_or(0.1),
                cv_threshold: cv_threshold.unwrap_or(2.0),
                min_samples: min_samples.unwrap_or(5),
            };
            let mut ok = true;
            if p.bin > p.range {
                ctx.error(
                    &format!("{path}.bin"),
                    "the bin must not be wider than the range",
                );
                ok = false;
            }
            if !(0.0..1.0).contains(&p.head) || !(0.0..=1.0).contains(&p.tail) || p.head > p.tail {
                ctx.error(path, "percentiles need 0 ≤ head ≤ tail ≤ 1");
                ok = false;
            }
            if !(0.0..1.0).contains(&p.margin) {
                ctx.error(&format!("{path}.margin"), "the margin must be in [0, 1)");
                ok = false;
            }
            ok.then_some(KeepAlive::Hybrid(p))
        }
    }
}

/// The name of a platform in messages.
fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::AwsLambda => "AWS Lambda",
        Platform::AzureFunctions => "Azure Functions' Consumption plan",
        Platform::GoogleCloudRun => "Google Cloud Run",
        Platform::Knative => "Knative",
    }
}

/// Invocations one instance serves at once: the function's, or its platform's default.
fn instance_concurrency_of(
    ctx: &mut Ctx,
    path: &str,
    value: Option<u32>,
    platform: Platform,
) -> u32 {
    let defaults = platform.functions();
    let n = count(ctx, path, value, defaults.instance_concurrency);
    if n > defaults.instance_concurrency_max {
        ctx.error(
            path,
            format!(
                "{} serves at most {} requests at once on an instance, found {n}",
                platform_name(platform),
                defaults.instance_concurrency_max
            ),
        );
    }
    n
}

/// The Knative Pod Autoscaler's parameters at `path` (a `Kpa(...)`, every field defaulting
/// to Knative's), for a function whose instances take `instance_concurrency` at once (its
/// hard limit: the target is no more than it).
fn kpa_params(
    ctx: &mut Ctx,
    path: &str,
    raw: &RawScaling,
    instance_concurrency: u32,
) -> Option<Kpa> {
    let RawScaling::Kpa {
        target,
        target_utilization,
        stable_window,
        panic_window_percentage,
        panic_threshold_percentage,
        max_scale_up_rate,
        max_scale_down_rate,
        scale_to_zero_grace_period,
        initial_scale,
        tick,
    } = raw
    else {
        return None;
    };
    let field = |f: &str| format!("{path}.{f}");
    let mut number =
        |name: &str, value: Option<f64>, default: f64, ok: &dyn Fn(f64) -> bool, want: &str| {
            let v = value.unwrap_or(default);
            if v.is_finite() && ok(v) {
                Some(v)
            } else {
                ctx.error(&field(name), format!("must be {want}, found {v}"));
                None
            }
        };
    let target = number(
        "target",
        *target,
        cal::KPA_TARGET,
        &|v| v > 0.0,
        "greater than zero",
    );
    let utilization = number(
        "target_utilization",
        *target_utilization,
        cal::KPA_TARGET_UTILIZATION,
        &|v| v > 0.0 && v <= 1.0,
        "in (0, 1]",
    );
    let panic_pct = number(
        "panic_window_percentage",
        *panic_window_percentage,
        cal::KPA_PANIC_WINDOW_PERCENTAGE,
        &|v| (1.0..=100.0).contains(&v),
        "between 1 and 100",
    );
    let threshold = number(
        "panic_threshold_percentage",
        *panic_threshold_percentage,
        cal::KPA_PANIC_THRESHOLD_PERCENTAGE,
        &|v| (110.0..=1000.0).contains(&v),
        "between 110 and 1000",
    );
    let up = number(
        "max_scale_up_rate",
        *max_scale_up_rate,
        cal::KPA_MAX_SCALE_UP_RATE,
        &|v| v > 1.0,
        "greater than 1",
    );
    let down = number(
        "max_scale_down_rate",
        *max_scale_down_rate,
        cal::KPA_MAX_SCALE_DOWN_RATE,
        &|v| v > 1.0,
        "greater than 1",
    );
    let mut seconds = |name: &str, value: &Option<String>, default: SimTime| {
        let t = match value {
            Some(v) => ctx.positive_duration(&field(name), v)?,
            None => default,
        };
        if t % NS_PER_S != 0 {
            ctx.error(&field(name), "must be a whole number of seconds");
            return None;
        }
        Some(t)
    };
    let stable = seconds("stable_window", stable_window, cal::KPA_STABLE_WINDOW);
    let tick = seconds("tick", tick, cal::KPA_TICK);
    if let Some(s) = stable
        && !(6 * NS_PER_S..=3600 * NS_PER_S).contains(&s)
    {
        ctx.error(&field("stable_window"), "must be between 6s and 1h");
    }
    let grace = match scale_to_zero_grace_period {
        Some(t) => ctx.duration(&field("scale_to_zero_grace_period"), t),
        None => Some(cal::KPA_SCALE_TO_ZERO_GRACE),
    };
    let (stable, panic_pct) = (stable?, panic_pct?);
    // The panic window in whole seconds, as Knative's one-second buckets cover it.
    let panic_s = ((stable / NS_PER_S) as f64 * panic_pct / 100.0)
        .ceil()
        .max(1.0) as SimTime;
    Some(Kpa {
        target: target?.min(f64::from(instance_concurrency)) * utilization?,
        stable_window: stable,
        panic_window: panic_s * NS_PER_S,
        panic_threshold: threshold? / 100.0,
        max_scale_up_rate: up?,
        max_scale_down_rate: down?,
        scale_to_zero_grace: grace?,
        initial_scale: initial_scale.unwrap_or(cal::KPA_INITIAL_SCALE),
        tick: tick?,
    })
}
