//! The simulations behind the picture: one [`Session`] per architecture, advanced inside
//! the frame update to `now × speed` on one clock, with the frame's SimEvents, snapshots and
//! figures kept for the drawing and panel systems. UI actions arrive as [`Command`]
//! messages, so everything here runs (and is tested) without a window.

use std::sync::Arc;

use bevy::prelude::*;
use choreo_sim::engine::{NS_PER_S, SimTime};
use choreo_sim::metrics::Metrics;
use choreo_sim::model::{ComponentState, Simulation};
use choreo_sim::observe::SimEvent;
use choreo_sim::scenario::{CompId, FaultKind, Scenario, Spec};
use choreo_sim::session::Session;
use choreo_sim::{bundled, run};

use crate::figures::Figures;
use crate::layout::{SceneLayout, layout_scenario};

/// Simulated time the viewer runs to before stopping: thirty days.
pub const VIEW_HORIZON: SimTime = 30 * 86_400 * NS_PER_S;
/// Slowest and fastest speeds offered [simulated seconds per real second].
pub const SPEED_RANGE: (f64, f64) = (0.1, 10_000.0);
/// Longest frame the clock honours [s]: a stall does not turn into a jump.
const MAX_FRAME_DT: f64 = 0.1;

/// The simulated clock and how it runs.
#[derive(Resource, Debug, Clone)]
pub struct Clock {
    /// Simulated time stands still (the picture too).
    pub paused: bool,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// Advance to the next event on the next frame, then pause.
    pub step_once: bool,
    /// Seconds of animation time so far: it runs while not paused, and moves particles.
    pub visual: f64,
    /// Animation seconds of the last frame.
    pub visual_dt: f64,
    /// Use this frame duration instead of the real one (screenshots, tests, benchmarks).
    pub fixed_dt: Option<f64>,
    /// Most calendar events handled per architecture per frame; beyond it the simulation
    /// falls behind the clock rather than freezing the window.
    pub event_budget: u64,
    /// Simulated time the clock asks for [ns].
    pub target: SimTime,
    /// Whether the last frame ran out of event budget (the speed shown is not reached).
    pub lagging: bool,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            paused: false,
            speed: 1.0,
            step_once: false,
            visual: 0.0,
            visual_dt: 0.0,
            fixed_dt: None,
            event_budget: 400_000,
            target: 0,
            lagging: false,
        }
    }
}

/// One architecture, live.
pub struct ArchLive {
    /// The simulation and what measures it: the same session `choreo run` steps, so the
    /// panels' totals are `summary.csv`'s.
    pub session: Session,
    /// Rolling figures and chart history.
    pub figures: Figures,
    /// Component states as of the end of the last frame.
    pub snapshot: Vec<ComponentState>,
    /// Events of the last frame, in order.
    pub events: Vec<(SimTime, SimEvent)>,
    /// Simulated time at the start of the last frame [ns].
    pub frame_start: SimTime,
    /// Fault ids started from the viewer, by component.
    pub viewer_faults: Vec<(u32, CompId, FaultKind)>,
}

impl ArchLive {
    fn new(scenario: &Arc<Scenario>, index: usize, loads: &[f64]) -> Self {
        let interval = run::default_interval(scenario.horizon);
        let mut session = Session::new(Arc::clone(scenario), index, interval);
        for (source, &load) in loads.iter().enumerate() {
            if load != 1.0 {
                session.sim_mut().set_load(source, load);
            }
        }
        let snapshot = session.sim().snapshot();
        Self {
            session,
            figures: Figures::new(),
            snapshot,
            events: Vec::new(),
            frame_start: 0,
            viewer_faults: Vec::new(),
        }
    }

    /// The simulation.
    pub fn sim(&self) -> &Simulation {
        self.session.sim()
    }

    /// Everything measured since the start (counts, usage for costs).
    pub fn metrics(&self) -> &Metrics {
        self.session.metrics()
    }

    /// Advances to `target` handling at most `budget` calendar events, collecting them in
    /// `events` and the figures; returns whether the budget ran out first.
    pub fn step_to(&mut self, target: SimTime, budget: u64) -> bool {
        let lagging = self.session.step_to(target, budget, &mut self.events);
        for (t, e) in &self.events {
            self.figures.record(*t, e);
        }
        self.snapshot = self.session.sim().snapshot();
        let (now, cost, instances) = (
            self.sim().now(),
            self.cost_usd(),
            f64::from(self.instances()),
        );
        self.figures.refresh(now, cost, instances);
        lagging
    }

    /// Cost so far [USD].
    pub fn cost_usd(&self) -> f64 {
        self.session.costs().iter().map(|c| c.cost_usd).sum()
    }

