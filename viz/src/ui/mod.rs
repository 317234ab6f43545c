//! The egui panels: controls, load and faults on the left; figures, charts and the
//! inspector on the right; the lesson below the controls. The scene camera draws only in
//! the space between the panels.

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
        }
    }
}

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
    let right = egui::Panel::right("figures")
        .resizable(true)
        .default_size(410.0)
        .frame(frame)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                figures::show(ui, &mut p);
                ui.separator();
                inspector::show(ui, &mut p);
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
        right.min.x.max(left.max.x + 1.0),
        screen.max.y,
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
    #[test]
    fn time_of_day_reads_as_a_clock() {
        assert_eq!(super::time_of_day(0), "day 1, 00:00:00.0");
        assert_eq!(super::time_of_day(3_725_500_000_000), "day 1, 01:02:05.5");
        assert_eq!(
            super::time_of_day(86_400_000_000_000 + 60_000_000_000),
            "day 2, 00:01:00.0"
        );
    }
}
