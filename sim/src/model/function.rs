//! Serverless functions: instances that cold-start, serve, idle warm and are reaped.
//!
//! A request goes to an idle instance (warm start), which one its instance-selection policy
//! says (`selection`: the most recently used by default); if none is idle a new instance
//! cold-starts. Keep-alive counts from the end of the last invocation; when it
//! runs out the idle instance is reaped. Concurrency (busy plus starting instances) is capped
//! per function (reserved concurrency) and across the architecture (the account limit).
//! These are the model choices of SimFaaS (Mahmoudi & Khazaei, 2021) and of AWS Lambda as
//! measured by Wang et al. (USENIX ATC '18).

use std::collections::VecDeque;

use slab::Slab;

use super::work::{Act, Caller, NONE};
use super::{CompState, ComponentState, Ev, Plan, State};
use crate::engine::{SimTime, TimerKey};
use crate::observe::SimEvent;
use crate::rng::SimRng;
use crate::scenario::{CompId, Function, Spec};

use super::keepalive::{KeepAlivePolicy, Window};
use super::kpa::KpaState;
use super::selection::Selector;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Starting,
    Busy,
    Idle,
}

/// What an instance will run once started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Nothing,
    Act(u32),
    Batch,
}

#[derive(Debug)]
pub(super) struct Instance {
    phase: Phase,
    /// Start of the current invocation [ns] (of the cold start while starting).
    since: SimTime,
    /// The pending keep-alive timer and its time. It is not cancelled when the instance is
    /// used again: it fires, finds the instance busy (and stops) or its warmth extended to
    /// `expires` (and sets itself again), so a release costs no calendar entry while a
    /// timer is pending — the calendar holds one entry per idle instance, not one per
    /// release.
    keep_alive: Option<(TimerKey, SimTime)>,
    /// When the instance, idle, is reaped unless used [ns].
    expires: SimTime,
    pending: Pending,
    /// Whether the instance served its first invocation yet (to flag cold invocations).
    cold: bool,
    /// Whether every part of the current invocation succeeded.
    ok: bool,
    /// Messages of the current batch, and the next one to process.
    batch: Vec<u32>,
    batch_next: usize,
    /// Executions hit by crash faults since the instance started.
    executions: u32,
    /// Crashed: discarded instead of kept warm when its invocation ends.
    doomed: bool,
    /// One of the function's provisioned instances: always initialised, never reaped.
    provisioned: bool,
    /// Initialisation time of its cold start, billed with its first invocation if the price
    /// book says so [ns].
    init_ns: SimTime,
    /// The activation it is running, or `NONE`.
    current: u32,
    /// The timer that stops the current invocation at the function's timeout.
    /// Generation of the current invocation (0 when none), matching its entry in the
    /// function's deadline list.
    invocation: u64,
    /// Databases it holds a connection to.
    connections: Vec<CompId>,
    /// The queue whose batch it is running, if any.
    batch_queue: Option<CompId>,
    /// Invocations running on it (or waiting for its cold start).
    active: u32,
    /// Whether it is in the function's list of busy instances with room for more.
    shared: bool,
    /// Creation order among the function's instances (`NewestCreated` selection).
    born: u64,
    /// Invocations waiting for its cold start besides `pending` (`join_starting`).
    joined: Vec<u32>,
}

impl Instance {
    fn new(
        phase: Phase,
        now: SimTime,
        pending: Pending,
        cold: bool,
        provisioned: bool,
        born: u64,
    ) -> Self {
        Self {
            phase,
            since: now,
            keep_alive: None,
            expires: SimTime::MAX,
            pending,
            cold,
            ok: true,
            batch: Vec::new(),
            batch_next: 0,
            executions: 0,
            doomed: false,
            provisioned,
            init_ns: 0,
            current: NONE,
            invocation: 0,
            connections: Vec::new(),
            batch_queue: None,
            active: 0,
            shared: false,
            born,
            joined: Vec::new(),
        }
    }
}

/// Run-time state of one function.
pub(super) struct FnState {
    instances: Slab<Instance>,
    /// Idle instances in the order they became idle; the back is the most recently used.
    idle: VecDeque<u32>,
    /// Which idle instance a warm request takes.
    selector: Selector,
    /// Instances created so far (the next one's `born`).
    created: u64,
    starting: u32,
    busy: u32,
    /// Provisioned instances initialising in place of crashed ones (not counted in
    /// `starting`, which is what invocations wait for).
    replacing: u32,
    cold_rng: SimRng,
    /// How long idle instances stay warm.
    policy: Box<dyn KeepAlivePolicy>,
    /// Since when no execution has been in progress, if so.
    idle_since: Option<SimTime>,
    /// Invocations running or waiting for a cold start (what its concurrency counts).
    invocations: u32,
    /// Busy instances that may take more invocations (instance concurrency above 1).
    roomy: Vec<u32>,
    /// Starting instances that may take more invocations (`join_starting`).
    filling: Vec<u32>,
    /// Provisioned instances the function should have now, and how many busy provisioned
    /// instances still have to become on-demand when they finish.
    provisioned: u32,
    demote: u32,
    /// Deadlines of invocations in start order: (deadline, instance, invocation, activation
    /// or `NONE` for the instance's own invocation); entries
    /// of invocations that have ended are dropped lazily. One check is scheduled at a time.
    deadlines: VecDeque<(SimTime, u32, u64, u32)>,
    deadline_check: bool,
    /// The length of `deadlines` at which a release prunes it: twice what was left after
    /// the last pruning (at least 64), so that pruning is amortised over releases and the
    /// list stays within twice the invocations running, plus 64.
    prune_at: usize,
    /// Scaling-rate token bucket: new instances that may start.
    scaling: super::bucket::TokenBucket,
    /// Integrals over time of the starting, busy and idle instance counts [instances·ns],
    /// up to `accounted`.
    areas: [u128; 3],
    accounted: SimTime,
    /// The Knative Pod Autoscaler, for a function it scales.
    kpa: Option<Box<KpaState>>,
}

/// The shortest list of deadlines a release prunes (see `FnState::prune_at`).
const MIN_PRUNE_AT: usize = 64;

/// Time-average instance counts of one function over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FunctionUsage {
    /// Mean instances starting up.
    pub starting: f64,
    /// Mean instances running an invocation.
    pub busy: f64,
    /// Mean warm instances waiting.
    pub idle: f64,
}

