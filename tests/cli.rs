//! End-to-end tests of the `choreo` binary: outputs, exit codes, determinism, costs.

use std::path::{Path, PathBuf};
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

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn run_into(dir: &Path, args: &[&str]) -> Output {
    let out = dir.display().to_string();
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", &out]);
    let o = choreo(&all);
    assert!(o.status.success(), "choreo {all:?} failed: {}", stderr(&o));
    o
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn costs_csv_equals_the_hand_computed_bill() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), &[&fixture("billing.ron")]);
    // 199 orders. Server: 2 instances × 100 s × $0.0416/h. order-fn: cold start, then
    // 120.4 ms + 10 ms put = 130.4 ms, billed 131 ms at 0.5 GB. ship-fn: 49.5 + 30 + 2 ms
    // = 81.5 ms, billed 82 ms at 1 GB on Arm. Queue: one send, one receive and one delete per
    // message (batches of one, as each message finds the consumer idle). Nothing runs at the
    // horizon (the last order, at 99.5 s, is done by 99.8 s).
    let expected = "\
architecture,component,item,quantity,unit,unit_price_usd,cost_usd
server,app,instance hours,0.0555556,hours,0.0416,0.002311111
server,db,write requests,199.000000,requests,0.000000625,0.000124375
server,db,read requests,0.000000,requests,0.000000125,0.000000000
serverless,api,requests,199.000000,requests,0.000001,0.000199000
serverless,order-fn,duration,13.034500,GB-s,0.0000166667,0.000217242
serverless,order-fn,duration (running at horizon),0.000000,GB-s,0.0000166667,0.000000000
serverless,order-fn,requests,199.000000,requests,0.0000002,0.000039800
serverless,orders,put requests,199.000000,requests,0.000005,0.000995000
serverless,orders,get requests,0.000000,requests,0.0000004,0.000000000
serverless,order-queue,requests,597.000000,requests,0.0000004,0.000238800
serverless,ship-fn,duration,16.318000,GB-s,0.0000133334,0.000217574
serverless,ship-fn,duration (running at horizon),0.000000,GB-s,0.0000133334,0.000000000
serverless,ship-fn,requests,199.000000,requests,0.0000002,0.000039800
serverless,carrier,calls,199.000000,calls,0.001,0.199000000
serverless,db,write requests,199.000000,requests,0.000000625,0.000124375
serverless,db,read requests,0.000000,requests,0.000000125,0.000000000
";
    assert_eq!(read(dir.path(), "costs.csv"), expected);
    let summary = read(dir.path(), "summary.csv");
    let rows: Vec<Vec<&str>> = summary.lines().map(|l| l.split(',').collect()).collect();
    let col = |name: &str| rows[0].iter().position(|c| *c == name).unwrap();
    for row in &rows[1..] {
        assert_eq!(row[col("transactions")], "199");
        assert_eq!(row[col("completed")], "199");
        assert_eq!(row[col("in_flight")], "0");
    }
    // Exactly two cold starts: one per function.
    assert_eq!(rows[2][col("cold_starts")], "2");
    assert_eq!(rows[2][col("cost_usd")], "0.201072");
}

#[test]
fn same_seed_gives_byte_identical_csv() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let args = [
        "photo-sharing",
        "--horizon",
        "2m",
        "--transactions",
        "--trace",
    ];
    run_into(a.path(), &args);
    run_into(b.path(), &args);
    for file in [
        "summary.csv",
        "costs.csv",
        "timeseries.csv",
        "transactions.csv",
        "events.csv",
    ] {
        let (x, y) = (
            std::fs::read(a.path().join(file)).unwrap(),
            std::fs::read(b.path().join(file)).unwrap(),
        );
        assert!(x.len() > 100, "{file} is nearly empty");
        assert!(x == y, "{file} differs between two runs with the same seed");
    }
    // A different seed changes the results.
    let c = tempfile::tempdir().unwrap();
    run_into(
        c.path(),
        &["photo-sharing", "--horizon", "2m", "--seed", "8"],
    );
    assert_ne!(read(a.path(), "summary.csv"), read(c.path(), "summary.csv"));
}

