//! Cycles in an architecture, checked per transaction kind.
//!
//! A transaction keeps its kind along every call, event and message it causes, and a server
//! (or gateway) runs the handler (route) of that kind: so each kind has a graph of its own.
//! `orders` calling `inventory` only for `order`, and `inventory` calling `orders` only for
//! `stock`, is no cycle of either kind.
//!
//! - A cycle of synchronous edges would wait on itself forever: an error.
//! - A cycle with an asynchronous edge runs: a warning. If a pass round it starts more than
//!   one piece of work (two `Emit`s to the cycle, a topic with two subscribers on it), the
//!   work of each transaction multiplies every pass; with exactly one, each transaction goes
//!   round until the horizon. Either way the run stops when a transaction reaches a limit of
//!   the model ([`crate::model::MAX_OUTSTANDING_PER_TXN`], [`crate::model::MAX_WORK_PER_TXN`]).
//!   Edges taken only on failure (`on_failure`, `dead_letter`, a task's `catch`) or by a
//!   workflow `Choice` do not count: a loop closed by them is a retry pattern, which ends.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

use super::ctx::Ctx;
use crate::model::{MAX_OUTSTANDING_PER_TXN, MAX_WORK_PER_TXN};
use crate::scenario::{Architecture, CompId, KindId, Spec, Step, Work};

/// The kinds to check: every kind of the workload, or all handlers at once without one.
fn kind_slots(kinds: usize) -> Vec<Option<KindId>> {
    if kinds == 0 {
        vec![None]
    } else {
        (0..kinds).map(Some).collect()
    }
}

/// Strongly connected sets of `n` nodes under `edges` that contain a cycle, each as its
/// sorted component ids.
fn loops(n: usize, edges: impl IntoIterator<Item = (CompId, CompId)>) -> Vec<Vec<CompId>> {
    let mut graph = DiGraph::<CompId, ()>::new();
    let nodes: Vec<_> = (0..n).map(|i| graph.add_node(i)).collect();
    for (a, b) in edges {
        graph.add_edge(nodes[a], nodes[b], ());
    }
    tarjan_scc(&graph)
        .into_iter()
        .filter(|scc| scc.len() > 1 || graph.contains_edge(scc[0], scc[0]))
        .map(|scc| {
            let mut ids: Vec<CompId> = scc.iter().map(|n| graph[*n]).collect();
            ids.sort_unstable();
            ids
        })
        .collect()
}

/// `a → b → a` for the sorted members of a cycle.
fn describe(arch: &Architecture, ids: &[CompId]) -> String {
    let names: Vec<&str> = ids
        .iter()
        .map(|&i| arch.components[i].name.as_str())
        .collect();
    format!("{} → {}", names.join(" → "), names[0])
}

/// Pieces of work one run of `id` for `kind` is sure to start: `(target, count, synchronous)`,
/// leaving out what only a failure or a workflow choice starts.
fn sure_sends(arch: &Architecture, id: CompId, kind: Option<KindId>) -> Vec<(CompId, u32, bool)> {
    let mut out: Vec<(CompId, u32, bool)> = Vec::new();
    let mut add = |t: CompId, sync: bool| match out.iter_mut().find(|e| e.0 == t) {
        Some(e) => {
            e.1 += 1;
            e.2 &= sync;
        }
        None => out.push((t, 1, sync)),
    };
    match &arch.components[id].spec {
        Spec::Server(s) => {
            for (k, h) in s.handlers.iter().enumerate() {
                if let Some(w) = h
                    && kind.is_none_or(|want| want == k)
                {
                    flow_sends(w, &[], 0, &mut add);
                }
            }
        }
        Spec::Function(f) => flow_sends(&f.work, &[], 0, &mut add),
        Spec::Gateway(g) => {
            for (k, r) in g.routes.iter().enumerate() {
                if let Some(t) = r
                    && kind.is_none_or(|want| want == k)
                {
                    add(*t, true);
                }
            }
        }
        Spec::Queue(q) => q.consumer.into_iter().for_each(|c| add(c, false)),
        Spec::Topic(t) => t.subscribers.iter().for_each(|&s| add(s, false)),
        // Only a `Put` leads here (see `flow_sends`): each starts one event.
        Spec::Storage(s) => s.on_put.into_iter().for_each(|t| add(t, false)),
        Spec::Orchestrator(o) => {
            if let Some(main) = o.flows.first() {
                flow_sends(main, &o.flows, 0, &mut add);
            }
        }
        Spec::Database(_) | Spec::External(_) => {}
    }
    out
}

/// Adds the targets of the steps of `work` to `add`, following parallel branches (flows of
/// an orchestrator), not choices or catch handlers (of tasks and parallel states). A `Get` is left out: it starts nothing
/// further at a storage, whose event (`on_put`) follows a `Put` only.
fn flow_sends(work: &Work, flows: &[Work], depth: usize, add: &mut impl FnMut(CompId, bool)) {
    for step in work {
        match step {
            Step::Compute(_) | Step::Cpu(_) | Step::Transition(_) | Step::Choice { .. } => {}
            Step::Task { target, .. } => add(*target, true),
            Step::Call(t) | Step::Read(t) | Step::Write(t) | Step::Put(t) => add(*t, true),
            Step::Get(_) => {}
            Step::Emit(t) | Step::Send { to: t, .. } => add(*t, false),
            Step::Parallel { branches, .. } => {
                // Flows form a tree; the depth bound only guards against a malformed one.
                if depth < flows.len() {
                    for &b in branches {
                        if let Some(w) = flows.get(b as usize) {
                            flow_sends(w, flows, depth + 1, add);
                        }
                    }
                }
            }
        }
    }
}