impl FunctionUsage {
    /// Mean instances in all.
    pub fn instances(&self) -> f64 {
        self.starting + self.busy + self.idle
    }
}

/// The invocations of one function running at a time (the horizon), billed for the time
/// they ran as if they ended then: each rounded up to the billing granularity (at least one
/// unit), its instance's initialisation included when the price book bills it. Each owes
/// its request fee, charged when an invocation starts executing; an instance still
/// starting owes no fee, only its initialisation so far when that is billed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Running {
    /// Invocations executing.
    pub invocations: u64,
    /// Billed time on on-demand instances [ns].
    pub billed_ns: u128,
    /// Billed time on provisioned instances [ns].
    pub billed_ns_provisioned: u128,
}

impl Running {
    fn add(&mut self, provisioned: bool, billed_ns: SimTime) {
        if provisioned {
            self.billed_ns_provisioned += u128::from(billed_ns);
        } else {
            self.billed_ns += u128::from(billed_ns);
        }
    }
}

/// `run` [ns] as the architecture's price book bills it: rounded up to its granularity, at
/// least its minimum (AWS Lambda: whole milliseconds, at least one).
fn billed(plan: &Plan, run: SimTime) -> SimTime {
    plan.arch().prices.billed(run)
}

impl FnState {
    pub(super) fn new(
        cold_rng: SimRng,
        policy: Box<dyn KeepAlivePolicy>,
        selector: Selector,
    ) -> Self {
        Self {
            instances: Slab::new(),
            idle: VecDeque::new(),
            selector,
            created: 0,
            starting: 0,
            busy: 0,
            replacing: 0,
            cold_rng,
            policy,
            idle_since: None,
            invocations: 0,
            roomy: Vec::new(),
            filling: Vec::new(),
            provisioned: 0,
            demote: 0,
            deadlines: VecDeque::new(),
            deadline_check: false,
            prune_at: MIN_PRUNE_AT,
            scaling: super::bucket::TokenBucket::default(),
            areas: [0; 3],
            accounted: 0,
            kpa: None,
        }
    }

    /// The same, scaled by the Knative Pod Autoscaler when `kpa` is given.
    pub(super) fn with_kpa(mut self, kpa: Option<crate::scenario::Kpa>) -> Self {
        self.kpa = kpa.map(|k| Box::new(KpaState::new(k)));
        self
    }

    /// Takes a token of the scaling-rate bucket (`scale_instances` per `scale_every`, full
    /// at first); false when none is left.
    fn take_scaling_token(&mut self, spec: &Function, now: SimTime) -> bool {
        self.scaling
            .take(now, f64::from(spec.scale_instances), spec.scale_every)
    }

    /// A new instance, the function's latest.
    fn create(
        &mut self,
        phase: Phase,
        now: SimTime,
        pending: Pending,
        cold: bool,
        provisioned: bool,
    ) -> u32 {
        let born = self.created;
        self.created += 1;
        self.instances
            .insert(Instance::new(phase, now, pending, cold, provisioned, born)) as u32
    }

    /// Adds the time since the last change to the integrals of the instance counts (and to
    /// the autoscaler's observed concurrency).
    #[inline]
    fn account(&mut self, now: SimTime) {
        if let Some(k) = self.kpa.as_mut() {
            k.record(now, self.invocations);
        }
        let dt = u128::from(now - self.accounted);
        if dt > 0 {
            self.areas[0] += u128::from(self.starting + self.replacing) * dt;
            self.areas[1] += u128::from(self.busy) * dt;
            self.areas[2] += self.idle.len() as u128 * dt;
            self.accounted = now;
        }
    }

    /// Time-average instance counts over `[0, until]`.
    pub(super) fn usage(&self, until: SimTime) -> FunctionUsage {
        let mut s = self.areas;
        let dt = u128::from(until.saturating_sub(self.accounted));
        s[0] += u128::from(self.starting + self.replacing) * dt;
        s[1] += u128::from(self.busy) * dt;
        s[2] += self.idle.len() as u128 * dt;
        let mean = |a: u128| {
            if until == 0 {
                0.0
            } else {
                a as f64 / until as f64
            }
        };
        FunctionUsage {
            starting: mean(s[0]),
            busy: mean(s[1]),
            idle: mean(s[2]),
        }
    }

    pub(super) fn snapshot(&self) -> ComponentState {
        ComponentState::Function {
            starting: self.starting + self.replacing,
            busy: self.busy,
            idle: self.idle.len() as u32,
        }
    }
}

/// Removes the idle instance at `pos`: an end (where the usual policies take) without
/// `VecDeque::remove`'s general shifting.
#[inline]
fn take_at(idle: &mut VecDeque<u32>, pos: usize) -> Option<u32> {
    if pos + 1 == idle.len() {
        idle.pop_back()
    } else if pos == 0 {
        idle.pop_front()
    } else {
        idle.remove(pos)
    }
}

fn spec(plan: &Plan, comp: CompId) -> &Function {
    match plan.spec(comp) {
        Spec::Function(f) => f,
        // Function state is only ever created for function components.
        _ => unreachable!("component {comp} is not a function"),
    }
}

impl State {
    /// The state of function `comp`, its time integrals brought up to now (every change of
    /// its counts goes through here).
    #[inline]
    fn fn_state(&mut self, comp: CompId) -> &mut FnState {
        let now = self.cal.now();
        match &mut self.comps[comp] {
            CompState::Function(f) => {
                f.account(now);
                f
            }
            _ => unreachable!("component {comp} has no function state"),
        }
    }

    /// Whether `comp` may start one more execution now.
    pub(super) fn function_has_capacity(&self, plan: &Plan, comp: CompId) -> bool {
        let CompState::Function(f) = &self.comps[comp] else {
            return false;
        };
        let limit = plan.arch().concurrency_limit;
        let mut cap = spec(plan, comp).concurrency.unwrap_or(limit);
        let factor = self.capacity_factor(comp);
        if factor < 1.0 {
            cap = ((f64::from(cap) * factor) as u32).max(1);
        }
        f.invocations < cap && self.functions_active < limit
    }

