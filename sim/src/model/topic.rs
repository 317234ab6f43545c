//! Topics: publish once, deliver to every subscriber asynchronously (fan-out).

use super::{Plan, State};
use crate::observe::SimEvent;
use crate::scenario::{CompId, Spec};

impl State {
    /// Publishes an event of `txn` to `topic` (its outstanding count is already raised for
    /// this hop); each subscriber delivery becomes an outstanding piece of work of its own.
    pub(super) fn publish(&mut self, plan: &Plan, txn: u32, from: CompId, topic: CompId, kb: f64) {
        let id = self.txns[txn as usize].id;
        self.emit(SimEvent::Request {
            txn: id,
            from: Some(from),
            to: topic,
            sync: false,
        });
        self.emit(SimEvent::Published {
            txn: id,
            topic,
            chunks: super::work::chunks(kb),
        });
        let Spec::Topic(t) = plan.spec(topic) else {
            unreachable!("publish is only called on topics")
        };
        self.add_work(txn, t.subscribers.len() as u32, topic);
        for &sub in &t.subscribers {
            self.deliver_async(plan, txn, topic, sub, kb);
        }
        self.work_done(txn);
    }
}
