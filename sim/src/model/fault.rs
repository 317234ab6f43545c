//! Faults: components that go down, slow down, fail calls, lose capacity or crash.
//!
//! Faults come from the scenario (planned at start, the same windows in every architecture)
//! or are started and ended live (`Simulation::start_fault`). While a fault is in force:
//! - `Outage`: every request to the component fails at once; a queue or topic refuses sends
//!   and a queue stops handing out messages.
//! - `Slow`: its compute steps and operation latencies become `d × factor + add`.
//! - `Errors`: each execution (or operation, or send) fails with probability `rate`.
//! - `CapacityCut`: database capacity, rate limits and function concurrency are multiplied.
//! - `Crash`: an execution kills its process. On a server this is the whole instance: every
//!   activation in flight on it fails, whatever its transaction kind (the monolith's shared
//!   failure domain), and the instance restarts after the server's restart time. On a
//!   function only that invocation fails and its instance is discarded.
//! - `Poison`: messages sent to the queue are poison with probability `rate`; their consumer
//!   always fails them.

use rand::RngExt;

use super::work::Caller;
use super::{Ev, Plan, State};
use crate::dist::Dist;
use crate::engine::SimTime;
use crate::observe::SimEvent;
use crate::rng::{self, SimRng};
use crate::scenario::{
    Architecture, CompId, CrashRule, FaultKind, FaultSchedule, KindId, Redrive, Scenario, Spec,
};

/// A fault in force.
#[derive(Debug, Clone, Copy)]
pub(super) struct ActiveFault {
    pub id: u32,
    pub comp: CompId,
    pub handler: Option<KindId>,
    pub kind: FaultKind,
}

/// A scenario fault planned for this architecture.
#[derive(Debug, Clone)]
pub(super) struct Planned {
    comp: CompId,
    handler: Option<KindId>,
    kind: FaultKind,
    /// Its id, from its first window on: every window of a `Repeat` fault has the same one.
    id: Option<u32>,
    /// Whether one of its windows is in force.
    in_force: bool,
    /// How its next window is drawn (`Repeat` faults).
    repeat: Option<Box<Repeating>>,
}

/// The state of a `Repeat` fault: its windows are drawn one at a time, each when the one
/// before it ends, so a fault that repeats a million times holds one pending window.
#[derive(Debug, Clone)]
struct Repeating {
    between: Dist,
    repair: Dist,
    /// The fault's own stream: the same windows in every architecture.
    rng: SimRng,
    /// The scenario's horizon: no window starts at or after it.
    horizon: SimTime,
}

impl Repeating {
    /// The shortest time between failures or to repair that a draw gives [ns]: the horizon
    /// over [`REPEAT_DRAW_FLOOR_DIVISOR`], and at least 1 ns.
    fn floor(&self) -> SimTime {
        (self.horizon / REPEAT_DRAW_FLOOR_DIVISOR).max(1)
    }

    /// The next window after `from`: its start and end, or None at or after the horizon.
    fn next_window(&mut self, from: SimTime) -> Option<(SimTime, SimTime)> {
        let floor = self.floor();
        let start = from.saturating_add(self.between.sample(&mut self.rng).max(floor));
        if start >= self.horizon {
            return None;
        }
        let end = start.saturating_add(self.repair.sample(&mut self.rng).max(floor));
        Some((start, end))
    }
}

/// Each draw of a `Repeat` fault's `between` and `repair` lasts at least the horizon over
/// this, so a fault has at most half as many windows (500,000) whatever its distributions.
pub const REPEAT_DRAW_FLOOR_DIVISOR: SimTime = 1_000_000;

impl State {
    /// Schedules the first window of every scenario fault that hits this architecture (the
    /// next window of a `Repeat` fault is scheduled when one ends).
    pub(super) fn plan_faults(&mut self, scenario: &Scenario, arch: usize) {
        let a = &scenario.architectures[arch];
        for (i, f) in scenario.faults.iter().enumerate() {
            let Some(comp) = f.target_in(arch, a) else {
                continue;
            };
            let (window, repeat) = match &f.schedule {
                FaultSchedule::Once { at, lasts } => (Some((*at, at + lasts)), None),
                FaultSchedule::Repeat { between, repair } => {
                    let mut r = Repeating {
                        between: between.clone(),
                        repair: repair.clone(),
                        rng: rng::stream(scenario.seed, &format!("faults/{i}")),
                        horizon: scenario.horizon,
                    };
                    (r.next_window(0), Some(Box::new(r)))
                }
            };
            let Some((start, end)) = window else { continue };
            let planned = self.planned.len() as u32;
            self.planned.push(Planned {
                comp,
                handler: f.handler,
                kind: f.kind,
                id: None,
                in_force: false,
                repeat,
            });
            self.cal.schedule(start, Ev::FaultBegin { planned });
            self.cal.schedule(end, Ev::FaultEnd { planned });
        }
    }

