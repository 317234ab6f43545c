//! Raw scenario → validated scenario, collecting every problem with its position.
//!
//! A component whose references resolve is kept even when one of its values is out of range
//! (the error is recorded, so the scenario is rejected anyway): that way the whole-topology
//! checks still run and report their problems in the same pass.
//!
//! One file per noun: `ctx` (the diagnostics context, shared helpers), `dist`
//! (distributions), `prices`, `workload` (sources, arrivals, traces), `faults`, `names`
//! (resolving references), `work` (steps), `calls` (call policies), `flow` (workflow
//! compilation), `architecture` (an architecture and the dispatch of its components), one
//! file per component kind, `cycles` (checks of the whole), `sanity` (mistakes no one means).

use super::locate::Locations;
use super::raw::{self, RawScenario};
use super::{
    Architecture, CompId, Diagnostic, KindId, Loaded, Redrive, Scenario, ScenarioError, Severity,
    Spec, Step, Work,
};
use ctx::Ctx;

mod architecture;
mod calls;
mod ctx;
mod cycles;
mod database;
mod dist;
mod external;
mod faults;
mod flow;
mod function;
mod gateway;
mod names;
mod orchestrator;
mod prices;
mod queue;
mod sanity;
mod server;
mod storage;
mod topic;
mod work;
mod workload;

/// Parses and validates `text`, the contents of `file`: the scenario and its warnings, or
/// every error found, in file order.
pub(super) fn load(file: &str, text: &str) -> Result<Loaded, ScenarioError> {
    let loc = Locations::parse(text);
    let raw = match raw::parse(text) {
        Ok(raw) => raw,
        Err(e) => {
            let (line, col) = (e.span.start.line, e.span.start.col);
            let path = loc.path_at(line, col);
            return Err(ScenarioError {
                diagnostics: vec![Diagnostic {
                    severity: Severity::Error,
                    file: file.to_string(),
                    line,
                    col,
                    path,
                    message: e.code.to_string(),
                }],
            });
        }
    };
    let mut ctx = Ctx {
        file,
        text,
        loc,
        diags: Vec::new(),
    };
    let scenario = validate(&mut ctx, raw);
    let (mut errors, warnings): (Vec<_>, Vec<_>) = ctx
        .diags
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    match scenario {
        Some(scenario) if errors.is_empty() => Ok(Loaded { scenario, warnings }),
        _ => {
            errors.sort_by_key(|d| (d.line, d.col));
            Err(ScenarioError {
                diagnostics: errors,
            })
        }
    }
}

/// The whole pass: every part is checked before any is given up on, so that one pass
/// reports every problem.
fn validate(ctx: &mut Ctx, raw: RawScenario) -> Option<Scenario> {
    let horizon = ctx.positive_duration("horizon", &raw.horizon);
    let prices = prices::prices(&raw.prices, ctx);
    let (kinds, sources) = workload::sources(ctx, &raw.workload);
    let faults = faults::faults(ctx, &raw.faults, &raw.architectures, &kinds, horizon);
    let architectures = architecture::architectures(ctx, &raw.architectures, &kinds);
    sanity::check(ctx, &raw, horizon);
    Some(Scenario {
        name: raw.name,
        about: raw.about,
        lesson: raw.lesson,
        horizon: horizon?,
        seed: raw.seed,
        prices,
        kinds,
        sources,
        architectures: architectures?,
        faults: faults?,
    })
}

/// Targets of a list of steps, split into synchronous (waited for) and asynchronous.
fn step_targets(w: &Work) -> impl Iterator<Item = (CompId, bool)> + '_ {
    w.iter().filter_map(|s| match *s {
        Step::Compute(_) | Step::Cpu(_) | Step::Transition(_) => None,
        Step::Choice { .. } | Step::Parallel(_) => None,
        Step::Task { target, .. } => Some((target, true)),
        Step::Call(t) | Step::Read(t) | Step::Write(t) | Step::Get(t) => Some((t, true)),
        Step::Put(t) => Some((t, true)),
        Step::Emit(t) | Step::Send { to: t, .. } => Some((t, false)),
    })
}

