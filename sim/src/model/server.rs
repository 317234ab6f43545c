//! Provisioned servers: instances with worker slots, a load balancer, a shared backlog, an
//! hourly price, and optionally an autoscaling group.
//!
//! A request takes a free worker on an instance chosen by the load balancer (least
//! outstanding requests, lowest index on ties; or round robin among instances with a free
//! worker) and holds it for its whole handler, synchronous calls included —
//! thread-per-request, as in a typical monolith. With no free worker it waits in a FIFO
//! backlog shared by the instances (the balancer's queue); beyond the backlog limit, or when
//! no instance is up, it is rejected. With exponential compute, c workers and Poisson arrivals
//! this is the M/M/c queue of Erlang C.
//!
//! An instance is one process: when it crashes, every activation on it fails, and it serves
//! again after the server's restart time.
//!
//! An instance holds a pool of connections to each database its handlers read or write: a
//! `Read` or `Write` takes one for the operation's time, or waits for one in the pool's FIFO
//! line (with fewer connections than workers, requests queue for the database inside the
//! instance); an instance whose pool got no connection at all is refused at once.
//!
//! With `autoscaling` (target tracking, as an EC2 Auto Scaling group does): every `period`
//! the group compares the time-average utilisation of the workers of its running instances
//! with the target and sets the desired count to ⌈running × utilisation / target⌉; tracking
//! backlog, to ⌈mean backlog / target backlog per instance⌉; tracking both, the larger;
//! within [min, max]. New instances serve after their boot time; idle instances are
//! terminated to scale in, no sooner than `cooldown` after the last scaling action; a
//! launch reuses a terminated instance's slot (and number) before adding one, so the slots
//! never outnumber the instances the group has held at once. Instances are billed per
//! second from launch to termination, at least one minute each.

use std::collections::VecDeque;

use super::work::{Act, NONE};
use super::{CompState, ComponentState, Ev, Plan, State};
use crate::engine::SimTime;
use crate::observe::{Op, SimEvent};
use crate::scenario::{Autoscaling, Balancer, CompId, Server, Spec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Launched, not serving yet.
    Booting,
    Up,
    /// Crashed, restarting.
    Down,
    Terminated,
}

/// Run-time state of one server group.
pub(super) struct ServerState {
    phase: Vec<Phase>,
    /// Busy workers per instance.
    busy: Vec<u32>,
    /// Activations running on each instance.
    running: Vec<Vec<u32>>,
    /// Executions hit by crash faults since each instance started.
    executions: Vec<u32>,
    workers: u32,
    backlog: VecDeque<u32>,
    backlog_limit: Option<u32>,
    balancer: Balancer,
    /// Next instance to try, for round robin.
    next: usize,
    /// Integral of busy workers, of worker capacity of running instances and of the backlog,
    /// since the last autoscaling evaluation [workers·ns, requests·ns]; and when they were
    /// last brought up to date.
    busy_area: u128,
    capacity_area: u128,
    backlog_area: u128,
    accounted: SimTime,
    /// Integral of busy workers over the whole run, up to `accounted` [workers·ns].
    busy_run: u128,
    /// Time of the last scaling action.
    last_scaled: SimTime,
    /// Each instance's connection pools, one per database.
    pools: Vec<Vec<Pool>>,
    /// Cores in use per instance, and CPU-bound steps waiting for one: (activation, work).
    cores_busy: Vec<u32>,
    run_queue: Vec<VecDeque<(u32, SimTime)>>,
}

/// An instance's connections to one database.
#[derive(Debug)]
struct Pool {
    db: CompId,
    /// Connections it holds open.
    size: u32,
    /// Of those, lent to an operation now.
    in_use: u32,
    /// Operations waiting for a connection, oldest first: activation, wait token, operation.
    waiting: VecDeque<(u32, u64, Op)>,
    /// Whether connections are being handed to the line now (see
    /// [`State::give_back_connection`]).
    handing: bool,
}

