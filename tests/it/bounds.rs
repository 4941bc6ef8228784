//! Bounded work: a scenario or sweep whose run would exhaust memory or never end is refused
//! when it is loaded (so by `check`), with the key, the estimate and the limit. Every case
//! here used to be accepted; none of them allocates or simulates anything large now.

use crate::common::{refused, run_cli, scenario_path};
use mixsim::scenario::Scenario;

/// Load a shipped scenario with overrides; the refusal's text (which must name `key`).
fn refusal(file: &str, sets: &[&str], key: &str) -> String {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    match Scenario::load(&scenario_path(file), &sets) {
        Ok(_) => panic!("{file} with {sets:?} should be refused"),
        Err(e) => {
            let m = e.to_string();
            assert_eq!(e.key(), Some(key), "{m}");
            m
        }
    }
}

#[test]
fn watermark_keys_beyond_the_memory_limit_are_refused() {
    let swirl = "swirl-compare.toml";
    let m = refusal(swirl, &["watermark.mark.n=1000000000"], "watermark[0].n");
    assert!(m.contains("limit of 268435456 bytes (256 MiB)"), "{m}");
    refusal(swirl, &["watermark.mark.r=100000000"], "watermark[0].r");
    let ibw = ["watermark.mark.scheme=ibw", "watermark.mark.interval=1ns"];
    let big = |k: &str, v: &str| {
        let mut s: Vec<String> = ibw.iter().map(|s| s.to_string()).collect();
        s.push(format!("watermark.mark.{k}={v}"));
        s
    };
    // 2^32 - 1 bits times 2^32 - 1: the product used to wrap in u32.
    let sets = big("bits", "4294967295");
    let mut sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    sets.push("watermark.mark.redundancy=4294967295");
    refusal(swirl, &sets, "watermark[0].bits");
    let sets = big("redundancy", "2000000000");
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    refusal(swirl, &sets, "watermark[0].redundancy");
    let m = refusal(
        swirl,
        &[
            "watermark.mark.scheme=icbw",
            "watermark.mark.interval=2ns",
            "watermark.mark.amplitude=1ns",
            "watermark.mark.bits=100000000",
        ],
        "watermark[0].bits",
    );
    assert!(m.contains("268435456"), "{m}");
    refusal(
        swirl,
        &[
            "watermark.mark.scheme=rainbow",
            "watermark.mark.length=4000000000",
        ],
        "watermark[0].length",
    );
}

#[test]
fn mfa_bins_and_permutations_beyond_the_limits_are_refused() {
    let m = refusal("mfa.toml", &["attack.chi2-20.bin=1ns"], "attack[0].bin");
    assert!(m.contains("128000000000 bins"), "{m}");
    refusal(
        "mfa.toml",
        &["attack.chi2-20.span=1000000s"],
        "attack[0].span",
    );
    let m = refusal(
        "mfa.toml",
        &["attack.profile-20.permutations=18446744073709551615"],
        "attack[2].permutations",
    );
    assert!(m.contains("1e9"), "{m}");
}

#[test]
fn watermark_searches_beyond_the_grid_limit_are_refused() {
    let m = refusal(
        "swirl-mix.toml",
        &["attack.flow-search.search_step=1ns"],
        "attack[2].search_step",
    );
    assert!(m.contains("100000"), "{m}");
    refusal(
        "swirl-mix.toml",
        &["attack.flow-search.search_sigmas=1e300"],
        "attack[2].search_step",
    );
    refusal(
        "swirl-mix.toml",
        &["attack.flow-search.search_spread=1000000s"],
        "attack[2].search_step",
    );
}

