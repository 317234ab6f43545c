//! Writers: CSV files (summary, latency quantiles, costs, timeseries, transactions, trace)
//! and Graphviz DOT.
//!
//! Files are written to a temporary file beside the target and renamed into place, so a run
//! that fails part-way never leaves a half-written file under the final name.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use petgraph::dot::{Config, Dot};
use petgraph::graph::DiGraph;

use crate::engine::{NS_PER_S, SimTime, secs};
use crate::observe::{Observer, SimEvent, TxnId};
use crate::report::{Report, amount, num, summary_header};
use crate::scenario::{Architecture, Scenario, Spec};

/// Writes `path` atomically: `write` fills a temporary file in the same folder, which is
/// renamed over `path` only if it succeeds.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".choreo-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Output files are ordinary files (rw-r--r--), not private temporary ones.
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    {
        let mut buf = io::BufWriter::new(tmp.as_file_mut());
        write(&mut buf)?;
        buf.flush()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A unit price with up to 12 decimals and no float noise (0.0000004, not 0.00000040000000000000003).
fn price(v: f64) -> String {
    let text = format!("{v:.12}");
    let text = text.trim_end_matches('0');
    text.strip_suffix('.').unwrap_or(text).to_string()
}

fn csv_error(e: csv::Error) -> io::Error {
    io::Error::other(e)
}

pub use crate::report::{summary_rows, summary_table};

/// Writes `summary.csv`.
pub fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(summary_header()).map_err(csv_error)?;
    for row in summary_rows(report) {
        w.write_record(&row).map_err(csv_error)?;
    }
    w.flush()
}

/// The header of `isolation.csv`.
pub const ISOLATION_COLUMNS: [&str; 18] = [
    "architecture",
    "fault",
    "component",
    "fault_kind",
    "start_s",
    "end_s",
    "window",
    "kind",
    "touches",
    "arrived",
    "failed",
    "failure_ratio",
    "response_p99_ms",
    "done_p99_ms",
    "collateral_failures",
    "recovery_s",
    "recovered",
    "windows",
];

/// Writes `isolation.csv`: per architecture, fault, window (before, during, after) and
/// transaction kind.
pub fn write_isolation(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ISOLATION_COLUMNS).map_err(csv_error)?;
    for a in &report.architectures {
        let arch = &report.scenario.architectures[a.index];
        for r in a.isolation.rows() {
            let recovered = match r.recovered {
                None => "",
                Some(false) => "no",
                Some(true) => "yes",
            };
            w.write_record([
                a.name.as_str(),
                &r.fault.to_string(),
                &arch.components[r.component].name,
                r.fault_kind,
                &num(r.start_s, 3),
                &num(r.end_s, 3),
                r.window.name(),
                &report.scenario.kinds[r.kind],
                &r.touches.to_string(),
                &r.arrived.to_string(),
                &r.failed.to_string(),
                &num(r.failure_ratio, 6),
                &num(r.response_p99_ms, 3),
                &num(r.done_p99_ms, 3),
                &r.collateral_failures.to_string(),
                &num(r.recovery_s, 3),
                recovered,
                &r.windows.to_string(),
            ])
            .map_err(csv_error)?;
        }
    }
    w.flush()
}

/// Writes `costs.csv`: one row per billed item.
pub fn write_costs(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "architecture",
        "component",
        "item",
        "quantity",
        "unit",
        "unit_price_usd",
        "cost_usd",
    ])
    .map_err(csv_error)?;
    for a in &report.architectures {
        for c in &a.costs {
            w.write_record([
                a.name.as_str(),
                &c.component,
                c.item,
                &amount(c.quantity, 6),
                c.unit,
                &price(c.unit_price_usd),
                &amount(c.cost_usd, 9),
            ])
            .map_err(csv_error)?;
        }
    }
    w.flush()
}

/// The header of `quantiles.csv`.
pub const QUANTILE_COLUMNS: [&str; 4] = ["architecture", "metric", "quantile", "value_ms"];

/// The quantiles `quantiles.csv` gives, as written: 0, 0.01, …, 0.99, then 0.999, 0.9999
/// and 1 (the largest value), enough to draw a CDF with its tail.
pub fn quantile_levels() -> Vec<(String, f64)> {
    let mut levels: Vec<(String, f64)> = (0..100u32)
        .map(|i| {
            // Shortest form: 0, 0.01, …, 0.1, 0.11, …
            let text = if i == 0 {
                "0".to_string()
            } else {
                format!("0.{i:02}").trim_end_matches('0').to_string()
            };
            (text, f64::from(i) / 100.0)
        })
        .collect();
    levels.extend([
        ("0.999".to_string(), 0.999),
        ("0.9999".to_string(), 0.9999),
        ("1".to_string(), 1.0),
    ]);
    levels
}

