//! The egui panels: controls, timeline, load and faults on the left, the lesson below
//! them; figures, chart and inspector side by side along the bottom. The scene camera
//! draws only in the space the panels leave (right of the controls, above the figures).

mod controls;
mod faults;
mod figures;
mod inspector;
mod lesson;

use bevy::prelude::*;
use bevy_egui::egui::{self, LayerId, Ui, UiBuilder};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

use crate::camera::{FreeArea, Selected};
use crate::live::{Clock, Command, Viewer};
use crate::particles::Activity;

pub use faults::FaultChoice;

/// What the panels remember between frames.
#[derive(Resource, Debug, Clone)]
pub struct UiState {
    /// Text of the "open" field.
    pub open_text: String,
    /// Architecture picked in the faults panel.
    pub fault_arch: usize,
    /// Component picked in the faults panel.
    pub fault_comp: usize,
    /// Kind of fault to start.
    pub fault_kind: FaultChoice,
    /// Seeds handed out by "restart with a new seed".
    pub next_seed: u64,
    /// The node selection last seen by the faults panel.
    pub last_selected: Option<(usize, usize)>,
    /// The chart shown under the figures.
    pub chart: figures::Chart,
    /// No panels at all (`--without panels`, for measuring what they cost).
    pub hidden: bool,
    /// A line shown under the title, e.g. that the renderer is a software one.
    pub notice: Option<String>,
    /// Where the timeline's slider is being dragged to [simulated s], until let go.
    pub scrub: Option<f64>,
    /// The lesson's questions whose answers are shown, for the scenario opened from this
    /// source.
    pub revealed: (String, Vec<usize>),
}

impl Default for UiState {
    fn default() -> Self {
        Self {
            open_text: String::new(),
            fault_arch: 0,
            fault_comp: 0,
            fault_kind: FaultChoice::Outage,
            next_seed: 1,
            last_selected: None,
            chart: figures::Chart::Latency,
            hidden: false,
            notice: None,
            scrub: None,
            revealed: (String::new(), Vec::new()),
        }
    }
}

/// Height of the bottom panel (figures, chart, inspector) when the window opens [px].
const BOTTOM_HEIGHT: f32 = 350.0;

/// The panels.
pub struct UiPlugin;

impl Plugin for UiPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<UiState>()
            .add_systems(EguiPrimaryContextPass, panels);
    }
}

/// Everything a panel may read or change this frame.
pub(crate) struct Panels<'a> {
    pub viewer: &'a Viewer,
    pub clock: &'a mut Clock,
    pub state: &'a mut UiState,
    pub selected: &'a mut Selected,
    pub activity: &'a Activity,
    pub commands: Vec<Command>,
}

/// The resources the panels change.
#[derive(bevy::ecs::system::SystemParam)]
struct PanelState<'w> {
    clock: ResMut<'w, Clock>,
    state: ResMut<'w, UiState>,
    selected: ResMut<'w, Selected>,
    area: ResMut<'w, FreeArea>,
}

