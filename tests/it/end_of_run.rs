//! The end of a trial: it covers [0, duration). Events due at `duration` do not happen, so the
//! link counters and the traces count the same packets, losses count when they happen, and
//! packets still on their way are in flight.

use crate::common::parse;
use mixsim::experiment::runner::tap_setup;
use mixsim::net::tap::TapPoint;
use mixsim::net::Network;

/// alice -> a timed mix (flushing every 100 ms, so once at the end, t = 2 s) -> bob over a slow
/// link with a small buffer: every flush overflows it. `extra` goes into the output link.
fn timed_flush_at_the_end(extra: &str) -> String {
    format!(
        r#"name = "end"
warmup = "0s"
duration = "2s"
[[node]]
name = "alice"
kind = "host"
[[node]]
name = "mix"
kind = "mix"
strategy = "timed"
t_avg = "100ms"
[[node]]
name = "bob"
kind = "host"
[[link]]
from = "alice"
to = "mix"
bandwidth = "100Mbps"
[[link]]
from = "mix"
to = "bob"
bandwidth = "2Mbps"
buffer = 5
{extra}
[[flow]]
name = "alice"
route = ["alice", "mix", "bob"]
model = "poisson"
rate = "200pps"
"#
    )
}

#[test]
fn counters_and_traces_agree_at_the_end() {
    let s = parse(&timed_flush_at_the_end(""));
    let (net, _) = Network::run(&s.topology(), 2, 0, tap_setup(&s, true));
    for link in &net.links {
        let view = link.tap.view();
        // Offered (buffer drops included) = what reached the sending side before the end.
        assert_eq!(
            link.stats.offered as usize,
            view.trace(TapPoint::Enqueue).len()
        );
        assert_eq!(link.stats.sent as usize, view.trace(TapPoint::Depart).len());
    }
    let out = &net.links[1];
    assert!(out.stats.drops_buffer > 100, "{:?}", out.stats);
    // The flush due at 2 s did not happen: its packets are in flight, not dropped.
    assert!(net.counters.in_flight() >= 15, "{:?}", net.counters);
    assert_eq!(net.counters.in_flight(), net.live_packets());
}

#[test]
fn a_loss_counts_when_it_happens() {
    // A lossy, slow (250 pkt/s), zero-delay output link with a deep buffer, offered on/off
    // bursts of 400 pkt/s (exponential on and off periods, mean 1 s each): with this seed a
    // burst is under way at the end, and the queue holds packets that would leave (and half of
    // them be lost) after 2 s; only the losses before the end count.
    let s = parse(
        &timed_flush_at_the_end("loss = 0.5")
            .replace("buffer = 5", "buffer = 100000")
            .replace("strategy = \"timed\"\nt_avg = \"100ms\"", "t_avg = \"1ms\"")
            .replace(
                "model = \"poisson\"\nrate = \"200pps\"",
                "model = \"onoff\"\nrate = \"400pps\"\non = \"1s\"\noff = \"1s\"",
            ),
    );
    let (net, _) = Network::run(&s.topology(), 2, 0, tap_setup(&s, true));
    let out = &net.links[1];
    let (departed, arrived) = (
        out.tap.view().trace(TapPoint::Depart).len() as u64,
        out.tap.view().trace(TapPoint::Arrive).len() as u64,
    );
    assert_eq!(out.stats.drops_loss, departed - arrived);
    assert!(out.stats.drops_loss > 50, "{:?}", out.stats);
    let c = net.counters;
    assert_eq!(c.created, c.delivered + c.dropped() + c.in_flight());
    assert!(c.in_flight() > 60, "{c:?}");
    assert_eq!(c.in_flight(), net.live_packets());
}
