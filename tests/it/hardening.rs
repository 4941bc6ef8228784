//! Hardening: whatever `check` accepts, `run` runs or refuses with a located error (exit 2);
//! the model says why it does not apply instead of failing; files and pipes are handled with
//! care. One test per case found by hostile testing.

use crate::common::{mixsim, scenario_path};
use std::path::Path;
use std::process::Output;

fn run(args: &[&str]) -> Output {
    mixsim().args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "mixsim failed: {}", stderr(o));
}

/// Exit 2 with every word of `words` in the message.
fn refused(o: &Output, words: &[&str]) -> String {
    assert_eq!(o.status.code(), Some(2), "expected a refusal: {}", stderr(o));
    let err = stderr(o);
    for w in words {
        assert!(err.contains(w), "message should mention {w:?}: {err}");
    }
    err
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn model_of(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["model"].clone()
}

/// Less than one packet per sampling interval, and a load of 99.8 %: the simulation runs, the
/// summary says why the model does not apply (these panicked in the model, exit 101).
#[test]
fn a_run_whose_model_does_not_apply_finishes_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    for (file, set, why) in [
        (
            "testbed-poisson.toml",
            "attack.interval=10us",
            "use a longer interval",
        ),
        (
            "fig5-heavy.toml",
            "link.mix->bob.bandwidth=4010000bps",
            "expected a load below",
        ),
    ] {
        let out = dir.path().join(file);
        let o = run(&[
            "run",
            s(&scenario_path(file)),
            "--set",
            set,
            "--trials",
            "1",
            "--out",
            s(&out),
        ]);
        ok(&o);
        let model = model_of(&out);
        assert_eq!(model["applicable"], false, "{model}");
        assert!(
            model["reason"].as_str().unwrap().contains(why),
            "{model}"
        );
        let table = std::fs::read_to_string(out.join("table.txt")).unwrap();
        assert!(table.contains("model: not applicable, because"), "{table}");
        let o = run(&["model", s(&scenario_path(file)), "--set", set]);
        refused(&o, &["not applicable, because"]);
    }
}

/// A sweep with a point the model does not cover finishes (it used to panic at the last step on
/// every rerun).
#[test]
fn a_sweep_with_a_point_outside_the_model_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("na.toml");
    std::fs::write(
        &sweep,
        format!(
            r#"
name = "na"
base = "{}"
trials = 2
seed = 3
set = ["attack.sample_sizes=[60]"]

[vary]
"link.mix->bob.bandwidth" = ["5Mbps", "4010000bps"]
"#,
            scenario_path("fig5-heavy.toml").display()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run(&["sweep", s(&sweep), "--out", s(&out), "--quiet", "--jobs", "1"]);
    ok(&o);
    assert!(out.join("sweep.csv").exists());
}
