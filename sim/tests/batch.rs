//! Replications and sweeps: confidence intervals that narrow like 1/√N, sweeps whose bytes
//! do not depend on the thread count, shards that merge into the whole, resumption.

use std::path::{Path, PathBuf};

use choreo_sim::batch::sweep::{self, Shard, Spec, SweepError};
use choreo_sim::batch::vary::Vary;
use choreo_sim::batch::{self, Ci};
use choreo_sim::output::{self, Files};
use choreo_sim::run::{Control, RunOptions};
use choreo_sim::scenario::overrides::Override;

const MMC: &str = include_str!("../../scenarios/mmc-server.ron");

fn spec(varies: &[&str], replications: u32, shard: Shard) -> Spec {
    Spec {
        name: "mmc-server".into(),
        file: "mmc-server.ron".into(),
        text: MMC.into(),
        sets: vec![Override::parse("--set", "horizon=2m").unwrap()],
        varies: varies.iter().map(|v| Vary::parse(v).unwrap()).collect(),
        replications,
        shard,
        architectures: Vec::new(),
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn run(spec: Spec, out: &Path, jobs: usize) -> Result<sweep::Finished, SweepError> {
    sweep::prepare(spec)?.run(out, jobs, &Control::default(), |_| ())
}

/// 12 points: 4 loads × 3 worker counts.
const TWELVE: [&str; 2] = ["load=0.5,0.8,1,1.2", "server.app.workers=4,5,8"];

#[test]
fn a_sweep_is_the_same_bytes_whatever_the_jobs() {
    let (one, two) = (tmp(), tmp());
    let a = run(spec(&TWELVE, 2, Shard::ALL), one.path(), 1).unwrap();
    run(spec(&TWELVE, 2, Shard::ALL), two.path(), 2).unwrap();
    assert_eq!(a.points, 12);
    for f in ["sweep.csv", "sweep_ci.csv", "manifest.json"] {
        assert_eq!(read(one.path(), f), read(two.path(), f), "{f}");
    }
    let csv = read(one.path(), "sweep.csv");
    let lines: Vec<&str> = csv.lines().collect();
    // Header + 12 points × 2 architectures × 2 replications.
    assert_eq!(lines.len(), 1 + 12 * 2 * 2);
    assert!(
        lines[0]
            .starts_with("point,load,server.app.workers,replication,scenario,architecture,seed,")
    );
    // Point 7 = load index 2 (1), workers index 1 (5); its replication 2 has its own seed.
    let p7: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("7,"))
        .collect();
    assert_eq!(p7.len(), 4);
    assert!(
        p7[0].starts_with("7,1,5,1,M/M/c server,server,1,"),
        "{}",
        p7[0]
    );
    let seed2 = batch::replication_seed(1, 2).to_string();
    assert!(
        p7[2].starts_with(&format!("7,1,5,2,M/M/c server,server,{seed2},")),
        "{}",
        p7[2]
    );
}

#[test]
fn the_varied_values_reach_the_model() {
    let out = tmp();
    run(spec(&["load=0.5,1"], 1, Shard::ALL), out.path(), 2).unwrap();
    let csv = read(out.path(), "sweep.csv");
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (load, arch, n) = (col("load"), col("architecture"), col("transactions"));
    let counts: Vec<(String, String, f64)> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[load].to_string(),
                r[arch].to_string(),
                r[n].parse().unwrap(),
            )
        })
        .collect();
    // Poisson 30/s over 120 s: 3,600 expected at load 1 (SD 60), 1,800 at 0.5 (SD 42).
    for (l, a, n) in &counts {
        let expected = 3600.0 * l.parse::<f64>().unwrap();
        assert!(
            (n - expected).abs() < 4.0 * expected.sqrt(),
            "load {l} {a}: {n}"
        );
    }
}

