//! A network described as plain data, built with a few calls: add hosts and mixes, links
//! between them, flows along routes, and stages placed on flows.
//!
//! A [`Topology`] holds no state and no random streams. Ids are positions, given in the order
//! things were added: node `i`, link `i`, flow `i` (the flow id its packets carry, the ground
//! truth that attacks never see) and stage `i`. An executor builds one trial from it; the event
//! executor is [`Network::new`](super::Network::new) (or [`Topology::run`]), which gives every element its own
//! random stream derived from (seed, trial, element id), so the same topology, seed and trial
//! give the same packets whoever built the topology (a scenario file or Rust code).
//!
//! ```
//! use mixsim::engine::time::{MS, S};
//! use mixsim::net::{LinkParams, MixStrategy, TapSetup, Topology};
//! use mixsim::traffic::Traffic;
//!
//! let mut t = Topology::new(0, 10 * S);
//! let alice = t.add_host("alice");
//! let mix = t.add_mix("mix", MixStrategy::Exponential { mean_ns: 20e6 });
//! let bob = t.add_host("bob");
//! let lan = LinkParams { delay: MS, ..LinkParams::new(10e6) };
//! t.add_link(alice, mix, lan.clone()).unwrap();
//! t.add_link(mix, bob, lan).unwrap();
//! let flow = t.add_flow("alice", &[alice, mix, bob], Traffic::Poisson { rate: 50.0 }, 500, 0);
//! assert_eq!(flow.unwrap(), 0);
//! let (net, _events) = t.run(1, 0, TapSetup::counts(&t, 10 * MS));
//! assert_eq!(net.counters.in_flight(), net.counters.created - net.counters.delivered);
//! ```
//!
//! Sender cover ([`Topology::add_cover_flow`]) is a flow too, marked as cover: a drop dummy
//! stream whose route ends where its dummies are absorbed, or a loop stream whose route
//! returns to its sender. Add cover after the real flows, so that their ids, and with them
//! their random streams, stay what they were without cover.

use super::link::Padding;
use super::mix::{BatchOrder, MixStrategy};
use super::packet::{CoverKind, FlowId};
use super::path::JitterModel;
use super::routes::{RouteChoices, RouteTable};
use super::stage::Stage;
use crate::engine::SimTime;
use crate::traffic::tcp::TcpParams;
use crate::traffic::Traffic;
use std::collections::HashMap;
use std::sync::Arc;

/// Index of a node in its topology.
pub type NodeId = usize;
/// Index of a link in its topology.
pub type LinkId = usize;

/// What a node does with the packets it receives.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A sender, receiver or plain relay: forwards at once.
    Host,
    /// A mix: holds each packet as its strategy says, then forwards it.
    Mix(MixStrategy),
}

#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub name: String,
    pub kind: NodeKind,
    /// The order a batch mix sends each flush in (ignored by hosts and per-packet mixes).
    pub order: BatchOrder,
}

/// A link's transmitter and the path stages after it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkParams {
    pub bandwidth_bps: f64,
    /// Propagation delay.
    pub delay: SimTime,
    /// Drop-tail buffer limit in packets, counting the one in transmission.
    pub buffer_packets: u64,
    /// Standard deviation of the path's jitter (0 = none), of the given model.
    pub jitter: SimTime,
    pub jitter_model: JitterModel,
    /// Jitter never reorders packets.
    pub order_preserving: bool,
    /// Probability that a packet is lost on the path.
    pub loss: f64,
    /// Every packet leaving in [from, until) is lost.
    pub outage: Option<(SimTime, SimTime)>,
    /// Link padding (a slot process sending dummies when no real packet waits), if any.
    pub padding: Option<Padding>,
}

impl LinkParams {
    /// A link of `bandwidth_bps` with no delay, a 1000-packet buffer, no jitter and no loss.
    pub fn new(bandwidth_bps: f64) -> Self {
        LinkParams {
            bandwidth_bps,
            delay: 0,
            buffer_packets: 1000,
            jitter: 0,
            jitter_model: JitterModel::default(),
            order_preserving: false,
            loss: 0.0,
            outage: None,
            padding: None,
        }
    }
}

/// A directed link.
#[derive(Debug, Clone)]
pub struct LinkSpec {
    /// "from->to" with the nodes' names.
    pub name: String,
    pub from: NodeId,
    pub to: NodeId,
    pub params: LinkParams,
}

