//! The event stream: every state change of a simulation is one plain-data [`SimEvent`].
//!
//! Metrics, the CSV trace and the live viewer are all [`Observer`]s of this stream; nothing
//! outside the model reads component internals. Events carry ids and times, never data.

use crate::engine::SimTime;
use crate::scenario::{CompId, FaultKind, KindId};

/// A transaction's id, the same in every architecture of a run:
/// `ordinal within its source × number of sources + source index`.
pub type TxnId = u64;

/// How a transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its response and all its asynchronous work succeeded.
    Completed,
    /// Its response failed, or some of its asynchronous work was dropped after retries.
    Failed,
    /// Some of its messages were moved to a dead-letter queue (and nothing failed).
    DeadLettered,
}

impl Outcome {
    /// Lower-case name, as written in CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Failed => "failed",
            Outcome::DeadLettered => "dead_lettered",
        }
    }
}

/// A data operation on a database, storage or external service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Database read.
    Read,
    /// Database write.
    Write,
    /// Storage put.
    Put,
    /// Storage get.
    Get,
    /// Call to an external service.
    Call,
}

impl Op {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Write => "write",
            Op::Put => "put",
            Op::Get => "get",
            Op::Call => "call",
        }
    }
}

/// One state change. `comp` ids index the architecture's components.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SimEvent {
    /// A transaction entered the architecture.
    TransactionArrived {
        /// Transaction.
        txn: TxnId,
        /// Its kind.
        kind: KindId,
    },
    /// Work was sent from one component to another (`from` is `None` for the user).
    Request {
        /// Transaction.
        txn: TxnId,
        /// Sender, if any.
        from: Option<CompId>,
        /// Receiver.
        to: CompId,
        /// Whether the sender waits for the answer.
        sync: bool,
    },
    /// A synchronous request was answered (`to` is `None` for the user).
    Reply {
        /// Transaction.
        txn: TxnId,
        /// The component that answered.
        from: CompId,
        /// The caller, if any.
        to: Option<CompId>,
        /// Success or failure.
        ok: bool,
    },
    /// A function instance began starting up.
    ColdStartBegan {
        /// Function.
        comp: CompId,
        /// Instance number within the function.
        instance: u32,
    },
    /// An autoscaling group launched a server instance (it serves after its boot time).
    InstanceLaunched {
        /// Server.
        comp: CompId,
        /// Instance.
        instance: u32,
    },
    /// A function instance finished starting, or a launched server instance finished booting,
    /// and can serve.
    InstanceReady {
        /// Function.
        comp: CompId,
        /// Instance.
        instance: u32,
    },
    /// An idle function instance was reaped (keep-alive), or a server instance terminated
    /// by its autoscaling group.
    InstanceReaped {
        /// Function.
        comp: CompId,
        /// Instance.
        instance: u32,
    },
    /// A function or server began executing work for a transaction.
    InvocationStarted {
        /// Transaction.
        txn: TxnId,
        /// Function or server.
        comp: CompId,
        /// Instance.
        instance: u32,
        /// Whether a cold start preceded it.
        cold: bool,
        /// How long it waited for its worker, instance or consumer before it got one [ns]:
        /// a server request from its arrival at the server to its worker (the backlog); a
        /// function invocation from its request (or its platform retry) to its instance,
        /// throttled asynchronous attempts' back-off included, its cold start not; a queue
        /// message from when it became visible to its receive by the consumer.
        waited_ns: SimTime,
    },
    /// A function invocation ended (one per platform invocation; a batch is one).
    InvocationEnded {
        /// Function.
        comp: CompId,
        /// Instance.
        instance: u32,
        /// Billed duration, rounded up to the billing granularity [ns].
        billed_ns: SimTime,
        /// Whether every piece of work in it succeeded.
        ok: bool,
        /// Whether it ran on a provisioned instance (billed at the provisioned rate).
        provisioned: bool,
        /// Of `billed_ns`, the cold start's initialisation, when the price book bills it [ns].
        init_ns: SimTime,
    },
    /// An invocation was stopped at its function's timeout.
    InvocationTimedOut {
        /// Function.
        comp: CompId,
        /// Instance.
        instance: u32,
    },
    /// A request was refused for lack of capacity (function concurrency, database rate).
    Throttled {
        /// Transaction.
        txn: TxnId,
        /// The component that refused.
        comp: CompId,
    },
    /// A request was refused: a server's backlog was full (or no instance was up), a message
    /// was larger than its queue or topic accepts, or a database had no connection to spare.
    Rejected {
        /// Transaction.
        txn: TxnId,
        /// Server.
        comp: CompId,
    },
    /// A data operation was performed.
    Operation {
        /// Transaction.
        txn: TxnId,
        /// Database, storage or external service.
        comp: CompId,
        /// Which operation.
        op: Op,
        /// Whether it succeeded.
        ok: bool,
    },
    /// An event was published to a topic.
    Published {
        /// Transaction.
        txn: TxnId,
        /// Topic.
        topic: CompId,
        /// Billing chunks of 64 KB.
        chunks: u32,
    },
    /// A message was put on a queue.
    MessageEnqueued {
        /// Transaction.
        txn: TxnId,
        /// Queue.
        queue: CompId,
        /// Billing chunks of 64 KB.
        chunks: u32,
    },
    /// A consumer received a batch of messages (one receive request).
    BatchReceived {
        /// Queue.
        queue: CompId,
        /// Consumer function.
        consumer: CompId,
        /// Messages in the batch.
        messages: u32,
        /// Billing chunks of 64 KB of the batch's whole payload.
        chunks: u32,
    },
    /// A message started executing while another copy of it was executing or had already
    /// succeeded (at-least-once delivery after its visibility timeout ran out).
    DuplicateExecution {
        /// Transaction.
        txn: TxnId,
        /// Queue.
        queue: CompId,
    },
    /// A message was processed and deleted.
    MessageDeleted {
        /// Transaction.
        txn: TxnId,
        /// Queue.
        queue: CompId,
        /// Whether the message had been redriven from a dead-letter queue.
        redriven: bool,
    },
    /// A failed message will become visible again after its visibility timeout.
    MessageReturned {
        /// Transaction.
        txn: TxnId,
        /// Queue.
        queue: CompId,
        /// Times it has been received.
        receives: u32,
    },
    /// A message exceeded its receive count and moved to the dead-letter queue.
    DeadLettered {
        /// Transaction.
        txn: TxnId,
        /// Source queue.
        queue: CompId,
        /// Dead-letter queue.
        dead_letter: CompId,
    },
    /// A step of work failed at a component.
    StepFailed {
        /// Transaction.
        txn: TxnId,
        /// Where it failed.
        comp: CompId,
    },
    /// A failed piece of work will be tried again: an asynchronous invocation by the
    /// platform, or a call by its caller's retry policy.
    Retried {
        /// Transaction.
        txn: TxnId,
        /// The function retried by the platform, or the caller retrying its call.
        comp: CompId,
        /// Attempt number of the retry (1 = first retry).
        attempt: u32,
        /// Whether the platform retries (an asynchronous invocation) rather than a caller.
        platform: bool,
    },
    /// An orchestrator's workflow entered a state (billed per transition).
    Transition {
        /// Transaction.
        txn: TxnId,
        /// Orchestrator.
        comp: CompId,
    },
    /// A fault began on a component.
    FaultBegan {
        /// Fault id, unique in the run.
        fault: u32,
        /// Component hit.
        comp: CompId,
        /// What goes wrong.
        kind: FaultKind,
        /// For a server: the only handler (transaction kind) hit, if limited to one.
        handler: Option<KindId>,
    },
    /// A fault ended.
    FaultEnded {
        /// Fault id.
        fault: u32,
        /// Component.
        comp: CompId,
    },
    /// A process crashed, failing everything in flight on it.
    InstanceCrashed {
        /// Server or function.
        comp: CompId,
        /// Instance.
        instance: u32,
        /// Activations lost with it.
        lost: u32,
    },
    /// A crashed server instance restarted.
    InstanceRestarted {
        /// Server.
        comp: CompId,
        /// Instance.
        instance: u32,
    },
    /// A caller gave up on a call after its timeout.
    TimedOut {
        /// Transaction.
        txn: TxnId,
        /// Caller.
        comp: CompId,
        /// Callee.
        target: CompId,
    },
    /// An open circuit breaker failed a call without making it.
    ShortCircuited {
        /// Transaction.
        txn: TxnId,
        /// Caller.
        comp: CompId,
        /// Callee.
        target: CompId,
    },
    /// A circuit breaker opened.
    BreakerOpened {
        /// Caller.
        comp: CompId,
        /// Callee.
        target: CompId,
    },
    /// A circuit breaker closed again after a successful probe.
    BreakerClosed {
        /// Caller.
        comp: CompId,
        /// Callee.
        target: CompId,
    },
    /// A parked message was sent back from its dead-letter queue.
    Redriven {
        /// Transaction.
        txn: TxnId,
        /// Dead-letter queue.
        from: CompId,
        /// Queue it returns to.
        to: CompId,
    },
    /// The user-visible response was sent.
    ResponseSent {
        /// Transaction.
        txn: TxnId,
        /// Kind.
        kind: KindId,
        /// Success or failure.
        ok: bool,
        /// Time since arrival [ns].
        latency_ns: SimTime,
    },
    /// The transaction and every piece of work it caused have finished.
    TransactionDone {
        /// Transaction.
        txn: TxnId,
        /// Kind.
        kind: KindId,
        /// How it ended.
        outcome: Outcome,
        /// Time since arrival [ns].
        latency_ns: SimTime,
    },
}

