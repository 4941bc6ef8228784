//! Mean hold of the batch mixes under Poisson arrivals: what a defense costs in delay.
//!
//! A timed batch mix (flush every T) is a Markov chain on m, the number of packets it carries
//! over a flush. Between flushes A ~ Poisson(λT) packets arrive, so h = m + A are held at the
//! next flush, and it keeps
//! - binomial mix: Binomial(h, 1 − P(h)) of them (each leaves with probability P(h));
//! - timed pool mix with pool f: min(h, f).
//!
//! With π the stationary law of m, the mean number held over a period is E\[m\] + λT/2, so by
//! Little's law the mean hold is E\[H\] = T/2 + E\[m\]/λ. The threshold mix (flush at n) holds the
//! k-th packet of a batch for the n − k later arrivals: E\[H\] = (n − 1)/(2λ).
//!
//! The chain is solved on the truncated state space 0..=max by power iteration; pick `max` well
//! above the mean held count (mass beyond it is folded into `max`).

use statrs::distribution::{Binomial, Discrete, Poisson};

/// Mean hold (s) of a binomial mix with send probability `p(n)`, flush period `period` (s),
/// Poisson arrivals at `lambda` (pkt/s), carried-over counts truncated at `max`.
pub fn binomial_mean_hold(lambda: f64, period: f64, p: &dyn Fn(usize) -> f64, max: usize) -> f64 {
    let kept = |h: usize| -> Vec<f64> {
        let q = (1.0 - p(h)).clamp(0.0, 1.0);
        match Binomial::new(q, h as u64) {
            Ok(b) => (0..=h).map(|k| b.pmf(k as u64)).collect(),
            Err(_) => {
                let mut v = vec![0.0; h + 1];
                v[0] = 1.0;
                v
            }
        }
    };
    timed_chain_mean_hold(lambda, period, &kept, max)
}

/// Mean hold (s) of a timed pool mix keeping `pool` packets.
pub fn timed_pool_mean_hold(lambda: f64, period: f64, pool: usize, max: usize) -> f64 {
    let kept = |h: usize| -> Vec<f64> {
        let mut v = vec![0.0; h.min(pool) + 1];
        v[h.min(pool)] = 1.0;
        v
    };
    timed_chain_mean_hold(lambda, period, &kept, max.max(pool))
}

/// Mean hold (s) of a threshold mix flushing at `n` held.
pub fn threshold_mean_hold(lambda: f64, n: u32) -> f64 {
    (n as f64 - 1.0) / (2.0 * lambda)
}

/// The chain's stationary E[m], then E[H] = T/2 + E[m]/λ. `kept(h)` is the law of the number
/// kept at a flush with h held.
fn timed_chain_mean_hold(
    lambda: f64,
    period: f64,
    kept: &dyn Fn(usize) -> Vec<f64>,
    max: usize,
) -> f64 {
    let a = lambda * period;
    let arrivals: Vec<f64> = match Poisson::new(a) {
        Ok(pois) => (0..=max).map(|k| pois.pmf(k as u64)).collect(),
        Err(_) => return period / 2.0,
    };
    // Transition row of m: P(m -> m') = sum_A P(A) P(kept = m' | h = m + A).
    let rows: Vec<Vec<f64>> = (0..=max)
        .map(|m| {
            let mut row = vec![0.0; max + 1];
            for (k, &pa) in arrivals.iter().enumerate() {
                let h = (m + k).min(max);
                for (j, &pk) in kept(h).iter().enumerate() {
                    row[j.min(max)] += pa * pk;
                }
            }
            let s: f64 = row.iter().sum();
            row[max] += (1.0 - s).max(0.0); // the Poisson tail beyond `max`
            row
        })
        .collect();
    let mut pi = vec![0.0; max + 1];
    pi[0] = 1.0;
    for _ in 0..100_000 {
        let mut next = vec![0.0; max + 1];
        for (m, row) in rows.iter().enumerate() {
            if pi[m] > 0.0 {
                for (j, &r) in row.iter().enumerate() {
                    next[j] += pi[m] * r;
                }
            }
        }
        let delta: f64 = next.iter().zip(&pi).map(|(x, y)| (x - y).abs()).sum();
        pi = next;
        if delta < 1e-13 {
            break;
        }
    }
    let mean_m: f64 = pi.iter().enumerate().map(|(m, &p)| m as f64 * p).sum();
    period / 2.0 + mean_m / lambda
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_and_binomial_limits() {
        // p = 1: nothing carried over, the mean hold is half a period.
        let h = binomial_mean_hold(100.0, 0.01, &|_| 1.0, 50);
        assert!((h - 0.005).abs() < 1e-12, "{h}");
        // A pool mix whose pool is always full (lambda T >> f) carries exactly f.
        let h = timed_pool_mean_hold(1000.0, 0.1, 5, 400);
        assert!((h - (0.05 + 5.0 / 1000.0)).abs() < 1e-9, "{h}");
        // p = 1/2 with constant P: m is Binomial-thinned each round, E[m] = lambda T.
        let h = binomial_mean_hold(10.0, 1.0, &|_| 0.5, 120);
        assert!((h - 1.5).abs() < 1e-6, "{h}");
    }
}
