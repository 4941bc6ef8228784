//! Layers: a stratified topology (Loopix). A `[[layer]]` names a set of mixes; a route that
//! names a layer takes one of its mixes, drawn afresh for every message (uniformly, or by
//! `weights`):
//!
//! ```toml
//! [[layer]]
//! name = "L1"
//! mixes = ["m11", "m12", "m13"]
//! # weights = [1.0, 1.0, 2.0]     # default: equal
//!
//! [[flow]]
//! name = "alice"
//! route = ["alice", "L1", "L2", "L3", "provider", "bob"]
//! ```
//!
//! Routes are resolved in two steps: first as if each layer were its first mix (so a route's
//! nodes and links are checked like any other, and `Flow::route` is the first route), then
//! here, where every pair of nodes at consecutive positions must be joined by a link and the
//! flow gets its [`RouteChoices`] and the share of its packets each link carries.

use super::error::ScenarioError;
use super::schema::ScenarioFile;
use super::{Flow, Node, ResolvedNodeKind};
use crate::net::routes::MAX_ROUTES;
use crate::net::RouteChoices;
use std::collections::HashMap;
use toml::Spanned;

/// One layer after validation.
pub(super) struct Layer {
    pub name: String,
    pub mixes: Vec<usize>,
    /// Normalised to sum 1.
    pub shares: Vec<f64>,
}

/// The layers of a scenario, by name.
#[derive(Default)]
pub(super) struct Layers {
    list: Vec<Layer>,
    by_name: HashMap<String, usize>,
}

impl Layers {
    /// The first mix of the layer `name`, if it is a layer: what a route resolves it to first.
    pub fn first_mix(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).map(|&l| self.list[l].mixes[0])
    }

    fn get(&self, name: &str) -> Option<&Layer> {
        self.by_name.get(name).map(|&l| &self.list[l])
    }
}

/// Resolve the `[[layer]]` tables against the nodes.
pub(super) fn resolve_layers(
    file: &ScenarioFile,
    nodes: &[Node],
    node_at: &HashMap<&str, usize>,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Layers, ScenarioError> {
    let mut layers = Layers::default();
    let mut layer_of: HashMap<usize, String> = HashMap::new();
    for (i, l) in file.layers.iter().enumerate() {
        let name = l.name.get_ref();
        let key = |k: &str| format!("layer[{i}].{k}");
        if node_at.contains_key(name.as_str()) || layers.by_name.contains_key(name) {
            return Err(err(
                key("name"),
                format!("the name \"{name}\" is taken by a node or another layer: routes name layers and nodes alike"),
            ));
        }
        let names = l.mixes.get_ref();
        if names.is_empty() {
            return Err(err(
                key("mixes"),
                "expected at least one mix, like mixes = [\"m1\", \"m2\"]".into(),
            ));
        }
        let mut mixes = Vec::new();
        for (m, mix) in names.iter().enumerate() {
            let k = format!("layer[{i}].mixes[{m}]");
            let n = *node_at
                .get(mix.get_ref().as_str())
                .ok_or_else(|| err(k.clone(), format!("no node named \"{}\"", mix.get_ref())))?;
            if !matches!(nodes[n].kind, ResolvedNodeKind::Mix { .. }) {
                return Err(err(
                    k,
                    format!("\"{}\" is a host: a layer holds mixes", mix.get_ref()),
                ));
            }
            if let Some(other) = layer_of.insert(n, name.clone()) {
                return Err(err(
                    k,
                    format!(
                        "mix \"{}\" is already in layer \"{other}\": a mix belongs to one layer",
                        mix.get_ref()
                    ),
                ));
            }
            mixes.push(n);
        }
        let shares = shares(l.weights.as_ref(), mixes.len(), &|m| err(key("weights"), m))?;
        layers.by_name.insert(name.clone(), layers.list.len());
        layers.list.push(Layer {
            name: name.clone(),
            mixes,
            shares,
        });
    }
    Ok(layers)
}

fn shares(
    weights: Option<&Spanned<Vec<f64>>>,
    n: usize,
    err: &dyn Fn(String) -> ScenarioError,
) -> Result<Vec<f64>, ScenarioError> {
    let Some(w) = weights.map(|w| w.get_ref()) else {
        return Ok(vec![1.0 / n as f64; n]);
    };
    if w.len() != n {
        return Err(err(format!(
            "expected one weight per mix ({n}), got {}",
            w.len()
        )));
    }
    if let Some(x) = w.iter().find(|x| !(x.is_finite() && **x > 0.0)) {
        return Err(err(format!(
            "expected weights that are finite and above zero, got {x}"
        )));
    }
    let total: f64 = w.iter().sum();
    Ok(w.iter().map(|x| x / total).collect())
}

/// Give every flow and cover stream whose route names a layer its per-message route choices
/// (the flows are the `[[flow]]` tables, then the `[[cover]]` tables, in file order).
pub(super) fn apply(
    file: &ScenarioFile,
    layers: &Layers,
    nodes: &[Node],
    link_at: &HashMap<(usize, usize), usize>,
    flows: &mut [Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    if layers.list.is_empty() {
        return Ok(());
    }
    let routes = file
        .flows
        .iter()
        .enumerate()
        .map(|(i, f)| (format!("flow[{i}].route"), f.route.get_ref()))
        .chain(
            file.cover
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("cover[{i}].route"), c.route.get_ref())),
        );
    for ((key, hops), flow) in routes.zip(flows.iter_mut()) {
        if hops.iter().any(|h| layers.get(h.get_ref()).is_some()) {
            choices(&key, hops, layers, nodes, link_at, flow, err)?;
        }
    }
    for (i, f) in file.flows.iter().enumerate() {
        let ack = f
            .ack_route
            .as_ref()
            .map(|a| a.get_ref().as_slice())
            .unwrap_or(&[]);
        if let Some(h) = ack.iter().position(|h| layers.get(h.get_ref()).is_some()) {
            return Err(err(
                format!("flow[{i}].ack_route[{h}]"),
                "an ACK route takes fixed nodes: name a mix, not a layer".into(),
            ));
        }
    }
    Ok(())
}

