//! The stream executor: runs a feed-forward network element by element, with no event queue.
//!
//! A network without feedback (no TCP, no ACK routes, routes that never lead back to a node
//! they came from) can be run in topological order of its nodes: each node takes the
//! time-sorted streams of packets reaching it, merges them, and offers them to its out-links,
//! whose outputs are the streams of the next nodes. Simulated time is cut into windows; in each
//! window every node, upstream first, handles the events it has before the window's end. The
//! elements are the event engine's own ([`Link::offer`](super::Link::offer), the mix strategy,
//! taps, the latency histograms), offered the same packets in the same order and drawing from
//! the same per-element random streams, so the two executors give the same bytes.
//!
//! # Breaking ties as the engine does
//!
//! The engine orders simultaneous events by insertion sequence: an event scheduled while
//! handling event P comes after every event scheduled while handling events handled before P.
//! So two events at the same time are ordered as their parents were, recursively, back to the
//! events the start schedules (replays first, then flows in scenario order). The parent of a
//! packet's arrival at a node is the event that put it on the link (an emission, an arrival at a
//! relay, a mix release); the parent of a release is the arrival at the mix; the parent of an
//! emission is the flow's previous emission; the parent of a mix's timer event (a batch flush) is
//! the event that armed it. Batch mixes are driven through the same [`Mix`](super::mix::Mix) calls
//! as in the engine, timer events included, interleaved with arrivals in the engine's order. Every packet carries the times of its last
//! [`DEPTH`] ancestors, and a merge of two streams compares them level by level. Within one
//! stream the order is the stream's own (the engine scheduled them in that order).
//!
//! When the carried history runs out with every time equal (say, constant-rate flows in
//! lockstep for more than [`DEPTH`] packets), the order cannot be known without the engine's
//! global state: [`run`] then gives up with [`Ambiguous`] and the caller reruns the trial on
//! the event engine. Nothing is guessed.

use super::mix::{Arrival, Release};
use super::network::{Network, NodeState};
use super::packet::Packet;
use super::stage::StageOutcome;
use crate::engine::SimTime;
use std::cmp::Ordering;

/// Ancestor times carried per packet for tie-breaking.
pub const DEPTH: usize = 8;
/// Ancestor entry of a real event: its time plus this offset. Entries below it are the start's
/// scheduling positions (the roots), which come before any event.
const REAL: u64 = 1 << 32;
/// Ancestor entry beyond what is carried.
const UNKNOWN: u64 = u64::MAX;

/// Item sources at a node, for telling "same stream" (keep its order) from "different streams"
/// (compare ancestors).
const SRC_LINK: u32 = 0;
const SRC_RELEASE: u32 = u32::MAX - 1;
const SRC_ZERO_HOLD: u32 = u32::MAX - 2;
const SRC_FLUSH: u32 = u32::MAX - 3;
const SRC_FLOW: u32 = 1 << 30;
const SRC_STAGE: u32 = 1 << 31;

/// Packets a window should hold, about: large enough to amortise the per-window work, small
/// enough to stay in cache.
const WINDOW_ITEMS: f64 = 16_384.0;

/// Which executor runs the trials of an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Executor {
    /// The stream executor when the network allows it, else the event engine.
    #[default]
    Auto,
    /// Always the event engine.
    Event,
    /// The stream executor (the caller checks [`plan`] first and refuses a network it rejects).
    Stream,
}

/// Why a network cannot run on the stream executor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotStreamable {
    #[error("flow {0} is TCP: a closed loop (its ACKs drive its sender), which only the event engine runs")]
    Tcp(usize),
    #[error("the routes form a cycle through node {0}: the nodes have no upstream-first order")]
    Cycle(usize),
}

/// A trial hit simultaneous events whose order the carried history does not decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("simultaneous events whose engine order is not decided by {DEPTH} ancestor times")]
pub struct Ambiguous;

/// What a stream run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamStats {
    /// Events the event engine would have processed for the same trial.
    pub events: u64,
    /// Simultaneous events of different streams ordered by their ancestors' times.
    pub ties: u64,
}

/// One event of a packet at a node: its time, its position in its source stream, the packet
/// slot, and which stream it came from.
#[derive(Debug, Clone, Copy)]
struct Item {
    t: SimTime,
    pos: u64,
    id: u32,
    src: u32,
}