#[test]
fn an_architecture_run_alone_gives_the_same_results() {
    // Common random numbers: each architecture's results depend on the seed, not on which
    // other architectures run beside it (or on which thread).
    let all = tempfile::tempdir().unwrap();
    let one = tempfile::tempdir().unwrap();
    run_into(all.path(), &["photo-sharing", "--horizon", "2m"]);
    run_into(
        one.path(),
        &["photo-sharing", "--horizon", "2m", "--arch", "serverless"],
    );
    let serverless_row = |dir: &Path| {
        read(dir, "summary.csv")
            .lines()
            .find(|l| l.contains(",serverless,"))
            .unwrap()
            .to_string()
    };
    assert_eq!(serverless_row(all.path()), serverless_row(one.path()));
}

#[test]
fn both_architectures_see_the_same_arrivals() {
    let dir = tempfile::tempdir().unwrap();
    run_into(
        dir.path(),
        &["photo-sharing", "--horizon", "1m", "--transactions"],
    );
    let tx = read(dir.path(), "transactions.csv");
    let arrivals = |arch: &str| {
        let mut v: Vec<(String, String, String)> = tx
            .lines()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{arch},")))
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[1].to_string(), f[2].to_string(), f[3].to_string())
            })
            .collect();
        v.sort();
        v
    };
    let (m, s) = (arrivals("monolith"), arrivals("serverless"));
    assert!(m.len() > 2_000);
    // Transactions done in both, by id: same kind, same arrival time.
    let common: Vec<_> = m.iter().filter(|r| s.binary_search(r).is_ok()).collect();
    assert!(
        common.len() as f64 > 0.99 * m.len() as f64,
        "{} of {}",
        common.len(),
        m.len()
    );
}

#[test]
fn run_prints_a_side_by_side_table_and_writes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_into(
        dir.path(),
        &["photo-sharing", "--horizon", "1m", "--interval", "10s"],
    );
    let table = stdout(&o);
    assert!(
        table.contains("monolith") && table.contains("serverless"),
        "{table}"
    );
    assert!(
        table.contains("response p99 [ms]") && table.contains("cost per million [USD]"),
        "{table}"
    );
    let summary = read(dir.path(), "summary.csv");
    assert!(summary.starts_with(
        "scenario,architecture,seed,horizon_s,simulated_s,transactions,completed,failed,dead_lettered,in_flight,response_p50_ms,response_p95_ms,response_p99_ms,"
    ));
    for column in [
        "done_p99_ms",
        "invocations",
        "cold_starts",
        "cold_start_ratio",
        "throttled",
        "cost_usd",
        "cost_per_million_usd",
    ] {
        assert!(
            summary
                .lines()
                .next()
                .unwrap()
                .split(',')
                .any(|c| c == column),
            "missing {column}"
        );
    }
    let ts = read(dir.path(), "timeseries.csv");
    assert!(ts.starts_with("architecture,time_s,component,metric,value\n"));
    // 60 s at 10 s intervals: six samples of each series.
    assert_eq!(
        ts.lines()
            .filter(|l| l.starts_with("monolith,") && l.contains(",all,arrived,"))
            .count(),
        6
    );
    assert!(
        !dir.path().join("transactions.csv").exists(),
        "written only with --transactions"
    );
}