/// What a server's `Read` or `Write` gets from its instance's pool.
pub(super) enum Checkout {
    /// A connection, lent to the activation until its operation ends.
    Lent,
    /// None free: it waits in the pool's line.
    Waiting,
    /// The pool has no connection at all: refused.
    Refused,
    /// No pool applies (not a server's operation on a database).
    Free,
}

impl ServerState {
    pub(super) fn new(spec: &Server) -> Self {
        let n = spec.instances as usize;
        Self {
            phase: vec![Phase::Up; n],
            busy: vec![0; n],
            running: vec![Vec::new(); n],
            executions: vec![0; n],
            workers: spec.workers,
            backlog: VecDeque::new(),
            backlog_limit: spec.backlog,
            balancer: spec.balancer,
            next: 0,
            busy_area: 0,
            capacity_area: 0,
            backlog_area: 0,
            accounted: 0,
            busy_run: 0,
            last_scaled: 0,
            pools: (0..n).map(|_| Vec::new()).collect(),
            cores_busy: vec![0; n],
            run_queue: vec![VecDeque::new(); n],
        }
    }

    fn up(&self) -> u32 {
        self.phase.iter().filter(|p| **p == Phase::Up).count() as u32
    }

    pub(super) fn snapshot(&self) -> ComponentState {
        ComponentState::Server {
            busy: self.busy.iter().sum(),
            workers: self.up() * self.workers,
            backlog: self.backlog.len() as u32,
        }
    }

    /// The instance a new request goes to, among those up with a free worker.
    fn free_instance(&mut self) -> Option<u32> {
        let n = self.busy.len();
        let free = |i: usize| self.phase[i] == Phase::Up && self.busy[i] < self.workers;
        match self.balancer {
            Balancer::LeastOutstanding => (0..n)
                .filter(|&i| free(i))
                .min_by_key(|&i| (self.busy[i], i))
                .map(|i| i as u32),
            Balancer::RoundRobin => {
                let pick = (0..n).map(|k| (self.next + k) % n).find(|&i| free(i))?;
                self.next = (pick + 1) % n;
                Some(pick as u32)
            }
        }
    }

    pub(super) fn count_execution(&mut self, inst: u32) -> u32 {
        self.executions[inst as usize] += 1;
        self.executions[inst as usize]
    }

    /// Brings the utilisation integrals up to `now`.
    fn account(&mut self, now: SimTime) {
        let dt = u128::from(now - self.accounted);
        let busy: u32 = self.busy.iter().sum();
        self.busy_area += u128::from(busy) * dt;
        self.busy_run += u128::from(busy) * dt;
        self.capacity_area += u128::from(self.up() * self.workers) * dt;
        self.backlog_area += self.backlog.len() as u128 * dt;
        self.accounted = now;
    }

    /// Time-average busy workers over `[0, until]`, all instances together (0 at time zero).
    pub(super) fn mean_busy(&self, until: SimTime) -> f64 {
        if until == 0 {
            return 0.0;
        }
        let busy: u32 = self.busy.iter().sum();
        let tail = u128::from(busy) * u128::from(until.saturating_sub(self.accounted));
        (self.busy_run + tail) as f64 / until as f64
    }

    /// A slot for a newly launched instance: the first one a terminated instance left, reset,
    /// or a new one.
    fn launch_slot(&mut self) -> u32 {
        let free = self.phase.iter().position(|p| *p == Phase::Terminated);
        let i = match free {
            Some(i) => i,
            None => {
                self.phase.push(Phase::Terminated);
                self.busy.push(0);
                self.running.push(Vec::new());
                self.executions.push(0);
                self.pools.push(Vec::new());
                self.cores_busy.push(0);
                self.run_queue.push(VecDeque::new());
                self.phase.len() - 1
            }
        };
        self.phase[i] = Phase::Booting;
        self.busy[i] = 0;
        self.running[i].clear();
        self.executions[i] = 0;
        self.pools[i].clear();
        self.cores_busy[i] = 0;
        self.run_queue[i].clear();
        i as u32
    }

