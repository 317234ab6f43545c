//! A scenario's workshop questions checked against a run: each claim evaluated on the
//! figures `summary.csv` holds (the cells as written, read back as numbers), so that a
//! lesson's answer key is whatever choreo's own output says.

use crate::report::{Report, summary_header, summary_rows};
use crate::scenario::{Claim, Operand};

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

/// Every claim of every question of the report's scenario, in order. A claim naming an
/// architecture the run left out (`--arch`) or a cell that is not a number (an empty
/// percentile of a run without responses) is `Err` with the reason.
pub fn check(report: &Report) -> Vec<Result<Checked, String>> {
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
        .flat_map(|(i, q)| q.claims.iter().map(move |c| one(i, c)))
        .collect()
}
