//! A workflow engine: its workflow, compiled to flows (see `flow`), and the latency of a
//! state transition.

use super::ctx::Ctx;
use super::flow::compile_flow;
use super::names::Names;
use crate::calibration as cal;
use crate::dist::Dist;
use crate::scenario::Orchestrator;
use crate::scenario::raw::RawComponent;

/// The orchestrator `c` at `path`.
pub(super) fn orchestrator(
    ctx: &mut Ctx,
    path: &str,
    c: &RawComponent,
    names: &Names,
) -> Option<Orchestrator> {
    let RawComponent::Orchestrator {
        workflow,
        transition_latency,
        ..
    } = c
    else {
        return None; // `component` calls this for an orchestrator only
    };
    let field = |f: &str| format!("{path}.{f}");
    let latency = match transition_latency {
        Some(d) => ctx.dist(&field("transition_latency"), d),
        None => Some(Dist::Constant(cal::TRANSITION_LATENCY)),
    }?;
    let mut flows = Vec::new();
    compile_flow(
        ctx,
        &field("workflow"),
        workflow,
        names,
        &latency,
        &mut flows,
    )?;
    Some(Orchestrator { flows })
}
