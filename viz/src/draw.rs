//! The topology on screen, redrawn every frame with gizmos: a glyph per component kind,
//! edges whose width and brightness follow their traffic, live state on each node
//! (instance dots, worker and backlog bars, queue depth, store load), flashes on throttles
//! and failures, a mark on every component with an active fault.

use bevy::prelude::*;
use choreo_sim::model::ComponentState;
use choreo_sim::scenario::Spec;

use crate::camera::Selected;
use crate::layout::{NODE_RADIUS, Path, Point};
use crate::live::{Clock, Viewer};
use crate::particles::{Activity, FLASH, LaneTraffic, Pulse};

/// Thin lines: idle edges, outlines.
#[derive(Default, Reflect, GizmoConfigGroup)]
pub struct Thin;
/// Medium lines: busy edges.
#[derive(Default, Reflect, GizmoConfigGroup)]
pub struct Medium;
/// Thick lines: aggregated edges, bars, dots.
#[derive(Default, Reflect, GizmoConfigGroup)]
pub struct Thick;

/// Drawing of nodes and edges.
pub struct DrawPlugin;

impl Plugin for DrawPlugin {
    fn build(&self, app: &mut App) {
        app.init_gizmo_group::<Thin>()
            .init_gizmo_group::<Medium>()
            .init_gizmo_group::<Thick>()
            .add_systems(Startup, configure)
            .add_systems(PostUpdate, (draw_edges, draw_nodes));
    }
}

fn configure(mut store: ResMut<GizmoConfigStore>) {
    store.config_mut::<Thin>().0.line.width = 1.5;
    store.config_mut::<Medium>().0.line.width = 3.0;
    store.config_mut::<Thick>().0.line.width = 6.0;
    store.config_mut::<DefaultGizmoConfigGroup>().0.line.width = 2.0;
}

fn v(p: Point) -> Vec2 {
    Vec2::new(p[0], p[1])
}

/// Colour of a component kind's glyph.
pub fn kind_color(spec: &Spec) -> Color {
    match spec {
        Spec::Server(_) => Color::srgb(0.45, 0.62, 0.9),
        Spec::Function(_) => Color::srgb(1.0, 0.6, 0.2),
        Spec::Gateway(_) => Color::srgb(0.3, 0.85, 0.8),
        Spec::Queue(_) => Color::srgb(0.95, 0.85, 0.3),
        Spec::Topic(_) => Color::srgb(0.95, 0.45, 0.7),
        Spec::Storage(_) => Color::srgb(0.4, 0.8, 0.4),
        Spec::Database(_) => Color::srgb(0.55, 0.7, 1.0),
        Spec::External(_) => Color::srgb(0.7, 0.7, 0.7),
        Spec::Orchestrator(_) => Color::srgb(0.7, 0.5, 1.0),
    }
}

fn pulse_color(p: Pulse, alpha: f32) -> Color {
    let [r, g, b] = p.rgb();
    Color::srgba(r, g, b, alpha)
}

fn curve(path: &Path) -> impl Iterator<Item = Vec2> + '_ {
    (0..=16).map(move |i| v(path.at(i as f32 / 16.0)))
}

