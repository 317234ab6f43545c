//! Activations: one run of a list of steps at one component for one transaction.
//!
//! An activation is created when work is sent to a server, function or gateway. It waits for
//! its resources (a worker, an instance), then runs its steps in order: compute steps take
//! time, calls wait for a child activation or a data operation, emits go on at once. When the
//! steps are done or one fails, the activation releases its resources and tells its caller.
//!
//! Everything an activation waits for (a compute step, a call's answer, a timeout, a retry)
//! carries a token, unique in the run; the activation accepts only the completion whose token
//! it is waiting for. A call that timed out, or an activation whose process crashed, thus
//! ignores late answers, however the slabs' keys are reused.

use rand::RngExt;

use super::{CompState, Ev, Plan, State};
use crate::calibration as cal;
use crate::engine::SimTime;
use crate::observe::{Op, SimEvent};
use crate::rng::{self, DrawRng};
use crate::scenario::{CompId, Spec, Step, StepTime};

/// Who is waiting for an activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Caller {
    /// The user: the activation's end is the transaction's response.
    Entry,
    /// Another activation, waiting synchronously for the completion with this token.
    Sync {
        /// The waiting activation.
        act: u32,
        /// Its wait token.
        token: u64,
    },
    /// Nobody: an asynchronous invocation, retried by the platform on failure.
    Async,
    /// A queue message, processed as part of a batch.
    Message(u32),
    /// Nobody any more: its caller gave up (timeout, crash); it still runs to its end.
    Detached,
}

/// An activation that holds its worker or instance and waits to run its first step.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ready {
    /// The activation.
    act: u32,
    /// Its wait token when it was made ready: a different one means it was aborted.
    token: u64,
    /// Whether it is the first invocation of a cold-started instance.
    cold: bool,
}

/// Marks an activation that holds no instance or worker, or has no child.
pub(super) const NONE: u32 = u32::MAX;

/// A running (or waiting) activation.
#[derive(Debug)]
pub(super) struct Act {
    /// Transaction key.
    pub txn: u32,
    /// Component running it.
    pub comp: CompId,
    /// Component that sent it the work (`None`: the user or the platform).
    pub from: Option<CompId>,
    /// Work table slot (transaction kind for servers and gateways, 0 for functions).
    pub slot: u32,
    /// Next step.
    pub pc: u32,
    /// Who waits for it.
    pub caller: Caller,
    /// Server instance or function instance held, or [`NONE`].
    pub inst: u32,
    /// The synchronous child activation it waits for, or [`NONE`].
    pub child: u32,
    /// Token of the completion it waits for.
    pub wait: u64,
    /// Timeout timer of the current call.
    pub timer: Option<crate::engine::TimerKey>,
    /// Retries of the current step so far.
    pub retries: u32,
    /// Platform retries so far (asynchronous invocations).
    pub attempt: u32,
    /// Throttles so far (asynchronous invocations), for the back-off.
    pub throttles: u32,
    /// First attempt [ns], for the maximum event age.
    pub first_try: u64,
    /// Branches of a parallel state still running.
    pub join: u32,
    /// The branch activations of the parallel state it runs (some may have ended), so
    /// that a failing branch can stop the others.
    pub branches: Vec<u32>,
    /// Whether it is running the catch flow of a failed task.
    pub catching: bool,
    /// Whether it holds one of its server instance's cores (a CPU-bound step).
    pub on_core: bool,
    /// The database whose connection (of its server instance's pool) it holds for the
    /// operation in progress, or [`NONE`].
    pub pool: u32,
    /// When it asked for its worker or instance (its request, or its platform retry after
    /// an error) [ns]; from [`State::begin`] on, when it began executing (billing of
    /// invocations that share an instance).
    pub started: u64,
    /// How long it waited for its worker, instance or consumer [ns] (`InvocationStarted`).
    pub waited: u64,
    /// Whether it is counted in the backlog: an asynchronous invocation throttled and not
    /// yet given an instance.
    pub queued: bool,
    /// Its own deadline's generation, on an instance serving several invocations at once.
    pub deadline: u64,
    /// Mixed into the keys of its draws: which try of its callers this is (0 for a first
    /// try of every caller up the chain), so that a retried call draws afresh (see
    /// [`Act::lineage_of_children`]).
    pub lineage: u64,
}

