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

use super::locate::{Locations, Pos, pos_offset};
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
mod questions;
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
///
/// Parsing goes on after an error where it can ([`parse_all`]), so a file with an unknown
/// field and a value out of range reports both at once.
pub(super) fn load(file: &str, text: &str) -> Result<Loaded, ScenarioError> {
    let loc = Locations::parse(text);
    let parsed = parse_all(file, text, &loc);
    let Some(raw) = parsed.raw else {
        return Err(ScenarioError {
            diagnostics: parsed.errors,
        });
    };
    let mut ctx = Ctx {
        file,
        text: &parsed.text,
        loc,
        diags: Vec::new(),
    };
    let scenario = validate(&mut ctx, raw);
    let (mut errors, warnings): (Vec<_>, Vec<_>) = ctx
        .diags
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    errors.extend(parsed.errors);
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

/// Parse errors reported before giving up: a file with more is not worth reading on.
const MAX_PARSE_ERRORS: usize = 50;

/// What [`parse_all`] made of a text.
struct Parsed {
    /// The scenario, if the text could be read once the fields in error were cut out.
    raw: Option<RawScenario>,
    /// The text that was read: the original with those fields blanked (same positions).
    text: String,
    /// The parse errors, in the order found.
    errors: Vec<Diagnostic>,
}

/// Parses `text`, and after an error about one struct field (unknown, given twice, or of the
/// wrong type) blanks that field out — spaces in place of its characters, so every position
/// stays where it was — and parses again, to report the errors of the whole file at once.
/// It stops at a syntax error (what follows cannot be read reliably), at a field it cannot
/// cut (a list element, or a field the locator did not find), and at a missing field that
/// is only missing because it was cut (its error was already reported).
fn parse_all(file: &str, original: &str, loc: &Locations) -> Parsed {
    let mut text = original.to_string();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut cut: Vec<String> = Vec::new();
    while errors.len() < MAX_PARSE_ERRORS {
        let e = match raw::parse(&text) {
            Ok(raw) => {
                return Parsed {
                    raw: Some(raw),
                    text,
                    errors,
                };
            }
            Err(e) => e,
        };
        let (line, col) = (e.span.start.line, e.span.start.col);
        let path = loc.path_at(line, col);
        if let ron::Error::MissingStructField { field, .. } = &e.code
            && cut.iter().any(|c| last_field(c) == Some(field))
        {
            break; // a consequence of a cut, not an error of its own
        }
        let recoverable = matches!(
            e.code,
            ron::Error::NoSuchStructField { .. }
                | ron::Error::DuplicateStructField { .. }
                | ron::Error::NoSuchEnumVariant { .. }
                | ron::Error::InvalidValueForType { .. }
                | ron::Error::ExpectedInteger
                | ron::Error::ExpectedFloat
                | ron::Error::ExpectedString
                | ron::Error::ExpectedBoolean
                | ron::Error::ExpectedArray
                | ron::Error::ExpectedMap
                | ron::Error::ExpectedOption
                | ron::Error::ExpectedUnit
                | ron::Error::IntegerOutOfBounds
                | ron::Error::Message(_)
        );
        errors.push(Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            line,
            col,
            path: path.clone(),
            message: e.code.to_string(),
            end: span_end(loc, &e, &path),
            hint: hint(&e.code).or_else(|| syntax_hint(&text, Pos { line, col })),
        });
        if !recoverable || cut.contains(&path) || !blank_field(&mut text, loc, &path) {
            break;
        }
        cut.push(path);
    }
    Parsed {
        raw: None,
        text,
        errors,
    }
}

/// The end of what a parse error is about: the value at `path` when the error is at its
/// start, else ron's span if it has a length.
fn span_end(loc: &Locations, e: &ron::error::SpannedError, path: &str) -> Option<Pos> {
    let pos = |p: ron::error::Position| Pos {
        line: p.line,
        col: p.col,
    };
    let (start, end) = (pos(e.span.start), pos(e.span.end));
    // ron reports a value of the wrong type at the blank before it (or its first
    // character): that value is what the error is about.
    if let Some(value) = loc.position(path)
        && loc.key_position(path).unwrap_or(value) <= start
        && start <= value
        && let Some(value_end) = loc.end(path)
        && !matches!(e.code, ron::Error::NoSuchStructField { .. })
    {
        return Some(value_end);
    }
    (end > start).then_some(end)
}

