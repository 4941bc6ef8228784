//! Anonymity per message: per trial, the entropy in bits of the adversary's distribution over
//! the messages the target's first packet after the warm-up could be when it leaves the mixes
//! (propagated through every mix from the tap traces), its mean over trials with a 95 %
//! interval, and the steady-state model of the target's first mix beside it. For one mix the
//! two estimate the same quantity; through several mixes the measured entropy is that of the
//! whole network, which the one-mix model does not claim.
//!
//! `cargo run --release --example message_entropy -- scenarios/fig5-light.toml 400 1 target=alice`
//!
//! Arguments: scenario file, trials (default 400), seed (default 1), the target flow as
//! `target=NAME` (default alice), then `path=value` overrides.

mod common;

use common::{mean_se, Args};
use mixsim::experiment::message::{entropies, first_mix_load, tracker};
use mixsim::model::pool_entropy::steady_state_entropy;

fn main() {
    let mut args =
        Args::parse("message_entropy SCENARIO.toml [TRIALS] [SEED] [target=NAME] [path=value]...");
    let target = args.take("target").unwrap_or_else(|| "alice".into());
    let (trials, seed) = (args.number(0, 400), args.number(1, 1));
    let s = args.load(&[]);
    let t = tracker(&s, &target).unwrap_or_else(|e| {
        eprintln!("{}: {e}", args.scenario.display());
        std::process::exit(2)
    });
    let h: Vec<f64> = entropies(&s, &t, seed, trials)
        .into_iter()
        .flatten()
        .collect();
    let (mean, se) = mean_se(&h);
    let (t_avg, lambda) = first_mix_load(&s, &t);
    let model = steady_state_entropy(lambda, t_avg);
    println!(
        "{}: target {target}, {} mixes, {} of {trials} trials tagged, seed {seed}",
        s.name,
        t.mixes.len(),
        h.len()
    );
    println!(
        "entropy per message: {mean:.3} bits [{:.3}, {:.3}]",
        mean - 1.96 * se,
        mean + 1.96 * se
    );
    println!(
        "model, first mix alone (lambda {lambda:.0} pkt/s, t_avg {:.1} ms): {model:.3} bits, \
         deviation {:+.3}",
        t_avg * 1e3,
        mean - model
    );
}