    /// Takes an instance for new work: warm if one is idle, else a cold start. Returns the
    /// instance and whether it is ready now, or `None` when throttled (concurrency, or the
    /// scaling rate for a new instance).
    fn acquire(&mut self, plan: &Plan, comp: CompId, pending: Pending) -> Option<(u32, bool)> {
        if !self.function_has_capacity(plan, comp) {
            return None;
        }
        let now = self.now();
        let spec = spec(plan, comp);
        let n = spec.instance_concurrency;
        let f = self.fn_state(comp);
        if n > 1 && matches!(pending, Pending::Act(_)) {
            // A busy instance with room takes it: no cold start, no new instance.
            while let Some(&inst) = f.roomy.last() {
                let i = &mut f.instances[inst as usize];
                if i.phase == Phase::Busy && i.active < n && i.batch_queue.is_none() {
                    i.active += 1;
                    i.pending = pending;
                    if i.active == n {
                        i.shared = false;
                        f.roomy.pop();
                    }
                    f.invocations += 1;
                    self.functions_active += 1;
                    return Some((inst, true));
                }
                i.shared = false;
                f.roomy.pop();
            }
            // Or it waits for an instance being started, if that one has room.
            while spec.join_starting
                && f.idle.is_empty()
                && let Some(&inst) = f.filling.last()
            {
                let i = &mut f.instances[inst as usize];
                if i.phase == Phase::Starting && i.active < n {
                    i.active += 1;
                    i.joined.push(match pending {
                        Pending::Act(act) => act,
                        _ => NONE,
                    });
                    if i.active == n {
                        f.filling.pop();
                    }
                    f.invocations += 1;
                    self.functions_active += 1;
                    return Some((inst, false));
                }
                f.filling.pop();
            }
        }
        if f.idle.is_empty()
            && (spec
                .max_instances
                .is_some_and(|m| f.instances.len() >= m as usize)
                || !f.take_scaling_token(spec, now))
        {
            return None;
        }
        self.functions_active += 1;
        let f = self.fn_state(comp);
        f.invocations += 1;
        if f.busy + f.starting == 0
            && let Some(since) = f.idle_since.take()
        {
            f.policy.observe_idle_time(now - since);
        }
        // Provisioned instances serve first, then on-demand ones; the policy picks among them.
        let instances = &f.instances;
        let warm = f
            .selector
            .pick(
                &f.idle,
                f.provisioned > 0,
                |i| instances[i as usize].provisioned,
                |i| instances[i as usize].born,
            )
            .and_then(|pos| take_at(&mut f.idle, pos));
        if let Some(inst) = warm {
            f.busy += 1;
            let i = &mut f.instances[inst as usize];
            i.phase = Phase::Busy;
            i.since = now;
            i.ok = true;
            i.pending = pending;
            i.active = 1;
            if n > 1 && matches!(pending, Pending::Act(_)) {
                i.shared = true;
                f.roomy.push(inst);
            }
            if n == 1 || pending == Pending::Batch {
                self.arm_deadline(plan, comp, inst);
            }
            return Some((inst, true));
        }
        f.starting += 1;
        let delay = spec.cold_start.sample(&mut f.cold_rng);
        let inst = f.create(Phase::Starting, now, pending, true, false);
        f.instances[inst as usize].active = 1;
        if spec.join_starting && n > 1 && matches!(pending, Pending::Act(_)) {
            f.filling.push(inst);
        }
        self.emit(SimEvent::ColdStartBegan {
            comp,
            instance: inst,
        });
        self.cal.schedule(
            now + delay,
            Ev::ColdStartDone {
                comp: comp as u32,
                inst,
            },
        );
        Some((inst, false))
    }

    /// Records the deadline of the invocation that starts now on `inst`. The function's
    /// timeout is the same for all its invocations, so deadlines come in start order: one
    /// scheduled check at the earliest serves them all, and nothing is cancelled per
    /// invocation (a timer each would crowd the calendar with cancelled entries).
    fn arm_deadline(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        self.push_deadline(plan, comp, inst, NONE);
    }

    /// Records the deadline of activation `act`, one of several invocations sharing an
    /// instance.
    pub(super) fn arm_act_deadline(&mut self, plan: &Plan, comp: CompId, act: u32) {
        self.push_deadline(plan, comp, NONE, act);
    }

    fn push_deadline(&mut self, plan: &Plan, comp: CompId, inst: u32, act: u32) {
        self.next_token += 1;
        let generation = self.next_token;
        let at = self.now().saturating_add(spec(plan, comp).timeout);
        if act != NONE {
            self.acts[act as usize].deadline = generation;
        }
        let f = self.fn_state(comp);
        if act == NONE {
            f.instances[inst as usize].invocation = generation;
        }
        f.deadlines.push_back((at, inst, generation, act));
        if !f.deadline_check {
            f.deadline_check = true;
            self.cal
                .schedule(at, Ev::InvocationTimeout { comp: comp as u32 });
        }
    }

    /// Whether the invocation a deadline entry belongs to is still running.
    fn deadline_live(&self, f: &FnState, inst: u32, generation: u64, act: u32) -> bool {
        if act == NONE {
            f.instances
                .get(inst as usize)
                .is_some_and(|i| i.invocation == generation)
        } else {
            self.acts
                .get(act as usize)
                .is_some_and(|a| a.deadline == generation)
        }
    }

    /// Drops deadlines of invocations that have ended from the front of the list.
    fn prune_deadlines(&mut self, comp: CompId) {
        let CompState::Function(f) = &self.comps[comp] else {
            return;
        };
        let mut stale = 0;
        for &(_, inst, generation, act) in &f.deadlines {
            if self.deadline_live(f, inst, generation, act) {
                break;
            }
            stale += 1;
        }
        if let CompState::Function(f) = &mut self.comps[comp] {
            f.deadlines.drain(..stale);
            f.prune_at = (2 * f.deadlines.len()).max(MIN_PRUNE_AT);
        }
    }

    /// Prunes the deadlines of `comp` once the list has grown to its `prune_at`: a pruning
    /// looks at each ended invocation's entry once, whenever it is done, so releases need
    /// not each look at the front.
    fn prune_long_deadlines(&mut self, comp: CompId) {
        if let CompState::Function(f) = &self.comps[comp]
            && f.deadlines.len() >= f.prune_at
        {
            self.prune_deadlines(comp);
        }
    }

