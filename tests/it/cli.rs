//! The command line: bad input is refused with a clear message and nothing is written.

use crate::common::{mixsim, scenario_path};

#[test]
fn bad_scenario_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(scenario_path("fig5-light.toml"))
        .unwrap()
        .replace("bandwidth = \"1Tbps\"", "bandwith = \"1Tbps\"");
    std::fs::write(&bad, text).unwrap();
    let out = dir.path().join("out");
    let o = mixsim()
        .args([
            "run",
            bad.to_str().unwrap(),
            "--trials",
            "2",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml:"), "names the file: {err}");
    assert!(err.contains("bandwith"), "names the key: {err}");
    assert!(err.contains("bandwidth"), "suggests the known key: {err}");
    assert!(!out.exists(), "nothing may be written for a bad scenario");
}

#[test]
fn check_and_trace() {
    let o = mixsim()
        .args([
            "check",
            scenario_path("testbed-poisson.toml").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("mix->bob"));
    let o = mixsim()
        .args([
            "trace",
            scenario_path("fig5-light.toml").to_str().unwrap(),
            "--tap",
            "alice->mix",
            "--point",
            "arrive",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = String::from_utf8(o.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("time_s,size_bytes"));
    let times: Vec<f64> = lines
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    // Alice sends 100 pkt/s for 31 s: about 3100 packets, in time order.
    assert!((2800..3400).contains(&times.len()), "{}", times.len());
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let o = mixsim()
        .args([
            "trace",
            scenario_path("fig5-light.toml").to_str().unwrap(),
            "--tap",
            "mix->carol",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("mix->bob"),
        "lists the links"
    );
}

#[test]
fn model_prints_predictions_and_refuses_scenarios_it_does_not_cover() {
    let o = mixsim()
        .args([
            "model",
            scenario_path("fig5-light.toml").to_str().unwrap(),
            "--json",
            "--semi-reps",
            "50",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let preds = m["predictions"].as_array().unwrap();
    assert_eq!(preds.len(), 6, "one per sample size of the scenario");
    let theorem1: Vec<f64> = preds
        .iter()
        .map(|p| p["theorem1"].as_f64().unwrap())
        .collect();
    assert!(
        theorem1.windows(2).all(|w| w[0] < w[1]),
        "Theorem 1 rises with N: {theorem1:?}"
    );
    // A timed mix flushing once every two intervals is outside the model: a clear refusal,
    // exit 2.
    let o = mixsim()
        .args([
            "model",
            scenario_path("fig5-light.toml").to_str().unwrap(),
            "--set",
            "node.mix.strategy=timed",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("flushes once every 2 sampling intervals"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `run` prints a key to its detection table's columns under it; table.txt is the table alone.
#[test]
fn run_prints_a_key_to_its_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = mixsim()
        .args([
            "run",
            scenario_path("testbed-poisson.toml").to_str().unwrap(),
            "--trials",
            "2",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("key: N"), "{stdout}");
    for column in [
        "D detection rate",
        "theorem1",
        "improved",
        "refined",
        "ref. ties",
        "semi",
    ] {
        assert!(stdout.contains(column), "no {column} in the key: {stdout}");
    }
    let table = std::fs::read_to_string(out.join("table.txt")).unwrap();
    assert!(!table.contains("key:"), "table.txt is the table alone");
}
