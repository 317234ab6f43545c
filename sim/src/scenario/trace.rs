//! Arrival traces: reading the files a scenario names, and parsing their two formats.
//!
//! - Timestamps: a CSV with a header, one arrival per row, its time in seconds in one column.
//! - The Azure Functions 2019 trace (Shahrad et al., USENIX ATC 2020): invocations per
//!   function per minute, `HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440`, one row per
//!   function and one count column per minute of the day.
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
    /// No row is of the requested function.
    NoFunction {
        /// The `HashFunction` asked for.
        name: String,
        /// The functions there are, in file order.
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
    let mut lines = Lines::new(text);
    let mut reader = reader(text);
    let headers = reader
        .headers()
        .map_err(|e| csv_error(&mut lines, &e))?
        .clone();
    let col = match column {
        None => 0,
        Some(name) => {
            let col = headers.iter().position(|h| h == name);
            col.ok_or_else(|| TraceError::NoColumn {
                name: name.to_string(),
                headers: headers.iter().map(str::to_string).collect(),
            })?
        }
    };
    let mut times = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&mut lines, &e))?;
        let line = lines.of(record.position());
        let field = record.get(col).unwrap_or("");
        let row = |message| TraceError::Row { line, message };
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
    }
    if times.is_empty() {
        // A lone line that is a number is a timestamp without the header line before it.
        let first = headers.get(col).unwrap_or("");
        if first.parse::<f64>().is_ok() {
            return Err(TraceError::Header(format!(
                "the first line is the header, but it is a number ({first}): \
                 start the file with a line naming the columns, e.g. \"time\", \
                 then one timestamp [s] per line"
            )));
        }
        return Err(TraceError::Empty);
    }
    times.sort_unstable();
    Ok(times)
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
    fn reads_bundled_traces_and_files_relative_to_the_scenario() {
        assert!(read("anywhere/s.ron", "bundled:azure-sample.csv").is_ok());
        let e = read("s.ron", "bundled:nope.csv").unwrap_err();
        assert!(e.starts_with("no bundled trace of that name"), "{e}");
        let e = read("no/such/dir/s.ron", "t.csv").unwrap_err();
        assert!(e.starts_with("no/such/dir/t.csv ("), "{e}");
    }
}
