//! Scenario validation: every error at once, each with the right file, line, column and path.

use choreo_sim::scenario::{self, Diagnostic, Severity};

fn errors(text: &str) -> Vec<String> {
    match scenario::load("s.ron", text) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.diagnostics.iter().map(Diagnostic::to_string).collect(),
    }
}

const BROKEN: &str = r#"// A scenario with one mistake of each kind.
Scenario(
    name: "broken",
    horizon: "1 fortnight",
    workload: [
        Source(kind: "upload", arrivals: Poisson(per_second: -2.0)),
        Source(kind: "browse", arrivals: Poisson(per_second: 10.0)),
    ],
    architectures: [
        Architecture(name: "a", entry: "ap", components: [
            Server(name: "app", workers: 0, handlers: {
                "upload": [Call("dbb"), Compute("5 parsecs")],
                "brwse": [Call("db")],
            }),
            Database(name: "db", latency: "3ms"),
        ]),
        Architecture(name: "b", entry: "f1", components: [
            Function(name: "f1", work: [Call("f2")]),
            Function(name: "f2", work: [Call("f1")]),
            Function(name: "orphan", work: [Compute("1ms")]),
            Queue(name: "q", consumer: "f1", batch: 0),
        ]),
    ],
)
"#;

#[test]
fn every_semantic_error_is_reported_at_once_with_line_column_and_path() {
    // Positions counted by hand: line numbers from 1, columns from 1 at the value's start.
    let expected = [
        r#"s.ron:4:14: horizon: unknown unit "fortnight" in duration "1 fortnight" (use ns, us, ms, s, m, h or d)"#,
        "s.ron:6:62: workload[0].arrivals.per_second: rate must be greater than zero, found -2",
        r#"s.ron:10:40: architectures[0].entry: no component named "ap" in this architecture (did you mean "app"?)"#,
        "s.ron:11:42: architectures[0].components[0].workers: must be at least 1",
        r#"s.ron:12:28: architectures[0].components[0].handlers.upload[0]: no component named "dbb" in this architecture (did you mean "db"?)"#,
        r#"s.ron:12:41: architectures[0].components[0].handlers.upload[1]: unknown unit "parsecs" in duration "5 parsecs" (use ns, us, ms, s, m, h or d)"#,
        r#"s.ron:13:17: architectures[0].components[0].handlers.brwse: "brwse" is not a transaction kind of the workload (did you mean "browse"?)"#,
        r#"s.ron:13:27: architectures[0].components[0].handlers.brwse[0]: "db" is a database, but a function, server, gateway, orchestrator or external service is needed here: use Read("db") or Write("db")"#,
        "s.ron:18:13: architectures[1].components[0]: synchronous calls form a cycle (f1 → f2 → f1): each would wait on itself forever",
        r#"s.ron:20:13: architectures[1].components[2]: function "orphan" has no trigger: nothing calls, routes to, emits to or subscribes it"#,
        "s.ron:21:53: architectures[1].components[3].batch: must be at least 1",
    ];
    assert_eq!(errors(BROKEN), expected);
}

#[test]
fn unknown_field_points_at_the_field_name() {
    let text = "Scenario(\n    name: \"x\",\n    horizon: \"1h\",\n    workload: [Source(kind: \"a\", arrivals: Poisson(per_second: 1.0))],\n    architectures: [Architecture(name: \"a\", entry: \"f\", components: [\n        Function(name: \"f\", memroy_mb: 256, work: []),\n    ])],\n)\n";
    let e = errors(text);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("s.ron:6:29: architectures[0].components[0].memroy_mb: Unexpected field named `memroy_mb`"),
        "{}",
        e[0]
    );
    assert!(
        e[0].contains("`memory_mb`"),
        "the message lists the expected fields: {}",
        e[0]
    );
}

