//! Flow correlation: score each candidate link's count series against the target flow's, pick
//! the best (seed 000, section 4).
//!
//! Estimators, all behind [`Estimator`]:
//! - `mi`: plug-in mutual information (the paper's attack);
//! - `mi-mm`: mutual information with the Miller-Madow correction of each entropy. The plug-in
//!   bias, about (r-1)(s-1)/(2N), grows with the number of distinct counts s a candidate shows,
//!   so with unequal link loads the plain attack can favour the busier wrong link;
//! - `mi-z`: plug-in MI as a z-score against a null of the same candidate series circularly
//!   shifted (which keeps its marginal law and destroys alignment with the target);
//! - `xcorr`: Pearson correlation of the two count series (Levine et al.'s timing attack on
//!   counts);
//! - `xcorr-lag`: the largest Pearson correlation over shifts of the candidate series of
//!   0..=[`MAX_LAG`] intervals, for taps placed after a propagation or mixing delay.
//!
//! Decision rule: the candidate with the strictly largest score. A tie for the largest score
//! names no candidate, and the experiment counts it as a failure (the model's
//! D = P(I_1 > max I_j) is strict too). A tie is a mathematical tie: every estimator computes
//! its score from an exact form of its value (see [`super::exact`]), so scores equal in exact
//! arithmetic are equal floats and `==` finds them, whatever order the cells come in.
//!
//! [`Correlation`] is the attack: one estimator, the target's count series at one watched point
//! against each candidate's, an identification per sample size N on prefixes of the series.

use super::exact::pearson_canonical;
use super::mi::{plugin_mi, Counts};
use super::{argmax_strict, Attack, Identification, Needs, Observation, Verdict, Watch};
use crate::engine::SimTime;

/// Largest shift (in sampling intervals) tried by `xcorr-lag`.
pub const MAX_LAG: usize = 20;

/// Number of circular shifts in the `mi-z` null.
pub const Z_SHIFTS: usize = 16;

/// A dependence score between a target count series and a candidate's (larger = more likely
/// the target's path).
pub trait Estimator: Send + Sync {
    fn name(&self) -> &'static str;
    fn score(&self, x: &[u32], y: &[u32]) -> f64;
}

/// Estimator names [`estimator`] knows.
pub const ESTIMATORS: &[&str] = &["mi", "mi-mm", "mi-z", "xcorr", "xcorr-lag"];

/// The estimator with this name (one of [`ESTIMATORS`]).
pub fn estimator(name: &str) -> Option<Box<dyn Estimator>> {
    Some(match name {
        "mi" => Box::new(PluginMi),
        "mi-mm" => Box::new(MillerMadowMi),
        "mi-z" => Box::new(ShiftNullMi),
        "xcorr" => Box::new(CrossCorrelation),
        "xcorr-lag" => Box::new(LaggedCrossCorrelation { max_lag: MAX_LAG }),
        _ => return None,
    })
}

/// Index of the candidate with the strictly largest score, `None` on a tie for the top.
pub fn decide(scores: &[f64]) -> Option<usize> {
    argmax_strict(scores)
}

/// The flow-correlation attack with one estimator.
pub struct Correlation {
    pub estimator: Box<dyn Estimator>,
    /// Where the target flow's count series is taken (its access link, far end).
    pub target: Watch,
    /// The candidates' count series (the mix's output links, transmission end).
    pub candidates: Vec<Watch>,
    /// Sampling interval T.
    pub interval: SimTime,
    /// Sample sizes N, ascending; the last is the series length.
    pub sample_sizes: Vec<usize>,
}

impl Attack for Correlation {
    fn name(&self) -> String {
        self.estimator.name().to_string()
    }

    fn needs(&self) -> Needs {
        let mut counts = vec![self.target];
        counts.extend_from_slice(&self.candidates);
        Needs {
            interval: self.interval,
            bins: self.sample_sizes.last().copied().unwrap_or(0),
            counts,
            traces: Vec::new(),
        }
    }

