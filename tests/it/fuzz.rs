//! Fuzzing the rule "whatever `check` accepts, `run --trials 1` runs to completion": proptest
//! draws scenario texts (reference scenarios and a generated topology) and `--set` overrides
//! from values that have broken runs before (times near and past 2^64 ns, rates that stop the
//! clock, loads near 1, sample sizes past memory, unsafe names, wrong units) and ordinary
//! ones. A scenario that loads must run one trial and build its summary, model included,
//! without a panic or an abort; a refusal must be a located error (file:line:column, or the
//! `--set` that wrote the value, and a key).
//!
//! Runs of a drawn scenario are skipped when they would simulate more than a budget of packets
//! (a valid but long run is not a bug), so the CI run takes seconds. A longer run:
//!
//! ```sh
//! MIXSIM_FUZZ_RANDOM=1 MIXSIM_FUZZ_CASES=2000 MIXSIM_FUZZ_PACKETS=2000000 \
//!     cargo test --release --test it fuzz
//! ```

use mixsim::experiment;
use mixsim::experiment::Summary;
use mixsim::report::plot;
use mixsim::scenario::Scenario;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const DURATIONS: &[&str] = &[
    "0s",
    "1ns",
    "10us",
    "1ms",
    "10ms",
    "50ms",
    "1s",
    "3s",
    "1e300s",
    "9007199254740992ns",
    "9007199254740993ns",
    "18446744073709551615ns",
    "104d",
    "-1ms",
    "10",
    "1e-3s",
    "2min",
    "1e5s",
];
const RATES: &[&str] = &[
    "1e-300pps",
    "1e-6pps",
    "0.5pps",
    "100pps",
    "400pps",
    "1e9pps",
    "2e9pps",
    "1e300pps",
    "0pps",
    "nanpps",
    "infpps",
    "100",
];
const BANDWIDTHS: &[&str] = &[
    "1e-300bps",
    "0.5bps",
    "1kbps",
    "3.2Mbps",
    "4010000bps",
    "5Mbps",
    "1Tbps",
    "1e300bps",
    "0bps",
    "10 Mbps",
];
const SIZES: &[&str] = &[
    "[1]",
    "[10]",
    "[10, 100]",
    "[0]",
    "[]",
    "[3000]",
    "[100000000]",
    "[18446744073709551615]",
    "[60, 60, 480]",
];
const NAMES: &[&str] = &[
    "\"x\"",
    "\"../x\"",
    "\".hidden\"",
    "\"a b\"",
    "\"ok-1.2_3\"",
    "\"\"",
];

/// One `--set` override: a path of the reference scenarios and a value for it.
fn override_strategy() -> impl Strategy<Value = String> {
    let pick = |xs: &'static [&'static str]| proptest::sample::select(xs.to_vec());
    prop_oneof![
        pick(DURATIONS).prop_map(|v| format!("attack.interval={v}")),
        pick(SIZES).prop_map(|v| format!("attack.sample_sizes={v}")),
        pick(DURATIONS).prop_map(|v| format!("node.mix.t_avg={v}")),
        pick(BANDWIDTHS).prop_map(|v| format!("link.mix->bob.bandwidth={v}")),
        pick(DURATIONS).prop_map(|v| format!("link.mix->bob.delay={v}")),
        pick(DURATIONS).prop_map(|v| format!("link.mix->bob.jitter={v}")),
        pick(&["0.0", "0.5", "0.999999", "1.0", "-0.1", "nan", "inf"])
            .prop_map(|v| format!("link.mix->bob.loss={v}")),
        pick(&["0", "1", "2", "1000", "9223372036854775807"])
            .prop_map(|v| format!("link.mix->bob.buffer={v}")),
        pick(RATES).prop_map(|v| format!("flow.alice.rate={v}")),
        pick(DURATIONS).prop_map(|v| format!("flow.alice.start={v}")),
        pick(DURATIONS).prop_map(|v| format!("warmup={v}")),
        pick(DURATIONS).prop_map(|v| format!("duration={v}")),
        pick(&["0", "1", "3", "-1"]).prop_map(|v| format!("trials={v}")),
        pick(NAMES).prop_map(|v| format!("name={v}")),
        pick(&["poisson", "constant", "onoff", "tcp", "trace", "bogus"])
            .prop_map(|v| format!("flow.alice.model={v}")),
        pick(DURATIONS).prop_map(|v| format!("flow.alice.on={v}")),
        pick(DURATIONS).prop_map(|v| format!("flow.alice.off={v}")),
        pick(&["timed", "exponential"]).prop_map(|v| format!("node.mix.strategy={v}")),
        pick(&[
            "[\"1s\", \"2s\"]",
            "[\"2s\", \"1s\"]",
            "[\"1e300s\", \"1e301s\"]",
            "[\"0s\", \"9007199254740992ns\"]"
        ])
        .prop_map(|v| format!("link.mix->bob.outage={v}")),
        pick(&[
            "[\"mi\", \"xcorr-lag\"]",
            "[\"mi-z\", \"mi-mm\"]",
            "[\"nope\"]",
            "[]"
        ])
        .prop_map(|v| format!("attack.estimators={v}")),
        pick(&["1B", "40B", "1000B", "1MiB", "4000MB", "0B"])
            .prop_map(|v| format!("packet_size={v}")),
        pick(&["1", "0", "18446744073709551615"]).prop_map(|v| format!("seed={v}")),
        cover_override_strategy(),
    ]
}

