//! The report of sweep folders made by hand in `choreo sweep`'s format (docs/batch.md),
//! with figures chosen so that every line, band and break-even is known.

#[path = "support/fixtures.rs"]
mod fixtures;

use choreo_report::{
    DEFAULT_METRICS, FolderKind, ReportError, ReportOptions, write_report, write_report_with,
};
use fixtures::{Row, Svg, html_table, sweep_folder};

const LOADS: [&str; 4] = ["1", "2", "4", "8"];

/// One parameter, `load` = 1, 2, 4, 8, two replications. "flat" costs $0.096 over the
/// hour whatever the load; "linear" $0.016 per unit of load, ± 1 % between the two
/// replications (so the mean is exact). They cost the same at load 6, between 4 and 8:
/// $0.096 an hour, 0.096 × 720 = $69.12 a month. response_p99_ms: flat 100 × load,
/// linear 50 + load. sweep_ci.csv gives the cost's half-width: 0.001 × load for linear,
/// 0 for flat.
fn load_sweep(dir: &std::path::Path) {
    let mut rows = Vec::new();
    let mut ci = Vec::new();
    for (p, load) in LOADS.iter().enumerate() {
        let x: f64 = load.parse().unwrap();
        for r in 1..=2u32 {
            let wobble = if r == 1 { 0.99 } else { 1.01 };
            for (arch, cost, p99) in [
                ("flat", 0.096, 100.0 * x),
                ("linear", 0.016 * x * wobble, 50.0 + x),
            ] {
                rows.push(Row {
                    point: p,
                    values: vec![load],
                    replication: r,
                    architecture: arch,
                    set: vec![
                        ("cost_usd", format!("{cost}")),
                        ("response_p99_ms", format!("{p99}")),
                        ("transactions", "3600".to_string()),
                        // A server has no cold starts: an empty field.
                        (
                            "cold_start_ratio",
                            if arch == "flat" {
                                String::new()
                            } else {
                                "0.01".into()
                            },
                        ),
                    ],
                });
            }
        }
        ci.push((p, vec![*load], "flat", "cost_usd", 0.096, 0.0));
        ci.push((p, vec![*load], "linear", "cost_usd", 0.016 * x, 0.001 * x));
    }
    sweep_folder(dir, &[("load", &LOADS)], 2, &rows, Some(&ci));
}

#[test]
fn a_sweep_report_charts_every_default_metric_with_a_line_per_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load_sweep(d);
    let summary = write_report(d).unwrap();
    assert_eq!(summary.kind, FolderKind::Sweep);
    let files: Vec<String> = summary
        .charts
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let want: Vec<String> = DEFAULT_METRICS
        .iter()
        .map(|m| format!("sweep_{m}.svg"))
        .collect();
    assert_eq!(files, want);
    for f in &summary.charts {
        let svg = Svg::read(f);
        // No line where an architecture has no value, and a note that says so.
        if f.ends_with("sweep_cold_start_ratio.svg") {
            assert_eq!(svg.series(), 1, "{f:?}");
            assert!(svg.has_text("No value of cold_start_ratio for flat."));
        } else {
            assert_eq!(svg.series(), 2, "{f:?}");
        }
        assert!(svg.has_text("flat") && svg.has_text("linear"), "{f:?}");
        // A numeric, linear x axis (1 to 8: under two decades) labelled by the path.
        assert!(svg.has_text("load"), "{f:?}");
    }
    // Bands where sweep_ci.csv gives a half-width: the cost's, of both architectures.
    let cost = Svg::read(&d.join("report/sweep_cost_usd.svg"));
    assert_eq!(cost.bands, 2);
    assert_eq!(
        Svg::read(&d.join("report/sweep_response_p99_ms.svg")).bands,
        0
    );
}