/// The order of a network's nodes and what feeds each.
pub struct Plan {
    order: Vec<usize>,
    /// Per node: flows starting there.
    sources: Vec<Vec<u32>>,
    /// Per node: links into it that carry packets it forwards.
    in_links: Vec<Vec<usize>>,
    /// Per node: whether a placed stage acts on some flow there.
    staged: Vec<bool>,
}

/// Check that `net` is feed-forward and order its nodes upstream first.
pub fn plan(net: &Network) -> Result<Plan, NotStreamable> {
    if let Some(f) = net
        .flow_tcp
        .iter()
        .position(|&c| c != super::network::NO_TCP)
    {
        return Err(NotStreamable::Tcp(f));
    }
    let n = net.nodes.len();
    let mut sources = vec![Vec::new(); n];
    let mut in_links = vec![Vec::new(); n];
    let mut succ = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    let mut seen_link = vec![false; net.links.len()];
    for (i, f) in net.flows.iter().enumerate() {
        sources[f.route[0]].push(i as u32);
        // The last hop is delivered as the link computes it: no event at the receiver, so
        // the receiver does not depend on it (and a loop back to the sender is no cycle).
        for (h, w) in f.route.windows(2).enumerate().take(f.route.len() - 2) {
            succ[w[0]].push(w[1]);
            indeg[w[1]] += 1;
            let l = f.links[h];
            if !seen_link[l] {
                seen_link[l] = true;
                in_links[w[1]].push(l);
            }
        }
    }
    let mut order = Vec::with_capacity(n);
    let mut ready: Vec<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
    while let Some(v) = ready.pop() {
        order.push(v);
        for &w in &succ[v] {
            indeg[w] -= 1;
            if indeg[w] == 0 {
                ready.push(w);
            }
        }
    }
    if order.len() < n {
        let stuck = (0..n).find(|&i| indeg[i] > 0).unwrap_or(0);
        return Err(NotStreamable::Cycle(stuck));
    }
    for l in &mut in_links {
        l.sort_unstable();
    }
    let mut staged = vec![false; n];
    for f in &net.flows {
        if let Some(&node) = f.route.get(f.stage_hop as usize) {
            staged[node] = true;
        }
    }
    Ok(Plan {
        order,
        sources,
        in_links,
        staged,
    })
}

/// A lazy source: the next emission of a flow or replay.
struct Source {
    flow: u32,
    /// Time of the next emission, if before the horizon.
    next: Option<SimTime>,
    /// Ancestors of the next emission (its parent is the previous emission).
    hist: [u64; DEPTH],
    /// The trace replayed, as an index into the network's replays.
    replay: Option<usize>,
}

/// Per-trial state of the executor around the network.
struct Run<'a> {
    net: &'a mut Network,
    sources: Vec<Source>,
    /// Per packet slot, its current event's ancestors.
    hist: Vec<[u64; DEPTH]>,
    /// Per link, arrivals at its far end not yet handled.
    inbox: Vec<Vec<Item>>,
    /// Per link, packets offered so far (the position of the next arrival in its stream).
    offered: Vec<u64>,
    /// Per mix node, releases not yet handled, and arrivals so far.
    pending: Vec<Vec<Item>>,
    arrivals: Vec<u64>,
    /// Per mix node, its timer events in the queue (time, ancestors), and packets flushed so far.
    timers: Vec<Vec<(SimTime, [u64; DEPTH])>>,
    flushes: Vec<u64>,
    /// Scratch: a mix's flush.
    releases: Vec<Release>,
    /// Per node, releases of placed stages not yet handled; per stage, packets offered so far.
    stage_pending: Vec<Vec<Item>>,
    stage_offers: Vec<u64>,
    events: u64,
    ties: u64,
    ambiguous: bool,
    scratch_fwd: Vec<Item>,
    scratch_arr: Vec<Item>,
    /// Scratch of the release sort: items and bucket counts.
    scratch_sort: (Vec<Item>, Vec<u32>),
}

