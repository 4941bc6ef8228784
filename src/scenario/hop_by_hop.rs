//! `kind = "hop_by_hop"`: the global adversary following the target from mix to mix, naming
//! its link out of each mix of its route (see `attack::path`):
//! ```toml
//! [[attack]]
//! kind = "hop_by_hop"
//! target = "alice"
//! sample_sizes = [100, 1000]
//! scorers = ["mi", "likelihood-paper"]   # default ["mi"]
//! # interval = "10ms"; t_avg = "20ms" (likelihood: the hold assumed at every mix)
//! ```

use super::attack_build::{candidate_watches, mix_graph, target_watch};
use super::attacks::{known_names, AttackKindDef, AttackTable, Err, KindKeys, Truth};
use super::correlation;
use super::error::ScenarioError;
use super::{Placed, ResolvedNodeKind, Scenario};
use crate::attack::correlation::{estimator, Correlation};
use crate::attack::likelihood::{self, Variant};
use crate::attack::path::{HopByHop, MixGraph, Walk};
use crate::attack::Attack;
use crate::engine::SimTime;
use crate::net::MixStrategy;
use crate::units::Duration;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use toml::Spanned;

/// The per-hop scorers of the hop-by-hop adversary that are likelihood variants.
pub const LIKELIHOOD_SCORERS: &[&str] = &["likelihood-paper", "likelihood-queue"];

/// The global adversary following the target from mix to mix, after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct HopByHopAttack {
    /// Index into the scenario's flows.
    pub target: usize,
    /// The link whose far end shows the target entering its first mix.
    pub observe_link: usize,
    pub interval: SimTime,
    pub sample_sizes: Vec<usize>,
    /// Per-hop scorers: correlation estimators or [`LIKELIHOOD_SCORERS`].
    pub scorers: Vec<String>,
    /// The mean hold likelihood scorers assume at every mix (`None`: each mix's own).
    pub t_avg: Option<SimTime>,
    /// The mixes (node indices) on the target's route, in order: the hops reported.
    pub route_mixes: Vec<usize>,
}

/// The registry entry of `kind = "hop_by_hop"`.
pub(super) const KIND: AttackKindDef = AttackKindDef::of::<HopByHopKeys>(
    "hop_by_hop",
    "the global adversary following the target from mix to mix: names its link out of each mix on its route",
    &[
        "target",
        "interval",
        "sample_sizes",
        "scorers",
        "t_avg",
    ],
);

/// Resolve a `kind = "hop_by_hop"` table at key path `at`:
/// ```toml
/// [[attack]]
/// kind = "hop_by_hop"
/// target = "alice"
/// sample_sizes = [100, 1000]
/// scorers = ["mi", "likelihood-paper"]   # default ["mi"]
/// # interval = "10ms"; t_avg = "20ms" (likelihood: the hold assumed at every mix)
/// ```
/// Refused: what a correlation table refuses about target, interval and sample sizes; an
/// unknown or repeated scorer; a likelihood scorer when a mix the walk can reach has no
/// exponential hold and no `t_avg` is given.
pub(crate) fn resolve_hop_by_hop(
    a: &HopByHopKeys,
    at: &str,
    placed: &Placed<'_>,
    err: Err<'_>,
    warnings: &mut Vec<ScenarioError>,
) -> Result<HopByHopAttack, ScenarioError> {
    let (nodes, links, flows) = (placed.nodes, placed.links, placed.flows);
    let c = super::resolve_correlation(&a.correlation(), at, nodes, links, flows, err, warnings)?;
    refuse_per_message(&flows[c.target], at, err)?;
    let scorers = scorer_names(&a.scorers, at, err)?;
    let t_avg = match &a.t_avg {
        Some(t) if t.get_ref().0 == 0 => {
            return Err(err(
                format!("{at}.t_avg"),
                "expected a positive mean hold".into(),
            ))
        }
        t => t.as_ref().map(|t| t.get_ref().0),
    };
    let first = links[c.observe_link].to;
    if t_avg.is_none() {
        if let Some(i) = scorers
            .iter()
            .position(|s| LIKELIHOOD_SCORERS.contains(&s.as_str()))
        {
            if let Some(m) = reachable_mixes(placed, first).into_iter().find(|&m| {
                !matches!(
                    nodes[m].kind,
                    super::ResolvedNodeKind::Mix {
                        strategy: crate::net::MixStrategy::Exponential { .. }
                    }
                )
            }) {
                return Err(err(
                    format!("{at}.scorers[{i}]"),
                    format!(
                        "mix \"{}\", which the walk can reach, is not an exponential (continuous-time) mix, so it gives the likelihood scorer no delay law: set `t_avg`, the mean hold the adversary assumes at every mix",
                        nodes[m].name
                    ),
                ));
            }
        }
    }
    let route_mixes = flows[c.target]
        .route
        .iter()
        .copied()
        .filter(|&n| matches!(nodes[n].kind, super::ResolvedNodeKind::Mix { .. }))
        .collect();
    Ok(HopByHopAttack {
        target: c.target,
        observe_link: c.observe_link,
        interval: c.interval,
        sample_sizes: c.sample_sizes,
        scorers,
        t_avg,
        route_mixes,
    })
}

