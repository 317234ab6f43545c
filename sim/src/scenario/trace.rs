//! Traces: reading the files a scenario names, and parsing their formats.
//!
//! - Timestamps: a CSV with a header, one arrival per row, its time in seconds in one column.
//! - The Azure Functions 2019 trace (Shahrad et al., USENIX ATC 2020): invocations per
//!   function per minute, `HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440`, one row per
//!   function and one count column per minute of the day.
//! - The Azure Functions 2021 invocation trace (`AzureFunctionsInvocationTraceForTwoWeeksJan2021`,
//!   Zhang et al., SOSP 2021): one row per invocation, `app,func,end_timestamp,duration`, both
//!   times in seconds; the invocation started at its end minus its duration.
//! - Samples of a duration for an `Empirical` distribution: a CSV with a header, one sample
//!   per row in one column.
//!
//! A trace named `bundled:NAME` is one compiled into choreo ([`crate::bundled::TRACES`]);
//! any other name is a file, relative to the directory of the scenario file that names it.
//! This is the only file I/O of scenario loading.

use std::borrow::Cow;
use std::path::Path;

use crate::engine::{NS_PER_S, SimTime};

/// Prefix of the name of a trace compiled into choreo.
pub const BUNDLED_PREFIX: &str = "bundled:";

/// Minutes in the Azure trace: one day.
pub const MINUTES: usize = 1440;

/// One minute [ns].
pub const NS_PER_MINUTE: SimTime = 60 * NS_PER_S;

/// The first columns of the Azure Functions 2019 invocation counts, before the minutes.
pub const AZURE_COLUMNS: [&str; 4] = ["HashOwner", "HashApp", "HashFunction", "Trigger"];

/// Latest timestamp accepted [ns] (2^62 ns, about 146 years), as for sampled durations.
const MAX_NS: f64 = (1u64 << 62) as f64;

/// What is wrong with a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceError {
    /// A row is malformed.
    Row {
        /// 1-based line of the CSV.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The header is not the one the format needs.
    Header(String),
    /// No column has the requested header.
    NoColumn {
        /// The header asked for.
        name: String,
        /// The headers there are.
        headers: Vec<String>,
    },
    /// No row is of the requested app.
    NoApp {
        /// The `app` asked for.
        name: String,
        /// The apps there are, sorted.
        apps: Vec<String>,
    },
    /// No row is of the requested function.
    NoFunction {
        /// The `HashFunction` asked for.
        name: String,
        /// The functions there are: in file order (2019 format), sorted (2021 format, of
        /// the requested app if any).
        functions: Vec<String>,
    },
    /// The trace holds no arrival.
    Empty,
}

/// The text of the trace `name`, as named in the scenario file `scenario_file`: a bundled
/// trace for `bundled:NAME`; else the file `name`, relative to the scenario file's
/// directory unless absolute. The error says why it cannot be read.
pub fn read(scenario_file: &str, name: &str) -> Result<Cow<'static, str>, String> {
    if let Some(bundled) = name.strip_prefix(BUNDLED_PREFIX) {
        return match crate::bundled::trace(bundled) {
            Some(text) => Ok(Cow::Borrowed(text)),
            None => {
                let names: Vec<_> = crate::bundled::TRACES.iter().map(|t| t.0).collect();
                Err(format!(
                    "no bundled trace of that name (bundled: {})",
                    names.join(", ")
                ))
            }
        };
    }
    let path = match Path::new(scenario_file).parent() {
        Some(dir) => dir.join(name),
        None => Path::new(name).to_path_buf(),
    };
    std::fs::read_to_string(&path).map(Cow::Owned).map_err(|e| {
        if path.as_os_str() == name {
            e.to_string()
        } else {
            format!("{} ({e})", path.display())
        }
    })
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