impl Act {
    /// A new activation of `comp` for `txn`, not yet started.
    pub(super) fn new(
        txn: u32,
        comp: CompId,
        from: Option<CompId>,
        slot: u32,
        caller: Caller,
        now: u64,
    ) -> Self {
        Self {
            txn,
            comp,
            from,
            slot,
            pc: 0,
            caller,
            inst: NONE,
            child: NONE,
            wait: 0,
            timer: None,
            retries: 0,
            attempt: 0,
            throttles: 0,
            first_try: now,
            join: 0,
            branches: Vec::new(),
            catching: false,
            on_core: false,
            pool: NONE,
            started: now,
            waited: 0,
            queued: false,
            deadline: 0,
            lineage: 0,
        }
    }

    /// The lineage of a child activation it starts now (a call's callee, a workflow's
    /// flow): its own, with its current try (platform attempt and retries of the step)
    /// mixed in. Without it a callee made the same draws on every retry of the call (the
    /// child's keys held only its own tries), so a retry of a call failed by an `Errors`
    /// fault always failed again, against "the retry makes fresh random draws". First tries
    /// keep lineage 0, so their draws are unchanged.
    pub(super) fn lineage_of_children(&self) -> u64 {
        let tries = (u64::from(self.attempt) << 32) | u64::from(self.retries);
        if self.lineage == 0 && tries == 0 {
            0
        } else {
            rng::mix(self.lineage, tries)
        }
    }
}

impl State {
    /// Sends work for transaction `txn` to the server, function or gateway `to`.
    pub(super) fn request(
        &mut self,
        plan: &Plan,
        txn: u32,
        from: Option<CompId>,
        to: CompId,
        caller: Caller,
    ) {
        let t = &self.txns[txn as usize];
        let (id, kind) = (t.id, t.kind);
        let sync = matches!(caller, Caller::Entry | Caller::Sync { .. });
        self.emit(SimEvent::Request {
            txn: id,
            from,
            to,
            sync,
        });
        let slot = match plan.spec(to) {
            Spec::Function(_) | Spec::Orchestrator(_) => 0,
            _ => kind as u32,
        };
        let mut child = Act::new(txn, to, from, slot, caller, self.now());
        if let Caller::Sync { act: parent, .. } = caller {
            child.lineage = self.acts[parent as usize].lineage_of_children();
        }
        let act = self.acts.insert(child) as u32;
        if let Caller::Sync { act: parent, .. } = caller {
            self.acts[parent as usize].child = act;
        }
        self.start(plan, act);
    }

    /// Gets the activation its resources and runs it, or fails it if none can be had.
    pub(super) fn start(&mut self, plan: &Plan, act: u32) {
        let (comp, slot) = (self.acts[act as usize].comp, self.acts[act as usize].slot);
        if self.is_down_for(plan, comp, slot) {
            let txn = self.txns[self.acts[act as usize].txn as usize].id;
            self.emit(SimEvent::StepFailed { txn, comp });
            self.finish(plan, act, false);
            return;
        }
        match plan.spec(comp) {
            Spec::Function(_) => self.invoke_function(plan, act),
            Spec::Server(_) => self.server_request(plan, act),
            _ => self.advance(plan, act),
        }
    }

    /// Starts activation `act` on instance or worker `inst` of its component: it holds
    /// the resource from now, and runs its first step once the current calendar entry's
    /// other work is done ([`State::run_ready`]).
    pub(super) fn begin(&mut self, act: u32, inst: u32, cold: bool) {
        let now = self.now();
        let a = &mut self.acts[act as usize];
        a.inst = inst;
        a.started = now;
        let token = self.arm(act);
        self.ready.push_back(Ready { act, token, cold });
    }

