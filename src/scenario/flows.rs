//! Flows: a route of nodes joined by links and a traffic model with exactly its own keys
//! (open-loop models, TCP with its ACK route, trace replay).

use super::error::{ScenarioError, Source};
use super::schema::{self, ScenarioFile, TrafficModel};
use super::{check_name, Flow, Node, Traffic};
use crate::engine::SimTime;
use crate::traffic::interactive::InteractiveError;
use crate::traffic::replay::{self, FlowFilter, TraceData};
use crate::traffic::tcp::{TcpParams, HEADER_BYTES};
use crate::units;
use std::collections::HashMap;
use std::path::Path;

/// The flows of `file`, in file order, and their indices by name.
pub(super) fn resolve_flows<'a>(
    file: &'a ScenarioFile,
    src: &Source,
    nodes: &[Node],
    link_at: &HashMap<(usize, usize), usize>,
    node_index: &dyn Fn(&str, String) -> Result<usize, ScenarioError>,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(Vec<Flow>, HashMap<&'a str, usize>), ScenarioError> {
    let mut flows: Vec<Flow> = Vec::new();
    let mut flow_at: HashMap<&str, usize> = HashMap::with_capacity(file.flows.len());
    for (i, f) in file.flows.iter().enumerate() {
        let name = f.name.get_ref();
        check_name(name, "flow", false)
            .map_err(|e| err(format!("flow[{i}].name"), e.to_string()))?;
        if let Some(&j) = flow_at.get(name.as_str()) {
            return Err(err(
                format!("flow[{i}].name"),
                format!("flow \"{name}\" is defined twice (first as flow[{j}])"),
            ));
        }
        let (route, route_links) = resolve_route(
            f.route.get_ref(),
            &format!("flow[{i}].route"),
            "sender first, like [\"alice\", \"mix\", \"bob\"]",
            nodes,
            link_at,
            &node_index,
            &err,
        )?;
        check_model_keys(i, f, err)?;
        let at = FlowAt {
            i,
            f,
            route: &route,
            nodes,
            link_at,
            node_index,
            err,
        };
        let (traffic, size, ack) = traffic_of(&at, file.packet_size.0, src)?;
        check_rate_applies(i, f, err)?;
        let size = u32::try_from(size).map_err(|_| {
            let key = if f.size.is_some() {
                format!("flow[{i}].size")
            } else {
                "packet_size".to_string()
            };
            err(
                key,
                format!("expected a packet size below 4 GiB, got {size}B"),
            )
        })?;
        flow_at.insert(name.as_str(), flows.len());
        flows.push(Flow {
            name: name.clone(),
            route,
            links: route_links,
            traffic,
            size,
            start: f.start.0,
            ack_route: ack.0,
            ack_links: ack.1,
            cover: None,
            choices: None,
            link_shares: Vec::new(),
            payload_of: None,
        });
    }
    Ok((flows, flow_at))
}

/// A route's node and link indices.
type Route = (Vec<usize>, Vec<usize>);

/// Flow number `i` of the file, as its traffic model is resolved: its table, its route and what
/// an ACK route is resolved against.
struct FlowAt<'a> {
    i: usize,
    f: &'a schema::FlowSpec,
    route: &'a [usize],
    nodes: &'a [Node],
    link_at: &'a HashMap<(usize, usize), usize>,
    node_index: &'a dyn Fn(&str, String) -> Result<usize, ScenarioError>,
    err: &'a dyn Fn(String, String) -> ScenarioError,
}

/// A key that belongs to another model than the flow's is refused.
fn check_model_keys(
    i: usize,
    f: &schema::FlowSpec,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let owner = |k: &str| {
        if TCP_KEYS.contains(&k) {
            TrafficModel::Tcp
        } else if TRACE_KEYS.contains(&k) {
            TrafficModel::Trace
        } else if k == "on" || k == "off" {
            TrafficModel::Onoff
        } else if INTERACTIVE_KEYS.contains(&k) {
            TrafficModel::Interactive
        } else {
            f.model
        }
    };
    if let Some(k) = model_keys(f).iter().find(|k| owner(k) != f.model) {
        let m = match owner(k) {
            TrafficModel::Tcp => "\"tcp\"",
            TrafficModel::Trace => "\"trace\"",
            TrafficModel::Interactive => "\"interactive\"",
            _ => "\"onoff\"",
        };
        return Err(err(
            format!("flow[{i}].{k}"),
            format!("`{k}` applies only to model = {m}"),
        ));
    }
    Ok(())
}

