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

use mixsim::attack::mi::plugin_mi;
use mixsim::experiment::runner::tap_setup;
use mixsim::net::tap::TapPoint;
use mixsim::net::Network;
use mixsim::scenario::Scenario;
use rayon::prelude::*;

fn distinct(v: &[u32]) -> f64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.dedup();
    v.len() as f64
}

/// Mean and standard error of the mean.
fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, (var / n).sqrt())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first().map(std::path::PathBuf::from) else {
        eprintln!("usage: long_run_mi SCENARIO.toml [N] [TRIALS] [path=value]...");
        std::process::exit(2);
    };
    let number = |i: usize, default: u64| -> u64 {
        args.get(i)
            .filter(|a| !a.contains('='))
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let n = number(1, 1_000_000) as usize;
    let trials = number(2, 8).max(1);
    let mut sets: Vec<String> = args.iter().filter(|a| a.contains('=')).cloned().collect();
    sets.push(format!("attack.sample_sizes=[{n}]"));
    let s = Scenario::load(&path, &sets).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let a = s
        .correlation()
        .expect("the scenario has a correlation attack");
    let topology = s.topology();
    // Per trial, per candidate: bias-corrected plug-in MI and the lag-1 autocorrelation of Y.
    let per_trial: Vec<Vec<(f64, f64)>> = (0..trials)
        .into_par_iter()
        .map(|trial| {
            let (net, _) = Network::run(&topology, s.seed, trial, tap_setup(&s, false));
            let x = net.links[a.observe_link]
                .tap
                .view()
                .counts(TapPoint::Arrive);
            a.candidates
                .iter()
                .map(|&c| {
                    let y = net.links[c].tap.view().counts(TapPoint::Depart);
                    let bias = (distinct(x) - 1.0) * (distinct(y) - 1.0) / (2.0 * n as f64);
                    let lag1 = mixsim::attack::correlation::pearson(&y[..n - 1], &y[1..]);
                    (plugin_mi(x, y) - bias, lag1)
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
            m.i1, m.i1_conserving, m.i1_exact
        ),
        Err(e) => println!("model: not applicable, because {e}"),
    }
}