#[test]
fn shards_merge_into_the_whole_and_one_alone_is_refused() {
    let whole = tmp();
    run(spec(&TWELVE, 1, Shard::ALL), whole.path(), 2).unwrap();
    let (s1, s2, merged) = (tmp(), tmp(), tmp());
    let a = run(spec(&TWELVE, 1, Shard { k: 1, n: 2 }), s1.path(), 1).unwrap();
    let b = run(spec(&TWELVE, 1, Shard { k: 2, n: 2 }), s2.path(), 1).unwrap();
    assert_eq!((a.points, b.points), (6, 6));
    // Shard 2 of 2 has the odd points.
    let odd = read(s2.path(), "sweep.csv");
    assert!(
        odd.lines()
            .skip(1)
            .all(|l| l.split(',').next().unwrap().parse::<usize>().unwrap() % 2 == 1)
    );
    let dirs = [s2.path().to_path_buf(), s1.path().to_path_buf()];
    assert_eq!(sweep::merge(&dirs, merged.path()).unwrap(), 12);
    for f in ["sweep.csv", "sweep_ci.csv", "manifest.json"] {
        assert_eq!(read(whole.path(), f), read(merged.path(), f), "{f}");
    }
    let alone = sweep::merge(&dirs[..1], &tmp().path().join("m")).unwrap_err();
    assert!(
        alone
            .to_string()
            .contains("6 of 12 points are missing: 0,2,4,6,8,10"),
        "{alone}"
    );
    // A shard twice is refused too.
    let twice = [
        s1.path().to_path_buf(),
        s1.path().to_path_buf(),
        s2.path().to_path_buf(),
    ];
    let e = sweep::merge(&twice, &tmp().path().join("m")).unwrap_err();
    assert!(e.to_string().contains("is in both"), "{e}");
    // And a folder of another sweep.
    let other = tmp();
    run(
        spec(
            &["load=0.5,0.8,1,1.2", "server.app.workers=4,5,9"],
            1,
            Shard { k: 2, n: 2 },
        ),
        other.path(),
        1,
    )
    .unwrap();
    let e = sweep::merge(
        &[s1.path().to_path_buf(), other.path().to_path_buf()],
        &tmp().path().join("m"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("of another sweep"), "{e}");
}

#[test]
fn a_rerun_resumes_without_duplicates() {
    let (full, cut) = (tmp(), tmp());
    run(spec(&TWELVE, 2, Shard::ALL), full.path(), 2).unwrap();
    run(spec(&TWELVE, 2, Shard::ALL), cut.path(), 2).unwrap();
    // As a sweep killed after some points: no sweep.csv yet, points 3, 4 and 9 not done.
    for f in ["sweep.csv", "sweep_ci.csv"] {
        std::fs::remove_file(cut.path().join(f)).unwrap();
    }
    for p in [3, 4, 9] {
        std::fs::remove_file(cut.path().join(format!("points/{p:06}.csv"))).unwrap();
    }
    let mut first = None;
    let resumed = sweep::prepare(spec(&TWELVE, 2, Shard::ALL))
        .unwrap()
        .run(cut.path(), 2, &Control::default(), |p| {
            first.get_or_insert(p.clone());
        })
        .unwrap();
    assert_eq!(resumed.resumed, 9);
    let first = first.unwrap();
    assert_eq!((first.done, first.total, first.point), (9, 12, None));
    for f in ["sweep.csv", "sweep_ci.csv", "manifest.json"] {
        assert_eq!(read(full.path(), f), read(cut.path(), f), "{f}");
    }
}

#[test]
fn a_folder_of_another_sweep_is_refused() {
    let out = tmp();
    run(spec(&["load=0.5,1"], 1, Shard::ALL), out.path(), 1).unwrap();
    let e = run(spec(&["load=0.5,2"], 1, Shard::ALL), out.path(), 1).unwrap_err();
    assert!(matches!(e, SweepError::Folder(_)), "{e}");
    assert!(e.to_string().contains("holds another sweep"), "{e}");
    // Nothing of the first was touched.
    assert!(
        read(out.path(), "sweep.csv")
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(1) != Some("2"))
    );
}

#[test]
fn a_bad_value_at_any_point_stops_the_sweep_before_it_runs() {
    let out = tmp();
    let e = run(
        spec(&["server.app.workers=4,0"], 1, Shard { k: 1, n: 2 }),
        out.path(),
        1,
    )
    .unwrap_err();
    // Point 1 belongs to the other shard, and is still checked.
    assert!(matches!(e, SweepError::Point { point: 1, .. }), "{e:?}");
    assert!(e.to_string().contains("--vary server.app.workers=0"), "{e}");
    assert!(!out.path().join("points").exists());
    let e = run(spec(&["server.app.wokers=4"], 1, Shard::ALL), out.path(), 1).unwrap_err();
    assert!(e.to_string().contains("did you mean \"workers\""), "{e}");
    let e = run(spec(&["load=1", "load=2"], 1, Shard::ALL), out.path(), 1).unwrap_err();
    assert!(e.to_string().contains("varied twice"), "{e}");
}