fn panels(
    mut contexts: EguiContexts,
    viewer: Res<Viewer>,
    activity: Res<Activity>,
    mut res: PanelState,
    mut out: MessageWriter<Command>,
) -> Result {
    let PanelState {
        clock,
        state,
        selected,
        area,
    } = &mut res;
    let ctx = contexts.ctx_mut()?;
    if state.hidden {
        return Ok(());
    }
    let mut root = Ui::new(
        ctx.clone(),
        "choreo-root".into(),
        UiBuilder::new()
            .layer_id(LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let mut p = Panels {
        viewer: &viewer,
        clock,
        state,
        selected,
        activity: &activity,
        commands: Vec::new(),
    };
    // The panels draw no fill: the scene camera's clear colour is behind them already (its
    // viewport keeps the scene out), and under a software renderer half a million blended
    // pixels a frame are worth saving.
    let frame = egui::Frame::side_top_panel(root.style()).fill(egui::Color32::TRANSPARENT);
    let left = egui::Panel::left("controls")
        .resizable(true)
        .default_size(270.0)
        .frame(frame)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                controls::show(ui, &mut p);
                ui.separator();
                faults::show(ui, &mut p);
                ui.separator();
                lesson::show(ui, &mut p);
            });
        })
        .response
        .rect;
    // Figures, chart and inspector side by side in a panel along the bottom: the scene
    // gets the window's whole width right of the controls, which suits architectures laid
    // out left to right and stacked.
    let bottom = egui::Panel::bottom("figures")
        .resizable(true)
        .default_size(BOTTOM_HEIGHT)
        .frame(frame)
        .show(&mut root, |ui| {
            let height = ui.available_height();
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("figures-grid")
                        .max_height(height)
                        .show(ui, |ui| figures::grid(ui, &mut p));
                });
                ui.separator();
                // What the grid leaves (less with more architectures), shared out so that
                // the inspector stays on screen.
                let rest = ui.available_width() - 16.0;
                let inspector_width = (rest * 0.45).clamp(150.0, 330.0);
                let chart_width = (rest - inspector_width).max(150.0);
                ui.vertical(|ui| {
                    ui.set_width(chart_width);
                    ui.set_max_width(chart_width);
                    figures::charts(ui, &mut p, height);
                });
                ui.separator();
                ui.vertical(|ui| {
                    ui.set_max_width(inspector_width);
                    egui::ScrollArea::vertical()
                        .id_salt("inspector")
                        .max_height(height)
                        .show(ui, |ui| inspector::show(ui, &mut p));
                });
            });
        })
        .response
        .rect;
    if let Some((source, lines)) = &viewer.error {
        let mut open = true;
        egui::Window::new("Scenario errors")
            .open(&mut open)
            .default_width(620.0)
            .show(ctx, |ui| {
                ui.label(format!("{source} could not be opened:"));
                egui::ScrollArea::vertical()
                    .max_height(300.0)
                    .show(ui, |ui| {
                        for line in lines {
                            ui.colored_label(egui::Color32::from_rgb(255, 120, 110), line);
                        }
                    });
                ui.label(format!("Still showing {}.", viewer.name));
            });
        if !open {
            p.commands.push(Command::DismissError);
        }
    }
    for c in p.commands.drain(..) {
        out.write(c);
    }
    let screen = ctx.viewport_rect();
    let free = Rect::new(
        left.max.x,
        screen.min.y,
        screen.max.x.max(left.max.x + 1.0),
        bottom.min.y.max(screen.min.y + 1.0),
    );
    if area.0 != free {
        area.0 = free;
    }
    Ok(())
}

/// Simulated time as "day D, HH:MM:SS.s".
pub fn time_of_day(ns: u64) -> String {
    let s = ns as f64 / 1e9;
    let day = (s / 86_400.0).floor();
    let rest = s - day * 86_400.0;
    let (h, m) = ((rest / 3600.0).floor(), ((rest % 3600.0) / 60.0).floor());
    let sec = rest % 60.0;
    format!(
        "day {}, {:02}:{:02}:{:04.1}",
        day as u64 + 1,
        h as u64,
        m as u64,
        sec
    )
}

#[cfg(test)]
mod tests {
    use bevy_egui::egui::{self, Event, Pos2, RawInput, Rect, Shape, Ui};
    use choreo_sim::engine::NS_PER_S;
    use choreo_sim::model::ComponentState;
    use choreo_sim::scenario::FaultKind;

    use super::{Panels, UiState, faults, figures, inspector, lesson};
    use crate::camera::Selected;
    use crate::live::{Clock, Command, Viewer};
    use crate::particles::Activity;

    #[test]
    fn time_of_day_reads_as_a_clock() {
        assert_eq!(super::time_of_day(0), "day 1, 00:00:00.0");
        assert_eq!(super::time_of_day(3_725_500_000_000), "day 1, 01:02:05.5");
        assert_eq!(
            super::time_of_day(86_400_000_000_000 + 60_000_000_000),
            "day 2, 00:01:00.0"
        );
    }

