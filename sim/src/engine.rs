//! The event calendar: simulated time and the ordered queue of pending events.
//!
//! The engine knows nothing of functions, servers or queues. It orders events by
//! `(time, class, seq)`: at one instant, events of an earlier [`Class`] run first (changes
//! of the platform, then releases of capacity, then new work, whatever order they were
//! scheduled in), and within a class
//! `seq`, the insertion counter, keeps them in the order they were scheduled — the
//! determinism promise every layer above relies on. The class of an event is a property of
//! its kind, given once by the classifier the calendar is built with. Timers (keep-alive windows, visibility timeouts) are cancelled by
//! generation number: cancelling empties the timer's slot and the stale entry is
//! skipped when it reaches the head of the queue, so nothing is ever scanned.
//!
//! The queue is a 4-ary min-heap of small keys (time, order, slot: 24 bytes) whose events
//! wait in a slab of slots beside it: a sift moves keys only, and a 4-ary heap is half as
//! deep as a binary one, its four children of a node on one or two cache lines. A slot
//! is freed when its entry leaves the heap (popped, or skipped as cancelled), and its
//! generation then moves on, so a key of an earlier occupant cancels nothing.

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

/// Gives the [`Class`] of an event: a function (`Calendar::with_classes`) or a type of
/// its own, whose call the compiler can inline (the model's).
pub trait Classify<E> {
    /// The class of `event`.
    fn class(&self, event: &E) -> Class;
}

impl<E> Classify<E> for fn(&E) -> Class {
    #[inline]
    fn class(&self, event: &E) -> Class {
        self(event)
    }
}

/// Bits of an entry's `order` below its class: the insertion counter.
const SEQ_BITS: u32 = 62;

/// Children of a node of the heap.
const ARITY: usize = 4;

/// A pending entry as the heap orders it; its event waits in `slots[slot]`.
#[derive(Clone, Copy, Debug)]
struct Key {
    time: SimTime,
    /// The class in the top two bits, the insertion counter (`seq`) below: one integer, so
    /// that `(time, order)` is the whole ordering.
    order: u64,
    slot: u32,
}

impl Key {
    /// Whether `self` runs before `other`: earlier `(time, class, seq)`. Two keys are never
    /// equal (`seq` is unique).
    #[inline]
    fn before(&self, other: &Key) -> bool {
        // One 128-bit comparison, without the branch of a lexicographic one.
        let key = |k: &Key| (u128::from(k.time) << 64) | u128::from(k.order);
        key(self) < key(other)
    }
}

/// A slot of the slab of events.
struct Slot<E> {
    /// The pending event; `None` once cancelled (its key still in the heap) or free.
    event: Option<E>,
    /// Moves on each time the slot is freed, so that a key of an earlier occupant matches
    /// no later one.
    generation: u32,
}

/// The pending-event queue of one simulation, ordered by `(time, class, insertion order)`.
pub struct Calendar<E, C = fn(&E) -> Class> {
    /// A 4-ary min-heap: the children of `i` are `4i + 1 ..= 4i + 4`.
    heap: Vec<Key>,
    slots: Vec<Slot<E>>,
    free_slots: Vec<u32>,
    /// The class of each event.
    classify: C,
    next_seq: u64,
    now: SimTime,
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
        Self::classified(classify)
    }
}

impl<E, C: Classify<E>> Calendar<E, C> {
    /// An empty calendar at time zero that runs same-time events by the class `classify`
    /// gives them first, then in the order they were scheduled.
    pub fn classified(classify: C) -> Self {
        Self {
            heap: Vec::new(),
            slots: Vec::new(),
            free_slots: Vec::new(),
            classify,
            next_seq: 0,
            now: 0,
        }
    }

    /// The time of the event popped last (the simulation clock) [ns].
    #[inline]
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

