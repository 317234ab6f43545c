//! The event calendar: simulated time and the ordered queue of pending events.
//!
//! The engine knows nothing of functions, servers or queues. It orders events by
//! `(time, class, seq)`: at one instant, events of an earlier [`Class`] run first (changes
//! of the platform, then releases of capacity, then new work, whatever order they were
//! scheduled in), and within a class
//! `seq`, the insertion counter, keeps them in the order they were scheduled — the
//! determinism promise every layer above relies on. The class of an event is a property of
//! its kind, given once by the classifier the calendar is built with. Timers (keep-alive windows, visibility timeouts) are cancelled by
//! generation number: cancelling bumps the timer slot's generation and the stale entry is
//! skipped when it reaches the head of the queue, so nothing is ever scanned.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Simulated time since the start of a run [ns].
pub type SimTime = u64;

/// Nanoseconds per second.
pub const NS_PER_S: u64 = 1_000_000_000;
/// Nanoseconds per millisecond.
pub const NS_PER_MS: u64 = 1_000_000;

/// Converts simulated time [ns] to seconds.
pub fn secs(t: SimTime) -> f64 {
    t as f64 / NS_PER_S as f64
}

/// A handle on a scheduled timer, used to cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerKey {
    slot: u32,
    generation: u32,
}

/// Marks an entry that is not a timer (it cannot be cancelled).
const NO_TIMER: u32 = u32::MAX;

/// Where an event runs among those at the same instant: every `Platform` before every
/// `Release`, every `Release` before every `NewWork`; within a class, in the order they were
/// scheduled.
///
/// Releases before new work is what a single server at exactly full load needs: when one
/// request's work ends at the very nanosecond the next request arrives, the arrival finds
/// the freed worker or instance instead of starting another. Platform changes first make a
/// window `[start, end)` exact: what starts at its first instant is in it, what starts at
/// its end is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Changes of the platform itself: faults beginning and ending, keep-alive expiry,
    /// autoscaling ticks, provisioned counts, pre-warming.
    Platform = 0,
    /// Work ending or capacity coming: completions of steps and operations, timeouts, a
    /// cold start done, an instance booted or restarted.
    Release = 1,
    /// New work: arrivals, retries, messages becoming visible, polls, redrives.
    NewWork = 2,
}

/// Bits of an entry's `order` below its class: the insertion counter.
const SEQ_BITS: u32 = 62;

struct Entry<E> {
    time: SimTime,
    /// The class in the top two bits, the insertion counter (`seq`) below: one integer, so
    /// that an entry is no larger than with the counter alone.
    order: u64,
    timer_slot: u32,
    generation: u32,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.order == other.order
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest `(time, class, seq)`
    /// first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.order).cmp(&(self.time, self.order))
    }
}

/// The pending-event queue of one simulation, ordered by `(time, class, insertion order)`.
pub struct Calendar<E> {
    heap: BinaryHeap<Entry<E>>,
    /// The class of each event.
    classify: fn(&E) -> Class,
    next_seq: u64,
    now: SimTime,
    /// Current generation of each timer slot; an entry whose generation differs is stale.
    timer_generations: Vec<u32>,
    free_timer_slots: Vec<u32>,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Calendar<E> {
    /// An empty calendar at time zero whose events are all of one class: same-time events
    /// run in the order they were scheduled.
    pub fn new() -> Self {
        Self::with_classes(|_| Class::NewWork)
    }

    /// An empty calendar at time zero that runs same-time events by their class (`classify`)
    /// first, then in the order they were scheduled.
    pub fn with_classes(classify: fn(&E) -> Class) -> Self {
        Self {
            heap: BinaryHeap::new(),
            classify,
            next_seq: 0,
            now: 0,
            timer_generations: Vec::new(),
            free_timer_slots: Vec::new(),
        }
    }

    /// The time of the event popped last (the simulation clock) [ns].
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of entries in the queue, stale (cancelled) timers included.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no entries remain.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    fn push(&mut self, time: SimTime, timer_slot: u32, generation: u32, event: E) {
        // An event in the past would run "now": time never goes backwards.
        let time = time.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        // 2^62 insertions is over a century at ten million events a second.
        debug_assert!(seq < 1 << SEQ_BITS, "insertion counter overflows its bits");
        let order = ((self.classify)(&event) as u64) << SEQ_BITS | seq;
        self.heap.push(Entry {
            time,
            order,
            timer_slot,
            generation,
            event,
        });
    }

    /// Schedules `event` at `time` [ns]; a time before `now` is treated as `now`.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        self.push(time, NO_TIMER, 0, event);
    }

