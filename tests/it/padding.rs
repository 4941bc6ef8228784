//! Link padding: constant-rate output whatever the input, dummies counted, and with every
//! candidate link padded the count attacks learn nothing.

use crate::common::parse;
use mixsim::experiment::run;
use mixsim::experiment::runner::tap_setup;
use mixsim::net::link::DUMMY_FLOW;
use mixsim::net::tap::TapPoint;
use mixsim::net::Network;
use mixsim::scenario::{Scenario, ScenarioError};
use std::path::Path;

/// alice and s2 -> exponential mix -> bob and r2 over 1 Gb/s links; `pad` is added to both
/// mix output links; alice's traffic is `alice`.
fn padded(alice: &str, pad: &str) -> String {
    format!(
        r#"
name = "padded"
warmup = "1s"
[[node]]
name = "alice"
kind = "host"
[[node]]
name = "s2"
kind = "host"
[[node]]
name = "mix"
kind = "mix"
t_avg = "20ms"
[[node]]
name = "bob"
kind = "host"
[[node]]
name = "r2"
kind = "host"
[[link]]
from = "alice"
to = "mix"
bandwidth = "1Gbps"
[[link]]
from = "s2"
to = "mix"
bandwidth = "1Gbps"
[[link]]
from = "mix"
to = "bob"
bandwidth = "1Gbps"
{pad}
[[link]]
from = "mix"
to = "r2"
bandwidth = "1Gbps"
{pad}
[[flow]]
name = "alice"
route = ["alice", "mix", "bob"]
{alice}
[[flow]]
name = "noise"
route = ["s2", "mix", "r2"]
model = "poisson"
rate = "300pps"
[attack]
target = "alice"
sample_sizes = [100, 1000]
estimators = ["mi", "mi-mm", "mi-z", "xcorr", "xcorr-lag"]
"#
    )
}

const CONSTANT: &str = "padding = \"constant\"\npadding_rate = \"1000pps\"";

#[test]
fn constant_padding_output_is_constant_whatever_the_input() {
    for alice in [
        "model = \"poisson\"\nrate = \"200pps\"",
        "model = \"onoff\"\nrate = \"800pps\"\non = \"200ms\"\noff = \"600ms\"",
        "model = \"constant\"\nrate = \"50pps\"",
    ] {
        let s = parse(&padded(alice, CONSTANT));
        let (net, _) = Network::run(&s.topology(), 9, 0, tap_setup(&s, true));
        for l in [2, 3] {
            let counts = net.links[l].tap.view().counts(TapPoint::Depart);
            assert_eq!(counts.len(), 1000);
            assert!(
                counts.iter().all(|&c| c == 10),
                "{alice}: link {l}: {counts:?}"
            );
            let stats = net.links[l].stats;
            assert!(stats.dummies > 0 && stats.dummies < stats.sent, "{stats:?}");
            // Ground truth marks the dummies: exactly `dummies` records at depart carry the
            // dummy label (the trace ends at the horizon, as the stats do).
            let truth = &net.links[l].tap.ground_truth().flows[TapPoint::Depart as usize];
            let marked = truth.iter().filter(|&&f| f == DUMMY_FLOW).count() as u64;
            assert_eq!(marked, stats.dummies, "{alice}: link {l}");
        }
        // Padding adds packets on the wire, not to the flows: conservation holds as before.
        let c = net.counters;
        assert_eq!(c.created, c.delivered + c.dropped() + c.in_flight());
        assert_eq!(c.in_flight(), net.live_packets());
    }
}

#[test]
fn full_padding_of_every_candidate_defeats_the_count_attacks() {
    let s = parse(&padded("model = \"poisson\"\nrate = \"200pps\"", CONSTANT));
    // Every candidate's count series is the same constant...
    let (net, _) = Network::run(&s.topology(), 4, 0, tap_setup(&s, false));
    let bob = net.links[2].tap.view().counts(TapPoint::Depart);
    let r2 = net.links[3].tap.view().counts(TapPoint::Depart);
    assert_eq!(bob, r2);
    // ... so every estimator ties at every N, and a tie is a failure.
    let r = run(&s, &crate::common::run_options(4, 20, 1));
    for (e, a) in r.attacks.iter().enumerate() {
        let correct = [0, 1].map(|i| r.tally.correct(e, i));
        assert_eq!(correct, [0, 0], "{}", a.name);
    }
    // Unpadded, the same scenario is broken at N = 1000 by MI.
    let bare = parse(&padded("model = \"poisson\"\nrate = \"200pps\"", ""));
    let r = run(&bare, &crate::common::run_options(4, 20, 1));
    assert!(r.tally.correct(0, 1) >= 18, "{:?}", r.tally.attacks);
}

#[test]
fn poisson_padding_sends_at_its_rate_and_delays_real_packets() {
    let s = parse(&padded(
        "model = \"poisson\"\nrate = \"200pps\"",
        "padding = \"poisson\"\npadding_rate = \"600pps\"",
    ));
    let (net, _) = Network::run(&s.topology(), 2, 0, tap_setup(&s, false));
    // 11 s at 600 slots/s: 6600 slots, Poisson: within 5 sd (sd = 81).
    for l in [2, 3] {
        let st = net.links[l].stats;
        assert!(
            (st.sent as f64 - 6600.0).abs() < 5.0 * 6600f64.sqrt(),
            "{st:?}"
        );
        // Real packets wait for a slot: about 1/600 s on average (the residual life of an
        // exponential gap), more with queueing; without padding they would not wait at all.
        let real = st.sent - st.dummies;
        let wait = st.wait_ns as f64 / real as f64 / 1e9;
        assert!(wait > 1.0 / 600.0, "mean wait {wait}");
    }
}

fn refused(pad: &str) -> String {
    let text = padded("model = \"poisson\"\nrate = \"200pps\"", pad);
    match Scenario::parse(&text, Path::new("x.toml"), &[]) {
        Err(e @ ScenarioError::Invalid { .. }) => e.to_string(),
        Err(other) => panic!("expected a located error, got {other}"),
        Ok(_) => panic!("{pad} should be refused"),
    }
}

#[test]
fn padding_keys_are_validated() {
    let e = refused("padding_rate = \"100pps\"");
    assert!(
        e.contains("link[2].padding_rate") && e.contains("needs padding"),
        "{e}"
    );
    let e = refused("padding = \"constant\"");
    assert!(
        e.contains("link[2].padding_rate") && e.contains("needs padding_rate"),
        "{e}"
    );
    let e = refused("padding = \"constant\"\npadding_rate = \"100pps\"");
    assert!(
        e.contains("link[2].padding_rate") && e.contains("offered"),
        "{e}"
    );
    let e = refused("padding = \"constant\"\npadding_rate = \"200kpps\"");
    assert!(e.contains("within the bandwidth"), "{e}");
    let e = refused("padding = \"constant\"\npadding_rate = \"1000pps\"\njitter = \"1ms\"");
    assert!(e.contains("link[2].padding") && e.contains("jitter"), "{e}");
    let e = refused("padding = \"steady\"\npadding_rate = \"1000pps\"");
    assert!(e.contains("link[2].padding"), "{e}");
}
