//! `choreo sweep`: every combination of the varied values (a *point*), each run for every
//! replication, on a pool of worker threads, into one folder:
//!
//! - `points/NNNNNN.csv`: one file per finished point, its rows of `sweep.csv` (no header),
//!   written atomically the moment its last replication finishes. These are the sweep's
//!   progress: a rerun into the same folder skips the points that have one, and an
//!   interrupted sweep loses at most the points in progress.
//! - `sweep.csv`: header, then every point's rows in point order, once all are done.
//! - `sweep_ci.csv`: per point, architecture and metric: n, mean, sd, 95% half-width.
//! - `manifest.json`: what the sweep is (scenario hash, overrides, varied values,
//!   replications, seeds, shard) and which points are done.
//!
//! A shard (`K/N`) runs the points `p` with `p mod N = K − 1`; [`merge`] joins the folders
//! of all shards into the folder one machine would have written, byte for byte.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::vary::{self, Vary};
use super::{CI_COLUMNS, ci_rows, pool, replication_seed};
use crate::export::write_atomic;
use crate::report::{SUMMARY, summary_rows};
use crate::run::{self, Control, RunError, RunOptions, Stopped};
use crate::scenario::Scenario;
use crate::scenario::overrides::{self, Override, OverrideError};

/// A share of a sweep's points: the `k`-th (1-based) of `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which share, from 1.
    pub k: usize,
    /// How many shares.
    pub n: usize,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    /// Parses `K/N` (1 ≤ K ≤ N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let parsed = text
            .split_once('/')
            .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((k, n)) if k >= 1 && k <= n => Ok(Shard { k, n }),
            _ => Err(format!(
                "--shard {text}: expected K/N with 1 ≤ K ≤ N, e.g. 2/8, or auto"
            )),
        }
    }

    /// Whether point `p` is in this share.
    pub fn has(&self, p: usize) -> bool {
        p % self.n == self.k - 1
    }
}

/// What to sweep.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Scenario name (for the manifest and messages).
    pub name: String,
    /// The scenario's file, as diagnostics name it.
    pub file: String,
    /// The scenario's RON text.
    pub text: String,
    /// `--set` overrides, applied at every point.
    pub sets: Vec<Override>,
    /// The varied fields, the first varying slowest.
    pub varies: Vec<Vary>,
    /// Replications per point (at least 1).
    pub replications: u32,
    /// Which share of the points to run.
    pub shard: Shard,
    /// Architectures to run (all when empty).
    pub architectures: Vec<String>,
}

/// Why a sweep could not run or finish.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The spec is wrong (a path, a value, a count): the user's to fix.
    #[error("{0}")]
    Spec(String),
    /// A point's scenario is invalid with its overrides.
    #[error("point {point} ({values}): {error}")]
    Point {
        /// The point.
        point: usize,
        /// Its values, `path=value` joined.
        values: String,
        /// What is wrong.
        error: OverrideError,
    },
    /// The output folder holds another sweep, or is damaged.
    #[error("{0}")]
    Folder(String),
    /// A run failed.
    #[error("point {point}, replication {replication}: {error}")]
    Run {
        /// The point.
        point: usize,
        /// The replication, from 1.
        replication: u32,
        /// The failure.
        error: Box<RunError>,
    },
    /// Interrupted: the points done are kept, and a rerun into the folder resumes.
    #[error(
        "interrupted: {done} of {total} points done and kept; run the same command again to resume"
    )]
    Interrupted {
        /// Points of this shard done.
        done: usize,
        /// Points of this shard.
        total: usize,
    },
    /// A file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The error.
        source: io::Error,
    },
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> SweepError {
    let what = what.into();
    move |source| SweepError::Io { what, source }
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The choreo version that wrote it.
    pub choreo: String,
    /// Hash of everything that decides the sweep's rows (not the shard).
    pub sweep_id: String,
    /// Scenario name.
    pub scenario: String,
    /// SHA-256 of the scenario text.
    pub scenario_sha256: String,
    /// The `--set` overrides, `path=value`.
    pub set: Vec<String>,
    /// The varied fields and their values.
    pub vary: Vec<VaryEntry>,
    /// Replications per point.
    pub replications: u32,
    /// Seed of the first replication at a point whose overrides leave the seed alone;
    /// replication r runs with `replication_seed(seed, r)`.
    pub seed: u64,
    /// Architectures run (empty: all).
    pub architectures: Vec<String>,
    /// This folder's share.
    pub shard: Shard,
    /// Points of the whole sweep.
    pub points: usize,
    /// Points done in this folder, as ranges: `0-11,13`.
    pub done: String,
}