    /// One panel drawn by a real egui context without a window: what it painted (texts
    /// with their rectangles) and the commands it asked for; clicks are pointer events.
    struct Harness {
        ctx: egui::Context,
        viewer: Viewer,
        clock: Clock,
        state: UiState,
        selected: Selected,
        activity: Activity,
        part: fn(&mut Ui, &mut Panels),
        texts: Vec<(String, Rect)>,
    }

    impl Harness {
        fn new(viewer: Viewer, part: fn(&mut Ui, &mut Panels)) -> Self {
            let mut h = Self {
                ctx: egui::Context::default(),
                viewer,
                clock: Clock::default(),
                state: UiState::default(),
                selected: Selected::default(),
                activity: Activity::default(),
                part,
                texts: Vec::new(),
            };
            h.frame(Vec::new());
            h
        }

        /// Runs every architecture to `t` seconds in frames of 0.1 simulated seconds, as
        /// the viewer would.
        fn step_to(&mut self, t: u64) {
            self.viewer.run_to(t * NS_PER_S, NS_PER_S / 10);
        }

        fn frame(&mut self, events: Vec<Event>) -> Vec<Command> {
            let input = RawInput {
                screen_rect: Some(Rect::from_min_size(Pos2::ZERO, egui::vec2(900.0, 3000.0))),
                events,
                ..RawInput::default()
            };
            let mut p = Panels {
                viewer: &self.viewer,
                clock: &mut self.clock,
                state: &mut self.state,
                selected: &mut self.selected,
                activity: &self.activity,
                commands: Vec::new(),
            };
            let part = self.part;
            let mut out = self.ctx.run_ui(input, |ui| part(ui, &mut p));
            // No renderer here to take the font texture.
            out.textures_delta.clear();
            let commands = std::mem::take(&mut p.commands);
            let mut texts = Vec::new();
            for c in &out.shapes {
                collect(&c.shape, &mut texts);
            }
            self.texts = texts;
            commands
        }

        fn has(&self, text: &str) -> bool {
            self.texts.iter().any(|(t, _)| t == text)
        }

        fn all(&self) -> String {
            let t: Vec<_> = self.texts.iter().map(|(t, _)| t.as_str()).collect();
            t.join(" | ")
        }

        /// Clicks the widget labelled `text`, the last one painted if several are (press
        /// in one frame, release in the next, as a mouse does); the commands it gave.
        fn click(&mut self, text: &str) -> Vec<Command> {
            let Some(&(_, rect)) = self.texts.iter().rev().find(|(t, _)| t == text) else {
                panic!("no {text:?} on the panel: {}", self.all());
            };
            self.click_at(rect.center())
        }

        /// Clicks the first widget labelled `text`.
        fn click_first(&mut self, text: &str) -> Vec<Command> {
            let Some(&(_, rect)) = self.texts.iter().find(|(t, _)| t == text) else {
                panic!("no {text:?} on the panel: {}", self.all());
            };
            self.click_at(rect.center())
        }

        fn click_at(&mut self, pos: Pos2) -> Vec<Command> {
            let button = |pressed| Event::PointerButton {
                pos,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::default(),
            };
            let mut commands = self.frame(vec![Event::PointerMoved(pos), button(true)]);
            commands.extend(self.frame(vec![button(false)]));
            commands.extend(self.frame(Vec::new()));
            commands
        }
    }

    fn collect(shape: &Shape, out: &mut Vec<(String, Rect)>) {
        match shape {
            Shape::Vec(v) => v.iter().for_each(|s| collect(s, out)),
            Shape::Text(t) => out.push((
                t.galley.text().to_string(),
                t.galley.rect.translate(t.pos.to_vec2()),
            )),
            _ => {}
        }
    }

