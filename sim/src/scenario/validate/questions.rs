//! Workshop questions: each claim read as `OPERAND OP OPERAND`, an operand being a number,
//! `ARCH.COLUMN` (an architecture's `summary.csv` figure) or `K * ARCH.COLUMN`.

use super::ctx::{Ctx, suggest};
use crate::report::SUMMARY;
use crate::scenario::overrides::{LOAD, Override};
use crate::scenario::raw::{RawArchitecture, RawQuestion};
use crate::scenario::{Claim, Compare, Operand, Question};

/// Columns of `summary.csv` that are not numbers.
const NOT_NUMBERS: [&str; 2] = ["scenario", "architecture"];

/// The questions, or `None` when a claim is malformed (each problem reported).
pub(super) fn questions(
    ctx: &mut Ctx,
    raw: &[RawQuestion],
    archs: &[RawArchitecture],
) -> Option<Vec<Question>> {
    let mut ok = true;
    let mut out = Vec::with_capacity(raw.len());
    for (i, q) in raw.iter().enumerate() {
        if q.ask.trim().is_empty() {
            ctx.error(&format!("questions[{i}].ask"), "a question needs its text");
            ok = false;
        }
        if q.answer.trim().is_empty() {
            ctx.error(
                &format!("questions[{i}].answer"),
                "a question needs its answer",
            );
            ok = false;
        }
        let mut set = Vec::with_capacity(q.set.len());
        for (j, text) in q.set.iter().enumerate() {
            match question_override(text) {
                Ok(o) => set.push(o),
                Err(why) => {
                    ctx.error(&format!("questions[{i}].set[{j}]"), why);
                    ok = false;
                }
            }
        }
        let mut claims = Vec::with_capacity(q.claims.len());
        for (j, text) in q.claims.iter().enumerate() {
            match claim(text, archs) {
                Ok(c) => claims.push(c),
                Err(why) => {
                    ctx.error(&format!("questions[{i}].claims[{j}]"), why);
                    ok = false;
                }
            }
        }
        out.push(Question {
            ask: q.ask.clone(),
            answer: q.answer.clone(),
            set,
            claims,
        });
    }
    ok.then_some(out)
}

/// One of a question's overrides: `load=X` as `--load X`, anything else as `--set`. Only
/// its form is checked here; whether its path names a field and its value fits is checked
/// when the question's run is prepared (`lesson::prepare`), since that validates the
/// scenario again.
fn question_override(text: &str) -> Result<Override, String> {
    let Some((path, value)) = text.split_once('=') else {
        return Err(format!(
            "{text:?}: expected PATH=VALUE as `choreo run --set` takes it (e.g. \"workload.upload.per_second=50\"), or load=X"
        ));
    };
    let flag = if path.trim() == LOAD {
        "--load"
    } else {
        "--set"
    };
    Override::new(flag, path, value).map_err(|m| format!("{text:?}: {m}"))
}

/// One claim, or why it cannot be read.
fn claim(text: &str, archs: &[RawArchitecture]) -> Result<Claim, String> {
    let Some((at, token, op)) = Compare::ALL
        .iter()
        .filter_map(|&(token, op)| text.find(token).map(|at| (at, token, op)))
        .min_by_key(|&(at, token, _)| (at, std::cmp::Reverse(token.len())))
    else {
        return Err(format!(
            "claim {text:?} compares nothing: write `ARCH.COLUMN OP VALUE`, OP one of <, <=, >, >=, ==, e.g. \"serverless.response_p99_ms < monolith.response_p99_ms\""
        ));
    };
    let (left, right) = (&text[..at], &text[at + token.len()..]);
    if Compare::ALL.iter().any(|(t, _)| right.contains(t)) {
        return Err(format!("claim {text:?} has more than one comparison"));
    }
    let left = operand(left.trim(), text, archs)?;
    let right = operand(right.trim(), text, archs)?;
    if matches!((left, right), (Operand::Number(_), Operand::Number(_))) {
        return Err(format!(
            "claim {text:?} compares two numbers: name a figure, `ARCH.COLUMN`"
        ));
    }
    Ok(Claim {
        text: text.to_string(),
        left,
        op,
        right,
    })
}

fn operand(side: &str, text: &str, archs: &[RawArchitecture]) -> Result<Operand, String> {
    if side.is_empty() {
        return Err(format!("claim {text:?} has a side missing"));
    }
    if let Ok(x) = side.parse::<f64>() {
        return finite(x, text).map(Operand::Number);
    }
    let (factor, figure) = match side.split_once(['*', '×']) {
        Some((k, figure)) => {
            let k = k.trim();
            let x = k
                .parse::<f64>()
                .map_err(|_| format!("claim {text:?}: {k:?} is not a number"))?;
            (finite(x, text)?, figure.trim())
        }
        None => (1.0, side),
    };
    let Some((arch, column)) = figure.rsplit_once('.') else {
        return Err(format!(
            "claim {text:?}: {figure:?} is neither a number nor ARCH.COLUMN (an architecture's figure in summary.csv)"
        ));
    };
    let names = archs.iter().map(|a| a.name.as_str());
    let Some(index) = archs.iter().position(|a| a.name == arch) else {
        return Err(format!(
            "claim {text:?}: no architecture {arch:?}{}",
            suggest(arch, names)
        ));
    };
    let numbers = SUMMARY
        .iter()
        .map(|c| c.name)
        .filter(|n| !NOT_NUMBERS.contains(n));
    let Some(column) = numbers.clone().find(|n| *n == column) else {
        return Err(format!(
            "claim {text:?}: summary.csv has no figure {column:?}{}",
            suggest(column, numbers)
        ));
    };
    Ok(Operand::Figure {
        arch: index,
        column,
        factor,
    })
}

fn finite(x: f64, text: &str) -> Result<f64, String> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("claim {text:?}: numbers must be finite"))
    }
}
