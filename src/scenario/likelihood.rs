//! `kind = "likelihood"`: Danezis's likelihood attack on timestamps. It takes the correlation
//! table's target, interval, sample sizes and candidates, and scores each candidate's
//! departures by the likelihood that they are the target's arrivals delayed by the mix:
//! ```toml
//! [[attack]]
//! kind = "likelihood"
//! target = "alice"
//! sample_sizes = [60, 480]
//! # variants = ["paper", "queue"]; t_avg = "20ms" (default: the target's first mix's)
//! ```

use super::attack_build::{candidate_on_route, candidate_watches, target_watch};
use super::attacks::{known_names, AttackKindDef, AttackTable, Err, KindKeys, Placed, Truth};
use super::correlation::{self, resolve_correlation};
use super::error::ScenarioError;
use super::{Flow, Link, Node, ResolvedNodeKind, Scenario};
use crate::attack::likelihood::{self as attack, Variant};
use crate::attack::Attack;
use crate::engine::SimTime;
use crate::net::MixStrategy;
use crate::units::Duration;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The registry entry of `kind = "likelihood"`.
pub(super) const KIND: AttackKindDef = AttackKindDef::of::<Keys>(
    "likelihood",
    "Danezis's likelihood attack on timestamps: names the candidate link most likely to carry the target",
    &[
        "target",
        "interval",
        "sample_sizes",
        "candidates",
        "variants",
        "t_avg",
    ],
);

/// The keys of a likelihood table: a correlation table's target, interval, sample sizes and
/// candidates, then its own.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Keys {
    #[serde(default)]
    pub target: Option<Spanned<String>>,
    #[serde(default)]
    pub interval: Option<Spanned<Duration>>,
    #[serde(default)]
    pub sample_sizes: Option<Spanned<Vec<u64>>>,
    #[serde(default)]
    pub candidates: Option<Vec<Spanned<String>>>,
    /// Delay laws to score with: "paper" (the mix's hold) and/or "queue" (the hold then the
    /// output link's queue). Default both.
    #[serde(default)]
    pub variants: Option<Vec<Spanned<String>>>,
    /// The mean mix hold the adversary assumes. Default: `t_avg` of the target's first mix.
    #[serde(default)]
    pub t_avg: Option<Spanned<Duration>>,
}

impl KindKeys for Keys {
    type Table = LikelihoodAttack;
    fn resolve(
        &self,
        at: &str,
        placed: &Placed<'_>,
        err: Err<'_>,
        warnings: &mut Vec<ScenarioError>,
    ) -> Result<LikelihoodAttack, ScenarioError> {
        let (nodes, links, flows) = (placed.nodes, placed.links, placed.flows);
        resolve_likelihood(self, at, nodes, links, flows, err, warnings)
    }
}

/// Danezis's likelihood attack (timestamps) after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct LikelihoodAttack {
    /// Index into `Scenario::flows`.
    pub target: usize,
    /// The link whose far end shows the target entering its first mix.
    pub observe_link: usize,
    /// Candidate links (their transmission ends are observed).
    pub candidates: Vec<usize>,
    /// The window at sample size N is N intervals of this length after the warm-up.
    pub interval: SimTime,
    pub sample_sizes: Vec<usize>,
    /// Delay laws, each one of [`LIKELIHOOD_VARIANTS`].
    pub variants: Vec<String>,
    /// The mean mix hold the adversary assumes.
    pub t_avg: SimTime,
}

/// The delay laws of the likelihood attack.
pub const LIKELIHOOD_VARIANTS: &[&str] = &["paper", "queue"];

impl AttackTable for LikelihoodAttack {
    fn counting(&self) -> Option<(SimTime, usize)> {
        Some((self.interval, *self.sample_sizes.last().expect("validated")))
    }

    fn target(&self) -> Option<usize> {
        Some(self.target)
    }

    /// One attack per variant, in its order.
    fn attacks(&self, s: &Scenario) -> Vec<(Box<dyn Attack>, Truth)> {
        let truth = Truth::Identification {
            true_candidate: candidate_on_route(s, self.target, &self.candidates),
        };
        self.variants
            .iter()
            .map(|v| {
                let attack = Box::new(likelihood_attack(s, self, v)) as Box<dyn Attack>;
                (attack, truth.clone())
            })
            .collect()
    }
}

/// The likelihood attack of a validated table with delay law `variant`: what the adversary
/// knows of the system is the assumed mean hold and the candidate links' bandwidths.
pub fn likelihood_attack(
    s: &Scenario,
    l: &LikelihoodAttack,
    variant: &str,
) -> attack::LikelihoodAttack {
    let variant = Variant::parse(variant).expect("validated variant");
    attack::LikelihoodAttack {
        label: format!("likelihood-{}", variant.name()),
        variant,
        target: target_watch(l.observe_link),
        candidates: candidate_watches(&l.candidates),
        bandwidth_bps: l
            .candidates
            .iter()
            .map(|&c| s.links[c].bandwidth_bps)
            .collect(),
        // `* 1e-9` as in hop_walk: the scores' last bit is part of the results.
        t_avg: l.t_avg as f64 * 1e-9,
        interval: l.interval,
        sample_sizes: l.sample_sizes.clone(),
    }
}

/// A likelihood table: target, candidates, interval and sample sizes as for correlation; its
/// variants; the mean hold it assumes (by default the target's first mix's, which must then
/// be an exponential mix: the attack needs a delay law).
fn resolve_likelihood(
    a: &Keys,
    at: &str,
    nodes: &[Node],
    links: &[Link],
    flows: &[Flow],
    err: Err<'_>,
    warnings: &mut Vec<ScenarioError>,
) -> Result<LikelihoodAttack, ScenarioError> {
    let keys = correlation::Keys {
        target: a.target.clone(),
        interval: a.interval.clone(),
        sample_sizes: a.sample_sizes.clone(),
        candidates: a.candidates.clone(),
        estimators: None,
    };
    let c = resolve_correlation(&keys, at, nodes, links, flows, err, warnings)?;
    let variants = variants_of(a, at, err)?;
    let mix = links[c.observe_link].to;
    let t_avg = match (&a.t_avg, &nodes[mix].kind) {
        (Some(t), _) if t.get_ref().0 == 0 => {
            return Err(err(
                format!("{at}.t_avg"),
                "expected a positive mean hold".to_string(),
            ))
        }
        (Some(t), _) => t.get_ref().0,
        (None, ResolvedNodeKind::Mix {
            strategy: MixStrategy::Exponential { mean_ns },
        }) => mean_ns.round() as SimTime,
        (None, _) => {
            return Err(err(
                format!("{at}.t_avg"),
                format!(
                    "the target's first mix \"{}\" is not an exponential (continuous-time) mix, so it gives no delay law: set `t_avg`, the mean hold the adversary assumes",
                    nodes[mix].name
                ),
            ))
        }
    };
    Ok(LikelihoodAttack {
        target: c.target,
        observe_link: c.observe_link,
        candidates: c.candidates,
        interval: c.interval,
        sample_sizes: c.sample_sizes,
        variants,
        t_avg,
    })
}

/// The variants (default both), each known and listed once, at least one.
fn variants_of(a: &Keys, at: &str, err: Err<'_>) -> Result<Vec<String>, ScenarioError> {
    Ok(match &a.variants {
        None => LIKELIHOOD_VARIANTS.iter().map(|v| v.to_string()).collect(),
        Some(list) => known_names(list, at, "variants", "variant", LIKELIHOOD_VARIANTS, err)?,
    })
}
