//! The event executor: the nodes, links and flows of a [`Topology`] wired onto the event engine.
//!
//! Three kinds of event drive it: a sender emitting its next packet, a packet arriving at a node,
//! and a mix releasing a packet it held. Links never need events of their own (see
//! [`super::link`]), and a plain receiver is a sink that needs none either, so a packet through
//! one mix costs three events: emit, arrive at the mix, release.
//!
//! TCP flows are closed loops and add three events: a connection's start, its retransmission
//! timer and its delayed-ACK timer. Their state lives apart from the open-loop flows' (a
//! `Vec` of connections that a flow points into), so the Poisson path does not carry it. A TCP
//! flow's receiver is not a sink: its data segments get an `Arrive` event at the receiver, which
//! answers with an ACK at that time. ACKs are packets of an internal flow of their own (flow ids
//! from the number of topology flows up, one per TCP flow, in flow order), routed along the
//! flow's `ack_route`: they cross links, queues, mixes and taps like any packet, and arrive at
//! the sender as events.

use super::link::{Link, LinkOutcome, LinkStats};
use super::mix::{Arrival, Mix, Release};
use super::packet::{CoverKind, DropReason, Packet};
use super::routes::RouteTable;
use super::stage::{Stage, StageOutcome};
use super::tap::{Tap, TapBuffers, TapConfig};
use super::topology::{NodeKind, Topology};
use crate::engine::{stream, Engine, EventQueue, ReplaceTopQueue, SimRng, SimTime};
use crate::traffic::tcp::{LazyTimer, Receiver, Sender, TcpStats};
use crate::traffic::{ArrivalProcess, Traffic};
use hdrhistogram::Histogram;
use std::collections::VecDeque;
use std::mem::take;
use std::sync::Arc;

pub use super::latency::Latency;
use super::latency::LatencyRecorder;

impl Topology {
    /// Build trial `trial` under `seed` on the event executor.
    pub fn network(&self, seed: u64, trial: u64, taps: TapSetup) -> Network {
        Network::new(self, seed, trial, taps)
    }

    /// Run trial `trial` under `seed` on the event executor to the end; also returns the
    /// number of events.
    pub fn run(&self, seed: u64, trial: u64, taps: TapSetup) -> (Network, u64) {
        Network::run(self, seed, trial, taps)
    }
}

/// The kinds of element that draw random numbers. Each kind owns the element ids
/// `base .. base + 2^20` of the trial's streams, so element i of one kind never shares a stream
/// with element j of another (while each kind has fewer than 2^20 elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Component {
    /// A mix node's strategy (node i).
    Node,
    /// A link's loss, jitter and outage draws (link i).
    Link,
    /// A flow's arrival process (flow i, TCP ACK flows after the topology's flows).
    Flow,
    /// A placed stage (watermarker i).
    Stage,
    /// A padded link's slot clock (link i).
    Padding,
    /// A flow's per-message route draws (flow i).
    Route,
}

impl Component {
    /// Width of each kind's id range.
    const SPAN: u64 = 1 << 20;

    /// First element id of this kind. Node, link, flow and stage keep the ids they always had
    /// (so their streams, and every scenario without padding, are unchanged).
    const fn base(self) -> u64 {
        match self {
            Component::Node => 0,
            Component::Link => Self::SPAN,
            Component::Flow => 2 * Self::SPAN,
            Component::Stage => 3 * Self::SPAN,
            Component::Padding => 4 * Self::SPAN,
            Component::Route => 5 * Self::SPAN,
        }
    }

    /// The stream of element `index` of this kind in trial `trial` under `seed`.
    fn stream(self, seed: u64, trial: u64, index: usize) -> SimRng {
        stream(seed, trial, self.base() + index as u64)
    }
}

/// `FlowState::stage_hop` of a flow without a placed stage.
pub(super) const NO_STAGE: u32 = u32::MAX;

/// A network event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetEvent {
    /// Flow `flow`'s sender emits its next packet.
    Emit { flow: u32 },
    /// Packet `pkt` arrives at the node `pkt.hop` of its route.
    Arrive { pkt: u32 },
    /// A mix releases packet `pkt` onto the next link of its route.
    Release { pkt: u32 },
    /// TCP connection `conn` opens (established, no handshake) and sends its initial window.
    TcpStart { conn: u32 },
    /// The retransmission timer of TCP connection `conn`; ignored unless it is the timer's live
    /// event (see [`crate::traffic::tcp::timer`]).
    Rto { conn: u32 },
    /// The delayed-ACK timer of TCP connection `conn`; ignored unless it is the live event.
    DelayedAck { conn: u32 },
    /// Replayed trace `replay` emits its next packet.
    Replay { replay: u32 },
    /// The timed flush of the mix at node `node` (ignored unless it is the mix's live timer).
    MixTimer { node: u32 },
}

// Events are copied through the heap: keep them one word.
const _: () = assert!(std::mem::size_of::<NetEvent>() == 8);

/// `FlowState::tcp` of an open-loop flow.
pub(super) const NO_TCP: u32 = u32::MAX;

/// A flow replaying a trace.
pub(super) struct ReplayState {
    pub(super) flow: u32,
    pub(super) data: std::sync::Arc<crate::traffic::replay::TraceData>,
    /// Index of the next packet.
    pub(super) next: usize,
    pub(super) start: SimTime,
    pub(super) size: u32,
}

/// One TCP connection: both ends, their timers, and the flows carrying its packets.
pub struct TcpConn {
    /// The flow carrying data segments.
    pub data_flow: u32,
    /// The internal flow carrying ACKs along the ACK route.
    pub ack_flow: u32,
    pub sender: Sender,
    pub receiver: Receiver,
    rto: LazyTimer,
    delack: LazyTimer,
    data_size: u32,
    ack_size: u32,
    mss: u32,
    /// Segments whose first transmission is lost (debug hook), sorted descending.
    forced_drops: Vec<u64>,
}

