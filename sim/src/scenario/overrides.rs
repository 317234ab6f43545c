//! `--set PATH=VALUE` and `--vary PATH=VALUES`: scenario fields named the way they are
//! written, changed in the RON text before validation, so that a changed value gets exactly
//! the checks and the messages of a value written in the file.
//!
//! A path names a field by the names the scenario gives its parts:
//!
//! | path | field |
//! |---|---|
//! | `horizon`, `seed`, `prices.function_gb_second`, ... | a top-level field (inserted if the file leaves it to its default) |
//! | `workload.upload.per_second` | a field of the source of kind `upload`; a field nested once or more (`arrivals.per_second`) may be named by its last segments when they are unique under the source |
//! | `serverless.tag-fn.memory_mb` | a field of component `tag-fn` of architecture `serverless` (inserted if not written) |
//! | `serverless.concurrency_limit`, `serverless.platform`, `serverless.prices.function_gb_second` | a field of the architecture itself |
//! | `faults.0.lasts` | a field of the first fault |
//! | `architectures[1].components[3].batch` | any field by its full path, as diagnostics print it |
//! | `load` | not a field: every source's rate times this factor ([`Scenario::scale_load`]) |
//!
//! A value is put in as RON (`1024`, `Serverless`, `Concurrency(100)`, `"2h"`); where that
//! does not parse, it is put in as a string, so `horizon=2h` needs no quotes.

use std::fmt;

use super::locate::{Locations, pos_offset};
use super::raw::{self, RawScenario};
use super::validate::suggest;
use super::{Diagnostic, Loaded, Scenario, ScenarioError};

/// The path of the load factor, which scales every source's rate.
pub const LOAD: &str = "load";

/// Top-level fields of a scenario, as paths.
const TOP: [&str; 9] = [
    "name",
    "about",
    "lesson",
    "horizon",
    "seed",
    "prices",
    "workload",
    "architectures",
    "faults",
];

/// One changed field: `path=value`, from the flag `flag` (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The flag it came from, e.g. `--set`.
    pub flag: &'static str,
    /// The field, e.g. `serverless.tag-fn.memory_mb`.
    pub path: String,
    /// The value as typed, e.g. `1024`.
    pub value: String,
}

impl Override {
    /// Parses `PATH=VALUE` as given to `flag`.
    pub fn parse(flag: &'static str, arg: &str) -> Result<Override, String> {
        let Some((path, value)) = arg.split_once('=') else {
            return Err(format!(
                "{flag} {arg}: expected PATH=VALUE, e.g. serverless.tag-fn.memory_mb=1024"
            ));
        };
        Override::new(flag, path, value).map_err(|m| format!("{flag} {arg}: {m}"))
    }

    /// `path=value` from `flag`, checked for blanks and line breaks.
    pub fn new(flag: &'static str, path: &str, value: &str) -> Result<Override, String> {
        let (path, value) = (path.trim(), value.trim());
        if path.is_empty() {
            return Err("the path is empty".into());
        }
        if value.is_empty() {
            return Err("the value is empty".into());
        }
        if value.contains(['\n', '\r']) {
            return Err("a value is one line".into());
        }
        Ok(Override {
            flag,
            path: path.to_string(),
            value: value.to_string(),
        })
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.flag == "--load" {
            return write!(f, "--load {}", self.value);
        }
        write!(f, "{} {}={}", self.flag, self.path, self.value)
    }
}

/// Why overrides could not be applied.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OverrideError {
    /// The path names no field (or the same field twice).
    #[error("{set}: {message}")]
    Path {
        /// The override, as given.
        set: String,
        /// What is wrong, with the paths nearby.
        message: String,
    },
    /// The value was refused: the errors validation gives, each about the field.
    #[error("{}", value_lines(.set, .diagnostics))]
    Value {
        /// The override, as given ("" when the errors belong to no one override).
        set: String,
        /// The errors.
        diagnostics: Vec<Diagnostic>,
    },
    /// The scenario is invalid before any override.
    #[error("{}", .0.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
    Scenario(ScenarioError),
}

fn value_lines(set: &str, diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            if set.is_empty() {
                format!("with the overrides: {d}")
            } else {
                let path = if d.path.is_empty() {
                    "scenario"
                } else {
                    &d.path
                };
                format!("{set}: {path}: {}", d.message)
            }
        })
        .collect();
    lines.join("\n")
}