/// What to do about a parse error, where ron's message does not say it.
fn hint(code: &ron::Error) -> Option<String> {
    let docs = "docs/scenarios.md lists every field with its type and an example";
    Some(match code {
        ron::Error::NoSuchStructField {
            expected, found, ..
        }
        | ron::Error::NoSuchEnumVariant {
            expected, found, ..
        } => match suggest(found, expected.iter().copied()).as_str() {
            "" => format!("check the spelling, or remove it: {docs}"),
            s => format!("{} (or remove it)", s.trim().trim_matches(['(', ')'])),
        },
        ron::Error::MissingStructField { field, outer } => {
            let outer = outer.as_deref().unwrap_or("this struct");
            format!("add `{field}: ...` to {outer}; {docs}")
        }
        ron::Error::DuplicateStructField { field, .. } => {
            format!("remove one of the two `{field}` fields")
        }
        ron::Error::ExpectedComma => {
            "RON separates fields and list elements with commas".to_string()
        }
        ron::Error::ExpectedInteger
        | ron::Error::ExpectedFloat
        | ron::Error::ExpectedString
        | ron::Error::ExpectedBoolean
        | ron::Error::InvalidValueForType { .. } => docs.to_string(),
        _ => return None,
    })
}

/// A hint for a parse error at `at` that the text before it explains: a parallel state
/// written as a list of branches (`Parallel([[...]])`, before it had a `catch`).
fn syntax_hint(text: &str, at: Pos) -> Option<String> {
    let before = text[..pos_offset(text, at)].trim_end();
    let before = before.strip_suffix('(')?.trim_end();
    before.ends_with("Parallel").then(|| {
        "a parallel state names its branches: `Parallel(branches: [[...], [...]])`, with an \
         optional `catch: [...]`"
            .to_string()
    })
}

/// The last segment of `path` if it is a struct field (`a.b[2].name` → `name`).
fn last_field(path: &str) -> Option<&str> {
    let last = path.rsplit('.').next()?;
    (!last.is_empty() && !last.contains(['[', ']'])).then_some(last)
}

/// Blanks the struct field at `path` in `text` (its name, value and the comma after it);
/// false if `path` is no struct field the locator found.
fn blank_field(text: &mut String, loc: &Locations, path: &str) -> bool {
    if last_field(path).is_none() {
        return false;
    }
    let (Some(key), Some((_, end))) = (loc.key_position(path), loc.span(path)) else {
        return false;
    };
    let (from, mut to) = (pos_offset(text, key), pos_offset(text, end));
    if from >= to {
        return false;
    }
    let rest = &text[to..];
    let gap = rest.len() - rest.trim_start().len();
    if rest[gap..].starts_with(',') {
        to += gap + 1;
    }
    let blanked: String = text[from..to]
        .chars()
        .map(|c| if c == '\n' { c } else { ' ' })
        .collect();
    text.replace_range(from..to, &blanked);
    true
}

/// The whole pass: every part is checked before any is given up on, so that one pass
/// reports every problem.
fn validate(ctx: &mut Ctx, raw: RawScenario) -> Option<Scenario> {
    let horizon = ctx.positive_duration("horizon", &raw.horizon);
    let (prices, overrides) = prices::prices(&raw.prices, ctx);
    let (kinds, sources) = workload::sources(ctx, &raw.workload);
    let faults = faults::faults(ctx, &raw.faults, &raw.architectures, &kinds, horizon);
    let architectures = architecture::architectures(ctx, &raw.architectures, &kinds, &overrides);
    if let Some(archs) = &architectures
        && sources.len() == raw.workload.len()
    {
        workload::check_from_trace(ctx, &sources, archs);
    }
    sanity::check(ctx, &raw, horizon);
    let questions = questions::questions(ctx, &raw.questions, &raw.architectures);
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
        questions: questions?,
    })
}
