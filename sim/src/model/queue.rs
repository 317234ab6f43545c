//! Queues: messages wait until the consumer function can take a batch.
//!
//! Pollers hand the consumer up to `batch` visible messages per invocation whenever it has
//! concurrency to spare (AWS Lambda's SQS event source). Each message of a batch is processed
//! in turn on the same instance; a message whose processing fails is not deleted and becomes
//! visible again when its visibility timeout (counted from its receive) runs out. After
//! `max_receives` receives it moves to the dead-letter queue, or is dropped without one.
//!
//! Pollers start with 5 concurrent batches and add one every 200 ms while messages wait (AWS
//! Lambda: up to 300 more per minute), up to the queue's `max_concurrency`. A message's
//! visibility timeout runs from each receive: if it runs out while a copy is still being
//! processed, the message is visible again and may be processed twice (at-least-once
//! delivery; the second is counted as a duplicate execution).
//!
//! A queue without a consumer parks what it gets. A message parked in a dead-letter queue
//! with a redrive policy keeps its transaction open until it is redriven and processed; one
//! parked in a dead-letter queue without redrive ends its transaction as dead-lettered; one
//! parked in a plain queue (a sink) just ends that piece of work.

use std::collections::VecDeque;

use super::{CompState, ComponentState, Ev, Plan, State};
use crate::calibration as cal;
use crate::engine::SimTime;
use crate::observe::SimEvent;
use crate::rng;
use crate::scenario::{CompId, Queue, Redrive, Spec};

/// A message on a queue.
#[derive(Debug)]
pub(super) struct Msg {
    /// Transaction key (meaningless once parked for good).
    pub txn: u32,
    /// The queue it is on.
    pub queue: CompId,
    /// Times received so far.
    pub receives: u32,
    /// When it last became visible (sent, visible again, redriven) [ns].
    pub visible_since: SimTime,
    /// How long it was visible before its last receive [ns].
    pub waited: SimTime,
    /// Whether its consumer always fails it (a `Poison` fault).
    pub poison: bool,
    /// Whether it was moved to a dead-letter queue.
    pub dead_lettered: bool,
    /// Whether it was sent back from a dead-letter queue.
    pub redriven: bool,
    /// Size [KB].
    pub kb: f64,
    /// Received copies not yet finished (waiting in a batch or executing).
    pub copies: u32,
    /// Copies executing now.
    pub running: u32,
    /// Whether a copy was processed successfully (and the message deleted).
    pub done: bool,
    /// Whether the message left this record: moved to its dead-letter queue (as a new
    /// record) or dropped, while copies of it were still being processed. Those copies
    /// finish without changing anything.
    pub moved: bool,
    /// Whether it is in its queue's visible list.
    pub visible: bool,
    /// Its visibility timeout, counted from its last receive.
    pub timer: Option<crate::engine::TimerKey>,
}

impl Msg {
    /// A message of `kb` KB for transaction `txn` on `queue`, not yet received.
    fn new(txn: u32, queue: CompId, kb: f64) -> Self {
        Self {
            txn,
            queue,
            receives: 0,
            visible_since: 0,
            waited: 0,
            poison: false,
            dead_lettered: false,
            redriven: false,
            kb,
            copies: 0,
            running: 0,
            done: false,
            moved: false,
            visible: false,
            timer: None,
        }
    }
}

/// Run-time state of one queue.
pub(super) struct QueueState {
    visible: VecDeque<u32>,
    in_flight: u32,
    /// Concurrent batches the pollers may have in flight now, and how many are.
    pollers: u32,
    batches: u32,
    /// When the pollers last grew; whether a poll is scheduled.
    grown_at: SimTime,
    poll_pending: bool,
}

impl Default for QueueState {
    fn default() -> Self {
        Self {
            visible: VecDeque::new(),
            in_flight: 0,
            pollers: cal::POLLERS_START,
            batches: 0,
            grown_at: 0,
            poll_pending: false,
        }
    }
}

impl QueueState {
    /// The messages waiting on the queue (visible), oldest first.
    pub(super) fn parked(&self) -> impl Iterator<Item = u32> + '_ {
        self.visible.iter().copied()
    }

    pub(super) fn snapshot(&self) -> ComponentState {
        ComponentState::Queue {
            visible: self.visible.len() as u32,
            in_flight: self.in_flight,
        }
    }
}