/// Writes `quantiles.csv`: per architecture, the quantiles of the response latency
/// (metric `response`, successful responses) and of the done latency (`done`, completed
/// transactions) from the same histograms as `summary.csv`'s percentiles [ms, 3 decimals];
/// `value_ms` is empty where there is no value.
pub fn write_quantiles(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(QUANTILE_COLUMNS).map_err(csv_error)?;
    let levels = quantile_levels();
    for a in &report.architectures {
        for (metric, latency) in [("response", &a.metrics.response), ("done", &a.metrics.done)] {
            for (text, q) in &levels {
                w.write_record([
                    a.name.as_str(),
                    metric,
                    text,
                    &num(latency.quantile_ms(*q), 3),
                ])
                .map_err(csv_error)?;
            }
        }
    }
    w.flush()
}

/// Writes `timeseries.csv` in tidy long form.
pub fn write_timeseries(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["architecture", "time_s", "component", "metric", "value"])
        .map_err(csv_error)?;
    for a in &report.architectures {
        let arch = &report.scenario.architectures[a.index];
        for s in &a.timeseries {
            let component = s
                .component
                .map_or("all", |c| arch.components[c].name.as_str());
            w.write_record([
                a.name.as_str(),
                &num(secs(s.time), 3),
                component,
                s.metric.as_str(),
                &num(s.value, 3),
            ])
            .map_err(csv_error)?;
        }
    }
    w.flush()
}

/// A headerless CSV writer that keeps the first error for `finish`, so observers (which
/// cannot return errors) can write rows.
struct RowSink<W: Write> {
    w: csv::Writer<W>,
    error: Option<csv::Error>,
}

impl<W: Write> RowSink<W> {
    fn new(out: W, header: Option<&[&str]>) -> Self {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        let error = header.and_then(|h| w.write_record(h).err());
        Self { w, error }
    }

    /// Flushes, or gives the first error met so far (which is kept for `finish`).
    fn flush(&mut self) -> io::Result<()> {
        if let Some(e) = &self.error {
            return Err(io::Error::other(e.to_string()));
        }
        self.w.flush()
    }

    fn row(&mut self, fields: &[&str]) {
        if let Err(e) = self.w.write_record(fields) {
            self.error.get_or_insert(e);
        }
    }

    fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.error.take() {
            return Err(csv_error(e));
        }
        self.w.into_inner().map_err(|e| e.into_error())
    }
}

/// An observer writing `transactions.csv` rows as transactions finish.
pub struct TransactionWriter<W: Write> {
    sink: RowSink<W>,
    architecture: String,
    kinds: Vec<String>,
    /// Arrival and response of in-flight transactions [ns]; never iterated.
    open: HashMap<TxnId, (SimTime, Option<(SimTime, bool)>)>,
}

/// The header of `transactions.csv`.
pub const TRANSACTION_COLUMNS: [&str; 8] = [
    "architecture",
    "transaction",
    "kind",
    "arrived_s",
    "response_ms",
    "response_ok",
    "done_ms",
    "outcome",
];

impl<W: Write> TransactionWriter<W> {
    /// A writer for architecture `architecture` of `scenario`; `header` writes the header row.
    pub fn new(out: W, scenario: &Scenario, architecture: &str, header: bool) -> Self {
        Self {
            sink: RowSink::new(out, header.then_some(&TRANSACTION_COLUMNS[..])),
            architecture: architecture.to_string(),
            kinds: scenario.kinds.clone(),
            open: HashMap::new(),
        }
    }

    /// Flushes and returns the writer, or the first error met.
    pub fn into_inner(self) -> io::Result<W> {
        self.sink.finish()
    }
}

impl<W: Write> Observer for TransactionWriter<W> {
    fn finish(&mut self) -> io::Result<()> {
        self.sink.flush()
    }

    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        match *event {
            SimEvent::TransactionArrived { txn, .. } => {
                self.open.insert(txn, (time, None));
            }
            SimEvent::ResponseSent {
                txn,
                ok,
                latency_ns,
                ..
            } => {
                if let Some(entry) = self.open.get_mut(&txn) {
                    entry.1 = Some((latency_ns, ok));
                }
            }
            SimEvent::TransactionDone {
                txn,
                kind,
                outcome,
                latency_ns,
            } => {
                let (arrived, response) =
                    self.open.remove(&txn).unwrap_or((time - latency_ns, None));
                let (resp_ms, resp_ok) = match response {
                    Some((ns, ok)) => (num(ns as f64 / 1e6, 3), ok.to_string()),
                    None => (String::new(), String::new()),
                };
                let row = [
                    self.architecture.as_str(),
                    &txn.to_string(),
                    &self.kinds[kind],
                    &num(secs(arrived), 6),
                    &resp_ms,
                    &resp_ok,
                    &num(latency_ns as f64 / 1e6, 3),
                    outcome.as_str(),
                ];
                self.sink.row(&row);
            }
            _ => {}
        }
    }
}

