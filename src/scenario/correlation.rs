//! `kind = "correlation"` (the default kind): the flow-correlation attack of seed 000 and its
//! relatives. The adversary holds the target flow where it enters its first mix and the count
//! series leaving on each candidate link, and names the candidate whose series correlates best
//! with the target's by each estimator:
//! ```toml
//! [attack]
//! target = "alice"             # the flow whose sender-side trace the adversary holds
//! sample_sizes = [60, 480]     # N, in intervals
//! # interval = "10ms"; candidates = ["mix->bob", "mix->carol"]; estimators = ["mi", "xcorr"]
//! ```
//! The likelihood, hop-by-hop and supermix kinds resolve their target, interval, sample sizes
//! and candidates with [`resolve_correlation`] too.

use super::attacks::AttackKindDef;
use super::error::{self, ScenarioError};
use super::schema;
use super::{AttackKind, CorrelationAttack, Flow, Link, Node, ResolvedNodeKind, ESTIMATORS};
use toml::Spanned;

/// The registry entry of `kind = "correlation"`.
pub(super) const KIND: AttackKindDef = AttackKindDef {
    kind: "correlation",
    about: "flow correlation of count series (seed 000): names the candidate link that carries the target",
    keys: &[
        "target",
        "interval",
        "sample_sizes",
        "candidates",
        "estimators",
    ],
    resolve: |a, at, placed, err, warnings| {
        let (nodes, links, flows) = (placed.nodes, placed.links, placed.flows);
        resolve_correlation(a, at, nodes, links, flows, err, warnings).map(AttackKind::Correlation)
    },
};