/// The 1-based lines of the records of one text, counted forward from the last record
/// asked about, so that reading a whole file counts each of its newlines once (counting
/// from the start of the text for every record made loading quadratic). The csv crate's
/// own line numbers are off after blank lines and with CRLF; its byte offset is right, but
/// may point at line ends skipped before the record.
struct Lines<'a> {
    /// The text the records are read from.
    bytes: &'a [u8],
    /// Byte offset up to which newlines are counted.
    at: usize,
    /// 1-based line of the byte at `at`.
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// The 1-based line of the record at `pos` (line 1 without a position). Linear in the
    /// distance from the previous record asked about; a position before it counts again
    /// from the start.
    fn of(&mut self, pos: Option<&csv::Position>) -> u64 {
        let Some(pos) = pos else { return 1 };
        let len = self.bytes.len();
        let start = usize::try_from(pos.byte()).map_or(len, |b| b.min(len));
        let skipped = self.bytes[start..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let end = start + skipped;
        if end < self.at {
            (self.at, self.line) = (0, 1);
        }
        let newlines = self.bytes[self.at..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line += newlines as u64;
        self.at = end;
        self.line
    }
}

/// A CSV error as a located row error.
fn csv_error(lines: &mut Lines, e: &csv::Error) -> TraceError {
    let line = lines.of(e.position());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields, found {len}")
        }
        _ => e.to_string(),
    };
    TraceError::Row { line, message }
}

/// The arrival times [ns] of a timestamp trace, sorted: the column headed `column` (default:
/// the first) read as seconds, each multiplied by `scale` (> 0).
pub fn parse_timestamps(
    text: &str,
    column: Option<&str>,
    scale: f64,
) -> Result<Vec<SimTime>, TraceError> {
    let mut times = Vec::new();
    column_values(text, column, ("time", "one timestamp [s]"), |field, row| {
        let secs: f64 = field.parse().map_err(|_| {
            row(format!(
                "timestamp must be a number of seconds, found {field:?}"
            ))
        })?;
        if !secs.is_finite() {
            let message = format!("timestamp must be a finite number of seconds, found {field}");
            return Err(row(message));
        }
        if secs < 0.0 {
            let message = format!("timestamp must be zero or more, found {field}");
            return Err(row(message));
        }
        let ns = secs * scale * NS_PER_S as f64;
        if ns >= MAX_NS {
            return Err(row(format!("timestamp {field} s is too late")));
        }
        times.push(ns.round() as SimTime);
        Ok(())
    })?;
    times.sort_unstable();
    Ok(times)
}

/// Calls `each` with every cell of the column headed `column` (default: the first) of a CSV
/// with a header, and a function that makes a row error for that cell's line. No rows at
/// all is an error ([`no_rows`], its header and line named by `example`).
fn column_values(
    text: &str,
    column: Option<&str>,
    example: (&str, &str),
    mut each: impl FnMut(&str, &dyn Fn(String) -> TraceError) -> Result<(), TraceError>,
) -> Result<(), TraceError> {
    let mut lines = Lines::new(text);
    let mut reader = reader(text);
    let headers = reader
        .headers()
        .map_err(|e| csv_error(&mut lines, &e))?
        .clone();
    let col = column_index(&headers, column)?;
    let mut rows = 0usize;
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&mut lines, &e))?;
        let line = lines.of(record.position());
        let row = |message| TraceError::Row { line, message };
        each(record.get(col).unwrap_or(""), &row)?;
        rows += 1;
    }
    if rows == 0 {
        return Err(no_rows(&headers, col, example.0, example.1));
    }
    Ok(())
}

/// The column headed `column`, or the first.
fn column_index(headers: &csv::StringRecord, column: Option<&str>) -> Result<usize, TraceError> {
    match column {
        None => Ok(0),
        Some(name) => headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| TraceError::NoColumn {
                name: name.to_string(),
                headers: headers.iter().map(str::to_string).collect(),
            }),
    }
}

/// Why a one-column file read no rows: empty, or (a lone line that is a number) a value
/// without the header line before it.
fn no_rows(headers: &csv::StringRecord, col: usize, example: &str, what: &str) -> TraceError {
    let first = headers.get(col).unwrap_or("");
    if first.parse::<f64>().is_ok() {
        return TraceError::Header(format!(
            "the first line is the header, but it is a number ({first}): \
             start the file with a line naming the columns, e.g. \"{example}\", \
             then {what} per line"
        ));
    }
    TraceError::Empty
}

