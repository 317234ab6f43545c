//! Steps of work (a handler, a function's invocation): durations drawn from distributions,
//! and the components each step names, of the kinds that step may name.

use super::ctx::Ctx;
use super::names::{Names, Ref, Want};
use crate::scenario::raw::RawStep;
use crate::scenario::{Step, Work};

/// The steps at `path`, their names resolved; `None` if any is invalid.
pub(super) fn work(ctx: &mut Ctx, path: &str, steps: &[RawStep], names: &Names) -> Option<Work> {
    let mut out = Vec::with_capacity(steps.len());
    let mut ok = true;
    for (i, s) in steps.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let step = match s {
            RawStep::Compute(d) => ctx.step_time(&p, d).map(Step::Compute),
            RawStep::Cpu(d) => ctx.step_time(&p, d).map(Step::Cpu),
            RawStep::Call(n) => names
                .resolve(ctx, &p, n, Want::Callable, Ref::Call)
                .map(Step::Call),
            RawStep::Emit(n) => names
                .resolve(ctx, &p, n, Want::Emittable, Ref::Emit)
                .map(Step::Emit),
            RawStep::Send { to, kb } => {
                if !(kb.is_finite() && *kb > 0.0) {
                    ctx.error(
                        &format!("{p}.kb"),
                        format!("a message size must be greater than zero, found {kb}"),
                    );
                }
                names
                    .resolve(ctx, &format!("{p}.to"), to, Want::Emittable, Ref::Send)
                    .map(|to| Step::Send { to, kb: *kb })
            }
            RawStep::Read(n) => names
                .resolve(ctx, &p, n, Want::Database, Ref::Read)
                .map(Step::Read),
            RawStep::Write(n) => names
                .resolve(ctx, &p, n, Want::Database, Ref::Write)
                .map(Step::Write),
            RawStep::Put(n) => names
                .resolve(ctx, &p, n, Want::Storage, Ref::Put)
                .map(Step::Put),
            RawStep::Get(n) => names
                .resolve(ctx, &p, n, Want::Storage, Ref::Get)
                .map(Step::Get),
        };
        match step {
            Some(step) => out.push(step),
            None => ok = false,
        }
    }
    ok.then_some(out)
}
