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
        let report = run_scenario(&loaded.scenario, &RunOptions::default()).unwrap();
        for c in lesson::check(&report) {
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
    lesson::check(&report)
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
