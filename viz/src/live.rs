//! The frame's side of the simulations: the clock, the scenario on screen with one
//! [`ArchLive`] per architecture (the latest state the [`worker`](crate::worker) sent and
//! the events that reached this frame), and the panels' [`Command`]s turned into the
//! worker's controls. Everything here runs (and is tested) without a window.

use std::sync::Arc;

use bevy::prelude::*;
use choreo_sim::bundled;
use choreo_sim::engine::{NS_PER_S, SimTime};
use choreo_sim::model::Counts;
use choreo_sim::observe::SimEvent;
use choreo_sim::scenario::{Architecture, CompId, FaultKind, Scenario};

use crate::figures::{HistoryPoint, Summary};
use crate::layout::{SceneLayout, layout_scenario};
use crate::worker::{Action, ArchView, Control, Link, Logged, Tick, Worker};

/// Simulated time the viewer runs to before stopping: thirty days.
pub const VIEW_HORIZON: SimTime = 30 * 86_400 * NS_PER_S;
/// Slowest and fastest speeds offered [simulated seconds per real second].
pub const SPEED_RANGE: (f64, f64) = (0.1, 10_000.0);
/// Longest frame the clock honours [s]: a stall does not turn into a jump.
const MAX_FRAME_DT: f64 = 0.1;
/// How far the clock's target may run ahead of the simulations [real s at the speed].
const MAX_LEAD: f64 = 0.5;
/// Calendar events per architecture in one piece of the worker's work.
pub const DEFAULT_BUDGET: u64 = 400_000;

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
    /// Most calendar events per architecture in one piece of the simulations' work (one a
    /// frame when they run in the frame); beyond it they fall behind the clock rather than
    /// freeze the window, and commands are taken between pieces.
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
            event_budget: DEFAULT_BUDGET,
            target: 0,
            lagging: false,
        }
    }
}

/// One architecture as the frame sees it: the worker's latest [`ArchView`] and the events
/// that reached this frame.
pub struct ArchLive {
    scenario: Arc<Scenario>,
    index: usize,
    /// The latest state from the worker.
    pub view: ArchView,
    /// Events that reached this frame, in order.
    pub events: Vec<(SimTime, SimEvent)>,
    /// Simulated time at the start of the span this frame's events cover [ns].
    pub frame_start: SimTime,
}

impl ArchLive {
    fn new(scenario: &Arc<Scenario>, index: usize, view: ArchView) -> Self {
        Self {
            scenario: Arc::clone(scenario),
            index,
            frame_start: view.now,
            events: Vec::new(),
            view,
        }
    }

    /// The architecture simulated.
    pub fn architecture(&self) -> &Architecture {
        &self.scenario.architectures[self.index]
    }

    /// Simulated time [ns].
    pub fn now(&self) -> SimTime {
        self.view.now
    }

    /// Transactions by fate so far.
    pub fn counts(&self) -> Counts {
        self.view.counts
    }

    /// The rolling figures.
    pub fn summary(&self) -> &Summary {
        &self.view.summary
    }

    /// Chart points, oldest first.
    pub fn history(&self) -> &[HistoryPoint] {
        &self.view.history
    }

    /// Faults active now: (id, component, kind).
    pub fn active_faults(&self) -> &[(u32, CompId, FaultKind)] {
        &self.view.faults
    }

    /// Cost so far [USD].
    pub fn cost_usd(&self) -> f64 {
        self.view.cost_usd
    }

    /// Live instances: function instances in every state plus server instances.
    pub fn instances(&self) -> u32 {
        self.view.instances
    }
}

