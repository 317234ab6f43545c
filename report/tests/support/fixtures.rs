//! Helpers shared by the report's tests (included with `#[path]`; not a test crate): real
//! run folders, hand-made sweep folders in `choreo sweep`'s format, and readers of the SVG
//! and HTML written.

#![allow(dead_code)] // each test file uses some of these

use std::path::Path;

use choreo_sim::engine::NS_PER_S;
use choreo_sim::output::{self, Files};
use choreo_sim::report::summary_header;
use choreo_sim::run::RunOptions;

/// Runs bundled scenario `name` for `horizon_s` into `dir`, as `choreo run --out` does.
pub fn run_folder(dir: &Path, name: &str, horizon_s: u64) {
    let loaded = choreo_sim::bundled::load(name)
        .expect("a bundled scenario")
        .expect("valid");
    let mut s = loaded.scenario;
    s.horizon = horizon_s * NS_PER_S;
    output::run_into(&s, &RunOptions::default(), dir, Files::default()).expect("the run");
}

/// One hand-made sweep row: its point, parameter values, replication, architecture and
/// the summary columns it sets (every other is 0, `scenario` "fixture", `horizon_s` 3600).
pub struct Row<'a> {
    pub point: usize,
    pub values: Vec<&'a str>,
    pub replication: u32,
    pub architecture: &'a str,
    pub set: Vec<(&'a str, String)>,
}

/// A row of sweep_ci.csv: point, parameter values, architecture, metric, mean, half-width
/// (the SD written is half the half-width).
pub type CiRow<'a> = (usize, Vec<&'a str>, &'a str, &'a str, f64, f64);

/// Writes a sweep folder as `choreo sweep` does: manifest.json (`vary`: the paths and
/// their values), sweep.csv (`point`, a column per path — `vary:seed` for `seed` —,
/// `replication`, the summary columns) and, when `ci` is given, sweep_ci.csv (`point`, the
/// paths, `architecture,metric,n,mean,sd,ci95_half_width`).
pub fn sweep_folder(
    dir: &Path,
    vary: &[(&str, &[&str])],
    replications: u32,
    rows: &[Row],
    ci: Option<&[CiRow]>,
) {
    let points = rows.iter().map(|r| r.point).max().map_or(0, |p| p + 1);
    let vary_json: Vec<String> = vary
        .iter()
        .map(|(p, vs)| {
            let values: Vec<String> = vs.iter().map(|v| format!("\"{v}\"")).collect();
            format!("{{\"path\": \"{p}\", \"values\": [{}]}}", values.join(", "))
        })
        .collect();
    let manifest = format!(
        "{{\"choreo\": \"0.1.0\", \"sweep_id\": \"00\", \"scenario\": \"fixture\", \
         \"scenario_sha256\": \"ab\", \"set\": [], \"vary\": [{}], \"replications\": {replications}, \
         \"seed\": 1, \"architectures\": [], \"shard\": {{\"k\": 1, \"n\": 1}}, \
         \"points\": {points}, \"done\": \"0-{}\"}}",
        vary_json.join(", "),
        points.saturating_sub(1)
    );
    std::fs::write(dir.join("manifest.json"), manifest).unwrap();
    let heads: Vec<String> = vary
        .iter()
        .map(|(p, _)| {
            if *p == "seed" {
                "vary:seed".to_string()
            } else {
                p.to_string()
            }
        })
        .collect();
    let summary = summary_header();
    let mut text = format!(
        "point,{},replication,{}\n",
        heads.join(","),
        summary.join(",")
    );
    for r in rows {
        let cells: Vec<String> = summary
            .iter()
            .map(|c| {
                if let Some((_, v)) = r.set.iter().find(|(n, _)| n == c) {
                    return v.clone();
                }
                match *c {
                    "scenario" => "fixture".to_string(),
                    "architecture" => r.architecture.to_string(),
                    "seed" => r.replication.to_string(),
                    "horizon_s" | "simulated_s" => "3600.000".to_string(),
                    "recovery_s" | "cold_start_ratio" => String::new(),
                    _ => "0".to_string(),
                }
            })
            .collect();
        text.push_str(&format!(
            "{},{},{},{}\n",
            r.point,
            r.values.join(","),
            r.replication,
            cells.join(",")
        ));
    }
    std::fs::write(dir.join("sweep.csv"), text).unwrap();
    if let Some(ci) = ci {
        let mut text = format!(
            "point,{},architecture,metric,n,mean,sd,ci95_half_width\n",
            heads.join(",")
        );
        for (point, values, arch, metric, mean, hw) in ci {
            text.push_str(&format!(
                "{point},{},{arch},{metric},{replications},{mean},{},{hw}\n",
                values.join(","),
                hw / 2.0
            ));
        }
        std::fs::write(dir.join("sweep_ci.csv"), text).unwrap();
    }
}

/// What a chart holds: its data lines (non-black `<polyline>`s) by stroke colour, bands
/// (`<polygon>`s), circles of radius 6 (break-even markers), and every text.
#[derive(Debug)]
pub struct Svg {
    pub lines: Vec<String>,
    pub bands: usize,
    pub markers: usize,
    pub texts: Vec<String>,
    pub width: f64,
    pub height: f64,
}

impl Svg {
    /// Parses `path` as XML (it must be well-formed SVG) and collects its parts.
    pub fn read(path: &Path) -> Svg {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        assert!(!text.is_empty(), "{path:?} is empty");
        let doc = roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{path:?} is not well-formed XML: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{path:?}");
        let size = |a: &str| {
            root.attribute(a)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        let mut svg = Svg {
            lines: Vec::new(),
            bands: 0,
            markers: 0,
            texts: Vec::new(),
            width: size("width"),
            height: size("height"),
        };
        for n in doc.descendants().filter(|n| n.is_element()) {
            match n.tag_name().name() {
                "polyline" => {
                    let stroke = n.attribute("stroke").unwrap_or("").to_uppercase();
                    if stroke != "#000000" {
                        svg.lines.push(stroke);
                    }
                }
                "polygon" => svg.bands += 1,
                "circle" if n.attribute("r") == Some("6") => svg.markers += 1,
                "text" => svg.texts.push(n.text().unwrap_or("").trim().to_string()),
                _ => {}
            }
        }
        svg
    }

    /// The number of distinct line colours: one per series.
    pub fn series(&self) -> usize {
        let mut c = self.lines.clone();
        c.sort();
        c.dedup();
        c.len()
    }

    pub fn has_text(&self, t: &str) -> bool {
        self.texts.iter().any(|x| x == t)
    }
}

/// The cells of the `<table id="ID">` in `html`, row by row (header row first), unescaped.
pub fn html_table(html: &str, id: &str) -> Vec<Vec<String>> {
    let open = format!("<table id=\"{id}\">");
    let start = html.find(&open).unwrap_or_else(|| panic!("no table {id}")) + open.len();
    let end = start + html[start..].find("</table>").expect("table closed");
    html[start..end]
        .split("<tr>")
        .skip(1)
        .map(|row| {
            let row = &row[..row.find("</tr>").expect("row closed")];
            let mut cells = Vec::new();
            let mut rest = row;
            while let Some(i) = rest.find("<t") {
                let after = &rest[i..];
                let gt = after.find('>').unwrap();
                let tag = &after[1..3];
                let close = format!("</{tag}>");
                let body_end = after.find(&close).unwrap();
                cells.push(unescape(&after[gt + 1..body_end]));
                rest = &after[body_end + close.len()..];
            }
            cells
        })
        .collect()
}

pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A CSV file's rows (header first), split on commas (choreo's files quote nothing).
pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}