/// Loads the scenario `text` (of `file`) with `overrides` applied; `load` overrides scale
/// the rates after validation. The scenario is validated without them first, so its own
/// errors are reported at their places in the file.
pub fn load(file: &str, text: &str, overrides: &[Override]) -> Result<Loaded, OverrideError> {
    let plain = super::load(file, text).map_err(OverrideError::Scenario)?;
    if overrides.is_empty() {
        return Ok(plain);
    }
    let mut factor = 1.0;
    let mut fields = Vec::new();
    for o in overrides {
        if o.path == LOAD {
            factor *= load_factor(&o.value).map_err(|message| OverrideError::Path {
                set: o.to_string(),
                message,
            })?;
        } else {
            fields.push(o);
        }
    }
    let mut loaded = if fields.is_empty() {
        plain
    } else {
        let raw = raw::parse(text).map_err(|e| OverrideError::Path {
            set: String::new(),
            message: e.to_string(),
        })?;
        apply_fields(file, text, &raw, &fields)?
    };
    if factor != 1.0 {
        loaded.scenario.scale_load(factor);
    }
    Ok(loaded)
}

/// The value of a `load` override: a finite number greater than zero.
fn load_factor(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!(
            "{value:?}: the load factor multiplies every source's rate: a number greater than 0"
        )),
    }
}

/// An edit of the original text.
#[derive(Debug, Clone)]
struct Edit {
    /// Index into the overrides.
    of: usize,
    /// Field path as diagnostics print it.
    path: String,
    /// Byte range replaced (empty for an insertion).
    start: usize,
    end: usize,
    /// For an insertion: the field names written before the value, outermost first (more
    /// than one for a struct the text leaves out: `a: (b: VALUE)`).
    insert: Vec<String>,
    /// Put in as a string rather than as RON.
    quoted: bool,
}

fn apply_fields(
    file: &str,
    text: &str,
    raw: &RawScenario,
    overrides: &[&Override],
) -> Result<Loaded, OverrideError> {
    let loc = Locations::parse(text);
    let mut edits = Vec::with_capacity(overrides.len());
    for (of, o) in overrides.iter().enumerate() {
        let mut edit =
            resolve(text, &loc, raw, &o.path).map_err(|message| OverrideError::Path {
                set: o.to_string(),
                message,
            })?;
        edit.of = of;
        if let Some(twice) = edits.iter().find(|e: &&Edit| e.path == edit.path) {
            return Err(OverrideError::Path {
                set: o.to_string(),
                message: format!(
                    "names the same field as {} ({})",
                    overrides[twice.of], edit.path
                ),
            });
        }
        edit.quoted = o.value.starts_with('"');
        edits.push(edit);
    }
    edits.sort_by_key(|e| (e.start, e.end));
    if let Some(w) = edits.windows(2).find(|w| w[1].start < w[0].end) {
        return Err(OverrideError::Path {
            set: overrides[w[1].of].to_string(),
            message: format!("lies inside {}, also changed", overrides[w[0].of]),
        });
    }
    // Each edit is tried as RON first, then (if that does not parse) as a string.
    let mut tried_quoted = vec![false; edits.len()];
    loop {
        let new = splice(text, overrides, &edits);
        match raw::parse(&new) {
            Ok(_) => return validate(file, &new, overrides, &edits),
            Err(e) => {
                let new_loc = Locations::parse(&new);
                let at = new_loc.path_at(e.span.start.line, e.span.start.col);
                let Some(k) = edits.iter().position(|d| within(&at, &d.path)) else {
                    return Err(OverrideError::Value {
                        set: String::new(),
                        diagnostics: vec![diagnostic(file, &e, at)],
                    });
                };
                if let ron::Error::NoSuchStructField {
                    expected, found, ..
                } = &e.code
                    && edits[k].insert.contains(found)
                {
                    // The parent as the user named it.
                    let given = &overrides[edits[k].of].path;
                    let parent = given
                        .rfind(&format!(".{found}"))
                        .map_or("", |i| &given[..i]);
                    return Err(OverrideError::Path {
                        set: overrides[edits[k].of].to_string(),
                        message: format!(
                            "{} has no field {found:?}{}; its fields: {}",
                            if parent.is_empty() {
                                "the scenario"
                            } else {
                                parent
                            },
                            suggest(found, expected.iter().copied()),
                            expected.join(", ")
                        ),
                    });
                }
                if !edits[k].quoted && !tried_quoted[k] {
                    edits[k].quoted = true;
                    tried_quoted[k] = true;
                    continue;
                }
                // Quoting did not help either: report the error of the value as written.
                if tried_quoted[k] {
                    edits[k].quoted = false;
                    let first = splice(text, overrides, &edits);
                    if let Err(e) = raw::parse(&first) {
                        let at =
                            Locations::parse(&first).path_at(e.span.start.line, e.span.start.col);
                        return Err(OverrideError::Value {
                            set: overrides[edits[k].of].to_string(),
                            diagnostics: vec![diagnostic(file, &e, at)],
                        });
                    }
                }
                return Err(OverrideError::Value {
                    set: overrides[edits[k].of].to_string(),
                    diagnostics: vec![diagnostic(file, &e, at)],
                });
            }
        }
    }
}