    /// Puts `event` at `time` into a free slot and its key into the heap; returns the
    /// slot and its generation.
    #[inline]
    fn push(&mut self, time: SimTime, event: E) -> (u32, u32) {
        // An event in the past would run "now": time never goes backwards.
        let time = time.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        // 2^62 insertions is over a century at ten million events a second.
        debug_assert!(seq < 1 << SEQ_BITS, "insertion counter overflows its bits");
        let order = (self.classify.class(&event) as u64) << SEQ_BITS | seq;
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.slots[slot as usize].event = Some(event);
                slot
            }
            None => {
                // Slots are bounded by pending entries, far below u32::MAX.
                let slot = self.slots.len() as u32;
                self.slots.push(Slot {
                    event: Some(event),
                    generation: 0,
                });
                slot
            }
        };
        self.sift_up(Key { time, order, slot });
        (slot, self.slots[slot as usize].generation)
    }

    /// Adds `key` at the bottom of the heap and moves it up to its place.
    #[inline]
    fn sift_up(&mut self, key: Key) {
        let mut i = self.heap.len();
        self.heap.push(key);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            let p = self.heap[parent];
            if !key.before(&p) {
                break;
            }
            self.heap[i] = p;
            i = parent;
        }
        self.heap[i] = key;
    }

    /// Removes the head of the heap (which must exist) and frees its slot; returns its
    /// time and event (`None` if it was cancelled).
    #[inline]
    fn remove_head(&mut self) -> (SimTime, Option<E>) {
        let head = self.heap[0];
        // The heap is not empty: the caller read its head.
        let last = self.heap.pop().unwrap_or(head);
        if !self.heap.is_empty() {
            self.sift_down(last);
        }
        let slot = &mut self.slots[head.slot as usize];
        let event = slot.event.take();
        slot.generation = slot.generation.wrapping_add(1);
        self.free_slots.push(head.slot);
        (head.time, event)
    }

    /// Puts `key` at the root (whose entry has been taken) and moves it down to its place.
    #[inline]
    fn sift_down(&mut self, key: Key) {
        let n = self.heap.len();
        let mut i = 0;
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            // The earliest of the (up to four) children.
            let mut best = first;
            let mut b = self.heap[first];
            for c in first + 1..(first + ARITY).min(n) {
                let k = self.heap[c];
                if k.before(&b) {
                    best = c;
                    b = k;
                }
            }
            if !b.before(&key) {
                break;
            }
            self.heap[i] = b;
            i = best;
        }
        self.heap[i] = key;
    }

    /// Schedules `event` at `time` [ns]; a time before `now` is treated as `now`.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        self.push(time, event);
    }

    /// Schedules a cancellable `event` at `time` [ns].
    pub fn schedule_timer(&mut self, time: SimTime, event: E) -> TimerKey {
        let (slot, generation) = self.push(time, event);
        TimerKey { slot, generation }
    }

    /// Cancels a timer. Returns false when it had already fired or been cancelled.
    pub fn cancel(&mut self, key: TimerKey) -> bool {
        match self.slots.get_mut(key.slot as usize) {
            Some(slot) if slot.generation == key.generation && slot.event.is_some() => {
                slot.event = None;
                true
            }
            _ => false,
        }
    }

    /// The time of the next live event, skipping cancelled timers.
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.drop_stale();
        self.heap.first().map(|k| k.time)
    }

    #[inline]
    fn drop_stale(&mut self) {
        while let Some(head) = self.heap.first() {
            if self.slots[head.slot as usize].event.is_some() {
                return;
            }
            self.remove_head();
        }
    }

    /// Removes and returns the next live event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        while !self.heap.is_empty() {
            if let (time, Some(event)) = self.remove_head() {
                self.now = time;
                return Some((time, event));
            }
        }
        None
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
    fn keys_order_by_time_then_class_and_insertion() {
        let key = |time, order| Key {
            time,
            order,
            slot: 0,
        };
        assert!(key(5, 1).before(&key(5, 2)));
        assert!(!key(5, 2).before(&key(5, 1)));
        assert!(!key(5, 1).before(&key(5, 1)), "a key is not before itself");
        assert!(key(5, 9).before(&key(6, 1)), "time first");
        assert!(!key(6, 1).before(&key(5, 9)));
    }

    #[test]
    fn pops_what_a_sorted_reference_pops_with_timers_cancelled_at_random() {
        // The 4-ary heap against the ordering it promises: a reference list sorted by
        // (time, class, seq), under a random mix of schedules, timers, cancellations and
        // pops, with many ties, so that every path of the sifts is taken.
        let mut cal = Calendar::with_classes(|e: &(u8, u64)| match e.0 {
            0 => Class::Platform,
            1 => Class::Release,
            _ => Class::NewWork,
        });
        let mut reference: Vec<(SimTime, u8, u64, bool)> = Vec::new(); // + cancelled
        let mut timers: Vec<(TimerKey, u64)> = Vec::new();
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for seq in 0..20_000u64 {
            let r = next();
            let class = (r % 3) as u8;
            match (r >> 8) % 8 {
                0..=2 => {
                    let t = cal.now() + (r >> 16) % 50;
                    cal.schedule(t, (class, seq));
                    reference.push((t, class, seq, false));
                }
                3 | 4 => {
                    let t = cal.now() + (r >> 16) % 50;
                    timers.push((cal.schedule_timer(t, (class, seq)), seq));
                    reference.push((t, class, seq, false));
                }
                5 if !timers.is_empty() => {
                    let (key, s) = timers.swap_remove((r >> 16) as usize % timers.len());
                    let pending = reference.iter_mut().find(|e| e.2 == s && !e.3);
                    assert_eq!(cal.cancel(key), pending.is_some(), "timer {s}");
                    if let Some(e) = pending {
                        e.3 = true;
                    }
                }
                _ => {
                    reference.retain(|e| !e.3);
                    reference.sort_by_key(|e| (e.0, e.1, e.2));
                    let want = (!reference.is_empty()).then(|| reference.remove(0));
                    let got = cal.pop();
                    assert_eq!(got, want.map(|(t, c, s, _)| (t, (c, s))));
                }
            }
        }
        reference.retain(|e| !e.3);
        reference.sort_by_key(|e| (e.0, e.1, e.2));
        let rest: Vec<_> = std::iter::from_fn(|| cal.pop()).collect();
        let want: Vec<_> = reference.iter().map(|&(t, c, s, _)| (t, (c, s))).collect();
        assert_eq!(rest, want);
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
