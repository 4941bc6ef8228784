//! How often the plug-in MI attack ties at small sample sizes, and whether serial dependence
//! between successive intervals matters: per sample size N, the share of trials in which the
//! true link has the strictly largest estimate (win), shares the top with another (tie: scored
//! as a failure), or loses; once with N consecutive intervals and once with N intervals 20
//! apart (nearly independent). The figures results/ACCURACY.md quotes:
//!
//! `cargo run --release --example ties -- scenarios/fig5-light.toml 2000 5`
//!
//! Arguments: scenario file, trials (default 2000), seed (default 5), then `path=value`
//! overrides. Output is the same for any number of threads.

mod common;

use common::Args;
use mixsim::attack::correlation::decide;
use mixsim::attack::mi::plugin_mi;
use mixsim::experiment::attacks::true_candidate;
use rayon::prelude::*;

const SIZES: [usize; 3] = [10, 30, 60];
const STRIDES: [usize; 2] = [1, 20];

/// Outcome of one decision: 0 win, 1 tie, 2 lose.
fn outcome(scores: &[f64], truth: usize) -> usize {
    match decide(scores) {
        Some(c) if c == truth => 0,
        None if scores.iter().all(|&s| s <= scores[truth]) => 1,
        _ => 2,
    }
}

fn main() {
    let args = Args::parse("ties SCENARIO.toml [TRIALS] [SEED] [path=value]...");
    let (trials, seed) = (args.number(0, 2000), args.number(1, 5));
    let longest = SIZES[SIZES.len() - 1] * STRIDES[STRIDES.len() - 1];
    let s = args.load(&[format!("attack.sample_sizes=[{longest}]")]);
    let a = common::correlation(&s);
    let truth = true_candidate(&s, a).expect("the target crosses a candidate");
    // counts[stride][size][outcome]
    let empty = || vec![vec![[0u64; 3]; SIZES.len()]; STRIDES.len()];
    let counts = (0..trials)
        .into_par_iter()
        .map(|trial| {
            let common::Counts { x, ys } = common::counts(&s, seed, trial);
            let mut c = empty();
            for (k, &stride) in STRIDES.iter().enumerate() {
                for (i, &n) in SIZES.iter().enumerate() {
                    let pick = |v: &[u32]| -> Vec<u32> {
                        v.iter().step_by(stride).take(n).copied().collect()
                    };
                    let xs = pick(&x);
                    let scores: Vec<f64> = ys.iter().map(|y| plugin_mi(&xs, &pick(y))).collect();
                    c[k][i][outcome(&scores, truth)] += 1;
                }
            }
            c
        })
        .reduce(empty, |mut acc, c| {
            for (a, b) in acc.iter_mut().flatten().zip(c.iter().flatten()) {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
            }
            acc
        });
    println!(
        "{}: plug-in MI attack, {trials} trials, seed {seed}, interval {} ms",
        s.name,
        a.interval as f64 / 1e6
    );
    println!(
        "{:>8} {:>6} {:>8} {:>8} {:>8}",
        "stride", "N", "win", "tie", "lose"
    );
    let pct = |x: u64| 100.0 * x as f64 / trials as f64;
    for (k, &stride) in STRIDES.iter().enumerate() {
        for (i, &n) in SIZES.iter().enumerate() {
            let [w, t, l] = counts[k][i];
            println!(
                "{stride:>8} {n:>6} {:>7.1}% {:>7.1}% {:>7.1}%",
                pct(w),
                pct(t),
                pct(l)
            );
        }
    }
}