/// `rate` is refused on the models that set their own times (TCP, traces).
fn check_rate_applies(
    i: usize,
    f: &schema::FlowSpec,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let open_loop = matches!(
        f.model,
        TrafficModel::Poisson
            | TrafficModel::Constant
            | TrafficModel::Onoff
            | TrafficModel::Interactive
    );
    if f.rate.is_none() || open_loop {
        return Ok(());
    }
    Err(err(
        format!("flow[{i}].rate"),
        format!(
            "`rate` does not apply to model = \"{}\": {}",
            model_name(f.model),
            if f.model == TrafficModel::Tcp {
                "a TCP flow sends as fast as its windows allow"
            } else {
                "a trace sets its own times"
            }
        ),
    ))
}

/// A flow's traffic, its packet size on the wire (before the check that it fits), and for TCP
/// its ACK route (nodes, links).
fn traffic_of(
    at: &FlowAt<'_>,
    packet_size: u64,
    src: &Source,
) -> Result<(Traffic, u64, Route), ScenarioError> {
    let (i, f, err) = (at.i, at.f, at.err);
    let open_loop_rate = || {
        f.rate.as_ref().map(|r| r.get_ref().0).ok_or_else(|| {
            err(
                format!("flow[{i}].rate"),
                format!(
                    "flow \"{}\" needs a rate, like rate = \"100pps\"",
                    f.name.get_ref()
                ),
            )
        })
    };
    let size = f.size.map_or(packet_size, |s| s.0);
    let none = (Vec::new(), Vec::new());
    Ok(match f.model {
        TrafficModel::Poisson => (
            Traffic::Poisson {
                rate: open_loop_rate()?,
            },
            size,
            none,
        ),
        TrafficModel::Constant => (
            Traffic::Constant {
                rate: open_loop_rate()?,
            },
            size,
            none,
        ),
        TrafficModel::Onoff => (onoff(i, f, open_loop_rate()?, err)?, size, none),
        TrafficModel::Tcp => {
            let (params, wire) = resolve_tcp(i, f, packet_size, err)?;
            (Traffic::Tcp(params), wire, ack_route(at)?)
        }
        TrafficModel::Interactive => (interactive(i, f, open_loop_rate()?, err)?, size, none),
        TrafficModel::Trace => {
            let (traffic, mean) = trace(i, f, src, err)?;
            (traffic, mean.unwrap_or(size), none)
        }
    })
}