fn diagnostic(file: &str, e: &ron::error::SpannedError, path: String) -> Diagnostic {
    Diagnostic {
        severity: super::Severity::Error,
        file: file.to_string(),
        line: e.span.start.line,
        col: e.span.start.col,
        path,
        message: e.code.to_string(),
        end: Some(super::locate::Pos {
            line: e.span.end.line,
            col: e.span.end.col,
        }),
        hint: None,
    }
}

/// Validates the changed text; errors about a changed field are put to its override.
fn validate(
    file: &str,
    new: &str,
    overrides: &[&Override],
    edits: &[Edit],
) -> Result<Loaded, OverrideError> {
    let e = match super::load(file, new) {
        Ok(loaded) => return Ok(loaded),
        Err(e) => e,
    };
    // One error list, put to the first override it is about (or to none).
    let owner = |d: &Diagnostic| {
        edits
            .iter()
            .find(|e| within(&d.path, &e.path))
            .map(|e| e.of)
    };
    let first = e.diagnostics.iter().find_map(owner);
    let (set, diagnostics) = match first {
        Some(of) => (
            overrides[of].to_string(),
            e.diagnostics
                .iter()
                .filter(|d| owner(d) == Some(of))
                .cloned()
                .collect(),
        ),
        None => (String::new(), e.diagnostics),
    };
    Err(OverrideError::Value { set, diagnostics })
}

/// Whether `path` is `field` or lies inside it.
fn within(path: &str, field: &str) -> bool {
    path.starts_with(field) && matches!(path.as_bytes().get(field.len()), None | Some(b'.' | b'['))
}

