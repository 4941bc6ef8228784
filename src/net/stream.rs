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
//! the event that armed it. Batch mixes are driven through the same [`Mix`](super::mix::Mix)
//! calls as in the engine, timer events included, interleaved with arrivals in the engine's
//! order. Every packet carries the times of its last [`DEPTH`] ancestors, and a merge of two
//! streams compares them level by level. Within one stream the order is the stream's own (the
//! engine scheduled them in that order).
//!
//! When the carried history runs out with every time equal (say, constant-rate flows in
//! lockstep for more than [`DEPTH`] packets), the order cannot be known without the engine's
//! global state: [`run`] then gives up with [`Ambiguous`] and the caller reruns the trial on
//! the event engine. Nothing is guessed.
//!
//! # Streams, merges and windows
//!
//! In a window, a node's streams (each flow's emissions, each in-link's arrivals, a mix's
//! releases) are already in the engine's order each, so they are kept as sorted runs and merged
//! rather than sorted: a single run is taken as it is, two by a two-way merge, a few by a scan of
//! their heads, more (a mix fed by thousands of links) by a heap of run cursors. A sender (a
//! host with a few flows and nothing arriving) forwards each emission as it makes it. A mix with
//! per-packet holds puts its releases in order with a counting pass into time buckets and an
//! insertion pass. Windows hold about a thousand events, and at least a couple per node and
//! link: enough to pay for visiting every node, few enough that the window's buffers stay in the
//! cache.

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

/// Events a window should hold, about: enough to amortise the per-window work (a visit of
/// every node and link, so a window holds at least [`WINDOW_PER_ELEMENT`] events per node and
/// link), few enough that a window's items stay in the cache (measured on fig5-heavy: 16 384
/// events per window ran about a fifth slower than 1024 or fewer).
const WINDOW_ITEMS: f64 = 1024.0;
const WINDOW_PER_ELEMENT: f64 = 2.0;

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
    #[error("flow {0} draws a fresh route per message, which only the event engine runs")]
    PerMessageRoutes(usize),
    #[error("flow {0} sends its messages in payload slots (a queue the sender keeps), which only the event engine runs")]
    PayloadSlots(usize),
    #[error("flow {0} starts at a mix (a mix loop: the mix is both a source and a hop), which only the event engine runs")]
    MixLoop(usize),
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

impl Plan {
    /// The nodes, upstream first.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The flows starting at `node`.
    pub fn sources_at(&self, node: usize) -> &[u32] {
        &self.sources[node]
    }

    /// The links into `node` that carry packets it forwards.
    pub fn in_links_at(&self, node: usize) -> &[usize] {
        &self.in_links[node]
    }
}

/// Loopix's elements run on the event engine only: per-message routes, payload slots and mix
/// loops (a flow whose sender is a mix).
fn loopix_refusal(net: &Network) -> Result<(), NotStreamable> {
    for (i, f) in net.flows.iter().enumerate() {
        if f.has_per_message_routes() {
            return Err(NotStreamable::PerMessageRoutes(i));
        }
        if f.has_payload_slots() {
            return Err(NotStreamable::PayloadSlots(i));
        }
        if matches!(net.nodes[f.route[0]], super::network::NodeState::Mix { .. }) {
            return Err(NotStreamable::MixLoop(i));
        }
    }
    Ok(())
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
    loopix_refusal(net)?;
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
    /// Per link, arrivals at its far end not yet handled, in the order they were offered.
    inbox: Vec<Vec<Item>>,
    /// Per link, whether those arrivals can be out of time order (jitter that does not keep
    /// order); if not, they are one sorted stream.
    reorders: Vec<bool>,
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
    scratch: Scratch,
}

/// Runs of items stored back to back, each already in the engine's order: a node's streams
/// before they are merged.
#[derive(Default)]
struct Runs {
    items: Vec<Item>,
    /// Where each run ends in `items`.
    ends: Vec<usize>,
}

impl Runs {
    fn clear(&mut self) {
        self.items.clear();
        self.ends.clear();
    }

