//! Records are not trusted: a chunk record edited after it was written (more detections than
//! trials, more packets delivered than created, counters that would pass 2^64 when summed) is
//! refused, naming the chunk, by resume, the final summary and merge alike. It used to be
//! summed as is: 7 detections of 2 trials gave a detection rate of 3.5, and counters wrapped.

use crate::common::{arg, ok, refused, run_cli, scenario_path};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A one-point sweep of 2 trials in chunks of 1, run into `dir/out`; the sweep file.
fn swept(dir: &Path) -> PathBuf {
    std::fs::copy(
        scenario_path("fig5-light.toml"),
        dir.join("fig5-light.toml"),
    )
    .unwrap();
    let sweep = dir.join("s.toml");
    std::fs::write(
        &sweep,
        "base = \"fig5-light.toml\"\ntrials = 2\nchunk = 1\nset = [\"attack.sample_sizes=[60]\"]\n[vary]\n\"node.mix.t_avg\" = [\"20ms\"]\n",
    )
    .unwrap();
    let out = dir.join("out");
    ok(&run_cli(&[
        "sweep",
        arg(&sweep),
        "--out",
        arg(&out),
        "--quiet",
    ]));
    sweep
}

fn edit(path: &Path, f: impl Fn(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// Rerunning the finished sweep reads every record back (resume, then the summaries).
fn rerun(dir: &Path, sweep: &Path) -> std::process::Output {
    let out = dir.join("out");
    run_cli(&["sweep", arg(sweep), "--out", arg(&out), "--quiet"])
}

#[test]
fn more_detections_than_trials_are_refused_naming_the_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = swept(dir.path());
    let rec = dir.path().join("out/chunks/p0000-c0001.json");
    edit(&rec, |v| {
        v["tally"]["attacks"][0]["identification"][0]["correct"] = 7.into();
    });
    refused(
        &rerun(dir.path(), &sweep),
        &[
            "p0000-c0001.json",
            "correct + wrong + ties + absent is ",
            "the chunk has 1 trials",
            "tampered",
        ],
    );
}

#[test]
fn packets_delivered_beyond_those_created_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = swept(dir.path());
    let rec = dir.path().join("out/chunks/p0000-c0000.json");
    edit(&rec, |v| {
        let c = &mut v["tally"]["counters"];
        c["delivered"] = (c["created"].as_u64().unwrap() + 1).into();
    });
    refused(
        &rerun(dir.path(), &sweep),
        &["p0000-c0000.json", "packets delivered + dropped"],
    );
}

#[test]
fn counters_that_would_wrap_at_two_to_the_64_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = swept(dir.path());
    // Each record on its own is consistent; their sum is not a u64.
    for c in ["c0000", "c0001"] {
        edit(
            &dir.path().join(format!("out/chunks/p0000-{c}.json")),
            |v| {
                v["tally"]["counters"]["created"] = (1u64 << 63).into();
            },
        );
    }
    refused(
        &rerun(dir.path(), &sweep),
        &["p0000-c0001.json", "counters.created passes 2^64 - 1"],
    );
    // Merge reads the same records the same way.
    let shard = dir.path().join("out");
    let o = run_cli(&[
        "merge",
        arg(&shard),
        "--out",
        arg(&dir.path().join("merged")),
    ]);
    refused(&o, &["counters.created passes 2^64 - 1"]);
}