fn spec(plan: &Plan, comp: CompId) -> &Queue {
    match plan.spec(comp) {
        Spec::Queue(q) => q,
        _ => unreachable!("component {comp} is not a queue"),
    }
}

impl State {
    fn queue_state(&mut self, comp: CompId) -> &mut QueueState {
        match &mut self.comps[comp] {
            CompState::Queue(q) => q,
            _ => unreachable!("component {comp} has no queue state"),
        }
    }

    /// Puts a message for `txn` on `queue` (its outstanding count is already raised).
    /// `dead_lettered` marks a failed asynchronous event sent to its function's failure
    /// destination.
    pub(super) fn enqueue(
        &mut self,
        plan: &Plan,
        txn: u32,
        from: CompId,
        queue: CompId,
        dead_lettered: bool,
        kb: f64,
    ) {
        let id = self.txns[txn as usize].id;
        self.emit(SimEvent::Request {
            txn: id,
            from: Some(from),
            to: queue,
            sync: false,
        });
        if self.is_down(queue) {
            // The send fails; nobody retries it.
            self.txns[txn as usize].failed = true;
            self.work_done(txn);
            return;
        }
        if kb > spec(plan, queue).max_message_kb {
            // Too big (a delivery from a topic with a larger limit): refused, and lost.
            self.emit(SimEvent::Rejected {
                txn: id,
                comp: queue,
            });
            self.txns[txn as usize].failed = true;
            self.work_done(txn);
            return;
        }
        self.emit(SimEvent::MessageEnqueued {
            txn: id,
            queue,
            chunks: super::work::chunks(kb),
        });
        let rate = self.poison_rate(queue);
        let poison = rate > 0.0 && {
            let site = rng::mix(plan.comp_keys[queue], rng::name_key("poison"));
            rng::unit_from_key(rng::mix(self.txns[txn as usize].seed, site)) < rate
        };
        let msg = Msg {
            poison,
            dead_lettered,
            ..Msg::new(txn, queue, kb)
        };
        let msg = self.msgs.insert(msg) as u32;
        self.push_visible(plan, queue, msg);
    }

    fn push_visible(&mut self, plan: &Plan, queue: CompId, msg: u32) {
        let now = self.now();
        let qs = self.queue_state(queue);
        if qs.visible.is_empty() {
            // A backlog starts: the pollers' growth counts from now.
            qs.grown_at = now;
        }
        qs.visible.push_back(msg);
        let m = &mut self.msgs[msg as usize];
        m.visible = true;
        m.visible_since = now;
        if spec(plan, queue).consumer.is_some() {
            // It waits for the consumer (a message parked without one waits for nothing).
            self.waits_began(1);
            self.dispatch(plan, queue);
        } else {
            self.parked(plan, queue, msg);
        }
    }

    /// A message landed on a queue without a consumer. Awaiting a redrive, it keeps its
    /// transaction open; otherwise that piece of the transaction's work is over.
    fn parked(&mut self, plan: &Plan, queue: CompId, msg: u32) {
        let q = spec(plan, queue);
        let m = &self.msgs[msg as usize];
        if q.redrive.is_none() {
            let (txn, dead_lettered) = (m.txn, m.dead_lettered);
            if dead_lettered {
                self.txns[txn as usize].dead_lettered = true;
            }
            self.work_done(txn);
        }
    }

    /// Hands visible messages to the consumer while it has capacity.
    fn dispatch(&mut self, plan: &Plan, queue: CompId) {
        let q = spec(plan, queue);
        let Some(consumer) = q.consumer else { return };
        // A queue that is down hands nothing out; nor does one whose consumer is down: the
        // messages wait (they are not received, so not counted against max_receives).
        if self.is_down(queue) || self.is_down(consumer) {
            return;
        }
        let mut batch = std::mem::take(&mut self.batch_scratch);
        self.dispatch_batches(plan, queue, consumer, q.batch as usize, &mut batch);
        self.batch_scratch = batch;
    }