    /// End the run appended to `items` since the last one (nothing if it is empty).
    fn close(&mut self) {
        if self.items.len() > self.ends.last().copied().unwrap_or(0) {
            self.ends.push(self.items.len());
        }
    }

    fn push_run(&mut self, run: &[Item]) {
        self.items.extend_from_slice(run);
        self.close();
    }
}

/// Buffers reused from node to node and window to window.
#[derive(Default)]
struct Scratch {
    /// The streams a node forwards (emissions, arrivals at a host, a mix's releases), and
    /// the streams arriving at a mix.
    out_runs: Runs,
    in_runs: Runs,
    /// Merged: a mix's arrivals, and what the node forwards.
    arr: Vec<Item>,
    fwd: Vec<Item>,
    /// A mix's packets that leave within their arrival's event, and its flushed packets.
    zero_hold: Vec<Item>,
    flushed: Vec<Item>,
    /// The k-way merge's heap of run cursors.
    heap: Vec<(usize, usize)>,
    /// A mix's releases in the engine's order, and the release sort's buckets.
    sorted: Vec<Item>,
    buckets: Vec<u32>,
}

/// Sort a mix's pending releases `v` into `out` by (time, arrival position): the engine's
/// order. Holds are drawn per packet in arrival order, so release times spread about evenly
/// over the window: a counting pass puts them into about one time bucket per item, in bucket
/// order, and an insertion pass then only has the few items sharing a bucket to move. Keys are
/// unique (positions are), so this is the order of any sort; the buckets only make it linear
/// (a comparison sort of the window had been a fifth of the executor's time).
fn sort_releases(v: &[Item], out: &mut Vec<Item>, buckets: &mut Vec<u32>) {
    out.clear();
    out.extend_from_slice(v);
    let n = v.len();
    if n >= 64 {
        let (lo, hi) = v.iter().fold((SimTime::MAX, 0), |(lo, hi), it| {
            (lo.min(it.t), hi.max(it.t))
        });
        // Monotone in time, so bucket order never contradicts time order. Through i64, whose
        // conversions to and from f64 are single instructions (u64's are a dozen).
        let scale = n as f64 / ((hi - lo) as i64 as f64 + 1.0);
        let bucket = |t: SimTime| (((t - lo) as i64 as f64 * scale) as i64 as usize).min(n - 1);
        buckets.clear();
        buckets.resize(2 * n, 0);
        let (starts, of) = buckets.split_at_mut(n);
        for (b, it) in of.iter_mut().zip(v) {
            *b = bucket(it.t) as u32;
            starts[*b as usize] += 1;
        }
        let mut sum = 0;
        for s in starts.iter_mut() {
            (*s, sum) = (sum, sum + *s);
        }
        for (&b, it) in of.iter().zip(v) {
            out[starts[b as usize] as usize] = *it;
            starts[b as usize] += 1;
        }
    }
    let key = |it: &Item| (it.t, it.pos);
    for i in 1..n {
        let x = out[i];
        let mut j = i;
        while j > 0 && key(&out[j - 1]) > key(&x) {
            out[j] = out[j - 1];
            j -= 1;
        }
        out[j] = x;
    }
}

/// Run `net` (fresh from [`Network::new`]) to the horizon along `plan`; close the taps.
pub fn run(net: &mut Network, plan: &Plan) -> Result<StreamStats, Ambiguous> {
    let sources = make_sources(net);
    let (nl, nn, net_stages) = (net.links.len(), net.nodes.len(), net.stages.len());
    let horizon = net.horizon;
    let reorders = net.links.iter().map(super::Link::may_reorder).collect();
    let mut run = Run {
        net,
        sources,
        hist: Vec::with_capacity(1024),
        inbox: vec![Vec::new(); nl],
        reorders,
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
        scratch: Scratch::default(),
    };
    let target = WINDOW_ITEMS.max(WINDOW_PER_ELEMENT * (nn + nl) as f64);
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

/// Shift `parent` (a real event time) in front of `h`. Built as a new array rather than
/// shifted in place: that compiles to a few register moves where `copy_within` called memmove.
#[inline]
fn push_parent(h: &mut [u64; DEPTH], parent: SimTime) {
    let old = *h;
    *h = std::array::from_fn(|i| if i == 0 { parent + REAL } else { old[i - 1] });
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

/// The engine's order of simultaneous events, as a node's merges need it.
struct Tie<'a> {
    hist: &'a [[u64; DEPTH]],
    ties: &'a mut u64,
    ambiguous: &'a mut bool,
}

impl Tie<'_> {
    #[inline]
    fn order(&mut self, x: &Item, y: &Item) -> Ordering {
        order(x, y, self.hist, self.ties, self.ambiguous)
    }

    /// Whether the engine handles `x` strictly before `y`.
    #[inline]
    fn before(&mut self, x: &Item, y: &Item) -> bool {
        if x.t != y.t {
            return x.t < y.t;
        }
        self.order(x, y) == Ordering::Less
    }
}

