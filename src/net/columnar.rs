//! The columnar executor: a feed-forward network run element by element on columns of times.
//!
//! Like the stream executor it runs the nodes of a network without feedback in topological
//! order, window by window, on the elements of the event engine ([`Link::offer`](super::Link::offer),
//! [`Mix::arrive`](super::mix::Mix::arrive), the taps and latency counts), offering them the
//! same packets in the same order and drawing from the same per-element random streams, so it
//! gives the engine's bytes. What differs is the layout: every stream of packets (a flow's
//! emissions, a link's arrivals, a mix's releases) is a pair of columns, times and packet
//! slots, with nothing else carried per packet.
//!
//! - a flow draws its emissions for the window in one loop from its own stream;
//! - a node merges the streams reaching it by time, a binary merge at a time (a tree of them
//!   for many inputs);
//! - a mix adds a hold to each arrival in arrival order from its own stream, then orders its
//!   releases by time with a counting pass into buckets and an insertion pass;
//! - what a node forwards is split by out-link, and each link runs its FIFO recursion
//!   `d_i = max(a_i, d_{i-1}) + s_i` (with drop-tail, loss, jitter, padding and its tap) over
//!   its own column; packets on their last hop are delivered into the latency counts as their
//!   arrival is computed.
//!
//! # Ties
//!
//! The engine orders simultaneous events by insertion sequence, which depends on the whole
//! history of the events. Within one stream the order is the stream's own (time, then the
//! order its events were scheduled in), so only equal times in *different* streams need that
//! history. They are found where streams merge: a merge that meets two equal times from
//! different inputs stops the run with [`Tie`], and the caller runs the trial on an executor
//! that carries the history. With times in nanoseconds such ties are rare (a few trials in a
//! hundred on the reference scenarios); lockstep traffic makes them systematic.
//!
//! It runs networks whose mixes hold each packet on its own (exponential and timed mixes) and
//! that place no stages on flows; [`supports`] tells.

use super::link::LinkOutcome;
use super::mix::Arrival;
use super::network::{Network, NodeState};
use super::packet::Packet;
use super::stream::{Plan, StreamStats};
use crate::engine::SimTime;

/// Events a window should hold, about: enough to amortise the visit of every node and link,
/// few enough that a window's columns stay in the cache.
const WINDOW_EVENTS: f64 = 4096.0;
const WINDOW_PER_ELEMENT: f64 = 2.0;

/// Two streams reaching a node held events at the same time: their order is the engine's
/// insertion order, which this executor does not keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("simultaneous events from different streams: their engine order needs their history")]
pub struct Tie;

/// Whether the columnar executor runs `net`: no placed stages, and every mix holds each packet
/// on its own (no batch flushes).
pub fn supports(net: &Network) -> bool {
    net.stages.is_empty()
        && net.nodes.iter().all(|n| match n {
            NodeState::Host => true,
            NodeState::Mix { mix, .. } => mix.is_per_packet(),
        })
}

/// A stream of packets as columns: times and packet slots, in the stream's order.
#[derive(Debug, Default, Clone)]
struct Column {
    t: Vec<SimTime>,
    id: Vec<u32>,
}

impl Column {
    fn clear(&mut self) {
        self.t.clear();
        self.id.clear();
    }

    fn len(&self) -> usize {
        self.t.len()
    }

    #[inline(always)]
    fn push(&mut self, t: SimTime, id: u32) {
        self.t.push(t);
        self.id.push(id);
    }

    /// Drop the first `n` entries.
    fn consume(&mut self, n: usize) {
        self.t.drain(..n);
        self.id.drain(..n);
    }
}

/// Streams stored back to back in one pair of columns, each in its own order.
#[derive(Debug, Default)]
struct Runs {
    col: Column,
    /// Where each stream ends in `col`.
    ends: Vec<usize>,
}

impl Runs {
    fn clear(&mut self) {
        self.col.clear();
        self.ends.clear();
    }

    /// End the stream appended since the last one (nothing if it is empty).
    fn close(&mut self) {
        if self.col.len() > self.ends.last().copied().unwrap_or(0) {
            self.ends.push(self.col.len());
        }
    }
}

/// Merge two time-sorted streams into `out`; equal times across them are a [`Tie`].
fn merge2(a: (&[SimTime], &[u32]), b: (&[SimTime], &[u32]), out: &mut Column) -> Result<(), Tie> {
    let (mut i, mut j) = (0, 0);
    while i < a.0.len() && j < b.0.len() {
        let (x, y) = (a.0[i], b.0[j]);
        if x < y {
            out.push(x, a.1[i]);
            i += 1;
        } else if y < x {
            out.push(y, b.1[j]);
            j += 1;
        } else {
            return Err(Tie);
        }
    }
    out.t.extend_from_slice(&a.0[i..]);
    out.id.extend_from_slice(&a.1[i..]);
    out.t.extend_from_slice(&b.0[j..]);
    out.id.extend_from_slice(&b.1[j..]);
    Ok(())
}

