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

pub(crate) fn resolve_correlation(
    a: &schema::AttackSpec,
    at: &str,
    nodes: &[Node],
    links: &[Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<CorrelationAttack, ScenarioError> {
    let key = |k: &str| format!("{at}.{k}");
    let missing = |k: &str| err(key(k), format!("missing required key \"{k}\" in {at}"));
    let target_name = a
        .target
        .as_ref()
        .ok_or_else(|| missing("target"))?
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
    let observe_link = tf.links[first_mix - 1];
    let true_link = tf.links[first_mix];
    // With per-message routes, the adversary's links must carry every message of the target
    // (else which link is "its" link changes from message to message).
    let partial = |l: usize| {
        tf.choices.is_some()
            && tf
                .link_shares
                .iter()
                .any(|&(x, share)| x == l && share < 1.0 - 1e-9)
    };
    if partial(observe_link) || partial(true_link) && a.candidates.is_none() {
        return Err(err(
            key("target"),
            format!("flow \"{}\" draws a route per message and its first mix, or the hop after it, is a layer: expected a fixed node (a provider) before its first layer and explicit candidates on links every route takes", tf.name),
        ));
    }
    let link_names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
    let candidates = match &a.candidates {
        Some(c) => {
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
                if partial(i) {
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
                    key("candidates"),
                    format!(
                        "none of the candidates carries flow \"{}\" (it leaves the mix by {}): the attack cannot name its link, and every trial counts as a failure",
                        tf.name, links[true_link].name
                    ),
                ));
            }
            out
        }
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
            key("candidates"),
            format!(
                "expected at least two candidate links, got {}: with one, detection is trivial",
                candidates.len()
            ),
        ));
    }
    let raw = a
        .sample_sizes
        .as_ref()
        .ok_or_else(|| missing("sample_sizes"))?
        .get_ref();
    if raw.is_empty() {
        return Err(err(
            key("sample_sizes"),
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
    let interval = a
        .interval
        .as_ref()
        .map(|i| i.get_ref().0)
        .unwrap_or(super::DEFAULT_TAP_INTERVAL);
    if interval == 0 {
        return Err(err(
            key("interval"),
            "expected a sampling interval above zero".into(),
        ));
    }
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
            key("estimators"),
            format!(
                "expected at least one estimator of: {}",
                ESTIMATORS.join(", ")
            ),
        ));
    }
    Ok(CorrelationAttack {
        target,
        observe_link,
        candidates,
        interval,
        sample_sizes: sizes,
        estimators,
    })
}