    /// Schedules the timed redrives of dead-letter queues.
    pub(super) fn plan_redrives(&mut self, arch: &Architecture) {
        for (id, c) in arch.components.iter().enumerate() {
            if let Spec::Queue(q) = &c.spec
                && let Some(Redrive::At { at, .. }) = q.redrive
            {
                self.cal.schedule(at, Ev::Redrive { queue: id as u32 });
            }
        }
    }

    pub(super) fn planned_fault_begins(&mut self, plan: &Plan, planned: usize) {
        let (comp, kind, handler, id) = {
            let p = &self.planned[planned];
            (p.comp, p.kind, p.handler, p.id)
        };
        let id = match id {
            Some(id) => {
                self.fault_in_force(id, comp, kind, handler);
                id
            }
            None => self.fault_begins(plan, comp, kind, handler),
        };
        let p = &mut self.planned[planned];
        p.id = Some(id);
        p.in_force = true;
    }

    pub(super) fn planned_fault_ends(&mut self, plan: &Plan, planned: usize) {
        let now = self.now();
        let p = &mut self.planned[planned];
        let was_in_force = std::mem::replace(&mut p.in_force, false);
        let id = p.id;
        let next = p.repeat.as_mut().and_then(|r| r.next_window(now));
        if let Some((start, end)) = next {
            let planned = planned as u32;
            self.cal.schedule(start, Ev::FaultBegin { planned });
            self.cal.schedule(end, Ev::FaultEnd { planned });
        }
        // Ended live meanwhile (`end_fault`), it is not in force any more: nothing to end.
        if let (true, Some(id)) = (was_in_force, id) {
            self.fault_ends(plan, id);
        }
    }

    /// Puts a fault in force; returns its id.
    pub(super) fn fault_begins(
        &mut self,
        _plan: &Plan,
        comp: CompId,
        kind: FaultKind,
        handler: Option<KindId>,
    ) -> u32 {
        let id = self.next_fault_id;
        self.next_fault_id += 1;
        self.fault_in_force(id, comp, kind, handler);
        id
    }

    /// Puts fault `id` in force (again, for the next window of a `Repeat` fault).
    fn fault_in_force(&mut self, id: u32, comp: CompId, kind: FaultKind, handler: Option<KindId>) {
        self.active.push(ActiveFault {
            id,
            comp,
            handler,
            kind,
        });
        self.emit(SimEvent::FaultBegan {
            fault: id,
            comp,
            kind,
            handler,
        });
    }

    /// Ends a fault; false if it was not in force.
    pub(super) fn fault_ends(&mut self, plan: &Plan, id: u32) -> bool {
        let Some(pos) = self.active.iter().position(|f| f.id == id) else {
            return false;
        };
        let f = self.active.remove(pos);
        self.emit(SimEvent::FaultEnded {
            fault: id,
            comp: f.comp,
        });
        for (queue, c) in plan.arch().components.iter().enumerate() {
            if let Spec::Queue(q) = &c.spec
                && let Some(Redrive::AfterFaults { delay, .. }) = q.redrive
            {
                let at = self.now() + delay;
                self.cal.schedule(
                    at,
                    Ev::Redrive {
                        queue: queue as u32,
                    },
                );
            }
        }
        // Capacity may be back: databases start what waits in their lines, queues hand
        // out messages again.
        self.store_capacity_freed(plan);
        self.capacity_freed(plan);
        true
    }

    fn faults_on(&self, comp: CompId) -> impl Iterator<Item = &ActiveFault> {
        self.active.iter().filter(move |f| f.comp == comp)
    }