    /// Instance slots, terminated ones included.
    #[cfg(test)]
    fn slots(&self) -> usize {
        self.phase.len()
    }
}

fn autoscaling(plan: &Plan, comp: CompId) -> Option<Autoscaling> {
    match plan.spec(comp) {
        Spec::Server(s) => s.autoscaling,
        _ => None,
    }
}

impl State {
    /// The state of server `comp`, its utilisation integrals brought up to now.
    pub(super) fn server_state(&mut self, comp: CompId) -> &mut ServerState {
        let now = self.cal.now();
        match &mut self.comps[comp] {
            CompState::Server(s) => {
                s.account(now);
                s
            }
            _ => unreachable!("component {comp} has no server state"),
        }
    }

    /// Runs `work` [ns] of CPU-bound step of `act` on a core of instance `inst`, or queues it
    /// (FIFO) until one is free.
    pub(super) fn run_on_core(
        &mut self,
        act: u32,
        comp: CompId,
        inst: u32,
        cores: u32,
        work: SimTime,
    ) {
        let s = self.server_state(comp);
        let i = inst as usize;
        if s.cores_busy[i] < cores {
            s.cores_busy[i] += 1;
            self.start_on_core(act, work);
        } else {
            s.run_queue[i].push_back((act, work));
        }
    }

    fn start_on_core(&mut self, act: u32, work: SimTime) {
        self.acts[act as usize].on_core = true;
        let token = self.arm(act);
        let at = self.now() + work;
        self.cal.schedule(at, Ev::StepDone { act, token });
    }

    /// A CPU-bound step on instance `inst` finished: its core goes to the next in line.
    pub(super) fn core_freed(&mut self, comp: CompId, inst: u32) {
        let s = self.server_state(comp);
        let i = inst as usize;
        match s.run_queue[i].pop_front() {
            Some((next, work)) => self.start_on_core(next, work),
            None => s.cores_busy[i] = s.cores_busy[i].saturating_sub(1),
        }
    }

    /// Opens the connection pools of every server's initial instances.
    pub(super) fn open_server_pools(&mut self, plan: &Plan) {
        for (comp, c) in plan.arch().components.iter().enumerate() {
            if let Spec::Server(s) = &c.spec {
                for inst in 0..s.instances {
                    self.open_pool(plan, comp, inst);
                }
            }
        }
    }

    /// Instance `inst` opens its pool to each database its handlers read or write (as many
    /// connections as the database still allows, at most the pool size).
    fn open_pool(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        let Spec::Server(spec) = plan.spec(comp) else {
            return;
        };
        let mut dbs: Vec<CompId> = spec
            .handlers
            .iter()
            .flatten()
            .flatten()
            .filter_map(|step| match *step {
                crate::scenario::Step::Read(db) | crate::scenario::Step::Write(db) => Some(db),
                _ => None,
            })
            .collect();
        dbs.sort_unstable();
        dbs.dedup();
        for db in dbs {
            let size = self.open_connections(plan, db, spec.pool);
            self.server_state(comp).pools[inst as usize].push(Pool {
                db,
                size,
                in_use: 0,
                waiting: VecDeque::new(),
                handing: false,
            });
        }
    }

    /// A connection for operation `op` of `act` (waiting with `token`) on `db`, from its
    /// server instance's pool (see [`Checkout`]).
    pub(super) fn checkout(&mut self, act: u32, token: u64, db: CompId, op: Op) -> Checkout {
        let a = &self.acts[act as usize];
        let (comp, inst) = (a.comp, a.inst);
        if inst == NONE || !matches!(self.comps[comp], CompState::Server(_)) {
            return Checkout::Free;
        }
        let s = self.server_state(comp);
        let Some(pool) = s.pools[inst as usize].iter_mut().find(|p| p.db == db) else {
            return Checkout::Free;
        };
        if pool.size == 0 {
            Checkout::Refused
        } else if pool.in_use < pool.size {
            pool.in_use += 1;
            self.acts[act as usize].pool = db as u32;
            Checkout::Lent
        } else {
            pool.waiting.push_back((act, token, op));
            Checkout::Waiting
        }
    }

