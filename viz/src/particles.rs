//! Events as particles: every request, event or message, response, failure, retry and
//! throttle of the frame becomes a particle moving along its edge, born at the moment of
//! the frame its SimEvent happened and despawned when it arrives. When an edge already
//! carries as many as can be told apart, further events are only counted: the edge is drawn
//! thicker and brighter with its rate instead.

use std::collections::{HashMap, HashSet};

use bevy::prelude::*;
use choreo_sim::observe::{SimEvent, TxnId};
use choreo_sim::scenario::CompId;

use crate::layout::{ArchLayout, Path};
use crate::live::{Clock, LiveSet, Viewer};

/// Particles in flight on one edge before further events are aggregated.
pub const PER_EDGE: u32 = 40;
/// Particles in flight in all before aggregating everywhere.
pub const TOTAL: u32 = 4_000;
/// Animation speed of particles [world units per second].
const SPEED: f64 = 420.0;
/// Shortest and longest particle trip [animation s].
const LIFE: (f64, f64) = (0.35, 1.2);
/// How long a node flashes after a throttle or failure [animation s].
pub const FLASH: f64 = 0.6;
/// Bound on the bookkeeping of callers and retries (entries) before it is reset.
const MAX_TRACKED: usize = 200_000;

/// What a particle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pulse {
    /// A synchronous request (the caller waits).
    Request,
    /// An asynchronous event or message.
    Event,
    /// A successful response.
    Response,
    /// A failed response, a dead-lettered message.
    Failure,
    /// A retry or a redriven message.
    Retry,
    /// A request refused for lack of capacity.
    Throttle,
}

impl Pulse {
    /// Every kind, in legend order.
    pub const ALL: [Pulse; 6] = [
        Pulse::Request,
        Pulse::Event,
        Pulse::Response,
        Pulse::Failure,
        Pulse::Retry,
        Pulse::Throttle,
    ];

    /// Name in the legend.
    pub fn label(self) -> &'static str {
        match self {
            Pulse::Request => "request",
            Pulse::Event => "event / message",
            Pulse::Response => "response",
            Pulse::Failure => "failure",
            Pulse::Retry => "retry",
            Pulse::Throttle => "throttle",
        }
    }

    /// Colour (sRGB).
    pub fn rgb(self) -> [f32; 3] {
        match self {
            Pulse::Request => [0.35, 0.75, 1.0],
            Pulse::Event => [1.0, 0.78, 0.2],
            Pulse::Response => [0.35, 0.9, 0.45],
            Pulse::Failure => [1.0, 0.25, 0.25],
            Pulse::Retry => [0.85, 0.45, 1.0],
            Pulse::Throttle => [1.0, 0.5, 0.1],
        }
    }
}

/// Which drawn path a particle travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Between the users and the entry.
    Entry,
    /// Edge `i` of the architecture's layout.
    Edge(usize),
    /// A pair the static topology does not connect (e.g. a redrive).
    Loose,
}

/// One event in flight.
#[derive(Component, Debug, Clone)]
pub struct Particle {
    /// Architecture index.
    pub arch: usize,
    /// What it is.
    pub pulse: Pulse,
    /// Where it travels.
    pub lane: Lane,
    /// Its path, already reversed for responses.
    pub path: Path,
    /// Animation time it sets off [s].
    pub born: f64,
    /// Trip duration [animation s].
    pub life: f64,
}

/// Recent use of one lane.
#[derive(Debug, Clone, Default)]
pub struct LaneTraffic {
    /// Particles on it now.
    pub in_flight: u32,
    /// Events in the current animation second.
    counting: u32,
    /// Events in the last whole animation second.
    pub per_second: u32,
    /// Whether events were aggregated (not drawn) in the last whole second.
    pub aggregated: bool,
    aggregating: bool,
    /// The kind of the last event on it.
    pub last: Option<Pulse>,
}

impl LaneTraffic {
    fn count(&mut self, pulse: Pulse) {
        self.counting += 1;
        self.last = Some(pulse);
    }

