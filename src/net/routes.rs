//! Per-message routes over a stratified topology (Loopix): a fresh route for every packet.
//!
//! A [`RouteChoices`] gives, for each position of a flow's route, the nodes a packet may take
//! there and their weights: one node at the fixed positions (the sender, a provider, the
//! receiver), a layer of mixes at the others. A [`RouteTable`] lists every route the choices
//! allow, in mixed-radix order (the last position varies fastest), with its links, so that a
//! packet carries only its route's index ([`Packet::route`](super::Packet::route)) and the
//! executor reads its next link from the table.
//!
//! Draws, from the flow's own route stream only: for each packet, in the order packets are
//! created, one draw per position with more than one node, in route order: uniform
//! (`random_range`) when the position's weights are equal, else `rand`'s `WeightedIndex`.

use super::topology::{LinkId, NodeId, TopologyError};
use crate::engine::SimRng;
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::Rng;

/// Most routes a table may hold: a packet names its route in 16 bits.
pub const MAX_ROUTES: usize = u16::MAX as usize + 1;

/// The nodes a packet may take at each position of its route, with their weights.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteChoices {
    /// Per position, (node, weight > 0); one entry at a fixed position.
    pub hops: Vec<Vec<(NodeId, f64)>>,
}

/// How a packet picks the node at one position.
#[derive(Debug, Clone)]
enum Pick {
    Fixed,
    Uniform(usize),
    Weighted(WeightedIndex<f64>),
}

/// Every route a flow's [`RouteChoices`] allow, and how to draw one.
#[derive(Debug, Clone)]
pub struct RouteTable {
    /// Nodes per route.
    len: usize,
    /// Route r's nodes are `nodes[r * len..][..len]`.
    nodes: Vec<NodeId>,
    /// Route r's links are `links[r * (len - 1)..][..len - 1]`.
    links: Vec<LinkId>,
    picks: Vec<Pick>,
    /// Per position, the number of routes one step of its choice spans.
    strides: Vec<usize>,
}

impl RouteTable {
    /// The table of `choices`, with the link of each consecutive pair from `link`; refused
    /// when a pair has no link, a weight is not positive and finite, or there are more than
    /// [`MAX_ROUTES`] routes.
    pub fn new(
        choices: &RouteChoices,
        link: impl Fn(NodeId, NodeId) -> Option<LinkId>,
    ) -> Result<RouteTable, TopologyError> {
        let hops = &choices.hops;
        if hops.len() < 2 || hops.iter().any(|h| h.is_empty()) {
            return Err(TopologyError::ShortRoute);
        }
        let count = hops
            .iter()
            .try_fold(1usize, |n, h| n.checked_mul(h.len()))
            .filter(|&n| n <= MAX_ROUTES)
            .ok_or_else(|| {
                TopologyError::Invalid(format!(
                    "the per-message route choices allow more than {MAX_ROUTES} routes"
                ))
            })?;
        let mut strides = vec![1; hops.len()];
        for p in (0..hops.len() - 1).rev() {
            strides[p] = strides[p + 1] * hops[p + 1].len();
        }
        let picks = hops.iter().map(|h| pick(h)).collect::<Result<_, _>>()?;
        let len = hops.len();
        let (mut nodes, mut links) = (Vec::with_capacity(count * len), Vec::new());
        for r in 0..count {
            let route: Vec<NodeId> = (0..len)
                .map(|p| hops[p][(r / strides[p]) % hops[p].len()].0)
                .collect();
            for w in route.windows(2) {
                let l = link(w[0], w[1])
                    .ok_or_else(|| TopologyError::NoLink(w[0].to_string(), w[1].to_string()))?;
                links.push(l);
            }
            nodes.extend(route);
        }
        Ok(RouteTable {
            len,
            nodes,
            links,
            picks,
            strides,
        })
    }

    /// Number of routes.
    pub fn routes(&self) -> usize {
        self.nodes.len() / self.len
    }

    /// Route `r`'s nodes, sender first.
    pub fn nodes(&self, r: usize) -> &[NodeId] {
        &self.nodes[r * self.len..][..self.len]
    }

    /// Route `r`'s links.
    pub fn links(&self, r: usize) -> &[LinkId] {
        &self.links[r * (self.len - 1)..][..self.len - 1]
    }

    /// A fresh route for one packet (see the module documentation for the draws).
    pub fn draw(&self, rng: &mut SimRng) -> u16 {
        let mut r = 0;
        for (pick, stride) in self.picks.iter().zip(&self.strides) {
            let i = match pick {
                Pick::Fixed => 0,
                Pick::Uniform(n) => rng.random_range(0..*n),
                Pick::Weighted(w) => w.sample(rng),
            };
            r += i * stride;
        }
        r as u16
    }
}

fn pick(hop: &[(NodeId, f64)]) -> Result<Pick, TopologyError> {
    if let Some(&(n, w)) = hop.iter().find(|(_, w)| !(w.is_finite() && *w > 0.0)) {
        return Err(TopologyError::Invalid(format!(
            "node {n} has route weight {w}: expected a finite weight above zero"
        )));
    }
    Ok(match hop {
        [_] => Pick::Fixed,
        _ if hop.iter().all(|&(_, w)| w == hop[0].1) => Pick::Uniform(hop.len()),
        _ => Pick::Weighted(
            WeightedIndex::new(hop.iter().map(|&(_, w)| w))
                .map_err(|e| TopologyError::Invalid(format!("route weights: {e}")))?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn table(hops: Vec<Vec<(NodeId, f64)>>) -> RouteTable {
        RouteTable::new(&RouteChoices { hops }, |a, b| Some(a * 100 + b)).unwrap()
    }

    #[test]
    fn routes_are_listed_in_mixed_radix_order_with_their_links() {
        let t = table(vec![
            vec![(0, 1.0)],
            vec![(1, 1.0), (2, 1.0)],
            vec![(3, 1.0), (4, 1.0), (5, 1.0)],
            vec![(6, 1.0)],
        ]);
        assert_eq!(t.routes(), 6);
        assert_eq!(t.nodes(0), &[0, 1, 3, 6]);
        assert_eq!(t.nodes(4), &[0, 2, 4, 6]);
        assert_eq!(t.links(4), &[2, 204, 406]);
    }

    #[test]
    fn weighted_draws_follow_the_weights() {
        let t = table(vec![
            vec![(0, 1.0)],
            vec![(1, 1.0), (2, 3.0)],
            vec![(3, 1.0)],
        ]);
        let mut rng = stream(1, 0, 0);
        let n = 40_000;
        let second = (0..n).filter(|_| t.draw(&mut rng) == 1).count();
        let share = second as f64 / n as f64;
        assert!((share - 0.75).abs() < 0.01, "{share}");
    }

    #[test]
    fn missing_links_and_bad_weights_are_refused() {
        let hops = vec![vec![(0, 1.0)], vec![(1, 1.0), (2, 1.0)]];
        let e = RouteTable::new(&RouteChoices { hops }, |_, b| (b == 1).then_some(0));
        assert_eq!(
            e.unwrap_err(),
            TopologyError::NoLink("0".into(), "2".into())
        );
        let hops = vec![vec![(0, 1.0)], vec![(1, 0.0), (2, 1.0)]];
        assert!(RouteTable::new(&RouteChoices { hops }, |_, _| Some(0)).is_err());
    }
}
