//! The model: one architecture's components in motion, driven by the engine's calendar.
//!
//! A [`Simulation`] runs one architecture of a scenario. Its state lives in slabs indexed by
//! small integer keys (transactions, activations, messages, function instances); only
//! in-flight work is kept. The component behaviours live one noun per file beside this one:
//! `work` (running steps), `transaction`, `function`, `server`, `queue`, `topic`, `store`
//! (databases, storage, external services) and `arrivals`.
//!
//! Every state change is pushed as a [`SimEvent`] into a reused buffer and handed to the
//! caller's [`Observer`] after each calendar event: no allocation per event, and the same
//! stream feeds metrics, CSV traces and the viewer.

pub mod arrivals;
mod backlog;
mod bucket;
mod fault;
mod function;
pub mod keepalive;
mod kpa;
mod queue;
mod resilience;
mod selection;
mod server;
mod store;
mod topic;
mod transaction;
mod work;

use std::sync::Arc;

use slab::Slab;

use crate::engine::{Calendar, Class, Classify, SimTime};
use crate::observe::{Observer, Op, SimEvent};
use crate::rng;
use crate::scenario::{
    Architecture, CompId, FaultKind, KindId, Scenario, Spec, Step, StepTime, Work,
};

use arrivals::ArrivalGen;
use function::FnState;
pub use function::{FunctionUsage, Running};
use queue::{Msg, QueueState};
use server::ServerState;
use store::StoreState;
use transaction::Txn;
use work::Act;

/// The most pieces of work one transaction may have outstanding at once (asynchronous
/// events, messages and received copies, detached calls, and its request). A transaction
/// past it is running away, almost surely round an asynchronous cycle that starts more than
/// one piece of work per pass; the run stops (see [`Simulation::runaway`]). A fan-out tree
/// without a cycle would need ten thousand leaves to reach it; memory stays in megabytes.
pub const MAX_OUTSTANDING_PER_TXN: u32 = 10_000;

/// The most pieces of work one transaction may start over its life. A transaction past it
/// goes round an asynchronous cycle that starts one piece of work per pass (which may do so
/// at one instant, never letting time advance); the run stops (see [`Simulation::runaway`]).
/// Redeliveries and retries of a finite design stay orders of magnitude below it.
pub const MAX_WORK_PER_TXN: u32 = 100_000;

/// Which limit a runaway transaction passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// More than [`MAX_OUTSTANDING_PER_TXN`] pieces of work outstanding at once.
    Outstanding,
    /// More than [`MAX_WORK_PER_TXN`] pieces of work started in all.
    Caused,
}

impl Limit {
    /// The limit's value.
    pub fn value(self) -> u32 {
        match self {
            Limit::Outstanding => MAX_OUTSTANDING_PER_TXN,
            Limit::Caused => MAX_WORK_PER_TXN,
        }
    }
}

/// Why a run stopped before its horizon: one transaction's work ran away. Fatal: nothing
/// more is simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runaway {
    /// The transaction.
    pub txn: crate::observe::TxnId,
    /// Its kind.
    pub kind: KindId,
    /// The component that started the piece of work past the limit.
    pub comp: CompId,
    /// The limit passed.
    pub limit: Limit,
    /// When [ns].
    pub at: SimTime,
}

/// Calendar entries of the model. Keys index the state's slabs; tokens say which wait of an
/// activation a completion answers (see `work`).
#[derive(Debug, Clone, Copy)]
enum Ev {
    /// The next transaction of a source arrives.
    Arrival { source: u32 },
    /// A compute step of an activation finished.
    StepDone { act: u32, token: u64 },
    /// A data operation finished.
    OpDone {
        act: u32,
        token: u64,
        comp: u32,
        op: Op,
        ok: bool,
    },
    /// A call took longer than its caller's timeout (a cancellable timer).
    CallTimeout { act: u32, token: u64 },
    /// A caller retries a failed call after its back-off.
    RetryStep { act: u32, token: u64 },
    /// A function instance finished its cold start.
    ColdStartDone { comp: u32, inst: u32 },
    /// An idle instance's keep-alive ran out (a cancellable timer).
    KeepAliveExpired { comp: u32, inst: u32 },
    /// The platform retries an asynchronous invocation.
    AsyncRetry { act: u32, token: u64 },
    /// A message's visibility timeout ran out (a cancellable timer).
    MessageVisible { msg: u32 },
    /// A crashed server instance is back.
    InstanceRestart { comp: u32, inst: u32 },
    /// A planned fault (index into `State::planned`) begins or ends.
    FaultBegin { planned: u32 },
    /// See `FaultBegin`.
    FaultEnd { planned: u32 },
    /// A dead-letter queue sends its messages back.
    Redrive { queue: u32 },
    /// An autoscaling group evaluates its utilisation.
    AutoscaleTick { comp: u32 },
    /// A launched server instance finished booting.
    InstanceBooted { comp: u32, inst: u32 },
    /// The earliest invocation deadline of a function is due.
    InvocationTimeout { comp: u32 },
    /// A function's provisioned count changes (its schedule).
    Provision { comp: u32, count: u32 },
    /// A queue's pollers look for messages again.
    QueuePoll { queue: u32 },
    /// A keep-alive policy loads a function instance ahead of demand.
    Prewarm { comp: u32, keep_alive: SimTime },
    /// A function's Knative Pod Autoscaler decides its pods.
    KpaTick { comp: u32 },
}