    /// Runs the activations made ready, in the order they got their resources, until none
    /// is left (running one may make others ready).
    ///
    /// This loop is what keeps the stack flat: an activation that ends at once (its call
    /// refused by an outage or an open circuit breaker, a poison message, empty work)
    /// frees its worker, which takes the next request of a backlog; were that request run
    /// inside the release, a backlog of a million would nest a million frames deep.
    pub(super) fn run_ready(&mut self, plan: &Plan) {
        // A run stopped by a runaway transaction runs nothing more (see `add_work`).
        while self.runaway.is_none()
            && let Some(r) = self.ready.pop_front()
        {
            // An activation aborted meanwhile (its process crashed) is gone or re-armed.
            if self.live(r.act, r.token) {
                self.run_begun(plan, r.act, r.cold);
            }
        }
    }

    /// Runs the first step of an activation that holds its worker or instance.
    fn run_begun(&mut self, plan: &Plan, act: u32, cold: bool) {
        let a = &self.acts[act as usize];
        let (txn, comp, inst, caller) = (self.txns[a.txn as usize].id, a.comp, a.inst, a.caller);
        let waited_ns = a.waited;
        self.emit(SimEvent::InvocationStarted {
            txn,
            comp,
            instance: inst,
            cold,
            waited_ns,
        });
        if let Caller::Message(msg) = caller
            && self.msgs[msg as usize].poison
        {
            // A poison message fails its consumer, every time.
            self.emit(SimEvent::StepFailed { txn, comp });
            self.finish(plan, act, false);
            return;
        }
        if self.crashes_now(plan, act) {
            self.crash(plan, comp, inst, act);
            return;
        }
        self.advance(plan, act);
    }

    /// A new wait token for `act`; completions carrying older tokens are ignored.
    pub(super) fn arm(&mut self, act: u32) -> u64 {
        self.next_token += 1;
        self.acts[act as usize].wait = self.next_token;
        self.next_token
    }

    /// Whether `act` still exists and waits for `token`.
    pub(super) fn live(&self, act: u32, token: u64) -> bool {
        self.acts.get(act as usize).is_some_and(|a| a.wait == token)
    }

    /// A generator for a draw made by activation `act` at its current step.
    pub(super) fn draw_rng(&self, plan: &Plan, act: u32, target: CompId) -> DrawRng {
        let a = &self.acts[act as usize];
        let key = rng::mix(
            self.txns[a.txn as usize].seed,
            plan.site_key(a.comp, a.slot, a.pc, target),
        );
        let tries = (u64::from(a.attempt) << 32) | u64::from(a.retries);
        let key = if a.lineage == 0 {
            key
        } else {
            rng::mix(key, a.lineage)
        };
        rng::keyed(rng::mix(key, tries))
    }