/// The samples [ns] of a duration in the column headed `column` (default: the first) of a
/// CSV with a header: each a duration with its unit (`"12.5ms"`), or a plain number of
/// `unit_ns` nanoseconds. In file order.
pub fn parse_samples(
    text: &str,
    column: Option<&str>,
    unit_ns: f64,
) -> Result<Vec<f64>, TraceError> {
    let mut samples = Vec::new();
    column_values(text, column, ("latency_ms", "one sample"), |field, row| {
        let ns = match field.parse::<f64>() {
            Ok(v) if !v.is_finite() => {
                return Err(row(format!("a sample must be finite, found {field}")));
            }
            Ok(v) if v < 0.0 => {
                return Err(row(format!("a sample must be zero or more, found {field}")));
            }
            Ok(v) => v * unit_ns,
            Err(_) => crate::scenario::units::parse_duration(field)
                .map_err(|e| row(format!("a sample must be a number or a duration: {e}")))?
                as f64,
        };
        if ns >= MAX_NS {
            return Err(row(format!("a sample of {field} is too long")));
        }
        samples.push(ns);
        Ok(())
    })?;
    Ok(samples)
}

/// The columns of the Azure Functions 2021 invocation trace.
pub const INVOCATION_COLUMNS: [&str; 4] = ["app", "func", "end_timestamp", "duration"];

/// The invocations of a 2021 trace, sorted by start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocations {
    /// Start of each invocation [ns], from the earliest start of any row of the file.
    pub times: Vec<SimTime>,
    /// Its recorded duration [ns].
    pub durations: Vec<SimTime>,
}

