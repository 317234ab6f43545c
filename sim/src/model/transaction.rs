//! Transactions: one user action, from arrival to the end of all the work it caused.
//!
//! A transaction holds a count of outstanding pieces of work: the synchronous request (until
//! the response is sent) plus every asynchronous event or message it caused. When the count
//! reaches zero the transaction is done, and its outcome decided.

use super::work::Caller;
use super::{Ev, Limit, MAX_OUTSTANDING_PER_TXN, MAX_WORK_PER_TXN, Plan, Runaway, State};
use crate::engine::SimTime;
use crate::observe::{Outcome, SimEvent, TxnId};
use crate::rng;
use crate::scenario::{CompId, KindId};

/// An in-flight transaction.
#[derive(Debug)]
pub(super) struct Txn {
    /// Stable id, the same in every architecture.
    pub id: TxnId,
    /// Kind.
    pub kind: KindId,
    /// Arrival time [ns].
    pub arrived: SimTime,
    /// Seed of every draw made for this transaction.
    pub seed: u64,
    /// The recorded duration [ns] of its invocation, for a source replaying a trace of
    /// invocations (what `Compute(FromTrace)` takes).
    pub recorded: Option<SimTime>,
    /// Pieces of work not yet finished.
    pub outstanding: u32,
    /// Pieces of work started for it so far, the request included (see [`State::add_work`]).
    pub caused: u32,
    /// Whether the response succeeded (meaningful once sent).
    pub response_ok: bool,
    /// Whether some asynchronous work was dropped.
    pub failed: bool,
    /// Whether some message was dead-lettered.
    pub dead_lettered: bool,
}

impl State {
    pub(super) fn schedule_next_arrival(&mut self, source: usize) {
        let horizon = self.horizon;
        if let Some(t) = self.sources[source].next(horizon) {
            self.cal.schedule(
                t,
                Ev::Arrival {
                    source: source as u32,
                },
            );
        }
    }

    pub(super) fn arrival(&mut self, plan: &Plan, source: usize) {
        let n_sources = self.sources.len() as u64;
        let ordinal = self.ordinals[source];
        self.ordinals[source] += 1;
        let kind = plan.scenario.sources[source].kind;
        let txn = Txn {
            id: ordinal * n_sources + source as u64,
            kind,
            arrived: self.now(),
            seed: rng::mix(self.source_seeds[source], ordinal),
            // The source's one scheduled arrival is this one (see `arrivals`).
            recorded: self.sources[source].duration(),
            outstanding: 1,
            caused: 1,
            response_ok: false,
            failed: false,
            dead_lettered: false,
        };
        let id = txn.id;
        let key = self.txns.insert(txn) as u32;
        self.counts.arrived += 1;
        self.emit(SimEvent::TransactionArrived { txn: id, kind });
        self.schedule_next_arrival(source);
        let entry = plan.arch().entry;
        self.request(plan, key, None, entry, Caller::Entry);
    }

    /// The synchronous part returned: the user sees the response.
    pub(super) fn respond(&mut self, txn: u32, ok: bool) {
        let now = self.now();
        let t = &mut self.txns[txn as usize];
        t.response_ok = ok;
        let event = SimEvent::ResponseSent {
            txn: t.id,
            kind: t.kind,
            ok,
            latency_ns: now - t.arrived,
        };
        self.emit(event);
        self.work_done(txn);
    }

    /// `n` more pieces of work of `txn` are outstanding, started at `comp`. Past a limit of
    /// [`MAX_OUTSTANDING_PER_TXN`] at once or [`MAX_WORK_PER_TXN`] in all, the run is marked
    /// to stop (see [`State::runaway`]): the handler in progress ends normally, and
    /// nothing else runs.
    pub(super) fn add_work(&mut self, txn: u32, n: u32, comp: CompId) {
        let t = &mut self.txns[txn as usize];
        t.outstanding = t.outstanding.saturating_add(n);
        t.caused = t.caused.saturating_add(n);
        let limit = if t.outstanding > MAX_OUTSTANDING_PER_TXN {
            Limit::Outstanding
        } else if t.caused > MAX_WORK_PER_TXN {
            Limit::Caused
        } else {
            return;
        };
        if self.runaway.is_none() {
            self.runaway = Some(Runaway {
                txn: t.id,
                kind: t.kind,
                comp,
                limit,
                at: self.cal.now(),
            });
        }
    }

    /// One outstanding piece of work finished.
    pub(super) fn work_done(&mut self, txn: u32) {
        let t = &mut self.txns[txn as usize];
        t.outstanding -= 1;
        if t.outstanding > 0 {
            return;
        }
        let t = self.txns.remove(txn as usize);
        let outcome = if !t.response_ok || t.failed {
            self.counts.failed += 1;
            Outcome::Failed
        } else if t.dead_lettered {
            self.counts.dead_lettered += 1;
            Outcome::DeadLettered
        } else {
            self.counts.completed += 1;
            Outcome::Completed
        };
        let latency_ns = self.now() - t.arrived;
        self.emit(SimEvent::TransactionDone {
            txn: t.id,
            kind: t.kind,
            outcome,
            latency_ns,
        });
    }
}
