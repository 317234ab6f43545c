//! The simulations behind the picture, on a thread of their own: one [`Session`] per
//! architecture with its rolling [`Figures`], stepped toward the target time the frame
//! asks for, the live commands kept in a log with the moment each was applied, so that a
//! seek back re-simulates from time zero and replays them where they happened. The frame
//! sends [`Control`]s and takes [`Tick`]s (events, snapshots, figures) through crossbeam
//! channels and never waits for them; tests, the benchmark and screenshots drive the same
//! [`Worker`] inline ([`Link::Inline`]).

use std::sync::Arc;
use std::thread::JoinHandle;

use choreo_sim::engine::SimTime;
use choreo_sim::metrics::CostLine;
use choreo_sim::model::{ComponentState, Counts, FunctionUsage};
use choreo_sim::observe::{Observer, SimEvent};
use choreo_sim::run;
use choreo_sim::scenario::{CompId, FaultKind, Scenario, Spec};
use choreo_sim::session::Session;
use crossbeam::channel::{self, Receiver, Sender, TryRecvError};

use crate::figures::{Figures, HistoryPoint, Summary};

/// A live change to one architecture's simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Multiply a workload source's arrival rate.
    SetLoad {
        /// Source index.
        source: usize,
        /// Multiplier (1 = as written).
        multiplier: f64,
        /// Back to this multiplier after this long [ns] (a spike), unless the load of the
        /// source is set again first.
        revert: Option<(SimTime, f64)>,
    },
    /// Start a fault on a component.
    StartFault {
        /// Component.
        comp: CompId,
        /// What goes wrong.
        kind: FaultKind,
    },
    /// End a fault (by the simulation's id).
    EndFault {
        /// Fault id.
        fault: u32,
    },
}

/// An action as applied: the simulated time and the number of calendar events handled
/// before it, which together pin the moment exactly (several events share an instant, and
/// a frame's event budget can end in the middle of one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Logged {
    /// Simulated time [ns].
    pub at: SimTime,
    /// Calendar events handled before it.
    pub steps: u64,
    /// What was done.
    pub action: Action,
}

/// A fault starting or ending, seen in the events: the timeline's markers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultMark {
    /// Simulated time [ns].
    pub at: SimTime,
    /// Fault id.
    pub fault: u32,
    /// The component.
    pub comp: CompId,
    /// Whether it began (else it ended).
    pub began: bool,
}

/// What the frame asks of the worker.
pub enum Control {
    /// Run toward this simulated time.
    Target(SimTime),
    /// Handle the earliest next event of any architecture, then hold there.
    Step,
    /// Change one architecture now.
    Act {
        /// Architecture index.
        arch: usize,
        /// The change.
        action: Action,
    },
    /// Go to this simulated time: re-simulating from zero when it lies behind, replaying
    /// the log; `epoch` marks the ticks of the new timeline.
    Seek {
        /// Where to [ns].
        to: SimTime,
        /// The frame's count of seeks.
        epoch: u64,
    },
    /// Most calendar events per architecture in one piece of work.
    Budget(u64),
    /// Replace everything (another scenario or seed).
    Replace(Box<Worker>),
}

