//! The scenario's own words for a workshop: what it is about, what to try, what to notice.

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
        });
}
