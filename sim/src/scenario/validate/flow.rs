//! Workflow compilation: an orchestrator's states become flows of steps (flow 0 the main
//! workflow; choices, parallel branches and catch handlers flows of their own), each state
//! preceded by a transition.

use super::ctx::{Ctx, optional};
use super::names::{Names, Ref, Want};
use crate::calibration as cal;
use crate::dist::Dist;
use crate::engine::SimTime;
use crate::scenario::raw::RawState;
use crate::scenario::{CallPolicy, Step, StepTime, Work};

/// Compiles a list of workflow states into a flow (a work list) stored at a new slot of
/// `flows`; branches become flows of their own. Returns the slot.
pub(super) fn compile_flow(
    ctx: &mut Ctx,
    path: &str,
    states: &[RawState],
    names: &Names,
    latency: &Dist,
    flows: &mut Vec<Work>,
) -> Option<u32> {
    let slot = flows.len();
    flows.push(Vec::new());
    let mut work = Vec::new();
    let mut ok = true;
    for (i, state) in states.iter().enumerate() {
        let p = format!("{path}[{i}]");
        work.push(Step::Transition(latency.clone()));
        let step = match state {
            RawState::Task {
                invoke,
                retries,
                backoff,
                catch,
            } => {
                let target = names.resolve(
                    ctx,
                    &format!("{p}.invoke"),
                    invoke,
                    Want::Callable,
                    Ref::Task,
                );
                let backoff = match backoff {
                    Some(b) => ctx.duration(&format!("{p}.backoff"), b),
                    None => Some(cal::TASK_BACKOFF),
                };
                let catch = catch.as_ref().map(|states| {
                    compile_flow(ctx, &format!("{p}.catch"), states, names, latency, flows)
                });
                let policy = CallPolicy {
                    timeout: None,
                    retries: retries.unwrap_or(0),
                    backoff: backoff.unwrap_or(0),
                    max_backoff: SimTime::MAX,
                    jitter: false,
                    breaker: None,
                };
                match (target, backoff, optional(catch)) {
                    (Some(target), Some(_), Some(catch)) => Some(Step::Task {
                        target,
                        policy: Box::new(policy),
                        catch,
                    }),
                    _ => None,
                }
            }
            RawState::Wait(d) => ctx.dist(&p, d).map(|d| Step::Compute(StepTime::Drawn(d))),
            RawState::Choice {
                probability,
                then,
                otherwise,
            } => {
                if !(0.0..=1.0).contains(probability) {
                    ctx.error(
                        &format!("{p}.probability"),
                        format!("must be in [0, 1], found {probability}"),
                    );
                }
                let then = compile_flow(ctx, &format!("{p}.then"), then, names, latency, flows);
                let otherwise = compile_flow(
                    ctx,
                    &format!("{p}.otherwise"),
                    otherwise,
                    names,
                    latency,
                    flows,
                );
                match (then, otherwise) {
                    (Some(then), Some(otherwise)) => Some(Step::Choice {
                        p: *probability,
                        then,
                        otherwise,
                    }),
                    _ => None,
                }
            }
            RawState::Parallel { branches, catch } => {
                if branches.is_empty() {
                    ctx.error(
                        &format!("{p}.branches"),
                        "a parallel state needs at least one branch",
                    );
                }
                let slots: Vec<Option<u32>> = branches
                    .iter()
                    .enumerate()
                    .map(|(b, states)| {
                        let path = format!("{p}.branches[{b}]");
                        compile_flow(ctx, &path, states, names, latency, flows)
                    })
                    .collect();
                let catch = catch.as_ref().map(|states| {
                    compile_flow(ctx, &format!("{p}.catch"), states, names, latency, flows)
                });
                match (
                    slots.into_iter().collect::<Option<Vec<_>>>(),
                    optional(catch),
                ) {
                    (Some(branches), Some(catch)) => Some(Step::Parallel { branches, catch }),
                    _ => None,
                }
            }
        };
        match step {
            Some(step) => work.push(step),
            None => ok = false,
        }
    }
    flows[slot] = work;
    ok.then_some(slot as u32)
}