/// One architecture as of a tick: all the frame draws and shows.
#[derive(Debug, Clone)]
pub struct ArchView {
    /// Simulated time [ns].
    pub now: SimTime,
    /// Where the run ends [ns].
    pub horizon: SimTime,
    /// Events since the previous tick, in order (none while seeking).
    pub events: Vec<(SimTime, SimEvent)>,
    /// Simulated time of the previous tick [ns]: the span `events` cover.
    pub start: SimTime,
    /// Component states.
    pub snapshot: Vec<ComponentState>,
    /// Transactions by fate.
    pub counts: Counts,
    /// Cold starts so far.
    pub cold_starts: u64,
    /// Requests throttled so far.
    pub throttled: u64,
    /// Requests rejected so far.
    pub rejected: u64,
    /// The bill so far, itemised (`Session::costs`, as `costs.csv` would have it now).
    pub costs: Vec<CostLine>,
    /// Cost so far [USD].
    pub cost_usd: f64,
    /// Time-average instance counts by component (functions only).
    pub usage: Vec<Option<FunctionUsage>>,
    /// Faults active now: (id, component, kind).
    pub faults: Vec<(u32, CompId, FaultKind)>,
    /// Ids of the faults started from the viewer.
    pub viewer_faults: Vec<u32>,
    /// Why the run stopped on runaway work, in `choreo run`'s words.
    pub stopped: Option<String>,
    /// Rolling figures.
    pub summary: Summary,
    /// Chart points.
    pub history: Vec<HistoryPoint>,
    /// Live instances: function instances in every state plus server instances.
    pub instances: u32,
    /// Load multipliers in force, by source.
    pub loads: Vec<f64>,
    /// Each workload source's arrival rate now as written, before the load multiplier [1/s].
    pub rates: Vec<f64>,
    /// The time of the next calendar event, if any.
    pub next_event: Option<SimTime>,
    /// The live commands applied, in order (kept across seeks: they replay).
    pub log: Vec<Logged>,
    /// Faults that began and ended, up to the furthest time simulated.
    pub marks: Vec<FaultMark>,
}

/// What the worker sends after each piece of work.
#[derive(Debug, Clone)]
pub struct Tick {
    /// Which simulations (a new scenario or seed gets a new one).
    pub generation: u64,
    /// Which timeline (each seek starts a new one).
    pub epoch: u64,
    /// The time a seek is still on its way to, if one is.
    pub seeking: Option<SimTime>,
    /// Whether the last piece of work ran out of event budget short of the target.
    pub lagging: bool,
    /// The furthest simulated time reached in this generation [ns].
    pub furthest: SimTime,
    /// One per architecture, in scenario order.
    pub archs: Vec<ArchView>,
}

struct ArchSim {
    session: Session,
    figures: Figures,
    events: Vec<(SimTime, SimEvent)>,
    start: SimTime,
    log: Vec<Logged>,
    /// The next entry of `log` to replay.
    next: usize,
    viewer_faults: Vec<u32>,
    marks: Vec<FaultMark>,
    /// Load multipliers in force, by source.
    loads: Vec<f64>,
    /// Spikes to end: (when, source, multiplier to go back to), earliest first.
    reverts: Vec<(SimTime, usize, f64)>,
}

/// Feeds the figures and, unless seeking, keeps the events for the frame.
struct Collect<'a> {
    figures: &'a mut Figures,
    events: Option<&'a mut Vec<(SimTime, SimEvent)>>,
    marks: &'a mut Vec<FaultMark>,
}

impl Observer for Collect<'_> {
    fn on_event(&mut self, time: SimTime, event: &SimEvent) {
        self.figures.record(time, event);
        let mark = match *event {
            SimEvent::FaultBegan { fault, comp, .. } => Some((fault, comp, true)),
            SimEvent::FaultEnded { fault, comp, .. } => Some((fault, comp, false)),
            _ => None,
        };
        if let Some((fault, comp, began)) = mark {
            let m = FaultMark {
                at: time,
                fault,
                comp,
                began,
            };
            // A replay after a seek sees the same faults again.
            if !self.marks.iter().rev().any(|x| *x == m) {
                self.marks.push(m);
            }
        }
        if let Some(events) = self.events.as_deref_mut() {
            events.push((time, *event));
        }
    }
}

impl ArchSim {
    fn new(scenario: &Arc<Scenario>, index: usize, loads: &[f64]) -> Self {
        let interval = run::default_interval(scenario.horizon);
        let mut session = Session::new(Arc::clone(scenario), index, interval);
        for (source, &load) in loads.iter().enumerate() {
            if load != 1.0 {
                session.sim_mut().set_load(source, load);
            }
        }
        Self {
            session,
            figures: Figures::new(),
            events: Vec::new(),
            start: 0,
            log: Vec::new(),
            next: 0,
            viewer_faults: Vec::new(),
            marks: Vec::new(),
            loads: loads.to_vec(),
            reverts: Vec::new(),
        }
    }

    fn now(&self) -> SimTime {
        self.session.sim().now()
    }

    fn done(&self, target: SimTime) -> bool {
        let sim = self.session.sim();
        sim.runaway().is_some() || sim.now() >= target.min(sim.horizon())
    }