/// Merge the streams of `runs` into one, in `runs.col` (one stream left), by rounds of
/// pairwise merges through `spare`. A tie between two streams always meets in some pairwise
/// merge (both are at the heads of its inputs when the first of them is due), so every tie is
/// found.
fn merge(runs: &mut Runs, spare: &mut Runs) -> Result<(), Tie> {
    while runs.ends.len() > 1 {
        spare.clear();
        let mut start = 0;
        for pair in runs.ends.chunks(2) {
            let a = start..pair[0];
            let c = &runs.col;
            match pair {
                [_, end] => {
                    let b = pair[0]..*end;
                    merge2(
                        (&c.t[a.clone()], &c.id[a]),
                        (&c.t[b.clone()], &c.id[b]),
                        &mut spare.col,
                    )?;
                    start = *end;
                }
                _ => {
                    spare.col.t.extend_from_slice(&c.t[a.clone()]);
                    spare.col.id.extend_from_slice(&c.id[a]);
                    start = pair[0];
                }
            }
            spare.close();
        }
        std::mem::swap(runs, spare);
    }
    Ok(())
}

/// Order `v` stably by time into `out` (so equal times keep `v`'s order, the order the
/// releases were drawn in: the engine's). Holds are drawn per packet, so release times spread
/// about evenly: a counting pass puts them into about one time bucket per entry, in bucket
/// order, and an insertion pass then only has the few sharing a bucket to move.
fn sort_by_time(v: &Column, out: &mut Column, buckets: &mut Vec<u32>) {
    out.clear();
    out.t.extend_from_slice(&v.t);
    out.id.extend_from_slice(&v.id);
    let n = v.len();
    if n >= 64 {
        let (lo, hi) =
            v.t.iter()
                .fold((SimTime::MAX, 0), |(lo, hi), &t| (lo.min(t), hi.max(t)));
        // Monotone in time, so bucket order never contradicts time order. Through i64, whose
        // conversions to and from f64 are single instructions (u64's are a dozen).
        let scale = n as f64 / ((hi - lo) as i64 as f64 + 1.0);
        let bucket = |t: SimTime| (((t - lo) as i64 as f64 * scale) as i64 as usize).min(n - 1);
        buckets.clear();
        buckets.resize(2 * n, 0);
        let (starts, of) = buckets.split_at_mut(n);
        for (b, &t) in of.iter_mut().zip(&v.t) {
            *b = bucket(t) as u32;
            starts[*b as usize] += 1;
        }
        let mut sum = 0;
        for s in starts.iter_mut() {
            (*s, sum) = (sum, sum + *s);
        }
        for (k, &b) in of.iter().enumerate() {
            let at = starts[b as usize] as usize;
            out.t[at] = v.t[k];
            out.id[at] = v.id[k];
            starts[b as usize] += 1;
        }
    }
    for i in 1..n {
        let (t, id) = (out.t[i], out.id[i]);
        let mut j = i;
        while j > 0 && out.t[j - 1] > t {
            out.t[j] = out.t[j - 1];
            out.id[j] = out.id[j - 1];
            j -= 1;
        }
        out.t[j] = t;
        out.id[j] = id;
    }
}

/// A flow's or replay's next emission.
struct Source {
    flow: u32,
    /// Time of the next emission, if before the horizon.
    next: Option<SimTime>,
    /// The trace replayed, as an index into the network's replays.
    replay: Option<usize>,
}

/// Every open-loop flow and replay as a source, with its first emission drawn as the engine's
/// start draws it.
fn sources(net: &mut Network) -> Vec<Source> {
    let horizon = net.horizon;
    let mut out = Vec::with_capacity(net.flows.len());
    for (i, f) in net.flows.iter_mut().enumerate() {
        let replay = net.replays.iter().position(|r| r.flow as usize == i);
        let next = match replay {
            Some(r) => Some(net.replays[r].start),
            None => Some(f.start + f.process.next_gap(&mut f.rng)),
        };
        out.push(Source {
            flow: i as u32,
            next: next.filter(|&t| t < horizon),
            replay,
        });
    }
    out
}