    /// The earliest deadline of `comp` is due: stops the invocations that reached theirs.
    pub(super) fn check_deadlines(&mut self, plan: &Plan, comp: CompId) {
        let now = self.now();
        loop {
            self.prune_deadlines(comp);
            let f = self.fn_state(comp);
            match f.deadlines.front() {
                Some(&(at, inst, _, act)) if at <= now => {
                    f.deadlines.pop_front();
                    if act == NONE {
                        self.invocation_timed_out(plan, comp, inst);
                    } else {
                        self.act_timed_out(plan, comp, act);
                    }
                }
                Some(&(at, ..)) => {
                    self.cal
                        .schedule(at, Ev::InvocationTimeout { comp: comp as u32 });
                    return;
                }
                None => {
                    f.deadline_check = false;
                    return;
                }
            }
        }
    }

    /// One of several invocations sharing an instance reached the timeout: it alone stops.
    fn act_timed_out(&mut self, plan: &Plan, comp: CompId, act: u32) {
        let inst = self.acts[act as usize].inst;
        self.emit(SimEvent::InvocationTimedOut {
            comp,
            instance: inst,
        });
        self.stop_act(plan, comp, act);
    }

    /// The invocation on `inst` reached the function's timeout: it is stopped and fails, and
    /// is billed up to the timeout. The rest of a batch goes back to its queue.
    pub(super) fn invocation_timed_out(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        let f = self.fn_state(comp);
        let i = &mut f.instances[inst as usize];
        // The runtime is reset after a timeout: the next invocation pays a fresh start-up.
        i.doomed = true;
        let rest: Vec<u32> = i.batch.drain(i.batch_next.min(i.batch.len())..).collect();
        let current = i.current;
        self.emit(SimEvent::InvocationTimedOut {
            comp,
            instance: inst,
        });
        for msg in rest {
            self.message_done(plan, msg, false, false);
        }
        if self
            .acts
            .get(current as usize)
            .is_some_and(|a| a.comp == comp && a.inst == inst)
        {
            self.stop_act(plan, comp, current);
        }
    }

    /// Stops activation `act` at its timeout: it fails, and whatever it waited for no longer
    /// concerns it.
    fn stop_act(&mut self, plan: &Plan, comp: CompId, act: u32) {
        self.detach_child(act);
        self.arm(act);
        if let Some(timer) = self.acts[act as usize].timer.take() {
            self.cal.cancel(timer);
        }
        let txn = self.txns[self.acts[act as usize].txn as usize].id;
        self.emit(SimEvent::StepFailed { txn, comp });
        self.finish(plan, act, false);
    }

    /// Invokes the function of activation `act` (synchronously or asynchronously).
    pub(super) fn invoke_function(&mut self, plan: &Plan, act: u32) {
        let Act {
            comp, txn, caller, ..
        } = self.acts[act as usize];
        if spec(plan, comp).kpa.is_some() && self.function_has_capacity(plan, comp) {
            self.kpa_invoke(plan, comp, act);
            return;
        }
        match self.acquire(plan, comp, Pending::Act(act)) {
            Some((inst, ready)) => {
                let now = self.now();
                let a = &mut self.acts[act as usize];
                a.inst = inst;
                // Until it begins, `started` is when it asked for an instance.
                a.waited = now - a.started;
                self.unqueue(act);
                if ready {
                    self.run_on_instance(plan, comp, inst);
                }
            }
            None => {
                let id = self.txns[txn as usize].id;
                self.emit(SimEvent::Throttled { txn: id, comp });
                match caller {
                    Caller::Async => self.async_throttled(plan, act),
                    // A synchronous caller gets the throttle error at once.
                    _ => self.finish(plan, act, false),
                }
            }
        }
    }

    /// Takes an instance of `consumer` for a batch from `queue`; `None` when throttled.
    pub(super) fn acquire_for_batch(
        &mut self,
        plan: &Plan,
        consumer: CompId,
        queue: CompId,
    ) -> Option<(u32, bool)> {
        let (inst, ready) = self.acquire(plan, consumer, Pending::Batch)?;
        self.fn_state(consumer).instances[inst as usize].batch_queue = Some(queue);
        Some((inst, ready))
    }

    /// Hands the messages of a batch to the instance acquired for it, and runs it if ready.
    pub(super) fn run_batch(
        &mut self,
        plan: &Plan,
        consumer: CompId,
        inst: u32,
        ready: bool,
        msgs: &[u32],
    ) {
        let i = &mut self.fn_state(consumer).instances[inst as usize];
        i.batch.clear();
        i.batch.extend_from_slice(msgs);
        i.batch_next = 0;
        if ready {
            self.run_on_instance(plan, consumer, inst);
        }
    }

    pub(super) fn cold_start_done(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        let kpa = spec(plan, comp).kpa.is_some();
        if kpa && !self.fn_state(comp).instances[inst as usize].provisioned {
            self.kpa_pod_ready(plan, comp, inst);
            return;
        }
        let now = self.now();
        let f = self.fn_state(comp);
        if f.instances[inst as usize].pending == Pending::Nothing {
            self.replacement_ready(plan, comp, inst);
            if kpa {
                // A replaced minimum-scale pod takes waiting requests.
                self.kpa_drain(plan, comp);
            }
            return;
        }
        f.starting -= 1;
        f.busy += 1;
        let i = &mut f.instances[inst as usize];
        i.phase = Phase::Busy;
        i.init_ns = now - i.since;
        i.since = now;
        let act_on_shared =
            spec(plan, comp).instance_concurrency > 1 && matches!(i.pending, Pending::Act(_));
        if act_on_shared {
            i.shared = true;
            f.roomy.push(inst);
        }
        self.emit(SimEvent::InstanceReady {
            comp,
            instance: inst,
        });
        if !act_on_shared {
            self.arm_deadline(plan, comp, inst);
        }
        let f = self.fn_state(comp);
        let joined = std::mem::take(&mut f.instances[inst as usize].joined);
        if !joined.is_empty()
            && let Some(pos) = f.filling.iter().position(|&x| x == inst)
        {
            f.filling.swap_remove(pos);
        }
        self.run_on_instance(plan, comp, inst);
        // Those that waited for it with the first, each with its own deadline.
        for act in joined {
            self.fn_state(comp).instances[inst as usize].current = act;
            self.arm_act_deadline(plan, comp, act);
            self.begin(act, inst, true);
        }
    }