#[test]
fn the_break_even_of_a_flat_and_a_linear_cost_is_interpolated_printed_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load_sweep(d);
    let summary = write_report(d).unwrap();
    assert_eq!(summary.break_evens.len(), 1, "{:?}", summary.break_evens);
    let b = &summary.break_evens[0];
    assert_eq!(b.architectures, ("flat".to_string(), "linear".to_string()));
    assert_eq!(b.parameter, "load");
    assert!((b.at - 6.0).abs() < 1e-9, "{}", b.at);
    assert_eq!(b.between, (4.0, 8.0));
    assert!(
        (b.cost_per_month_usd - 69.12).abs() < 1e-9,
        "{}",
        b.cost_per_month_usd
    );
    assert!((b.cost_usd - 0.096).abs() < 1e-12);
    assert_eq!(b.cheaper_below, "linear");
    assert!(b.fixed.is_empty());
    assert_eq!(
        b.describe(),
        "flat and linear cost the same at load = 6 (between 4 and 8): 69.12 USD per month \
         each; linear is cheaper below, flat above"
    );
    // Marked on both cost charts, not on the others.
    for (file, marked) in [
        ("sweep_cost_usd.svg", 1),
        ("sweep_cost_per_million_usd.svg", 1),
        ("sweep_response_p99_ms.svg", 0),
    ] {
        let svg = Svg::read(&d.join("report").join(file));
        assert_eq!(svg.markers, marked, "{file}");
        assert_eq!(svg.has_text("flat = linear at 6"), marked == 1, "{file}");
    }
    // Listed in index.html.
    let html = std::fs::read_to_string(&summary.index).unwrap();
    let table = html_table(&html, "break-evens");
    assert_eq!(
        table[1],
        [
            "flat and linear",
            "load",
            "6",
            "4 – 8",
            "",
            "69.12",
            "linear"
        ]
    );
}

#[test]
fn the_sweep_table_gives_each_points_means_and_half_widths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load_sweep(d);
    let options = ReportOptions {
        metrics: vec!["cost_usd".into(), "response_p99_ms".into()],
    };
    let summary = write_report_with(d, &options).unwrap();
    assert_eq!(summary.charts.len(), 2);
    let html = std::fs::read_to_string(&summary.index).unwrap();
    let table = html_table(&html, "summary-table");
    assert_eq!(
        table[0],
        [
            "point",
            "load",
            "architecture",
            "cost_usd",
            "response_p99_ms"
        ]
    );
    assert_eq!(table.len(), 1 + 4 * 2);
    // Point 2 (load 4): linear's cost is the mean of 0.06336 and 0.06464 ± 0.004.
    assert_eq!(table[6], ["2", "4", "linear", "0.064 ± 0.004", "54"]);
    assert_eq!(table[5], ["2", "4", "flat", "0.096 ± 0", "400"]);
}

