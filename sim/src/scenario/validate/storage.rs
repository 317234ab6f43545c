//! An object store: its latency, and where a put sends its event.

use super::ctx::Ctx;
use super::names::{Names, Ref, Want};
use crate::dist::Dist;
use crate::scenario::Storage;
use crate::scenario::raw::{RawComponent, RawTrigger};

/// The storage `c` at `path`.
pub(super) fn storage(
    ctx: &mut Ctx,
    path: &str,
    c: &RawComponent,
    names: &Names,
) -> Option<Storage> {
    let RawComponent::Storage {
        latency, on_put, ..
    } = c
    else {
        return None; // `component` calls this for a storage only
    };
    let field = |f: &str| format!("{path}.{f}");
    let latency = match latency {
        Some(d) => ctx.dist(&field("latency"), d),
        None => Some(Dist::Constant(0)),
    };
    let on_put = match on_put {
        Some(RawTrigger::Publish(n)) => {
            let p = field("on_put");
            match names.resolve(ctx, &p, n, Want::Emittable, Ref::Publish)? {
                id if matches!(names.raw[id], RawComponent::Topic { .. }) => Some(id),
                _ => {
                    ctx.error(&p, format!("Publish needs a topic; {n:?} is not one"));
                    return None;
                }
            }
        }
        Some(RawTrigger::Enqueue(n)) => {
            Some(names.resolve(ctx, &field("on_put"), n, Want::Queue, Ref::Enqueue)?)
        }
        Some(RawTrigger::Invoke(n)) => {
            Some(names.resolve(ctx, &field("on_put"), n, Want::Function, Ref::Invoke)?)
        }
        None => None,
    };
    Some(Storage {
        latency: latency?,
        on_put,
    })
}