impl SimEvent {
    /// The event's name, as written in the trace.
    pub fn name(&self) -> &'static str {
        match self {
            SimEvent::TransactionArrived { .. } => "TransactionArrived",
            SimEvent::Request { .. } => "Request",
            SimEvent::Reply { .. } => "Reply",
            SimEvent::ColdStartBegan { .. } => "ColdStartBegan",
            SimEvent::InstanceLaunched { .. } => "InstanceLaunched",
            SimEvent::InstanceReady { .. } => "InstanceReady",
            SimEvent::InstanceReaped { .. } => "InstanceReaped",
            SimEvent::InvocationStarted { .. } => "InvocationStarted",
            SimEvent::InvocationEnded { .. } => "InvocationEnded",
            SimEvent::InvocationTimedOut { .. } => "InvocationTimedOut",
            SimEvent::Throttled { .. } => "Throttled",
            SimEvent::Rejected { .. } => "Rejected",
            SimEvent::Operation { .. } => "Operation",
            SimEvent::Published { .. } => "Published",
            SimEvent::MessageEnqueued { .. } => "MessageEnqueued",
            SimEvent::BatchReceived { .. } => "BatchReceived",
            SimEvent::MessageDeleted { .. } => "MessageDeleted",
            SimEvent::DuplicateExecution { .. } => "DuplicateExecution",
            SimEvent::MessageReturned { .. } => "MessageReturned",
            SimEvent::DeadLettered { .. } => "DeadLettered",
            SimEvent::StepFailed { .. } => "StepFailed",
            SimEvent::Retried { .. } => "Retried",
            SimEvent::Transition { .. } => "Transition",
            SimEvent::FaultBegan { .. } => "FaultBegan",
            SimEvent::FaultEnded { .. } => "FaultEnded",
            SimEvent::InstanceCrashed { .. } => "InstanceCrashed",
            SimEvent::InstanceRestarted { .. } => "InstanceRestarted",
            SimEvent::TimedOut { .. } => "TimedOut",
            SimEvent::ShortCircuited { .. } => "ShortCircuited",
            SimEvent::BreakerOpened { .. } => "BreakerOpened",
            SimEvent::BreakerClosed { .. } => "BreakerClosed",
            SimEvent::Redriven { .. } => "Redriven",
            SimEvent::ResponseSent { .. } => "ResponseSent",
            SimEvent::TransactionDone { .. } => "TransactionDone",
        }
    }
}

