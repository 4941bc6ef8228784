//! The attacks a scenario's attack tables describe, built as [`Attack`] objects: what each one
//! watches ([`Attack::needs`]) is then said once, by the attack itself, for the tap plan the
//! scenario checks ([`super::tap_plan`]) and the one the run sets up. The ground truth each attack
//! is scored against is not here: only the experiment holds it.

use super::adversary::{HopByHopAttack, MfaAttack, SupermixAttack};
use super::watermark::{AnchorKind, WatermarkAttack};
use super::{
    AttackConfig, AttackKind, CorrelationAttack, LikelihoodAttack, ResolvedNodeKind, Scenario,
};
use crate::attack::correlation::{estimator, Correlation};
use crate::attack::likelihood::{self, Variant};
use crate::attack::mfa::MultiFlow;
use crate::attack::path::{HopByHop, MixGraph, Walk};
use crate::attack::watermark::{Anchor, Subject, WatermarkDetection};
use crate::attack::{Attack, Point, Watch};
use crate::net::MixStrategy;
use crate::watermark::mfa::MfaTest;
use std::sync::Arc;

/// The attacks of one attack table, in the order they are scored and reported: a correlation
/// table gives one per estimator, a likelihood table one per variant, a hop-by-hop table one
/// per scorer and hop (hops within a scorer), a supermix table one per scorer, a watermark or
/// multi-flow table one.
pub fn table_attacks(s: &Scenario, a: &AttackConfig) -> Vec<Box<dyn Attack>> {
    match &a.kind {
        AttackKind::Correlation(c) => c
            .estimators
            .iter()
            .map(|e| Box::new(correlation(c, e)) as Box<dyn Attack>)
            .collect(),
        AttackKind::Watermark(w) => vec![Box::new(watermark_detection(s, w))],
        AttackKind::Mfa(m) => vec![Box::new(multi_flow(m))],
        AttackKind::HopByHop(h) => {
            let mut out: Vec<Box<dyn Attack>> = Vec::new();
            for scorer in &h.scorers {
                let walk = Arc::new(hop_walk(s, h, scorer));
                for hop in 1..=h.route_mixes.len() {
                    out.push(Box::new(HopByHop::new(walk.clone(), hop)));
                }
            }
            out
        }
        AttackKind::Supermix(m) => m.scorers.iter().map(|x| supermix(s, m, x)).collect(),
        AttackKind::Likelihood(l) => l
            .variants
            .iter()
            .map(|v| Box::new(likelihood_attack(s, l, v)) as Box<dyn Attack>)
            .collect(),
        // Reported beside the detection points, from its own traces (experiment::message).
        AttackKind::MessageEntropy(_) => Vec::new(),
    }
}

/// Where an identification adversary watches the target: its packets arriving at the first mix.
pub fn target_watch(observe_link: usize) -> Watch {
    Watch {
        link: observe_link,
        point: Point::Arrive,
    }
}

/// Where it watches each candidate link: the packets leaving on it (after the link's queue).
pub fn candidate_watches(candidates: &[usize]) -> Vec<Watch> {
    candidates
        .iter()
        .map(|&link| Watch {
            link,
            point: Point::Depart,
        })
        .collect()
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

/// The watermark detection attack of a validated table: the placed watermark's detector (same
/// scheme, parameters and key) on the table's links.
pub fn watermark_detection(s: &Scenario, w: &WatermarkAttack) -> WatermarkDetection {
    let config = &s.watermarks[w.watermark].config;
    WatermarkDetection {
        scheme: config.scheme().to_string(),
        detector: crate::watermark::detector(config),
        anchor: match w.anchor {
            AnchorKind::Known => Anchor::Known,
            AnchorKind::FirstReceived => Anchor::FirstReceived,
            AnchorKind::Search { sigmas, step } => Anchor::Search { sigmas, step },
        },
        subjects: w
            .subjects
            .iter()
            .map(|x| Subject {
                link: x.link,
                sync: x.sync,
                delay: x.delay,
                spread: x.spread,
                reference: x.reference,
            })
            .collect(),
    }
}

/// The multi-flow attack of a validated table.
pub fn multi_flow(m: &MfaAttack) -> MultiFlow {
    MultiFlow {
        label: format!(
            "mfa-{}",
            match m.test {
                MfaTest::Chi2 => "chi2",
                MfaTest::Profile => "profile",
            }
        ),
        test: m.test,
        bin: m.bin,
        span: m.span,
        alpha: m.alpha,
        period: m.period,
        permutations: m.permutations,
        baseline: m.baseline.clone(),
        groups: m.groups.clone(),
    }
}

/// The mix graph of a scenario: mixes numbered in node order; per mix its output links and
/// where each leads. Also the mix number of every node (`None` for hosts).
pub fn mix_graph(s: &Scenario) -> (MixGraph, Vec<Option<usize>>) {
    let mut number = vec![None; s.nodes.len()];
    let mut count = 0;
    for (i, n) in s.nodes.iter().enumerate() {
        if matches!(n.kind, ResolvedNodeKind::Mix { .. }) {
            number[i] = Some(count);
            count += 1;
        }
    }
    let mut outputs = vec![Vec::new(); count];
    for (li, l) in s.links.iter().enumerate() {
        if let Some(m) = number[l.from] {
            outputs[m].push((li, number[l.to]));
        }
    }
    (MixGraph { outputs }, number)
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

/// The supermix attack with per-region scorer `scorer`: the target where it enters the region
/// against every link leaving it, as if the region were one mix.
pub fn supermix(s: &Scenario, m: &SupermixAttack, scorer: &str) -> Box<dyn Attack> {
    let (target, candidates) = (target_watch(m.entry), candidate_watches(&m.exits));
    match scorer.strip_prefix("likelihood-") {
        Some(v) => Box::new(likelihood::LikelihoodAttack {
            label: scorer.to_string(),
            variant: Variant::parse(v).expect("validated scorer"),
            target,
            candidates,
            bandwidth_bps: m.exits.iter().map(|&l| s.links[l].bandwidth_bps).collect(),
            // `* 1e-9` as in hop_walk: the scores' last bit is part of the results.
            t_avg: m.t_avg.expect("validated: likelihood scorers have t_avg") as f64 * 1e-9,
            interval: m.interval,
            sample_sizes: m.sample_sizes.clone(),
        }),
        None => Box::new(Correlation {
            estimator: estimator(scorer).expect("validated scorer"),
            target,
            candidates,
            interval: m.interval,
            sample_sizes: m.sample_sizes.clone(),
        }),
    }
}

/// The likelihood attack of a validated table with delay law `variant`: what the adversary
/// knows of the system is the assumed mean hold and the candidate links' bandwidths.
pub fn likelihood_attack(
    s: &Scenario,
    l: &LikelihoodAttack,
    variant: &str,
) -> likelihood::LikelihoodAttack {
    let variant = Variant::parse(variant).expect("validated variant");
    likelihood::LikelihoodAttack {
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