    /// A provisioned instance that crashed (or timed out) was discarded: the platform
    /// initialises another in its place, which takes a `cold_start` draw (from the
    /// function's cold-start stream) and serves no request until it is ready.
    fn replace_provisioned(&mut self, plan: &Plan, comp: CompId) {
        self.fn_state(comp).replacing += 1;
        self.start_idle_instance(plan, comp, true);
    }

    /// Starts an instance that no request waits for (its cold-start time drawn from the
    /// function's stream), `provisioned` or not; it is ready at `ColdStartDone`.
    fn start_idle_instance(&mut self, plan: &Plan, comp: CompId, provisioned: bool) {
        let now = self.now();
        let f = self.fn_state(comp);
        let delay = spec(plan, comp).cold_start.sample(&mut f.cold_rng);
        let inst = f.create(Phase::Starting, now, Pending::Nothing, false, provisioned);
        self.emit(SimEvent::ColdStartBegan {
            comp,
            instance: inst,
        });
        self.cal.schedule(
            now + delay,
            Ev::ColdStartDone {
                comp: comp as u32,
                inst,
            },
        );
    }

    /// A replacement provisioned instance is initialised: idle and ready, provisioned (or
    /// on demand, if the provisioned count was lowered meanwhile).
    fn replacement_ready(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        let now = self.now();
        let keep_alive = self.fn_state(comp).policy.window().keep_alive;
        let f = self.fn_state(comp);
        f.replacing -= 1;
        let demoted = f.demote > 0;
        if demoted {
            f.demote -= 1;
        }
        let i = &mut f.instances[inst as usize];
        i.phase = Phase::Idle;
        i.since = now;
        i.provisioned = !demoted;
        f.idle.push_back(inst);
        self.emit(SimEvent::InstanceReady {
            comp,
            instance: inst,
        });
        if demoted {
            self.keep_warm_until(comp, inst, now.saturating_add(keep_alive));
        }
        self.capacity_freed(plan);
    }

    /// Runs whatever the instance was acquired for.
    fn run_on_instance(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        let i = &mut self.fn_state(comp).instances[inst as usize];
        let cold = std::mem::replace(&mut i.cold, false);
        match i.pending {
            Pending::Act(act) => {
                i.pending = Pending::Nothing;
                i.current = act;
                if spec(plan, comp).instance_concurrency > 1 {
                    self.arm_act_deadline(plan, comp, act);
                }
                self.begin(act, inst, cold);
            }
            Pending::Batch => {
                i.pending = Pending::Nothing;
                i.cold = cold; // flag the first message of the batch
                self.next_in_batch(plan, comp, inst);
            }
            Pending::Nothing => {}
        }
    }

    /// Runs the batch's next message on the instance, or ends the invocation.
    pub(super) fn next_in_batch(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        let i = &mut self.fn_state(comp).instances[inst as usize];
        let Some(&msg) = i.batch.get(i.batch_next) else {
            let ok = i.ok;
            self.function_release(plan, NONE, comp, inst, ok);
            return;
        };
        i.batch_next += 1;
        let cold = std::mem::replace(&mut i.cold, false);
        let (txn, receives) = (
            self.msgs[msg as usize].txn,
            self.msgs[msg as usize].receives,
        );
        let now = self.now();
        let mut a = Act::new(
            txn,
            comp,
            Some(self.msgs[msg as usize].queue),
            0,
            Caller::Message(msg),
            now,
        );
        a.inst = inst;
        // Each receive is a new attempt with draws of its own.
        a.attempt = receives.saturating_sub(1);
        a.waited = self.msgs[msg as usize].waited;
        let act = self.acts.insert(a) as u32;
        self.fn_state(comp).instances[inst as usize].current = act;
        self.message_starts(msg);
        self.begin(act, inst, cold);
    }

