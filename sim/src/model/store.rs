//! Data operations: databases, object storage and external services.
//!
//! An operation takes a sampled latency. A database with `Concurrency(n)` serves at most n at
//! once and queues the rest (FIFO); one with `PerSecond(r)` (and an external service with a
//! rate limit) admits requests through a token bucket of r tokens per second holding at most
//! one second's worth, and throttles the rest, which fail at once. An external service fails
//! each call with probability `error_rate`. A successful put on a storage with `on_put` emits
//! its event asynchronously once the put is done.

use std::collections::VecDeque;

use rand::RngExt;

use super::server::Checkout;
use super::{CompState, ComponentState, Ev, Plan, State};
use crate::engine::{NS_PER_S, SimTime};
use crate::observe::{Op, SimEvent};
use crate::scenario::{Capacity, CompId, Spec};

/// Run-time state of a database, storage or external service.
#[derive(Default)]
pub(super) struct StoreState {
    in_service: u32,
    /// Operations waiting for capacity: activation, its wait token, operation.
    waiting: VecDeque<(u32, u64, Op)>,
    /// Token bucket for rate limits.
    bucket: super::bucket::TokenBucket,
    /// Client connections open (databases).
    pub(super) connections: u32,
}

impl StoreState {
    pub(super) fn snapshot(&self) -> ComponentState {
        ComponentState::Store {
            in_service: self.in_service,
            waiting: self.waiting.len() as u32,
        }
    }

    /// Takes one token from a bucket refilled at `rate` [1/s] holding one second's worth
    /// (never less than one request); false when empty.
    fn admit(&mut self, rate: f64, now: SimTime) -> bool {
        self.bucket.take(
            now,
            rate.max(1.0),
            (rate.max(1.0) / rate * NS_PER_S as f64) as SimTime,
        )
    }
}

impl State {
    fn store_state(&mut self, comp: CompId) -> &mut StoreState {
        match &mut self.comps[comp] {
            CompState::Store(s) => s,
            _ => unreachable!("component {comp} has no store state"),
        }
    }

    /// Starts operation `op` of activation `act` (waiting with `token`) on `comp`.
    pub(super) fn start_op(&mut self, plan: &Plan, act: u32, token: u64, comp: CompId, op: Op) {
        let a = &self.acts[act as usize];
        let id = self.txns[a.txn as usize].id;
        let from = a.comp;
        self.emit(SimEvent::Request {
            txn: id,
            from: Some(from),
            to: comp,
            sync: true,
        });
        if self.is_down(comp) {
            return self.refuse_op(plan, act, token, comp);
        }
        if !self.connected(plan, act, comp) {
            // "Too many connections": every connection the database allows is held open.
            self.emit(SimEvent::Rejected { txn: id, comp });
            return self.refuse_op(plan, act, token, comp);
        }
        match self.checkout(act, token, comp, op) {
            Checkout::Lent | Checkout::Free => self.start_connected_op(plan, act, token, comp, op),
            // It starts when a connection of its instance's pool is given back.
            Checkout::Waiting => {}
            Checkout::Refused => {
                // The instance's pool got no connection (the database allows no more).
                self.emit(SimEvent::Rejected { txn: id, comp });
                self.refuse_op(plan, act, token, comp);
            }
        }
    }

    /// Starts operation `op` of `act` on `comp` once it has whatever connection it needs:
    /// it waits for the database's capacity, is throttled by a rate limit, or runs.
    pub(super) fn start_connected_op(
        &mut self,
        plan: &Plan,
        act: u32,
        token: u64,
        comp: CompId,
        op: Op,
    ) {
        let id = self.txns[self.acts[act as usize].txn as usize].id;
        let now = self.now();
        let factor = self.capacity_factor(comp);
        let limit = match plan.spec(comp) {
            Spec::Database(d) => match d.capacity {
                Capacity::Concurrency(_) => {
                    let n = self.concurrency_now(plan, comp).unwrap_or(1);
                    let s = self.store_state(comp);
                    if s.in_service >= n {
                        s.waiting.push_back((act, token, op));
                        return;
                    }
                    None
                }
                Capacity::PerSecond(rate) => Some(rate * factor),
                Capacity::Serverless => None,
            },
            Spec::External(e) => e.rate_limit.map(|r| r * factor),
            _ => None,
        };
        if let Some(rate) = limit
            && !self.store_state(comp).admit(rate, now)
        {
            self.emit(SimEvent::Throttled { txn: id, comp });
            return self.refuse_op(plan, act, token, comp);
        }
        self.run_op(plan, act, token, comp, op);
    }