    /// Runs steps until one takes time or waits.
    pub(super) fn advance(&mut self, plan: &Plan, act: u32) {
        loop {
            let a = &self.acts[act as usize];
            let (comp, txn) = (a.comp, a.txn);
            let Some(step) = plan.steps(comp, a.slot).get(a.pc as usize) else {
                let ok = !self.fails_by_fault(plan, act);
                if !ok {
                    let id = self.txns[txn as usize].id;
                    self.emit(SimEvent::StepFailed { txn: id, comp });
                }
                self.finish(plan, act, ok);
                return;
            };
            match step {
                Step::Compute(d) | Step::Cpu(d) => {
                    let mut r = self.draw_rng(plan, act, comp);
                    let slot = self.acts[act as usize].slot;
                    let mut work = match d {
                        StepTime::Drawn(d) => d.sample(&mut r),
                        // Validation lets only transactions with a recorded duration reach
                        // a FromTrace step (`Architecture::first_replaying_step`).
                        StepTime::FromTrace => self.txns[txn as usize].recorded.unwrap_or(0),
                    };
                    if let (Step::Cpu(_), Spec::Function(f)) = (step, plan.spec(comp)) {
                        // Below one vCPU (on AWS Lambda, one vCPU's worth of memory), CPU time
                        // is shared in proportion.
                        let share = f.vcpu.min(1.0);
                        work = (work as f64 / share) as SimTime;
                    }
                    let work = self.slowed(plan, comp, slot, work);
                    if let (Step::Cpu(_), Spec::Server(s)) = (step, plan.spec(comp))
                        && let Some(cores) = s.cores
                    {
                        // CPU-bound work on a server waits for one of the instance's cores.
                        let inst = self.acts[act as usize].inst;
                        self.run_on_core(act, comp, inst, cores, work);
                        return;
                    }
                    let token = self.arm(act);
                    self.cal
                        .schedule(self.now() + work, Ev::StepDone { act, token });
                    return;
                }
                Step::Emit(_) | Step::Send { .. } => {
                    let (target, kb) = match *step {
                        Step::Send { to, kb } => (to, kb),
                        Step::Emit(to) => (to, cal::EVENT_KB),
                        _ => unreachable!("matched above"),
                    };
                    let id = self.txns[txn as usize].id;
                    if kb > max_message_kb(plan, target) {
                        // Too big to send: store the payload and send a reference instead.
                        self.emit(SimEvent::Rejected {
                            txn: id,
                            comp: target,
                        });
                        self.emit(SimEvent::StepFailed {
                            txn: id,
                            comp: target,
                        });
                        self.finish(plan, act, false);
                        return;
                    }
                    if !self.accepts_message(plan, act, target) {
                        self.emit(SimEvent::StepFailed {
                            txn: id,
                            comp: target,
                        });
                        self.finish(plan, act, false);
                        return;
                    }
                    self.acts[act as usize].pc += 1;
                    self.acts[act as usize].retries = 0;
                    self.add_work(txn, 1, comp);
                    self.deliver_async(plan, txn, comp, target, kb);
                }
                Step::Call(target) | Step::Task { target, .. } => {
                    return self.call(plan, act, *target, None);
                }
                Step::Transition(d) => {
                    let id = self.txns[txn as usize].id;
                    self.emit(SimEvent::Transition { txn: id, comp });
                    let mut r = self.draw_rng(plan, act, comp);
                    let slot = self.acts[act as usize].slot;
                    let t = self.now() + self.slowed(plan, comp, slot, d.sample(&mut r));
                    let token = self.arm(act);
                    self.cal.schedule(t, Ev::StepDone { act, token });
                    return;
                }
                Step::Choice { p, then, otherwise } => {
                    let u: f64 = self.draw_rng(plan, act, comp).random();
                    let slot = if u < *p { *then } else { *otherwise };
                    let token = self.arm(act);
                    self.spawn_flow(plan, act, slot, token);
                    return;
                }
                Step::Parallel { branches, .. } => {
                    let token = self.arm(act);
                    let a = &mut self.acts[act as usize];
                    a.join = branches.len() as u32;
                    a.branches.clear();
                    for &slot in branches {
                        // A branch that ends at once (or fails the state) may end the join
                        // before the others start: they are then not started.
                        if !self.live(act, token) || self.acts[act as usize].join == 0 {
                            break;
                        }
                        let child = self.spawn_flow(plan, act, slot, token);
                        if let Some(a) = self.acts.get_mut(act as usize)
                            && a.wait == token
                        {
                            a.branches.push(child);
                        }
                    }
                    return;
                }
                Step::Read(t) => return self.call(plan, act, *t, Some(Op::Read)),
                Step::Write(t) => return self.call(plan, act, *t, Some(Op::Write)),
                Step::Put(t) => return self.call(plan, act, *t, Some(Op::Put)),
                Step::Get(t) => return self.call(plan, act, *t, Some(Op::Get)),
            }
        }
    }

    pub(super) fn step_done(&mut self, plan: &Plan, act: u32, token: u64) {
        if !self.live(act, token) {
            return;
        }
        let a = &mut self.acts[act as usize];
        a.pc += 1;
        a.retries = 0;
        if std::mem::take(&mut a.on_core) {
            let (comp, inst) = (a.comp, a.inst);
            self.core_freed(comp, inst);
        }
        self.advance(plan, act);
    }