/// Components a component sends work to when serving kind `kind`: `(target, synchronous)`.
pub(crate) fn successors(
    arch: &Architecture,
    id: CompId,
    kind: Option<KindId>,
) -> Vec<(CompId, bool)> {
    let mut out = Vec::new();
    match &arch.components[id].spec {
        Spec::Server(s) => {
            for (k, h) in s.handlers.iter().enumerate() {
                if let Some(w) = h
                    && kind.is_none_or(|want| want == k)
                {
                    out.extend(step_targets(w));
                }
            }
        }
        Spec::Function(f) => {
            out.extend(step_targets(&f.work));
            out.extend(f.on_failure.map(|t| (t, false)));
        }
        Spec::Gateway(g) => {
            for (k, r) in g.routes.iter().enumerate() {
                if let Some(t) = r
                    && kind.is_none_or(|want| want == k)
                {
                    out.push((*t, true));
                }
            }
        }
        Spec::Queue(q) => {
            out.extend(q.consumer.map(|c| (c, false)));
            out.extend(q.dead_letter.map(|d| (d, false)));
        }
        Spec::Topic(t) => out.extend(t.subscribers.iter().map(|&s| (s, false))),
        Spec::Storage(s) => out.extend(s.on_put.map(|t| (t, false))),
        Spec::Orchestrator(o) => {
            for flow in &o.flows {
                out.extend(step_targets(flow));
            }
        }
        Spec::Database(_) | Spec::External(_) => {}
    }
    out
}

/// Whole-architecture checks: every kind handled, no cycles of synchronous calls (and
/// warnings for asynchronous ones),
/// functions with no trigger, components nothing reaches.
fn check_topology(ctx: &mut Ctx, path: &str, arch: &Architecture, kinds: &[String]) {
    let comp_path = |id: CompId| format!("{path}.components[{id}]");
    // Reachability per kind, and handler coverage for servers and gateways.
    let mut reached = vec![false; arch.components.len()];
    for (k, kind) in kinds.iter().enumerate() {
        let mut stack = vec![arch.entry];
        let mut seen = vec![false; arch.components.len()];
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id], true) {
                continue;
            }
            reached[id] = true;
            match &arch.components[id].spec {
                Spec::Server(s) if s.handlers[k].is_none() => ctx.error(
                    &format!("{}.handlers", comp_path(id)),
                    format!(
                        "server {:?} has no handler for transaction kind {kind:?}",
                        arch.components[id].name
                    ),
                ),
                Spec::Gateway(g) if g.routes[k].is_none() => ctx.error(
                    &format!("{}.routes", comp_path(id)),
                    format!(
                        "gateway {:?} has no route for transaction kind {kind:?}",
                        arch.components[id].name
                    ),
                ),
                _ => {}
            }
            stack.extend(successors(arch, id, Some(k)).into_iter().map(|(t, _)| t));
        }
    }
    // Cycles, per transaction kind (see `cycles`).
    cycles::check_synchronous(ctx, path, arch, kinds.len());
    cycles::check_asynchronous(ctx, path, arch, kinds);
    let mut referenced = vec![false; arch.components.len()];
    referenced[arch.entry] = true;
    for id in 0..arch.components.len() {
        for (t, _) in successors(arch, id, None) {
            referenced[t] = true;
        }
    }
    let dead_letter_queues: Vec<CompId> = arch
        .components
        .iter()
        .filter_map(|c| match &c.spec {
            Spec::Queue(q) => q.dead_letter,
            Spec::Function(f) => f.on_failure,
            _ => None,
        })
        .collect();
    for (id, c) in arch.components.iter().enumerate() {
        if let Spec::Queue(q) = &c.spec
            && let Some(Redrive::At { to, .. } | Redrive::AfterFaults { to, .. }) = q.redrive
        {
            if !dead_letter_queues.contains(&id) {
                ctx.error(
                    &format!("{}.redrive", comp_path(id)),
                    format!(
                        "queue {:?} is no queue's dead_letter: it has nothing to redrive",
                        c.name
                    ),
                );
            } else if to == id {
                ctx.error(
                    &format!("{}.redrive.to", comp_path(id)),
                    "a queue cannot redrive to itself",
                );
            }
        }
        if let Spec::Queue(q) = &c.spec
            && q.consumer.is_none()
            && !dead_letter_queues.contains(&id)
        {
            ctx.warn(
                &comp_path(id),
                format!(
                    "queue {:?} has no consumer: messages sent to it are parked, never processed",
                    c.name
                ),
            );
        }
        if matches!(c.spec, Spec::Function(_)) && !referenced[id] {
            ctx.error(
                &comp_path(id),
                format!(
                    "function {:?} has no trigger: nothing calls, routes to, emits to or subscribes it",
                    c.name
                ),
            );
        } else if !reached[id] {
            ctx.warn(
                &comp_path(id),
                format!(
                    "no transaction ever reaches {} {:?}",
                    c.spec.kind_name(),
                    c.name
                ),
            );
        }
    }
}