/// Seconds written in decimal (`"12.345678901"`) as whole nanoseconds, exactly (a fraction
/// beyond nanoseconds rounded half up); other notations (`1e3`) through f64, rounded.
/// `Err` with the f64 value read when it is not finite or negative, `None` if it is no
/// number.
fn seconds_ns(field: &str) -> Option<Result<i128, f64>> {
    let (int, frac) = field.split_once('.').unwrap_or((field, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(int.is_empty() && frac.is_empty()) && int.len() <= 20 && digits(int) && digits(frac) {
        let whole: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let mut ns: i128 = 0;
        for k in 0..9 {
            let d = frac.as_bytes().get(k).map_or(0, |b| i128::from(b - b'0'));
            ns = ns * 10 + d;
        }
        if frac.as_bytes().get(9).is_some_and(|&b| b >= b'5') {
            ns += 1;
        }
        return Some(Ok(whole * 1_000_000_000 + ns));
    }
    let v: f64 = field.parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return Some(Err(v));
    }
    Some(Ok((v * NS_PER_S as f64).round() as i128))
}

/// The invocations of an Azure Functions 2021 trace (`app,func,end_timestamp,duration`, in
/// any order, other columns ignored): of the rows whose `app` is `app` and whose `func` is
/// `function` (either may be `None`: every one). Each starts at `end_timestamp − duration`;
/// times are from the earliest start of any row, selected or not, so that sources
/// replaying different functions of one file keep their relative timing. Sorted by start,
/// invocations that start at the same instant in file order. Every row is checked.
pub fn parse_invocations(
    text: &str,
    app: Option<&str>,
    function: Option<&str>,
) -> Result<Invocations, TraceError> {
    let mut lines = Lines::new(text);
    let mut reader = reader(text);
    let headers = reader
        .headers()
        .map_err(|e| csv_error(&mut lines, &e))?
        .clone();
    let cols: Vec<Option<usize>> = INVOCATION_COLUMNS
        .iter()
        .map(|c| headers.iter().position(|h| h == *c))
        .collect();
    let [Some(app_col), Some(func_col), Some(end_col), Some(dur_col)] = cols[..] else {
        let found: Vec<_> = headers.iter().take(6).collect();
        let more = if headers.len() > 6 { ",..." } else { "" };
        return Err(TraceError::Header(format!(
            "expected the Azure Functions 2021 header app,func,end_timestamp,duration; \
             found {}{more} ({} columns)",
            found.join(","),
            headers.len()
        )));
    };
    let mut apps = std::collections::BTreeSet::new();
    let mut functions = std::collections::BTreeSet::new();
    let mut app_found = false;
    let mut earliest: Option<i128> = None;
    let mut selected: Vec<(i128, SimTime)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&mut lines, &e))?;
        let line = lines.of(record.position());
        let row = |message| TraceError::Row { line, message };
        let read = |col: usize, name: &str| -> Result<i128, TraceError> {
            let field = &record[col];
            match seconds_ns(field) {
                None => Err(row(format!(
                    "{name} must be a number of seconds, found {field:?}"
                ))),
                Some(Err(v)) if !v.is_finite() => Err(row(format!(
                    "{name} must be a finite number of seconds, found {field}"
                ))),
                Some(Err(_)) => Err(row(format!("{name} must be zero or more, found {field}"))),
                Some(Ok(ns)) if ns as f64 >= MAX_NS => {
                    Err(row(format!("{name} {field} s is too large")))
                }
                Some(Ok(ns)) => Ok(ns),
            }
        };
        let end = read(end_col, "end_timestamp")?;
        let duration = read(dur_col, "duration")?;
        let start = end - duration;
        earliest = Some(earliest.map_or(start, |e| e.min(start)));
        let (row_app, row_func) = (&record[app_col], &record[func_col]);
        let app_ok = app.is_none_or(|a| a == row_app);
        app_found |= app_ok;
        if app.is_some() && !app_ok && !apps.contains(row_app) {
            apps.insert(row_app.to_string());
        }
        if !app_ok {
            continue;
        }
        if function.is_none_or(|f| f == row_func) {
            // Below MAX_NS, checked above.
            selected.push((start, duration as SimTime));
        } else if !functions.contains(row_func) {
            functions.insert(row_func.to_string());
        }
    }
    if let Some(name) = app
        && !app_found
    {
        return Err(TraceError::NoApp {
            name: name.to_string(),
            apps: apps.into_iter().collect(),
        });
    }
    if let Some(name) = function
        && selected.is_empty()
        && !functions.is_empty()
    {
        return Err(TraceError::NoFunction {
            name: name.to_string(),
            functions: functions.into_iter().collect(),
        });
    }
    let Some(earliest) = earliest.filter(|_| !selected.is_empty()) else {
        return Err(TraceError::Empty);
    };
    selected.sort_by_key(|&(start, _)| start);
    // Each start and the earliest are within ±MAX_NS, so their difference fits a SimTime.
    let times = selected
        .iter()
        .map(|&(start, _)| (start - earliest) as SimTime)
        .collect();
    let durations = selected.into_iter().map(|(_, d)| d).collect();
    Ok(Invocations { times, durations })
}