    /// Makes the call of the current step: a child activation, or a data operation (`op`).
    fn call(&mut self, plan: &Plan, act: u32, target: CompId, op: Option<Op>) {
        let comp = self.acts[act as usize].comp;
        let policy = plan.policy(comp, target);
        if policy.is_some_and(|p| p.breaker.is_some()) && !self.breaker_admits(plan, comp, target) {
            let txn = self.txns[self.acts[act as usize].txn as usize].id;
            self.emit(SimEvent::ShortCircuited { txn, comp, target });
            self.call_failed(plan, act);
            return;
        }
        let token = self.arm(act);
        if let Some(timeout) = policy.and_then(|p| p.timeout) {
            let at = self.now() + timeout;
            let timer = self.cal.schedule_timer(at, Ev::CallTimeout { act, token });
            self.acts[act as usize].timer = Some(timer);
        }
        let op = match (op, plan.spec(target)) {
            (None, Spec::External(_)) => Some(Op::Call),
            (op, _) => op,
        };
        match op {
            Some(op) => self.start_op(plan, act, token, target, op),
            None => {
                let txn = self.acts[act as usize].txn;
                self.request(plan, txn, Some(comp), target, Caller::Sync { act, token });
            }
        }
    }

    /// Runs flow `slot` of `act`'s orchestrator as a child that `act` waits for; returns
    /// the child.
    fn spawn_flow(&mut self, plan: &Plan, act: u32, slot: u32, token: u64) -> u32 {
        let a = &self.acts[act as usize];
        let (txn, comp, lineage) = (a.txn, a.comp, a.lineage_of_children());
        let mut child = Act::new(
            txn,
            comp,
            Some(comp),
            slot,
            Caller::Sync { act, token },
            self.now(),
        );
        child.lineage = lineage;
        let child = self.acts.insert(child) as u32;
        self.acts[act as usize].child = child;
        self.advance(plan, child);
        child
    }

    /// Stops the branches of `act`'s parallel state that still run for it (a branch
    /// failed): each ends where it is, its further states never run, and what it waits for
    /// no longer concerns it (a task's invocation runs on detached, as Step Functions does
    /// not stop a Lambda invocation it started).
    fn stop_branches(&mut self, act: u32) {
        let a = &mut self.acts[act as usize];
        let branches = std::mem::take(&mut a.branches);
        a.join = 0;
        let wait = a.wait;
        for b in branches {
            if self
                .acts
                .get(b as usize)
                .is_some_and(|c| c.caller == (Caller::Sync { act, token: wait }))
            {
                self.stop_flow(b);
            }
        }
    }

    /// Ends the workflow flow `act` without telling its caller: the flows it runs (a
    /// choice's, a catch's, parallel branches) are stopped with it, and a callee it waits
    /// for runs on detached.
    fn stop_flow(&mut self, act: u32) {
        let a = &self.acts[act as usize];
        let (comp, wait) = (a.comp, a.wait);
        if !a.branches.is_empty() && a.join > 0 {
            self.stop_branches(act);
        } else if let Some(c) = self.acts.get(a.child as usize)
            && c.comp == comp
            && c.caller == (Caller::Sync { act, token: wait })
        {
            let child = a.child;
            self.stop_flow(child);
        } else {
            self.detach_child(act);
        }
        let a = self.acts.remove(act as usize);
        if let Some(timer) = a.timer {
            self.cal.cancel(timer);
        }
    }

    /// The answer to the call `act` waits for with `token` arrived.
    pub(super) fn call_done(&mut self, plan: &Plan, act: u32, token: u64, ok: bool) {
        if !self.live(act, token) {
            return;
        }
        // A database operation's end gives back its pool connection.
        self.give_back_connection(plan, act);
        let a = &mut self.acts[act as usize];
        // A parallel state goes on when its last branch is done, and fails as soon as one
        // fails: the others are stopped (Step Functions).
        if a.join > 0 {
            if ok {
                a.join -= 1;
                if a.join > 0 {
                    return;
                }
                a.branches.clear();
            } else {
                self.stop_branches(act);
            }
        }
        let a = &mut self.acts[act as usize];
        a.child = NONE;
        let (comp, timer) = (a.comp, a.timer.take());
        if let Some(timer) = timer {
            self.cal.cancel(timer);
        }
        let target = self.current_target(plan, act);
        self.breaker_record(plan, comp, target, ok);
        if ok {
            let a = &mut self.acts[act as usize];
            a.pc += 1;
            a.retries = 0;
            a.catching = false;
            self.advance(plan, act);
        } else {
            self.call_failed(plan, act);
        }
    }