/// Packet accounting for the conservation invariant: every created packet is delivered (it
/// reached the last node of its route), dropped, or still in flight when the trial ends.
///
/// The totals count every packet, sender-cover dummies included; `cover_drop` and `cover_loop`
/// count the dummies among them, so that the identity holds for each kind apart (real packets
/// are the totals minus both). A drop dummy is "delivered" when it is absorbed at its drop
/// hop, a loop dummy when it is back at its sender.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacketCounters {
    pub created: u64,
    pub delivered: u64,
    pub dropped_buffer: u64,
    pub dropped_loss: u64,
    #[serde(default, skip_serializing_if = "CoverCounters::is_empty")]
    pub cover_drop: CoverCounters,
    #[serde(default, skip_serializing_if = "CoverCounters::is_empty")]
    pub cover_loop: CoverCounters,
}

/// The packets of one kind of sender cover (see [`PacketCounters`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CoverCounters {
    pub created: u64,
    pub delivered: u64,
    pub dropped: u64,
}

impl CoverCounters {
    pub fn is_empty(&self) -> bool {
        *self == CoverCounters::default()
    }
    /// Created but neither delivered nor dropped.
    pub fn in_flight(&self) -> u64 {
        self.created - self.delivered - self.dropped
    }
    pub fn add(&mut self, o: &CoverCounters) {
        self.created += o.created;
        self.delivered += o.delivered;
        self.dropped += o.dropped;
    }
}

impl PacketCounters {
    pub fn dropped(&self) -> u64 {
        self.dropped_buffer + self.dropped_loss
    }
    /// Created but neither delivered nor dropped.
    pub fn in_flight(&self) -> u64 {
        self.created - self.delivered - self.dropped()
    }
    pub fn add(&mut self, o: &PacketCounters) {
        self.created += o.created;
        self.delivered += o.delivered;
        self.dropped_buffer += o.dropped_buffer;
        self.dropped_loss += o.dropped_loss;
        self.cover_drop.add(&o.cover_drop);
        self.cover_loop.add(&o.cover_loop);
    }
    /// The counters of one kind of cover.
    pub fn cover(&self, kind: CoverKind) -> &CoverCounters {
        match kind {
            CoverKind::Drop => &self.cover_drop,
            CoverKind::Loop => &self.cover_loop,
        }
    }
    fn cover_mut(&mut self, kind: CoverKind) -> &mut CoverCounters {
        match kind {
            CoverKind::Drop => &mut self.cover_drop,
            CoverKind::Loop => &mut self.cover_loop,
        }
    }
    /// The real packets: the totals without the cover dummies.
    pub fn real(&self) -> CoverCounters {
        let (d, l) = (&self.cover_drop, &self.cover_loop);
        CoverCounters {
            created: self.created - d.created - l.created,
            delivered: self.delivered - d.delivered - l.delivered,
            dropped: self.dropped() - d.dropped - l.dropped,
        }
    }
}

pub(super) enum NodeState {
    Host,
    /// A mix, and the time of its timer event in the queue, if one is.
    Mix {
        mix: Mix,
        timer: Option<SimTime>,
    },
}

pub(super) struct FlowState {
    pub(super) route: Vec<usize>,
    pub(super) links: Vec<usize>,
    pub(super) process: ArrivalProcess,
    pub(super) rng: SimRng,
    pub(super) size: u32,
    pub(super) next_seq: u64,
    /// When the flow starts (its first gap is drawn from here).
    pub(super) start: SimTime,
    /// The receiver is a plain sink: a packet is delivered as its last link computes its
    /// arrival, with no event (nothing at the receiver depends on when it is processed).
    pub(super) inline_delivery: bool,
    /// The route position (node) where a placed stage holds this flow's packets, or
    /// `NO_STAGE`; the stage is `stages[stage]`.
    pub(super) stage_hop: u32,
    pub(super) stage: u32,
    /// Sender cover: the kind its packets are marked with as they are stored.
    pub(super) cover: Option<CoverKind>,
    /// Per-message routes: the table and the stream each packet's route is drawn from.
    pub(super) per_message: Option<Box<(Arc<RouteTable>, SimRng)>>,
    /// Payload slots (Loopix's lambda_P), on the real flow or on its slot stream.
    pub(super) payload: Payload,
}

/// A flow's part in payload slots.
pub(super) enum Payload {
    /// Neither.
    None,
    /// A real flow whose messages wait here (ids in the packet store, oldest first) for the
    /// slots of its payload stream.
    Waiting(VecDeque<u32>),
    /// A payload stream: each emission is a slot for the oldest message of flow `of`.
    Slots { of: u32 },
}

impl FlowState {
    /// The link a packet on route `route` takes out of position `hop`. Route 0 is the flow's
    /// own `links` (a fixed route's packets all carry 0, and a per-message table's route 0 is
    /// the one the topology stores), so only other routes read the table, out of line.
    #[inline(always)]
    pub(super) fn link_at(&self, route: u16, hop: usize) -> usize {
        if route == 0 {
            self.links[hop]
        } else {
            self.table_link(route, hop)
        }
    }

    /// The node at position `hop` of route `route` (route 0 read as in [`FlowState::link_at`]).
    #[inline(always)]
    pub(super) fn node_at(&self, route: u16, hop: usize) -> usize {
        if route == 0 {
            self.route[hop]
        } else {
            self.table_node(route, hop)
        }
    }

    #[cold]
    #[inline(never)]
    fn table_link(&self, route: u16, hop: usize) -> usize {
        let pm = self.per_message.as_ref().expect("route > 0: per-message");
        pm.0.links(route as usize)[hop]
    }

    #[cold]
    #[inline(never)]
    fn table_node(&self, route: u16, hop: usize) -> usize {
        let pm = self.per_message.as_ref().expect("route > 0: per-message");
        pm.0.nodes(route as usize)[hop]
    }

    /// Whether the flow draws a route per packet.
    pub(super) fn has_per_message_routes(&self) -> bool {
        self.per_message.is_some()
    }