#[test]
fn validate_reports_every_error_with_file_line_column_and_exits_2() {
    let bad = fixture("broken.ron");
    let o = choreo(&["validate", &bad]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{bad}:4:14: horizon: unknown unit")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{bad}:10:40: architectures[0].entry: no component named \"ap\""
        )),
        "{err}"
    );
    assert!(err.contains("(did you mean \"app\"?)"), "{err}");
    // The good scenarios pass.
    let o = choreo(&[
        "validate",
        "photo-sharing",
        "mmc-server",
        &fixture("billing.ron"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // And `run` refuses the bad one the same way, writing nothing.
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("never");
    let o = choreo(&["run", &bad, "--out", &out.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn bad_input_exits_2_without_panicking() {
    for args in [
        vec!["run", "no-such-scenario"],
        vec!["run", "photo-sharing", "--horizon", "0s"],
        vec!["run", "photo-sharing", "--horizon", "soon"],
        vec!["run", "photo-sharing", "--arch", "mainframe"],
        vec!["run", "photo-sharing", "--seed", "-1"],
        vec!["graph", "photo-sharing", "--arch", "mainframe"],
        vec!["frobnicate"],
    ] {
        let o = choreo(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
        assert!(!stderr(&o).is_empty(), "{args:?} says why");
    }
    let o = choreo(&["run", "photo-sharing", "--arch", "mainframe"]);
    assert!(
        stderr(&o).contains("monolith, serverless"),
        "names the choices: {}",
        stderr(&o)
    );
}

#[test]
fn scenarios_lists_the_lessons_in_teaching_order_then_the_reference_scenarios() {
    let o = choreo(&["scenarios"]);
    assert!(o.status.success());
    let list = stdout(&o);
    let lines: Vec<&str> = list.lines().collect();
    // Each lesson numbered in the order of the workshop, with the first sentence of its
    // about; then the reference scenarios, unnumbered.
    let at = |name: &str| {
        lines
            .iter()
            .position(|l| l.split_whitespace().any(|w| w == name))
            .unwrap_or_else(|| panic!("{name} is not listed: {list}"))
    };
    for (i, name) in choreo_sim::bundled::LESSONS.iter().enumerate() {
        let line = lines[at(name)];
        assert!(
            line.starts_with(&format!("{:>2}. {name} ", i + 1)),
            "{line:?}"
        );
        assert!(
            line.trim_end().ends_with('.'),
            "its about's first sentence: {line:?}"
        );
    }
    let reference = lines
        .iter()
        .position(|l| *l == "Reference scenarios:")
        .expect("a reference heading");
    for name in ["mmc-server", "azure-replay"] {
        assert!(
            at(name) > reference,
            "{name} is a reference scenario: {list}"
        );
        assert!(
            lines[at(name)].starts_with(&format!("    {name} ")),
            "{list}"
        );
    }
    assert!(at("adding-a-consumer") < reference);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains(". ") || l.starts_with("    "))
            .count(),
        choreo_sim::bundled::ALL.len(),
        "every bundled scenario once: {list}"
    );
}

#[test]
fn graph_prints_the_topology_as_dot() {
    let o = choreo(&["graph", "photo-sharing", "--arch", "serverless"]);
    assert!(o.status.success());
    let dot = stdout(&o);
    assert!(dot.starts_with("digraph {\n    rankdir=LR"), "{dot}");
    assert!(
        dot.contains("upload-fn\\n(function)") && dot.contains("shape=cylinder"),
        "{dot}"
    );
    // 12 components; the topic fans out to two subscribers, asynchronously (dashed).
    assert_eq!(dot.matches("shape=").count(), 12);
    assert!(dot.matches("style=dashed").count() >= 4, "{dot}");
}

#[cfg(not(feature = "viz"))]
#[test]
fn view_in_a_headless_build_says_it_has_no_viewer_and_points_to_run() {
    // `choreo` alone runs headless there instead (see choreo_alone_without_a_display_...).
    for args in [&["view"][..], &["view", "cold-starts"][..]] {
        let out = choreo(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line: {err}");
        assert!(
            err.contains("built without the viewer") && err.contains("choreo run"),
            "{err}"
        );
    }
}

#[cfg(feature = "viz")]
#[test]
fn view_without_a_display_says_so_in_one_line_and_points_to_run() {
    // (`choreo` alone runs the default scenario headless instead: tested below.)
    for args in [&["view"][..], &["view", "cold-starts"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_choreo"))
            .args(args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line: {err}");
        assert!(
            err.contains("no display") && err.contains("choreo run"),
            "{err}"
        );
    }
    // An X display that is not there is no display either.
    let out = Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(["view", "cold-starts"])
        .env("DISPLAY", ":987")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(":987"), "{}", stderr(&out));
}

#[cfg(feature = "viz")]
#[test]
fn view_rejects_unknown_scenarios_and_bad_arguments_before_opening_a_window() {
    let out = choreo(&["view", "no-such-scenario"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bundled: photo-sharing"),
        "{}",
        stderr(&out)
    );
    for args in [
        &["view", "--speed", "0"][..],
        &["view", "--after", "soon"][..],
        &["view", "--size", "big"][..],
        &["view", "--without", "panels,walls"][..],
    ] {
        let out = choreo(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn an_interval_giving_more_than_a_million_samples_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let o = choreo(&[
        "run",
        "mmc-server",
        "--horizon",
        "1m",
        "--interval",
        "1ns",
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("limit of 1000000") && err.contains("use 60us or longer"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written");
    // One interval beyond the limit is refused, and the interval it suggests is enough.
    let o = choreo(&[
        "run",
        "mmc-server",
        "--horizon",
        "1000001s",
        "--interval",
        "1s",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("gives 1000001 intervals")
            && stderr(&o).contains("use 1000001000ns or longer"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_reused_out_folder_holds_only_this_runs_files_and_keeps_foreign_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_into(
        d,
        &["mmc-server", "--horizon", "1m", "--trace", "--transactions"],
    );
    assert!(d.join("events.csv").exists());
    let earlier = read(d, "transactions.csv");
    std::fs::write(d.join("notes.txt"), "mine").unwrap();
    run_into(
        d,
        &[
            "cold-starts",
            "--horizon",
            "1m",
            "--transactions",
            "--force",
        ],
    );
    assert!(
        !d.join("events.csv").exists(),
        "the earlier run's events.csv is removed"
    );
    assert_ne!(
        read(d, "transactions.csv"),
        earlier,
        "rewritten by this run"
    );
    assert_eq!(read(d, "notes.txt"), "mine");
    // A file of the same name that choreo did not write is left alone.
    std::fs::write(d.join("events.csv"), "my own,events\n").unwrap();
    run_into(d, &["cold-starts", "--horizon", "1m", "--force"]);
    assert_eq!(read(d, "events.csv"), "my own,events\n");
    assert!(!d.join("transactions.csv").exists());
}

#[test]
fn an_architecture_named_twice_runs_once_in_first_named_order() {
    let dir = tempfile::tempdir().unwrap();
    run_into(
        dir.path(),
        &[
            "photo-sharing",
            "--horizon",
            "1m",
            "--arch",
            "serverless",
            "--arch",
            "monolith",
            "--arch",
            "serverless",
        ],
    );
    let summary = read(dir.path(), "summary.csv");
    let archs: Vec<&str> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(archs, ["serverless", "monolith"]);
    let costs = read(dir.path(), "costs.csv");
    let mut rows: Vec<&str> = costs.lines().collect();
    let n = rows.len();
    rows.sort_unstable();
    rows.dedup();
    assert_eq!(rows.len(), n, "no cost row twice");
}

#[test]
fn errors_say_what_is_wrong_rather_than_mislead() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let empty = d.join("empty.ron");
    std::fs::write(&empty, "").unwrap();
    let cases: [(Vec<String>, &str); 6] = [
        (
            vec!["run".into(), d.display().to_string()],
            "is a directory",
        ),
        (vec!["run".into(), "/dev/null".into()], "not a regular file"),
        (vec!["run".into(), empty.display().to_string()], "is empty"),
        (
            vec![
                "run".into(),
                "mmc-server".into(),
                "--horizon".into(),
                "-1m".into(),
            ],
            "--horizon -1m: must be positive",
        ),
        (
            vec![
                "run".into(),
                "mmc-server".into(),
                "--seed".into(),
                "1.5".into(),
            ],
            "seed must be a whole number",
        ),
        (
            vec![
                "run".into(),
                "mmc-server".into(),
                "--out".into(),
                "/".into(),
            ],
            "refusing to write into the root folder",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = choreo(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(
            !err.contains("no such file") && !err.contains("-- -1"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn trace_errors_say_the_value_must_be_finite_and_the_header_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |trace: &str| {
        let path = dir.path().join("s.ron");
        std::fs::write(
            &path,
            format!(
                "Scenario(name: \"t\", horizon: \"1m\",\n  workload: [Source(kind: \"r\", arrivals: Trace(file: {trace:?}))],\n  architectures: [Architecture(name: \"a\", entry: \"f\", components: [Function(name: \"f\", work: [])])])\n"
            ),
        )
        .unwrap();
        path.display().to_string()
    };
    std::fs::write(dir.path().join("inf.csv"), "time\n1\ninf\n").unwrap();
    let o = choreo(&["validate", &scenario("inf.csv")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("inf.csv:3: timestamp must be a finite number of seconds, found inf"),
        "{}",
        stderr(&o)
    );
    std::fs::write(dir.path().join("one.csv"), "12.5\n").unwrap();
    let o = choreo(&["validate", &scenario("one.csv")]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("the first line is the header, but it is a number (12.5)")
            && !err.contains("holds no arrivals"),
        "{err}"
    );
}

/// The lines of the README's text block that shows `$ cargo run --release -- run NAME`,
/// from the line after the command to the end of the block.
fn readme_output(name: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let command = format!("$ cargo run --release -- run {name}");
    let start = readme
        .lines()
        .position(|l| l == command)
        .unwrap_or_else(|| panic!("README shows no `{command}`"));
    readme
        .lines()
        .skip(start + 1)
        .take_while(|l| !l.starts_with("```"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_tour_table_is_what_choreo_prints() {
    let dir = tempfile::tempdir().unwrap();
    let printed = stdout(&run_into(dir.path(), &["photo-sharing"]));
    let printed: Vec<&str> = printed
        .lines()
        .filter(|l| !l.starts_with("wrote "))
        .collect();
    let shown = readme_output("photo-sharing");
    let shown: Vec<&str> = shown
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("wrote "))
        .collect();
    assert_eq!(
        printed, shown,
        "README's tour table differs from `choreo run photo-sharing`"
    );
}

#[test]
fn the_readme_failure_isolation_figures_are_what_choreo_prints() {
    let dir = tempfile::tempdir().unwrap();
    let printed = stdout(&run_into(dir.path(), &["failure-isolation"]));
    let shown = readme_output("failure-isolation");
    let shown: Vec<&String> = shown.iter().filter(|l| l.as_str() != "...").collect();
    assert!(shown.len() >= 3, "{shown:?}");
    for line in shown {
        assert!(
            printed.lines().any(|l| l == line),
            "README's line {line:?} is not in the output:\n{printed}"
        );
    }
    // The prose beside it quotes the collateral failures.
    assert!(
        printed
            .lines()
            .any(|l| l.starts_with("collateral failures") && l.contains(" 1040 "))
    );
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn isolation_csv_is_byte_identical_for_the_same_seed() {
    // failure-isolation to 25 minutes: its crash faults (10 to 20 minutes, a random 0.5 % of
    // executions) have before, during and after windows.
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let args = ["failure-isolation", "--horizon", "25m"];
    run_into(a.path(), &args);
    run_into(b.path(), &args);
    let x = std::fs::read(a.path().join("isolation.csv")).unwrap();
    let y = std::fs::read(b.path().join("isolation.csv")).unwrap();
    let text = String::from_utf8_lossy(&x);
    // One fault in force in each architecture (vision's outage at 35 minutes never
    // begins), three windows, two kinds: 12 rows and the header.
    assert_eq!(text.lines().count(), 13, "{text}");
    assert!(
        text.contains(",during,browse,false,") && text.contains(",after,upload,true,"),
        "{text}"
    );
    assert!(
        x == y,
        "isolation.csv differs between two runs with the same seed"
    );
    // It depends on the seed: another seed crashes other executions.
    let c = tempfile::tempdir().unwrap();
    run_into(
        c.path(),
        &["failure-isolation", "--horizon", "25m", "--seed", "8"],
    );
    assert_ne!(read(c.path(), "isolation.csv"), text);
}

#[test]
fn without_out_a_run_writes_into_out_and_the_scenario_name_under_the_working_directory() {
    let cwd = tempfile::tempdir().unwrap();
    // A bundled scenario: out/<its name>.
    let o = Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(["run", "mmc-server", "--horizon", "1m"])
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().last(), Some("wrote out/mmc-server"));
    let out = cwd.path().join("out/mmc-server");
    assert_eq!(
        listing(&out),
        [
            "costs.csv",
            "isolation.csv",
            "quantiles.csv",
            "summary.csv",
            "timeseries.csv"
        ]
    );
    assert!(
        read(&out, "summary.csv").contains(",60.000,"),
        "the 1-minute run"
    );
    // A file: out/<its stem>.
    let o = Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(["run", &fixture("billing.ron")])
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().last(), Some("wrote out/billing"));
    assert_eq!(listing(&cwd.path().join("out")), ["billing", "mmc-server"]);
    assert!(cwd.path().join("out/billing/costs.csv").exists());
}

#[test]
fn a_run_leaves_only_its_complete_files_in_the_out_folder_and_no_temporary_ones() {
    let dir = tempfile::tempdir().unwrap();
    run_into(
        dir.path(),
        &[
            "photo-sharing",
            "--horizon",
            "1m",
            "--transactions",
            "--trace",
        ],
    );
    assert_eq!(
        listing(dir.path()),
        [
            "costs.csv",
            "events.csv",
            "isolation.csv",
            "quantiles.csv",
            "summary.csv",
            "timeseries.csv",
            "transactions.csv"
        ]
    );
    // Each complete: it ends with a line end and every row has the header's fields.
    for file in listing(dir.path()) {
        let text = read(dir.path(), &file);
        assert!(text.ends_with('\n'), "{file}");
        let fields = |l: &str| l.split(',').count();
        let header = fields(text.lines().next().unwrap());
        assert!(
            text.lines().all(|l| fields(l) == header),
            "{file}: a row without {header} fields"
        );
    }
}

#[test]
fn an_out_folder_holding_earlier_results_is_refused_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.display().to_string();
    run_into(d, &["mmc-server", "--horizon", "1m"]);
    let earlier = read(d, "summary.csv");
    let o = choreo(&[
        "run",
        "mmc-server",
        "--horizon",
        "1m",
        "--seed",
        "8",
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        format!(
            "{out} holds the results of an earlier run or sweep (summary.csv, quantiles.csv, costs.csv, timeseries.csv, isolation.csv): add --force to replace them, or give another --out"
        )
    );
    assert_eq!(read(d, "summary.csv"), earlier, "nothing was written");
    // A sweep into a run's folder is refused the same way; with --force it runs beside it.
    let sweep = [
        "sweep",
        "mmc-server",
        "--set",
        "horizon=1m",
        "--vary",
        "load=0.5,1",
        "--out",
        &out,
    ];
    let o = choreo(&sweep);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("(summary.csv, "), "{}", stderr(&o));
    assert!(!d.join("sweep.csv").exists());
    let mut forced = sweep.to_vec();
    forced.push("--force");
    let o = choreo(&forced);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("sweep.csv").exists());
    // Another sweep into a sweep's folder: refused (its points would mix); --force
    // discards the first sweep.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.display().to_string();
    let first = [
        "sweep",
        "mmc-server",
        "--set",
        "horizon=1m",
        "--vary",
        "load=0.5,1",
        "--out",
        &out,
    ];
    assert!(choreo(&first).status.success());
    let other = [
        "sweep",
        "mmc-server",
        "--set",
        "horizon=1m",
        "--vary",
        "load=2",
        "--out",
        &out,
    ];
    let o = choreo(&other);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("holds another sweep"), "{}", stderr(&o));
    let mut forced = other.to_vec();
    forced.push("--force");
    let o = choreo(&forced);
    assert!(o.status.success(), "{}", stderr(&o));
    let points = std::fs::read_dir(d.join("points")).unwrap().count();
    assert_eq!(points, 1, "the first sweep's two points were discarded");
    assert_eq!(
        read(d, "sweep.csv").lines().count(),
        1 + 2,
        "header and two architectures' rows of one point"
    );
}

#[test]
fn files_are_renamed_into_place_so_an_earlier_runs_file_is_never_rewritten() {
    // A link to the earlier run's summary.csv keeps its contents: the new file is a new
    // one renamed over the name, not the old one truncated and rewritten (which a reader
    // holding the old file open would see half-written).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_into(d, &["mmc-server", "--horizon", "1m"]);
    let earlier = read(d, "summary.csv");
    let keep = tempfile::tempdir().unwrap();
    std::fs::hard_link(d.join("summary.csv"), keep.path().join("earlier.csv")).unwrap();
    run_into(
        d,
        &["mmc-server", "--horizon", "1m", "--seed", "8", "--force"],
    );
    assert_ne!(read(d, "summary.csv"), earlier, "rewritten by this run");
    assert_eq!(read(keep.path(), "earlier.csv"), earlier);
}

#[test]
fn a_file_that_cannot_be_written_exits_1_and_leaves_the_files_not_yet_written_as_they_were() {
    // Files are written summary, quantiles, costs, timeseries, isolation. With a folder
    // where timeseries.csv goes, the run fails there (not bad input: exit 1) after writing
    // summary.csv, quantiles.csv and costs.csv; isolation.csv stays the earlier run's, and no temporary
    // file is left.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.display().to_string();
    run_into(d, &["failure-isolation", "--horizon", "15m"]);
    let (summary, isolation) = (read(d, "summary.csv"), read(d, "isolation.csv"));
    std::fs::remove_file(d.join("timeseries.csv")).unwrap();
    std::fs::create_dir(d.join("timeseries.csv")).unwrap();
    let o = choreo(&[
        "run",
        "failure-isolation",
        "--horizon",
        "15m",
        "--seed",
        "8",
        "--out",
        &out,
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("error: writing ") && err.contains("timeseries.csv"),
        "{err}"
    );
    assert!(!stdout(&o).contains("wrote "), "{}", stdout(&o));
    assert_ne!(
        read(d, "summary.csv"),
        summary,
        "written before the failure"
    );
    assert_eq!(read(d, "isolation.csv"), isolation, "not reached");
    assert_eq!(
        listing(d),
        [
            "costs.csv",
            "isolation.csv",
            "quantiles.csv",
            "summary.csv",
            "timeseries.csv"
        ]
    );
    // An out folder that cannot be created is no bad input either.
    std::fs::write(d.join("plain"), "a file").unwrap();
    let o = choreo(&[
        "run",
        "mmc-server",
        "--horizon",
        "1m",
        "--out",
        &d.join("plain/sub").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("error: creating "), "{}", stderr(&o));
}

#[test]
fn graph_without_arch_prints_the_first_architecture() {
    for (scenario, first, second) in [
        ("photo-sharing", "monolith", "serverless"),
        ("failure-isolation", "monolith", "serverless"),
    ] {
        let plain = choreo(&["graph", scenario]);
        assert!(plain.status.success(), "{}", stderr(&plain));
        let of = |arch: &str| stdout(&choreo(&["graph", scenario, "--arch", arch]));
        assert_eq!(stdout(&plain), of(first), "{scenario}");
        assert_ne!(stdout(&plain), of(second), "{scenario}");
    }
}

#[test]
fn choreo_alone_without_a_display_runs_the_default_scenario_headless_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let alone = || {
        Command::new(env!("CARGO_BIN_EXE_choreo"))
            .current_dir(dir.path())
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .expect("choreo runs")
    };
    let o = alone();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("running photo-sharing headless instead; `choreo view` opens the viewer"),
        "{err}"
    );
    // The headless build says it has no viewer; the full one that there is no display.
    assert!(
        err.starts_with("no display ($DISPLAY is not set)")
            || err.starts_with("this choreo was built without the viewer"),
        "{err}"
    );
    let out = stdout(&o);
    assert!(
        out.contains("cost [USD]") && out.contains("monolith"),
        "{out}"
    );
    assert!(out.ends_with("wrote out/photo-sharing\n"), "{out}");
    let summary = read(&dir.path().join("out/photo-sharing"), "summary.csv");
    assert_eq!(summary.lines().count(), 3, "{summary}");
    // The main command again replaces its own results rather than refusing.
    let again = alone();
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        read(&dir.path().join("out/photo-sharing"), "summary.csv"),
        summary
    );
}

#[cfg(feature = "viz")]
#[test]
fn the_viewer_without_a_graphics_adapter_says_what_to_install_in_one_line_and_exits_2() {
    // No DX12 on Linux: the same as a machine without any Vulkan driver, found before Bevy
    // would panic with a backtrace.
    if !cfg!(target_os = "linux") {
        return;
    }
    // A display that accepts connections (an X server over TCP, as far as the display
    // check can tell), so that the adapter is what is missing.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let display = match port.checked_sub(6000) {
        Some(n) => format!("127.0.0.1:{n}"),
        None => return, // a port below 6000 cannot be written as a display number
    };
    let o = Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(["view", "photo-sharing"])
        .env("WGPU_BACKEND", "dx12")
        .env("DISPLAY", display)
        .output()
        .expect("choreo runs");
    drop(listener);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with("choreo view: no graphics adapter found with WGPU_BACKEND=dx12 (")
            && err.contains("`sudo apt install mesa-vulkan-drivers`"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn lesson_prints_the_questions_and_with_answers_checks_every_claim_on_its_run() {
    let o = choreo(&["lesson", "adding-a-consumer"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("1. Add the notification to each design."),
        "{out}"
    );
    assert!(
        !out.contains("answer:"),
        "the answers wait for --answers: {out}"
    );
    let o = choreo(&["lesson", "adding-a-consumer", "--answers"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // Its three questions ask 4 + 3 + 1 claims, each printed with the figures it read.
    assert_eq!(out.matches("): holds").count(), 8, "{out}");
    assert!(out.contains("answer: Only the monolith's"), "{out}");
    assert!(
        out.contains("events+notify.failed_responses == 0  (0 vs 0): holds"),
        "{out}"
    );
}

#[test]
fn lesson_answers_fail_with_exit_1_when_a_claim_does_not_hold() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.ron");
    std::fs::write(
        &file,
        r#"Scenario(name: "q", horizon: "1m",
  workload: [Source(kind: "r", arrivals: Poisson(per_second: 20.0))],
  architectures: [
    Architecture(name: "box", entry: "app", components: [
      Server(name: "app", instances: 1, workers: 1, handlers: {"r": [Compute("40ms")]})])],
  questions: [
    Question(ask: "Fast?", answer: "Yes.", claims: ["box.response_mean_ms < 60"]),
    Question(ask: "At a tenth of the load?", answer: "Yes.", set: ["load=0.1"], claims: ["box.response_mean_ms < 60"])])"#,
    )
    .unwrap();
    let file = file.display().to_string();
    let o = choreo(&["lesson", &file]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("(on: choreo run q --load 0.1)"),
        "{}",
        stdout(&o)
    );
    // One worker at 0.8 waits 80 ms on average (M/D/1): the first claim is false; at a
    // tenth of the load the wait is about 2 ms and the second holds.
    let o = choreo(&["lesson", &file, "--answers"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("DOES NOT HOLD").count(), 1, "{out}");
    assert_eq!(out.matches("): holds").count(), 1, "{out}");
    assert!(out.contains("run: choreo run q --load 0.1"), "{out}");
    assert!(
        stderr(&o).contains("1 of 2 claims do not hold"),
        "{}",
        stderr(&o)
    );
    // validate applies a question's overrides too.
    std::fs::write(
        dir.path().join("bad.ron"),
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("load=0.1", "horizon=-1s"),
    )
    .unwrap();
    let o = choreo(&[
        "validate",
        &dir.path().join("bad.ron").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("questions[1].set"), "{}", stderr(&o));
}
