//! A message queue: its consumer, batches, visibility timeout, dead-letter queue and
//! redrive, and the message size limit it shares with topics.

use super::ctx::{Ctx, count, optional};
use super::names::{Names, Ref, Want};
use crate::calibration as cal;
use crate::scenario::raw::{RawComponent, RawRedrive};
use crate::scenario::{Queue, Redrive};

/// The queue `c` at `path`.
pub(super) fn queue(ctx: &mut Ctx, path: &str, c: &RawComponent, names: &Names) -> Option<Queue> {
    let RawComponent::Queue {
        name,
        consumer,
        batch,
        visibility_timeout,
        max_receives,
        dead_letter,
        redrive,
        max_message_kb,
        max_concurrency,
    } = c
    else {
        return None; // `component` calls this for a queue only
    };
    let field = |f: &str| format!("{path}.{f}");
    let redrive = redrive
        .as_ref()
        .map(|r| redrive_policy(ctx, &field("redrive"), r, names));
    // Every field is checked before giving up, so all their errors are reported.
    let consumer = consumer
        .as_ref()
        .map(|n| names.resolve(ctx, &field("consumer"), n, Want::Function, Ref::Consumer));
    let batch = count(ctx, &field("batch"), *batch, cal::QUEUE_BATCH);
    if batch > cal::QUEUE_BATCH_MAX {
        ctx.error(
            &field("batch"),
            format!(
                "a batch holds at most {} messages, found {batch}",
                cal::QUEUE_BATCH_MAX
            ),
        );
    }
    let visibility_timeout = match visibility_timeout {
        Some(v) => ctx.positive_duration(&field("visibility_timeout"), v),
        None => Some(cal::VISIBILITY_TIMEOUT),
    };
    if *max_receives == Some(0) {
        ctx.error(&field("max_receives"), "must be at least 1");
    }
    let dead_letter = match dead_letter {
        Some(n) if n == name => {
            ctx.error(
                &field("dead_letter"),
                "a queue cannot be its own dead-letter queue",
            );
            Some(None)
        }
        Some(n) => Some(names.resolve(ctx, &field("dead_letter"), n, Want::Queue, Ref::DeadLetter)),
        None => None,
    };
    if dead_letter.is_some() && max_receives.is_none() {
        ctx.error(
            &field("dead_letter"),
            "a dead-letter queue needs max_receives to say when to use it",
        );
    }
    let consumer = optional(consumer)?;
    let dead_letter = optional(dead_letter)?;
    Some(Queue {
        consumer,
        batch,
        visibility_timeout: visibility_timeout?,
        max_receives: *max_receives,
        dead_letter,
        redrive: optional(redrive)?,
        max_message_kb: message_limit(ctx, &field("max_message_kb"), *max_message_kb),
        max_concurrency: count(
            ctx,
            &field("max_concurrency"),
            *max_concurrency,
            cal::POLLERS_MAX,
        ),
    })
}

/// When the dead-letter queue at `path` sends its messages back, and to which queue.
fn redrive_policy(ctx: &mut Ctx, path: &str, raw: &RawRedrive, names: &Names) -> Option<Redrive> {
    match raw {
        RawRedrive::At { to, at } => {
            let to = names.resolve(ctx, &format!("{path}.to"), to, Want::Queue, Ref::Redrive);
            let at = ctx.duration(&format!("{path}.at"), at);
            Some(Redrive::At { to: to?, at: at? })
        }
        RawRedrive::AfterFaults { to, delay } => {
            let to = names.resolve(ctx, &format!("{path}.to"), to, Want::Queue, Ref::Redrive);
            let delay = match delay {
                Some(d) => ctx.duration(&format!("{path}.delay"), d),
                None => Some(0),
            };
            Some(Redrive::AfterFaults {
                to: to?,
                delay: delay?,
            })
        }
    }
}

/// A queue's or topic's message size limit [KB].
pub(super) fn message_limit(ctx: &mut Ctx, path: &str, value: Option<f64>) -> f64 {
    let v = value.unwrap_or(cal::MAX_MESSAGE_KB);
    if !(v.is_finite() && v > 0.0) {
        ctx.error(
            path,
            format!("a size limit must be greater than zero, found {v}"),
        );
    }
    v
}
