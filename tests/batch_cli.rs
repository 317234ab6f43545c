//! The batch commands end to end: `run --set/--load/--replications`, `sweep` (resumed after
//! a kill, sharded by hand and by a Slurm array's environment), `merge`.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn choreo(args: &[&str]) -> Output {
    choreo_env(args, &[])
}

fn choreo_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_choreo"));
    c.args(args);
    for var in [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_COUNT",
        "JOB_COMPLETION_INDEX",
    ] {
        c.env_remove(var);
    }
    c.envs(env.iter().copied());
    c.output().expect("choreo runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn run_set_and_load_change_the_run_and_bad_ones_exit_2_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = path(dir.path());
    let base = [
        "run",
        "photo-sharing",
        "--horizon",
        "2m",
        "--out",
        &out,
        "--force",
    ];
    ok(choreo(&base));
    let plain = read(dir.path(), "summary.csv");
    let mut args = base.to_vec();
    args.extend(["--load", "2", "--set", "serverless.tag-fn.memory_mb=1024"]);
    ok(choreo(&args));
    let changed = read(dir.path(), "summary.csv");
    let transactions = |csv: &str, arch: &str| -> f64 {
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let col = header.iter().position(|h| *h == "transactions").unwrap();
        let line = csv
            .lines()
            .find(|l| l.contains(&format!(",{arch},")))
            .unwrap();
        line.split(',').nth(col).unwrap().parse().unwrap()
    };
    // 45/s over 120 s = 5,400 (SD 73); twice that at --load 2.
    let (a, b) = (
        transactions(&plain, "serverless"),
        transactions(&changed, "serverless"),
    );
    assert!(
        (a - 5400.0).abs() < 300.0 && (b - 10800.0).abs() < 420.0,
        "{a} {b}"
    );
    // The tag function's bill is for 1 GB now: its GB-s per invocation quadrupled.
    let costs = read(dir.path(), "costs.csv");
    assert!(costs.contains("serverless,tag-fn,duration"), "{costs}");
    for (extra, says) in [
        (
            vec!["--set", "serverless.tag-fn.memory_mb=64"],
            "--set serverless.tag-fn.memory_mb=64: architectures[1].components[8].memory_mb: memory must be between 128 and 10240 MB",
        ),
        (
            vec!["--set", "serverles.x=1"],
            "did you mean \"serverless\"",
        ),
        (vec!["--set", "noequals"], "expected PATH=VALUE"),
        (vec!["--load", "0"], "--load 0: "),
        (
            vec!["--replications", "0"],
            "--replications: must be at least 1",
        ),
        (vec!["--jobs", "2"], "--jobs goes with --replications"),
    ] {
        let mut args = base.to_vec();
        args.extend(extra.iter().copied());
        let o = choreo(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{extra:?}: {}", stderr(&o));
    }
    // Nothing was written by the refused runs.
    assert_eq!(read(dir.path(), "summary.csv"), changed);
}

#[test]
fn run_replications_prints_intervals_and_writes_summary_ci() {
    let dir = tempfile::tempdir().unwrap();
    let out = path(dir.path());
    let o = ok(choreo(&[
        "run",
        "mmc-server",
        "--horizon",
        "1m",
        "--replications",
        "4",
        "--jobs",
        "2",
        "--out",
        &out,
    ]));
    let table = stdout(&o);
    assert!(table.contains("4 replications from seed 1"), "{table}");
    assert!(table.contains(" ± "), "{table}");
    let ci = read(dir.path(), "summary_ci.csv");
    assert!(
        ci.starts_with("architecture,metric,n,mean,sd,ci95_half_width\n"),
        "{ci}"
    );
    assert!(ci.contains("\nserver,response_p99_ms,4,"), "{ci}");
    // A plain run into the same folder removes the intervals it did not compute.
    ok(choreo(&[
        "run",
        "mmc-server",
        "--horizon",
        "1m",
        "--out",
        &out,
        "--force",
    ]));
    assert!(!dir.path().join("summary_ci.csv").exists());
}

fn sweep(out: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let out = path(out);
    let mut args = vec![
        "sweep",
        "mmc-server",
        "--set",
        "horizon=10m",
        "--vary",
        "load=0.5,1",
        "--vary",
        "server.app.workers=4,6,8",
        "--replications",
        "2",
        "--out",
        &out,
    ];
    args.extend_from_slice(extra);
    choreo_env(&args, env)
}

#[test]
fn a_sweep_writes_its_files_the_same_whatever_the_jobs() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let o = ok(sweep(one.path(), &["--jobs", "1"], &[]));
    ok(sweep(two.path(), &["--jobs", "2"], &[]));
    for f in ["sweep.csv", "sweep_ci.csv", "manifest.json"] {
        assert_eq!(read(one.path(), f), read(two.path(), f), "{f}");
    }
    assert!(
        stdout(&o).contains("6 of 6 points; wrote"),
        "{}",
        stdout(&o)
    );
    // Not a terminal: a quiet line per point on stderr.
    let lines = stderr(&o);
    assert_eq!(
        lines.lines().filter(|l| l.starts_with("point ")).count(),
        6,
        "{lines}"
    );
    assert_eq!(read(one.path(), "sweep.csv").lines().count(), 1 + 6 * 2 * 2);
}