/// Buffers reused from node to node and window to window.
#[derive(Default)]
struct Scratch {
    /// The streams a node forwards, the streams arriving at a mix, and a merge's spare.
    out: Runs,
    arrivals: Runs,
    spare: Runs,
    /// A mix's packets released within their arrival's event.
    zero_hold: Column,
    /// A mix's releases in time order.
    sorted: Column,
    buckets: Vec<u32>,
    /// What a node forwards, split by out-link (indexes into `links`).
    by_link: Vec<Column>,
    links: Vec<usize>,
}

/// Per-trial state of the executor around the network.
struct Run<'a> {
    net: &'a mut Network,
    sources: Vec<Source>,
    /// Per link, arrivals at its far end not yet handled, in the order they were offered.
    inbox: Vec<Column>,
    /// Per link, whether those arrivals can be out of time order (jitter that does not keep
    /// order).
    reorders: Vec<bool>,
    /// Per mix node, releases not yet handled, in the order they were drawn.
    pending: Vec<Column>,
    /// Per link, its slot in `Scratch::by_link` while a node forwards, or `usize::MAX`.
    slot: Vec<usize>,
    events: u64,
    s: Scratch,
}

/// Run `net` (fresh from [`Network::new`], and [`supports`]ed) to the horizon along `plan`;
/// close the taps. A [`Tie`] leaves `net` half run: the caller runs the trial anew elsewhere.
pub fn run(net: &mut Network, plan: &Plan) -> Result<StreamStats, Tie> {
    debug_assert!(supports(net));
    let (nl, nn) = (net.links.len(), net.nodes.len());
    let horizon = net.horizon;
    let mut run = Run {
        sources: sources(net),
        inbox: vec![Column::default(); nl],
        reorders: net.links.iter().map(super::Link::may_reorder).collect(),
        pending: vec![Column::default(); nn],
        slot: vec![usize::MAX; nl],
        events: 0,
        s: Scratch::default(),
        net,
    };
    let target = WINDOW_EVENTS.max(WINDOW_PER_ELEMENT * (nn + nl) as f64);
    let mut lo: SimTime = 0;
    let mut width: SimTime = 10_000_000;
    while lo <= horizon {
        let hi = lo.saturating_add(width).min(horizon + 1);
        let before = run.events;
        for &node in plan.order() {
            run.node(plan, node, hi)?;
        }
        // Aim the next window at about `target` events.
        let done = (run.events - before).max(1) as f64;
        let scale = (target / done).clamp(0.25, 4.0);
        width = ((width as f64 * scale) as SimTime).clamp(1_000, 100_000_000_000);
        lo = hi;
    }
    for l in &mut run.net.links {
        l.pad_until(horizon);
        l.tap.finish(horizon);
    }
    run.net.finish_latency();
    Ok(StreamStats {
        events: run.events,
        ties: 0,
    })
}

