//! What the attacks of every kind share: where an identification adversary watches, the mix
//! graph the path adversaries walk, the ground truth of a candidate set, and the attacks of one
//! table as the tap plan sees them. Each kind builds its own attacks, in its file
//! ([`super::AttackTable::attacks`]); what each one watches ([`Attack::needs`]) is then said
//! once, by the attack itself, for the tap plan the scenario checks ([`super::tap_plan`]) and
//! the one the run sets up.

use super::{AttackConfig, ResolvedNodeKind, Scenario};
use crate::attack::path::MixGraph;
use crate::attack::{Attack, Point, Watch};

pub use super::correlation::{correlation, true_candidate};
pub use super::hop_by_hop::{hop_truth, hop_walk};
pub use super::likelihood::likelihood_attack;
pub use super::mfa::{group_marked, multi_flow};
pub use super::supermix::supermix;
pub use super::watermark::{marked_subjects, watermark_detection};

/// The attacks of one attack table, in the order they are scored and reported (see each kind's
/// [`super::AttackTable::attacks`]), without their ground truth.
pub fn table_attacks(s: &Scenario, a: &AttackConfig) -> Vec<Box<dyn Attack>> {
    a.kind.attacks(s).into_iter().map(|(x, _)| x).collect()
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

/// Index of the first of `candidates` on flow `target`'s route: ground truth, known to the
/// scorer only.
pub fn candidate_on_route(
    scenario: &Scenario,
    target: usize,
    candidates: &[usize],
) -> Option<usize> {
    let route = &scenario.flows[target].links;
    candidates.iter().position(|l| route.contains(l))
}