    /// Whether the flow is a payload stream or waits for one.
    pub(super) fn has_payload_slots(&self) -> bool {
        !matches!(self.payload, Payload::None)
    }
    /// Whether the flow's packets leave as plain emissions: no route drawn per packet and
    /// no payload slots (the emit paths' fast case).
    #[inline(always)]
    pub(super) fn is_plain(&self) -> bool {
        self.per_message.is_none() && matches!(self.payload, Payload::None)
    }
}

/// A stage placed on one flow at one node of its route (a watermarker): it holds that flow's
/// packets at the node before they go on to the next link.
pub struct PlacedStage {
    /// The flow it acts on.
    pub flow: u32,
    pub(super) stage: Box<dyn Stage + Send>,
    pub(super) rng: SimRng,
    /// Time each packet was held (ns).
    pub held: Histogram<u64>,
}

/// How the taps of a trial are set up.
#[derive(Debug, Clone)]
pub struct TapSetup {
    pub interval: SimTime,
    pub bins: usize,
    /// Keep full traces at the watched points (memory grows with packets).
    pub trace: bool,
    /// Per link, the points its tap watches ([`crate::net::tap::TapPoint`] order). Watching only
    /// what the attack reads keeps the per-packet cost down.
    pub points: Vec<[bool; 3]>,
}

impl TapSetup {
    /// Count packets per `interval` at every point of every link, from the warm-up to the end
    /// of the trial; keep no traces.
    pub fn counts(topology: &Topology, interval: SimTime) -> TapSetup {
        let span = topology.duration.saturating_sub(topology.warmup);
        TapSetup {
            interval,
            bins: span.div_ceil(interval.max(1)) as usize,
            trace: false,
            points: vec![[true; 3]; topology.links.len()],
        }
    }
}

/// One trial's network.
pub struct Network {
    pub(super) nodes: Vec<NodeState>,
    pub links: Vec<Link>,
    pub(super) link_rngs: Vec<SimRng>,
    pub(super) flows: Vec<FlowState>,
    /// TCP connections, in flow order.
    pub tcp: Vec<TcpConn>,
    /// Per flow, the TCP connection it carries data or ACKs of, or `NO_TCP`. Kept out of
    /// `FlowState` so that the open-loop path does not carry it.
    pub(super) flow_tcp: Vec<u32>,
    pub(super) replays: Vec<ReplayState>,
    /// Stages placed on flows, in placement order.
    pub stages: Vec<PlacedStage>,
    pub(super) packets: Vec<Packet>,
    pub(super) free: Vec<u32>,
    /// Scratch: releases of a mix flush.
    releases: Vec<Release>,
    pub counters: PacketCounters,
    /// Latency of the delivered packets of every flow, filled as the trial ends.
    pub latency: Latency,
    /// Per class of flows ([`Network::set_latency_classes`]), the latency of its flows' packets,
    /// filled as the trial ends; empty unless classes were set.
    pub latency_by_class: Vec<Latency>,
    /// What the trial records into `latency` as packets are delivered.
    pub(super) recorder: LatencyRecorder,
    /// Whether the recorded latency becomes `latency` and `latency_by_class` as the trial ends
    /// (false for a network built on reused buffers, see [`Network::reusing`]).
    histograms_at_end: bool,
    /// Packets delivered inline whose arrival falls after the horizon: still in flight when the
    /// trial ends.
    pub(super) landing_after_horizon: u64,
    pub(super) warmup: SimTime,
    pub(super) horizon: SimTime,
    /// Each flow's start.
    pub(super) starts: Vec<SimTime>,
}

/// The large buffers of a finished trial's network (latency counts, tap counts and traces, the
/// packet store), kept by a worker for its next trial's network to take over
/// ([`Network::reusing`], [`Network::recycle`]) instead of allocating them afresh. Fresh memory
/// is zeroed pages from the kernel (a page fault and a page clear each), which on a short trial
/// cost more than the simulation; reused buffers are cleared where the last trial wrote only.
#[derive(Default)]
pub struct TrialBuffers {
    recorder: Option<LatencyRecorder>,
    /// Empty latency histograms for `Network::latency` (never filled by a reusing network).
    latency: Option<Latency>,
    taps: TapBuffers,
    packets: Vec<Packet>,
    free: Vec<u32>,
}

impl Network {
    /// Build trial `trial` of `topology` under `seed`: each random element (mix node, link,
    /// padded link, flow, placed stage) draws from its own stream (ids by component kind, disjoint ranges).
    pub fn new(topology: &Topology, seed: u64, trial: u64, taps: TapSetup) -> Self {
        let mut net = Self::reusing(topology, seed, trial, &taps, &mut TrialBuffers::default());
        net.histograms_at_end = true;
        net
    }

    /// [`Network::new`] on the buffers of an earlier trial's network (any topology), for a
    /// worker that runs trial after trial. It runs the same trial, bit for bit, but does not
    /// turn its latency counts into histograms as it ends: `latency` and `latency_by_class`
    /// stay empty, and [`Network::take_latency_counts`] moves the counts into a recorder the
    /// caller keeps, to sum over its trials and turn into histograms once (a per-trial
    /// histogram set is about a megabyte of fresh zeroed memory, and filling it a `record_n`
    /// per non-empty bucket). Give the buffers back with [`Network::recycle`].
    pub fn reusing(
        topology: &Topology,
        seed: u64,
        trial: u64,
        taps: &TapSetup,
        bufs: &mut TrialBuffers,
    ) -> Self {
        let mut flows = Self::flow_states(topology, seed, trial);
        let (tcp, flow_tcp) = Self::tcp_conns(topology, seed, trial, &mut flows);
        let mut class_of = topology.latency_classes.clone();
        class_of.resize(flows.len(), 0);
        let classes = topology
            .latency_classes
            .iter()
            .max()
            .map_or(1, |&top| top as usize + 1);
        let recorder = match bufs.recorder.take() {
            Some(mut r) => {
                r.reset(&class_of, classes);
                r
            }
            None => LatencyRecorder::with_classes(class_of, classes),
        };
        let (mut packets, mut free) = (take(&mut bufs.packets), take(&mut bufs.free));
        packets.reserve(1024);
        free.reserve(1024);
        let mut net = Network {
            nodes: Self::node_states(topology, seed, trial),
            links: Self::build_links(topology, seed, trial, taps, &mut bufs.taps),
            link_rngs: (0..topology.links.len())
                .map(|i| Component::Link.stream(seed, trial, i))
                .collect(),
            replays: Self::replay_states(topology),
            flows,
            tcp,
            flow_tcp,
            stages: Vec::new(),
            packets,
            free,
            releases: Vec::new(),
            counters: PacketCounters::default(),
            latency: bufs.latency.take().unwrap_or_default(),
            latency_by_class: Vec::new(),
            recorder,
            histograms_at_end: false,
            landing_after_horizon: 0,
            warmup: topology.warmup,
            horizon: topology.duration,
            starts: topology.flows.iter().map(|f| f.start).collect(),
        };
        for (i, s) in topology.stages.iter().enumerate() {
            let rng = Component::Stage.stream(seed, trial, i);
            net.place_stage(s.flow as usize, s.hop, (s.make)(), rng);
        }
        net
    }

