//! Helpers shared by the integration tests.

use mixsim::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn scenario_path(name: &str) -> PathBuf {
    repo().join("scenarios").join(name)
}

/// Parse scenario text (named `inline.toml` in errors).
pub fn parse(text: &str) -> Scenario {
    Scenario::parse(text, Path::new("inline.toml"), &[])
        .unwrap_or_else(|e| panic!("scenario should load: {e}"))
}

/// One sender -> (link) -> mix -> (link) -> receiver, with the given mix hold, rates and output
/// link, plus noise through the same mix to a second receiver.
pub fn single_mix(t_avg: &str, alice_rate: &str, out_bandwidth: &str, extra: &str) -> String {
    format!(
        r#"
name = "single-mix"
warmup = "1s"
duration = "31s"
[[node]]
name = "alice"
kind = "host"
[[node]]
name = "mix"
kind = "mix"
t_avg = "{t_avg}"
[[node]]
name = "bob"
kind = "host"
[[link]]
from = "alice"
to = "mix"
bandwidth = "1Tbps"
[[link]]
from = "mix"
to = "bob"
bandwidth = "{out_bandwidth}"
{extra}
[[flow]]
name = "alice"
route = ["alice", "mix", "bob"]
model = "poisson"
rate = "{alice_rate}"
"#
    )
}

pub fn mixsim() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_mixsim"))
}

/// Run the mixsim binary with `args` and collect its output.
pub fn run_cli(args: &[&str]) -> Output {
    mixsim().args(args).output().unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Assert that a mixsim run succeeded, showing its stderr if not.
pub fn ok(o: &Output) {
    assert!(o.status.success(), "mixsim failed: {}", stderr(o));
}

/// Assert exit 2 with every word of `words` in the message; the message.
pub fn refused(o: &Output, words: &[&str]) -> String {
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected a refusal: {}",
        stderr(o)
    );
    let err = stderr(o);
    for w in words {
        assert!(err.contains(w), "message should mention {w:?}: {err}");
    }
    err
}

/// A path as a command-line argument.
pub fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Pearson's chi-square statistic of observed counts against expected counts, over the cells
/// whose expected count is at least 5 (the rest pooled into one cell), and its degrees of
/// freedom (cells - 1).
pub fn pearson_chi_square(observed: &[u64], expected: &[f64]) -> (f64, f64) {
    let (mut chi2, mut cells, mut pooled_o, mut pooled_e) = (0.0, 0usize, 0.0, 0.0);
    for (&o, &e) in observed.iter().zip(expected) {
        if e >= 5.0 {
            chi2 += (o as f64 - e).powi(2) / e;
            cells += 1;
        } else {
            pooled_o += o as f64;
            pooled_e += e;
        }
    }
    if pooled_e > 0.0 {
        chi2 += (pooled_o - pooled_e).powi(2) / pooled_e;
        cells += 1;
    }
    (chi2, (cells - 1) as f64)
}

/// The 0.999 quantile of the chi-square law with `df` degrees of freedom.
pub fn chi_square_999(df: f64) -> f64 {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    ChiSquared::new(df).expect("df > 0").inverse_cdf(0.999)
}

/// Options for a quiet library run on the default executor.
pub fn run_options(seed: u64, trials: u64, jobs: usize) -> mixsim::experiment::RunOptions {
    mixsim::experiment::RunOptions {
        seed,
        trials,
        jobs,
        progress: Default::default(),
        executor: Default::default(),
    }
}

/// The same trials on one thread and the event engine give the same attack tallies as `r`
/// (exact sums: neither the thread count nor the executor may change a count).
pub fn assert_same_on_one_thread_event_engine(
    s: &Scenario,
    opts: &mixsim::experiment::RunOptions,
    r: &mixsim::experiment::RunResult,
) {
    let again = mixsim::experiment::run(
        s,
        &mixsim::experiment::RunOptions {
            jobs: 1,
            executor: mixsim::net::plan::Executor::Event,
            ..opts.clone()
        },
    );
    assert_eq!(r.tally.attacks, again.tally.attacks);
}