/// The half-width over N replications shrinks like t(0.975, N−1)/√N: from N = 16 to
/// N = 64 by 0.5 · t₆₃/t₁₅ = 0.5 · 1.998/2.131 = 0.469. The sample SDs themselves vary
/// (coefficient of variation ≈ 1/√(2(N−1)): 18% at 16, 9% at 64), so the ratio is checked
/// within ±35%: a half-width without the √N (ratio 0.94) or with N instead (0.23) fails.
#[test]
fn the_confidence_half_width_narrows_like_one_over_root_n() {
    let text = MMC.replace("horizon: \"2h\"", "horizon: \"1m\"");
    let loaded = choreo_sim::scenario::load("mmc.ron", &text).unwrap();
    let options = RunOptions {
        architectures: vec!["server".into()],
        ..Default::default()
    };
    let mut hw = Vec::new();
    for n in [16, 64] {
        let out = tmp();
        let reports = output::run_replications_into(
            &loaded.scenario,
            &options,
            out.path(),
            Files::default(),
            n,
            2,
        )
        .unwrap();
        assert_eq!(reports.len(), n as usize);
        let ci = read(out.path(), "summary_ci.csv");
        let row = ci
            .lines()
            .find(|l| l.starts_with("server,response_mean_ms,"))
            .unwrap();
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!(f[2], n.to_string());
        // The file's figures are those of the replications' own means.
        let means: Vec<f64> = reports
            .iter()
            .map(|r| r.architectures[0].metrics.response.mean_ms())
            .collect();
        let own = Ci::of(&means).unwrap();
        let (mean, sd, half) = (
            f[3].parse::<f64>().unwrap(),
            f[4].parse::<f64>().unwrap(),
            f[5].parse::<f64>().unwrap(),
        );
        assert!(
            (mean - own.mean).abs() < 2e-3 * own.mean,
            "{mean} vs {}",
            own.mean
        );
        assert!((sd - own.sd).abs() < 0.02 * own.sd, "{sd} vs {}", own.sd);
        // Erlang C: mean response 150.9 ms; over 1 min from empty the mean is lower (no
        // queue at the start), but within 15%.
        assert!((mean / 150.9 - 1.0).abs() < 0.15, "{mean}");
        hw.push(half);
        // The summary has one row per replication.
        let summary = read(out.path(), "summary.csv");
        assert_eq!(summary.lines().count(), 1 + n as usize);
        assert!(summary.starts_with("replication,scenario,architecture,seed,"));
    }
    let ratio = hw[1] / hw[0];
    let expected = 0.5 * 1.998 / 2.131;
    assert!(
        (ratio / expected - 1.0).abs() < 0.35,
        "half-widths {hw:?}: ratio {ratio}, expected {expected}"
    );
}

#[test]
fn replications_do_not_depend_on_the_jobs() {
    let loaded = choreo_sim::scenario::load("mmc.ron", &MMC.replace("\"2h\"", "\"1m\"")).unwrap();
    let dirs: Vec<PathBuf> = [1, 2]
        .iter()
        .map(|&jobs| {
            let out = tmp().keep();
            output::run_replications_into(
                &loaded.scenario,
                &RunOptions::default(),
                &out,
                Files::default(),
                5,
                jobs,
            )
            .unwrap();
            out
        })
        .collect();
    for f in [
        "summary.csv",
        "summary_ci.csv",
        "costs.csv",
        "timeseries.csv",
    ] {
        assert_eq!(read(&dirs[0], f), read(&dirs[1], f), "{f}");
    }
    // Replication 1 is the plain run.
    let plain = tmp();
    output::run_into(
        &loaded.scenario,
        &RunOptions::default(),
        plain.path(),
        Files::default(),
    )
    .unwrap();
    let first: Vec<String> = read(&dirs[0], "summary.csv")
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("1,"))
        .map(|l| l[2..].to_string())
        .collect();
    let plain_rows: Vec<String> = read(plain.path(), "summary.csv")
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    assert_eq!(first, plain_rows);
    for d in dirs {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn a_varied_seed_has_a_column_of_its_own_name() {
    let out = tmp();
    run(spec(&["seed=3,4"], 2, Shard::ALL), out.path(), 2).unwrap();
    let csv = read(out.path(), "sweep.csv");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(
        &header[..4],
        ["point", "vary:seed", "replication", "scenario"]
    );
    assert_eq!(header.iter().filter(|h| **h == "seed").count(), 1);
    // Point 1, replication 2 runs with the second replication's seed of seed 4.
    let row = csv.lines().find(|l| l.starts_with("1,4,2,")).unwrap();
    assert_eq!(
        row.split(',').nth(5),
        Some(batch::replication_seed(4, 2).to_string().as_str()),
        "{row}"
    );
}
