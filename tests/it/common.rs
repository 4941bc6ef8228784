//! Helpers shared by the integration tests.

use mixsim::scenario::Scenario;
use std::path::{Path, PathBuf};

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