/// One `--set` override of the cover scenarios' `[[cover]]` tables.
fn cover_override_strategy() -> impl Strategy<Value = String> {
    let pick = |xs: &'static [&'static str]| proptest::sample::select(xs.to_vec());
    prop_oneof![
        pick(RATES).prop_map(|v| format!("cover.alice-drop.rate={v}")),
        pick(RATES).prop_map(|v| format!("cover.alice-loop.rate={v}")),
        pick(&["drop", "loop", "bounce"]).prop_map(|v| format!("cover.alice-loop.kind={v}")),
        pick(&["poisson", "constant", "onoff"]).prop_map(|v| format!("cover.alice-drop.model={v}")),
        pick(&[
            "[\"alice\", \"mix\", \"alice\"]",
            "[\"alice\", \"mix\", \"bob\"]",
            "[\"alice\", \"mix\"]",
            "[\"alice\"]",
            "[]"
        ])
        .prop_map(|v| format!("cover.alice-loop.route={v}")),
        pick(&["0B", "1B", "40B", "4000MB"]).prop_map(|v| format!("cover.alice-drop.size={v}")),
        pick(DURATIONS).prop_map(|v| format!("cover.alice-loop.start={v}")),
    ]
}

/// A small generated topology: senders into one mix, out to receivers, in the scenario format.
fn topology_strategy() -> impl Strategy<Value = String> {
    (
        1usize..4,
        1usize..4,
        proptest::sample::select(DURATIONS.to_vec()),
        proptest::sample::select(BANDWIDTHS.to_vec()),
        proptest::sample::select(RATES.to_vec()),
        proptest::sample::select(SIZES.to_vec()),
        proptest::sample::select(DURATIONS.to_vec()),
    )
        .prop_map(|(senders, receivers, t_avg, bw, rate, sizes, interval)| {
            let mut t = format!(
                "name = \"gen\"\nwarmup = \"1s\"\n[[node]]\nname = \"mix\"\nkind = \"mix\"\nt_avg = \"{t_avg}\"\n"
            );
            for i in 0..senders {
                t += &format!("[[node]]\nname = \"s{i}\"\nkind = \"host\"\n");
                t += &format!("[[link]]\nfrom = \"s{i}\"\nto = \"mix\"\nbandwidth = \"10Mbps\"\n");
            }
            for j in 0..receivers {
                t += &format!("[[node]]\nname = \"r{j}\"\nkind = \"host\"\n");
                t += &format!("[[link]]\nfrom = \"mix\"\nto = \"r{j}\"\nbandwidth = \"{bw}\"\n");
            }
            for i in 0..senders {
                for j in 0..receivers {
                    t += &format!(
                        "[[flow]]\nname = \"f{i}{j}\"\nroute = [\"s{i}\", \"mix\", \"r{j}\"]\nmodel = \"poisson\"\nrate = \"{rate}\"\n"
                    );
                }
            }
            t += &format!("[attack]\ntarget = \"f00\"\ninterval = \"{interval}\"\nsample_sizes = {sizes}\n");
            t
        })
}

/// Packets a trial would create, roughly: each open-loop flow's mean rate over the run, times
/// the links it crosses.
fn packets(s: &Scenario) -> f64 {
    let secs = s.duration as f64 * 1e-9;
    s.flows
        .iter()
        .map(|f| f.traffic.mean_rate() * secs * f.links.len() as f64)
        .sum()
}

/// What the model would compute: packets per sampling interval on the target's mix ports.
fn model_load(s: &Scenario) -> f64 {
    let Some(a) = s.correlation() else {
        return 0.0;
    };
    let rate: f64 = s.flows.iter().map(|f| f.traffic.mean_rate()).sum();
    rate * a.interval as f64 * 1e-9
}

/// The rule for one drawn scenario text and overrides.
fn check_rule(text: &str, sets: &[String], budget: f64) -> Result<(), TestCaseError> {
    let origin = std::path::Path::new("fuzz.toml");
    let s = match Scenario::parse(text, origin, sets) {
        Ok(s) => s,
        Err(e) => {
            let m = e.to_string();
            let located = m.starts_with("fuzz.toml:") || m.starts_with("--set ");
            prop_assert!(located, "refusal without a location: {m}");
            prop_assert!(
                m.contains("key `") || m.starts_with("--set "),
                "no key: {m}"
            );
            return Ok(());
        }
    };
    // Accepted: the run must complete (unless it is merely long, or its model merely slow).
    if packets(&s) > budget || model_load(&s) > 100.0 {
        return Ok(());
    }
    let opts = crate::common::run_options(s.seed, 1, 1);
    let result = experiment::run(&s, &opts);
    let summary = Summary::with_model(&s, &result);
    prop_assert!(!summary.to_json().is_empty());
    prop_assert!(!summary.table().is_empty());
    prop_assert!(!plot::summary_plot(&summary).is_empty());
    Ok(())
}

#[test]
fn check_accepts_implies_run_completes() {
    let cases = env_or("MIXSIM_FUZZ_CASES", 48) as u32;
    let budget = env_or("MIXSIM_FUZZ_PACKETS", 60_000) as f64;
    let bases: Vec<String> = [
        "fig5-light.toml",
        "fig5-heavy.toml",
        "testbed-poisson.toml",
        "defense-cover-drop.toml",
        "defense-cover-loop.toml",
    ]
    .iter()
    .map(|f| std::fs::read_to_string(crate::common::scenario_path(f)).unwrap())
    .collect();
    let text = prop_oneof![
        3 => proptest::sample::select(bases),
        1 => topology_strategy(),
    ];
    let sets = proptest::collection::vec(override_strategy(), 0..4);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    // The same cases on every CI run; MIXSIM_FUZZ_RANDOM=1 draws new ones.
    let mut runner = if std::env::var_os("MIXSIM_FUZZ_RANDOM").is_some() {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    };
    runner
        .run(&(text, sets), |(text, sets)| {
            check_rule(&text, &sets, budget)
        })
        .unwrap();
}
