//! The workload: its sources, each with a transaction kind and an arrival process, and the
//! traces that arrivals may replay.

use super::ctx::{Ctx, suggest};
use crate::engine::SimTime;
use crate::scenario::raw::{RawArrivals, RawSource, RawSpread};
use crate::scenario::{Architecture, Arrivals, Source, trace};

/// The transaction kinds (in order of first appearance) and the sources of the workload.
pub(super) fn sources(ctx: &mut Ctx, raw: &[RawSource]) -> (Vec<String>, Vec<Source>) {
    let mut kinds: Vec<String> = Vec::new();
    let mut sources = Vec::new();
    if raw.is_empty() {
        ctx.error("workload", "the workload needs at least one source");
    }
    for (i, s) in raw.iter().enumerate() {
        let path = format!("workload[{i}]");
        if s.kind.trim().is_empty() {
            ctx.error(
                &format!("{path}.kind"),
                "the transaction kind must not be empty",
            );
        }
        let kind = kinds.iter().position(|k| *k == s.kind).unwrap_or_else(|| {
            kinds.push(s.kind.clone());
            kinds.len() - 1
        });
        if let Some(arrivals) = arrivals(ctx, &format!("{path}.arrivals"), &s.arrivals) {
            sources.push(Source { kind, arrivals });
        }
    }
    (kinds, sources)
}

/// An error at each source (`sources`, one per source as written) whose transactions reach
/// a `FromTrace` step in some architecture but whose arrivals record no durations.
pub(super) fn check_from_trace(ctx: &mut Ctx, sources: &[Source], archs: &[Architecture]) {
    for (i, s) in sources.iter().enumerate() {
        if matches!(
            s.arrivals,
            Arrivals::Trace {
                durations: Some(_),
                ..
            }
        ) {
            continue;
        }
        let reached = archs
            .iter()
            .find_map(|a| a.first_replaying_step(s.kind).map(|id| (a, id)));
        if let Some((arch, id)) = reached {
            let c = &arch.components[id];
            ctx.error(
                &format!("workload[{i}].arrivals"),
                format!(
                    "these transactions reach a FromTrace step of {} {:?} (architecture \
                     {:?}), which replays each invocation's recorded duration, but these \
                     arrivals record none: replay them with AzureInvocations, or give the \
                     step a duration",
                    c.spec.kind_name(),
                    c.name,
                    arch.name
                ),
            );
        }
    }
}

/// The arrival process of the source at `path`.
fn arrivals(ctx: &mut Ctx, path: &str, raw: &RawArrivals) -> Option<Arrivals> {
    Some(match raw {
        RawArrivals::Poisson { per_second } => Arrivals::Poisson {
            rate: ctx.rate(&format!("{path}.per_second"), *per_second)?,
        },
        RawArrivals::Constant { per_second } => Arrivals::Constant {
            rate: ctx.rate(&format!("{path}.per_second"), *per_second)?,
        },
        RawArrivals::Profile { points, ramp } => profile(ctx, path, points, *ramp)?,
        RawArrivals::Diurnal {
            mean_per_second,
            amplitude,
            period,
            peak_at,
        } => {
            let mean = ctx.rate(&format!("{path}.mean_per_second"), *mean_per_second);
            if !(0.0..=1.0).contains(amplitude) {
                ctx.error(
                    &format!("{path}.amplitude"),
                    format!("amplitude must be in [0, 1], found {amplitude}"),
                );
            }
            let period = match period {
                Some(p) => ctx.positive_duration(&format!("{path}.period"), p),
                None => Some(24 * 3600 * crate::engine::NS_PER_S),
            };
            let peak_at = match peak_at {
                Some(p) => ctx.duration(&format!("{path}.peak_at"), p),
                None => Some(14 * 3600 * crate::engine::NS_PER_S),
            };
            if !(0.0..=1.0).contains(amplitude) {
                return None;
            }
            Arrivals::Diurnal {
                mean: mean?,
                amplitude: *amplitude,
                period: period?,
                peak_at: peak_at?,
            }
        }
        RawArrivals::Bursts {
            on_per_second,
            off_per_second,
            on,
            off,
        } => {
            let on_rate = ctx.rate(&format!("{path}.on_per_second"), *on_per_second);
            if !(off_per_second.is_finite() && *off_per_second >= 0.0) {
                ctx.error(
                    &format!("{path}.off_per_second"),
                    format!("rate must be zero or more, found {off_per_second}"),
                );
                return None;
            }
            let on = ctx.dist(&format!("{path}.on"), on);
            let off = ctx.dist(&format!("{path}.off"), off);
            let (on, off) = (on?, off?);
            if on.mean_ns() <= 0.0 {
                ctx.error(
                    &format!("{path}.on"),
                    "on periods must last longer than zero",
                );
                return None;
            }
            Arrivals::Bursts {
                on_rate: on_rate?,
                off_rate: *off_per_second,
                on,
                off,
            }
        }
        RawArrivals::Trace {
            file,
            column,
            scale,
        } => timestamps(ctx, path, file, column.as_deref(), *scale)?,
        RawArrivals::AzureTrace {
            file,
            function,
            spread,
        } => azure(ctx, path, file, function.as_deref(), *spread)?,
        RawArrivals::AzureInvocations {
            file,
            app,
            function,
        } => invocations(ctx, path, file, app.as_deref(), function.as_deref())?,
    })
}