    /// `act` gives back the connection it holds, if any, and the pool lends its free
    /// connections to the operations in its line, oldest first, skipping callers that gave
    /// up (timeout) meanwhile. An operation that ends at once (its database down, or
    /// throttled) gives its connection back inside this loop, which then goes on: a line
    /// failing at one instant is a loop, not nested calls.
    #[inline]
    pub(super) fn give_back_connection(&mut self, plan: &Plan, act: u32) {
        // Most activations hold no connection: that check inline, the rest out of line.
        if self.acts[act as usize].pool != NONE {
            self.give_back_held_connection(plan, act);
        }
    }

    fn give_back_held_connection(&mut self, plan: &Plan, act: u32) {
        let a = &mut self.acts[act as usize];
        let db = std::mem::replace(&mut a.pool, NONE);
        if db == NONE {
            return;
        }
        let (comp, inst, db) = (a.comp, a.inst, db as CompId);
        let Some(pool) = self.pool_of(comp, inst, db) else {
            return;
        };
        pool.in_use = pool.in_use.saturating_sub(1);
        if pool.handing {
            return; // the loop below, further up the stack, lends it
        }
        pool.handing = true;
        loop {
            let Some(pool) = self.pool_of(comp, inst, db) else {
                return;
            };
            if pool.in_use >= pool.size {
                pool.handing = false;
                return;
            }
            let Some((next, token, op)) = pool.waiting.pop_front() else {
                pool.handing = false;
                return;
            };
            if !self.live(next, token) {
                continue;
            }
            if let Some(pool) = self.pool_of(comp, inst, db) {
                pool.in_use += 1;
            }
            self.acts[next as usize].pool = db as u32;
            if self.is_down(db) {
                self.refuse_op(plan, next, token, db);
            } else {
                self.start_connected_op(plan, next, token, db, op);
            }
        }
    }

    /// The pool of server `comp`'s instance `inst` to database `db`.
    fn pool_of(&mut self, comp: CompId, inst: u32, db: CompId) -> Option<&mut Pool> {
        self.server_state(comp)
            .pools
            .get_mut(inst as usize)?
            .iter_mut()
            .find(|p| p.db == db)
    }

    /// Schedules the first autoscaling evaluation of every server group that has one.
    pub(super) fn plan_autoscaling(&mut self, plan_arch: &crate::scenario::Architecture) {
        for (id, c) in plan_arch.components.iter().enumerate() {
            if let Spec::Server(s) = &c.spec
                && let Some(a) = s.autoscaling
            {
                self.cal
                    .schedule(a.period, Ev::AutoscaleTick { comp: id as u32 });
            }
        }
    }

    pub(super) fn server_request(&mut self, plan: &Plan, act: u32) {
        let Act { comp, txn, .. } = self.acts[act as usize];
        let s = self.server_state(comp);
        let any_up = s.up() > 0;
        if let Some(inst) = s.free_instance() {
            self.server_run(comp, inst, act);
        } else if any_up
            && s.backlog_limit
                .is_none_or(|limit| (s.backlog.len() as u32) < limit)
        {
            s.backlog.push_back(act);
            self.waits_began(1);
        } else {
            let id = self.txns[txn as usize].id;
            self.emit(SimEvent::Rejected { txn: id, comp });
            self.finish(plan, act, false);
        }
    }

    fn server_run(&mut self, comp: CompId, inst: u32, act: u32) {
        let now = self.now();
        let a = &mut self.acts[act as usize];
        // Until it begins, `started` is when it asked for its worker.
        a.waited = now - a.started;
        let s = self.server_state(comp);
        s.busy[inst as usize] += 1;
        s.running[inst as usize].push(act);
        self.begin(act, inst, false);
    }

    pub(super) fn server_release(&mut self, comp: CompId, inst: u32, act: u32) {
        let s = self.server_state(comp);
        let i = inst as usize;
        s.busy[i] -= 1;
        if let Some(pos) = s.running[i].iter().position(|&a| a == act) {
            s.running[i].swap_remove(pos);
        }
        self.fill_instance(comp, inst);
    }