#[test]
fn two_varied_parameters_give_small_multiples_and_a_log_axis_over_three_decades() {
    // load 1 … 1000 (three decades: a log axis), memory 128 and 512 (a panel each). The
    // linear architecture costs 0.001 × load at 128 MB and 0.004 × load at 512: the flat
    // $0.5 is met at load 500 and 125, each between two sweep points.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let loads = ["1", "10", "100", "1000"];
    let memories = ["128", "512"];
    let mut rows = Vec::new();
    let mut point = 0;
    for load in loads {
        for memory in memories {
            let x: f64 = load.parse().unwrap();
            let per = if memory == "128" { 0.001 } else { 0.004 };
            for (arch, cost) in [("flat", 0.5), ("linear", per * x)] {
                rows.push(Row {
                    point,
                    values: vec![load, memory],
                    replication: 1,
                    architecture: arch,
                    set: vec![("cost_usd", format!("{cost}"))],
                });
            }
            point += 1;
        }
    }
    sweep_folder(
        d,
        &[("load", &loads), ("serverless.fn.memory_mb", &memories)],
        1,
        &rows,
        None,
    );
    let summary = write_report_with(
        d,
        &ReportOptions {
            metrics: vec!["cost_usd".into()],
        },
    )
    .unwrap();
    let svg = Svg::read(&d.join("report/sweep_cost_usd.svg"));
    for title in [
        "serverless.fn.memory_mb = 128",
        "serverless.fn.memory_mb = 512",
    ] {
        assert!(svg.has_text(title), "{:?}", svg.texts);
    }
    // Two panels of two lines; no band with one replication.
    assert_eq!(svg.lines.len(), 4);
    assert_eq!(svg.series(), 2);
    assert_eq!(svg.bands, 0);
    // Decade ticks.
    for tick in ["1", "10", "100", "1000"] {
        assert!(svg.has_text(tick), "{tick}: {:?}", svg.texts);
    }
    let at: Vec<(f64, Vec<(String, String)>)> = summary
        .break_evens
        .iter()
        .map(|b| (b.at, b.fixed.clone()))
        .collect();
    // Linear interpolation between 100 and 1000: 0.1 → 1.0 meets 0.5 at 100 + 900 × 4/9
    // = 500; 0.4 → 4 meets it at 100 + 900 × 0.1/3.6 = 125.
    assert_eq!(at.len(), 2, "{at:?}");
    assert!(
        (at[0].0 - 500.0).abs() < 1e-9 && (at[1].0 - 125.0).abs() < 1e-9,
        "{at:?}"
    );
    assert_eq!(
        at[0].1,
        [("serverless.fn.memory_mb".to_string(), "128".to_string())]
    );
    assert_eq!(svg.markers, 2);
}

#[test]
fn a_non_numeric_parameter_is_a_category_axis_without_break_even() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let policies = ["Fixed", "Hybrid", "ScaleToZero"];
    let mut rows = Vec::new();
    for (p, policy) in policies.iter().enumerate() {
        for (arch, cost) in [("a", 1.0 + p as f64), ("b", 3.0 - p as f64)] {
            rows.push(Row {
                point: p,
                values: vec![policy],
                replication: 1,
                architecture: arch,
                set: vec![("cost_usd", format!("{cost}"))],
            });
        }
    }
    sweep_folder(
        d,
        &[("serverless.fn.keep_alive", &policies)],
        1,
        &rows,
        None,
    );
    let summary = write_report(d).unwrap();
    assert!(summary.break_evens.is_empty());
    assert!(
        summary.notes.iter().any(|n| n.contains("not numeric")),
        "{:?}",
        summary.notes
    );
    let svg = Svg::read(&d.join("report/sweep_cost_usd.svg"));
    for p in policies {
        assert!(svg.has_text(p), "{p}: {:?}", svg.texts);
    }
    let html = std::fs::read_to_string(&summary.index).unwrap();
    assert!(html.contains("No two architectures' cost lines cross"));
}

#[test]
fn a_varied_seed_is_read_from_its_vary_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seeds = ["1", "2"];
    let rows: Vec<Row> = seeds
        .iter()
        .enumerate()
        .map(|(p, s)| Row {
            point: p,
            values: vec![s],
            replication: 1,
            architecture: "a",
            set: vec![("cost_usd", format!("{}", p + 1))],
        })
        .collect();
    sweep_folder(d, &[("seed", &seeds)], 1, &rows, None);
    let summary = write_report(d).unwrap();
    let html = std::fs::read_to_string(&summary.index).unwrap();
    let table = html_table(&html, "summary-table");
    assert_eq!(table[0][..3], ["point", "seed", "architecture"]);
    let cost = table[0].iter().position(|c| c == "cost_usd").unwrap();
    assert_eq!(table[2][..3], ["1", "2", "a"]);
    assert_eq!(table[2][cost], "2");
}