/// A varied field in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaryEntry {
    /// Path.
    pub path: String,
    /// Values.
    pub values: Vec<String>,
}

/// A sweep whose every point has been validated.
pub struct Prepared {
    spec: Spec,
    total: usize,
    /// This shard's points, each with its scenario (seed of replication 1).
    points: Vec<(usize, Arc<Scenario>)>,
    manifest: Manifest,
}

/// Most points a sweep may have.
pub const MAX_POINTS: usize = 1_000_000;

/// The files and folder a sweep writes into its output folder.
pub const FILES: [&str; 4] = ["manifest.json", "sweep.csv", "sweep_ci.csv", "points"];

/// Removes a sweep's [`FILES`] from `out` (`--force`): what an earlier sweep left there is
/// discarded, nothing else in the folder is touched.
pub fn discard(out: &Path) -> Result<(), SweepError> {
    for name in FILES {
        let path = out.join(name);
        let gone = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match gone {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(SweepError::Io {
                    what: format!("removing {}", path.display()),
                    source: e,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Validates every point of the sweep (all shards', so that every shard refuses the same
/// mistakes) before anything runs.
pub fn prepare(spec: Spec) -> Result<Prepared, SweepError> {
    if spec.replications == 0 {
        return Err(SweepError::Spec("--replications must be at least 1".into()));
    }
    for (i, v) in spec.varies.iter().enumerate() {
        if let Some(w) = spec.varies[..i].iter().find(|w| w.path == v.path) {
            return Err(SweepError::Spec(format!("--vary {}: varied twice", w.path)));
        }
        if let Some(s) = spec.sets.iter().find(|s| s.path == v.path) {
            return Err(SweepError::Spec(format!(
                "--vary {}: also given as {s}",
                v.path
            )));
        }
    }
    let total = vary::count(&spec.varies)
        .filter(|&n| n <= MAX_POINTS)
        .ok_or_else(|| {
            SweepError::Spec(format!(
                "the sweep has more than {MAX_POINTS} points; vary fewer values"
            ))
        })?;
    let mut points = Vec::new();
    let mut seed = None;
    for p in 0..total {
        let overrides = overrides_at(&spec, p);
        let loaded = overrides::load(&spec.file, &spec.text, &overrides).map_err(|error| {
            SweepError::Point {
                point: p,
                values: values_at(&spec.varies, p).join(", "),
                error,
            }
        })?;
        run::select(&loaded.scenario, &spec.architectures)
            .map_err(|e| SweepError::Spec(e.to_string()))?;
        seed.get_or_insert(loaded.scenario.seed);
        if spec.shard.has(p) {
            points.push((p, Arc::new(loaded.scenario)));
        }
    }
    let manifest = manifest(&spec, total, seed.unwrap_or(0));
    Ok(Prepared {
        spec,
        total,
        points,
        manifest,
    })
}

fn overrides_at(spec: &Spec, p: usize) -> Vec<Override> {
    let idx = vary::point(&spec.varies, p);
    let mut all = spec.sets.clone();
    all.extend(spec.varies.iter().zip(idx).map(|(v, i)| v.at(i)));
    all
}

fn values_at(varies: &[Vary], p: usize) -> Vec<String> {
    let idx = vary::point(varies, p);
    varies
        .iter()
        .zip(idx)
        .map(|(v, i)| format!("{}={}", v.path, v.values[i]))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn manifest(spec: &Spec, total: usize, seed: u64) -> Manifest {
    let scenario_sha256 = hex(&Sha256::digest(spec.text.as_bytes()));
    let set: Vec<String> = spec
        .sets
        .iter()
        .map(|o| format!("{}={}", o.path, o.value))
        .collect();
    let vary: Vec<VaryEntry> = spec
        .varies
        .iter()
        .map(|v| VaryEntry {
            path: v.path.clone(),
            values: v.values.clone(),
        })
        .collect();
    let identity = serde_json::json!({
        "choreo": env!("CARGO_PKG_VERSION"),
        "scenario_sha256": scenario_sha256,
        "set": set,
        "vary": vary,
        "replications": spec.replications,
        "architectures": spec.architectures,
    });
    Manifest {
        choreo: env!("CARGO_PKG_VERSION").to_string(),
        sweep_id: hex(&Sha256::digest(identity.to_string().as_bytes())),
        scenario: spec.name.clone(),
        scenario_sha256,
        set,
        vary,
        replications: spec.replications,
        seed,
        architectures: spec.architectures.clone(),
        shard: spec.shard,
        points: total,
        done: String::new(),
    }
}

/// Progress of a running sweep, reported after each point.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Points of this shard done, those found done in the folder included.
    pub done: usize,
    /// Points of this shard.
    pub total: usize,
    /// Points found done in the folder (resumed).
    pub resumed: usize,
    /// The point just finished (`None` for the first report, before any runs).
    pub point: Option<usize>,
    /// Its values, `path=value`.
    pub values: Vec<String>,
    /// Time since the sweep started.
    pub elapsed: Duration,
}

/// What a finished sweep wrote.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Points of this shard.
    pub points: usize,
    /// Points found done and not rerun.
    pub resumed: usize,
    /// `sweep.csv`.
    pub sweep_csv: PathBuf,
    /// The mean of a few metrics per point and architecture, for the terminal.
    pub table: String,
}

impl Prepared {
    /// Points of the whole sweep.
    pub fn total(&self) -> usize {
        self.total
    }

    /// This shard's points and their scenarios (with the seed of replication 1).
    pub fn scenarios(&self) -> impl Iterator<Item = (usize, &Scenario)> {
        self.points.iter().map(|(p, s)| (*p, &**s))
    }

    /// Points of this shard.
    pub fn shard_points(&self) -> usize {
        self.points.len()
    }

    /// Runs the points not yet done in `out` on `jobs` threads, then writes `sweep.csv`,
    /// `sweep_ci.csv` and `manifest.json`.
    pub fn run(
        &self,
        out: &Path,
        jobs: usize,
        control: &Control,
        mut progress: impl FnMut(&Progress),
    ) -> Result<Finished, SweepError> {
        let started = Instant::now();
        let points_dir = out.join("points");
        std::fs::create_dir_all(&points_dir)
            .map_err(io_err(format!("creating {}", points_dir.display())))?;
        self.check_folder(out)?;
        let mut done: Vec<usize> = self
            .points
            .iter()
            .map(|&(p, _)| p)
            .filter(|&p| point_file(out, p).is_file())
            .collect();
        let resumed = done.len();
        self.write_manifest(out, &done)?;
        let mut report = Progress {
            done: resumed,
            total: self.points.len(),
            resumed,
            point: None,
            values: Vec::new(),
            elapsed: started.elapsed(),
        };
        progress(&report);
        let todo: Vec<(usize, u32, Arc<Scenario>)> = self
            .points
            .iter()
            .filter(|(p, _)| !done.contains(p))
            .flat_map(|(p, s)| (1..=self.spec.replications).map(|r| (*p, r, Arc::clone(s))))
            .collect();
        let options = RunOptions {
            interval: None,
            architectures: self.spec.architectures.clone(),
            sequential: true,
            control: control.clone(),
        };
        let reps = self.spec.replications as usize;
        let mut pending: BTreeMap<usize, Vec<Option<Vec<Vec<String>>>>> = BTreeMap::new();
        let mut failure: Option<SweepError> = None;
        let nvary = self.spec.varies.len();
        pool::run(
            jobs,
            todo,
            |(p, r, scenario)| {
                let mut s = (**scenario).clone();
                s.seed = replication_seed(s.seed, *r);
                (*p, *r, run::run_scenario(&s, &options))
            },
            |_, (p, r, result)| {
                let report_rows = match result {
                    // A point cut short by the interrupt is not kept: it runs again on resume.
                    // One stopped by the in-flight guard is (its simulated_s says so).
                    Ok(report)
                        if report
                            .architectures
                            .iter()
                            .any(|a| a.stopped == Some(Stopped::Interrupted)) =>
                    {
                        failure = Some(SweepError::Interrupted {
                            done: done.len(),
                            total: self.points.len(),
                        });
                        return false;
                    }
                    Ok(report) => summary_rows(&report),
                    Err(error) => {
                        failure = Some(SweepError::Run {
                            point: p,
                            replication: r,
                            error: Box::new(error),
                        });
                        return false;
                    }
                };
                let idx = vary::point(&self.spec.varies, p);
                let mut rows = Vec::with_capacity(report_rows.len());
                for row in report_rows {
                    let mut full = Vec::with_capacity(2 + nvary + row.len());
                    full.push(p.to_string());
                    full.extend(
                        self.spec
                            .varies
                            .iter()
                            .zip(&idx)
                            .map(|(v, &i)| v.values[i].clone()),
                    );
                    full.push(r.to_string());
                    full.extend(row);
                    rows.push(full);
                }
                let slot = pending.entry(p).or_insert_with(|| vec![None; reps]);
                slot[r as usize - 1] = Some(rows);
                if slot.iter().any(Option::is_none) {
                    return true;
                }
                let Some(all) = pending.remove(&p) else {
                    return true;
                };
                let rows: Vec<Vec<String>> = all.into_iter().flatten().flatten().collect();
                let path = point_file(out, p);
                if let Err(e) = write_atomic(&path, |w| write_rows(w, &rows)) {
                    failure = Some(io_err(format!("writing {}", path.display()))(e));
                    return false;
                }
                done.push(p);
                if let Err(e) = self.write_manifest(out, &done) {
                    failure = Some(e);
                    return false;
                }
                report.done = done.len();
                report.point = Some(p);
                report.values = values_at(&self.spec.varies, p);
                report.elapsed = started.elapsed();
                progress(&report);
                true
            },
        );
        if let Some(e) = failure {
            return Err(e);
        }
        if control.interrupted() {
            return Err(SweepError::Interrupted {
                done: done.len(),
                total: self.points.len(),
            });
        }
        let mine: Vec<usize> = self.points.iter().map(|&(p, _)| p).collect();
        let rows = finish(out, &self.header(), nvary, &mine)?;
        Ok(Finished {
            points: self.points.len(),
            resumed,
            sweep_csv: out.join("sweep.csv"),
            table: table(&self.header(), nvary, &rows),
        })
    }

    /// The header of `sweep.csv`.
    fn header(&self) -> Vec<String> {
        let mut h = vec!["point".to_string()];
        h.extend(self.spec.varies.iter().map(|v| column_of(&v.path)));
        h.push("replication".into());
        h.extend(SUMMARY.iter().map(|c| c.name.to_string()));
        h
    }

    /// Refuses a folder that holds another sweep's points.
    fn check_folder(&self, out: &Path) -> Result<(), SweepError> {
        let path = out.join("manifest.json");
        if !path.exists() {
            let stray = std::fs::read_dir(out.join("points"))
                .map_err(io_err(format!("reading {}", out.join("points").display())))?
                .next()
                .is_some();
            if stray {
                return Err(SweepError::Folder(format!(
                    "{}: holds points but no manifest.json; use an empty folder",
                    out.display()
                )));
            }
            return Ok(());
        }
        let old = read_manifest(&path)?;
        if old.sweep_id != self.manifest.sweep_id || old.shard != self.manifest.shard {
            return Err(SweepError::Folder(format!(
                "{} holds another sweep ({} points of {}, shard {}/{}): its points would mix with this one's; use another --out, or remove the folder",
                out.display(),
                old.points,
                old.scenario,
                old.shard.k,
                old.shard.n
            )));
        }
        Ok(())
    }

    fn write_manifest(&self, out: &Path, done: &[usize]) -> Result<(), SweepError> {
        let mut m = self.manifest.clone();
        m.done = ranges(done);
        write_manifest(out, &m)
    }
}

/// The `sweep.csv` column of a varied path: the path itself, or `vary:PATH` where it is
/// also the name of a summary column (`seed`), so that no two columns share a name.
pub fn column_of(path: &str) -> String {
    if SUMMARY.iter().any(|c| c.name == path) {
        format!("vary:{path}")
    } else {
        path.to_string()
    }
}

fn write_manifest(out: &Path, m: &Manifest) -> Result<(), SweepError> {
    let path = out.join("manifest.json");
    write_atomic(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, m).map_err(io::Error::other)?;
        writeln!(w)
    })
    .map_err(io_err(format!("writing {}", path.display())))
}

fn read_manifest(path: &Path) -> Result<Manifest, SweepError> {
    let text =
        std::fs::read_to_string(path).map_err(io_err(format!("reading {}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        SweepError::Folder(format!(
            "{}: not a choreo sweep manifest: {e}",
            path.display()
        ))
    })
}

fn point_file(out: &Path, p: usize) -> PathBuf {
    out.join("points").join(format!("{p:06}.csv"))
}

fn write_rows(w: &mut dyn Write, rows: &[Vec<String>]) -> io::Result<()> {
    let mut csv = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    for r in rows {
        csv.write_record(r).map_err(io::Error::other)?;
    }
    csv.flush()
}

/// `0-11,13,15-16` from point numbers.
pub fn ranges(points: &[usize]) -> String {
    let mut v = points.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            v[i].to_string()
        } else {
            format!("{}-{}", v[i], v[j])
        });
        i = j + 1;
    }
    out.join(",")
}