    /// Starts backlog requests on `inst` while it has free workers.
    fn fill_instance(&mut self, comp: CompId, inst: u32) {
        loop {
            let s = self.server_state(comp);
            let i = inst as usize;
            if s.phase[i] != Phase::Up || s.busy[i] >= s.workers {
                return;
            }
            let Some(next) = s.backlog.pop_front() else {
                return;
            };
            self.waits_ended(1);
            self.server_run(comp, inst, next);
        }
    }

    /// The process of instance `inst` died: everything on it fails; it restarts later.
    pub(super) fn crash_server_instance(
        &mut self,
        plan: &Plan,
        comp: CompId,
        inst: u32,
        restart: SimTime,
    ) {
        let s = self.server_state(comp);
        let i = inst as usize;
        s.phase[i] = Phase::Down;
        s.executions[i] = 0;
        s.busy[i] = 0;
        s.cores_busy[i] = 0;
        s.run_queue[i].clear();
        // Its operations die with it: their connections are free again, their lines empty.
        for pool in &mut s.pools[i] {
            pool.in_use = 0;
            pool.waiting.clear();
        }
        let victims = std::mem::take(&mut s.running[i]);
        self.emit(SimEvent::InstanceCrashed {
            comp,
            instance: inst,
            lost: victims.len() as u32,
        });
        let at = self.now() + restart;
        self.cal.schedule(
            at,
            Ev::InstanceRestart {
                comp: comp as u32,
                inst,
            },
        );
        for act in victims {
            self.abort(plan, act);
        }
    }

    pub(super) fn server_restarted(&mut self, comp: CompId, inst: u32) {
        let s = self.server_state(comp);
        if s.phase[inst as usize] != Phase::Down {
            return; // terminated meanwhile
        }
        s.phase[inst as usize] = Phase::Up;
        self.emit(SimEvent::InstanceRestarted {
            comp,
            instance: inst,
        });
        self.fill_instance(comp, inst);
    }

    /// A launched instance finished booting and takes requests.
    pub(super) fn server_booted(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        let s = self.server_state(comp);
        if s.phase[inst as usize] != Phase::Booting {
            return;
        }
        s.phase[inst as usize] = Phase::Up;
        self.open_pool(plan, comp, inst);
        self.emit(SimEvent::InstanceReady {
            comp,
            instance: inst,
        });
        self.fill_instance(comp, inst);
    }

    /// Target tracking: compares utilisation over the last period with the target.
    pub(super) fn autoscale(&mut self, plan: &Plan, comp: CompId) {
        let Some(a) = autoscaling(plan, comp) else {
            return;
        };
        let now = self.now();
        self.cal
            .schedule(now + a.period, Ev::AutoscaleTick { comp: comp as u32 });
        let s = self.server_state(comp);
        let utilisation = if s.capacity_area == 0 {
            1.0
        } else {
            s.busy_area as f64 / s.capacity_area as f64
        };
        let backlog = s.backlog_area as f64 / a.period as f64;
        s.busy_area = 0;
        s.capacity_area = 0;
        s.backlog_area = 0;
        let up = s.up();
        let booting = s.phase.iter().filter(|p| **p == Phase::Booting).count() as u32;
        let current = up + booting;
        let desired = desired_instances(&a, up, utilisation, backlog);
        if desired > current {
            s.last_scaled = now;
            let launched: Vec<u32> = (current..desired).map(|_| s.launch_slot()).collect();
            for inst in launched {
                self.cal.schedule(
                    now + a.boot,
                    Ev::InstanceBooted {
                        comp: comp as u32,
                        inst,
                    },
                );
                self.emit(SimEvent::InstanceLaunched {
                    comp,
                    instance: inst,
                });
            }
        } else if desired < current && now >= s.last_scaled + a.cooldown {
            // Scale in: terminate idle running instances, newest first.
            let mut excess = current - desired;
            let mut terminated = Vec::new();
            for i in (0..s.phase.len()).rev() {
                if excess == 0 {
                    break;
                }
                if s.phase[i] == Phase::Up && s.busy[i] == 0 && s.up() > a.min {
                    s.phase[i] = Phase::Terminated;
                    terminated.push(i as u32);
                    excess -= 1;
                }
            }
            if !terminated.is_empty() {
                s.last_scaled = now;
            }
            for inst in terminated {
                let pools = std::mem::take(&mut self.server_state(comp).pools[inst as usize]);
                for pool in pools {
                    self.close_connections(pool.db, pool.size);
                }
                self.emit(SimEvent::InstanceReaped {
                    comp,
                    instance: inst,
                });
            }
        }
    }
}

