//! Mistakes the model would run with but that no one means: names that break the printed
//! table and the CSV files, a subscriber listed twice, a fault that starts after the horizon.
//! Kept apart from the per-component checks so that each stays short.

use super::ctx::Ctx;
use crate::engine::SimTime;
use crate::scenario::raw::{RawComponent, RawScenario};
use crate::scenario::units::{format_duration, parse_duration};

/// Runs every check of this file; `horizon` is the scenario's, if it parsed.
pub(super) fn check(ctx: &mut Ctx, raw: &RawScenario, horizon: Option<SimTime>) {
    names(ctx, raw);
    subscribers(ctx, raw);
    fault_times(ctx, raw, horizon);
}

/// Names are printed in the table and written into CSV: a control character (a newline, a
/// tab) would break both, and an architecture without a name is a column without a title.
fn names(ctx: &mut Ctx, raw: &RawScenario) {
    printable(ctx, "name", "the scenario name", &raw.name);
    for (i, s) in raw.workload.iter().enumerate() {
        printable(
            ctx,
            &format!("workload[{i}].kind"),
            "a transaction kind",
            &s.kind,
        );
    }
    for (i, a) in raw.architectures.iter().enumerate() {
        let path = format!("architectures[{i}]");
        if a.name.trim().is_empty() {
            ctx.error(
                &format!("{path}.name"),
                "an architecture needs a name (it titles its column and its CSV rows)",
            );
        }
        printable(
            ctx,
            &format!("{path}.name"),
            "an architecture name",
            &a.name,
        );
        for (j, c) in a.components.iter().enumerate() {
            let at = format!("{path}.components[{j}].name");
            printable(ctx, &at, "a component name", c.name());
        }
    }
}

/// An error at `path` if `name` holds a control character.
fn printable(ctx: &mut Ctx, path: &str, what: &str, name: &str) {
    if name.chars().any(char::is_control) {
        ctx.error(
            path,
            format!(
                "{what} must not hold control characters (a newline or tab, say), found \
                 {name:?}: it would break the printed table and the CSV files"
            ),
        );
    }
}

/// A topic delivers each event once per subscription; naming a subscriber twice would make
/// it receive every event twice, which no platform does for one endpoint.
fn subscribers(ctx: &mut Ctx, raw: &RawScenario) {
    for (i, a) in raw.architectures.iter().enumerate() {
        for (j, c) in a.components.iter().enumerate() {
            let RawComponent::Topic { subscribers, .. } = c else {
                continue;
            };
            for (k, s) in subscribers.iter().enumerate() {
                if subscribers[..k].contains(s) {
                    ctx.error(
                        &format!("architectures[{i}].components[{j}].subscribers[{k}]"),
                        format!("{s:?} is subscribed twice: list each subscriber once"),
                    );
                }
            }
        }
    }
}

/// A fault that starts at or after the horizon never happens: a warning, since a longer
/// `--horizon` may be meant to reach it.
fn fault_times(ctx: &mut Ctx, raw: &RawScenario, horizon: Option<SimTime>) {
    let Some(horizon) = horizon else { return };
    for (i, f) in raw.faults.iter().enumerate() {
        let Some(text) = f.at.as_deref() else {
            continue;
        };
        if parse_duration(text).is_ok_and(|at| at >= horizon) {
            ctx.warn(
                &format!("faults[{i}].at"),
                format!(
                    "the fault starts at {}, not before the horizon ({}): it never happens",
                    text.trim(),
                    format_duration(horizon)
                ),
            );
        }
    }
}