/// A piecewise rate: `(from time, rate [1/s])` points, the first at time zero.
fn profile(ctx: &mut Ctx, path: &str, points: &[(String, f64)], ramp: bool) -> Option<Arrivals> {
    if points.is_empty() {
        ctx.error(
            &format!("{path}.points"),
            "a profile needs at least one point",
        );
        return None;
    }
    let mut out: Vec<(SimTime, f64)> = Vec::new();
    let mut ok = true;
    for (i, (time, rate)) in points.iter().enumerate() {
        let p = format!("{path}.points[{i}]");
        let t = ctx.duration(&format!("{p}[0]"), time);
        if !(rate.is_finite() && *rate >= 0.0) {
            ctx.error(
                &format!("{p}[1]"),
                format!("rate must be zero or more, found {rate}"),
            );
            ok = false;
        }
        match (t, out.last()) {
            (Some(t), Some(&(prev, _))) if t <= prev => {
                ctx.error(&format!("{p}[0]"), "profile times must increase");
                ok = false;
            }
            (Some(t), None) if t != 0 && i == 0 => {
                ctx.error(
                    &format!("{p}[0]"),
                    "the first profile point must be at \"0s\"",
                );
                ok = false;
            }
            (Some(t), _) => out.push((t, *rate)),
            (None, _) => ok = false,
        }
    }
    if ok && out.iter().all(|&(_, r)| r == 0.0) {
        ctx.error(
            &format!("{path}.points"),
            "every rate in the profile is zero",
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    Some(Arrivals::Profile { points: out, ramp })
}

/// Timestamps replayed from the trace `file`, `column` of it if named, times `scale`.
fn timestamps(
    ctx: &mut Ctx,
    path: &str,
    file: &str,
    column: Option<&str>,
    scale: Option<f64>,
) -> Option<Arrivals> {
    let scale = scale.unwrap_or(1.0);
    let scale_ok = scale.is_finite() && scale > 0.0;
    if !scale_ok {
        ctx.error(
            &format!("{path}.scale"),
            format!("scale must be greater than zero, found {scale}"),
        );
    }
    let text = read_trace(ctx, path, file)?;
    if !scale_ok {
        return None;
    }
    let times = trace::parse_timestamps(&text, column, scale)
        .map_err(|e| trace_error(ctx, path, file, e))
        .ok()?;
    Some(Arrivals::Trace {
        times: times.into(),
        durations: None,
    })
}

/// Invocations replayed from the Azure Functions 2021 trace `file`, of `app` and
/// `function` if named, with their recorded durations.
fn invocations(
    ctx: &mut Ctx,
    path: &str,
    file: &str,
    app: Option<&str>,
    function: Option<&str>,
) -> Option<Arrivals> {
    let text = read_trace(ctx, path, file)?;
    let inv = trace::parse_invocations(&text, app, function)
        .map_err(|e| trace_error(ctx, path, file, e))
        .ok()?;
    Some(Arrivals::Trace {
        times: inv.times.into(),
        durations: Some(inv.durations.into()),
    })
}

/// Per-minute counts replayed from the Azure Functions trace `file`, of `function` if named.
fn azure(
    ctx: &mut Ctx,
    path: &str,
    file: &str,
    function: Option<&str>,
    spread: Option<RawSpread>,
) -> Option<Arrivals> {
    let text = read_trace(ctx, path, file)?;
    let counts = trace::parse_azure(&text, function)
        .map_err(|e| trace_error(ctx, path, file, e))
        .ok()?;
    Some(Arrivals::Azure {
        per_minute: counts.into(),
        even: spread == Some(RawSpread::Even),
    })
}

/// The text of the trace `file` of the arrivals at `path`, or an error at its `file` field.
fn read_trace(ctx: &mut Ctx, path: &str, file: &str) -> Option<std::borrow::Cow<'static, str>> {
    let message = match trace::read(ctx.file, file) {
        Ok(text) => return Some(text),
        Err(e) => format!("cannot read trace {file:?}: {e}"),
    };
    ctx.error(&format!("{path}.file"), message);
    None
}

/// Reports what is wrong with the trace `file` of the arrivals at `path`.
fn trace_error(ctx: &mut Ctx, path: &str, file: &str, e: trace::TraceError) {
    use trace::TraceError as E;
    let (field, message) = match e {
        E::Row { line, message } => ("file", format!("{file}:{line}: {message}")),
        E::Header(message) => ("file", format!("{file}: {message}")),
        E::NoColumn { name, headers } => {
            let hint = suggest(&name, headers.iter().map(String::as_str));
            let message = format!("trace {file:?} has no column {name:?}{hint}");
            ("column", message)
        }
        E::NoApp { name, apps } => {
            let hint = suggest(&name, apps.iter().map(String::as_str));
            let message = format!("trace {file:?} has no app {name:?}{hint}");
            ("app", message)
        }
        E::NoFunction { name, functions } => {
            let hint = suggest(&name, functions.iter().map(String::as_str));
            let message = format!("trace {file:?} has no function {name:?}{hint}");
            ("function", message)
        }
        E::Empty => ("file", format!("trace {file:?} holds no arrivals")),
    };
    ctx.error(&format!("{path}.{field}"), message);
}