#[test]
fn type_and_syntax_errors_carry_position_and_path() {
    let wrong_type = "Scenario(\n    name: \"x\",\n    horizon: \"1h\",\n    workload: [Source(kind: \"a\", arrivals: Poisson(per_second: \"fast\"))],\n    architectures: [],\n)";
    assert_eq!(
        errors(wrong_type),
        ["s.ron:4:63: workload[0].arrivals.per_second: Expected float"]
    );

    let missing_comma = "Scenario(\n    name: \"x\",\n    horizon: \"1h\"\n    workload: [],\n    architectures: [],\n)";
    assert_eq!(
        errors(missing_comma),
        ["s.ron:4:5: workload: Expected comma"]
    );

    let bad_variant = "Scenario(name: \"x\", horizon: \"1h\",\n  workload: [Source(kind: \"a\", arrivals: Poison(per_second: 1.0))],\n  architectures: [])";
    let e = errors(bad_variant);
    assert!(
        e[0].starts_with(
            "s.ron:2:42: workload[0].arrivals: Unexpected variant named `Poison` in enum `Arrivals`"
        ),
        "{}",
        e[0]
    );

    let bad_duration = "Scenario(name: \"x\", horizon: \"1h\",\n  workload: [Source(kind: \"a\", arrivals: Poisson(per_second: 1.0))],\n  architectures: [Architecture(name: \"a\", entry: \"f\", components: [\n    Function(name: \"f\", work: [Compute(42)])])])";
    assert_eq!(
        errors(bad_duration),
        [
            r#"s.ron:4:40: architectures[0].components[0].work[0]: expected a duration such as "30ms", or a distribution such as LogNormal(median: "300ms", p99: "2s")"#
        ]
    );
}

#[test]
fn distribution_parameters_are_checked() {
    let text = "Scenario(name: \"x\", horizon: \"1h\",\n  workload: [Source(kind: \"a\", arrivals: Poisson(per_second: 1.0))],\n  architectures: [Architecture(name: \"a\", entry: \"f\", components: [\n    Function(name: \"f\", work: [Compute(LogNormal(median: \"1s\", p99: \"10ms\")), Compute(LogNormal(median: \"1s\"))])])])";
    let e = errors(text);
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(e[0].starts_with("s.ron:4:32: architectures[0].components[0].work[0]: p99 (10000000 ns) must be at least the median"), "{}", e[0]);
    assert_eq!(
        e[1],
        "s.ron:4:79: architectures[0].components[0].work[1]: give either median and p99, or mu and sigma"
    );
}

#[test]
fn missing_handler_and_route_are_errors_for_the_kinds_that_reach_them() {
    let text = r#"Scenario(name: "x", horizon: "1h",
  workload: [Source(kind: "a", arrivals: Poisson(per_second: 1.0)),
             Source(kind: "b", arrivals: Poisson(per_second: 1.0))],
  architectures: [
    Architecture(name: "s", entry: "app", components: [Server(name: "app", handlers: {"a": []})]),
    Architecture(name: "g", entry: "api", components: [
      Gateway(name: "api", routes: {"a": "f"}),
      Function(name: "f", work: [])]),
  ])"#;
    assert_eq!(
        errors(text),
        [
            r#"s.ron:5:86: architectures[0].components[0].handlers: server "app" has no handler for transaction kind "b""#,
            r#"s.ron:7:36: architectures[1].components[0].routes: gateway "api" has no route for transaction kind "b""#,
        ]
    );
}

#[test]
fn unreachable_components_are_warnings_not_errors() {
    let text = r#"Scenario(name: "x", horizon: "1h",
  workload: [Source(kind: "a", arrivals: Poisson(per_second: 1.0))],
  architectures: [Architecture(name: "s", entry: "f", components: [
    Function(name: "f", work: []),
    Database(name: "unused", latency: "1ms")])])"#;
    let loaded = scenario::load("s.ron", text).unwrap();
    let w: Vec<String> = loaded.warnings.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        w,
        [
            r#"s.ron:5:5: architectures[0].components[1]: warning: no transaction ever reaches database "unused""#
        ]
    );
    assert_eq!(loaded.warnings[0].severity, Severity::Warning);
}