/// The points of a `done` string.
pub fn parse_ranges(text: &str) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) = (a.parse().ok()?, b.parse().ok()?);
                if a > b || b - a > MAX_POINTS {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().ok()?),
        }
    }
    Some(out)
}

/// A CSV record: its bytes as written (line end included) and its fields.
type Record = (Vec<u8>, Vec<String>);

/// The records of a headerless CSV.
fn records(bytes: &[u8]) -> Result<Vec<Record>, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    let mut starts = Vec::new();
    let mut fields = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let at = reader.position().byte() as usize;
        if !reader.read_record(&mut record)? {
            break;
        }
        starts.push(at);
        fields.push(record.iter().map(str::to_string).collect::<Vec<_>>());
    }
    starts.push(bytes.len());
    Ok(fields
        .into_iter()
        .enumerate()
        .map(|(i, f)| (bytes[starts[i]..starts[i + 1]].to_vec(), f))
        .collect())
}

/// Writes `sweep.csv` and `sweep_ci.csv` from the point files of `points`; returns the rows.
fn finish(
    out: &Path,
    header: &[String],
    nvary: usize,
    points: &[usize],
) -> Result<Vec<Vec<String>>, SweepError> {
    let mut bytes = Vec::new();
    for &p in points {
        let path = point_file(out, p);
        let b = std::fs::read(&path).map_err(io_err(format!("reading {}", path.display())))?;
        bytes.extend(b);
    }
    write_sweep(out, header, nvary, &bytes)
}

