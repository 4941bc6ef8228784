//! Where the serial dependence of successive intervals shows (the models treat them as
//! i.i.d.): each trial is simulated for N intervals, its count series are cut into chunks of n
//! consecutive intervals, and the mean plug-in MI over the chunks is set beside its i.i.d.
//! expectation under the exact joint law, for the target's link and for an independent one.
//!
//! `cargo run --release --example serial_dependence -- scenarios/fig5-heavy.toml 1000000 4`
//!
//! Arguments: scenario file, N (default 1e6), trials (default 4), then `path=value` overrides.
//! Trials use the scenario's seed and trial indices 0..K: the output is the same on every
//! machine and for any number of threads.

mod common;

use common::{mean_se, Args};
use mixsim::attack::mi::plugin_mi;
use mixsim::experiment::attacks::true_candidate;
use mixsim::model::correlation::refined::expected_plugin_mi_independent;
use mixsim::model::correlation::{expected_plugin_mi, model_laws, LinkStage};
use rayon::prelude::*;

const CHUNKS: [usize; 5] = [1000, 3000, 10_000, 100_000, 1_000_000];

fn main() {
    let args = Args::parse("serial_dependence SCENARIO.toml [N] [TRIALS] [path=value]...");
    let n = args.number(0, 1_000_000) as usize;
    let trials = args.number(1, 4).max(1);
    let s = args.load(&[format!("attack.sample_sizes=[{n}]")]);
    let a = common::correlation(&s);
    let truth = true_candidate(&s, a).expect("the target crosses a candidate");
    let Some(other) = (0..a.candidates.len()).find(|&c| c != truth) else {
        eprintln!("the scenario needs a candidate besides the target's link");
        std::process::exit(2);
    };
    let laws = mixsim::experiment::predict::correlation_params(&s)
        .and_then(|p| model_laws(&p, LinkStage::Exact))
        .unwrap_or_else(|e| {
            eprintln!("the model is not applicable, because {e}");
            std::process::exit(2)
        });
    let law = &laws.target;
    let series: Vec<common::Counts> = (0..trials)
        .into_par_iter()
        .map(|trial| common::counts(&s, s.seed, trial))
        .collect();
    println!(
        "{}: {trials} trials of N = {n}, seed {}; plug-in MI per chunk of n intervals (mean +- standard error) against its i.i.d. expectation under the exact law",
        s.name, s.seed
    );
    for chunk in CHUNKS.into_iter().filter(|&c| c <= n) {
        let mut t = Vec::new();
        let mut o = Vec::new();
        for c in &series {
            let xs = c.x.chunks(chunk);
            for ((x, y), z) in xs
                .zip(c.ys[truth].chunks(chunk))
                .zip(c.ys[other].chunks(chunk))
            {
                t.push(plugin_mi(x, y));
                o.push(plugin_mi(x, z));
            }
        }
        let (mt, st) = mean_se(&t);
        let (mo, so) = mean_se(&o);
        let want_t = expected_plugin_mi(&law.px, &law.py, &law.p, chunk);
        // The model orders the candidates target first, then the others in scenario order,
        // so `other` (the first besides the target) is its others[0].
        let want_o = expected_plugin_mi_independent(&law.px, &laws.others[0], chunk);
        println!(
            "n = {chunk:>8}: target sim {mt:.6} +- {st:.6}, i.i.d. {want_t:.6} | independent sim {mo:.6} +- {so:.6}, i.i.d. {want_o:.6} | difference sim {:.6}, i.i.d. {:.6}",
            mt - mo,
            want_t - want_o
        );
    }
}
