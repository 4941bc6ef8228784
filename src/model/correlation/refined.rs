//! A refined detection model, beyond the improved one: exact finite-N means of the plug-in
//! estimates and the second-order spread of I^_1.
//!
//! Measured against the semi-analytic estimate (which runs the real estimator on samples of
//! the same laws), the improved model ([`super::improved`](mod@super::improved)) has two blind spots:
//! 1. Lemma 2 keeps only the first-order term of I^_1, Var ~ C_1/N. The second-order term,
//!    (1/2N) times a chi-square with about (r-1)(s-1) degrees of freedom, has variance
//!    k/(2N^2), which dominates until N I_1 is large against k: at N = 480 on fig5-light it
//!    is 6 times C_1/N.
//! 2. The bias (r-1)(s-1)/(2N) of Lemma 1 assumes every cell of the table is well filled.
//!    With sparse cells the real bias is smaller, and by an amount that depends on the joint
//!    law: behind a saturated link (fig5-heavy) the target's bias is lower than an
//!    independent candidate's with the same marginal, which eats most of I_1 at small N.
//!
//! This model fixes both: with n_c ~ Binomial(N, p_c) the count of cell c, the expectation of
//! the plug-in estimate E[I^] = E[H^(X)] + E[H^(Y)] - E[H^(X,Y)] is a sum over cells of
//! E[(n/N) ln(n/N)], computed exactly from the binomial law (by a fourth-order expansion
//! for cells with N p >= 200, where its error is below 1e-9 / N). Then with
//! k_j = 2N (E[I^_j] - I_j) (effective degrees of freedom),
//! 2N I^_1 = 2N I_1 + 2 sqrt(N C_1) Z + Q_1, Q_1 ~ chi-square(k_1), Z ~ Normal(0,1), and
//! 2N I^_j ~ chi-square(k_j) for the independent candidates, all independent;
//! D = P(2N I^_1 > max_j 2N I^_j) is integrated numerically (Simpson over Z, equal-probability
//! quantile midpoints over Q_1, the product of chi-square CDFs tabulated on a fine grid).

use statrs::distribution::{Binomial, ChiSquared, Continuous, ContinuousCDF, Discrete, Normal};

use super::info::{c_coefficient, mutual_information};
use super::joint::ModelLaws;

/// E[(n/N) ln(n/N)] for n ~ Binomial(N, p).
fn expected_plogp(n: usize, p: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    if nf * p >= 200.0 {
        return p * p.ln() + (1.0 - p) / (2.0 * nf) + (1.0 - p) * (1.0 + p) / (12.0 * nf * nf * p);
    }
    let d = Binomial::new(p, n as u64).expect("valid binomial");
    let hi = ((nf * p + 12.0 * (nf * p).sqrt() + 30.0) as usize).min(n);
    (1..=hi)
        .map(|k| {
            let x = k as f64 / nf;
            d.pmf(k as u64) * x * x.ln()
        })
        .sum()
}

/// Expected plug-in entropy sum -E[p^ ln p^] over the cells of `pmf`.
fn expected_entropy<'a>(cells: impl Iterator<Item = &'a f64>, n: usize) -> f64 {
    -cells.map(|&p| expected_plogp(n, p)).sum::<f64>()
}

/// Exact expectation of the plug-in MI on N i.i.d. pairs from the joint law `p` (nx x ny,
/// row-major) with marginals `px`, `py`.
pub fn expected_plugin_mi(px: &[f64], py: &[f64], p: &[f64], n: usize) -> f64 {
    expected_entropy(px.iter(), n) + expected_entropy(py.iter(), n) - expected_entropy(p.iter(), n)
}

/// Exact expectation of the plug-in MI for X ~ `px` and an independent Y ~ `py`.
pub fn expected_plugin_mi_independent(px: &[f64], py: &[f64], n: usize) -> f64 {
    let prod: Vec<f64> = px
        .iter()
        .flat_map(|&a| py.iter().map(move |&b| a * b))
        .collect();
    expected_plugin_mi(px, py, &prod, n)
}