    fn dispatch_batches(
        &mut self,
        plan: &Plan,
        queue: CompId,
        consumer: CompId,
        size: usize,
        batch: &mut Vec<u32>,
    ) {
        let cap = spec(plan, queue).max_concurrency;
        loop {
            let now = self.now();
            let qs = self.queue_state(queue);
            if qs.visible.is_empty() {
                return;
            }
            // Pollers add concurrency gradually while messages wait (AWS Lambda: up to 300
            // more per minute), up to the queue's maximum concurrency.
            let grown = (now - qs.grown_at) / cal::POLLER_GROWTH_EVERY;
            if grown > 0 {
                qs.pollers = (qs.pollers + grown as u32).min(cap);
                qs.grown_at += grown * cal::POLLER_GROWTH_EVERY;
            }
            let started = if qs.batches < qs.pollers && self.function_has_capacity(plan, consumer) {
                self.acquire_for_batch(plan, consumer, queue)
            } else {
                None
            };
            let Some((inst, ready)) = started else {
                // Blocked by pollers, concurrency or the scaling rate: look again shortly.
                let qs = self.queue_state(queue);
                if !qs.poll_pending {
                    qs.poll_pending = true;
                    self.cal.schedule(
                        now + cal::POLLER_GROWTH_EVERY,
                        Ev::QueuePoll {
                            queue: queue as u32,
                        },
                    );
                }
                return;
            };
            let qs = self.queue_state(queue);
            qs.batches += 1;
            let n = size.min(qs.visible.len());
            batch.clear();
            batch.extend(qs.visible.drain(..n));
            qs.in_flight += n as u32;
            self.waits_ended(n as u64);
            let mut batch_kb = 0.0;
            let visibility = spec(plan, queue).visibility_timeout;
            for &m in batch.iter() {
                // Hidden for the visibility timeout from this receive; if it runs out before
                // a copy is processed, the message is visible again (at-least-once delivery).
                let old = self.msgs[m as usize].timer.take();
                if let Some(old) = old {
                    self.cal.cancel(old);
                }
                let timer = self
                    .cal
                    .schedule_timer(now + visibility, Ev::MessageVisible { msg: m });
                let msg = &mut self.msgs[m as usize];
                msg.timer = Some(timer);
                msg.visible = false;
                msg.copies += 1;
                msg.receives += 1;
                msg.waited = now - msg.visible_since;
                // Each received copy is work of its transaction until it finishes, so the
                // transaction outlives any duplicate still running.
                let txn = msg.txn;
                batch_kb += msg.kb;
                self.add_work(txn, 1, queue);
                let id = self.txns[txn as usize].id;
                self.emit(SimEvent::Request {
                    txn: id,
                    from: Some(queue),
                    to: consumer,
                    sync: false,
                });
            }
            // A receive is billed by its whole payload, 64 KB per request.
            let chunks = super::work::chunks(batch_kb);
            self.emit(SimEvent::BatchReceived {
                queue,
                consumer,
                messages: n as u32,
                chunks,
            });
            self.run_batch(plan, consumer, inst, ready, batch);
        }
    }

    /// A batch invocation from `queue` ended.
    pub(super) fn batch_ended(&mut self, queue: CompId) {
        let now = self.now();
        let qs = self.queue_state(queue);
        qs.batches -= 1;
        if qs.batches == 0 && qs.visible.is_empty() {
            // Nothing waiting: pollers scale back down.
            qs.pollers = cal::POLLERS_START;
            qs.grown_at = now;
        }
    }

    pub(super) fn queue_poll(&mut self, plan: &Plan, queue: CompId) {
        self.queue_state(queue).poll_pending = false;
        self.dispatch(plan, queue);
    }

    /// A copy of message `msg` starts executing; true if it is a duplicate (another copy is
    /// executing, or one already succeeded).
    pub(super) fn message_starts(&mut self, msg: u32) -> bool {
        let m = &mut self.msgs[msg as usize];
        let duplicate = m.done || m.running > 0;
        m.running += 1;
        if duplicate {
            let (txn, queue) = (m.txn, m.queue);
            let id = self.txns[txn as usize].id;
            self.emit(SimEvent::DuplicateExecution { txn: id, queue });
        }
        duplicate
    }

    /// The consumer finished one copy of a message (`started`: it had begun executing).
    pub(super) fn message_done(&mut self, plan: &Plan, msg: u32, ok: bool, started: bool) {
        let txn = self.msgs[msg as usize].txn;
        self.message_fate(plan, msg, ok, started);
        // This copy's work is over (after the message's own fate, which may end more work).
        self.work_done(txn);
    }