    /// Live instances: function instances in every state plus server instances.
    pub fn instances(&self) -> u32 {
        self.snapshot
            .iter()
            .zip(&self.sim().architecture().components)
            .map(|(s, c)| match (s, &c.spec) {
                (
                    ComponentState::Function {
                        starting,
                        busy,
                        idle,
                    },
                    _,
                ) => starting + busy + idle,
                (ComponentState::Server { .. }, Spec::Server(server)) => server.instances,
                _ => 0,
            })
            .sum()
    }
}

/// The scenario on screen and its simulations.
#[derive(Resource)]
pub struct Viewer {
    /// What was opened (a file path or a bundled name), for reopening.
    pub source: String,
    /// Short name.
    pub name: String,
    /// The scenario as simulated (horizon extended, seed possibly changed).
    pub scenario: Arc<Scenario>,
    /// Where everything is drawn.
    pub layout: SceneLayout,
    /// One per architecture, in scenario order.
    pub archs: Vec<ArchLive>,
    /// Load multiplier per workload source.
    pub loads: Vec<f64>,
    /// Warnings of the loaded scenario.
    pub warnings: Vec<String>,
    /// The last scenario that failed to open, with every problem, shown in the window.
    pub error: Option<(String, Vec<String>)>,
    /// Bumped whenever a new scenario or seed replaces the simulations.
    pub generation: u64,
}

impl Viewer {
    /// Opens `source` (a file or a bundled name).
    pub fn open(source: &str) -> Result<Self, bundled::OpenError> {
        let (name, loaded) = bundled::open(source)?;
        let warnings = loaded.warnings.iter().map(|w| w.to_string()).collect();
        let mut viewer = Self::from_scenario(source, &name, loaded.scenario);
        viewer.warnings = warnings;
        Ok(viewer)
    }

    /// A viewer of `scenario`.
    pub fn from_scenario(source: &str, name: &str, mut scenario: Scenario) -> Self {
        scenario.horizon = scenario.horizon.max(VIEW_HORIZON);
        let scenario = Arc::new(scenario);
        let loads = vec![1.0; scenario.sources.len()];
        let archs = (0..scenario.architectures.len())
            .map(|i| ArchLive::new(&scenario, i, &loads))
            .collect();
        Self {
            source: source.to_string(),
            name: name.to_string(),
            layout: layout_scenario(&scenario),
            scenario,
            archs,
            loads,
            warnings: Vec::new(),
            error: None,
            generation: 0,
        }
    }

    /// Restarts every simulation from time zero with `seed`, keeping the load multipliers.
    pub fn restart(&mut self, seed: u64) {
        let mut scenario = (*self.scenario).clone();
        scenario.seed = seed;
        self.scenario = Arc::new(scenario);
        self.archs = (0..self.scenario.architectures.len())
            .map(|i| ArchLive::new(&self.scenario, i, &self.loads))
            .collect();
        self.generation += 1;
    }

    /// Simulated time: the slowest architecture's clock [ns], leaving out architectures
    /// whose run stopped on a runaway transaction (their clocks stay where they stopped).
    pub fn now(&self) -> SimTime {
        let running = self.archs.iter().filter(|a| a.sim().runaway().is_none());
        match running.map(|a| a.sim().now()).min() {
            Some(t) => t,
            None => self.archs.iter().map(|a| a.sim().now()).max().unwrap_or(0),
        }
    }

    /// Why each stopped architecture stopped, in the words `choreo run` uses.
    pub fn stopped(&self) -> Vec<String> {
        self.archs
            .iter()
            .filter_map(|a| {
                let r = a.sim().runaway()?;
                Some(run::runaway_error(&self.scenario, a.sim().architecture(), r).to_string())
            })
            .collect()
    }
}

/// What the panels (or a test) ask for.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum Command {
    /// Multiply the arrival rate of a workload source.
    SetLoad {
        /// Source index in the scenario.
        source: usize,
        /// Multiplier (1 = as written).
        multiplier: f64,
    },
    /// Start a fault on a component of one architecture now.
    StartFault {
        /// Architecture index.
        arch: usize,
        /// Component.
        comp: CompId,
        /// What goes wrong.
        kind: FaultKind,
    },
    /// End a fault started earlier.
    EndFault {
        /// Architecture index.
        arch: usize,
        /// Fault id from the simulation.
        fault: u32,
    },
    /// Start again from time zero with this seed.
    Restart {
        /// New seed.
        seed: u64,
    },
    /// Open another scenario (a file path or a bundled name).
    Open(String),
    /// Close the window listing a scenario's errors.
    DismissError,
}

/// The viewer's simulation core: clock, simulations, commands. No rendering.
pub struct LivePlugin {
    /// What to open first.
    pub source: String,
}

