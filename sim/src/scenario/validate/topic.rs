//! A publish/subscribe topic: its subscribers and message size limit.

use super::ctx::Ctx;
use super::names::{Names, Ref, Want};
use super::queue::message_limit;
use crate::scenario::Topic;
use crate::scenario::raw::RawComponent;

/// The topic `c` at `path`.
pub(super) fn topic(ctx: &mut Ctx, path: &str, c: &RawComponent, names: &Names) -> Option<Topic> {
    let RawComponent::Topic {
        subscribers,
        max_message_kb,
        ..
    } = c
    else {
        return None; // `component` calls this for a topic only
    };
    let field = |f: &str| format!("{path}.{f}");
    let max_message_kb = message_limit(ctx, &field("max_message_kb"), *max_message_kb);
    if subscribers.is_empty() {
        ctx.warn(
            &field("subscribers"),
            "a topic without subscribers drops every event",
        );
    }
    let mut subs = Vec::new();
    for (i, s) in subscribers.iter().enumerate() {
        subs.push(names.resolve(
            ctx,
            &format!("{path}.subscribers[{i}]"),
            s,
            Want::Subscriber,
            Ref::Subscriber,
        ));
    }
    Some(Topic {
        subscribers: subs.into_iter().collect::<Option<_>>()?,
        max_message_kb,
    })
}
