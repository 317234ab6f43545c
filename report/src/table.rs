//! A CSV file read whole into strings, with the lookups the charts need; every error
//! names the file (and the line, where there is one).

use std::path::{Path, PathBuf};

use crate::ReportError;

/// A CSV file: its header and rows, as written.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// Where it was read from.
    pub path: PathBuf,
    /// The header row.
    pub header: Vec<String>,
    /// The data rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads `path`; a missing file, a malformed row or a row of the wrong length is an
    /// error naming the file.
    pub fn read(path: &Path) -> Result<Table, ReportError> {
        let file = std::fs::File::open(path).map_err(|source| ReportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(std::io::BufReader::new(file));
        let bad = |line: Option<u64>, message: String| ReportError::BadFile {
            path: path.to_path_buf(),
            line,
            message,
        };
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| bad(Some(1), e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(bad(None, "the file is empty: no header row".into()));
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map(|p| p.line());
                bad(line, error_text(&e))
            })?;
            rows.push(record.iter().map(str::to_string).collect());
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// The index of column `name`, or an error naming the file and the column.
    pub fn col(&self, name: &str) -> Result<usize, ReportError> {
        self.find(name).ok_or_else(|| ReportError::BadFile {
            path: self.path.clone(),
            line: Some(1),
            message: format!("no column `{name}` in the header"),
        })
    }

    /// The index of column `name`, if there is one.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The number in row `row` (0-based, data rows), column `col`: `None` for an empty
    /// field (no value), an error for text that is not a number.
    pub fn number(&self, row: usize, col: usize) -> Result<Option<f64>, ReportError> {
        let text = self.rows[row][col].trim();
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(ReportError::BadFile {
                path: self.path.clone(),
                // Data row `row` is line `row + 2` (after the header); no quoted line ends
                // in choreo's files.
                line: Some(row as u64 + 2),
                message: format!(
                    "`{}` in column `{}` is not a number",
                    text, self.header[col]
                ),
            }),
        }
    }
}

/// A csv error in words, without the position (the caller gives the line).
fn error_text(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("a row of {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        _ => e.to_string(),
    }
}

/// Whether every non-empty field of column `col` is a finite number (and one at least is).
pub(crate) fn numeric_column(table: &Table, col: usize) -> bool {
    let mut any = false;
    for row in &table.rows {
        let t = row[col].trim();
        if t.is_empty() {
            continue;
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => any = true,
            _ => return false,
        }
    }
    any
}
