//! The network: nodes, links and flows of a scenario wired onto the event engine.
//!
//! Three kinds of event drive it: a sender emitting its next packet, a packet arriving at a node,
//! and a mix releasing a packet it held. Links never need events of their own (see
//! [`super::link`]), and a plain receiver is a sink that needs none either, so a packet through
//! one mix costs three events: emit, arrive at the mix, release.

use super::link::{Link, LinkOutcome, LinkStats};
use super::mix::MixStrategy;
use super::packet::{DropReason, Packet};
use super::stage::{Stage, StageOutcome};
use crate::engine::{stream, BinaryHeapQueue, Engine, EventQueue, SimRng, SimTime};
use crate::scenario::{ResolvedNodeKind, Scenario};
use crate::tap::{Tap, TapConfig};
use crate::traffic::ArrivalProcess;
use hdrhistogram::Histogram;

/// Element-id bases for random streams: node i, link i and flow i get distinct streams.
const LINK_STREAM: u64 = 1 << 20;
const FLOW_STREAM: u64 = 2 << 20;

/// A network event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetEvent {
    /// Flow `flow`'s sender emits its next packet.
    Emit { flow: u32 },
    /// Packet `pkt` arrives at the node `pkt.hop` of its route.
    Arrive { pkt: u32 },
    /// A mix releases packet `pkt` onto the next link of its route.
    Release { pkt: u32 },
}

/// Packet accounting for the conservation invariant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacketCounters {
    pub created: u64,
    pub delivered: u64,
    pub dropped_buffer: u64,
    pub dropped_loss: u64,
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
    }
}

/// Latency of delivered packets (ns), the price paid for anonymity.
#[derive(Debug, Clone)]
pub struct Latency {
    pub end_to_end: Histogram<u64>,
    pub mix_hold: Histogram<u64>,
    pub queueing: Histogram<u64>,
}

impl Default for Latency {
    fn default() -> Self {
        // 1 ns to 1000 s at 3 significant digits.
        let h = || Histogram::new_with_bounds(1, 1_000_000_000_000, 3).expect("valid bounds");
        Latency {
            end_to_end: h(),
            mix_hold: h(),
            queueing: h(),
        }
    }
}

impl Latency {
    pub fn add(&mut self, o: &Latency) {
        self.end_to_end.add(&o.end_to_end).expect("same bounds");
        self.mix_hold.add(&o.mix_hold).expect("same bounds");
        self.queueing.add(&o.queueing).expect("same bounds");
    }
}

enum NodeState {
    Host,
    Mix { strategy: MixStrategy, rng: SimRng },
}

struct FlowState {
    route: Vec<usize>,
    links: Vec<usize>,
    process: ArrivalProcess,
    rng: SimRng,
    size: u32,
    next_seq: u64,
    /// The receiver is a plain sink: a packet is delivered as its last link computes its
    /// arrival, with no event (nothing at the receiver depends on when it is processed).
    inline_delivery: bool,
}

/// How the taps of a trial are set up.
#[derive(Debug, Clone)]
pub struct TapSetup {
    pub interval: SimTime,
    pub bins: usize,
    /// Keep full traces at the watched points (memory grows with packets).
    pub trace: bool,
    /// Per link, the points its tap watches ([`crate::tap::TapPoint`] order). Watching only
    /// what the attack reads keeps the per-packet cost down.
    pub points: Vec<[bool; 3]>,
}

/// One trial's network.
pub struct Network {
    nodes: Vec<NodeState>,
    pub links: Vec<Link>,
    link_rngs: Vec<SimRng>,
    flows: Vec<FlowState>,
    packets: Vec<Packet>,
    free: Vec<u32>,
    pub counters: PacketCounters,
    pub latency: Latency,
    /// Packets delivered inline whose arrival falls after the horizon: still in flight when the
    /// trial ends.
    landing_after_horizon: u64,
    warmup: SimTime,
    horizon: SimTime,
}

