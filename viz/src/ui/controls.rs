//! Scenario chooser, clock controls (play, pause, step, speed, restart), the time of day,
//! the timeline (seek, with a mark per fault and per live command), the load per workload
//! source (a multiplier, a rate, a spike), and the particle legend.

use bevy_egui::egui;
use choreo_sim::bundled;

use choreo_sim::engine::{NS_PER_S, SimTime};

use super::{Panels, time_of_day};
use crate::live::{Command, SPEED_RANGE};
use crate::worker::Action;

/// The spike button's factor and length [ns].
pub(super) const SPIKE: (f64, SimTime) = (10.0, 60 * NS_PER_S);
use crate::particles::Pulse;

pub(super) fn show(ui: &mut egui::Ui, p: &mut Panels) {
    ui.heading("choreo");
    if let Some(notice) = &p.state.notice {
        ui.label(egui::RichText::new(notice).small().weak());
    }
    ui.horizontal(|ui| {
        ui.label("scenario");
        egui::ComboBox::from_id_salt("scenario")
            .selected_text(&p.viewer.name)
            .show_ui(ui, |ui| {
                for b in bundled::ALL {
                    if ui
                        .selectable_label(p.viewer.name == b.name, b.name)
                        .clicked()
                    {
                        p.commands.push(Command::Open(b.name.to_string()));
                    }
                }
            });
        if ui
            .button("reopen")
            .on_hover_text("read the scenario again (e.g. after editing its file)")
            .clicked()
        {
            p.commands.push(Command::Open(p.viewer.source.clone()));
        }
    });
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut p.state.open_text)
                .hint_text("path/to/scenario.ron")
                .desired_width(190.0),
        );
        if ui.button("open").clicked() && !p.state.open_text.trim().is_empty() {
            p.commands
                .push(Command::Open(p.state.open_text.trim().to_string()));
        }
    });
    for w in &p.viewer.warnings {
        ui.colored_label(egui::Color32::from_rgb(230, 190, 90), w);
    }
    ui.separator();

    let now = p.viewer.now();
    ui.label(egui::RichText::new(time_of_day(now)).monospace().size(18.0));
    ui.horizontal(|ui| {
        let label = if p.clock.paused {
            "▶ play"
        } else {
            "⏸ pause"
        };
        if ui.button(label).clicked() {
            p.clock.paused = !p.clock.paused;
        }
        if ui
            .button("step")
            .on_hover_text("advance to the next event, then pause")
            .clicked()
        {
            p.clock.step_once = true;
        }
        if ui
            .button("restart")
            .on_hover_text("start again from time zero with a new seed")
            .clicked()
        {
            let seed = p.viewer.scenario.seed.wrapping_add(p.state.next_seed);
            p.state.next_seed += 1;
            p.commands.push(Command::Restart { seed });
        }
    });
    ui.add(
        egui::Slider::new(&mut p.clock.speed, SPEED_RANGE.0..=SPEED_RANGE.1)
            .logarithmic(true)
            .text("× real time"),
    );
    ui.label(format!("seed {}", p.viewer.scenario.seed));
    if p.clock.lagging {
        ui.colored_label(
            egui::Color32::from_rgb(230, 190, 90),
            "the simulation cannot keep up with this speed: it runs as fast as it can",
        );
    }
    for why in p.viewer.stopped() {
        ui.colored_label(egui::Color32::from_rgb(230, 110, 100), why);
    }
    ui.separator();

    timeline(ui, p);
    ui.separator();

    ui.label(egui::RichText::new("load").strong());
    for (i, source) in p.viewer.scenario.sources.iter().enumerate() {
        let kind = &p.viewer.scenario.kinds[source.kind];
        let mut m = p.viewer.loads.get(i).copied().unwrap_or(1.0);
        let response = ui.add(
            egui::Slider::new(&mut m, 0.0..=20.0)
                .step_by(0.05)
                .text(format!("× {kind}")),
        );
        if response.changed() {
            p.commands.push(Command::SetLoad {
                source: i,
                multiplier: m,
            });
        }
        // The same as a rate: the source's rate now as written, times the multiplier.
        let base = p
            .viewer
            .archs
            .first()
            .and_then(|a| a.view.rates.get(i).copied())
            .unwrap_or(0.0);
        ui.horizontal(|ui| {
            let mut rate = base * m;
            let field = ui.add_enabled(
                base > 0.0,
                egui::DragValue::new(&mut rate)
                    .range(0.0..=base * 1000.0)
                    .speed((base * 0.01).max(0.01))
                    .max_decimals(2)
                    .suffix(" /s"),
            );
            if field.changed() && base > 0.0 {
                p.commands.push(Command::SetLoad {
                    source: i,
                    multiplier: rate / base,
                });
            }
            let (factor, lasts) = SPIKE;
            if ui
                .button(format!("{factor:.0}× spike for {} s", lasts / NS_PER_S))
                .on_hover_text(
                    "multiply this load by ten for a simulated minute, then go back: watch the instances scale and the cold starts",
                )
                .clicked()
            {
                p.commands.push(Command::Spike {
                    source: i,
                    factor,
                    lasts,
                });
            }
        });
    }
    ui.separator();
    ui.horizontal_wrapped(|ui| {
        for pulse in Pulse::ALL {
            let [r, g, b] = pulse.rgb();
            let color =
                egui::Color32::from_rgb((r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8);
            let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter().circle_filled(rect.center(), 4.5, color);
            ui.label(pulse.label());
        }
    });
    ui.label(
        egui::RichText::new(format!(
            "{} particles in flight, {} events shown as edge counts",
            p.activity.in_flight, p.activity.aggregated
        ))
        .small(),
    );
    ui.label(
        egui::RichText::new("wheel: zoom, right-drag: pan, Home: reset, click a node: inspect")
            .small()
            .weak(),
    );
}

