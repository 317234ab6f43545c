//! The report of a run folder written by choreo itself: every chart, index.html, and the
//! errors on bad input.

#[path = "support/fixtures.rs"]
mod fixtures;

use std::path::Path;

use base64::Engine as _;
use choreo_report::{FolderKind, ReportError, ReportOptions, write_report, write_report_with};
use fixtures::{Svg, csv_rows, html_table, run_folder};

const RUN_CHARTS: [&str; 7] = [
    "response_cdf.svg",
    "done_cdf.svg",
    "costs.svg",
    "instances.svg",
    "workers.svg",
    "queues.svg",
    "throughput.svg",
];

/// The names of the components of architecture `arch` that have timeseries `metric`.
fn components_with(dir: &Path, arch: &str, metric: &str) -> Vec<String> {
    let mut names: Vec<String> = csv_rows(&dir.join("timeseries.csv"))[1..]
        .iter()
        .filter(|r| r[0] == arch && r[3] == metric)
        .map(|r| r[2].clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn a_run_report_writes_every_chart_as_valid_svg_with_its_series() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_folder(d, "photo-sharing", 120);
    let summary = write_report(d).unwrap();
    assert_eq!(summary.kind, FolderKind::Run);
    let written: Vec<String> = summary
        .charts
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, RUN_CHARTS);
    assert_eq!(summary.index, d.join("report/index.html"));
    assert!(summary.notes.is_empty(), "{:?}", summary.notes);
    for file in RUN_CHARTS {
        let svg = Svg::read(&d.join("report").join(file));
        assert!(
            svg.width > 0.0 && svg.height > 0.0,
            "{file}: {} x {}",
            svg.width,
            svg.height
        );
    }
    // A CDF line per architecture, each named in the legend.
    for file in ["response_cdf.svg", "done_cdf.svg"] {
        let svg = Svg::read(&d.join("report").join(file));
        assert_eq!(svg.lines.len(), 2, "{file}: {:?}", svg.lines);
        assert_eq!(svg.series(), 2, "{file}");
        assert!(
            svg.has_text("monolith") && svg.has_text("serverless"),
            "{file}"
        );
    }
    // A line per function; per server, workers busy and up; per queue and server, the
    // depth; throughput per architecture plus the arrivals.
    let functions = components_with(d, "serverless", "instances_busy");
    assert_eq!(functions.len(), 4, "{functions:?}");
    let svg = Svg::read(&d.join("report/instances.svg"));
    assert_eq!(svg.series(), functions.len());
    for f in &functions {
        assert!(
            svg.has_text(&format!("serverless · {f}")),
            "{f}: {:?}",
            svg.texts
        );
    }
    let servers = components_with(d, "monolith", "workers_busy");
    assert_eq!(
        Svg::read(&d.join("report/workers.svg")).series(),
        2 * servers.len()
    );
    let queues = components_with(d, "serverless", "visible");
    assert_eq!(
        Svg::read(&d.join("report/queues.svg")).series(),
        queues.len() + servers.len()
    );
    let svg = Svg::read(&d.join("report/throughput.svg"));
    assert_eq!(svg.series(), 3);
    assert!(svg.has_text("arrivals"));
}

#[test]
fn the_cost_bars_total_each_architectures_bill_and_name_its_largest_items() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_folder(d, "photo-sharing", 120);
    write_report(d).unwrap();
    let svg = Svg::read(&d.join("report/costs.svg"));
    // The totals above the bars are summary.csv's cost_usd, in architecture order.
    let totals: Vec<f64> = svg
        .texts
        .iter()
        .filter_map(|t| t.strip_prefix('$'))
        .map(|t| t.parse().unwrap())
        .collect();
    let rows = csv_rows(&d.join("summary.csv"));
    let col = rows[0].iter().position(|c| c == "cost_usd").unwrap();
    let want: Vec<f64> = rows[1..].iter().map(|r| r[col].parse().unwrap()).collect();
    assert_eq!(totals.len(), want.len());
    for (t, w) in totals.iter().zip(&want) {
        assert!((t / w - 1.0).abs() < 1e-5, "total {t} against cost_usd {w}");
    }
    // The monolith's server hours are an item of their own in the legend.
    assert!(svg.has_text("app · instance hours"), "{:?}", svg.texts);
}

