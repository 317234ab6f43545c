//! Workshop questions: every bundled scenario's claims hold in choreo's own output (the
//! answer key cannot drift from the model), a claim that does not hold is reported as
//! such, and a malformed claim is an error naming the file, line and column.

use choreo_sim::bundled;
use choreo_sim::lesson;
use choreo_sim::run::{RunOptions, run_scenario};
use choreo_sim::scenario;

#[test]
fn every_bundled_question_is_answered_by_the_scenarios_own_output() {
    let mut claims = 0;
    for b in bundled::ALL {
        let loaded = bundled::load(b.name).unwrap().unwrap();
        if loaded.scenario.questions.is_empty() {
            continue;
        }
        let file = format!("{}.ron", b.name);
        let checked = lesson::check_all(&file, b.text, &loaded, &RunOptions::default()).unwrap();
        let asked: usize = loaded
            .scenario
            .questions
            .iter()
            .map(|q| q.claims.len())
            .sum();
        assert_eq!(checked.len(), asked, "{}: every claim checked once", b.name);
        for c in checked {
            let c = c.unwrap_or_else(|e| panic!("{}: {e}", b.name));
            assert!(
                c.holds,
                "{}: question {}: {:?} does not hold ({} vs {})",
                b.name,
                c.question + 1,
                c.claim,
                c.left,
                c.right
            );
            claims += 1;
        }
    }
    assert!(claims >= 5, "{claims} claims checked");
}

const SMALL: &str = r#"Scenario(name: "q", horizon: "10m",
  workload: [Source(kind: "r", arrivals: Poisson(per_second: 20.0))],
  architectures: [
    Architecture(name: "fns", entry: "f", components: [
      Function(name: "f", cold_start: "0ms", work: [Compute("10ms")])]),
    Architecture(name: "box", entry: "app", components: [
      Server(name: "app", instances: 1, workers: 1, handlers: {"r": [Compute("40ms")]})])],
  questions: [Question(ask: "Which is faster?", answer: "The functions.", claims: [CLAIMS])])"#;

