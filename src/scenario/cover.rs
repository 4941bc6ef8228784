//! Sender cover: `[[cover]]` tables resolved into flows marked as cover.
//!
//! A cover table is a stream of dummies from the first node of its route, Poisson or constant
//! rate, that looks like real traffic on every tap:
//!
//! ```toml
//! [[cover]]
//! name = "alice-drop"
//! kind = "drop"                  # absorbed at the last node of the route (not the sender)
//! route = ["alice", "m1", "m2"]
//! model = "poisson"              # or "constant"
//! rate = "20pps"
//! # size = "1000B"               # default: the size of the sender's real packets
//! # start = "0s"
//!
//! [[cover]]
//! name = "alice-loop"
//! kind = "loop"                  # back to the sender, which is first and last
//! route = ["alice", "m1", "m2", "alice"]
//! model = "poisson"
//! rate = "10pps"
//! ```
//!
//! The resolved streams are appended to the scenario's flows after every `[[flow]]`, in file
//! order, so real flows keep their ids (and their random streams) whether or not cover is
//! added. They count in every link's offered load like real flows.

use super::error::ScenarioError;
use super::schema::{CoverKindSpec, CoverModel, CoverSpec};
use super::{check_name, resolve_route, Flow, Node};
use crate::net::CoverKind;
use crate::traffic::Traffic;
use std::collections::HashMap;

/// What a cover table is resolved against: the nodes, the links by (from, to), and the flows
/// so far (for names and the sender's packet size).
pub(super) struct Context<'a> {
    pub nodes: &'a [Node],
    pub link_at: &'a HashMap<(usize, usize), usize>,
    pub node_index: &'a dyn Fn(&str, String) -> Result<usize, ScenarioError>,
    pub err: &'a dyn Fn(String, String) -> ScenarioError,
    pub packet_size: u64,
}

/// Resolve every `[[cover]]` table into a cover flow pushed onto `flows` (whose names are in
/// `flow_at`; the first `real` of them come from `[[flow]]` tables).
pub(super) fn resolve<'a>(
    cover: &'a [CoverSpec],
    cx: &Context<'_>,
    flow_at: &mut HashMap<&'a str, usize>,
    flows: &mut Vec<Flow>,
) -> Result<(), ScenarioError> {
    let real = flows.len();
    for (i, c) in cover.iter().enumerate() {
        let name = c.name.get_ref();
        check_name(name, "cover", false)
            .map_err(|e| (cx.err)(format!("cover[{i}].name"), e.to_string()))?;
        if let Some(&j) = flow_at.get(name.as_str()) {
            let first = match j < real {
                true => format!("flow[{j}]"),
                false => format!("cover[{}]", j - real),
            };
            return Err((cx.err)(
                format!("cover[{i}].name"),
                format!("the name \"{name}\" is taken (by {first}): flows and cover share names"),
            ));
        }
        let flow = resolve_one(i, c, cx, &flows[..real])?;
        if let Some(of) = flow.payload_of {
            if let Some(j) = flows[real..].iter().position(|g| g.payload_of == Some(of)) {
                return Err((cx.err)(
                    format!("cover[{i}].flow"),
                    format!(
                        "flow \"{}\" already has a payload stream (cover[{j}])",
                        flows[of].name
                    ),
                ));
            }
        }
        flow_at.insert(name.as_str(), flows.len());
        flows.push(flow);
    }
    Ok(())
}

fn resolve_one(
    i: usize,
    c: &CoverSpec,
    cx: &Context<'_>,
    real: &[Flow],
) -> Result<Flow, ScenarioError> {
    let kind = match c.kind {
        CoverKindSpec::Drop | CoverKindSpec::Payload => CoverKind::Drop,
        CoverKindSpec::Loop => CoverKind::Loop,
    };
    let (route, links) = cover_route(i, c.route.get_ref(), kind, cx)?;
    let payload_of = payload_flow(i, c, route[0], cx, real)?;
    let rate = c.rate.get_ref().per_sec();
    let traffic = match c.model {
        CoverModel::Poisson => Traffic::Poisson { rate },
        CoverModel::Constant => Traffic::Constant { rate },
    };
    let size = match &c.size {
        Some(s) => s.get_ref().0,
        None => sender_size(i, route[0], real, cx)?,
    };
    let size = u32::try_from(size).ok().filter(|&s| s > 0).ok_or_else(|| {
        (cx.err)(
            format!("cover[{i}].size"),
            format!("expected a dummy size from 1B to 4GB, got {size}B"),
        )
    })?;
    Ok(Flow {
        name: c.name.get_ref().clone(),
        route,
        links,
        traffic,
        size,
        start: c.start.0,
        ack_route: Vec::new(),
        ack_links: Vec::new(),
        cover: Some(kind),
        choices: None,
        link_shares: Vec::new(),
        payload_of,
    })
}

