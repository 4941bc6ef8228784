//! Anonymity metrics beside the detection rate: how far down its list an identification attack
//! puts the true candidate, and, for attacks that give a probability per candidate, how evenly
//! that probability is spread (the entropy-based degree of anonymity).
//!
//! - **Rank** of the true candidate: 1 + the number of other candidates scored at least as high.
//!   A tie at the top therefore gives rank 2 or more, matching the decision rule under which a
//!   tie is a failure: rank 1 exactly when the identification is correct. Reported as a mean and
//!   a distribution (trials per rank).
//! - **Degree of anonymity** (Diaz, Seys, Claessens and Preneel, "Towards measuring anonymity",
//!   PET 2002; the entropy measure of Serjantov and Danezis, same venue): with the attack's
//!   probabilities `p_j` over `C` candidates, `d = H(p) / log2 C`, `H(p) = -sum p_j log2 p_j`.
//!   `d = 1`: the adversary learnt nothing (uniform); `d = 0`: it is certain. Reported as a mean
//!   over trials with a normal 95 % interval.
//!
//! Tallies are integer sums (the degree is accumulated in fixed point, 2^-32 resolution), so any
//! grouping of trials, any thread count and any shard split give the same bytes.

use super::wilson::Z95;

/// Rank of candidate `truth` (1 = top; ties count against it).
pub fn rank(scores: &[f64], truth: usize) -> usize {
    let s = scores[truth];
    1 + scores
        .iter()
        .enumerate()
        .filter(|&(j, &v)| j != truth && v >= s)
        .count()
}

/// The entropy-based degree of anonymity of a probability vector (0 for a single candidate).
pub fn degree(p: &[f64]) -> f64 {
    if p.len() < 2 {
        return 0.0;
    }
    let h: f64 = p.iter().filter(|&&q| q > 0.0).map(|&q| -q * q.log2()).sum();
    (h / (p.len() as f64).log2()).clamp(0.0, 1.0)
}

/// Fixed-point scale of the accumulated degree.
const SCALE: f64 = 4_294_967_296.0;

/// Rank distribution and degree sums over trials, at one sample size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnonymityTally {
    /// `ranks[r - 1]`: trials in which the true candidate had rank `r`.
    pub ranks: Vec<u64>,
    /// Trials that gave probabilities, and the sums of `round(d 2^32)` and of its square.
    pub degree_trials: u64,
    pub degree_sum: u128,
    pub degree_sq_sum: u128,
}

impl AnonymityTally {
    /// Count one trial: the true candidate's rank, and the attack's probabilities if it has any.
    pub fn add(&mut self, rank: usize, probabilities: Option<&[f64]>) {
        if self.ranks.len() < rank {
            self.ranks.resize(rank, 0);
        }
        self.ranks[rank - 1] += 1;
        if let Some(p) = probabilities {
            let q = (degree(p) * SCALE).round() as u128;
            self.degree_trials += 1;
            self.degree_sum += q;
            self.degree_sq_sum += q * q;
        }
    }

    pub fn merge(&mut self, o: &AnonymityTally) {
        if self.ranks.len() < o.ranks.len() {
            self.ranks.resize(o.ranks.len(), 0);
        }
        for (a, b) in self.ranks.iter_mut().zip(&o.ranks) {
            *a += b;
        }
        self.degree_trials += o.degree_trials;
        self.degree_sum += o.degree_sum;
        self.degree_sq_sum += o.degree_sq_sum;
    }

    /// Mean rank of the true candidate (`None` before any trial).
    pub fn mean_rank(&self) -> Option<f64> {
        let n: u64 = self.ranks.iter().sum();
        (n > 0).then(|| {
            let s: u64 = self
                .ranks
                .iter()
                .enumerate()
                .map(|(i, &c)| (i as u64 + 1) * c)
                .sum();
            s as f64 / n as f64
        })
    }

    /// Mean degree of anonymity and its normal 95 % interval (`None` without probabilities).
    pub fn degree(&self) -> Option<(f64, f64, f64)> {
        let n = self.degree_trials;
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let mean = self.degree_sum as f64 / SCALE / nf;
        let var = if n > 1 {
            let sq = self.degree_sq_sum as f64 / (SCALE * SCALE);
            ((sq - nf * mean * mean) / (nf - 1.0)).max(0.0)
        } else {
            0.0
        };
        let half = Z95 * (var / nf).sqrt();
        Some((mean, (mean - half).max(0.0), (mean + half).min(1.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_counts_ties_against_the_truth() {
        assert_eq!(rank(&[0.9, 0.1, 0.5], 0), 1);
        assert_eq!(rank(&[0.9, 0.1, 0.5], 2), 2);
        assert_eq!(rank(&[0.9, 0.1, 0.5], 1), 3);
        assert_eq!(
            rank(&[0.5, 0.5, 0.1], 0),
            2,
            "a tie at the top is not rank 1"
        );
    }

    #[test]
    fn degree_bounds_and_a_known_value() {
        assert!((degree(&[0.25; 4]) - 1.0).abs() < 1e-12);
        assert_eq!(degree(&[1.0, 0.0, 0.0]), 0.0);
        // H(1/2, 1/4, 1/4) = 1.5 bits over log2 3.
        let d = degree(&[0.5, 0.25, 0.25]);
        assert!((d - 1.5 / 3f64.log2()).abs() < 1e-12, "{d}");
        assert_eq!(degree(&[1.0]), 0.0);
    }

    #[test]
    fn tally_is_exact_under_any_grouping() {
        let trials: Vec<(usize, Vec<f64>)> = (0..50)
            .map(|i| {
                let a = (i as f64 * 0.37).sin().abs();
                (1 + i % 3, vec![a / 2.0, 1.0 - a, a / 2.0])
            })
            .collect();
        let mut whole = AnonymityTally::default();
        for (r, p) in &trials {
            whole.add(*r, Some(p));
        }
        let (mut a, mut b) = (AnonymityTally::default(), AnonymityTally::default());
        for (i, (r, p)) in trials.iter().enumerate() {
            if i % 7 < 3 { &mut a } else { &mut b }.add(*r, Some(p));
        }
        b.merge(&a);
        assert_eq!(b.degree_sum, whole.degree_sum);
        assert_eq!(b.degree_sq_sum, whole.degree_sq_sum);
        assert_eq!(b.ranks, whole.ranks);
        let (mean, lo, hi) = whole.degree().unwrap();
        let direct: f64 = trials.iter().map(|(_, p)| degree(p)).sum::<f64>() / 50.0;
        assert!((mean - direct).abs() < 1e-9);
        assert!(lo < mean && mean < hi);
        assert!((whole.mean_rank().unwrap() - 2.0).abs() < 0.05);
    }
}
