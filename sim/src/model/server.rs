//! Provisioned servers: instances with worker slots, a shared backlog, an hourly price.
//!
//! A request takes a free worker on the least busy instance (lowest index on ties) and holds
//! it for its whole handler, synchronous calls included — thread-per-request, as in a
//! typical monolith. With no free worker it waits in a FIFO backlog shared by the instances
//! (a load balancer's queue); beyond the backlog limit, or when no instance is up, it is
//! rejected. With exponential compute, c workers and Poisson arrivals this is the M/M/c queue
//! of Erlang C. An instance is one process: when it crashes, every activation on it fails,
//! and it serves again after the server's restart time.

use std::collections::VecDeque;

use super::work::Act;
use super::{CompState, ComponentState, Ev, Plan, State};
use crate::engine::SimTime;
use crate::observe::SimEvent;
use crate::scenario::{CompId, Server};

/// Run-time state of one server group.
pub(super) struct ServerState {
    /// Busy workers per instance.
    busy: Vec<u32>,
    /// Activations running on each instance.
    running: Vec<Vec<u32>>,
    /// Whether each instance is down (crashed, restarting).
    down: Vec<bool>,
    /// Executions hit by crash faults since each instance started.
    executions: Vec<u32>,
    workers: u32,
    backlog: VecDeque<u32>,
    backlog_limit: Option<u32>,
}

impl ServerState {
    pub(super) fn new(spec: &Server) -> Self {
        let n = spec.instances as usize;
        Self {
            busy: vec![0; n],
            running: vec![Vec::new(); n],
            down: vec![false; n],
            executions: vec![0; n],
            workers: spec.workers,
            backlog: VecDeque::new(),
            backlog_limit: spec.backlog,
        }
    }

    pub(super) fn snapshot(&self, spec: &Server) -> ComponentState {
        ComponentState::Server {
            busy: self.busy.iter().sum(),
            workers: spec.instances * spec.workers,
            backlog: self.backlog.len() as u32,
        }
    }

    /// The least busy instance that is up and has a free worker.
    fn free_instance(&self) -> Option<u32> {
        let (inst, busy) = self
            .busy
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.down[*i])
            .min_by_key(|&(i, b)| (*b, i))?;
        (*busy < self.workers).then_some(inst as u32)
    }

    pub(super) fn count_execution(&mut self, inst: u32) -> u32 {
        self.executions[inst as usize] += 1;
        self.executions[inst as usize]
    }
}

impl State {
    pub(super) fn server_state(&mut self, comp: CompId) -> &mut ServerState {
        match &mut self.comps[comp] {
            CompState::Server(s) => s,
            _ => unreachable!("component {comp} has no server state"),
        }
    }

    pub(super) fn server_request(&mut self, plan: &Plan, act: u32) {
        let Act { comp, txn, .. } = self.acts[act as usize];
        let s = self.server_state(comp);
        let any_up = s.down.iter().any(|d| !d);
        if let Some(inst) = s.free_instance() {
            self.server_run(plan, comp, inst, act);
        } else if any_up
            && s.backlog_limit
                .is_none_or(|limit| (s.backlog.len() as u32) < limit)
        {
            s.backlog.push_back(act);
        } else {
            let id = self.txns[txn as usize].id;
            self.emit(SimEvent::Rejected { txn: id, comp });
            self.finish(plan, act, false);
        }
    }

    fn server_run(&mut self, plan: &Plan, comp: CompId, inst: u32, act: u32) {
        let s = self.server_state(comp);
        s.busy[inst as usize] += 1;
        s.running[inst as usize].push(act);
        self.begin(plan, act, inst, false);
    }

    pub(super) fn server_release(&mut self, plan: &Plan, comp: CompId, inst: u32, act: u32) {
        let s = self.server_state(comp);
        let i = inst as usize;
        s.busy[i] -= 1;
        if let Some(pos) = s.running[i].iter().position(|&a| a == act) {
            s.running[i].swap_remove(pos);
        }
        self.fill_instance(plan, comp, inst);
    }

    /// Starts backlog requests on `inst` while it has free workers.
    fn fill_instance(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        loop {
            let s = self.server_state(comp);
            let i = inst as usize;
            if s.down[i] || s.busy[i] >= s.workers {
                return;
            }
            let Some(next) = s.backlog.pop_front() else {
                return;
            };
            self.server_run(plan, comp, inst, next);
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
        s.down[i] = true;
        s.executions[i] = 0;
        s.busy[i] = 0;
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

    pub(super) fn server_restarted(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        self.server_state(comp).down[inst as usize] = false;
        self.emit(SimEvent::InstanceRestarted {
            comp,
            instance: inst,
        });
        self.fill_instance(plan, comp, inst);
    }
}