    fn viewer(text: &str) -> Viewer {
        let loaded = choreo_sim::scenario::load("test.ron", text).unwrap();
        Viewer::from_scenario("test.ron", "test", loaded.scenario)
    }

    /// Ten requests a second, each a second of work on a function that starts warm in no
    /// time: from the first second on exactly ten instances are busy between arrivals.
    const STEADY: &str = r#"Scenario(name: "steady", horizon: "10m",
        about: "Ten a second, one second each.",
        lesson: "Count the busy instances.",
        workload: [Source(kind: "r", arrivals: Constant(per_second: 10.0))],
        architectures: [
          Architecture(name: "fns", entry: "f", components: [
            Function(name: "f", memory_mb: 1024, cold_start: "0ms", work: [Compute("1s")])]),
          Architecture(name: "box", entry: "app", components: [
            Server(name: "app", instances: 2, workers: 8, handlers: {"r": [Compute("1s")]})])])"#;

    #[test]
    fn the_inspector_shows_the_picked_components_state_costs_and_its_text_as_written() {
        let mut h = Harness::new(viewer(STEADY), inspector::show);
        assert!(h.has("click a node to inspect it"), "{}", h.all());
        // 30.05 s: between arrivals (every 100 ms from 0), ten one-second jobs running.
        h.viewer.run_to(30 * NS_PER_S + NS_PER_S / 20, NS_PER_S);
        h.selected.0 = Some((0, 0));
        h.frame(Vec::new());
        assert!(h.has("f") && h.has("function in fns"), "{}", h.all());
        let Some(ComponentState::Function { idle, .. }) = h.viewer.archs[0].view.snapshot.first()
        else {
            panic!("not a function");
        };
        let line = format!("instances: 10 busy, {idle} idle warm, 0 starting");
        assert!(h.has(&line), "want {line:?}: {}", h.all());
        // The bill so far, as costs.csv would have it now: n finished invocations of a
        // second at 1 GB each, n GB-s; the ten running, started every 0.1 s from 29.1 s
        // on, have run 0.05 + 0.15 + … + 0.95 = 5 s, billed apart; and a request fee for
        // each invocation started, finished or not.
        let worker = h.viewer.inline_worker().unwrap();
        let n = worker.sessions().next().unwrap().metrics().usage[0].invocations;
        assert_eq!(
            n,
            h.viewer.archs[0].counts().completed,
            "one per transaction"
        );
        assert!(n >= 290, "{n} invocations by 30.05 s");
        let duration = format!("${:.4}", n as f64 * 0.000_016_666_7);
        let requests = format!("${:.4}", (n + 10) as f64 * 0.2e-6);
        for text in [
            "duration",
            "requests",
            "duration (running at horizon)",
            &format!("{n} GB-s"),
            "5 GB-s",
            &format!("{} requests", n + 10),
            &duration,
            &requests,
        ] {
            assert!(h.has(text), "want {text:?}: {}", h.all());
        }
        // The configuration as the author wrote it, not a debug dump.
        let source = &h.viewer.archs[0].architecture().components[0].source;
        assert!(source.contains("Compute(\"1s\")"), "{source}");
        assert!(h.has(source), "{}", h.all());
        // The server: 2 × 8 workers, 10 busy (30 started in the last second of 16 workers:
        // each job ends a second after it began, so ten run at any time).
        h.selected.0 = Some((1, 0));
        h.frame(Vec::new());
        assert!(h.has("server in box"), "{}", h.all());
        assert!(h.has("workers: 10 of 16 busy, 0 waiting"), "{}", h.all());
        // The ✖ closes it.
        h.click("✖");
        assert_eq!(h.selected.0, None);
        assert!(h.has("click a node to inspect it"), "{}", h.all());
    }

    #[test]
    fn the_lesson_panel_shows_the_scenarios_own_words_or_says_it_has_none() {
        let h = Harness::new(viewer(STEADY), lesson::show);
        assert!(h.has("Ten a second, one second each."), "{}", h.all());
        assert!(h.has("Count the busy instances."), "{}", h.all());
        let bare = STEADY
            .replace(r#"about: "Ten a second, one second each.","#, "")
            .replace(r#"lesson: "Count the busy instances.","#, "");
        let h = Harness::new(viewer(&bare), lesson::show);
        assert!(
            h.has("(this scenario has no about or lesson text)"),
            "{}",
            h.all()
        );
    }

    #[test]
    fn the_figures_panel_shows_each_architectures_window_and_total_figures() {
        let mut h = Harness::new(viewer(STEADY), figures::show);
        h.step_to(120);
        h.frame(Vec::new());
        // Every response takes the second of work (the function never cold-starts).
        assert!(
            h.has("1.00 s / 1.00 s / 1.00 s"),
            "response percentiles: {}",
            h.all()
        );
        assert!(h.has("fns") && h.has("box"), "{}", h.all());
        // Ten arrivals a second over the window, in both architectures.
        let tens = h.texts.iter().filter(|(t, _)| t == "10").count();
        assert!(tens >= 4, "arrivals and throughput of both: {}", h.all());
        // The function's month at this rate: 10/s × (1 s × 1 GB × $0.0000166667 + $0.0000002)
        // = $0.00016866700/s × 2,629,800 s = $443.56.
        let m = h.viewer.archs[0].summary().month_usd;
        assert!((m - 443.56).abs() < 0.01, "month {m}");
        assert!(h.has("$443.56"), "{}", h.all());
    }

    #[test]
    fn the_lesson_panel_asks_its_questions_and_shows_an_answer_only_when_asked() {
        let mut h = Harness::new(Viewer::open("photo-sharing").unwrap(), lesson::show);
        let questions = h.viewer.scenario.questions.clone();
        assert!(questions.len() >= 2);
        for (i, q) in questions.iter().enumerate() {
            assert!(h.has(&format!("{}. {}", i + 1, q.ask)), "{}", h.all());
            assert!(
                !h.has(&q.answer),
                "answer {i} shown before asked: {}",
                h.all()
            );
        }
        // The first button is the first question's.
        h.click_first("show the answer");
        assert!(h.has(&questions[0].answer), "{}", h.all());
        assert!(!h.has(&questions[1].answer), "{}", h.all());
    }

    #[test]
    fn choosing_a_chart_plots_that_series_for_every_architecture() {
        let mut h = Harness::new(viewer(STEADY), figures::show);
        h.step_to(30);
        h.frame(Vec::new());
        assert_eq!(h.state.chart, figures::Chart::Latency);
        for c in figures::Chart::ALL {
            h.click(c.title());
            assert_eq!(h.state.chart, c);
            let series = figures::series(&h.viewer, c);
            assert_eq!(
                series.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
                ["fns", "box"]
            );
            for ((_, points), a) in series.iter().zip(&h.viewer.archs) {
                let want: Vec<[f64; 2]> = a
                    .history()
                    .iter()
                    .filter_map(|p| {
                        let v = match c {
                            figures::Chart::Latency => p.response_p99_ms,
                            figures::Chart::Cost => p.cost_usd,
                            figures::Chart::Instances => p.instances,
                        };
                        v.is_finite().then_some([p.t, v])
                    })
                    .collect();
                assert_eq!(points, &want, "{c:?}");
                // A point a simulated second, 1 s to 30 s; the first response comes at
                // 1.1 s, so the latency chart starts at 2 s.
                let n = if c == figures::Chart::Latency { 29 } else { 30 };
                assert_eq!(points.len(), n, "{c:?}");
            }
        }
        // The values differ between the charts: 1,000 ms p99, dollars, instances.
        let last = |c| figures::series(&h.viewer, c)[1].1.last().copied().unwrap()[1];
        assert_eq!(last(figures::Chart::Latency), 1000.0);
        assert_eq!(last(figures::Chart::Instances), 2.0);
        assert!(last(figures::Chart::Cost) > 0.0);
    }

    #[test]
    fn the_fault_panel_starts_a_slowdown_or_an_error_burst_on_the_picked_component() {
        let mut h = Harness::new(viewer(STEADY), faults::show);
        // A node clicked in the scene becomes the target.
        h.selected.0 = Some((1, 0));
        h.frame(Vec::new());
        h.click("slowdown ×5 +200 ms");
        assert_eq!(h.state.fault_kind, faults::FaultChoice::Slow);
        let commands = h.click("start fault now");
        assert_eq!(
            commands,
            [Command::StartFault {
                arch: 1,
                comp: 0,
                kind: FaultKind::Slow {
                    factor: 5.0,
                    add: NS_PER_S / 5
                },
            }]
        );
        h.click("errors 50%");
        let commands = h.click("start fault now");
        assert_eq!(
            commands,
            [Command::StartFault {
                arch: 1,
                comp: 0,
                kind: FaultKind::Errors { rate: 0.5 },
            }]
        );
    }

    /// The values shown beside `label` in the figures grid, one per architecture.
    fn row(h: &Harness, label: &str) -> Vec<String> {
        let Some(i) = h.texts.iter().position(|(t, _)| t == label) else {
            panic!("no row {label:?}: {}", h.all());
        };
        let n = h.viewer.archs.len();
        h.texts[i + 1..i + 1 + n]
            .iter()
            .map(|(t, _)| t.clone())
            .collect()
    }

    #[test]
    fn the_figures_panels_totals_are_what_choreo_run_writes_at_the_same_time() {
        // Each scenario stepped as the viewer steps it (frames of a simulated second, an
        // event budget a frame, the horizon extended), then `choreo run --horizon t`.
        for (name, t) in [
            ("photo-sharing", 300),
            ("failure-isolation", 900),
            ("platform-limits", 600),
            ("distributed-over-stateless", 600),
            ("choreography-vs-orchestration", 3600),
        ] {
            let viewer = Viewer::open(name).unwrap();
            let mut h = Harness::new(viewer, figures::show);
            h.viewer.run_to(t * NS_PER_S, NS_PER_S);
            h.frame(Vec::new());
            let mut scenario = choreo_sim::bundled::load(name).unwrap().unwrap().scenario;
            scenario.horizon = t * NS_PER_S;
            let report =
                choreo_sim::run::run_scenario(&scenario, &choreo_sim::run::RunOptions::default())
                    .unwrap();
            let header = choreo_sim::report::summary_header();
            let rows = choreo_sim::report::summary_rows(&report);
            let csv = |arch: usize, column: &str| {
                let i = header.iter().position(|c| *c == column).unwrap();
                rows[arch][i].clone()
            };
            let all = |label: &str| -> Vec<String> {
                row(&h, label)
                    .iter()
                    .map(|v| v.rsplit(" / ").next().unwrap().to_string())
                    .collect()
            };
            let mut nonzero = 0;
            for (label, column) in [
                ("transactions", "transactions"),
                ("completed", "completed"),
                ("cold starts (window / all)", "cold_starts"),
                ("throttled (window / all)", "throttled"),
                ("rejected (window / all)", "rejected"),
                ("failed (window / all)", "failed"),
                ("dead-lettered (window / all)", "dead_lettered"),
                ("in flight", "in_flight"),
            ] {
                let shown = all(label);
                for (arch, v) in shown.iter().enumerate() {
                    assert_eq!(*v, csv(arch, column), "{name} at {t} s: {label} of {arch}");
                    nonzero += usize::from(v != "0");
                }
            }
            assert!(nonzero > 0, "{name}");
            let cost = row(&h, "cost so far");
            for (arch, v) in cost.iter().enumerate() {
                let billed: f64 = csv(arch, "cost_usd").parse().unwrap();
                assert_eq!(*v, figures::usd(billed), "{name}: cost of {arch}");
            }
        }
        // Between them the scenarios show failures, rejections and dead letters.
    }
}