/// The real flow a payload stream carries (`kind = "payload"`, key `flow`): an open-loop
/// `[[flow]]` (not TCP, not a trace) from the stream's sender. Other kinds take no `flow`.
fn payload_flow(
    i: usize,
    c: &CoverSpec,
    sender: usize,
    cx: &Context<'_>,
    real: &[Flow],
) -> Result<Option<usize>, ScenarioError> {
    let key = format!("cover[{i}].flow");
    let Some(name) = c.flow.as_ref().map(|f| f.get_ref()) else {
        return match c.kind {
            CoverKindSpec::Payload => Err((cx.err)(
                format!("cover[{i}]"),
                "a payload stream carries the messages of one flow: expected flow = \"NAME\" naming a [[flow]] from its sender".into(),
            )),
            _ => Ok(None),
        };
    };
    if c.kind != CoverKindSpec::Payload {
        return Err((cx.err)(
            key,
            "only kind = \"payload\" carries a flow's messages: drop and loop cover take no flow"
                .into(),
        ));
    }
    let f = real.iter().position(|f| &f.name == name).ok_or_else(|| {
        let names: Vec<&str> = real.iter().map(|f| f.name.as_str()).collect();
        (cx.err)(
            key.clone(),
            format!("no [[flow]] named \"{name}\"; flows: {}", names.join(", ")),
        )
    })?;
    if matches!(real[f].traffic, Traffic::Tcp(_) | Traffic::Trace(_)) {
        return Err((cx.err)(
            key,
            format!("flow \"{name}\" is TCP or a replayed trace: payload slots carry open-loop messages (poisson, constant, onoff, interactive)"),
        ));
    }
    if real[f].route[0] != sender {
        return Err((cx.err)(
            key,
            format!(
                "flow \"{name}\" leaves \"{}\" but this stream leaves \"{}\": a payload stream is its flow's sender's",
                cx.nodes[real[f].route[0]].name, cx.nodes[sender].name
            ),
        ));
    }
    Ok(Some(f))
}

/// The nodes and links of a cover route: a loop-free route for drop cover (whose last node is
/// not the sender), the sender first and last for loop cover.
fn cover_route(
    i: usize,
    hops: &[toml::Spanned<String>],
    kind: CoverKind,
    cx: &Context<'_>,
) -> Result<(Vec<usize>, Vec<usize>), ScenarioError> {
    let key = format!("cover[{i}].route");
    let last = hops.len().saturating_sub(1);
    let name = |h: usize| hops[h].get_ref().as_str();
    let resolve = |hops: &[toml::Spanned<String>], hint: &str| {
        resolve_route(
            hops,
            &key,
            hint,
            cx.nodes,
            cx.link_at,
            cx.node_index,
            cx.err,
        )
    };
    if kind == CoverKind::Drop {
        if hops.len() >= 2 && name(0) == name(last) {
            return Err((cx.err)(
                format!("{key}[{last}]"),
                format!("a drop dummy is absorbed at the last node of its route, and this one ends at its sender \"{}\": expected a drop hop other than the sender (kind = \"loop\" for dummies that return)", name(0)),
            ));
        }
        return resolve(
            hops,
            "sender first, ending at the hop where the dummies are dropped, like [\"alice\", \"mix\"]",
        );
    }
    if hops.len() < 3 {
        return Err((cx.err)(
            key,
            "expected a loop route of at least three nodes: the sender, the nodes it goes through and the sender again, like [\"alice\", \"m1\", \"m2\", \"alice\"]".into(),
        ));
    }
    if name(0) != name(last) {
        return Err((cx.err)(
            format!("{key}[{last}]"),
            format!(
                "a loop route returns to its sender: expected \"{}\" last, got \"{}\"",
                name(0),
                name(last)
            ),
        ));
    }
    let (mut route, mut links) = resolve(&hops[..last], "the sender first and last")?;
    let (from, to) = (route[last - 1], route[0]);
    let back = cx.link_at.get(&(from, to)).copied().ok_or_else(|| {
        let (a, b) = (&cx.nodes[from].name, &cx.nodes[to].name);
        (cx.err)(
            format!("{key}[{last}]"),
            format!("no link from \"{a}\" to \"{b}\" for this hop: add a [[link]] with from = \"{a}\", to = \"{b}\""),
        )
    })?;
    route.push(to);
    links.push(back);
    Ok((route, links))
}

/// The default dummy size: the size of the real packets `sender` sends (the scenario's
/// packet_size when it sends none); refused when its flows disagree.
fn sender_size(
    i: usize,
    sender: usize,
    real: &[Flow],
    cx: &Context<'_>,
) -> Result<u64, ScenarioError> {
    let mut sizes: Vec<u32> = real
        .iter()
        .filter(|f| f.route[0] == sender)
        .map(|f| f.size)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    match sizes[..] {
        [] => Ok(cx.packet_size),
        [s] => Ok(s as u64),
        _ => Err((cx.err)(
            format!("cover[{i}]"),
            format!(
                "sender \"{}\" sends real packets of {}: expected size = \"...\" to say which size its dummies have",
                cx.nodes[sender].name,
                sizes
                    .iter()
                    .map(|s| format!("{s}B"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}