/// Sort a mix's pending releases by (time, arrival position): the engine's order. Holds are
/// drawn per packet in arrival order, so release times spread about evenly over the window:
/// one counting pass into about one bucket per item by time, then each bucket sorted on its own
/// (mostly 0 or 1 items), is linear where a comparison sort of the window was a fifth of the
/// executor's time. Keys are unique (positions are), so the result is the comparison sort's.
fn sort_releases(v: &mut [Item], scratch: &mut (Vec<Item>, Vec<u32>)) {
    let key = |it: &Item| (it.t, it.pos);
    if v.len() < 64 {
        v.sort_unstable_by_key(key);
        return;
    }
    let (lo, hi) = v.iter().fold((SimTime::MAX, 0), |(lo, hi), it| {
        (lo.min(it.t), hi.max(it.t))
    });
    let n = v.len();
    let width = (hi - lo) / n as SimTime + 1;
    let bucket = |it: &Item| ((it.t - lo) / width) as usize;
    let (out, starts) = scratch;
    starts.clear();
    starts.resize(n + 1, 0);
    for it in v.iter() {
        starts[bucket(it) + 1] += 1;
    }
    for b in 1..=n {
        starts[b] += starts[b - 1];
    }
    out.clear();
    out.resize(n, v[0]);
    let mut next = starts.clone();
    for it in v.iter() {
        let b = bucket(it);
        out[next[b] as usize] = *it;
        next[b] += 1;
    }
    for b in 0..n {
        let (a, e) = (starts[b] as usize, starts[b + 1] as usize);
        if e - a > 1 {
            out[a..e].sort_unstable_by_key(key);
        }
    }
    v.copy_from_slice(out);
}

/// Run `net` (fresh from [`Network::new`]) to the horizon along `plan`; close the taps.
pub fn run(net: &mut Network, plan: &Plan) -> Result<StreamStats, Ambiguous> {
    let sources = make_sources(net);
    let (nl, nn, net_stages) = (net.links.len(), net.nodes.len(), net.stages.len());
    let horizon = net.horizon;
    let mut run = Run {
        net,
        sources,
        hist: Vec::with_capacity(1024),
        inbox: vec![Vec::new(); nl],
        offered: vec![0; nl],
        pending: vec![Vec::new(); nn],
        arrivals: vec![0; nn],
        timers: vec![Vec::new(); nn],
        flushes: vec![0; nn],
        releases: Vec::new(),
        stage_pending: vec![Vec::new(); nn],
        stage_offers: vec![0; net_stages],
        events: 0,
        ties: 0,
        ambiguous: false,
        scratch_fwd: Vec::new(),
        scratch_arr: Vec::new(),
        scratch_sort: (Vec::new(), Vec::new()),
    };
    let mut lo: SimTime = 0;
    let mut width: SimTime = 10_000_000;
    while lo <= horizon {
        let hi = lo.saturating_add(width).min(horizon + 1);
        let before = run.events;
        for &node in &plan.order {
            run.node(plan, node, hi);
            if run.ambiguous {
                return Err(Ambiguous);
            }
        }
        // Aim the next window at about WINDOW_ITEMS events.
        let done = (run.events - before).max(1) as f64;
        let scale = (WINDOW_ITEMS / done).clamp(0.25, 4.0);
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
        ties: run.ties,
    })
}

/// Every open-loop flow and replay as a lazy source, with its first emission drawn as the
/// engine's start draws it.
fn make_sources(net: &mut Network) -> Vec<Source> {
    let horizon = net.horizon;
    let replays = net.replays.len() as u64;
    let mut out = Vec::with_capacity(net.flows.len());
    for (i, f) in net.flows.iter_mut().enumerate() {
        let replay = net.replays.iter().position(|r| r.flow as usize == i);
        let mut hist = [UNKNOWN; DEPTH];
        let next = match replay {
            Some(r) => {
                // Replays are scheduled first by the engine's start.
                hist[0] = r as u64;
                let start = net.replays[r].start;
                (start < horizon).then_some(start)
            }
            None => {
                hist[0] = replays + i as u64;
                let t = f.start + f.process.next_gap(&mut f.rng);
                (t < horizon).then_some(t)
            }
        };
        out.push(Source {
            flow: i as u32,
            next,
            hist,
            replay,
        });
    }
    out
}

/// Shift `parent` (a real event time) in front of `h`.
#[inline]
fn push_parent(h: &mut [u64; DEPTH], parent: SimTime) {
    h.copy_within(0..DEPTH - 1, 1);
    h[0] = parent + REAL;
}

/// The engine's order of two events at one node: time, then (same stream) stream order, then
/// (different streams) the ancestors' times. Sets `ambiguous` when they do not decide.
#[inline]
fn order(
    x: &Item,
    y: &Item,
    hist: &[[u64; DEPTH]],
    ties: &mut u64,
    ambiguous: &mut bool,
) -> Ordering {
    match x.t.cmp(&y.t) {
        Ordering::Equal if x.src == y.src => x.pos.cmp(&y.pos),
        Ordering::Equal => {
            *ties += 1;
            ancestors(&hist[x.id as usize], &hist[y.id as usize], ambiguous)
        }
        o => o,
    }
}

