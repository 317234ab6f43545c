//! Every ```ron block of docs/scenarios.md is checked, so that no example can go untested:
//!
//! - a complete scenario (`Scenario(...)`) must load (warnings allowed);
//! - a fragment (a component, a source, a field such as `work: [...]`) must parse as RON of
//!   its kind, and is then wrapped in a small scenario ([`WRAPPERS`], or generically for
//!   sources) that must load;
//! - an example meant to be invalid is marked `<!-- invalid: MESSAGE -->` on the line before
//!   its fence: it must fail to load, with an error containing MESSAGE; when the docs print
//!   the `$ choreo validate FILE` output after it, every line must be what `load` reports;
//! - an example naming a trace file the repository does not hold (one the user brings) is
//!   marked `<!-- missing trace: FILE -->`: it must fail with `cannot read trace "FILE"`,
//!   resolved relative to the scenario's folder (`scenarios/`), and with no other error;
//!   `<!-- missing samples: FILE -->` the same for an `Empirical` distribution's samples
//!   file (`cannot read samples "FILE"`);
//! - a fragment marked `<!-- fragment -->` is only parsed.
//!
//! A fragment that is neither wrapped nor marked fails the test.

#[path = "support/scenario.rs"]
mod support;

use choreo_sim::scenario::{self, Diagnostic, raw};
use support::docs_example;

/// The file the examples are loaded as: the docs resolve relative trace files against the
/// folder of the scenario file, and their messages show it in `scenarios/`
/// (`cannot read trace "traces/requests.csv": scenarios/traces/requests.csv (...)`).
const SCENARIO_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/docs-example.ron");

/// One ```ron block of the docs.
struct Block {
    /// 1-based line of its opening fence.
    line: usize,
    /// The HTML comments on the lines right before the fence.
    markers: Vec<String>,
    /// Its text.
    text: String,
    /// A `$ choreo validate FILE` block right after it: FILE and the lines printed.
    output: Option<(String, Vec<String>)>,
}

fn docs() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/scenarios.md"),
    )
    .expect("docs/scenarios.md")
}

fn blocks(docs: &str) -> Vec<Block> {
    let lines: Vec<&str> = docs.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] != "```ron" {
            i += 1;
            continue;
        }
        let line = i + 1;
        let mut markers = Vec::new();
        let mut m = i;
        while m > 0 {
            let l = lines[m - 1].trim();
            match l.strip_prefix("<!--").and_then(|l| l.strip_suffix("-->")) {
                Some(marker) => markers.insert(0, marker.trim().to_string()),
                None => break,
            }
            m -= 1;
        }
        let mut text = String::new();
        i += 1;
        while i < lines.len() && !lines[i].starts_with("```") {
            text.push_str(lines[i]);
            text.push('\n');
            i += 1;
        }
        i += 1; // the closing fence
        let mut next = i;
        while next < lines.len() && lines[next].trim().is_empty() {
            next += 1;
        }
        let output = (lines.get(next) == Some(&"```"))
            .then(|| lines.get(next + 1))
            .flatten()
            .and_then(|l| l.strip_prefix("$ choreo validate "))
            .map(|file| {
                let printed = lines[next + 2..]
                    .iter()
                    .take_while(|l| !l.starts_with("```"))
                    .map(|l| l.to_string())
                    .collect();
                (file.to_string(), printed)
            });
        blocks.push(Block {
            line,
            markers,
            text,
            output,
        });
    }
    blocks
}

/// The top-level items of a fragment: split at commas and line ends outside brackets and
/// strings (`Source(...)\nSource(...)` is two items, `work: [\n...\n],` one).
fn items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut item = String::new();
    let (mut depth, mut in_str, mut escaped) = (0i32, false, false);
    let mut chars = text.chars().peekable();
    let mut push = |item: &mut String| {
        if !item.trim().is_empty() {
            items.push(item.trim().to_string());
        }
        item.clear();
    };
    while let Some(c) = chars.next() {
        if in_str {
            item.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                item.push(c);
            }
            '/' if chars.peek() == Some(&'/') => while chars.next_if(|&n| n != '\n').is_some() {},
            '(' | '[' | '{' => {
                depth += 1;
                item.push(c);
            }
            ')' | ']' | '}' => {
                depth -= 1;
                item.push(c);
            }
            ',' | '\n' if depth == 0 => push(&mut item),
            _ => item.push(c),
        }
    }
    push(&mut item);
    items
}

