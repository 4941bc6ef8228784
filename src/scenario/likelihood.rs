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

use super::attacks::AttackKindDef;
use super::correlation::resolve_correlation;
use super::error::{self, ScenarioError};
use super::schema;
use super::{
    AttackKind, Flow, LikelihoodAttack, Link, Node, ResolvedNodeKind, LIKELIHOOD_VARIANTS,
};
use crate::engine::SimTime;
use crate::net::MixStrategy;

/// The registry entry of `kind = "likelihood"`.
pub(super) const KIND: AttackKindDef = AttackKindDef {
    kind: "likelihood",
    about: "Danezis's likelihood attack on timestamps: names the candidate link most likely to carry the target",
    keys: &[
        "target",
        "interval",
        "sample_sizes",
        "candidates",
        "variants",
        "t_avg",
    ],
    resolve: |a, at, placed, err, warnings| {
        let (nodes, links, flows) = (placed.nodes, placed.links, placed.flows);
        resolve_likelihood(a, at, nodes, links, flows, err, warnings).map(AttackKind::Likelihood)
    },
};

/// A likelihood table: target, candidates, interval and sample sizes as for correlation; its
/// variants; the mean hold it assumes (by default the target's first mix's, which must then
/// be an exponential mix: the attack needs a delay law).
fn resolve_likelihood(
    a: &schema::AttackSpec,
    at: &str,
    nodes: &[Node],
    links: &[Link],
    flows: &[Flow],
    err: &dyn Fn(String, String) -> ScenarioError,
    warnings: &mut Vec<ScenarioError>,
) -> Result<LikelihoodAttack, ScenarioError> {
    let c = resolve_correlation(a, at, nodes, links, flows, err, warnings)?;
    let variants: Vec<String> = match &a.variants {
        None => LIKELIHOOD_VARIANTS.iter().map(|v| v.to_string()).collect(),
        Some(list) => {
            let mut out = Vec::new();
            for (i, v) in list.iter().enumerate() {
                let name = v.get_ref();
                if !LIKELIHOOD_VARIANTS.contains(&name.as_str()) {
                    return Err(err(
                        format!("{at}.variants[{i}]"),
                        format!(
                            "unknown variant \"{name}\"{}; expected one of: {}",
                            error::suggestion(name, LIKELIHOOD_VARIANTS),
                            LIKELIHOOD_VARIANTS.join(", ")
                        ),
                    ));
                }
                if out.contains(name) {
                    return Err(err(
                        format!("{at}.variants[{i}]"),
                        format!("variant \"{name}\" is listed twice"),
                    ));
                }
                out.push(name.clone());
            }
            if out.is_empty() {
                return Err(err(
                    format!("{at}.variants"),
                    format!(
                        "expected at least one variant of: {}",
                        LIKELIHOOD_VARIANTS.join(", ")
                    ),
                ));
            }
            out
        }
    };
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
