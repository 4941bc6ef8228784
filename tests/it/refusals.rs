//! Bad input that used to be accepted is refused with a located error: two sweep axes naming
//! one key, a mix strategy on a host, an estimator listed twice, a COER target that is no rate.
//! (A watermark mark longer than the trial: `bounds.rs`.)

use crate::common::{arg, refused, run_cli, scenario_path};
use mixsim::scenario::Scenario;

#[test]
fn two_sweep_axes_naming_one_key_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        scenario_path("fig5-light.toml"),
        dir.path().join("fig5-light.toml"),
    )
    .unwrap();
    let sweep = dir.path().join("s.toml");
    // The mix is node[3] of fig5-light: by name and by index, one key.
    std::fs::write(
        &sweep,
        "base = \"fig5-light.toml\"\n[vary]\n\"node.mix.t_avg\" = [\"10ms\", \"20ms\"]\n\"node[3].t_avg\" = [\"30ms\"]\n",
    )
    .unwrap();
    let out = dir.path().join("o");
    for args in [
        vec!["check", arg(&sweep)],
        vec!["sweep", arg(&sweep), "--out", arg(&out)],
    ] {
        let o = run_cli(&args);
        refused(
            &o,
            &[
                "s.toml:4:",
                "key `vary.\"node[3].t_avg\"`",
                "same key as vary.\"node.mix.t_avg\"",
                "node[3].t_avg",
            ],
        );
    }
    // Different keys of one node are two axes.
    std::fs::write(
        &sweep,
        "base = \"fig5-light.toml\"\n[vary]\n\"node.mix.t_avg\" = [\"10ms\"]\n\"flow.alice.rate\" = [\"50pps\"]\n",
    )
    .unwrap();
    crate::common::ok(&run_cli(&["check", arg(&sweep)]));
}

fn load(sets: &[&str]) -> Result<Scenario, mixsim::scenario::ScenarioError> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    Scenario::load(&scenario_path("fig5-light.toml"), &sets)
}

#[test]
fn a_strategy_on_a_host_is_refused() {
    let e = load(&["node.alice.strategy=timed"]).unwrap_err();
    assert_eq!(e.key(), Some("node[0].strategy"), "{e}");
    assert!(
        e.to_string()
            .contains("host \"alice\" cannot have strategy"),
        "{e}"
    );
    // The default, which earlier runs' provenance writes on every node, is tolerated.
    load(&["node.alice.strategy=exponential"]).unwrap();
}

#[test]
fn an_estimator_listed_twice_is_refused() {
    let e = load(&["attack.estimators=[\"mi\", \"xcorr\", \"mi\"]"]).unwrap_err();
    assert_eq!(e.key(), Some("attack.estimators[2]"), "{e}");
    assert!(e.to_string().contains("\"mi\" is listed twice"), "{e}");
}

#[test]
fn a_coer_target_that_is_no_rate_is_refused() {
    let sc = scenario_path("swirl-stepping-stone.toml");
    for bad in ["NaN", "2", "0", "1", "-1e-7", "inf"] {
        let o = run_cli(&["model", arg(&sc), &format!("--coer-target={bad}")]);
        refused(&o, &["--coer-target", "strictly between 0 and 1"]);
    }
}
