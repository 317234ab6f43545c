//! Arrivals replayed from traces: timestamp CSVs and the Azure Functions 2019 per-minute
//! counts, their errors, and the bundled `azure-replay` scenario.

use std::path::PathBuf;
use std::sync::Arc;

use choreo_sim::engine::{NS_PER_S, SimTime};
use choreo_sim::model::Simulation;
use choreo_sim::model::arrivals::ArrivalGen;
use choreo_sim::observe::SimEvent;
use choreo_sim::run::{RunOptions, run_scenario};
use choreo_sim::scenario::{self, Diagnostic, Scenario};

const MINUTE: SimTime = 60 * NS_PER_S;
const AZURE: &str = include_str!("../../scenarios/traces/azure-sample.csv");
const TIMESTAMPS: &str = include_str!("../../scenarios/traces/timestamps-sample.csv");

/// The fixture's rows: (HashFunction, Trigger, counts per minute).
fn fixture() -> Vec<(String, String, Vec<u32>)> {
    AZURE
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let counts = f[4..].iter().map(|n| n.parse().unwrap()).collect();
            (f[2].to_string(), f[3].to_string(), counts)
        })
        .collect()
}

/// The fixture's row of the function with this trigger.
fn row(trigger: &str) -> (String, Vec<u32>) {
    let (hash, _, counts) = fixture().into_iter().find(|r| r.1 == trigger).unwrap();
    (hash, counts)
}

/// A scenario with one source of `arrivals` (on line 2) and two architectures.
fn text(horizon: &str, arrivals: &str) -> String {
    format!(
        r#"Scenario(name: "t", horizon: "{horizon}",
  workload: [Source(kind: "r", arrivals: {arrivals})],
  architectures: [
    Architecture(name: "fn", entry: "f", components: [Function(name: "f", work: [Compute("5ms")])]),
    Architecture(name: "server", entry: "app", components: [
      Server(name: "app", workers: 4, handlers: {{"r": [Compute("5ms")]}})])])"#
    )
}

fn load_at(file: &str, text: &str) -> Scenario {
    match scenario::load(file, text) {
        Ok(l) => l.scenario,
        Err(e) => panic!("{:#?}", e.diagnostics),
    }
}

fn load(horizon: &str, arrivals: &str) -> Scenario {
    load_at("s.ron", &text(horizon, arrivals))
}

fn errors_at(file: &str, text: &str) -> Vec<String> {
    match scenario::load(file, text) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.diagnostics.iter().map(Diagnostic::to_string).collect(),
    }
}

/// Every arrival time of source 0 before the horizon, from the generator, under `load`.
fn replay_with(s: &Scenario, load: f64) -> Vec<SimTime> {
    let mut g = ArrivalGen::new(s.seed, 0, &s.sources[0], &s.kinds[0]);
    g.load = load;
    std::iter::from_fn(|| g.next(s.horizon)).collect()
}

fn replay(s: &Scenario) -> Vec<SimTime> {
    replay_with(s, 1.0)
}

