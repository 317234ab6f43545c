//! One architecture's run in progress: the simulation and everything that watches it
//! (metrics, failure isolation, the timeseries), stepped by `choreo run` to the horizon in
//! one go and by the viewer a frame at a time — the same figures either way.

use std::sync::Arc;

use crate::engine::SimTime;
use crate::metrics::isolation::Isolation;
use crate::metrics::{CostLine, Metrics};
use crate::model::{Counts, Simulation};
use crate::observe::Observer;
use crate::report::{ArchReport, Sample, Stopped};
use crate::run::{RunError, runaway_error, sample};
use crate::scenario::Scenario;

/// A simulation with its metrics, failure isolation and timeseries.
pub struct Session {
    scenario: Arc<Scenario>,
    index: usize,
    sim: Simulation,
    metrics: Metrics,
    /// Failure isolation, watched only where faults are planned (it needs every arrival
    /// from time zero, for the windows before a fault; without one it is empty).
    isolation: Option<Isolation>,
    timeseries: Vec<Sample>,
    interval: SimTime,
    /// The end of the current timeseries interval; `SimTime::MAX` once the horizon's
    /// sample is taken.
    next_sample: SimTime,
}

impl Session {
    /// A session of architecture `index` of `scenario` at time zero, sampling the
    /// timeseries (and bucketing recovery) every `interval` [ns].
    pub fn new(scenario: Arc<Scenario>, index: usize, interval: SimTime) -> Self {
        let sim = Simulation::new(Arc::clone(&scenario), index);
        let metrics = Metrics::new(sim.architecture());
        let interval = interval.max(1);
        let planned = scenario
            .faults
            .iter()
            .any(|f| f.target_in(index, sim.architecture()).is_some());
        let isolation =
            planned.then(|| Isolation::new(sim.architecture(), scenario.kinds.len(), interval));
        let horizon = sim.horizon();
        let next_sample = if horizon == 0 {
            SimTime::MAX
        } else {
            interval.min(horizon)
        };
        Self {
            scenario,
            index,
            sim,
            metrics,
            isolation,
            timeseries: Vec::new(),
            interval,
            next_sample,
        }
    }

    /// The simulation.
    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    /// The simulation, for live control (load, faults); step it with
    /// [`Session::step_to`] only, or the metrics miss its events.
    pub fn sim_mut(&mut self) -> &mut Simulation {
        &mut self.sim
    }

    /// Everything measured so far.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Failure isolation so far, of the planned faults (`None` without any: faults started
    /// live, from the viewer, are not watched).
    pub fn isolation(&self) -> Option<&Isolation> {
        self.isolation.as_ref()
    }

    /// Transactions by fate now.
    pub fn counts(&self) -> Counts {
        self.sim.counts()
    }

    /// The itemised bill so far, invocations running now billed for the time they ran.
    pub fn costs(&self) -> Vec<CostLine> {
        let arch = self.sim.architecture();
        self.metrics
            .costs_with_running(arch, &arch.prices, self.sim.now(), &self.running())
    }

    /// The function invocations running now, by component.
    fn running(&self) -> Vec<Option<crate::model::Running>> {
        (0..self.sim.architecture().components.len())
            .map(|c| self.sim.running_invocations(c))
            .collect()
    }

    /// Advances to `target` (at most the horizon), handling at most `budget` calendar
    /// events and feeding each to the metrics, the isolation and `extra`; samples the
    /// timeseries at every interval's end passed. Returns whether the budget ran out
    /// before `target` was reached (the clock then stays at the last event handled). A run
    /// stopped by a runaway transaction stops here too ([`Simulation::runaway`]).
    pub fn step_to(&mut self, target: SimTime, budget: u64, extra: &mut impl Observer) -> bool {
        let target = target.min(self.sim.horizon());
        let mut handled = 0u64;
        loop {
            let stop = target.min(self.next_sample);
            let mut observer = ((&mut self.metrics, &mut self.isolation), &mut *extra);
            loop {
                if handled >= budget {
                    if self.sim.next_event_time().is_some_and(|t| t <= stop) {
                        return true;
                    }
                    break;
                }
                if !self.sim.step_through(stop, &mut observer) {
                    break;
                }
                handled += 1;
            }
            self.sim.step_until(stop, &mut observer);
            if self.sim.runaway().is_some() {
                return false;
            }
            if stop == self.next_sample {
                sample(&self.sim, &mut self.metrics, stop, &mut self.timeseries);
                self.next_sample = if stop >= self.sim.horizon() {
                    SimTime::MAX
                } else {
                    (stop + self.interval).min(self.sim.horizon())
                };
            }
            if stop >= target {
                return false;
            }
        }
    }

    /// The report of the run as of now: counts, metrics, the bill up to now.
    fn report(self, until: SimTime) -> ArchReport {
        let running = self.running();
        let arch = self.sim.architecture();
        let costs = self
            .metrics
            .costs_with_running(arch, &arch.prices, until, &running);
        let functions = (0..arch.components.len())
            .filter_map(|c| self.sim.function_usage(c).map(|u| (c, u)))
            .collect();
        let isolation = self
            .isolation
            .unwrap_or_else(|| Isolation::new(arch, self.scenario.kinds.len(), self.interval));
        ArchReport {
            index: self.index,
            name: arch.name.clone(),
            counts: self.sim.counts(),
            metrics: self.metrics,
            costs,
            timeseries: self.timeseries,
            isolation,
            functions,
            mean_backlog: self.sim.mean_backlog(),
            mean_busy_workers: self.sim.mean_busy_workers(),
            simulated: until,
            stopped: None,
        }
    }

    /// Ends a run stopped before its horizon: the report of what was simulated, billed to
    /// the time reached and marked with why it stopped.
    pub fn finish_stopped(self, why: Stopped) -> Result<ArchReport, RunError> {
        if let Some(r) = self.sim.runaway() {
            return Err(runaway_error(&self.scenario, self.sim.architecture(), r));
        }
        let now = self.sim.now();
        let mut report = self.report(now);
        report.stopped = Some(why);
        Ok(report)
    }

    /// Ends the run: its report, billed to the horizon, or why it failed (a runaway
    /// transaction; transactions lost or invented, which is a bug).
    pub fn finish(self) -> Result<ArchReport, RunError> {
        if let Some(r) = self.sim.runaway() {
            return Err(runaway_error(&self.scenario, self.sim.architecture(), r));
        }
        let counts = self.sim.counts();
        if !counts.conserved() {
            return Err(RunError::Conservation {
                architecture: self.sim.architecture().name.clone(),
                counts,
            });
        }
        let horizon = self.sim.horizon();
        Ok(self.report(horizon))
    }
}
