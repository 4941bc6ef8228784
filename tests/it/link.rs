//! A link serves packets first in, first out, each for size / bandwidth, and drops at the tail
//! when its buffer is full.

use mixsim::engine::{stream, time};
use mixsim::net::tap::{Tap, TapConfig, TapPoint};
use mixsim::net::{DropReason, Link, LinkOutcome, Packet};

fn packet(seq: u64, size: u32) -> Packet {
    Packet::new(0, seq, size, 0)
}

fn tap() -> Tap {
    Tap::new(TapConfig {
        points: [true; 3],
        start: 0,
        interval: time::MS,
        bins: 1000,
        trace: true,
    })
}

#[test]
fn fifo_order_and_service_time() {
    // 8 Mb/s: one byte takes 1 us. Bursts of packets of varied sizes arrive together.
    let mut link = Link::new(8e6, 5 * time::MS, 1000, tap(), time::S);
    let mut rng = stream(1, 0, 0);
    let sizes = [1000u32, 40, 1500, 576, 1000, 9000, 64, 1200];
    let mut expected_departure = 0;
    let mut last_arrival = 0;
    for (i, &size) in sizes.iter().cycle().take(200).enumerate() {
        let now = (i as u64 / 4) * 3 * time::MS; // four packets every 3 ms: a queue builds up
        let mut p = packet(i as u64, size);
        let LinkOutcome::Arrives(t) = link.offer(now, &mut p, &mut rng) else {
            panic!("no drops with a large buffer")
        };
        // Service time = size / bandwidth, after the previous packet has left.
        expected_departure = expected_departure.max(now) + size as u64 * time::US;
        assert_eq!(t, expected_departure + 5 * time::MS, "packet {i}");
        assert_eq!(
            p.queueing,
            expected_departure - size as u64 * time::US - now
        );
        assert!(
            t >= last_arrival,
            "FIFO: packet {i} overtook its predecessor"
        );
        last_arrival = t;
    }
    let departs = link.tap.view().trace(TapPoint::Depart);
    assert_eq!(departs.len(), 200);
    // Departures in offer order carry the offered sizes in that order.
    let seen: Vec<u32> = departs.iter().map(|r| r.size).collect();
    let offered: Vec<u32> = sizes.iter().cycle().take(200).copied().collect();
    assert_eq!(seen, offered);
}

#[test]
fn drop_tail_when_buffer_full() {
    // 1 packet takes 1 ms; a buffer of 3 holds the one in service and two waiting.
    let mut link = Link::new(8e6, 0, 3, tap(), time::S);
    let mut rng = stream(1, 0, 0);
    let outcomes: Vec<LinkOutcome> = (0..5)
        .map(|i| link.offer(0, &mut packet(i, 1000), &mut rng))
        .collect();
    assert!(matches!(outcomes[2], LinkOutcome::Arrives(t) if t == 3 * time::MS));
    assert_eq!(outcomes[3], LinkOutcome::Dropped(DropReason::BufferFull));
    assert_eq!(outcomes[4], LinkOutcome::Dropped(DropReason::BufferFull));
    // Once the first packet has left, there is room again.
    assert!(
        matches!(link.offer(time::MS, &mut packet(5, 1000), &mut rng), LinkOutcome::Arrives(t) if t == 4 * time::MS)
    );
    assert_eq!(link.stats.drops_buffer, 2);
}

proptest::proptest! {
    /// For any arrival pattern and packet sizes: departures keep arrival order, none starts
    /// before its packet arrived or before the previous one left, each takes exactly
    /// size / bandwidth, and the buffer never holds more than its limit. Buffers both below
    /// and above the length at which the link looks for departed packets (32).
    #[test]
    fn fifo_service_for_any_arrivals(
        offers in proptest::collection::vec((0u64..3_000_000, 40u32..9000), 1..300),
        buffer in 1u64..80,
    ) {
        let mut link = Link::new(8e6, time::MS, buffer, tap(), u64::MAX);
        let mut rng = stream(2, 0, 0);
        let (mut now, mut last_departure) = (0u64, 0u64);
        let mut in_system: Vec<u64> = Vec::new();
        for (seq, &(gap, size)) in offers.iter().enumerate() {
            now += gap;
            in_system.retain(|&d| d > now);
            let mut p = packet(seq as u64, size);
            match link.offer(now, &mut p, &mut rng) {
                LinkOutcome::Arrives(t) => {
                    let departure = t - time::MS;
                    let service = size as u64 * time::US;
                    proptest::prop_assert_eq!(departure, now.max(last_departure) + service);
                    proptest::prop_assert_eq!(p.queueing, departure - service - now);
                    last_departure = departure;
                    in_system.push(departure);
                    proptest::prop_assert!(in_system.len() as u64 <= buffer);
                }
                LinkOutcome::Dropped(reason) => {
                    proptest::prop_assert_eq!(reason, DropReason::BufferFull);
                    proptest::prop_assert_eq!(in_system.len() as u64, buffer);
                }
            }
        }
    }
}