impl Ev {
    /// Where the entry runs among those at the same instant (the determinism contract in
    /// ARCHITECTURE.md): changes of the platform first (a fault is in force from its first
    /// instant, a keep-alive of T keeps an instance warm for idle gaps shorter than T), then
    /// work ending and capacity coming, so that a request arriving at the very nanosecond
    /// an instance or worker is freed finds it free, then new work.
    fn class(&self) -> Class {
        match self {
            Ev::KeepAliveExpired { .. }
            | Ev::FaultBegin { .. }
            | Ev::FaultEnd { .. }
            | Ev::AutoscaleTick { .. }
            | Ev::Provision { .. }
            | Ev::Prewarm { .. }
            | Ev::KpaTick { .. } => Class::Platform,
            Ev::StepDone { .. }
            | Ev::OpDone { .. }
            | Ev::CallTimeout { .. }
            | Ev::InvocationTimeout { .. }
            | Ev::ColdStartDone { .. }
            | Ev::InstanceRestart { .. }
            | Ev::InstanceBooted { .. } => Class::Release,
            Ev::Arrival { .. }
            | Ev::RetryStep { .. }
            | Ev::AsyncRetry { .. }
            | Ev::MessageVisible { .. }
            | Ev::QueuePoll { .. }
            | Ev::Redrive { .. } => Class::NewWork,
        }
    }
}

/// The classifier of the model's calendar: [`Ev::class`], a call the compiler inlines.
struct EvClass;

impl Classify<Ev> for EvClass {
    #[inline]
    fn class(&self, event: &Ev) -> Class {
        event.class()
    }
}

/// What cannot change during a run: the architecture and the work tables derived from it.
struct Plan {
    scenario: Arc<Scenario>,
    arch: usize,
    /// Steps per component and slot: a server's or gateway's slot is the transaction kind,
    /// a function has one slot (0).
    work: Vec<Vec<Option<Work>>>,
    /// Stable random key of each component, from its name.
    comp_keys: Vec<u64>,
    /// The draw-site key of each step (by component, slot and step) for a draw aimed at
    /// its own component, the common case (see [`Plan::site_key`]).
    own_site_keys: Vec<Vec<Vec<u64>>>,
    /// The queues, in component order (those a release of function capacity looks at).
    queues: Vec<CompId>,
}

/// Policies of every caller; an empty slice for components that call nothing.
const NO_POLICIES: &[(CompId, crate::scenario::CallPolicy)] = &[];

impl Plan {
    fn arch(&self) -> &Architecture {
        &self.scenario.architectures[self.arch]
    }

    fn spec(&self, comp: CompId) -> &Spec {
        &self.arch().components[comp].spec
    }

    /// The policy of `caller`'s calls to `target`, if it has one.
    fn policy(&self, caller: CompId, target: CompId) -> Option<&crate::scenario::CallPolicy> {
        let calls = match self.spec(caller) {
            Spec::Server(s) => &s.calls[..],
            Spec::Function(f) => &f.calls[..],
            _ => NO_POLICIES,
        };
        calls.iter().find(|(t, _)| *t == target).map(|(_, p)| p)
    }

