//! Model-accuracy validation on short seeded runs of the reference scenarios.
//!
//! Two kinds of check:
//! - the paper's qualitative results, each a comparison of two simulated detection rates whose
//!   difference must exceed 4 standard errors (so a correct simulator fails it with
//!   probability below 1e-4, and a broken one cannot pass by luck);
//! - simulated detection against the model, within a tolerance derived below.

use crate::common::scenario_path;
use mixsim::experiment::{run, RunResult};
use mixsim::scenario::Scenario;

fn simulate(file: &str, sets: &[&str], trials: u64) -> RunResult {
    let mut overrides: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    overrides.push("attack.estimators=[\"mi\"]".into());
    let s = Scenario::load(&scenario_path(file), &overrides).unwrap_or_else(|e| panic!("{e}"));
    run(&s, &crate::common::run_options(2024, trials, 2))
}

/// Detection rate of the (only) estimator at sample size index `i`.
fn rate(r: &RunResult, i: usize) -> f64 {
    r.tally.correct(0, i) as f64 / r.tally.trials as f64
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

/// The exact joint law of (X, Y) behind a busy output link (fig5-heavy, utilisation 0.8)
/// against the simulated joint histogram: Pearson chi-square at the 0.999 quantile, on
/// intervals 20 apart (200 ms: ten mean holds and far beyond the queue's memory), so that the
/// samples are independent as the test requires.
#[test]
fn heavy_load_joint_law_fits_the_simulation() {
    use crate::common::{chi_square_999, pearson_chi_square};
    use mixsim::experiment::predict::correlation_params;
    use mixsim::experiment::runner::tap_setup;
    use mixsim::model::correlation::{model_laws, LinkStage};
    use mixsim::net::tap::TapPoint;
    use mixsim::net::Network;

    let s = Scenario::load(
        &scenario_path("fig5-heavy.toml"),
        &["attack.sample_sizes=[40000]".into()],
    )
    .unwrap();
    let a = s.correlation().unwrap();
    let params = correlation_params(&s).unwrap();
    let law = model_laws(&params, LinkStage::Exact).unwrap().target;
    let bob = s.link_index("mix->bob").unwrap();
    let mut observed = vec![0u64; law.nx * law.ny];
    let mut n = 0u64;
    for trial in 0..10 {
        let (net, _) = Network::run(&s.topology(), 31, trial, tap_setup(&s, false));
        let x = net.links[a.observe_link]
            .tap
            .view()
            .counts(TapPoint::Arrive);
        let y = net.links[bob].tap.view().counts(TapPoint::Depart);
        for k in (0..x.len()).step_by(20) {
            let (u, v) = (
                (x[k] as usize).min(law.nx - 1),
                (y[k] as usize).min(law.ny - 1),
            );
            observed[u * law.ny + v] += 1;
            n += 1;
        }
    }
    let expected: Vec<f64> = law.p.iter().map(|p| p * n as f64).collect();
    let (chi2, df) = pearson_chi_square(&observed, &expected);
    assert_eq!(n, 20_000);
    assert!(
        chi2 < chi_square_999(df),
        "exact law: chi2 {chi2:.1} on {df} df"
    );
    // Power: the paper's published link stage must be rejected on the same data.
    let published = model_laws(&params, LinkStage::Published).unwrap().target;
    let mut expected_published = vec![0f64; law.nx * law.ny];
    for u in 0..published.nx.min(law.nx) {
        for v in 0..published.ny {
            expected_published[u * law.ny + v.min(law.ny - 1)] +=
                published.p[u * published.ny + v] * n as f64;
        }
    }
    let (chi2_published, df_published) = pearson_chi_square(&observed, &expected_published);
    assert!(
        chi2_published > chi_square_999(df_published),
        "the published stage should be rejected: chi2 {chi2_published:.1} on {df_published} df"
    );
}

/// Simulated detection against the refined model (the one results/ACCURACY.md recommends) on
/// short runs of fig5-light and fig5-heavy.
///
/// Tolerance, derived: the simulated rate over K trials has standard deviation
/// sqrt(D (1 - D) / K); a correct simulator falls within z = 3.29 of them with probability
/// 0.999 (two-sided). The model itself is not exact: results/ACCURACY.md measured, with 1000
/// trials per point, a largest refined-model deviation of 0.014 on fig5-light and 0.012 on
/// fig5-heavy for N >= 30 (the N = 10 points are a known small-sample miss, documented
/// there, and not tested here). The allowance adds that measured deviation, rounded up to
/// 0.015 and 0.012. The test has power: Theorem 1 misses the same simulated points by far more.
#[test]
fn simulated_detection_matches_the_refined_model() {
    use mixsim::experiment::predict::correlation_model;
    use mixsim::experiment::semi::ModelOptions;
    let trials = 400u64;
    let z = 3.29;
    for (file, allowance) in [("fig5-light.toml", 0.015), ("fig5-heavy.toml", 0.012)] {
        let sets = [
            "attack.sample_sizes=[300, 3000]".to_string(),
            "attack.estimators=[\"mi\"]".to_string(),
        ];
        let s = Scenario::load(&scenario_path(file), &sets).unwrap();
        let model = correlation_model(
            &s,
            &ModelOptions {
                semi_reps: 0,
                seed: 1,
            },
        )
        .unwrap();
        let sim = run(&s, &crate::common::run_options(77, trials, 2));
        let mut theorem1_misses = 0;
        for (i, p) in model.predictions.iter().enumerate() {
            let d = rate(&sim, i);
            let m = p.improved_refined;
            let tol = z * (m * (1.0 - m) / trials as f64).sqrt() + allowance;
            assert!(
                (d - m).abs() <= tol,
                "{file} N = {}: simulated {d:.3} vs refined model {m:.3} (tolerance {tol:.3})",
                p.sample_size
            );
            theorem1_misses += ((d - p.theorem1).abs() > tol) as usize;
        }
        assert!(
            theorem1_misses >= 1,
            "{file}: Theorem 1 should miss at least one point"
        );
    }
}