/// The `scorers` list: known names, each once; default ["mi"].
pub(super) fn scorer_names(
    scorers: &Option<Vec<Spanned<String>>>,
    at: &str,
    err: Err<'_>,
) -> Result<Vec<String>, ScenarioError> {
    let Some(list) = scorers else {
        return Ok(vec!["mi".to_string()]);
    };
    let known: Vec<&str> = super::ESTIMATORS
        .iter()
        .chain(LIKELIHOOD_SCORERS)
        .copied()
        .collect();
    known_names(list, at, "scorers", "scorer", &known, err)
}

/// The mixes reachable from mix `first` over links between mixes (itself included).
fn reachable_mixes(placed: &Placed<'_>, first: usize) -> Vec<usize> {
    let is_mix = |n: usize| matches!(placed.nodes[n].kind, super::ResolvedNodeKind::Mix { .. });
    let mut seen = vec![first];
    let mut i = 0;
    while i < seen.len() {
        let m = seen[i];
        for l in placed.links.iter().filter(|l| l.from == m && is_mix(l.to)) {
            if !seen.contains(&l.to) {
                seen.push(l.to);
            }
        }
        i += 1;
    }
    seen
}

/// The keys of a `kind = "hop_by_hop"` table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HopByHopKeys {
    #[serde(default)]
    pub target: Option<Spanned<String>>,
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    #[serde(default)]
    pub sample_sizes: Option<Spanned<Vec<u64>>>,
    /// The mean hold likelihood scorers assume at every mix. Default: each mix's own.
    #[serde(default)]
    pub t_avg: Option<Spanned<Duration>>,
    /// Per-hop scorers: correlation estimators and/or "likelihood-paper", "likelihood-queue".
    /// Default ["mi"].
    #[serde(default)]
    pub scorers: Option<Vec<Spanned<String>>>,
}

impl HopByHopKeys {
    /// Its target, interval and sample sizes, as a correlation table has them.
    fn correlation(&self) -> correlation::Keys {
        correlation::Keys {
            target: self.target.clone(),
            interval: self.interval.clone(),
            sample_sizes: self.sample_sizes.clone(),
            candidates: None,
            estimators: None,
        }
    }
}

impl KindKeys for HopByHopKeys {
    type Table = HopByHopAttack;
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        warnings: &mut Vec<ScenarioError>,
    ) -> Result<HopByHopAttack, ScenarioError> {
        resolve_hop_by_hop(self, at, placed, err, warnings)
    }
}

impl AttackTable for HopByHopAttack {
    fn counting(&self) -> Option<(SimTime, usize)> {
        Some((self.interval, *self.sample_sizes.last().expect("validated")))
    }

    fn target(&self) -> Option<usize> {
        Some(self.target)
    }

    /// One attack per scorer and hop (hops within a scorer).
    fn attacks(&self, s: &Scenario) -> Vec<(Box<dyn Attack>, Truth)> {
        let truths = hop_truths(s, self);
        let mut out: Vec<(Box<dyn Attack>, Truth)> = Vec::new();
        for scorer in &self.scorers {
            let walk = Arc::new(hop_walk(s, self, scorer));
            for (hop, truth) in (1..=self.route_mixes.len()).zip(&truths) {
                out.push((Box::new(HopByHop::new(walk.clone(), hop)), truth.clone()));
            }
        }
        out
    }
}