#[test]
fn a_killed_sweep_resumes_where_it_stopped() {
    let (full, cut) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // Points of 2 × 2 h at 30/s (about 0.3 s each), so that the kill lands mid-sweep.
    let args = |out: &Path| -> Vec<String> {
        [
            "sweep",
            "mmc-server",
            "--vary",
            "load=0.5,1",
            "--vary",
            "server.app.workers=4,6,8",
            "--replications",
            "2",
            "--jobs",
            "1",
            "--out",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([path(out)])
        .collect()
    };
    ok(Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(args(full.path()))
        .output()
        .unwrap());
    let mut child = Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(args(cut.path()))
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let first = cut.path().join("points/000000.csv");
    while !first.exists() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(first.exists(), "no point finished within two minutes");
    assert!(
        !cut.path().join("sweep.csv").exists(),
        "killed before the end"
    );
    // Only whole point files are named NNNNNN.csv (a write cut short is a temporary file).
    let points = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir.join("points"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.len() == 10 && n.ends_with(".csv"))
            .collect()
    };
    let done = points(cut.path()).len();
    assert!((1..6).contains(&done), "{done} points done at the kill");
    let o = ok(Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(args(cut.path()))
        .output()
        .unwrap());
    assert!(
        stderr(&o).contains(&format!("{done} of 6 points already done: resuming")),
        "{}",
        stderr(&o)
    );
    // Resumed points are not rerun: one line per point run now.
    let rerun = stderr(&o)
        .lines()
        .filter(|l| l.starts_with("point "))
        .count();
    assert_eq!(rerun, 6 - done, "{}", stderr(&o));
    for f in ["sweep.csv", "sweep_ci.csv", "manifest.json"] {
        assert_eq!(read(full.path(), f), read(cut.path(), f), "{f}");
    }
    assert_eq!(points(cut.path()).len(), 6);
}