    fn roll(&mut self) {
        self.per_second = std::mem::take(&mut self.counting);
        self.aggregated = std::mem::take(&mut self.aggregating);
    }
}

/// Activity of one architecture derived from its events.
#[derive(Debug, Default)]
pub struct ArchActivity {
    /// By layout edge index.
    pub edges: Vec<LaneTraffic>,
    /// The users ↔ entry lane.
    pub entry: LaneTraffic,
    /// Last flash per component: (animation time, kind).
    pub flashes: Vec<Option<(f64, Pulse)>>,
    /// Who is waiting for a synchronous request: (txn, callee) → caller.
    callers: HashMap<(TxnId, CompId), Option<CompId>>,
    /// Transactions whose next request is a retry.
    retrying: HashSet<TxnId>,
}

/// Particle bookkeeping for the whole scene.
#[derive(Resource, Debug, Default)]
pub struct Activity {
    /// One per architecture.
    pub archs: Vec<ArchActivity>,
    /// Particles spawned since the start.
    pub spawned: u64,
    /// Particles that reached the end of their path.
    pub arrived: u64,
    /// Events shown only as counts because their lane was full.
    pub aggregated: u64,
    /// Particles in flight.
    pub in_flight: u32,
    /// Viewer generation and timeline this was built for.
    generation: Option<(u64, u64)>,
    /// Animation second being counted.
    second: i64,
}

/// Particles, lanes and flashes.
pub struct ParticlesPlugin;

impl Plugin for ParticlesPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Activity>().add_systems(
            Update,
            (reset_on_new_scene, spawn, travel)
                .chain()
                .in_set(LiveSet::Animate),
        );
    }
}

/// Particles as small coloured discs: sprites of one generated disc image, tinted by kind.
/// Sprites of one image are drawn in a single batch of quads, where a mesh circle per
/// particle costs dozens of triangles each under a software renderer.
pub(crate) struct ParticleLooks;

/// Diameter of a particle in world units.
const PARTICLE_SIZE: f32 = 16.0;

#[derive(Resource)]
struct ParticleAssets {
    disc: Handle<Image>,
}

impl Plugin for ParticleLooks {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, make_particle_assets)
            .add_systems(PostUpdate, dress_particles);
    }
}

