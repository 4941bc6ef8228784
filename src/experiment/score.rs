//! Scoring verdicts against the ground truth, and the tallies that sum the scores over trials.
//!
//! The ground truth of an attack ([`Truth`]) is worked out from the scenario and never reaches
//! the attack. Every tally is a set of integer counts, so adding trials in any
//! order or grouping (threads, chunks, shards, resumed runs) gives the same numbers.
//!
//! - Identification, per sample size N: *correct* (the true candidate named), *wrong* (another
//!   named), *tie* (none named), *absent* (the true candidate is not among the candidates: a
//!   failure whatever the attack says). The detection rate is correct / trials. Beside it, the
//!   histogram of the true candidate's rank: 1 + the number of other candidates scoring at least
//!   as high (so rank 1 is exactly "correct").
//! - Detection, over every examined subject of every trial: true positives and false negatives
//!   on marked subjects, false positives and true negatives on unmarked ones, and the histograms
//!   of the detail count (say detected intervals) on each.

use crate::attack::{Detection, Identification, Verdict};
use serde::{Deserialize, Serialize};

/// What the experiment knows and the attack does not (each attack kind works it out from the
/// scenario, beside the attacks it builds).
pub use crate::scenario::Truth;

/// Identification counts at one sample size.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentificationTally {
    pub sample_size: usize,
    pub correct: u64,
    pub wrong: u64,
    pub ties: u64,
    pub absent: u64,
    /// `ranks[r - 1]`: trials where the true candidate ranked r (absent trials excluded).
    pub ranks: Vec<u64>,
    /// Trials whose verdict gave a probability per candidate, and over them the sums of the
    /// degree of anonymity and of its square, in fixed point (see [`super::anonymity`]).
    #[serde(default)]
    pub degree_trials: u64,
    #[serde(default)]
    pub degree_sum: u64,
    #[serde(default)]
    pub degree_sq_sum: u64,
}

/// Detection counts over every examined subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectionTally {
    pub true_positives: u64,
    pub false_negatives: u64,
    pub false_positives: u64,
    pub true_negatives: u64,
    /// `marked_hits[k]`: marked subjects whose verdict detail had k hits.
    pub marked_hits: Vec<u64>,
    /// `unmarked_hits[k]`: the same on unmarked subjects.
    pub unmarked_hits: Vec<u64>,
    /// Largest `out_of` seen in a detail (0 without details).
    pub out_of: u32,
}

/// One attack's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AttackTally {
    /// One per sample size, ascending.
    Identification(Vec<IdentificationTally>),
    Detection(DetectionTally),
}

fn add_vec(acc: &mut Vec<u64>, add: &[u64]) {
    if acc.len() < add.len() {
        acc.resize(add.len(), 0);
    }
    for (a, b) in acc.iter_mut().zip(add) {
        *a += b;
    }
}

impl IdentificationTally {
    fn add(&mut self, o: &IdentificationTally) {
        self.correct += o.correct;
        self.wrong += o.wrong;
        self.ties += o.ties;
        self.absent += o.absent;
        add_vec(&mut self.ranks, &o.ranks);
        self.degree_trials += o.degree_trials;
        self.degree_sum += o.degree_sum;
        self.degree_sq_sum += o.degree_sq_sum;
    }

    /// Trials scored.
    pub fn trials(&self) -> u64 {
        self.correct + self.wrong + self.ties + self.absent
    }
}

impl DetectionTally {
    fn add(&mut self, o: &DetectionTally) {
        self.true_positives += o.true_positives;
        self.false_negatives += o.false_negatives;
        self.false_positives += o.false_positives;
        self.true_negatives += o.true_negatives;
        add_vec(&mut self.marked_hits, &o.marked_hits);
        add_vec(&mut self.unmarked_hits, &o.unmarked_hits);
        self.out_of = self.out_of.max(o.out_of);
    }
}

impl AttackTally {
    /// Add `o` (of the same attack) into `self`.
    pub fn add(&mut self, o: &AttackTally) {
        match (self, o) {
            (AttackTally::Identification(a), AttackTally::Identification(b)) => {
                if a.is_empty() {
                    a.extend(b.iter().map(|t| IdentificationTally {
                        sample_size: t.sample_size,
                        ..Default::default()
                    }));
                }
                for (x, y) in a.iter_mut().zip(b) {
                    x.add(y);
                }
            }
            (AttackTally::Detection(a), AttackTally::Detection(b)) => a.add(b),
            (a, b) => panic!("tallies of different attack kinds: {a:?} and {b:?}"),
        }
    }

    /// The empty tally for an attack with this truth.
    pub fn empty(truth: &Truth) -> Self {
        match truth {
            Truth::Identification { .. } => AttackTally::Identification(Vec::new()),
            Truth::Detection { .. } => AttackTally::Detection(DetectionTally::default()),
        }
    }
}