impl Run<'_> {
    /// Handle every event of `node` before `hi`: merge the streams reaching it, let a mix hold
    /// its arrivals, and forward what leaves.
    fn node(&mut self, plan: &Plan, node: usize, hi: SimTime) -> Result<(), Tie> {
        let mut s = std::mem::take(&mut self.s);
        let is_mix = matches!(self.net.nodes[node], NodeState::Mix { .. });
        s.out.clear();
        for &f in plan.sources_at(node) {
            self.emit(f as usize, hi, &mut s.out.col);
            s.out.close();
        }
        // A host forwards its arrivals as they come; a mix takes them in first.
        let arrivals = if is_mix { &mut s.arrivals } else { &mut s.out };
        if is_mix {
            arrivals.clear();
        }
        let before = arrivals.col.len();
        for &l in plan.in_links_at(node) {
            self.take_arrivals(l, hi, arrivals);
        }
        self.events += (arrivals.col.len() - before) as u64;
        let mut result = Ok(());
        if is_mix {
            result = merge(&mut s.arrivals, &mut s.spare);
            if result.is_ok() {
                self.mix(node, hi, &mut s);
            }
        }
        if result.is_ok() {
            result = merge(&mut s.out, &mut s.spare);
        }
        if result.is_ok() {
            self.forward(&mut s);
        }
        self.s = s;
        result
    }

    /// Emissions of source `f` before `hi`, as the engine's emit (or replay) events make them.
    #[inline(never)]
    fn emit(&mut self, f: usize, hi: SimTime, out: &mut Column) {
        let horizon = self.net.horizon;
        let src = &mut self.sources[f];
        if let Some(r) = src.replay {
            while let Some(now) = src.next.filter(|&t| t < hi) {
                let r = &mut self.net.replays[r];
                let i = r.next;
                r.next += 1;
                let size = r.data.sizes.as_ref().map_or(r.size, |s| s[i]);
                let flow = r.flow;
                src.next = r
                    .data
                    .times
                    .get(r.next)
                    .map(|&t| r.start + t)
                    .filter(|&t| t < horizon);
                self.net.counters.created += 1;
                self.events += 1;
                out.push(now, self.net.alloc(Packet::new(flow, i as u64, size, now)));
            }
            return;
        }
        let Some(mut now) = src.next.filter(|&t| t < hi) else {
            return;
        };
        let flow = src.flow;
        loop {
            let fl = &mut self.net.flows[flow as usize];
            let pkt = Packet::new(flow, fl.next_seq, fl.size, now);
            fl.next_seq += 1;
            let next = now + fl.process.next_gap(&mut fl.rng);
            self.net.counters.created += 1;
            self.events += 1;
            out.push(now, self.net.alloc(pkt));
            if next >= hi || next >= horizon {
                self.sources[f].next = (next < horizon).then_some(next);
                return;
            }
            now = next;
        }
    }

    /// Move link `l`'s arrivals before `hi` to `runs` as one stream, in time order (then the
    /// order they were offered in).
    fn take_arrivals(&mut self, l: usize, hi: SimTime, runs: &mut Runs) {
        let inbox = &mut self.inbox[l];
        if self.reorders[l] {
            let mut due = Column::default();
            let mut keep = 0;
            for k in 0..inbox.len() {
                let (t, id) = (inbox.t[k], inbox.id[k]);
                if t < hi {
                    due.push(t, id);
                } else {
                    inbox.t[keep] = t;
                    inbox.id[keep] = id;
                    keep += 1;
                }
            }
            inbox.t.truncate(keep);
            inbox.id.truncate(keep);
            let mut sorted = Column::default();
            sort_by_time(&due, &mut sorted, &mut self.s.buckets);
            runs.col.t.extend_from_slice(&sorted.t);
            runs.col.id.extend_from_slice(&sorted.id);
        } else {
            let n = inbox.t.partition_point(|&t| t < hi);
            runs.col.t.extend_from_slice(&inbox.t[..n]);
            runs.col.id.extend_from_slice(&inbox.id[..n]);
            inbox.consume(n);
        }
        runs.close();
    }

    /// The mix at `node` holds its arrivals (`s.arrivals`, merged): each gets its release time
    /// in arrival order; what is released before `hi` joins `s.out` as streams (packets
    /// released within their arrival's event, then the releases in time order).
    #[inline(never)]
    fn mix(&mut self, node: usize, hi: SimTime, s: &mut Scratch) {
        let NodeState::Mix { mix, .. } = &mut self.net.nodes[node] else {
            unreachable!("called for mixes")
        };
        let pending = &mut self.pending[node];
        s.zero_hold.clear();
        let mut none = Vec::new();
        let arr = &s.arrivals.col;
        for (&t, &id) in arr.t.iter().zip(&arr.id) {
            let Arrival::Release(at) = mix.arrive(t, id, &mut none) else {
                unreachable!("per-packet mixes answer with a release")
            };
            self.net.packets[id as usize].mix_hold += at - t;
            if at == t {
                s.zero_hold.push(t, id);
            } else {
                pending.push(at, id);
            }
        }
        s.out.col.t.extend_from_slice(&s.zero_hold.t);
        s.out.col.id.extend_from_slice(&s.zero_hold.id);
        s.out.close();
        sort_by_time(pending, &mut s.sorted, &mut s.buckets);
        let due = s.sorted.t.partition_point(|&t| t < hi);
        self.events += due as u64;
        s.out.col.t.extend_from_slice(&s.sorted.t[..due]);
        s.out.col.id.extend_from_slice(&s.sorted.id[..due]);
        s.out.close();
        pending.clear();
        pending.t.extend_from_slice(&s.sorted.t[due..]);
        pending.id.extend_from_slice(&s.sorted.id[due..]);
    }

    /// Forward the node's merged stream (`s.out.col`): split it by next link, keeping its
    /// order within each, then let each link handle its column.
    #[inline(never)]
    fn forward(&mut self, s: &mut Scratch) {
        let net = &*self.net;
        let col = &s.out.col;
        for (&t, &id) in col.t.iter().zip(&col.id) {
            let p = &net.packets[id as usize];
            let l = net.flows[p.flow as usize].links[p.hop as usize];
            let mut k = self.slot[l];
            if k == usize::MAX {
                k = s.links.len();
                self.slot[l] = k;
                s.links.push(l);
                if s.by_link.len() <= k {
                    s.by_link.push(Column::default());
                }
                s.by_link[k].clear();
            }
            s.by_link[k].push(t, id);
        }
        for (k, &l) in s.links.iter().enumerate() {
            self.slot[l] = usize::MAX;
            self.link(l, &s.by_link[k]);
        }
        s.links.clear();
    }

    /// Link `l` takes the packets of `col` in order: the FIFO recursion, drops, loss, jitter,
    /// padding and its tap, as [`Link::offer`](super::Link::offer) does for the engine; what
    /// reaches the far end is delivered there (last hop) or waits in the link's inbox.
    #[inline(never)]
    fn link(&mut self, l: usize, col: &Column) {
        let net = &mut *self.net;
        for (&t, &id) in col.t.iter().zip(&col.id) {
            let p = &mut net.packets[id as usize];
            match net.links[l].offer(t, p, &mut net.link_rngs[l]) {
                LinkOutcome::Arrives(at) => {
                    p.hop += 1;
                    let flow = &net.flows[p.flow as usize];
                    if p.hop as usize + 1 == flow.route.len() {
                        if at <= net.horizon {
                            net.deliver(at, id);
                        } else {
                            net.landing_after_horizon += 1;
                            net.free.push(id);
                        }
                    } else {
                        self.inbox[l].push(at, id);
                    }
                }
                LinkOutcome::Dropped(reason) => net.drop_packet(id, reason),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    fn column(v: &[(SimTime, u32)]) -> Column {
        let mut c = Column::default();
        for &(t, id) in v {
            c.push(t, id);
        }
        c
    }

    /// The merge tree gives a sort of all streams by time when no two streams share a time, and
    /// finds a shared time whatever the number of streams and wherever it lies.
    #[test]
    fn merges_sort_and_find_every_tie() {
        let mut rand = xorshift(0x9e37_79b9_7f4a_7c15);
        for k in [1, 2, 3, 4, 5, 8, 17] {
            // Distinct times: stream r holds times = r (mod k).
            let mut runs = Runs::default();
            let mut all = Vec::new();
            for r in 0..k {
                let mut t = r as u64;
                for _ in 0..50 {
                    t += k as u64 * (1 + rand() % 5);
                    let id = all.len() as u32;
                    runs.col.push(t, id);
                    all.push((t, id));
                }
                runs.close();
            }
            all.sort_unstable();
            let mut spare = Runs::default();
            merge(&mut runs, &mut spare).expect("no tie");
            let got: Vec<_> = runs
                .col
                .t
                .iter()
                .copied()
                .zip(runs.col.id.clone())
                .collect();
            assert_eq!(got, all, "k {k}");
            // One shared time between the last two streams (or none with one stream).
            if k < 2 {
                continue;
            }
            let mut runs = Runs::default();
            for r in 0..k {
                for i in 0..20u64 {
                    let shared = r + 2 >= k && i == 7;
                    let t = if shared {
                        1_000_000
                    } else {
                        10 * i * k as u64 + r as u64
                    };
                    runs.col.push(t + i * 1_000_000 * shared as u64, 0);
                }
                runs.close();
            }
            let mut spare = Runs::default();
            assert_eq!(merge(&mut runs, &mut spare), Err(Tie), "k {k}");
        }
        // Equal times within one stream are no tie, and keep their order.
        let mut runs = Runs {
            col: column(&[(5, 1), (5, 2), (9, 3)]),
            ends: Vec::new(),
        };
        runs.close();
        runs.col.push(7, 4);
        runs.close();
        merge(&mut runs, &mut Runs::default()).expect("no tie");
        assert_eq!(runs.col.id, vec![1, 2, 4, 3]);
    }

    /// The release sort is a stable sort by time: spread, clustered, equal and far outliers,
    /// around the 64-entry cut-over.
    #[test]
    fn releases_sort_stably_by_time() {
        let mut rand = xorshift(0x2545_f491_4f6c_dd1d);
        let (mut out, mut buckets) = (Column::default(), Vec::new());
        for (n, spread) in [
            (10, 1000),
            (63, 50),
            (64, 1),
            (500, 1_000_000),
            (5000, 20),
            (3000, 0),
        ] {
            let v: Vec<(SimTime, u32)> = (0..n)
                .map(|i| {
                    let far = rand().is_multiple_of(97) as u64 * (rand() >> 20);
                    (1_000 + rand() % (spread + 1) + far, i as u32)
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|&(t, _)| t);
            sort_by_time(&column(&v), &mut out, &mut buckets);
            assert_eq!(out.id, want.iter().map(|x| x.1).collect::<Vec<_>>());
        }
    }
}