/// Degrees of freedom below this are rounding noise of a degenerate law (a constant count,
/// whose plug-in estimate is exactly 0): they are taken as 0.
const DOF_EPS: f64 = 1e-9;

fn snap(k: f64) -> f64 {
    if k < DOF_EPS {
        0.0
    } else {
        k
    }
}

/// Inputs of the refined model at one N, for the record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RefinedTerms {
    /// Effective degrees of freedom 2N (E[I^_1] - I_1) of the target's link.
    pub k1: f64,
    /// 2N E[I^_j] for each independent candidate.
    pub k_others: Vec<f64>,
}

impl RefinedTerms {
    pub fn new(laws: &ModelLaws, n: usize) -> RefinedTerms {
        let t = &laws.target;
        let two_n = 2.0 * n as f64;
        RefinedTerms {
            k1: snap(two_n * (expected_plugin_mi(&t.px, &t.py, &t.p, n) - mutual_information(t))),
            k_others: laws
                .others
                .iter()
                .map(|q| snap(two_n * expected_plugin_mi_independent(&t.px, q, n)))
                .collect(),
        }
    }
}

/// Refined detection rate at sample size `n` (see the module doc).
pub fn improved_refined(laws: &ModelLaws, n: usize) -> f64 {
    let terms = RefinedTerms::new(laws, n);
    refined_from_terms(
        mutual_information(&laws.target),
        c_coefficient(&laws.target),
        n,
        &terms,
    )
}

/// The refined model from I_1, C_1 and the effective degrees of freedom.
pub fn refined_from_terms(i1: f64, c1: f64, n: usize, terms: &RefinedTerms) -> f64 {
    let nf = n as f64;
    let mu = 2.0 * nf * i1;
    let tau = 2.0 * (nf * c1.max(0.0)).sqrt();
    // G(s) = prod_j P(chi2(k_j) <= s), tabulated on [0, s_hi] (G = 1 beyond).
    let dists: Vec<ChiSquared> = terms
        .k_others
        .iter()
        .filter(|&&k| k > 0.0)
        .map(|&k| ChiSquared::new(k).expect("dof > 0"))
        .collect();
    let s_hi = terms
        .k_others
        .iter()
        .map(|&k| k.max(0.0) + 15.0 * (2.0 * k.max(0.0)).sqrt() + 40.0)
        .fold(40.0, f64::max);
    const GRID: usize = 4000;
    let h = s_hi / GRID as f64;
    let table: Vec<f64> = (0..=GRID)
        .map(|i| dists.iter().map(|d| d.cdf(i as f64 * h)).product::<f64>())
        .collect();
    let g = |s: f64| -> f64 {
        if s <= 0.0 {
            0.0
        } else if s >= s_hi {
            1.0
        } else {
            let x = s / h;
            let i = x.floor() as usize;
            let f = x - i as f64;
            table[i] * (1.0 - f) + table[(i + 1).min(GRID)] * f
        }
    };
    // Q_1 at equal-probability quantile midpoints.
    const QN: usize = 200;
    let q: Vec<f64> = if terms.k1 > 0.0 {
        let d = ChiSquared::new(terms.k1).expect("dof > 0");
        (0..QN)
            .map(|m| d.inverse_cdf((m as f64 + 0.5) / QN as f64))
            .collect()
    } else {
        vec![0.0]
    };
    // Z by Simpson on [-8, 8].
    const ZN: usize = 160;
    let normal = Normal::standard();
    let hz = 16.0 / ZN as f64;
    let mut sum = 0.0;
    for i in 0..=ZN {
        let z = -8.0 + i as f64 * hz;
        let w = if i == 0 || i == ZN {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        };
        let inner = q.iter().map(|&qq| g(mu + tau * z + qq)).sum::<f64>() / q.len() as f64;
        sum += w * normal.pdf(z) * inner;
    }
    (sum * hz / 3.0).clamp(0.0, 1.0)
}
