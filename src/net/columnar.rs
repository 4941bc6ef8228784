//! The columnar executor: a feed-forward network run element by element on columns of times.
//!
//! It runs the nodes of a network without feedback in topological order ([`Plan`]), window by
//! window, on the elements of the event engine ([`Link::offer`](super::Link::offer), the
//! [`Mix`](super::mix::Mix) calls, placed [`Stage`](super::Stage)s, the taps and latency
//! counts), offering them the same packets in the same order and drawing from the same
//! per-element random streams, so it gives the engine's bytes. Every stream of packets (a
//! flow's emissions, a link's arrivals, a mix's releases, a stage's releases) is a pair of
//! columns, times and packet slots (`columns.rs`):
//!
//! - a flow draws its emissions for the window in one loop from its own stream;
//! - a node merges the streams reaching it by time;
//! - a packet whose flow has a stage placed at the node is offered to it as it enters; a
//!   stage's releases are a stream of their own, ordered by time;
//! - a mix that holds each packet on its own (exponential, timed in arrival order) draws a hold
//!   for each arrival in arrival order, then orders its releases by time (a counting pass into
//!   buckets and an insertion pass);
//! - a batch mix (threshold, pools, binomial, threshold-or-timed, a timed mix shuffling its
//!   batches) is driven through the same
//!   calls as in the engine, its timer events included, interleaved with the arrivals in the
//!   engine's order; a flush leaves in the event that made it (an arrival or a timer);
//! - what a node forwards is split by out-link (a node whose routes all leave by one link
//!   hands that link its stream whole), and each link runs its FIFO recursion
//!   `d_i = max(a_i, d_{i-1}) + s_i` (with drop-tail, loss, jitter, padding and its tap) over
//!   its own column; packets on their last hop are delivered into the latency counts in the
//!   same loop, as their arrival is computed.
//!
//! # Ties
//!
//! The engine orders simultaneous events by insertion sequence, which depends on the history
//! of the events ([`ties`](super::ties)). Within one stream the order is the stream's own, so
//! only equal times in *different* streams need that history, and they are found where streams
//! merge. A run with [`Ties::Detect`] carries no history and stops at the first such tie
//! ([`Stop::Tie`]); the trial is then run again with [`Ties::Ancestry`], which carries each
//! packet's recent ancestor times and orders the ties as the engine does. Where even those do
//! not decide ([`Stop::Ambiguous`]), the caller runs the trial on the event engine. With times
//! in nanoseconds ties are rare (a few trials in a hundred on the reference scenarios);
//! lockstep traffic makes them systematic.
//!
//! Which order a mix's timer event and an arrival at the same time are handled in changes no
//! output (the mix performs due flushes first, whichever call comes), only which event the
//! flushed packets leave in; so without history either order serves, and with history the
//! engine's is taken.

use super::columns::{merge, sort_by_time, Column, Runs};
use super::link::LinkOutcome;
use super::mix::{Arrival, Release};
use super::network::{count_delivery, count_drop, store_packet, Network, NodeState, NO_STAGE};
use super::packet::Packet;
use super::plan::Plan;
use super::stage::StageOutcome;
use super::ties::{Ancestry, Event, NoHistory, Stop, DEPTH, SHORT};
use crate::engine::SimTime;

/// Events a window should hold, about: enough to amortise the visit of every node and link,
/// few enough that a window's columns stay in the cache.
const WINDOW_EVENTS: f64 = 4096.0;
const WINDOW_PER_ELEMENT: f64 = 2.0;

/// Whether a run carries the history that orders simultaneous events of different streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ties {
    /// Carry nothing; stop at the first tie ([`Stop::Tie`]).
    Detect,
    /// Carry a short history (each packet's parent and grandparent events) and order ties by
    /// it; stop at a tie it leaves open ([`Stop::Ambiguous`]).
    Short,
    /// Carry each packet's recent ancestors and order ties by them.
    Ancestry,
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Events the event engine would have processed for the same trial.
    pub events: u64,
    /// Simultaneous events of different streams ordered by their ancestors' times.
    pub ties: u64,
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
/// start draws it, and the place of each among the events the start schedules (replays first).
fn sources(net: &mut Network) -> (Vec<Source>, Vec<u64>) {
    let horizon = net.horizon;
    let replays = net.replays.len() as u64;
    let mut out = Vec::with_capacity(net.flows.len());
    let mut roots = Vec::with_capacity(net.flows.len());
    for (i, f) in net.flows.iter_mut().enumerate() {
        let replay = net.replays.iter().position(|r| r.flow as usize == i);
        let next = match replay {
            Some(r) => {
                roots.push(r as u64);
                Some(net.replays[r].start)
            }
            None => {
                roots.push(replays + i as u64);
                Some(f.start + f.process.next_gap(&mut f.rng))
            }
        };
        out.push(Source {
            flow: i as u32,
            next: next.filter(|&t| t < horizon),
            replay,
        });
    }
    (out, roots)
}

