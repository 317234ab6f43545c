//! Activations: one run of a list of steps at one component for one transaction.
//!
//! An activation is created when work is sent to a server, function or gateway. It waits for
//! its resources (a worker, an instance), then runs its steps in order: compute steps take
//! time, calls wait for a child activation or a data operation, emits go on at once. When the
//! steps are done or one fails, the activation releases its resources and tells its caller.

use rand::SeedableRng;

use super::{CompState, Ev, Plan, State};
use crate::calibration as cal;
use crate::observe::{Op, SimEvent};
use crate::rng::{self, SimRng};
use crate::scenario::{CompId, Spec, Step};

/// Who is waiting for an activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Caller {
    /// The user: the activation's end is the transaction's response.
    Entry,
    /// Another activation, waiting synchronously.
    Sync(u32),
    /// Nobody: an asynchronous invocation, retried by the platform on failure.
    Async,
    /// A queue message, processed as part of a batch.
    Message(u32),
}

/// Marks an activation that holds no instance or worker.
pub(super) const NO_INSTANCE: u32 = u32::MAX;

/// A running (or waiting) activation.
#[derive(Debug)]
pub(super) struct Act {
    /// Transaction key.
    pub txn: u32,
    /// Component running it.
    pub comp: CompId,
    /// Work table slot (transaction kind for servers and gateways, 0 for functions).
    pub slot: u32,
    /// Next step.
    pub pc: u32,
    /// Who waits for it.
    pub caller: Caller,
    /// Server instance or function instance held, or [`NO_INSTANCE`].
    pub inst: u32,
    /// Platform retries so far (asynchronous invocations).
    pub attempt: u32,
    /// Throttles so far (asynchronous invocations), for the back-off.
    pub throttles: u32,
    /// First attempt [ns], for the maximum event age.
    pub first_try: u64,
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
        let sync = matches!(caller, Caller::Entry | Caller::Sync(_));
        self.emit(SimEvent::Request {
            txn: id,
            from,
            to,
            sync,
        });
        let slot = match plan.spec(to) {
            Spec::Function(_) => 0,
            _ => kind as u32,
        };
        let now = self.now();
        let act = Act {
            txn,
            comp: to,
            slot,
            pc: 0,
            caller,
            inst: super::work::NO_INSTANCE,
            attempt: 0,
            throttles: 0,
            first_try: now,
        };
        let key = self.acts.insert(act) as u32;
        self.start(plan, key);
    }

    /// Gets the activation its resources and runs it, or fails it if none can be had.
    pub(super) fn start(&mut self, plan: &Plan, act: u32) {
        let comp = self.acts[act as usize].comp;
        match plan.spec(comp) {
            Spec::Function(_) => self.invoke_function(plan, act),
            Spec::Server(_) => self.server_request(plan, act),
            _ => self.advance(plan, act),
        }
    }

    /// Starts activation `act` on instance or worker `inst` of its component.
    pub(super) fn begin(&mut self, plan: &Plan, act: u32, inst: u32, cold: bool) {
        let a = &mut self.acts[act as usize];
        a.inst = inst;
        let (txn, comp) = (self.txns[a.txn as usize].id, a.comp);
        self.emit(SimEvent::InvocationStarted {
            txn,
            comp,
            instance: inst,
            cold,
        });
        self.advance(plan, act);
    }

    /// A generator for a draw made by activation `act` at its current step.
    pub(super) fn draw_rng(&self, plan: &Plan, act: u32, target: CompId) -> SimRng {
        let a = &self.acts[act as usize];
        let site = rng::mix(
            plan.comp_keys[a.comp],
            (u64::from(a.slot) << 32) | u64::from(a.pc),
        );
        let key = rng::mix(
            self.txns[a.txn as usize].seed,
            rng::mix(site, plan.comp_keys[target]),
        );
        SimRng::seed_from_u64(rng::mix(key, u64::from(a.attempt)))
    }

    /// Runs steps until one takes time or waits.
    pub(super) fn advance(&mut self, plan: &Plan, act: u32) {
        loop {
            let a = &self.acts[act as usize];
            let (comp, txn) = (a.comp, a.txn);
            let Some(step) = plan.steps(comp, a.slot).get(a.pc as usize) else {
                self.finish(plan, act, true);
                return;
            };
            match step {
                Step::Compute(d) => {
                    let mut r = self.draw_rng(plan, act, comp);
                    let t = self.now() + d.sample(&mut r);
                    self.cal.schedule(t, Ev::StepDone { act });
                    return;
                }
                Step::Emit(target) => {
                    self.acts[act as usize].pc += 1;
                    self.txns[txn as usize].outstanding += 1;
                    self.deliver_async(plan, txn, comp, *target);
                }
                Step::Call(target) if matches!(plan.spec(*target), Spec::External(_)) => {
                    self.start_op(plan, act, *target, Op::Call);
                    return;
                }
                Step::Call(target) => {
                    self.acts[act as usize].pc += 1;
                    self.request(plan, txn, Some(comp), *target, Caller::Sync(act));
                    return;
                }
                Step::Read(t) => return self.start_op(plan, act, *t, Op::Read),
                Step::Write(t) => return self.start_op(plan, act, *t, Op::Write),
                Step::Put(t) => return self.start_op(plan, act, *t, Op::Put),
                Step::Get(t) => return self.start_op(plan, act, *t, Op::Get),
            }
        }
    }

    pub(super) fn step_done(&mut self, plan: &Plan, act: u32) {
        self.acts[act as usize].pc += 1;
        self.advance(plan, act);
    }

    /// A synchronous child (call or data operation) of `act` answered.
    pub(super) fn resume(&mut self, plan: &Plan, act: u32, ok: bool) {
        if ok {
            self.advance(plan, act);
        } else {
            let a = &self.acts[act as usize];
            let event = SimEvent::StepFailed {
                txn: self.txns[a.txn as usize].id,
                comp: a.comp,
            };
            self.emit(event);
            self.finish(plan, act, false);
        }
    }

    /// Ends an activation: releases what it holds and tells its caller.
    pub(super) fn finish(&mut self, plan: &Plan, act: u32, ok: bool) {
        let a = &self.acts[act as usize];
        let (comp, txn, inst, caller) = (a.comp, a.txn, a.inst, a.caller);
        // Asynchronous failures are retried by the platform with the same activation.
        if caller == Caller::Async && !ok {
            self.release(plan, comp, inst, ok);
            self.async_failed(act);
            return;
        }
        self.acts.remove(act as usize);
        match caller {
            // A batch keeps its instance until its last message is done.
            Caller::Message(msg) => {
                self.batch_message_ended(comp, inst, ok);
                self.message_done(plan, msg, ok);
                self.next_in_batch(plan, comp, inst);
                return;
            }
            _ => self.release(plan, comp, inst, ok),
        }
        match caller {
            Caller::Entry => {
                let id = self.txns[txn as usize].id;
                self.emit(SimEvent::Reply {
                    txn: id,
                    from: comp,
                    to: None,
                    ok,
                });
                self.respond(txn, ok);
            }
            Caller::Sync(parent) => {
                let id = self.txns[txn as usize].id;
                let to = Some(self.acts[parent as usize].comp);
                self.emit(SimEvent::Reply {
                    txn: id,
                    from: comp,
                    to,
                    ok,
                });
                self.resume(plan, parent, ok);
            }
            Caller::Async => self.work_done(txn),
            Caller::Message(_) => {}
        }
    }

    /// Frees the worker or instance an activation held.
    fn release(&mut self, plan: &Plan, comp: CompId, inst: u32, ok: bool) {
        if inst == NO_INSTANCE {
            return;
        }
        match &self.comps[comp] {
            CompState::Server(_) => self.server_release(plan, comp, inst),
            CompState::Function(_) => self.function_release(plan, comp, inst, ok),
            _ => {}
        }
    }

    /// An asynchronous invocation failed: retry it later, or drop it.
    fn async_failed(&mut self, act: u32) {
        let a = &mut self.acts[act as usize];
        a.inst = NO_INSTANCE;
        let (txn, comp, attempt) = (a.txn, a.comp, a.attempt);
        let id = self.txns[txn as usize].id;
        match cal::ASYNC_RETRY_DELAYS.get(attempt as usize) {
            Some(&delay) => {
                let a = &mut self.acts[act as usize];
                a.attempt += 1;
                a.pc = 0;
                self.emit(SimEvent::Retried {
                    txn: id,
                    comp,
                    attempt: attempt + 1,
                });
                let at = self.now() + delay;
                self.cal.schedule(at, Ev::AsyncRetry { act });
            }
            None => {
                self.acts.remove(act as usize);
                self.txns[txn as usize].failed = true;
                self.work_done(txn);
            }
        }
    }

    /// An asynchronous invocation was throttled: back off and retry, up to the maximum age.
    pub(super) fn async_throttled(&mut self, act: u32) {
        let now = self.now();
        let a = &mut self.acts[act as usize];
        a.throttles += 1;
        let backoff = (cal::ASYNC_THROTTLE_BACKOFF << (a.throttles - 1).min(20))
            .min(cal::ASYNC_THROTTLE_BACKOFF_MAX);
        if now + backoff - a.first_try > cal::ASYNC_MAX_EVENT_AGE {
            let txn = a.txn;
            self.acts.remove(act as usize);
            self.txns[txn as usize].failed = true;
            self.work_done(txn);
        } else {
            self.cal.schedule(now + backoff, Ev::AsyncRetry { act });
        }
    }

    pub(super) fn async_retry(&mut self, plan: &Plan, act: u32) {
        self.start(plan, act);
    }

    /// Sends an event from `from` to a topic, queue or function; the transaction's outstanding
    /// count has already been raised for it.
    pub(super) fn deliver_async(&mut self, plan: &Plan, txn: u32, from: CompId, to: CompId) {
        match plan.spec(to) {
            Spec::Topic(_) => self.publish(plan, txn, from, to),
            Spec::Queue(_) => self.enqueue(plan, txn, from, to),
            _ => self.request(plan, txn, Some(from), to, Caller::Async),
        }
    }
}