    fn apply(&mut self, action: Action) {
        let now = self.now();
        let sim = self.session.sim_mut();
        match action {
            Action::SetLoad {
                source,
                multiplier,
                revert,
            } => {
                sim.set_load(source, multiplier);
                if let Some(l) = self.loads.get_mut(source) {
                    *l = multiplier;
                }
                // A load set again takes over from a spike in progress.
                self.reverts.retain(|r| r.1 != source);
                if let Some((after, back)) = revert {
                    self.reverts
                        .push((now.saturating_add(after.max(1)), source, back));
                    self.reverts.sort_by_key(|r| (r.0, r.1));
                }
            }
            Action::StartFault { comp, kind } => {
                if comp < sim.architecture().components.len() {
                    let id = sim.start_fault(comp, kind, None);
                    self.viewer_faults.push(id);
                }
            }
            Action::EndFault { fault } => {
                sim.end_fault(fault);
                self.viewer_faults.retain(|&f| f != fault);
            }
        }
    }

    /// Applies `action` now and logs it; what the log held after now is another future,
    /// dropped (with the fault marks it made).
    fn act(&mut self, action: Action) {
        let (at, steps) = (self.now(), self.session.sim().steps());
        self.log.truncate(self.next);
        self.marks.retain(|m| m.at <= at);
        self.apply(action);
        self.log.push(Logged { at, steps, action });
        self.next = self.log.len();
    }

    /// Steps toward `target` handling at most `budget` calendar events, stopping at the
    /// figures' sample times and at the logged actions' moments to take and replay them;
    /// returns whether the budget ran out first.
    fn step_to(&mut self, target: SimTime, budget: u64, keep_events: bool) -> bool {
        let target = target.min(self.session.sim().horizon());
        let mut left = budget;
        loop {
            if self.session.sim().runaway().is_some() {
                return false;
            }
            let pending = self.log.get(self.next).copied();
            let steps = self.session.sim().steps();
            // The next logged action's moment: its time, and exactly its number of events.
            let (stop, limit) = match pending {
                Some(l) if l.at <= target => (l.at, l.steps.saturating_sub(steps)),
                _ => (target, u64::MAX),
            };
            let revert = self.reverts.first().copied();
            let stop = stop
                .min(self.figures.next_due())
                .min(revert.map_or(SimTime::MAX, |r| r.0));
            let mut collect = Collect {
                figures: &mut self.figures,
                events: keep_events.then_some(&mut self.events),
                marks: &mut self.marks,
            };
            let out = self.session.step_to(stop, left.min(limit), &mut collect);
            let handled = self.session.sim().steps() - steps;
            left -= handled.min(left);
            let now = self.now();
            if !out && now == self.figures.next_due() {
                let cost = self.cost_usd();
                let instances = f64::from(self.instances());
                self.figures.sample(now, cost, instances);
            }
            // A spike's end, once every event before and at its time is handled (the same
            // moment in a replay: it is not logged, the spike's start is).
            if let Some((at, source, back)) = revert
                && !out
                && now == at
            {
                self.reverts.remove(0);
                self.session.sim_mut().set_load(source, back);
                if let Some(l) = self.loads.get_mut(source) {
                    *l = back;
                }
            }
            if let Some(l) = pending
                && now == l.at
                && self.session.sim().steps() == l.steps
            {
                self.apply(l.action);
                self.next += 1;
                continue;
            }
            if out && left == 0 {
                return true;
            }
            if self.done(target) {
                return false;
            }
        }
    }

    fn cost_usd(&self) -> f64 {
        self.session.costs().iter().map(|c| c.cost_usd).sum()
    }