    fn observe(&self, obs: &Observation<'_>) -> Verdict {
        let x = obs.counts(self.target);
        let ys: Vec<&[u32]> = self.candidates.iter().map(|&c| obs.counts(c)).collect();
        Verdict::Identification(
            self.sample_sizes
                .iter()
                .map(|&n| {
                    let scores: Vec<f64> = ys
                        .iter()
                        .map(|y| self.estimator.score(&x[..n], &y[..n]))
                        .collect();
                    Identification {
                        sample_size: n,
                        chosen: decide(&scores),
                        scores,
                        probabilities: None,
                    }
                })
                .collect(),
        )
    }
}

pub struct PluginMi;
impl Estimator for PluginMi {
    fn name(&self) -> &'static str {
        "mi"
    }
    fn score(&self, x: &[u32], y: &[u32]) -> f64 {
        plugin_mi(x, y)
    }
}

pub struct MillerMadowMi;
impl Estimator for MillerMadowMi {
    fn name(&self) -> &'static str {
        "mi-mm"
    }
    fn score(&self, x: &[u32], y: &[u32]) -> f64 {
        // H_MM = H_plugin + (m - 1) / (2N), m = number of values seen; I = H(X) + H(Y) - H(X,Y).
        let n = x.len() as f64;
        if n == 0.0 {
            return 0.0;
        }
        // Both from one table of counts: the distinct values are its non-empty cells.
        let counts = Counts::of(x, y);
        let (rx, ry, rxy) = counts.distinct();
        let (rx, ry, rxy) = (rx as f64, ry as f64, rxy as f64);
        counts.plugin_mi() + ((rx - 1.0) + (ry - 1.0) - (rxy - 1.0)) / (2.0 * n)
    }
}

pub struct ShiftNullMi;
impl Estimator for ShiftNullMi {
    fn name(&self) -> &'static str {
        "mi-z"
    }
    fn score(&self, x: &[u32], y: &[u32]) -> f64 {
        let n = x.len();
        let observed = plugin_mi(x, y);
        if n < 2 * (Z_SHIFTS + 1) {
            return observed;
        }
        let mut shifted = vec![0u32; n];
        let mut null: Vec<f64> = (1..=Z_SHIFTS)
            .map(|k| {
                let s = k * n / (Z_SHIFTS + 1);
                shifted[..n - s].copy_from_slice(&y[s..]);
                shifted[n - s..].copy_from_slice(&y[..s]);
                plugin_mi(x, &shifted)
            })
            .collect();
        // Sorted, so that the z-score is a function of the multiset of null values.
        null.sort_unstable_by(f64::total_cmp);
        let mean = null.iter().sum::<f64>() / null.len() as f64;
        let var = null.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (null.len() - 1) as f64;
        (observed - mean) / var.sqrt().max(1e-12)
    }
}

/// Pearson correlation of two equal-length series (0 if either is constant), from the integer
/// sums (exact up to 2^127), so that equal correlations give equal floats (see
/// [`super::exact`]).
pub fn pearson(x: &[u32], y: &[u32]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return 0.0;
    }
    let (x, y) = (&x[..n], &y[..n]);
    let (sx, sxx) = sums(x);
    let (sy, syy) = sums(y);
    pearson_of(n, sx, sy, sxx, syy, cross_sum(x, y, fits_u64(x, y)))
}

/// r from the integer sums of n pairs (n >= 2).
fn pearson_of(n: usize, sx: i128, sy: i128, sxx: i128, syy: i128, sxy: i128) -> f64 {
    let nf = n as i128;
    let cov = nf * sxy - sx * sy;
    let vx = nf * sxx - sx * sx;
    let vy = nf * syy - sy * sy;
    if vx <= 0 || vy <= 0 {
        0.0
    } else {
        pearson_canonical(cov, vx, vy)
    }
}