fn write_sweep(
    out: &Path,
    header: &[String],
    nvary: usize,
    bytes: &[u8],
) -> Result<Vec<Vec<String>>, SweepError> {
    let recs = records(bytes).map_err(|e| SweepError::Folder(format!("a point file: {e}")))?;
    let rows: Vec<Vec<String>> = recs.into_iter().map(|(_, f)| f).collect();
    let path = out.join("sweep.csv");
    write_atomic(&path, |w| {
        let mut csv = csv::Writer::from_writer(&mut *w);
        csv.write_record(header).map_err(io::Error::other)?;
        csv.flush()?;
        drop(csv);
        w.write_all(bytes)
    })
    .map_err(io_err(format!("writing {}", path.display())))?;
    let path = out.join("sweep_ci.csv");
    write_atomic(&path, |w| write_ci(w, header, nvary, &rows))
        .map_err(io_err(format!("writing {}", path.display())))?;
    Ok(rows)
}

/// `sweep_ci.csv`: per point (in order), the summary over its replications.
fn write_ci(
    w: &mut dyn Write,
    header: &[String],
    nvary: usize,
    rows: &[Vec<String>],
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    let mut h: Vec<&str> = header[..1 + nvary].iter().map(String::as_str).collect();
    h.extend(CI_COLUMNS);
    csv.write_record(&h).map_err(io::Error::other)?;
    let summary_from = 2 + nvary;
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j < rows.len() && rows[j][0] == rows[i][0] {
            j += 1;
        }
        let of_point: Vec<Vec<String>> = rows[i..j]
            .iter()
            .map(|r| {
                r.get(summary_from..)
                    .map(<[String]>::to_vec)
                    .unwrap_or_default()
            })
            .collect();
        for ci in ci_rows(&of_point) {
            let mut rec: Vec<&str> = rows[i][..1 + nvary].iter().map(String::as_str).collect();
            rec.extend(ci.iter().map(String::as_str));
            csv.write_record(&rec).map_err(io::Error::other)?;
        }
        i = j;
    }
    csv.flush()
}

