//! Semi-analytic detection rate: sample from the model's laws, score with the real attack.
//! It lives here, not in the model, because it runs the attack's estimator on random streams;
//! [`predict`] hands it to [`correlation::predict`] beside the pure-math models.
//!
//! Each repetition draws N i.i.d. pairs (X, Y_1) from the target's joint law and, for every
//! other candidate, N i.i.d. Y_j from its marginal paired with the same X; it runs the crate's
//! plug-in estimator [`crate::attack::mi::plugin_mi`] and counts a success when the target's
//! link has strictly the largest estimate (a tie is a failure, as in the simulator). As in the
//! experiment runner, one sample of the largest N is drawn per repetition and each smaller N
//! is scored on a prefix of it. Repetition k uses `engine::stream(seed, k, SEMI_STREAM)`, so
//! the result depends on the seed only.
//!
//! Speed: the plug-in estimate depends on the sample only through its cell counts (it is
//! invariant under permuting the N pairs), so instead of drawing N pairs one by one we draw
//! the counts: Multinomial(N_1, p) for the first prefix and Multinomial(N_k - N_{k-1}, p)
//! increments for the next ones (sequential conditional binomials), and for an independent
//! candidate, given the n_u intervals with X = u, Multinomial(n_u, q_j) counts of Y_j. The
//! estimates are those of the series these counts stand for (written out in cell order),
//! taken from the counts themselves ([`plugin_mi_of_counts`], the same floats): the same law
//! of the estimate as i.i.d. draws, at a cost independent of N.
//!
//! This isolates the statistics of the estimator (finite-N bias, spread, the max over
//! candidates) from the modelling of the mix: it is what the improved model approximates.

use rand::Rng;
use rand_distr::{Binomial, Distribution};

use crate::attack::mi::plugin_mi_of_counts;
use crate::engine::stream;
use crate::model::correlation::{
    self, MixModelParams, ModelLaws, ModelSummary, NotApplicable, SemiAnalytic,
};

/// Options of [`predict`].
#[derive(Debug, Clone)]
pub struct ModelOptions {
    /// Repetitions of the semi-analytic estimate (0 = skip it; its values are then NaN).
    pub semi_reps: usize,
    /// Seed of the semi-analytic estimate.
    pub seed: u64,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            semi_reps: 400,
            seed: 1,
        }
    }
}

/// Every model prediction for `params` at each of `sample_sizes`, the semi-analytic estimate
/// included, or why the model does not apply.
pub fn predict(
    params: &MixModelParams,
    sample_sizes: &[usize],
    opts: &ModelOptions,
) -> Result<ModelSummary, NotApplicable> {
    correlation::predict(params, sample_sizes, |laws| {
        let r = semi_analytic_with_ties(laws, sample_sizes, opts.semi_reps, opts.seed);
        SemiAnalytic {
            reps: opts.semi_reps,
            seed: opts.seed,
            rates: r.rates,
            tie_shares: r.tie_shares,
        }
    })
}

/// Element id of the semi-analytic estimate's random streams.
pub const SEMI_STREAM: u64 = 0x5E_71A7;

/// Adds a Multinomial(n, p) draw to `counts` (p sums to 1 up to rounding).
fn add_multinomial<R: Rng>(rng: &mut R, n: u64, p: &[f64], counts: &mut [u64]) {
    let mut left = n;
    let mut mass = 1.0;
    for (c, &q) in counts.iter_mut().zip(p) {
        if left == 0 {
            break;
        }
        let k = if q >= mass {
            left
        } else {
            Binomial::new(left, (q / mass).clamp(0.0, 1.0))
                .expect("valid binomial")
                .sample(rng)
        };
        *c += k;
        left -= k;
        mass -= q;
    }
    // Rounding may leave a few draws over: give them to the last cell of positive mass.
    if left > 0 {
        let last = p
            .iter()
            .rposition(|&q| q > 0.0)
            .expect("a law with positive mass");
        counts[last] += left;
    }
}