/// Sum and sum of squares of a series, exactly.
fn sums(x: &[u32]) -> (i128, i128) {
    if fits_u64(x, x) {
        let s: u64 = x.iter().map(|&a| a as u64).sum();
        let ss: u64 = x.iter().map(|&a| a as u64 * a as u64).sum();
        return (s as i128, ss as i128);
    }
    x.iter().fold((0i128, 0i128), |(s, ss), &a| {
        (s + a as i128, ss + a as i128 * a as i128)
    })
}

/// sum x_i y_i over the common length, exactly (in u64 when `narrow`: see [`fits_u64`]).
fn cross_sum(x: &[u32], y: &[u32], narrow: bool) -> i128 {
    if narrow {
        return x
            .iter()
            .zip(y)
            .map(|(&a, &b)| a as u64 * b as u64)
            .sum::<u64>() as i128;
    }
    x.iter().zip(y).map(|(&a, &b)| a as i128 * b as i128).sum()
}

/// Whether every sum of products of `x` and `y` terms (and of their values) stays below 2^64:
/// the usual case of packet counts, summed in u64 (the same integers as in i128, faster).
fn fits_u64(x: &[u32], y: &[u32]) -> bool {
    let max = |v: &[u32]| v.iter().copied().max().unwrap_or(0) as u128;
    let bound = max(x).max(1) * max(y).max(1) * x.len().max(y.len()) as u128;
    bound < u64::MAX as u128
}

pub struct CrossCorrelation;
impl Estimator for CrossCorrelation {
    fn name(&self) -> &'static str {
        "xcorr"
    }
    fn score(&self, x: &[u32], y: &[u32]) -> f64 {
        pearson(x, y)
    }
}