    /// The key of a draw at step `pc` of slot `slot` of `comp`, aimed at `target`:
    /// mixed from the component's key, the step's place and the target's key (the
    /// transaction's seed and its tries are mixed in by the caller).
    #[inline]
    fn site_key(&self, comp: CompId, slot: u32, pc: u32, target: CompId) -> u64 {
        if target == comp
            && let Some(&key) = self.own_site_keys[comp]
                .get(slot as usize)
                .and_then(|s| s.get(pc as usize))
        {
            return key;
        }
        site_key(&self.comp_keys, comp, slot, pc, target)
    }

    fn steps(&self, comp: CompId, slot: u32) -> &[Step] {
        self.work[comp]
            .get(slot as usize)
            .and_then(|w| w.as_deref())
            .unwrap_or(&[])
    }
}

/// The key of a draw site: step `pc` of slot `slot` of `comp`, aimed at `target`.
fn site_key(comp_keys: &[u64], comp: CompId, slot: u32, pc: u32, target: CompId) -> u64 {
    let site = rng::mix(comp_keys[comp], (u64::from(slot) << 32) | u64::from(pc));
    rng::mix(site, comp_keys[target])
}

/// Per-component run-time state.
enum CompState {
    Server(ServerState),
    Function(FnState),
    Queue(QueueState),
    Store(StoreState),
    /// Gateways and topics keep no state.
    Stateless,
}

/// Counts of transactions by fate, for the conservation check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Transactions that arrived.
    pub arrived: u64,
    /// Finished with everything succeeding.
    pub completed: u64,
    /// Finished with a failed response or dropped asynchronous work.
    pub failed: u64,
    /// Finished with work parked in a dead-letter queue.
    pub dead_lettered: u64,
    /// Still running.
    pub in_flight: u64,
}

impl Counts {
    /// Whether arrived = completed + failed + dead-lettered + in flight.
    pub fn conserved(&self) -> bool {
        self.arrived == self.completed + self.failed + self.dead_lettered + self.in_flight
    }
}

/// The live state of one component, for the viewer and the timeseries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ComponentState {
    /// Server worker use.
    Server {
        /// Workers busy, all instances together.
        busy: u32,
        /// Workers in all, all instances together.
        workers: u32,
        /// Requests waiting for a worker.
        backlog: u32,
    },
    /// Function instances.
    Function {
        /// Instances starting up.
        starting: u32,
        /// Instances running an invocation.
        busy: u32,
        /// Warm instances waiting.
        idle: u32,
    },
    /// Queue depth.
    Queue {
        /// Messages waiting to be received.
        visible: u32,
        /// Messages received and not yet deleted or returned.
        in_flight: u32,
    },
    /// Database, storage or external service load.
    Store {
        /// Operations in progress.
        in_service: u32,
        /// Operations waiting for capacity.
        waiting: u32,
    },
    /// Gateways and topics.
    Stateless,
}

/// Everything that changes during a run.
struct State {
    cal: Calendar<Ev, EvClass>,
    horizon: SimTime,
    sources: Vec<ArrivalGen>,
    /// Seed of each source's transactions (common random numbers across architectures).
    source_seeds: Vec<u64>,
    /// Arrivals so far per source.
    ordinals: Vec<u64>,
    txns: Slab<Txn>,
    acts: Slab<Act>,
    msgs: Slab<Msg>,
    comps: Vec<CompState>,
    /// Function executions in progress (busy or starting) across the architecture.
    functions_active: u32,
    /// What waits for a worker, an instance or a consumer (`backlog`).
    backlog: backlog::Backlog,
    counts: Counts,
    /// Calendar events handled so far.
    steps: u64,
    /// Last wait token handed out (see `work`).
    next_token: u64,
    /// Faults in force now.
    active: Vec<fault::ActiveFault>,
    /// Faults of the scenario planned for this architecture, with their windows.
    planned: Vec<fault::Planned>,
    /// Next id for a fault.
    next_fault_id: u32,
    /// Circuit breakers by (caller, target).
    breakers: Vec<resilience::Breaker>,
    /// Reused buffer for the messages of a queue batch.
    batch_scratch: Vec<u32>,
    /// Activations that got their worker or instance and wait to run their first step, in
    /// the order they got it (see [`State::run_ready`]).
    ready: std::collections::VecDeque<work::Ready>,
    /// Events produced while handling the current calendar entry.
    out: Vec<(SimTime, SimEvent)>,
    /// Set when a transaction passes a limit of its work: the run stops.
    runaway: Option<Runaway>,
}

impl State {
    fn now(&self) -> SimTime {
        self.cal.now()
    }

