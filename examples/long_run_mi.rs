//! Long-run estimate of I(X; Y_j) for each candidate of a scenario: K trials, each simulated
//! for a very large sample size N, plug-in MI minus its first-order bias (r-1)(s-1)/(2N); the
//! mean over trials with its standard error, beside the model's I_1 for the three link stages
//! (published, flow-conserving, exact). The figure results/ACCURACY.md quotes for fig5-heavy:
//!
//! `cargo run --release --example long_run_mi -- scenarios/fig5-heavy.toml 1000000 8`
//!
//! Arguments: scenario file, N (default 1e6), trials K (default 8), then `path=value`
//! overrides. Trials use the scenario's seed and trial indices 0..K, so the output is the same
//! on every machine and for any number of threads.

mod common;

use common::{mean_se, Args};
use mixsim::attack::mi::plugin_mi;
use rayon::prelude::*;

fn distinct(v: &[u32]) -> f64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.dedup();
    v.len() as f64
}

fn main() {
    let args = Args::parse("long_run_mi SCENARIO.toml [N] [TRIALS] [path=value]...");
    let n = args.number(0, 1_000_000) as usize;
    let trials = args.number(1, 8).max(1);
    let s = args.load(&[format!("attack.sample_sizes=[{n}]")]);
    let a = common::correlation(&s);
    // Per trial, per candidate: bias-corrected plug-in MI and the lag-1 autocorrelation of Y.
    let per_trial: Vec<Vec<(f64, f64)>> = (0..trials)
        .into_par_iter()
        .map(|trial| {
            let c = common::counts(&s, s.seed, trial);
            c.ys.iter()
                .map(|y| {
                    let bias = (distinct(&c.x) - 1.0) * (distinct(y) - 1.0) / (2.0 * n as f64);
                    let lag1 = mixsim::attack::correlation::pearson(&y[..n - 1], &y[1..]);
                    (plugin_mi(&c.x, y) - bias, lag1)
                })
                .collect()
        })
        .collect();
    println!("{}: N = {n}, {trials} trials, seed {}", s.name, s.seed);
    for (j, &c) in a.candidates.iter().enumerate() {
        let mi: Vec<f64> = per_trial.iter().map(|t| t[j].0).collect();
        let lag: Vec<f64> = per_trial.iter().map(|t| t[j].1).collect();
        let (m, se) = mean_se(&mi);
        println!(
            "{:<12} bias-corrected plug-in I = {m:.6} +- {se:.6} (standard error)  lag-1 autocorrelation of Y = {:.3}",
            s.links[c].name,
            mean_se(&lag).0
        );
    }
    let opts = mixsim::experiment::semi::ModelOptions {
        semi_reps: 0,
        seed: 1,
    };
    match mixsim::experiment::predict::correlation_model(&s, &opts) {
        Ok(m) => println!(
            "model I_1 = {:.6} (published link stage), {:.6} (flow-conserving), {:.6} (exact)",
            m.information.i1, m.information.i1_conserving, m.information.i1_exact
        ),
        Err(e) => println!("model: not applicable, because {e}"),
    }
}
