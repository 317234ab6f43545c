//! The scenario's own words for a workshop: what it is about, what to try, what to notice,
//! and its questions, each answer hidden until asked for.

use bevy_egui::egui;

use super::Panels;

pub(super) fn show(ui: &mut egui::Ui, p: &mut Panels) {
    let s = &p.viewer.scenario;
    egui::CollapsingHeader::new(egui::RichText::new("lesson").strong())
        .default_open(true)
        .show(ui, |ui| {
            if !s.about.is_empty() {
                ui.label(s.about.trim());
            }
            if !s.lesson.is_empty() {
                ui.add_space(6.0);
                ui.label(egui::RichText::new(s.lesson.trim()).italics());
            }
            if s.about.is_empty() && s.lesson.is_empty() {
                ui.label(egui::RichText::new("(this scenario has no about or lesson text)").weak());
            }
            // Answers shown belong to the scenario they were asked of.
            if p.state.revealed.0 != p.viewer.source {
                p.state.revealed = (p.viewer.source.clone(), Vec::new());
            }
            for (i, q) in s.questions.iter().enumerate() {
                ui.add_space(6.0);
                ui.label(egui::RichText::new(format!("{}. {}", i + 1, q.ask)).strong());
                if !q.set.is_empty() {
                    // The window runs the scenario as written; this question is about
                    // another run, which the load panel or the command line gives.
                    let flags = choreo_sim::lesson::flags(&q.set);
                    ui.label(egui::RichText::new(format!("on a run with {flags}")).weak());
                }
                if p.state.revealed.1.contains(&i) {
                    ui.label(&q.answer);
                } else if ui
                    .small_button("show the answer")
                    .on_hover_text("predict first, then run and look")
                    .clicked()
                {
                    p.state.revealed.1.push(i);
                }
            }
        });
}
