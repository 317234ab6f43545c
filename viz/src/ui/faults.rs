//! Faults now: pick an architecture and a component, start an outage, a slowdown or an
//! error burst, and stop it again. Faults the scenario plans are listed too.

use bevy_egui::egui;
use choreo_sim::engine::NS_PER_S;
use choreo_sim::scenario::FaultKind;

use super::Panels;
use crate::live::Command;

/// The kinds of fault the panel starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultChoice {
    /// Every call fails at once.
    Outage,
    /// Work takes five times as long, plus 200 ms.
    Slow,
    /// Half of the calls fail.
    Errors,
}

impl FaultChoice {
    /// The simulation's fault.
    pub fn kind(self) -> FaultKind {
        match self {
            FaultChoice::Outage => FaultKind::Outage,
            FaultChoice::Slow => FaultKind::Slow {
                factor: 5.0,
                add: NS_PER_S / 5,
            },
            FaultChoice::Errors => FaultKind::Errors { rate: 0.5 },
        }
    }

    fn label(self) -> &'static str {
        match self {
            FaultChoice::Outage => "outage",
            FaultChoice::Slow => "slowdown ×5 +200 ms",
            FaultChoice::Errors => "errors 50%",
        }
    }
}

pub(super) fn show(ui: &mut egui::Ui, p: &mut Panels) {
    ui.label(egui::RichText::new("faults").strong());
    let archs = &p.viewer.archs;
    if archs.is_empty() {
        return;
    }
    p.state.fault_arch = p.state.fault_arch.min(archs.len() - 1);
    // A node clicked in the scene becomes the fault target (once per click).
    if p.selected.0 != p.state.last_selected {
        p.state.last_selected = p.selected.0;
        if let Some((a, c)) = p.selected.0
            && a < archs.len()
            && c < archs[a].architecture().components.len()
        {
            p.state.fault_arch = a;
            p.state.fault_comp = c;
        }
    }
    let arch = archs[p.state.fault_arch].architecture();
    p.state.fault_comp = p
        .state
        .fault_comp
        .min(arch.components.len().saturating_sub(1));
    egui::ComboBox::from_id_salt("fault-arch")
        .selected_text(&arch.name)
        .show_ui(ui, |ui| {
            for (i, a) in archs.iter().enumerate() {
                ui.selectable_value(&mut p.state.fault_arch, i, &a.architecture().name);
            }
        });
    let arch = archs[p.state.fault_arch].architecture();
    egui::ComboBox::from_id_salt("fault-comp")
        .selected_text(&arch.components[p.state.fault_comp].name)
        .show_ui(ui, |ui| {
            for (i, c) in arch.components.iter().enumerate() {
                ui.selectable_value(
                    &mut p.state.fault_comp,
                    i,
                    format!("{} ({})", c.name, c.spec.kind_name()),
                );
            }
        });
    ui.horizontal(|ui| {
        for choice in [FaultChoice::Outage, FaultChoice::Slow, FaultChoice::Errors] {
            ui.radio_value(&mut p.state.fault_kind, choice, choice.label());
        }
    });
    if ui.button("start fault now").clicked() {
        p.commands.push(Command::StartFault {
            arch: p.state.fault_arch,
            comp: p.state.fault_comp,
            kind: p.state.fault_kind.kind(),
        });
    }
    for (index, live) in archs.iter().enumerate() {
        let arch = live.architecture();
        for &(id, comp, kind) in live.active_faults() {
            ui.horizontal(|ui| {
                ui.colored_label(
                    egui::Color32::from_rgb(255, 110, 100),
                    format!(
                        "{} / {}: {}",
                        arch.name,
                        arch.components[comp].name,
                        kind.name()
                    ),
                );
                if live.view.viewer_faults.contains(&id) {
                    if ui.small_button("stop").clicked() {
                        p.commands.push(Command::EndFault {
                            arch: index,
                            fault: id,
                        });
                    }
                } else {
                    ui.label(egui::RichText::new("(planned)").weak());
                }
            });
        }
    }
}
