//! A database: its latency, capacity (serverless, concurrency or requests per second),
//! hourly price and connection limit.

use super::ctx::Ctx;
use super::prices::price;
use crate::scenario::raw::{RawCapacity, RawComponent};
use crate::scenario::{Capacity, Database};

/// The database `c` at `path`.
pub(super) fn database(ctx: &mut Ctx, path: &str, c: &RawComponent) -> Option<Database> {
    let RawComponent::Database {
        latency,
        capacity,
        usd_per_hour,
        max_connections,
        ..
    } = c
    else {
        return None; // `component` calls this for a database only
    };
    let field = |f: &str| format!("{path}.{f}");
    if *max_connections == Some(0) {
        ctx.error(&field("max_connections"), "must be at least 1");
    }
    if let Some(p) = *usd_per_hour {
        price(ctx, &field("usd_per_hour"), p, false);
    }
    if usd_per_hour.is_some() && matches!(capacity, None | Some(RawCapacity::Serverless)) {
        ctx.error(
                    &field("usd_per_hour"),
                    "an hourly price applies to provisioned capacity (Concurrency or PerSecond); a Serverless database is billed per request",
                );
    }
    let latency = ctx.dist(&field("latency"), latency);
    let capacity = match capacity {
        None | Some(RawCapacity::Serverless) => Capacity::Serverless,
        Some(RawCapacity::Concurrency(n)) => {
            if *n == 0 {
                ctx.error(&field("capacity"), "concurrency must be at least 1");
            }
            Capacity::Concurrency(*n)
        }
        Some(RawCapacity::PerSecond(r)) => Capacity::PerSecond(ctx.rate(&field("capacity"), *r)?),
    };
    Some(Database {
        latency: latency?,
        capacity,
        usd_per_hour: *usd_per_hour,
        max_connections: *max_connections,
    })
}