#[test]
fn every_bundled_scenario_is_valid_without_warnings() {
    for b in choreo_sim::bundled::ALL {
        let loaded = choreo_sim::bundled::load(b.name)
            .unwrap()
            .unwrap_or_else(|e| panic!("{}: {:#?}", b.name, e.diagnostics));
        assert!(
            loaded.warnings.is_empty(),
            "{}: {:#?}",
            b.name,
            loaded.warnings
        );
        assert!(
            loaded.scenario.architectures.len() >= 2,
            "{} compares architectures",
            b.name
        );
    }
}

mod fuzz {
    use proptest::prelude::*;

    use choreo_sim::run::{RunOptions, run_scenario};

    const BASE: &str = include_str!("../../scenarios/photo-sharing.ron");

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any edit of a valid scenario either loads or gives located errors; never a panic.
        #[test]
        fn mutated_scenarios_never_panic(edits in prop::collection::vec((0usize..10_000, 0usize..3, any::<char>()), 1..4)) {
            let mut text: Vec<char> = BASE.chars().collect();
            for (at, how, c) in edits {
                let at = at % text.len();
                match how {
                    0 => { text.remove(at); }
                    1 => text.insert(at, c),
                    _ => text[at] = c,
                }
            }
            let text: String = text.into_iter().collect();
            match choreo_sim::scenario::load("fuzz.ron", &text) {
                Ok(mut loaded) => {
                    // Whatever loads also runs, and conserves transactions.
                    loaded.scenario.horizon = loaded.scenario.horizon.min(2_000_000_000);
                    let report = run_scenario(&loaded.scenario, &RunOptions::default()).unwrap();
                    prop_assert!(report.architectures.iter().all(|a| a.counts.conserved()));
                }
                Err(e) => {
                    prop_assert!(!e.diagnostics.is_empty());
                    for d in &e.diagnostics {
                        prop_assert!(d.line >= 1 && d.col >= 1);
                        prop_assert!(d.line <= text.lines().count().max(1) + 1, "{d}");
                    }
                }
            }
        }
    }
}

#[test]
fn fault_and_policy_errors_are_located() {
    let text = r#"Scenario(name: "x", horizon: "1h",
  workload: [Source(kind: "a", arrivals: Poisson(per_second: 1.0))],
  architectures: [Architecture(name: "s", entry: "f", components: [
    Function(name: "f", work: [Emit("q")], calls: {"dbb": Policy(timeout: "0s")}),
    Queue(name: "q"),
    Database(name: "db", latency: "1ms")])],
  faults: [
    Fault(target: "ff", at: "1m", lasts: "1m", kind: Outage),
    Fault(target: "q", at: "1m", lasts: "1m", kind: Crash(probability: 0.5)),
    Fault(target: "f", kind: Errors(rate: 2.0)),
  ])"#;
    let e = errors(text);
    assert_eq!(
        e,
        [
            r#"s.ron:4:59: architectures[0].components[0].calls.dbb: no component named "dbb" in this architecture (did you mean "db"?)"#,
            "s.ron:4:75: architectures[0].components[0].calls.dbb.timeout: must be longer than zero",
            r#"s.ron:8:19: faults[0].target: no component named "ff" in any architecture (did you mean "f"?)"#,
            r#"s.ron:9:53: faults[1].kind: this kind of fault cannot hit a queue ("q")"#,
            "s.ron:10:5: faults[2]: a fault needs either `at` and `lasts`, or `repeat`",
            "s.ron:10:43: faults[2].kind.rate: must be in [0, 1], found 2",
        ],
        "{e:#?}"
    );
}

#[test]
fn redrive_and_backoff_mistakes_are_errors() {
    let text = r#"Scenario(name: "x", horizon: "1h",
  workload: [Source(kind: "a", arrivals: Poisson(per_second: 1.0))],
  architectures: [Architecture(name: "s", entry: "f", components: [
    Function(name: "f", work: [Emit("q"), Call("x")], calls: {"x": Policy(backoff: "2s", max_backoff: "1s")}),
    Queue(name: "q", redrive: At(to: "q", at: "1m")),
    External(name: "x", latency: "1ms")])])"#;
    assert_eq!(
        errors(text),
        [
            "s.ron:4:103: architectures[0].components[0].calls.x.max_backoff: max_backoff must not be shorter than backoff",
            r#"s.ron:5:31: architectures[0].components[1].redrive: queue "q" is no queue's dead_letter: it has nothing to redrive"#,
        ]
    );
}