/// The instances an autoscaling group wants, given the instances `up` (running) and, over
/// the last period, the time-average `utilisation` of their workers and the time-average
/// `backlog` (requests waiting for a worker): each tracked metric asks for
/// ⌈running × utilisation / target⌉ (at least one running counted) or
/// ⌈backlog / target backlog per instance⌉ (AWS target tracking on backlog per instance:
/// ⌈running × (backlog / running) / target⌉); with both, the larger wins (EC2 Auto
/// Scaling scales out if any policy asks, in only if all do); within [min, max].
fn desired_instances(a: &Autoscaling, up: u32, utilisation: f64, backlog: f64) -> u32 {
    let by_utilisation = a.target.map_or(0, |t| {
        (f64::from(up.max(1)) * utilisation / t).ceil() as u32
    });
    let by_backlog = a.target_backlog.map_or(0, |t| (backlog / t).ceil() as u32);
    by_utilisation.max(by_backlog).clamp(a.min, a.max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(target: Option<f64>, target_backlog: Option<f64>) -> Autoscaling {
        Autoscaling {
            min: 1,
            max: 30,
            target,
            target_backlog,
            boot: 1,
            cooldown: 1,
            period: 1,
        }
    }

    #[test]
    fn the_desired_count_follows_each_tracked_metric_and_the_larger_wins() {
        // Utilisation alone: ⌈2 × 0.9 / 0.6⌉ = 3.
        assert_eq!(desired_instances(&group(Some(0.6), None), 2, 0.9, 100.0), 3);
        // Backlog alone: ⌈29.5 / 4⌉ = 8, whatever the utilisation; exactly 8 × 4 is 8.
        assert_eq!(desired_instances(&group(None, Some(4.0)), 1, 1.0, 29.5), 8);
        assert_eq!(desired_instances(&group(None, Some(4.0)), 1, 1.0, 32.0), 8);
        // No backlog: the minimum.
        assert_eq!(desired_instances(&group(None, Some(4.0)), 5, 1.0, 0.0), 1);
        // Both: the larger, within [min, max].
        assert_eq!(
            desired_instances(&group(Some(0.6), Some(4.0)), 1, 1.0, 29.5),
            8
        );
        assert_eq!(
            desired_instances(&group(Some(0.5), Some(40.0)), 4, 1.0, 1.0),
            8
        );
        assert_eq!(
            desired_instances(&group(Some(0.6), Some(1.0)), 1, 1.0, 500.0),
            30
        );
    }

    #[test]
    fn a_launch_reuses_the_slot_of_a_terminated_instance() {
        let spec = Server {
            instances: 2,
            workers: 1,
            backlog: None,
            usd_per_hour: 0.0,
            handlers: Vec::new(),
            restart: 0,
            balancer: Balancer::LeastOutstanding,
            autoscaling: None,
            pool: 1,
            cores: None,
            calls: Vec::new(),
        };
        let mut s = ServerState::new(&spec);
        assert_eq!(s.launch_slot(), 2);
        s.phase[1] = Phase::Terminated;
        s.busy[1] = 7;
        assert_eq!(s.launch_slot(), 1);
        assert_eq!((s.phase[1], s.busy[1]), (Phase::Booting, 0));
        assert_eq!(s.launch_slot(), 3);
        assert_eq!(s.slots(), 4);
    }
}