/// An on/off flow's traffic: mean periods on and off above zero.
fn onoff(
    i: usize,
    f: &schema::FlowSpec,
    rate: f64,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Traffic, ScenarioError> {
    let period = |k: &str, v: Option<units::Duration>| {
        match v {
        Some(d) if d.0 > 0 => Ok(d.0),
        _ => Err(err(
            format!("flow[{i}].{k}"),
            "an onoff flow needs mean periods on and off above zero, like on = \"1s\", off = \"2s\"".into(),
        )),
    }
    };
    let on = period("on", f.on)?;
    let off = period("off", f.off)?;
    Ok(Traffic::OnOff { rate, on, off })
}

/// A TCP flow's ACK route (required): from its receiver back to its sender.
fn ack_route(at: &FlowAt<'_>) -> Result<Route, ScenarioError> {
    let (i, f, err, nodes, route) = (at.i, at.f, at.err, at.nodes, at.route);
    let hops = f.ack_route.as_ref().ok_or_else(|| {
        let back: Vec<String> = f
            .route
            .get_ref()
            .iter()
            .rev()
            .map(|h| format!("\"{}\"", h.get_ref()))
            .collect();
        err(
            format!("flow[{i}].ack_route"),
            format!(
                "tcp flow \"{}\" needs ack_route, the route of its ACKs from the receiver back to the sender, like ack_route = [{}] (the route reversed, over links in that direction), or any other route back",
                f.name.get_ref(),
                back.join(", ")
            ),
        )
    })?;
    let ack = resolve_route(
        hops.get_ref(),
        &format!("flow[{i}].ack_route"),
        "receiver first",
        nodes,
        at.link_at,
        &at.node_index,
        &err,
    )?;
    let (first, last) = (route[0], *route.last().expect("two nodes"));
    if ack.0[0] != last || *ack.0.last().expect("two nodes") != first {
        return Err(err(
            format!("flow[{i}].ack_route"),
            format!(
                "expected an ACK route from the receiver \"{}\" back to the sender \"{}\", got one from \"{}\" to \"{}\"",
                nodes[last].name,
                nodes[first].name,
                nodes[ack.0[0]].name,
                nodes[*ack.0.last().expect("two nodes")].name
            ),
        ));
    }
    Ok(ack)
}

/// An interactive (SSH-like) flow's traffic, its parameters defaulted and checked.
fn interactive(
    i: usize,
    f: &schema::FlowSpec,
    rate: f64,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Traffic, ScenarioError> {
    let d = crate::traffic::interactive::InteractiveParams::default();
    let p = crate::traffic::interactive::InteractiveParams {
        rate,
        think_prob: f.think_prob.unwrap_or(d.think_prob),
        think_share: f.think_share.unwrap_or(d.think_share),
        keystroke_sigma: f.keystroke_sigma.unwrap_or(d.keystroke_sigma),
        pareto_shape: f.pareto_shape.unwrap_or(d.pareto_shape),
        pareto_cap: f.pareto_cap.unwrap_or(d.pareto_cap),
    };
    p.validate().map_err(|e| {
        let k = match &e {
            InteractiveError::OutOfRange { key, .. } => key,
            InteractiveError::Keystroke(_) => "keystroke_sigma",
        };
        err(format!("flow[{i}].{k}"), e.to_string())
    })?;
    Ok(Traffic::Interactive(p))
}

/// A trace flow's traffic (its times must end within the largest simulated time) and its
/// packets' mean size, when the trace gives sizes.
fn trace(
    i: usize,
    f: &schema::FlowSpec,
    src: &Source,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(Traffic, Option<u64>), ScenarioError> {
    let data = resolve_trace(i, f, &src.file, &err)?;
    let span = data.times.last().copied().unwrap_or(0);
    if span
        .checked_add(f.start.0)
        .is_none_or(|t| t > units::MAX_TIME)
    {
        return Err(err(
            format!("flow[{i}].file"),
            format!(
                "the trace spans {}, which from start = {} ends beyond the largest simulated time {}",
                units::Duration(span.min(u64::MAX / 2)),
                f.start,
                units::Duration(units::MAX_TIME)
            ),
        ));
    }
    let mean = data.mean_size().map(|m| m.round() as u64);
    Ok((Traffic::Trace(std::sync::Arc::new(data)), mean))
}

/// Keys of `[[flow]]` that only model = "tcp" takes.
const INTERACTIVE_KEYS: &[&str] = &[
    "think_prob",
    "think_share",
    "keystroke_sigma",
    "pareto_shape",
    "pareto_cap",
];

const TCP_KEYS: &[&str] = &[
    "ack_route",
    "mss",
    "rwnd",
    "ack_size",
    "initial_cwnd",
    "initial_ssthresh",
    "dupthresh",
    "initial_rto",
    "min_rto",
    "max_rto",
    "delayed_ack",
    "ack_every",
    "ack_timeout",
    "drop_segments",
];

/// Keys of `[[flow]]` that only model = "trace" takes.
const TRACE_KEYS: &[&str] = &["file", "filter"];

fn model_name(m: TrafficModel) -> &'static str {
    match m {
        TrafficModel::Poisson => "poisson",
        TrafficModel::Constant => "constant",
        TrafficModel::Onoff => "onoff",
        TrafficModel::Tcp => "tcp",
        TrafficModel::Trace => "trace",
        TrafficModel::Interactive => "interactive",
    }
}

/// The model-specific keys a flow sets.
fn model_keys(f: &schema::FlowSpec) -> Vec<&'static str> {
    let set = [
        ("on", f.on.is_some()),
        ("off", f.off.is_some()),
        ("ack_route", f.ack_route.is_some()),
        ("mss", f.mss.is_some()),
        ("rwnd", f.rwnd.is_some()),
        ("ack_size", f.ack_size.is_some()),
        ("initial_cwnd", f.initial_cwnd.is_some()),
        ("initial_ssthresh", f.initial_ssthresh.is_some()),
        ("dupthresh", f.dupthresh.is_some()),
        ("initial_rto", f.initial_rto.is_some()),
        ("min_rto", f.min_rto.is_some()),
        ("max_rto", f.max_rto.is_some()),
        ("delayed_ack", f.delayed_ack.is_some()),
        ("ack_every", f.ack_every.is_some()),
        ("ack_timeout", f.ack_timeout.is_some()),
        ("drop_segments", f.drop_segments.is_some()),
        ("file", f.file.is_some()),
        ("filter", f.filter.is_some()),
        ("think_prob", f.think_prob.is_some()),
        ("think_share", f.think_share.is_some()),
        ("keystroke_sigma", f.keystroke_sigma.is_some()),
        ("pareto_shape", f.pareto_shape.is_some()),
        ("pareto_cap", f.pareto_cap.is_some()),
    ];
    set.iter().filter(|(_, on)| *on).map(|(k, _)| *k).collect()
}

/// Node and link indices of a route written as node names (at least two, loop-free, each hop
/// a link). `key` is the route's key path, for errors.
pub(super) fn resolve_route(
    hops: &[toml::Spanned<String>],
    key: &str,
    hint: &str,
    nodes: &[Node],
    link_at: &HashMap<(usize, usize), usize>,
    node_index: &dyn Fn(&str, String) -> Result<usize, ScenarioError>,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(Vec<usize>, Vec<usize>), ScenarioError> {
    if hops.len() < 2 {
        return Err(err(
            key.to_string(),
            format!("expected a route of at least two nodes, {hint}"),
        ));
    }
    let mut route = Vec::new();
    for (h, hop) in hops.iter().enumerate() {
        let n = node_index(hop.get_ref(), format!("{key}[{h}]"))?;
        if let Some(p) = route.iter().position(|&m| m == n) {
            return Err(err(
                format!("{key}[{h}]"),
                format!(
                    "the route visits \"{}\" twice (also at route[{p}]): expected a loop-free route",
                    nodes[n].name
                ),
            ));
        }
        route.push(n);
    }
    let mut route_links = Vec::new();
    for (w, pair) in route.windows(2).enumerate() {
        let l = link_at
            .get(&(pair[0], pair[1]))
            .copied()
            .ok_or_else(|| {
                let (a, b) = (&nodes[pair[0]].name, &nodes[pair[1]].name);
                err(
                    format!("{key}[{}]", w + 1),
                    format!("no link from \"{a}\" to \"{b}\" for this hop: add a [[link]] with from = \"{a}\", to = \"{b}\""),
                )
            })?;
        route_links.push(l);
    }
    Ok((route, route_links))
}

/// The trace of flow `i`, loaded from `file` (relative to the scenario file's directory).
fn resolve_trace(
    i: usize,
    f: &schema::FlowSpec,
    scenario_file: &Path,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<TraceData, ScenarioError> {
    let key = |k: &str| format!("flow[{i}].{k}");
    let name = f.file.as_ref().ok_or_else(|| {
        err(
            key("file"),
            "a trace flow needs `file`, a CSV of times in seconds (and sizes) or a pcap/pcapng capture, like file = \"traces/ssh.pcap\"".into(),
        )
    })?;
    let filter = match &f.filter {
        None => None,
        Some(s) => Some(
            s.parse::<FlowFilter>()
                .map_err(|e| err(key("filter"), e.to_string()))?,
        ),
    };
    let dir = scenario_file.parent().unwrap_or(Path::new(""));
    let path = dir.join(name);
    replay::load(&path, filter.as_ref()).map_err(|e| {
        let k = if e.is_filter() {
            key("filter")
        } else {
            key("file")
        };
        err(k, format!("trace file {}: {e}", path.display()))
    })
}

/// A TCP flow's payload per segment (MSS) and segment size on the wire (MSS + 40B), from
/// `mss` or `size` (not both) or the scenario's packet size; below 4 GiB.
fn segment_sizes(
    i: usize,
    f: &schema::FlowSpec,
    packet_size: u64,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(u64, u64), ScenarioError> {
    let key = |k: &str| format!("flow[{i}].{k}");
    let h = HEADER_BYTES as u64;
    let (mss, wire) = match (f.mss, f.size) {
        (Some(_), Some(_)) => {
            return Err(err(
                key("mss"),
                "give either mss (payload per segment) or size (segment on the wire, mss + 40B), not both".into(),
            ))
        }
        (Some(m), None) => (m.0, m.0 + h),
        (None, size) => {
            let wire = size.map_or(packet_size, |s| s.0);
            if wire <= h {
                let k = if size.is_some() { key("size") } else { "packet_size".into() };
                return Err(err(
                    k,
                    format!("a TCP segment of {wire}B leaves no payload after the 40B TCP/IP header: expected a size above 40B"),
                ));
            }
            (wire - h, wire)
        }
    };
    if wire > u32::MAX as u64 {
        return Err(err(
            key("mss"),
            format!("expected a segment below 4 GiB, got {wire}B"),
        ));
    }
    Ok((mss, wire))
}

/// TCP parameters of flow `i` and the wire size of its data segments.
fn resolve_tcp(
    i: usize,
    f: &schema::FlowSpec,
    packet_size: u64,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(TcpParams, u64), ScenarioError> {
    let key = |k: &str| format!("flow[{i}].{k}");
    let d = TcpParams::default();
    let (mss, wire) = segment_sizes(i, f, packet_size, err)?;
    let rwnd = match f.rwnd {
        None => (65_536 / mss).max(1),
        Some(schema::Window::Segments(n)) => n,
        Some(schema::Window::Bytes(b)) => {
            if b < mss {
                return Err(err(
                    key("rwnd"),
                    format!("a receiver window of {b}B holds no whole segment of {mss}B: expected at least the MSS"),
                ));
            }
            b / mss
        }
    };
    let positive = |k: &str, v: Option<u32>, default: u32| -> Result<u32, ScenarioError> {
        match v {
            Some(0) => Err(err(key(k), format!("expected `{k}` of at least 1, got 0"))),
            Some(n) => Ok(n),
            None => Ok(default),
        }
    };
    let dur =
        |k: &str, v: Option<units::Duration>, default: SimTime| -> Result<SimTime, ScenarioError> {
            match v {
                Some(x) if x.0 == 0 => Err(err(key(k), format!("expected `{k}` above zero"))),
                Some(x) => Ok(x.0),
                None => Ok(default),
            }
        };
    let min_rto = dur("min_rto", f.min_rto, d.min_rto)?;
    let max_rto = dur("max_rto", f.max_rto, d.max_rto)?;
    if max_rto < min_rto {
        return Err(err(
            key("max_rto"),
            format!(
                "expected max_rto at least min_rto ({}), got {}",
                units::Duration(min_rto),
                units::Duration(max_rto)
            ),
        ));
    }
    let ack_size = f.ack_size.map_or(d.ack_size as u64, |b| b.0);
    let params = TcpParams {
        mss: mss as u32,
        ack_size: u32::try_from(ack_size)
            .map_err(|_| err(key("ack_size"), "expected an ACK below 4 GiB".into()))?,
        rwnd: u32::try_from(rwnd).unwrap_or(u32::MAX),
        initial_cwnd: positive("initial_cwnd", f.initial_cwnd, d.initial_cwnd)?,
        initial_ssthresh: match f.initial_ssthresh {
            Some(n) if n < 2 => {
                return Err(err(
                    key("initial_ssthresh"),
                    format!("expected an initial ssthresh of at least 2 segments, got {n}"),
                ))
            }
            v => v,
        },
        dupthresh: positive("dupthresh", f.dupthresh, d.dupthresh)?,
        initial_rto: dur("initial_rto", f.initial_rto, d.initial_rto)?,
        min_rto,
        max_rto,
        delayed_ack: f.delayed_ack.unwrap_or(d.delayed_ack),
        ack_every: positive("ack_every", f.ack_every, d.ack_every)?,
        ack_timeout: dur("ack_timeout", f.ack_timeout, d.ack_timeout)?,
        drop_segments: f.drop_segments.clone().unwrap_or_default(),
    };
    if !params.delayed_ack {
        refuse_delayed_ack_keys(i, f, err)?;
    }
    Ok((params, wire))
}

/// Without delayed ACKs, their keys are refused.
fn refuse_delayed_ack_keys(
    i: usize,
    f: &schema::FlowSpec,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    for (k, set) in [
        ("ack_every", f.ack_every.is_some()),
        ("ack_timeout", f.ack_timeout.is_some()),
    ] {
        if set {
            return Err(err(
                format!("flow[{i}].{k}"),
                format!("`{k}` applies only with delayed_ack = true"),
            ));
        }
    }
    Ok(())
}