#[test]
fn layout_hints_pin_components_and_unknown_names_are_reported_where_written() {
    let text = r#"Scenario(name: "hints", horizon: "1m",
    workload: [Source(kind: "hit", arrivals: Poisson(per_second: 1.0))],
    architectures: [Architecture(name: "a", entry: "f",
        components: [Function(name: "f", work: [Compute("1ms")])],
        layout: {"f": (2.0, 1.5), "g": (0.0, 0.0), "h-1": (0.0, inf)})])"#;
    let errs = errors(text);
    assert!(
        errs.iter().any(|e| e.starts_with("s.ron:5:")
            && e.contains("architectures[0].layout.g")
            && e.contains("no component named \"g\"")
            && e.contains("did you mean \"f\"")),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("architectures[0].layout.h-1") && e.contains("finite")),
        "{errs:#?}"
    );
    let ok = text.replace(r#", "g": (0.0, 0.0), "h-1": (0.0, inf)"#, "");
    let loaded = scenario::load("s.ron", &ok).unwrap();
    assert_eq!(
        loaded.scenario.architectures[0].positions,
        vec![Some((2.0, 1.5))]
    );
}

#[test]
fn each_component_keeps_its_text_as_written_for_the_inspector() {
    let text = r#"Scenario(name: "s", horizon: "1h",
    workload: [Source(kind: "hit", arrivals: Poisson(per_second: 1.0))],
    architectures: [
        Architecture(name: "a", entry: "app", components: [
            Server(name: "app", workers: 4, handlers: {
                "hit": [Read("db"), Compute("5ms")],
            }),
            Database(name: "db", latency: "3ms"),
        ]),
    ],
)"#;
    let loaded = scenario::load("s.ron", text).expect("valid");
    let components = &loaded.scenario.architectures[0].components;
    assert_eq!(
        components[0].source,
        "Server(name: \"app\", workers: 4, handlers: {\n    \"hit\": [Read(\"db\"), Compute(\"5ms\")],\n})"
    );
    assert_eq!(
        components[1].source,
        "Database(name: \"db\", latency: \"3ms\")"
    );
}

/// A one-architecture scenario around `components`, with `extra` fields after the horizon.
fn scenario_with(extra: &str, arch_name: &str, components: &str) -> String {
    format!(
        "Scenario(name: \"x\", horizon: \"1m\",{extra}\n  workload: [Source(kind: \"a\", arrivals: Poisson(per_second: 1.0))],\n  architectures: [Architecture(name: {arch_name:?}, entry: \"f\", components: [\n    {components}])])"
    )
}

#[test]
fn an_empty_architecture_name_is_an_error() {
    let text = scenario_with("", "", "Function(name: \"f\", work: [])");
    assert_eq!(
        errors(&text),
        [
            "s.ron:3:38: architectures[0].name: an architecture needs a name (it titles its column and its CSV rows)"
        ]
    );
}

#[test]
fn control_characters_in_names_are_errors_as_they_break_the_table() {
    let text = scenario_with(
        "",
        "a\nb",
        "Function(name: \"f\", work: [Emit(\"t\\tx\")]),\n    Topic(name: \"t\\tx\", subscribers: [])",
    );
    let e = errors(&text);
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(
        e[0].starts_with("s.ron:3:38: architectures[0].name: an architecture name must not hold control characters"),
        "{}",
        e[0]
    );
    assert!(
        e[1].starts_with("s.ron:5:17: architectures[0].components[1].name: a component name must not hold control characters"),
        "{}",
        e[1]
    );
}

