//! An API gateway: a route per transaction kind, and the latency it adds.

use super::ctx::Ctx;
use super::names::{Names, Ref, Want, kind_id};
use crate::dist::Dist;
use crate::scenario::Gateway;
use crate::scenario::raw::RawComponent;

/// The gateway `c` at `path`.
pub(super) fn gateway(
    ctx: &mut Ctx,
    path: &str,
    c: &RawComponent,
    names: &Names,
    kinds: &[String],
) -> Option<Gateway> {
    let RawComponent::Gateway {
        routes, latency, ..
    } = c
    else {
        return None; // `component` calls this for a gateway only
    };
    let field = |f: &str| format!("{path}.{f}");
    let mut table = vec![None; kinds.len()];
    let mut ok = true;
    for (kind, target) in routes {
        let p = format!("{path}.routes.{kind}");
        let id = kind_id(ctx, &p, kind, kinds);
        let t = names.resolve(ctx, &p, target, Want::Entry, Ref::Route);
        match (id, t) {
            (Some(id), Some(t)) => table[id] = Some(t),
            _ => ok = false,
        }
    }
    let latency = match latency {
        Some(d) => ctx.dist(&field("latency"), d),
        None => Some(Dist::Constant(0)),
    };
    if !ok {
        return None;
    }
    Some(Gateway {
        routes: table,
        latency: latency?,
    })
}