    /// The call `act` waits for with `token` took too long: give up on it.
    pub(super) fn call_timed_out(&mut self, plan: &Plan, act: u32, token: u64) {
        if !self.live(act, token) {
            return;
        }
        self.acts[act as usize].timer = None;
        self.detach_child(act);
        self.give_back_connection(plan, act);
        self.arm(act);
        let comp = self.acts[act as usize].comp;
        let target = self.current_target(plan, act);
        let txn = self.txns[self.acts[act as usize].txn as usize].id;
        self.emit(SimEvent::TimedOut { txn, comp, target });
        self.breaker_record(plan, comp, target, false);
        self.call_failed(plan, act);
    }

    /// The target of the current step (a call).
    fn current_target(&self, plan: &Plan, act: u32) -> CompId {
        let a = &self.acts[act as usize];
        match plan.steps(a.comp, a.slot).get(a.pc as usize) {
            Some(
                Step::Call(t)
                | Step::Read(t)
                | Step::Write(t)
                | Step::Put(t)
                | Step::Get(t)
                | Step::Emit(t)
                | Step::Task { target: t, .. },
            ) => *t,
            _ => a.comp,
        }
    }

    /// A call failed: retry it after a back-off if the caller's policy allows, else fail.
    fn call_failed(&mut self, plan: &Plan, act: u32) {
        let a = &self.acts[act as usize];
        let (comp, txn, catching, a_slot, a_pc) = (a.comp, a.txn, a.catching, a.slot, a.pc);
        let target = self.current_target(plan, act);
        let id = self.txns[txn as usize].id;
        // A workflow task carries its own retry policy and catch flow.
        let (policy, catch) = match plan.steps(comp, a.slot).get(a.pc as usize) {
            Some(Step::Task { policy, catch, .. }) => (Some(&**policy), *catch),
            Some(Step::Parallel { catch, .. }) => (None, *catch),
            _ => (plan.policy(comp, target), None),
        };
        match policy {
            _ if catching => {
                self.emit(SimEvent::StepFailed { txn: id, comp });
                self.finish(plan, act, false);
            }
            Some(p) if a.retries < p.retries => {
                let retries = a.retries + 1;
                // backoff × 2^(k−1), saturating (a workflow task's has no ceiling).
                let ceiling = 2u64
                    .checked_pow(retries - 1)
                    .map_or(SimTime::MAX, |f| p.backoff.saturating_mul(f))
                    .min(p.max_backoff);
                let delay = if p.jitter {
                    let mut r = self.draw_rng(plan, act, target);
                    (r.random::<f64>() * ceiling as f64) as u64
                } else {
                    ceiling
                };
                self.acts[act as usize].retries = retries;
                if matches!(
                    plan.steps(comp, a_slot).get(a_pc as usize),
                    Some(Step::Task { .. })
                ) {
                    // A workflow's retry is a state transition too (and billed as one).
                    self.emit(SimEvent::Transition { txn: id, comp });
                }
                self.emit(SimEvent::Retried {
                    txn: id,
                    comp,
                    attempt: retries,
                    platform: false,
                });
                let token = self.arm(act);
                let at = self.now().saturating_add(delay);
                self.cal.schedule(at, Ev::RetryStep { act, token });
            }
            _ => match catch {
                Some(slot) => {
                    self.acts[act as usize].catching = true;
                    let token = self.arm(act);
                    self.spawn_flow(plan, act, slot, token);
                }
                None => {
                    self.emit(SimEvent::StepFailed { txn: id, comp });
                    self.finish(plan, act, false);
                }
            },
        }
    }

