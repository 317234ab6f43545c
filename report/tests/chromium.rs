//! index.html opened in headless Chromium (Debian's `chromium`): every chart image loads,
//! at its SVG's width. Chromium is required: without it the test fails, unless
//! `CHOREO_SKIP_CHROMIUM=1` says to skip it (`.ci/run` installs it).

#[path = "support/fixtures.rs"]
mod fixtures;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fixtures::{Row, Svg, run_folder, sweep_folder};

/// The browser: the first of Debian's and other usual names on PATH.
fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// A script that, once the page has loaded, writes how many images loaded and their
/// natural widths into the page, for `--dump-dom` to show.
const CHECK: &str = "<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  var out = document.createElement('pre');
  out.id = 'img-check';
  out.textContent = 'loaded ' + ok.length + ' of ' + imgs.length + ' widths ' +
    imgs.map(function (i) { return i.naturalWidth; }).join(',') + ' end';
  document.body.appendChild(out);
});
</script>
";

/// Opens `page` with `extra` HTML added before `</body>` in headless Chromium and returns
/// what the check script wrote: (images loaded, images, natural widths).
fn check(browser: &Path, page: &Path, extra: &str) -> (usize, usize, Vec<u32>) {
    let html = std::fs::read_to_string(page).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("check.html");
    let body = html.rfind("</body>").expect("a body");
    std::fs::write(
        &copy,
        format!("{}{extra}{CHECK}{}", &html[..body], &html[body..]),
    )
    .unwrap();
    let profile = tmp.path().join("profile");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", copy.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let dom = reader.join().unwrap();
    let line = dom
        .split("<pre id=\"img-check\">")
        .nth(1)
        .and_then(|s| s.split(" end").next())
        .unwrap_or_else(|| panic!("the check did not run: {}", &dom[..dom.len().min(2000)]));
    let words: Vec<&str> = line.split_whitespace().collect();
    // "loaded N of M widths W1,W2,..."
    let widths = words
        .get(5)
        .map(|w| w.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_default();
    (words[1].parse().unwrap(), words[3].parse().unwrap(), widths)
}

fn browser_or_skip() -> Option<PathBuf> {
    match browser() {
        Some(b) => Some(b),
        None if std::env::var("CHOREO_SKIP_CHROMIUM").as_deref() == Ok("1") => {
            eprintln!("chromium not found; skipped (CHOREO_SKIP_CHROMIUM=1)");
            None
        }
        None => panic!(
            "chromium not found on PATH: install Debian's chromium (apt-get install \
             chromium; .ci/run does) or set CHOREO_SKIP_CHROMIUM=1 to skip this test"
        ),
    }
}

/// Asserts every chart of the report of `dir` loads in the browser at its SVG's width.
fn assert_every_chart_loads(browser: &Path, dir: &Path) {
    let summary = choreo_report::write_report(dir).unwrap();
    assert!(!summary.charts.is_empty());
    let (loaded, images, widths) = check(browser, &summary.index, "");
    assert_eq!(images, summary.charts.len());
    assert_eq!(loaded, images, "images that did not load");
    let want: Vec<u32> = summary
        .charts
        .iter()
        .map(|c| Svg::read(c).width as u32)
        .collect();
    assert_eq!(widths, want);
}

#[test]
fn every_chart_of_a_run_report_loads_in_headless_chromium() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    run_folder(dir.path(), "photo-sharing", 120);
    assert_every_chart_loads(&browser, dir.path());
}

#[test]
fn every_chart_of_a_sweep_report_loads_in_headless_chromium_and_a_broken_one_does_not() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let loads = ["1", "2", "4"];
    let memories = ["128", "256"];
    let mut rows = Vec::new();
    let mut point = 0;
    for load in loads {
        for memory in memories {
            for (arch, cost) in [("a", 1.0), ("b", load.parse::<f64>().unwrap() / 2.0)] {
                rows.push(Row {
                    point,
                    values: vec![load, memory],
                    replication: 1,
                    architecture: arch,
                    set: vec![("cost_usd", cost.to_string())],
                });
            }
            point += 1;
        }
    }
    sweep_folder(
        dir.path(),
        &[("load", &loads), ("memory", &memories)],
        1,
        &rows,
        None,
    );
    assert_every_chart_loads(&browser, dir.path());
    // The check can fail: an image whose data is not an image does not load.
    let index = dir.path().join("report/index.html");
    let (loaded, images, _) = check(
        &browser,
        &index,
        "<img alt=\"broken\" src=\"data:image/svg+xml;base64,bm90IGFuIHN2Zw==\">",
    );
    assert_eq!(images, loaded + 1);
}