impl Network {
    /// Build trial `trial` of `scenario` under `seed`.
    pub fn new(scenario: &Scenario, seed: u64, trial: u64, taps: TapSetup) -> Self {
        let nodes = scenario
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| match n.kind {
                ResolvedNodeKind::Host => NodeState::Host,
                ResolvedNodeKind::Mix { strategy, t_avg } => NodeState::Mix {
                    strategy: MixStrategy::new(strategy, t_avg),
                    rng: stream(seed, trial, i as u64),
                },
            })
            .collect();
        let links = scenario
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let tap = Tap::new(TapConfig {
                    points: taps.points.get(i).copied().unwrap_or([true; 3]),
                    start: scenario.warmup,
                    interval: taps.interval,
                    bins: taps.bins,
                    trace: taps.trace,
                });
                Link::new(
                    l.bandwidth_bps,
                    l.delay,
                    l.buffer_packets,
                    tap,
                    scenario.duration,
                )
                .with_loss(l.loss)
                .with_jitter(l.jitter.unwrap_or(0), l.order_preserving)
            })
            .collect();
        let link_rngs = (0..scenario.links.len())
            .map(|i| stream(seed, trial, LINK_STREAM + i as u64))
            .collect();
        let flows = scenario
            .flows
            .iter()
            .enumerate()
            .map(|(i, f)| FlowState {
                route: f.route.clone(),
                links: f.links.clone(),
                process: ArrivalProcess::new(&f.traffic),
                rng: stream(seed, trial, FLOW_STREAM + i as u64),
                size: f.size,
                next_seq: 0,
                inline_delivery: true,
            })
            .collect();
        Network {
            nodes,
            links,
            link_rngs,
            flows,
            packets: Vec::with_capacity(1024),
            free: Vec::with_capacity(1024),
            counters: PacketCounters::default(),
            latency: Latency::default(),
            landing_after_horizon: 0,
            warmup: scenario.warmup,
            horizon: scenario.duration,
        }
    }

    /// Schedule every flow's first packet.
    pub fn start<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        starts: impl Iterator<Item = SimTime>,
    ) {
        for (i, start) in starts.enumerate() {
            let f = &mut self.flows[i];
            let gap = f.process.next_gap(&mut f.rng);
            let t = start + gap;
            if t < self.horizon {
                engine.schedule(t, NetEvent::Emit { flow: i as u32 });
            }
        }
    }

    /// Run a whole trial: start the flows, step to the horizon, close the taps.
    pub fn run(scenario: &Scenario, seed: u64, trial: u64, taps: TapSetup) -> (Network, u64) {
        Self::run_with_queue(scenario, seed, trial, taps, BinaryHeapQueue::default())
    }

    /// [`Network::run`] over a given event queue (for benchmarking queues).
    pub fn run_with_queue<Q: EventQueue<NetEvent>>(
        scenario: &Scenario,
        seed: u64,
        trial: u64,
        taps: TapSetup,
        queue: Q,
    ) -> (Network, u64) {
        let mut net = Network::new(scenario, seed, trial, taps);
        let mut engine = Engine::with_queue(queue);
        net.start(&mut engine, scenario.flows.iter().map(|f| f.start));
        while let Some(ev) = engine.step_until(net.horizon) {
            net.handle(&mut engine, ev);
        }
        let horizon = net.horizon;
        for l in &mut net.links {
            l.tap.finish(horizon);
        }
        (net, engine.events_processed())
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
                let f = &mut self.flows[flow as usize];
                let pkt = Packet {
                    flow,
                    seq: f.next_seq,
                    size: f.size,
                    created: now,
                    hop: 0,
                    mix_hold: 0,
                    queueing: 0,
                };
                f.next_seq += 1;
                let gap = f.process.next_gap(&mut f.rng);
                if now + gap < self.horizon {
                    engine.schedule(now + gap, NetEvent::Emit { flow });
                }
                self.counters.created += 1;
                let id = self.alloc(pkt);
                self.forward(engine, now, id);
            }
            NetEvent::Arrive { pkt } => {
                let p = self.packets[pkt as usize];
                let flow = &self.flows[p.flow as usize];
                let hop = p.hop as usize;
                if hop + 1 == flow.route.len() {
                    self.deliver(now, pkt);
                    return;
                }
                match &mut self.nodes[flow.route[hop]] {
                    NodeState::Host => self.forward(engine, now, pkt),
                    NodeState::Mix { strategy, rng } => match strategy.offer(now, &p, rng) {
                        StageOutcome::Release(t) => {
                            self.packets[pkt as usize].mix_hold += t - now;
                            if t == now {
                                self.forward(engine, now, pkt);
                            } else {
                                engine.schedule(t, NetEvent::Release { pkt });
                            }
                        }
                        StageOutcome::Drop(reason) => self.drop_packet(pkt, reason),
                    },
                }
            }
            NetEvent::Release { pkt } => self.forward(engine, now, pkt),
        }
    }

    /// Put packet `id` on the next link of its route.
    #[inline]
    fn forward<Q: EventQueue<NetEvent>>(
        &mut self,
        engine: &mut Engine<NetEvent, Q>,
        now: SimTime,
        id: u32,
    ) {
        let p = &mut self.packets[id as usize];
        let li = self.flows[p.flow as usize].links[p.hop as usize];
        match self.links[li].offer(now, p, &mut self.link_rngs[li]) {
            LinkOutcome::Arrives(t) => {
                p.hop += 1;
                let flow = &self.flows[p.flow as usize];
                if flow.inline_delivery && p.hop as usize + 1 == flow.route.len() {
                    if t <= self.horizon {
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
    fn deliver(&mut self, now: SimTime, id: u32) {
        let p = self.packets[id as usize];
        self.counters.delivered += 1;
        if p.created >= self.warmup {
            // Saturate: a zero-latency record is clamped to the histogram's lowest value.
            let _ = self.latency.end_to_end.record((now - p.created).max(1));
            let _ = self.latency.mix_hold.record(p.mix_hold.max(1));
            let _ = self.latency.queueing.record(p.queueing.max(1));
        }
        self.free.push(id);
    }

    fn drop_packet(&mut self, id: u32, reason: DropReason) {
        match reason {
            DropReason::BufferFull => self.counters.dropped_buffer += 1,
            DropReason::PathLoss => self.counters.dropped_loss += 1,
        }
        self.free.push(id);
    }

    #[inline]
    fn alloc(&mut self, p: Packet) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.packets[id as usize] = p;
                id
            }
            None => {
                self.packets.push(p);
                (self.packets.len() - 1) as u32
            }
        }
    }
}
