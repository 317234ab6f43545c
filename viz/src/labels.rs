//! Text in the scene: architecture titles, component names and kinds, each node's live
//! state in words, and the rate on aggregated edges.

use bevy::prelude::*;
use bevy::sprite::Anchor;
use choreo_sim::model::ComponentState;
use choreo_sim::scenario::FaultKind;

use crate::draw::{kind_color, store_capacity};
use crate::layout::NODE_RADIUS;
use crate::live::{Clock, Viewer};
use crate::particles::{Activity, Lane};

/// Every text entity of the scene (despawned when the scenario changes).
#[derive(Component)]
pub struct SceneText;

/// The live-state line of a node.
#[derive(Component)]
pub struct StateLabel {
    arch: usize,
    comp: usize,
}

/// The rate shown on a busy lane.
#[derive(Component)]
pub struct LaneLabel {
    arch: usize,
    lane: Lane,
}

/// Scene text.
pub struct LabelsPlugin;

/// How often (real time) the live-state and rate labels are rewritten. Faster is
/// unreadable at high speeds, and every rewritten label is shaped and laid out again.
const REFRESH_SECONDS: f32 = 0.2;

/// Paces the label updates in real time.
#[derive(Resource)]
struct Refresh(Timer);

fn tick_refresh(time: Res<Time<Real>>, mut refresh: ResMut<Refresh>) {
    refresh.0.tick(time.delta());
}

/// Due when the refresh timer fired this frame or the labels were just spawned.
fn refresh_due(refresh: Res<Refresh>, fresh: Query<(), Added<StateLabel>>) -> bool {
    refresh.0.just_finished() || !fresh.is_empty()
}

impl Plugin for LabelsPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Refresh(Timer::from_seconds(
            REFRESH_SECONDS,
            TimerMode::Repeating,
        )))
        .add_systems(
            PostUpdate,
            (
                spawn_labels,
                tick_refresh,
                (update_states, update_lanes).run_if(refresh_due),
            )
                .chain(),
        );
    }
}

fn text(
    value: impl Into<String>,
    size: f32,
    color: Color,
    at: Vec2,
    anchor: Anchor,
) -> impl Bundle {
    (
        SceneText,
        Text2d::new(value),
        TextFont::from_font_size(size),
        TextColor(color),
        anchor,
        Transform::from_xyz(at.x, at.y, 10.0),
    )
}

fn spawn_labels(
    mut commands: Commands,
    viewer: Res<Viewer>,
    existing: Query<Entity, With<SceneText>>,
    mut built: Local<Option<u64>>,
) {
    if *built == Some(viewer.generation) {
        return;
    }
    *built = Some(viewer.generation);
    for e in &existing {
        commands.entity(e).despawn();
    }
    let white = Color::srgb(0.92, 0.92, 0.95);
    for (index, (live, layout)) in viewer.archs.iter().zip(&viewer.layout.archs).enumerate() {
        let arch = live.architecture();
        commands.spawn(text(
            format!("{}  ({})", layout.name, index + 1),
            36.0,
            white,
            Vec2::new(layout.title[0], layout.title[1]),
            Anchor::TOP_LEFT,
        ));
        let u = layout.users;
        commands.spawn(text(
            "users",
            20.0,
            white,
            Vec2::new(u[0], u[1] - 32.0),
            Anchor::CENTER,
        ));
        for (id, comp) in arch.components.iter().enumerate() {
            let c = layout.nodes[id];
            commands.spawn(text(
                comp.name.clone(),
                24.0,
                white,
                Vec2::new(c[0], c[1] + NODE_RADIUS + 30.0),
                Anchor::CENTER,
            ));
            commands.spawn(text(
                comp.spec.kind_name(),
                16.0,
                kind_color(&comp.spec).with_alpha(0.8),
                Vec2::new(c[0], c[1] + NODE_RADIUS + 10.0),
                Anchor::CENTER,
            ));
            commands.spawn((
                text(
                    "",
                    18.0,
                    Color::srgb(0.75, 0.78, 0.85),
                    Vec2::new(c[0], c[1] - NODE_RADIUS - 44.0),
                    Anchor::CENTER,
                ),
                StateLabel {
                    arch: index,
                    comp: id,
                },
            ));
        }
        let lanes = layout
            .edges
            .iter()
            .enumerate()
            .map(|(i, e)| (Lane::Edge(i), e.path))
            .chain(std::iter::once((Lane::Entry, layout.entry_path)));
        for (lane, path) in lanes {
            let m = path.at(0.5);
            commands.spawn((
                text(
                    "",
                    18.0,
                    white,
                    Vec2::new(m[0], m[1] + 14.0),
                    Anchor::CENTER,
                ),
                LaneLabel { arch: index, lane },
            ));
        }
    }
}