    /// Ends an invocation: bills it, and keeps the instance warm as its keep-alive policy
    /// says (a provisioned instance simply stays).
    /// `act` is the invocation's activation, or `NONE` for a batch.
    pub(super) fn function_release(
        &mut self,
        plan: &Plan,
        act: u32,
        comp: CompId,
        inst: u32,
        ok: bool,
    ) {
        if inst == NONE {
            return;
        }
        let now = self.now();
        let prices = &plan.arch().prices;
        let (bill_init, per_instance) = (prices.bill_init, prices.bill_per_instance);
        let shared = spec(plan, comp).instance_concurrency > 1;
        let kpa = spec(plan, comp).kpa.is_some();
        // On an instance that serves several at once, each invocation runs from its own start;
        // billed per instance, the instance's busy time is billed when its last one ends.
        let act_started = self
            .acts
            .get(act as usize)
            .map(|a| a.started)
            .filter(|_| shared && !per_instance);
        let f = self.fn_state(comp);
        let i = &mut f.instances[inst as usize];
        let ok = i.ok && ok;
        let (billed_ns, init) = if per_instance && i.active > 1 {
            (0, 0)
        } else {
            let init = if bill_init {
                std::mem::take(&mut i.init_ns)
            } else {
                0
            };
            let run = now - act_started.unwrap_or(i.since) + init;
            (billed(plan, run), init)
        };
        i.active -= 1;
        f.invocations -= 1;
        self.functions_active -= 1;
        let f = self.fn_state(comp);
        let i = &mut f.instances[inst as usize];
        if i.active > 0 {
            // Still serving other invocations: it stays busy, with room for one more.
            let provisioned = i.provisioned;
            if !i.shared {
                i.shared = true;
                f.roomy.push(inst);
            }
            self.emit(SimEvent::InvocationEnded {
                comp,
                instance: inst,
                billed_ns,
                ok,
                provisioned,
                init_ns: init,
            });
            if kpa {
                self.kpa_drain(plan, comp);
            }
            self.capacity_freed(plan);
            return;
        }
        if std::mem::take(&mut i.shared)
            && let Some(pos) = f.roomy.iter().position(|&x| x == inst)
        {
            // Idle now: no longer among the busy instances with room.
            f.roomy.swap_remove(pos);
        }
        let i = &mut f.instances[inst as usize];
        i.invocation = 0;
        let (provisioned, batch_queue) = (i.provisioned, i.batch_queue.take());
        if provisioned && f.demote > 0 {
            // The schedule lowered the provisioned count: this one is on demand from now.
            f.demote -= 1;
            f.instances[inst as usize].provisioned = false;
        }
        // Billing follows what it was during this invocation; warmth follows what it is now.
        let stays_provisioned = f.instances[inst as usize].provisioned;
        let i = &mut f.instances[inst as usize];
        i.phase = Phase::Idle;
        i.batch.clear();
        i.batch_next = 0;
        i.current = NONE;
        f.busy -= 1;
        if f.busy + f.starting == 0 {
            f.idle_since = Some(now);
        }
        let window = if stays_provisioned || kpa {
            // Provisioned instances stay; the autoscaler removes its pods itself.
            Window {
                prewarm: 0,
                keep_alive: SimTime::MAX,
            }
        } else {
            let w = f.policy.window();
            if w.prewarm > 0 && f.busy + f.starting > 0 {
                // Other executions are in progress: the function is not idle, so keep this
                // instance warm through the window rather than unloading it.
                Window {
                    prewarm: 0,
                    keep_alive: w.prewarm.saturating_add(w.keep_alive),
                }
            } else {
                w
            }
        };
        // A crashed instance is discarded (a provisioned one replaced); the policy may
        // unload the instance at once.
        let doomed = f.instances[inst as usize].doomed;
        let unload = doomed || window.prewarm > 0 || window.keep_alive == 0;
        let mut closed = Vec::new();
        if unload {
            let gone = f.instances.remove(inst as usize);
            if let Some((timer, _)) = gone.keep_alive {
                self.cal.cancel(timer);
            }
            closed = gone.connections;
        } else {
            f.idle.push_back(inst);
        }
        for db in closed {
            self.close_connections(db, 1);
        }
        self.prune_long_deadlines(comp);
        if let Some(queue) = batch_queue {
            self.batch_ended(queue);
        }
        self.emit(SimEvent::InvocationEnded {
            comp,
            instance: inst,
            billed_ns,
            ok,
            provisioned,
            init_ns: init,
        });
        if window.prewarm > 0 {
            let at = now + window.prewarm;
            self.cal.schedule(
                at,
                Ev::Prewarm {
                    comp: comp as u32,
                    keep_alive: window.keep_alive,
                },
            );
        }
        if unload {
            self.emit(SimEvent::InstanceReaped {
                comp,
                instance: inst,
            });
            if doomed && stays_provisioned {
                self.replace_provisioned(plan, comp);
            }
        } else if !stays_provisioned && !kpa {
            let at = now.saturating_add(window.keep_alive);
            self.keep_warm_until(comp, inst, at);
        }
        if kpa {
            self.kpa_drain(plan, comp);
        }
        self.capacity_freed(plan);
    }

    /// The invocations of `comp` running now, billed as if they ended now (see [`Running`]);
    /// `None` for a component that is not a function.
    pub(super) fn running(&self, plan: &Plan, comp: CompId) -> Option<Running> {
        let CompState::Function(f) = &self.comps[comp] else {
            return None;
        };
        let now = self.now();
        let prices = &plan.arch().prices;
        let (bill_init, per_instance) = (prices.bill_init, prices.bill_per_instance);
        let shared = spec(plan, comp).instance_concurrency > 1 && !per_instance;
        let mut r = Running::default();
        for (_, i) in &f.instances {
            let init = if bill_init { i.init_ns } else { 0 };
            match i.phase {
                Phase::Idle => {}
                // A replacement provisioned instance's initialisation is not an invocation's
                // (nor, yet, that of a pod the autoscaler starts).
                Phase::Starting if bill_init && now > i.since && i.pending != Pending::Nothing => {
                    r.add(i.provisioned, billed(plan, now - i.since));
                }
                Phase::Starting => {}
                // Billed per instance: its busy time so far, a fee for each invocation on it.
                Phase::Busy if per_instance => {
                    r.invocations += u64::from(i.active);
                    r.add(i.provisioned, billed(plan, now - i.since + init));
                }
                // Its invocations, each from its own start, are among the deadlines below.
                Phase::Busy if shared && i.batch_queue.is_none() => {
                    if init > 0 {
                        r.add(i.provisioned, billed(plan, init));
                    }
                }
                Phase::Busy => {
                    r.invocations += 1;
                    r.add(i.provisioned, billed(plan, now - i.since + init));
                }
            }
        }
        if shared {
            for &(_, inst, generation, act) in &f.deadlines {
                if act == NONE || !self.deadline_live(f, inst, generation, act) {
                    continue;
                }
                let a = &self.acts[act as usize];
                let provisioned = f
                    .instances
                    .get(a.inst as usize)
                    .is_some_and(|i| i.provisioned);
                r.invocations += 1;
                r.add(provisioned, billed(plan, now - a.started));
            }
        }
        Some(r)
    }

    /// Starts the function's provisioned instances, initialised and idle (at time zero).
    pub(super) fn provision(&mut self, comp: CompId, count: u32) {
        self.fn_state(comp).provisioned = count;
        self.add_provisioned(comp, count);
    }

