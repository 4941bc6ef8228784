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
//!
//! # Cost
//! Nearly all the time goes into the exact binomial sums E[H^_m] of a law at m draws. They do
//! not depend on N: [`SharedSample`] computes each (law, m) once for every N, value of X and
//! candidate ([`RefinedTerms::for_sizes`]), and [`PlogpSums`] hoists out of each sum what does
//! not depend on its term. Both give the floats of the plain formulas, bit for bit.

use std::collections::HashMap;
use std::sync::OnceLock;

use statrs::distribution::{Continuous, ContinuousCDF, Discrete, Gamma, Normal, Poisson};
use statrs::function::factorial::ln_factorial;

use super::info::{c_coefficient, mutual_information};
use super::joint::ModelLaws;

/// ln k! for k below this comes from a table built once (statrs's own values).
const LN_FACTORIAL_TABLE: usize = 1 << 16;

/// ln k!, exactly statrs's value (the binomial pmf is built from it).
fn ln_fact(k: usize) -> f64 {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    match TABLE
        .get_or_init(|| (0..LN_FACTORIAL_TABLE as u64).map(ln_factorial).collect())
        .get(k)
    {
        Some(&v) => v,
        None => ln_factorial(k as u64),
    }
}

/// Exact sums of E[(n/m) ln(n/m)], n ~ Binomial(m, p). Every term is the float statrs's
/// `Binomial::pmf(k) * x * x.ln()` gives (the same operations in the same order), with what
/// does not depend on the term hoisted: ln k! from a table, ln p and ln(1 - p) once per cell,
/// x = k/m and ln x once per m for all cells.
#[derive(Debug, Default)]
pub struct PlogpSums {
    /// m of the table below, and (k/m, ln(k/m)) for k = 1..
    m: usize,
    x_ln_x: Vec<(f64, f64)>,
}

impl PlogpSums {
    pub fn new() -> Self {
        Self::default()
    }

    /// E[(n/m) ln(n/m)] for n ~ Binomial(m, p).
    pub fn expected_plogp(&mut self, m: usize, p: f64) -> f64 {
        if p <= 0.0 || p >= 1.0 {
            return 0.0;
        }
        let mf = m as f64;
        if mf * p >= 200.0 {
            return p * p.ln()
                + (1.0 - p) / (2.0 * mf)
                + (1.0 - p) * (1.0 + p) / (12.0 * mf * mf * p);
        }
        let hi = ((mf * p + 12.0 * (mf * p).sqrt() + 30.0) as usize).min(m);
        if self.m != m {
            self.m = m;
            self.x_ln_x.clear();
        }
        for k in self.x_ln_x.len() + 1..=hi {
            let x = k as f64 / mf;
            self.x_ln_x.push((x, x.ln()));
        }
        let (ln_p, ln_q, ln_m) = (p.ln(), (1.0 - p).ln(), ln_fact(m));
        self.x_ln_x[..hi]
            .iter()
            .enumerate()
            .map(|(i, &(x, ln_x))| {
                let k = i + 1;
                let ln_binomial = ln_m - ln_fact(k) - ln_fact(m - k);
                let pmf = (ln_binomial + k as f64 * ln_p + (m - k) as f64 * ln_q).exp();
                pmf * x * ln_x
            })
            .sum()
    }

    /// Expected plug-in entropy sum -E[p^ ln p^] over the cells `pmf` at sample size m.
    pub fn expected_entropy(&mut self, cells: &[f64], m: usize) -> f64 {
        -cells
            .iter()
            .map(|&p| self.expected_plogp(m, p))
            .sum::<f64>()
    }

    /// Exact expectation of the plug-in MI on N i.i.d. pairs from the joint law `p` (nx x ny,
    /// row-major) with marginals `px`, `py`.
    pub fn expected_plugin_mi(&mut self, px: &[f64], py: &[f64], p: &[f64], n: usize) -> f64 {
        self.expected_entropy(px, n) + self.expected_entropy(py, n) - self.expected_entropy(p, n)
    }

    /// Exact expectation of the plug-in MI for X ~ `px` and an independent Y ~ `py`.
    pub fn expected_plugin_mi_independent(&mut self, px: &[f64], py: &[f64], n: usize) -> f64 {
        let prod: Vec<f64> = px
            .iter()
            .flat_map(|&a| py.iter().map(move |&b| a * b))
            .collect();
        self.expected_plugin_mi(px, py, &prod, n)
    }
}

