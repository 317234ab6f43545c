//! End-to-end tests of `choreo report` and `choreo compare`: the break-even of a
//! hand-computable sweep, reports of a run and of a sweep, comparisons, and their errors.

use std::path::Path;
use std::process::{Command, Output};

fn choreo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(args)
        .output()
        .expect("choreo runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(args: &[&str]) -> Output {
    let o = choreo(args);
    assert!(o.status.success(), "choreo {args:?} failed: {}", stderr(&o));
    o
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn break_even_of_a_flat_server_and_a_linear_function_is_within_2_percent_of_the_hand_figure() {
    // tests/fixtures/break-even.ron: one m5.large ($0.096/h) against a 1 GB function of
    // 100 ms per request ($0.00000186667 a request); 3600 λ − 1 requests in the hour. By
    // hand they cost the same at λ = (0.096 / 0.00000186667 + 1) / 3600 = 14.2860 a
    // second, each $0.096 for the hour: $69.12 a month.
    let hand_load: f64 = (0.096 / (0.1 * 0.000_016_666_7 + 0.000_000_2) + 1.0) / 3600.0;
    assert!((hand_load - 14.286).abs() < 1e-3, "{hand_load}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    ok(&[
        "sweep",
        &fixture("break-even.ron"),
        "--vary",
        "load=2,4,8,16,32",
        "--jobs",
        "2",
        "--out",
        &path(&out),
    ]);
    let o = ok(&["report", &path(&out)]);
    let text = stdout(&o);
    let line = text
        .lines()
        .find(|l| l.starts_with("break-even: "))
        .unwrap_or_else(|| panic!("no break-even printed: {text}"));
    // "break-even: monolith and serverless cost the same at load = X (between 8 and 16):
    // Y USD per month each; ..."
    let at: f64 = line
        .split("at load = ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    let month: f64 = line
        .split("): ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(
        line.starts_with("break-even: monolith and serverless cost the same at load = ")
            && line.contains("(between 8 and 16)")
            && line.contains("serverless is cheaper below, monolith above"),
        "{line}"
    );
    assert!(
        (at / hand_load - 1.0).abs() < 0.02,
        "{at} against {hand_load}"
    );
    assert!((month / 69.12 - 1.0).abs() < 0.02, "{month}");
    // Exactly one crossing, and the same through the library.
    assert_eq!(text.matches("break-even: ").count(), 1, "{text}");
    let summary = choreo_report::write_report(&out).unwrap();
    assert_eq!(summary.break_evens.len(), 1);
    let b = &summary.break_evens[0];
    assert!((b.at / hand_load - 1.0).abs() < 0.02);
    assert_eq!(b.between, (8.0, 16.0));
    // Marked on the cost chart, listed in index.html.
    let svg = std::fs::read_to_string(out.join("report/sweep_cost_usd.svg")).unwrap();
    assert!(
        svg.contains("monolith = serverless at 14.29"),
        "marker label"
    );
    let html = std::fs::read_to_string(out.join("report/index.html")).unwrap();
    assert!(html.contains("<td>monolith and serverless</td><td>load</td><td>14.28"));
}

#[test]
fn report_of_a_run_writes_the_charts_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&["run", "mmc-server", "--horizon", "1m", "--out", &path(d)]);
    let o = ok(&["report", &path(d)]);
    let text = stdout(&o);
    assert_eq!(
        text.lines().last(),
        Some(
            format!(
                "wrote {} and 7 chart(s)",
                path(&d.join("report/index.html"))
            )
            .as_str()
        ),
        "{text}"
    );
    // Each chart a file, none nearly empty; the server's backlog is a queue depth.
    let mut names: Vec<String> = std::fs::read_dir(d.join("report"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "costs.svg",
            "done_cdf.svg",
            "index.html",
            "instances.svg",
            "queues.svg",
            "response_cdf.svg",
            "throughput.svg",
            "workers.svg"
        ]
    );
    for n in names {
        assert!(
            std::fs::metadata(d.join("report").join(&n)).unwrap().len() > 1000,
            "{n}"
        );
    }
    // Without timeseries.csv: the other charts, and a note saying why.
    std::fs::remove_file(d.join("timeseries.csv")).unwrap();
    std::fs::write(d.join("report/mine.svg"), "<svg/>").unwrap();
    let text = stdout(&ok(&["report", &path(d)]));
    assert!(
        text.contains("note: timeseries.csv is missing: no charts over time.")
            && text.contains("and 3 chart(s)"),
        "{text}"
    );
    // The earlier report's charts over time are gone; a file of another name stays.
    assert!(!d.join("report/throughput.svg").exists());
    assert!(d.join("report/costs.svg").exists());
    assert!(d.join("report/mine.svg").exists());
}

