//! The attacks of a scenario, built for the experiment: each as an [`Attack`] object (which sees
//! only observations) beside its ground truth (which only the scorer sees).
//!
//! The attacks themselves are built by the scenario ([`table_attacks`]); here each gets the
//! truth it is scored against ([`of_scenario`]). A library user can also hand [`super::run_attacks`] any attack of
//! their own with its truth (see `examples/count_ratio.rs`).

use super::score::Truth;
use crate::attack::Attack;
use crate::scenario::adversary::HopByHopAttack;
use crate::scenario::watermark::WatermarkAttack;
use crate::scenario::{AttackConfig, AttackKind, CorrelationAttack, Scenario};

/// The attacks built from a scenario's tables (also what its tap plan is made of).
pub use crate::scenario::attack_build::{
    candidate_watches, correlation, hop_walk, likelihood_attack, mix_graph, multi_flow, supermix,
    table_attacks, target_watch, watermark_detection,
};

/// An attack as the experiment runs it.
pub struct Evaluated {
    /// The name of its attack table (`[[attack]]`'s `name`).
    pub table: String,
    pub attack: Box<dyn Attack>,
    pub truth: Truth,
}

impl Evaluated {
    /// Its label: `table/name`, or just the name when the table is named after it.
    pub fn label(&self) -> String {
        let name = self.attack.name();
        if name == self.table {
            name
        } else {
            format!("{}/{}", self.table, name)
        }
    }
}

/// Every attack of a scenario, in file order (a correlation table gives one attack per
/// estimator, in its order; see [`table_attacks`]), each beside its ground truth.
pub fn of_scenario(s: &Scenario) -> Vec<Evaluated> {
    let mut out = Vec::new();
    for a in &s.attacks {
        let attacks = table_attacks(s, a);
        let truths = truths(s, a);
        assert_eq!(
            attacks.len(),
            truths.len(),
            "one truth per attack of {}",
            a.name
        );
        out.extend(
            attacks
                .into_iter()
                .zip(truths)
                .map(|(attack, truth)| Evaluated {
                    table: a.name.clone(),
                    attack,
                    truth,
                }),
        );
    }
    out
}

/// The ground truth of each attack of a table, in [`table_attacks`]' order.
fn truths(s: &Scenario, a: &AttackConfig) -> Vec<Truth> {
    let identification = |true_candidate, n| vec![Truth::Identification { true_candidate }; n];
    match &a.kind {
        AttackKind::Correlation(c) => identification(true_candidate(s, c), c.estimators.len()),
        AttackKind::Watermark(w) => vec![Truth::Detection {
            marked: marked_subjects(s, w),
        }],
        AttackKind::Mfa(m) => vec![Truth::Detection {
            marked: m.groups.iter().map(|g| group_marked(s, g)).collect(),
        }],
        AttackKind::HopByHop(h) => {
            let per_scorer = hop_truths(s, h);
            let n = h.scorers.len();
            per_scorer
                .iter()
                .cycle()
                .take(n * per_scorer.len())
                .cloned()
                .collect()
        }
        AttackKind::Supermix(m) => {
            identification(candidate_on_route(s, m.target, &m.exits), m.scorers.len())
        }
        AttackKind::Likelihood(l) => identification(
            candidate_on_route(s, l.target, &l.candidates),
            l.variants.len(),
        ),
        AttackKind::MessageEntropy(_) => Vec::new(),
    }
}

/// Per hop of a hop-by-hop table (1, 2, ...), its truth: the link the target takes out of that
/// hop's mix among the links the walk can reach there.
fn hop_truths(s: &Scenario, h: &HopByHopAttack) -> Vec<Truth> {
    let (graph, number) = mix_graph(s);
    let first = number[s.links[h.observe_link].to].expect("validated: the target enters a mix");
    (1..=h.route_mixes.len())
        .map(|hop| Truth::Identification {
            true_candidate: hop_truth(s, h, hop, &graph.links_at(first, hop)),
        })
        .collect()
}

/// Per examined link: does the marked flow cross it after its watermarker? Ground truth,
/// known to the scorer only.
pub fn marked_subjects(s: &Scenario, w: &WatermarkAttack) -> Vec<bool> {
    let mark = &s.watermarks[w.watermark];
    let after = &s.flows[mark.flow].links[mark.hop..];
    w.subjects.iter().map(|x| after.contains(&x.link)).collect()
}

/// Does any flow carrying a watermark (of any `[[watermark]]` table) cross one of `links`
/// after its watermarker? Ground truth, known to the scorer only.
pub fn group_marked(s: &Scenario, links: &[usize]) -> bool {
    s.watermarks.iter().any(|w| {
        s.flows[w.flow].links[w.hop..]
            .iter()
            .any(|l| links.contains(l))
    })
}

/// Index (within `candidates`) of the link the target takes out of the `hop`-th mix of its
/// route: ground truth, known to the scorer only.
pub fn hop_truth(
    s: &Scenario,
    h: &HopByHopAttack,
    hop: usize,
    candidates: &[usize],
) -> Option<usize> {
    let f = &s.flows[h.target];
    let mix = h.route_mixes[hop - 1];
    let at = f.route.iter().position(|&n| n == mix)?;
    candidates.iter().position(|&c| c == f.links[at])
}

/// Index (within the candidates) of the link the target flow really takes: ground truth, known
/// to the scorer only.
pub fn true_candidate(scenario: &Scenario, attack: &CorrelationAttack) -> Option<usize> {
    candidate_on_route(scenario, attack.target, &attack.candidates)
}

/// Index of the first of `candidates` on flow `target`'s route.
pub fn candidate_on_route(
    scenario: &Scenario,
    target: usize,
    candidates: &[usize],
) -> Option<usize> {
    let route = &scenario.flows[target].links;
    candidates.iter().position(|l| route.contains(l))
}
