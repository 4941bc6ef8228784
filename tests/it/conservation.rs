//! Every packet created is delivered, dropped (with a reason) or still in flight at the end.

use crate::common::parse;
use mixsim::experiment::runner::tap_setup;
use mixsim::net::Network;

#[test]
fn created_equals_delivered_plus_dropped_plus_in_flight() {
    // A small buffer on a loaded output link (buffer drops) and a lossy path (loss drops).
    let text = crate::common::single_mix(
        "20ms",
        "550pps",
        "5Mbps",
        "buffer = 3\nloss = 0.02\njitter = \"2ms\"",
    );
    let s = parse(&text);
    for trial in 0..3 {
        let (net, events) = Network::run(&s.topology(), 7, trial, tap_setup(&s, false));
        let c = net.counters;
        assert!(events > 0);
        assert!(c.created > 10_000, "{c:?}");
        assert!(
            c.dropped_buffer > 0,
            "the 3-packet buffer should overflow: {c:?}"
        );
        assert!(c.dropped_loss > 0, "the lossy path should drop: {c:?}");
        // The counters balance, and the packets still held by the network, counted
        // independently from the packet store, are exactly the ones in flight.
        assert_eq!(c.created, c.delivered + c.dropped() + c.in_flight());
        assert_eq!(c.in_flight(), net.live_packets(), "{c:?}");
        // Link counters agree with the network's.
        let stats = net.link_stats();
        assert_eq!(
            stats.iter().map(|l| l.drops_buffer).sum::<u64>(),
            c.dropped_buffer
        );
        assert_eq!(
            stats.iter().map(|l| l.drops_loss).sum::<u64>(),
            c.dropped_loss
        );
    }
}