#[test]
fn a_subscriber_listed_twice_is_an_error() {
    let text = scenario_with(
        "",
        "a",
        "Function(name: \"f\", work: [Emit(\"t\")]),\n    Topic(name: \"t\", subscribers: [\"g\", \"g\"]),\n    Function(name: \"g\", work: [])",
    );
    assert_eq!(
        errors(&text),
        [
            r#"s.ron:5:41: architectures[0].components[1].subscribers[1]: "g" is subscribed twice: list each subscriber once"#
        ]
    );
}

#[test]
fn a_fault_starting_after_the_horizon_is_a_warning() {
    let text = scenario_with(
        "\n  faults: [Fault(target: \"f\", at: \"100d\", lasts: \"1m\", kind: Outage)],",
        "a",
        "Function(name: \"f\", work: [])",
    );
    let loaded = scenario::load("s.ron", &text).unwrap();
    let w: Vec<String> = loaded.warnings.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        w,
        [
            "s.ron:2:35: faults[0].at: warning: the fault starts at 100d, not before the horizon (1m): it never happens"
        ]
    );
}

#[test]
fn a_fractional_or_negative_seed_says_the_seed_must_be_a_whole_number() {
    for (seed, col) in [("1.5", 42), ("-3", 43)] {
        let text = scenario_with(
            &format!(" seed: {seed},"),
            "a",
            "Function(name: \"f\", work: [])",
        );
        assert_eq!(
            errors(&text),
            [format!(
                "s.ron:1:{col}: seed: seed must be a whole number from 0 to 18446744073709551615, found {seed}"
            )]
        );
    }
    let text = scenario_with(
        " seed: 18446744073709551615,",
        "a",
        "Function(name: \"f\", work: [])",
    );
    assert_eq!(
        scenario::load("s.ron", &text).unwrap().scenario.seed,
        u64::MAX
    );
}

#[test]
fn microseconds_may_be_written_with_the_greek_mu_or_the_micro_sign() {
    for unit in ["\u{3bc}s", "\u{b5}s", "us"] {
        let text = scenario_with(
            "",
            "a",
            &format!("Function(name: \"f\", work: [Compute(\"250{unit}\")])"),
        );
        let loaded = scenario::load("s.ron", &text)
            .unwrap_or_else(|e| panic!("{unit}: {:#?}", e.diagnostics));
        assert!(loaded.warnings.is_empty(), "{unit}");
    }
}

// ---- Cycles are checked per transaction kind (issue 10, defect 8).

/// `orders` calls `inventory` only for `order`, `inventory` calls `orders` only for `stock`;
/// `cycle` makes `orders` call `inventory` for `stock` too, closing a real cycle.
fn two_servers(stock_at_orders: &str) -> String {
    format!(
        r#"Scenario(name: "x", horizon: "10s",
  workload: [
    Source(kind: "order", arrivals: Poisson(per_second: 5.0)),
    Source(kind: "stock", arrivals: Poisson(per_second: 5.0))],
  architectures: [Architecture(name: "shop", entry: "api", components: [
    Gateway(name: "api", routes: {{"order": "orders", "stock": "inventory"}}),
    Server(name: "orders", handlers: {{"order": [Call("inventory")], "stock": [{stock_at_orders}]}}),
    Server(name: "inventory", handlers: {{"stock": [Call("orders")], "order": [Compute("1ms")]}})])])"#
    )
}