    /// Schedules a cancellable `event` at `time` [ns].
    pub fn schedule_timer(&mut self, time: SimTime, event: E) -> TimerKey {
        let slot = match self.free_timer_slots.pop() {
            Some(slot) => slot,
            None => {
                self.timer_generations.push(0);
                // Slot count is bounded by live timers, far below u32::MAX.
                (self.timer_generations.len() - 1) as u32
            }
        };
        let generation = self.timer_generations[slot as usize];
        self.push(time, slot, generation, event);
        TimerKey { slot, generation }
    }

    /// Cancels a timer. Returns false when it had already fired or been cancelled.
    pub fn cancel(&mut self, key: TimerKey) -> bool {
        match self.timer_generations.get_mut(key.slot as usize) {
            Some(generation) if *generation == key.generation => {
                *generation = generation.wrapping_add(1);
                self.free_timer_slots.push(key.slot);
                true
            }
            _ => false,
        }
    }

    /// The time of the next live event, skipping cancelled timers.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.drop_stale();
        self.heap.peek().map(|e| e.time)
    }

    fn drop_stale(&mut self) {
        while let Some(head) = self.heap.peek() {
            if head.timer_slot == NO_TIMER
                || self.timer_generations[head.timer_slot as usize] == head.generation
            {
                return;
            }
            self.heap.pop();
        }
    }

    /// Removes and returns the next live event, advancing the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.drop_stale();
        let entry = self.heap.pop()?;
        if entry.timer_slot != NO_TIMER {
            // The timer fired: retire its slot so the key can no longer cancel anything.
            let generation = &mut self.timer_generations[entry.timer_slot as usize];
            *generation = generation.wrapping_add(1);
            self.free_timer_slots.push(entry.timer_slot);
        }
        self.now = entry.time;
        Some((entry.time, entry.event))
    }

    /// Moves the clock forward to `time` without running anything (used at the horizon).
    pub fn advance_to(&mut self, time: SimTime) {
        self.now = self.now.max(time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_same_time_ties_in_schedule_order() {
        let mut cal = Calendar::new();
        cal.schedule(30, "c");
        cal.schedule(10, "a1");
        cal.schedule(20, "b");
        cal.schedule(10, "a2");
        cal.schedule(10, "a3");
        let order: Vec<_> = std::iter::from_fn(|| cal.pop()).collect();
        assert_eq!(
            order,
            vec![(10, "a1"), (10, "a2"), (10, "a3"), (20, "b"), (30, "c")]
        );
        assert_eq!(cal.now(), 30);
    }

    #[test]
    fn ties_scheduled_while_running_go_after_existing_ties() {
        let mut cal = Calendar::new();
        cal.schedule(5, 1);
        cal.schedule(5, 2);
        let (t, e) = cal.pop().unwrap();
        assert_eq!((t, e), (5, 1));
        cal.schedule(5, 3); // scheduled at the current instant: after 2
        assert_eq!(cal.pop(), Some((5, 2)));
        assert_eq!(cal.pop(), Some((5, 3)));
    }

    #[test]
    fn past_events_run_now_not_in_the_past() {
        let mut cal = Calendar::new();
        cal.schedule(100, 'x');
        cal.pop();
        cal.schedule(50, 'y');
        assert_eq!(cal.pop(), Some((100, 'y')));
    }

    #[test]
    fn cancelled_timer_never_fires_and_others_do() {
        let mut cal = Calendar::new();
        let keep = cal.schedule_timer(10, "keep-alive 1");
        let cancel = cal.schedule_timer(5, "keep-alive 2");
        cal.schedule(7, "work");
        assert!(cal.cancel(cancel));
        assert!(!cal.cancel(cancel), "a second cancel is a no-op");
        assert_eq!(cal.peek_time(), Some(7));
        assert_eq!(cal.pop(), Some((7, "work")));
        assert_eq!(cal.pop(), Some((10, "keep-alive 1")));
        assert!(!cal.cancel(keep), "a fired timer cannot be cancelled");
        assert_eq!(cal.pop(), None);
    }

    #[test]
    fn reused_timer_slot_does_not_revive_or_cancel_stale_entries() {
        let mut cal = Calendar::new();
        let old = cal.schedule_timer(10, "old");
        assert!(cal.cancel(old));
        let new = cal.schedule_timer(20, "new"); // reuses the slot
        assert!(
            !cal.cancel(old),
            "the stale key must not cancel the new timer"
        );
        assert_eq!(cal.pop(), Some((20, "new")));
        assert!(!cal.cancel(new));
        assert!(cal.is_empty());
    }

    /// Test events named by their class: `p…` platform, `r…` releases, anything else new
    /// work.
    fn class_of(e: &&str) -> Class {
        match e.as_bytes().first() {
            Some(b'p') => Class::Platform,
            Some(b'r') => Class::Release,
            _ => Class::NewWork,
        }
    }

    #[test]
    fn at_one_instant_platform_changes_run_first_then_releases_then_new_work() {
        let mut cal = Calendar::with_classes(class_of);
        // Scheduled in the worst order: new work first, platform changes last.
        cal.schedule(10, "arrival 1");
        cal.schedule(10, "release 1");
        cal.schedule(10, "platform 1");
        cal.schedule(10, "arrival 2");
        cal.schedule(5, "arrival 0"); // an earlier time beats any class
        cal.schedule(10, "release 2");
        let t = cal.schedule_timer(10, "platform 2");
        cal.schedule(20, "platform 3"); // a later time loses to any class
        let order: Vec<_> = std::iter::from_fn(|| cal.pop()).collect();
        assert_eq!(
            order,
            vec![
                (5, "arrival 0"),
                (10, "platform 1"),
                (10, "platform 2"),
                (10, "release 1"),
                (10, "release 2"),
                (10, "arrival 1"),
                (10, "arrival 2"),
                (20, "platform 3"),
            ]
        );
        assert!(!cal.cancel(t), "the timer fired");
    }

    #[test]
    fn a_release_scheduled_at_the_current_instant_runs_before_new_work_already_waiting() {
        let mut cal = Calendar::with_classes(class_of);
        cal.schedule(7, "arrival 1");
        cal.schedule(7, "arrival 2");
        assert_eq!(cal.pop(), Some((7, "arrival 1")));
        cal.schedule(7, "release of zero-time work");
        cal.schedule(7, "arrival 3");
        assert_eq!(cal.pop(), Some((7, "release of zero-time work")));
        assert_eq!(cal.pop(), Some((7, "arrival 2")));
        assert_eq!(cal.pop(), Some((7, "arrival 3")));
    }

    #[test]
    fn a_calendar_without_classes_keeps_schedule_order() {
        let mut cal = Calendar::new();
        cal.schedule(3, "release");
        cal.schedule(3, "arrival");
        cal.schedule(3, "release 2");
        let order: Vec<_> = std::iter::from_fn(|| cal.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["release", "arrival", "release 2"]);
    }

    #[test]
    fn secs_converts_nanoseconds_to_seconds() {
        assert_eq!(secs(0), 0.0);
        assert_eq!(secs(1_500_000_000), 1.5);
        assert_eq!(secs(250 * NS_PER_MS), 0.25);
    }

    #[test]
    fn a_thousand_same_time_events_pop_in_schedule_order() {
        // Ties break by insertion order for any number of them, not by the heap's layout.
        let mut cal = Calendar::new();
        for i in 0..1000 {
            cal.schedule(7, i);
        }
        let order: Vec<i32> = std::iter::from_fn(|| cal.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn entries_are_equal_only_at_the_same_time_and_insertion() {
        let entry = |time, order| Entry {
            time,
            order,
            timer_slot: NO_TIMER,
            generation: 0,
            event: (),
        };
        assert!(entry(5, 1) == entry(5, 1));
        assert!(entry(5, 1) != entry(5, 2));
        assert!(entry(5, 1) != entry(6, 1));
        assert!(entry(5, 1) != entry(6, 2));
    }

    #[test]
    fn len_counts_pending_entries_cancelled_timers_included() {
        let mut cal = Calendar::new();
        assert!(cal.is_empty());
        assert_eq!(cal.len(), 0);
        cal.schedule(1, "a");
        let t = cal.schedule_timer(2, "t");
        assert_eq!(cal.len(), 2);
        assert!(!cal.is_empty());
        cal.cancel(t);
        assert_eq!(cal.len(), 2, "a cancelled timer stays until it is skipped");
        assert_eq!(cal.pop(), Some((1, "a")));
        assert_eq!(cal.pop(), None);
        assert!(cal.is_empty());
    }

    #[test]
    fn advance_to_moves_the_clock_forward_only() {
        let mut cal: Calendar<()> = Calendar::new();
        cal.advance_to(50);
        assert_eq!(cal.now(), 50);
        cal.advance_to(20);
        assert_eq!(cal.now(), 50, "time never goes backwards");
        cal.schedule(10, ());
        assert_eq!(cal.pop(), Some((50, ())), "an event in the past runs now");
    }
}
