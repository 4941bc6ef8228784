//! From a validated scenario to the network it describes, through the net builder: nodes,
//! links, flows (with their per-message route choices and payload slots) and watermark stages
//! are added in file order, so element ids (and with them every random stream) are the
//! scenario's indices.

use super::{ResolvedNodeKind, Scenario};
use crate::net::{FlowId, LinkParams, Stage, StageFactory, Topology};
use crate::traffic::Traffic;
use std::sync::Arc;

/// Validation refuses everything the builder would.
const VALIDATED: &str = "a validated scenario builds its network";

impl Scenario {
    /// The network of this scenario, ready for an executor.
    pub fn topology(&self) -> Topology {
        let mut t = Topology::new(self.warmup, self.duration);
        for n in &self.nodes {
            match n.kind {
                ResolvedNodeKind::Host => t.add_host(&n.name),
                ResolvedNodeKind::Mix { strategy } => {
                    let node = t.add_mix(&n.name, strategy);
                    t.set_batch_order(node, n.order);
                    node
                }
            };
        }
        for l in &self.links {
            let params = LinkParams {
                bandwidth_bps: l.bandwidth_bps,
                delay: l.delay,
                buffer_packets: l.buffer_packets,
                jitter: l.jitter.unwrap_or(0),
                jitter_model: l.jitter_model,
                order_preserving: l.order_preserving,
                loss: l.loss,
                outage: l.outage,
                padding: l.padding,
            };
            t.add_link(l.from, l.to, params).expect(VALIDATED);
        }
        for f in &self.flows {
            let id = match &f.traffic {
                _ if f.cover.is_some() => t.add_cover_flow(
                    &f.name,
                    &f.route,
                    f.traffic.clone(),
                    f.size,
                    f.start,
                    f.cover.expect("cover"),
                ),
                Traffic::Tcp(p) => {
                    t.add_tcp_flow(&f.name, &f.route, &f.ack_route, p.clone(), f.size, f.start)
                }
                other => t.add_flow(&f.name, &f.route, other.clone(), f.size, f.start),
            };
            let id = id.expect(VALIDATED);
            debug_assert_eq!(t.flows[id as usize].links, f.links);
            if let Some(choices) = &f.choices {
                t.set_route_choices(id, choices).expect(VALIDATED);
            }
            if let Some(of) = f.payload_of {
                t.set_payload_slots(id, of as FlowId).expect(VALIDATED);
            }
        }
        for w in &self.watermarks {
            let (flow, hop) = (w.flow as FlowId, w.hop);
            let w = w.clone();
            let make: StageFactory = Arc::new(move || -> Box<dyn Stage + Send> { w.stage() });
            t.place_stage(flow, hop, make).expect(VALIDATED);
        }
        t
    }
}