/// An observer writing `events.csv`: one row per [`SimEvent`].
pub struct TraceWriter<W: Write> {
    sink: RowSink<W>,
    architecture: String,
    names: Vec<String>,
}

/// The header of `events.csv`.
pub const TRACE_COLUMNS: [&str; 7] = [
    "architecture",
    "time_s",
    "event",
    "transaction",
    "component",
    "other",
    "detail",
];

impl<W: Write> TraceWriter<W> {
    /// A trace writer for `arch`; `header` writes the header row.
    pub fn new(out: W, arch: &Architecture, header: bool) -> Self {
        Self {
            sink: RowSink::new(out, header.then_some(&TRACE_COLUMNS[..])),
            architecture: arch.name.clone(),
            names: arch.components.iter().map(|c| c.name.clone()).collect(),
        }
    }

    /// Flushes and returns the writer, or the first error met.
    pub fn into_inner(self) -> io::Result<W> {
        self.sink.finish()
    }
}

impl<W: Write> Observer for TraceWriter<W> {
    fn finish(&mut self) -> io::Result<()> {
        self.sink.flush()
    }

    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        let name = |c: usize| self.names[c].clone();
        let opt =
            |c: Option<usize>| c.map_or_else(|| "user".to_string(), |c| self.names[c].clone());
        let (txn, comp, other, detail): (Option<TxnId>, String, String, String) = match *event {
            SimEvent::TransactionArrived { txn, kind } => (
                Some(txn),
                String::new(),
                String::new(),
                format!("kind={kind}"),
            ),
            SimEvent::Request {
                txn,
                from,
                to,
                sync,
            } => (Some(txn), opt(from), name(to), format!("sync={sync}")),
            SimEvent::Reply { txn, from, to, ok } => {
                (Some(txn), name(from), opt(to), format!("ok={ok}"))
            }
            SimEvent::ColdStartBegan { comp, instance }
            | SimEvent::InstanceLaunched { comp, instance }
            | SimEvent::InstanceReady { comp, instance }
            | SimEvent::InstanceReaped { comp, instance } => (
                None,
                name(comp),
                String::new(),
                format!("instance={instance}"),
            ),
            SimEvent::InvocationStarted {
                txn,
                comp,
                instance,
                cold,
                waited_ns,
            } => (
                Some(txn),
                name(comp),
                String::new(),
                format!(
                    "instance={instance} cold={cold} waited_ms={}",
                    num(waited_ns as f64 / 1e6, 3)
                ),
            ),
            SimEvent::InvocationEnded {
                comp,
                instance,
                billed_ns,
                ok,
                provisioned,
                init_ns,
            } => (
                None,
                name(comp),
                String::new(),
                format!(
                    "instance={instance} billed_ms={} ok={ok} provisioned={provisioned} init_ms={}",
                    billed_ns / 1_000_000,
                    init_ns / 1_000_000
                ),
            ),
            SimEvent::InvocationTimedOut { comp, instance } => (
                None,
                name(comp),
                String::new(),
                format!("instance={instance}"),
            ),
            SimEvent::Throttled { txn, comp }
            | SimEvent::Rejected { txn, comp }
            | SimEvent::StepFailed { txn, comp } => {
                (Some(txn), name(comp), String::new(), String::new())
            }
            SimEvent::Operation { txn, comp, op, ok } => (
                Some(txn),
                name(comp),
                String::new(),
                format!("op={} ok={ok}", op.as_str()),
            ),
            SimEvent::Published { txn, topic, chunks } => (
                Some(txn),
                name(topic),
                String::new(),
                format!("chunks={chunks}"),
            ),
            SimEvent::MessageEnqueued { txn, queue, chunks } => (
                Some(txn),
                name(queue),
                String::new(),
                format!("chunks={chunks}"),
            ),
            SimEvent::MessageDeleted {
                txn,
                queue,
                redriven,
            } => (
                Some(txn),
                name(queue),
                String::new(),
                format!("redriven={redriven}"),
            ),
            SimEvent::BatchReceived {
                queue,
                consumer,
                messages,
                chunks,
            } => (
                None,
                name(queue),
                name(consumer),
                format!("messages={messages} chunks={chunks}"),
            ),
            SimEvent::MessageReturned {
                txn,
                queue,
                receives,
            } => (
                Some(txn),
                name(queue),
                String::new(),
                format!("receives={receives}"),
            ),
            SimEvent::DeadLettered {
                txn,
                queue,
                dead_letter,
            } => (Some(txn), name(queue), name(dead_letter), String::new()),
            SimEvent::Retried {
                txn,
                comp,
                attempt,
                platform,
            } => (
                Some(txn),
                name(comp),
                String::new(),
                format!("attempt={attempt} platform={platform}"),
            ),
            SimEvent::FaultBegan {
                fault,
                comp,
                kind,
                handler,
            } => (
                None,
                name(comp),
                String::new(),
                format!(
                    "fault={fault} kind={}{}",
                    kind.name(),
                    handler.map_or(String::new(), |h| format!(" handler={h}"))
                ),
            ),
            SimEvent::FaultEnded { fault, comp } => {
                (None, name(comp), String::new(), format!("fault={fault}"))
            }
            SimEvent::InstanceCrashed {
                comp,
                instance,
                lost,
            } => (
                None,
                name(comp),
                String::new(),
                format!("instance={instance} lost={lost}"),
            ),
            SimEvent::InstanceRestarted { comp, instance } => (
                None,
                name(comp),
                String::new(),
                format!("instance={instance}"),
            ),
            SimEvent::TimedOut { txn, comp, target }
            | SimEvent::ShortCircuited { txn, comp, target } => {
                (Some(txn), name(comp), name(target), String::new())
            }
            SimEvent::BreakerOpened { comp, target } | SimEvent::BreakerClosed { comp, target } => {
                (None, name(comp), name(target), String::new())
            }
            SimEvent::DuplicateExecution { txn, queue } => {
                (Some(txn), name(queue), String::new(), String::new())
            }
            SimEvent::Transition { txn, comp } => {
                (Some(txn), name(comp), String::new(), String::new())
            }
            SimEvent::Redriven { txn, from, to } => {
                (Some(txn), name(from), name(to), String::new())
            }
            SimEvent::ResponseSent {
                txn,
                ok,
                latency_ns,
                ..
            } => (
                Some(txn),
                String::new(),
                String::new(),
                format!("ok={ok} latency_ms={}", num(latency_ns as f64 / 1e6, 3)),
            ),
            SimEvent::TransactionDone {
                txn,
                outcome,
                latency_ns,
                ..
            } => (
                Some(txn),
                String::new(),
                String::new(),
                format!(
                    "outcome={} latency_ms={}",
                    outcome.as_str(),
                    num(latency_ns as f64 / 1e6, 3)
                ),
            ),
        };
        let row = [
            self.architecture.as_str(),
            &format!("{}.{:09}", time / NS_PER_S, time % NS_PER_S),
            event.name(),
            &txn.map(|t| t.to_string()).unwrap_or_default(),
            &comp,
            &other,
            &detail,
        ];
        self.sink.row(&row);
    }
}

