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
//! quantile midpoints over Q_1, the product of the competitors' CDFs tabulated on a fine grid).
//!
//! # The shared sample of X
//! Every estimate is computed against the same N values of X, so the estimates are not
//! independent: which values of X the sample holds, and how often, moves every candidate's
//! plug-in bias together (a sample that happens to hold a rare count of X adds about s_j - 1 to
//! every 2N I^_j at once). Taken as independent, the spread of the difference
//! 2N I^_1 - 2N I^_j is overstated by twice their covariance, and D is too low where it climbs
//! steeply (a timed mix of period 2 ms on fig5-light at N = 100: covariance 20.8, 20.5 for the
//! real estimator, against variances 122 and 78; D 0.790 taken apart, 0.817 with it, 0.825 for
//! the real estimator on the same i.i.d. law: `examples/shared_sample.rs`). Given the counts n_u of
//! X's values, the candidates' Y samples are independent, so the covariance is that of the
//! conditional means E[2N I^_j | n] = 2N E[H^(Y_j) | n] - 2 sum_u n_u E[H^_{n_u}(Y_j | X = u)]:
//! a sum of one function per value u of n_u (the pooled term linearised), computed with the
//! counts Poissonised (n_u ~ Poisson(N p_u), exact sums for N p_u <= [`EXACT_COUNT_MEAN`], the
//! delta method above) and conditioned on their total N (the Gaussian correction
//! Cov - Cov(., N) Cov(., N) / N). The model treats the smallest of these covariances, c, as a
//! factor shared by every estimate and removes it from both sides: the target's normal term
//! keeps variance 4 N C_1 - c, each competitor is a gamma law with the chi-square's mean k_j and
//! variance 2 k_j - c (c is capped by the variances it is taken from).

use statrs::distribution::{Binomial, Continuous, ContinuousCDF, Discrete, Gamma, Normal, Poisson};

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
    /// Variance of the part every estimate shares through the sample of X: the smallest
    /// covariance of 2N I^_1 with a competitor's 2N I^_j (see the module doc).
    pub shared: f64,
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
            shared: shared_covariances(laws, n)
                .into_iter()
                .fold(f64::INFINITY, f64::min)
                .max(0.0),
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

/// Mean count N p_u up to which the covariance sums over n_u exactly; beyond, the delta method
/// (the functions are smooth there and n_u = 0 has no mass).
pub const EXACT_COUNT_MEAN: f64 = 100.0;

/// E[H^_m] of the plug-in entropy of m draws from `q` (0 for m = 0).
fn expected_entropy_of(m: usize, q: &[f64]) -> f64 {
    if m == 0 {
        return 0.0;
    }
    expected_entropy(q.iter(), m)
}

/// Cov(f(n), g(n)), Cov(f(n), n), Cov(g(n), n) for n ~ Poisson(lambda).
fn poisson_covariances(
    lambda: f64,
    f: &dyn Fn(usize) -> f64,
    g: &dyn Fn(usize) -> f64,
) -> [f64; 3] {
    if lambda > EXACT_COUNT_MEAN {
        // Delta method: Cov(f, g) = f'(lambda) g'(lambda) lambda.
        let m = lambda.round() as usize;
        let h = (lambda.sqrt().round() as usize).max(1);
        let d = |k: &dyn Fn(usize) -> f64| (k(m + h) - k(m - h)) / (2 * h) as f64;
        let (df, dg) = (d(f), d(g));
        return [df * dg * lambda, df * lambda, dg * lambda];
    }
    let pois = Poisson::new(lambda).expect("lambda > 0");
    let hi = (lambda + 12.0 * lambda.sqrt() + 30.0) as usize;
    let pts: Vec<(f64, f64, f64, f64)> = (0..=hi)
        .map(|m| (pois.pmf(m as u64), f(m), g(m), m as f64))
        .collect();
    let mean = |k: fn(&(f64, f64, f64, f64)) -> f64| pts.iter().map(|p| p.0 * k(p)).sum::<f64>();
    let (ef, eg, em) = (mean(|p| p.1), mean(|p| p.2), mean(|p| p.3));
    let cov = |a: fn(&(f64, f64, f64, f64)) -> f64,
               ea: f64,
               b: fn(&(f64, f64, f64, f64)) -> f64,
               eb: f64| {
        pts.iter()
            .map(|p| p.0 * (a(p) - ea) * (b(p) - eb))
            .sum::<f64>()
    };
    [
        cov(|p| p.1, ef, |p| p.2, eg),
        cov(|p| p.1, ef, |p| p.3, em),
        cov(|p| p.2, eg, |p| p.3, em),
    ]
}

