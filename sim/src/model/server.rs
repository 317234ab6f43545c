//! Provisioned servers: instances with worker slots, a shared backlog, an hourly price.
//!
//! A request takes a free worker on the least busy instance (lowest index on ties) and holds
//! it for its whole handler, synchronous calls included — thread-per-request, as in a
//! typical monolith. With no free worker it waits in a FIFO backlog shared by the instances
//! (a load balancer's queue); beyond the backlog limit it is rejected. With exponential
//! compute, c workers and Poisson arrivals this is the M/M/c queue of Erlang C.

use std::collections::VecDeque;

use super::work::Act;
use super::{CompState, ComponentState, Plan, State};
use crate::observe::SimEvent;
use crate::scenario::{CompId, Server};

/// Run-time state of one server group.
pub(super) struct ServerState {
    /// Busy workers per instance.
    busy: Vec<u32>,
    workers: u32,
    backlog: VecDeque<u32>,
    backlog_limit: Option<u32>,
}

impl ServerState {
    pub(super) fn new(spec: &Server) -> Self {
        Self {
            busy: vec![0; spec.instances as usize],
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

    /// The least busy instance with a free worker.
    fn free_instance(&self) -> Option<u32> {
        let (inst, busy) = self.busy.iter().enumerate().min_by_key(|&(i, b)| (*b, i))?;
        (*busy < self.workers).then_some(inst as u32)
    }
}

impl State {
    fn server_state(&mut self, comp: CompId) -> &mut ServerState {
        match &mut self.comps[comp] {
            CompState::Server(s) => s,
            _ => unreachable!("component {comp} has no server state"),
        }
    }

    pub(super) fn server_request(&mut self, plan: &Plan, act: u32) {
        let Act { comp, txn, .. } = self.acts[act as usize];
        let s = self.server_state(comp);
        if let Some(inst) = s.free_instance() {
            self.server_run(plan, comp, inst, act);
        } else if s
            .backlog_limit
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
        self.server_state(comp).busy[inst as usize] += 1;
        self.begin(plan, act, inst, false);
    }

    pub(super) fn server_release(&mut self, plan: &Plan, comp: CompId, inst: u32) {
        let s = self.server_state(comp);
        s.busy[inst as usize] -= 1;
        if let Some(next) = s.backlog.pop_front() {
            self.server_run(plan, comp, inst, next);
        }
    }
}
