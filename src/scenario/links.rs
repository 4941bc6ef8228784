//! Links: one direction between two nodes, with its transmitter, path stages (jitter, loss,
//! outage) and optional padding.

use super::error::ScenarioError;
use super::schema::{self, ScenarioFile};
use super::{Flow, Link, Node, Traffic};
use crate::net::link::{Padding, PaddingKind};
use crate::units;
use std::collections::{BTreeSet, HashMap};

/// Link indices by their (from, to) nodes.
pub(super) type LinkAt = HashMap<(usize, usize), usize>;

/// The links of `file`, in file order, and their indices by (from, to) node.
pub(super) fn resolve_links(
    file: &ScenarioFile,
    nodes: &[Node],
    node_index: &dyn Fn(&str, String) -> Result<usize, ScenarioError>,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(Vec<Link>, LinkAt), ScenarioError> {
    let mut links: Vec<Link> = Vec::new();
    let mut link_at: HashMap<(usize, usize), usize> = HashMap::with_capacity(file.links.len());
    for (i, l) in file.links.iter().enumerate() {
        let from = node_index(l.from.get_ref(), format!("link[{i}].from"))?;
        let to = node_index(l.to.get_ref(), format!("link[{i}].to"))?;
        if from == to {
            return Err(err(
                format!("link[{i}].to"),
                format!("link from \"{}\" to itself", nodes[from].name),
            ));
        }
        let name = format!("{}->{}", nodes[from].name, nodes[to].name);
        if let Some(&j) = link_at.get(&(from, to)) {
            return Err(err(
                format!("link[{i}]"),
                format!("link {name} is defined twice (first as link[{j}])"),
            ));
        }
        if *l.buffer.get_ref() == 0 {
            return Err(err(
                format!("link[{i}].buffer"),
                "expected a buffer of at least 1 packet".into(),
            ));
        }
        let loss = *l.loss.get_ref();
        if !(0.0..1.0).contains(&loss) {
            return Err(err(
                format!("link[{i}].loss"),
                format!("expected a loss probability in [0, 1), got {loss}"),
            ));
        }
        let outage = outage_of(i, l, err)?;
        let jitter = l.jitter.map(|j| j.0).filter(|&j| j > 0);
        if l.jitter_model.is_some() && jitter.is_none() {
            return Err(err(
                format!("link[{i}].jitter_model"),
                "jitter_model needs a jitter above zero, like jitter = \"9ms\"".into(),
            ));
        }
        let padding = resolve_padding(i, l, file.packet_size.0, jitter.is_some(), &err)?;
        link_at.insert((from, to), links.len());
        links.push(Link {
            padding,
            name,
            from,
            to,
            bandwidth_bps: l.bandwidth.get_ref().0,
            delay: l.delay.0,
            buffer_packets: *l.buffer.get_ref(),
            jitter,
            jitter_model: l
                .jitter_model
                .as_ref()
                .map(|m| *m.get_ref())
                .unwrap_or_default(),
            order_preserving: l.order_preserving,
            loss,
            outage,
        });
    }
    Ok((links, link_at))
}

/// A link's outage, `[from, until]` with from before until, if it has one.
fn outage_of(
    i: usize,
    l: &schema::LinkSpec,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Option<(crate::engine::SimTime, crate::engine::SimTime)>, ScenarioError> {
    match l.outage.as_deref() {
            None => Ok(None),
            Some([from, until]) if from < until => Ok(Some((from.0, until.0))),
            Some(other) => {
                Err(err(
                    format!("link[{i}].outage"),
                    format!(
                        "expected [from, until] with from before until, like outage = [\"10s\", \"12.5s\"]; got {} value(s){}",
                        other.len(),
                        if other.len() == 2 { " not in increasing order" } else { "" }
                    ),
                ))
            }
        }
}

/// Give every padded link's dummies the size of the real packets that cross it (flows, cover
/// streams and TCP ACKs, after every route is known): refused when they differ in size and the
/// link sets no `padding_size` (the dummies could not look like all of them), or when one is
/// larger than the `padding_size` every packet is padded to on the wire.
pub(super) fn size_padding(
    file: &ScenarioFile,
    links: &mut [Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(), ScenarioError> {
    let mut sizes: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); links.len()];
    for f in flows {
        let own: Vec<u32> = match &f.traffic {
            Traffic::Trace(d) => d.sizes.as_ref().map_or(vec![f.size], |s| {
                let (lo, hi) = (s.iter().min(), s.iter().max());
                lo.into_iter().chain(hi).copied().collect()
            }),
            _ => vec![f.size],
        };
        for (l, _) in f.link_shares() {
            sizes[l].extend(&own);
        }
        if let Some(p) = f.traffic.tcp() {
            for &l in &f.ack_links {
                sizes[l].insert(p.ack_size);
            }
        }
    }
    for (i, link) in links.iter_mut().enumerate() {
        let Some(pad) = &mut link.padding else {
            continue;
        };
        let seen: Vec<String> = sizes[i].iter().map(|s| format!("{s}B")).collect();
        match (file.links[i].padding_size.as_ref(), sizes[i].len()) {
            (None, 0) => {}
            (None, 1) => pad.size = *sizes[i].first().expect("one size"),
            (None, _) => {
                return Err(err(
                    format!("link[{i}].padding"),
                    format!("real packets of {} cross padded link {}, and a dummy can look like only one of them: expected padding_size = \"{}\" (or more) to send every packet on this link as one size", seen.join(", "), link.name, sizes[i].last().map_or(0, |s| *s)),
                ))
            }
            (Some(_), _) => {
                if let Some(&big) = sizes[i].iter().find(|&&s| s > pad.size) {
                    return Err(err(
                        format!("link[{i}].padding_size"),
                        format!("real packets of {big}B cross padded link {}, larger than padding_size {}B: expected a padding_size of at least {}B (the size every packet takes on this link's wire)", link.name, pad.size, sizes[i].last().map_or(0, |s| *s)),
                    ));
                }
            }
        }
        let bits = pad.rate * pad.size as f64 * 8.0;
        if bits > link.bandwidth_bps {
            return Err(err(
                format!("link[{i}].padding_rate"),
                format!(
                    "{} slots/s of {}B dummies need {} but the link has {}: expected padding_rate x padding_size within the bandwidth",
                    pad.rate,
                    pad.size,
                    units::Bandwidth(bits),
                    units::Bandwidth(link.bandwidth_bps)
                ),
            ));
        }
    }
    Ok(())
}

/// The padding of link `i`: `padding` names the slot process and needs `padding_rate`; the slot
/// rate times the dummy size must fit the bandwidth (a dummy is sent whole before the next
/// constant slot); padding is refused on a link with jitter, loss or an outage (dummies would
/// need their own path model).
fn resolve_padding(
    i: usize,
    l: &schema::LinkSpec,
    packet_size: u64,
    jittered: bool,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Option<Padding>, ScenarioError> {
    let Some(model) = l.padding else {
        for (key, set) in [
            ("padding_rate", l.padding_rate.is_some()),
            ("padding_size", l.padding_size.is_some()),
        ] {
            if set {
                return Err(err(
                    format!("link[{i}].{key}"),
                    format!("{key} needs padding = \"constant\" or \"poisson\" on the link"),
                ));
            }
        }
        return Ok(None);
    };
    let rate = l.padding_rate.as_ref().ok_or_else(|| {
        err(
            format!("link[{i}].padding_rate"),
            "a padded link needs padding_rate, its slots per second, like padding_rate = \"500pps\"".into(),
        )
    })?;
    let r = rate.get_ref().per_sec();
    if !(r.is_finite() && r > 0.0) {
        return Err(err(
            format!("link[{i}].padding_rate"),
            format!("expected a slot rate above zero, got {r} pkt/s"),
        ));
    }
    let size = l
        .padding_size
        .as_ref()
        .map_or(packet_size, |s| s.get_ref().0);
    if size == 0 || size > u32::MAX as u64 {
        return Err(err(
            format!("link[{i}].padding_size"),
            format!("expected a dummy size from 1B to 4GB, got {size}B"),
        ));
    }
    // Without padding_size, the size comes from the packets that cross the link (checked in
    // `size_padding`, with the same words).
    let bits = r * size as f64 * 8.0;
    if l.padding_size.is_some() && bits > l.bandwidth.get_ref().0 {
        return Err(err(
            format!("link[{i}].padding_rate"),
            format!(
                "{r} slots/s of {size}B dummies need {} but the link has {}: expected padding_rate x padding_size within the bandwidth",
                units::Bandwidth(bits),
                units::Bandwidth(l.bandwidth.get_ref().0)
            ),
        ));
    }
    if jittered || *l.loss.get_ref() > 0.0 || l.outage.is_some() {
        return Err(err(
            format!("link[{i}].padding"),
            "padding on a link with jitter, loss or an outage is not supported: pad the link before the lossy path".into(),
        ));
    }
    Ok(Some(Padding {
        kind: match model {
            schema::PaddingModel::Constant => PaddingKind::Constant,
            schema::PaddingModel::Poisson => PaddingKind::Poisson,
        },
        rate: r,
        size: size as u32,
    }))
}