    /// What a finished copy means for its message: deleted, tried again, or dead-lettered.
    fn message_fate(&mut self, plan: &Plan, msg: u32, ok: bool, started: bool) {
        let m = &mut self.msgs[msg as usize];
        m.copies -= 1;
        if started {
            m.running -= 1;
        }
        let (txn, queue, receives, done, copies, visible) = (
            m.txn,
            m.queue,
            m.receives,
            m.done || m.moved,
            m.copies,
            m.visible,
        );
        self.queue_state(queue).in_flight -= 1;
        if done {
            // A copy finished after the message was processed, or after it left the queue:
            // nothing more to do.
            if copies == 0 && !visible {
                self.msgs.remove(msg as usize);
            }
            return;
        }
        let id = self.txns[txn as usize].id;
        if ok {
            let m = &mut self.msgs[msg as usize];
            m.done = true;
            let (redriven, timer) = (m.redriven, m.timer.take());
            if let Some(timer) = timer {
                self.cal.cancel(timer);
            }
            if visible {
                // Visible again meanwhile: the delete takes it off the queue.
                let qs = self.queue_state(queue);
                if let Some(pos) = qs.visible.iter().position(|&x| x == msg) {
                    qs.visible.remove(pos);
                    if spec(plan, queue).consumer.is_some() {
                        self.waits_ended(1);
                    }
                }
                self.msgs[msg as usize].visible = false;
            }
            if copies == 0 {
                self.msgs.remove(msg as usize);
            }
            self.emit(SimEvent::MessageDeleted {
                txn: id,
                queue,
                redriven,
            });
            self.work_done(txn);
            return;
        }
        // Failed. Another copy may still succeed, or the message is visible again already.
        if copies > 0 || visible {
            return;
        }
        if spec(plan, queue)
            .max_receives
            .is_some_and(|max| receives >= max)
        {
            if let Some(timer) = self.msgs[msg as usize].timer.take() {
                self.cal.cancel(timer);
            }
            self.receives_spent(plan, msg);
            return;
        }
        // It becomes visible again when its visibility timeout (already running) ends.
        self.emit(SimEvent::MessageReturned {
            txn: id,
            queue,
            receives,
        });
    }

    /// A message's visibility timeout ran out: unless processed, it is visible again, or,
    /// received `max_receives` times already, it leaves the queue now, whatever its copies
    /// still running do (Amazon SQS moves a message to the dead-letter queue when its
    /// receive count exceeds maxReceiveCount; it is never handed out once more).
    pub(super) fn message_visible(&mut self, plan: &Plan, msg: u32) {
        let m = &mut self.msgs[msg as usize];
        m.timer = None;
        if m.done || m.moved || m.visible {
            return;
        }
        let (queue, receives) = (m.queue, m.receives);
        if spec(plan, queue)
            .max_receives
            .is_some_and(|max| receives >= max)
        {
            self.receives_spent(plan, msg);
            return;
        }
        self.push_visible(plan, queue, msg);
    }

    /// Message `msg` has been received `max_receives` times and is neither deleted nor
    /// visible: it moves to its queue's dead-letter queue, or is dropped (its transaction
    /// fails) without one. Copies still being processed finish on the old record.
    fn receives_spent(&mut self, plan: &Plan, msg: u32) {
        let m = &self.msgs[msg as usize];
        let (txn, queue, copies) = (m.txn, m.queue, m.copies);
        let id = self.txns[txn as usize].id;
        match spec(plan, queue).dead_letter {
            Some(dlq) => {
                self.emit(SimEvent::DeadLettered {
                    txn: id,
                    queue,
                    dead_letter: dlq,
                });
                let moved = if copies == 0 {
                    msg
                } else {
                    // The copies still running keep this record (and their own count on
                    // this queue); the message goes on as a new one.
                    let m = &mut self.msgs[msg as usize];
                    m.moved = true;
                    let copy = Msg {
                        poison: m.poison,
                        redriven: m.redriven,
                        ..Msg::new(txn, queue, m.kb)
                    };
                    self.msgs.insert(copy) as u32
                };
                let m = &mut self.msgs[moved as usize];
                m.queue = dlq;
                m.receives = 0;
                m.dead_lettered = true;
                self.push_visible(plan, dlq, moved);
            }
            None => {
                if copies == 0 {
                    self.msgs.remove(msg as usize);
                } else {
                    self.msgs[msg as usize].moved = true;
                }
                self.txns[txn as usize].failed = true;
                self.work_done(txn);
            }
        }
    }

