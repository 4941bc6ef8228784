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

use super::attack_build::{candidate_on_route, candidate_watches, target_watch};
use super::attacks::{AttackKindDef, AttackTable, Err, KindKeys, Placed, Truth};
use super::error::{self, ScenarioError};
use super::{Flow, Link, Node, ResolvedNodeKind, Scenario, ESTIMATORS};
use crate::attack::correlation::{estimator, Correlation};
use crate::attack::Attack;
use crate::engine::SimTime;
use crate::units::Duration;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The registry entry of `kind = "correlation"`.
pub(super) const KIND: AttackKindDef = AttackKindDef::of::<Keys>(
    "correlation",
    "flow correlation of count series (seed 000): names the candidate link that carries the target",
    &[
        "target",
        "interval",
        "sample_sizes",
        "candidates",
        "estimators",
    ],
);

/// The keys of a correlation table. The likelihood, hop-by-hop and supermix tables hand theirs
/// (target, interval, sample sizes, candidates) to [`resolve_correlation`] as one of these.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Keys {
    /// The flow whose sender-side trace the adversary holds (Alice's). Required.
    #[serde(default)]
    pub target: Option<Spanned<String>>,
    /// Sampling interval T. Default 10ms.
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    /// Sample sizes N (intervals) at which detection is scored. Required.
    #[serde(default)]
    pub sample_sizes: Option<Spanned<Vec<u64>>>,
    /// Candidate links written "from->to". Default: every link leaving the first mix on the
    /// target's route.
    #[serde(default)]
    pub candidates: Option<Vec<Spanned<String>>>,
    /// Estimators to score; the first is the primary one in tables. Default ["mi"].
    #[serde(default)]
    pub estimators: Option<Vec<Spanned<String>>>,
}

impl KindKeys for Keys {
    type Table = CorrelationAttack;
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        warnings: &mut Vec<ScenarioError>,
    ) -> Result<CorrelationAttack, ScenarioError> {
        let (nodes, links, flows) = (placed.nodes, placed.links, placed.flows);
        resolve_correlation(self, at, nodes, links, flows, err, warnings)
    }
}

/// The correlation attack after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationAttack {
    /// Index of the target flow.
    pub target: usize,
    /// The link whose `arrive` point shows the target flow entering the first mix.
    pub observe_link: usize,
    /// Candidate links, observed at their `depart` point.
    pub candidates: Vec<usize>,
    pub interval: SimTime,
    /// Sorted ascending, no duplicates.
    pub sample_sizes: Vec<usize>,
    pub estimators: Vec<String>,
}

impl AttackTable for CorrelationAttack {
    fn counting(&self) -> Option<(SimTime, usize)> {
        Some((self.interval, *self.sample_sizes.last().expect("validated")))
    }

    fn target(&self) -> Option<usize> {
        Some(self.target)
    }

    /// One attack per estimator, in its order.
    fn attacks(&self, s: &Scenario) -> Vec<(Box<dyn Attack>, Truth)> {
        let truth = Truth::Identification {
            true_candidate: true_candidate(s, self),
        };
        self.estimators
            .iter()
            .map(|e| {
                (
                    Box::new(correlation(self, e)) as Box<dyn Attack>,
                    truth.clone(),
                )
            })
            .collect()
    }
}

/// The correlation attack of a validated table with estimator `name`.
pub fn correlation(c: &CorrelationAttack, name: &str) -> Correlation {
    Correlation {
        estimator: estimator(name).expect("validated estimator name"),
        target: target_watch(c.observe_link),
        candidates: candidate_watches(&c.candidates),
        interval: c.interval,
        sample_sizes: c.sample_sizes.clone(),
    }
}

/// Index (within the candidates) of the link the target flow really takes: ground truth, known
/// to the scorer only.
pub fn true_candidate(scenario: &Scenario, attack: &CorrelationAttack) -> Option<usize> {
    candidate_on_route(scenario, attack.target, &attack.candidates)
}

/// A correlation table's target, candidates, interval, sample sizes and estimators, checked in
/// that order.
pub(crate) fn resolve_correlation(
    a: &Keys,
    at: &str,
    nodes: &[Node],
    links: &[Link],
    flows: &[Flow],
    err: Err<'_>,
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
    a: &Keys,
    at: &str,
    nodes: &[Node],
    flows: &[Flow],
    err: Err<'_>,
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
    a: &Keys,
    at: &str,
    links: &[Link],
    tf: &Flow,
    first_mix: usize,
    err: Err<'_>,
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
    err: Err<'_>,
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
fn sample_sizes_of(a: &Keys, at: &str, err: Err<'_>) -> Result<Vec<usize>, ScenarioError> {
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
fn estimators_of(a: &Keys, at: &str, err: Err<'_>) -> Result<Vec<String>, ScenarioError> {
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
