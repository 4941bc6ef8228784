//! The target flow's latency on its own beside the pooled figures: what a defense costs the
//! flow it protects.

use crate::common::scenario_path;
use mixsim::experiment::campaign::record::TallyRecord;
use mixsim::experiment::{run, RunOptions};
use mixsim::net::plan::Executor;
use mixsim::scenario::Scenario;

fn run_with(sets: &[&str], executor: Executor) -> mixsim::experiment::RunResult {
    let mut overrides: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    overrides.push("attack.sample_sizes=[100]".into());
    let s = Scenario::load(&scenario_path("fig5-light.toml"), &overrides)
        .unwrap_or_else(|e| panic!("{e}"));
    run(
        &s,
        &RunOptions {
            executor,
            ..crate::common::run_options(3, 4, 2)
        },
    )
}

#[test]
fn target_flow_latency_is_reported_on_its_own() {
    // Alice's access link takes 100 ms; every other flow's 1 ms. Her packets take at least
    // 100 + 50 ms (and the mix's hold) end to end; the pooled median is far below.
    let sets = ["link.alice->mix.delay=100ms"];
    let r = run_with(&sets, Executor::Event);
    let s = Scenario::load(
        &scenario_path("fig5-light.toml"),
        &[
            "link.alice->mix.delay=100ms".into(),
            "attack.sample_sizes=[100]".into(),
        ],
    )
    .unwrap();
    let summary = mixsim::experiment::Summary::with_model(&s, &r);
    let lat = &summary.latency;
    assert_eq!(lat.per_flow.len(), 1);
    let alice = &lat.per_flow[0];
    assert_eq!(alice.flow, "alice");
    assert!(alice.end_to_end.p50_ms > 150.0, "{:?}", alice.end_to_end);
    assert!(lat.end_to_end.p50_ms < 100.0, "{:?}", lat.end_to_end);
    // Alice sends 100 of the 1000 pkt/s: about a tenth of the delivered packets.
    let share = alice.end_to_end.samples as f64 / lat.end_to_end.samples as f64;
    assert!((share - 0.1).abs() < 0.01, "share {share}");

    // Same numbers on the stream executor, and through a chunk record (sweeps, shards).
    let stream = run_with(&sets, Executor::Stream);
    assert_eq!(stream.tally.flow_latency, r.tally.flow_latency);
    let back = TallyRecord::of(&r.tally)
        .to_tally()
        .expect("record reads back");
    assert_eq!(back.flow_latency, r.tally.flow_latency);
}