#[test]
fn calls_that_cross_only_in_handlers_of_different_kinds_are_no_cycle() {
    let loaded = scenario::load("s.ron", &two_servers(r#"Compute("1ms")"#))
        .unwrap_or_else(|e| panic!("{:#?}", e.diagnostics));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn a_synchronous_cycle_of_one_kind_through_server_handlers_is_still_an_error() {
    assert_eq!(
        errors(&two_servers(r#"Call("inventory")"#)),
        [
            "s.ron:7:5: architectures[0].components[1]: synchronous calls form a cycle (orders → inventory → orders): each would wait on itself forever"
        ]
    );
}

fn warnings(text: &str) -> Vec<String> {
    match scenario::load("s.ron", text) {
        Ok(l) => l.warnings.iter().map(Diagnostic::to_string).collect(),
        Err(e) => panic!("{:#?}", e.diagnostics),
    }
}

fn one_architecture(components: &str) -> String {
    format!(
        r#"Scenario(name: "x", horizon: "1s",
  workload: [Source(kind: "hit", arrivals: Poisson(per_second: 30.0))],
  architectures: [Architecture(name: "a", entry: "f", components: [
{components}])])"#
    )
}

#[test]
fn an_asynchronous_cycle_with_two_sends_per_pass_is_warned_about_as_growing() {
    let w = warnings(&one_architecture(
        r#"    Function(name: "f", work: [Emit("f"), Emit("f")]),"#,
    ));
    assert_eq!(
        w,
        [
            r#"s.ron:4:5: architectures[0].components[0]: warning: asynchronous work forms a cycle that grows (f → f) for transaction kind "hit": each run of "f" starts 2 pieces of work on it, so a transaction's work multiplies every pass and never ends; the run stops with an error when a transaction has 10000 pieces of work outstanding"#
        ]
    );
}

#[test]
fn a_topic_with_two_subscribers_publishing_back_to_it_is_a_growing_cycle() {
    let w = warnings(&one_architecture(
        r#"    Function(name: "f", work: [Emit("t")]),
    Topic(name: "t", subscribers: ["a", "b"]),
    Function(name: "a", work: [Emit("t")]),
    Function(name: "b", work: [Compute("1ms"), Emit("t")]),"#,
    ));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with(r#"s.ron:5:5: architectures[0].components[1]: warning: asynchronous work forms a cycle that grows (t → a → b → t) for transaction kind "hit": each run of "t" starts 2 pieces of work on it"#),
        "{}",
        w[0]
    );
}

#[test]
fn an_asynchronous_cycle_with_one_send_per_pass_is_warned_about_as_never_ending() {
    // Through a queue and a server: the server's handler of the kind is the one taken.
    let w = warnings(&one_architecture(
        r#"    Function(name: "f", work: [Send(to: "q", kb: 2.0)]),
    Queue(name: "q", consumer: "g"),
    Function(name: "g", work: [Call("srv")]),
    Server(name: "srv", handlers: {"hit": [Emit("q")]}),"#,
    ));
    assert_eq!(
        w,
        [
            r#"s.ron:5:5: architectures[0].components[1]: warning: asynchronous work forms a cycle (q → g → srv → q) for transaction kind "hit": each pass starts the next, so a transaction goes round it until a failure ends it, and never completes; the run stops with an error when a transaction has caused 100000 pieces of work"#
        ]
    );
}

#[test]
fn a_loop_closed_only_by_a_failure_path_is_a_retry_pattern_not_warned_about() {
    // A failed event goes to a queue whose consumer is the function again: it loops only
    // while the function fails.
    let w = warnings(&one_architecture(
        r#"    Function(name: "f", work: [Call("ext")], on_failure: "retries"),
    Queue(name: "retries", consumer: "f"),
    External(name: "ext", latency: "10ms", error_rate: 0.1),"#,
    ));
    assert!(w.is_empty(), "{w:?}");
}

/// A file with two unknown fields, a value of the wrong type and two values out of range.
const MIXED: &str = r#"Scenario(
    name: "mixed",
    horizon: "10m",
    colour: "red",
    workload: [Source(kind: "request", arrivals: Poisson(per_second: -0.01))],
    architectures: [
        Architecture(name: "f", entry: "fn", components: [
            Function(name: "fn", memory_mb: 64, work: [Compute("10ms")], timout: "3s"),
        ]),
        Architecture(name: "s", entry: "app", components: [
            Server(name: "app", workers: 4, instances: "two", handlers: {"request": [Compute("10ms")]}),
        ]),
    ],
)
"#;

#[test]
fn parsing_goes_on_after_an_unknown_field_or_a_wrong_type_to_report_every_error() {
    // Each line begins so (the unknown-field messages go on to list the expected fields).
    let expected = [
        "s.ron:4:5: colour: Unexpected field named `colour` in `Scenario`, expected one of `name`,",
        "s.ron:5:70: workload[0].arrivals.per_second: rate must be greater than zero, found -0.01",
        "s.ron:8:45: architectures[0].components[0].memory_mb: memory must be between 128 and 10240 MB, found 64",
        "s.ron:8:74: architectures[0].components[0].timout: Unexpected field named `timout` in `Function`, expected one of `name`,",
        "s.ron:11:55: architectures[1].components[0].instances: Expected integer",
    ];
    let got = errors(MIXED);
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (g, e) in got.iter().zip(expected) {
        assert!(g.starts_with(e), "{g}\ndoes not begin\n{e}");
    }
    assert!(got[3].contains("`timeout`"), "{}", got[3]);
}

#[test]
fn a_required_field_cut_for_its_error_is_not_reported_missing_and_a_syntax_error_stops() {
    // `per_second` is required: once its wrong value is reported and cut, the missing
    // field is its consequence, not a second error.
    let text = "Scenario(name: \"x\", horizon: \"1h\", colour: 1,\n  workload: [Source(kind: \"a\", arrivals: Poisson(per_second: \"fast\"))],\n  architectures: [])";
    assert_eq!(
        errors(text),
        [
            "s.ron:1:36: colour: Unexpected field named `colour` in `Scenario`, expected one of `name`, `about`, `lesson`, `horizon`, `seed`, `prices`, `workload`, `architectures`, `faults`, or `questions` instead",
            "s.ron:2:61: workload[0].arrivals.per_second: Expected float",
        ]
    );
    // After a syntax error nothing later can be trusted: one error, not a cascade.
    let text = "Scenario(name: \"x\", colour: 1,\n  horizon: \"1h\" workload: [],\n  architectures: [], shape: 2)";
    let e = errors(text);
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(e[1].starts_with("s.ron:2:17: "), "{e:#?}");
    assert!(e[1].ends_with("Expected comma"), "{e:#?}");
}

#[test]
fn a_rendered_error_shows_its_line_underlines_the_value_and_gives_a_hint() {
    let e = scenario::load("s.ron", MIXED).unwrap_err();
    let by_path = |p: &str| e.diagnostics.iter().find(|d| d.path.ends_with(p)).unwrap();
    // The wrong type: ron points at the blank before `"two"`; the caret is under the value.
    let shown = by_path("instances").render(MIXED, false);
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(
        lines[0],
        "s.ron:11:55: architectures[1].components[0].instances: Expected integer"
    );
    let source = lines.iter().position(|l| l.starts_with("11 |")).unwrap();
    let caret = lines[source + 1];
    let at = caret.find('^').unwrap();
    assert_eq!(&lines[source][at..at + 5], "\"two\"", "{shown}");
    assert!(
        caret[at..].starts_with("^^^^^ architectures[1].components[0].instances"),
        "{shown}"
    );
    assert!(
        shown.contains("help: docs/scenarios.md lists every field"),
        "{shown}"
    );
    // The misspelt field: underlined whole, with a did-you-mean.
    let shown = by_path("timout").render(MIXED, false);
    let source = shown.lines().find(|l| l.starts_with("8 |")).unwrap();
    let caret = shown
        .lines()
        .skip_while(|l| !l.starts_with("8 |"))
        .nth(1)
        .unwrap();
    let at = caret.find('^').unwrap();
    assert_eq!(&source[at..at + 6], "timout", "{shown}");
    assert!(caret[at..].starts_with("^^^^^^ "), "{shown}");
    assert!(
        shown.contains("help: did you mean \"timeout\"? (or remove it)"),
        "{shown}"
    );
    // A semantic error: the value as the locator found it.
    let shown = by_path("memory_mb").render(MIXED, false);
    let caret = shown
        .lines()
        .skip_while(|l| !l.starts_with("8 |"))
        .nth(1)
        .unwrap();
    assert!(caret.trim_start().starts_with("| "), "{shown}");
    let at = caret.find('^').unwrap();
    assert!(
        caret[at..].starts_with("^^ architectures[0].components[0].memory_mb"),
        "{shown}"
    );
    assert_eq!(
        at,
        "8 | ".len() + 45 - 1,
        "the value starts in column 45: {shown}"
    );
}