    /// Sends every message parked in the dead-letter queue `dlq` back to its redrive target.
    pub(super) fn redrive(&mut self, plan: &Plan, dlq: CompId) {
        let to = match spec(plan, dlq).redrive {
            Some(Redrive::At { to, .. } | Redrive::AfterFaults { to, .. }) => to,
            None => return,
        };
        let parked: Vec<u32> = self.queue_state(dlq).visible.drain(..).collect();
        if spec(plan, dlq).consumer.is_some() {
            self.waits_ended(parked.len() as u64);
        }
        let now = self.now();
        let target = self.queue_state(to);
        if target.visible.is_empty() {
            target.grown_at = now;
        }
        // All go back at once, so pollers take them in full batches.
        for &msg in &parked {
            let m = &mut self.msgs[msg as usize];
            m.queue = to;
            m.receives = 0;
            m.redriven = true;
            m.visible_since = now;
            let txn = m.txn;
            let id = self.txns[txn as usize].id;
            self.emit(SimEvent::Redriven {
                txn: id,
                from: dlq,
                to,
            });
            self.queue_state(to).visible.push_back(msg);
        }
        if spec(plan, to).consumer.is_some() {
            self.waits_began(parked.len() as u64);
            self.dispatch(plan, to);
        } else {
            for msg in parked {
                self.parked(plan, to, msg);
            }
        }
    }

    /// Function capacity was freed: queues with waiting messages may dispatch again.
    pub(super) fn capacity_freed(&mut self, plan: &Plan) {
        // The queues in component order: what a scan of every component would find.
        for &queue in &plan.queues {
            let waiting =
                matches!(&self.comps[queue], CompState::Queue(q) if !q.visible.is_empty());
            if waiting {
                self.dispatch(plan, queue);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::engine::{NS_PER_S, SimTime};
    use crate::model::{ComponentState, Simulation};
    use crate::observe::SimEvent;

    #[test]
    fn no_message_record_outlives_its_last_copy() {
        // Memory does not grow with run length: a message's record lives while a copy of it
        // runs or while it waits on a queue, no longer. One message every 5 s (5 s … 95 s:
        // 19), visibility 1 s, so each is received again 1 s after its first receive while the
        // first copy still runs: 19 duplicates in each design. "duplicates": 1.5-s work, the
        // first copy deletes the message at 1.5 s and the second ends at 2.5 s on a record
        // already done. "moved": 2.5-s work and max_receives 2, so at 2 s the message moves to
        // the dead-letter queue (19 moves) while both copies still run on the old record,
        // which they end at 2.5 s and 3.5 s. After the drain only the 19 messages parked in
        // the dead-letter queue are left. A leaked record shows in no event or figure, only
        // in memory: hence the look at the slab of records.
        let text = r#"Scenario(name: "records", horizon: "100s",
          workload: [Source(kind: "m", arrivals: Constant(per_second: 0.2))],
          architectures: [
            Architecture(name: "duplicates", entry: "producer", components: [
              Function(name: "producer", cold_start: "0ms", work: [Emit("jobs")]),
              Queue(name: "jobs", consumer: "worker", batch: 1, visibility_timeout: "1s"),
              Function(name: "worker", cold_start: "0ms", work: [Compute("1500ms")])]),
            Architecture(name: "moved", entry: "producer", components: [
              Function(name: "producer", cold_start: "0ms", work: [Emit("jobs")]),
              Queue(name: "jobs", consumer: "worker", batch: 1, visibility_timeout: "1s",
                    max_receives: 2, dead_letter: "dlq"),
              Queue(name: "dlq"),
              Function(name: "worker", cold_start: "0ms", work: [Compute("2500ms")])])])"#;
        let scenario = Arc::new(crate::scenario::load("t.ron", text).unwrap().scenario);
        for (arch, moves) in [(0, 0), (1, 19)] {
            let mut sim = Simulation::new(Arc::clone(&scenario), arch);
            let mut ev: Vec<(SimTime, SimEvent)> = Vec::new();
            sim.run(&mut ev);
            sim.drain(3_600 * NS_PER_S, &mut ev);
            let count = |f: fn(&SimEvent) -> bool| ev.iter().filter(|(_, e)| f(e)).count();
            assert_eq!(
                count(|e| matches!(e, SimEvent::DuplicateExecution { .. })),
                19
            );
            assert_eq!(count(|e| matches!(e, SimEvent::DeadLettered { .. })), moves);
            let waiting: u32 = sim
                .snapshot()
                .iter()
                .map(|s| match *s {
                    ComponentState::Queue { visible, .. } => visible,
                    _ => 0,
                })
                .sum();
            assert_eq!(waiting as usize, moves);
            assert_eq!(sim.st.msgs.len(), moves, "message records kept");
        }
    }
}
