//! Anonymity metrics beside the detection rate: how far down its list an identification attack
//! puts the true candidate, and, for attacks that give a probability per candidate, how evenly
//! that probability is spread (the entropy-based degree of anonymity).
//!
//! - **Rank** of the true candidate: 1 + the number of other candidates scored at least as high.
//!   A tie at the top therefore gives rank 2 or more, matching the decision rule under which a
//!   tie is a failure: rank 1 exactly when the identification is correct. Reported as a mean and
//!   a distribution (trials per rank), with a normal 95 % interval on the mean.
//! - **Degree of anonymity** (Diaz, Seys, Claessens and Preneel, "Towards measuring anonymity",
//!   PET 2002; the entropy measure of Serjantov and Danezis, same venue): with the attack's
//!   probabilities `p_j` over `C` candidates, `d = H(p) / log2 C`, `H(p) = -sum p_j log2 p_j`.
//!   `d = 1`: the adversary learnt nothing (uniform); `d = 0`: it is certain. Reported as a mean
//!   over trials with a normal 95 % interval.
//!
//! Tallies are integer sums (the rank histogram; the degree in millionths, with its square), so
//! any grouping of trials, any thread count and any shard split give the same bytes.

use crate::model::wilson::Z95;

/// The entropy-based degree of anonymity of a probability vector (0 for a single candidate).
pub fn degree(p: &[f64]) -> f64 {
    if p.len() < 2 {
        return 0.0;
    }
    let h: f64 = p.iter().filter(|&&q| q > 0.0).map(|&q| -q * q.log2()).sum();
    (h / (p.len() as f64).log2()).clamp(0.0, 1.0)
}

/// Fixed-point unit of the tallied degree: millionths (sums of squares fit a u64 for 10^7
/// trials).
pub const DEGREE_UNIT: f64 = 1e6;

/// The degree of `p` in [`DEGREE_UNIT`]s, as tallied.
pub fn degree_fixed(p: &[f64]) -> u64 {
    (degree(p) * DEGREE_UNIT).round() as u64
}

/// Mean, and normal 95 % interval, of values given by their count, sum and sum of squares.
fn mean_ci(n: u64, sum: f64, sq: f64) -> Option<(f64, f64, f64)> {
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let mean = sum / nf;
    let var = if n > 1 {
        ((sq - nf * mean * mean) / (nf - 1.0)).max(0.0)
    } else {
        0.0
    };
    let half = Z95 * (var / nf).sqrt();
    Some((mean, mean - half, mean + half))
}

/// Mean rank of the true candidate with its 95 % interval, from the rank histogram
/// (`ranks[r - 1]` trials at rank r).
pub fn rank_mean_ci(ranks: &[u64]) -> Option<(f64, f64, f64)> {
    let (mut n, mut sum, mut sq) = (0u64, 0f64, 0f64);
    for (i, &c) in ranks.iter().enumerate() {
        let r = (i + 1) as f64;
        n += c;
        sum += r * c as f64;
        sq += r * r * c as f64;
    }
    mean_ci(n, sum, sq).map(|(m, lo, hi)| (m, lo.max(1.0), hi))
}

/// Mean degree of anonymity with its 95 % interval (clamped to [0, 1]), from the tallied
/// count, sum and sum of squares in [`DEGREE_UNIT`]s.
pub fn degree_mean_ci(n: u64, sum: u64, sq: u64) -> Option<(f64, f64, f64)> {
    mean_ci(
        n,
        sum as f64 / DEGREE_UNIT,
        sq as f64 / (DEGREE_UNIT * DEGREE_UNIT),
    )
    .map(|(m, lo, hi)| (m, lo.max(0.0), hi.min(1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn means_and_intervals_from_tallies() {
        // Ranks 1, 1, 2, 4: mean 2, sample variance 2.
        let (m, lo, hi) = rank_mean_ci(&[2, 1, 0, 1]).unwrap();
        assert!((m - 2.0).abs() < 1e-12);
        let half = Z95 * (2.0f64 / 4.0).sqrt();
        assert!((hi - (2.0 + half)).abs() < 1e-12 && lo == (2.0 - half).max(1.0));
        assert_eq!(rank_mean_ci(&[]), None);
        let ps = [vec![0.5, 0.5], vec![1.0, 0.0], vec![0.9, 0.1]];
        let q: Vec<u64> = ps.iter().map(|p| degree_fixed(p)).collect();
        let (m, lo, hi) = degree_mean_ci(3, q.iter().sum(), q.iter().map(|v| v * v).sum()).unwrap();
        let direct = ps.iter().map(|p| degree(p)).sum::<f64>() / 3.0;
        assert!((m - direct).abs() < 1e-6, "{m} vs {direct}");
        assert!(lo >= 0.0 && lo < m && m < hi && hi <= 1.0);
    }
}