/// Cov(2N I^_1, 2N I^_j) for each independent candidate j through the shared sample of X (see
/// the module doc).
pub fn shared_covariances(laws: &ModelLaws, n: usize) -> Vec<f64> {
    let t = &laws.target;
    let nf = n as f64;
    // Per value u of X: its mean count, its conditional law of Y_1 and the target's term
    // 2 m (H_cross(u) - E[H^_m(Y_1 | u)]), H_cross(u) = -sum_v p(v|u) ln p(v) from the
    // linearised pooled entropy.
    let rows: Vec<(f64, Vec<f64>, f64)> = (0..t.nx)
        .filter(|&u| t.px[u] > 0.0)
        .map(|u| {
            let cond: Vec<f64> = (0..t.ny).map(|v| t.p[u * t.ny + v] / t.px[u]).collect();
            let cross = -cond
                .iter()
                .zip(&t.py)
                .filter(|(&c, &q)| c > 0.0 && q > 0.0)
                .map(|(&c, &q)| c * q.ln())
                .sum::<f64>();
            (nf * t.px[u], cond, cross)
        })
        .collect();
    laws.others
        .iter()
        .map(|q| {
            let hq = -q
                .iter()
                .filter(|&&p| p > 0.0)
                .map(|&p| p * p.ln())
                .sum::<f64>();
            let (mut c_ab, mut c_an, mut c_bn) = (0.0, 0.0, 0.0);
            for (lambda, cond, cross) in &rows {
                let alpha = |m: usize| 2.0 * m as f64 * (cross - expected_entropy_of(m, cond));
                let beta = |m: usize| 2.0 * m as f64 * (hq - expected_entropy_of(m, q));
                let [ab, an, bn] = poisson_covariances(*lambda, &alpha, &beta);
                c_ab += ab;
                c_an += an;
                c_bn += bn;
            }
            c_ab - c_an * c_bn / nf
        })
        .collect()
}

/// The refined model from I_1, C_1, the effective degrees of freedom and the shared variance.
pub fn refined_from_terms(i1: f64, c1: f64, n: usize, terms: &RefinedTerms) -> f64 {
    let nf = n as f64;
    let mu = 2.0 * nf * i1;
    let tau2 = 4.0 * nf * c1.max(0.0);
    // A shared factor cannot carry more variance than either side has.
    let c = terms
        .k_others
        .iter()
        .filter(|&&k| k > 0.0)
        .map(|&k| 2.0 * k)
        .fold(terms.shared.min(tau2 + 2.0 * terms.k1), f64::min)
        .max(0.0);
    // The target: the shared part comes out of the normal term first, then out of Q_1.
    let (tau, q_var) = if c <= tau2 {
        ((tau2 - c).sqrt(), 2.0 * terms.k1)
    } else {
        (0.0, 2.0 * terms.k1 - (c - tau2))
    };
    // Mean k, variance v (a chi-square(k) when v = 2k); a floor keeps a law at the cap valid.
    let law = |k: f64, v: f64| {
        let v = v.max(1e-9 * k);
        Gamma::new(k * k / v, k / v).expect("shape and rate > 0")
    };
    // G(s) = prod_j P(2N I^_j <= s), tabulated on [0, s_hi] (G = 1 beyond).
    let dists: Vec<Gamma> = terms
        .k_others
        .iter()
        .filter(|&&k| k > 0.0)
        .map(|&k| law(k, 2.0 * k - c))
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
        let d = law(terms.k1, q_var);
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