#[test]
fn report_with_replications_and_a_metric_on_a_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    ok(&[
        "sweep",
        "mmc-server",
        "--set",
        "horizon=1m",
        "--vary",
        "load=0.5,1",
        "--replications",
        "3",
        "--out",
        &path(&out),
    ]);
    let o = ok(&[
        "report",
        &path(&out),
        "--metric",
        "response_p99_ms",
        "--metric",
        "mean_in_flight",
    ]);
    assert!(stdout(&o).contains("and 2 chart(s)"), "{}", stdout(&o));
    let svg = std::fs::read_to_string(out.join("report/sweep_mean_in_flight.svg")).unwrap();
    // Three replications: a confidence band per architecture.
    assert_eq!(svg.matches("<polygon").count(), 2, "bands");
    let o = choreo(&["report", &path(&out), "--metric", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with(
            "--metric nonsense: sweep.csv has no such column; the numeric columns are: "
        ) && err.contains("cost_usd"),
        "{err}"
    );
}

#[test]
fn report_of_a_folder_that_is_no_output_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = choreo(&["report", &path(dir.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim_end(),
        format!(
            "{}: not a choreo output folder: no summary.csv (a run) nor sweep.csv with manifest.json (a sweep)",
            path(dir.path())
        )
    );
    // A broken file: named with its line, exit 2.
    std::fs::write(dir.path().join("summary.csv"), "scenario,architecture\nx\n").unwrap();
    let o = choreo(&["report", &path(dir.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("summary.csv:2: a row of 1 fields where the header has 2"),
        "{}",
        stderr(&o)
    );
    // --metric on a run.
    std::fs::write(
        dir.path().join("summary.csv"),
        "scenario,architecture\nx,a\n",
    )
    .unwrap();
    let o = choreo(&["report", &path(dir.path()), "--metric", "cost_usd"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--metric applies to a sweep folder"),
        "{}",
        stderr(&o)
    );
}

/// The row of `column` in architecture block `arch` of compare's table: A, B, B−A, change.
fn compare_row(table: &str, arch: &str, column: &str) -> Vec<String> {
    let block = table
        .split("\n\n")
        .find(|b| b.starts_with(arch))
        .unwrap_or_else(|| panic!("no block {arch}: {table}"));
    let line = block
        .lines()
        .find(|l| l.split_whitespace().next() == Some(column))
        .unwrap_or_else(|| panic!("no row {column} in {block}"));
    line.split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect()
}

#[test]
fn compare_sets_two_runs_side_by_side_with_differences() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    ok(&["run", "mmc-server", "--horizon", "1m", "--out", &path(&a)]);
    ok(&[
        "run",
        "mmc-server",
        "--horizon",
        "2m",
        "--out",
        &path(&b),
        "--arch",
        "server",
    ]);
    let o = ok(&["compare", &path(&a), &path(&b)]);
    let table = stdout(&o);
    // The horizon doubled: 60 → 120 s, +100 %.
    assert_eq!(
        compare_row(&table, "server", "horizon_s"),
        ["60.000", "120.000", "+60", "+100.0%"]
    );
    // Every number is B − A and its change relative to A.
    let read = |dir: &Path| -> Vec<Vec<String>> {
        std::fs::read_to_string(dir.join("summary.csv"))
            .unwrap()
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let (sa, sb) = (read(&a), read(&b));
    let col = sa[0].iter().position(|c| c == "transactions").unwrap();
    let (ta, tb): (f64, f64) = (sa[1][col].parse().unwrap(), sb[1][col].parse().unwrap());
    let row = compare_row(&table, "server", "transactions");
    assert_eq!(row[0].parse::<f64>().unwrap(), ta);
    assert_eq!(row[1].parse::<f64>().unwrap(), tb);
    assert_eq!(
        row[2].trim_start_matches('+').parse::<f64>().unwrap(),
        tb - ta
    );
    let pct: f64 = row[3].trim_end_matches('%').parse().unwrap();
    assert!((pct - (tb - ta) / ta * 100.0).abs() < 0.05, "{pct}");
    // An empty cell on both sides: shown as "-", no difference.
    assert_eq!(
        compare_row(&table, "server", "cold_start_ratio"),
        ["-", "-", "-", "-"]
    );
    assert!(table.contains("\nonly in A: function\n"), "{table}");
    assert!(!table.contains("only in B"), "{table}");
    // The library says the same.
    let c = choreo_report::compare(&a, &b).unwrap();
    assert_eq!(c.only_in_a, ["function"]);
    assert_eq!(c.architectures.len(), 1);
}

#[test]
fn compare_of_a_folder_without_summary_csv_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    ok(&["run", "mmc-server", "--horizon", "1m", "--out", &path(&a)]);
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for args in [[path(&a), path(&empty)], [path(&empty), path(&a)]] {
        let o = choreo(&["compare", &args[0], &args[1]]);
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(
            stderr(&o).trim_end(),
            format!(
                "{}: no summary.csv: compare takes two run folders (choreo run --out DIR)",
                path(&empty)
            )
        );
    }
}

/// The ```text block of `file` that starts with `$ choreo sweep ARG`: its two commands'
/// arguments and the lines printed.
fn shown_sweep(file: &str, arg: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let start = text
        .find(&format!("$ choreo sweep {arg}"))
        .unwrap_or_else(|| panic!("{file} shows no sweep of {arg}"));
    let block = &text[start..start + text[start..].find("```").unwrap()];
    let mut lines = block.lines();
    let args = |l: &str| -> Vec<String> {
        l.trim_start_matches("$ choreo ")
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    let sweep = args(lines.next().unwrap());
    let report = args(lines.next().unwrap());
    (sweep, report, lines.map(str::to_string).collect())
}

/// Runs a documented sweep and report with the out folder in `dir`, and checks the
/// printed lines are the documented ones.
fn assert_documented_report(file: &str, arg: &str) {
    let (mut sweep, mut report, shown) = shown_sweep(file, arg);
    let dir = tempfile::tempdir().unwrap();
    let documented = sweep.last().unwrap().clone();
    let out = path(&dir.path().join("out"));
    *sweep.last_mut().unwrap() = out.clone();
    *report.last_mut().unwrap() = out.clone();
    let root = env!("CARGO_MANIFEST_DIR");
    let run = |args: &[String]| {
        let o = Command::new(env!("CARGO_BIN_EXE_choreo"))
            .args(args)
            .current_dir(root)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    run(&sweep);
    let printed: Vec<String> = run(&report)
        .lines()
        .map(|l| l.replace(&out, &documented))
        .collect();
    assert_eq!(printed, shown, "{file}");
}

#[test]
fn the_readme_sweep_report_is_what_choreo_prints() {
    assert_documented_report("README.md", "photo-sharing");
}

#[test]
fn the_batch_docs_break_even_example_is_what_choreo_prints() {
    assert_documented_report("docs/batch.md", "tests/fixtures/break-even.ron");
}