    pub(super) fn retry_step(&mut self, plan: &Plan, act: u32, token: u64) {
        if self.live(act, token) {
            self.advance(plan, act);
        }
    }

    /// The caller of `act`'s synchronous child gave up on it: the child runs on, owned by
    /// the transaction, so that the transaction stays open until it ends.
    pub(super) fn detach_child(&mut self, act: u32) {
        let a = &mut self.acts[act as usize];
        let child = std::mem::replace(&mut a.child, NONE);
        let (txn, wait, comp) = (a.txn, a.wait, a.comp);
        if let Some(c) = self.acts.get_mut(child as usize)
            && c.caller == (Caller::Sync { act, token: wait })
        {
            c.caller = Caller::Detached;
            self.add_work(txn, 1, comp);
        }
    }

    /// Ends an activation: releases what it holds and tells its caller.
    pub(super) fn finish(&mut self, plan: &Plan, act: u32, ok: bool) {
        let a = &self.acts[act as usize];
        let (comp, inst, caller) = (a.comp, a.inst, a.caller);
        // Asynchronous failures are retried by the platform with the same activation.
        if caller == Caller::Async && !ok {
            self.release(plan, act, comp, inst, ok);
            self.async_failed(plan, act);
            return;
        }
        if let Caller::Message(_) = caller {
            // A batch keeps its instance until its last message is done.
            self.batch_message_ended(comp, inst, ok);
        } else {
            self.release(plan, act, comp, inst, ok);
        }
        self.notify(plan, act, ok);
    }

    /// Removes a finished (or aborted) activation and tells its caller how it ended.
    pub(super) fn notify(&mut self, plan: &Plan, act: u32, ok: bool) {
        self.give_back_connection(plan, act);
        let a = self.acts.remove(act as usize);
        if let Some(timer) = a.timer {
            self.cal.cancel(timer);
        }
        let id = self.txns[a.txn as usize].id;
        match a.caller {
            Caller::Entry => {
                self.emit(SimEvent::Reply {
                    txn: id,
                    from: a.comp,
                    to: None,
                    ok,
                });
                self.respond(a.txn, ok);
            }
            Caller::Sync { act: parent, token } => {
                self.emit(SimEvent::Reply {
                    txn: id,
                    from: a.comp,
                    to: a.from,
                    ok,
                });
                self.call_done(plan, parent, token, ok);
            }
            Caller::Async => {
                if ok {
                    self.work_done(a.txn);
                } else {
                    self.txns[a.txn as usize].failed = true;
                    self.work_done(a.txn);
                }
            }
            Caller::Message(msg) => {
                self.message_done(plan, msg, ok, true);
                self.next_in_batch(plan, a.comp, a.inst);
            }
            Caller::Detached => self.work_done(a.txn),
        }
    }

    /// Frees the worker or instance an activation held.
    fn release(&mut self, plan: &Plan, act: u32, comp: CompId, inst: u32, ok: bool) {
        if inst == NONE {
            return;
        }
        match &self.comps[comp] {
            CompState::Server(_) => self.server_release(comp, inst, act),
            CompState::Function(_) => self.function_release(plan, act, comp, inst, ok),
            _ => {}
        }
    }

    /// An asynchronous invocation failed: retry it later, or drop it.
    fn async_failed(&mut self, plan: &Plan, act: u32) {
        self.unqueue(act);
        let a = &mut self.acts[act as usize];
        a.inst = NONE;
        let (txn, comp, attempt) = (a.txn, a.comp, a.attempt);
        let id = self.txns[txn as usize].id;
        // Only functions are retried by the platform (an asynchronously started workflow is
        // not re-run).
        let delay = match plan.spec(comp) {
            Spec::Function(_) => cal::ASYNC_RETRY_DELAYS.get(attempt as usize),
            _ => None,
        };
        match delay {
            Some(&delay) => {
                let at = self.now() + delay;
                let a = &mut self.acts[act as usize];
                a.attempt += 1;
                a.pc = 0;
                a.retries = 0;
                // The retry asks for an instance anew when its delay is over.
                a.started = at;
                self.emit(SimEvent::Retried {
                    txn: id,
                    comp,
                    attempt: attempt + 1,
                    platform: true,
                });
                let token = self.arm(act);
                self.cal.schedule(at, Ev::AsyncRetry { act, token });
            }
            None => {
                self.acts.remove(act as usize);
                self.async_given_up(plan, txn, comp);
            }
        }
    }