/// Parses a fragment as RON of its kind: a source, an architecture, a component, a fault,
/// or a `field: value` of a scenario, an architecture or a function.
fn parse_fragment(item: &str) -> Result<(), String> {
    fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<(), String> {
        ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str::<T>(text)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    let head: String = item
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let rest = item[head.len()..].trim_start();
    if let Some(value) = rest.strip_prefix(':') {
        return match head.as_str() {
            "prices" => parse::<raw::RawPrices>(value),
            "workload" => parse::<Vec<raw::RawSource>>(value),
            "architectures" => parse::<Vec<raw::RawArchitecture>>(value),
            "faults" => parse::<Vec<raw::RawFault>>(value),
            "components" => parse::<Vec<raw::RawComponent>>(value),
            "work" => parse::<Vec<raw::RawStep>>(value),
            _ => Err(format!("a fragment of unknown kind: field `{head}`")),
        };
    }
    match head.as_str() {
        "Source" => parse::<raw::RawSource>(item),
        "Architecture" => parse::<raw::RawArchitecture>(item),
        "Fault" => parse::<raw::RawFault>(item),
        "Server" | "Function" | "Gateway" | "Queue" | "Topic" | "Storage" | "Database"
        | "External" | "Orchestrator" => parse::<raw::RawComponent>(item),
        _ => Err(format!("a fragment of unknown kind: `{head}`")),
    }
}

/// A scenario with one architecture named "a", entered at `entry`, one Poisson source per
/// kind.
fn one_arch(kinds: &[&str], entry: &str, components: &str) -> String {
    format!(
        "Scenario(name: \"docs\", horizon: \"1h\", workload: [{}],\n\
         architectures: [Architecture(name: \"a\", entry: {entry:?}, components: [\n{components}])])",
        sources(kinds)
    )
}

fn sources(kinds: &[&str]) -> String {
    kinds
        .iter()
        .map(|k| format!("Source(kind: {k:?}, arrivals: Poisson(per_second: 1.0))"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `scenario` (a whole scenario's text) with `field` added as its last field.
fn with_field(scenario: &str, field: &str) -> String {
    let body = scenario
        .trim_end()
        .strip_suffix(')')
        .expect("a scenario ends with `)`");
    format!("{body}    {field},\n)\n")
}

/// The minimal example of the introduction with `field` added after `architectures`, as
/// the docs' faults example says (its line numbers depend on it).
fn minimal_with(field: &str) -> String {
    with_field(&docs_example("Scenario(\n    name: \"Minimal\"").0, field)
}

/// A block's start and the scenario made of its items.
type Wrapper = (&'static str, fn(&str) -> String);

/// How each fragment is made a scenario: the start of the block (whitespace runs read as
/// one space) and the scenario built around its items, joined by commas. Each must be used
/// by exactly one block. Blocks of `Source(...)` items need none (see `sources_scenario`).
const WRAPPERS: &[Wrapper] = &[
    ("prices: Prices(", minimal_with),
    ("workload: [", |b| {
        format!(
            r#"Scenario(name: "docs", horizon: "1h", {b},
  architectures: [Architecture(name: "a", entry: "app", components: [
    Server(name: "app", handlers: {{"upload": [], "browse": []}})])])"#
        )
    }),
    ("Architecture( name: \"serverless\",", |b| {
        format!(
            r#"Scenario(name: "docs", horizon: "1h", workload: [{}], architectures: [{b}])"#,
            sources(&["upload"])
        )
    }),
    ("Server( name: \"app\", instances: 2, workers: 64,", |b| {
        one_arch(
            &["upload", "browse"],
            "app",
            &format!(
                r#"{b}, Storage(name: "files"), External(name: "vision", latency: "400ms"),
                    Database(name: "db", latency: "3ms")"#
            ),
        )
    }),
    ("Server( name: \"app\", instances: 2, workers: 4,", |b| {
        one_arch(&["req"], "app", b)
    }),
    ("Function( name: \"resize-fn\",", |b| {
        one_arch(
            &["hit"],
            "resize-fn",
            &format!(r#"{b}, Storage(name: "photos"), Storage(name: "thumbnails")"#),
        )
    }),
    ("Function(name: \"report\",", |b| {
        one_arch(&["job"], "report", b)
    }),
    ("Gateway(name: \"api\",", |b| {
        one_arch(
            &["upload", "browse"],
            "api",
            &format!(
                r#"{b}, Function(name: "upload-fn", work: [Compute("30ms")]),
                Function(name: "browse-fn", work: [Compute("10ms")])"#
            ),
        )
    }),
    ("Queue(name: \"tag-queue\",", |b| {
        one_arch(
            &["hit"],
            "producer",
            &format!(
                r#"Function(name: "producer", work: [Emit("tag-queue")]), {b},
                Function(name: "tag-fn", work: [Compute("10ms")])"#
            ),
        )
    }),
    ("Topic(name: \"photo-uploaded\",", |b| {
        one_arch(
            &["hit"],
            "fn",
            &format!(
                r#"Function(name: "fn", work: [Emit("photo-uploaded")]), {b},
                Function(name: "resize-fn", work: [Compute("10ms")]),
                Queue(name: "tag-queue", consumer: "tag-fn"),
                Function(name: "tag-fn", work: [Compute("10ms")])"#
            ),
        )
    }),
    ("Storage(name: \"photos\",", |b| {
        one_arch(
            &["hit"],
            "fn",
            &format!(
                r#"Function(name: "fn", work: [Put("photos")]), {b},
                Topic(name: "photo-uploaded", subscribers: ["resize-fn"]),
                Function(name: "resize-fn", work: [Get("photos")])"#
            ),
        )
    }),
    ("Database(name: \"db\",", |b| {
        one_arch(
            &["hit"],
            "fn",
            &format!(r#"Function(name: "fn", work: [Read("db"), Write("db")]), {b}"#),
        )
    }),
    ("External(name: \"vision\",", |b| {
        one_arch(
            &["hit"],
            "fn",
            &format!(r#"Function(name: "fn", work: [Call("vision")]), {b}"#),
        )
    }),
    ("Orchestrator( name: \"flow\",", |b| {
        one_arch(
            &["order"],
            "flow",
            &format!(
                r#"{b}, Function(name: "validate", work: [Compute("50ms")]),
                Function(name: "report", work: [Compute("5ms")]),
                Function(name: "review", work: [Compute("2s")]),
                Function(name: "resize", work: [Compute("300ms")]),
                Function(name: "tag", work: [Compute("100ms")]),
                Function(name: "index", work: [Compute("100ms")])"#
            ),
        )
    }),
    ("work: [", |b| {
        one_arch(
            &["hit"],
            "fn",
            &format!(
                r#"Function(name: "fn", {b}),
                External(name: "vision", latency: "400ms"),
                Database(name: "db", latency: "3ms"),
                Storage(name: "photos"), Storage(name: "thumbnails"),
                Topic(name: "photo-uploaded", subscribers: ["archive-fn"]),
                Queue(name: "archive-queue", consumer: "archive-fn"),
                Function(name: "archive-fn", work: [Compute("10ms")])"#
            ),
        )
    }),
    ("Function( name: \"tag-fn\",", |b| {
        one_arch(
            &["hit"],
            "tag-fn",
            &format!(
                r#"{b}, External(name: "vision", latency: "400ms"),
                Database(name: "db", latency: "3ms")"#
            ),
        )
    }),
    // "These fit `scenarios/photo-sharing.ron`".
    ("faults: [ Fault(target: \"vision\",", |b| {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/photo-sharing.ron");
        with_field(
            &std::fs::read_to_string(path).expect("photo-sharing.ron"),
            b,
        )
    }),
    // "the minimal example of the introduction with this list added after `architectures`".
    ("faults: [ Fault(target: \"ap\",", minimal_with),
];

/// A block of sources: one scenario with all of them and a server handling their kinds.
fn sources_scenario(items: &[String]) -> Result<String, String> {
    let opts =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let mut kinds = Vec::new();
    for item in items {
        let source: raw::RawSource = opts.from_str(item).map_err(|e| e.to_string())?;
        if !kinds.contains(&source.kind) {
            kinds.push(source.kind);
        }
    }
    let handlers: Vec<String> = kinds.iter().map(|k| format!("{k:?}: []")).collect();
    Ok(format!(
        "Scenario(name: \"docs\", horizon: \"1h\", workload: [\n{}],\n\
         architectures: [Architecture(name: \"a\", entry: \"app\", components: [\n\
         Server(name: \"app\", handlers: {{{}}})])])",
        items.join(",\n"),
        handlers.join(", ")
    ))
}

/// What the docs want of a block, from its markers.
#[derive(Default)]
struct Expect {
    invalid: Vec<String>,
    /// Files the example names but the repository does not hold: (what the error calls
    /// it, `trace` or `samples`; the file).
    missing_traces: Vec<(&'static str, String)>,
    fragment: bool,
}

fn expect(markers: &[String]) -> Result<Expect, String> {
    let mut e = Expect::default();
    for m in markers {
        if let Some(msg) = m.strip_prefix("invalid:") {
            e.invalid.push(msg.trim().to_string());
        } else if let Some(file) = m.strip_prefix("missing trace:") {
            e.missing_traces.push(("trace", file.trim().to_string()));
        } else if let Some(file) = m.strip_prefix("missing samples:") {
            e.missing_traces.push(("samples", file.trim().to_string()));
        } else if m == "fragment" {
            e.fragment = true;
        } else {
            return Err(format!("unknown marker <!-- {m} -->"));
        }
    }
    if e.fragment && !(e.invalid.is_empty() && e.missing_traces.is_empty()) {
        return Err("a `fragment` is only parsed: it cannot also be invalid".into());
    }
    Ok(e)
}

/// The lines `choreo validate` prints for these diagnostics, found in `text`: each one's
/// line, then the source line with the span underlined and the hint.
fn printed(file: &str, text: &str, diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .flat_map(|d| {
            let shown = Diagnostic {
                file: file.to_string(),
                ..d.clone()
            }
            .render(text, false);
            shown.lines().map(str::to_string).collect::<Vec<_>>()
        })
        .collect()
}

/// Compares what `load` reports with a `$ choreo validate` output shown in the docs.
fn check_output(
    text: &str,
    output: &Option<(String, Vec<String>)>,
    diagnostics: &[Diagnostic],
    valid: bool,
) -> Result<(), String> {
    let Some((file, shown)) = output else {
        return Ok(());
    };
    let last = if valid {
        format!("{file}: ok")
    } else {
        "1 of 1 scenario(s) invalid".to_string()
    };
    let mut got = printed(file, text, diagnostics);
    got.push(last);
    if &got != shown {
        return Err(format!(
            "the docs show `choreo validate {file}` printing\n  {}\nbut it prints\n  {}",
            shown.join("\n  "),
            got.join("\n  ")
        ));
    }
    Ok(())
}

/// Loads `text` and checks it against what the block's markers say.
fn check_load(
    text: &str,
    e: &Expect,
    output: &Option<(String, Vec<String>)>,
) -> Result<(), String> {
    match scenario::load(SCENARIO_FILE, text) {
        Ok(loaded) => {
            if !e.invalid.is_empty() || !e.missing_traces.is_empty() {
                return Err("marked invalid, but it loads".into());
            }
            check_output(text, output, &loaded.warnings, true)
        }
        Err(err) => {
            let d = &err.diagnostics;
            let all = || printed("FILE", text, d).join("\n  ");
            if e.invalid.is_empty() && e.missing_traces.is_empty() {
                return Err(format!("does not load:\n  {}", all()));
            }
            for msg in &e.invalid {
                if !d.iter().any(|d| d.message.contains(msg.as_str())) {
                    return Err(format!("no error says {msg:?}; the errors:\n  {}", all()));
                }
            }
            if e.invalid.is_empty() {
                // Only the missing trace files may be wrong, and each must be reported,
                // resolved relative to the scenario's folder.
                let missing = |d: &Diagnostic| {
                    e.missing_traces.iter().any(|(what, f)| {
                        d.message
                            .starts_with(&format!("cannot read {what} {f:?}: "))
                            && d.message.contains(&format!("scenarios/{f} ("))
                    })
                };
                if let Some(other) = d.iter().find(|d| !missing(d)) {
                    return Err(format!("an error besides the missing trace: {other}"));
                }
                for (_, f) in &e.missing_traces {
                    if !d.iter().any(|d| d.message.contains(&format!("{f:?}"))) {
                        return Err(format!("marked missing, but {f:?} is not reported"));
                    }
                }
            }
            check_output(text, output, d, false)
        }
    }
}

#[derive(Default, Debug)]
struct Tally {
    scenarios: usize,
    invalid_scenarios: usize,
    wrapped: usize,
    wrapped_invalid: usize,
    wrapped_missing_trace: usize,
    parsed_only: usize,
}

/// Checks one block; returns how it was covered.
fn check(block: &Block, used: &mut [usize], tally: &mut Tally) -> Result<(), String> {
    let e = expect(&block.markers)?;
    if block.text.trim_start().starts_with("Scenario(") {
        if e.fragment {
            return Err("a complete scenario cannot be a mere fragment".into());
        }
        check_load(&block.text, &e, &block.output)?;
        if e.invalid.is_empty() && e.missing_traces.is_empty() {
            tally.scenarios += 1;
        } else {
            tally.invalid_scenarios += 1;
        }
        return Ok(());
    }
    let items = items(&block.text);
    for item in &items {
        parse_fragment(item).map_err(|err| format!("fragment {item:?} does not parse: {err}"))?;
    }
    if e.fragment {
        tally.parsed_only += 1;
        return Ok(());
    }
    let flat = block.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let matching: Vec<usize> = (0..WRAPPERS.len())
        .filter(|&w| flat.starts_with(WRAPPERS[w].0))
        .collect();
    let text = match matching[..] {
        [w] => {
            used[w] += 1;
            (WRAPPERS[w].1)(&items.join(",\n"))
        }
        [] if items.iter().all(|i| i.starts_with("Source(")) => sources_scenario(&items)?,
        [] => {
            return Err(
                "a fragment with no wrapper: add one to WRAPPERS in sim/tests/docs.rs, or \
                 mark it <!-- fragment --> to have it only parsed"
                    .into(),
            );
        }
        _ => return Err("several wrappers match it".into()),
    };
    check_load(&text, &e, &block.output).map_err(|err| format!("{err}\nwrapped as:\n{text}"))?;
    if !e.invalid.is_empty() {
        tally.wrapped_invalid += 1;
    } else if !e.missing_traces.is_empty() {
        tally.wrapped_missing_trace += 1;
    } else {
        tally.wrapped += 1;
    }
    Ok(())
}

#[test]
fn every_ron_block_of_the_docs_is_checked() {
    let docs = docs();
    let blocks = blocks(&docs);
    assert_eq!(
        blocks.len(),
        docs.matches("```ron").count(),
        "a ```ron fence not alone on its line would escape the test"
    );
    let mut used = vec![0; WRAPPERS.len()];
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for block in &blocks {
        if let Err(err) = check(block, &mut used, &mut tally) {
            failures.push(format!("docs/scenarios.md:{}: {err}", block.line));
        }
    }
    for (w, n) in used.iter().enumerate() {
        if *n != 1 {
            failures.push(format!(
                "the wrapper {:?} is used by {n} blocks, not 1",
                WRAPPERS[w].0
            ));
        }
    }
    eprintln!("{} blocks: {tally:?}", blocks.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn a_fragment_is_parsed_as_its_kind() {
    assert_eq!(
        items(
            "Source(kind: \"a, b\", arrivals: Poisson(per_second: 1.0))\nSource(kind: \"c\",\n  arrivals: Constant(per_second: 2.0)),\n"
        ),
        [
            "Source(kind: \"a, b\", arrivals: Poisson(per_second: 1.0))",
            "Source(kind: \"c\",\n  arrivals: Constant(per_second: 2.0))"
        ]
    );
    assert!(parse_fragment(r#"Function(name: "f", work: [Compute("1ms")])"#).is_ok());
    assert!(parse_fragment(r#"work: [Compute("1ms"), Emit("q")]"#).is_ok());
    assert!(parse_fragment(r#"Function(name: "f", wrok: [])"#).is_err());
    assert!(parse_fragment(r#"work: [Compute("1ms"), Emitt("q")]"#).is_err());
    assert!(parse_fragment(r#"Source(kind: "x", arrivals: Poison(per_second: 1.0))"#).is_err());
    assert!(parse_fragment(r#"Widget(name: "w")"#).is_err());
    assert!(expect(&["invalid : x".to_string()]).is_err());
}
