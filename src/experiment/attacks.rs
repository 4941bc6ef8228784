//! The attacks of a scenario, built for the experiment: each as an [`Attack`] object (which sees
//! only observations) beside its ground truth (which only the scorer sees).
//!
//! Each attack kind builds its attacks and works out their truths in its own file of the
//! scenario ([`crate::scenario::AttackTable::attacks`]); here they are paired into
//! [`Evaluated`]s ([`of_scenario`]). A library user can also hand [`super::run_attacks`] any
//! attack of their own with its truth (see `examples/count_ratio.rs`).

use super::score::Truth;
use crate::attack::Attack;
use crate::scenario::Scenario;

/// The attacks built from a scenario's tables (also what its tap plan is made of), and the
/// ground truths they are scored against.
pub use crate::scenario::attack_build::{
    candidate_on_route, candidate_watches, correlation, group_marked, hop_truth, hop_walk,
    likelihood_attack, marked_subjects, mix_graph, multi_flow, supermix, table_attacks,
    target_watch, true_candidate, watermark_detection,
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
    s.attacks
        .iter()
        .flat_map(|a| {
            a.kind
                .attacks(s)
                .into_iter()
                .map(|(attack, truth)| Evaluated {
                    table: a.name.clone(),
                    attack,
                    truth,
                })
        })
        .collect()
}