#[test]
fn index_html_embeds_each_chart_as_a_data_uri_and_has_summary_csv_on_its_side() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_folder(d, "mmc-server", 60);
    let summary = write_report(d).unwrap();
    let html = std::fs::read_to_string(&summary.index).unwrap();
    // Each chart's bytes, base64 in an <img>, in order.
    let marker = "src=\"data:image/svg+xml;base64,";
    let uris: Vec<&str> = html
        .split(marker)
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(uris.len(), summary.charts.len());
    for (uri, path) in uris.iter().zip(&summary.charts) {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(uri)
            .unwrap();
        assert_eq!(bytes, std::fs::read(path).unwrap(), "{path:?}");
    }
    // No reference to any other file: the page stands alone.
    assert!(!html.contains("src=\"report/") && !html.contains(".svg\""));
    // The table: a row per summary.csv column, a column per architecture, every cell as
    // written.
    let table = html_table(&html, "summary-table");
    let csv = csv_rows(&d.join("summary.csv"));
    let mut header = vec!["column".to_string()];
    header.extend(csv[1..].iter().map(|r| r[1].clone()));
    assert_eq!(table[0], header);
    assert_eq!(table.len() - 1, csv[0].len());
    for (c, row) in table[1..].iter().enumerate() {
        assert_eq!(row[0], csv[0][c]);
        for (a, cell) in row[1..].iter().enumerate() {
            assert_eq!(*cell, csv[a + 1][c], "{} of {}", csv[0][c], header[a + 1]);
        }
    }
}

#[test]
fn a_replicated_runs_table_has_a_column_per_replication() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_folder(d, "mmc-server", 60);
    // summary.csv as `choreo run --replications 2` writes it: a replication column first.
    let rows = csv_rows(&d.join("summary.csv"));
    let mut text = format!("replication,{}\n", rows[0].join(","));
    for r in 1..=2 {
        for row in &rows[1..] {
            text.push_str(&format!("{r},{}\n", row.join(",")));
        }
    }
    std::fs::write(d.join("summary.csv"), text).unwrap();
    let summary = write_report(d).unwrap();
    let html = std::fs::read_to_string(&summary.index).unwrap();
    let table = html_table(&html, "summary-table");
    assert_eq!(
        table[0],
        [
            "column",
            "server (replication 1)",
            "function (replication 1)",
            "server (replication 2)",
            "function (replication 2)"
        ]
    );
    assert_eq!(table[1], ["replication", "1", "1", "2", "2"]);
}

#[test]
fn a_run_without_quantiles_csv_gets_no_cdfs_and_the_report_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_folder(d, "mmc-server", 60);
    std::fs::remove_file(d.join("quantiles.csv")).unwrap();
    let summary = write_report(d).unwrap();
    assert!(
        !summary
            .charts
            .iter()
            .any(|c| c.to_string_lossy().contains("cdf"))
    );
    assert!(summary.notes.iter().any(|n| n.contains("quantiles.csv")));
    let html = std::fs::read_to_string(&summary.index).unwrap();
    assert!(html.contains("quantiles.csv is missing"));
}

