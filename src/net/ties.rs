//! The event engine's order of simultaneous events, rebuilt where two streams meet.
//!
//! The engine breaks ties between events at the same time by insertion sequence: an event
//! scheduled while handling event P comes after every event scheduled while handling the
//! events handled before P. So two events at the same time are ordered as their parents were,
//! recursively, back to the events the start schedules (replays first, then flows in scenario
//! order). The parent of a packet's arrival at a node is the event that put it on the link (an
//! emission, an arrival at a relay, a mix release, a stage release); the parent of a release
//! is the arrival at the mix or stage; the parent of an emission is the flow's previous
//! emission; the parent of a mix's timer event is the event that armed it; a packet flushed by
//! a mix leaves in the flushing event (an arrival or a timer).
//!
//! Two events scheduled by one event are ordered by the order its handler scheduled them in:
//! an emission schedules the flow's next emission, then its packet's next event; a mix's flush
//! forwards its packets in release order, then arms the mix's timer.
//!
//! An `Ancestry` keeps, per packet, its current event's last [`DEPTH`] ancestors (time,
//! identity, and the place of the child on the path among the events each scheduled), and
//! compares two events level by level: the first level whose times differ decides, else the
//! first ancestor the two share decides by its children's places. Within one stream the order
//! is the stream's own, so only events of different streams are compared. When the carried
//! levels run out with every time equal and no ancestor shared (constant-rate flows in lockstep
//! for more than [`DEPTH`] packets), the order cannot be known without the engine's global
//! state: the comparison says [`Stop::Ambiguous`] and nothing is guessed.
//!
//! Carrying this costs a copy of about 90 bytes per packet and hop ([`DEPTH`] levels), so the
//! columnar executor carries it only in a trial that needs it (`NoHistory` stops at the first
//! tie instead), and first a short history ([`SHORT`] levels, about 55 bytes): a tie that
//! leaves open stops that run too, and the trial is run once more with the full history. The
//! levels are compared nearest first, so wherever the short history decides, the full history
//! decides the same way.

use crate::engine::SimTime;
use std::cmp::Ordering;

/// Ancestors carried per event in a full history. Four decide every tie of the shipped
/// scenarios and of the random networks of the equivalence tests; eight cost the 1000-sender
/// scale check, whose trials always meet a tie, about a tenth more time.
pub const DEPTH: usize = 4;
/// Ancestors carried in a short history: the parent and the grandparent. They decide most
/// ties (two packets meeting at a node left different parents at different times, or, emitted
/// at the same time by two senders over like links, flows whose previous emissions differ) at
/// a little over half a full history's copy per packet and hop. A tie they leave open is met
/// again with the full history, which decides the same way wherever they decide (the levels
/// are compared nearest first).
pub const SHORT: usize = 2;
/// Time entry beyond what is carried.
const UNKNOWN: u64 = u64::MAX;
/// The identity of the start, which schedules the first events (its time entry is 0, before
/// any event's: an event's entry is its time plus one).
const START: u64 = 0;

/// An event's ancestors, parent first: per level, the ancestor's time (plus one; 0 for the
/// start), its identity, and the place, among the events it scheduled, of its child on this
/// path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hist<const D: usize> {
    t: [u64; D],
    ev: [u64; D],
    rank: [u32; D],
}

/// An event: its ancestors and its identity (unique within a run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Event<const D: usize> {
    hist: Hist<D>,
    id: u64,
}

impl<const D: usize> Event<D> {
    /// An event whose history is not carried.
    pub(super) const NONE: Self = Event {
        hist: Hist {
            t: [UNKNOWN; D],
            ev: [UNKNOWN; D],
            rank: [0; D],
        },
        id: UNKNOWN,
    };
}

/// Why the columnar executor stopped before the end of a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Stop {
    /// Simultaneous events from different streams, met without their history.
    #[error("simultaneous events from different streams: their engine order needs their history")]
    Tie,
    /// Simultaneous events whose carried history does not decide their order.
    #[error("simultaneous events whose engine order is not decided by the ancestors carried")]
    Ambiguous,
}

/// The event named `id` that `parent` (which happened at `t`) scheduled `rank`-th.
fn child<const D: usize>(parent: &Event<D>, t: SimTime, rank: u32, id: u64) -> Event<D> {
    let h = &parent.hist;
    Event {
        hist: Hist {
            t: shift(t + 1, &h.t),
            ev: shift(parent.id, &h.ev),
            rank: shift(rank, &h.rank),
        },
        id,
    }
}

