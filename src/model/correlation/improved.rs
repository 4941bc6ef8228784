//! The improved detection model: Theorem 1 treats the estimates I^_j of the independent
//! candidates as the constant (r-1)(s-1)/(2N); they are random, and the attack fails whenever
//! one of them beats I^_1. So D = P(I^_1 > max_{j != 1} I^_j) with
//! - I^_1 ~ Normal(I_1 + (r-1)(s_1-1)/(2N), C_1/N) (Lemmas 1 and 2), and
//! - 2N I^_j ~ chi-square((r-1)(s_j-1)) for every independent candidate j, all independent
//!   (the classical G-test law of the plug-in MI under independence),
//!
//! so D = integral of the Normal density of I^_1 at x times prod_j F_{chi2(k_j)}(2N x),
//! integrated numerically in z = (x - mean)/sd over [-9, 9] by composite Simpson.
//!
//! r and s_j are not the support sizes of the model's laws (infinite for Poisson counts) but
//! the expected number of DISTINCT values seen in N samples, sum over values of
//! 1 - (1 - p)^N ([`super::info::expected_distinct`]): that is the number of rows and columns
//! the plug-in estimator actually works with, and it grows with N.

use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, Normal};

use super::info::expected_distinct;

/// Simpson intervals over z in [-Z_MAX, Z_MAX].
const STEPS: usize = 3600;
const Z_MAX: f64 = 9.0;

/// Inputs of the improved model at one N, for the record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImprovedTerms {
    /// Expected distinct values of X in N samples.
    pub r: f64,
    /// Expected distinct values of Y_1 (target's link) in N samples.
    pub s1: f64,
    /// Expected distinct values of each other Y_j.
    pub s_others: Vec<f64>,
}

impl ImprovedTerms {
    pub fn new(px: &[f64], py1: &[f64], others: &[Vec<f64>], n: usize) -> ImprovedTerms {
        ImprovedTerms {
            r: expected_distinct(px, n),
            s1: expected_distinct(py1, n),
            s_others: others.iter().map(|p| expected_distinct(p, n)).collect(),
        }
    }
}

/// P(chi2(k) <= x) with the degenerate k <= 0 (a constant candidate, I^_j = 0) as a step at 0.
fn chi2_cdf(k: f64, x: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else if k <= 0.0 {
        1.0
    } else {
        ChiSquared::new(k).expect("positive dof").cdf(x)
    }
}

/// D = P(I^_1 > max_j I^_j) as above, for mutual information `i1`, Lemma-2 coefficient `c1`,
/// sample size `n` and expected distinct counts `terms`.
pub fn improved(i1: f64, c1: f64, n: usize, terms: &ImprovedTerms) -> f64 {
    let nf = n as f64;
    let mean = i1 + (terms.r - 1.0) * (terms.s1 - 1.0) / (2.0 * nf);
    let sd = (c1.max(0.0) / nf).sqrt();
    let dofs: Vec<f64> = terms
        .s_others
        .iter()
        .map(|s| (terms.r - 1.0) * (s - 1.0))
        .collect();
    let others_below = |x: f64| {
        dofs.iter()
            .map(|&k| chi2_cdf(k, 2.0 * nf * x))
            .product::<f64>()
    };
    if sd == 0.0 {
        return others_below(mean);
    }
    let normal = Normal::standard();
    let h = 2.0 * Z_MAX / STEPS as f64;
    let mut sum = 0.0;
    for i in 0..=STEPS {
        let z = -Z_MAX + i as f64 * h;
        let w = if i == 0 || i == STEPS {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        };
        sum += w * normal.pdf(z) * others_below(mean + sd * z);
    }
    (sum * h / 3.0).clamp(0.0, 1.0)
}
