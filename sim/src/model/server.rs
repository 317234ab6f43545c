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
//! With `autoscaling` (target tracking, as an EC2 Auto Scaling group does): every `period`
//! the group compares the time-average utilisation of the workers of its running instances
//! with the target and sets the desired count to ⌈running × utilisation / target⌉ within
//! [min, max]. New instances serve after their boot time; idle instances are terminated to
//! scale in, no sooner than `cooldown` after the last scaling action. Instances are billed
//! per second from launch to termination, at least one minute each.

use std::collections::VecDeque;

use super::work::Act;
use super::{CompState, ComponentState, Ev, Plan, State};
use crate::engine::SimTime;
use crate::observe::SimEvent;
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
    /// Integral of busy workers, and of worker capacity of running instances, since the last
    /// autoscaling evaluation [workers·ns]; and when they were last brought up to date.
    busy_area: u128,
    capacity_area: u128,
    accounted: SimTime,
    /// Integral of busy workers over the whole run, up to `accounted` [workers·ns].
    busy_run: u128,
    /// Time of the last scaling action.
    last_scaled: SimTime,
    /// Connections each instance holds: (database, count).
    pools: Vec<Vec<(CompId, u32)>>,
    /// Cores in use per instance, and CPU-bound steps waiting for one: (activation, work).
    cores_busy: Vec<u32>,
    run_queue: Vec<VecDeque<(u32, SimTime)>>,
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
            accounted: 0,
            busy_run: 0,
            last_scaled: 0,
            pools: vec![Vec::new(); n],
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
            let got = self.open_connections(plan, db, spec.pool);
            self.server_state(comp).pools[inst as usize].push((db, got));
        }
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
        s.busy_area = 0;
        s.capacity_area = 0;
        let up = s.up();
        let booting = s.phase.iter().filter(|p| **p == Phase::Booting).count() as u32;
        let current = up + booting;
        let desired =
            ((f64::from(up.max(1)) * utilisation / a.target).ceil() as u32).clamp(a.min, a.max);
        if desired > current {
            s.last_scaled = now;
            let first = s.phase.len() as u32;
            for _ in current..desired {
                s.phase.push(Phase::Booting);
                s.busy.push(0);
                s.running.push(Vec::new());
                s.executions.push(0);
                s.pools.push(Vec::new());
                s.cores_busy.push(0);
                s.run_queue.push(VecDeque::new());
            }
            for inst in first..first + (desired - current) {
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
                for (db, count) in pools {
                    self.close_connections(db, count);
                }
                self.emit(SimEvent::InstanceReaped {
                    comp,
                    instance: inst,
                });
            }
        }
    }
}