#[cold]
fn ancestors(a: &[u64; DEPTH], b: &[u64; DEPTH], ambiguous: &mut bool) -> Ordering {
    for (&u, &v) in a.iter().zip(b) {
        if u == UNKNOWN || v == UNKNOWN {
            break;
        }
        if u != v {
            return u.cmp(&v);
        }
        if u < REAL {
            // The same root: the same event, which two packets never share.
            break;
        }
    }
    *ambiguous = true;
    Ordering::Equal
}

impl Run<'_> {
    /// Handle every event of `node` before `hi`.
    fn node(&mut self, plan: &Plan, node: usize, hi: SimTime) {
        let mut fwd = std::mem::take(&mut self.scratch_fwd);
        let mut arr = std::mem::take(&mut self.scratch_arr);
        fwd.clear();
        arr.clear();
        let mut streams = 0;
        for &s in &plan.sources[node] {
            let before = fwd.len();
            self.emit(s as usize, hi, &mut fwd);
            streams += (fwd.len() > before) as usize;
        }
        let (mut arr_streams, mut in_order) = (0, true);
        for &l in &plan.in_links[node] {
            let before = arr.len();
            in_order &= take_before(&mut self.inbox[l], hi, &mut arr);
            arr_streams += (arr.len() > before) as usize;
        }
        if arr_streams > 1 || !in_order {
            self.sort(&mut arr);
        }
        self.events += arr.len() as u64;
        if matches!(self.net.nodes[node], NodeState::Mix { .. }) {
            streams += self.mix(node, &arr, hi, &mut fwd);
        } else {
            streams += arr_streams;
            fwd.extend_from_slice(&arr);
        }
        if streams > 1 {
            self.sort(&mut fwd);
        }
        if plan.staged[node] {
            self.stages(node, hi, &mut fwd);
        }
        if !self.ambiguous {
            for it in &fwd {
                self.forward(it);
            }
        }
        self.scratch_fwd = fwd;
        self.scratch_arr = arr;
    }

    fn sort(&mut self, items: &mut [Item]) {
        let (hist, ties, amb) = (&self.hist, &mut self.ties, &mut self.ambiguous);
        items.sort_by(|x, y| order(x, y, hist, ties, amb));
    }

    /// Emissions of source `s` before `hi`, as the engine's emit (or replay) events make them.
    fn emit(&mut self, s: usize, hi: SimTime, out: &mut Vec<Item>) {
        let horizon = self.net.horizon;
        let src = &mut self.sources[s];
        while let Some(now) = src.next.filter(|&t| t < hi) {
            let flow = src.flow as usize;
            let pkt = match src.replay {
                Some(r) => {
                    let r = &mut self.net.replays[r];
                    let i = r.next;
                    r.next += 1;
                    let size = r.data.sizes.as_ref().map_or(r.size, |s| s[i]);
                    src.next = r
                        .data
                        .times
                        .get(r.next)
                        .map(|&t| r.start + t)
                        .filter(|&t| t < horizon);
                    Packet::new(r.flow, i as u64, size, now)
                }
                None => {
                    let f = &mut self.net.flows[flow];
                    let pkt = Packet::new(flow as u32, f.next_seq, f.size, now);
                    f.next_seq += 1;
                    let gap = f.process.next_gap(&mut f.rng);
                    src.next = Some(now + gap).filter(|&t| t < horizon);
                    pkt
                }
            };
            self.net.counters.created += 1;
            self.events += 1;
            let id = self.net.alloc(pkt);
            set_hist(&mut self.hist, id, src.hist);
            out.push(Item {
                t: now,
                pos: pkt.seq,
                id,
                src: SRC_FLOW + flow as u32,
            });
            push_parent(&mut src.hist, now);
        }
    }

    /// The mix at `node` holds the arrivals `arr` (in the engine's order); its releases before
    /// `hi` go to `fwd`. Returns the number of streams added.
    fn mix(&mut self, node: usize, arr: &[Item], hi: SimTime, fwd: &mut Vec<Item>) -> usize {
        let before = fwd.len();
        let mut out = std::mem::take(&mut self.releases);
        for it in arr {
            // Timer events the engine handles before this arrival.
            let h = self.hist[it.id as usize];
            while let Some(k) = self.due_timer(node, it.t, Some(&h)) {
                self.timer(node, k, &mut out, fwd);
            }
            let pos = self.arrivals[node];
            self.arrivals[node] += 1;
            let NodeState::Mix { mix, .. } = &mut self.net.nodes[node] else {
                unreachable!("called for mixes")
            };
            match mix.arrive(it.t, it.id, &mut out) {
                Arrival::Release(t) => {
                    self.net.packets[it.id as usize].mix_hold += t - it.t;
                    if t == it.t {
                        // Forwarded within the arrival's own event.
                        fwd.push(Item {
                            pos,
                            src: SRC_ZERO_HOLD,
                            ..*it
                        });
                    } else {
                        push_parent(&mut self.hist[it.id as usize], it.t);
                        self.pending[node].push(Item {
                            t,
                            pos,
                            id: it.id,
                            src: SRC_RELEASE,
                        });
                    }
                }
                Arrival::Held => {
                    // A flush within the arrival's event: the released packets leave in it.
                    let h = self.hist[it.id as usize];
                    self.flushed(node, it.t, h, &mut out, fwd);
                }
            }
        }
        while let Some(k) = self.due_timer(node, hi, None) {
            self.timer(node, k, &mut out, fwd);
        }
        self.releases = out;
        // Releases in the engine's order: time, then arrival order (the order their events
        // were scheduled in).
        let pending = &mut self.pending[node];
        sort_releases(pending, &mut self.scratch_sort);
        let due = pending.partition_point(|it| it.t < hi);
        self.events += due as u64;
        fwd.extend(pending.drain(..due));
        let srcs = [SRC_ZERO_HOLD, SRC_RELEASE, SRC_FLUSH];
        srcs.iter()
            .filter(|&&src| fwd[before..].iter().any(|it| it.src == src))
            .count()
    }

    /// The next of the mix's timer events that the engine handles before an event at `t` whose
    /// ancestors are `hist` (`None`: any event at `t` or later), as an index into its timers.
    fn due_timer(&mut self, node: usize, t: SimTime, hist: Option<&[u64; DEPTH]>) -> Option<usize> {
        let timers = &self.timers[node];
        let k = (0..timers.len()).min_by_key(|&k| timers[k].0)?;
        let (at, th) = &timers[k];
        match (*at).cmp(&t) {
            Ordering::Less => Some(k),
            Ordering::Greater => None,
            Ordering::Equal => {
                let h = hist?;
                (ancestors(th, h, &mut self.ambiguous) == Ordering::Less).then_some(k)
            }
        }
    }

    /// Handle timer event `k` of the mix at `node`, as the engine's `MixTimer`: ignored unless
    /// it is the mix's live timer; else the due flush, whose packets leave in this event.
    fn timer(&mut self, node: usize, k: usize, out: &mut Vec<Release>, fwd: &mut Vec<Item>) {
        let (at, h) = self.timers[node].swap_remove(k);
        self.events += 1;
        let NodeState::Mix { mix, timer } = &mut self.net.nodes[node] else {
            unreachable!("called for mixes")
        };
        if *timer == Some(at) {
            *timer = None;
            mix.advance(at, out);
            self.flushed(node, at, h, out, fwd);
        }
    }

    /// The packets in `out`, released at `now` by an event whose ancestors are `h`, leave in
    /// that event; then the mix's timer is kept in the queue, as the engine's `after_mix`.
    fn flushed(
        &mut self,
        node: usize,
        now: SimTime,
        h: [u64; DEPTH],
        out: &mut Vec<Release>,
        fwd: &mut Vec<Item>,
    ) {
        for r in out.drain(..) {
            self.net.packets[r.handle as usize].mix_hold += r.hold;
            self.hist[r.handle as usize] = h;
            fwd.push(Item {
                t: now,
                pos: self.flushes[node],
                id: r.handle,
                src: SRC_FLUSH,
            });
            self.flushes[node] += 1;
        }
        let NodeState::Mix { mix, timer } = &mut self.net.nodes[node] else {
            unreachable!("called for mixes")
        };
        if let Some(t) = mix.next_timer() {
            if *timer != Some(t) {
                *timer = Some(t);
                let mut th = h;
                push_parent(&mut th, now);
                self.timers[node].push((t, th));
            }
        }
    }

    /// Packets entering the placed stage of their flow at `node` (emissions and arrivals at a
    /// host, as the engine's `enter`) are held there; the stages' releases before `hi` join
    /// `fwd` in the engine's order.
    fn stages(&mut self, node: usize, hi: SimTime, fwd: &mut Vec<Item>) {
        let net = &mut *self.net;
        let mut kept = Vec::with_capacity(fwd.len());
        for it in fwd.drain(..) {
            let p = &net.packets[it.id as usize];
            let f = &net.flows[p.flow as usize];
            let enters = it.src < SRC_STAGE;
            if !enters || f.stage_hop != p.hop as u32 {
                kept.push(it);
                continue;
            }
            let k = f.stage as usize;
            let st = &mut net.stages[k];
            match st.stage.offer(it.t, p, &mut st.rng) {
                StageOutcome::Release(t) => {
                    st.held.record(t - it.t).expect("auto-resizing histogram");
                    if t == it.t {
                        kept.push(it);
                    } else {
                        push_parent(&mut self.hist[it.id as usize], it.t);
                        self.stage_pending[node].push(Item {
                            t,
                            pos: self.stage_offers[k],
                            id: it.id,
                            src: SRC_STAGE + k as u32,
                        });
                        self.stage_offers[k] += 1;
                    }
                }
                StageOutcome::Drop(reason) => net.drop_packet(it.id, reason),
            }
        }
        let pending = &mut self.stage_pending[node];
        let before = kept.len();
        kept.extend(pending.iter().filter(|it| it.t < hi));
        pending.retain(|it| it.t >= hi);
        self.events += (kept.len() - before) as u64;
        if kept.len() > before {
            self.sort(&mut kept);
        }
        *fwd = kept;
    }

    /// Put the packet of event `it` on the next link of its route, as the engine's forward.
    #[inline]
    fn forward(&mut self, it: &Item) {
        let net = &mut *self.net;
        let p = &mut net.packets[it.id as usize];
        let flow = &net.flows[p.flow as usize];
        let li = flow.links[p.hop as usize];
        match net.links[li].offer(it.t, p, &mut net.link_rngs[li]) {
            super::LinkOutcome::Arrives(t) => {
                p.hop += 1;
                if p.hop as usize + 1 == flow.route.len() {
                    if t <= net.horizon {
                        net.deliver(t, it.id);
                    } else {
                        net.landing_after_horizon += 1;
                        net.free.push(it.id);
                    }
                } else {
                    push_parent(&mut self.hist[it.id as usize], it.t);
                    let pos = self.offered[li];
                    self.offered[li] += 1;
                    self.inbox[li].push(Item {
                        t,
                        pos,
                        id: it.id,
                        src: SRC_LINK + li as u32,
                    });
                }
            }
            super::LinkOutcome::Dropped(reason) => net.drop_packet(it.id, reason),
        }
    }
}