/// Score one trial's verdict against the truth.
///
/// # Panics
/// If the verdict's kind or shape does not match the truth (a bug in the attack).
pub fn score(verdict: &Verdict, truth: &Truth) -> AttackTally {
    match (verdict, truth) {
        (Verdict::Identification(ids), Truth::Identification { true_candidate }) => {
            AttackTally::Identification(
                ids.iter()
                    .map(|id| identification(id, *true_candidate))
                    .collect(),
            )
        }
        (Verdict::Detection(ds), Truth::Detection { marked }) => {
            assert_eq!(
                ds.len(),
                marked.len(),
                "a detection verdict per examined subject"
            );
            let mut t = DetectionTally::default();
            for (d, &m) in ds.iter().zip(marked) {
                detection(&mut t, d, m);
            }
            AttackTally::Detection(t)
        }
        (v, t) => panic!("verdict {v:?} does not answer {t:?}"),
    }
}

fn identification(id: &Identification, truth: Option<usize>) -> IdentificationTally {
    let mut t = IdentificationTally {
        sample_size: id.sample_size,
        ..Default::default()
    };
    if let Some(p) = &id.probabilities {
        let d = super::anonymity::degree_fixed(p);
        t.degree_trials = 1;
        t.degree_sum = d;
        t.degree_sq_sum = d * d;
    }
    let Some(truth) = truth else {
        t.absent = 1;
        return t;
    };
    match id.chosen {
        Some(c) if c == truth => t.correct = 1,
        Some(_) => t.wrong = 1,
        None => t.ties = 1,
    }
    let mine = id.scores[truth];
    // NaN scores never rank above: comparisons with NaN are false.
    let above = id
        .scores
        .iter()
        .enumerate()
        .filter(|&(j, &s)| j != truth && s >= mine)
        .count();
    t.ranks = vec![0; above + 1];
    t.ranks[above] = 1;
    t
}

fn detection(t: &mut DetectionTally, d: &Detection, marked: bool) {
    match (marked, d.marked) {
        (true, true) => t.true_positives += 1,
        (true, false) => t.false_negatives += 1,
        (false, true) => t.false_positives += 1,
        (false, false) => t.true_negatives += 1,
    }
    if let Some(h) = d.detail {
        let hist = if marked {
            &mut t.marked_hits
        } else {
            &mut t.unmarked_hits
        };
        let k = h.hits as usize;
        if hist.len() <= k {
            hist.resize(k + 1, 0);
        }
        hist[k] += 1;
        t.out_of = t.out_of.max(h.out_of);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attack::Hits;

    fn id(chosen: Option<usize>, scores: &[f64]) -> Identification {
        Identification {
            sample_size: 10,
            chosen,
            scores: scores.to_vec(),
            probabilities: None,
        }
    }

    #[test]
    fn identification_outcomes_and_rank() {
        let truth = Some(1);
        let t = identification(&id(Some(1), &[0.1, 0.5, 0.2]), truth);
        assert_eq!((t.correct, t.ranks.clone()), (1, vec![1]));
        let t = identification(&id(Some(0), &[0.9, 0.5, 0.7]), truth);
        assert_eq!((t.wrong, t.ranks.clone()), (1, vec![0, 0, 1]));
        // A tie at the top: no candidate named, and the true one ranks behind its equal.
        let t = identification(&id(None, &[0.5, 0.5, 0.1]), truth);
        assert_eq!((t.ties, t.ranks.clone()), (1, vec![0, 1]));
        let t = identification(&id(Some(1), &[0.1, 0.5]), None);
        assert_eq!((t.absent, t.correct, t.trials()), (1, 0, 1));
    }

    #[test]
    fn detection_counts_and_histograms() {
        let v = Verdict::Detection(vec![
            Detection {
                marked: true,
                score: 14.0,
                detail: Some(Hits {
                    hits: 14,
                    out_of: 32,
                }),
            },
            Detection {
                marked: true,
                score: 2.0,
                detail: Some(Hits {
                    hits: 2,
                    out_of: 32,
                }),
            },
            Detection {
                marked: false,
                score: 3.0,
                detail: Some(Hits {
                    hits: 3,
                    out_of: 32,
                }),
            },
        ]);
        let mut acc = AttackTally::empty(&Truth::Detection {
            marked: vec![true, false, false],
        });
        let s = score(
            &v,
            &Truth::Detection {
                marked: vec![true, false, false],
            },
        );
        acc.add(&s);
        acc.add(&s);
        let AttackTally::Detection(d) = acc else {
            panic!()
        };
        assert_eq!(
            (
                d.true_positives,
                d.false_negatives,
                d.false_positives,
                d.true_negatives
            ),
            (2, 0, 2, 2)
        );
        assert_eq!(d.marked_hits[14], 2);
        assert_eq!(d.unmarked_hits[2..4], [2, 2]);
        assert_eq!(d.out_of, 32);
    }

    #[test]
    fn sums_do_not_depend_on_grouping() {
        let truth = Truth::Identification {
            true_candidate: Some(0),
        };
        let verdicts = [
            Verdict::Identification(vec![id(Some(0), &[1.0, 0.0])]),
            Verdict::Identification(vec![id(None, &[1.0, 1.0])]),
            Verdict::Identification(vec![id(Some(1), &[0.0, 1.0])]),
        ];
        let one = |vs: &[Verdict]| {
            let mut a = AttackTally::empty(&truth);
            for v in vs {
                a.add(&score(v, &truth));
            }
            a
        };
        let mut split = one(&verdicts[..1]);
        split.add(&one(&verdicts[1..]));
        assert_eq!(split, one(&verdicts));
    }
}
