//! Call policies: a caller's timeout, retries with back-off, and circuit breaker for its
//! calls to one target.

use std::collections::BTreeMap;

use super::ctx::{Ctx, optional};
use super::names::{Names, Ref, Want};
use crate::calibration as cal;
use crate::scenario::raw::RawCallPolicy;
use crate::scenario::{BreakerPolicy, CallPolicy, CompId};

/// The call policies of a server or function at `path`, by target.
pub(super) fn call_policies(
    ctx: &mut Ctx,
    path: &str,
    raw: &BTreeMap<String, RawCallPolicy>,
    names: &Names,
) -> Option<Vec<(CompId, CallPolicy)>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (target, p) in raw {
        let path = format!("{path}.calls.{target}");
        let field = |f: &str| format!("{path}.{f}");
        let id = names.resolve(ctx, &path, target, Want::Callee, Ref::CallPolicy);
        let timeout = p
            .timeout
            .as_ref()
            .map(|t| ctx.positive_duration(&field("timeout"), t));
        let backoff = match &p.backoff {
            Some(b) => ctx.duration(&field("backoff"), b),
            None => Some(cal::CALL_BACKOFF),
        };
        let max_backoff = match &p.max_backoff {
            Some(b) => ctx.duration(&field("max_backoff"), b),
            None => Some(cal::CALL_BACKOFF_MAX),
        };
        let breaker = p.breaker.as_ref().map(|b| {
            if b.failures == 0 {
                ctx.error(
                    &format!("{}.failures", field("breaker")),
                    "must be at least 1",
                );
            }
            let cooldown =
                ctx.positive_duration(&format!("{}.cooldown", field("breaker")), &b.cooldown);
            cooldown.map(|cooldown| BreakerPolicy {
                failures: b.failures.max(1),
                cooldown,
            })
        });
        if let (Some(b), Some(m)) = (backoff, max_backoff)
            && m < b
        {
            ctx.error(
                &field("max_backoff"),
                "max_backoff must not be shorter than backoff",
            );
        }
        match (
            id,
            optional(timeout),
            backoff,
            max_backoff,
            optional(breaker),
        ) {
            (Some(id), Some(timeout), Some(backoff), Some(max_backoff), Some(breaker)) => {
                out.push((
                    id,
                    CallPolicy {
                        timeout,
                        retries: p.retries.unwrap_or(0),
                        backoff,
                        max_backoff: max_backoff.max(backoff),
                        jitter: p.jitter.unwrap_or(true),
                        breaker,
                    },
                ))
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}