/// A flow: its sender is the first node of its route, its receiver the last.
#[derive(Debug, Clone)]
pub struct FlowSpec {
    pub name: String,
    pub route: Vec<NodeId>,
    /// The links between consecutive nodes of the route.
    pub links: Vec<LinkId>,
    pub traffic: Traffic,
    /// Bytes on the wire per packet (for TCP, a data segment).
    pub size: u32,
    pub start: SimTime,
    /// TCP: the ACKs' route, from the receiver back to the sender; else empty.
    pub ack_route: Vec<NodeId>,
    pub ack_links: Vec<LinkId>,
    /// Sender cover: its packets are dummies of this kind (ground truth; taps see packets).
    pub cover: Option<CoverKind>,
    /// Per-message routes ([`Topology::set_route_choices`]): every packet draws its route from
    /// this table; `route` and `links` are then the table's first route.
    pub routes: Option<Arc<RouteTable>>,
    /// Payload slots ([`Topology::set_payload_slots`]): this flow's emissions are slots that
    /// carry the oldest waiting message of that flow, or a drop dummy of this flow when none
    /// waits.
    pub payload_of: Option<FlowId>,
}

/// Makes a fresh stage for each trial.
pub type StageFactory = Arc<dyn Fn() -> Box<dyn Stage + Send> + Send + Sync>;

/// A stage (a watermarker, say) holding one flow's packets at one node of its route.
#[derive(Clone)]
pub struct StageSpec {
    pub flow: FlowId,
    /// Position in the flow's route (0 is the sender; never the receiver).
    pub hop: usize,
    pub make: StageFactory,
}

impl std::fmt::Debug for StageSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StageSpec {{ flow: {}, hop: {} }}", self.flow, self.hop)
    }
}

/// Why a topology refused an addition.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TopologyError {
    #[error("no node {0}")]
    NoNode(NodeId),
    #[error("no flow {0}")]
    NoFlow(FlowId),
    #[error("there is already a link {0}")]
    DuplicateLink(String),
    #[error("a route needs at least two nodes")]
    ShortRoute,
    #[error("no link {0}->{1} for this hop of the route")]
    NoLink(String, String),
    #[error("{0}")]
    Invalid(String),
}

/// A network as plain data: see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Topology {
    pub nodes: Vec<NodeSpec>,
    pub links: Vec<LinkSpec>,
    pub flows: Vec<FlowSpec>,
    pub stages: Vec<StageSpec>,
    /// Taps count from here on.
    pub warmup: SimTime,
    /// The trial's end.
    pub duration: SimTime,
    /// Per flow, the latency class its delivered packets count in (see [`crate::net::latency`]);
    /// flows past the end, and every flow while it is empty, count in class 0.
    pub latency_classes: Vec<u32>,
    /// The link of each (from, to) pair added by [`Topology::add_link`], so that building a
    /// network of many links stays linear.
    link_index: HashMap<(NodeId, NodeId), LinkId>,
}

impl Topology {
    /// An empty network whose trials run to `duration`, taps counting from `warmup`.
    pub fn new(warmup: SimTime, duration: SimTime) -> Self {
        Topology {
            warmup,
            duration,
            ..Topology::default()
        }
    }

    pub fn add_host(&mut self, name: &str) -> NodeId {
        self.add_node(name, NodeKind::Host)
    }

    pub fn add_mix(&mut self, name: &str, strategy: MixStrategy) -> NodeId {
        self.add_node(name, NodeKind::Mix(strategy))
    }

    fn add_node(&mut self, name: &str, kind: NodeKind) -> NodeId {
        self.nodes.push(NodeSpec {
            name: name.to_string(),
            kind,
            order: BatchOrder::default(),
        });
        self.nodes.len() - 1
    }

    /// Have mix `node` send each batch in `order` (random, the default, or arrival order).
    pub fn set_batch_order(&mut self, node: NodeId, order: BatchOrder) {
        self.nodes[node].order = order;
    }

    /// A link from `from` to `to` (at most one per ordered pair, so routes are unambiguous).
    pub fn add_link(
        &mut self,
        from: NodeId,
        to: NodeId,
        params: LinkParams,
    ) -> Result<LinkId, TopologyError> {
        let name = format!("{}->{}", self.node(from)?.name, self.node(to)?.name);
        if self.link_between(from, to).is_some() {
            return Err(TopologyError::DuplicateLink(name));
        }
        let positive = params.bandwidth_bps > 0.0; // false for NaN too
        if !positive || !(0.0..=1.0).contains(&params.loss) {
            return Err(TopologyError::Invalid(format!(
                "link {name}: expected bandwidth > 0 and loss in [0, 1]"
            )));
        }
        self.links.push(LinkSpec {
            name,
            from,
            to,
            params,
        });
        self.link_index.insert((from, to), self.links.len() - 1);
        Ok(self.links.len() - 1)
    }