/// `old` with `first` put in front (the last entry falls off). Built as a new array rather than
/// shifted in place: that compiles to a few register moves where `copy_within` called memmove.
fn shift<T: Copy, const D: usize>(first: T, old: &[T; D]) -> [T; D] {
    std::array::from_fn(|i| if i == 0 { first } else { old[i - 1] })
}

/// The engine's order of two simultaneous events of different streams, from their ancestors:
/// the first level whose times differ decides, else the first common ancestor (the places of
/// its children on the two paths); `None` when the carried history does not reach either.
#[cold]
pub(super) fn compare<const D: usize>(a: &Hist<D>, b: &Hist<D>) -> Option<Ordering> {
    for i in 0..D {
        let (u, v) = (a.t[i], b.t[i]);
        if u == UNKNOWN || v == UNKNOWN {
            return None;
        }
        if u != v {
            return Some(u.cmp(&v));
        }
        if a.ev[i] == b.ev[i] {
            let (x, y) = (a.rank[i], b.rank[i]);
            return (x != y).then(|| x.cmp(&y));
        }
    }
    None
}

/// How a merge orders simultaneous events of two different streams, named by packet slot.
pub(super) trait TieBreak {
    /// Whether the event of packet `b` comes before that of packet `a`.
    fn b_first(&mut self, a: u32, b: u32) -> Result<bool, Stop>;
}

/// No history carried: a tie stops the run.
pub(super) struct NoHistory;

impl TieBreak for NoHistory {
    #[inline]
    fn b_first(&mut self, _: u32, _: u32) -> Result<bool, Stop> {
        Err(Stop::Tie)
    }
}

/// A packet's current event, and the place among the events it schedules of the packet's
/// next one.
#[derive(Debug, Clone, Copy)]
struct Slot<const D: usize> {
    ev: Event<D>,
    rank: u32,
}

/// Per packet slot, its current event with its last `D` ancestors; per source, its next
/// emission.
pub(super) struct Ancestry<const D: usize> {
    slots: Vec<Slot<D>>,
    sources: Vec<Event<D>>,
    next_id: u64,
    /// Simultaneous events of different streams ordered so far.
    pub(super) ties: u64,
}

impl<const D: usize> Ancestry<D> {
    /// The history of a run whose sources' first emissions the start schedules in `order`
    /// (source index -> its place).
    pub(super) fn new(order: impl Iterator<Item = u64>) -> Self {
        let mut a = Ancestry {
            slots: Vec::with_capacity(1024),
            sources: Vec::new(),
            next_id: START + 1,
            ties: 0,
        };
        let start = Event {
            hist: Event::<D>::NONE.hist,
            id: START,
        };
        for pos in order {
            let id = a.fresh();
            let mut first = child(&start, 0, pos as u32, id);
            // The start's entry is 0, below every event's (its time plus one).
            first.hist.t[0] = 0;
            a.sources.push(first);
        }
        a
    }

