//! The topology of a validated architecture: where each component sends work, and the
//! checks of the whole (every kind handled, no cycle of synchronous calls, nothing left
//! without a trigger or unreached). The cycle checks are in `cycles`.

use super::ctx::Ctx;
use crate::scenario::{Architecture, CompId, KindId, Redrive, Spec, Work};
use crate::scenario::{Step, StepTime};

/// Targets of a list of steps, split into synchronous (waited for) and asynchronous.
fn step_targets(w: &Work) -> impl Iterator<Item = (CompId, bool)> + '_ {
    w.iter().filter_map(|s| match *s {
        Step::Compute(_) | Step::Cpu(_) | Step::Transition(_) => None,
        Step::Choice { .. } | Step::Parallel { .. } => None,
        Step::Task { target, .. } => Some((target, true)),
        Step::Call(t) | Step::Read(t) | Step::Write(t) | Step::Get(t) => Some((t, true)),
        Step::Put(t) => Some((t, true)),
        Step::Emit(t) | Step::Send { to: t, .. } => Some((t, false)),
    })
}

/// Whether a list of steps replays a recorded duration (`Compute(FromTrace)`, `Cpu(FromTrace)`).
fn replays_durations(w: &Work) -> bool {
    w.iter().any(|s| {
        matches!(
            s,
            Step::Compute(StepTime::FromTrace) | Step::Cpu(StepTime::FromTrace)
        )
    })
}

impl Architecture {
    /// The first component, in scenario order, that transactions of `kind` reach and that
    /// runs a `FromTrace` step for them: following every edge from the entry, a redrive
    /// included.
    pub(crate) fn first_replaying_step(&self, kind: KindId) -> Option<CompId> {
        let mut seen = vec![false; self.components.len()];
        let mut stack = vec![self.entry];
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id], true) {
                continue;
            }
            stack.extend(self.successors(id, Some(kind)).into_iter().map(|(t, _)| t));
            if let Spec::Queue(q) = &self.components[id].spec
                && let Some(Redrive::At { to, .. } | Redrive::AfterFaults { to, .. }) = q.redrive
            {
                stack.push(to);
            }
        }
        (0..self.components.len()).find(|&id| {
            seen[id]
                && match &self.components[id].spec {
                    Spec::Server(s) => s.handlers[kind].as_ref().is_some_and(replays_durations),
                    Spec::Function(f) => replays_durations(&f.work),
                    _ => false,
                }
        })
    }

    /// Components a component sends work to when serving kind `kind` (every kind for
    /// `None`): `(target, synchronous)`.
    pub(crate) fn successors(&self, id: CompId, kind: Option<KindId>) -> Vec<(CompId, bool)> {
        let mut out = Vec::new();
        match &self.components[id].spec {
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
    /// warnings for asynchronous ones), functions with no trigger, components nothing
    /// reaches.
    pub(super) fn check_topology(&self, ctx: &mut Ctx, path: &str, kinds: &[String]) {
        let reached = self.check_coverage(ctx, path, kinds);
        // Cycles, per transaction kind (see `cycles`).
        self.check_synchronous(ctx, path, kinds.len());
        self.check_asynchronous(ctx, path, kinds);
        self.check_components(ctx, path, &reached);
    }

    /// Reachability per kind, and handler coverage for servers and gateways: an error for
    /// each kind a server or gateway it reaches does not handle. Returns which components
    /// some kind reaches.
    fn check_coverage(&self, ctx: &mut Ctx, path: &str, kinds: &[String]) -> Vec<bool> {
        let comp_path = |id: CompId| format!("{path}.components[{id}]");
        let mut reached = vec![false; self.components.len()];
        for (k, kind) in kinds.iter().enumerate() {
            let mut stack = vec![self.entry];
            let mut seen = vec![false; self.components.len()];
            while let Some(id) = stack.pop() {
                if std::mem::replace(&mut seen[id], true) {
                    continue;
                }
                reached[id] = true;
                match &self.components[id].spec {
                    Spec::Server(s) if s.handlers[k].is_none() => ctx.error(
                        &format!("{}.handlers", comp_path(id)),
                        format!(
                            "server {:?} has no handler for transaction kind {kind:?}",
                            self.components[id].name
                        ),
                    ),
                    Spec::Gateway(g) if g.routes[k].is_none() => ctx.error(
                        &format!("{}.routes", comp_path(id)),
                        format!(
                            "gateway {:?} has no route for transaction kind {kind:?}",
                            self.components[id].name
                        ),
                    ),
                    _ => {}
                }
                stack.extend(self.successors(id, Some(k)).into_iter().map(|(t, _)| t));
            }
        }
        reached
    }

    /// Per component: redrives that have nothing to redrive or go nowhere, queues without a
    /// consumer, functions without a trigger, components no transaction reaches (`reached`).
    fn check_components(&self, ctx: &mut Ctx, path: &str, reached: &[bool]) {
        let comp_path = |id: CompId| format!("{path}.components[{id}]");
        let mut referenced = vec![false; self.components.len()];
        referenced[self.entry] = true;
        for id in 0..self.components.len() {
            for (t, _) in self.successors(id, None) {
                referenced[t] = true;
            }
        }
        let dead_letter_queues: Vec<CompId> = self
            .components
            .iter()
            .filter_map(|c| match &c.spec {
                Spec::Queue(q) => q.dead_letter,
                Spec::Function(f) => f.on_failure,
                _ => None,
            })
            .collect();
        for (id, c) in self.components.iter().enumerate() {
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
}