#[test]
fn bad_input_is_an_error_naming_the_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Not an output folder.
    let e = write_report(d).unwrap_err();
    assert!(e.is_bad_input());
    assert!(matches!(e, ReportError::NotAnOutputFolder { .. }), "{e}");
    assert!(e.to_string().contains("no summary.csv"), "{e}");
    run_folder(d, "mmc-server", 60);
    // Text where a cost belongs: costs.csv, its line.
    let costs = std::fs::read_to_string(d.join("costs.csv")).unwrap();
    let mut lines: Vec<String> = costs.lines().map(str::to_string).collect();
    let fields: Vec<&str> = lines[2].split(',').collect();
    let mut broken: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    *broken.last_mut().unwrap() = "lots".to_string();
    lines[2] = broken.join(",");
    std::fs::write(d.join("costs.csv"), lines.join("\n") + "\n").unwrap();
    let e = write_report(d).unwrap_err();
    assert!(e.is_bad_input());
    let text = e.to_string();
    assert!(
        text.contains("costs.csv:3:") && text.contains("`lots`") && text.contains("cost_usd"),
        "{text}"
    );
    assert!(!d.join("report").exists(), "nothing written on bad input");
    // A row short of fields.
    std::fs::write(d.join("costs.csv"), format!("{}\nserver,app\n", lines[0])).unwrap();
    let text = write_report(d).unwrap_err().to_string();
    assert!(
        text.contains("costs.csv:2:") && text.contains("2 fields"),
        "{text}"
    );
    // A file without a column the chart needs.
    std::fs::write(d.join("costs.csv"), "architecture,component\nserver,app\n").unwrap();
    let text = write_report(d).unwrap_err().to_string();
    assert!(text.contains("costs.csv:1: no column `item`"), "{text}");
    // Not UTF-8, or empty.
    std::fs::write(d.join("costs.csv"), b"\xff\xfe\n").unwrap();
    assert!(write_report(d).unwrap_err().is_bad_input());
    std::fs::write(d.join("costs.csv"), b"").unwrap();
    let text = write_report(d).unwrap_err().to_string();
    assert!(
        text.contains("costs.csv") && text.contains("empty"),
        "{text}"
    );
    // --metric is for sweeps.
    std::fs::remove_file(d.join("costs.csv")).unwrap();
    let options = ReportOptions {
        metrics: vec!["cost_usd".into()],
    };
    let e = write_report_with(d, &options).unwrap_err();
    assert!(matches!(e, ReportError::MetricsForRun { .. }), "{e}");
}

#[test]
fn a_second_report_replaces_the_first_files_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_folder(d, "mmc-server", 60);
    write_report(d).unwrap();
    let keep = tempfile::tempdir().unwrap();
    std::fs::hard_link(d.join("report/index.html"), keep.path().join("old.html")).unwrap();
    let before = std::fs::read(d.join("report/index.html")).unwrap();
    write_report(d).unwrap();
    // The old file is untouched (a new one was renamed over the name), and the same input
    // gives the same bytes.
    assert_eq!(std::fs::read(keep.path().join("old.html")).unwrap(), before);
    assert_eq!(std::fs::read(d.join("report/index.html")).unwrap(), before);
    let mut names: Vec<String> = std::fs::read_dir(d.join("report"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn extreme_values_in_a_run_folder_are_drawn_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_folder(d, "mmc-server", 60);
    // Costs near f64's limit (their sum overflows), a negative one; latencies likewise.
    let rewrite = |file: &str, col: usize, values: &[&str]| {
        let rows = csv_rows(&d.join(file));
        let mut text = rows[0].join(",") + "\n";
        for (i, row) in rows[1..].iter().enumerate() {
            let mut row = row.clone();
            row[col] = values[i % values.len()].to_string();
            text.push_str(&(row.join(",") + "\n"));
        }
        std::fs::write(d.join(file), text).unwrap();
    };
    rewrite("costs.csv", 6, &["1e308", "1.5e308", "-5"]);
    rewrite("quantiles.csv", 3, &["1e308", "-1e308", "0", ""]);
    rewrite("timeseries.csv", 4, &["1e308", "-1e308", "3"]);
    let summary = write_report(d).unwrap();
    assert_eq!(summary.charts.len(), 7);
    for c in &summary.charts {
        Svg::read(c);
    }
}
