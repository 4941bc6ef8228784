//! Semi-analytic detection rate: sample from the model's laws, score with the real attack.
//!
//! Each repetition draws i.i.d. pairs (X, Y_1) from the target's joint law and, for every other
//! candidate, i.i.d. Y_j from its marginal paired with the same X; it runs the crate's plug-in
//! estimator [`crate::attack::mi::plugin_mi`] and counts a success when the target's link has
//! strictly the largest estimate (a tie is a failure, as in the simulator). As in the
//! experiment runner, one series of the largest N is drawn per repetition and each smaller N
//! is scored on its prefix. Repetition k uses `engine::stream(seed, k, SEMI_STREAM)`, so the
//! result depends on the seed only.
//!
//! This isolates the statistics of the estimator (finite-N bias, spread, the max over
//! candidates) from the modelling of the mix: it is what the improved model approximates.

use rand::Rng;
use rand_distr::weighted::WeightedAliasIndex;

use super::joint::ModelLaws;
use crate::attack::mi::plugin_mi;
use crate::engine::stream;

/// Element id of the semi-analytic estimate's random streams.
pub const SEMI_STREAM: u64 = 0x5E_71A7;

fn alias(weights: &[f64]) -> WeightedAliasIndex<f64> {
    WeightedAliasIndex::new(weights.to_vec()).expect("a law with positive mass")
}

/// Detection rate for each of `sample_sizes`, over `reps` repetitions.
pub fn semi_analytic(laws: &ModelLaws, sample_sizes: &[usize], reps: usize, seed: u64) -> Vec<f64> {
    let n_max = sample_sizes.iter().copied().max().unwrap_or(0);
    if reps == 0 || n_max == 0 {
        return vec![f64::NAN; sample_sizes.len()];
    }
    let ny = laws.target.ny;
    let joint = alias(&laws.target.p);
    let others: Vec<_> = laws.others.iter().map(|p| alias(p)).collect();
    let mut wins = vec![0usize; sample_sizes.len()];
    let mut x = vec![0u32; n_max];
    let mut y0 = vec![0u32; n_max];
    let mut ys = vec![vec![0u32; n_max]; others.len()];
    for rep in 0..reps {
        let mut rng = stream(seed, rep as u64, SEMI_STREAM);
        for i in 0..n_max {
            let cell = rng.sample(&joint);
            x[i] = (cell / ny) as u32;
            y0[i] = (cell % ny) as u32;
        }
        for (y, a) in ys.iter_mut().zip(&others) {
            for v in y.iter_mut() {
                *v = rng.sample(a) as u32;
            }
        }
        for (k, &n) in sample_sizes.iter().enumerate() {
            let target = plugin_mi(&x[..n], &y0[..n]);
            if ys.iter().all(|y| target > plugin_mi(&x[..n], &y[..n])) {
                wins[k] += 1;
            }
        }
    }
    wins.iter().map(|&w| w as f64 / reps as f64).collect()
}