/// A few metrics per point and architecture (means over replications), for the terminal.
fn table(header: &[String], nvary: usize, rows: &[Vec<String>]) -> String {
    use std::fmt::Write as _;
    const SHOWN: [&str; 4] = [
        "response_p99_ms",
        "done_p99_ms",
        "cold_start_ratio",
        "cost_usd",
    ];
    let col = |name: &str| header.iter().position(|h| h == name);
    let arch = col("architecture").unwrap_or(0);
    let cols: Vec<usize> = SHOWN.iter().filter_map(|n| col(n)).collect();
    let mut head: Vec<String> = header[1..1 + nvary].to_vec();
    head.push("architecture".into());
    head.extend(SHOWN.iter().map(|s| s.to_string()));
    let mut groups: Vec<(Vec<String>, Vec<&Vec<String>>)> = Vec::new();
    for r in rows {
        let mut key: Vec<String> = r[..1 + nvary].to_vec();
        key.push(r.get(arch).cloned().unwrap_or_default());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    const MAX_ROWS: usize = 60;
    let mut lines = vec![head];
    for (key, g) in groups.iter().take(MAX_ROWS) {
        let mut cells: Vec<String> = key[1..].to_vec();
        for &c in &cols {
            let v: Vec<f64> = g
                .iter()
                .map(|r| r.get(c).map_or(f64::NAN, |x| super::cell_value(x)))
                .collect();
            cells.push(super::Ci::of(&v).map_or("-".into(), |ci| super::format_ci(&ci)));
        }
        lines.push(cells);
    }
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|k| {
            lines
                .iter()
                .map(|l| l.get(k).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for l in &lines {
        let cells: Vec<String> = l
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c:>w$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  "));
    }
    if groups.len() > MAX_ROWS {
        let _ = writeln!(out, "... ({} rows in all: see sweep.csv)", groups.len());
    }
    out
}

/// Joins the folders of a sweep's shards into `out`: `sweep.csv`, `sweep_ci.csv` and
/// `manifest.json` as one machine running the whole sweep writes them. Refuses folders of
/// different sweeps, and a set of shards that misses a point (naming the points missing).
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize, SweepError> {
    if dirs.is_empty() {
        return Err(SweepError::Spec("merge: name the shards' folders".into()));
    }
    let mut manifests = Vec::new();
    for d in dirs {
        let m = read_manifest(&d.join("manifest.json"))?;
        manifests.push(m);
    }
    let first = &manifests[0];
    for (d, m) in dirs.iter().zip(&manifests) {
        if m.sweep_id != first.sweep_id {
            return Err(SweepError::Folder(format!(
                "{} is of another sweep than {} (its scenario, overrides, varied values or replications differ)",
                d.display(),
                dirs[0].display()
            )));
        }
    }
    let mut owner: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, (d, m)) in dirs.iter().zip(&manifests).enumerate() {
        let done = parse_ranges(&m.done).ok_or_else(|| {
            SweepError::Folder(format!("{}: manifest.json: bad done list", d.display()))
        })?;
        for p in done {
            if p >= first.points {
                return Err(SweepError::Folder(format!(
                    "{}: point {p} is past the sweep's {} points",
                    d.display(),
                    first.points
                )));
            }
            if let Some(&j) = owner.get(&p) {
                return Err(SweepError::Folder(format!(
                    "point {p} is in both {} and {}",
                    dirs[j].display(),
                    d.display()
                )));
            }
            owner.insert(p, i);
        }
    }
    let missing: Vec<usize> = (0..first.points)
        .filter(|p| !owner.contains_key(p))
        .collect();
    if !missing.is_empty() {
        return Err(SweepError::Folder(format!(
            "{} of {} points are missing: {}; run the shards that hold them (or finish them: rerun into their folders) and merge again",
            missing.len(),
            first.points,
            ranges(&missing)
        )));
    }
    // Each folder's sweep.csv: its header (the same everywhere), then its rows by point.
    let mut header: Option<Vec<u8>> = None;
    let mut header_fields = Vec::new();
    let mut by_point: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
    for d in dirs {
        let path = d.join("sweep.csv");
        let bytes = std::fs::read(&path).map_err(io_err(format!(
            "reading {} (is the shard finished?)",
            path.display()
        )))?;
        let recs =
            records(&bytes).map_err(|e| SweepError::Folder(format!("{}: {e}", path.display())))?;
        let mut recs = recs.into_iter();
        let Some((head, fields)) = recs.next() else {
            return Err(SweepError::Folder(format!("{}: empty", path.display())));
        };
        match &header {
            None => {
                header = Some(head);
                header_fields = fields;
            }
            Some(h) if *h != head => {
                return Err(SweepError::Folder(format!(
                    "{}: its columns differ from {}'s",
                    path.display(),
                    dirs[0].join("sweep.csv").display()
                )));
            }
            Some(_) => {}
        }
        for (raw, fields) in recs {
            let p: usize = fields.first().and_then(|f| f.parse().ok()).ok_or_else(|| {
                SweepError::Folder(format!("{}: a row without its point", path.display()))
            })?;
            by_point.entry(p).or_default().extend(raw);
        }
    }
    if let Some(p) = (0..first.points).find(|p| !by_point.contains_key(p)) {
        return Err(SweepError::Folder(format!(
            "point {p} is listed as done but has no rows in its folder's sweep.csv"
        )));
    }
    let bytes: Vec<u8> = by_point.into_values().flatten().collect();
    std::fs::create_dir_all(out).map_err(io_err(format!("creating {}", out.display())))?;
    write_sweep(out, &header_fields, first.vary.len(), &bytes)?;
    let mut m = first.clone();
    m.shard = Shard::ALL;
    m.done = ranges(&(0..first.points).collect::<Vec<_>>());
    write_manifest(out, &m)?;
    Ok(first.points)
}
