//! The correlation model beyond the exponential mix: the decision rule's ties, the timed mix
//! and padded candidate links, each against simulation, and the cases the model refuses with
//! a reason.
//!
//! Tolerances: 3.29 binomial standard deviations of the simulated rate (a correct model fails
//! with probability about 1e-3) plus 0.02, the accuracy the model claims where it applies.

use crate::common::scenario_path;
use mixsim::experiment::predict::{correlation_model, correlation_params};
use mixsim::experiment::run;
use mixsim::experiment::semi::ModelOptions;
use mixsim::model::correlation::{LinkPadding, ModelSummary};
use mixsim::scenario::Scenario;

const CLAIMED: f64 = 0.02;

fn load(file: &str, sets: &[&str]) -> Scenario {
    let mut overrides: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    overrides.push("attack.estimators=[\"mi\"]".into());
    Scenario::load(&scenario_path(file), &overrides).unwrap_or_else(|e| panic!("{e}"))
}

/// Simulated MI detection rate at each sample size of `s`.
fn simulate(s: &Scenario, trials: u64) -> Vec<f64> {
    let r = run(s, &crate::common::run_options(2024, trials, 2));
    let sizes = s
        .correlation()
        .expect("correlation attack")
        .sample_sizes
        .len();
    (0..sizes)
        .map(|i| r.tally.correct(0, i) as f64 / trials as f64)
        .collect()
}

fn model(s: &Scenario) -> ModelSummary {
    correlation_model(
        s,
        &ModelOptions {
            semi_reps: 400,
            seed: 7,
        },
    )
    .unwrap_or_else(|e| panic!("model not applicable: {e}"))
}

/// Asserts the tie-rule model within the claimed accuracy of simulation at every size.
fn assert_model_matches(s: &Scenario, trials: u64) {
    let sim = simulate(s, trials);
    let m = model(s);
    for (d, p) in sim.iter().zip(&m.predictions) {
        let tol = 3.29 * (d * (1.0 - d) / trials as f64).sqrt() + CLAIMED;
        assert!(
            (d - p.refined_ties).abs() <= tol,
            "{} N = {}: simulated {d:.3}, model {:.3} (tolerance {tol:.3})",
            s.name,
            p.sample_size,
            p.refined_ties
        );
    }
}

#[test]
fn tie_rule_brings_the_model_to_simulation_at_small_n() {
    // At N = 10 on fig5-light the plug-in estimates of both links often reach the empirical
    // entropy of X and tie (a failure); the refined model has no ties and sits above.
    let s = load("fig5-light.toml", &["attack.sample_sizes=[10]"]);
    let trials = 3000;
    let d = simulate(&s, trials)[0];
    let p = &model(&s).predictions[0];
    assert!(
        p.tie_share > 0.01 && p.refined_ties < p.improved_refined - 0.01,
        "ties at N = 10: share {}, refined {} -> {}",
        p.tie_share,
        p.improved_refined,
        p.refined_ties
    );
    let tol = 3.29 * (d * (1.0 - d) / trials as f64).sqrt() + 0.01;
    assert!(
        (d - p.refined_ties).abs() <= tol,
        "simulated {d:.3}, tie-rule model {:.3} (tolerance {tol:.3})",
        p.refined_ties
    );
}

#[test]
fn timed_mix_model_matches_simulation() {
    // Flushes every 5 ms against 10 ms intervals, the first 3 ms into each interval (the
    // warm-up ends 2 ms after a flush): p_same = 1 - (5 - 3) / 10 = 0.8.
    let s = load(
        "fig5-light.toml",
        &[
            "node.mix.strategy=timed",
            "node.mix.t_avg=5ms",
            "warmup=1002ms",
            "attack.sample_sizes=[30, 100, 300]",
        ],
    );
    let clock = correlation_params(&s)
        .expect("applicable")
        .timed
        .expect("timed");
    assert!((clock.phase - 0.003).abs() < 1e-12, "phase {}", clock.phase);
    assert_model_matches(&s, 400);
}

#[test]
fn poisson_padding_model_matches_simulation() {
    // Both output links padded by Poisson slots: their counts follow the slots alone.
    let s = load(
        "defense-padding-poisson.toml",
        &["attack.sample_sizes=[100, 1000]"],
    );
    let p = correlation_params(&s).expect("applicable");
    assert!(p
        .candidates
        .iter()
        .all(|c| matches!(c.padding, Some(LinkPadding::Poisson { .. }))));
    let m = model(&s);
    assert_eq!(
        m.information.i1_exact, 0.0,
        "a padded target link carries no information"
    );
    assert_model_matches(&s, 300);
}

#[test]
fn constant_padding_model_is_zero() {
    // 1000 slots/s, 10 ms intervals: both candidates count exactly 10 per interval, every
    // estimate is 0 and every decision a tie.
    let s = load("defense-padding-constant.toml", &[]);
    let p = correlation_params(&s).expect("applicable");
    assert!(p
        .candidates
        .iter()
        .all(|c| c.padding == Some(LinkPadding::Constant { per_interval: 10 })));
    for p in &model(&s).predictions {
        assert_eq!(
            (
                p.improved,
                p.improved_refined,
                p.refined_ties,
                p.semi_analytic
            ),
            (0.0, 0.0, 0.0, 0.0),
            "N = {}",
            p.sample_size
        );
        assert_eq!(p.theorem1, 0.5, "Theorem 1 gives a coin toss at I_1 = 0");
    }
    let sim = simulate(
        &load(
            "defense-padding-constant.toml",
            &["attack.sample_sizes=[100]"],
        ),
        20,
    );
    assert_eq!(sim, vec![0.0]);
}

#[test]
fn model_says_where_it_does_not_apply() {
    let reason = |file: &str, sets: &[&str]| {
        correlation_params(&load(file, sets))
            .expect_err("not applicable")
            .reason
    };
    let cases: [(&str, &[&str], &str); 5] = [
        ("defense-threshold.toml", &[], "is a threshold mix"),
        (
            "fig5-light.toml",
            &["node.mix.strategy=timed", "node.mix.t_avg=40ms"],
            "once every 4 sampling intervals",
        ),
        (
            "fig5-light.toml",
            &["node.mix.strategy=timed", "node.mix.t_avg=3ms"],
            "not whole multiples",
        ),
        (
            "defense-timed.toml",
            &["node.mix.t_avg=5ms"],
            "expected a link without queueing",
        ),
        (
            "defense-padding-constant.toml",
            &[
                "link.mix->bob.padding_rate=700pps",
                "link.mix->r2.padding_rate=700pps",
            ],
            "does not divide the 10000000 ns interval",
        ),
    ];
    for (file, sets, want) in cases {
        let got = reason(file, sets);
        assert!(got.contains(want), "{file} {sets:?}: {got}");
    }
    let got = reason(
        "defense-padding-poisson.toml",
        &["link.mix->bob.padding_size=1200B"],
    );
    assert!(
        got.contains("keep their own size on the wire") && got.contains("1200B"),
        "{got}"
    );
}
