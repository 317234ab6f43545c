//! Faults: what fails, where (the components it may hit), and when (once, or repeatedly
//! with drawn times between failures and to repair).

use super::ctx::{Ctx, suggest};
use super::names::{kind_id, kind_word};
use crate::engine::SimTime;
use crate::scenario::raw::{RawArchitecture, RawComponent, RawFault, RawFaultKind};
use crate::scenario::{CrashRule, Fault, FaultKind, FaultSchedule, units};

/// The most windows a `Repeat` fault may be expected to have over the horizon (the horizon
/// over the mean time between failures plus the mean time to repair); more is refused.
const MAX_REPEAT_WINDOWS: u64 = 100_000;

/// The faults, checked against the architectures they may hit; `None` if any is invalid.
pub(super) fn faults(
    ctx: &mut Ctx,
    raw: &[RawFault],
    archs: &[RawArchitecture],
    kinds: &[String],
    horizon: Option<SimTime>,
) -> Option<Vec<Fault>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (i, f) in raw.iter().enumerate() {
        let path = format!("faults[{i}]");
        let field = |name: &str| format!("{path}.{name}");
        let architecture = match &f.architecture {
            Some(name) => match archs.iter().position(|a| &a.name == name) {
                Some(a) => Some(a),
                None => {
                    let hint = suggest(name, archs.iter().map(|a| a.name.as_str()));
                    ctx.error(
                        &field("architecture"),
                        format!("no architecture named {name:?}{hint}"),
                    );
                    ok = false;
                    continue;
                }
            },
            None => None,
        };
        let targets: Vec<&RawComponent> = archs
            .iter()
            .enumerate()
            .filter(|(a, _)| architecture.is_none_or(|want| want == *a))
            .filter_map(|(_, a)| a.components.iter().find(|c| c.name() == f.target))
            .collect();
        if targets.is_empty() {
            let names = archs
                .iter()
                .flat_map(|a| a.components.iter().map(|c| c.name()));
            let hint = suggest(&f.target, names);
            ctx.error(
                &field("target"),
                format!(
                    "no component named {:?} in any architecture{hint}",
                    f.target
                ),
            );
            ok = false;
            continue;
        }
        let kind = fault_kind(ctx, &field("kind"), &f.kind);
        if let Some(bad) = targets.iter().find(|c| !fits(&f.kind, c)) {
            ctx.error(
                &field("kind"),
                format!(
                    "this kind of fault cannot hit {} ({:?})",
                    kind_word(bad),
                    f.target
                ),
            );
            ok = false;
        }
        let handler = match &f.handler {
            Some(h) => {
                if targets
                    .iter()
                    .any(|c| !matches!(c, RawComponent::Server { .. }))
                {
                    ctx.error(
                        &field("handler"),
                        "only a server's fault can name a handler",
                    );
                }
                kind_id(ctx, &field("handler"), h, kinds)
            }
            None => None,
        };
        let schedule = fault_schedule(ctx, &path, f, horizon);
        match (kind, schedule) {
            (Some(kind), Some(schedule)) if f.handler.is_none() || handler.is_some() => {
                out.push(Fault {
                    target: f.target.clone(),
                    architecture,
                    handler,
                    schedule,
                    kind,
                })
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// What goes wrong in the fault whose `kind` is at `path`.
fn fault_kind(ctx: &mut Ctx, path: &str, raw: &RawFaultKind) -> Option<FaultKind> {
    match raw {
        RawFaultKind::Outage => Some(FaultKind::Outage),
        RawFaultKind::Slow { factor, add } => {
            let factor = factor.unwrap_or(1.0);
            if !(factor.is_finite() && factor >= 1.0) {
                ctx.error(
                    &format!("{path}.factor"),
                    format!("a slow-down factor must be 1 or more, found {factor}"),
                );
            }
            let add = match add {
                Some(a) => ctx.duration(&format!("{path}.add"), a),
                None => Some(0),
            };
            add.map(|add| FaultKind::Slow { factor, add })
        }
        RawFaultKind::Errors { rate } | RawFaultKind::Poison { rate }
            if !(0.0..=1.0).contains(rate) =>
        {
            ctx.error(
                &format!("{path}.rate"),
                format!("must be in [0, 1], found {rate}"),
            );
            None
        }
        RawFaultKind::Errors { rate } => Some(FaultKind::Errors { rate: *rate }),
        RawFaultKind::Poison { rate } => Some(FaultKind::Poison { rate: *rate }),
        RawFaultKind::CapacityCut { factor } => {
            if !(*factor > 0.0 && *factor <= 1.0) {
                ctx.error(
                    &format!("{path}.factor"),
                    format!("must be in (0, 1], found {factor}"),
                );
            }
            Some(FaultKind::CapacityCut { factor: *factor })
        }
        RawFaultKind::Crash { probability, after } => match (probability, after) {
            (Some(p), None) if (0.0..=1.0).contains(p) => {
                Some(FaultKind::Crash(CrashRule::Probability(*p)))
            }
            (None, Some(n)) if *n >= 1 => Some(FaultKind::Crash(CrashRule::After(*n))),
            _ => {
                ctx.error(
                    path,
                    "a crash needs exactly one of probability (in [0, 1]) and after (at least 1)",
                );
                None
            }
        },
    }
}

/// Whether a fault of `kind` can hit component `c`.
fn fits(kind: &RawFaultKind, c: &RawComponent) -> bool {
    match kind {
        RawFaultKind::Crash { .. } => matches!(
            c,
            RawComponent::Server { .. } | RawComponent::Function { .. }
        ),
        RawFaultKind::Poison { .. } => matches!(c, RawComponent::Queue { .. }),
        RawFaultKind::CapacityCut { .. } => matches!(
            c,
            RawComponent::Database { .. }
                | RawComponent::External { .. }
                | RawComponent::Function { .. }
        ),
        // Queues and topics take no time: there is nothing to slow down.
        RawFaultKind::Slow { .. } => {
            !matches!(c, RawComponent::Queue { .. } | RawComponent::Topic { .. })
        }
        RawFaultKind::Outage | RawFaultKind::Errors { .. } => true,
    }
}

/// When the fault `f` at `path` is active, for a scenario of `horizon`.
fn fault_schedule(
    ctx: &mut Ctx,
    path: &str,
    f: &RawFault,
    horizon: Option<SimTime>,
) -> Option<FaultSchedule> {
    let field = |name: &str| format!("{path}.{name}");
    match (&f.at, &f.lasts, &f.repeat) {
        (Some(at), Some(lasts), None) => {
            let at = ctx.duration(&field("at"), at);
            let lasts = ctx.positive_duration(&field("lasts"), lasts);
            at.zip(lasts)
                .map(|(at, lasts)| FaultSchedule::Once { at, lasts })
        }
        (None, None, Some(r)) => {
            let between = ctx.dist(&format!("{}.between", field("repeat")), &r.between);
            let repair = ctx.dist(&format!("{}.repair", field("repeat")), &r.repair);
            match (between, repair) {
                (Some(b), Some(r)) if b.mean_ns() >= 1.0 && r.mean_ns() >= 1.0 => {
                    // Expected windows over the horizon (each lasts between + repair).
                    let windows = horizon.map_or(0.0, |h| h as f64) / (b.mean_ns() + r.mean_ns());
                    if windows > MAX_REPEAT_WINDOWS as f64 {
                        ctx.error(
                                &field("repeat"),
                                format!(
                                    "failures every {} for {} make about {:.0} windows over the horizon, \
                                     more than the {MAX_REPEAT_WINDOWS} allowed: make `between` or `repair` longer",
                                    units::format_duration(b.mean_ns().round() as SimTime),
                                    units::format_duration(r.mean_ns().round() as SimTime),
                                    windows
                                ),
                            );
                        None
                    } else {
                        Some(FaultSchedule::Repeat {
                            between: b,
                            repair: r,
                        })
                    }
                }
                (Some(_), Some(_)) => {
                    ctx.error(
                        &field("repeat"),
                        "times between failures and to repair must be longer than zero",
                    );
                    None
                }
                _ => None,
            }
        }
        _ => {
            ctx.error(path, "a fault needs either `at` and `lasts`, or `repeat`");
            None
        }
    }
}