    /// The faults in force on `comp` that hit work of kind `slot` there: a server fault
    /// limited to one handler hits only that transaction kind's code path.
    fn faults_hitting<'a>(
        &'a self,
        plan: &'a Plan,
        comp: CompId,
        slot: u32,
    ) -> impl Iterator<Item = &'a ActiveFault> {
        let server = matches!(plan.spec(comp), Spec::Server(_));
        self.faults_on(comp)
            .filter(move |f| !server || f.handler.is_none_or(|h| h as u32 == slot))
    }

    /// Whether an outage is in force on `comp` (for any of its work).
    pub(super) fn is_down(&self, comp: CompId) -> bool {
        !self.active.is_empty() && self.faults_on(comp).any(|f| f.kind == FaultKind::Outage)
    }

    /// Whether an outage in force on `comp` hits work of kind `slot`.
    pub(super) fn is_down_for(&self, plan: &Plan, comp: CompId, slot: u32) -> bool {
        !self.active.is_empty()
            && self
                .faults_hitting(plan, comp, slot)
                .any(|f| f.kind == FaultKind::Outage)
    }

    /// A duration of work of kind `slot` at `comp` under its slow-downs.
    pub(super) fn slowed(&self, plan: &Plan, comp: CompId, slot: u32, d: SimTime) -> SimTime {
        if self.active.is_empty() {
            return d;
        }
        self.faults_hitting(plan, comp, slot)
            .fold(d, |d, f| match f.kind {
                FaultKind::Slow { factor, add } => (d as f64 * factor) as SimTime + add,
                _ => d,
            })
    }

    /// The product of the capacity cuts on `comp` (1 when none).
    pub(super) fn capacity_factor(&self, comp: CompId) -> f64 {
        if self.active.is_empty() {
            return 1.0;
        }
        self.faults_on(comp).fold(1.0, |x, f| match f.kind {
            FaultKind::CapacityCut { factor } => x * factor,
            _ => x,
        })
    }

    /// The error rate of `comp` for work of kind `slot` (combined over its faults).
    pub(super) fn error_rate(&self, plan: &Plan, comp: CompId, slot: u32) -> f64 {
        let ok = self
            .faults_hitting(plan, comp, slot)
            .fold(1.0, |ok, f| match f.kind {
                FaultKind::Errors { rate } => ok * (1.0 - rate),
                _ => ok,
            });
        1.0 - ok
    }

    /// Whether activation `act`, having run all its steps, fails by an `Errors` fault.
    pub(super) fn fails_by_fault(&self, plan: &Plan, act: u32) -> bool {
        if self.active.is_empty() {
            return false;
        }
        let a = &self.acts[act as usize];
        let rate = self.error_rate(plan, a.comp, a.slot);
        rate > 0.0 && self.draw_rng(plan, act, a.comp).random::<f64>() < rate
    }

    /// Whether `target` (a queue or topic) takes a message sent by `act` now.
    pub(super) fn accepts_message(&self, plan: &Plan, act: u32, target: CompId) -> bool {
        if self.active.is_empty() || !matches!(plan.spec(target), Spec::Queue(_) | Spec::Topic(_)) {
            return true;
        }
        if self.is_down(target) {
            return false;
        }
        let rate = self.error_rate(plan, target, 0);
        rate == 0.0 || self.draw_rng(plan, act, target).random::<f64>() >= rate
    }

    /// The poison probability of messages sent to `queue` now.
    pub(super) fn poison_rate(&self, queue: CompId) -> f64 {
        self.faults_on(queue).fold(0.0, |p, f| match f.kind {
            FaultKind::Poison { rate } => 1.0 - (1.0 - p) * (1.0 - rate),
            _ => p,
        })
    }

    /// Whether the execution `act` just began kills its process, by a `Crash` fault.
    /// `executions` is the instance's count of executions hit by crash faults so far.
    pub(super) fn crashes_now(&mut self, plan: &Plan, act: u32) -> bool {
        if self.active.is_empty() {
            return false;
        }
        let (comp, slot, inst) = {
            let a = &self.acts[act as usize];
            (a.comp, a.slot, a.inst)
        };
        let rules: Vec<CrashRule> = self
            .faults_hitting(plan, comp, slot)
            .filter_map(|f| match f.kind {
                FaultKind::Crash(rule) => Some(rule),
                _ => None,
            })
            .collect();
        if rules.is_empty() {
            return false;
        }
        let executions = self.count_execution(comp, inst);
        let u: f64 = self.draw_rng(plan, act, comp).random();
        rules.iter().any(|rule| match *rule {
            CrashRule::Probability(p) => u < p,
            CrashRule::After(n) => executions.is_multiple_of(n),
        })
    }

    /// Counts one more crash-prone execution on an instance; returns the count.
    fn count_execution(&mut self, comp: CompId, inst: u32) -> u32 {
        match &mut self.comps[comp] {
            super::CompState::Server(s) => s.count_execution(inst),
            super::CompState::Function(_) => self.function_count_execution(comp, inst),
            _ => 0,
        }
    }

    /// `act`'s execution crashed its process.
    pub(super) fn crash(&mut self, plan: &Plan, comp: CompId, inst: u32, act: u32) {
        match plan.spec(comp) {
            Spec::Server(s) => {
                let restart = s.restart;
                self.crash_server_instance(plan, comp, inst, restart);
            }
            _ => {
                self.emit(SimEvent::InstanceCrashed {
                    comp,
                    instance: inst,
                    lost: 1,
                });
                self.discard_after_invocation(comp, inst);
                let txn = self.txns[self.acts[act as usize].txn as usize].id;
                self.emit(SimEvent::StepFailed { txn, comp });
                self.finish(plan, act, false);
            }
        }
    }

    /// Fails an activation whose process died: it holds nothing any more; its caller hears
    /// of the failure now, and a call it was waiting for runs on detached.
    pub(super) fn abort(&mut self, plan: &Plan, act: u32) {
        self.detach_child(act);
        let a = &mut self.acts[act as usize];
        a.inst = super::work::NONE;
        // Its instance's pools were emptied with it.
        a.pool = super::work::NONE;
        let (txn, comp, caller) = (a.txn, a.comp, a.caller);
        let id = self.txns[txn as usize].id;
        self.emit(SimEvent::StepFailed { txn: id, comp });
        debug_assert!(
            !matches!(caller, Caller::Message(_)),
            "only servers crash under their activations"
        );
        self.notify(plan, act, false);
    }
}