/// Merge `runs` into `out` (empty) in the engine's order. The merge is stable (equal items,
/// which only an undecided tie gives, keep the runs' order), so it gives what a stable sort of
/// the concatenated runs would. A single run is moved, not copied: `runs` is left empty.
#[inline(never)]
fn merge(runs: &mut Runs, out: &mut Vec<Item>, tie: &mut Tie, heap: &mut Vec<(usize, usize)>) {
    let items = &runs.items;
    match *runs.ends.as_slice() {
        [] => {}
        [_] => {
            std::mem::swap(&mut runs.items, out);
            runs.ends.clear();
        }
        [a, _] => merge2(&items[..a], &items[a..], out, tie),
        _ if runs.ends.len() <= MERGE_SCAN => merge_scan(runs, out, tie),
        _ => merge_heap(runs, out, tie, heap),
    }
}

/// Runs up to which a merge finds the first head by a scan rather than a heap: for a few runs
/// (a mix fed by a few links) the scan's compares cost less than the heap's sifts.
const MERGE_SCAN: usize = 4;

/// The merge of a few runs: the first of their heads, by a scan. Exhausted runs leave the scan
/// in order, and a head replaces the first only if strictly before it, so the merge is stable.
fn merge_scan(runs: &Runs, out: &mut Vec<Item>, tie: &mut Tie) {
    let items = &runs.items;
    let mut cur = [(0, 0); MERGE_SCAN];
    let mut start = 0;
    for (c, &end) in cur.iter_mut().zip(&runs.ends) {
        *c = (start, end);
        start = end;
    }
    let mut live = runs.ends.len();
    out.reserve(items.len());
    while live > 1 {
        let mut first = 0;
        for r in 1..live {
            if tie.before(&items[cur[r].0], &items[cur[first].0]) {
                first = r;
            }
        }
        out.push(items[cur[first].0]);
        cur[first].0 += 1;
        if cur[first].0 == cur[first].1 {
            cur.copy_within(first + 1..live, first);
            live -= 1;
        }
    }
    out.extend_from_slice(&items[cur[0].0..cur[0].1]);
}