/// Detection rate for each of `sample_sizes`, over `reps` repetitions (NaN when reps = 0).
pub fn semi_analytic(laws: &ModelLaws, sample_sizes: &[usize], reps: usize, seed: u64) -> Vec<f64> {
    semi_analytic_with_ties(laws, sample_sizes, reps, seed).rates
}

/// The semi-analytic detection rates and, at each size, the tie share: the mean over
/// repetitions of 1/k when the target's positive estimate ties with k - 1 others for the top (0
/// otherwise). A model that has no ties (its estimates are continuous) credits the target with
/// about that share of the tied mass; the decision rule credits none.
#[derive(Debug, Clone, PartialEq)]
pub struct SemiRates {
    pub rates: Vec<f64>,
    pub tie_shares: Vec<f64>,
}

/// [`semi_analytic`] with the tie shares.
pub fn semi_analytic_with_ties(
    laws: &ModelLaws,
    sample_sizes: &[usize],
    reps: usize,
    seed: u64,
) -> SemiRates {
    if reps == 0 || sample_sizes.is_empty() {
        return SemiRates {
            rates: vec![f64::NAN; sample_sizes.len()],
            tie_shares: vec![f64::NAN; sample_sizes.len()],
        };
    }
    let (nx, ny) = (laws.target.nx, laws.target.ny);
    let mut order: Vec<usize> = (0..sample_sizes.len()).collect();
    order.sort_by_key(|&k| sample_sizes[k]);
    let mut wins = vec![0usize; sample_sizes.len()];
    let mut ties = vec![0.0f64; sample_sizes.len()];
    // Count tables, reused across repetitions (each starts from zero).
    let mut joint = vec![0u64; nx * ny];
    let mut inc = vec![0u64; nx * ny];
    let mut others: Vec<Vec<u64>> = laws
        .others
        .iter()
        .map(|q| vec![0u64; nx * q.len()])
        .collect();
    let mut scores = vec![0.0f64; laws.others.len()];
    for rep in 0..reps {
        let mut rng = stream(seed, rep as u64, SEMI_STREAM);
        joint.fill(0);
        others.iter_mut().for_each(|c| c.fill(0));
        let mut done = 0usize;
        for &k in &order {
            let n = sample_sizes[k];
            // Increment the joint counts, then each candidate's counts row by row.
            inc.fill(0);
            add_multinomial(&mut rng, (n - done) as u64, &laws.target.p, &mut inc);
            for (q, counts) in laws.others.iter().zip(others.iter_mut()) {
                let s = q.len();
                for u in 0..nx {
                    let n_u: u64 = inc[u * ny..(u + 1) * ny].iter().sum();
                    if n_u > 0 {
                        add_multinomial(&mut rng, n_u, q, &mut counts[u * s..(u + 1) * s]);
                    }
                }
            }
            joint.iter_mut().zip(&inc).for_each(|(a, b)| *a += b);
            done = n;
            // The estimates of the series these counts stand for (x sorted by u, each
            // candidate's Y paired with it row by row).
            let target = plugin_mi_of_counts(&joint, ny);
            for ((counts, q), score) in others.iter().zip(&laws.others).zip(scores.iter_mut()) {
                *score = plugin_mi_of_counts(counts, q.len());
            }
            if scores.iter().all(|&o| target > o) {
                wins[k] += 1;
            } else if target > 0.0 && scores.iter().all(|&o| target >= o) {
                // Ties at 0 (X or every Y constant) are not counted: there the continuous
                // models put no mass above 0 for the target either.
                let tied = scores.iter().filter(|&&o| o == target).count();
                ties[k] += 1.0 / (tied + 1) as f64;
            }
        }
    }
    SemiRates {
        rates: wins.iter().map(|&w| w as f64 / reps as f64).collect(),
        tie_shares: ties.iter().map(|&t| t / reps as f64).collect(),
    }
}