fn set_hist(hist: &mut Vec<[u64; DEPTH]>, id: u32, h: [u64; DEPTH]) {
    let i = id as usize;
    if i >= hist.len() {
        hist.resize(i + 1, [UNKNOWN; DEPTH]);
    }
    hist[i] = h;
}

/// Move the items of `inbox` before `hi` to `out`, keeping both in stream order. Returns
/// whether they were in time order (a link's arrivals are, unless jitter reorders them).
fn take_before(inbox: &mut Vec<Item>, hi: SimTime, out: &mut Vec<Item>) -> bool {
    let prefix = inbox
        .iter()
        .position(|it| it.t >= hi)
        .unwrap_or(inbox.len());
    let sorted = inbox[..prefix].windows(2).all(|w| w[0].t <= w[1].t);
    out.extend(inbox.drain(..prefix));
    if inbox.iter().any(|it| it.t < hi) {
        out.extend(inbox.iter().filter(|it| it.t < hi));
        inbox.retain(|it| it.t >= hi);
        return false;
    }
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bucket sort gives the comparison sort's order: spread, clustered (one time for
    /// many items, as a flush would give) and far outliers, around the 64-item cut-over.
    #[test]
    fn releases_sort_like_a_comparison_sort() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut scratch = (Vec::new(), Vec::new());
        for (n, spread) in [
            (10, 1000),
            (63, 50),
            (64, 1),
            (500, 1_000_000),
            (5000, 20),
            (3000, 0),
        ] {
            let mut v: Vec<Item> = (0..n)
                .map(|i| Item {
                    t: 1_000 + rand() % (spread + 1) + (rand() % 97 == 0) as u64 * (rand() >> 20),
                    pos: rand(),
                    id: i as u32,
                    src: SRC_RELEASE,
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable_by_key(|it| (it.t, it.pos));
            sort_releases(&mut v, &mut scratch);
            let ids = |v: &[Item]| v.iter().map(|it| it.id).collect::<Vec<_>>();
            assert_eq!(ids(&v), ids(&want), "n {n}, spread {spread}");
        }
    }
}
