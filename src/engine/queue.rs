//! Event queues behind one small interface, so the engine can be benchmarked with each.
//!
//! `benches/engine.rs` compares them on the reference workload; the engine defaults to the
//! fastest measured ([`ReplaceTopQueue`], a binary heap that replaces its root when it can).

use super::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An event with its due time and insertion sequence number.
#[derive(Debug, Clone, Copy)]
pub struct Scheduled<P> {
    pub time: SimTime,
    pub seq: u64,
    pub payload: P,
}

impl<P> Scheduled<P> {
    #[inline]
    fn key(&self) -> (SimTime, u64) {
        (self.time, self.seq)
    }
}

impl<P> PartialEq for Scheduled<P> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<P> Eq for Scheduled<P> {}
impl<P> PartialOrd for Scheduled<P> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<P> Ord for Scheduled<P> {
    /// Reversed, so that std's max-heap pops the earliest (time, seq) first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// A queue of events ordered by (time, seq), earliest first.
pub trait EventQueue<P> {
    fn push(&mut self, ev: Scheduled<P>);
    fn pop(&mut self) -> Option<Scheduled<P>>;
    fn peek_time(&self) -> Option<SimTime>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Pop the earliest event if it is due at or before `horizon` (else leave it). A queue
    /// whose `peek_time` costs more than looking at its next pop overrides this.
    #[inline]
    fn pop_until(&mut self, horizon: SimTime) -> Option<Scheduled<P>> {
        match self.peek_time() {
            Some(t) if t <= horizon => self.pop(),
            _ => None,
        }
    }
}

/// A queue over any max-heap of [`Scheduled`] events with std's `BinaryHeap` interface (the
/// reversed ordering of `Scheduled` makes it pop the earliest event first).
macro_rules! heap_queue {
    ($(#[$doc:meta])* $name:ident, $heap:ty) => {
        $(#[$doc])*
        pub struct $name<P> {
            heap: $heap,
        }

        impl<P> Default for $name<P> {
            fn default() -> Self {
                $name { heap: <$heap>::with_capacity(1024) }
            }
        }

        impl<P> EventQueue<P> for $name<P> {
            #[inline]
            fn push(&mut self, ev: Scheduled<P>) {
                self.heap.push(ev);
            }
            #[inline]
            fn pop(&mut self) -> Option<Scheduled<P>> {
                self.heap.pop()
            }
            #[inline]
            fn peek_time(&self) -> Option<SimTime> {
                self.heap.peek().map(|e| e.time)
            }
            #[inline]
            fn len(&self) -> usize {
                self.heap.len()
            }
        }
    };
}

heap_queue!(
    /// `std::collections::BinaryHeap`, popped and pushed as it comes.
    BinaryHeapQueue,
    BinaryHeap<Scheduled<P>>
);

heap_queue!(
    /// A 4-ary heap (`dary_heap` crate): shallower than a binary heap, so fewer levels to sift
    /// through on each pop, at the price of more comparisons per level.
    QuaternaryHeapQueue,
    dary_heap::QuaternaryHeap<Scheduled<P>>
);

/// A binary heap that leaves a popped event at the root until the next push or pop: most
/// events schedule a follow-up, and putting that in the root's place costs one sift down
/// instead of a pop's sift to the bottom and back plus the push's sift up.
///
/// While the root is `taken`, it is no longer in the queue: the earliest pending event is the
/// earlier of its two children. The sifts are std's `BinaryHeap` ones (same comparisons, same
/// branches), written out because std moves a new element by storing it in the array and
/// reading it back, and that load of a just-stored event stalled every push and replace (it
/// showed in the profile); here the sifted event stays in registers until its slot is found.
/// [`BinaryHeapQueue`] (std's heap, popped and pushed plainly) is kept for comparison.
pub struct ReplaceTopQueue<P> {
    /// A min-heap by (time, seq): `heap[i]` is not later than `heap[2i + 1]` and `heap[2i + 2]`.
    heap: Vec<Scheduled<P>>,
    taken: bool,
}

impl<P> Default for ReplaceTopQueue<P> {
    fn default() -> Self {
        ReplaceTopQueue {
            heap: Vec::with_capacity(1024),
            taken: false,
        }
    }
}

/// `a` is due before `b`: time, then sequence.
#[inline(always)]
fn before<P>(a: &Scheduled<P>, b: &Scheduled<P>) -> bool {
    (a.time, a.seq) < (b.time, b.seq)
}

impl<P: Copy> ReplaceTopQueue<P> {
    /// Put `ev` in the root's place and move it down while a child is due before it (the
    /// earlier child moves up a level).
    #[inline(always)]
    fn replace_root(&mut self, ev: Scheduled<P>) {
        let h = &mut self.heap[..];
        let end = h.len();
        let mut pos = 0;
        let mut child = 1;
        while child + 1 < end {
            child += before(&h[child + 1], &h[child]) as usize;
            if !before(&h[child], &ev) {
                h[pos] = ev;
                return;
            }
            h[pos] = h[child];
            pos = child;
            child = 2 * pos + 1;
        }
        if child + 1 == end && before(&h[child], &ev) {
            h[pos] = h[child];
            pos = child;
        }
        h[pos] = ev;
    }

    /// Remove the root: the hole left there moves down to a leaf, each time filled by the
    /// earlier child, and the last event moves up from there to its place (few levels: a
    /// leaf is usually late).
    #[inline(always)]
    fn remove_root(&mut self) {
        let last = self.heap.pop().expect("a root");
        let h = &mut self.heap[..];
        let end = h.len();
        if end == 0 {
            return;
        }
        let mut pos = 0;
        let mut child = 1;
        while child + 1 < end {
            child += before(&h[child + 1], &h[child]) as usize;
            h[pos] = h[child];
            pos = child;
            child = 2 * pos + 1;
        }
        if child + 1 == end {
            h[pos] = h[child];
            pos = child;
        }
        Self::sift_up(h, pos, last);
    }

    /// Move `ev`, bound for the hole at `pos`, up past the parents due after it.
    #[inline(always)]
    fn sift_up(h: &mut [Scheduled<P>], mut pos: usize, ev: Scheduled<P>) {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !before(&ev, &h[parent]) {
                break;
            }
            h[pos] = h[parent];
            pos = parent;
        }
        h[pos] = ev;
    }
}

impl<P: Copy> EventQueue<P> for ReplaceTopQueue<P> {
    #[inline]
    fn push(&mut self, ev: Scheduled<P>) {
        if std::mem::take(&mut self.taken) {
            self.replace_root(ev);
        } else {
            let pos = self.heap.len();
            self.heap.push(ev);
            Self::sift_up(&mut self.heap, pos, ev);
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<Scheduled<P>> {
        self.pop_until(SimTime::MAX)
    }

    /// Without a look at the taken root's children: the taken root is removed for good first
    /// (it left the queue already), then the new root is the next event.
    #[inline]
    fn pop_until(&mut self, horizon: SimTime) -> Option<Scheduled<P>> {
        if std::mem::take(&mut self.taken) {
            self.remove_root();
        }
        let top = *self.heap.first().filter(|e| e.time <= horizon)?;
        self.taken = true;
        Some(top)
    }

    #[inline]
    fn peek_time(&self) -> Option<SimTime> {
        if !self.taken {
            return self.heap.first().map(|e| e.time);
        }
        match (self.heap.get(1), self.heap.get(2)) {
            (Some(a), Some(b)) if before(b, a) => Some(b.time),
            (Some(a), _) => Some(a.time),
            _ => None,
        }
    }

    #[inline]
    fn len(&self) -> usize {
        self.heap.len() - self.taken as usize
    }
}

/// The `priority-queue` crate, benchmarked beside the heaps. It is an indexed heap (items must be hashable and
/// unique, priorities can change), so payloads live in a side table keyed by sequence number.
pub struct PriorityQueueCrate<P> {
    pq: priority_queue::PriorityQueue<u64, std::cmp::Reverse<(SimTime, u64)>>,
    payloads: std::collections::HashMap<u64, P>,
}

impl<P> Default for PriorityQueueCrate<P> {
    fn default() -> Self {
        PriorityQueueCrate {
            pq: priority_queue::PriorityQueue::with_capacity(1024),
            payloads: std::collections::HashMap::with_capacity(1024),
        }
    }
}

impl<P> EventQueue<P> for PriorityQueueCrate<P> {
    fn push(&mut self, ev: Scheduled<P>) {
        self.pq.push(ev.seq, std::cmp::Reverse((ev.time, ev.seq)));
        self.payloads.insert(ev.seq, ev.payload);
    }
    fn pop(&mut self) -> Option<Scheduled<P>> {
        let (seq, std::cmp::Reverse((time, _))) = self.pq.pop()?;
        let payload = self
            .payloads
            .remove(&seq)
            .expect("payload stored with its key");
        Some(Scheduled { time, seq, payload })
    }
    fn peek_time(&self) -> Option<SimTime> {
        self.pq.peek().map(|(_, p)| p.0 .0)
    }
    fn len(&self) -> usize {
        self.pq.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain<Q: EventQueue<u32>>(mut q: Q) -> Vec<(SimTime, u64, u32)> {
        let input = [(5u64, 0u64), (1, 1), (5, 2), (3, 3), (1, 4), (0, 5)];
        for (i, (t, s)) in input.iter().enumerate() {
            q.push(Scheduled {
                time: *t,
                seq: *s,
                payload: i as u32,
            });
        }
        std::iter::from_fn(|| q.pop().map(|e| (e.time, e.seq, e.payload))).collect()
    }

    #[test]
    fn both_queues_order_by_time_then_sequence() {
        let expected = vec![
            (0, 5, 5),
            (1, 1, 1),
            (1, 4, 4),
            (3, 3, 3),
            (5, 0, 0),
            (5, 2, 2),
        ];
        assert_eq!(drain(BinaryHeapQueue::default()), expected);
        assert_eq!(drain(PriorityQueueCrate::default()), expected);
        assert_eq!(drain(QuaternaryHeapQueue::default()), expected);
        assert_eq!(drain(ReplaceTopQueue::default()), expected);
    }

    /// Pushes and pops (up to a horizon or not) interleaved as the engine does them (never
    /// earlier than the last pop, many ties, runs of pops with no push between): the
    /// replace-top queue answers every call as a plain binary heap does.
    #[test]
    fn replace_top_answers_like_a_plain_heap() {
        use rand::Rng;
        let mut rng = crate::engine::stream(3, 0, 0);
        let mut plain = BinaryHeapQueue::default();
        let mut lazy = ReplaceTopQueue::default();
        let (mut now, mut seq) = (0, 0);
        for _ in 0..20_000 {
            let op = rng.random_range(0..4);
            if op < 2 {
                let time = now + rng.random_range(0..4u64);
                let ev = || Scheduled {
                    time,
                    seq,
                    payload: seq as u32,
                };
                plain.push(ev());
                lazy.push(ev());
                seq += 1;
            } else {
                // Half the pops only up to a horizon, which may leave the next event queued.
                let horizon = now + rng.random_range(0..3u64);
                let (a, b) = match op {
                    2 => (plain.pop(), lazy.pop()),
                    _ => (plain.pop_until(horizon), lazy.pop_until(horizon)),
                };
                assert_eq!(
                    a.as_ref().map(Scheduled::key),
                    b.as_ref().map(Scheduled::key)
                );
                assert_eq!(a.as_ref().map(|e| e.payload), b.map(|e| e.payload));
                now = a.map_or(now, |e| e.time);
            }
            assert_eq!(plain.peek_time(), lazy.peek_time());
            assert_eq!(plain.len(), lazy.len());
        }
    }
}