/// Edges: thin and dim when idle, wider and brighter with traffic, thick when aggregated;
/// an arrow head at the target.
fn draw_edges(
    viewer: Res<Viewer>,
    activity: Res<Activity>,
    mut thin: Gizmos<Thin>,
    mut medium: Gizmos<Medium>,
    mut thick: Gizmos<Thick>,
) {
    for (index, layout) in viewer.layout.archs.iter().enumerate() {
        let act = activity.archs.get(index);
        let lanes = layout
            .edges
            .iter()
            .enumerate()
            .map(|(i, e)| (e.path, e.sync, act.and_then(|a| a.edges.get(i))))
            .chain(std::iter::once((
                layout.entry_path,
                true,
                act.map(|a| &a.entry),
            )));
        for (path, sync, traffic) in lanes {
            let busy = traffic.map_or(0, |t: &LaneTraffic| t.per_second);
            let aggregated = traffic.is_some_and(|t| t.aggregated);
            let base = if sync {
                [0.55, 0.7, 0.85]
            } else {
                [0.85, 0.75, 0.45]
            };
            let glow = (busy as f32 / 40.0).min(1.0);
            let alpha = 0.35 + 0.65 * glow;
            let color = Color::srgba(base[0], base[1], base[2], alpha);
            if aggregated {
                let bright = Color::srgba(
                    base[0] * 0.5 + 0.5,
                    base[1] * 0.5 + 0.5,
                    base[2] * 0.5 + 0.5,
                    0.75,
                );
                thick.linestrip_2d(curve(&path), bright);
            } else if busy > 0 {
                medium.linestrip_2d(curve(&path), color);
            } else {
                thin.linestrip_2d(curve(&path), color);
            }
            // Arrow head.
            let tip = v(path.to);
            let back = v(path.at(0.9));
            let dir = (tip - back).normalize_or_zero();
            let side = Vec2::new(-dir.y, dir.x);
            thin.line_2d(tip, tip - dir * 10.0 + side * 5.0, color);
            thin.line_2d(tip, tip - dir * 10.0 - side * 5.0, color);
        }
        // The users.
        let u = v(layout.users);
        thin.circle_2d(u + Vec2::new(0.0, 10.0), 7.0, Color::srgb(0.85, 0.85, 0.85));
        thin.arc_2d(
            Isometry2d::from_translation(u - Vec2::new(0.0, 12.0)),
            std::f32::consts::PI,
            14.0,
            Color::srgb(0.85, 0.85, 0.85),
        );
        // The band of this architecture.
        let (lo, hi) = layout.bounds;
        let size = Vec2::new(hi[0] - lo[0], hi[1] - lo[1]);
        thin.rect_2d(
            Isometry2d::from_translation((v(lo) + v(hi)) / 2.0),
            size,
            Color::srgba(1.0, 1.0, 1.0, 0.12),
        );
    }
}

/// Glyph of a component kind at `c`.
fn glyph(g: &mut Gizmos, spec: &Spec, c: Vec2, color: Color) {
    let r = NODE_RADIUS;
    match spec {
        Spec::Server(_) => {
            g.rect_2d(
                Isometry2d::from_translation(c),
                Vec2::new(2.0 * r, 1.5 * r),
                color,
            );
            for k in [-1.0, 0.0, 1.0] {
                let y = c.y + k * r * 0.38;
                g.line_2d(
                    Vec2::new(c.x - r * 0.8, y),
                    Vec2::new(c.x + r * 0.4, y),
                    color,
                );
                g.circle_2d(Vec2::new(c.x + r * 0.65, y), 2.5, color);
            }
        }
        Spec::Function(_) => {
            g.circle_2d(c, r * 0.9, color).resolution(40);
            // A lambda.
            g.line_2d(
                c + Vec2::new(-r * 0.35, r * 0.5),
                c + Vec2::new(r * 0.4, -r * 0.5),
                color,
            );
            g.line_2d(
                c + Vec2::new(0.0, 0.0),
                c + Vec2::new(-r * 0.4, -r * 0.5),
                color,
            );
        }
        Spec::Gateway(_) => {
            let pts = [
                c + Vec2::new(0.0, r),
                c + Vec2::new(r, 0.0),
                c + Vec2::new(0.0, -r),
                c + Vec2::new(-r, 0.0),
            ];
            g.lineloop_2d(pts, color);
            g.line_2d(
                c + Vec2::new(-r * 0.45, 0.0),
                c + Vec2::new(r * 0.45, 0.0),
                color,
            );
            g.line_2d(
                c + Vec2::new(r * 0.45, 0.0),
                c + Vec2::new(r * 0.2, r * 0.2),
                color,
            );
            g.line_2d(
                c + Vec2::new(r * 0.45, 0.0),
                c + Vec2::new(r * 0.2, -r * 0.2),
                color,
            );
        }
        Spec::Queue(_) => {
            let size = Vec2::new(2.1 * r, 0.8 * r);
            g.rect_2d(Isometry2d::from_translation(c), size, color);
            for k in 1..5 {
                let x = c.x - size.x / 2.0 + size.x * k as f32 / 5.0;
                g.line_2d(
                    Vec2::new(x, c.y - size.y / 2.0),
                    Vec2::new(x, c.y + size.y / 2.0),
                    color,
                );
            }
        }
        Spec::Topic(_) => {
            g.circle_2d(c, r * 0.95, color).resolution(6);
            for a in 0..3 {
                let ang = a as f32 * std::f32::consts::TAU / 3.0 + 0.5;
                g.line_2d(c, c + Vec2::from_angle(ang) * r * 0.6, color);
            }
        }
        Spec::Storage(_) => {
            let pts = [
                c + Vec2::new(-r * 0.9, r * 0.6),
                c + Vec2::new(r * 0.9, r * 0.6),
                c + Vec2::new(r * 0.65, -r * 0.75),
                c + Vec2::new(-r * 0.65, -r * 0.75),
            ];
            g.lineloop_2d(pts, color);
            g.ellipse_2d(
                c + Vec2::new(0.0, r * 0.6),
                Vec2::new(r * 0.9, r * 0.18),
                color,
            );
        }
        Spec::Database(_) => {
            let half = Vec2::new(r * 0.8, r * 0.22);
            g.ellipse_2d(c + Vec2::new(0.0, r * 0.6), half, color);
            g.ellipse_2d(c + Vec2::new(0.0, 0.0), half, color.with_alpha(0.4));
            g.ellipse_2d(c + Vec2::new(0.0, -r * 0.6), half, color);
            g.line_2d(
                c + Vec2::new(-half.x, r * 0.6),
                c + Vec2::new(-half.x, -r * 0.6),
                color,
            );
            g.line_2d(
                c + Vec2::new(half.x, r * 0.6),
                c + Vec2::new(half.x, -r * 0.6),
                color,
            );
        }
        Spec::External(_) => {
            for (dx, dy, rr) in [(-0.45, -0.1, 0.45), (0.0, 0.2, 0.55), (0.45, -0.1, 0.45)] {
                g.circle_2d(c + Vec2::new(dx * r, dy * r), rr * r, color)
                    .resolution(24);
            }
        }
        Spec::Orchestrator(_) => {
            g.circle_2d(c, r * 0.95, color).resolution(8);
            g.circle_2d(c, r * 0.3, color).resolution(16);
            for a in 0..4 {
                let ang = a as f32 * std::f32::consts::FRAC_PI_2;
                g.line_2d(
                    c + Vec2::from_angle(ang) * r * 0.3,
                    c + Vec2::from_angle(ang) * r * 0.7,
                    color,
                );
            }
        }
    }
}