    /// Adds `count` initialised, idle provisioned instances; returns them.
    fn add_provisioned(&mut self, comp: CompId, count: u32) -> Vec<u32> {
        let now = self.now();
        let f = self.fn_state(comp);
        let mut added = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let inst = f.create(Phase::Idle, now, Pending::Nothing, false, true);
            f.idle.push_back(inst);
            added.push(inst);
        }
        added
    }

    /// The provisioned count changes to `count`: new instances are initialised at once;
    /// surplus ones become on-demand instances (idle ones now, busy ones when they finish).
    pub(super) fn reprovision(&mut self, plan: &Plan, comp: CompId, count: u32) {
        let now = self.now();
        let keep_alive = self.fn_state(comp).policy.window().keep_alive;
        let f = self.fn_state(comp);
        let current = f.provisioned;
        f.provisioned = count;
        if count > current {
            for inst in self.add_provisioned(comp, count - current) {
                self.emit(SimEvent::InstanceReady {
                    comp,
                    instance: inst,
                });
            }
            self.capacity_freed(plan);
            return;
        }
        let mut surplus = current - count;
        let idle: Vec<u32> = f
            .idle
            .iter()
            .copied()
            .filter(|&i| f.instances[i as usize].provisioned)
            .collect();
        let mut demoted = Vec::new();
        for inst in idle {
            if surplus == 0 {
                break;
            }
            f.instances[inst as usize].provisioned = false;
            demoted.push(inst);
            surplus -= 1;
        }
        f.demote = surplus;
        for inst in demoted {
            let at = now.saturating_add(keep_alive);
            self.keep_warm_until(comp, inst, at);
        }
    }

    /// The instance crashed: it is discarded when its invocation ends.
    pub(super) fn discard_after_invocation(&mut self, comp: CompId, inst: u32) {
        self.fn_state(comp).instances[inst as usize].doomed = true;
    }

    pub(super) fn function_count_execution(&mut self, comp: CompId, inst: u32) -> u32 {
        let i = &mut self.fn_state(comp).instances[inst as usize];
        i.executions += 1;
        i.executions
    }

    /// Records the outcome of one message of the instance's current batch.
    pub(super) fn batch_message_ended(&mut self, comp: CompId, inst: u32, ok: bool) {
        self.fn_state(comp).instances[inst as usize].ok &= ok;
    }

    /// Keeps idle instance `inst` warm until `at`, when it is reaped unless used. A timer
    /// still pending from an earlier idle spell is kept if it fires no later than `at` (it
    /// then sets itself again for `at`); one that would fire later is replaced.
    fn keep_warm_until(&mut self, comp: CompId, inst: u32, at: SimTime) {
        let i = &mut self.fn_state(comp).instances[inst as usize];
        i.expires = at;
        let stale = match i.keep_alive {
            Some((_, pending)) if pending <= at => return,
            Some((timer, _)) => Some(timer),
            None => None,
        };
        if let Some(timer) = stale {
            self.cal.cancel(timer);
        }
        self.arm_keep_alive(comp, inst, at);
    }

    fn arm_keep_alive(&mut self, comp: CompId, inst: u32, at: SimTime) {
        let timer = self.cal.schedule_timer(
            at,
            Ev::KeepAliveExpired {
                comp: comp as u32,
                inst,
            },
        );
        self.fn_state(comp).instances[inst as usize].keep_alive = Some((timer, at));
    }

    /// The keep-alive policy loads an instance ahead of the next expected request.
    pub(super) fn prewarm(&mut self, plan: &Plan, comp: CompId, keep_alive: SimTime) {
        let now = self.now();
        let f = self.fn_state(comp);
        let inst = f.create(Phase::Idle, now, Pending::Nothing, false, false);
        f.idle.push_back(inst);
        self.keep_warm_until(comp, inst, now + keep_alive);
        self.emit(SimEvent::InstanceReady {
            comp,
            instance: inst,
        });
        // A queue may have been waiting for this function.
        self.capacity_freed(plan);
    }

    pub(super) fn keep_alive_expired(&mut self, comp: CompId, inst: u32) {
        let now = self.now();
        let f = self.fn_state(comp);
        // The timer of an instance removed meanwhile was cancelled, so `inst` is this one.
        let Some(i) = f.instances.get_mut(inst as usize) else {
            return;
        };
        i.keep_alive = None;
        if i.phase != Phase::Idle {
            // Used since: its release sets the next timer.
            return;
        }
        if i.expires > now {
            // Used and released since: warm until its latest release's deadline.
            let at = i.expires;
            self.arm_keep_alive(comp, inst, at);
            return;
        }
        let f = self.fn_state(comp);
        // Expiry mostly follows idle order (the front); policies with varying windows may not.
        if f.idle.front() == Some(&inst) {
            f.idle.pop_front();
        } else if let Some(pos) = f.idle.iter().position(|&i| i == inst) {
            f.idle.remove(pos);
        }
        let closed = f.instances.remove(inst as usize).connections;
        for db in closed {
            self.close_connections(db, 1);
        }
        self.emit(SimEvent::InstanceReaped {
            comp,
            instance: inst,
        });
    }

    /// Whether instance `inst` of function `comp` holds a connection to `db`.
    pub(super) fn instance_holds_connection(
        &mut self,
        comp: CompId,
        inst: u32,
        db: CompId,
    ) -> bool {
        self.fn_state(comp)
            .instances
            .get(inst as usize)
            .is_some_and(|i| i.connections.contains(&db))
    }

    /// Instance `inst` of function `comp` opened a connection to `db`.
    pub(super) fn instance_opened_connection(&mut self, comp: CompId, inst: u32, db: CompId) {
        if let Some(i) = self.fn_state(comp).instances.get_mut(inst as usize) {
            i.connections.push(db);
        }
    }
}

// The pods of a function scaled by the Knative Pod Autoscaler (`kpa`): created and removed
// by its decisions, never by a keep-alive; a request takes a pod with room or waits in the
// activator's buffer.
impl State {
    /// `count` initialised, idle pods at time zero beside the provisioned ones (the initial
    /// scale).
    pub(super) fn kpa_initial_pods(&mut self, comp: CompId, count: u32) {
        let now = self.now();
        let f = self.fn_state(comp);
        for _ in 0..count {
            let inst = f.create(Phase::Idle, now, Pending::Nothing, false, false);
            f.idle.push_back(inst);
        }
    }

    /// A request for a function scaled by the autoscaler, within its concurrency: it takes a
    /// pod with room, or waits for one; with no pod at all, one starts at once.
    fn kpa_invoke(&mut self, plan: &Plan, comp: CompId, act: u32) {
        let now = self.now();
        self.functions_active += 1;
        let f = self.fn_state(comp);
        f.invocations += 1;
        if self.kpa_take_pod(plan, comp, act, false) {
            return;
        }
        // It waits for a pod, in the backlog, until one takes it.
        if !std::mem::replace(&mut self.acts[act as usize].queued, true) {
            self.waits_began(1);
        }
        let f = self.fn_state(comp);
        let pods = f.instances.iter().filter(|(_, i)| !i.doomed).count();
        if let Some(k) = f.kpa.as_mut() {
            k.buffer.push_back(act);
            if pods == 0 {
                k.poked(now);
            }
        }
        let allowed = spec(plan, comp).max_instances.is_none_or(|m| m > 0);
        if pods == 0 && allowed {
            self.kpa_add_pod(plan, comp);
        }
    }

