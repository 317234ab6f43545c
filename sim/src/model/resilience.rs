//! Circuit breakers on a caller's calls to one target (closed → open → half-open).
//!
//! A breaker opens after `failures` consecutive failed calls and then fails calls at once
//! ("short-circuits") for its cool-down; the first call after the cool-down is let through as
//! a probe, and its outcome closes the breaker or opens it again. A probe whose outcome has
//! not come within another cool-down (its caller crashed, or it is just slow) is joined by a
//! new probe; while half-open, the first outcome recorded decides. One breaker is shared by
//! all instances of the caller (as a shared client would be).

use super::{Plan, State};
use crate::engine::SimTime;
use crate::observe::SimEvent;
use crate::scenario::{Architecture, BreakerPolicy, CompId, Spec};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Closed {
        failures: u32,
    },
    Open {
        until: SimTime,
    },
    /// One probe call is in flight; if no outcome is recorded by `until` (its caller died),
    /// another probe may go.
    HalfOpen {
        until: SimTime,
    },
}

/// The breaker of one (caller, target) pair.
#[derive(Debug, Clone)]
pub(super) struct Breaker {
    caller: CompId,
    target: CompId,
    policy: BreakerPolicy,
    phase: Phase,
}

/// A closed breaker for every call policy of `arch` that has one.
pub(super) fn breakers(arch: &Architecture) -> Vec<Breaker> {
    let mut out = Vec::new();
    for (caller, c) in arch.components.iter().enumerate() {
        let calls = match &c.spec {
            Spec::Server(s) => &s.calls,
            Spec::Function(f) => &f.calls,
            _ => continue,
        };
        for (target, p) in calls {
            if let Some(policy) = p.breaker {
                out.push(Breaker {
                    caller,
                    target: *target,
                    policy,
                    phase: Phase::Closed { failures: 0 },
                });
            }
        }
    }
    out
}

impl State {
    fn breaker(&mut self, caller: CompId, target: CompId) -> Option<&mut Breaker> {
        self.breakers
            .iter_mut()
            .find(|b| b.caller == caller && b.target == target)
    }

    /// Whether the breaker of `caller` → `target` lets a call through now.
    pub(super) fn breaker_admits(&mut self, _plan: &Plan, caller: CompId, target: CompId) -> bool {
        let now = self.now();
        let Some(b) = self.breaker(caller, target) else {
            return true;
        };
        match b.phase {
            Phase::Closed { .. } => true,
            Phase::Open { until } | Phase::HalfOpen { until } if now >= until => {
                b.phase = Phase::HalfOpen {
                    until: now + b.policy.cooldown,
                };
                true
            }
            Phase::Open { .. } | Phase::HalfOpen { .. } => false,
        }
    }

    /// Records the outcome of a call that the breaker let through.
    pub(super) fn breaker_record(
        &mut self,
        _plan: &Plan,
        caller: CompId,
        target: CompId,
        ok: bool,
    ) {
        let now = self.now();
        let Some(b) = self.breaker(caller, target) else {
            return;
        };
        let (opened, closed) = match (b.phase, ok) {
            (Phase::Closed { .. }, true) => {
                b.phase = Phase::Closed { failures: 0 };
                (false, false)
            }
            (Phase::Closed { failures }, false) if failures + 1 >= b.policy.failures => {
                b.phase = Phase::Open {
                    until: now + b.policy.cooldown,
                };
                (true, false)
            }
            (Phase::Closed { failures }, false) => {
                b.phase = Phase::Closed {
                    failures: failures + 1,
                };
                (false, false)
            }
            (Phase::HalfOpen { .. }, true) => {
                b.phase = Phase::Closed { failures: 0 };
                (false, true)
            }
            (Phase::HalfOpen { .. }, false) => {
                b.phase = Phase::Open {
                    until: now + b.policy.cooldown,
                };
                (true, false)
            }
            // A call admitted before the breaker opened, answering late: nothing changes.
            (Phase::Open { .. }, _) => (false, false),
        };
        if opened {
            self.emit(SimEvent::BreakerOpened {
                comp: caller,
                target,
            });
        }
        if closed {
            self.emit(SimEvent::BreakerClosed {
                comp: caller,
                target,
            });
        }
    }
}
