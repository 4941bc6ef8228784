//! Anonymity per message: the entropy of a tagged message's distribution, propagated through
//! the mixes from tap traces, against the steady-state model of one exponential mix, and
//! through a cascade.

use crate::common::scenario_path;
use mixsim::experiment::message::{entropies, first_mix_load, tracker, NotApplicable};
use mixsim::model::pool_entropy::steady_state_entropy;
use mixsim::scenario::Scenario;

fn load(name: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    Scenario::load(&scenario_path(name), &sets).unwrap()
}

fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

#[test]
fn one_exponential_mix_matches_its_steady_state_model() {
    // fig5-light: 1000 pkt/s of Poisson traffic into one mix holding Exp(20 ms): about 20
    // packets held. Two seconds per trial are plenty for the tagged message to leave.
    let s = load("fig5-light.toml", &["attack.sample_sizes=[100]"]);
    let t = tracker(&s, "alice").unwrap();
    let h: Vec<f64> = entropies(&s, &t, 3, 300).into_iter().flatten().collect();
    assert_eq!(h.len(), 300, "every trial tags a message");
    let (mean, se) = mean_se(&h);
    let (t_avg, lambda) = first_mix_load(&s, &t);
    assert_eq!((t_avg, lambda), (0.02, 1000.0));
    let model = steady_state_entropy(lambda, t_avg);
    assert!(
        (mean - model).abs() < 3.0 * se + 0.01,
        "simulated {mean:.3} +- {se:.3} bits, model {model:.3}"
    );
}

#[test]
fn a_cascade_spreads_the_message_further_than_its_first_mix() {
    // Half of m1's output goes on to m2, where it mixes again: the whole network's entropy
    // exceeds what m1 alone gives.
    let s = load(
        "cascade.toml",
        &[
            "attack.first-hop.sample_sizes=[100]",
            "attack.path.sample_sizes=[100]",
        ],
    );
    let t = tracker(&s, "alice").unwrap();
    assert_eq!(t.mixes.len(), 2);
    let h: Vec<f64> = entropies(&s, &t, 3, 200).into_iter().flatten().collect();
    let (mean, se) = mean_se(&h);
    let (t_avg, lambda) = first_mix_load(&s, &t);
    let first = steady_state_entropy(lambda, t_avg);
    assert!(
        mean - 3.0 * se > first + 0.5,
        "cascade {mean:.3} +- {se:.3}, m1 alone {first:.3}"
    );
}

#[test]
fn refuses_what_it_cannot_follow() {
    let s = load("fig5-light.toml", &["node.mix.strategy=timed"]);
    assert!(matches!(tracker(&s, "alice"), Err(NotApplicable::NotExponential(m)) if m == "mix"));
    let s = load("fig5-light.toml", &[]);
    assert_eq!(
        tracker(&s, "carol"),
        Err(NotApplicable::NoFlow("carol".into()))
    );
}
