//! Why the refined model needs the covariance the estimates share through the one sample of X:
//! the real plug-in estimator on i.i.d. samples of a scenario's exact joint law, its moments
//! (mean and variance of 2N I^_1 and of the first competitor's 2N I^_2, their covariance) and
//! the rate at which the target's link wins, beside what the refined model assumes (the same
//! means and variances, the covariance of `model::correlation::refined::shared_covariances`)
//! and its rate with and without that covariance. The figures results/ACCURACY.md quotes:
//!
//! `cargo run --release --example shared_sample -- scenarios/fig5-light.toml 100 20000 node.mix.strategy=timed node.mix.t_avg=2ms`
//!
//! Arguments: scenario file, N, repetitions (default 20000), then `path=value` overrides.
//! Repetition k draws from `engine::stream(1, k, 7)`: the output depends on the arguments only.

mod common;

use common::Args;
use mixsim::attack::mi::plugin_mi;
use mixsim::experiment::predict::correlation_params;
use mixsim::model::correlation::refined::refined_from_terms;
use mixsim::model::correlation::{
    c_coefficient, exact_laws, mutual_information, RefinedTerms, DEFAULT_SLOTS_PER_PACKET,
};
use rand::Rng;
use rand_distr::weighted::WeightedAliasIndex;
use rayon::prelude::*;

fn main() {
    let args = Args::parse("shared_sample SCENARIO.toml [N] [REPS] [path=value]...");
    let (n, reps) = (args.number(0, 100) as usize, args.number(1, 20000));
    let s = args.load(&[]);
    let params = correlation_params(&s).unwrap_or_else(|e| panic!("no model: {e}"));
    let laws = exact_laws(&params, DEFAULT_SLOTS_PER_PACKET).expect("the exact laws");
    let t = &laws.target;
    let q = laws.others.first().expect("a competitor");
    let joint = WeightedAliasIndex::new(t.p.clone()).expect("a law");
    let other = WeightedAliasIndex::new(q.clone()).expect("a law");
    // Per repetition: (2N I^_1, 2N I^_2, target strictly ahead).
    let draws: Vec<(f64, f64, bool)> = (0..reps)
        .into_par_iter()
        .map(|k| {
            let mut rng = mixsim::engine::stream(1, k, 7);
            let (mut x, mut y1, mut y2) = (vec![0u32; n], vec![0u32; n], vec![0u32; n]);
            for i in 0..n {
                let c = rng.sample(&joint);
                x[i] = (c / t.ny) as u32;
                y1[i] = (c % t.ny) as u32;
                y2[i] = rng.sample(&other) as u32;
            }
            let two_n = 2.0 * n as f64;
            let (a, b) = (two_n * plugin_mi(&x, &y1), two_n * plugin_mi(&x, &y2));
            (a, b, a > b)
        })
        .collect();
    let r = reps as f64;
    let mean = |f: &dyn Fn(&(f64, f64, bool)) -> f64| draws.iter().map(f).sum::<f64>() / r;
    let (ma, mb) = (mean(&|d| d.0), mean(&|d| d.1));
    let va = mean(&|d| (d.0 - ma).powi(2));
    let vb = mean(&|d| (d.1 - mb).powi(2));
    let cov = mean(&|d| (d.0 - ma) * (d.1 - mb));
    let won = mean(&|d| f64::from(u8::from(d.2)));
    let (i1, c1) = (mutual_information(t), c_coefficient(t));
    let terms = RefinedTerms::new(&laws, n);
    let nf = n as f64;
    println!(
        "{}: N = {n}, {reps} i.i.d. samples of the exact joint law",
        s.name
    );
    println!("                         real estimator   refined model");
    println!(
        "mean 2N I^_1             {ma:>14.2} {:>15.2}",
        2.0 * nf * i1 + terms.k1
    );
    println!(
        "variance 2N I^_1         {va:>14.1} {:>15.1}",
        4.0 * nf * c1 + 2.0 * terms.k1
    );
    println!(
        "mean 2N I^_2             {mb:>14.2} {:>15.2}",
        terms.k_others[0]
    );
    println!(
        "variance 2N I^_2         {vb:>14.1} {:>15.1}",
        2.0 * terms.k_others[0]
    );
    println!(
        "covariance               {cov:>14.1} {:>15.1}",
        terms.shared
    );
    let apart = RefinedTerms {
        shared: 0.0,
        ..terms.clone()
    };
    println!(
        "D (target strictly ahead) {won:>13.4} {:>15.4}   (estimates taken as independent: {:.4})",
        refined_from_terms(i1, c1, n, &terms),
        refined_from_terms(i1, c1, n, &apart)
    );
    if laws.others.len() > 1 {
        println!("(the scenario has more competitors; D counts the first only)");
    }
}