/// The merge of two runs, the common case (two flows at a sender, two links into a node).
fn merge2(a: &[Item], b: &[Item], out: &mut Vec<Item>, tie: &mut Tie) {
    out.reserve(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if tie.before(&b[j], &a[i]) {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

/// The merge of three or more runs: a binary heap of run cursors (next, end). Runs are stored
/// in order, so comparing two cursors' `next` compares their runs' places.
fn merge_heap(runs: &Runs, out: &mut Vec<Item>, tie: &mut Tie, heap: &mut Vec<(usize, usize)>) {
    let items = &runs.items;
    heap.clear();
    let mut start = 0;
    for &end in &runs.ends {
        heap.push((start, end));
        start = end;
    }
    let mut less = |a: (usize, usize), b: (usize, usize)| match tie.order(&items[a.0], &items[b.0])
    {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => a.0 < b.0,
    };
    for i in (0..heap.len() / 2).rev() {
        sift_down(heap, i, &mut less);
    }
    out.reserve(items.len());
    while let Some(&(next, end)) = heap.first() {
        out.push(items[next]);
        if next + 1 < end {
            heap[0].0 = next + 1;
        } else {
            heap.swap_remove(0);
        }
        sift_down(heap, 0, &mut less);
    }
}

/// Move cursor `i` down the heap to its place.
#[inline]
fn sift_down(
    heap: &mut [(usize, usize)],
    mut i: usize,
    less: &mut impl FnMut((usize, usize), (usize, usize)) -> bool,
) {
    loop {
        let l = 2 * i + 1;
        if l >= heap.len() {
            return;
        }
        let c = if l + 1 < heap.len() && less(heap[l + 1], heap[l]) {
            l + 1
        } else {
            l
        };
        if !less(heap[c], heap[i]) {
            return;
        }
        heap.swap(i, c);
        i = c;
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
    /// Handle every event of `node` before `hi`: merge the streams reaching it (its flows'
    /// emissions, its in-links' arrivals) in the engine's order, let a mix hold its arrivals,
    /// and forward what leaves, in the engine's order too.
    fn node(&mut self, plan: &Plan, node: usize, hi: SimTime) {
        let is_mix = matches!(self.net.nodes[node], NodeState::Mix { .. });
        let flows = &plan.sources[node];
        if !is_mix && plan.in_links[node].is_empty() && !plan.staged[node] && flows.len() <= 8 {
            return self.send(flows, hi);
        }
        let mut s = std::mem::take(&mut self.scratch);
        s.out_runs.clear();
        s.in_runs.clear();
        for &f in &plan.sources[node] {
            self.emit(f as usize, hi, &mut s.out_runs.items);
            s.out_runs.close();
        }
        // A host forwards its arrivals as they come: they are streams of what it forwards. A
        // mix takes them in first.
        let arrivals = if is_mix {
            &mut s.in_runs
        } else {
            &mut s.out_runs
        };
        let before = arrivals.items.len();
        for &l in &plan.in_links[node] {
            self.take_arrivals(l, hi, arrivals);
        }
        self.events += (arrivals.items.len() - before) as u64;
        if is_mix {
            s.arr.clear();
            self.merge(&mut s.in_runs, &mut s.arr, &mut s.heap);
            self.mix(node, hi, &mut s);
        }
        s.fwd.clear();
        self.merge(&mut s.out_runs, &mut s.fwd, &mut s.heap);
        if plan.staged[node] {
            self.stages(node, hi, &mut s.fwd);
        }
        if !self.ambiguous {
            self.forward_all(&s.fwd);
        }
        self.scratch = s;
    }

    // The loops over a window's items are functions of their own (`inline(never)`), called once
    // per node and window: each gets its own inlining budget, so the per-packet calls inside
    // (the link, the mix, the latency counts) are inlined into the loop.

    /// Forward `items` in order.
    #[inline(never)]
    fn forward_all(&mut self, items: &[Item]) {
        for it in items {
            self.forward(it);
        }
    }

    fn merge(&mut self, runs: &mut Runs, out: &mut Vec<Item>, heap: &mut Vec<(usize, usize)>) {
        let mut tie = Tie {
            hist: &self.hist,
            ties: &mut self.ties,
            ambiguous: &mut self.ambiguous,
        };
        merge(runs, out, &mut tie, heap);
    }

    /// Move link `l`'s arrivals before `hi` to `runs` as one run, in stream order (time, then
    /// the order they were offered in).
    fn take_arrivals(&mut self, l: usize, hi: SimTime, runs: &mut Runs) {
        let inbox = &mut self.inbox[l];
        if self.reorders[l] {
            let start = runs.items.len();
            runs.items.extend(inbox.iter().filter(|it| it.t < hi));
            inbox.retain(|it| it.t >= hi);
            runs.items[start..].sort_unstable_by_key(|it| (it.t, it.pos));
        } else {
            let n = inbox.partition_point(|it| it.t < hi);
            runs.items.extend_from_slice(&inbox[..n]);
            inbox.drain(..n);
        }
        runs.close();
    }

    /// Sort items of several streams into the engine's order (a placed stage's releases join
    /// what else leaves its node; a stage may reorder its flow, so these are no sorted runs).
    fn sort(&mut self, items: &mut [Item]) {
        let (hist, ties, amb) = (&self.hist, &mut self.ties, &mut self.ambiguous);
        items.sort_by(|x, y| order(x, y, hist, ties, amb));
    }

    /// Emissions of source `s` before `hi`, as the engine's emit (or replay) events make them.
    #[inline(never)]
    fn emit(&mut self, s: usize, hi: SimTime, out: &mut Vec<Item>) {
        while self.sources[s].next.is_some_and(|t| t < hi) {
            let it = self.emit_next(s);
            out.push(it);
        }
    }

    /// A sender (a host with flows and nothing arriving) forwards its flows' emissions before
    /// `hi` as it makes them, picking the flow whose emission the engine handles first: no
    /// buffers, no merge. For a few flows (a scan of their next times per packet).
    #[inline(never)]
    fn send(&mut self, flows: &[u32], hi: SimTime) {
        loop {
            let mut first: Option<usize> = None;
            for &s in flows {
                let s = s as usize;
                if self.sources[s].next.is_none_or(|t| t >= hi) {
                    continue;
                }
                first = match first {
                    Some(f) if !self.emits_before(s, f) => Some(f),
                    _ => Some(s),
                };
            }
            let Some(s) = first else {
                return;
            };
            let it = self.emit_next(s);
            self.forward(&it);
            if self.ambiguous {
                return;
            }
        }
    }

    /// Whether the engine handles source `a`'s next emission before source `b`'s (both due).
    #[inline]
    fn emits_before(&mut self, a: usize, b: usize) -> bool {
        let (x, y) = (&self.sources[a], &self.sources[b]);
        if x.next != y.next {
            return x.next < y.next;
        }
        self.ties += 1;
        ancestors(&x.hist, &y.hist, &mut self.ambiguous) == Ordering::Less
    }

    /// Source `s`'s next emission (which must be due), as the engine's emit (or replay) event
    /// makes it; draws the one after.
    #[inline(always)]
    fn emit_next(&mut self, s: usize) -> Item {
        let horizon = self.net.horizon;
        let src = &mut self.sources[s];
        let now = src.next.expect("a due emission");
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
        push_parent(&mut src.hist, now);
        Item {
            t: now,
            pos: pkt.seq,
            id,
            src: SRC_FLOW + flow as u32,
        }
    }

    /// The mix at `node` holds the arrivals `s.arr` (in the engine's order); what it releases
    /// before `hi` goes to `s.out_runs` as streams: packets leaving within their arrival's
    /// event, flushed packets, and the releases of held packets in the engine's order.
    #[inline(never)]
    fn mix(&mut self, node: usize, hi: SimTime, s: &mut Scratch) {
        let mut out = std::mem::take(&mut self.releases);
        s.zero_hold.clear();
        s.flushed.clear();
        for it in &s.arr {
            // Timer events the engine handles before this arrival.
            while let Some(k) = self.due_timer(node, it.t, Some(it.id)) {
                self.timer(node, k, &mut out, &mut s.flushed);
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
                        s.zero_hold.push(Item {
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
                    self.flushed(node, it.t, h, &mut out, &mut s.flushed);
                }
            }
        }
        while let Some(k) = self.due_timer(node, hi, None) {
            self.timer(node, k, &mut out, &mut s.flushed);
        }
        self.releases = out;
        s.out_runs.push_run(&s.zero_hold);
        s.out_runs.push_run(&s.flushed);
        // Releases in the engine's order: time, then arrival order (the order their events
        // were scheduled in).
        let pending = &mut self.pending[node];
        sort_releases(pending, &mut s.sorted, &mut s.buckets);
        let due = s.sorted.partition_point(|it| it.t < hi);
        self.events += due as u64;
        s.out_runs.push_run(&s.sorted[..due]);
        pending.clear();
        pending.extend_from_slice(&s.sorted[due..]);
    }

    /// The next of the mix's timer events that the engine handles before an event at `t` of
    /// packet `id` (`None`: any event at `t` or later), as an index into its timers.
    fn due_timer(&mut self, node: usize, t: SimTime, id: Option<u32>) -> Option<usize> {
        let timers = &self.timers[node];
        let k = (0..timers.len()).min_by_key(|&k| timers[k].0)?;
        let (at, th) = &timers[k];
        match (*at).cmp(&t) {
            Ordering::Less => Some(k),
            Ordering::Greater => None,
            Ordering::Equal => {
                let h = &self.hist[id? as usize];
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
    #[inline(always)]
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

    /// The k-way merge (one run moved, two merged, a scan for a few, the heap for more) gives
    /// what a stable sort of the concatenated runs by the engine's order gives, ties between
    /// runs included: items at equal times whose ancestors differ only a few levels down.
    #[test]
    fn merge_orders_runs_as_a_stable_sort() {
        let mut rand = xorshift(0x9e37_79b9_7f4a_7c15);
        for (k, len, spread) in [
            (2, 50, 5),
            (2, 400, 1000),
            (3, 200, 3),
            (4, 100, 10),
            (5, 100, 20),
            (17, 30, 2),
            (1, 50, 5),
        ] {
            let mut runs = Runs::default();
            let mut hist = Vec::new();
            for r in 0..k {
                let mut t = 0;
                // Unique ancestors, equal for the first few levels across runs; within a run
                // they grow with the position, as the engine's scheduling order does.
                let deep = (rand() % 4) as usize;
                for pos in 0..len {
                    t += rand() % spread;
                    let id = hist.len() as u32;
                    let mut h = [UNKNOWN; DEPTH];
                    for (level, e) in h.iter_mut().enumerate().take(deep) {
                        *e = REAL + level as u64;
                    }
                    h[deep] = REAL + 100 + id as u64;
                    hist.push(h);
                    runs.items.push(Item {
                        t,
                        pos,
                        id,
                        src: SRC_LINK + r,
                    });
                }
                runs.close();
            }
            let (mut ties, mut ambiguous) = (0, false);
            let mut want = runs.items.clone();
            want.sort_by(|x, y| order(x, y, &hist, &mut ties, &mut ambiguous));
            assert!(!ambiguous && (k == 1 || ties > 0), "k {k}: ties exercised");
            let (mut ties, mut ambiguous) = (0, false);
            let mut tie = Tie {
                hist: &hist,
                ties: &mut ties,
                ambiguous: &mut ambiguous,
            };
            let mut got = Vec::new();
            merge(&mut runs, &mut got, &mut tie, &mut Vec::new());
            assert!(!ambiguous);
            let ids = |v: &[Item]| v.iter().map(|it| it.id).collect::<Vec<_>>();
            assert_eq!(ids(&got), ids(&want), "k {k}, len {len}, spread {spread}");
        }
    }

    /// The release sort gives the comparison sort's order: spread, clustered (one time for
    /// many items, as a flush would give) and far outliers, around the 64-item cut-over.
    #[test]
    fn releases_sort_like_a_comparison_sort() {
        let mut rand = xorshift(0x2545_f491_4f6c_dd1d);
        let (mut out, mut buckets) = (Vec::new(), Vec::new());
        for (n, spread) in [
            (10, 1000),
            (63, 50),
            (64, 1),
            (500, 1_000_000),
            (5000, 20),
            (3000, 0),
        ] {
            let v: Vec<Item> = (0..n)
                .map(|i| Item {
                    t: 1_000
                        + rand() % (spread + 1)
                        + rand().is_multiple_of(97) as u64 * (rand() >> 20),
                    pos: rand(),
                    id: i as u32,
                    src: SRC_RELEASE,
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable_by_key(|it| (it.t, it.pos));
            sort_releases(&v, &mut out, &mut buckets);
            let ids = |v: &[Item]| v.iter().map(|it| it.id).collect::<Vec<_>>();
            assert_eq!(ids(&out), ids(&want), "n {n}, spread {spread}");
        }
    }
}
