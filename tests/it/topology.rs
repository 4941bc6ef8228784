//! Routes may cross several mixes; mix strategies are pluggable.

use crate::common::parse;
use mixsim::experiment::runner::tap_setup;
use mixsim::net::Network;

fn cascade(strategy: &str) -> String {
    format!(
        r#"
name = "cascade"
warmup = "1s"
duration = "41s"
[[node]]
name = "alice"
kind = "host"
[[node]]
name = "m1"
kind = "mix"
t_avg = "10ms"
strategy = "{strategy}"
[[node]]
name = "m2"
kind = "mix"
t_avg = "30ms"
strategy = "{strategy}"
[[node]]
name = "bob"
kind = "host"
[[link]]
from = "alice"
to = "m1"
bandwidth = "100Mbps"
delay = "1ms"
[[link]]
from = "m1"
to = "m2"
bandwidth = "100Mbps"
delay = "5ms"
[[link]]
from = "m2"
to = "bob"
bandwidth = "100Mbps"
delay = "1ms"
[[flow]]
name = "alice"
route = ["alice", "m1", "m2", "bob"]
model = "poisson"
rate = "500pps"
"#
    )
}

#[test]
fn a_route_through_two_exponential_mixes_is_held_by_both() {
    let s = parse(&cascade("exponential"));
    let (net, _) = Network::run(&s.topology(), 4, 0, tap_setup(&s, false));
    let hold = &net.latency.mix_hold;
    let e2e = &net.latency.end_to_end;
    // Total hold = Exp(10 ms) + Exp(30 ms): mean 40 ms, variance 100 + 900 ms^2.
    let n = hold.len() as f64;
    let se = (1000.0f64).sqrt() * 1e-3 / n.sqrt();
    let mean = hold.mean() * 1e-9;
    assert!(n > 15_000.0);
    assert!(
        (mean - 0.040).abs() < 5.0 * se + 4e-5,
        "mean hold {mean} vs 0.040 (se {se})"
    );
    // End to end adds three propagation delays (7 ms) and transmission (3 x 80 us), no queueing
    // to speak of at 4% load.
    let extra = e2e.mean() * 1e-9 - mean;
    assert!(
        (extra - 0.00724).abs() < 2e-4,
        "end-to-end minus hold = {extra}"
    );
}

#[test]
fn a_timed_mix_releases_on_its_period_boundaries() {
    let s = parse(&cascade("timed"));
    let (net, _) = Network::run(&s.topology(), 4, 0, tap_setup(&s, true));
    // m1 flushes every 10 ms: every packet leaves m1 (enters link m1->m2) at a multiple of
    // 10 ms, and m2 holds until the next multiple of 30 ms.
    let link = &net.links[s.link_index("m1->m2").unwrap()];
    let enq = link.tap.view().trace(mixsim::net::tap::TapPoint::Enqueue);
    assert!(enq.len() > 15_000);
    assert!(enq.iter().all(|r| r.time % 10_000_000 == 0));
    let out = &net.links[s.link_index("m2->bob").unwrap()];
    let enq2 = out.tap.view().trace(mixsim::net::tap::TapPoint::Enqueue);
    assert!(enq2.iter().all(|r| r.time % 30_000_000 == 0));
    // Poisson arrivals at m1 wait 5 ms on average for its boundary. They reach m2 5.08 ms
    // after a multiple of 10 ms (propagation plus transmission), so m2 holds them 24.92, 14.92
    // or 4.92 ms to its next multiple of 30 ms, equally often: 14.92 ms on average. Total
    // 19.92 ms; the standard error over ~20 000 packets is about 0.06 ms.
    let mean = net.latency.mix_hold.mean() * 1e-6;
    assert!(
        (mean - 19.92).abs() < 0.3,
        "mean hold {mean} ms vs 19.92 ms"
    );
}
