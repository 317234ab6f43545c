//! Names within an architecture: which component a reference names, and whether it is of a
//! kind that the reference may name.

use std::collections::BTreeMap;

use super::ctx::{Ctx, suggest};
use crate::scenario::raw::RawComponent;
use crate::scenario::{CompId, KindId};

/// What names a component: a kind of step (or workflow state), or a field of a component.
/// Only a `Call` gets advice when it names the wrong kind (a database, storage, queue or
/// topic), since each of those has a step of its own.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ref {
    /// A `Call` step.
    Call,
    /// An `Emit` step.
    Emit,
    /// A `Send` step.
    Send,
    /// A `Read` step.
    Read,
    /// A `Write` step.
    Write,
    /// A `Put` step.
    Put,
    /// A `Get` step.
    Get,
    /// A workflow `Task` state.
    Task,
    /// An architecture's `entry`.
    Entry,
    /// A gateway's route.
    Route,
    /// The target of a call policy (`calls`).
    CallPolicy,
    /// A function's `on_failure`.
    OnFailure,
    /// A queue's `consumer`.
    Consumer,
    /// A queue's `dead_letter`.
    DeadLetter,
    /// A dead-letter queue's `redrive` target.
    Redrive,
    /// A topic's subscriber.
    Subscriber,
    /// A storage's `on_put: Publish(..)`.
    Publish,
    /// A storage's `on_put: Enqueue(..)`.
    Enqueue,
    /// A storage's `on_put: Invoke(..)`.
    Invoke,
}

/// Which component kinds a reference may name.
#[derive(Clone, Copy)]
pub(super) enum Want {
    /// Call: function, server, gateway or external service.
    Callable,
    /// Emit: topic, queue or function.
    Emittable,
    /// Read/Write.
    Database,
    /// Put/Get.
    Storage,
    /// Entry or gateway route: server, function or gateway.
    Entry,
    /// Queue consumer.
    Function,
    /// Dead-letter queue.
    Queue,
    /// Topic subscriber: function or queue.
    Subscriber,
    /// A call policy's target: anything a step can call, read, write, put or get.
    Callee,
}

impl Want {
    /// Whether a reference of this kind may name `spec`.
    fn accepts(self, spec: &RawComponent) -> bool {
        use RawComponent as C;
        match self {
            Want::Callable => matches!(
                spec,
                C::Function { .. }
                    | C::Server { .. }
                    | C::Gateway { .. }
                    | C::External { .. }
                    | C::Orchestrator { .. }
            ),
            Want::Emittable => matches!(
                spec,
                C::Topic { .. } | C::Queue { .. } | C::Function { .. } | C::Orchestrator { .. }
            ),
            Want::Database => matches!(spec, C::Database { .. }),
            Want::Storage => matches!(spec, C::Storage { .. }),
            Want::Entry => matches!(
                spec,
                C::Server { .. } | C::Function { .. } | C::Gateway { .. } | C::Orchestrator { .. }
            ),
            Want::Function => matches!(spec, C::Function { .. }),
            Want::Queue => matches!(spec, C::Queue { .. }),
            Want::Subscriber => matches!(spec, C::Function { .. } | C::Queue { .. }),
            Want::Callee => !matches!(spec, C::Queue { .. } | C::Topic { .. }),
        }
    }

    /// The kinds it accepts, for messages.
    fn describe(self) -> &'static str {
        match self {
            Want::Callable => "a function, server, gateway, orchestrator or external service",
            Want::Emittable => "a topic, queue, function or orchestrator",
            Want::Database => "a database",
            Want::Storage => "a storage",
            Want::Entry => "a server, function, gateway or orchestrator",
            Want::Function => "a function",
            Want::Queue => "a queue",
            Want::Subscriber => "a function or queue",
            Want::Callee => "a component that is called (not a queue or topic)",
        }
    }
}

/// "a server", "an external service", ... for messages.
pub(super) fn kind_word(c: &RawComponent) -> &'static str {
    match c {
        RawComponent::Server { .. } => "a server",
        RawComponent::Function { .. } => "a function",
        RawComponent::Gateway { .. } => "a gateway",
        RawComponent::Queue { .. } => "a queue",
        RawComponent::Topic { .. } => "a topic",
        RawComponent::Storage { .. } => "a storage",
        RawComponent::Database { .. } => "a database",
        RawComponent::External { .. } => "an external service",
        RawComponent::Orchestrator { .. } => "an orchestrator",
    }
}

/// Resolves component names within one architecture.
pub(super) struct Names<'a> {
    pub(super) raw: &'a [RawComponent],
    pub(super) ids: BTreeMap<&'a str, CompId>,
}

impl Names<'_> {
    /// The component called `name`, if it is of a kind `want` accepts; otherwise an error at
    /// `path`, with advice when `by` is a `Call` step.
    pub(super) fn resolve(
        &self,
        ctx: &mut Ctx,
        path: &str,
        name: &str,
        want: Want,
        by: Ref,
    ) -> Option<CompId> {
        let Some(&id) = self.ids.get(name) else {
            let hint = suggest(name, self.ids.keys().copied());
            ctx.error(
                path,
                format!("no component named {name:?} in this architecture{hint}"),
            );
            return None;
        };
        let target = &self.raw[id];
        if want.accepts(target) {
            return Some(id);
        }
        let advice = match (by, target) {
            (Ref::Call, RawComponent::Database { .. }) => {
                format!(": use Read({name:?}) or Write({name:?})")
            }
            (Ref::Call, RawComponent::Storage { .. }) => {
                format!(": use Put({name:?}) or Get({name:?})")
            }
            (Ref::Call, RawComponent::Queue { .. } | RawComponent::Topic { .. }) => {
                format!(": use Emit({name:?}) to send to it")
            }
            _ => String::new(),
        };
        ctx.error(
            path,
            format!(
                "{name:?} is {}, but {} is needed here{advice}",
                kind_word(target),
                want.describe()
            ),
        );
        None
    }
}

/// The id of transaction kind `kind`, or an error at the map key `path`.
pub(super) fn kind_id(ctx: &mut Ctx, path: &str, kind: &str, kinds: &[String]) -> Option<KindId> {
    let id = kinds.iter().position(|k| k == kind);
    if id.is_none() {
        let hint = suggest(kind, kinds.iter().map(String::as_str));
        ctx.key_error(
            path,
            format!("{kind:?} is not a transaction kind of the workload{hint}"),
        );
    }
    id
}