#[test]
fn trials_beyond_the_event_limits_are_refused() {
    // A billion padding slots per second (of the real packets' 1000 B): 10^10 events a trial.
    let m = refusal(
        "defense-padding-constant.toml",
        &[
            "link.mix->bob.bandwidth=10Tbps",
            "link.mix->bob.padding_rate=1000000000pps",
        ],
        "link[3].padding_rate",
    );
    assert!(m.contains("events per trial"), "{m}");
    // A timed mix waking every nanosecond.
    refusal(
        "defense-timed.toml",
        &["node.mix.t_avg=1ns"],
        "node[3].t_avg",
    );
    // A cheap trial, too many of them.
    let m = refusal("fig5-light.toml", &["trials=1000000000000"], "trials");
    assert!(m.contains("per run"), "{m}");
    // The command line's --trials alike, in run and export.
    let sc = scenario_path("fig5-light.toml");
    // An --out below a plain file: had the trials been accepted, writing would fail at once
    // instead of running them.
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"").unwrap();
    let out = blocker.join("x");
    for cmd in ["run", "export"] {
        let o = run_cli(&[
            cmd,
            sc.to_str().unwrap(),
            "--trials",
            "1000000000000",
            "--out",
            out.to_str().unwrap(),
        ]);
        refused(&o, &["--trials 1000000000000", "per run", "at most"]);
    }
}

#[test]
fn mixes_that_can_never_release_are_refused() {
    // A timed pool keeping more than a trial brings it: it would wake every period forever.
    let m = refusal(
        "defense-timed-pool.toml",
        &["node.mix.pool=1000000"],
        "node[3].pool",
    );
    assert!(m.contains("never release"), "{m}");
    // A binomial mix whose P(n) is 0 at any count it can reach.
    let m = refusal(
        "defense-binomial.toml",
        &["node.mix.mu=1e12", "node.mix.sigma=1"],
        "node[3].mu",
    );
    assert!(m.contains("fewer than one packet"), "{m}");
}

#[test]
fn a_mark_longer_than_the_trial_is_refused() {
    let m = refusal(
        "swirl-compare.toml",
        &["watermark.mark.n=100"],
        "watermark[0].n",
    );
    assert!(
        m.contains("lasts 400.000000 s") && m.contains("131.000000 s"),
        "{m}"
    );
    assert!(
        m.contains("400.000000 s") && m.contains("131.000000 s"),
        "{m}"
    );
    // The shipped scenario fits exactly its 2nT = 128 s.
    Scenario::load(&scenario_path("swirl-compare.toml"), &[]).unwrap();
}

/// A sweep file next to a copy of fig5-light.
fn sweep_dir(body: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        scenario_path("fig5-light.toml"),
        dir.path().join("fig5-light.toml"),
    )
    .unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, format!("base = \"fig5-light.toml\"\n{body}")).unwrap();
    (dir, path)
}

#[test]
fn a_sweep_grid_is_counted_before_it_is_built() {
    let (_d, path) = sweep_dir(
        "trials = 10\n[vary]\n\"node.mix.t_avg\" = { from = 1, to = 100000, step = 1, unit = \"ms\" }\n\"flow.alice.rate\" = { from = 1, to = 100000, step = 1, unit = \"pps\" }\n",
    );
    let o = run_cli(&["check", path.to_str().unwrap()]);
    refused(&o, &["key `vary`", "10000000000 points", "limit of 100000"]);
}

#[test]
fn sweep_chunks_and_shards_are_bounded() {
    let (d, path) = sweep_dir(
        "trials = 2\nchunk = 1\nset = [\"attack.sample_sizes=[60]\"]\n[vary]\n\"node.mix.t_avg\" = [\"10ms\", \"20ms\"]\n",
    );
    let p = path.to_str().unwrap();
    let out = d.path().join("out");
    let out = out.to_str().unwrap();
    let o = run_cli(&["sweep", p, "--trials", "1000000000000", "--out", out]);
    refused(
        &o,
        &["--trials 1000000000000", "work units", "limit of 1000000"],
    );
    // More shards than units: this shard gets the largest unit, the others nothing; no
    // allocation per shard.
    let o = run_cli(&[
        "sweep",
        p,
        "--shard",
        "1/18446744073709551615",
        "--out",
        out,
        "--quiet",
    ]);
    crate::common::ok(&o);
    let records = std::fs::read_dir(d.path().join("out/chunks"))
        .unwrap()
        .count();
    assert_eq!(records, 1);
}

#[test]
fn check_recognises_a_sweep_seeded_with_the_largest_u64() {
    let (_d, path) = sweep_dir(
        "seed = 18446744073709551615\n[vary]\n\"node.mix.t_avg\" = [\"10ms\", \"20ms\"]\n",
    );
    let o = run_cli(&["check", path.to_str().unwrap()]);
    crate::common::ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("valid sweep file (2 points"));
}