    /// An open-loop flow (not TCP: see [`Topology::add_tcp_flow`]) along `route`, sending
    /// `size`-byte packets from `start` on.
    pub fn add_flow(
        &mut self,
        name: &str,
        route: &[NodeId],
        traffic: Traffic,
        size: u32,
        start: SimTime,
    ) -> Result<FlowId, TopologyError> {
        if traffic.tcp().is_some() {
            return Err(TopologyError::Invalid(format!(
                "flow {name}: a TCP flow needs an ACK route (add_tcp_flow)"
            )));
        }
        self.push_flow(name, route, traffic, size, start, &[])
    }

    /// A stream of sender-cover dummies of `kind` along `route` (open-loop traffic, not TCP):
    /// a drop stream's dummies are absorbed at the last node of its route, which is not the
    /// sender; a loop stream's route goes through at least one node and ends at its sender.
    pub fn add_cover_flow(
        &mut self,
        name: &str,
        route: &[NodeId],
        traffic: Traffic,
        size: u32,
        start: SimTime,
        kind: CoverKind,
    ) -> Result<FlowId, TopologyError> {
        let returns = route.len() >= 2 && route.first() == route.last();
        let fits = match kind {
            CoverKind::Drop => !returns,
            CoverKind::Loop => returns && route.len() >= 3,
        };
        if !fits {
            return Err(TopologyError::Invalid(format!(
                "cover {name}: a drop route ends away from its sender, a loop route returns to it through at least one node"
            )));
        }
        let id = self.add_flow(name, route, traffic, size, start)?;
        self.flows[id as usize].cover = Some(kind);
        Ok(id)
    }

    /// The cover kind of flow `flow`, if it is sender cover (not for padding's `DUMMY_FLOW`
    /// label, which is no flow).
    pub fn cover_of(&self, flow: FlowId) -> Option<CoverKind> {
        self.flows.get(flow as usize).and_then(|f| f.cover)
    }

    /// Give flow `flow` a fresh route per packet, drawn from `choices` (Loopix's stratified
    /// topology: one mix per layer, uniform or weighted): see [`super::routes`]. The choices
    /// start at the flow's sender and end at its last node; every pair of nodes at consecutive
    /// positions needs a link. Such a network runs on the event engine only.
    pub fn set_route_choices(
        &mut self,
        flow: FlowId,
        choices: &RouteChoices,
    ) -> Result<(), TopologyError> {
        let f = self
            .flows
            .get(flow as usize)
            .ok_or(TopologyError::NoFlow(flow))?;
        let ends = |h: &[(NodeId, f64)], n: NodeId| h.len() == 1 && h[0].0 == n;
        let (first, last) = (f.route[0], *f.route.last().expect("a route"));
        if f.traffic.tcp().is_some()
            || !ends(&choices.hops[0], first)
            || !choices.hops.last().is_some_and(|h| ends(h, last))
        {
            return Err(TopologyError::Invalid(format!(
                "flow {}: per-message routes are for open-loop flows and keep the flow's first and last nodes",
                f.name
            )));
        }
        let table = RouteTable::new(choices, |a, b| self.link_between(a, b))?;
        let f = &mut self.flows[flow as usize];
        f.route = table.nodes(0).to_vec();
        f.links = table.links(0).to_vec();
        f.routes = Some(Arc::new(table));
        Ok(())
    }

