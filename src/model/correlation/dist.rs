//! Truncated probability mass functions on 0, 1, 2, ... (via `statrs`), and their convolution.

use statrs::distribution::{Binomial, Discrete, Poisson};

/// Mass below which a tail is dropped when a pmf is truncated.
pub const TAIL_EPS: f64 = 1e-14;

/// Poisson(mean) pmf on 0..=K, K the first index past the mean whose remaining tail is below
/// `eps` (bounded by the geometric tail bound p_K m / (K + 1 - m)).
pub fn poisson_pmf(mean: f64, eps: f64) -> Vec<f64> {
    assert!(
        mean >= 0.0 && mean.is_finite(),
        "Poisson mean must be finite and >= 0, got {mean}"
    );
    if mean == 0.0 {
        return vec![1.0];
    }
    let d = Poisson::new(mean).expect("valid Poisson mean");
    let mut out = Vec::new();
    for k in 0u64.. {
        let p = d.pmf(k);
        out.push(p);
        let next = (k + 1) as f64;
        if next > mean + 1.0 && p * mean / (next - mean) < eps {
            break;
        }
    }
    out
}

/// Binomial(n, p) pmf on 0..=n.
pub fn binomial_pmf(n: u64, p: f64) -> Vec<f64> {
    let d = Binomial::new(p.clamp(0.0, 1.0), n).expect("valid binomial");
    (0..=n).map(|k| d.pmf(k)).collect()
}

/// The law of A + B for independent A ~ a, B ~ b.
pub fn convolve(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        if x == 0.0 {
            continue;
        }
        for (j, &y) in b.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
    out
}
