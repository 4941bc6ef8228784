//! Timers on the event queue without cancellation.
//!
//! A TCP timer is restarted on almost every ACK. Scheduling an event each time and removing the
//! old one from the heap would cost a heap operation per ACK; instead a [`LazyTimer`] keeps at
//! most one live event. The owner states its wanted deadline; an event is scheduled only when
//! none is pending at or before that deadline. When the live event fires, the owner compares
//! its deadline with the clock: expired, or not yet (then it arms again for the later deadline),
//! or stopped. Nothing is ever removed from the heap.
//!
//! An event superseded by an earlier one stays in the heap and must be ignored when it fires.
//! Its token is its due time: the live event is the one due at the pending time, and a
//! superseded one was due later than its replacement. (Should a superseded event fall due at
//! exactly the time of the live one, the two are interchangeable: whichever fires first is taken
//! as the live one and the other finds nothing pending.) A separate generation counter in the
//! event would make `NetEvent` carry a second field, which cost the open-loop event loop about
//! 2 % more instructions for its layout alone; the time already in the queue entry does the job.

use crate::engine::SimTime;

/// One timer's event bookkeeping.
#[derive(Debug, Clone, Default)]
pub struct LazyTimer {
    /// Due time of the live event.
    pending: Option<SimTime>,
}

impl LazyTimer {
    /// The owner wants to be woken at `deadline` (or not at all). Returns the time of the event
    /// to schedule, if one is needed.
    #[inline]
    pub fn arm(&mut self, deadline: Option<SimTime>) -> Option<SimTime> {
        let d = deadline?;
        match self.pending {
            Some(t) if t <= d => None,
            _ => {
                self.pending = Some(d);
                self.pending
            }
        }
    }

    /// An event of this timer fired at `now`. True if it is the live one (the owner should then
    /// look at its deadline); false for a superseded event, which must be ignored.
    #[inline]
    pub fn fire(&mut self, now: SimTime) -> bool {
        if self.pending == Some(now) {
            self.pending = None;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_live_event_and_stale_ones_ignored() {
        let mut t = LazyTimer::default();
        assert_eq!(t.arm(None), None);
        let t1 = t.arm(Some(100)).unwrap();
        // A later deadline needs no new event: the pending one fires first.
        assert_eq!(t.arm(Some(150)), None);
        // An earlier one supersedes it.
        let t2 = t.arm(Some(50)).unwrap();
        assert_eq!(t2, 50);
        assert!(t.fire(t2));
        assert!(!t.fire(t1), "the superseded event is stale");
        // Re-armed later than the stale event: the stale one is still ignored.
        let t3 = t.arm(Some(120)).unwrap();
        assert!(!t.fire(t1));
        assert!(t.fire(t3));
    }
}