/// The topology of `arch` as Graphviz DOT: solid edges wait (synchronous), dashed do not.
pub fn dot(arch: &Architecture) -> String {
    let mut g = DiGraph::<String, &str>::new();
    let nodes: Vec<_> = arch
        .components
        .iter()
        .map(|c| g.add_node(format!("{}\n({})", c.name, c.spec.kind_name())))
        .collect();
    let mut edges: Vec<(usize, usize, bool)> = Vec::new();
    for id in 0..arch.components.len() {
        for (t, sync) in arch.successors(id, None) {
            if !edges.contains(&(id, t, sync)) {
                edges.push((id, t, sync));
            }
        }
    }
    for (a, b, sync) in edges {
        g.add_edge(nodes[a], nodes[b], if sync { "sync" } else { "async" });
    }
    let body = format!(
        "{:?}",
        Dot::with_attr_getters(
            &g,
            &[Config::EdgeNoLabel, Config::NodeNoLabel],
            &|_, e| if *e.weight() == "sync" {
                String::new()
            } else {
                "style=dashed".to_string()
            },
            &|_, (i, _)| {
                let shape = match arch.components[i.index()].spec {
                    Spec::Server(_) => "box3d",
                    Spec::Function(_) => "box",
                    Spec::Gateway(_) => "house",
                    Spec::Queue(_) => "cds",
                    Spec::Topic(_) => "hexagon",
                    Spec::Storage(_) => "folder",
                    Spec::Database(_) => "cylinder",
                    Spec::External(_) => "doubleoctagon",
                    Spec::Orchestrator(_) => "component",
                };
                let c = &arch.components[i.index()];
                let name = c.name.replace('\\', "\\\\").replace('"', "\\\"");
                let mut attrs =
                    format!("label=\"{name}\\n({})\" shape={shape}", c.spec.kind_name());
                if i.index() == arch.entry {
                    let _ = write!(attrs, " penwidth=2");
                }
                attrs
            },
        )
    );
    // Left-to-right along the flow, as architects draw it.
    body.replacen("digraph {", "digraph {\n    rankdir=LR", 1)
}