    fn instances(&self) -> u32 {
        let sim = self.session.sim();
        sim.snapshot()
            .iter()
            .zip(&sim.architecture().components)
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

    fn view(&mut self, scenario: &Scenario) -> ArchView {
        let costs = self.session.costs();
        let cost_usd = costs.iter().map(|c| c.cost_usd).sum();
        let now = self.now();
        self.figures.refresh(now, cost_usd);
        let sim = self.session.sim_mut();
        let next_event = sim.next_event_time();
        let sim = self.session.sim();
        let metrics = self.session.metrics();
        let arch = sim.architecture();
        let view = ArchView {
            now,
            horizon: sim.horizon(),
            events: std::mem::take(&mut self.events),
            start: self.start,
            snapshot: sim.snapshot(),
            counts: sim.counts(),
            cold_starts: metrics.cold_starts,
            throttled: metrics.throttled,
            rejected: metrics.rejected,
            costs,
            cost_usd,
            usage: (0..arch.components.len())
                .map(|c| sim.function_usage(c))
                .collect(),
            faults: sim.active_faults(),
            viewer_faults: self.viewer_faults.clone(),
            stopped: sim
                .runaway()
                .map(|r| run::runaway_error(scenario, arch, r).to_string()),
            summary: *self.figures.summary(),
            history: self.figures.history().to_vec(),
            instances: self.instances(),
            loads: self.loads.clone(),
            rates: (0..scenario.sources.len())
                .map(|i| sim.source_rate(i).unwrap_or(0.0))
                .collect(),
            next_event,
            log: self.log.clone(),
            marks: self.marks.clone(),
        };
        self.start = now;
        view
    }
}

/// The simulations of one scenario and seed, and the clock they run toward.
pub struct Worker {
    scenario: Arc<Scenario>,
    /// Load multipliers at time zero (those in force when the scenario or seed was set).
    loads: Vec<f64>,
    generation: u64,
    epoch: u64,
    archs: Vec<ArchSim>,
    target: SimTime,
    seeking: Option<SimTime>,
    budget: u64,
    lagging: bool,
    furthest: SimTime,
}

impl Worker {
    /// The simulations of `scenario` at time zero, with these load multipliers.
    pub fn new(scenario: Arc<Scenario>, loads: &[f64], generation: u64, budget: u64) -> Self {
        let archs = (0..scenario.architectures.len())
            .map(|i| ArchSim::new(&scenario, i, loads))
            .collect();
        Self {
            scenario,
            loads: loads.to_vec(),
            generation,
            epoch: 0,
            archs,
            target: 0,
            seeking: None,
            budget,
            lagging: false,
            furthest: 0,
        }
    }

    /// Whether there is work toward the target.
    pub fn busy(&self) -> bool {
        self.seeking.is_some() || self.archs.iter().any(|a| !a.done(self.target))
    }

    /// Handles one control.
    pub fn handle(&mut self, control: Control) {
        match control {
            Control::Target(t) => {
                if self.seeking.is_none() {
                    self.target = t;
                }
            }
            Control::Step => {
                let next = self
                    .archs
                    .iter_mut()
                    .filter_map(|a| a.session.sim_mut().next_event_time())
                    .min();
                if let Some(t) = next {
                    self.target = t;
                }
            }
            Control::Act { arch, action } => {
                if let Some(a) = self.archs.get_mut(arch) {
                    a.act(action);
                }
            }
            Control::Seek { to, epoch } => self.seek(to, epoch),
            Control::Budget(b) => self.budget = b.max(1),
            Control::Replace(w) => *self = *w,
        }
    }

    fn seek(&mut self, to: SimTime, epoch: u64) {
        self.epoch = epoch;
        let behind = self.archs.iter().any(|a| a.now() > to);
        if behind {
            // From time zero, keeping each architecture's log (it replays) and marks.
            for (i, a) in self.archs.iter_mut().enumerate() {
                let mut fresh = ArchSim::new(&self.scenario, i, &self.loads);
                fresh.log = std::mem::take(&mut a.log);
                fresh.marks = std::mem::take(&mut a.marks);
                *a = fresh;
            }
        }
        for a in &mut self.archs {
            a.events.clear();
            a.start = a.now();
        }
        self.target = to;
        self.seeking = Some(to);
    }

    /// One piece of work: every architecture stepped toward the target under the event
    /// budget. Returns whether work is left.
    pub fn work(&mut self) -> bool {
        let keep = self.seeking.is_none();
        let mut lagging = false;
        for a in &mut self.archs {
            if !a.done(self.target) {
                lagging |= a.step_to(self.target, self.budget, keep);
            }
        }
        self.lagging = lagging;
        if let Some(to) = self.seeking
            && self.archs.iter().all(|a| a.done(to))
        {
            self.seeking = None;
            for a in &mut self.archs {
                a.start = a.now();
            }
        }
        self.furthest = self
            .furthest
            .max(self.archs.iter().map(ArchSim::now).max().unwrap_or(0));
        self.busy()
    }