/// A correlation table's target, candidates, interval, sample sizes and estimators, checked in
/// that order.
pub(crate) fn resolve_correlation(
    a: &schema::AttackSpec,
    at: &str,
    nodes: &[Node],
    links: &[Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<CorrelationAttack, ScenarioError> {
    let (target, first_mix) = target_of(a, at, nodes, flows, err)?;
    let tf = &flows[target];
    let observe_link = tf.links[first_mix - 1];
    if partial(tf, observe_link) || partial(tf, tf.links[first_mix]) && a.candidates.is_none() {
        return Err(err(
            format!("{at}.target"),
            format!("flow \"{}\" draws a route per message and its first mix, or the hop after it, is a layer: expected a fixed node (a provider) before its first layer and explicit candidates on links every route takes", tf.name),
        ));
    }
    let candidates = candidates_of(a, at, links, tf, first_mix, err, warnings)?;
    let sample_sizes = sample_sizes_of(a, at, err)?;
    let interval = a
        .interval
        .as_ref()
        .map(|i| i.get_ref().0)
        .unwrap_or(super::DEFAULT_TAP_INTERVAL);
    if interval == 0 {
        return Err(err(
            format!("{at}.interval"),
            "expected a sampling interval above zero".into(),
        ));
    }
    Ok(CorrelationAttack {
        target,
        observe_link,
        candidates,
        interval,
        sample_sizes,
        estimators: estimators_of(a, at, err)?,
    })
}

/// Whether link `l` carries only some of the messages of a flow that draws a route per
/// message: the adversary's links must carry every message of the target (else which link is
/// "its" link changes from message to message).
fn partial(tf: &Flow, l: usize) -> bool {
    tf.choices.is_some()
        && tf
            .link_shares
            .iter()
            .any(|&(x, share)| x == l && share < 1.0 - 1e-9)
}

/// The target flow (required) and the index on its route of its first mix, which must have a
/// link into it for the adversary to watch.
fn target_of(
    a: &schema::AttackSpec,
    at: &str,
    nodes: &[Node],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<(usize, usize), ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let target_name = a
        .target
        .as_ref()
        .ok_or_else(|| {
            err(
                key("target"),
                format!("missing required key \"target\" in {at}"),
            )
        })?
        .get_ref();
    let flow_names: Vec<&str> = flows.iter().map(|f| f.name.as_str()).collect();
    let target = flows
        .iter()
        .position(|f| f.name == *target_name)
        .ok_or_else(|| {
            err(
                key("target"),
                format!(
                    "no flow named \"{target_name}\"{}; known flows: {}",
                    error::suggestion(target_name, &flow_names),
                    if flow_names.is_empty() {
                        "none".to_string()
                    } else {
                        flow_names.join(", ")
                    }
                ),
            )
        })?;
    let tf = &flows[target];
    let first_mix = tf
        .route
        .iter()
        .position(|&n| matches!(nodes[n].kind, ResolvedNodeKind::Mix { .. }))
        .ok_or_else(|| {
            err(
                key("target"),
                format!("flow \"{}\" crosses no mix: nothing to attack", tf.name),
            )
        })?;
    if first_mix == 0 {
        return Err(err(
            key("target"),
            format!("flow \"{}\" starts at mix \"{}\": the adversary needs a link into the mix to observe", tf.name, nodes[tf.route[0]].name),
        ));
    }
    Ok((target, first_mix))
}

/// The candidate links: those named (each once; a warning when none carries the target), or
/// every link leaving the target's first mix. At least two.
fn candidates_of(
    a: &schema::AttackSpec,
    at: &str,
    links: &[Link],
    tf: &Flow,
    first_mix: usize,
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<Vec<usize>, ScenarioError> {
    let candidates = match &a.candidates {
        Some(c) => named_candidates(c, at, links, tf, first_mix, err, warnings)?,
        None => {
            let mix = tf.route[first_mix];
            links
                .iter()
                .enumerate()
                .filter(|(_, l)| l.from == mix)
                .map(|(i, _)| i)
                .collect()
        }
    };
    if candidates.len() < 2 {
        return Err(err(
            format!("{at}.candidates"),
            format!(
                "expected at least two candidate links, got {}: with one, detection is trivial",
                candidates.len()
            ),
        ));
    }
    Ok(candidates)
}

/// The links a `candidates` list names, each once.
fn named_candidates(
    c: &[Spanned<String>],
    at: &str,
    links: &[Link],
    tf: &Flow,
    first_mix: usize,
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<Vec<usize>, ScenarioError> {
    let link_names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    let mut out = Vec::new();
    for (k, name) in c.iter().enumerate() {
        let i = links
            .iter()
            .position(|l| l.name == *name.get_ref())
            .ok_or_else(|| {
                err(
                    format!("{at}.candidates[{k}]"),
                    format!(
                        "no link named \"{}\"{}; links are written \"from->to\": {}",
                        name.get_ref(),
                        error::suggestion(name.get_ref(), &link_names),
                        link_names.join(", ")
                    ),
                )
            })?;
        if out.contains(&i) {
            return Err(err(
                format!("{at}.candidates[{k}]"),
                format!("link {} is listed twice", links[i].name),
            ));
        }
        if partial(tf, i) {
            return Err(err(
                format!("{at}.candidates[{k}]"),
                format!("link {} carries only some of flow \"{}\"'s messages (it draws a route per message): expected links every route takes, like its receiver's", links[i].name, tf.name),
            ));
        }
        out.push(i);
    }
    if !out.iter().any(|l| tf.links.contains(l)) {
        // Allowed: an adversary may watch the wrong links. The scorer finds no true
        // candidate, so every trial counts as a failure.
        warnings.push(err(
            format!("{at}.candidates"),
            format!(
                "none of the candidates carries flow \"{}\" (it leaves the mix by {}): the attack cannot name its link, and every trial counts as a failure",
                tf.name, links[tf.links[first_mix]].name
            ),
        ));
    }
    Ok(out)
}

/// The sample sizes (required, non-empty, above zero), sorted without repeats.
fn sample_sizes_of(
    a: &schema::AttackSpec,
    at: &str,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Vec<usize>, ScenarioError> {
    let raw = a
        .sample_sizes
        .as_ref()
        .ok_or_else(|| {
            err(
                format!("{at}.sample_sizes"),
                format!("missing required key \"sample_sizes\" in {at}"),
            )
        })?
        .get_ref();
    if raw.is_empty() {
        return Err(err(
            format!("{at}.sample_sizes"),
            "expected a non-empty list of sample sizes (intervals), like [60, 480, 3000]".into(),
        ));
    }
    if let Some(k) = raw.iter().position(|&n| n == 0) {
        return Err(err(
            format!("{at}.sample_sizes[{k}]"),
            "expected sample sizes above zero".into(),
        ));
    }
    let mut sizes: Vec<usize> = raw.iter().map(|&n| n as usize).collect();
    sizes.sort_unstable();
    sizes.dedup();
    Ok(sizes)
}

/// The estimators (default `mi`), each known and listed once, at least one.
fn estimators_of(
    a: &schema::AttackSpec,
    at: &str,
    err: &dyn Fn(String, String) -> ScenarioError,
) -> Result<Vec<String>, ScenarioError> {
    let mut estimators = Vec::new();
    let default_estimators = [Spanned::new(0..0, "mi".to_string())];
    let named = a.estimators.as_deref().unwrap_or(&default_estimators);
    for (k, e) in named.iter().enumerate() {
        let e = e.get_ref();
        if estimators.contains(e) {
            return Err(err(
                format!("{at}.estimators[{k}]"),
                format!("estimator \"{e}\" is listed twice: expected each estimator once"),
            ));
        }
        if !ESTIMATORS.contains(&e.as_str()) {
            return Err(err(
                format!("{at}.estimators[{k}]"),
                format!(
                    "unknown estimator \"{e}\"{}; known: {}",
                    error::suggestion(e, ESTIMATORS),
                    ESTIMATORS.join(", ")
                ),
            ));
        }
        estimators.push(e.clone());
    }
    if estimators.is_empty() {
        return Err(err(
            format!("{at}.estimators"),
            format!(
                "expected at least one estimator of: {}",
                ESTIMATORS.join(", ")
            ),
        ));
    }
    Ok(estimators)
}
