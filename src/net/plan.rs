//! Whether a network is feed-forward, and the order its nodes run in when it is.
//!
//! A network without feedback (no TCP, no ACK routes, routes that never lead back to a node
//! they came from) can be run in topological order of its nodes: each node takes the
//! time-sorted streams of packets reaching it, merges them, and offers them to its out-links,
//! whose outputs are the streams of the next nodes. [`plan`] checks that and orders the nodes;
//! the columnar executor runs along the [`Plan`]. [`Executor`] is the caller's choice.

use super::network::{Network, NodeState, NO_TCP};

/// Which executor runs the trials of an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Executor {
    /// The feed-forward (columnar) executor when the network allows it, else the event engine.
    #[default]
    Auto,
    /// Always the event engine.
    Event,
    /// The feed-forward (columnar) executor (the caller checks [`plan`] first and refuses a
    /// network it rejects). A trial it cannot order still runs on the event engine.
    Stream,
}

/// Why a network cannot run on the feed-forward executor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotFeedForward {
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

/// The order of a network's nodes and what feeds each.
pub struct Plan {
    order: Vec<usize>,
    /// Per node: flows starting there.
    sources: Vec<Vec<u32>>,
    /// Per node: links into it that carry packets it forwards.
    in_links: Vec<Vec<usize>>,
    /// Per node: the one link every packet leaving it takes, if there is one.
    out_link: Vec<Option<usize>>,
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

    /// The one link every packet leaving `node` takes, if the routes through it all take
    /// the same (what it forwards then needs no split by link).
    pub fn out_link_at(&self, node: usize) -> Option<usize> {
        self.out_link[node]
    }
}

/// Per node, the one link every route leaving it takes, if there is one.
fn single_out_links(net: &Network) -> Vec<Option<usize>> {
    // usize::MAX: no route leaves the node (yet); usize::MAX - 1: several links do.
    let mut out = vec![usize::MAX; net.nodes.len()];
    for f in &net.flows {
        for (&node, &l) in f.route.iter().zip(&f.links) {
            out[node] = match out[node] {
                usize::MAX => l,
                k if k == l => l,
                _ => usize::MAX - 1,
            };
        }
    }
    out.into_iter()
        .map(|l| (l < usize::MAX - 1).then_some(l))
        .collect()
}

/// Loopix's elements run on the event engine only: per-message routes, payload slots and mix
/// loops (a flow whose sender is a mix).
fn loopix_refusal(net: &Network) -> Result<(), NotFeedForward> {
    for (i, f) in net.flows.iter().enumerate() {
        if f.has_per_message_routes() {
            return Err(NotFeedForward::PerMessageRoutes(i));
        }
        if f.has_payload_slots() {
            return Err(NotFeedForward::PayloadSlots(i));
        }
        if matches!(net.nodes[f.route[0]], NodeState::Mix { .. }) {
            return Err(NotFeedForward::MixLoop(i));
        }
    }
    Ok(())
}

/// Check that `net` is feed-forward and order its nodes upstream first.
pub fn plan(net: &Network) -> Result<Plan, NotFeedForward> {
    if let Some(f) = net.flow_tcp.iter().position(|&c| c != NO_TCP) {
        return Err(NotFeedForward::Tcp(f));
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
        return Err(NotFeedForward::Cycle(stuck));
    }
    for l in &mut in_links {
        l.sort_unstable();
    }
    Ok(Plan {
        order,
        sources,
        in_links,
        out_link: single_out_links(net),
    })
}
