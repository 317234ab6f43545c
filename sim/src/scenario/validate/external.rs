//! A third-party service: its latency, error rate, rate limit and price per call.

use super::ctx::{Ctx, optional};
use super::prices::price;
use crate::scenario::External;
use crate::scenario::raw::RawComponent;

/// The external `c` at `path`.
pub(super) fn external(ctx: &mut Ctx, path: &str, c: &RawComponent) -> Option<External> {
    let RawComponent::External {
        latency,
        error_rate,
        rate_limit,
        usd_per_call,
        ..
    } = c
    else {
        return None; // `component` calls this for an external service only
    };
    let field = |f: &str| format!("{path}.{f}");
    let latency = ctx.dist(&field("latency"), latency);
    let error_rate = error_rate.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&error_rate) {
        ctx.error(
            &field("error_rate"),
            format!("must be in [0, 1], found {error_rate}"),
        );
    }
    let rate_limit = rate_limit.map(|r| ctx.rate(&field("rate_limit"), r));
    let usd_per_call = usd_per_call.unwrap_or(0.0);
    price(ctx, &field("usd_per_call"), usd_per_call, false);
    Some(External {
        latency: latency?,
        error_rate,
        rate_limit: optional(rate_limit)?,
        usd_per_call,
    })
}
