//! Scenario chooser, clock controls (play, pause, step, speed, restart), the time of day,
//! a load multiplier per workload source, and the particle legend.

use bevy_egui::egui;
use choreo_sim::bundled;

use super::{Panels, time_of_day};
use crate::live::{Command, SPEED_RANGE};
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