/// A white disc with a soft one-texel edge, `side` texels across.
fn disc_image(side: u32) -> Image {
    use bevy::asset::RenderAssetUsages;
    use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
    let r = side as f32 / 2.0;
    let mut data = Vec::with_capacity((side * side * 4) as usize);
    for y in 0..side {
        for x in 0..side {
            let d = Vec2::new(x as f32 + 0.5 - r, y as f32 + 0.5 - r).length();
            let alpha = (r - d).clamp(0.0, 1.0);
            data.extend_from_slice(&[255, 255, 255, (alpha * 255.0).round() as u8]);
        }
    }
    Image::new(
        Extent3d {
            width: side,
            height: side,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        data,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    )
}

fn make_particle_assets(mut commands: Commands, mut images: ResMut<Assets<Image>>) {
    let disc = images.add(disc_image(32));
    commands.insert_resource(ParticleAssets { disc });
}

fn dress_particles(
    mut commands: Commands,
    assets: Option<Res<ParticleAssets>>,
    added: Query<(Entity, &Particle), Added<Particle>>,
) {
    let Some(assets) = assets else {
        return;
    };
    for (entity, p) in &added {
        let [r, g, b] = p.pulse.rgb();
        commands.entity(entity).insert(Sprite {
            image: assets.disc.clone(),
            color: Color::srgb(r, g, b),
            custom_size: Some(Vec2::splat(PARTICLE_SIZE)),
            ..default()
        });
    }
}

/// Starts afresh (no particles, empty counters) when the scenario or seed changed.
fn reset_on_new_scene(
    mut commands: Commands,
    viewer: Res<Viewer>,
    mut activity: ResMut<Activity>,
    particles: Query<Entity, With<Particle>>,
) {
    if activity.generation == Some((viewer.generation, viewer.epoch)) {
        return;
    }
    for e in &particles {
        commands.entity(e).despawn();
    }
    activity.archs = viewer
        .layout
        .archs
        .iter()
        .map(|l| ArchActivity {
            edges: vec![LaneTraffic::default(); l.edges.len()],
            flashes: vec![None; l.nodes.len()],
            ..ArchActivity::default()
        })
        .collect();
    activity.in_flight = 0;
    activity.generation = Some((viewer.generation, viewer.epoch));
}

/// Where an event goes on screen: lane, path, kind; `None` for events not drawn as particles.
fn route(
    layout: &ArchLayout,
    act: &mut ArchActivity,
    event: &SimEvent,
    now: f64,
) -> Option<(Lane, Path, Pulse)> {
    let lane = |from: CompId, to: CompId| -> (Lane, Path, bool) {
        if let Some(i) = layout.edge(from, to) {
            (Lane::Edge(i), layout.edges[i].path, false)
        } else if let Some(i) = layout.edge(to, from) {
            (Lane::Edge(i), layout.edges[i].path, true)
        } else {
            let (a, b) = (layout.nodes[from], layout.nodes[to]);
            (Lane::Loose, Path::between(a, b, 0.25, 38.0, 38.0), false)
        }
    };
    let flash = |act: &mut ArchActivity, comp: CompId, pulse: Pulse| {
        if let Some(f) = act.flashes.get_mut(comp) {
            *f = Some((now, pulse));
        }
    };
    if act.callers.len() > MAX_TRACKED {
        act.callers.clear();
    }
    if act.retrying.len() > MAX_TRACKED {
        act.retrying.clear();
    }
    match *event {
        SimEvent::Request {
            txn,
            from,
            to,
            sync,
        } => {
            if sync {
                act.callers.insert((txn, to), from);
            }
            let pulse = if act.retrying.remove(&txn) {
                Pulse::Retry
            } else if sync {
                Pulse::Request
            } else {
                Pulse::Event
            };
            match from {
                Some(f) => {
                    let (l, p, rev) = lane(f, to);
                    Some((l, if rev { p.reversed() } else { p }, pulse))
                }
                None if to == layout.entry => Some((Lane::Entry, layout.entry_path, pulse)),
                None => {
                    let p = Path::between(layout.users, layout.nodes[to], 0.1, 14.0, 38.0);
                    Some((Lane::Loose, p, pulse))
                }
            }
        }
        SimEvent::Reply { txn, from, to, ok } => {
            act.callers.remove(&(txn, from));
            let pulse = if ok { Pulse::Response } else { Pulse::Failure };
            if !ok {
                flash(act, from, Pulse::Failure);
            }
            match to {
                Some(c) => {
                    let (l, p, rev) = lane(c, from);
                    Some((l, if rev { p } else { p.reversed() }, pulse))
                }
                None => Some((Lane::Entry, layout.entry_path.reversed(), pulse)),
            }
        }
        SimEvent::Throttled { txn, comp } | SimEvent::Rejected { txn, comp } => {
            flash(act, comp, Pulse::Throttle);
            match act.callers.remove(&(txn, comp)) {
                Some(Some(caller)) => {
                    let (l, p, rev) = lane(caller, comp);
                    Some((l, if rev { p } else { p.reversed() }, Pulse::Throttle))
                }
                Some(None) => Some((Lane::Entry, layout.entry_path.reversed(), Pulse::Throttle)),
                None => None,
            }
        }
        SimEvent::DeadLettered {
            queue, dead_letter, ..
        } => {
            let (l, p, rev) = lane(queue, dead_letter);
            Some((l, if rev { p.reversed() } else { p }, Pulse::Failure))
        }
        SimEvent::Redriven { from, to, .. } => {
            let (l, p, rev) = lane(from, to);
            Some((l, if rev { p.reversed() } else { p }, Pulse::Retry))
        }
        SimEvent::Retried { txn, comp, .. } => {
            act.retrying.insert(txn);
            flash(act, comp, Pulse::Retry);
            None
        }
        SimEvent::StepFailed { comp, .. }
        | SimEvent::InstanceCrashed { comp, .. }
        | SimEvent::InvocationTimedOut { comp, .. } => {
            flash(act, comp, Pulse::Failure);
            None
        }
        SimEvent::TimedOut { comp, target, .. } | SimEvent::ShortCircuited { comp, target, .. } => {
            flash(act, comp, Pulse::Failure);
            flash(act, target, Pulse::Failure);
            None
        }
        _ => None,
    }
}

/// Spawns the frame's particles, staggered over the frame by their event times.
fn spawn(
    mut commands: Commands,
    viewer: Res<Viewer>,
    clock: Res<Clock>,
    mut activity: ResMut<Activity>,
) {
    let second = clock.visual.floor() as i64;
    if second != activity.second {
        activity.second = second;
        for a in &mut activity.archs {
            a.entry.roll();
            a.edges.iter_mut().for_each(LaneTraffic::roll);
        }
    }
    if clock.visual_dt <= 0.0 {
        return;
    }
    let frame_begin = clock.visual - clock.visual_dt;
    let Activity {
        archs,
        spawned,
        aggregated,
        in_flight,
        ..
    } = &mut *activity;
    for (index, (live, layout)) in viewer.archs.iter().zip(&viewer.layout.archs).enumerate() {
        let Some(act) = archs.get_mut(index) else {
            continue;
        };
        let span = live.now().saturating_sub(live.frame_start).max(1) as f64;
        for (t, event) in &live.events {
            let Some((lane, path, pulse)) = route(layout, act, event, clock.visual) else {
                continue;
            };
            let traffic = match lane {
                Lane::Entry => Some(&mut act.entry),
                Lane::Edge(i) => act.edges.get_mut(i),
                Lane::Loose => None,
            };
            let full = *in_flight >= TOTAL;
            if let Some(tr) = traffic {
                tr.count(pulse);
                if full || tr.in_flight >= PER_EDGE {
                    tr.aggregating = true;
                    *aggregated += 1;
                    continue;
                }
                tr.in_flight += 1;
            } else if full {
                *aggregated += 1;
                continue;
            }
            let frac = (t.saturating_sub(live.frame_start)) as f64 / span;
            let length = path_length(&path);
            let life = (f64::from(length) / SPEED).clamp(LIFE.0, LIFE.1);
            let start = path.from;
            commands.spawn((
                Particle {
                    arch: index,
                    pulse,
                    lane,
                    path,
                    born: frame_begin + frac * clock.visual_dt,
                    life,
                },
                Transform::from_xyz(start[0], start[1], 5.0),
            ));
            *spawned += 1;
            *in_flight += 1;
        }
    }
}

fn path_length(p: &Path) -> f32 {
    let mut len = 0.0;
    let mut prev = p.at(0.0);
    for i in 1..=8 {
        let q = p.at(i as f32 / 8.0);
        len += ((q[0] - prev[0]).powi(2) + (q[1] - prev[1]).powi(2)).sqrt();
        prev = q;
    }
    len
}

/// Moves particles along their paths and despawns those that arrived.
fn travel(
    mut commands: Commands,
    clock: Res<Clock>,
    mut activity: ResMut<Activity>,
    mut particles: Query<(Entity, &Particle, &mut Transform)>,
) {
    if clock.visual_dt <= 0.0 {
        return;
    }
    for (entity, p, mut transform) in &mut particles {
        let u = (clock.visual - p.born) / p.life;
        if u >= 1.0 {
            commands.entity(entity).despawn();
            activity.arrived += 1;
            activity.in_flight = activity.in_flight.saturating_sub(1);
            if let Some(act) = activity.archs.get_mut(p.arch) {
                let lane = match p.lane {
                    Lane::Entry => Some(&mut act.entry),
                    Lane::Edge(i) => act.edges.get_mut(i),
                    Lane::Loose => None,
                };
                if let Some(l) = lane {
                    l.in_flight = l.in_flight.saturating_sub(1);
                }
            }
            continue;
        }
        let at = p.path.at(u.max(0.0) as f32);
        transform.translation.x = at[0];
        transform.translation.y = at[1];
    }
}
