//! The inspector: the clicked component's configuration and live figures.

use bevy_egui::egui;
use choreo_sim::model::ComponentState;

use super::Panels;

pub(super) fn show(ui: &mut egui::Ui, p: &mut Panels) {
    ui.label(egui::RichText::new("inspector").strong());
    let Some((a, c)) = p.selected.0 else {
        ui.label(egui::RichText::new("click a node to inspect it").weak());
        return;
    };
    let Some(live) = p.viewer.archs.get(a) else {
        return;
    };
    let arch = live.architecture();
    let Some(comp) = arch.components.get(c) else {
        return;
    };
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new(&comp.name).strong().size(16.0));
        ui.label(format!("{} in {}", comp.spec.kind_name(), arch.name));
        if ui.small_button("✖").clicked() {
            p.selected.0 = None;
        }
    });
    let state = match live.view.snapshot.get(c) {
        Some(ComponentState::Function {
            starting,
            busy,
            idle,
        }) => format!("instances: {busy} busy, {idle} idle warm, {starting} starting"),
        Some(ComponentState::Server {
            busy,
            workers,
            backlog,
        }) => format!("workers: {busy} of {workers} busy, {backlog} waiting"),
        Some(ComponentState::Queue { visible, in_flight }) => {
            format!("messages: {visible} waiting, {in_flight} received and not deleted")
        }
        Some(ComponentState::Store {
            in_service,
            waiting,
        }) => format!("operations: {in_service} in service, {waiting} waiting for capacity"),
        _ => "stateless".to_string(),
    };
    ui.label(state);
    if let Some(u) = live.view.usage.get(c).copied().flatten() {
        ui.label(format!(
            "time-average instances: {:.2} ({:.2} busy, {:.2} idle)",
            u.instances(),
            u.busy,
            u.idle
        ));
    }
    let costs = live
        .view
        .costs
        .iter()
        .filter(|l| l.component == comp.name && l.cost_usd > 0.0)
        .collect::<Vec<_>>();
    if !costs.is_empty() {
        egui::Grid::new("inspector-costs").show(ui, |ui| {
            for l in costs {
                ui.label(l.item);
                let q = if l.quantity.fract() == 0.0 {
                    format!("{:.0}", l.quantity)
                } else {
                    format!("{:.3}", l.quantity)
                };
                ui.monospace(format!("{q} {}", l.unit));
                ui.monospace(format!("${:.4}", l.cost_usd));
                ui.end_row();
            }
        });
    }
    for (_, _, kind) in live.active_faults().iter().filter(|f| f.1 == c) {
        ui.colored_label(
            egui::Color32::from_rgb(255, 110, 100),
            format!("fault active: {kind:?}"),
        );
    }
    egui::CollapsingHeader::new("configuration, as written")
        .default_open(true)
        .show(ui, |ui| {
            // The scenario's own text: the units, names and defaults the author chose, in
            // the language they wrote it in.
            let text = if comp.source.is_empty() {
                format!("{:#?}", comp.spec)
            } else {
                comp.source.clone()
            };
            ui.label(egui::RichText::new(text).monospace());
        });
}
