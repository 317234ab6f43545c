//! Runaway guards and interrupts, end to end: a run refused for its expected size, an
//! overloaded design stopped by the in-flight guard with what it simulated kept, Ctrl-C and
//! SIGTERM on a run and a sweep (exit 130, files of what was simulated, resume).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn choreo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(args)
        .output()
        .expect("choreo runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn column(dir: &Path, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == name).unwrap();
    lines
        .map(|l| l.split(',').nth(i).unwrap().to_string())
        .collect()
}

const OVERLOAD: &str = r#"Scenario(
    name: "overload",
    horizon: "1h",
    workload: [Source(kind: "job", arrivals: Poisson(per_second: 1000.0))],
    architectures: [
        Architecture(name: "server", entry: "app", components: [
            Server(name: "app", instances: 1, workers: 1, handlers: {"job": [Compute("100ms")]}),
        ]),
        Architecture(name: "function", entry: "f", components: [
            Function(name: "f", memory_mb: 128, work: [Compute("100ms")]),
        ]),
    ],
)"#;

#[test]
fn a_run_expected_to_be_too_big_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = choreo(&[
        "run",
        "photo-sharing",
        "--horizon",
        "20000h",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    // 45/s × 72,000,000 s = 3.24e9 arrivals, in 2 architectures.
    assert!(
        stderr(&o).contains("about 6.480e9 transactions to simulate (3.240e9 arrivals over 20000h in each of 2 architecture(s)), more than --max-transactions 1000000000"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "nothing written");
    // Raised, a smaller run passes the same check: 45 × 3,600 × 2 = 324,000 ≤ 400,000.
    let o = choreo(&[
        "run",
        "photo-sharing",
        "--horizon",
        "1h",
        "--max-transactions",
        "400000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = choreo(&[
        "run",
        "photo-sharing",
        "--horizon",
        "1h",
        "--max-transactions",
        "300000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_overloaded_design_is_stopped_by_the_in_flight_guard_and_keeps_what_it_simulated() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("overload.ron");
    std::fs::write(&file, OVERLOAD).unwrap();
    let out = dir.path().join("out");
    let o = choreo(&[
        "run",
        file.to_str().unwrap(),
        "--max-in-flight",
        "100000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("server: stopped at simulated time")
            && stderr(&o).contains("more than 100000 transactions in flight at once"),
        "{}",
        stderr(&o)
    );
    assert!(
        !stderr(&o).contains("function:"),
        "the function keeps up: {}",
        stderr(&o)
    );
    // The server serves 10/s of 1,000/s: in flight grows by 990/s and passes 100,000 after
    // about 101 s (checked every 65,536 events, ~33 s at 2,000 events/s).
    let simulated: Vec<f64> = column(&out, "simulated_s")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert!((101.0..140.0).contains(&simulated[0]), "{simulated:?}");
    assert_eq!(simulated[1], 3600.0);
    let in_flight: Vec<u64> = column(&out, "in_flight")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        in_flight[0] > 100_000 && in_flight[0] < 140_000,
        "{in_flight:?}"
    );
}

/// Starts `args`, waits until `ready` holds (at most a minute), sends `signal`.
fn signal_when(args: &[&str], ready: impl Fn() -> bool, signal: &str) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !ready() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait_with_output().unwrap()
}

#[test]
fn ctrl_c_and_sigterm_stop_a_run_with_its_files_and_exit_130() {
    for signal in ["-INT", "-TERM"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let started = Instant::now();
        let o = signal_when(
            &[
                "run",
                "photo-sharing",
                "--horizon",
                "500h",
                "--out",
                out.to_str().unwrap(),
            ],
            || started.elapsed() > Duration::from_millis(1500),
            signal,
        );
        assert_eq!(o.status.code(), Some(130), "{signal}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("interrupted at simulated time"), "{err}");
        assert!(
            err.contains("(monolith)") && err.contains("(serverless)"),
            "{err}"
        );
        for f in [
            "summary.csv",
            "costs.csv",
            "timeseries.csv",
            "isolation.csv",
        ] {
            assert!(out.join(f).is_file(), "{signal}: {f} written");
        }
        let simulated: Vec<f64> = column(&out, "simulated_s")
            .iter()
            .map(|v| v.parse().unwrap())
            .collect();
        assert!(
            simulated.iter().all(|&s| s > 0.0 && s < 1_800_000.0),
            "{simulated:?}"
        );
        assert_eq!(column(&out, "horizon_s"), ["1800000.000", "1800000.000"]);
        // Nothing half-written is left behind.
        let stray: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".choreo-"))
            .collect();
        assert!(stray.is_empty());
    }
}

#[test]
fn an_interrupted_sweep_keeps_its_points_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let o_str = out.to_str().unwrap().to_string();
    let args = [
        "sweep",
        "mmc-server",
        "--set",
        "horizon=4h",
        "--vary",
        "load=0.5,0.6,0.7,0.8,0.9,1",
        "--jobs",
        "1",
        "--out",
        &o_str,
    ];
    let first = out.join("points/000000.csv");
    let o = signal_when(&args, || first.exists(), "-INT");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("points done and kept; run the same command again to resume"),
        "{}",
        stderr(&o)
    );
    assert!(!out.join("sweep.csv").exists());
    let o = choreo(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("points already done: resuming"),
        "{}",
        stderr(&o)
    );
    let rows = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 6 * 2);
}

#[cfg(unix)]
#[test]
fn output_into_a_pipe_closed_early_ends_quietly_with_every_file_written() {
    use std::os::unix::process::ExitStatusExt;
    // The reader goes away before choreo prints its table (`choreo run ... | head -0`):
    // the print meets a closed pipe. Before, that panicked with "failed printing to
    // stdout" and a backtrace (exit 101); now SIGPIPE ends the process as it ends any
    // Unix filter, after the files were written (they are written before the table).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_choreo"))
        .args(["run", "mmc-server", "--horizon", "10m", "--out", &out])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        o.status.signal(),
        Some(libc::SIGPIPE),
        "{:?}: {err}",
        o.status
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    // The header and a row per architecture (the server and the function).
    assert_eq!(summary.lines().count(), 3, "{summary}");
}