fn fault_word(kind: &FaultKind) -> &'static str {
    match kind {
        FaultKind::Outage => "OUTAGE",
        FaultKind::Slow { .. } => "SLOW",
        FaultKind::Errors { .. } => "ERRORS",
        FaultKind::CapacityCut { .. } => "CAPACITY CUT",
        FaultKind::Crash(_) => "CRASHING",
        FaultKind::Poison { .. } => "POISON",
    }
}

fn update_states(
    viewer: Res<Viewer>,
    mut labels: Query<(&StateLabel, &mut Text2d, &mut TextColor)>,
) {
    for (label, mut text, mut color) in &mut labels {
        let Some(live) = viewer.archs.get(label.arch) else {
            continue;
        };
        let mut line = match live.view.snapshot.get(label.comp) {
            Some(ComponentState::Function {
                starting,
                busy,
                idle,
            }) => {
                let mut s = format!("{busy} busy, {idle} warm");
                if *starting > 0 {
                    s += &format!(", {starting} cold");
                }
                s
            }
            Some(ComponentState::Server {
                busy,
                workers,
                backlog,
            }) => {
                let mut s = format!("{busy}/{workers} workers");
                if *backlog > 0 {
                    s += &format!(", {backlog} queued");
                }
                s
            }
            Some(ComponentState::Queue { visible, in_flight }) => {
                format!("depth {}", visible + in_flight)
            }
            Some(ComponentState::Store {
                in_service,
                waiting,
            }) => {
                let spec = &live.architecture().components[label.comp].spec;
                let mut s = match store_capacity(spec) {
                    Some(n) => format!("{in_service}/{n} ops"),
                    None => format!("{in_service} ops"),
                };
                if *waiting > 0 {
                    s += &format!(", {waiting} waiting");
                }
                s
            }
            _ => String::new(),
        };
        let faults: Vec<&'static str> = live
            .active_faults()
            .iter()
            .filter(|f| f.1 == label.comp)
            .map(|f| fault_word(&f.2))
            .collect();
        let tint = if faults.is_empty() {
            Color::srgb(0.75, 0.78, 0.85)
        } else {
            line = format!("{}: {line}", faults.join(" + "));
            Color::srgb(1.0, 0.4, 0.35)
        };
        color.set_if_neq(TextColor(tint));
        if text.0 != line {
            text.0 = line;
        }
    }
}

fn update_lanes(
    viewer: Res<Viewer>,
    activity: Res<Activity>,
    clock: Res<Clock>,
    mut labels: Query<(&LaneLabel, &mut Text2d)>,
) {
    for (label, mut text) in &mut labels {
        let traffic = activity
            .archs
            .get(label.arch)
            .and_then(|a| match label.lane {
                Lane::Entry => Some(&a.entry),
                Lane::Edge(i) => a.edges.get(i),
                Lane::Loose => None,
            });
        let line = match traffic {
            Some(t) if t.aggregated && clock.speed > 0.0 && !viewer.archs.is_empty() => {
                let per_sim_s = f64::from(t.per_second) / clock.speed;
                format!("{} /s", compact(per_sim_s))
            }
            _ => String::new(),
        };
        if text.0 != line {
            text.0 = line;
        }
    }
}

/// A rate in few characters: 3.2, 45, 1.2k, 35k, 1.2M.
pub fn compact(x: f64) -> String {
    if !x.is_finite() {
        "–".into()
    } else if x >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if x >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if x >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else if x >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}