/// Buffers reused from node to node and window to window.
#[derive(Default)]
struct Scratch {
    /// The streams a node forwards, the streams arriving at a mix, and a merge's spare.
    out: Runs,
    arrivals: Runs,
    spare: Runs,
    /// A mix's packets released within their arrival's event, and its flushed packets.
    zero_hold: Column,
    flushed: Column,
    /// A mix's flush.
    releases: Vec<Release>,
    /// Releases in time order, and the sort's buckets.
    sorted: Column,
    buckets: Vec<u32>,
    /// What enters a node's stages.
    entering: Column,
    /// What a node forwards, split by out-link (indexes into `links`).
    by_link: Vec<Column>,
    links: Vec<usize>,
}

/// Per-trial state of the executor around the network.
struct Run<'a, const D: usize> {
    net: &'a mut Network,
    sources: Vec<Source>,
    /// Per link, arrivals at its far end not yet handled, in the order they were offered.
    inbox: Vec<Column>,
    /// Per link, whether those arrivals can be out of time order (jitter that does not keep
    /// order).
    reorders: Vec<bool>,
    /// Per mix node, releases not yet handled, in the order they were drawn.
    pending: Vec<Column>,
    /// Per mix node, its timer events in the engine's queue, with their ancestors.
    timers: Vec<Vec<(SimTime, Event<D>)>>,
    /// Per node, the placed stages acting there; per stage, releases not yet handled.
    staged: Vec<Vec<u32>>,
    stage_pending: Vec<Column>,
    /// Per link, its slot in `Scratch::by_link` while a node forwards, or `usize::MAX`.
    slot: Vec<usize>,
    /// The history that orders ties, when carried.
    anc: Option<Ancestry<D>>,
    events: u64,
    /// Taken out while a node runs (a box, so that taking it moves a pointer).
    s: Option<Box<Scratch>>,
    /// The release sort's buckets for links that reorder.
    buckets: Vec<u32>,
}

/// Run `net` (fresh from [`Network::new`]) to the horizon along `plan`; close the taps. A
/// [`Stop`] leaves `net` half run: the caller runs the trial anew, with [`Ties::Short`] after
/// a [`Stop::Tie`], with [`Ties::Ancestry`] after a [`Stop::Ambiguous`] of [`Ties::Short`],
/// and on the event engine after one of [`Ties::Ancestry`].
pub fn run(net: &mut Network, plan: &Plan, ties: Ties) -> Result<Stats, Stop> {
    match ties {
        Ties::Detect => run_with::<SHORT>(net, plan, false),
        Ties::Short => run_with::<SHORT>(net, plan, true),
        Ties::Ancestry => run_with::<DEPTH>(net, plan, true),
    }
}