pub struct LaggedCrossCorrelation {
    pub max_lag: usize,
}
impl Estimator for LaggedCrossCorrelation {
    fn name(&self) -> &'static str {
        "xcorr-lag"
    }
    fn score(&self, x: &[u32], y: &[u32]) -> f64 {
        // pearson(x[..n - lag], y[lag..n]) for each lag, with the plain sums taken from
        // running totals: only the cross sum is a pass per lag. The same integers, so the
        // same floats.
        let n = x.len().min(y.len());
        let (x, y) = (&x[..n], &y[..n]);
        let lags = self.max_lag.min(n.saturating_sub(2));
        if n < 2 {
            return 0.0;
        }
        let narrow = fits_u64(x, y);
        let (mut sx, mut sxx) = sums(x);
        let (mut sy, mut syy) = sums(y);
        let mut best = f64::NEG_INFINITY;
        for lag in 0..=lags {
            if lag > 0 {
                // x loses its last term, y its first.
                let (a, b) = (x[n - lag] as i128, y[lag - 1] as i128);
                sx -= a;
                sxx -= a * a;
                sy -= b;
                syy -= b * b;
            }
            let (xs, ys) = (&x[..n - lag], &y[lag..]);
            best = best.max(pearson_of(
                n - lag,
                sx,
                sy,
                sxx,
                syy,
                cross_sum(xs, ys, narrow),
            ));
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_rule() {
        assert_eq!(decide(&[0.1, 0.3, 0.2]), Some(1));
        assert_eq!(decide(&[0.3, 0.3, 0.2]), None);
        assert_eq!(decide(&[0.3, 0.1, 0.1]), Some(0));
    }

    #[test]
    fn lag_robust_finds_a_shifted_copy() {
        // y is x delayed by 5 intervals: plain correlation is weak, the lagged one is perfect.
        let x: Vec<u32> = (0..400u32).map(|i| (i * 7919 % 13) % 5).collect();
        let mut y = vec![0u32; 5];
        y.extend_from_slice(&x[..395]);
        assert!(CrossCorrelation.score(&x, &y).abs() < 0.3);
        let lagged = LaggedCrossCorrelation { max_lag: 10 }.score(&x, &y);
        assert!((lagged - 1.0).abs() < 1e-9, "{lagged}");
    }

    /// Pearson's r from i128 sums taken term by term, the plain definition.
    fn pearson_plain(x: &[u32], y: &[u32]) -> f64 {
        let n = x.len().min(y.len());
        if n < 2 {
            return 0.0;
        }
        let (mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0i128, 0i128, 0i128, 0i128, 0i128);
        for i in 0..n {
            let (a, b) = (x[i] as i128, y[i] as i128);
            sx += a;
            sy += b;
            sxx += a * a;
            syy += b * b;
            sxy += a * b;
        }
        pearson_of(n, sx, sy, sxx, syy, sxy)
    }

    #[test]
    fn running_sums_give_the_plain_correlations() {
        // Small counts (u64 sums), huge ones (i128 sums) and constant series, at lengths
        // around the lag range: the same bits as the definition, lag by lag.
        use rand::Rng;
        let mut rng = crate::engine::stream(7, 0, 0);
        for (n, hi) in [
            (2, 5),
            (3, 5),
            (21, 3),
            (22, 9),
            (500, 40),
            (3000, u32::MAX),
            (50, 1),
        ] {
            let x: Vec<u32> = (0..n).map(|_| rng.random_range(0..hi)).collect();
            let y: Vec<u32> = (0..n).map(|_| rng.random_range(0..hi)).collect();
            assert_eq!(pearson(&x, &y).to_bits(), pearson_plain(&x, &y).to_bits());
            let want = (0..=MAX_LAG.min(n - 2))
                .map(|lag| pearson_plain(&x[..n - lag], &y[lag..]))
                .fold(f64::NEG_INFINITY, f64::max);
            let got = LaggedCrossCorrelation { max_lag: MAX_LAG }.score(&x, &y);
            assert_eq!(got.to_bits(), want.to_bits(), "n {n}, values below {hi}");
        }
    }

    #[test]
    fn miller_madow_counts_distinct_values_as_sorting_does() {
        // The distinct values taken from the count table against sorting and deduplicating
        // the series: the same score, bit for bit.
        use rand::Rng;
        let sorted_distinct = |v: Vec<u64>| {
            let mut v = v;
            v.sort_unstable();
            v.dedup();
            v.len() as f64
        };
        let mut rng = crate::engine::stream(6, 0, 0);
        for (n, rx, ry) in [(1, 3, 3), (60, 4, 9), (480, 2, 30), (3840, 12, 40)] {
            let x: Vec<u32> = (0..n).map(|_| 5 + rng.random_range(0..rx)).collect();
            let y: Vec<u32> = (0..n).map(|_| rng.random_range(0..ry) * 2).collect();
            let dx = sorted_distinct(x.iter().map(|&u| u as u64).collect());
            let dy = sorted_distinct(y.iter().map(|&v| v as u64).collect());
            let dxy = sorted_distinct(
                x.iter()
                    .zip(&y)
                    .map(|(&u, &v)| ((u as u64) << 32) | v as u64)
                    .collect(),
            );
            let want =
                plugin_mi(&x, &y) + ((dx - 1.0) + (dy - 1.0) - (dxy - 1.0)) / (2.0 * n as f64);
            assert_eq!(
                MillerMadowMi.score(&x, &y).to_bits(),
                want.to_bits(),
                "N {n}"
            );
        }
    }

    #[test]
    fn miller_madow_removes_bias_of_independent_series() {
        // Independent series: plug-in MI is biased upward by about (r-1)(s-1)/(2N); the
        // corrected one is much closer to zero.
        use rand::Rng;
        let mut rng = crate::engine::stream(5, 0, 0);
        let x: Vec<u32> = (0..2000).map(|_| rng.random_range(0..4)).collect();
        let y: Vec<u32> = (0..2000).map(|_| rng.random_range(0..6)).collect();
        let plug = PluginMi.score(&x, &y);
        let mm = MillerMadowMi.score(&x, &y);
        assert!(plug > 0.0);
        assert!(mm.abs() < plug, "{mm} vs {plug}");
    }
}