fn checked(claims: &str) -> Vec<lesson::Checked> {
    let text = SMALL.replace("CLAIMS", claims);
    let loaded = scenario::load("q.ron", &text).unwrap();
    let report = run_scenario(&loaded.scenario, &RunOptions::default()).unwrap();
    lesson::check(&report, &[])
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn claims_are_evaluated_on_the_summary_figures_and_a_false_one_is_reported_false() {
    // 10 ms on a function that never waits against 40 ms on one worker loaded to 0.8
    // (M/D/1: a mean wait of 80 ms on top): the functions are faster, the server's
    // cells are what summary.csv says.
    let c = checked(
        r#""fns.response_mean_ms < box.response_mean_ms", "box.response_mean_ms < fns.response_mean_ms", "2 * fns.response_mean_ms <= 20.5", "fns.failed == 0""#,
    );
    assert_eq!(c.len(), 4);
    assert!(c[0].holds, "{:?}", c[0]);
    assert!(!c[1].holds, "the reverse claim must fail: {:?}", c[1]);
    assert!((c[0].left - 10.0).abs() < 1e-6, "{:?}", c[0]);
    assert!(c[0].right > 80.0, "M/D/1 at 0.8: {:?}", c[0]);
    assert!(c[2].holds && (c[2].left - 20.0).abs() < 1e-6, "{:?}", c[2]);
    assert!(c[3].holds && c[3].right == 0.0, "{:?}", c[3]);
}

#[test]
fn a_malformed_claim_is_an_error_at_its_line_and_column_with_a_suggestion() {
    for (claim, want) in [
        (
            "fnz.response_p99_ms < 1",
            "no architecture \"fnz\" (did you mean \"fns\"?)",
        ),
        (
            "fns.response_p99 < 1",
            "summary.csv has no figure \"response_p99\" (did you mean \"response_p99_ms\"?)",
        ),
        ("fns.response_p99_ms", "compares nothing"),
        ("1 < 2", "compares two numbers"),
        (
            "fns.architecture < 2",
            "summary.csv has no figure \"architecture\"",
        ),
        ("x * fns.cost_usd < 2", "\"x\" is not a number"),
    ] {
        let text = SMALL.replace("CLAIMS", &format!("{claim:?}"));
        let err = match scenario::load("q.ron", &text) {
            Ok(_) => panic!("{claim:?} was accepted"),
            Err(e) => e,
        };
        let d = &err.diagnostics[0];
        assert!(d.message.contains(want), "{claim:?}: {}", d.message);
        assert_eq!(d.path, "questions[0].claims[0]", "{d}");
        // The claim's own line and column, not the file's start.
        assert_eq!(d.line, 8, "{d}");
        let col = text
            .lines()
            .nth(7)
            .unwrap()
            .find(&format!("{claim:?}"))
            .unwrap()
            + 1;
        assert_eq!(d.col, col, "{d}");
    }
}

/// SMALL with two questions: one on the scenario as written, one on a run with `set`.
fn with_set(set: &str) -> String {
    SMALL.replace(
        "claims: [CLAIMS])",
        &format!(
            r#"claims: ["box.response_mean_ms < 200", "fns.transactions < 13000"]),
    Question(ask: "And at twice the load?", answer: "The one worker cannot keep up.", set: [{set}],
      claims: ["box.response_mean_ms > 10000", "fns.transactions > 23000"])"#
        ),
    )
}

#[test]
fn a_question_with_overrides_is_answered_on_its_own_run() {
    // At 20/s the worker is at 0.8 (M/D/1: 40 ms + 80 ms of waiting, ~12,000 requests in
    // 10 min); at twice the load it gets 40/s for 25/s of capacity, so its backlog grows
    // by 15 a second and the mean wait reaches minutes. Each question holds only on its
    // own run: evaluated on the other, both claims of each would fail.
    for set in [r#""load=2""#, r#""workload.r.per_second=40""#] {
        let text = with_set(set);
        let loaded = scenario::load("q.ron", &text).unwrap();
        let variants = lesson::prepare("q.ron", &text, &loaded).unwrap();
        assert_eq!(variants.len(), 2, "{set}");
        assert!(variants[0].set.is_empty() && variants[0].questions == [0]);
        assert_eq!(variants[1].questions, [1]);
        let checked = lesson::check_all("q.ron", &text, &loaded, &RunOptions::default()).unwrap();
        assert_eq!(checked.len(), 4);
        for c in &checked {
            let c = c.as_ref().unwrap();
            assert!(c.holds, "{set}: {c:?}");
        }
        assert_eq!(
            checked
                .iter()
                .map(|c| c.as_ref().unwrap().question)
                .collect::<Vec<_>>(),
            [0, 0, 1, 1]
        );
        // The plain run answers only the first question: the second's claims are not
        // evaluated on it.
        let plain = run_scenario(&loaded.scenario, &RunOptions::default()).unwrap();
        assert_eq!(lesson::check(&plain, &[]).len(), 2);
        let doubled = run_scenario(&variants[1].scenario, &RunOptions::default()).unwrap();
        let second: Vec<_> = lesson::check(&doubled, &variants[1].set)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert!(
            second.iter().all(|c| c.question == 1 && c.holds),
            "{second:?}"
        );
        assert!(
            lesson::check(&doubled, &[])
                .into_iter()
                .map(Result::unwrap)
                .any(|c| !c.holds),
            "the first question's claims are false at twice the load"
        );
    }
    assert_eq!(
        lesson::prepare(
            "q.ron",
            &with_set(r#""load=2""#),
            &scenario::load("q.ron", &with_set(r#""load=2""#)).unwrap()
        )
        .unwrap()[1]
            .flags(),
        "--load 2"
    );
}

#[test]
fn a_questions_override_that_does_not_apply_is_an_error_naming_the_question() {
    // Malformed: refused by validation at the entry's line and column.
    let text = with_set(r#""load""#);
    let err = scenario::load("q.ron", &text).unwrap_err();
    let d = &err.diagnostics[0];
    assert_eq!(d.path, "questions[1].set[0]", "{d}");
    assert!(d.message.contains("expected PATH=VALUE"), "{d}");
    assert_eq!(d.line, 9, "{d}");
    // Well formed, but the field does not exist or the value does not fit: the message
    // `choreo run --set` gives, with the question.
    for (set, want) in [
        (r#""workload.r.per_secnd=40""#, "has no field \"per_secnd\""),
        (r#""load=-1""#, "greater than 0"),
        (r#""horizon=0s""#, "horizon"),
    ] {
        let text = with_set(set);
        let loaded = scenario::load("q.ron", &text).unwrap();
        let err = lesson::prepare("q.ron", &text, &loaded).unwrap_err();
        assert!(err.starts_with("q.ron: questions[1].set: "), "{err}");
        assert!(err.contains(want), "{set}: {err}");
    }
}

#[test]
fn the_cost_break_even_lesson_crosses_where_its_text_says() {
    // The lesson text and its third answer put the crossing of the two bills at about 41
    // steady orders a second (the sweep it gives finds load 4.145 × 10/s): the functions
    // must be cheaper at 38/s and dearer at 45/s (each about 8 % from the crossing; the
    // Poisson count over the hour varies by 0.3 %).
    let b = bundled::find("cost-break-even").expect("bundled");
    let plain = scenario::load("cost-break-even.ron", b.text).unwrap();
    let cost = |rate: f64| {
        let set = [scenario::overrides::Override::new(
            "--set",
            "workload.orders.arrivals",
            &format!("Poisson(per_second: {rate:?})"),
        )
        .unwrap()];
        let s = scenario::overrides::load("cost-break-even.ron", b.text, &set)
            .unwrap()
            .scenario;
        let r = run_scenario(&s, &RunOptions::default()).unwrap();
        let dollars = |name: &str| {
            r.architectures
                .iter()
                .find(|a| a.name == name)
                .map(|a| a.cost_usd())
                .unwrap()
        };
        (dollars("monolith"), dollars("serverless"))
    };
    assert!(!plain.scenario.questions.is_empty());
    let (m, s) = cost(38.0);
    assert!(s < m, "at 38/s the functions are cheaper: {s} vs {m}");
    let (m, s) = cost(45.0);
    assert!(s > m, "at 45/s the servers are cheaper: {s} vs {m}");
    assert!((m - 0.356).abs() < 1e-9, "3 × $0.096 + $0.068 an hour: {m}");
}

#[test]
fn every_lesson_is_bundled_with_its_text_and_two_or_three_questions() {
    assert_eq!(
        bundled::LESSONS.len(),
        11,
        "the eleven lessons of the workshop"
    );
    for (i, name) in bundled::LESSONS.iter().enumerate() {
        let loaded = bundled::load(name)
            .unwrap_or_else(|| panic!("lesson {name} is not bundled"))
            .unwrap();
        let s = &loaded.scenario;
        assert!(!s.about.trim().is_empty(), "{name}: about");
        assert!(!s.lesson.trim().is_empty(), "{name}: lesson text");
        assert!(
            (2..=3).contains(&s.questions.len()),
            "{name}: {} questions",
            s.questions.len()
        );
        assert!(
            s.questions.iter().all(|q| !q.claims.is_empty()),
            "{name}: every question rests on a claim"
        );
        assert!(s.architectures.len() >= 2, "{name} compares designs");
        assert_eq!(bundled::lesson_number(name), Some(i + 1));
    }
    // The lessons come first in the listing, in order, then every other scenario.
    let listed: Vec<&str> = bundled::listed().iter().map(|b| b.name).collect();
    assert_eq!(&listed[..11], bundled::LESSONS);
    assert_eq!(listed.len(), bundled::ALL.len());
    assert!(listed.contains(&"mmc-server") && listed.contains(&"azure-replay"));
}

#[test]
fn a_questions_run_is_printed_as_a_command_line_that_can_be_pasted() {
    use choreo_sim::scenario::overrides::Override;
    let set = [
        Override::new("--load", "load", "2").unwrap(),
        Override::new("--set", "horizon", "1h").unwrap(),
        Override::new(
            "--set",
            "workload.orders.arrivals",
            "Poisson(per_second: 0.5)",
        )
        .unwrap(),
        Override::new("--set", "name", "it's").unwrap(),
    ];
    assert_eq!(
        lesson::flags(&set),
        r"--load 2 --set horizon=1h --set 'workload.orders.arrivals=Poisson(per_second: 0.5)' --set 'name=it'\''s'"
    );
}

#[test]
fn the_workshop_plan_goes_through_every_lesson_with_its_questions_claims_and_screenshot() {
    // docs/workshop.md quotes each lesson's questions and claims: a changed question or
    // claim must be changed there too, or this fails.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/workshop.md")).unwrap();
    let mut last = 0;
    for (i, name) in bundled::LESSONS.iter().enumerate() {
        let heading = format!("\n## {}. `{name}`", i + 1);
        let at = doc
            .find(&heading)
            .unwrap_or_else(|| panic!("docs/workshop.md has no section {heading:?}"));
        assert!(at > last, "{name}: the sections follow the teaching order");
        last = at;
        let end = doc[at + 1..]
            .find("\n## ")
            .map_or(doc.len(), |e| at + 1 + e);
        let section = &doc[at..end];
        let loaded = bundled::load(name).unwrap().unwrap();
        for (k, q) in loaded.scenario.questions.iter().enumerate() {
            assert!(
                section.contains(&format!("{}. {}", k + 1, q.ask)),
                "{name}: question {} is not quoted as asked",
                k + 1
            );
            for c in &q.claims {
                assert!(
                    section.contains(&c.text),
                    "{name}: claim {:?} is missing",
                    c.text
                );
            }
        }
        let shot = format!("screenshots/{name}.png");
        assert!(section.contains(&shot), "{name}: its screenshot");
        assert!(root.join("docs").join(&shot).is_file(), "{shot} exists");
        assert!(section.contains(&format!("choreo lesson {name} --answers")));
    }
}