    fn emit(&mut self, event: SimEvent) {
        let now = self.cal.now();
        self.out.push((now, event));
    }
}

/// One architecture of a scenario, simulated.
///
/// ```
/// use choreo_sim::{scenario, model::Simulation};
/// let text = r#"Scenario(name: "demo", horizon: "10s", workload: [
///     Source(kind: "hit", arrivals: Poisson(per_second: 5.0))],
///   architectures: [Architecture(name: "fn", entry: "f",
///     components: [Function(name: "f", work: [Compute("20ms")])])])"#;
/// let loaded = scenario::load("demo.ron", text).unwrap();
/// let mut sim = Simulation::new(std::sync::Arc::new(loaded.scenario), 0);
/// sim.run(&mut ());
/// let counts = sim.counts();
/// assert!(counts.arrived > 20 && counts.conserved());
/// ```
pub struct Simulation {
    plan: Plan,
    st: State,
}

impl Simulation {
    /// Prepares architecture `arch` of `scenario` at time zero, with the first arrivals
    /// scheduled.
    pub fn new(scenario: Arc<Scenario>, arch: usize) -> Self {
        let a = &scenario.architectures[arch];
        let seed = scenario.seed;
        let mut work = Vec::with_capacity(a.components.len());
        let mut comps = Vec::with_capacity(a.components.len());
        for c in &a.components {
            let (table, state) = match &c.spec {
                Spec::Server(s) => (s.handlers.clone(), CompState::Server(ServerState::new(s))),
                Spec::Function(f) => (
                    vec![Some(f.work.clone())],
                    CompState::Function(
                        FnState::new(
                            rng::stream(seed, &format!("cold-start/{}/{}", a.name, c.name)),
                            keepalive::policy(&f.keep_alive),
                            selection::Selector::new(
                                f.instance_selection,
                                rng::stream(
                                    seed,
                                    &format!("instance-selection/{}/{}", a.name, c.name),
                                ),
                            ),
                        )
                        .with_kpa(f.kpa.as_deref().copied()),
                    ),
                ),
                Spec::Gateway(g) => (
                    g.routes
                        .iter()
                        .map(|r| {
                            r.map(|t| {
                                vec![
                                    Step::Compute(StepTime::Drawn(g.latency.clone())),
                                    Step::Call(t),
                                ]
                            })
                        })
                        .collect(),
                    CompState::Stateless,
                ),
                Spec::Orchestrator(o) => (
                    o.flows.iter().map(|w| Some(w.clone())).collect(),
                    CompState::Stateless,
                ),
                Spec::Queue(_) => (Vec::new(), CompState::Queue(QueueState::default())),
                Spec::Topic(_) => (Vec::new(), CompState::Stateless),
                Spec::Storage(_) | Spec::Database(_) | Spec::External(_) => {
                    (Vec::new(), CompState::Store(StoreState::default()))
                }
            };
            work.push(table);
            comps.push(state);
        }
        let comp_keys: Vec<u64> = a
            .components
            .iter()
            .map(|c| rng::name_key(&c.name))
            .collect();
        let own_site_keys = work
            .iter()
            .enumerate()
            .map(|(comp, slots)| {
                slots
                    .iter()
                    .enumerate()
                    .map(|(slot, steps)| {
                        let n = steps.as_ref().map_or(0, Vec::len);
                        (0..n)
                            .map(|pc| site_key(&comp_keys, comp, slot as u32, pc as u32, comp))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let sources: Vec<ArrivalGen> = scenario
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| ArrivalGen::new(seed, i, s, &scenario.kinds[s.kind]))
            .collect();
        let source_seeds = (0..sources.len())
            .map(|i| rng::stream_seed(seed, &format!("transactions/{i}")))
            .collect();
        let mut st = State {
            cal: Calendar::classified(EvClass),
            horizon: scenario.horizon,
            ordinals: vec![0; sources.len()],
            sources,
            source_seeds,
            txns: Slab::new(),
            acts: Slab::new(),
            msgs: Slab::new(),
            comps,
            functions_active: 0,
            backlog: backlog::Backlog::default(),
            next_token: 0,
            active: Vec::new(),
            planned: Vec::new(),
            next_fault_id: 0,
            breakers: resilience::breakers(a),
            batch_scratch: Vec::new(),
            ready: std::collections::VecDeque::new(),
            counts: Counts::default(),
            steps: 0,
            out: Vec::new(),
            runaway: None,
        };
        for i in 0..st.sources.len() {
            st.schedule_next_arrival(i);
        }
        st.plan_faults(&scenario, arch);
        st.plan_autoscaling(a);
        for (id, c) in a.components.iter().enumerate() {
            if let Spec::Function(f) = &c.spec {
                st.provision(id, f.provisioned);
                if let Some(k) = &f.kpa {
                    st.kpa_initial_pods(id, k.initial_scale.saturating_sub(f.provisioned));
                    st.cal.schedule(k.tick, Ev::KpaTick { comp: id as u32 });
                }
                for &(at, count) in &f.provisioned_changes {
                    st.cal.schedule(
                        at,
                        Ev::Provision {
                            comp: id as u32,
                            count,
                        },
                    );
                }
            }
        }
        st.plan_redrives(a);
        let queues = (a.components.iter().enumerate())
            .filter(|(_, c)| matches!(c.spec, Spec::Queue(_)))
            .map(|(id, _)| id)
            .collect();
        let plan = Plan {
            scenario,
            arch,
            work,
            comp_keys,
            own_site_keys,
            queues,
        };
        st.open_server_pools(&plan);
        Self { plan, st }
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.plan.scenario
    }

    /// The architecture being run.
    pub fn architecture(&self) -> &Architecture {
        self.plan.arch()
    }

    /// Index of the architecture in the scenario.
    pub fn architecture_index(&self) -> usize {
        self.plan.arch
    }

    /// Simulated time now [ns].
    pub fn now(&self) -> SimTime {
        self.st.now()
    }

    /// End of the run [ns]: nothing after it is simulated.
    pub fn horizon(&self) -> SimTime {
        self.st.horizon
    }

    /// Sets the run's end [ns]; arrivals already scheduled beyond it are not run.
    pub fn set_horizon(&mut self, horizon: SimTime) {
        self.st.horizon = horizon;
    }

    /// Multiplies the arrival rate of `source` by `load` from now on (1.0 = as written). A
    /// source stopped by a load of zero starts again, from now, when the load rises: what
    /// it would have produced meanwhile (a trace's recorded arrivals, past burst phases)
    /// is skipped, not delivered late.
    pub fn set_load(&mut self, source: usize, load: f64) {
        let now = self.st.now();
        let Some(g) = self.st.sources.get_mut(source) else {
            return;
        };
        g.load = if load.is_finite() { load.max(0.0) } else { 0.0 };
        if g.stalled && g.load > 0.0 {
            g.resume(now);
            self.st.schedule_next_arrival(source);
        }
    }

    /// The arrival rate of `source` now as written, before its load multiplier [1/s] (for
    /// a trace, the rate of the minute around now); `None` for no such source.
    pub fn source_rate(&self, source: usize) -> Option<f64> {
        let now = self.st.now();
        self.st.sources.get(source).map(|g| g.rate_at(now))
    }

    /// Calendar events handled so far.
    pub fn steps(&self) -> u64 {
        self.st.steps
    }

    /// Transactions by fate so far.
    pub fn counts(&self) -> Counts {
        Counts {
            in_flight: self.st.txns.len() as u64,
            ..self.st.counts
        }
    }

    /// The time of the next pending event, if any before the horizon (none once the run was
    /// stopped by a runaway transaction).
    pub fn next_event_time(&mut self) -> Option<SimTime> {
        if self.st.runaway.is_some() {
            return None;
        }
        self.st.cal.peek_time().filter(|&t| t <= self.st.horizon)
    }

    /// Why the run stopped early, if a transaction's work ran away (see [`Runaway`]); from
    /// then on [`Simulation::step`] runs nothing.
    pub fn runaway(&self) -> Option<&Runaway> {
        self.st.runaway.as_ref()
    }

    /// Runs the next event; false when nothing is left before the horizon, or the run was
    /// stopped by a runaway transaction ([`Simulation::runaway`]).
    pub fn step(&mut self, observer: &mut impl Observer) -> bool {
        // Events made by live fault control since the last step go out first.
        let ran = match self.next_event_time().and_then(|_| self.st.cal.pop()) {
            Some((_, ev)) => {
                self.st.steps += 1;
                self.st.handle(&self.plan, ev);
                true
            }
            None => false,
        };
        observer.on_events(&self.st.out);
        self.st.out.clear();
        ran
    }

    /// Runs the next event if it is due at or before `t` [ns] (and the horizon); false when
    /// none is, or the run was stopped by a runaway transaction. One look at the calendar
    /// where [`Simulation::next_event_time`] then [`Simulation::step`] take two.
    pub fn step_through(&mut self, t: SimTime, observer: &mut impl Observer) -> bool {
        let due = t.min(self.st.horizon);
        let ran = match self.st.cal.peek_time() {
            Some(next) if next <= due && self.st.runaway.is_none() => match self.st.cal.pop() {
                Some((_, ev)) => {
                    self.st.steps += 1;
                    self.st.handle(&self.plan, ev);
                    true
                }
                None => false,
            },
            _ => false,
        };
        observer.on_events(&self.st.out);
        self.st.out.clear();
        ran
    }

    /// Runs every event up to and including time `t` [ns] (capped at the horizon) and
    /// moves the clock to `t`; a run stopped by a runaway transaction stays where it stopped.
    pub fn step_until(&mut self, t: SimTime, observer: &mut impl Observer) {
        let t = t.min(self.st.horizon);
        while self.st.cal.peek_time().is_some_and(|next| next <= t) {
            if !self.step(observer) {
                break;
            }
        }
        // Hand over events of live fault control even when nothing else happened.
        observer.on_events(&self.st.out);
        self.st.out.clear();
        if self.st.runaway.is_none() {
            self.st.cal.advance_to(t);
        }
    }

    /// Runs to the horizon.
    pub fn run(&mut self, observer: &mut impl Observer) {
        self.step_until(self.st.horizon, observer);
    }

    /// After the run: lets the work in flight finish, with no new arrivals, for at most
    /// `limit` [ns] of simulated time more; returns when no transaction is in flight but
    /// those parked for a redrive that will not come ([`Simulation::parked_for_redrive`]),
    /// or at the limit. The horizon moves to where the drain stopped. Arrivals end at the
    /// horizon already (none is scheduled past it), so none starts here.
    pub fn drain(&mut self, limit: SimTime, observer: &mut impl Observer) {
        self.st.horizon = self.st.now().saturating_add(limit);
        loop {
            // Each waiting transaction has a parked message of its own, so while more
            // transactions are in flight than messages are parked, some are not waiting;
            // only then is the exact count worth taking.
            let in_flight = self.st.txns.len();
            if (in_flight <= self.parked_messages().count()
                && in_flight as u64 == self.parked_for_redrive())
                || !self.step(observer)
            {
                break;
            }
        }
        self.st.horizon = self.st.now();
    }

    /// Messages parked in queues that have no consumer but a redrive.
    fn parked_messages(&self) -> impl Iterator<Item = u32> + '_ {
        self.plan
            .arch()
            .components
            .iter()
            .zip(&self.st.comps)
            .filter_map(|(c, state)| match (&c.spec, state) {
                (Spec::Queue(q), CompState::Queue(qs))
                    if q.consumer.is_none() && q.redrive.is_some() =>
                {
                    Some(qs.parked())
                }
                _ => None,
            })
            .flatten()
    }

    /// Transactions waiting only for a redrive: all their outstanding work is messages
    /// parked in queues that have no consumer but a redrive. They stay in flight if no
    /// redrive is to come.
    pub fn parked_for_redrive(&self) -> u64 {
        let mut txns: Vec<u32> = self
            .parked_messages()
            .map(|m| self.st.msgs[m as usize].txn)
            .collect();
        txns.sort_unstable();
        txns.chunk_by(|a, b| a == b)
            .filter(|run| {
                self.st
                    .txns
                    .get(run[0] as usize)
                    .is_some_and(|t| t.outstanding as usize == run.len())
            })
            .count() as u64
    }

    /// Starts a fault on component `comp` now (the viewer's fault panel); returns its id.
    /// Its events reach the observer with the next [`Simulation::step`].
    /// `handler` limits a server fault to one transaction kind's code path.
    pub fn start_fault(&mut self, comp: CompId, kind: FaultKind, handler: Option<KindId>) -> u32 {
        let id = self.st.fault_begins(&self.plan, comp, kind, handler);
        self.st.run_ready(&self.plan);
        id
    }

    /// Ends the fault `id` now; false if it is not in force.
    pub fn end_fault(&mut self, id: u32) -> bool {
        let ended = self.st.fault_ends(&self.plan, id);
        self.st.run_ready(&self.plan);
        ended
    }

    /// Faults in force now: `(id, component, kind)`.
    pub fn active_faults(&self) -> Vec<(u32, CompId, FaultKind)> {
        self.st
            .active
            .iter()
            .map(|f| (f.id, f.comp, f.kind))
            .collect()
    }

    /// Time-average instance counts of function `comp` from the start until now; `None`
    /// for other components.
    pub fn function_usage(&self, comp: CompId) -> Option<FunctionUsage> {
        match self.st.comps.get(comp) {
            Some(CompState::Function(f)) => Some(f.usage(self.now())),
            _ => None,
        }
    }

    /// The invocations of function `comp` running now, billed as if they ended now; `None`
    /// for another kind of component.
    pub fn running_invocations(&self, comp: CompId) -> Option<Running> {
        self.st.running(&self.plan, comp)
    }

    /// Time-average number of server requests, asynchronous function invocations and queue
    /// messages waiting for a worker, an instance or a consumer, from the start until now
    /// (see `backlog`).
    pub fn mean_backlog(&self) -> f64 {
        self.st.backlog.mean(self.now())
    }

    /// How many wait now for a worker, an instance or a consumer, as [`mean_backlog`]
    /// counts them.
    ///
    /// [`mean_backlog`]: Simulation::mean_backlog
    pub fn waiting(&self) -> u64 {
        self.st.backlog.waiting()
    }

    /// Time-average busy server workers, summed over the servers, from the start until now.
    pub fn mean_busy_workers(&self) -> f64 {
        let now = self.now();
        self.st
            .comps
            .iter()
            .map(|c| match c {
                CompState::Server(s) => s.mean_busy(now),
                _ => 0.0,
            })
            .sum()
    }

    /// The live state of every component, by [`CompId`].
    pub fn snapshot(&self) -> Vec<ComponentState> {
        let a = self.plan.arch();
        self.st
            .comps
            .iter()
            .zip(&a.components)
            .map(|(state, c)| match (state, &c.spec) {
                (CompState::Server(s), _) => s.snapshot(),
                (CompState::Function(f), _) => f.snapshot(),
                (CompState::Queue(q), _) => q.snapshot(),
                (CompState::Store(s), _) => s.snapshot(),
                _ => ComponentState::Stateless,
            })
            .collect()
    }
}

impl State {
    /// Handles one calendar entry, then runs every activation it made ready.
    fn handle(&mut self, plan: &Plan, ev: Ev) {
        self.dispatch_event(plan, ev);
        self.run_ready(plan);
    }

    fn dispatch_event(&mut self, plan: &Plan, ev: Ev) {
        match ev {
            Ev::Arrival { source } => self.arrival(plan, source as usize),
            Ev::StepDone { act, token } => self.step_done(plan, act, token),
            Ev::OpDone {
                act,
                token,
                comp,
                op,
                ok,
            } => self.op_done(plan, act, token, comp as CompId, op, ok),
            Ev::CallTimeout { act, token } => self.call_timed_out(plan, act, token),
            Ev::RetryStep { act, token } => self.retry_step(plan, act, token),
            Ev::ColdStartDone { comp, inst } => self.cold_start_done(plan, comp as CompId, inst),
            Ev::KeepAliveExpired { comp, inst } => self.keep_alive_expired(comp as CompId, inst),
            Ev::AsyncRetry { act, token } => self.async_retry(plan, act, token),
            Ev::MessageVisible { msg } => self.message_visible(plan, msg),
            Ev::InstanceRestart { comp, inst } => self.server_restarted(comp as CompId, inst),
            Ev::FaultBegin { planned } => self.planned_fault_begins(plan, planned as usize),
            Ev::FaultEnd { planned } => self.planned_fault_ends(plan, planned as usize),
            Ev::Redrive { queue } => self.redrive(plan, queue as CompId),
            Ev::Prewarm { comp, keep_alive } => self.prewarm(plan, comp as CompId, keep_alive),
            Ev::AutoscaleTick { comp } => self.autoscale(plan, comp as CompId),
            Ev::QueuePoll { queue } => self.queue_poll(plan, queue as CompId),
            Ev::Provision { comp, count } => self.reprovision(plan, comp as CompId, count),
            Ev::InstanceBooted { comp, inst } => self.server_booted(plan, comp as CompId, inst),
            Ev::InvocationTimeout { comp } => self.check_deadlines(plan, comp as CompId),
            Ev::KpaTick { comp } => self.kpa_tick(plan, comp as CompId),
        }
    }
}