fn per_minute(times: &[SimTime]) -> Vec<u32> {
    let mut counts = vec![0; 1440];
    for &t in times {
        counts[usize::try_from(t / MINUTE).unwrap()] += 1;
    }
    counts
}

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("choreo-trace-test-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn scenario(&self) -> String {
        self.0.join("s.ron").to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// 1-based column of the value that follows `field: ` on line 2 of `text`.
fn col(text: &str, field: &str) -> usize {
    let line = text.lines().nth(1).unwrap();
    let before = &line[..line.find(&format!("{field}: ")).unwrap()];
    before.chars().count() + field.len() + 3
}

#[test]
fn a_timestamp_trace_replays_exactly_the_given_times_sorted() {
    let dir = TempDir::new("exact");
    dir.write(
        "traces/t.csv",
        "id,at\n1,2.5\n2,0.000000001\n3,1\n4,1\n5,120.25\n6,0\n",
    );
    let s = load_at(
        &dir.scenario(),
        &text("1h", r#"Trace(file: "traces/t.csv", column: "at")"#),
    );
    // Ties move on by 1 ns: arrivals of one source never share an instant.
    let expected = [1, 2, NS_PER_S, NS_PER_S + 1, 2_500_000_000, 120_250_000_000];
    assert_eq!(replay(&s), expected);

    // The first column is the default (here `id`: 1 to 6 s); `scale` multiplies time; the
    // horizon cuts.
    let s = load_at(
        &dir.scenario(),
        &text("7s", r#"Trace(file: "traces/t.csv", scale: 2.0)"#),
    );
    assert_eq!(replay(&s), [2 * NS_PER_S, 4 * NS_PER_S, 6 * NS_PER_S]);

    // An absolute path is used as is.
    let absolute = dir.0.join("traces/t.csv");
    let arrivals = format!(
        "Trace(file: {:?}, column: \"at\")",
        absolute.to_str().unwrap()
    );
    assert_eq!(
        replay(&load_at("elsewhere/s.ron", &text("1h", &arrivals))),
        expected
    );
}

#[test]
fn the_bundled_timestamp_sample_replays_every_row() {
    let s = load("1h", r#"Trace(file: "bundled:timestamps-sample.csv")"#);
    let mut expected: Vec<SimTime> = TIMESTAMPS
        .lines()
        .skip(1)
        .map(|l| (l.parse::<f64>().unwrap() * 1e9).round() as SimTime)
        .collect();
    expected.sort_unstable();
    assert_eq!(expected.len(), 200);
    assert_eq!(replay(&s), expected);
}

#[test]
fn azure_counts_per_minute_are_reproduced_exactly_with_a_uniform_spread() {
    let (hash, counts) = row("http");
    let s = load(
        "24h",
        &format!(r#"AzureTrace(file: "bundled:azure-sample.csv", function: "{hash}")"#),
    );
    let times = replay(&s);
    assert_eq!(times.len() as u32, counts.iter().sum::<u32>());
    assert!(times.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(per_minute(&times), counts);
    // Uniform within the minute: mean offset 30 s (sd ≈ 0.1 s here), a quarter in the
    // first 15 s (sd ≈ 0.0025).
    let offsets: Vec<f64> = times.iter().map(|&t| (t % MINUTE) as f64 / 1e9).collect();
    let mean = offsets.iter().sum::<f64>() / offsets.len() as f64;
    assert!((mean - 30.0).abs() < 0.5, "mean offset {mean}");
    let early = offsets.iter().filter(|&&o| o < 15.0).count() as f64 / offsets.len() as f64;
    assert!((early - 0.25).abs() < 0.01, "first quarter {early}");
    // The same seed gives the same times; another seed other times, with the same counts.
    assert_eq!(replay(&s), times);
    let other = Scenario {
        seed: 99,
        ..s.clone()
    };
    let moved = replay(&other);
    assert_ne!(moved, times);
    assert_eq!(per_minute(&moved), counts);
}

#[test]
fn an_even_spread_places_arrivals_exactly() {
    let (hash, counts) = row("http");
    let s = load(
        "24h",
        &format!(
            r#"AzureTrace(file: "bundled:azure-sample.csv", function: "{hash}", spread: Even)"#
        ),
    );
    let expected: Vec<SimTime> = counts
        .iter()
        .enumerate()
        .flat_map(|(m, &n)| {
            let n = SimTime::from(n);
            (0..n).map(move |k| m as SimTime * MINUTE + (2 * k + 1) * MINUTE / (2 * n))
        })
        .collect();
    assert_eq!(replay(&s), expected);

    // The timer function: once every 15 minutes, at the middle of the minute.
    let (hash, _) = row("timer");
    let s = load(
        "24h",
        &format!(
            r#"AzureTrace(file: "bundled:azure-sample.csv", function: "{hash}", spread: Even)"#
        ),
    );
    let expected: Vec<SimTime> = (0..96).map(|i| i * 15 * MINUTE + MINUTE / 2).collect();
    assert_eq!(replay(&s), expected);
}

#[test]
fn without_a_function_every_row_is_summed() {
    let rows = fixture();
    assert_eq!(rows.len(), 3);
    let sum: Vec<u32> = (0..1440)
        .map(|m| rows.iter().map(|r| r.2[m]).sum())
        .collect();
    let s = load("24h", r#"AzureTrace(file: "bundled:azure-sample.csv")"#);
    assert_eq!(per_minute(&replay(&s)), sum);
    // A day is all there is: a longer horizon adds nothing; a shorter one cuts.
    let s = load(
        "48h",
        r#"AzureTrace(file: "bundled:azure-sample.csv", spread: Even)"#,
    );
    assert_eq!(replay(&s).len() as u32, sum.iter().sum::<u32>());
    let s = load("1h", r#"AzureTrace(file: "bundled:azure-sample.csv")"#);
    assert_eq!(replay(&s).len() as u32, sum[..60].iter().sum::<u32>());
}

#[test]
fn the_load_multiplier_thins_or_copies_a_trace() {
    let (hash, counts) = row("http");
    let total: u32 = counts.iter().sum();
    let s = load(
        "24h",
        &format!(r#"AzureTrace(file: "bundled:azure-sample.csv", function: "{hash}")"#),
    );
    // Twice the load: every recorded arrival twice (1 ns apart).
    let doubled = replay_with(&s, 2.0);
    assert_eq!(doubled.len() as u32, 2 * total);
    assert!(doubled.windows(2).all(|w| w[0] < w[1]));
    // Half the load: each kept with probability 1/2 (sd ≈ 85 here).
    let halved = replay_with(&s, 0.5).len() as f64;
    assert!(
        (halved / (total as f64 / 2.0) - 1.0).abs() < 0.03,
        "{halved}"
    );
    assert!(replay_with(&s, 0.0).is_empty());
}

#[test]
fn trace_errors_are_located_at_the_field() {
    let dir = TempDir::new("errors");
    dir.write("bad.csv", "t\n1.5\n-3\n");
    dir.write("words.csv", "t\n1.5\n\nsoon\n");
    dir.write("short.csv", "t,id\n1.5,a\n2\n");
    dir.write("empty.csv", "t\n");
    let file = dir.scenario();
    let missing = dir.0.join("missing.csv");
    let cases = [
        (
            r#"Trace(file: "missing.csv")"#,
            "file",
            format!(
                "cannot read trace \"missing.csv\": {} (No such file or directory (os error 2))",
                missing.display()
            ),
        ),
        (
            r#"Trace(file: "bad.csv")"#,
            "file",
            "bad.csv:3: timestamp must be zero or more, found -3".to_string(),
        ),
        (
            r#"Trace(file: "words.csv")"#,
            "file",
            "words.csv:4: timestamp must be a number of seconds, found \"soon\"".to_string(),
        ),
        (
            r#"Trace(file: "short.csv")"#,
            "file",
            "short.csv:3: expected 2 fields, found 1".to_string(),
        ),
        (
            r#"Trace(file: "empty.csv")"#,
            "file",
            "trace \"empty.csv\" holds no arrivals".to_string(),
        ),
        (
            r#"Trace(file: "bad.csv", column: "tt")"#,
            "column",
            "trace \"bad.csv\" has no column \"tt\" (did you mean \"t\"?)".to_string(),
        ),
        (
            r#"Trace(file: "bundled:nope.csv")"#,
            "file",
            "cannot read trace \"bundled:nope.csv\": no bundled trace of that name \
             (bundled: azure-sample.csv, timestamps-sample.csv, azure-invocations-sample.csv)"
                .to_string(),
        ),
        (
            r#"AzureTrace(file: "bundled:timestamps-sample.csv")"#,
            "file",
            "bundled:timestamps-sample.csv: expected the Azure Functions 2019 header \
             HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440; found timestamp_s \
             (1 columns)"
                .to_string(),
        ),
    ];
    for (arrivals, field, message) in cases {
        let text = text("1h", arrivals);
        let at = format!("2:{}", col(&text, field));
        let expected = format!("{file}:{at}: workload[0].arrivals.{field}: {message}");
        assert_eq!(errors_at(&file, &text), [expected], "{arrivals}");
    }

    // Both problems at once: a bad scale and an unreadable file.
    let text = text("1h", r#"Trace(file: "missing.csv", scale: 0.0)"#);
    let e = errors_at(&file, &text);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].contains("arrivals.file: cannot read trace \"missing.csv\""),
        "{e:?}"
    );
    assert!(e[1].ends_with("arrivals.scale: scale must be greater than zero, found 0"));
}

#[test]
fn an_unknown_function_gets_a_did_you_mean() {
    let (hash, _) = row("queue");
    let typo = format!("{}x{}", &hash[..10], &hash[11..]);
    let text = text(
        "1h",
        &format!(r#"AzureTrace(file: "bundled:azure-sample.csv", function: "{typo}")"#),
    );
    let at = format!("2:{}", col(&text, "function"));
    assert_eq!(
        errors_at("dir/s.ron", &text),
        [format!(
            "dir/s.ron:{at}: workload[0].arrivals.function: trace \"bundled:azure-sample.csv\" \
             has no function \"{typo}\" (did you mean \"{hash}\"?)"
        )]
    );
}

#[test]
fn a_bad_azure_row_is_named_by_its_line() {
    let dir = TempDir::new("azure-row");
    let mut lines: Vec<String> = AZURE.lines().map(str::to_string).collect();
    lines[2] = lines[2].replacen(",timer,1,", ",timer,one,", 1);
    dir.write("azure.csv", &lines.join("\n"));
    let text = text("1h", r#"AzureTrace(file: "azure.csv")"#);
    let at = format!("2:{}", col(&text, "file"));
    assert_eq!(
        errors_at(&dir.scenario(), &text),
        [format!(
            "{}:{at}: workload[0].arrivals.file: azure.csv:3: minute 1: the count must be a \
             whole number, found \"one\"",
            dir.scenario()
        )]
    );
}

#[test]
fn the_bundled_azure_replay_runs_conserves_and_feeds_both_designs_the_same_arrivals() {
    let loaded = choreo_sim::bundled::load("azure-replay").unwrap().unwrap();
    assert!(loaded.warnings.is_empty(), "{:#?}", loaded.warnings);
    let s = Arc::new(loaded.scenario);
    assert_eq!(s.architectures.len(), 2);
    let (_, http) = row("http");
    let expected = replay(&s);
    assert_eq!(per_minute(&expected), http);

    let report = run_scenario(&s, &RunOptions::default()).unwrap();
    for a in &report.architectures {
        assert!(a.counts.conserved(), "{}: {:?}", a.name, a.counts);
        assert_eq!(a.counts.arrived, expected.len() as u64, "{}", a.name);
        assert!(a.counts.completed > 0);
    }
    for arch in 0..2 {
        let mut sim = Simulation::new(Arc::clone(&s), arch);
        let mut events: Vec<(SimTime, SimEvent)> = Vec::new();
        sim.run(&mut events);
        let arrivals: Vec<SimTime> = events
            .iter()
            .filter(|(_, e)| matches!(e, SimEvent::TransactionArrived { .. }))
            .map(|&(t, _)| t)
            .collect();
        assert_eq!(arrivals, expected, "architecture {arch}");
    }
}

// The Azure Functions 2021 invocation trace (`AzureInvocations`), on the bundled fixture
// `scenarios/traces/azure-invocations-sample.csv`: 40 made-up invocations of five
// functions of three apps over about four minutes, rows in end order as in the published
// trace (so not in start order), times with six decimals, the earliest start 3.75 s.

const INVOCATIONS: &str = include_str!("../../scenarios/traces/azure-invocations-sample.csv");

/// Seconds with exactly six decimals, as the fixture writes them, as nanoseconds: read
/// here with integer arithmetic, apart from the parser under test.
fn micro_ns(field: &str) -> i64 {
    let (int, frac) = field.split_once('.').unwrap();
    assert_eq!(frac.len(), 6, "{field}");
    (int.parse::<i64>().unwrap() * 1_000_000 + frac.parse::<i64>().unwrap()) * 1_000
}

/// The fixture's invocations of `app` (an `app` hash, or every one), `(start, duration)`
/// [ns], the start from the earliest start of any row, sorted by start (file order on
/// ties).
fn fixture_invocations(app: Option<&str>, func: Option<&str>) -> Vec<(SimTime, SimTime)> {
    let rows: Vec<(String, String, i64, i64)> = INVOCATIONS
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let (end, duration) = (micro_ns(f[2]), micro_ns(f[3]));
            (f[0].to_string(), f[1].to_string(), end - duration, duration)
        })
        .collect();
    let earliest = rows.iter().map(|r| r.2).min().unwrap();
    let mut out: Vec<(SimTime, SimTime)> = rows
        .iter()
        .filter(|r| app.is_none_or(|a| a == r.0) && func.is_none_or(|f| f == r.1))
        .map(|r| ((r.2 - earliest) as SimTime, r.3 as SimTime))
        .collect();
    out.sort_by_key(|&(start, _)| start);
    out
}

/// The fixture's (app, func) hashes, in order of first appearance.
fn fixture_functions() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in INVOCATIONS.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let pair = (f[0].to_string(), f[1].to_string());
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    out
}

/// A scenario replaying `arrivals` into a function and a server whose only step takes the
/// recorded duration: the function without a cold start, the server with workers to spare,
/// so that each response's latency is the invocation's recorded duration.
fn replaying(arrivals: &str) -> Arc<Scenario> {
    Arc::new(load_at(
        "s.ron",
        &format!(
            r#"Scenario(name: "t", horizon: "1h",
  workload: [Source(kind: "r", arrivals: {arrivals})],
  architectures: [
    Architecture(name: "fn", entry: "f", components: [
      Function(name: "f", cold_start: "0s", work: [Compute(FromTrace)])]),
    Architecture(name: "server", entry: "app", components: [
      Server(name: "app", workers: 100, handlers: {{"r": [Cpu(FromTrace)]}})])])"#
        ),
    ))
}

/// Each transaction's arrival time and response latency [ns], in arrival order.
fn arrivals_and_latencies(s: &Arc<Scenario>, arch: usize) -> Vec<(SimTime, SimTime)> {
    let mut sim = Simulation::new(Arc::clone(s), arch);
    let mut events: Vec<(SimTime, SimEvent)> = Vec::new();
    sim.run(&mut events);
    let mut arrived = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for (t, e) in &events {
        match e {
            SimEvent::TransactionArrived { txn, .. } => {
                arrived.insert(*txn, *t);
            }
            SimEvent::ResponseSent {
                txn, latency_ns, ..
            } => out.push((arrived[txn], *latency_ns)),
            _ => {}
        }
    }
    out.sort_unstable();
    out
}

#[test]
fn invocations_arrive_at_their_recorded_starts_and_take_their_recorded_durations() {
    let expected = fixture_invocations(None, None);
    assert_eq!(expected.len(), 40);
    assert_eq!(expected[0].0, 0, "the earliest start is time zero");
    // The fixture is in end order, so replaying it needs the sort by start.
    assert!(INVOCATIONS.lines().skip(1).count() == 40);
    let s = replaying(r#"AzureInvocations(file: "bundled:azure-invocations-sample.csv")"#);
    // The earliest invocation starts at time zero, and like every source's first arrival
    // is replayed 1 ns later (arrivals of a source come after its start, one at a time).
    let mut expected = expected;
    expected[0].0 = 1;
    let times: Vec<SimTime> = expected.iter().map(|e| e.0).collect();
    assert_eq!(replay(&s), times);
    for arch in 0..2 {
        assert_eq!(
            arrivals_and_latencies(&s, arch),
            expected,
            "architecture {arch}: (arrival, latency) pairs"
        );
    }
    let report = run_scenario(&s, &RunOptions::default()).unwrap();
    for a in &report.architectures {
        assert!(a.counts.conserved(), "{}: {:?}", a.name, a.counts);
        assert_eq!(a.counts.completed, 40, "{}", a.name);
    }
}

#[test]
fn invocations_are_filtered_by_app_and_function_on_the_trace_s_own_clock() {
    let functions = fixture_functions();
    let (app, func) = &functions[1];
    // One app: every function of it; one function of it; times stay those of the whole
    // file (from its earliest start), so that sources replaying several functions of one
    // file keep their relative timing.
    for (arrivals, expected) in [
        (
            format!(
                r#"AzureInvocations(file: "bundled:azure-invocations-sample.csv", app: "{app}")"#
            ),
            fixture_invocations(Some(app), None),
        ),
        (
            format!(
                r#"AzureInvocations(file: "bundled:azure-invocations-sample.csv", app: "{app}", function: "{func}")"#
            ),
            fixture_invocations(Some(app), Some(func)),
        ),
        (
            format!(
                r#"AzureInvocations(file: "bundled:azure-invocations-sample.csv", function: "{func}")"#
            ),
            fixture_invocations(None, Some(func)),
        ),
    ] {
        assert!(!expected.is_empty() && expected.len() < 40, "{arrivals}");
        let s = replaying(&arrivals);
        assert_eq!(arrivals_and_latencies(&s, 0), expected, "{arrivals}");
    }
    // A misspelt hash gets a did-you-mean, at its field.
    let mut wrong = app.clone();
    wrong.replace_range(0..1, if wrong.starts_with('0') { "1" } else { "0" });
    let text = text(
        "1h",
        &format!(
            r#"AzureInvocations(file: "bundled:azure-invocations-sample.csv", app: "{wrong}")"#
        ),
    );
    let e = errors_at("s.ron", &text);
    assert_eq!(
        e,
        [format!(
            "s.ron:2:{}: workload[0].arrivals.app: trace \"bundled:azure-invocations-sample.csv\" \
             has no app \"{wrong}\" (did you mean \"{app}\"?)",
            col(&text, "app")
        )]
    );
}

#[test]
fn a_bad_invocation_row_is_named_by_its_line() {
    let dir = TempDir::new("invocations");
    let mut lines: Vec<String> = INVOCATIONS.lines().map(str::to_string).collect();
    let (head, duration) = lines[7].rsplit_once(',').unwrap();
    let negative = duration.to_string();
    lines[7] = format!("{head},-{duration}");
    dir.write("neg.csv", &lines.join("\n"));
    let mut lines: Vec<String> = INVOCATIONS.lines().map(str::to_string).collect();
    lines[12].push_str(",extra");
    dir.write("wide.csv", &lines.join("\n"));
    dir.write(
        "header.csv",
        &INVOCATIONS.replacen("end_timestamp", "end", 1),
    );
    for (file, message) in [
        (
            "neg.csv",
            format!("neg.csv:8: duration must be zero or more, found -{negative}"),
        ),
        (
            "wide.csv",
            "wide.csv:13: expected 4 fields, found 5".to_string(),
        ),
        (
            "header.csv",
            "header.csv: expected the Azure Functions 2021 header \
             app,func,end_timestamp,duration; found app,func,end,duration (4 columns)"
                .to_string(),
        ),
    ] {
        let text = text("1h", &format!(r#"AzureInvocations(file: "{file}")"#));
        assert_eq!(
            errors_at(&dir.scenario(), &text),
            [format!(
                "{}:2:{}: workload[0].arrivals.file: {message}",
                dir.scenario(),
                col(&text, "file")
            )]
        );
    }
}

#[test]
fn under_a_load_above_one_copies_keep_their_original_s_duration() {
    let s = replaying(r#"AzureInvocations(file: "bundled:azure-invocations-sample.csv")"#);
    let mut sim = Simulation::new(Arc::clone(&s), 1);
    // The first arrival is drawn (at load 1) when the simulation is made: it comes once.
    sim.set_load(0, 2.0);
    let mut events: Vec<(SimTime, SimEvent)> = Vec::new();
    sim.run(&mut events);
    let mut latencies: Vec<SimTime> = events
        .iter()
        .filter_map(|(_, e)| match e {
            SimEvent::ResponseSent { latency_ns, .. } => Some(*latency_ns),
            _ => None,
        })
        .collect();
    let invocations = fixture_invocations(None, None);
    let mut expected: Vec<SimTime> = invocations[1..]
        .iter()
        .flat_map(|&(_, d)| [d, d])
        .chain([invocations[0].1])
        .collect();
    latencies.sort_unstable();
    expected.sort_unstable();
    assert_eq!(latencies, expected);
}
