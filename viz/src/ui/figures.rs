//! Figures per architecture, side by side, over the rolling window: response and done
//! percentiles, throughput, cold starts, throttles, failures, instances, the cost so far
//! and its monthly projection; then a chart over time of latency, cost or instances.

use bevy_egui::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::Panels;
use crate::figures::{HistoryPoint, WINDOW};
use crate::labels::compact;

/// Colours of the architectures in charts, in scenario order.
const ARCH_COLORS: [egui::Color32; 4] = [
    egui::Color32::from_rgb(110, 170, 255),
    egui::Color32::from_rgb(255, 160, 60),
    egui::Color32::from_rgb(120, 220, 120),
    egui::Color32::from_rgb(220, 120, 255),
];

fn ms(x: f64) -> String {
    if x.is_nan() {
        "–".into()
    } else if x >= 1000.0 {
        format!("{:.2} s", x / 1000.0)
    } else {
        format!("{x:.0} ms")
    }
}

pub(super) fn usd(x: f64) -> String {
    if x >= 1000.0 {
        format!("${}", compact(x))
    } else if x >= 1.0 {
        format!("${x:.2}")
    } else {
        format!("${x:.4}")
    }
}

/// What the month figure extrapolates, under the grid.
pub(super) const MONTH_NOTE: &str = "month: the spending of the last 60 simulated seconds × 30.44 days (free tiers and monthly minimums not applied)";

/// The grid of figures, then the chart (the panels' tests draw both at once).
#[cfg(test)]
pub(super) fn show(ui: &mut egui::Ui, p: &mut Panels) {
    grid(ui, p);
    ui.add_space(6.0);
    charts(ui, p, 160.0);
}

/// The figures of every architecture side by side.
pub(super) fn grid(ui: &mut egui::Ui, p: &mut Panels) {
    let archs = &p.viewer.archs;
    ui.label(
        egui::RichText::new(format!(
            "figures (last {} s simulated)",
            WINDOW / 1_000_000_000
        ))
        .strong(),
    );
    egui::Grid::new("figures")
        .striped(true)
        .spacing([12.0, 1.0])
        .num_columns(archs.len() + 1)
        .show(ui, |ui| {
            ui.label("");
            for (i, a) in archs.iter().enumerate() {
                ui.colored_label(
                    ARCH_COLORS[i % ARCH_COLORS.len()],
                    egui::RichText::new(&a.architecture().name).strong(),
                );
            }
            ui.end_row();
            let mut row = |name: &str, f: &dyn Fn(&crate::live::ArchLive) -> String| {
                ui.label(name);
                for a in archs {
                    ui.monospace(f(a));
                }
                ui.end_row();
            };
            let pct = |v: [f64; 3]| format!("{} / {} / {}", ms(v[0]), ms(v[1]), ms(v[2]));
            row("response p50/95/99", &|a| pct(a.summary().response_ms));
            row("done p50/95/99", &|a| pct(a.summary().done_ms));
            row("arrivals /s", &|a| compact(a.summary().arrivals_per_s));
            row("throughput /s", &|a| compact(a.summary().throughput));
            // Totals are `summary.csv`'s figures: the same session's metrics and counts.
            row("transactions", &|a| a.counts().arrived.to_string());
            row("completed", &|a| a.counts().completed.to_string());
            row("cold starts (window / all)", &|a| {
                format!(
                    "{} / {}",
                    a.summary().window_cold_starts,
                    a.view.cold_starts
                )
            });
            row("throttled (window / all)", &|a| {
                format!("{} / {}", a.summary().window_throttled, a.view.throttled)
            });
            row("rejected (window / all)", &|a| {
                format!("{} / {}", a.summary().window_rejected, a.view.rejected)
            });
            row("failed (window / all)", &|a| {
                format!("{} / {}", a.summary().window_failed, a.counts().failed)
            });
            row("dead-lettered (window / all)", &|a| {
                format!(
                    "{} / {}",
                    a.summary().window_dead_lettered,
                    a.counts().dead_lettered
                )
            });
            row("in flight", &|a| a.counts().in_flight.to_string());
            row("instances", &|a| a.instances().to_string());
            row("cost so far", &|a| usd(a.summary().cost_usd));
            row("per month at the window's rate", &|a| {
                let m = a.summary().month_usd;
                if m.is_nan() {
                    format!("after {} s", WINDOW / 1_000_000_000)
                } else {
                    usd(m)
                }
            });
        });
    ui.label(egui::RichText::new(MONTH_NOTE).small().weak());
}

/// The chart selector and the chart chosen, `height` tall.
pub(super) fn charts(ui: &mut egui::Ui, p: &mut Panels, height: f32) {
    ui.horizontal_wrapped(|ui| {
        ui.label("chart:");
        for c in Chart::ALL {
            ui.selectable_value(&mut p.state.chart, c, c.title());
        }
    });
    // What the selector left of the column, at most `height`: a chart that asked for more
    // than its panel holds would make the panel grow, and the chart with it, frame after
    // frame.
    let height = (ui.available_height() - 24.0).min(height);
    let c = p.state.chart;
    chart(ui, p, c, height);
}

/// The charts over simulated time, one shown at a time (each plot is a few thousand
/// triangles more per frame under a software renderer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// p99 response time.
    Latency,
    /// Cost so far.
    Cost,
    /// Instances and servers running.
    Instances,
}

impl Chart {
    /// Every chart, in the selector's order.
    pub const ALL: [Chart; 3] = [Chart::Latency, Chart::Cost, Chart::Instances];

    /// Its name in the selector.
    pub fn title(self) -> &'static str {
        match self {
            Chart::Latency => "p99 response [ms]",
            Chart::Cost => "cost so far [USD]",
            Chart::Instances => "instances",
        }
    }

    fn value(self, h: &HistoryPoint) -> f64 {
        match self {
            Chart::Latency => h.response_p99_ms,
            Chart::Cost => h.cost_usd,
            Chart::Instances => h.instances,
        }
    }
}

/// What chart `c` plots: per architecture, its name and (simulated s, value) points.
pub(super) fn series(viewer: &crate::live::Viewer, c: Chart) -> Vec<(String, Vec<[f64; 2]>)> {
    viewer
        .archs
        .iter()
        .map(|a| {
            let points = a
                .history()
                .iter()
                .filter(|h| c.value(h).is_finite())
                .map(|h| [h.t, c.value(h)])
                .collect();
            (a.architecture().name.clone(), points)
        })
        .collect()
}

fn chart(ui: &mut egui::Ui, p: &Panels, c: Chart, height: f32) {
    Plot::new(c.title())
        .height(height.max(80.0))
        .legend(Legend::default())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .x_axis_label("simulated s")
        .show(ui, |plot| {
            for (i, (name, points)) in series(p.viewer, c).into_iter().enumerate() {
                plot.line(
                    Line::new(name, PlotPoints::from(points))
                        .color(ARCH_COLORS[i % ARCH_COLORS.len()]),
                );
            }
        });
}