/// The hop-by-hop walk of a validated table with per-hop scorer `scorer`: what the adversary
/// knows is the mix graph, the links' bandwidths and each mix's mean hold (or the one it
/// assumes).
pub fn hop_walk(s: &Scenario, h: &HopByHopAttack, scorer: &str) -> Walk {
    let (graph, number) = mix_graph(s);
    let mut hold = vec![0.0; graph.outputs.len()];
    for (node, m) in number.iter().enumerate() {
        if let Some(m) = *m {
            hold[m] = match (h.t_avg, &s.nodes[node].kind) {
                // The likelihood scorers' holds keep their `* 1e-9` form: a division changes
                // the scores' last bit, and with it ranks and exact ties in summary.json.
                (Some(t), _) => t as f64 * 1e-9,
                (
                    None,
                    ResolvedNodeKind::Mix {
                        strategy: MixStrategy::Exponential { mean_ns },
                    },
                ) => mean_ns * 1e-9,
                _ => f64::NAN,
            };
        }
    }
    let first = number[s.links[h.observe_link].to].expect("validated: the target enters a mix");
    let bandwidth: Vec<f64> = s.links.iter().map(|l| l.bandwidth_bps).collect();
    let (target, interval, sizes) = (
        target_watch(h.observe_link),
        h.interval,
        h.sample_sizes.clone(),
    );
    let name = scorer.to_string();
    let factory = move |prefix: &[usize], links: &[usize]| -> Box<dyn Attack> {
        match name.strip_prefix("likelihood-") {
            Some(v) => Box::new(likelihood::LikelihoodAttack {
                label: name.clone(),
                variant: Variant::parse(v).expect("validated scorer"),
                target,
                candidates: candidate_watches(links),
                bandwidth_bps: links.iter().map(|&l| bandwidth[l]).collect(),
                // The target's packets have been held by every mix walked so far: the
                // adversary assumes one exponential hold of their summed means.
                t_avg: prefix.iter().map(|&m| hold[m]).sum(),
                interval,
                sample_sizes: sizes.clone(),
            }),
            None => Box::new(Correlation {
                estimator: estimator(&name).expect("validated scorer"),
                target,
                candidates: candidate_watches(links),
                interval,
                sample_sizes: sizes.clone(),
            }),
        }
    };
    Walk {
        graph,
        first,
        scorer: Arc::new(factory),
        scorer_name: scorer.to_string(),
        sample_sizes: h.sample_sizes.clone(),
    }
}

/// Per hop of a hop-by-hop table (1, 2, ...), its truth: the target's walk through that hop
/// among the walks the adversary can take.
fn hop_truths(s: &Scenario, h: &HopByHopAttack) -> Vec<Truth> {
    let (graph, number): (MixGraph, _) = mix_graph(s);
    let first = number[s.links[h.observe_link].to].expect("validated: the target enters a mix");
    (1..=h.route_mixes.len())
        .map(|hop| Truth::Identification {
            true_candidate: hop_truth(s, h, hop, &graph.paths_at(first, hop)),
        })
        .collect()
}

/// Index (within `candidates`, walks of `hop` links) of the target's own walk: the links it
/// takes out of the first `hop` mixes of its route. Ground truth, known to the scorer only.
pub fn hop_truth(
    s: &Scenario,
    h: &HopByHopAttack,
    hop: usize,
    candidates: &[Vec<usize>],
) -> Option<usize> {
    let f = &s.flows[h.target];
    let route: Option<Vec<usize>> = h.route_mixes[..hop]
        .iter()
        .map(|mix| Some(f.links[f.route.iter().position(|n| n == mix)?]))
        .collect();
    let route = route?;
    candidates.iter().position(|c| *c == route)
}

/// The path adversaries follow one route: a target that draws a route per message has none.
pub(super) fn refuse_per_message(
    tf: &super::Flow,
    at: &str,
    err: Err<'_>,
) -> Result<(), ScenarioError> {
    match tf.choices {
        Some(_) => Err(err(
            format!("{at}.target"),
            format!("flow \"{}\" draws a fresh route per message (its route names a layer): the path adversaries follow one route; use kind = \"correlation\" with candidates every route takes", tf.name),
        )),
        None => Ok(()),
    }
}
