//! `kind = "message_entropy"` in `mixsim run`: the anonymity per message over the run's own
//! trials, beside the detection rates, the same bytes whatever `--jobs`, and its table's keys
//! checked with located errors.

use crate::common::{arg, ok, parse, refused, run_cli, single_mix};
use mixsim::experiment::message::{entropies, tracker, trial_on};
use mixsim::model::pool_entropy::steady_state_entropy;
use mixsim::net::plan::Executor;

/// One exponential mix (mean hold 20 ms, alice at 200 pkt/s) with a correlation table and a
/// message-entropy table on alice.
fn scenario(entropy_table: &str) -> String {
    let extra = format!(
        "[[node]]\nname = \"carol\"\nkind = \"host\"\n[[link]]\nfrom = \"mix\"\nto = \"carol\"\nbandwidth = \"1Gbps\"\n[[attack]]\nname = \"corr\"\ntarget = \"alice\"\nsample_sizes = [50]\n[[attack]]\nname = \"anon\"\n{entropy_table}"
    );
    single_mix("20ms", "200pps", "1Gbps", &extra).replace("duration = \"31s\"", "duration = \"3s\"")
}

#[test]
fn the_run_reports_the_entropy_of_its_own_trials_whatever_the_jobs() {
    let text = scenario("kind = \"message_entropy\"\ntarget = \"alice\"\n");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, &text).unwrap();
    let summary = |jobs: &str| {
        let out = dir.path().join(format!("out{jobs}"));
        let o = run_cli(&[
            "run",
            arg(&file),
            "--trials",
            "24",
            "--seed",
            "7",
            "--jobs",
            jobs,
            "--quiet",
            "--out",
            arg(&out),
        ]);
        ok(&o);
        let table = std::fs::read_to_string(out.join("table.txt")).unwrap();
        assert!(table.contains("anon (target alice): "), "{table}");
        std::fs::read(out.join("summary.json")).unwrap()
    };
    let one = summary("1");
    assert_eq!(one, summary("2"), "summary.json bytes depend on --jobs");
    let json: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(
        json["points"].as_array().unwrap().len(),
        1,
        "the correlation point stays"
    );
    let e = &json["message_entropy"][0];
    assert_eq!(
        (e["attack"].as_str(), e["target"].as_str()),
        (Some("anon"), Some("alice"))
    );
    let s = parse(&text);
    let h: Vec<f64> = entropies(&s, &tracker(&s, "alice").unwrap(), 7, 24)
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(e["trials"], 24);
    assert_eq!(e["tagged"].as_u64(), Some(h.len() as u64));
    let mean = h.iter().sum::<f64>() / h.len() as f64;
    assert_eq!(
        e["mean_bits"].as_f64(),
        Some(mean),
        "not the trials of the run"
    );
    let (lo, hi) = (
        e["ci_low"].as_f64().unwrap(),
        e["ci_high"].as_f64().unwrap(),
    );
    assert!(lo < mean && mean < hi, "{lo} {mean} {hi}");
    // About four packets held: a few bits, far from zero.
    assert!(mean > 1.0, "{mean}");
    assert_eq!(
        e["model_bits"].as_f64(),
        Some(steady_state_entropy(200.0, 0.02))
    );
    assert!(e["not_applicable"].is_null());
}

#[test]
fn the_second_pass_gets_the_event_engines_trials_on_any_executor() {
    // The tracker's distribution per trial, simulated on the columnar executor (what the run
    // uses) and on the event engine: the same, trial by trial.
    let s = parse(&scenario(
        "kind = \"message_entropy\"\ntarget = \"alice\"\n",
    ));
    let t = tracker(&s, "alice").unwrap();
    for k in 0..12 {
        let fast = trial_on(&s, &t, 7, k, Executor::Stream);
        assert!(fast.is_some(), "trial {k} tagged nothing");
        assert_eq!(fast, trial_on(&s, &t, 7, k, Executor::Event), "trial {k}");
    }
}

#[test]
fn bad_keys_are_refused_where_they_are() {
    let dir = tempfile::tempdir().unwrap();
    for (table, key, words) in [
        (
            "kind = \"message_entropy\"\n",
            "attack[1].target",
            "missing required key",
        ),
        (
            "kind = \"message_entropy\"\ntarget = \"alcie\"\n",
            "attack[1].target",
            "did you mean \"alice\"",
        ),
        (
            "kind = \"message_entropy\"\ntarget = \"alice\"\nsample_sizes = [10]\n",
            "attack[1].sample_sizes",
            "does not apply to kind = \"message_entropy\"",
        ),
    ] {
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, scenario(table)).unwrap();
        let o = run_cli(&[
            "run",
            arg(&file),
            "--trials",
            "2",
            "--quiet",
            "--out",
            arg(&dir.path().join("o")),
        ]);
        let err = refused(&o, &[key, words, "bad.toml:"]);
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// The run simulates a `message_entropy` table's trials again inside its own progress (and
/// time): `Started` announces both passes, a `Trial` comes for each, and the summary built
/// from the run's result is the one `Summary::with_model` computes on its own.
#[test]
fn the_second_pass_is_part_of_the_run() {
    use mixsim::experiment::progress::{Progress, ProgressSink};
    use mixsim::experiment::{run, RunResult, Summary};
    use std::sync::{Arc, Mutex};
    let s = parse(&scenario(
        "kind = \"message_entropy\"\ntarget = \"alice\"\n",
    ));
    let seen = Arc::new(Mutex::new((0u64, 0u64)));
    let log = seen.clone();
    let mut opts = crate::common::run_options(7, 10, 2);
    opts.progress = ProgressSink::new(move |p| {
        let mut l = log.lock().unwrap();
        match p {
            Progress::Started { trials, .. } => l.0 = *trials,
            Progress::Trial => l.1 += 1,
            _ => {}
        }
    });
    let r = run(&s, &opts);
    assert_eq!(
        *seen.lock().unwrap(),
        (20, 20),
        "(announced, reported) trials"
    );
    let done = r
        .message_entropy
        .clone()
        .expect("the run computed the table");
    assert_eq!(done.len(), 1);
    let fresh = RunResult {
        message_entropy: None,
        ..r.clone()
    };
    assert_eq!(
        Summary::with_model(&s, &r).message_entropy,
        Summary::with_model(&s, &fresh).message_entropy
    );
    assert_eq!(done[0].tagged, 10);
}