/// [`run`], carrying `D` ancestors per packet if `history`, else none.
fn run_with<const D: usize>(net: &mut Network, plan: &Plan, history: bool) -> Result<Stats, Stop> {
    let (nl, nn) = (net.links.len(), net.nodes.len());
    let horizon = net.horizon;
    let (sources, roots) = sources(net);
    let mut staged = vec![Vec::new(); nn];
    for (k, st) in net.stages.iter().enumerate() {
        let f = &net.flows[st.flow as usize];
        if f.stage_hop != NO_STAGE {
            staged[f.route[f.stage_hop as usize]].push(k as u32);
        }
    }
    let mut run = Run::<D> {
        sources,
        inbox: vec![Column::default(); nl],
        reorders: net.links.iter().map(super::Link::may_reorder).collect(),
        pending: vec![Column::default(); nn],
        timers: vec![Vec::new(); nn],
        staged,
        stage_pending: vec![Column::default(); net.stages.len()],
        slot: vec![usize::MAX; nl],
        anc: history.then(|| Ancestry::new(roots.into_iter())),
        events: 0,
        s: Some(Box::default()),
        buckets: Vec::new(),
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
    Ok(Stats {
        events: run.events,
        ties: run.anc.as_ref().map_or(0, |a| a.ties),
    })
}

impl<const D: usize> Run<'_, D> {
    /// Handle every event of `node` before `hi`: merge the streams reaching it, let its stages
    /// and its mix hold what they take, and forward what leaves.
    fn node(&mut self, plan: &Plan, node: usize, hi: SimTime) -> Result<(), Stop> {
        let idle = plan.sources_at(node).is_empty()
            && plan.in_links_at(node).is_empty()
            && matches!(self.net.nodes[node], NodeState::Host);
        if idle {
            // A receiver: its packets are delivered as their last link computes them.
            return Ok(());
        }
        let mut s = self.s.take().expect("one node at a time");
        let result = self.node_with(plan, node, hi, &mut s);
        self.s = Some(s);
        result
    }

    fn node_with(
        &mut self,
        plan: &Plan,
        node: usize,
        hi: SimTime,
        s: &mut Scratch,
    ) -> Result<(), Stop> {
        let is_mix = matches!(self.net.nodes[node], NodeState::Mix { .. });
        s.out.clear();
        for &f in plan.sources_at(node) {
            self.emit(f as usize, hi, &mut s.out.col);
            s.out.close();
        }
        // A host forwards its arrivals as they come; a mix takes them in first.
        if !is_mix {
            self.take_arrivals(plan, node, hi, &mut s.out);
        }
        if !self.staged[node].is_empty() {
            self.stages(node, hi, s)?;
        }
        if is_mix {
            s.arrivals.clear();
            self.take_arrivals(plan, node, hi, &mut s.arrivals);
            self.merge(&mut s.arrivals, &mut s.spare)?;
            self.mix(node, hi, s)?;
        }
        self.merge(&mut s.out, &mut s.spare)?;
        match plan.out_link_at(node) {
            Some(l) => self.link(l, &s.out.col),
            None => self.forward(s),
        }
        Ok(())
    }

    /// Merge `runs` into one stream, in the engine's order.
    fn merge(&mut self, runs: &mut Runs, spare: &mut Runs) -> Result<(), Stop> {
        match &mut self.anc {
            None => merge(runs, spare, &mut NoHistory),
            Some(anc) => merge(runs, spare, anc),
        }
    }

    /// Emissions of source `f` before `hi`, as the engine's emit (or replay) events make them.
    /// Stored with [`Network::store`]: the plan refuses flows that draw a route per packet.
    #[inline(never)]
    fn emit(&mut self, f: usize, hi: SimTime, out: &mut Column) {
        let horizon = self.net.horizon;
        let start = out.len();
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
                out.push(now, self.net.store(Packet::new(flow, i as u64, size, now)));
            }
        } else if let Some(mut now) = src.next.filter(|&t| t < hi) {
            let flow = src.flow;
            // The flow and the packet store borrowed apart, once for the whole loop.
            let Network {
                flows,
                packets,
                free,
                counters,
                ..
            } = &mut *self.net;
            let fl = &mut flows[flow as usize];
            let cover = fl.cover;
            loop {
                let pkt = Packet::new(flow, fl.next_seq, fl.size, now);
                fl.next_seq += 1;
                let next = now + fl.process.next_gap(&mut fl.rng);
                counters.created += 1;
                out.push(now, store_packet(packets, free, counters, cover, pkt));
                if next >= hi || next >= horizon {
                    src.next = (next < horizon).then_some(next);
                    break;
                }
                now = next;
            }
        }
        self.events += (out.len() - start) as u64;
        if let Some(anc) = &mut self.anc {
            // Each emission's parent is the flow's previous one.
            for (&t, &id) in out.t[start..].iter().zip(&out.id[start..]) {
                anc.emitted(f, id, t);
            }
        }
    }

    /// Move the arrivals before `hi` of each link into `node` to `runs`, one stream per link,
    /// in time order (then the order they were offered in).
    fn take_arrivals(&mut self, plan: &Plan, node: usize, hi: SimTime, runs: &mut Runs) {
        let before = runs.col.len();
        for &l in plan.in_links_at(node) {
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
                sort_by_time(&due, &mut sorted, &mut self.buckets);
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
        self.events += (runs.col.len() - before) as u64;
    }

    /// Packets entering the stage placed on their flow at `node` (in `s.out`: emissions and
    /// arrivals at a host, as the engine's `enter`) are offered to it; those it holds leave as
    /// the stage's own stream, its releases before `hi` in time order (then offer order).
    fn stages(&mut self, node: usize, hi: SimTime, s: &mut Scratch) -> Result<(), Stop> {
        self.merge(&mut s.out, &mut s.spare)?;
        std::mem::swap(&mut s.entering, &mut s.out.col);
        s.out.clear();
        let net = &mut *self.net;
        for (&t, &id) in s.entering.t.iter().zip(&s.entering.id) {
            let p = net.packets[id as usize];
            let f = &net.flows[p.flow as usize];
            if f.stage_hop != p.hop as u32 {
                s.out.col.push(t, id);
                continue;
            }
            let k = f.stage as usize;
            let st = &mut net.stages[k];
            match st.stage.offer(t, &p, &mut st.rng) {
                StageOutcome::Release(at) => {
                    st.held.record(at - t).expect("auto-resizing histogram");
                    if at == t {
                        s.out.col.push(t, id);
                    } else {
                        if let Some(anc) = &mut self.anc {
                            anc.push(id, t);
                        }
                        self.stage_pending[k].push(at, id);
                    }
                }
                StageOutcome::Drop(reason) => net.drop_packet(id, reason),
            }
        }
        s.out.close();
        for i in 0..self.staged[node].len() {
            let k = self.staged[node][i] as usize;
            self.events += s.take_due(&mut self.stage_pending[k], hi) as u64;
        }
        Ok(())
    }

    /// The mix at `node` takes its arrivals (`s.arrivals`, merged); what it releases before
    /// `hi` joins `s.out` as streams: packets released within their arrival's event, flushed
    /// packets, and the releases of packets held on their own in time order.
    fn mix(&mut self, node: usize, hi: SimTime, s: &mut Scratch) -> Result<(), Stop> {
        s.zero_hold.clear();
        s.flushed.clear();
        let NodeState::Mix { mix, .. } = &self.net.nodes[node] else {
            unreachable!("called for mixes")
        };
        if mix.is_per_packet() {
            self.hold_each(node, s);
        } else {
            self.batches(node, hi, s)?;
        }
        for c in [&s.zero_hold, &s.flushed] {
            s.out.col.t.extend_from_slice(&c.t);
            s.out.col.id.extend_from_slice(&c.id);
            s.out.close();
        }
        self.events += s.take_due(&mut self.pending[node], hi) as u64;
        Ok(())
    }

    /// A mix holding each packet on its own: each arrival gets its release time, in arrival
    /// order.
    #[inline(never)]
    fn hold_each(&mut self, node: usize, s: &mut Scratch) {
        let NodeState::Mix { mix, .. } = &mut self.net.nodes[node] else {
            unreachable!("called for mixes")
        };
        let pending = &mut self.pending[node];
        let mut none = Vec::new();
        let arr = &s.arrivals.col;
        for (&t, &id) in arr.t.iter().zip(&arr.id) {
            let Arrival::Release(at) = mix.arrive(t, id, &mut none) else {
                unreachable!("per-packet mixes answer with a release")
            };
            let p = &mut self.net.packets[id as usize];
            held_alone(p, &mut self.anc, (t, id, at), &mut s.zero_hold, pending);
        }
    }

    /// A batch mix: the arrivals and the timer events due before `hi`, in the engine's order,
    /// through the engine's calls; flushes go to `s.flushed`.
    fn batches(&mut self, node: usize, hi: SimTime, s: &mut Scratch) -> Result<(), Stop> {
        let mut out = std::mem::take(&mut s.releases);
        for k in 0..s.arrivals.col.len() {
            let (t, id) = (s.arrivals.col.t[k], s.arrivals.col.id[k]);
            while let Some(i) = self.due_timer(node, t, Some(id))? {
                self.timer(node, i, &mut out, &mut s.flushed);
            }
            let NodeState::Mix { mix, .. } = &mut self.net.nodes[node] else {
                unreachable!("called for mixes")
            };
            match mix.arrive(t, id, &mut out) {
                Arrival::Release(at) => {
                    let p = &mut self.net.packets[id as usize];
                    let pending = &mut self.pending[node];
                    held_alone(p, &mut self.anc, (t, id, at), &mut s.zero_hold, pending);
                }
                Arrival::Held => {
                    // A flush within the arrival's event: the released packets leave in it.
                    let ev = self.anc.as_ref().map_or(Event::NONE, |a| a.event(id));
                    self.flushed(node, t, ev, &mut out, &mut s.flushed);
                }
            }
        }
        while let Some(i) = self.due_timer(node, hi, None)? {
            self.timer(node, i, &mut out, &mut s.flushed);
        }
        s.releases = out;
        Ok(())
    }

    /// The next of the mix's timer events that the engine handles before an event at `t` of
    /// packet `id` (`None`: any event at `t` or later), as an index into its timers.
    fn due_timer(
        &mut self,
        node: usize,
        t: SimTime,
        id: Option<u32>,
    ) -> Result<Option<usize>, Stop> {
        let timers = &self.timers[node];
        let Some(k) = (0..timers.len()).min_by_key(|&k| timers[k].0) else {
            return Ok(None);
        };
        let (at, th) = &timers[k];
        Ok(match (at.cmp(&t), id, &mut self.anc) {
            (std::cmp::Ordering::Less, ..) => Some(k),
            (std::cmp::Ordering::Greater, ..) | (_, None, _) => None,
            // Either order gives the same outputs (see the module documentation).
            (_, Some(_), None) => Some(k),
            (_, Some(id), Some(anc)) => anc.before(th, id)?.then_some(k),
        })
    }

    /// Handle timer event `k` of the mix at `node`, as the engine's `MixTimer`: ignored unless
    /// it is the mix's live timer; else the due flush, whose packets leave in this event.
    fn timer(&mut self, node: usize, k: usize, out: &mut Vec<Release>, fwd: &mut Column) {
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

    /// The packets in `out`, released at `now` by event `ev`, leave in that event, in order;
    /// then the mix's timer is kept in the queue, as the engine's `after_mix`.
    fn flushed(
        &mut self,
        node: usize,
        now: SimTime,
        ev: Event<D>,
        out: &mut Vec<Release>,
        fwd: &mut Column,
    ) {
        let n = out.len() as u32;
        for (i, r) in out.drain(..).enumerate() {
            self.net.packets[r.handle as usize].mix_hold += r.hold;
            if let Some(anc) = &mut self.anc {
                anc.join(r.handle, &ev, i as u32);
            }
            fwd.push(now, r.handle);
        }
        let NodeState::Mix { mix, timer } = &mut self.net.nodes[node] else {
            unreachable!("called for mixes")
        };
        if let Some(t) = mix.next_timer() {
            if *timer != Some(t) {
                *timer = Some(t);
                let th = match &mut self.anc {
                    Some(anc) => anc.child(&ev, now, n),
                    None => Event::NONE,
                };
                self.timers[node].push((t, th));
            }
        }
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
        // The network's parts taken apart, so that the loop holds the link and its inbox
        // while it delivers (the same updates, in the same order, as `Network::deliver`).
        let Network {
            links,
            link_rngs,
            packets,
            flows,
            counters,
            recorder,
            free,
            warmup,
            horizon,
            landing_after_horizon,
            ..
        } = &mut *self.net;
        let (link, rng, inbox) = (&mut links[l], &mut link_rngs[l], &mut self.inbox[l]);
        for (&t, &id) in col.t.iter().zip(&col.id) {
            let p = &mut packets[id as usize];
            match link.offer(t, p, rng) {
                LinkOutcome::Arrives(at) => {
                    p.hop += 1;
                    if p.hop as usize + 1 == flows[p.flow as usize].route.len() {
                        if at < *horizon {
                            count_delivery(counters, recorder, *warmup, at, p);
                        } else {
                            *landing_after_horizon += 1;
                        }
                        free.push(id);
                    } else {
                        if let Some(anc) = &mut self.anc {
                            anc.push(id, t);
                        }
                        inbox.push(at, id);
                    }
                }
                LinkOutcome::Dropped(reason) => {
                    count_drop(counters, p, reason);
                    free.push(id);
                }
            }
        }
    }
}

/// Packet `id` (`p`), arrived at a mix at `t`, leaves it alone at `at`: within its arrival's
/// event (`zero_hold`), or by a release event of its own (`pending`).
#[inline(always)]
fn held_alone<const D: usize>(
    p: &mut Packet,
    anc: &mut Option<Ancestry<D>>,
    (t, id, at): (SimTime, u32, SimTime),
    zero_hold: &mut Column,
    pending: &mut Column,
) {
    p.mix_hold += at - t;
    if at == t {
        zero_hold.push(t, id);
    } else {
        if let Some(anc) = anc {
            anc.push(id, t);
        }
        pending.push(at, id);
    }
}

impl Scratch {
    /// Sort `pending` (releases in the order they were drawn) stably by time, move those
    /// before `hi` to `self.out` as one stream and keep the rest; returns how many moved.
    fn take_due(&mut self, pending: &mut Column, hi: SimTime) -> usize {
        let sorted = &mut self.sorted;
        sort_by_time(pending, sorted, &mut self.buckets);
        let due = sorted.t.partition_point(|&t| t < hi);
        self.out.col.t.extend_from_slice(&sorted.t[..due]);
        self.out.col.id.extend_from_slice(&sorted.id[..due]);
        self.out.close();
        pending.clear();
        pending.t.extend_from_slice(&sorted.t[due..]);
        pending.id.extend_from_slice(&sorted.id[due..]);
        due
    }
}