    /// Give this (finished) network's large buffers to `bufs` for the next trial's network.
    pub fn recycle(self, bufs: &mut TrialBuffers) {
        // In reverse: the next network, built in link order, takes each tap's vectors back.
        for link in self.links.into_iter().rev() {
            link.tap.recycle(&mut bufs.taps);
        }
        bufs.recorder = Some(self.recorder);
        let l = &self.latency;
        if [&l.end_to_end, &l.mix_hold, &l.queueing, &l.stage_hold]
            .iter()
            .all(|h| h.is_empty())
        {
            bufs.latency = Some(self.latency);
        }
        bufs.packets = self.packets;
        bufs.free = self.free;
    }

    fn node_states(topology: &Topology, seed: u64, trial: u64) -> Vec<NodeState> {
        topology
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| match n.kind {
                NodeKind::Host => NodeState::Host,
                NodeKind::Mix(strategy) => NodeState::Mix {
                    mix: Mix::new(strategy, Component::Node.stream(seed, trial, i))
                        .with_order(n.order),
                    timer: None,
                },
            })
            .collect()
    }

    fn build_links(
        topology: &Topology,
        seed: u64,
        trial: u64,
        taps: &TapSetup,
        bufs: &mut TapBuffers,
    ) -> Vec<Link> {
        topology
            .links
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let l = &spec.params;
                let tap = Tap::reusing(
                    TapConfig {
                        points: taps.points.get(i).copied().unwrap_or([false; 3]),
                        start: topology.warmup,
                        interval: taps.interval,
                        bins: taps.bins,
                        trace: taps.trace,
                    },
                    bufs,
                );
                Link::new(
                    l.bandwidth_bps,
                    l.delay,
                    l.buffer_packets,
                    tap,
                    topology.duration,
                )
                .with_loss(l.loss)
                .with_outage(l.outage)
                .with_jitter(l.jitter, l.jitter_model, l.order_preserving)
                .with_padding(l.padding, Component::Padding.stream(seed, trial, i))
            })
            .collect()
    }

    fn flow_states(topology: &Topology, seed: u64, trial: u64) -> Vec<FlowState> {
        topology
            .flows
            .iter()
            .enumerate()
            .map(|(i, f)| FlowState {
                route: f.route.clone(),
                links: f.links.clone(),
                process: ArrivalProcess::new(&f.traffic),
                rng: Component::Flow.stream(seed, trial, i),
                size: f.size,
                next_seq: 0,
                start: f.start,
                inline_delivery: f.traffic.tcp().is_none(),
                stage_hop: NO_STAGE,
                stage: 0,
                cover: f.cover,
                per_message: f
                    .routes
                    .as_ref()
                    .map(|t| Box::new((t.clone(), Component::Route.stream(seed, trial, i)))),
                payload: match f.payload_of {
                    Some(of) => Payload::Slots { of },
                    None if topology
                        .flows
                        .iter()
                        .any(|g| g.payload_of == Some(i as u32)) =>
                    {
                        Payload::Waiting(VecDeque::new())
                    }
                    None => Payload::None,
                },
            })
            .collect()
    }

    fn replay_states(topology: &Topology) -> Vec<ReplayState> {
        topology
            .flows
            .iter()
            .enumerate()
            .filter_map(|(i, f)| match &f.traffic {
                Traffic::Trace(data) => Some(ReplayState {
                    flow: i as u32,
                    data: data.clone(),
                    next: 0,
                    start: f.start,
                    size: f.size,
                }),
                _ => None,
            })
            .collect()
    }

    /// The TCP connections (and their ACK flows, appended to `flows`), and per flow its
    /// connection or `NO_TCP`.
    fn tcp_conns(
        topology: &Topology,
        seed: u64,
        trial: u64,
        flows: &mut Vec<FlowState>,
    ) -> (Vec<TcpConn>, Vec<u32>) {
        let mut tcp = Vec::new();
        let mut flow_tcp = vec![NO_TCP; flows.len()];
        for (i, f) in topology.flows.iter().enumerate() {
            let Some(p) = f.traffic.tcp() else { continue };
            let conn = tcp.len() as u32;
            let ack_flow = flows.len() as u32;
            flow_tcp[i] = conn;
            flow_tcp.push(conn);
            flows.push(FlowState {
                route: f.ack_route.clone(),
                links: f.ack_links.clone(),
                process: ArrivalProcess::new(&f.traffic),
                rng: Component::Flow.stream(seed, trial, ack_flow as usize),
                size: p.ack_size,
                next_seq: 0,
                start: f.start,
                inline_delivery: false,
                stage_hop: NO_STAGE,
                stage: 0,
                cover: None,
                per_message: None,
                payload: Payload::None,
            });
            let mut forced_drops = p.drop_segments.clone();
            forced_drops.sort_unstable_by(|a, b| b.cmp(a));
            tcp.push(TcpConn {
                data_flow: i as u32,
                ack_flow,
                sender: Sender::new(p),
                receiver: Receiver::new(
                    p.rwnd,
                    p.ack_every,
                    p.delayed_ack.then_some(p.ack_timeout),
                    topology.warmup,
                ),
                rto: LazyTimer::default(),
                delack: LazyTimer::default(),
                data_size: f.size,
                ack_size: p.ack_size,
                mss: p.mss,
                forced_drops,
            });
        }
        (tcp, flow_tcp)
    }

    /// Hold flow `flow`'s packets in `stage` at position `hop` of its route (0 is the sender;
    /// not the receiver) before they go on: a watermarker on that flow. One stage per flow.
    pub fn place_stage(
        &mut self,
        flow: usize,
        hop: usize,
        stage: Box<dyn Stage + Send>,
        rng: SimRng,
    ) {
        let f = &mut self.flows[flow];
        assert!(hop + 1 < f.route.len(), "a stage acts before the receiver");
        assert_eq!(f.stage_hop, NO_STAGE, "one stage per flow");
        f.stage_hop = hop as u32;
        f.stage = self.stages.len() as u32;
        let mut held = Histogram::new(3).expect("valid sigfig");
        held.auto(true);
        self.stages.push(PlacedStage {
            flow: flow as u32,
            stage,
            rng,
            held,
        });
    }

    /// Schedule every flow's first packet.
    pub fn start<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        starts: impl Iterator<Item = SimTime>,
    ) {
        for (r, replay) in self.replays.iter().enumerate() {
            if replay.start < self.horizon {
                engine.schedule(replay.start, NetEvent::Replay { replay: r as u32 });
            }
        }
        for (i, start) in starts.enumerate() {
            if self.replays.iter().any(|r| r.flow as usize == i) {
                continue;
            }
            if self.flow_tcp[i] != NO_TCP {
                if start < self.horizon {
                    engine.schedule(
                        start,
                        NetEvent::TcpStart {
                            conn: self.flow_tcp[i],
                        },
                    );
                }
                continue;
            }
            let f = &mut self.flows[i];
            let gap = f.process.next_gap(&mut f.rng);
            let t = start + gap;
            if t < self.horizon {
                engine.schedule(t, NetEvent::Emit { flow: i as u32 });
            }
        }
    }

    /// Run a whole trial: start the flows, step to the horizon, close the taps.
    pub fn run(topology: &Topology, seed: u64, trial: u64, taps: TapSetup) -> (Network, u64) {
        Self::run_with_queue(topology, seed, trial, taps, ReplaceTopQueue::default())
    }

    /// [`Network::run`] over a given event queue (for benchmarking queues).
    pub fn run_with_queue<Q: EventQueue<NetEvent>>(
        topology: &Topology,
        seed: u64,
        trial: u64,
        taps: TapSetup,
        queue: Q,
    ) -> (Network, u64) {
        let mut net = Network::new(topology, seed, trial, taps);
        let events = net.simulate(queue);
        (net, events)
    }

    /// Run this network (fresh from [`Network::new`], perhaps with logs enabled) to the horizon
    /// over `queue`: start the flows, step, close the taps. Returns the number of events.
    pub fn simulate<Q: EventQueue<NetEvent>>(&mut self, queue: Q) -> u64 {
        let mut engine = Engine::with_queue(queue);
        let starts = std::mem::take(&mut self.starts);
        self.start(&mut engine, starts.iter().copied());
        self.starts = starts;
        while let Some(ev) = engine.step_until(self.horizon) {
            self.handle(&mut engine, ev);
        }
        let horizon = self.horizon;
        for l in &mut self.links {
            l.pad_until(horizon);
            l.tap.finish(horizon);
        }
        self.finish_latency();
        engine.events_processed()
    }

    /// Count flow `f`'s delivered packets in latency class `class_of[f]`, one of `classes`
    /// (before the run; flows past `class_of`, such as TCP's internal ACK flows, count in
    /// class 0). At the end of the trial `latency_by_class` holds each class's histograms and
    /// `latency` their sum.
    pub fn set_latency_classes(&mut self, mut class_of: Vec<u32>, classes: usize) {
        class_of.resize(self.flows.len(), 0);
        self.recorder.reset(&class_of, classes);
    }

    /// Turn the recorded counts into the latency histograms (at the end of a trial).
    pub(super) fn finish_latency(&mut self) {
        if !self.histograms_at_end {
            return;
        }
        let mut classes = self.recorder.finish();
        if classes.len() == 1 {
            self.latency = classes.pop().expect("one class");
            return;
        }
        let mut all = Latency::default();
        for c in &classes {
            all.add(c);
        }
        self.latency = all;
        self.latency_by_class = classes;
    }

    /// The latency histograms with the placed stages' holds folded into `stage_hold` (zero
    /// counted as 1 ns, like the other latency histograms).
    pub fn latency_with_stages(&self) -> Latency {
        self.with_stage_holds(self.latency.clone())
    }

    /// [`Network::latency_with_stages`] of the latency classes `classes` only (every packet
    /// when no classes were set): the real packets' figures of a trial whose cover dummies
    /// count in classes of their own.
    pub fn latency_of_classes_with_stages(&self, classes: std::ops::Range<usize>) -> Latency {
        if self.latency_by_class.is_empty() {
            return self.latency_with_stages();
        }
        let mut l = Latency::default();
        for c in &self.latency_by_class[classes] {
            l.add(c);
        }
        self.with_stage_holds(l)
    }

    /// Move this trial's latency counts into `into` (see [`LatencyRecorder::take_counts_from`]),
    /// leaving this network's empty: the way a network from [`Network::reusing`] gives its
    /// latency. The placed stages' holds are not in them ([`Network::add_stage_holds`]).
    pub fn take_latency_counts(&mut self, into: &mut LatencyRecorder) {
        into.take_counts_from(&mut self.recorder);
    }

    fn with_stage_holds(&self, mut l: Latency) -> Latency {
        self.add_stage_holds(&mut l.stage_hold);
        l
    }

    /// Record the placed stages' holds into `into` (zero counted as 1 ns).
    pub fn add_stage_holds(&self, into: &mut Histogram<u64>) {
        for st in &self.stages {
            for v in st.held.iter_recorded() {
                let x = v.value_iterated_to().clamp(1, into.high());
                into.record_n(x, v.count_at_value())
                    .expect("clamped into range");
            }
        }
    }

    /// Packets held in the network at the end (in queues, mixes or on the wire), counted from
    /// the packet store rather than from the counters, so that tests can check one against the
    /// other.
    pub fn live_packets(&self) -> u64 {
        (self.packets.len() - self.free.len()) as u64 + self.landing_after_horizon
    }

    pub fn link_stats(&self) -> Vec<LinkStats> {
        self.links.iter().map(|l| l.stats).collect()
    }

    /// Dispatch one event.
    #[inline]
    pub fn handle<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        ev: NetEvent,
    ) {
        let now = engine.now();
        match ev {
            NetEvent::Emit { flow } => {
                if !self.flows[flow as usize].is_plain() {
                    return self.emit_loopix(engine, now, flow);
                }
                let pkt = self.next_emission(engine, now, flow);
                let id = self.store(pkt);
                self.enter(engine, now, id);
            }
            NetEvent::Arrive { pkt } => {
                let p = self.packets[pkt as usize];
                let flow = &self.flows[p.flow as usize];
                let hop = p.hop as usize;
                if hop + 1 == flow.route.len() {
                    if now >= self.horizon {
                        return; // due as the trial ends: it does not happen, the packet is in flight
                    }
                    // Only flows that are not delivered inline get here: TCP's.
                    if self.flow_tcp[p.flow as usize] != NO_TCP {
                        self.tcp_arrive(engine, now, pkt);
                    } else {
                        self.deliver(now, pkt);
                    }
                    return;
                }
                let node = flow.node_at(p.route, hop);
                match &mut self.nodes[node] {
                    NodeState::Host => self.enter(engine, now, pkt),
                    NodeState::Mix { mix, .. } => match mix.arrive(now, pkt, &mut self.releases) {
                        Arrival::Release(t) => {
                            self.packets[pkt as usize].mix_hold += t - now;
                            if t == now {
                                self.forward(engine, now, pkt);
                            } else {
                                engine.schedule(t, NetEvent::Release { pkt });
                            }
                        }
                        Arrival::Held => self.after_mix(engine, now, node),
                    },
                }
            }
            NetEvent::Release { pkt } => self.forward(engine, now, pkt),
            tcp => self.handle_tcp(engine, now, tcp),
        }
    }

    /// The TCP and replay events, out of line: the open-loop loop above stays as small as it
    /// was.
    #[inline(never)]
    fn handle_tcp<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        ev: NetEvent,
    ) {
        match ev {
            NetEvent::TcpStart { conn } => self.tcp_send(engine, now, conn),
            NetEvent::Rto { conn } => {
                let c = &mut self.tcp[conn as usize];
                if c.rto.fire(now) {
                    if c.sender.rto_deadline().is_some_and(|d| d <= now) {
                        c.sender.on_timeout(now);
                    }
                    self.tcp_send(engine, now, conn);
                }
            }
            NetEvent::DelayedAck { conn } => {
                let c = &mut self.tcp[conn as usize];
                if c.delack.fire(now) {
                    if let Some(ack) = c.receiver.on_delack_timer(now) {
                        self.tcp_ack(engine, now, conn, ack);
                    }
                    self.tcp_arm_delack(engine, conn);
                }
            }
            NetEvent::MixTimer { node } => {
                let NodeState::Mix { mix, timer } = &mut self.nodes[node as usize] else {
                    return;
                };
                if *timer == Some(now) {
                    *timer = None;
                    mix.advance(now, &mut self.releases);
                    self.after_mix(engine, now, node as usize);
                }
            }
            NetEvent::Replay { replay } => {
                let r = &mut self.replays[replay as usize];
                let i = r.next;
                r.next += 1;
                let size = r.data.sizes.as_ref().map_or(r.size, |s| s[i]);
                if let Some(&t) = r.data.times.get(r.next) {
                    if r.start + t < self.horizon {
                        engine.schedule(r.start + t, NetEvent::Replay { replay });
                    }
                }
                let pkt = Packet::new(r.flow, i as u64, size, now);
                self.counters.created += 1;
                let id = self.alloc(pkt);
                self.forward_tcp(engine, now, id);
            }
            NetEvent::Emit { .. } | NetEvent::Arrive { .. } | NetEvent::Release { .. } => {
                unreachable!("open-loop events are handled inline")
            }
        }
    }

    /// An emission of a flow that is not plain ([`FlowState::is_plain`]): payload slots, or a
    /// route drawn per packet (as [`Network::alloc`] stores it).
    #[inline(never)]
    fn emit_loopix<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        flow: u32,
    ) {
        if self.flows[flow as usize].has_payload_slots() {
            return self.emit_payload(engine, now, flow);
        }
        let pkt = self.next_emission(engine, now, flow);
        let id = self.alloc(pkt);
        self.enter(engine, now, id);
    }

    /// The packet flow `flow` emits at `now`, counted as created, with the flow's next
    /// emission scheduled: the steps of every emission but payload slots, in the engine's order
    /// (sequence number, gap draw, schedule).
    #[inline(always)]
    fn next_emission<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        flow: u32,
    ) -> Packet {
        let f = &mut self.flows[flow as usize];
        let pkt = Packet::new(flow, f.next_seq, f.size, now);
        f.next_seq += 1;
        let gap = f.process.next_gap(&mut f.rng);
        if now + gap < self.horizon {
            engine.schedule(now + gap, NetEvent::Emit { flow });
        }
        self.counters.created += 1;
        pkt
    }

    /// An emission of a flow with payload slots: a real message joins its flow's queue; a slot
    /// sends the oldest waiting message, or a drop dummy of its own when none waits.
    fn emit_payload<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        flow: u32,
    ) {
        let f = &mut self.flows[flow as usize];
        let gap = f.process.next_gap(&mut f.rng);
        if now + gap < self.horizon {
            engine.schedule(now + gap, NetEvent::Emit { flow });
        }
        let waiting = match f.payload {
            Payload::Slots { of } => match &mut self.flows[of as usize].payload {
                Payload::Waiting(queue) => queue.pop_front(),
                _ => unreachable!("a payload stream's flow waits for it"),
            },
            _ => None,
        };
        if let Some(id) = waiting {
            // The message was created (and counted) when it joined the queue: its latency
            // includes the wait for this slot.
            return self.enter(engine, now, id);
        }
        let f = &mut self.flows[flow as usize];
        let pkt = Packet::new(flow, f.next_seq, f.size, now);
        f.next_seq += 1;
        self.counters.created += 1;
        let id = self.alloc(pkt);
        match &mut self.flows[flow as usize].payload {
            Payload::Waiting(queue) => queue.push_back(id),
            _ => self.enter(engine, now, id),
        }
    }

    /// Forward what the mix at `node` released (all at `now`, in order), and keep its timer
    /// event in the queue.
    #[inline(never)]
    fn after_mix<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        node: usize,
    ) {
        let mut releases = std::mem::take(&mut self.releases);
        for r in releases.drain(..) {
            debug_assert_eq!(r.at, now, "flushes are performed when due");
            self.packets[r.handle as usize].mix_hold += r.hold;
            self.forward(engine, now, r.handle);
        }
        self.releases = releases;
        if let NodeState::Mix { mix, timer } = &mut self.nodes[node] {
            if let Some(t) = mix.next_timer() {
                if *timer != Some(t) {
                    *timer = Some(t);
                    engine.schedule(t, NetEvent::MixTimer { node: node as u32 });
                }
            }
        }
    }

    /// Per-connection counters of the TCP flows, in flow order.
    pub fn tcp_stats(&self) -> Vec<TcpStats> {
        self.tcp
            .iter()
            .map(|c| TcpStats {
                sender: c.sender.stats,
                receiver: c.receiver.stats,
                mss: c.mss,
            })
            .collect()
    }

    /// The TCP connection carrying flow `flow`, if it is a TCP flow.
    pub fn tcp_conn(&self, flow: usize) -> Option<&TcpConn> {
        let c = *self.flow_tcp.get(flow)?;
        (c != NO_TCP).then(|| &self.tcp[c as usize])
    }

    /// Mutable access, to enable logs in tests before a run.
    pub fn tcp_conn_mut(&mut self, flow: usize) -> Option<&mut TcpConn> {
        let c = *self.flow_tcp.get(flow)?;
        (c != NO_TCP).then(|| &mut self.tcp[c as usize])
    }

    /// Send what connection `conn`'s sender may send now, and keep its timer armed.
    fn tcp_send<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        conn: u32,
    ) {
        let c = &mut self.tcp[conn as usize];
        let (flow, size) = (c.data_flow, c.data_size);
        while let Some(seg) = self.tcp[conn as usize].sender.next_segment(now) {
            let pkt = Packet::new(flow, seg, size, now);
            self.counters.created += 1;
            let c = &mut self.tcp[conn as usize];
            if c.forced_drops.last() == Some(&seg) {
                // Debug hook: lost as it leaves the sender, on its first link.
                c.forced_drops.pop();
                let first = self.flows[flow as usize].links[0];
                self.links[first].stats.drops_loss += 1;
                self.counters.dropped_loss += 1;
                continue;
            }
            let id = self.alloc(pkt);
            self.forward_tcp(engine, now, id);
        }
        let c = &mut self.tcp[conn as usize];
        if let Some(t) = c.rto.arm(c.sender.rto_deadline()) {
            engine.schedule(t, NetEvent::Rto { conn });
        }
    }

    /// Send an ACK of connection `conn` back along its ACK route.
    fn tcp_ack<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        conn: u32,
        ack: u64,
    ) {
        let c = &self.tcp[conn as usize];
        let pkt = Packet::new(c.ack_flow, ack, c.ack_size, now);
        self.counters.created += 1;
        let id = self.alloc(pkt);
        self.forward_tcp(engine, now, id);
    }

    fn tcp_arm_delack<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        conn: u32,
    ) {
        let c = &mut self.tcp[conn as usize];
        if let Some(t) = c.delack.arm(c.receiver.delack_deadline()) {
            engine.schedule(t, NetEvent::DelayedAck { conn });
        }
    }

    /// A TCP packet reaches the end of its route: a data segment at the receiver, or an ACK at
    /// the sender.
    #[inline(never)]
    fn tcp_arrive<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        id: u32,
    ) {
        let p = self.packets[id as usize];
        let conn = self.flow_tcp[p.flow as usize];
        if p.flow == self.tcp[conn as usize].data_flow {
            self.deliver(now, id);
            let c = &mut self.tcp[conn as usize];
            if let Some(ack) = c.receiver.on_segment(now, p.seq) {
                self.tcp_ack(engine, now, conn, ack);
            }
            self.tcp_arm_delack(engine, conn);
        } else {
            // ACKs are delivered but stay out of the latency histograms (they are for data).
            self.counters.delivered += 1;
            self.free.push(id);
            self.tcp[conn as usize].sender.on_ack(now, p.seq);
            self.tcp_send(engine, now, conn);
        }
    }

    /// [`Network::forward`] for the TCP and replay paths, kept out of line so that the open-loop event
    /// loop keeps its own inlined copy (an outlined shared `forward` costs the Poisson path
    /// about 4 % more instructions).
    #[inline(never)]
    fn forward_tcp<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        id: u32,
    ) {
        self.enter(engine, now, id)
    }

    /// Packet `id` is at a host of its route (the sender included), about to leave: through
    /// the flow's placed stage if it acts here, else straight onto the next link.
    #[inline(always)]
    fn enter<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        id: u32,
    ) {
        let p = &self.packets[id as usize];
        if self.flows[p.flow as usize].stage_hop == p.hop as u32 {
            self.hold_in_stage(engine, now, id);
        } else {
            self.forward(engine, now, id);
        }
    }

    /// The placed stage decides when packet `id` goes on (a `Release` event, like a mix's).
    #[inline(never)]
    fn hold_in_stage<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        id: u32,
    ) {
        let p = self.packets[id as usize];
        let st = &mut self.stages[self.flows[p.flow as usize].stage as usize];
        match st.stage.offer(now, &p, &mut st.rng) {
            StageOutcome::Release(t) => {
                st.held.record(t - now).expect("auto-resizing histogram");
                if t == now {
                    self.forward(engine, now, id);
                } else {
                    engine.schedule(t, NetEvent::Release { pkt: id });
                }
            }
            StageOutcome::Drop(reason) => self.drop_packet(id, reason),
        }
    }

    /// Put packet `id` on the next link of its route.
    #[inline(always)]
    fn forward<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        id: u32,
    ) {
        let p = &mut self.packets[id as usize];
        let li = self.flows[p.flow as usize].link_at(p.route, p.hop as usize);
        match self.links[li].offer(now, p, &mut self.link_rngs[li]) {
            LinkOutcome::Arrives(t) => {
                p.hop += 1;
                let flow = &self.flows[p.flow as usize];
                if flow.inline_delivery && p.hop as usize + 1 == flow.route.len() {
                    if t < self.horizon {
                        self.deliver(t, id);
                    } else {
                        self.landing_after_horizon += 1;
                        self.free.push(id);
                    }
                } else {
                    engine.schedule(t, NetEvent::Arrive { pkt: id });
                }
            }
            LinkOutcome::Dropped(reason) => self.drop_packet(id, reason),
        }
    }

    #[inline]
    pub(super) fn deliver(&mut self, now: SimTime, id: u32) {
        let p = self.packets[id as usize];
        count_delivery(&mut self.counters, &mut self.recorder, self.warmup, now, &p);
        self.free.push(id);
    }

    pub(super) fn drop_packet(&mut self, id: u32, reason: DropReason) {
        count_drop(&mut self.counters, &self.packets[id as usize], reason);
        self.free.push(id);
    }

    /// Store a packet just created (both executors create every packet through here or
    /// through [`Network::store`]), drawing its route if its flow has per-message routes.
    #[inline(never)]
    pub(super) fn alloc(&mut self, mut p: Packet) -> u32 {
        if let Some(pm) = &mut self.flows[p.flow as usize].per_message {
            p.route = pm.0.draw(&mut pm.1);
        }
        self.store(p)
    }

    /// Store a packet just created whose route is already set (a plain flow's: route 0),
    /// marking a sender-cover dummy and counting it among its kind's created packets.
    #[inline(always)]
    pub(super) fn store(&mut self, p: Packet) -> u32 {
        let cover = self.flows[p.flow as usize].cover;
        store_packet(
            &mut self.packets,
            &mut self.free,
            &mut self.counters,
            cover,
            p,
        )
    }
}