#[test]
fn slurm_array_shards_equal_explicit_ones_and_merge_into_the_whole() {
    let whole = tempfile::tempdir().unwrap();
    ok(sweep(whole.path(), &[], &[]));
    let shards: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for (i, dir) in shards.iter().enumerate() {
        let id = (10 + i).to_string();
        let env = [
            ("SLURM_ARRAY_TASK_ID", id.as_str()),
            ("SLURM_ARRAY_TASK_MIN", "10"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        let o = ok(sweep(dir.path(), &["--shard", "auto"], &env));
        assert!(stdout(&o).contains("2 of 6 points"), "{}", stdout(&o));
    }
    // Shard 2 of 3 by hand is what the array's second task wrote.
    let by_hand = tempfile::tempdir().unwrap();
    ok(sweep(by_hand.path(), &["--shard", "2/3"], &[]));
    for f in ["sweep.csv", "manifest.json"] {
        assert_eq!(read(by_hand.path(), f), read(shards[1].path(), f), "{f}");
    }
    let merged = tempfile::tempdir().unwrap();
    let m = path(merged.path());
    let dirs: Vec<String> = shards.iter().map(|d| path(d.path())).collect();
    let o = ok(choreo(&[
        "merge", &dirs[0], &dirs[1], &dirs[2], "--out", &m,
    ]));
    assert!(
        stdout(&o).contains("merged 6 points from 3 folders"),
        "{}",
        stdout(&o)
    );
    for f in ["sweep.csv", "sweep_ci.csv", "manifest.json"] {
        assert_eq!(read(whole.path(), f), read(merged.path(), f), "{f}");
    }
    let o = choreo(&["merge", &dirs[0], &dirs[2], "--out", &m]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("2 of 6 points are missing: 1,4"),
        "{}",
        stderr(&o)
    );
    let o = sweep(merged.path(), &["--shard", "auto"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("neither a Slurm job array"),
        "{}",
        stderr(&o)
    );
}

/// docs/batch.md shows each file of docs/examples verbatim (the files are what CI runs).
#[test]
fn the_examples_in_docs_batch_are_the_files_ci_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/batch.md")).unwrap();
    let blocks: Vec<&str> = doc.split("```").skip(1).step_by(2).collect();
    for file in ["sweep.sbatch", "sweep-job.yaml", "sweep-parallel.sh"] {
        let text = std::fs::read_to_string(root.join("docs/examples").join(file)).unwrap();
        let shown = blocks
            .iter()
            .any(|b| b.split_once('\n').is_some_and(|(_, body)| body == text));
        assert!(
            shown,
            "docs/batch.md does not show docs/examples/{file} as it is"
        );
    }
    // The Job's completions are the --shards its pods are given.
    let job = std::fs::read_to_string(root.join("docs/examples/sweep-job.yaml")).unwrap();
    assert!(job.contains("completions: 4") && job.contains("--shard auto --shards 4"));
    assert!(job.contains("completionMode: Indexed"));
}

#[test]
fn kubernetes_indexed_job_shards_equal_explicit_ones() {
    let (pod, by_hand) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    ok(sweep(
        pod.path(),
        &["--shard", "auto", "--shards", "4"],
        &[("JOB_COMPLETION_INDEX", "2")],
    ));
    ok(sweep(by_hand.path(), &["--shard", "3/4"], &[]));
    for f in ["sweep.csv", "sweep_ci.csv", "manifest.json"] {
        assert_eq!(read(pod.path(), f), read(by_hand.path(), f), "{f}");
    }
    assert!(read(pod.path(), "manifest.json").contains("\"k\": 3"));
}

#[test]
fn run_and_sweep_report_write_the_charts_beside_their_files() {
    let (run_dir, sweep_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let o = ok(choreo(&[
        "run",
        "mmc-server",
        "--horizon",
        "2m",
        "--report",
        "--out",
        &path(run_dir.path()),
    ]));
    assert!(
        stdout(&o).contains("/report/index.html and "),
        "{}",
        stdout(&o)
    );
    let index = read(run_dir.path(), "report/index.html");
    assert!(
        index.contains("data:image/svg+xml;base64,"),
        "charts inlined"
    );
    let o = ok(sweep(sweep_dir.path(), &["--report"], &[]));
    assert!(stdout(&o).contains("break-even"), "{}", stdout(&o));
    for chart in ["sweep_response_p99_ms.svg", "sweep_cost_usd.svg"] {
        let svg = read(sweep_dir.path(), &format!("report/{chart}"));
        assert!(svg.starts_with("<svg") && svg.len() > 1000, "{chart}");
    }
}