/// Exact expectation of the plug-in MI on N i.i.d. pairs from the joint law `p` (nx x ny,
/// row-major) with marginals `px`, `py`.
pub fn expected_plugin_mi(px: &[f64], py: &[f64], p: &[f64], n: usize) -> f64 {
    PlogpSums::new().expected_plugin_mi(px, py, p, n)
}

/// Exact expectation of the plug-in MI for X ~ `px` and an independent Y ~ `py`.
pub fn expected_plugin_mi_independent(px: &[f64], py: &[f64], n: usize) -> f64 {
    PlogpSums::new().expected_plugin_mi_independent(px, py, n)
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
        RefinedTerms::for_sizes(laws, &[n]).remove(0)
    }

    /// The terms at each of `sizes`: the same values as [`RefinedTerms::new`] at each, with the
    /// exact sums the sizes have in common computed once.
    pub fn for_sizes(laws: &ModelLaws, sizes: &[usize]) -> Vec<RefinedTerms> {
        let t = &laws.target;
        let i1 = mutual_information(t);
        let mut sample = SharedSample::new(laws);
        sizes
            .iter()
            .map(|&n| {
                let two_n = 2.0 * n as f64;
                let sums = &mut sample.sums;
                let k1 = snap(two_n * (sums.expected_plugin_mi(&t.px, &t.py, &t.p, n) - i1));
                let k_others = laws
                    .others
                    .iter()
                    .map(|q| snap(two_n * sums.expected_plugin_mi_independent(&t.px, q, n)))
                    .collect();
                RefinedTerms {
                    k1,
                    k_others,
                    shared: sample
                        .covariances(n)
                        .into_iter()
                        .fold(f64::INFINITY, f64::min)
                        .max(0.0),
                }
            })
            .collect()
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

/// E[H^_m] of the plug-in entropy of m draws from one law, per m, each computed once.
#[derive(Debug, Default)]
struct EntropyByCount(HashMap<usize, f64>);

impl EntropyByCount {
    /// E[H^_m] for m draws from `q` (0 for m = 0).
    fn get(&mut self, m: usize, q: &[f64], sums: &mut PlogpSums) -> f64 {
        if m == 0 {
            return 0.0;
        }
        *self
            .0
            .entry(m)
            .or_insert_with(|| sums.expected_entropy(q, m))
    }
}

/// The counts at which [`poisson_covariances`] takes its functions for n ~ Poisson(lambda):
/// every count up to far in the tail (exact sums), or the two ends of the delta method's
/// difference.
fn covariance_counts(lambda: f64) -> Vec<usize> {
    if lambda > EXACT_COUNT_MEAN {
        let (m, h) = delta_step(lambda);
        vec![m - h, m + h]
    } else {
        (0..=(lambda + 12.0 * lambda.sqrt() + 30.0) as usize).collect()
    }
}

/// The delta method's centre and half-step.
fn delta_step(lambda: f64) -> (usize, usize) {
    (
        lambda.round() as usize,
        (lambda.sqrt().round() as usize).max(1),
    )
}

/// Cov(f(n), g(n)), Cov(f(n), n), Cov(g(n), n) for n ~ Poisson(lambda), from f and g at
/// [`covariance_counts`]`(lambda)`.
fn poisson_covariances(lambda: f64, f: &[f64], g: &[f64]) -> [f64; 3] {
    if lambda > EXACT_COUNT_MEAN {
        // Delta method: Cov(f, g) = f'(lambda) g'(lambda) lambda.
        let (_, h) = delta_step(lambda);
        let d = |k: &[f64]| (k[1] - k[0]) / (2 * h) as f64;
        let (df, dg) = (d(f), d(g));
        return [df * dg * lambda, df * lambda, dg * lambda];
    }
    let pois = Poisson::new(lambda).expect("lambda > 0");
    let pts: Vec<(f64, f64, f64, f64)> = f
        .iter()
        .zip(g)
        .enumerate()
        .map(|(m, (&fm, &gm))| (pois.pmf(m as u64), fm, gm, m as f64))
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

/// One value u of X in the shared-sample covariance: P(X = u), the conditional law of Y_1
/// given it, the cross entropy H_cross(u) = -sum_v p(v|u) ln p(v) of the linearised pooled
/// entropy, and E[H^_m(Y_1 | X = u)] per m.
struct XValue {
    px: f64,
    cond: Vec<f64>,
    cross: f64,
    entropy: EntropyByCount,
}

/// The covariances of [`shared_covariances`] for one set of laws at any N. What does not
/// depend on N (the values of X, the candidates' entropies, the expected plug-in entropies
/// per count m) is worked out once and shared by every N, every value of X and every
/// candidate: the same floats as computing each afresh.
pub struct SharedSample<'a> {
    laws: &'a ModelLaws,
    values: Vec<XValue>,
    /// Per independent candidate: its entropy H(Y_j) and E[H^_m(Y_j)] per m.
    others: Vec<(f64, EntropyByCount)>,
    /// The exact binomial sums, shared with the callers' other expectations.
    pub sums: PlogpSums,
}

impl<'a> SharedSample<'a> {
    pub fn new(laws: &'a ModelLaws) -> Self {
        let t = &laws.target;
        let values = (0..t.nx)
            .filter(|&u| t.px[u] > 0.0)
            .map(|u| {
                let cond: Vec<f64> = (0..t.ny).map(|v| t.p[u * t.ny + v] / t.px[u]).collect();
                let cross = -cond
                    .iter()
                    .zip(&t.py)
                    .filter(|(&c, &q)| c > 0.0 && q > 0.0)
                    .map(|(&c, &q)| c * q.ln())
                    .sum::<f64>();
                XValue {
                    px: t.px[u],
                    cond,
                    cross,
                    entropy: EntropyByCount::default(),
                }
            })
            .collect();
        let others = laws
            .others
            .iter()
            .map(|q| {
                let hq = -q
                    .iter()
                    .filter(|&&p| p > 0.0)
                    .map(|&p| p * p.ln())
                    .sum::<f64>();
                (hq, EntropyByCount::default())
            })
            .collect();
        SharedSample {
            laws,
            values,
            others,
            sums: PlogpSums::new(),
        }
    }

    /// Cov(2N I^_1, 2N I^_j) at sample size `n` for each independent candidate j.
    pub fn covariances(&mut self, n: usize) -> Vec<f64> {
        let nf = n as f64;
        let sums = &mut self.sums;
        let values = &mut self.values;
        self.laws
            .others
            .iter()
            .zip(self.others.iter_mut())
            .map(|(q, (hq, q_entropy))| {
                let (mut c_ab, mut c_an, mut c_bn) = (0.0, 0.0, 0.0);
                for x in values.iter_mut() {
                    // Per value u of X: its mean count, the target's term
                    // 2 m (H_cross(u) - E[H^_m(Y_1 | u)]) and the candidate's.
                    let lambda = nf * x.px;
                    let counts = covariance_counts(lambda);
                    let alpha: Vec<f64> = counts
                        .iter()
                        .map(|&m| 2.0 * m as f64 * (x.cross - x.entropy.get(m, &x.cond, sums)))
                        .collect();
                    let beta: Vec<f64> = counts
                        .iter()
                        .map(|&m| 2.0 * m as f64 * (*hq - q_entropy.get(m, q, sums)))
                        .collect();
                    let [ab, an, bn] = poisson_covariances(lambda, &alpha, &beta);
                    c_ab += ab;
                    c_an += an;
                    c_bn += bn;
                }
                c_ab - c_an * c_bn / nf
            })
            .collect()
    }
}

/// Cov(2N I^_1, 2N I^_j) for each independent candidate j through the shared sample of X (see
/// the module doc).
pub fn shared_covariances(laws: &ModelLaws, n: usize) -> Vec<f64> {
    SharedSample::new(laws).covariances(n)
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
    let g = CompetitorsCdf::new(terms, c);
    // Q_1 at equal-probability quantile midpoints.
    const QN: usize = 200;
    let q: Vec<f64> = if terms.k1 > 0.0 {
        let d = gamma_law(terms.k1, q_var);
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
        let inner = q.iter().map(|&qq| g.at(mu + tau * z + qq)).sum::<f64>() / q.len() as f64;
        sum += w * normal.pdf(z) * inner;
    }
    (sum * hz / 3.0).clamp(0.0, 1.0)
}

/// A gamma law of mean k and variance v (a chi-square(k) when v = 2k); a floor keeps a law at
/// the cap valid.
fn gamma_law(k: f64, v: f64) -> Gamma {
    let v = v.max(1e-9 * k);
    Gamma::new(k * k / v, k / v).expect("shape and rate > 0")
}

/// G(s) = prod_j P(2N I^_j <= s) over the competitors, each with the shared part `c` taken out,
/// tabulated on [0, s_hi] and read by linear interpolation (G = 1 beyond).
struct CompetitorsCdf {
    table: Vec<f64>,
    h: f64,
    s_hi: f64,
}

impl CompetitorsCdf {
    const GRID: usize = 4000;

    fn new(terms: &RefinedTerms, c: f64) -> Self {
        let dists: Vec<Gamma> = terms
            .k_others
            .iter()
            .filter(|&&k| k > 0.0)
            .map(|&k| gamma_law(k, 2.0 * k - c))
            .collect();
        let s_hi = terms
            .k_others
            .iter()
            .map(|&k| k.max(0.0) + 15.0 * (2.0 * k.max(0.0)).sqrt() + 40.0)
            .fold(40.0, f64::max);
        let h = s_hi / Self::GRID as f64;
        let table = (0..=Self::GRID)
            .map(|i| dists.iter().map(|d| d.cdf(i as f64 * h)).product::<f64>())
            .collect();
        CompetitorsCdf { table, h, s_hi }
    }

    fn at(&self, s: f64) -> f64 {
        if s <= 0.0 {
            0.0
        } else if s >= self.s_hi {
            1.0
        } else {
            let x = s / self.h;
            let i = x.floor() as usize;
            let f = x - i as f64;
            self.table[i] * (1.0 - f) + self.table[(i + 1).min(Self::GRID)] * f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::correlation::{model_laws, CandidateLink, LinkStage, MixModelParams};
    use statrs::distribution::Binomial;

    /// E[(n/m) ln(n/m)] summed term by term with statrs's binomial pmf.
    fn plogp_by_statrs(m: usize, p: f64) -> f64 {
        let mf = m as f64;
        let d = Binomial::new(p, m as u64).unwrap();
        let hi = ((mf * p + 12.0 * (mf * p).sqrt() + 30.0) as usize).min(m);
        (1..=hi)
            .map(|k| {
                let x = k as f64 / mf;
                d.pmf(k as u64) * x * x.ln()
            })
            .sum()
    }

    #[test]
    fn the_hoisted_sums_are_statrs_terms_bit_for_bit() {
        // Sample sizes around the ln k! table's end and the closed form's threshold, cells
        // from tiny to large, in an order that reuses and rebuilds the per-m table.
        let mut sums = PlogpSums::new();
        for m in [1, 2, 7, 60, 171, 480, 3840, 30720, 65_535, 65_536, 70_000] {
            for p in [1e-9, 3e-4, 0.0123, 0.2, 0.5, 0.77, 0.999] {
                if m as f64 * p >= 200.0 {
                    continue;
                }
                let want = plogp_by_statrs(m, p);
                assert_eq!(
                    sums.expected_plogp(m, p).to_bits(),
                    want.to_bits(),
                    "m {m}, p {p}"
                );
                assert_eq!(sums.expected_plogp(m, p).to_bits(), want.to_bits(), "again");
            }
        }
    }

    fn fig5_light_laws() -> ModelLaws {
        let cand = |lambda_other| CandidateLink {
            lambda_other,
            service_rate: None,
            padding: None,
        };
        let params = MixModelParams {
            lambda_f: 100.0,
            t_avg: 0.02,
            timed: None,
            interval: 0.01,
            earlier_hops: Vec::new(),
            candidates: vec![cand(400.0), cand(500.0)],
        };
        model_laws(&params, LinkStage::Exact).unwrap()
    }

    #[test]
    fn terms_for_many_sizes_are_each_sizes_own() {
        // Sizes on both sides of the exact sums' limit (N p_u = 100) for most values of X.
        let laws = fig5_light_laws();
        let sizes = [60, 480, 3840, 30720, 100];
        let all = RefinedTerms::for_sizes(&laws, &sizes);
        for (&n, t) in sizes.iter().zip(&all) {
            let own = RefinedTerms::new(&laws, n);
            assert_eq!(t.k1.to_bits(), own.k1.to_bits(), "N {n}");
            assert_eq!(t.shared.to_bits(), own.shared.to_bits(), "N {n}");
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&t.k_others), bits(&own.k_others), "N {n}");
            assert!(own.shared > 0.0 && own.k1 > 0.0);
        }
    }
}
