//! The diagnostics context: every problem found is pushed here with its field path, and
//! located in the text when the pass ends; small checks shared by every validator.

use crate::engine::SimTime;
use crate::scenario::locate::{Locations, Pos, pos_offset};
use crate::scenario::units::parse_duration;
use crate::scenario::{Diagnostic, Severity};

/// Collects diagnostics, locating each by its field path.
pub(super) struct Ctx<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
    pub(super) loc: Locations,
    pub(super) diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// A diagnostic at `path`, located at the value there.
    fn push(&mut self, severity: Severity, path: &str, message: String) {
        let pos = self.loc.position(path);
        let (line, col) = pos.map_or((1, 1), |p| (p.line, p.col));
        self.diags.push(Diagnostic {
            severity,
            file: self.file.to_string(),
            line,
            col,
            path: path.to_string(),
            message,
            end: pos.and(self.loc.end(path)),
            hint: None,
        });
    }

    /// An error about a map key (a transaction kind), pointing at the key itself.
    pub(super) fn key_error(&mut self, path: &str, message: String) {
        let key = self.loc.key_position(path);
        let (line, col) = key.map_or((1, 1), |p| (p.line, p.col));
        let end = key.map(|k| key_end(self.text, k));
        self.diags.push(Diagnostic {
            severity: Severity::Error,
            file: self.file.to_string(),
            line,
            col,
            path: path.to_string(),
            message,
            end,
            hint: None,
        });
    }

    /// An error at `path`.
    pub(super) fn error(&mut self, path: &str, message: impl Into<String>) {
        self.push(Severity::Error, path, message.into());
    }

    /// A warning at `path`.
    pub(super) fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.push(Severity::Warning, path, message.into());
    }

    /// The duration `text` ("250ms", "2h") [ns], or an error at `path`.
    pub(super) fn duration(&mut self, path: &str, text: &str) -> Option<SimTime> {
        parse_duration(text).map_err(|e| self.error(path, e)).ok()
    }

    /// A duration longer than zero [ns], or an error at `path`.
    pub(super) fn positive_duration(&mut self, path: &str, text: &str) -> Option<SimTime> {
        match self.duration(path, text)? {
            0 => {
                self.error(path, "must be longer than zero");
                None
            }
            d => Some(d),
        }
    }

    /// A rate greater than zero [1/s], or an error at `path`.
    pub(super) fn rate(&mut self, path: &str, rate: f64) -> Option<f64> {
        if rate.is_finite() && rate > 0.0 {
            Some(rate)
        } else {
            self.error(
                path,
                format!("rate must be greater than zero, found {rate}"),
            );
            None
        }
    }
}

/// Just past the map key at `key`: a quoted string with its quotes, else an identifier.
fn key_end(text: &str, key: Pos) -> Pos {
    let rest = &text[pos_offset(text, key)..];
    let len = match rest.strip_prefix('"') {
        Some(s) => s.find('"').map_or(1, |i| i + 2),
        None => rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len()),
    };
    Pos {
        line: key.line,
        col: key.col + rest[..len].chars().count(),
    }
}

/// "did you mean" for a misspelt name, from the candidates.
pub(crate) fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let best = candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(2))
        .min();
    match best {
        Some((_, c)) => format!(" (did you mean {c:?}?)"),
        None => String::new(),
    }
}

/// An optional field's checked value: `Some(None)` when absent, `Some(Some(v))` when valid,
/// `None` when it was given but invalid (its error already reported).
pub(super) fn optional<T>(field: Option<Option<T>>) -> Option<Option<T>> {
    match field {
        None => Some(None),
        Some(None) => None,
        Some(Some(v)) => Some(Some(v)),
    }
}

/// A count of at least 1 (`default` when absent); an error at `path` if it is zero, whose
/// value is still returned so that the checks after it run.
pub(super) fn count(ctx: &mut Ctx, path: &str, value: Option<u32>, default: u32) -> u32 {
    let v = value.unwrap_or(default);
    if v == 0 {
        ctx.error(path, "must be at least 1");
    }
    v
}