    /// Works until the target (or a seek's time) is reached: inline seeks and tests.
    pub fn finish(&mut self) {
        while self.work() {}
    }

    /// What the frame is sent: the events since the last tick and the state now.
    pub fn tick(&mut self) -> Tick {
        let scenario = Arc::clone(&self.scenario);
        Tick {
            generation: self.generation,
            epoch: self.epoch,
            seeking: self.seeking,
            lagging: self.lagging,
            furthest: self.furthest,
            archs: self.archs.iter_mut().map(|a| a.view(&scenario)).collect(),
        }
    }

    /// The scenario simulated.
    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    /// The sessions, for tests that compare them with a run of their own.
    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.archs.iter().map(|a| &a.session)
    }
}

/// How the frame reaches its worker.
pub enum Link {
    /// The worker runs in the frame, one piece of work a frame (tests, the benchmark,
    /// screenshots: reproducible frame by frame).
    Inline(Box<Worker>),
    /// The worker runs on its own thread.
    Thread(ThreadLink),
}

/// The channels to a worker on its own thread, and the thread (joined when dropped).
pub struct ThreadLink {
    controls: Sender<Control>,
    ticks: Receiver<Tick>,
    handle: Option<JoinHandle<()>>,
}

/// Ticks the worker may get ahead of the frame before it waits for the frame to take them.
const TICKS_AHEAD: usize = 4;

impl Link {
    /// Starts `worker` on a thread of its own.
    pub fn spawn(worker: Worker) -> Result<Self, std::io::Error> {
        let (controls, inbox) = channel::unbounded::<Control>();
        let (outbox, ticks) = channel::bounded::<Tick>(TICKS_AHEAD);
        let handle = std::thread::Builder::new()
            .name("choreo-sim".into())
            .spawn(move || serve(worker, &inbox, &outbox))?;
        Ok(Link::Thread(ThreadLink {
            controls,
            ticks,
            handle: Some(handle),
        }))
    }

    /// Sends a control; nothing waits.
    pub fn send(&mut self, control: Control) {
        match self {
            Link::Inline(w) => w.handle(control),
            // A worker that has gone (it panicked) leaves the picture as it was.
            Link::Thread(t) => drop(t.controls.send(control)),
        }
    }

    /// The ticks ready now: inline, one piece of work done here; on a thread, whatever
    /// the worker has sent, without waiting.
    pub fn ticks(&mut self) -> Vec<Tick> {
        match self {
            Link::Inline(w) => {
                if w.seeking.is_some() {
                    w.finish();
                } else if w.busy() {
                    w.work();
                }
                vec![w.tick()]
            }
            Link::Thread(t) => t.ticks.try_iter().collect(),
        }
    }
}

impl Drop for ThreadLink {
    fn drop(&mut self) {
        // Closing both channels ends the worker's loop wherever it waits.
        let (c, _) = channel::unbounded();
        drop(std::mem::replace(&mut self.controls, c));
        let (_, t) = channel::bounded(0);
        drop(std::mem::replace(&mut self.ticks, t));
        if let Some(h) = self.handle.take() {
            drop(h.join());
        }
    }
}

/// The worker's loop: take every control waiting, work while there is work (sending a
/// tick after each piece), and wait for a control when there is none.
fn serve(mut worker: Worker, inbox: &Receiver<Control>, outbox: &Sender<Tick>) {
    loop {
        let control = if worker.busy() {
            match inbox.try_recv() {
                Ok(c) => Some(c),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return,
            }
        } else {
            match inbox.recv() {
                Ok(c) => Some(c),
                Err(_) => return,
            }
        };
        if let Some(c) = control {
            worker.handle(c);
            // A tick for what a control changed at once (a fault started, a seek begun).
            if !worker.busy() && outbox.send(worker.tick()).is_err() {
                return;
            }
            continue;
        }
        worker.work();
        if outbox.send(worker.tick()).is_err() {
            return;
        }
    }
}