/// The timeline: a slider over the simulated time so far; letting go of it goes there
/// (behind, by simulating again from zero with the live commands replayed), with a mark
/// per fault (red) and per live command (blue) under it.
fn timeline(ui: &mut egui::Ui, p: &mut Panels) {
    let now = p.viewer.now();
    let end = p.viewer.furthest.max(now).max(NS_PER_S);
    let s = |t: SimTime| t as f64 / NS_PER_S as f64;
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new("timeline").strong());
        if let Some(to) = p.viewer.seeking {
            ui.label(
                egui::RichText::new(format!("simulating again to {}…", time_of_day(to)))
                    .small()
                    .color(egui::Color32::from_rgb(230, 190, 90)),
            );
        }
    });
    let mut at = p.state.scrub.unwrap_or(s(now));
    let slider = ui
        .scope(|ui| {
            ui.spacing_mut().slider_width = (ui.available_width() - 8.0).max(120.0);
            ui.add(
                egui::Slider::new(&mut at, 0.0..=s(end))
                    .show_value(false)
                    .trailing_fill(true),
            )
        })
        .inner;
    if slider.dragged() {
        p.state.scrub = Some(at);
    }
    let released = slider.drag_stopped() || (slider.changed() && !slider.dragged());
    if released {
        p.state.scrub = None;
        p.commands
            .push(Command::Seek((at * NS_PER_S as f64).round() as SimTime));
    }
    // The marks, under the slider's rail.
    let rail = slider.rect;
    let (marks, _) = ui.allocate_exact_size(egui::vec2(rail.width(), 8.0), egui::Sense::hover());
    let x = |t: SimTime| marks.left() + (s(t) / s(end)) as f32 * marks.width();
    let painter = ui.painter();
    let red = egui::Color32::from_rgb(255, 110, 100);
    let blue = egui::Color32::from_rgb(110, 170, 255);
    for a in &p.viewer.archs {
        for m in a.view.marks.iter().filter(|m| m.began && m.at <= end) {
            painter.line_segment(
                [
                    egui::pos2(x(m.at), marks.top()),
                    egui::pos2(x(m.at), marks.bottom()),
                ],
                egui::Stroke::new(2.0, red),
            );
        }
    }
    for (_, l) in p.viewer.log() {
        if matches!(l.action, Action::SetLoad { .. }) && l.at <= end {
            painter.line_segment(
                [
                    egui::pos2(x(l.at), marks.top()),
                    egui::pos2(x(l.at), marks.bottom()),
                ],
                egui::Stroke::new(2.0, blue),
            );
        }
    }
    ui.horizontal(|ui| {
        ui.label(
            egui::RichText::new(format!(
                "{} of {}",
                time_of_day(
                    p.state
                        .scrub
                        .map_or(now, |t| (t * NS_PER_S as f64) as SimTime)
                ),
                time_of_day(end)
            ))
            .small(),
        );
        if ui
            .small_button("−1 min")
            .on_hover_text("go back a simulated minute")
            .clicked()
        {
            p.commands
                .push(Command::Seek(now.saturating_sub(60 * NS_PER_S)));
        }
    });
    ui.label(
        egui::RichText::new("marks: red a fault began, blue the load changed")
            .small()
            .weak(),
    );
}
