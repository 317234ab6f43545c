//! Instance selection: which idle instance of a function a warm request goes to.
//!
//! A function's idle instances are kept in the order they became idle (the front idle
//! longest, the back most recently used). Four policies pick one of them:
//! - `MostRecentlyUsed` (the default): the back. AWS Lambda as measured (Wang et al.,
//!   USENIX ATC '18): load concentrates on few instances and the others expire.
//! - `NewestCreated`: the instance created last, SimFaaS's rule (Mahmoudi & Khazaei 2021).
//! - `LeastRecentlyUsed`: the front; load is spread over every instance, which keeps more
//!   of them warm.
//! - `Random`: one drawn uniformly, from a stream of the function's own, so that the draws
//!   shift no other component's numbers (common random numbers).
//!
//! Provisioned instances serve before on-demand ones: the policy picks among the idle
//! provisioned instances when there is one. `MostRecentlyUsed` and `LeastRecentlyUsed` take
//! an end of the list (O(1) without provisioned instances); `NewestCreated` and `Random`
//! look through the idle instances (O(idle) per warm start).

use std::collections::VecDeque;

use rand::RngExt;

use crate::rng::SimRng;
use crate::scenario::InstanceSelection;

/// One function's instance-selection policy.
#[derive(Debug)]
pub(super) struct Selector {
    policy: InstanceSelection,
    /// Draws of `Random` (unused by the other policies).
    rng: SimRng,
}

impl Selector {
    pub(super) fn new(policy: InstanceSelection, rng: SimRng) -> Self {
        Self { policy, rng }
    }

    /// The position in `idle` (release order: the back most recently used) of the instance
    /// a warm request takes: among the idle instances that are `provisioned` if any is (when
    /// `provisioned_first`), else among all; `born` orders instances by creation. `None`
    /// when `idle` is empty.
    pub(super) fn pick(
        &mut self,
        idle: &VecDeque<u32>,
        provisioned_first: bool,
        provisioned: impl Fn(u32) -> bool,
        born: impl Fn(u32) -> u64,
    ) -> Option<usize> {
        if idle.is_empty() {
            return None;
        }
        // Without provisioned instances to prefer, the two ends need no look.
        if !provisioned_first {
            match self.policy {
                InstanceSelection::MostRecentlyUsed => return Some(idle.len() - 1),
                InstanceSelection::LeastRecentlyUsed => return Some(0),
                _ => {}
            }
        }
        let only_provisioned = provisioned_first && idle.iter().any(|&i| provisioned(i));
        let eligible = |i: u32| !only_provisioned || provisioned(i);
        match self.policy {
            InstanceSelection::MostRecentlyUsed => idle.iter().rposition(|&i| eligible(i)),
            InstanceSelection::LeastRecentlyUsed => idle.iter().position(|&i| eligible(i)),
            InstanceSelection::NewestCreated => idle
                .iter()
                .enumerate()
                .filter(|&(_, &i)| eligible(i))
                .max_by_key(|&(_, &i)| born(i))
                .map(|(pos, _)| pos),
            InstanceSelection::Random => {
                let n = idle.iter().filter(|&&i| eligible(i)).count();
                // One draw per warm start with a choice, none without.
                let k = if n > 1 {
                    self.rng.random_range(0..n)
                } else {
                    0
                };
                idle.iter()
                    .enumerate()
                    .filter(|&(_, &i)| eligible(i))
                    .nth(k)
                    .map(|(pos, _)| pos)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    /// Idle instances 10, 11, 12, 13 in release order (13 most recently used), created in
    /// the order 12, 10, 13, 11 (11 newest); 11 and 13 provisioned.
    fn idle() -> VecDeque<u32> {
        VecDeque::from([10, 11, 12, 13])
    }
    fn born(i: u32) -> u64 {
        match i {
            12 => 0,
            10 => 1,
            13 => 2,
            _ => 3,
        }
    }
    fn provisioned(i: u32) -> bool {
        i == 11 || i == 13
    }

    fn pick(policy: InstanceSelection, provisioned_first: bool) -> Option<u32> {
        let mut s = Selector::new(policy, rng::stream(1, "test"));
        let idle = idle();
        s.pick(&idle, provisioned_first, provisioned, born)
            .map(|p| idle[p])
    }

    #[test]
    fn each_policy_picks_the_instance_it_should() {
        use InstanceSelection::*;
        assert_eq!(pick(MostRecentlyUsed, false), Some(13));
        assert_eq!(pick(LeastRecentlyUsed, false), Some(10));
        assert_eq!(pick(NewestCreated, false), Some(11));
        // Provisioned ones first, the policy among them.
        assert_eq!(pick(MostRecentlyUsed, true), Some(13));
        assert_eq!(pick(LeastRecentlyUsed, true), Some(11));
        assert_eq!(pick(NewestCreated, true), Some(11));
        let only = |p| {
            let mut s = Selector::new(p, rng::stream(1, "test"));
            s.pick(&VecDeque::from([12, 10]), true, provisioned, born)
        };
        // None provisioned among the idle: every instance is eligible.
        assert_eq!(only(NewestCreated), Some(1));
        assert_eq!(only(LeastRecentlyUsed), Some(0));
        let mut s = Selector::new(Random, rng::stream(1, "test"));
        assert_eq!(s.pick(&VecDeque::new(), false, provisioned, born), None);
    }

    #[test]
    fn random_draws_every_instance_evenly_and_the_same_for_the_same_seed() {
        let draws = |seed| {
            let mut s = Selector::new(InstanceSelection::Random, rng::stream(seed, "test"));
            let idle = idle();
            (0..4000)
                .map(|_| idle[s.pick(&idle, false, provisioned, born).unwrap()])
                .collect::<Vec<_>>()
        };
        let a = draws(1);
        assert_eq!(a, draws(1), "same seed, same draws");
        assert_ne!(a, draws(2));
        for inst in idle() {
            let n = a.iter().filter(|&&i| i == inst).count();
            // 1,000 expected, sd √(4000 · 1/4 · 3/4) ≈ 27: within 4 sd.
            assert!((890..=1110).contains(&n), "instance {inst} drawn {n} times");
        }
        // Among the provisioned ones only, when asked.
        let mut s = Selector::new(InstanceSelection::Random, rng::stream(1, "test"));
        let idle = idle();
        let picked: Vec<u32> = (0..200)
            .map(|_| idle[s.pick(&idle, true, provisioned, born).unwrap()])
            .collect();
        assert!(picked.iter().all(|&i| provisioned(i)));
        assert!(picked.contains(&11) && picked.contains(&13));
    }
}