    /// The operations a `Concurrency(n)` database `comp` may have in service now: n under its
    /// capacity cuts, rounded down and at least 1 (`None` for other components).
    fn concurrency_now(&self, plan: &Plan, comp: CompId) -> Option<u32> {
        match plan.spec(comp) {
            Spec::Database(d) => match d.capacity {
                Capacity::Concurrency(n) => {
                    Some(((f64::from(n) * self.capacity_factor(comp)) as u32).max(1))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// A fault ended, so capacity may be back: each `Concurrency(n)` database starts the
    /// operations waiting in its line, oldest first, up to what it may have in service now.
    /// (Before, only a finishing operation started the next one, so after a `CapacityCut`
    /// the line drained one at a time while later operations, finding room, went first:
    /// against "at most n in service; the rest wait in a FIFO line".)
    pub(super) fn store_capacity_freed(&mut self, plan: &Plan) {
        for comp in 0..self.comps.len() {
            let Some(n) = self.concurrency_now(plan, comp) else {
                continue;
            };
            loop {
                let s = self.store_state(comp);
                if s.in_service >= n {
                    break;
                }
                let Some((act, token, op)) = s.waiting.pop_front() else {
                    break;
                };
                // Skipping callers that gave up (timeout) or died (crash) meanwhile.
                if self.live(act, token) {
                    self.run_op(plan, act, token, comp, op);
                }
            }
        }
    }

    /// Answers the operation of `act` (waiting with `token`) on `comp` with a failure, at once.
    pub(super) fn refuse_op(&mut self, plan: &Plan, act: u32, token: u64, comp: CompId) {
        let a = &self.acts[act as usize];
        let (txn, from) = (self.txns[a.txn as usize].id, a.comp);
        self.emit(SimEvent::Reply {
            txn,
            from: comp,
            to: Some(from),
            ok: false,
        });
        self.call_done(plan, act, token, false);
    }

    /// Whether the caller of `act` has a connection to database `db`, opening one if it may:
    /// a function instance opens its own on first use and holds it while it lives; servers
    /// hold their pools from the start. Other stores need none.
    fn connected(&mut self, plan: &Plan, act: u32, db: CompId) -> bool {
        let Spec::Database(d) = plan.spec(db) else {
            return true;
        };
        let Some(max) = d.max_connections else {
            return true;
        };
        let a = &self.acts[act as usize];
        let (caller, inst) = (a.comp, a.inst);
        if !matches!(plan.spec(caller), Spec::Function(_)) || inst == super::work::NONE {
            return true;
        }
        if self.instance_holds_connection(caller, inst, db) {
            return true;
        }
        let s = self.store_state(db);
        if s.connections >= max {
            return false;
        }
        s.connections += 1;
        self.instance_opened_connection(caller, inst, db);
        true
    }

    /// Opens up to `count` connections to database `db` (a server instance's pool); returns
    /// how many it got.
    pub(super) fn open_connections(&mut self, plan: &Plan, db: CompId, count: u32) -> u32 {
        let Spec::Database(d) = plan.spec(db) else {
            return 0;
        };
        let s = self.store_state(db);
        let got = d
            .max_connections
            .map_or(count, |max| count.min(max.saturating_sub(s.connections)));
        s.connections += got;
        got
    }

    /// Closes `count` connections to database `db`.
    pub(super) fn close_connections(&mut self, db: CompId, count: u32) {
        let s = self.store_state(db);
        s.connections = s.connections.saturating_sub(count);
    }

    fn run_op(&mut self, plan: &Plan, act: u32, token: u64, comp: CompId, op: Op) {
        let mut r = self.draw_rng(plan, act, comp);
        let (latency, ok) = match plan.spec(comp) {
            Spec::Database(d) => (d.latency.sample(&mut r), true),
            Spec::Storage(s) => (s.latency.sample(&mut r), true),
            Spec::External(e) => {
                let latency = e.latency.sample(&mut r);
                let u: f64 = r.random();
                (latency, u >= e.error_rate)
            }
            _ => unreachable!("operations only target stores"),
        };
        // Faults: slower, and failing some calls.
        let latency = self.slowed(plan, comp, 0, latency);
        let rate = if self.active.is_empty() {
            0.0
        } else {
            self.error_rate(plan, comp, 0)
        };
        let ok = ok && (rate == 0.0 || r.random::<f64>() >= rate);
        self.store_state(comp).in_service += 1;
        let at = self.now() + latency;
        self.cal.schedule(
            at,
            Ev::OpDone {
                act,
                token,
                comp: comp as u32,
                op,
                ok,
            },
        );
    }

    pub(super) fn op_done(
        &mut self,
        plan: &Plan,
        act: u32,
        token: u64,
        comp: CompId,
        op: Op,
        ok: bool,
    ) {
        self.store_state(comp).in_service -= 1;
        // The next in line, skipping callers that gave up (timeout) or died (crash) meanwhile.
        while let Some((next, next_token, next_op)) = self.store_state(comp).waiting.pop_front() {
            if self.live(next, next_token) {
                self.run_op(plan, next, next_token, comp, next_op);
                break;
            }
        }
        // A caller that gave up (timeout) or died (crash) no longer waits for this answer.
        if !self.live(act, token) {
            return;
        }
        let a = &self.acts[act as usize];
        let (txn, from) = (a.txn, a.comp);
        let id = self.txns[txn as usize].id;
        self.emit(SimEvent::Operation {
            txn: id,
            comp,
            op,
            ok,
        });
        self.emit(SimEvent::Reply {
            txn: id,
            from: comp,
            to: Some(from),
            ok,
        });
        if ok
            && op == Op::Put
            && let Spec::Storage(st) = plan.spec(comp)
            && let Some(target) = st.on_put
        {
            self.add_work(txn, 1, comp);
            self.deliver_async(plan, txn, comp, target, crate::calibration::EVENT_KB);
        }
        self.call_done(plan, act, token, ok);
    }
}