/// The invocations per minute of an Azure Functions 2019 trace: of the rows whose
/// `HashFunction` is `function` (summed if several), or of every row if `None`. Every row
/// is checked, selected or not.
pub fn parse_azure(text: &str, function: Option<&str>) -> Result<Vec<u32>, TraceError> {
    let mut lines = Lines::new(text);
    let mut reader = reader(text);
    let headers = reader
        .headers()
        .map_err(|e| csv_error(&mut lines, &e))?
        .clone();
    let expected = AZURE_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain((1..=MINUTES).map(|m| m.to_string()));
    if headers.len() != AZURE_COLUMNS.len() + MINUTES || !headers.iter().eq(expected) {
        let found: Vec<_> = headers.iter().take(6).collect();
        let more = if headers.len() > 6 { ",..." } else { "" };
        return Err(TraceError::Header(format!(
            "expected the Azure Functions 2019 header \
             HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440; found {}{more} \
             ({} columns)",
            found.join(","),
            headers.len()
        )));
    }
    let mut per_minute = vec![0u32; MINUTES];
    let mut functions = Vec::new();
    let mut found = false;
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&mut lines, &e))?;
        let line = lines.of(record.position());
        let hash = &record[2];
        let selected = function.is_none_or(|f| f == hash);
        found |= selected;
        if function.is_some() && !selected {
            functions.push(hash.to_string());
        }
        for (m, total) in per_minute.iter_mut().enumerate() {
            let field = &record[AZURE_COLUMNS.len() + m];
            let row = |message| TraceError::Row { line, message };
            let n: u32 = field.parse().map_err(|_| {
                row(format!(
                    "minute {}: the count must be a whole number, found {field:?}",
                    m + 1
                ))
            })?;
            if selected {
                *total = total
                    .checked_add(n)
                    .ok_or_else(|| row(format!("minute {}: too many invocations", m + 1)))?;
            }
        }
    }
    match function {
        Some(name) if !found => Err(TraceError::NoFunction {
            name: name.to_string(),
            functions,
        }),
        _ if per_minute.iter().all(|&n| n == 0) => Err(TraceError::Empty),
        _ => Ok(per_minute),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn azure(rows: &[(&str, &[(usize, u32)])]) -> String {
        let mut text = AZURE_COLUMNS.join(",");
        for m in 1..=MINUTES {
            text.push_str(&format!(",{m}"));
        }
        for (hash, counts) in rows {
            let mut minutes = vec![0u32; MINUTES];
            for &(m, n) in *counts {
                minutes[m] = n;
            }
            text.push_str(&format!("\nowner,app,{hash},http"));
            for n in minutes {
                text.push_str(&format!(",{n}"));
            }
        }
        text.push('\n');
        text
    }

    #[test]
    fn timestamps_are_sorted_and_scaled() {
        let text = "id,t\n1,2.5\n2,0.25\n3, 1\n";
        assert_eq!(
            parse_timestamps(text, Some("t"), 1.0),
            Ok(vec![250_000_000, 1_000_000_000, 2_500_000_000])
        );
        assert_eq!(
            parse_timestamps(text, Some("t"), 2.0),
            Ok(vec![500_000_000, 2_000_000_000, 5_000_000_000])
        );
        assert_eq!(
            parse_timestamps(text, None, 1.0),
            Ok(vec![1_000_000_000, 2_000_000_000, 3_000_000_000])
        );
    }

    #[test]
    fn timestamp_errors_name_the_line() {
        let err = |text, column| parse_timestamps(text, column, 1.0).unwrap_err();
        assert_eq!(
            err("t\n1\n-2\n", None),
            TraceError::Row {
                line: 3,
                message: "timestamp must be zero or more, found -2".into()
            }
        );
        assert_eq!(
            err("t\n1\n\n2\nsoon\n", None),
            TraceError::Row {
                line: 5,
                message: "timestamp must be a number of seconds, found \"soon\"".into()
            }
        );
        assert_eq!(
            err("a,b\n1,2\n3\n", None),
            TraceError::Row {
                line: 3,
                message: "expected 2 fields, found 1".into()
            }
        );
        assert_eq!(
            err("t\n1\nNaN\n", None),
            TraceError::Row {
                line: 3,
                message: "timestamp must be a finite number of seconds, found NaN".into()
            }
        );
        assert_eq!(
            err("t\ninf\n", None),
            TraceError::Row {
                line: 2,
                message: "timestamp must be a finite number of seconds, found inf".into()
            }
        );
        assert!(matches!(
            err("12.5\n", None),
            TraceError::Header(m) if m.contains("the first line is the header")
        ));
        assert_eq!(
            err("t\r\n1\r\n\r\n\r\nlater\r\n", None),
            TraceError::Row {
                line: 5,
                message: "timestamp must be a number of seconds, found \"later\"".into()
            }
        );
        assert_eq!(err("t\n", None), TraceError::Empty);
        assert_eq!(err("", None), TraceError::Empty);
        assert_eq!(
            err("time\n1\n", Some("tme")),
            TraceError::NoColumn {
                name: "tme".into(),
                headers: vec!["time".into()]
            }
        );
    }

    #[test]
    fn lines_are_counted_forward_and_from_the_start_for_an_earlier_record() {
        let text = "t\n1\n\n2\r\n3\n";
        let at = |byte: u64| {
            let mut pos = csv::Position::new();
            pos.set_byte(byte);
            pos
        };
        let mut lines = Lines::new(text);
        // Records at bytes 2 ("1"), 4 (the blank line before "2": skipped to line 4), 8.
        assert_eq!(lines.of(Some(&at(2))), 2);
        assert_eq!(lines.of(Some(&at(4))), 4);
        assert_eq!(lines.of(Some(&at(8))), 5);
        assert_eq!(lines.of(Some(&at(2))), 2);
        assert_eq!(lines.of(Some(&at(99))), 6);
        assert_eq!(lines.of(None), 1);
    }

    #[test]
    fn azure_rows_are_selected_or_summed() {
        let text = azure(&[("f1", &[(0, 3), (1439, 1)]), ("f2", &[(0, 2), (5, 7)])]);
        let f1 = parse_azure(&text, Some("f1")).unwrap();
        let sum: u32 = f1.iter().sum();
        assert_eq!((f1[0], f1[5], f1[1439], sum), (3, 0, 1, 4));
        let all = parse_azure(&text, None).unwrap();
        let sum: u32 = all.iter().sum();
        assert_eq!((all[0], all[5], all[1439], sum), (5, 7, 1, 13));
        assert_eq!(
            parse_azure(&text, Some("f3")),
            Err(TraceError::NoFunction {
                name: "f3".into(),
                functions: vec!["f1".into(), "f2".into()]
            })
        );
    }

    #[test]
    fn azure_errors() {
        assert!(matches!(
            parse_azure("a,b\n1,2\n", None),
            Err(TraceError::Header(m)) if m.contains("found a,b (2 columns)")
        ));
        let text = azure(&[("f1", &[(0, 1)])]).replace("http,1,", "http,x,");
        assert_eq!(
            parse_azure(&text, None),
            Err(TraceError::Row {
                line: 2,
                message: "minute 1: the count must be a whole number, found \"x\"".into()
            })
        );
        assert_eq!(
            parse_azure(&azure(&[("f1", &[])]), None),
            Err(TraceError::Empty)
        );
    }

    #[test]
    fn decimal_seconds_are_read_to_the_nanosecond_exactly() {
        let ns = |f: &str| seconds_ns(f).unwrap().unwrap();
        assert_eq!(ns("1209599.123456789"), 1_209_599_123_456_789);
        // f64 could not hold this one to the nanosecond (2^53 ns is about 104 days).
        assert_eq!(ns("1612137600.000000001"), 1_612_137_600_000_000_001);
        assert_eq!(ns("0.0000000015"), 2);
        assert_eq!(ns("0.0000000014999"), 1);
        assert_eq!(
            (ns("7"), ns(".5"), ns("2.")),
            (7_000_000_000, 500_000_000, 2_000_000_000)
        );
        assert_eq!(ns("1e-3"), 1_000_000);
        assert_eq!(seconds_ns("-1.5"), Some(Err(-1.5)));
        assert!(matches!(seconds_ns("inf"), Some(Err(v)) if v.is_infinite()));
        assert_eq!(seconds_ns("soon"), None);
        assert_eq!(seconds_ns(""), None);
        assert_eq!(seconds_ns("."), None);
    }

    #[test]
    fn invocations_start_at_end_minus_duration_from_the_earliest_sorted() {
        let text = "app,func,end_timestamp,duration\n\
                    a,f,10.5,0.5\n\
                    a,g,11,3\n\
                    b,f,12.25,0\n\
                    a,f,12.000000001,2.000000001\n";
        // Starts 10, 8, 12.25, 10: from the earliest (8).
        let all = parse_invocations(text, None, None).unwrap();
        assert_eq!(all.times, [0, 2_000_000_000, 2_000_000_000, 4_250_000_000]);
        assert_eq!(
            all.durations,
            [3_000_000_000, 500_000_000, 2_000_000_001, 0]
        );
        // Filtered: still from the earliest start of the whole file.
        let af = parse_invocations(text, Some("a"), Some("f")).unwrap();
        assert_eq!(af.times, [2_000_000_000, 2_000_000_000]);
        assert_eq!(af.durations, [500_000_000, 2_000_000_001]);
        let f = parse_invocations(text, None, Some("f")).unwrap();
        assert_eq!(f.times.len(), 3);
        let b = parse_invocations(text, Some("b"), None).unwrap();
        assert_eq!((b.times, b.durations), (vec![4_250_000_000], vec![0]));
        assert_eq!(
            parse_invocations(text, Some("c"), None),
            Err(TraceError::NoApp {
                name: "c".into(),
                apps: vec!["a".into(), "b".into()]
            })
        );
        assert_eq!(
            parse_invocations(text, Some("b"), Some("g")),
            Err(TraceError::NoFunction {
                name: "g".into(),
                functions: vec!["f".into()]
            })
        );
        // Columns in another order, and others, are fine.
        let text = "duration,x,end_timestamp,func,app\n1,?,3,f,a\n";
        let one = parse_invocations(text, None, None).unwrap();
        assert_eq!((one.times, one.durations), (vec![0], vec![NS_PER_S]));
    }

    #[test]
    fn invocation_errors_name_the_line() {
        let err = |rows: &str| {
            parse_invocations(
                &format!("app,func,end_timestamp,duration\n{rows}"),
                None,
                None,
            )
            .unwrap_err()
        };
        let row = |line, message: &str| TraceError::Row {
            line,
            message: message.into(),
        };
        assert_eq!(
            err("a,f,1,0.5\na,f,x,1\n"),
            row(3, "end_timestamp must be a number of seconds, found \"x\"")
        );
        assert_eq!(
            err("a,f,1,0.5\n\na,f,2,-1\n"),
            row(4, "duration must be zero or more, found -1")
        );
        assert_eq!(
            err("a,f,NaN,1\n"),
            row(
                2,
                "end_timestamp must be a finite number of seconds, found NaN"
            )
        );
        assert_eq!(err("a,f,1\n"), row(2, "expected 4 fields, found 3"));
        assert_eq!(
            err("a,f,1e300,1\n"),
            row(2, "end_timestamp 1e300 s is too large")
        );
        assert_eq!(err(""), TraceError::Empty);
        assert!(matches!(
            parse_invocations("app,function,end,duration\n", None, None),
            Err(TraceError::Header(m)) if m.contains("found app,function,end,duration (4 columns)")
        ));
    }

    #[test]
    fn samples_are_durations_or_numbers_in_their_unit() {
        let text = "id,ms\n1,12.5\n2,3ms\n3, 0\n";
        assert_eq!(
            parse_samples(text, Some("ms"), 1e6),
            Ok(vec![12.5e6, 3e6, 0.0])
        );
        assert_eq!(parse_samples(text, None, 1e9), Ok(vec![1e9, 2e9, 3e9]));
        let err = |text: &str| parse_samples(text, None, 1e9).unwrap_err();
        assert_eq!(
            err("s\n1\n-2\n"),
            TraceError::Row {
                line: 3,
                message: "a sample must be zero or more, found -2".into()
            }
        );
        assert!(matches!(
            err("s\n1\n\nsoon\n"),
            TraceError::Row { line: 4, message } if message.starts_with("a sample must be a number or a duration")
        ));
        assert!(matches!(
            err("s\ninf\n"),
            TraceError::Row { line: 2, message } if message == "a sample must be finite, found inf"
        ));
        assert!(
            matches!(err("12.5\n"), TraceError::Header(m) if m.contains("the first line is the header"))
        );
        assert_eq!(err("s\n"), TraceError::Empty);
    }

    #[test]
    fn reads_bundled_traces_and_files_relative_to_the_scenario() {
        assert!(read("anywhere/s.ron", "bundled:azure-sample.csv").is_ok());
        let e = read("s.ron", "bundled:nope.csv").unwrap_err();
        assert!(e.starts_with("no bundled trace of that name"), "{e}");
        let e = read("no/such/dir/s.ron", "t.csv").unwrap_err();
        assert!(e.starts_with("no/such/dir/t.csv ("), "{e}");
    }
}
