//! Timers on the event queue without cancellation.
//!
//! A TCP timer is restarted on almost every ACK. Scheduling an event each time and removing the
//! old one from the heap would cost a heap operation per ACK; instead a [`LazyTimer`] keeps at
//! most one live event. The owner states its wanted deadline; an event is scheduled only when
//! none is pending at or before that deadline. When the live event fires, the owner compares
//! its deadline with the clock: expired, or not yet (then it arms again for the later deadline),
//! or stopped. An event superseded by an earlier one carries an old generation and is ignored
//! when it fires, so nothing is ever removed from the heap.

use crate::engine::SimTime;

/// One timer's event bookkeeping.
#[derive(Debug, Clone, Default)]
pub struct LazyTimer {
    /// The live event: its time and generation.
    pending: Option<(SimTime, u16)>,
    gen: u16,
}

impl LazyTimer {
    /// The owner wants to be woken at `deadline` (or not at all). Returns the event to schedule,
    /// if one is needed: (time, generation).
    #[inline]
    pub fn arm(&mut self, deadline: Option<SimTime>) -> Option<(SimTime, u16)> {
        let d = deadline?;
        match self.pending {
            Some((t, _)) if t <= d => None,
            _ => {
                self.gen = self.gen.wrapping_add(1);
                self.pending = Some((d, self.gen));
                self.pending
            }
        }
    }

    /// An event of generation `gen` fired at `now`. True if it is the live one (the owner should
    /// then look at its deadline); false for a superseded event, which must be ignored.
    #[inline]
    pub fn fire(&mut self, now: SimTime, gen: u16) -> bool {
        if self.pending == Some((now, gen)) {
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
        let (t1, g1) = t.arm(Some(100)).unwrap();
        // A later deadline needs no new event: the pending one fires first.
        assert_eq!(t.arm(Some(150)), None);
        // An earlier one supersedes it.
        let (t2, g2) = t.arm(Some(50)).unwrap();
        assert_eq!(t2, 50);
        assert!(t.fire(t2, g2));
        assert!(!t.fire(t1, g1), "the superseded event is stale");
    }
}