/// Store packet `p` of a flow whose packets are sender cover of kind `cover` (if any) in a free
/// slot of `packets` (the last freed first), counted as created if it is cover; returns its
/// slot. Apart from [`Network`] so that an executor holding the flow can store its packets.
#[inline(always)]
pub(super) fn store_packet(
    packets: &mut Vec<Packet>,
    free: &mut Vec<u32>,
    counters: &mut PacketCounters,
    cover: Option<CoverKind>,
    mut p: Packet,
) -> u32 {
    p.cover = cover;
    if let Some(kind) = cover {
        counters.cover_mut(kind).created += 1;
    }
    match free.pop() {
        Some(id) => {
            packets[id as usize] = p;
            id
        }
        None => {
            packets.push(p);
            (packets.len() - 1) as u32
        }
    }
}

/// Count packet `p`, delivered at `now`, and its latency (if it was created after the warm-up);
/// the caller frees its slot. Apart from [`Network`] so that an executor holding other parts
/// of the network can deliver.
#[inline(always)]
pub(super) fn count_delivery(
    counters: &mut PacketCounters,
    recorder: &mut LatencyRecorder,
    warmup: SimTime,
    now: SimTime,
    p: &Packet,
) {
    counters.delivered += 1;
    if let Some(kind) = p.cover {
        counters.cover_mut(kind).delivered += 1;
    }
    if p.created >= warmup {
        recorder.record(p.flow, now - p.created, p.mix_hold, p.queueing);
    }
}