/// The route choices of one route that names layers, checked: layers distinct and apart from
/// the route's other nodes, a link for every pair of nodes at consecutive positions, at most
/// `MAX_ROUTES` routes.
fn choices(
    key: &str,
    hops: &[Spanned<String>],
    layers: &Layers,
    nodes: &[Node],
    link_at: &HashMap<(usize, usize), usize>,
    flow: &mut Flow,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let mut positions: Vec<Vec<(usize, f64)>> = Vec::new();
    for (h, hop) in hops.iter().enumerate() {
        let at = format!("{key}[{h}]");
        let Some(layer) = layers.get(hop.get_ref()) else {
            positions.push(vec![(flow.route[h], 1.0)]);
            continue;
        };
        let clash = hops.iter().enumerate().find(|&(g, other)| {
            g != h
                && (other.get_ref() == hop.get_ref()
                    || layer.mixes.contains(&flow.route[g])
                        && layers.get(other.get_ref()).is_none())
        });
        if let Some((g, _)) = clash {
            return Err(err(
                at,
                format!("layer \"{}\" meets route[{g}] again: a route takes each layer once and none of its mixes elsewhere", layer.name),
            ));
        }
        positions.push(
            layer
                .mixes
                .iter()
                .copied()
                .zip(layer.shares.iter().copied())
                .collect(),
        );
    }
    let count = positions
        .iter()
        .try_fold(1usize, |n, p| n.checked_mul(p.len()));
    if count.is_none_or(|n| n > MAX_ROUTES) {
        return Err(err(
            key.to_string(),
            format!(
                "its layers allow more than {MAX_ROUTES} routes: expected fewer or smaller layers"
            ),
        ));
    }
    let mut shares: HashMap<usize, f64> = HashMap::new();
    for (k, pair) in positions.windows(2).enumerate() {
        for &(a, pa) in &pair[0] {
            for &(b, pb) in &pair[1] {
                let l = link_at.get(&(a, b)).ok_or_else(|| {
                    let (a, b) = (&nodes[a].name, &nodes[b].name);
                    err(
                        format!("{key}[{}]", k + 1),
                        format!("no link from \"{a}\" to \"{b}\": a route through a layer may take any of its mixes, so every pair of nodes at consecutive positions needs a link (add a [[link]] with from = \"{a}\", to = \"{b}\")"),
                    )
                })?;
                *shares.entry(*l).or_default() += pa * pb;
            }
        }
    }
    let mut link_shares: Vec<(usize, f64)> = shares.into_iter().collect();
    link_shares.sort_unstable_by_key(|&(l, _)| l);
    flow.link_shares = link_shares;
    flow.choices = Some(RouteChoices { hops: positions });
    Ok(())
}