/// A store's capacity as requests in service at once, where it has one.
pub fn store_capacity(spec: &Spec) -> Option<u32> {
    match spec {
        Spec::Database(d) => match d.capacity {
            choreo_sim::scenario::Capacity::Concurrency(n) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

/// A horizontal bar below a node: `fill` in [0, 1] of it coloured.
fn bar(g: &mut Gizmos<Thick>, c: Vec2, dy: f32, fill: f32, color: Color) {
    let w = NODE_RADIUS * 2.0;
    let left = Vec2::new(c.x - w / 2.0, c.y - dy);
    g.line_2d(
        left,
        left + Vec2::new(w, 0.0),
        Color::srgba(1.0, 1.0, 1.0, 0.15),
    );
    let f = fill.clamp(0.0, 1.0);
    if f > 0.0 {
        g.line_2d(left, left + Vec2::new(w * f, 0.0), color);
    }
}

/// Dots for function instances: starting, busy, idle; at most 30 drawn.
fn dots(g: &mut Gizmos<Thick>, c: Vec2, starting: u32, busy: u32, idle: u32) {
    let kinds = [
        (starting, Color::srgb(0.5, 0.8, 1.0)),
        (busy, Color::srgb(1.0, 0.55, 0.15)),
        (idle, Color::srgb(0.55, 0.55, 0.6)),
    ];
    let mut i = 0u32;
    for (n, color) in kinds {
        for _ in 0..n {
            if i >= 30 {
                return;
            }
            let (col, row) = (i % 10, i / 10);
            let p = Vec2::new(
                c.x - NODE_RADIUS + 3.0 + col as f32 * 7.5,
                c.y - NODE_RADIUS - 12.0 - row as f32 * 8.0,
            );
            g.line_2d(p - Vec2::new(2.0, 0.0), p + Vec2::new(2.0, 0.0), color);
            i += 1;
        }
    }
}

/// Nodes with their live state, flashes and fault marks.
fn draw_nodes(
    viewer: Res<Viewer>,
    activity: Res<Activity>,
    clock: Res<Clock>,
    selected: Option<Res<Selected>>,
    mut g: Gizmos,
    mut thick: Gizmos<Thick>,
) {
    let selected = selected.and_then(|s| s.0);
    for (index, (live, layout)) in viewer.archs.iter().zip(&viewer.layout.archs).enumerate() {
        let arch = live.architecture();
        let faulted: Vec<usize> = live.active_faults().iter().map(|f| f.1).collect();
        for (id, comp) in arch.components.iter().enumerate() {
            let c = v(layout.nodes[id]);
            glyph(&mut g, &comp.spec, c, kind_color(&comp.spec));
            match live.view.snapshot.get(id) {
                Some(&ComponentState::Function {
                    starting,
                    busy,
                    idle,
                }) => dots(&mut thick, c, starting, busy, idle),
                Some(&ComponentState::Server {
                    busy,
                    workers,
                    backlog,
                }) => {
                    let w = workers.max(1) as f32;
                    bar(
                        &mut thick,
                        c,
                        NODE_RADIUS + 12.0,
                        busy as f32 / w,
                        Color::srgb(0.4, 0.75, 1.0),
                    );
                    if backlog > 0 {
                        bar(
                            &mut thick,
                            c,
                            NODE_RADIUS + 21.0,
                            backlog as f32 / w,
                            Color::srgb(1.0, 0.3, 0.3),
                        );
                    }
                }
                Some(&ComponentState::Queue { visible, in_flight }) => {
                    // Depth on a log scale: 1 fills a tenth, 10^4 the whole bar.
                    let depth = (visible + in_flight) as f32;
                    let fill = if depth > 0.0 {
                        (1.0 + depth.log10()) / 5.0
                    } else {
                        0.0
                    };
                    bar(
                        &mut thick,
                        c,
                        NODE_RADIUS + 4.0,
                        fill,
                        Color::srgb(0.95, 0.85, 0.3),
                    );
                }
                Some(&ComponentState::Store {
                    in_service,
                    waiting,
                }) => {
                    let total = (in_service + waiting).max(1) as f32;
                    // Load against capacity where the capacity is a number of requests in
                    // service; otherwise on a log scale (1 a fifth, 10^4 the whole bar).
                    let fill = match store_capacity(&comp.spec) {
                        Some(n) => in_service as f32 / n as f32,
                        None if in_service > 0 => (1.0 + (in_service as f32).log10()) / 5.0,
                        None => 0.0,
                    };
                    bar(
                        &mut thick,
                        c,
                        NODE_RADIUS + 12.0,
                        fill,
                        Color::srgb(0.55, 0.7, 1.0),
                    );
                    if waiting > 0 {
                        bar(
                            &mut thick,
                            c,
                            NODE_RADIUS + 21.0,
                            waiting as f32 / total,
                            Color::srgb(1.0, 0.3, 0.3),
                        );
                    }
                }
                _ => {}
            }
            if let Some(Some((at, pulse))) =
                activity.archs.get(index).and_then(|a| a.flashes.get(id))
            {
                let age = (clock.visual - at) / FLASH;
                if (0.0..1.0).contains(&age) {
                    let color = pulse_color(*pulse, 1.0 - age as f32);
                    thick
                        .circle_2d(c, NODE_RADIUS + 8.0 + 12.0 * age as f32, color)
                        .resolution(40);
                }
            }
            if selected == Some((index, id)) {
                g.rect_2d(
                    Isometry2d::from_translation(c),
                    Vec2::splat(NODE_RADIUS * 2.6),
                    Color::srgb(1.0, 1.0, 1.0),
                );
            }
            if faulted.contains(&id) {
                // A red warning triangle at the top right and a red ring.
                let t = c + Vec2::new(NODE_RADIUS * 0.9, NODE_RADIUS * 0.9);
                let red = Color::srgb(1.0, 0.2, 0.2);
                thick.lineloop_2d(
                    [
                        t + Vec2::new(0.0, 9.0),
                        t + Vec2::new(8.0, -6.0),
                        t + Vec2::new(-8.0, -6.0),
                    ],
                    red,
                );
                g.circle_2d(c, NODE_RADIUS + 3.0, red).resolution(40);
            }
        }
    }
}