impl Plugin for LivePlugin {
    fn build(&self, app: &mut App) {
        let viewer = match Viewer::open(&self.source) {
            Ok(v) => v,
            Err(e) => {
                // Start on the default scenario and show why the requested one failed.
                let mut v = Viewer::open(bundled::DEFAULT).unwrap_or_else(|_| {
                    // The bundled default is checked by the tests; an empty viewer is not
                    // possible, so fall back to the first bundled scenario that loads.
                    first_loadable()
                });
                v.error = Some((self.source.clone(), error_lines(&e)));
                v
            }
        };
        app.insert_resource(viewer)
            .init_resource::<Clock>()
            .add_message::<Command>()
            // The one place the frame's order of sets is configured.
            .configure_sets(Update, (LiveSet::Simulate, LiveSet::Animate).chain())
            .add_systems(
                Update,
                (apply_commands, advance).chain().in_set(LiveSet::Simulate),
            );
    }
}

/// System sets of the viewer, in frame order.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub enum LiveSet {
    /// Commands applied, simulations advanced, events collected.
    Simulate,
    /// Particles, flashes and traffic derived from the events.
    Animate,
}

fn first_loadable() -> Viewer {
    bundled::ALL
        .iter()
        .find_map(|b| Viewer::open(b.name).ok())
        // Invariant: the bundled scenarios are validated by the test suite, so at least
        // one loads; without any the binary could not have been released.
        .expect("a bundled scenario loads")
}

/// The lines of an open error, one problem per line.
pub fn error_lines(e: &bundled::OpenError) -> Vec<String> {
    match e {
        bundled::OpenError::Invalid(err) => err.diagnostics.iter().map(|d| d.to_string()).collect(),
        other => vec![other.to_string()],
    }
}

/// Applies the panels' commands to the simulations.
pub fn apply_commands(
    mut commands: MessageReader<Command>,
    mut viewer: ResMut<Viewer>,
    mut clock: ResMut<Clock>,
) {
    for command in commands.read() {
        match command {
            Command::SetLoad { source, multiplier } => {
                if let Some(l) = viewer.loads.get_mut(*source) {
                    *l = multiplier.max(0.0);
                    for a in &mut viewer.archs {
                        a.session.sim_mut().set_load(*source, multiplier.max(0.0));
                    }
                }
            }
            Command::StartFault { arch, comp, kind } => {
                if let Some(a) = viewer.archs.get_mut(*arch)
                    && *comp < a.sim().architecture().components.len()
                {
                    let id = a.session.sim_mut().start_fault(*comp, *kind, None);
                    a.viewer_faults.push((id, *comp, *kind));
                }
            }
            Command::EndFault { arch, fault } => {
                if let Some(a) = viewer.archs.get_mut(*arch) {
                    a.session.sim_mut().end_fault(*fault);
                    a.viewer_faults.retain(|f| f.0 != *fault);
                }
            }
            Command::Restart { seed } => {
                viewer.restart(*seed);
                clock.target = 0;
            }
            Command::Open(source) => match Viewer::open(source) {
                Ok(mut v) => {
                    v.generation = viewer.generation + 1;
                    *viewer = v;
                    clock.target = 0;
                }
                Err(e) => viewer.error = Some((source.clone(), error_lines(&e))),
            },
            Command::DismissError => viewer.error = None,
        }
    }
}

/// Advances every simulation to the clock's target, collecting the frame's events.
pub fn advance(time: Res<Time>, mut clock: ResMut<Clock>, mut viewer: ResMut<Viewer>) {
    let dt = clock
        .fixed_dt
        .unwrap_or_else(|| f64::from(time.delta_secs()))
        .min(MAX_FRAME_DT);
    let now = viewer.now();
    for a in &mut viewer.archs {
        a.events.clear();
        a.frame_start = a.sim().now();
    }
    if clock.paused && !clock.step_once {
        clock.visual_dt = 0.0;
        return;
    }
    clock.visual_dt = dt;
    clock.visual += dt;
    let horizon = viewer
        .archs
        .iter()
        .map(|a| a.sim().horizon())
        .min()
        .unwrap_or(0);
    let target = if clock.step_once {
        // The earliest next event of any architecture.
        clock.step_once = false;
        clock.paused = true;
        viewer
            .archs
            .iter_mut()
            .filter_map(|a| a.session.sim_mut().next_event_time())
            .min()
            .unwrap_or(now)
    } else {
        let ahead = (dt * clock.speed * NS_PER_S as f64) as SimTime;
        clock.target.max(now).saturating_add(ahead)
    }
    .min(horizon);
    clock.target = target;
    let budget = clock.event_budget;
    let mut lagging = false;
    for a in &mut viewer.archs {
        lagging |= a.step_to(target, budget);
    }
    clock.lagging = lagging;
    if lagging {
        // Do not let the target run away from what the simulations manage.
        clock.target = viewer.now();
    }
}