/// What is known of one asynchronous cycle, over the kinds that take it.
struct AsyncCycle {
    /// The largest number of pieces of work one run of a member starts on the cycle.
    fan_out: u32,
    /// The member that starts them.
    widest: CompId,
    /// Names of the kinds that go round it.
    kinds: Vec<String>,
}

impl Architecture {
    /// The cycles of synchronous calls of some transaction kind (of `kinds`; every handler at
    /// once when there are none), each as its sorted component ids: work that would wait on
    /// itself forever.
    pub(crate) fn synchronous_cycles(&self, kinds: usize) -> BTreeSet<Vec<CompId>> {
        let n = self.components.len();
        let mut found = BTreeSet::new();
        for kind in kind_slots(kinds) {
            let edges = (0..n).flat_map(|id| {
                self.successors(id, kind)
                    .into_iter()
                    .filter(|&(_, sync)| sync)
                    .map(move |(t, _)| (id, t))
            });
            found.extend(loops(n, edges));
        }
        found
    }

    /// Errors for cycles of synchronous calls of some transaction kind.
    pub(super) fn check_synchronous(&self, ctx: &mut Ctx, path: &str, kinds: usize) {
        for ids in self.synchronous_cycles(kinds) {
            ctx.error(
                &format!("{path}.components[{}]", ids[0]),
                format!(
                    "synchronous calls form a cycle ({}): each would wait on itself forever",
                    describe(self, &ids)
                ),
            );
        }
    }

    /// Warnings for cycles with asynchronous edges that transactions of some kind go round
    /// forever (see the module doc).
    pub(super) fn check_asynchronous(&self, ctx: &mut Ctx, path: &str, kinds: &[String]) {
        let n = self.components.len();
        let mut found: BTreeMap<Vec<CompId>, AsyncCycle> = BTreeMap::new();
        for kind in kind_slots(kinds.len()) {
            // Only what this kind reaches from the entry runs for it.
            let mut reached = vec![false; n];
            let mut stack = vec![self.entry];
            while let Some(id) = stack.pop() {
                if !std::mem::replace(&mut reached[id], true) {
                    stack.extend(self.successors(id, kind).into_iter().map(|(t, _)| t));
                }
            }
            let sends: Vec<Vec<(CompId, u32, bool)>> = (0..n)
                .map(|id| {
                    if reached[id] {
                        sure_sends(self, id, kind)
                    } else {
                        Vec::new()
                    }
                })
                .collect();
            let edges = sends
                .iter()
                .enumerate()
                .flat_map(|(id, s)| s.iter().map(move |&(t, _, _)| (id, t)));
            for ids in loops(n, edges) {
                let inside = |t: &CompId| ids.binary_search(t).is_ok();
                let has_async = ids
                    .iter()
                    .any(|&id| sends[id].iter().any(|(t, _, sync)| !sync && inside(t)));
                if !has_async {
                    continue; // a synchronous cycle: an error of its own
                }
                let (fan_out, widest) = ids
                    .iter()
                    .map(|&id| {
                        let out: u32 = sends[id]
                            .iter()
                            .filter(|(t, _, _)| inside(t))
                            .map(|&(_, c, _)| c)
                            .sum();
                        (out, id)
                    })
                    .fold((0, ids[0]), |best, x| if x.0 > best.0 { x } else { best });
                let entry = found.entry(ids).or_insert(AsyncCycle {
                    fan_out,
                    widest,
                    kinds: Vec::new(),
                });
                if fan_out > entry.fan_out {
                    (entry.fan_out, entry.widest) = (fan_out, widest);
                }
                if let Some(k) = kind {
                    entry.kinds.push(format!("{:?}", kinds[k]));
                }
            }
        }
        for (ids, c) in found {
            let kinds = match c.kinds.len() {
                0 => String::new(),
                1 => format!(" for transaction kind {}", c.kinds[0]),
                _ => format!(" for transaction kinds {}", c.kinds.join(", ")),
            };
            let message = if c.fan_out > 1 {
                format!(
                    "asynchronous work forms a cycle that grows ({}){kinds}: each run of {:?} starts {} \
                 pieces of work on it, so a transaction's work multiplies every pass and never \
                 ends; the run stops with an error when a transaction has {MAX_OUTSTANDING_PER_TXN} \
                 pieces of work outstanding",
                    describe(self, &ids),
                    self.components[c.widest].name,
                    c.fan_out,
                )
            } else {
                format!(
                    "asynchronous work forms a cycle ({}){kinds}: each pass starts the next, so a \
                 transaction goes round it until a failure ends it, and never completes; the run \
                 stops with an error when a transaction has caused {MAX_WORK_PER_TXN} pieces of work",
                    describe(self, &ids),
                )
            };
            ctx.warn(&format!("{path}.components[{}]", ids[0]), message);
        }
    }
}