    fn fresh(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn slot(&mut self, id: u32) -> &mut Slot<D> {
        let i = id as usize;
        if i >= self.slots.len() {
            self.slots.resize(
                i + 1,
                Slot {
                    ev: Event::NONE,
                    rank: 0,
                },
            );
        }
        &mut self.slots[i]
    }

    /// Packet `id` is source `f`'s emission at `t`: the emission schedules the source's next
    /// one first, then the packet's next event.
    pub(super) fn emitted(&mut self, f: usize, id: u32, t: SimTime) {
        let ev = self.sources[f];
        *self.slot(id) = Slot { ev, rank: 1 };
        let next = self.fresh();
        self.sources[f] = child(&ev, t, 0, next);
    }

    /// Packet `id`'s current event, at `t`, schedules its next event.
    #[inline]
    pub(super) fn push(&mut self, id: u32, t: SimTime) {
        let fresh = self.fresh();
        let s = &mut self.slots[id as usize];
        *s = Slot {
            ev: child(&s.ev, t, s.rank, fresh),
            rank: 0,
        };
    }

    /// Packet `id`'s current event.
    pub(super) fn event(&self, id: u32) -> Event<D> {
        self.slots.get(id as usize).map_or(Event::NONE, |s| s.ev)
    }

    /// Packet `id` leaves in event `ev`, which schedules its next event `rank`-th.
    pub(super) fn join(&mut self, id: u32, ev: &Event<D>, rank: u32) {
        *self.slot(id) = Slot { ev: *ev, rank };
    }

    /// The event that `parent`, at `t`, schedules `rank`-th (a mix's timer).
    pub(super) fn child(&mut self, parent: &Event<D>, t: SimTime, rank: u32) -> Event<D> {
        let id = self.fresh();
        child(parent, t, rank, id)
    }

    /// Whether event `ev` comes before the current event of packet `id` (at the same time).
    pub(super) fn before(&mut self, ev: &Event<D>, id: u32) -> Result<bool, Stop> {
        self.ties += 1;
        let order = compare(&ev.hist, &self.event(id).hist).ok_or(Stop::Ambiguous)?;
        Ok(order == Ordering::Less)
    }
}

impl<const D: usize> Ancestry<D> {
    /// The engine's order of the current events of packets `a` and `b`, if the history
    /// decides it.
    pub(super) fn order_of(&self, a: u32, b: u32) -> Option<Ordering> {
        compare(&self.event(a).hist, &self.event(b).hist)
    }
}

impl<const D: usize> TieBreak for Ancestry<D> {
    #[inline]
    fn b_first(&mut self, a: u32, b: u32) -> Result<bool, Stop> {
        self.ties += 1;
        Ok(self.order_of(a, b).ok_or(Stop::Ambiguous)? == Ordering::Greater)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deeper levels decide when the nearer ones are equal; a shared ancestor decides by its
    /// children's places (an emission's next emission before its packet's next event); the
    /// start's order decides first emissions; a history that runs out decides nothing.
    #[test]
    fn ancestors_order_level_by_level() {
        let mut a = Ancestry::<DEPTH>::new([1, 0].into_iter());
        // Packets 0 (source 0) and 1 (source 1) emitted at 5: the start's order.
        a.emitted(0, 0, 5);
        a.emitted(1, 1, 5);
        assert_eq!(a.order_of(0, 1), Some(Ordering::Greater));
        // Packet 0's next event (scheduled by its emission at 5) against source 0's next
        // emission (packet 2): the emission came first.
        a.push(0, 5);
        a.emitted(0, 2, 9);
        assert_eq!(a.order_of(2, 0), Some(Ordering::Less));
        // Packet 1's next event: its parent (at 5) came before packet 0's parent (at 5).
        a.push(1, 5);
        assert_eq!(a.order_of(0, 1), Some(Ordering::Greater));
        // Different parent times decide at once.
        a.push(2, 9);
        assert_eq!(a.order_of(1, 2), Some(Ordering::Less));
        // Lockstep: two sources emitting at the same times for longer than the history.
        let mut b = Ancestry::<DEPTH>::new([0, 1].into_iter());
        for k in 0..=DEPTH as u32 {
            b.emitted(0, 2 * k, 10 * k as u64);
            b.emitted(1, 2 * k + 1, 10 * k as u64);
        }
        assert_eq!(b.order_of(0, 1), Some(Ordering::Less), "the start decides");
        let last = 2 * DEPTH as u32;
        assert_eq!(b.order_of(last, last + 1), None, "history runs out");
    }

    /// A short history decides where its levels' times differ, leaves open what only a
    /// deeper level decides, and never decides otherwise than the full history.
    #[test]
    fn a_short_history_decides_a_subset_of_the_full_historys_ties() {
        let mut full = Ancestry::<DEPTH>::new([1, 0].into_iter());
        let mut short = Ancestry::<SHORT>::new([1, 0].into_iter());
        // Packets 0 and 1 emitted at 5 by two sources, then forwarded at 5 and at 7 (the last
        // two levels' times equal: only the start's order, three levels up, decides); packet 2
        // emitted at 9 and forwarded at 9 and 11 (a parent time of its own).
        for (src, id, t) in [(0, 0, 5), (1, 1, 5), (0, 2, 9)] {
            full.emitted(src, id, t);
            short.emitted(src, id, t);
        }
        for (id, t) in [(0, 5), (1, 5), (2, 9), (0, 7), (1, 7), (2, 11)] {
            full.push(id, t);
            short.push(id, t);
        }
        assert_eq!(full.order_of(0, 1), Some(Ordering::Greater));
        assert_eq!(short.order_of(0, 1), None, "two levels of equal times");
        for (a, b) in [(0, 2), (1, 2), (2, 0)] {
            assert_eq!(short.order_of(a, b), full.order_of(a, b), "{a} against {b}");
            assert!(short.order_of(a, b).is_some());
        }
    }
}
