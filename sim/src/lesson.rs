//! A scenario's workshop questions checked against a run: each claim evaluated on the
//! figures `summary.csv` holds (the cells as written, read back as numbers), so that a
//! lesson's answer key is whatever choreo's own output says.
//!
//! A question may ask about another run of the scenario (`set: ["load=10"]`, `set:
//! ["workload.upload.per_second=50"]`): [`prepare`] gives one [`Variant`] per distinct set
//! of overrides, the scenario as written first, and [`check`] evaluates on a report the
//! questions whose overrides it was run with.

use crate::report::{Report, summary_header, summary_rows};
use crate::run::{RunError, RunOptions, run_scenario};
use crate::scenario::overrides::{self, Override};
use crate::scenario::{Claim, Loaded, Operand, Scenario};

/// One run a lesson's questions need: the scenario with a set of overrides, and the
/// questions (indices) answered on it.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The overrides (empty: the scenario as written).
    pub set: Vec<Override>,
    /// The questions it answers, in order.
    pub questions: Vec<usize>,
    /// The scenario with the overrides applied.
    pub scenario: Scenario,
}

impl Variant {
    /// The overrides as `choreo run` takes them, e.g. `--load 10 --set horizon=1h`
    /// (empty for the scenario as written).
    pub fn flags(&self) -> String {
        flags(&self.set)
    }
}

/// Overrides as a shell command line takes them: `--load 10 --set horizon=1h`, a value
/// holding anything but letters, digits and `._:/=-` quoted (`--set
/// 'workload.orders.arrivals=Poisson(per_second: 0.5)'`), so that it can be pasted.
pub fn flags(set: &[Override]) -> String {
    let parts: Vec<String> = set
        .iter()
        .map(|o| {
            let plain = o.to_string();
            let arg = plain.split_once(' ').map_or("", |x| x.1);
            let safe = arg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._:/=-+".contains(c));
            if safe {
                plain
            } else {
                format!("{} '{}'", o.flag, arg.replace('\'', r"'\''"))
            }
        })
        .collect();
    parts.join(" ")
}

/// The runs the questions of `plain` (the scenario `text` of `file`, loaded) need, the
/// scenario as written first when a question asks about it. An override a question gives
/// that does not apply (no such field, a value out of range) is an error naming the
/// question, with the message `choreo run --set` would give.
pub fn prepare(file: &str, text: &str, plain: &Loaded) -> Result<Vec<Variant>, String> {
    let mut variants: Vec<Variant> = Vec::new();
    for (i, q) in plain.scenario.questions.iter().enumerate() {
        if let Some(v) = variants.iter_mut().find(|v| v.set == q.set) {
            v.questions.push(i);
            continue;
        }
        let scenario = if q.set.is_empty() {
            plain.scenario.clone()
        } else {
            overrides::load(file, text, &q.set)
                .map_err(|e| format!("{file}: questions[{i}].set: {e}"))?
                .scenario
        };
        variants.push(Variant {
            set: q.set.clone(),
            questions: vec![i],
            scenario,
        });
    }
    variants.sort_by_key(|v| !v.set.is_empty());
    Ok(variants)
}

/// Every claim of the scenario's questions, each question on its own run: [`prepare`]d,
/// then each variant run with `options` and [`check`]ed, in question order.
pub fn check_all(
    file: &str,
    text: &str,
    plain: &Loaded,
    options: &RunOptions,
) -> Result<Vec<Result<Checked, String>>, LessonError> {
    let mut out = Vec::new();
    for v in prepare(file, text, plain).map_err(LessonError::Set)? {
        let report = run_scenario(&v.scenario, options).map_err(|e| LessonError::Run {
            flags: v.flags(),
            error: Box::new(e),
        })?;
        out.extend(check(&report, &v.set));
    }
    out.sort_by_key(|c| c.as_ref().map(|c| c.question).unwrap_or(usize::MAX));
    Ok(out)
}

/// Why a lesson's questions could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    /// A question's overrides do not apply.
    #[error("{0}")]
    Set(String),
    /// A run failed.
    #[error("the run{} failed: {error}", if .flags.is_empty() { String::new() } else { format!(" with {}", .flags) })]
    Run {
        /// The run's overrides.
        flags: String,
        /// Why.
        error: Box<RunError>,
    },
}

/// One claim evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// Index of its question.
    pub question: usize,
    /// The claim as written.
    pub claim: String,
    /// Its left side's value.
    pub left: f64,
    /// Its right side's value.
    pub right: f64,
    /// Whether it holds.
    pub holds: bool,
}

/// Every claim of the questions of the report's scenario that ask about a run with the
/// overrides `set` (`&[]`: the scenario as written), in order. A claim naming an
/// architecture the run left out (`--arch`) or a cell that is not a number (an empty
/// percentile of a run without responses) is `Err` with the reason.
pub fn check(report: &Report, set: &[Override]) -> Vec<Result<Checked, String>> {
    let header = summary_header();
    let rows = summary_rows(report);
    let scenario = &report.scenario;
    let value = |o: &Operand| -> Result<f64, String> {
        match *o {
            Operand::Number(x) => Ok(x),
            Operand::Figure {
                arch,
                column,
                factor,
            } => {
                let name = &scenario.architectures[arch].name;
                let row = report
                    .architectures
                    .iter()
                    .position(|a| &a.name == name)
                    .and_then(|i| rows.get(i))
                    .ok_or_else(|| format!("{name} was not run"))?;
                let cell = header
                    .iter()
                    .position(|c| *c == column)
                    .and_then(|i| row.get(i))
                    .ok_or_else(|| format!("summary.csv has no {column}"))?;
                let x: f64 = cell
                    .parse()
                    .map_err(|_| format!("{name}.{column} is {cell:?}, not a number"))?;
                Ok(factor * x)
            }
        }
    };
    let one = |question: usize, c: &Claim| -> Result<Checked, String> {
        let (left, right) = (value(&c.left)?, value(&c.right)?);
        Ok(Checked {
            question,
            claim: c.text.clone(),
            left,
            right,
            holds: c.op.holds(left, right),
        })
    };
    scenario
        .questions
        .iter()
        .enumerate()
        .filter(|(_, q)| q.set == set)
        .flat_map(|(i, q)| q.claims.iter().map(move |c| one(i, c)))
        .collect()
}