    /// Runs `act` on a pod with room, if there is one: an idle pod (the one instance
    /// selection names), else a busy one with room. `waited`: it waited in the buffer (its
    /// invocation counts as a cold one).
    fn kpa_take_pod(&mut self, plan: &Plan, comp: CompId, act: u32, waited: bool) -> bool {
        let now = self.now();
        let n = spec(plan, comp).instance_concurrency;
        let f = self.fn_state(comp);
        let instances = &f.instances;
        let idle = f
            .selector
            .pick(
                &f.idle,
                f.provisioned > 0,
                |i| instances[i as usize].provisioned,
                |i| instances[i as usize].born,
            )
            .and_then(|pos| take_at(&mut f.idle, pos));
        let inst = if let Some(inst) = idle {
            f.busy += 1;
            let i = &mut f.instances[inst as usize];
            i.phase = Phase::Busy;
            i.since = now;
            i.ok = true;
            i.active = 1;
            if n > 1 {
                i.shared = true;
                f.roomy.push(inst);
            }
            inst
        } else {
            let mut found = None;
            while let Some(&inst) = f.roomy.last() {
                let i = &mut f.instances[inst as usize];
                if i.phase == Phase::Busy && i.active < n && !i.doomed {
                    i.active += 1;
                    if i.active == n {
                        i.shared = false;
                        f.roomy.pop();
                    }
                    found = Some(inst);
                    break;
                }
                i.shared = false;
                f.roomy.pop();
            }
            match found {
                Some(inst) => inst,
                None => return false,
            }
        };
        let i = &mut f.instances[inst as usize];
        i.pending = Pending::Act(act);
        i.cold = waited;
        let a = &mut self.acts[act as usize];
        a.inst = inst;
        // Until it begins, `started` is when it asked for an instance.
        a.waited = now - a.started;
        self.unqueue(act);
        if n == 1 {
            self.arm_deadline(plan, comp, inst);
        }
        self.run_on_instance(plan, comp, inst);
        true
    }

    /// Hands waiting requests to pods with room, in arrival order.
    fn kpa_drain(&mut self, plan: &Plan, comp: CompId) {
        loop {
            let Some(act) = self
                .fn_state(comp)
                .kpa
                .as_mut()
                .and_then(|k| k.buffer.front().copied())
            else {
                return;
            };
            if !self.kpa_take_pod(plan, comp, act, true) {
                return;
            }
            if let Some(k) = self.fn_state(comp).kpa.as_mut() {
                k.buffer.pop_front();
            }
        }
    }

    /// A new pod starts (a cold start), asked for by the autoscaler.
    fn kpa_add_pod(&mut self, plan: &Plan, comp: CompId) {
        self.fn_state(comp).starting += 1;
        self.start_idle_instance(plan, comp, false);
    }

    /// A pod finished starting: it is ready and idle, and takes waiting requests; one the
    /// autoscaler gave up meanwhile goes.
    fn kpa_pod_ready(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        let now = self.now();
        let f = self.fn_state(comp);
        f.starting -= 1;
        if f.instances[inst as usize].doomed {
            f.instances.remove(inst as usize);
            self.emit(SimEvent::InstanceReaped {
                comp,
                instance: inst,
            });
            return;
        }
        let i = &mut f.instances[inst as usize];
        i.phase = Phase::Idle;
        i.init_ns = now - i.since;
        i.since = now;
        f.idle.push_back(inst);
        self.emit(SimEvent::InstanceReady {
            comp,
            instance: inst,
        });
        self.kpa_drain(plan, comp);
    }

    /// The autoscaler's decision: pods are added or removed to what it asks for.
    pub(super) fn kpa_tick(&mut self, plan: &Plan, comp: CompId) {
        let now = self.now();
        let f_spec = spec(plan, comp);
        let Some(tick) = f_spec.kpa.as_ref().map(|k| k.tick) else {
            return;
        };
        let (min, max) = (f_spec.provisioned, f_spec.max_instances);
        let f = self.fn_state(comp);
        let (mut ready, mut starting) = (0u32, 0u32);
        for (_, i) in &f.instances {
            match (i.phase, i.doomed) {
                (_, true) => {}
                (Phase::Starting, false) => starting += 1,
                (_, false) => ready += 1,
            }
        }
        let pods = ready + starting;
        let Some(k) = f.kpa.as_mut() else {
            return;
        };
        let desired = k.decide(now, ready, pods, min, max).pods;
        for _ in pods..desired {
            self.kpa_add_pod(plan, comp);
        }
        if desired < pods {
            self.kpa_remove_pods(comp, pods - desired);
        }
        self.cal
            .schedule(now + tick, Ev::KpaTick { comp: comp as u32 });
    }

    /// Removes `count` pods: starting ones first (dropped when they are ready), then idle
    /// ones (the least recently used first), then busy ones (they take no new request and
    /// go when their last one ends); never a provisioned one (the minimum scale).
    fn kpa_remove_pods(&mut self, comp: CompId, mut count: u32) {
        let f = self.fn_state(comp);
        let mut starting: Vec<u32> = f
            .instances
            .iter()
            .filter(|(_, i)| i.phase == Phase::Starting && !i.doomed && !i.provisioned)
            .map(|(id, _)| id as u32)
            .collect();
        // The newest first, as a deployment scaling down removes its youngest pods.
        starting.reverse();
        for inst in starting {
            if count == 0 {
                return;
            }
            f.instances[inst as usize].doomed = true;
            count -= 1;
        }
        let mut reaped = Vec::new();
        let mut pos = 0;
        while count > 0 && pos < f.idle.len() {
            let inst = f.idle[pos];
            if f.instances[inst as usize].provisioned {
                pos += 1;
                continue;
            }
            f.idle.remove(pos);
            reaped.push((inst, f.instances.remove(inst as usize)));
            count -= 1;
        }
        let mut busy: Vec<(u32, u32)> = f
            .instances
            .iter()
            .filter(|(_, i)| i.phase == Phase::Busy && !i.doomed && !i.provisioned)
            .map(|(id, i)| (i.active, id as u32))
            .collect();
        // The least loaded first.
        busy.sort_unstable();
        for (_, inst) in busy.into_iter().take(count as usize) {
            f.instances[inst as usize].doomed = true;
        }
        for (inst, gone) in reaped {
            self.emit(SimEvent::InstanceReaped {
                comp,
                instance: inst,
            });
            if let Some((timer, _)) = gone.keep_alive {
                self.cal.cancel(timer);
            }
            for db in gone.connections {
                self.close_connections(db, 1);
            }
        }
    }
}