/// The text with every edit made (edits sorted, not overlapping).
fn splice(text: &str, overrides: &[&Override], edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut from = 0;
    for e in edits {
        out.push_str(&text[from..e.start]);
        let value = &overrides[e.of].value;
        for (i, field) in e.insert.iter().enumerate() {
            if i > 0 {
                out.push('(');
            }
            out.push_str(field);
            out.push_str(": ");
        }
        if e.quoted && !value.starts_with('"') {
            out.push('"');
            for c in value.chars() {
                if matches!(c, '"' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(value);
        }
        if !e.insert.is_empty() {
            out.push_str(&")".repeat(e.insert.len() - 1));
            out.push_str(", ");
        }
        from = e.end;
    }
    out.push_str(&text[from..]);
    out
}

/// `base.seg` (or `base[seg]` for an index).
fn join(base: &str, seg: &str) -> String {
    if seg.parse::<usize>().is_ok() {
        format!("{base}[{seg}]")
    } else if base.is_empty() {
        seg.to_string()
    } else {
        format!("{base}.{seg}")
    }
}

/// Finds the field `path` names: the edit to make, with `of` and `quoted` left to the caller.
fn resolve(text: &str, loc: &Locations, raw: &RawScenario, path: &str) -> Result<Edit, String> {
    let (base, rest) = base_of(raw, path)?;
    let full = rest.iter().fold(base.clone(), |p, s| join(&p, s));
    let replace = |at: &str| {
        loc.span(at).map(|(start, end)| Edit {
            of: 0,
            path: at.to_string(),
            start: pos_offset(text, start),
            end: pos_offset(text, end),
            insert: Vec::new(),
            quoted: false,
        })
    };
    if let Some(edit) = replace(&full) {
        return Ok(edit);
    }
    // The last segments alone, where they are unique under the base.
    let tail = rest.iter().fold(String::new(), |p, s| join(&p, s));
    let mut under: Vec<&str> = loc
        .paths()
        .filter(|p| p.len() > base.len() && within(p, &base))
        .collect();
    under.dedup();
    if !tail.is_empty() {
        let ends = |p: &&str| {
            p.len() > tail.len()
                && p.ends_with(&tail)
                && (tail.starts_with('[') || p.as_bytes()[p.len() - tail.len() - 1] == b'.')
        };
        let mut found: Vec<&str> = under.iter().copied().filter(ends).collect();
        found.dedup();
        match found.as_slice() {
            [one] => return replace(one).ok_or_else(|| format!("no value at {one}")),
            [] => {}
            many => {
                return Err(format!(
                    "names more than one field: {}; give more of the path",
                    many.join(", ")
                ));
            }
        }
    }
    // Fields left to their defaults: written into the innermost struct that is written,
    // nested as need be (`prices.function_gb_second` → `prices: (function_gb_second: V)`).
    if !rest.is_empty() && rest.iter().all(|s| is_identifier(s)) {
        for k in (0..rest.len()).rev() {
            let parent = rest[..k].iter().fold(base.clone(), |p, s| join(&p, s));
            let Some((start, _)) = loc.span(&parent) else {
                continue;
            };
            let Some(at) = struct_body(text, pos_offset(text, start)) else {
                break;
            };
            return Ok(Edit {
                of: 0,
                path: rest[k..].iter().fold(parent, |p, s| join(&p, s)),
                start: at,
                end: at,
                insert: rest[k..].iter().map(|s| s.to_string()).collect(),
                quoted: false,
            });
        }
    }
    let near: Vec<&str> = under
        .iter()
        .map(|p| p[base.len()..].trim_start_matches('.'))
        .collect();
    let what = if base.is_empty() {
        "the scenario".to_string()
    } else {
        base.clone()
    };
    Err(format!(
        "{what} has no field {tail:?}{}",
        suggest(&tail, near.iter().copied())
    ))
}

/// Where a field can be written into the struct whose value starts at `start`: just after
/// its `(` (`Name(` or `(`), if it is one.
fn struct_body(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    let name = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let after = rest[name..].trim_start();
    after.starts_with('(').then(|| text.len() - after.len() + 1)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The field path of the part a path starts from (a source, a component, an architecture,
/// a fault or the scenario) and the segments after it.
fn base_of<'p>(raw: &RawScenario, path: &'p str) -> Result<(String, Vec<&'p str>), String> {
    if path.contains('[') {
        // A full path: its last field may be one to write in.
        return Ok(match path.rsplit_once('.') {
            Some((base, field)) if is_identifier(field) => (base.to_string(), vec![field]),
            _ => (path.to_string(), Vec::new()),
        });
    }
    let segs: Vec<&str> = path.split('.').collect();
    let first = segs[0];
    let named = |what: &str, n: usize| {
        segs.get(n)
            .copied()
            .ok_or_else(|| format!("{what}: name one after the dot, e.g. {what}.NAME.FIELD"))
    };
    match first {
        "workload" => {
            let kind = named("workload", 1)?;
            let index = match kind.parse::<usize>() {
                Ok(i) if i < raw.workload.len() => i,
                Ok(i) => {
                    return Err(format!(
                        "workload has {} sources; {i} is past the last",
                        raw.workload.len()
                    ));
                }
                Err(_) => {
                    let hits: Vec<usize> = (0..raw.workload.len())
                        .filter(|&i| raw.workload[i].kind == kind)
                        .collect();
                    match hits.as_slice() {
                        [i] => *i,
                        [] => {
                            let kinds: Vec<&str> =
                                raw.workload.iter().map(|s| s.kind.as_str()).collect();
                            return Err(format!(
                                "the workload has no source of kind {kind:?}{}; its kinds: {}",
                                suggest(kind, kinds.iter().copied()),
                                kinds.join(", ")
                            ));
                        }
                        many => {
                            return Err(format!(
                                "{} sources have kind {kind:?}: name one by its place, workload.{}.{}",
                                many.len(),
                                many[0],
                                segs[2..].join(".")
                            ));
                        }
                    }
                }
            };
            Ok((format!("workload[{index}]"), segs[2..].to_vec()))
        }
        "faults" => {
            let n = named("faults", 1)?;
            match n.parse::<usize>() {
                Ok(i) if i < raw.faults.len() => Ok((format!("faults[{i}]"), segs[2..].to_vec())),
                _ => Err(format!(
                    "faults.{n}: name a fault by its place in the list, 0 to {}",
                    raw.faults.len().saturating_sub(1)
                )),
            }
        }
        _ if TOP.contains(&first) => Ok((String::new(), segs)),
        _ => {
            let Some(a) = raw.architectures.iter().position(|a| a.name == first) else {
                let mut known: Vec<&str> = TOP.to_vec();
                known.push(LOAD);
                known.extend(raw.architectures.iter().map(|a| a.name.as_str()));
                return Err(format!(
                    "no top-level field or architecture {first:?}{}; paths start with an architecture ({}), workload, faults, load or a top-level field",
                    suggest(first, known.iter().copied()),
                    raw.architectures
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            let arch = &raw.architectures[a];
            let base = format!("architectures[{a}]");
            // A component name may hold dots: the longest name that matches wins.
            for k in (2..=segs.len()).rev() {
                let name = segs[1..k].join(".");
                if let Some(c) = arch.components.iter().position(|c| c.name() == name) {
                    return Ok((format!("{base}.components[{c}]"), segs[k..].to_vec()));
                }
            }
            const FIELDS: [&str; 7] = [
                "name",
                "entry",
                "platform",
                "prices",
                "concurrency_limit",
                "components",
                "layout",
            ];
            match segs.get(1) {
                Some(field) if FIELDS.contains(field) => Ok((base, segs[1..].to_vec())),
                Some(name) => {
                    let names: Vec<&str> = arch.components.iter().map(|c| c.name()).collect();
                    Err(format!(
                        "{first} has no component {name:?}{}; its components: {}",
                        suggest(name, names.iter().chain(FIELDS.iter()).copied()),
                        names.join(", ")
                    ))
                }
                None => Err(format!(
                    "{first}: name a component or field after the dot, e.g. {first}.{}.FIELD",
                    arch.components.first().map_or("NAME", |c| c.name())
                )),
            }
        }
    }
}

impl Scenario {
    /// The expected number of arrivals over the horizon, every source together: rate ×
    /// horizon for Poisson and constant sources, the integral of a profile or diurnal rate
    /// (a diurnal cycle's mean), bursts at their time-weighted mean rate, and the recorded
    /// arrivals of a trace before the horizon. What [`crate::run`] guards against before a
    /// run that would not end (`--max-transactions`).
    pub fn expected_arrivals(&self) -> f64 {
        use super::Arrivals;
        let h = self.horizon as f64 / crate::engine::NS_PER_S as f64;
        self.sources
            .iter()
            .map(|source| match &source.arrivals {
                Arrivals::Poisson { rate } | Arrivals::Constant { rate } => rate * h,
                Arrivals::Diurnal { mean, .. } => mean * h,
                Arrivals::Bursts {
                    on_rate,
                    off_rate,
                    on,
                    off,
                } => {
                    let (a, b) = (on.mean_ns(), off.mean_ns());
                    if a + b > 0.0 {
                        (on_rate * a + off_rate * b) / (a + b) * h
                    } else {
                        on_rate * h
                    }
                }
                Arrivals::Profile { points, ramp } => {
                    let ns = crate::engine::NS_PER_S as f64;
                    let mut total = 0.0;
                    for (i, &(from, rate)) in points.iter().enumerate() {
                        let start = from as f64 / ns;
                        if start >= h {
                            break;
                        }
                        let end = points.get(i + 1).map_or(h, |p| (p.0 as f64 / ns).min(h));
                        let next = points.get(i + 1).map_or(rate, |p| p.1);
                        total += if *ramp {
                            // Linear from `rate` towards `next`, cut at the horizon.
                            let full = points.get(i + 1).map_or(end, |p| p.0 as f64 / ns);
                            let at_end =
                                rate + (next - rate) * (end - start) / (full - start).max(1e-9);
                            (rate + at_end) / 2.0 * (end - start)
                        } else {
                            rate * (end - start)
                        };
                    }
                    total
                }
                Arrivals::Trace { times, .. } => {
                    times.partition_point(|&t| t < self.horizon) as f64
                }
                Arrivals::Azure { per_minute, .. } => {
                    let minutes = (h / 60.0).ceil() as usize;
                    per_minute.iter().take(minutes).map(|&n| f64::from(n)).sum()
                }
            })
            .sum()
    }

    /// Multiplies every source's rate by `factor` (> 0): Poisson, constant and profile
    /// rates, a diurnal mean, both rates of bursts; an Azure trace's per-minute counts
    /// (rounded to whole invocations); a timestamp or invocation trace is replayed `factor`
    /// times as fast (its times divided by `factor`, an invocation's recorded duration
    /// unchanged), so over the same horizon it brings `factor` times the arrivals.
    pub fn scale_load(&mut self, factor: f64) {
        use super::Arrivals;
        for source in &mut self.sources {
            match &mut source.arrivals {
                Arrivals::Poisson { rate } | Arrivals::Constant { rate } => *rate *= factor,
                Arrivals::Profile { points, .. } => {
                    for (_, rate) in points.iter_mut() {
                        *rate *= factor;
                    }
                }
                Arrivals::Diurnal { mean, .. } => *mean *= factor,
                Arrivals::Bursts {
                    on_rate, off_rate, ..
                } => {
                    *on_rate *= factor;
                    *off_rate *= factor;
                }
                Arrivals::Trace { times, .. } => {
                    *times = times
                        .iter()
                        .map(|&t| (t as f64 / factor).round() as crate::engine::SimTime)
                        .collect();
                }
                Arrivals::Azure { per_minute, .. } => {
                    *per_minute = per_minute
                        .iter()
                        .map(|&n| (f64::from(n) * factor).round().min(f64::from(u32::MAX)) as u32)
                        .collect();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Arrivals, Spec};

    const PHOTO: &str = include_str!("../../../scenarios/photo-sharing.ron");
    const FILE: &str = "photo-sharing.ron";

    fn set(args: &[&str]) -> Result<Scenario, OverrideError> {
        let overrides: Vec<Override> = args
            .iter()
            .map(|a| Override::parse("--set", a).unwrap())
            .collect();
        load(FILE, PHOTO, &overrides).map(|l| l.scenario)
    }

    fn spec<'s>(s: &'s Scenario, arch: &str, comp: &str) -> &'s Spec {
        let a = s.architectures.iter().find(|a| a.name == arch).unwrap();
        &a.components.iter().find(|c| c.name == comp).unwrap().spec
    }

    fn memory(s: &Scenario, comp: &str) -> u32 {
        match spec(s, "serverless", comp) {
            Spec::Function(f) => f.memory_mb,
            other => panic!("{comp} is {other:?}"),
        }
    }

    fn rate(s: &Scenario, i: usize) -> f64 {
        match s.sources[i].arrivals {
            Arrivals::Poisson { rate } => rate,
            ref other => panic!("{other:?}"),
        }
    }

    fn message(e: OverrideError) -> String {
        e.to_string()
    }

    #[test]
    fn fields_are_named_by_architecture_component_and_source() {
        let s = set(&[
            "serverless.tag-fn.memory_mb=1024",
            "workload.upload.per_second=12.5",
            "monolith.app.instances=4",
            "serverless.tag-queue.batch=5",
            "horizon=2h",
            "seed=99",
        ])
        .unwrap();
        assert_eq!(memory(&s, "tag-fn"), 1024);
        assert_eq!(memory(&s, "resize-fn"), 1024, "the file's value, unchanged");
        assert_eq!(memory(&s, "browse-fn"), 256, "the file's value, unchanged");
        assert_eq!(rate(&s, 0), 12.5);
        assert_eq!(rate(&s, 1), 40.0);
        let Spec::Server(app) = spec(&s, "monolith", "app") else {
            panic!()
        };
        assert_eq!(app.instances, 4);
        let Spec::Queue(q) = spec(&s, "serverless", "tag-queue") else {
            panic!()
        };
        assert_eq!(q.batch, 5);
        assert_eq!(s.horizon, 2 * 3600 * crate::engine::NS_PER_S);
        assert_eq!(s.seed, 99);
    }

    #[test]
    fn a_field_left_to_its_default_is_written_in() {
        let plain = set(&[]).unwrap();
        let Spec::Function(f) = spec(&plain, "serverless", "tag-fn") else {
            panic!()
        };
        assert_eq!(f.concurrency, None);
        let s = set(&[
            "serverless.tag-fn.concurrency=7",
            "serverless.concurrency_limit=50",
        ])
        .unwrap();
        let Spec::Function(f) = spec(&s, "serverless", "tag-fn") else {
            panic!()
        };
        assert_eq!(f.concurrency, Some(7));
        assert_eq!(s.architectures[1].concurrency_limit, 50);
    }

    #[test]
    fn an_architectures_platform_and_prices_are_fields_of_it() {
        let s = set(&[
            "serverless.platform=GoogleCloudRun",
            "serverless.prices.function_vcpu_second=0.00003",
        ])
        .unwrap();
        let a = &s.architectures[1];
        assert_eq!(a.platform, crate::scenario::Platform::GoogleCloudRun);
        assert_eq!(a.prices.function_vcpu_second, 0.00003);
        // The platform's defaults: 80 requests an instance.
        let Spec::Function(f) = spec(&s, "serverless", "tag-fn") else {
            panic!()
        };
        assert_eq!(f.instance_concurrency, 80);
        assert_eq!(
            s.architectures[0].platform,
            crate::scenario::Platform::AwsLambda
        );
    }

    #[test]
    fn a_struct_the_file_leaves_out_is_written_in() {
        assert!(!PHOTO.contains("prices:"), "the file writes no prices");
        let default = set(&[]).unwrap().prices.function_gb_second;
        let s = set(&["prices.function_gb_second=0.00002"]).unwrap();
        assert_eq!(s.prices.function_gb_second, 0.00002);
        assert_ne!(default, 0.00002);
        let e = message(set(&["prices.function_gb_secnd=1"]).unwrap_err());
        assert!(
            e.contains(
                "prices has no field \"function_gb_secnd\" (did you mean \"function_gb_second\"?)"
            ),
            "{e}"
        );
    }

    #[test]
    fn whole_values_and_full_paths_are_replaced() {
        let s = set(&[
            "monolith.db.capacity=Concurrency(12)",
            "architectures[1].components[6].batch=3",
        ])
        .unwrap();
        let Spec::Queue(q) = spec(&s, "serverless", "tag-queue") else {
            panic!()
        };
        assert_eq!(q.batch, 3);
        let Spec::Database(db) = spec(&s, "monolith", "db") else {
            panic!()
        };
        assert!(
            format!("{:?}", db.capacity).contains("12"),
            "{:?}",
            db.capacity
        );
    }

    #[test]
    fn load_multiplies_every_rate() {
        let s = set(&["load=2.5"]).unwrap();
        assert_eq!((rate(&s, 0), rate(&s, 1)), (12.5, 100.0));
        // With a changed rate, the factor applies to the new value.
        let s = set(&["workload.browse.per_second=10", "load=0.5"]).unwrap();
        assert_eq!((rate(&s, 0), rate(&s, 1)), (2.5, 5.0));
        for bad in ["load=0", "load=-1", "load=x", "load=inf"] {
            let e = message(set(&[bad]).unwrap_err());
            assert!(e.contains("greater than 0"), "{bad}: {e}");
        }
    }

    #[test]
    fn unknown_paths_say_what_is_near() {
        let e = message(set(&["serverles.tag-fn.memory_mb=1"]).unwrap_err());
        assert!(e.contains("did you mean \"serverless\""), "{e}");
        let e = message(set(&["serverless.tag-fm.memory_mb=1"]).unwrap_err());
        assert!(e.contains("did you mean \"tag-fn\""), "{e}");
        assert!(e.contains("its components: api, upload-fn"), "{e}");
        let e = message(set(&["serverless.tag-fn.memry_mb=1"]).unwrap_err());
        assert!(e.starts_with("--set serverless.tag-fn.memry_mb=1: "), "{e}");
        assert!(e.contains("did you mean \"memory_mb\""), "{e}");
        assert!(e.contains("its fields: "), "{e}");
        let e = message(set(&["workload.uplaod.per_second=1"]).unwrap_err());
        assert!(e.contains("did you mean \"upload\""), "{e}");
        let e = message(set(&["workload.upload.per_secnd=1"]).unwrap_err());
        assert!(e.contains("per_secnd"), "{e}");
    }

    #[test]
    fn a_bad_value_gets_the_validation_error_with_its_path() {
        let e = set(&["serverless.tag-fn.memory_mb=64"]).unwrap_err();
        let OverrideError::Value {
            set: given,
            diagnostics,
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!(given, "--set serverless.tag-fn.memory_mb=64");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(
            diagnostics[0].path,
            "architectures[1].components[8].memory_mb"
        );
        // The same message as the value written in the file.
        let text = PHOTO.replace(
            "name: \"tag-fn\", memory_mb: 256",
            "name: \"tag-fn\", memory_mb: 64",
        );
        let in_file = crate::scenario::load(FILE, &text).unwrap_err();
        assert_eq!(in_file.diagnostics[0].message, diagnostics[0].message);
        // Wrong type.
        let e = set(&["serverless.tag-fn.memory_mb=abc"]).unwrap_err();
        let OverrideError::Value { diagnostics, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            diagnostics[0].path,
            "architectures[1].components[8].memory_mb"
        );
        let e = message(set(&["horizon=soon"]).unwrap_err());
        assert!(e.starts_with("--set horizon=soon: horizon: "), "{e}");
    }

    #[test]
    fn the_same_field_twice_is_refused() {
        let e = message(set(&["seed=1", "seed=2"]).unwrap_err());
        assert!(e.contains("names the same field as --set seed=1"), "{e}");
        let e = message(
            set(&[
                "workload.upload.per_second=1",
                "workload.upload.arrivals.per_second=2",
            ])
            .unwrap_err(),
        );
        assert!(e.contains("names the same field"), "{e}");
    }

    #[test]
    fn expected_arrivals_integrate_every_arrival_process() {
        let mut s = set(&[]).unwrap();
        assert!((s.expected_arrivals() - 45.0 * 3600.0).abs() < 1e-6);
        let min = 60 * crate::engine::NS_PER_S;
        // A ramp 0 → 10/s over the first 10 min, then 10/s: 3,000 + 10 × 3,000 = 33,000.
        s.sources[0].arrivals = Arrivals::Profile {
            points: vec![(0, 0.0), (10 * min, 10.0)],
            ramp: true,
        };
        // Steps: 2/s for 30 min, 4/s after: 3,600 + 7,200 = 10,800.
        s.sources[1].arrivals = Arrivals::Profile {
            points: vec![(0, 2.0), (30 * min, 4.0)],
            ramp: false,
        };
        assert!(
            (s.expected_arrivals() - 43_800.0).abs() < 1e-6,
            "{}",
            s.expected_arrivals()
        );
        // Bursts: 100/s on for 10 s, 1/s off for 30 s: (1,000 + 30) / 40 s × 3,600 s.
        s.sources[0].arrivals = Arrivals::Bursts {
            on_rate: 100.0,
            off_rate: 1.0,
            on: crate::dist::Dist::Constant(10 * crate::engine::NS_PER_S),
            off: crate::dist::Dist::Constant(30 * crate::engine::NS_PER_S),
        };
        s.sources[1].arrivals = Arrivals::Trace {
            times: vec![0, 5, 3600 * crate::engine::NS_PER_S, u64::MAX].into(),
            durations: None,
        };
        assert!((s.expected_arrivals() - (1030.0 / 40.0 * 3600.0 + 2.0)).abs() < 1e-6);
    }

    #[test]
    fn a_scaled_trace_plays_faster() {
        let mut s = set(&[]).unwrap();
        s.sources[0].arrivals = Arrivals::Trace {
            times: vec![0, 10, 20, 31].into(),
            durations: None,
        };
        s.sources[1].arrivals = Arrivals::Azure {
            per_minute: vec![3, 0, 5].into(),
            even: true,
        };
        s.scale_load(2.0);
        let Arrivals::Trace { times, .. } = &s.sources[0].arrivals else {
            panic!()
        };
        assert_eq!(&times[..], &[0, 5, 10, 16]);
        let Arrivals::Azure { per_minute, .. } = &s.sources[1].arrivals else {
            panic!()
        };
        assert_eq!(&per_minute[..], &[6, 0, 10]);
    }
}
