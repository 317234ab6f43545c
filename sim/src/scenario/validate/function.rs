//! A serverless function: its work, cold starts, keep-alive policy, concurrency (reserved,
//! provisioned, per instance), scaling rate and timeout.

use super::calls::call_policies;
use super::ctx::{Ctx, count, optional};
use super::names::{Names, Ref, Want};
use super::work::work;
use crate::calibration as cal;
use crate::dist::Dist;
use crate::engine::SimTime;
use crate::scenario::raw::{
    RawComponent, RawCpu, RawInstanceSelection, RawKeepAlive, RawKeepAlivePolicy,
};
use crate::scenario::{Cpu, Function, HybridParams, InstanceSelection, KeepAlive};

/// The function `c` at `path`.
pub(super) fn function(
    ctx: &mut Ctx,
    path: &str,
    c: &RawComponent,
    names: &Names,
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
        ..
    } = c
    else {
        return None; // `component` calls this for a function only
    };
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
        None => Some(cal::FUNCTION_TIMEOUT),
    };
    let scale = match scaling {
        Some(s) => {
            if s.instances == 0 {
                ctx.error(&field("scaling.instances"), "must be at least 1");
            }
            ctx.positive_duration(&field("scaling.every"), &s.every)
                .map(|every| Some((s.instances.max(1), every)))
        }
        None => Some(None),
    };
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
    let memory_mb = memory_mb.unwrap_or(cal::FUNCTION_MEMORY_MB);
    if !(cal::FUNCTION_MEMORY_MB..=cal::FUNCTION_MEMORY_MAX_MB).contains(&memory_mb) {
        ctx.error(
            &field("memory_mb"),
            format!(
                "memory must be between {} and {} MB, found {memory_mb}",
                cal::FUNCTION_MEMORY_MB,
                cal::FUNCTION_MEMORY_MAX_MB
            ),
        );
    }
    let w = work(ctx, &field("work"), steps, names);
    let cold_start = match cold_start {
        Some(d) => ctx.dist(&field("cold_start"), d),
        None => {
            Dist::lognormal_median_p99(cal::COLD_START_MEDIAN as f64, cal::COLD_START_P99 as f64)
                .ok()
        }
    };
    let keep_alive = match keep_alive {
        Some(k) => keep_alive_policy(ctx, &field("keep_alive"), k),
        None => Some(KeepAlive::Fixed(cal::KEEP_ALIVE)),
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
        instance_concurrency: count(
            ctx,
            &field("instance_concurrency"),
            *instance_concurrency,
            1,
        ),
        instance_selection: match instance_selection {
            None | Some(RawInstanceSelection::MostRecentlyUsed) => {
                InstanceSelection::MostRecentlyUsed
            }
            Some(RawInstanceSelection::NewestCreated) => InstanceSelection::NewestCreated,
            Some(RawInstanceSelection::LeastRecentlyUsed) => InstanceSelection::LeastRecentlyUsed,
            Some(RawInstanceSelection::Random) => InstanceSelection::Random,
        },
        timeout: timeout?,
        scale_instances: scale.map_or(cal::SCALE_INSTANCES, |s| s.0),
        scale_every: scale.map_or(cal::SCALE_EVERY, |s| s.1),
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