/// Count packet `p` dropped for `reason`; the caller frees its slot.
#[inline]
pub(super) fn count_drop(counters: &mut PacketCounters, p: &Packet, reason: DropReason) {
    if let Some(kind) = p.cover {
        counters.cover_mut(kind).dropped += 1;
    }
    match reason {
        DropReason::BufferFull => counters.dropped_buffer += 1,
        DropReason::PathLoss => counters.dropped_loss += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::Component;

    /// Every kind, named through an exhaustive match so that a new kind cannot be left out.
    fn all_components() -> Vec<Component> {
        let all = [
            Component::Node,
            Component::Link,
            Component::Flow,
            Component::Stage,
            Component::Padding,
            Component::Route,
        ];
        for c in all {
            match c {
                Component::Node
                | Component::Link
                | Component::Flow
                | Component::Stage
                | Component::Padding
                | Component::Route => {}
            }
        }
        all.to_vec()
    }

    #[test]
    fn component_stream_ranges_are_disjoint() {
        let all = all_components();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                let (lo, hi) = (a.base().min(b.base()), a.base().max(b.base()));
                assert!(
                    hi - lo >= Component::SPAN,
                    "{a:?} and {b:?} share stream ids ({lo:#x}, {hi:#x})"
                );
            }
        }
    }

    #[test]
    fn padding_and_stage_streams_differ() {
        use rand::Rng;
        let draw = |c: Component| c.stream(7, 3, 0).random::<u64>();
        assert_ne!(draw(Component::Padding), draw(Component::Stage));
        assert_ne!(draw(Component::Padding), draw(Component::Link));
    }
}