    /// The platform gave up on an asynchronous event for `comp` (retries spent, or too old):
    /// it goes to the function's failure destination, or is dropped.
    fn async_given_up(&mut self, plan: &Plan, txn: u32, comp: CompId) {
        let on_failure = match plan.spec(comp) {
            Spec::Function(f) => f.on_failure,
            _ => None,
        };
        let Some(dest) = on_failure else {
            self.txns[txn as usize].failed = true;
            self.work_done(txn);
            return;
        };
        let id = self.txns[txn as usize].id;
        self.emit(SimEvent::DeadLettered {
            txn: id,
            queue: comp,
            dead_letter: dest,
        });
        match plan.spec(dest) {
            Spec::Queue(_) => self.enqueue(plan, txn, comp, dest, true, cal::EVENT_KB),
            _ => self.deliver_async(plan, txn, comp, dest, cal::EVENT_KB),
        }
    }

    /// An asynchronous invocation was throttled: back off and retry, up to the maximum age.
    pub(super) fn async_throttled(&mut self, plan: &Plan, act: u32) {
        let now = self.now();
        let a = &mut self.acts[act as usize];
        a.throttles += 1;
        let backoff = (cal::ASYNC_THROTTLE_BACKOFF << (a.throttles - 1).min(20))
            .min(cal::ASYNC_THROTTLE_BACKOFF_MAX);
        if now + backoff - a.first_try > cal::ASYNC_MAX_EVENT_AGE {
            let (txn, comp) = (a.txn, a.comp);
            self.unqueue(act);
            self.acts.remove(act as usize);
            self.async_given_up(plan, txn, comp);
        } else {
            // It waits for an instance, in the backlog, until one takes it.
            if !std::mem::replace(&mut a.queued, true) {
                self.waits_began(1);
            }
            let token = self.arm(act);
            self.cal
                .schedule(now + backoff, Ev::AsyncRetry { act, token });
        }
    }

    /// Takes `act` out of the backlog if it is counted there (see [`Act::queued`]).
    pub(super) fn unqueue(&mut self, act: u32) {
        if std::mem::take(&mut self.acts[act as usize].queued) {
            self.waits_ended(1);
        }
    }

    pub(super) fn async_retry(&mut self, plan: &Plan, act: u32, token: u64) {
        if self.live(act, token) {
            self.start(plan, act);
        }
    }

    /// Sends an event from `from` to a topic, queue or function; the transaction's outstanding
    /// count has already been raised for it.
    pub(super) fn deliver_async(
        &mut self,
        plan: &Plan,
        txn: u32,
        from: CompId,
        to: CompId,
        kb: f64,
    ) {
        match plan.spec(to) {
            Spec::Topic(_) if self.is_down(to) => {
                self.txns[txn as usize].failed = true;
                self.work_done(txn);
            }
            Spec::Topic(_) => self.publish(plan, txn, from, to, kb),
            Spec::Queue(_) => self.enqueue(plan, txn, from, to, false, kb),
            _ => self.request(plan, txn, Some(from), to, Caller::Async),
        }
    }
}

/// The largest message `target` accepts [KB] (unlimited for functions).
fn max_message_kb(plan: &Plan, target: CompId) -> f64 {
    match plan.spec(target) {
        Spec::Queue(q) => q.max_message_kb,
        Spec::Topic(t) => t.max_message_kb,
        _ => f64::INFINITY,
    }
}

/// Billing chunks of a message of `kb` KB: one per 64 KB started.
pub(super) fn chunks(kb: f64) -> u32 {
    ((kb / cal::BILLING_CHUNK_KB).ceil() as u32).max(1)
}