#[test]
fn an_unknown_or_non_numeric_metric_is_refused_with_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load_sweep(d);
    for (metric, reason) in [
        ("cost", "no such column"),
        ("architecture", "not a numeric column"),
        ("load", "not a numeric column"),
    ] {
        let e = write_report_with(
            d,
            &ReportOptions {
                metrics: vec![metric.into()],
            },
        )
        .unwrap_err();
        assert!(e.is_bad_input());
        match &e {
            ReportError::UnknownMetric { valid, .. } => {
                assert!(valid.iter().any(|v| v == "cost_usd"));
                assert!(!valid.iter().any(|v| v == "load" || v == "seed"));
            }
            other => panic!("{other}"),
        }
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("--metric {metric}: ")) && text.contains(reason),
            "{text}"
        );
    }
    assert!(!d.join("report").exists());
}

#[test]
fn a_malformed_manifest_or_a_missing_parameter_column_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    load_sweep(d);
    let manifest = std::fs::read_to_string(d.join("manifest.json")).unwrap();
    std::fs::write(d.join("manifest.json"), "{\"vary\": [").unwrap();
    let text = write_report(d).unwrap_err().to_string();
    assert!(text.contains("manifest.json:1:"), "{text}");
    std::fs::write(
        d.join("manifest.json"),
        manifest.replace("\"load\"", "\"rate\""),
    )
    .unwrap();
    let text = write_report(d).unwrap_err().to_string();
    assert!(text.contains("sweep.csv:1: no column `rate`"), "{text}");
    std::fs::write(d.join("manifest.json"), "{\"vary\": []}").unwrap();
    let text = write_report(d).unwrap_err().to_string();
    assert!(text.contains("names no parameter"), "{text}");
}

/// A sweep to draw: its varied paths with their values, and (point, values,
/// architecture, cost_usd) rows.
type Case<'a> = (
    Vec<(&'a str, Vec<String>)>,
    Vec<(usize, Vec<String>, &'a str, f64)>,
);

#[test]
fn odd_but_valid_sweeps_are_drawn_without_panicking() {
    // Extreme and negative values, one point, one architecture, a category axis of 40
    // names, 30 panels: each report is written, every chart well-formed.
    let cases: Vec<Case> = vec![
        (
            vec![("load", vec!["1".into(), "2".into()])],
            vec![
                (0, vec!["1".into()], "a", 1e308),
                (1, vec!["2".into()], "a", -1e308),
                (0, vec!["1".into()], "b", 0.0),
                (1, vec!["2".into()], "b", 0.0),
            ],
        ),
        (
            vec![("load", vec!["5".into()])],
            vec![(0, vec!["5".into()], "only", 3.0)],
        ),
        (
            vec![("name", (0..40).map(|i| format!("variant-{i}")).collect())],
            (0..40)
                .map(|i| (i, vec![format!("variant-{i}")], "a", i as f64))
                .collect(),
        ),
        (
            vec![
                ("load", vec!["1".into(), "2".into()]),
                ("k", (0..30).map(|i| i.to_string()).collect()),
            ],
            (0..60)
                .map(|p| {
                    (
                        p,
                        vec![(p / 30 + 1).to_string(), (p % 30).to_string()],
                        "a",
                        p as f64,
                    )
                })
                .collect(),
        ),
    ];
    for (vary, points) in cases {
        let dir = tempfile::tempdir().unwrap();
        let values: Vec<(&str, Vec<&str>)> = vary
            .iter()
            .map(|(p, v)| (*p, v.iter().map(String::as_str).collect()))
            .collect();
        let vary_refs: Vec<(&str, &[&str])> =
            values.iter().map(|(p, v)| (*p, v.as_slice())).collect();
        let rows: Vec<Row> = points
            .iter()
            .map(|(p, v, arch, cost)| Row {
                point: *p,
                values: v.iter().map(String::as_str).collect(),
                replication: 1,
                architecture: arch,
                set: vec![("cost_usd", format!("{cost:e}"))],
            })
            .collect();
        sweep_folder(dir.path(), &vary_refs, 1, &rows, None);
        let summary = write_report(dir.path()).unwrap_or_else(|e| panic!("{vary:?}: {e}"));
        for c in &summary.charts {
            Svg::read(c);
        }
    }
}