/// The scenario on screen and the link to its simulations.
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
    /// Bumped at every seek: the timeline the picture shows.
    pub epoch: u64,
    /// The time a seek is on its way to, until the worker gets there.
    pub seeking: Option<SimTime>,
    /// The furthest simulated time reached (the timeline's end) [ns].
    pub furthest: SimTime,
    /// Whether the worker's last piece of work ran out of event budget.
    pub lagging: bool,
    budget_sent: u64,
    link: Link,
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

    /// A viewer of `scenario`, its simulations stepped in the frame (see
    /// [`Viewer::spawn_thread`]).
    pub fn from_scenario(source: &str, name: &str, mut scenario: Scenario) -> Self {
        scenario.horizon = scenario.horizon.max(VIEW_HORIZON);
        let scenario = Arc::new(scenario);
        let loads = vec![1.0; scenario.sources.len()];
        let mut worker = Worker::new(Arc::clone(&scenario), &loads, 0, DEFAULT_BUDGET);
        let tick = worker.tick();
        let archs = tick
            .archs
            .into_iter()
            .enumerate()
            .map(|(i, v)| ArchLive::new(&scenario, i, v))
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
            epoch: 0,
            seeking: None,
            furthest: 0,
            lagging: false,
            budget_sent: DEFAULT_BUDGET,
            link: Link::Inline(Box::new(worker)),
        }
    }

    /// Moves the simulations to a thread of their own (the window does this; tests and
    /// screenshots keep them in the frame, where every frame's work is reproducible).
    pub fn spawn_thread(&mut self) -> Result<(), std::io::Error> {
        if let Link::Inline(_) = &self.link {
            let placeholder = Link::Inline(Box::new(Worker::new(
                Arc::clone(&self.scenario),
                &self.loads,
                self.generation,
                DEFAULT_BUDGET,
            )));
            let Link::Inline(worker) = std::mem::replace(&mut self.link, placeholder) else {
                return Ok(());
            };
            match Link::spawn(*worker) {
                Ok(link) => self.link = link,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Whether the simulations run on their own thread.
    pub fn threaded(&self) -> bool {
        matches!(self.link, Link::Thread(_))
    }

    /// Sends a control to the simulations.
    pub fn send(&mut self, control: Control) {
        self.link.send(control);
    }

    /// Restarts every simulation from time zero with `seed`, keeping the load multipliers
    /// (the timeline and its log start again too).
    pub fn restart(&mut self, seed: u64) {
        let mut scenario = (*self.scenario).clone();
        scenario.seed = seed;
        self.scenario = Arc::new(scenario);
        self.generation += 1;
        self.epoch = 0;
        self.seeking = None;
        self.furthest = 0;
        let mut worker = Worker::new(
            Arc::clone(&self.scenario),
            &self.loads,
            self.generation,
            DEFAULT_BUDGET,
        );
        let tick = worker.tick();
        self.archs = tick
            .archs
            .into_iter()
            .enumerate()
            .map(|(i, v)| ArchLive::new(&self.scenario, i, v))
            .collect();
        self.link.send(Control::Replace(Box::new(worker)));
    }

    /// Goes to simulated time `to`: behind, the simulations run again from zero with the
    /// live commands replayed at their moments; ahead, they run on to it.
    pub fn seek(&mut self, to: SimTime) {
        self.epoch += 1;
        self.seeking = Some(to);
        let epoch = self.epoch;
        self.link.send(Control::Seek { to, epoch });
    }

    /// Sets `source`'s load multiplier in every architecture (and, with `revert`, back to
    /// `revert.1` after `revert.0` of simulated time); `source` must be a source's index.
    fn set_load(&mut self, source: usize, multiplier: f64, revert: Option<(SimTime, f64)>) {
        self.loads[source] = multiplier;
        for arch in 0..self.archs.len() {
            self.send(Control::Act {
                arch,
                action: Action::SetLoad {
                    source,
                    multiplier,
                    revert,
                },
            });
        }
    }

    /// Takes what the simulations have sent since the last frame, without waiting (the
    /// frame's own step: inline, one piece of work done here).
    pub fn poll(&mut self) {
        self.receive();
    }

    fn receive(&mut self) {
        for tick in self.link.ticks() {
            self.take(tick);
        }
    }

    fn take(&mut self, tick: Tick) {
        if tick.generation != self.generation || tick.epoch != self.epoch {
            return;
        }
        self.seeking = tick.seeking;
        self.lagging = tick.lagging;
        self.furthest = self.furthest.max(tick.furthest);
        if let Some(first) = tick.archs.first() {
            self.loads.clone_from(&first.loads);
        }
        for (a, mut view) in self.archs.iter_mut().zip(tick.archs) {
            if a.events.is_empty() {
                a.frame_start = view.start;
            }
            a.events.append(&mut view.events);
            a.view = view;
        }
    }

    /// Simulated time: the slowest architecture's clock [ns], leaving out architectures
    /// whose run stopped on a runaway transaction (their clocks stay where they stopped).
    pub fn now(&self) -> SimTime {
        let running = self.archs.iter().filter(|a| a.view.stopped.is_none());
        match running.map(ArchLive::now).min() {
            Some(t) => t,
            None => self.archs.iter().map(ArchLive::now).max().unwrap_or(0),
        }
    }

    /// Why each stopped architecture stopped, in the words `choreo run` uses.
    pub fn stopped(&self) -> Vec<String> {
        self.archs
            .iter()
            .filter_map(|a| a.view.stopped.clone())
            .collect()
    }

    /// The live commands applied so far, with the architecture each went to, in time order.
    pub fn log(&self) -> Vec<(usize, Logged)> {
        let mut all: Vec<(usize, Logged)> = self
            .archs
            .iter()
            .enumerate()
            .flat_map(|(i, a)| a.view.log.iter().map(move |l| (i, *l)))
            .collect();
        all.sort_by_key(|(i, l)| (l.at, l.steps, *i));
        all
    }

    /// Steps the simulations to `to` [ns] in frames of `frame` [ns] of simulated time, as
    /// the window would, taking every tick (events are not kept): tests and benchmarks,
    /// with the simulations in the frame.
    pub fn run_to(&mut self, to: SimTime, frame: SimTime) {
        let frame = frame.max(1);
        loop {
            let before = self.now();
            if before >= to {
                return;
            }
            let t = ((before / frame + 1) * frame).min(to);
            self.send(Control::Target(t));
            for a in &mut self.archs {
                a.events.clear();
            }
            self.receive();
            let stuck = self.now() == before && self.inline_worker().is_none_or(|w| !w.busy());
            if stuck {
                return;
            }
        }
    }

    /// The worker, when it runs in the frame (tests compare its sessions with a run).
    pub fn inline_worker(&self) -> Option<&Worker> {
        match &self.link {
            Link::Inline(w) => Some(w),
            Link::Thread(_) => None,
        }
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
    /// Multiply a workload source's load by `factor` for `lasts` of simulated time, then
    /// go back to the multiplier before it.
    Spike {
        /// Source index in the scenario.
        source: usize,
        /// Factor on the multiplier in force.
        factor: f64,
        /// How long [ns].
        lasts: SimTime,
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
    /// Go to this simulated time [ns] (the timeline).
    Seek(SimTime),
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
                if *source < viewer.loads.len() {
                    viewer.set_load(*source, multiplier.max(0.0), None);
                }
            }
            Command::Spike {
                source,
                factor,
                lasts,
            } => {
                if let Some(&m) = viewer.loads.get(*source) {
                    viewer.set_load(*source, (m * factor).max(0.0), Some((*lasts, m)));
                }
            }
            Command::StartFault { arch, comp, kind } => {
                if let Some(a) = viewer.archs.get(*arch)
                    && *comp < a.architecture().components.len()
                {
                    viewer.send(Control::Act {
                        arch: *arch,
                        action: Action::StartFault {
                            comp: *comp,
                            kind: *kind,
                        },
                    });
                }
            }
            Command::EndFault { arch, fault } => {
                if *arch < viewer.archs.len() {
                    viewer.send(Control::Act {
                        arch: *arch,
                        action: Action::EndFault { fault: *fault },
                    });
                }
            }
            Command::Restart { seed } => {
                viewer.restart(*seed);
                clock.target = 0;
            }
            Command::Seek(to) => {
                let to = (*to).min(viewer.scenario.horizon);
                viewer.seek(to);
                clock.target = to;
            }
            Command::Open(source) => match Viewer::open(source) {
                Ok(mut v) => {
                    v.generation = viewer.generation + 1;
                    if viewer.threaded() && v.spawn_thread().is_err() {
                        // Without a thread the new scenario still runs, in the frame.
                    }
                    *viewer = v;
                    clock.target = 0;
                }
                Err(e) => viewer.error = Some((source.clone(), error_lines(&e))),
            },
            Command::DismissError => viewer.error = None,
        }
    }
}

/// Advances the clock and asks the simulations for its target; takes what they sent.
pub fn advance(time: Res<Time>, mut clock: ResMut<Clock>, mut viewer: ResMut<Viewer>) {
    let dt = clock
        .fixed_dt
        .unwrap_or_else(|| f64::from(time.delta_secs()))
        .min(MAX_FRAME_DT);
    for a in &mut viewer.archs {
        a.events.clear();
        a.frame_start = a.now();
    }
    if clock.event_budget != viewer.budget_sent {
        viewer.budget_sent = clock.event_budget;
        let budget = clock.event_budget;
        viewer.send(Control::Budget(budget));
    }
    let moving = (clock.step_once || !clock.paused) && viewer.seeking.is_none();
    if moving {
        clock.visual_dt = dt;
        clock.visual += dt;
        if clock.step_once {
            clock.step_once = false;
            clock.paused = true;
            viewer.send(Control::Step);
        } else {
            let now = viewer.now();
            let horizon = viewer
                .archs
                .iter()
                .map(|a| a.view.horizon)
                .min()
                .unwrap_or(0);
            let ahead = (dt * clock.speed * NS_PER_S as f64) as SimTime;
            // The target keeps at most a little ahead of what the simulations manage.
            let lead = (MAX_LEAD * clock.speed * NS_PER_S as f64) as SimTime;
            let target = clock
                .target
                .max(now)
                .saturating_add(ahead)
                .min(now.saturating_add(lead.max(ahead)))
                .min(horizon);
            clock.target = target;
            viewer.send(Control::Target(target));
        }
    } else {
        clock.visual_dt = 0.0;
    }
    viewer.receive();
    clock.lagging = viewer.lagging;
}