    /// Make drop-cover flow `slots` the payload stream of flow `real` (Loopix's lambda_P): a
    /// message of `real` waits, first in first out, for the next emission of `slots`, which
    /// sends it along `real`'s route; an emission that finds no message waiting sends a drop
    /// dummy of `slots` instead. Both flows leave the same sender; `real` is open-loop and
    /// not a replayed trace. The sender's output then does not depend on `real`'s load.
    pub fn set_payload_slots(&mut self, slots: FlowId, real: FlowId) -> Result<(), TopologyError> {
        let (s, r) = (slots as usize, real as usize);
        if s >= self.flows.len() || r >= self.flows.len() {
            return Err(TopologyError::NoFlow(slots.max(real)));
        }
        let (sf, rf) = (&self.flows[s], &self.flows[r]);
        let open_loop = !matches!(rf.traffic, Traffic::Tcp(_) | Traffic::Trace(_));
        let taken = self.flows.iter().any(|f| f.payload_of == Some(real));
        if sf.cover != Some(CoverKind::Drop)
            || rf.cover.is_some()
            || !open_loop
            || sf.route[0] != rf.route[0]
            || taken
            || sf.payload_of.is_some()
        {
            return Err(TopologyError::Invalid(format!(
                "payload slots {} for flow {}: expected a drop-cover stream and an open-loop real flow (not a trace) from the same sender, one stream per flow",
                sf.name, rf.name
            )));
        }
        self.flows[s].payload_of = Some(real);
        Ok(())
    }

    /// A bulk TCP transfer along `route` whose ACKs return along `ack_route` (receiver first).
    pub fn add_tcp_flow(
        &mut self,
        name: &str,
        route: &[NodeId],
        ack_route: &[NodeId],
        params: TcpParams,
        size: u32,
        start: SimTime,
    ) -> Result<FlowId, TopologyError> {
        if ack_route.first() != route.last() || ack_route.last() != route.first() {
            return Err(TopologyError::Invalid(format!(
                "flow {name}: the ACK route goes from the receiver back to the sender"
            )));
        }
        self.push_flow(name, route, Traffic::Tcp(params), size, start, ack_route)
    }

    fn push_flow(
        &mut self,
        name: &str,
        route: &[NodeId],
        traffic: Traffic,
        size: u32,
        start: SimTime,
        ack_route: &[NodeId],
    ) -> Result<FlowId, TopologyError> {
        let links = self.route_links(route)?;
        let ack_links = if ack_route.is_empty() {
            Vec::new()
        } else {
            self.route_links(ack_route)?
        };
        self.flows.push(FlowSpec {
            name: name.to_string(),
            route: route.to_vec(),
            links,
            traffic,
            size,
            start,
            ack_route: ack_route.to_vec(),
            ack_links,
            cover: None,
            routes: None,
            payload_of: None,
        });
        Ok((self.flows.len() - 1) as FlowId)
    }

    /// Count flow `flow`'s latency in class `class` (reported per class as well as in total).
    pub fn set_latency_class(&mut self, flow: FlowId, class: u32) {
        let f = flow as usize;
        if self.latency_classes.len() <= f {
            self.latency_classes.resize(f + 1, 0);
        }
        self.latency_classes[f] = class;
    }

    /// Hold flow `flow`'s packets at position `hop` of its route in a stage that `make` builds
    /// afresh for each trial. One stage per flow; not at the receiver.
    pub fn place_stage(
        &mut self,
        flow: FlowId,
        hop: usize,
        make: StageFactory,
    ) -> Result<(), TopologyError> {
        let f = self
            .flows
            .get(flow as usize)
            .ok_or(TopologyError::NoFlow(flow))?;
        if hop + 1 >= f.route.len() || self.stages.iter().any(|s| s.flow == flow) {
            return Err(TopologyError::Invalid(format!(
                "flow {}: one stage per flow, before its receiver",
                f.name
            )));
        }
        self.stages.push(StageSpec { flow, hop, make });
        Ok(())
    }

    /// The link from `from` to `to`, if there is one.
    pub fn link_between(&self, from: NodeId, to: NodeId) -> Option<LinkId> {
        if self.link_index.len() == self.links.len() {
            return self.link_index.get(&(from, to)).copied();
        }
        // Links pushed onto the public `links` directly: not indexed.
        self.links.iter().position(|l| l.from == from && l.to == to)
    }

    fn node(&self, n: NodeId) -> Result<&NodeSpec, TopologyError> {
        self.nodes.get(n).ok_or(TopologyError::NoNode(n))
    }

    fn route_links(&self, route: &[NodeId]) -> Result<Vec<LinkId>, TopologyError> {
        if route.len() < 2 {
            return Err(TopologyError::ShortRoute);
        }
        if route.len() > u16::MAX as usize {
            return Err(TopologyError::Invalid("a route of over 65535 nodes".into()));
        }
        route
            .windows(2)
            .map(|w| {
                let (a, b) = (self.node(w[0])?, self.node(w[1])?);
                self.link_between(w[0], w[1])
                    .ok_or_else(|| TopologyError::NoLink(a.name.clone(), b.name.clone()))
            })
            .collect()
    }
}
