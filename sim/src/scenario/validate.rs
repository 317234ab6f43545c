//! Raw scenario → validated scenario, collecting every problem with its position.
//!
//! A component whose references resolve is kept even when one of its values is out of range
//! (the error is recorded, so the scenario is rejected anyway): that way the whole-topology
//! checks still run and report their problems in the same pass.
//!
//! One file per noun: `ctx` (the diagnostics context, shared helpers), `dist`
//! (distributions), `prices`, `workload` (sources, arrivals, traces), `faults`, `names`
//! (resolving references), `work` (steps), `calls` (call policies), `flow` (workflow
//! compilation), `architecture` (an architecture and the dispatch of its components), one
//! file per component kind, `topology` and `cycles` (checks of the whole, as methods of the
//! validated [`Architecture`](super::Architecture)), `sanity` (mistakes no one means).

use super::locate::Locations;
use super::raw::{self, RawScenario};
use super::{Diagnostic, Loaded, Scenario, ScenarioError, Severity};
use ctx::Ctx;
pub(crate) use ctx::suggest;

mod architecture;
mod calls;
mod ctx;
mod cycles;
mod database;
mod dist;
mod external;
mod faults;
mod flow;
mod function;
mod gateway;
mod names;
mod orchestrator;
mod prices;
mod queue;
mod sanity;
mod server;
mod storage;
mod topic;
mod topology;
mod work;
mod workload;

/// Parses and validates `text`, the contents of `file`: the scenario and its warnings, or
/// every error found, in file order.
pub(super) fn load(file: &str, text: &str) -> Result<Loaded, ScenarioError> {
    let loc = Locations::parse(text);
    let raw = match raw::parse(text) {
        Ok(raw) => raw,
        Err(e) => {
            let (line, col) = (e.span.start.line, e.span.start.col);
            let path = loc.path_at(line, col);
            return Err(ScenarioError {
                diagnostics: vec![Diagnostic {
                    severity: Severity::Error,
                    file: file.to_string(),
                    line,
                    col,
                    path,
                    message: e.code.to_string(),
                }],
            });
        }
    };
    let mut ctx = Ctx {
        file,
        text,
        loc,
        diags: Vec::new(),
    };
    let scenario = validate(&mut ctx, raw);
    let (mut errors, warnings): (Vec<_>, Vec<_>) = ctx
        .diags
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    match scenario {
        Some(scenario) if errors.is_empty() => Ok(Loaded { scenario, warnings }),
        _ => {
            errors.sort_by_key(|d| (d.line, d.col));
            Err(ScenarioError {
                diagnostics: errors,
            })
        }
    }
}

/// The whole pass: every part is checked before any is given up on, so that one pass
/// reports every problem.
fn validate(ctx: &mut Ctx, raw: RawScenario) -> Option<Scenario> {
    let horizon = ctx.positive_duration("horizon", &raw.horizon);
    let prices = prices::prices(&raw.prices, ctx);
    let (kinds, sources) = workload::sources(ctx, &raw.workload);
    let faults = faults::faults(ctx, &raw.faults, &raw.architectures, &kinds, horizon);
    let architectures = architecture::architectures(ctx, &raw.architectures, &kinds);
    if let Some(archs) = &architectures
        && sources.len() == raw.workload.len()
    {
        workload::check_from_trace(ctx, &sources, archs);
    }
    sanity::check(ctx, &raw, horizon);
    Some(Scenario {
        name: raw.name,
        about: raw.about,
        lesson: raw.lesson,
        horizon: horizon?,
        seed: raw.seed,
        prices,
        kinds,
        sources,
        architectures: architectures?,
        faults: faults?,
    })
}