/// A consumer of the event stream.
pub trait Observer {
    /// Called once per event, in simulation order.
    fn on_event(&mut self, time: SimTime, event: &SimEvent);

    /// Called with the events of one calendar entry, in simulation order: `on_event` for
    /// each by default. Observers that are independent of each other (a pair, an absent
    /// one) pass the whole slice on, so a call per event is paid only where it is used.
    fn on_events(&mut self, events: &[(SimTime, SimEvent)]) {
        for (time, event) in events {
            self.on_event(*time, event);
        }
    }

    /// Called once when the run ends (at the horizon, not when it fails): flush what is
    /// buffered and report the first error met while observing. Nothing by default.
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Ignores every event.
impl Observer for () {
    fn on_event(&mut self, _: SimTime, _: &SimEvent) {}

    fn on_events(&mut self, _: &[(SimTime, SimEvent)]) {}
}

/// Collects events into a vector (tests, the viewer's per-frame buffer).
impl Observer for Vec<(SimTime, SimEvent)> {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        self.push((time, *event));
    }

    fn on_events(&mut self, events: &[(SimTime, SimEvent)]) {
        self.extend_from_slice(events);
    }
}

/// Feeds two observers in turn.
impl<A: Observer, B: Observer> Observer for (A, B) {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        self.0.on_event(time, event);
        self.1.on_event(time, event);
    }

    /// Each observer sees the whole slice in turn: they hold no state in common, so what
    /// each records is the same as event by event.
    fn on_events(&mut self, events: &[(SimTime, SimEvent)]) {
        self.0.on_events(events);
        self.1.on_events(events);
    }

    fn finish(&mut self) -> std::io::Result<()> {
        let first = self.0.finish();
        let second = self.1.finish();
        first.and(second)
    }
}

/// Feeds the observer if there is one.
impl<O: Observer> Observer for Option<O> {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        if let Some(o) = self {
            o.on_event(time, event);
        }
    }

    fn on_events(&mut self, events: &[(SimTime, SimEvent)]) {
        if let Some(o) = self {
            o.on_events(events);
        }
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.as_mut().map_or(Ok(()), Observer::finish)
    }
}

impl<O: Observer + ?Sized> Observer for &mut O {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        (**self).on_event(time, event);
    }

    fn on_events(&mut self, events: &[(SimTime, SimEvent)]) {
        (**self).on_events(events);
    }

    fn finish(&mut self) -> std::io::Result<()> {
        (**self).finish()
    }
}
