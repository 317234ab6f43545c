//! A server: provisioned instances running a handler per transaction kind, with workers, a
//! backlog, a balancer and, if set, an autoscaling group.

use super::calls::call_policies;
use super::ctx::{Ctx, count, optional};
use super::names::{Names, kind_id};
use super::prices::price;
use super::work::work;
use crate::calibration as cal;
use crate::engine::SimTime;
use crate::scenario::raw::{RawAutoscaling, RawBalancer, RawComponent};
use crate::scenario::{Autoscaling, Balancer, Server};

/// The server `c` at `path`.
pub(super) fn server(
    ctx: &mut Ctx,
    path: &str,
    c: &RawComponent,
    names: &Names,
    kinds: &[String],
) -> Option<Server> {
    let RawComponent::Server {
        instances,
        workers,
        backlog,
        usd_per_hour,
        handlers,
        restart,
        balancer,
        autoscaling,
        pool,
        cores,
        calls,
        ..
    } = c
    else {
        return None; // `component` calls this for a server only
    };
    let field = |f: &str| format!("{path}.{f}");
    let restart = match restart {
        Some(r) => ctx.duration(&field("restart"), r),
        None => Some(cal::SERVER_RESTART),
    };
    let calls = call_policies(ctx, path, calls, names);
    let instances = count(ctx, &field("instances"), *instances, 1);
    let workers = count(ctx, &field("workers"), *workers, 1);
    let usd_per_hour = usd_per_hour.unwrap_or(cal::SERVER_USD_PER_HOUR);
    price(ctx, &field("usd_per_hour"), usd_per_hour, false);
    let mut table = vec![None; kinds.len()];
    let mut ok = true;
    for (kind, steps) in handlers {
        let p = format!("{path}.handlers.{kind}");
        let id = kind_id(ctx, &p, kind, kinds);
        match (id, work(ctx, &p, steps, names)) {
            (Some(id), Some(w)) => table[id] = Some(w),
            _ => ok = false,
        }
    }
    // Out-of-range counts are already reported; the topology checks still run.
    if !ok {
        return None;
    }
    Some(Server {
        instances,
        workers,
        backlog: *backlog,
        usd_per_hour,
        handlers: table,
        restart: restart?,
        balancer: match balancer {
            Some(RawBalancer::RoundRobin) => Balancer::RoundRobin,
            _ => Balancer::LeastOutstanding,
        },
        autoscaling: optional(
            autoscaling
                .as_ref()
                .map(|a| autoscaling_group(ctx, &field("autoscaling"), a, instances)),
        )?,
        pool: pool.unwrap_or(workers),
        cores: match cores {
            Some(0) => {
                ctx.error(&field("cores"), "must be at least 1");
                None
            }
            c => *c,
        },
        calls: calls?,
    })
}

/// The autoscaling group at `path` of a server starting with `instances`.
fn autoscaling_group(
    ctx: &mut Ctx,
    path: &str,
    a: &RawAutoscaling,
    instances: u32,
) -> Option<Autoscaling> {
    let mut time = |name: &str, value: &Option<String>, default: SimTime| match value {
        Some(v) => ctx.positive_duration(&format!("{path}.{name}"), v),
        None => Some(default),
    };
    let boot = time("boot", &a.boot, cal::AUTOSCALE_BOOT);
    let cooldown = time("cooldown", &a.cooldown, cal::AUTOSCALE_COOLDOWN);
    let period = time("period", &a.period, cal::AUTOSCALE_PERIOD);
    // Utilisation is tracked unless only a backlog target is given.
    let target = match (a.target, a.target_backlog_per_instance) {
        (None, Some(_)) => None,
        (t, _) => Some(t.unwrap_or(cal::AUTOSCALE_TARGET)),
    };
    let mut ok = true;
    if a.min == 0 || a.min > a.max {
        ctx.error(
            path,
            format!("need 1 ≤ min ≤ max, found min {} and max {}", a.min, a.max),
        );
        ok = false;
    } else if !(a.min..=a.max).contains(&instances) {
        ctx.error(
            path,
            format!("the initial instances ({instances}) must be within min and max"),
        );
        ok = false;
    }
    if let Some(target) = target
        && !(target > 0.0 && target <= 1.0)
    {
        ctx.error(
            &format!("{path}.target"),
            format!("must be in (0, 1], found {target}"),
        );
        ok = false;
    }
    if let Some(backlog) = a.target_backlog_per_instance
        && !(backlog > 0.0 && backlog.is_finite())
    {
        ctx.error(
            &format!("{path}.target_backlog_per_instance"),
            format!("must be a number above 0, found {backlog}"),
        );
        ok = false;
    }
    let group = Autoscaling {
        min: a.min,
        max: a.max,
        target,
        target_backlog: a.target_backlog_per_instance,
        boot: boot?,
        cooldown: cooldown?,
        period: period?,
    };
    ok.then_some(group)
}
